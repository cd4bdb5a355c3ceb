#include "protocol/imap/imap_response_parser.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "protocol/imap/imap_chars.h"

namespace lemonade::imap {

bool ImapValue::IsAtom(absl::string_view word) const {
  return type == Type::kAtom && absl::EqualsIgnoreCase(text, word);
}

std::optional<absl::string_view> ImapValue::AsNString() const {
  if (type == Type::kNil) return std::nullopt;
  return text;
}

const ImapValue* ImapValue::Find(absl::string_view key) const {
  for (size_t i = 0; i + 1 < list.size(); i += 2) {
    if ((list[i].type == Type::kAtom) && absl::EqualsIgnoreCase(list[i].text, key)) {
      return &list[i + 1];
    }
  }
  return nullptr;
}

namespace {

class ValueReader {
 public:
  ValueReader(char* data, size_t size, const ImapLimits& limits)
      : data_(data), s_(data, size), limits_(limits) {}

  bool Fail(absl::string_view message) {
    if (error_.empty()) error_ = std::string(message);
    return false;
  }
  const std::string& error() const { return error_; }
  bool AtLineEnd() const { return pos_ + 2 <= s_.size() && s_[pos_] == '\r' && s_[pos_ + 1] == '\n'; }
  bool Consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  size_t pos() const { return pos_; }
  void set_pos(size_t p) { pos_ = p; }
  absl::string_view Rest() const { return s_.substr(pos_); }

  // Text up to CRLF.
  absl::string_view LineText() {
    size_t end = s_.find("\r\n", pos_);
    if (end == absl::string_view::npos) end = s_.size();
    absl::string_view t = s_.substr(pos_, end - pos_);
    pos_ = end;
    return t;
  }

  // An atom; a fetch item name keeps its "[section]", spaces and
  // parentheses included (BODY[HEADER.FIELDS (FROM TO)]). "<origin>" needs
  // no care: '<' and '>' are ATOM-CHARs, as is any other '[' (mailbox
  // "a[b").
  absl::string_view Atom() {
    size_t start = pos_;
    while (pos_ < s_.size()) {
      unsigned char c = s_[pos_];
      if (c == '[' && IsSectionItem(s_.substr(start, pos_ - start))) {
        size_t close = SectionEnd(pos_ + 1);
        if (close != absl::string_view::npos) {
          pos_ = close + 1;
          continue;
        }
      }
      // Atoms in responses may contain '\' (flags) and '*' (\*); ']' too.
      if (c == ' ' || c == '(' || c == ')' || c == '"' || c == '{' || c == '\r' || c == '\n') {
        break;
      }
      ++pos_;
    }
    return s_.substr(start, pos_ - start);
  }

  // Fetch items whose name a section follows (RFC 3501 §7.4.2, RFC 3516).
  static bool IsSectionItem(absl::string_view name) {
    return absl::EqualsIgnoreCase(name, "BODY") || absl::EqualsIgnoreCase(name, "BINARY") ||
           absl::EqualsIgnoreCase(name, "BINARY.SIZE") ||
           absl::EqualsIgnoreCase(name, "BODY.PEEK") || absl::EqualsIgnoreCase(name, "BINARY.PEEK");
  }

  // The ']' that closes a section whose text starts at `from`, or npos if
  // what follows is no section. The section is read by its grammar (a part
  // path and text name, then maybe a header list of atoms and quoted
  // strings), not by looking for the next ']': that could lie in a later
  // string, and where an atom ends would then depend on how the strings
  // after it are written.
  size_t SectionEnd(size_t from) const {
    constexpr size_t npos = absl::string_view::npos;
    auto at = [this](size_t i) { return i < s_.size() ? s_[i] : '\0'; };
    size_t i = from;
    while (absl::ascii_isalnum(static_cast<unsigned char>(at(i))) || at(i) == '.' || at(i) == '-') {
      ++i;
    }
    if (at(i) == ' ' && at(i + 1) == '(') {  // header-list
      i += 2;
      for (bool first = true; at(i) != ')'; first = false) {
        if (!first && at(i++) != ' ') return npos;
        if (at(i) == '"') {
          for (++i; at(i) != '"'; ++i) {
            if (at(i) == '\\') ++i;
            if (i >= s_.size() || at(i) == '\r' || at(i) == '\n') return npos;
          }
          ++i;
        } else {
          const size_t start = i;
          while (i < s_.size() && IsAstringChar(static_cast<unsigned char>(s_[i])) && s_[i] != ']') {
            ++i;
          }
          if (i == start) return npos;
        }
      }
      ++i;
    }
    return at(i) == ']' ? i : npos;
  }

  bool Value(ImapValue* v, int depth) {
    if (depth > limits_.nesting_depth_max) return Fail("nesting too deep");
    if (pos_ >= s_.size()) return Fail("unexpected end");
    char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      v->type = ImapValue::Type::kList;
      while (!Consume(')')) {
        // body-type-mpart = 1*body SP media-subtype: the bodies of a
        // multipart BODYSTRUCTURE follow each other without SP.
        if (!v->list.empty() && !Consume(' ') &&
            !(v->list.back().type == ImapValue::Type::kList && pos_ < s_.size() &&
              s_[pos_] == '(')) {
          return Fail("expected SP in list");
        }
        if (Consume(')')) break;  // tolerate "( )" style trailing space
        if (v->list.size() >= limits_.list_items_max) return Fail("list too long");
        v->list.emplace_back();
        if (!Value(&v->list.back(), depth + 1)) return false;
      }
      return true;
    }
    if (c == '"') {
      ++pos_;
      v->type = ImapValue::Type::kString;
      // Escapes are removed in place (the frame is ours), so values stay
      // views without copies.
      char* start = data_ + pos_;
      char* w = start;
      while (pos_ < s_.size() && s_[pos_] != '"') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        if (s_[pos_] == '\r' || s_[pos_] == '\n') return Fail("unterminated quoted string");
        *w++ = data_[pos_++];
      }
      if (pos_ >= s_.size()) return Fail("unterminated quoted string");
      ++pos_;
      v->text = absl::string_view(start, w - start);
      return true;
    }
    // literal8 starts "~{"; otherwise '~' is an ATOM-CHAR ("~/Mail/foo").
    if (c == '{' || (c == '~' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '{')) {
      Consume('~');
      if (!Consume('{')) return Fail("expected literal");
      uint64_t n = 0;
      size_t digits = 0;
      while (pos_ < s_.size() && absl::ascii_isdigit(static_cast<unsigned char>(s_[pos_]))) {
        n = n * 10 + (s_[pos_++] - '0');
        if (++digits > 19) return Fail("literal size out of range");
      }
      Consume('+');
      if (digits == 0 || !Consume('}') || !Consume('\r') || !Consume('\n')) {
        return Fail("malformed literal");
      }
      if (s_.size() - pos_ < n) return Fail("literal truncated");
      v->type = ImapValue::Type::kString;
      v->literal = true;
      v->text = s_.substr(pos_, n);
      pos_ += n;
      return true;
    }
    absl::string_view atom = Atom();
    if (atom.empty()) return Fail(absl::StrCat("unexpected character '", std::string(1, c), "'"));
    if (absl::EqualsIgnoreCase(atom, "NIL")) {
      v->type = ImapValue::Type::kNil;
      v->text = atom;
      return true;
    }
    bool all_digits = atom.size() <= 19;
    for (char d : atom) all_digits = all_digits && absl::ascii_isdigit(static_cast<unsigned char>(d));
    v->text = atom;
    if (all_digits) {
      v->type = ImapValue::Type::kNumber;
      uint64_t n = 0;
      for (char d : atom) n = n * 10 + (d - '0');
      v->number = n;
    } else {
      v->type = ImapValue::Type::kAtom;
    }
    return true;
  }


 private:
  char* data_;
  absl::string_view s_;
  size_t pos_ = 0;
  const ImapLimits& limits_;
  std::string error_;
};

bool IsStatusWord(absl::string_view w) {
  return absl::EqualsIgnoreCase(w, "OK") || absl::EqualsIgnoreCase(w, "NO") ||
         absl::EqualsIgnoreCase(w, "BAD") || absl::EqualsIgnoreCase(w, "BYE") ||
         absl::EqualsIgnoreCase(w, "PREAUTH");
}

// resp-text = ["[" resp-text-code "]" SP] text
void ParseRespText(ValueReader& r, ImapResponse* resp) {
  if (r.Consume('[')) {
    absl::string_view rest = r.Rest();
    size_t close = rest.find(']');
    size_t eol = rest.find("\r\n");
    // A code is an atom, maybe followed by SP and arguments; "[]" and
    // "[ x]" are text.
    if (close != absl::string_view::npos && close < eol && close > 0 && rest[0] != ' ') {
      absl::string_view inside = rest.substr(0, close);
      size_t sp = inside.find(' ');
      resp->code = inside.substr(0, sp);
      if (sp != absl::string_view::npos) resp->code_args = inside.substr(sp + 1);
      r.set_pos(r.pos() + close + 1);
      r.Consume(' ');
    } else {
      r.set_pos(r.pos() - 1);  // no code: the '[' is text
    }
  }
  resp->text = r.LineText();
}

}  // namespace

bool ParseFramedResponse(char* data, size_t size, const ImapLimits& limits,
                         ImapResponse* resp, std::string* error) {
  *resp = ImapResponse();
  absl::string_view frame(data, size);
  resp->raw = frame;
  ValueReader r(data, size, limits);
  if (r.Consume('+')) {
    resp->kind = ImapResponse::Kind::kContinuation;
    r.Consume(' ');
    resp->text = r.LineText();
    return true;
  }
  if (r.Consume('*')) {
    resp->kind = ImapResponse::Kind::kUntagged;
  } else {
    resp->kind = ImapResponse::Kind::kTagged;
    size_t end = 0;
    while (end < frame.size() && IsTagChar(static_cast<unsigned char>(frame[end]))) ++end;
    if (end == 0) {
      *error = "response without tag";
      return false;
    }
    resp->tag = frame.substr(0, end);
    r.set_pos(end);
  }
  if (!r.Consume(' ')) {
    *error = "expected SP after tag";
    return false;
  }
  absl::string_view word = r.Atom();
  if (!word.empty() && absl::ascii_isdigit(static_cast<unsigned char>(word[0]))) {
    uint64_t n = 0;
    for (char d : word) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(d)) || n > 0xffffffffull) {
        *error = "invalid message number";
        return false;
      }
      n = n * 10 + (d - '0');
    }
    if (n > 0xffffffffull) {  // nz-number is 32-bit (RFC 3501 §9)
      *error = "invalid message number";
      return false;
    }
    resp->number = static_cast<uint32_t>(n);
    if (!r.Consume(' ')) {
      *error = "expected SP after number";
      return false;
    }
    word = r.Atom();
  }
  resp->name = absl::AsciiStrToUpper(word);
  if (resp->name.empty()) {
    *error = "missing response name";
    return false;
  }
  if (IsStatusWord(word) && !resp->number.has_value()) {
    resp->status = resp->name;
    r.Consume(' ');
    ParseRespText(r, resp);
    return true;
  }
  if (resp->kind == ImapResponse::Kind::kTagged) {
    *error = "tagged response without status";
    return false;
  }
  while (r.Consume(' ')) {
    if (r.AtLineEnd()) break;
    if (resp->values.size() >= limits.list_items_max) {
      *error = "too many values";
      return false;
    }
    resp->values.emplace_back();
    if (!r.Value(&resp->values.back(), 0)) {
      *error = r.error();
      return false;
    }
  }
  if (!r.AtLineEnd()) {
    *error = "expected CRLF";
    return false;
  }
  return true;
}

ImapResponseParser::ImapResponseParser(const ImapLimits& limits)
    : limits_(limits), framer_(limits_, ImapFramer::Side::kClient) {}

ResponseParseResult ImapResponseParser::Parse(absl::string_view input) {
  FrameResult f = framer_.Feed(input);
  if (f.event == FrameEvent::kError) {
    error_ = framer_.error().kind == FrameErrorKind::kBadLiteral ? "invalid literal"
                                                                 : "response too large";
    return {f.consumed, ResponseEvent::kError};
  }
  if (f.event != FrameEvent::kFrame) return {f.consumed, ResponseEvent::kNeedMore};
  if (!ParseFramedResponse(framer_.mutable_frame_data(), framer_.frame().size(), limits_,
                           &response_, &error_)) {
    return {f.consumed, ResponseEvent::kError};
  }
  return {f.consumed, ResponseEvent::kResponse};
}

}  // namespace lemonade::imap
