#include "protocol/mime/encoded_words.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "protocol/mime/header_field.h"
#include "protocol/mime/transfer_encoding.h"

namespace lemonade::mime {
namespace {

// The first position >= start where `found(c)` holds, remembered so that a
// text full of "=?" that never become encoded-words is still scanned in
// linear time: queries come with non-decreasing `start`, and a cached
// answer stays right for every start up to it.
class ForwardFinder {
 public:
  template <typename Predicate>
  size_t Find(absl::string_view text, size_t start, Predicate found) {
    if (valid_ && start >= from_ && (result_ == absl::string_view::npos || start <= result_)) {
      return result_;
    }
    size_t i = start;
    while (i < text.size() && !found(text, i)) ++i;
    from_ = start;
    result_ = i < text.size() ? i : absl::string_view::npos;
    valid_ = true;
    return result_;
  }

 private:
  bool valid_ = false;
  size_t from_ = 0;
  size_t result_ = 0;
};

bool IsQuestion(absl::string_view t, size_t i) { return t[i] == '?'; }
bool IsTerminator(absl::string_view t, size_t i) {
  return t[i] == '?' && i + 1 < t.size() && t[i + 1] == '=';
}
bool IsSpace(absl::string_view t, size_t i) {
  return t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n';
}

struct EncodedWord {
  absl::string_view charset;
  char encoding;  // 'B' or 'Q'
  absl::string_view text;
  size_t end;  // position after "?="
};

class WordScanner {
 public:
  explicit WordScanner(absl::string_view text) : text_(text) {}

  // Parses an encoded-word at `pos` (where "=?" is).
  bool Parse(size_t pos, EncodedWord* word) {
    const size_t charset_begin = pos + 2;
    const size_t q1 = question_.Find(text_, charset_begin, IsQuestion);
    if (q1 == absl::string_view::npos || q1 == charset_begin) return false;
    const size_t space1 = charset_space_.Find(text_, charset_begin, IsSpace);
    if (space1 != absl::string_view::npos && space1 < q1) return false;
    if (q1 + 2 >= text_.size() || text_[q1 + 2] != '?') return false;
    const char encoding = text_[q1 + 1];
    if (encoding != 'B' && encoding != 'b' && encoding != 'Q' && encoding != 'q') return false;
    const size_t text_begin = q1 + 3;
    const size_t terminator = terminator_.Find(text_, text_begin, IsTerminator);
    if (terminator == absl::string_view::npos) return false;
    const size_t space2 = text_space_.Find(text_, text_begin, IsSpace);
    if (space2 != absl::string_view::npos && space2 < terminator) return false;
    word->charset = text_.substr(charset_begin, q1 - charset_begin);
    word->encoding = static_cast<char>(encoding & ~0x20);
    word->text = text_.substr(text_begin, terminator - text_begin);
    word->end = terminator + 2;
    return true;
  }

 private:
  absl::string_view text_;
  ForwardFinder question_, charset_space_, terminator_, text_space_;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 2047 §4.2 "Q": '_' is SP, "=XY" an octet, anything else itself.
void AppendQDecoded(absl::string_view in, std::string* out) {
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '_') {
      out->push_back(' ');
    } else if (c == '=' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 &&
               HexValue(in[i + 2]) >= 0) {
      out->push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
}

bool AllWsp(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return IsWsp(c); });
}

std::string DecodeUnfolded(absl::string_view text, CharsetConverter* converter) {
  std::string out;
  out.reserve(text.size());
  WordScanner scanner(text);
  std::string plain;    // raw text since the last encoded-word
  std::string pending;  // decoded octets of adjacent encoded-words
  absl::string_view pending_charset;
  bool after_word = false;
  auto flush_pending = [&]() {
    if (pending.empty()) return;
    converter->AppendUtf8(pending_charset, pending, &out);
    pending.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    EncodedWord word;
    if (text[i] == '=' && i + 1 < text.size() && text[i + 1] == '?' && scanner.Parse(i, &word)) {
      // RFC 2047 §6.2: white space between adjacent encoded-words is
      // not displayed.
      if (after_word && AllWsp(plain)) plain.clear();
      if (!plain.empty() || !absl::EqualsIgnoreCase(pending_charset, word.charset)) {
        flush_pending();
      }
      if (!plain.empty()) {
        AppendUtf8OrLatin1(plain, &out);
        plain.clear();
      }
      pending_charset = word.charset;
      if (word.encoding == 'B') {
        AppendBase64Decoded(word.text, &pending);
      } else {
        AppendQDecoded(word.text, &pending);
      }
      after_word = true;
      i = word.end;
      continue;
    }
    plain.push_back(text[i]);
    ++i;
  }
  flush_pending();
  AppendUtf8OrLatin1(plain, &out);
  return out;
}

}  // namespace

std::string DecodeHeaderText(absl::string_view raw_value, CharsetConverter* converter) {
  return DecodeUnfolded(UnfoldHeaderValue(raw_value), converter);
}

std::string DecodeParameterValue(const Parameter& param, CharsetConverter* converter) {
  if (param.extended) {
    std::string out;
    converter->AppendUtf8(param.charset, param.value, &out);
    return out;
  }
  return DecodeUnfolded(param.value, converter);
}

}  // namespace lemonade::mime
