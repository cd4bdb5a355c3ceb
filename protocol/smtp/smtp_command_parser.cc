#include "protocol/smtp/smtp_command_parser.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "base/check.h"
#include "protocol/url/rfc3339.h"

namespace lemonade::smtp {
namespace {

// The CR held back after "CRLF." while deciding whether it starts the
// end-of-data mark; replayed as content when it does not.
constexpr char kCarriageReturn[] = "\r";

// ---- Command-line grammar --------------------------------------------------

// ASCII case-insensitive comparisons, inlined: keyword matching is the
// parser's inner loop, and Abseil's versions are out-of-line library calls.
inline bool EqualsNoCase(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (absl::ascii_toupper(static_cast<unsigned char>(a[i])) !=
        absl::ascii_toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

inline bool StartsWithNoCase(absl::string_view s, absl::string_view prefix) {
  return s.size() >= prefix.size() && EqualsNoCase(s.substr(0, prefix.size()), prefix);
}

// Offset of the first `c` in `s` at or after `from`, or npos.
inline size_t Find(absl::string_view s, char c, size_t from = 0) {
  if (from >= s.size()) return absl::string_view::npos;
  const void* hit = std::memchr(s.data() + from, c, s.size() - from);
  return hit == nullptr ? absl::string_view::npos
                        : static_cast<const char*>(hit) - s.data();
}

SmtpVerb LookupVerb(absl::string_view word) {
  if (word.size() == 8) return EqualsNoCase(word, "STARTTLS") ? SmtpVerb::kStartTls
                                                              : SmtpVerb::kUnknown;
  if (word.size() != 4) return SmtpVerb::kUnknown;
  struct Candidate {
    absl::string_view name;
    SmtpVerb verb;
  };
  auto pick = [word](Candidate a, Candidate b = {"", SmtpVerb::kUnknown}) {
    if (EqualsNoCase(word, a.name)) return a.verb;
    if (!b.name.empty() && EqualsNoCase(word, b.name)) return b.verb;
    return SmtpVerb::kUnknown;
  };
  switch (absl::ascii_toupper(static_cast<unsigned char>(word[0]))) {
    case 'A': return pick({"AUTH", SmtpVerb::kAuth});
    case 'B': return pick({"BDAT", SmtpVerb::kBdat}, {"BURL", SmtpVerb::kBurl});
    case 'D': return pick({"DATA", SmtpVerb::kData});
    case 'E': return pick({"EHLO", SmtpVerb::kEhlo}, {"EXPN", SmtpVerb::kExpn});
    case 'H': return pick({"HELO", SmtpVerb::kHelo}, {"HELP", SmtpVerb::kHelp});
    case 'M': return pick({"MAIL", SmtpVerb::kMail});
    case 'N': return pick({"NOOP", SmtpVerb::kNoop});
    case 'Q': return pick({"QUIT", SmtpVerb::kQuit});
    case 'R': return pick({"RCPT", SmtpVerb::kRcpt}, {"RSET", SmtpVerb::kRset});
    case 'V': return pick({"VRFY", SmtpVerb::kVrfy});
    default: return SmtpVerb::kUnknown;
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// 1*DIGIT into a uint64, refusing overflow and more than `digits_max`.
std::optional<uint64_t> ParseDecimal(absl::string_view s, size_t digits_max) {
  if (s.empty() || s.size() > digits_max) return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
bool IsEsmtpKeyword(absl::string_view s) {
  if (s.empty() || !absl::ascii_isalnum(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

// esmtp-value = 1*(%d33-60 / %d62-126)
bool IsEsmtpValue(absl::string_view s) {
  if (s.empty()) return false;
  for (char ch : s) {
    const unsigned char c = ch;
    if (c < 33 || c > 126 || c == '=') return false;
  }
  return true;
}

// RFC 5322 atom (for ORCPT's addr-type).
bool IsAtom(absl::string_view s) {
  if (s.empty()) return false;
  for (char ch : s) {
    const unsigned char c = ch;
    if (absl::ascii_isalnum(c)) continue;
    if (std::strchr("!#$%&'*+-/=?^_`{|}~", c) == nullptr || c == 0) return false;
  }
  return true;
}

// sasl-mech = 1*20mech-char, mech-char = UPPER-ALPHA / DIGIT / "-" / "_"
// (RFC 4422 §3.1); lower case is tolerated, the session compares
// case-insensitively.
bool IsSaslMechanism(absl::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

// Splits `s` at runs of spaces. RFC 5321 says one SP; clients that send
// two are common and harmless.
absl::string_view NextToken(absl::string_view* s) {
  size_t begin = 0;
  while (begin < s->size() && (*s)[begin] == ' ') ++begin;
  size_t end = begin;
  while (end < s->size() && (*s)[end] != ' ') ++end;
  absl::string_view token = s->substr(begin, end - begin);
  s->remove_prefix(end);
  return token;
}

absl::string_view TrimSpaces(absl::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Parses one command line per RFC 5321 §4.1.1/§4.1.2 and the extensions.
class LineGrammar {
 public:
  LineGrammar(absl::string_view line, const SmtpLimits& limits, SmtpCommand* command)
      : line_(line), limits_(limits), command_(command) {}

  SmtpParseError Run() {
    const size_t space = Find(line_, ' ');
    const absl::string_view word = line_.substr(0, space);
    command_->verb = LookupVerb(word);
    if (command_->verb == SmtpVerb::kUnknown) return SmtpParseError::kUnknownCommand;
    // Everything after the verb and its SP (trailing spaces are tolerated).
    absl::string_view rest =
        space == absl::string_view::npos ? absl::string_view() : line_.substr(space + 1);
    while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
    switch (command_->verb) {
      case SmtpVerb::kEhlo:
      case SmtpVerb::kHelo:
        return Hello(rest);
      case SmtpVerb::kMail:
        return Mail(rest);
      case SmtpVerb::kRcpt:
        return Rcpt(rest);
      case SmtpVerb::kBdat:
        return Bdat(rest);
      case SmtpVerb::kBurl:
        return Burl(rest);
      case SmtpVerb::kAuth:
        return Auth(rest);
      case SmtpVerb::kVrfy:
      case SmtpVerb::kExpn:
        command_->argument = TrimSpaces(rest);
        return command_->argument.empty() ? SmtpParseError::kSyntaxError : SmtpParseError::kNone;
      case SmtpVerb::kNoop:
      case SmtpVerb::kHelp:
        command_->argument = TrimSpaces(rest);
        return SmtpParseError::kNone;
      case SmtpVerb::kData:
      case SmtpVerb::kStartTls:
      case SmtpVerb::kRset:
      case SmtpVerb::kQuit:
        // RFC 5321 §4.1.1.4 etc.: these take no argument.
        return TrimSpaces(rest).empty() ? SmtpParseError::kNone : SmtpParseError::kSyntaxError;
      case SmtpVerb::kUnknown:
        break;
    }
    return SmtpParseError::kUnknownCommand;
  }

 private:
  // ehlo = "EHLO" SP ( Domain / address-literal ); helo = "HELO" SP Domain.
  // HELO with an address literal is accepted too: old clients send it.
  // Host names with underscores are too (Windows machine names; curl sends
  // the local host name): RFC 5321 §4.1.4 forbids refusing mail because
  // the EHLO name fails verification, and Postfix and Dovecot accept them.
  SmtpParseError Hello(absl::string_view rest) {
    rest = TrimSpaces(rest);
    if (rest.empty()) return SmtpParseError::kSyntaxError;
    if (rest.size() > limits_.domain_octets_max) return SmtpParseError::kInvalidDomain;
    const bool ok = rest.front() == '[' ? IsValidAddressLiteral(rest) : IsAcceptableHelloDomain(rest);
    if (!ok) return SmtpParseError::kInvalidDomain;
    command_->domain = rest;
    return SmtpParseError::kNone;
  }

  // "MAIL FROM:" Reverse-path [SP Mail-parameters]
  SmtpParseError Mail(absl::string_view rest) {
    if (!StartsWithNoCase(rest, "FROM:")) return SmtpParseError::kSyntaxError;
    rest.remove_prefix(5);
    const SmtpParseError e = Path(&rest, /*is_mail=*/true);
    if (e != SmtpParseError::kNone) return e;
    return Parameters(rest, /*is_mail=*/true);
  }

  // "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path )
  // [SP Rcpt-parameters]
  SmtpParseError Rcpt(absl::string_view rest) {
    if (!StartsWithNoCase(rest, "TO:")) return SmtpParseError::kSyntaxError;
    rest.remove_prefix(3);
    const SmtpParseError e = Path(&rest, /*is_mail=*/false);
    if (e != SmtpParseError::kNone) return e;
    return Parameters(rest, /*is_mail=*/false);
  }

  // Path = "<" [ A-d-l ":" ] Mailbox ">"; Reverse-path also "<>".
  SmtpParseError Path(absl::string_view* rest, bool is_mail) {
    // "MAIL FROM: <a@b>" (space after the colon) is not RFC 5321 but many
    // clients send it; it is unambiguous, so accept it.
    while (!rest->empty() && rest->front() == ' ') rest->remove_prefix(1);
    if (rest->empty() || rest->front() != '<') return SmtpParseError::kInvalidPath;
    // The path ends at the first ">" outside a quoted local part.
    size_t end = 1;
    bool quoted = false;
    for (; end < rest->size(); ++end) {
      const char c = (*rest)[end];
      if (quoted && c == '\\') {
        ++end;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == '>' && !quoted) {
        break;
      }
    }
    if (end >= rest->size()) return SmtpParseError::kInvalidPath;
    const absl::string_view path = rest->substr(0, end + 1);
    rest->remove_prefix(end + 1);
    if (!rest->empty() && rest->front() != ' ') return SmtpParseError::kInvalidPath;
    if (path.size() > limits_.path_octets_max) return SmtpParseError::kPathTooLong;
    absl::string_view inner = path.substr(1, path.size() - 2);
    SmtpPath& out = command_->path;
    if (inner.empty()) {
      if (!is_mail) return SmtpParseError::kInvalidPath;  // "<>" is a reverse-path only
      out = SmtpPath::Null();
      return SmtpParseError::kNone;
    }
    if (!is_mail && EqualsNoCase(inner, "Postmaster")) {
      out = SmtpPath::Postmaster();
      out.local_part = inner;
      return SmtpParseError::kNone;
    }
    // A-d-l = At-domain *( "," At-domain ); accepted and ignored.
    if (inner.front() == '@') {
      const size_t colon = Find(inner, ':');
      if (colon == absl::string_view::npos) return SmtpParseError::kInvalidPath;
      absl::string_view route = inner.substr(0, colon);
      while (!route.empty()) {
        const size_t comma = Find(route, ',');
        absl::string_view at_domain = route.substr(0, comma);
        if (at_domain.size() < 2 || at_domain.front() != '@' ||
            !IsValidDomain(at_domain.substr(1))) {
          return SmtpParseError::kInvalidPath;
        }
        route = comma == absl::string_view::npos ? absl::string_view() : route.substr(comma + 1);
        if (comma != absl::string_view::npos && route.empty()) return SmtpParseError::kInvalidPath;
      }
      inner.remove_prefix(colon + 1);
    }
    return Mailbox(inner, &out);
  }

  // Mailbox = Local-part "@" ( Domain / address-literal )
  SmtpParseError Mailbox(absl::string_view mailbox, SmtpPath* out) {
    // The domain cannot contain "@", so the last one separates (a quoted
    // local part may contain more).
    size_t at = mailbox.size();
    while (at > 0 && mailbox[at - 1] != '@') --at;
    if (at <= 1) return SmtpParseError::kInvalidPath;
    --at;
    const absl::string_view local = mailbox.substr(0, at);
    const absl::string_view domain = mailbox.substr(at + 1);
    if (!IsValidLocalPart(local)) return SmtpParseError::kInvalidPath;
    if (local.size() > limits_.local_part_octets_max ||
        domain.size() > limits_.domain_octets_max) {
      return SmtpParseError::kPathTooLong;
    }
    const bool domain_ok =
        !domain.empty() && (domain.front() == '[' ? IsValidAddressLiteral(domain)
                                                  : IsValidDomain(domain));
    if (!domain_ok) return SmtpParseError::kInvalidPath;
    *out = SmtpPath::Mailbox(local, domain);
    return SmtpParseError::kNone;
  }

  // Mail-parameters / Rcpt-parameters = esmtp-param *(SP esmtp-param)
  SmtpParseError Parameters(absl::string_view rest, bool is_mail) {
    size_t count = 0;
    while (true) {
      const absl::string_view token = NextToken(&rest);
      if (token.empty()) return SmtpParseError::kNone;
      if (++count > limits_.parameters_max) return SmtpParseError::kTooManyParameters;
      const size_t equals = Find(token, '=');
      EsmtpParameter parameter;
      parameter.keyword = token.substr(0, equals);
      if (!IsEsmtpKeyword(parameter.keyword)) return SmtpParseError::kSyntaxError;
      if (equals != absl::string_view::npos) {
        parameter.value = token.substr(equals + 1);
        if (!IsEsmtpValue(*parameter.value)) return SmtpParseError::kSyntaxError;
      }
      const SmtpParseError e =
          is_mail ? MailParameter(parameter) : RcptParameter(parameter);
      if (e != SmtpParseError::kNone) return e;
    }
  }

  SmtpParseError MailParameter(const EsmtpParameter& p) {
    MailParameters& m = command_->mail;
    const absl::string_view value = p.value.value_or(absl::string_view());
    if (EqualsNoCase(p.keyword, "SIZE")) {
      // size-value = 1*20DIGIT (RFC 1870 §6)
      if (m.size) return SmtpParseError::kDuplicateParameter;
      m.size = ParseDecimal(value, 20);
      return m.size ? SmtpParseError::kNone : SmtpParseError::kInvalidParameterValue;
    }
    if (EqualsNoCase(p.keyword, "BODY")) {
      if (m.body != BodyType::kUnspecified) return SmtpParseError::kDuplicateParameter;
      if (EqualsNoCase(value, "7BIT")) {
        m.body = BodyType::k7Bit;
      } else if (EqualsNoCase(value, "8BITMIME")) {
        m.body = BodyType::k8BitMime;
      } else if (EqualsNoCase(value, "BINARYMIME")) {
        m.body = BodyType::kBinaryMime;
      } else {
        return SmtpParseError::kInvalidParameterValue;
      }
      return SmtpParseError::kNone;
    }
    if (EqualsNoCase(p.keyword, "RET")) {
      if (m.ret != DsnReturn::kUnspecified) return SmtpParseError::kDuplicateParameter;
      if (EqualsNoCase(value, "FULL")) {
        m.ret = DsnReturn::kFull;
      } else if (EqualsNoCase(value, "HDRS")) {
        m.ret = DsnReturn::kHeaders;
      } else {
        return SmtpParseError::kInvalidParameterValue;
      }
      return SmtpParseError::kNone;
    }
    if (EqualsNoCase(p.keyword, "ENVID")) {
      if (m.envid) return SmtpParseError::kDuplicateParameter;
      if (!p.value || !IsValidXtext(value)) return SmtpParseError::kInvalidParameterValue;
      m.envid = value;
      return SmtpParseError::kNone;
    }
    if (EqualsNoCase(p.keyword, "AUTH")) {
      // AUTH=xtext whose decoded form is a Mailbox or "<>" (RFC 4954 §5).
      if (m.auth) return SmtpParseError::kDuplicateParameter;
      std::optional<std::string> decoded = p.value ? DecodeXtext(value) : std::nullopt;
      if (!decoded) return SmtpParseError::kInvalidParameterValue;
      if (*decoded != "<>") {
        SmtpPath ignored;
        if (Mailbox(*decoded, &ignored) != SmtpParseError::kNone) {
          return SmtpParseError::kInvalidParameterValue;
        }
      }
      m.auth = value;
      return SmtpParseError::kNone;
    }
    if (EqualsNoCase(p.keyword, "HOLDFOR") ||
        EqualsNoCase(p.keyword, "HOLDUNTIL")) {
      // RFC 4865 §4.2 item 9: at most one hold-param.
      if (m.hold_for_seconds || m.hold_until_unix_seconds) {
        return SmtpParseError::kDuplicateParameter;
      }
      if (EqualsNoCase(p.keyword, "HOLDFOR")) {
        // future-release-integer = %x31-39 *8DIGIT
        std::optional<uint64_t> seconds = ParseDecimal(value, 9);
        if (!seconds || value[0] == '0') return SmtpParseError::kInvalidParameterValue;
        m.hold_for_seconds = static_cast<uint32_t>(*seconds);
      } else {
        m.hold_until_unix_seconds = url::ParseRfc3339DateTime(value);
        if (!m.hold_until_unix_seconds) return SmtpParseError::kInvalidParameterValue;
      }
      return SmtpParseError::kNone;
    }
    return Unknown(p, &m.unknown);
  }

  SmtpParseError RcptParameter(const EsmtpParameter& p) {
    RcptParameters& r = command_->rcpt;
    const absl::string_view value = p.value.value_or(absl::string_view());
    if (EqualsNoCase(p.keyword, "NOTIFY")) {
      // notify-esmtp-value = "NEVER" / 1#notify-list-element (RFC 3461 §4.1)
      if (r.notify != 0) return SmtpParseError::kDuplicateParameter;
      if (EqualsNoCase(value, "NEVER")) {
        r.notify = kDsnNotifyNever;
        return SmtpParseError::kNone;
      }
      absl::string_view list = value;
      while (true) {
        const size_t comma = Find(list, ',');
        const absl::string_view element = list.substr(0, comma);
        uint8_t bit;
        if (EqualsNoCase(element, "SUCCESS")) {
          bit = kDsnNotifySuccess;
        } else if (EqualsNoCase(element, "FAILURE")) {
          bit = kDsnNotifyFailure;
        } else if (EqualsNoCase(element, "DELAY")) {
          bit = kDsnNotifyDelay;
        } else {
          r.notify = 0;
          return SmtpParseError::kInvalidParameterValue;  // includes NEVER in a list
        }
        if (r.notify & bit) {
          r.notify = 0;
          return SmtpParseError::kInvalidParameterValue;
        }
        r.notify |= bit;
        if (comma == absl::string_view::npos) return SmtpParseError::kNone;
        list.remove_prefix(comma + 1);
      }
    }
    if (EqualsNoCase(p.keyword, "ORCPT")) {
      // orcpt-parameter = "ORCPT=" addr-type ";" xtext (RFC 3461 §4.2)
      if (r.orcpt_type) return SmtpParseError::kDuplicateParameter;
      const size_t semi = Find(value, ';');
      if (semi == absl::string_view::npos || !IsAtom(value.substr(0, semi)) ||
          !IsValidXtext(value.substr(semi + 1))) {
        return SmtpParseError::kInvalidParameterValue;
      }
      r.orcpt_type = value.substr(0, semi);
      r.orcpt_xtext = value.substr(semi + 1);
      return SmtpParseError::kNone;
    }
    return Unknown(p, &r.unknown);
  }

  // An unrecognised parameter is recorded, not refused: whether to answer
  // 555 is the server's call (it knows what it advertised).
  SmtpParseError Unknown(const EsmtpParameter& p, UnknownParameters* unknown) {
    for (const EsmtpParameter& seen : *unknown) {
      if (EqualsNoCase(seen.keyword, p.keyword)) {
        return SmtpParseError::kDuplicateParameter;
      }
    }
    unknown->push_back(p);
    return SmtpParseError::kNone;
  }

  // bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] (RFC 3030 §2)
  SmtpParseError Bdat(absl::string_view rest) {
    const absl::string_view size = NextToken(&rest);
    // A chunk size above 2^64 or not a number leaves the end of the chunk
    // unknowable: that error is fatal (see SmtpParseError).
    std::optional<uint64_t> octets = ParseDecimal(size, 20);
    if (!octets) return SmtpParseError::kBdatSizeInvalid;
    command_->chunk_octets = *octets;
    const absl::string_view marker = NextToken(&rest);
    if (!marker.empty()) {
      if (!EqualsNoCase(marker, "LAST")) return SmtpParseError::kSyntaxError;
      command_->last = true;
    }
    return NextToken(&rest).empty() ? SmtpParseError::kNone : SmtpParseError::kSyntaxError;
  }

  // burl-cmd = "BURL" SP absolute-URI [SP end-marker] (RFC 4468 §3.5); the
  // URL itself is checked by the session with protocol/url.
  SmtpParseError Burl(absl::string_view rest) {
    command_->url = NextToken(&rest);
    if (command_->url.empty()) return SmtpParseError::kSyntaxError;
    const absl::string_view marker = NextToken(&rest);
    if (!marker.empty()) {
      if (!EqualsNoCase(marker, "LAST")) return SmtpParseError::kSyntaxError;
      command_->last = true;
    }
    return NextToken(&rest).empty() ? SmtpParseError::kNone : SmtpParseError::kSyntaxError;
  }

  // "AUTH" SP sasl-mech [SP initial-response] (RFC 4954 §4); the response is
  // base64 or "=", decoded by protocol/sasl.
  SmtpParseError Auth(absl::string_view rest) {
    command_->mechanism = NextToken(&rest);
    if (!IsSaslMechanism(command_->mechanism)) return SmtpParseError::kSyntaxError;
    const absl::string_view response = NextToken(&rest);
    if (!response.empty()) command_->initial_response = response;
    return NextToken(&rest).empty() ? SmtpParseError::kNone : SmtpParseError::kSyntaxError;
  }

  absl::string_view line_;
  const SmtpLimits& limits_;
  SmtpCommand* command_;
};

// Octets a command line may not contain: controls (RFC 5321 §4.1.2 says
// they "MUST NOT be used"), DEL, and 8-bit (we do not offer SMTPUTF8).
bool HasInvalidCommandOctet(absl::string_view line) {
  for (char ch : line) {
    const unsigned char c = ch;
    if (c < 0x20 || c >= 0x7f) return true;
  }
  return false;
}

}  // namespace

absl::string_view SmtpParseErrorName(SmtpParseError error) {
  switch (error) {
    case SmtpParseError::kNone: return "none";
    case SmtpParseError::kLineTooLong: return "line too long";
    case SmtpParseError::kAuthLineTooLong: return "authentication line too long";
    case SmtpParseError::kBareLineFeed: return "bare line feed";
    case SmtpParseError::kInvalidCharacter: return "invalid character";
    case SmtpParseError::kUnknownCommand: return "unknown command";
    case SmtpParseError::kSyntaxError: return "syntax error";
    case SmtpParseError::kInvalidDomain: return "invalid domain";
    case SmtpParseError::kInvalidPath: return "invalid path";
    case SmtpParseError::kPathTooLong: return "path too long";
    case SmtpParseError::kTooManyParameters: return "too many parameters";
    case SmtpParseError::kDuplicateParameter: return "duplicate parameter";
    case SmtpParseError::kInvalidParameterValue: return "invalid parameter value";
    case SmtpParseError::kBdatSizeInvalid: return "invalid BDAT size";
  }
  return "unknown";
}

SmtpParseError ParseSmtpCommandLine(absl::string_view line, const SmtpLimits& limits,
                                    SmtpCommand* command) {
  *command = SmtpCommand();
  if (HasInvalidCommandOctet(line)) {
    // Still name the verb, so the reply can be specific.
    command->verb = LookupVerb(line.substr(0, Find(line, ' ')));
    // A BDAT line we cannot read hides where its chunk ends.
    if (command->verb == SmtpVerb::kBdat) return SmtpParseError::kBdatSizeInvalid;
    return SmtpParseError::kInvalidCharacter;
  }
  return LineGrammar(line, limits, command).Run();
}

// ---- SmtpCommandParser ------------------------------------------------------

SmtpCommandParser::SmtpCommandParser(const SmtpLimits& limits) : limits_(limits) {
  limits_.command_line_octets_max =
      std::max(limits_.command_line_octets_max, SmtpLimits::kCommandLineOctetsMin);
  limits_.auth_line_octets_max =
      std::max(limits_.auth_line_octets_max, SmtpLimits::kCommandLineOctetsMin);
}

void SmtpCommandParser::BeginData() {
  DCHECK(mode_ == Mode::kCommand);
  mode_ = Mode::kData;
  data_state_ = DataState::kLineStart;
  data_previous_cr_ = false;
  data_line_octets_ = 0;
  data_summary_ = SmtpDataSummary();
}

void SmtpCommandParser::ExpectAuthResponse() {
  DCHECK(mode_ == Mode::kCommand);
  mode_ = Mode::kAuthResponse;
}

void SmtpCommandParser::Reset() { *this = SmtpCommandParser(limits_); }

void SmtpCommandParser::Fail(SmtpParseError error, SmtpVerb verb, SmtpEvent* event) {
  event->kind = SmtpEvent::Kind::kError;
  event->error = error;
  event->error_verb = verb;
  if (error == SmtpParseError::kBdatSizeInvalid) {
    event->fatal = true;
    mode_ = Mode::kFailed;
    fatal_error_ = error;
    fatal_verb_ = verb;
  }
}

SmtpParseResult SmtpCommandParser::Parse(absl::string_view input) {
  if (clear_line_) {
    line_.clear();
    clear_line_ = false;
  }
  SmtpParseResult result;
  while (true) {
    const absl::string_view rest = input.substr(result.consumed);
    const Mode mode_before = mode_;
    bool have_event = false;
    size_t used = 0;
    switch (mode_) {
      case Mode::kFailed:
        // Sticky: the caller must close; swallow whatever still arrives.
        result.consumed = input.size();
        Fail(fatal_error_, fatal_verb_, &result.event);
        result.event.fatal = true;
        return result;
      case Mode::kCommand:
      case Mode::kAuthResponse:
        have_event = StepLine(rest, &used, &result.event);
        break;
      case Mode::kData:
        have_event = StepData(rest, &used, &result.event);
        break;
      case Mode::kBdat:
        have_event = StepBdat(rest, &used, &result.event);
        break;
    }
    result.consumed += used;
    if (have_event) return result;
    if (result.consumed == input.size()) {
      result.event.kind = SmtpEvent::Kind::kNeedMore;
      return result;
    }
    // Every step completes an event, consumes input or changes mode.
    DCHECK(used > 0 || mode_ != mode_before);
  }
}

bool SmtpCommandParser::StepLine(absl::string_view input, size_t* consumed, SmtpEvent* event) {
  const size_t limit = mode_ == Mode::kAuthResponse ? limits_.auth_line_octets_max
                                                    : limits_.command_line_octets_max;
  const char* newline = static_cast<const char*>(std::memchr(input.data(), '\n', input.size()));
  if (discarding_) {
    // The rest of an overlong line, already reported.
    if (newline == nullptr) {
      *consumed = input.size();
      return false;
    }
    *consumed = newline - input.data() + 1;
    discarding_ = false;
    if (mode_ == Mode::kAuthResponse) mode_ = Mode::kCommand;
    return false;
  }
  if (newline == nullptr) {
    *consumed = input.size();
    if (line_.size() + input.size() > limit) {
      // Report now, not at the line's end, which may never come.
      line_.append(input.data(), std::min(input.size(), size_t{16}));
      OnOverlongLine(line_, event);
      line_.clear();
      discarding_ = true;
      return true;
    }
    line_.append(input.data(), input.size());
    return false;
  }
  const size_t length = newline - input.data();  // without the LF
  *consumed = length + 1;
  if (line_.size() + length + 1 > limit) {
    line_.append(input.data(), std::min(length, size_t{16}));
    OnOverlongLine(line_, event);
    line_.clear();
    if (mode_ == Mode::kAuthResponse) mode_ = Mode::kCommand;
    return true;
  }
  absl::string_view line;
  if (line_.empty()) {
    line = input.substr(0, length);  // the common case: no copy
  } else {
    line_.append(input.data(), length);
    line = line_;
    clear_line_ = true;
  }
  OnLine(line, event);
  return true;
}

void SmtpCommandParser::OnOverlongLine(absl::string_view head, SmtpEvent* event) {
  if (mode_ == Mode::kAuthResponse) {
    // RFC 4954 §4: the AUTH command fails with 500 5.5.6.
    Fail(SmtpParseError::kAuthLineTooLong, SmtpVerb::kAuth, event);
    return;
  }
  const SmtpVerb verb = LookupVerb(head.substr(0, Find(head, ' ')));
  // An unread BDAT line hides where its chunk ends: the chunk's octets
  // would otherwise be read as commands.
  if (verb == SmtpVerb::kBdat) {
    Fail(SmtpParseError::kBdatSizeInvalid, verb, event);
    return;
  }
  Fail(SmtpParseError::kLineTooLong, verb, event);
}

void SmtpCommandParser::OnLine(absl::string_view line, SmtpEvent* event) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  } else if (mode_ == Mode::kAuthResponse || !limits_.command_bare_lf_allowed) {
    // RFC 5321 §2.3.8: a line ends with CRLF only.
    const SmtpVerb verb = mode_ == Mode::kAuthResponse
                              ? SmtpVerb::kAuth
                              : LookupVerb(line.substr(0, Find(line, ' ')));
    if (mode_ == Mode::kAuthResponse) mode_ = Mode::kCommand;
    if (verb == SmtpVerb::kBdat) {
      Fail(SmtpParseError::kBdatSizeInvalid, verb, event);
    } else {
      Fail(SmtpParseError::kBareLineFeed, verb, event);
    }
    return;
  }
  if (mode_ == Mode::kAuthResponse) {
    mode_ = Mode::kCommand;
    if (HasInvalidCommandOctet(line)) {
      Fail(SmtpParseError::kInvalidCharacter, SmtpVerb::kAuth, event);
      return;
    }
    event->kind = SmtpEvent::Kind::kAuthResponse;
    event->data = line;
    return;
  }
  OnCommandLine(line, event);
}

void SmtpCommandParser::OnCommandLine(absl::string_view line, SmtpEvent* event) {
  const SmtpParseError error = ParseSmtpCommandLine(line, limits_, &event->command);
  if (error == SmtpParseError::kNone) {
    event->kind = SmtpEvent::Kind::kCommand;
    if (event->command.verb == SmtpVerb::kBdat) {
      // RFC 3030 §2: the chunk follows the command whatever the reply.
      mode_ = Mode::kBdat;
      bdat_remaining_ = bdat_octets_ = event->command.chunk_octets;
      bdat_last_ = event->command.last;
      bdat_discard_ = false;
    }
    return;
  }
  const SmtpVerb verb = event->command.verb;
  if (verb == SmtpVerb::kBdat && error != SmtpParseError::kBdatSizeInvalid) {
    // "BDAT 100 FIRST": the size is known, so skip the chunk that the
    // client sends regardless (RFC 3030 §2) and stay in sync.
    mode_ = Mode::kBdat;
    bdat_remaining_ = bdat_octets_ = event->command.chunk_octets;
    bdat_last_ = false;
    bdat_discard_ = true;
  }
  event->command = SmtpCommand();
  Fail(error, verb, event);
}

bool SmtpCommandParser::StepBdat(absl::string_view input, size_t* consumed, SmtpEvent* event) {
  if (bdat_remaining_ == 0) {
    mode_ = Mode::kCommand;
    if (bdat_discard_) return false;  // the refused BDAT was already reported
    event->kind = SmtpEvent::Kind::kBdatEnd;
    event->bdat_octets = bdat_octets_;
    event->bdat_last = bdat_last_;
    return true;
  }
  const size_t take =
      static_cast<size_t>(std::min<uint64_t>(bdat_remaining_, input.size()));
  *consumed = take;
  bdat_remaining_ -= take;
  if (bdat_discard_ || take == 0) return false;
  event->kind = SmtpEvent::Kind::kBdatChunk;
  event->data = input.substr(0, take);
  return true;
}

bool SmtpCommandParser::StepData(absl::string_view input, size_t* consumed, SmtpEvent* event) {
  // Content runs [start, pos) are emitted as views; only a dot that begins
  // a line is dropped (RFC 5321 §4.5.2), and only "CRLF.CRLF" ends the
  // data — never a bare LF, which would allow SMTP smuggling.
  const char* const data = input.data();
  const size_t size = input.size();
  size_t pos = 0;
  auto emit = [&](size_t end) {
    *consumed = end;
    event->kind = SmtpEvent::Kind::kDataChunk;
    event->data = input.substr(0, end);
    data_summary_.octets += end;
    return true;
  };
  while (pos < size) {
    switch (data_state_) {
      case DataState::kLineStart:
        if (data[pos] == '.') {
          if (pos > 0) return emit(pos);  // flush the content before the dot
          data_state_ = DataState::kDot;
          data_line_octets_ = 1;
          *consumed = 1;
          return false;
        }
        data_state_ = DataState::kMidLine;
        break;
      case DataState::kDot:
        if (data[pos] == '\r') {
          data_state_ = DataState::kDotCr;
          *consumed = 1;  // held back until we see what follows
          return false;
        }
        data_state_ = DataState::kMidLine;  // the dot was stuffing; drop it
        break;
      case DataState::kDotCr:
        if (data[pos] == '\n') {
          // End of data. The CRLF before the dot was the last line's.
          *consumed = 1;
          event->kind = SmtpEvent::Kind::kDataEnd;
          event->data_summary = data_summary_;
          mode_ = Mode::kCommand;
          return true;
        }
        // ".\rX": the CR was content (and a bare one); replay it.
        data_state_ = DataState::kMidLine;
        data_previous_cr_ = true;
        data_line_octets_ += 1;
        *consumed = 0;
        event->kind = SmtpEvent::Kind::kDataChunk;
        event->data = absl::string_view(kCarriageReturn, 1);
        data_summary_.octets += 1;
        return true;
      case DataState::kMidLine: {
        if (data_previous_cr_ && data[pos] != '\n') data_summary_.bare_carriage_return = true;
        const char* newline = static_cast<const char*>(std::memchr(data + pos, '\n', size - pos));
        const size_t end = newline == nullptr ? size : newline - data;
        // Any CR before `end` other than the one right before the LF is bare.
        const size_t cr_search_end = newline == nullptr ? (end > pos ? end - 1 : pos) : end;
        if (cr_search_end > pos) {
          const void* cr = std::memchr(data + pos, '\r', cr_search_end - pos);
          if (cr != nullptr && (newline == nullptr || cr != newline - 1)) {
            data_summary_.bare_carriage_return = true;
          }
        }
        if (newline == nullptr) {
          data_line_octets_ += size - pos;
          data_previous_cr_ = size > pos ? data[size - 1] == '\r' : data_previous_cr_;
          if (data_line_octets_ > limits_.data_line_octets_max) data_summary_.line_too_long = true;
          pos = size;
          break;
        }
        const bool crlf = end > pos ? data[end - 1] == '\r' : data_previous_cr_;
        data_line_octets_ += end + 1 - pos;
        if (data_line_octets_ > limits_.data_line_octets_max) data_summary_.line_too_long = true;
        data_line_octets_ = 0;
        data_previous_cr_ = false;
        if (crlf) {
          data_state_ = DataState::kLineStart;
        } else {
          data_summary_.bare_line_feed = true;
        }
        pos = end + 1;
        break;
      }
    }
  }
  if (pos > 0) return emit(pos);
  *consumed = 0;
  return false;
}

}  // namespace lemonade::smtp
