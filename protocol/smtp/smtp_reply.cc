#include "protocol/smtp/smtp_reply.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/check.h"

namespace lemonade::smtp {
namespace {

// 1*3digit
std::optional<int> ParseSubCode(absl::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int value = 0;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

void AppendText(absl::string_view text, std::string* out) {
  for (char ch : text) {
    const unsigned char c = ch;
    // textstring = 1*(%d09 / %d32-126)
    out->push_back(c == '\t' || (c >= 32 && c <= 126) ? ch : '?');
  }
}

SmtpReply Reply(int code, int klass, int subject, int detail, std::string text) {
  SmtpReply reply;
  reply.code = code;
  reply.enhanced = EnhancedStatusCode{klass, subject, detail};
  reply.lines.push_back(std::move(text));
  return reply;
}

}  // namespace

std::string EnhancedStatusCode::ToString() const {
  return absl::StrCat(klass, ".", subject, ".", detail);
}

std::optional<EnhancedStatusCode> EnhancedStatusCode::Parse(absl::string_view text) {
  // class "." subject "." detail, parsed in place: the reply parser calls
  // this for every reply line.
  if (text.size() < 5 || text[1] != '.') return std::nullopt;
  const char klass = text[0];
  if (klass != '2' && klass != '4' && klass != '5') return std::nullopt;
  text.remove_prefix(2);
  size_t dot = 0;
  while (dot < text.size() && text[dot] != '.') ++dot;
  if (dot == text.size()) return std::nullopt;
  std::optional<int> subject = ParseSubCode(text.substr(0, dot));
  std::optional<int> detail = ParseSubCode(text.substr(dot + 1));
  if (!subject || !detail) return std::nullopt;
  return EnhancedStatusCode{klass - '0', *subject, *detail};
}

void AppendSmtpReply(const SmtpReply& reply, std::string* out) {
  DCHECK(reply.code >= 200 && reply.code <= 599);
  // RFC 2034 §4: "a 2xx response must incorporate a 2.X.X code", etc.
  DCHECK(!reply.enhanced || reply.enhanced->klass == reply.code / 100);
  const std::string code = absl::StrCat(reply.code);
  const std::string enhanced = reply.enhanced ? reply.enhanced->ToString() : std::string();
  const size_t count = reply.lines.empty() ? 1 : reply.lines.size();
  for (size_t i = 0; i < count; ++i) {
    out->append(code);
    out->push_back(i + 1 < count ? '-' : ' ');
    if (reply.enhanced) {
      out->append(enhanced);
      if (!reply.lines.empty() && !reply.lines[i].empty()) out->push_back(' ');
    }
    if (!reply.lines.empty()) AppendText(reply.lines[i], out);
    out->append("\r\n");
  }
}

std::string FormatSmtpReply(const SmtpReply& reply) {
  std::string out;
  AppendSmtpReply(reply, &out);
  return out;
}

void AppendSmtpReply(int code, std::optional<EnhancedStatusCode> enhanced,
                     absl::string_view text, std::string* out) {
  SmtpReply reply;
  reply.code = code;
  reply.enhanced = enhanced;
  reply.lines.emplace_back(text);
  AppendSmtpReply(reply, out);
}

SmtpReply SuggestedReply(SmtpParseError error, SmtpVerb verb) {
  // Address errors: RFC 3463 §3.2, X.1.7 "Bad sender's mailbox address
  // syntax", X.1.3 "Bad destination mailbox address syntax".
  const bool sender = verb == SmtpVerb::kMail;
  switch (error) {
    case SmtpParseError::kNone:
      return Reply(250, 2, 0, 0, "OK");
    case SmtpParseError::kLineTooLong:
      return Reply(500, 5, 5, 2, "Line too long");
    case SmtpParseError::kAuthLineTooLong:
      return Reply(500, 5, 5, 6, "Authentication exchange line is too long");
    case SmtpParseError::kBareLineFeed:
      return Reply(500, 5, 5, 2, "Lines must end with CRLF");
    case SmtpParseError::kInvalidCharacter:
      return Reply(500, 5, 5, 2, "Invalid character in command");
    case SmtpParseError::kUnknownCommand:
      return Reply(500, 5, 5, 1, "Command unrecognized");
    case SmtpParseError::kSyntaxError:
      switch (verb) {
        case SmtpVerb::kMail:
          return Reply(501, 5, 5, 4, "Syntax: MAIL FROM:<address> [parameters]");
        case SmtpVerb::kRcpt:
          return Reply(501, 5, 5, 4, "Syntax: RCPT TO:<address> [parameters]");
        case SmtpVerb::kBdat:
          return Reply(501, 5, 5, 4, "Syntax: BDAT chunk-size [LAST]");
        case SmtpVerb::kBurl:
          return Reply(501, 5, 5, 4, "Syntax: BURL url [LAST]");
        case SmtpVerb::kAuth:
          return Reply(501, 5, 5, 4, "Syntax: AUTH mechanism [initial-response]");
        default:
          return Reply(501, 5, 5, 4, "Syntax error in parameters or arguments");
      }
    case SmtpParseError::kInvalidDomain:
      return Reply(501, 5, 5, 4, "Invalid domain name");
    case SmtpParseError::kInvalidPath:
      return sender ? Reply(501, 5, 1, 7, "Bad sender address syntax")
                    : Reply(501, 5, 1, 3, "Bad recipient address syntax");
    case SmtpParseError::kPathTooLong:
      return sender ? Reply(501, 5, 1, 7, "Sender address too long")
                    : Reply(501, 5, 1, 3, "Recipient address too long");
    case SmtpParseError::kTooManyParameters:
      return Reply(501, 5, 5, 4, "Too many parameters");
    case SmtpParseError::kDuplicateParameter:
      return Reply(501, 5, 5, 4, "Duplicate parameter");
    case SmtpParseError::kInvalidParameterValue:
      return Reply(501, 5, 5, 4, "Invalid parameter value");
    case SmtpParseError::kBdatSizeInvalid:
      return Reply(501, 5, 5, 4, "Invalid BDAT chunk size; closing connection");
  }
  return Reply(500, 5, 5, 0, "Error");
}

SmtpReply UnknownParameterReply(const EsmtpParameter& parameter) {
  return Reply(555, 5, 5, 4,
               absl::StrCat("Unsupported parameter ", absl::AsciiStrToUpper(parameter.keyword)));
}

const EhloExtension* EhloReply::Find(absl::string_view keyword) const {
  for (const EhloExtension& e : extensions) {
    if (absl::EqualsIgnoreCase(e.keyword, keyword)) return &e;
  }
  return nullptr;
}

std::optional<EhloReply> ParseEhloReply(const SmtpReply& reply) {
  if (reply.code != 250 || reply.lines.empty()) return std::nullopt;
  EhloReply ehlo;
  // ehlo-ok-rsp: "250" SP Domain [ SP ehlo-greet ] ... (RFC 5321 §4.1.1.1)
  absl::string_view first = reply.lines[0];
  const size_t space = first.find(' ');
  ehlo.domain = std::string(first.substr(0, space));
  if (ehlo.domain.empty()) return std::nullopt;
  if (space != absl::string_view::npos) ehlo.greeting = std::string(first.substr(space + 1));
  for (size_t i = 1; i < reply.lines.size(); ++i) {
    // ehlo-line = ehlo-keyword *( SP ehlo-param )
    std::vector<std::string> words = absl::StrSplit(reply.lines[i], ' ', absl::SkipEmpty());
    if (words.empty()) continue;
    EhloExtension extension;
    extension.keyword = absl::AsciiStrToUpper(words[0]);
    extension.params.assign(words.begin() + 1, words.end());
    ehlo.extensions.push_back(std::move(extension));
  }
  return ehlo;
}

SmtpReply MakeEhloReply(const EhloReply& ehlo) {
  SmtpReply reply;
  reply.code = 250;
  reply.lines.push_back(ehlo.greeting.empty() ? ehlo.domain
                                              : absl::StrCat(ehlo.domain, " ", ehlo.greeting));
  for (const EhloExtension& e : ehlo.extensions) {
    std::string line = e.keyword;
    for (const std::string& p : e.params) absl::StrAppend(&line, " ", p);
    reply.lines.push_back(std::move(line));
  }
  return reply;
}

}  // namespace lemonade::smtp
