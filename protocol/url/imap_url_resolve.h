// Relative IMAP URLs (RFC 5092 §7): resolving a reference against a base.
//
// RFC 5092 §7 resolves relative IMAP URLs with the generic algorithm of
// RFC 3986 §5.2, treating the IMAP parameters (";UID=", ";SECTION=", ...)
// as ordinary path text and ";UIDVALIDITY=" as part of the mailbox's last
// segment. So resolution is done on the text, then the result is parsed
// as an absolute IMAP URL. The base is formatted canonically first, so a
// base written in a lenient form (no "/" before ";SECTION=") still
// resolves as its canonical spelling would.
//
// The forms of §7/§11 `imapurl-rel` are all accepted: network-path
// ("//host/INBOX"), absolute-path ("/INBOX;UIDVALIDITY=385759045/;UID=20"),
// relative-path (";SECTION=1.4", "..;UIDVALIDITY=385759045/;UID=20") and
// the empty reference. A base that names a mailbox (no UID, no search) is
// treated as that mailbox's "directory", so ";UID=20" resolves inside it.
// (§7.2 says relative-path references MUST NOT be
// accepted, yet §9.1 and the ABNF define them; we follow the examples.)
//
//   ImapUrl base = *ParseImapUrl(
//       "imap://;AUTH=GSSAPI@minbari.example.org/gray-council/;uid=20/"
//       ";section=1.2").url;
//   UrlParseResult r = ResolveImapUrl(base, ";section=1.4");
//   *r.url->section == "1.4", *r.url->uid == 20
#ifndef LEMONADE_PROTOCOL_URL_IMAP_URL_RESOLVE_H_
#define LEMONADE_PROTOCOL_URL_IMAP_URL_RESOLVE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/url/imap_url.h"

namespace lemonade::url {

// ResolveUriReference()
//
// RFC 3986 §5.2.2 (strict): the target URI text of `reference` relative to
// the absolute URI `base`, including §5.2.4 dot-segment removal. Works for
// any scheme; returns nullopt if `base` has no scheme.
std::optional<std::string> ResolveUriReference(absl::string_view base,
                                               absl::string_view reference);

// RemoveDotSegments()
//
// RFC 3986 §5.2.4 on a path.
std::string RemoveDotSegments(absl::string_view path);

// ResolveImapUrl()
//
// Resolves `reference` (relative or absolute) against `base` and parses
// the result as an absolute IMAP URL. A reference with a scheme other
// than "imap" fails with kNotImapScheme.
[[nodiscard]] UrlParseResult ResolveImapUrl(const ImapUrl& base, absl::string_view reference,
                                            size_t url_octets_max = kImapUrlOctetsMax);

}  // namespace lemonade::url

#endif  // LEMONADE_PROTOCOL_URL_IMAP_URL_RESOLVE_H_
