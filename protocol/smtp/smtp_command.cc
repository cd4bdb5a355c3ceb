#include "protocol/smtp/smtp_command.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "protocol/url/rfc3339.h"

namespace lemonade::smtp {
namespace {

// atext (RFC 5322 §3.2.3): the characters of an Atom.
bool IsAtext(unsigned char c) {
  if (absl::ascii_isalnum(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '/': case '=': case '?': case '^': case '_': case '`': case '{':
    case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

// Dot-string = Atom *("." Atom)
bool IsDotString(absl::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char previous = 0;
  for (char c : s) {
    if (c == '.') {
      if (previous == '.') return false;
    } else if (!IsAtext(c)) {
      return false;
    }
    previous = c;
  }
  return true;
}

int UpperHexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendPath(const SmtpPath& path, std::string* out) {
  out->push_back('<');
  switch (path.kind) {
    case SmtpPath::Kind::kNull:
      break;
    case SmtpPath::Kind::kPostmaster:
      absl::StrAppend(out, path.local_part);
      break;
    case SmtpPath::Kind::kMailbox:
      absl::StrAppend(out, path.local_part, "@", path.domain);
      break;
  }
  out->push_back('>');
}

void AppendUnknown(const UnknownParameters& unknown, std::string* out) {
  for (const EsmtpParameter& p : unknown) {
    absl::StrAppend(out, " ", p.keyword);
    if (p.value) absl::StrAppend(out, "=", *p.value);
  }
}

void AppendMailParameters(const MailParameters& m, std::string* out) {
  if (m.size) absl::StrAppend(out, " SIZE=", *m.size);
  switch (m.body) {
    case BodyType::kUnspecified: break;
    case BodyType::k7Bit: out->append(" BODY=7BIT"); break;
    case BodyType::k8BitMime: out->append(" BODY=8BITMIME"); break;
    case BodyType::kBinaryMime: out->append(" BODY=BINARYMIME"); break;
  }
  switch (m.ret) {
    case DsnReturn::kUnspecified: break;
    case DsnReturn::kFull: out->append(" RET=FULL"); break;
    case DsnReturn::kHeaders: out->append(" RET=HDRS"); break;
  }
  if (m.envid) absl::StrAppend(out, " ENVID=", *m.envid);
  if (m.auth) absl::StrAppend(out, " AUTH=", *m.auth);
  if (m.hold_for_seconds) absl::StrAppend(out, " HOLDFOR=", *m.hold_for_seconds);
  if (m.hold_until_unix_seconds) {
    absl::StrAppend(out, " HOLDUNTIL=", url::FormatRfc3339DateTime(*m.hold_until_unix_seconds));
  }
  AppendUnknown(m.unknown, out);
}

void AppendRcptParameters(const RcptParameters& r, std::string* out) {
  if (r.notify != 0) {
    out->append(" NOTIFY=");
    if (r.notify & kDsnNotifyNever) {
      out->append("NEVER");
    } else {
      const char* separator = "";
      for (const auto& [bit, name] : {std::pair<uint8_t, const char*>{kDsnNotifySuccess, "SUCCESS"},
                                      {kDsnNotifyFailure, "FAILURE"},
                                      {kDsnNotifyDelay, "DELAY"}}) {
        if (r.notify & bit) {
          absl::StrAppend(out, separator, name);
          separator = ",";
        }
      }
    }
  }
  if (r.orcpt_type) {
    absl::StrAppend(out, " ORCPT=", *r.orcpt_type, ";", r.orcpt_xtext.value_or(""));
  }
  AppendUnknown(r.unknown, out);
}

}  // namespace

absl::string_view SmtpVerbName(SmtpVerb verb) {
  switch (verb) {
    case SmtpVerb::kUnknown: return "";
    case SmtpVerb::kEhlo: return "EHLO";
    case SmtpVerb::kHelo: return "HELO";
    case SmtpVerb::kMail: return "MAIL";
    case SmtpVerb::kRcpt: return "RCPT";
    case SmtpVerb::kData: return "DATA";
    case SmtpVerb::kBdat: return "BDAT";
    case SmtpVerb::kBurl: return "BURL";
    case SmtpVerb::kAuth: return "AUTH";
    case SmtpVerb::kStartTls: return "STARTTLS";
    case SmtpVerb::kRset: return "RSET";
    case SmtpVerb::kNoop: return "NOOP";
    case SmtpVerb::kQuit: return "QUIT";
    case SmtpVerb::kVrfy: return "VRFY";
    case SmtpVerb::kExpn: return "EXPN";
    case SmtpVerb::kHelp: return "HELP";
  }
  return "";
}

bool operator==(const MailParameters& a, const MailParameters& b) {
  return a.size == b.size && a.body == b.body && a.ret == b.ret && a.envid == b.envid &&
         a.auth == b.auth && a.hold_for_seconds == b.hold_for_seconds &&
         a.hold_until_unix_seconds == b.hold_until_unix_seconds && a.unknown == b.unknown;
}

bool operator==(const RcptParameters& a, const RcptParameters& b) {
  return a.notify == b.notify && a.orcpt_type == b.orcpt_type &&
         a.orcpt_xtext == b.orcpt_xtext && a.unknown == b.unknown;
}

bool operator==(const SmtpCommand& a, const SmtpCommand& b) {
  return a.verb == b.verb && a.domain == b.domain && a.path == b.path && a.mail == b.mail &&
         a.rcpt == b.rcpt && a.chunk_octets == b.chunk_octets && a.last == b.last &&
         a.url == b.url && a.mechanism == b.mechanism &&
         a.initial_response == b.initial_response && a.argument == b.argument;
}

const EsmtpParameter* SmtpCommand::FirstUnknownParameter() const {
  if (verb == SmtpVerb::kMail && !mail.unknown.empty()) return &mail.unknown.front();
  if (verb == SmtpVerb::kRcpt && !rcpt.unknown.empty()) return &rcpt.unknown.front();
  return nullptr;
}

void AppendSmtpCommand(const SmtpCommand& c, std::string* out) {
  switch (c.verb) {
    case SmtpVerb::kUnknown:
      return;  // nothing to send
    case SmtpVerb::kEhlo:
    case SmtpVerb::kHelo:
      absl::StrAppend(out, SmtpVerbName(c.verb), " ", c.domain);
      break;
    case SmtpVerb::kMail:
      out->append("MAIL FROM:");
      AppendPath(c.path, out);
      AppendMailParameters(c.mail, out);
      break;
    case SmtpVerb::kRcpt:
      out->append("RCPT TO:");
      AppendPath(c.path, out);
      AppendRcptParameters(c.rcpt, out);
      break;
    case SmtpVerb::kBdat:
      absl::StrAppend(out, "BDAT ", c.chunk_octets, c.last ? " LAST" : "");
      break;
    case SmtpVerb::kBurl:
      absl::StrAppend(out, "BURL ", c.url, c.last ? " LAST" : "");
      break;
    case SmtpVerb::kAuth:
      absl::StrAppend(out, "AUTH ", c.mechanism);
      if (c.initial_response) absl::StrAppend(out, " ", *c.initial_response);
      break;
    case SmtpVerb::kVrfy:
    case SmtpVerb::kExpn:
    case SmtpVerb::kNoop:
    case SmtpVerb::kHelp:
      absl::StrAppend(out, SmtpVerbName(c.verb));
      if (!c.argument.empty()) absl::StrAppend(out, " ", c.argument);
      break;
    case SmtpVerb::kData:
    case SmtpVerb::kStartTls:
    case SmtpVerb::kRset:
    case SmtpVerb::kQuit:
      absl::StrAppend(out, SmtpVerbName(c.verb));
      break;
  }
  out->append("\r\n");
}

std::string FormatSmtpCommand(const SmtpCommand& command) {
  std::string out;
  AppendSmtpCommand(command, &out);
  return out;
}

std::string FormatEhlo(absl::string_view domain) {
  SmtpCommand c;
  c.verb = SmtpVerb::kEhlo;
  c.domain = domain;
  return FormatSmtpCommand(c);
}

std::string FormatMailFrom(const SmtpPath& path, const MailParameters& parameters) {
  SmtpCommand c;
  c.verb = SmtpVerb::kMail;
  c.path = path;
  c.mail = parameters;
  return FormatSmtpCommand(c);
}

std::string FormatRcptTo(const SmtpPath& path, const RcptParameters& parameters) {
  SmtpCommand c;
  c.verb = SmtpVerb::kRcpt;
  c.path = path;
  c.rcpt = parameters;
  return FormatSmtpCommand(c);
}

std::string FormatBdat(uint64_t chunk_octets, bool last) {
  SmtpCommand c;
  c.verb = SmtpVerb::kBdat;
  c.chunk_octets = chunk_octets;
  c.last = last;
  return FormatSmtpCommand(c);
}

std::string FormatBurl(absl::string_view url, bool last) {
  SmtpCommand c;
  c.verb = SmtpVerb::kBurl;
  c.url = url;
  c.last = last;
  return FormatSmtpCommand(c);
}

std::string FormatAuth(absl::string_view mechanism,
                       std::optional<absl::string_view> initial_response_wire) {
  SmtpCommand c;
  c.verb = SmtpVerb::kAuth;
  c.mechanism = mechanism;
  c.initial_response = initial_response_wire;
  return FormatSmtpCommand(c);
}

bool IsValidXtext(absl::string_view xtext) {
  for (size_t i = 0; i < xtext.size(); ++i) {
    const unsigned char c = xtext[i];
    if (c == '+') {
      // hexchar: "two upper case hexadecimal digits" (RFC 3461 §4).
      if (xtext.size() - i < 3 || UpperHexValue(xtext[i + 1]) < 0 ||
          UpperHexValue(xtext[i + 2]) < 0) {
        return false;
      }
      i += 2;
    } else if (c < '!' || c > '~' || c == '=') {
      return false;
    }
  }
  return true;
}

std::optional<std::string> DecodeXtext(absl::string_view xtext) {
  if (!IsValidXtext(xtext)) return std::nullopt;
  std::string out;
  out.reserve(xtext.size());
  for (size_t i = 0; i < xtext.size(); ++i) {
    if (xtext[i] == '+') {
      out.push_back(static_cast<char>(UpperHexValue(xtext[i + 1]) * 16 +
                                      UpperHexValue(xtext[i + 2])));
      i += 2;
    } else {
      out.push_back(xtext[i]);
    }
  }
  return out;
}

std::string EncodeXtext(absl::string_view raw) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (char ch : raw) {
    const unsigned char c = ch;
    if (c >= '!' && c <= '~' && c != '+' && c != '=') {
      out.push_back(ch);
    } else {
      out.push_back('+');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string UnquoteLocalPart(absl::string_view wire) {
  if (wire.size() < 2 || wire.front() != '"' || wire.back() != '"') return std::string(wire);
  std::string out;
  for (size_t i = 1; i + 1 < wire.size(); ++i) {
    if (wire[i] == '\\' && i + 2 < wire.size()) ++i;  // quoted-pairSMTP
    out.push_back(wire[i]);
  }
  return out;
}

std::string FormatLocalPart(absl::string_view local_part) {
  if (IsDotString(local_part)) return std::string(local_part);
  std::string out = "\"";
  for (char c : local_part) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

bool IsValidLocalPart(absl::string_view wire) {
  if (wire.empty() || wire.front() != '"') return IsDotString(wire);
  // Quoted-string = DQUOTE *QcontentSMTP DQUOTE
  if (wire.size() < 2 || wire.back() != '"') return false;
  for (size_t i = 1; i + 1 < wire.size(); ++i) {
    const unsigned char c = wire[i];
    if (c == '\\') {
      // quoted-pairSMTP = %d92 %d32-126
      if (i + 2 >= wire.size()) return false;
      const unsigned char next = wire[i + 1];
      if (next < 32 || next > 126) return false;
      ++i;
    } else if (c < 32 || c > 126 || c == '"') {
      // qtextSMTP = %d32-33 / %d35-91 / %d93-126
      return false;
    }
  }
  return true;
}

namespace {

bool IsDomainWithLabelChars(absl::string_view domain, bool allow_underscore) {
  if (domain.empty()) return false;
  size_t label_begin = 0;
  for (size_t i = 0; i <= domain.size(); ++i) {
    if (i == domain.size() || domain[i] == '.') {
      // sub-domain = Let-dig [Ldh-str]; Ldh-str ends with Let-dig.
      if (i == label_begin) return false;
      if (domain[label_begin] == '-' || domain[i - 1] == '-') return false;
      label_begin = i + 1;
      continue;
    }
    const unsigned char c = domain[i];
    if (!absl::ascii_isalnum(c) && c != '-' && !(allow_underscore && c == '_')) return false;
  }
  return true;
}

}  // namespace

bool IsValidDomain(absl::string_view domain) {
  return IsDomainWithLabelChars(domain, /*allow_underscore=*/false);
}

bool IsAcceptableHelloDomain(absl::string_view domain) {
  return IsDomainWithLabelChars(domain, /*allow_underscore=*/true);
}

namespace {

// Snum 3("." Snum), Snum = 1*3DIGIT with value 0..255.
bool IsIpv4(absl::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t digits = 0;
    int value = 0;
    while (i < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[i])) && digits < 4) {
      value = value * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0 || digits > 3 || value > 255) return false;
    ++parts;
    if (i == s.size()) return parts == 4;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
}

// IPv6-addr (RFC 5321 §4.1.3): full, compressed, and the IPv4-suffixed forms.
bool IsIpv6(absl::string_view s) {
  int groups = 0;
  bool compressed = false;
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
    if (i == s.size()) return true;
  }
  while (i < s.size()) {
    // An IPv4 tail counts as two groups.
    const size_t next_colon = s.find(':', i);
    absl::string_view part = s.substr(i, next_colon == absl::string_view::npos
                                             ? absl::string_view::npos
                                             : next_colon - i);
    if (next_colon == absl::string_view::npos && part.find('.') != absl::string_view::npos) {
      if (!IsIpv4(part)) return false;
      groups += 2;
      i = s.size();
      break;
    }
    if (part.empty() || part.size() > 4) return false;
    for (char c : part) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
    }
    ++groups;
    i += part.size();
    if (i == s.size()) break;
    // At a ':'.
    if (s.substr(i, 2) == "::") {
      if (compressed) return false;
      compressed = true;
      i += 2;
      if (i == s.size()) break;
    } else {
      ++i;
      if (i == s.size()) return false;  // trailing single ':'
    }
  }
  // "::" stands for at least two groups of zeros (RFC 5321 §4.1.3).
  return compressed ? groups <= 6 : groups == 8;
}

}  // namespace

bool IsValidAddressLiteral(absl::string_view literal) {
  if (literal.size() < 3 || literal.front() != '[' || literal.back() != ']') return false;
  absl::string_view inner = literal.substr(1, literal.size() - 2);
  if (IsIpv4(inner)) return true;
  const size_t colon = inner.find(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view tag = inner.substr(0, colon);
  absl::string_view content = inner.substr(colon + 1);
  if (absl::AsciiStrToLower(tag) == "ipv6") return IsIpv6(content);
  // General-address-literal = Standardized-tag ":" 1*dcontent; the tag is
  // an Ldh-str.
  if (!IsValidDomain(tag) || tag.find('.') != absl::string_view::npos || content.empty()) {
    return false;
  }
  for (char ch : content) {
    const unsigned char c = ch;
    // dcontent = %d33-90 / %d94-126
    if (c < 33 || c > 126 || c == '[' || c == '\\' || c == ']') return false;
  }
  return true;
}

}  // namespace lemonade::smtp
