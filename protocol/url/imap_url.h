// ImapUrl: IMAP URLs (RFC 5092) and URLAUTH-authorized URLs (RFC 4467),
// parsed into fields, formatted canonically, and split into the "rump" that
// the URLAUTH token is computed over.
//
// An ImapUrl holds decoded values: the mailbox is UTF-8 (RFC 5092 §8: IMAP's
// modified UTF-7 is converted to UTF-8 and percent-encoded in URLs; the
// IMAP layer converts back), the user, auth type, section and search are
// percent-decoded. Parsing normalises what the RFCs call case-insensitive
// (scheme, host, parameter names, access prefixes, URLAUTH mechanism,
// section keywords), so parse(format(x)) == x for every parsed x, and
// FormatImapUrl(ParseImapUrl(s)) is the canonical spelling of s.
//
// The URLAUTH token must be verified over the rump exactly as the client
// sent it (RFC 4467 §6: no percent-decoding, no case folding), so the
// verifier works on the original text with SplitUrlAuth(), never on a
// re-formatted URL.
//
//   UrlParseResult r = ParseImapUrl(
//       "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth="
//       "submit+fred:internal:91354a473744909de610943775f92038");
//   r.url->mailbox == "INBOX"; *r.url->uid == 20; *r.url->section == "1.2";
//   r.url->urlauth->access.kind == UrlAccessKind::kSubmit;
//   SplitUrlAuth(text)->rump ==
//       "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred"
//
// Leniencies (each documented where it is implemented):
//   - the "/" before ";UID=", ";SECTION=" and ";PARTIAL=" may be missing:
//     the Lemonade profile draft's CATENATE example writes
//     "/INBOX;UIDVALIDITY=385759045/;UID=25627;Section=2.MIME";
//   - a "/" that ends the mailbox text (or follows its ";UIDVALIDITY=n")
//     is not part of the name, so "/foo/" and "/foo" name the same mailbox
//     (RFC 5092 §9.1 says "/foo/;UID=20/.." is the same as "/foo");
//   - an empty port ("imap://host:/") means the default port (RFC 3986
//     §3.2.3).
#ifndef LEMONADE_PROTOCOL_URL_IMAP_URL_H_
#define LEMONADE_PROTOCOL_URL_IMAP_URL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::url {

// Longest URL text ParseImapUrl() accepts unless told otherwise. IMAP
// servers bound their command lines at a few KiB; a URL is one argument.
inline constexpr size_t kImapUrlOctetsMax = 8192;

// The default IMAP port (RFC 5092 §1, RFC 3501 §2.1).
inline constexpr uint16_t kImapDefaultPort = 143;

// Who may use a URLAUTH-authorized URL (RFC 4467 §3, RFC 5092 §6.1.2).
enum class UrlAccessKind {
  kAnonymous,  // "anonymous": anyone, including anonymous sessions
  kAuthUser,   // "authuser": any non-anonymous user of the server
  kUser,       // "user+<userid>": sessions authorized as <userid>
  kSubmit,     // "submit+<userid>": a submit server acting for <userid>
};

// access = ("submit+" enc-user) / ("user+" enc-user) / "authuser" /
//          "anonymous"
struct UrlAccess {
  UrlAccessKind kind = UrlAccessKind::kAnonymous;
  std::string user;  // decoded userid for kUser/kSubmit; empty otherwise

  friend bool operator==(const UrlAccess& a, const UrlAccess& b) {
    return a.kind == b.kind && a.user == b.user;
  }
  friend bool operator!=(const UrlAccess& a, const UrlAccess& b) { return !(a == b); }
};

// The ":<mech>:<token>" that turns a rump URL into an authorized one.
struct UrlAuthVerifier {
  std::string mechanism;  // upper-cased (case-insensitive, RFC 4467 §9)
  std::string token;      // 32*HEXDIG, as written

  friend bool operator==(const UrlAuthVerifier& a, const UrlAuthVerifier& b) {
    return a.mechanism == b.mechanism && a.token == b.token;
  }
  friend bool operator!=(const UrlAuthVerifier& a, const UrlAuthVerifier& b) {
    return !(a == b);
  }
};

// ";URLAUTH=<access>[:<mech>:<token>]". Without a verifier the URL is a
// rump (the GENURLAUTH argument, RFC 4467 §5).
struct UrlAuth {
  UrlAccess access;
  std::optional<UrlAuthVerifier> verifier;

  friend bool operator==(const UrlAuth& a, const UrlAuth& b) {
    return a.access == b.access && a.verifier == b.verifier;
  }
  friend bool operator!=(const UrlAuth& a, const UrlAuth& b) { return !(a == b); }
};

// ";PARTIAL=<offset>[.<length>]" (RFC 5092 §6): the IMAP partial fetch
// "<offset.length>".
struct UrlPartial {
  uint32_t offset = 0;
  std::optional<uint32_t> length;  // nz-number when present

  friend bool operator==(const UrlPartial& a, const UrlPartial& b) {
    return a.offset == b.offset && a.length == b.length;
  }
  friend bool operator!=(const UrlPartial& a, const UrlPartial& b) { return !(a == b); }
};

// What an IMAP URL designates (RFC 5092 §1).
enum class ImapUrlKind {
  kServer,       // imap://<iserver>[/]
  kMailbox,      // imap://<iserver>/<enc-mailbox>[<uidvalidity>][?<enc-search>]
  kMessagePart,  // ... <iuid>[<isection>][<ipartial>][<iurlauth>]
};

// An absolute IMAP URL. Invariants of every parsed value (the formatter
// relies on them when given a hand-built one):
//   - host is non-empty; user/auth_type, when present, are non-empty;
//   - uid_validity, search and uid require mailbox; search excludes uid;
//   - section, partial, expire and urlauth require uid;
//   - expire requires urlauth (RFC 5092 §11 iurlauth-rump).
struct ImapUrl {
  // iserver = [iuserinfo "@"] host [":" port]
  std::optional<std::string> user;       // decoded enc-user
  std::optional<std::string> auth_type;  // decoded enc-auth-type; "*" = any
  std::string host;                      // lower-cased reg-name or IP literal
  std::optional<uint16_t> port;

  // The path.
  std::optional<std::string> mailbox;  // UTF-8, "/" as hierarchy delimiter
  std::optional<uint32_t> uid_validity;
  std::optional<std::string> search;   // decoded enc-search (IMAP SEARCH args)
  std::optional<uint32_t> uid;
  std::optional<std::string> section;  // normalised IMAP section-spec
  std::optional<UrlPartial> partial;
  std::optional<int64_t> expire_unix_seconds;  // ";EXPIRE=", whole seconds
  std::optional<UrlAuth> urlauth;

  ImapUrlKind kind() const {
    if (uid.has_value()) return ImapUrlKind::kMessagePart;
    if (mailbox.has_value()) return ImapUrlKind::kMailbox;
    return ImapUrlKind::kServer;
  }
  // The port to connect to.
  uint16_t port_or_default() const { return port.value_or(kImapDefaultPort); }

  friend bool operator==(const ImapUrl& a, const ImapUrl& b);
  friend bool operator!=(const ImapUrl& a, const ImapUrl& b) { return !(a == b); }
};

// Why a URL was refused. Servers map all of these to "BAD" (GENURLAUTH) or
// NIL (URLFETCH, RFC 4467 §8) or "554 5.6.6"-class BURL failures; the
// distinctions are for logs and tests.
enum class UrlError {
  kNone = 0,
  kTooLong,                 // longer than the caller's limit
  kNotImapScheme,           // not "imap://" (or, for references, another scheme)
  kInvalidUserInfo,         // enc-user / ";AUTH=" malformed
  kInvalidHost,
  kInvalidPort,
  kInvalidPercentEncoding,  // "%" without two hex digits, or a bad character
  kInvalidUtf8,             // decoded mailbox/user is not UTF-8 (RFC 5092 §8)
  kInvalidMailbox,          // empty, or contains NUL/CR/LF
  kInvalidNumber,           // UIDVALIDITY/UID/PARTIAL not a 32-bit nz-number
  kUnknownParameter,        // ";FOO=" not defined by RFC 5092/4467
  kMisplacedParameter,      // duplicate, out of order, or without ;UID
  kInvalidSection,          // not an IMAP section-spec (RFC 3501 §9)
  kInvalidSearch,
  kInvalidExpire,           // not an RFC 3339 date-time
  kInvalidAccess,           // not anonymous/authuser/user+x/submit+x
  kInvalidMechanism,        // URLAUTH mechanism syntax
  kInvalidToken,            // URLAUTH token: fewer than 32 hex digits
  kTrailingGarbage,         // e.g. a fragment, or text after the URLAUTH
  kInvalidReference,        // relative reference that cannot be resolved
};

// A short name for `error` ("kInvalidSection" -> "invalid section").
absl::string_view UrlErrorName(UrlError error);

// The outcome of ParseImapUrl(): a URL, or an error and where it was found.
struct UrlParseResult {
  std::optional<ImapUrl> url;
  UrlError error = UrlError::kNone;
  size_t error_offset = 0;  // octet offset into the parsed text

  bool ok() const { return url.has_value(); }
};

// ParseImapUrl()
//
// Parses an absolute IMAP URL (RFC 5092 §11 `imapurl`, with the URLAUTH
// additions of RFC 4467 §9). Relative references go through
// ResolveImapUrl() (imap_url_resolve.h).
[[nodiscard]] UrlParseResult ParseImapUrl(absl::string_view text,
                                          size_t url_octets_max = kImapUrlOctetsMax);

// FormatImapUrl()
//
// The canonical spelling of `url`: lower-case scheme and host, upper-case
// parameter names and percent escapes, "/" before ";UID", ";SECTION" and
// ";PARTIAL", the minimum of percent-encoding, EXPIRE as
// "YYYY-MM-DDTHH:MM:SSZ". `url` must satisfy the ImapUrl invariants.
std::string FormatImapUrl(const ImapUrl& url);

// FormatRumpUrl()
//
// The canonical URL up to and including ";URLAUTH=<access>", without the
// verifier: the GENURLAUTH argument (RFC 4467 §5). `url.urlauth` must be
// set.
std::string FormatRumpUrl(const ImapUrl& url);

// The parts of a URLAUTH-authorized URL text (views into the text).
struct UrlAuthSplit {
  absl::string_view rump;       // everything before ":<mech>:<token>"
  absl::string_view mechanism;  // as written
  absl::string_view token;      // as written
};

// SplitUrlAuth()
//
// Splits `full_url` "at the ':' that separates <access> from <mech>:<token>"
// (RFC 4467 §6), without any decoding or case folding, so the token can be
// recomputed over exactly what was signed. Returns nullopt if the text has
// no ";URLAUTH=" component (matched case-insensitively) followed by
// ":" mechanism ":" token of valid syntax. Does not validate the rest of
// the URL: parse it with ParseImapUrl() too.
std::optional<UrlAuthSplit> SplitUrlAuth(absl::string_view full_url);

// AppendUrlAuthVerifier()
//
// rump + ":" + mechanism + ":" + token: what GENURLAUTH returns (RFC 4467
// §5). The rump is used verbatim.
std::string AppendUrlAuthVerifier(absl::string_view rump, absl::string_view mechanism,
                                  absl::string_view token);

// IsAuthImapUrlRump() / IsAuthImapUrlFull()
//
// Whether `url` has the shape RFC 4467 §9 requires of a GENURLAUTH argument
// (`authimapurlrump`: a user — "iuserauth is mandatory" (§7) — a message
// part, and ";URLAUTH=<access>" without a verifier) or of a URLFETCH/BURL
// argument (`authimapurlfull`: the same with a verifier).
bool IsAuthImapUrlRump(const ImapUrl& url);
bool IsAuthImapUrlFull(const ImapUrl& url);

// ParseUrlAccess() / FormatUrlAccess()
//
// The <access> identifier on its own (case-insensitive prefixes, decoded
// userid), and its canonical spelling.
std::optional<UrlAccess> ParseUrlAccess(absl::string_view text);
std::string FormatUrlAccess(const UrlAccess& access);

// NormalizeSectionSpec()
//
// Validates an IMAP section-spec (RFC 3501 §9: "1.2", "2.MIME",
// "HEADER.FIELDS (Subject From)", "TEXT", ...) and returns it with its
// keywords upper-cased and header names as written. nullopt if invalid.
std::optional<std::string> NormalizeSectionSpec(absl::string_view section);

}  // namespace lemonade::url

#endif  // LEMONADE_PROTOCOL_URL_IMAP_URL_H_
