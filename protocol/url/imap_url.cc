#include "protocol/url/imap_url.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "protocol/imap/imap_chars.h"
#include "protocol/url/percent_encoding.h"
#include "protocol/url/rfc3339.h"
#include "protocol/url/utf8.h"

namespace lemonade::url {
namespace {

constexpr absl::string_view kScheme = "imap://";
constexpr absl::string_view kUrlAuthParameter = ";URLAUTH=";
// RFC 4467 §3: "at least 128 bits (and therefore at least 32 hexadecimal
// digits)".
constexpr size_t kTokenHexDigitsMin = 32;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); }

// nz-number = digit-nz *DIGIT, and IMAP numbers are 32-bit (RFC 3501 §9).
std::optional<uint32_t> ParseNzNumber(absl::string_view s) {
  if (s.empty() || s.size() > 10 || s[0] == '0') return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > 0xFFFFFFFFu) return std::nullopt;
  return static_cast<uint32_t>(value);
}

// number = 1*DIGIT (32-bit).
std::optional<uint32_t> ParseNumber(absl::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > 0xFFFFFFFFu) return std::nullopt;
  return static_cast<uint32_t>(value);
}

// Names that reach IMAP commands must not smuggle line ends or NULs into
// them, whatever the percent-encoding says.
bool HasLineBreakOrNul(absl::string_view s) {
  return s.find_first_of(absl::string_view("\0\r\n", 3)) != absl::string_view::npos;
}

// Decodes an enc-user / enc-mailbox style component: character set,
// escapes, UTF-8 (RFC 5092 §8), no NUL/CR/LF.
UrlError DecodeName(absl::string_view text, UrlCharSet set, std::string* out) {
  if (!IsEncodedIn(text, set)) return UrlError::kInvalidPercentEncoding;
  std::optional<std::string> decoded = PercentDecode(text);
  if (!decoded) return UrlError::kInvalidPercentEncoding;
  if (!IsValidUtf8(*decoded)) return UrlError::kInvalidUtf8;
  if (decoded->empty() || HasLineBreakOrNul(*decoded)) return UrlError::kInvalidMailbox;
  *out = *std::move(decoded);
  return UrlError::kNone;
}

bool IsMechanismChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

// uauth-mechanism = "INTERNAL" / 1*(ALPHA / DIGIT / "-" / ".")
bool IsValidMechanism(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsMechanismChar(c)) return false;
  }
  return true;
}

// enc-urlauth = 32*HEXDIG
bool IsValidToken(absl::string_view s) {
  if (s.size() < kTokenHexDigitsMin) return false;
  for (char c : s) {
    if (!IsHexDigit(c)) return false;
  }
  return true;
}

// Finds the last ";URLAUTH=" (any case) in `s`.
size_t FindUrlAuthParameter(absl::string_view s) {
  if (s.size() < kUrlAuthParameter.size()) return absl::string_view::npos;
  for (size_t i = s.size() - kUrlAuthParameter.size() + 1; i-- > 0;) {
    if (absl::EqualsIgnoreCase(s.substr(i, kUrlAuthParameter.size()), kUrlAuthParameter)) {
      return i;
    }
  }
  return absl::string_view::npos;
}

// ---- section-spec (RFC 3501 §9) -------------------------------------------

class SectionNormalizer {
 public:
  explicit SectionNormalizer(absl::string_view s) : s_(s) {}

  std::optional<std::string> Run() {
    if (!s_.empty() && IsDigit(s_[0])) {
      // section-part = nz-number *("." nz-number)
      if (!Part()) return std::nullopt;
      if (pos_ == s_.size()) return out_;
      if (!Consume('.')) return std::nullopt;
      out_.push_back('.');
      // section-text = section-msgtext / "MIME"
      if (ConsumeKeyword("MIME")) {
        out_.append("MIME");
      } else if (!MsgText()) {
        return std::nullopt;
      }
    } else if (!MsgText()) {
      return std::nullopt;
    }
    if (pos_ != s_.size()) return std::nullopt;
    return out_;
  }

 private:
  bool Part() {
    while (true) {
      const size_t start = pos_;
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
      if (!ParseNzNumber(s_.substr(start, pos_ - start))) return false;
      out_.append(s_.data() + start, pos_ - start);
      // Another part number follows only if a digit comes after the dot.
      if (pos_ + 1 < s_.size() && s_[pos_] == '.' && IsDigit(s_[pos_ + 1])) {
        out_.push_back('.');
        ++pos_;
        continue;
      }
      return true;
    }
  }

  // section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list /
  //                   "TEXT"
  bool MsgText() {
    if (ConsumeKeyword("HEADER.FIELDS.NOT")) {
      out_.append("HEADER.FIELDS.NOT");
      return HeaderList();
    }
    if (ConsumeKeyword("HEADER.FIELDS")) {
      out_.append("HEADER.FIELDS");
      return HeaderList();
    }
    if (ConsumeKeyword("HEADER")) {
      out_.append("HEADER");
      return true;
    }
    if (ConsumeKeyword("TEXT")) {
      out_.append("TEXT");
      return true;
    }
    return false;
  }

  // SP "(" header-fld-name *(SP header-fld-name) ")"
  bool HeaderList() {
    if (!Consume(' ') || !Consume('(')) return false;
    out_.append(" (");
    while (true) {
      if (!AString()) return false;
      if (Consume(')')) {
        out_.push_back(')');
        return true;
      }
      if (!Consume(' ')) return false;
      out_.push_back(' ');
    }
  }

  // header-fld-name = astring: an atom of ASTRING-CHARs or a quoted string
  // (a literal cannot occur inside a URL).
  bool AString() {
    const size_t start = pos_;
    if (Consume('"')) {
      while (pos_ < s_.size() && s_[pos_] != '"') {
        const unsigned char c = s_[pos_];
        if (c == '\\') {
          if (pos_ + 1 >= s_.size() || (s_[pos_ + 1] != '"' && s_[pos_ + 1] != '\\')) {
            return false;
          }
          pos_ += 2;
          continue;
        }
        if (!imap::IsTextChar(c)) return false;
        ++pos_;
      }
      if (!Consume('"')) return false;
    } else {
      while (pos_ < s_.size() && imap::IsAstringChar(s_[pos_])) ++pos_;
      if (pos_ == start) return false;
    }
    out_.append(s_.data() + start, pos_ - start);
    return true;
  }

  bool Consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  // Matches `keyword` case-insensitively when it is not the prefix of a
  // longer word ("HEADER" must not match "HEADERS").
  bool ConsumeKeyword(absl::string_view keyword) {
    if (s_.size() - pos_ < keyword.size()) return false;
    if (!absl::EqualsIgnoreCase(s_.substr(pos_, keyword.size()), keyword)) return false;
    const size_t end = pos_ + keyword.size();
    if (end < s_.size() && (absl::ascii_isalpha(static_cast<unsigned char>(s_[end])) ||
                            s_[end] == '.')) {
      // "HEADER.FIELDS" is tried before "HEADER", so a following "." or
      // letter means a different (longer) keyword.
      return false;
    }
    pos_ = end;
    return true;
  }

  absl::string_view s_;
  size_t pos_ = 0;
  std::string out_;
};

// ---- The parser ------------------------------------------------------------

// Parses one absolute URL; records the first error and its offset.
class UrlParser {
 public:
  explicit UrlParser(absl::string_view text) : text_(text) {}

  UrlParseResult Run() {
    UrlParseResult result;
    ImapUrl url;
    if (!Parse(&url)) {
      result.error = error_;
      result.error_offset = error_offset_;
      return result;
    }
    result.url = std::move(url);
    return result;
  }

 private:
  bool Fail(UrlError error, size_t offset) {
    error_ = error;
    error_offset_ = offset;
    return false;
  }

  bool Parse(ImapUrl* url) {
    if (!absl::StartsWithIgnoreCase(text_, kScheme)) return Fail(UrlError::kNotImapScheme, 0);
    size_t pos = kScheme.size();
    // RFC 3986 §3.2: the authority ends at the next "/", "?" or "#".
    size_t end = text_.find_first_of("/?#", pos);
    if (end == absl::string_view::npos) end = text_.size();
    if (!ParseServer(pos, end, url)) return false;
    pos = end;
    if (pos == text_.size()) return true;
    // ipath-query = ["/" [icommand]]: a query or fragment needs a mailbox.
    if (text_[pos] != '/') return Fail(UrlError::kTrailingGarbage, pos);
    ++pos;
    if (pos == text_.size()) return true;
    return ParseCommand(pos, url);
  }

  // iserver = [iuserinfo "@"] host [":" port]
  bool ParseServer(size_t begin, size_t end, ImapUrl* url) {
    absl::string_view authority = text_.substr(begin, end - begin);
    size_t host_begin = begin;
    const size_t at = authority.find('@');
    if (at != absl::string_view::npos) {
      if (!ParseUserInfo(begin, begin + at, url)) return false;
      host_begin = begin + at + 1;
    }
    absl::string_view hostport = text_.substr(host_begin, end - host_begin);
    size_t port_colon;
    if (!hostport.empty() && hostport[0] == '[') {
      // IP-literal (RFC 3986 §3.2.2): IPv6address / IPvFuture.
      const size_t close = hostport.find(']');
      if (close == absl::string_view::npos || close == 1) {
        return Fail(UrlError::kInvalidHost, host_begin);
      }
      for (size_t i = 1; i < close; ++i) {
        const char c = hostport[i];
        if (!IsHexDigit(c) && c != ':' && c != '.' && c != 'v' && c != 'V') {
          return Fail(UrlError::kInvalidHost, host_begin + i);
        }
      }
      port_colon = close + 1;
      if (port_colon < hostport.size() && hostport[port_colon] != ':') {
        return Fail(UrlError::kInvalidHost, host_begin + port_colon);
      }
    } else {
      port_colon = hostport.find(':');
      if (port_colon == absl::string_view::npos) port_colon = hostport.size();
      if (port_colon == 0) return Fail(UrlError::kInvalidHost, host_begin);
      // A DNS name or IPv4 address. Percent-encoded and sub-delim reg-names
      // (RFC 3986 allows them) name no IMAP server anyone runs; refusing
      // them keeps the host safe to log and to hand to a resolver.
      for (size_t i = 0; i < port_colon; ++i) {
        if (!IsUnreserved(hostport[i])) return Fail(UrlError::kInvalidHost, host_begin + i);
      }
    }
    url->host = absl::AsciiStrToLower(hostport.substr(0, port_colon));
    if (port_colon < hostport.size()) {
      absl::string_view port = hostport.substr(port_colon + 1);
      // port = *DIGIT; empty means the scheme's default (RFC 3986 §3.2.3).
      if (!port.empty()) {
        if (port.size() > 5) return Fail(UrlError::kInvalidPort, host_begin + port_colon + 1);
        uint32_t value = 0;
        for (char c : port) {
          if (!IsDigit(c)) return Fail(UrlError::kInvalidPort, host_begin + port_colon + 1);
          value = value * 10 + static_cast<uint32_t>(c - '0');
        }
        if (value > 65535) return Fail(UrlError::kInvalidPort, host_begin + port_colon + 1);
        url->port = static_cast<uint16_t>(value);
      }
    }
    return true;
  }

  // iuserinfo = enc-user [iauth] / [enc-user] iauth
  // iauth     = ";AUTH=" ( "*" / enc-auth-type )
  bool ParseUserInfo(size_t begin, size_t end, ImapUrl* url) {
    absl::string_view info = text_.substr(begin, end - begin);
    const size_t semi = info.find(';');
    absl::string_view user = info.substr(0, semi);
    if (semi != absl::string_view::npos) {
      absl::string_view auth = info.substr(semi);
      if (!absl::StartsWithIgnoreCase(auth, ";AUTH=")) {
        return Fail(UrlError::kInvalidUserInfo, begin + semi);
      }
      auth.remove_prefix(6);
      if (auth == "*") {
        // RFC 5092 §3.2: "*" is not percent-encoded in this use, and
        // ";AUTH=%2A" does not match it (it decodes to a non-atom below).
        url->auth_type = "*";
      } else {
        std::string decoded;
        if (DecodeName(auth, UrlCharSet::kAchar, &decoded) != UrlError::kNone) {
          return Fail(UrlError::kInvalidUserInfo, begin + semi + 6);
        }
        // auth-type = atom (RFC 3501 §9).
        for (char c : decoded) {
          if (!imap::IsAtomChar(c)) return Fail(UrlError::kInvalidUserInfo, begin + semi + 6);
        }
        url->auth_type = std::move(decoded);
      }
    }
    if (!user.empty()) {
      std::string decoded;
      const UrlError e = DecodeName(user, UrlCharSet::kAchar, &decoded);
      if (e != UrlError::kNone) {
        return Fail(e == UrlError::kInvalidMailbox ? UrlError::kInvalidUserInfo : e, begin);
      }
      url->user = std::move(decoded);
    } else if (!url->auth_type) {
      return Fail(UrlError::kInvalidUserInfo, begin);
    }
    return true;
  }

  // icommand = imessagelist / imessagepart [iurlauth]
  bool ParseCommand(size_t begin, ImapUrl* url) {
    absl::string_view command = text_.substr(begin);
    const size_t hash = command.find('#');
    if (hash != absl::string_view::npos) return Fail(UrlError::kTrailingGarbage, begin + hash);
    const size_t query = command.find('?');
    const size_t path_end = query == absl::string_view::npos ? command.size() : query;
    if (!ParsePath(begin, begin + path_end, url)) return false;
    if (query == absl::string_view::npos) return true;
    // imessagelist = imailbox-ref [ "?" enc-search ]
    if (url->uid) return Fail(UrlError::kMisplacedParameter, begin + query);
    absl::string_view search = command.substr(query + 1);
    if (search.empty() || !IsEncodedIn(search, UrlCharSet::kBchar)) {
      return Fail(UrlError::kInvalidSearch, begin + query + 1);
    }
    std::optional<std::string> decoded = PercentDecode(search);
    // A NUL cannot be sent in a SEARCH program (only literal8 carries one).
    if (!decoded || decoded->find('\0') != std::string::npos) {
      return Fail(UrlError::kInvalidSearch, begin + query + 1);
    }
    url->search = *std::move(decoded);
    return true;
  }

  // enc-mailbox [uidvalidity] [iuid [isection] [ipartial] [iurlauth]]
  bool ParsePath(size_t begin, size_t end, ImapUrl* url) {
    absl::string_view path = text_.substr(begin, end - begin);
    const size_t semi = path.find(';');
    absl::string_view mailbox = path.substr(0, semi);
    // The "/" that separates the mailbox from ";UID=" is not part of the
    // name, and neither is a trailing one (RFC 5092 §9.1: "/foo/;UID=20/.."
    // is the same as "/foo"). A name that really ends in "/" is written
    // with "%2F".
    if (!mailbox.empty() && mailbox.back() == '/') mailbox.remove_suffix(1);
    if (mailbox.empty()) return Fail(UrlError::kInvalidMailbox, begin);
    std::string decoded;
    const UrlError e = DecodeName(mailbox, UrlCharSet::kBchar, &decoded);
    if (e != UrlError::kNone) return Fail(e, begin);
    url->mailbox = std::move(decoded);
    if (semi == absl::string_view::npos) return true;
    return ParseParameters(begin + semi, end, url);
  }

  enum Stage { kAfterMailbox, kAfterUidValidity, kAfterUid, kAfterSection, kAfterPartial,
               kAfterExpire, kAfterUrlAuth };

  bool ParseParameters(size_t begin, size_t end, ImapUrl* url) {
    Stage stage = kAfterMailbox;
    size_t pos = begin;
    while (pos < end) {
      const size_t parameter_begin = pos;
      bool slash = false;
      if (text_[pos] == '/') {
        slash = true;
        ++pos;
      }
      if (pos >= end || text_[pos] != ';') return Fail(UrlError::kTrailingGarbage, pos);
      ++pos;
      const size_t equals = text_.substr(0, end).find('=', pos);
      if (equals == absl::string_view::npos) return Fail(UrlError::kUnknownParameter, pos);
      absl::string_view name = text_.substr(pos, equals - pos);
      const size_t value_begin = equals + 1;
      size_t value_end;
      if (absl::EqualsIgnoreCase(name, "URLAUTH")) {
        value_end = end;  // iurlauth "MUST be at the end of the URL"
      } else {
        value_end = text_.substr(0, end).find(';', value_begin);
        if (value_end == absl::string_view::npos) {
          value_end = end;
        } else if (value_end > value_begin && text_[value_end - 1] == '/') {
          --value_end;  // "/;SECTION=" etc.: the slash belongs to the next one
        }
      }
      absl::string_view value = text_.substr(value_begin, value_end - value_begin);
      pos = value_end;
      // ";UIDVALIDITY=" is part of the mailbox's path segment (§5), so a
      // mailbox URL may end with a "/" after it just as after the name
      // (resolution against a mailbox base produces exactly that).
      if (pos == end && absl::EndsWith(value, "/") && absl::EqualsIgnoreCase(name, "UIDVALIDITY")) {
        value.remove_suffix(1);
      }
      if (!ParseParameter(name, value, slash, parameter_begin, value_begin, &stage, url)) {
        return false;
      }
    }
    // iurlauth-rump = [expire] ";URLAUTH=" access: EXPIRE alone is not a
    // URL RFC 5092 defines.
    if (stage == kAfterExpire) return Fail(UrlError::kMisplacedParameter, end);
    return true;
  }

  bool ParseParameter(absl::string_view name, absl::string_view value, bool slash,
                      size_t parameter_begin, size_t value_begin, Stage* stage, ImapUrl* url) {
    if (absl::EqualsIgnoreCase(name, "UIDVALIDITY")) {
      // uidvalidity is part of the mailbox's last path component (§5).
      if (*stage != kAfterMailbox || slash) {
        return Fail(UrlError::kMisplacedParameter, parameter_begin);
      }
      url->uid_validity = ParseNzNumber(value);
      if (!url->uid_validity) return Fail(UrlError::kInvalidNumber, value_begin);
      *stage = kAfterUidValidity;
      return true;
    }
    if (absl::EqualsIgnoreCase(name, "UID")) {
      // Lenient: the "/" of iuid may be missing (see the header comment).
      if (*stage > kAfterUidValidity) return Fail(UrlError::kMisplacedParameter, parameter_begin);
      url->uid = ParseNzNumber(value);
      if (!url->uid) return Fail(UrlError::kInvalidNumber, value_begin);
      *stage = kAfterUid;
      return true;
    }
    if (absl::EqualsIgnoreCase(name, "SECTION")) {
      if (*stage != kAfterUid) return Fail(UrlError::kMisplacedParameter, parameter_begin);
      if (value.empty() || !IsEncodedIn(value, UrlCharSet::kBchar)) {
        return Fail(UrlError::kInvalidSection, value_begin);
      }
      std::optional<std::string> decoded = PercentDecode(value);
      std::optional<std::string> section =
          decoded ? NormalizeSectionSpec(*decoded) : std::nullopt;
      if (!section) return Fail(UrlError::kInvalidSection, value_begin);
      url->section = *std::move(section);
      *stage = kAfterSection;
      return true;
    }
    if (absl::EqualsIgnoreCase(name, "PARTIAL")) {
      if (*stage != kAfterUid && *stage != kAfterSection) {
        return Fail(UrlError::kMisplacedParameter, parameter_begin);
      }
      // partial-range = number ["." nz-number]
      const size_t dot = value.find('.');
      UrlPartial partial;
      std::optional<uint32_t> offset = ParseNumber(value.substr(0, dot));
      if (!offset) return Fail(UrlError::kInvalidNumber, value_begin);
      partial.offset = *offset;
      if (dot != absl::string_view::npos) {
        partial.length = ParseNzNumber(value.substr(dot + 1));
        if (!partial.length) return Fail(UrlError::kInvalidNumber, value_begin + dot + 1);
      }
      url->partial = partial;
      *stage = kAfterPartial;
      return true;
    }
    if (absl::EqualsIgnoreCase(name, "EXPIRE")) {
      if (slash || *stage < kAfterUid || *stage >= kAfterExpire) {
        return Fail(UrlError::kMisplacedParameter, parameter_begin);
      }
      std::optional<std::string> decoded = PercentDecode(value);
      std::optional<int64_t> seconds =
          decoded && IsEncodedIn(value, UrlCharSet::kBchar) ? ParseRfc3339DateTime(*decoded)
                                                            : std::nullopt;
      if (!seconds) return Fail(UrlError::kInvalidExpire, value_begin);
      url->expire_unix_seconds = *seconds;
      *stage = kAfterExpire;
      return true;
    }
    if (absl::EqualsIgnoreCase(name, "URLAUTH")) {
      // RFC 4467 §3: URLAUTH applies only to a message or message part.
      if (slash || *stage < kAfterUid || *stage >= kAfterUrlAuth) {
        return Fail(UrlError::kMisplacedParameter, parameter_begin);
      }
      if (!ParseUrlAuthValue(value, value_begin, url)) return false;
      *stage = kAfterUrlAuth;
      return true;
    }
    return Fail(UrlError::kUnknownParameter, parameter_begin);
  }

  // access [":" uauth-mechanism ":" enc-urlauth]
  bool ParseUrlAuthValue(absl::string_view value, size_t value_begin, ImapUrl* url) {
    UrlAuth urlauth;
    const size_t colon = value.find(':');
    std::optional<UrlAccess> access = ParseUrlAccess(value.substr(0, colon));
    if (!access) return Fail(UrlError::kInvalidAccess, value_begin);
    urlauth.access = *std::move(access);
    if (colon != absl::string_view::npos) {
      absl::string_view rest = value.substr(colon + 1);
      const size_t colon2 = rest.find(':');
      if (colon2 == absl::string_view::npos || !IsValidMechanism(rest.substr(0, colon2))) {
        return Fail(UrlError::kInvalidMechanism, value_begin + colon + 1);
      }
      absl::string_view token = rest.substr(colon2 + 1);
      if (!IsValidToken(token)) {
        return Fail(UrlError::kInvalidToken, value_begin + colon + 1 + colon2 + 1);
      }
      UrlAuthVerifier verifier;
      verifier.mechanism = absl::AsciiStrToUpper(rest.substr(0, colon2));
      verifier.token = std::string(token);
      urlauth.verifier = std::move(verifier);
    }
    url->urlauth = std::move(urlauth);
    return true;
  }

  absl::string_view text_;
  UrlError error_ = UrlError::kNone;
  size_t error_offset_ = 0;
};

// ---- The formatter ---------------------------------------------------------

// Whether the "." at mailbox[i] is part of a "." or ".." path segment,
// which RFC 5092 §7 says must be percent-encoded so that relative
// resolution does not treat it as a dot-segment.
bool InDotSegment(absl::string_view mailbox, size_t i) {
  size_t begin = mailbox.rfind('/', i);
  begin = begin == absl::string_view::npos ? 0 : begin + 1;
  size_t end = mailbox.find('/', i);
  if (end == absl::string_view::npos) end = mailbox.size();
  absl::string_view segment = mailbox.substr(begin, end - begin);
  return segment == "." || segment == "..";
}

void AppendMailbox(absl::string_view mailbox, std::string* out) {
  for (size_t i = 0; i < mailbox.size(); ++i) {
    const char c = mailbox[i];
    if (c == '/') {
      // A leading "/" would make an absolute-path reference look like a
      // network-path one (§7.1); a trailing one would be taken for the
      // separator before ";UID=".
      out->append(i == 0 || i + 1 == mailbox.size() ? "%2F" : "/");
    } else if (c == '.' && InDotSegment(mailbox, i)) {
      out->append("%2E");
    } else {
      PercentEncode(mailbox.substr(i, 1), UrlCharSet::kBchar, out);
    }
  }
}

void AppendUrl(const ImapUrl& url, bool with_verifier, std::string* out) {
  out->append(kScheme.data(), kScheme.size());
  if (url.user || url.auth_type) {
    if (url.user) PercentEncode(*url.user, UrlCharSet::kAchar, out);
    if (url.auth_type) {
      out->append(";AUTH=");
      if (*url.auth_type == "*") {
        out->push_back('*');
      } else {
        PercentEncode(*url.auth_type, UrlCharSet::kAchar, out);
      }
    }
    out->push_back('@');
  }
  out->append(url.host);
  if (url.port) absl::StrAppend(out, ":", *url.port);
  out->push_back('/');
  if (!url.mailbox) return;
  AppendMailbox(*url.mailbox, out);
  if (url.uid_validity) absl::StrAppend(out, ";UIDVALIDITY=", *url.uid_validity);
  if (url.search) {
    out->push_back('?');
    PercentEncode(*url.search, UrlCharSet::kBchar, out);
  }
  if (!url.uid) return;
  absl::StrAppend(out, "/;UID=", *url.uid);
  if (url.section) {
    out->append("/;SECTION=");
    PercentEncode(*url.section, UrlCharSet::kBchar, out);
  }
  if (url.partial) {
    absl::StrAppend(out, "/;PARTIAL=", url.partial->offset);
    if (url.partial->length) absl::StrAppend(out, ".", *url.partial->length);
  }
  if (url.expire_unix_seconds) {
    absl::StrAppend(out, ";EXPIRE=", FormatRfc3339DateTime(*url.expire_unix_seconds));
  }
  if (url.urlauth) {
    absl::StrAppend(out, ";URLAUTH=", FormatUrlAccess(url.urlauth->access));
    if (with_verifier && url.urlauth->verifier) {
      absl::StrAppend(out, ":", url.urlauth->verifier->mechanism, ":",
                      url.urlauth->verifier->token);
    }
  }
}

}  // namespace

bool operator==(const ImapUrl& a, const ImapUrl& b) {
  return a.user == b.user && a.auth_type == b.auth_type && a.host == b.host &&
         a.port == b.port && a.mailbox == b.mailbox && a.uid_validity == b.uid_validity &&
         a.search == b.search && a.uid == b.uid && a.section == b.section &&
         a.partial == b.partial && a.expire_unix_seconds == b.expire_unix_seconds &&
         a.urlauth == b.urlauth;
}

absl::string_view UrlErrorName(UrlError error) {
  switch (error) {
    case UrlError::kNone: return "none";
    case UrlError::kTooLong: return "too long";
    case UrlError::kNotImapScheme: return "not an imap URL";
    case UrlError::kInvalidUserInfo: return "invalid user or auth type";
    case UrlError::kInvalidHost: return "invalid host";
    case UrlError::kInvalidPort: return "invalid port";
    case UrlError::kInvalidPercentEncoding: return "invalid percent-encoding";
    case UrlError::kInvalidUtf8: return "invalid UTF-8";
    case UrlError::kInvalidMailbox: return "invalid mailbox";
    case UrlError::kInvalidNumber: return "invalid number";
    case UrlError::kUnknownParameter: return "unknown parameter";
    case UrlError::kMisplacedParameter: return "misplaced parameter";
    case UrlError::kInvalidSection: return "invalid section";
    case UrlError::kInvalidSearch: return "invalid search";
    case UrlError::kInvalidExpire: return "invalid expire date-time";
    case UrlError::kInvalidAccess: return "invalid access identifier";
    case UrlError::kInvalidMechanism: return "invalid URLAUTH mechanism";
    case UrlError::kInvalidToken: return "invalid URLAUTH token";
    case UrlError::kTrailingGarbage: return "trailing garbage";
    case UrlError::kInvalidReference: return "invalid relative reference";
  }
  return "unknown";
}

UrlParseResult ParseImapUrl(absl::string_view text, size_t url_octets_max) {
  if (text.size() > url_octets_max) {
    UrlParseResult result;
    result.error = UrlError::kTooLong;
    result.error_offset = url_octets_max;
    return result;
  }
  return UrlParser(text).Run();
}

std::string FormatImapUrl(const ImapUrl& url) {
  std::string out;
  AppendUrl(url, /*with_verifier=*/true, &out);
  return out;
}

std::string FormatRumpUrl(const ImapUrl& url) {
  std::string out;
  AppendUrl(url, /*with_verifier=*/false, &out);
  return out;
}

std::optional<UrlAuthSplit> SplitUrlAuth(absl::string_view full_url) {
  const size_t at = FindUrlAuthParameter(full_url);
  if (at == absl::string_view::npos) return std::nullopt;
  const size_t access_begin = at + kUrlAuthParameter.size();
  const size_t colon = full_url.find(':', access_begin);
  if (colon == absl::string_view::npos || colon == access_begin) return std::nullopt;
  absl::string_view rest = full_url.substr(colon + 1);
  const size_t colon2 = rest.find(':');
  if (colon2 == absl::string_view::npos) return std::nullopt;
  UrlAuthSplit split;
  split.rump = full_url.substr(0, colon);
  split.mechanism = rest.substr(0, colon2);
  split.token = rest.substr(colon2 + 1);
  if (!IsValidMechanism(split.mechanism) || !IsValidToken(split.token)) return std::nullopt;
  return split;
}

std::string AppendUrlAuthVerifier(absl::string_view rump, absl::string_view mechanism,
                                  absl::string_view token) {
  return absl::StrCat(rump, ":", mechanism, ":", token);
}

bool IsAuthImapUrlRump(const ImapUrl& url) {
  return url.user.has_value() && url.uid.has_value() && url.urlauth.has_value() &&
         !url.urlauth->verifier.has_value();
}

bool IsAuthImapUrlFull(const ImapUrl& url) {
  return url.user.has_value() && url.uid.has_value() && url.urlauth.has_value() &&
         url.urlauth->verifier.has_value();
}

std::optional<UrlAccess> ParseUrlAccess(absl::string_view text) {
  UrlAccess access;
  absl::string_view user;
  if (absl::EqualsIgnoreCase(text, "anonymous")) {
    access.kind = UrlAccessKind::kAnonymous;
    return access;
  }
  if (absl::EqualsIgnoreCase(text, "authuser")) {
    access.kind = UrlAccessKind::kAuthUser;
    return access;
  }
  if (absl::StartsWithIgnoreCase(text, "submit+")) {
    access.kind = UrlAccessKind::kSubmit;
    user = text.substr(7);
  } else if (absl::StartsWithIgnoreCase(text, "user+")) {
    access.kind = UrlAccessKind::kUser;
    user = text.substr(5);
  } else {
    return std::nullopt;
  }
  if (user.empty() || DecodeName(user, UrlCharSet::kAchar, &access.user) != UrlError::kNone) {
    return std::nullopt;
  }
  return access;
}

std::string FormatUrlAccess(const UrlAccess& access) {
  std::string out;
  switch (access.kind) {
    case UrlAccessKind::kAnonymous:
      return "anonymous";
    case UrlAccessKind::kAuthUser:
      return "authuser";
    case UrlAccessKind::kUser:
      out = "user+";
      break;
    case UrlAccessKind::kSubmit:
      out = "submit+";
      break;
  }
  PercentEncode(access.user, UrlCharSet::kAchar, &out);
  return out;
}

std::optional<std::string> NormalizeSectionSpec(absl::string_view section) {
  return SectionNormalizer(section).Run();
}

}  // namespace lemonade::url
