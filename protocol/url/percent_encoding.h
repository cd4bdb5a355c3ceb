// Percent-encoding for IMAP URLs (RFC 5092 §11 character classes, RFC 3986
// §2.1 escapes).
//
// RFC 5092 narrows RFC 3986's sets: `achar` (user names, auth types, access
// identifiers) excludes ";" so ";AUTH=" and ";URLAUTH=" can be found, and
// `bchar` (mailboxes, sections, searches) adds ":", "@" and "/". Decoding
// accepts any escape; encoding escapes exactly the octets outside the set
// and writes upper-case hex (RFC 3986 §2.1 "should"), which is the
// canonical form our formatter emits.
//
//   std::string out;
//   PercentEncode("gray council", UrlCharSet::kBchar, &out);  // "gray%20council"
//   PercentDecode("%E5%8F%B0%E5%8C%97")                       // "台北" (UTF-8)
#ifndef LEMONADE_PROTOCOL_URL_PERCENT_ENCODING_H_
#define LEMONADE_PROTOCOL_URL_PERCENT_ENCODING_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::url {

// unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3).
constexpr bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

// sub-delims-sh = "!" / "$" / "'" / "(" / ")" / "*" / "+" / ","
// (RFC 3986 sub-delims without ";", "&" and "=").
constexpr bool IsSubDelimSh(unsigned char c) {
  return c == '!' || c == '$' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' ||
         c == ',';
}

// uchar = unreserved / sub-delims-sh / pct-encoded (the unescaped part).
constexpr bool IsUchar(unsigned char c) { return IsUnreserved(c) || IsSubDelimSh(c); }

// achar = uchar / "&" / "=" (unescaped part).
constexpr bool IsAchar(unsigned char c) { return IsUchar(c) || c == '&' || c == '='; }

// bchar = achar / ":" / "@" / "/" (unescaped part).
constexpr bool IsBchar(unsigned char c) {
  return IsAchar(c) || c == ':' || c == '@' || c == '/';
}

// Which RFC 5092 class an encoded component is drawn from.
enum class UrlCharSet {
  kAchar,  // enc-user, enc-auth-type
  kBchar,  // enc-mailbox, enc-section, enc-search
};

// IsEncodedIn()
//
// Whether `text` consists only of unescaped `set` characters and
// well-formed "%" HEXDIG HEXDIG escapes.
bool IsEncodedIn(absl::string_view text, UrlCharSet set);

// PercentDecode()
//
// Replaces every "%" HEXDIG HEXDIG with its octet. Returns nullopt if a "%"
// is not followed by two hex digits. Does not check the character set; use
// IsEncodedIn() first.
std::optional<std::string> PercentDecode(absl::string_view text);

// PercentEncode()
//
// Appends `raw` to `out`, escaping every octet that is not an unescaped
// member of `set` (and always "%") as "%XX" with upper-case hex.
void PercentEncode(absl::string_view raw, UrlCharSet set, std::string* out);

}  // namespace lemonade::url

#endif  // LEMONADE_PROTOCOL_URL_PERCENT_ENCODING_H_
