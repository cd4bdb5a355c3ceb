#include "protocol/smtp/smtp_reply_parser.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"

namespace lemonade::smtp {
namespace {

// Splits "d.d{1,3}.d{1,3}" off the front of `text` if it is an enhanced
// status code of class `klass` followed by spaces or the end.
std::optional<EnhancedStatusCode> TakeEnhancedCode(absl::string_view* text, int klass) {
  size_t end = 0;
  while (end < text->size() && (*text)[end] != ' ') ++end;
  std::optional<EnhancedStatusCode> code = EnhancedStatusCode::Parse(text->substr(0, end));
  if (!code || code->klass != klass) return std::nullopt;
  // RFC 2034 §3: "always followed by one or more spaces".
  while (end < text->size() && (*text)[end] == ' ') ++end;
  text->remove_prefix(end);
  return code;
}

}  // namespace

absl::string_view SmtpReplyErrorName(SmtpReplyError error) {
  switch (error) {
    case SmtpReplyError::kNone: return "none";
    case SmtpReplyError::kLineTooLong: return "line too long";
    case SmtpReplyError::kTooManyLines: return "too many lines";
    case SmtpReplyError::kInvalidReplyCode: return "invalid reply code";
    case SmtpReplyError::kInconsistentCode: return "inconsistent reply code";
  }
  return "unknown";
}

bool ParseReplyLine(absl::string_view line, int* code, bool* more, absl::string_view* text) {
  // Reply-code = %x32-35 %x30-35 %x30-39 (RFC 5321 §4.2)
  if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
      !absl::ascii_isdigit(static_cast<unsigned char>(line[2]))) {
    return false;
  }
  *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (line.size() == 3) {
    *more = false;
    *text = absl::string_view();
    return true;
  }
  if (line[3] != ' ' && line[3] != '-') return false;
  *more = line[3] == '-';
  *text = line.substr(4);
  return true;
}

void SmtpReplyParser::Fail(SmtpReplyError error, SmtpReplyParseResult* result) {
  result->kind = SmtpReplyParseResult::Kind::kError;
  result->error = error;
  reply_ = SmtpReply();
  in_reply_ = false;
}

bool SmtpReplyParser::OnLine(absl::string_view line, SmtpReplyParseResult* result) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  int code;
  bool more;
  absl::string_view text;
  if (!ParseReplyLine(line, &code, &more, &text)) {
    Fail(SmtpReplyError::kInvalidReplyCode, result);
    return true;
  }
  if (!in_reply_) {
    reply_ = SmtpReply();
    reply_.code = code;
    // RFC 2034 §4: enhanced codes go with 2xx, 4xx and 5xx only.
    if (code / 100 != 3) reply_.enhanced = TakeEnhancedCode(&text, code / 100);
    in_reply_ = true;
  } else {
    if (code != reply_.code) {
      Fail(SmtpReplyError::kInconsistentCode, result);
      return true;
    }
    // "the same status code must appear at the beginning of the text in
    // each line" (RFC 2034 §4); strip it where it does.
    if (reply_.enhanced) {
      absl::string_view copy = text;
      std::optional<EnhancedStatusCode> repeated = TakeEnhancedCode(&copy, code / 100);
      if (repeated && *repeated == *reply_.enhanced) text = copy;
      // Under ENHANCEDSTATUSCODES the text starts after the code and its
      // spaces; a line that forgot the code is read the same way, so that
      // formatting the reply again gives back the same text.
      while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    }
  }
  if (reply_.lines.size() >= limits_.lines_max) {
    Fail(SmtpReplyError::kTooManyLines, result);
    return true;
  }
  reply_.lines.emplace_back(text.data(), text.size());
  if (more) return false;
  result->kind = SmtpReplyParseResult::Kind::kReply;
  result->reply = std::move(reply_);
  reply_ = SmtpReply();
  in_reply_ = false;
  return true;
}

SmtpReplyParseResult SmtpReplyParser::Parse(absl::string_view input) {
  SmtpReplyParseResult result;
  while (result.consumed < input.size()) {
    const absl::string_view rest = input.substr(result.consumed);
    const char* newline = static_cast<const char*>(std::memchr(rest.data(), '\n', rest.size()));
    if (discarding_) {
      if (newline == nullptr) {
        result.consumed = input.size();
        break;
      }
      result.consumed += newline - rest.data() + 1;
      discarding_ = false;
      continue;
    }
    if (newline == nullptr) {
      result.consumed = input.size();
      if (line_.size() + rest.size() > limits_.line_octets_max) {
        line_.clear();
        discarding_ = true;
        Fail(SmtpReplyError::kLineTooLong, &result);
        return result;
      }
      line_.append(rest.data(), rest.size());
      break;
    }
    const size_t length = newline - rest.data();
    result.consumed += length + 1;
    if (line_.size() + length + 1 > limits_.line_octets_max) {
      line_.clear();
      Fail(SmtpReplyError::kLineTooLong, &result);
      return result;
    }
    bool done;
    if (line_.empty()) {
      done = OnLine(rest.substr(0, length), &result);
    } else {
      line_.append(rest.data(), length);
      done = OnLine(line_, &result);
      line_.clear();
    }
    if (done) return result;
  }
  result.kind = SmtpReplyParseResult::Kind::kNeedMore;
  return result;
}

}  // namespace lemonade::smtp
