// Address lists (RFC 5322 §3.4, with the obsolete syntax of §4.4) parsed
// into the address structures of IMAP's ENVELOPE (RFC 3501 §7.4.2).
//
//   ParseAddressList("Joe <joe@example.com>, undisclosed-recipients:;")
//   // {name "Joe", mailbox "joe", host "example.com"},
//   // {group start: mailbox "undisclosed-recipients"}, {group end}
//
// What the parser produces, per RFC 3501: an address is (name adl mailbox
// host); a group is a start marker (mailbox = the group's display name,
// host NIL), its members, and an end marker (all NIL). Names stay as written
// (RFC 2047 encoded-words included: clients decode); quoted strings are
// unquoted. The parser never fails; for broken input it does what Dovecot's
// message-address parser does:
//   - a mailbox without "@domain" gets host "MISSING_DOMAIN", an address
//     without a local part mailbox "MISSING_MAILBOX" (RFC 3501 has no NIL
//     for them: a NIL host would read as a group marker);
//   - with no display name, the last comment is the name (RFC 822's
//     "joe@example.com (Joe Bloggs)" style);
//   - obs-route "<@a,@b:joe@c>" gives adl "@a,@b";
//   - a group without ";" is closed at the end; nested groups are
//     flattened; empty list elements are skipped.
#ifndef LEMONADE_PROTOCOL_MIME_ADDRESS_H_
#define LEMONADE_PROTOCOL_MIME_ADDRESS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lemonade::mime {

struct Address {
  std::optional<std::string> name;     // display name (phrase)
  std::optional<std::string> adl;      // obsolete source route
  std::optional<std::string> mailbox;  // local part, or a group's name
  std::optional<std::string> host;     // domain; NIL only in group markers

  bool IsGroupStart() const { return !host.has_value() && mailbox.has_value(); }
  bool IsGroupEnd() const { return !host.has_value() && !mailbox.has_value(); }
  bool operator==(const Address& o) const {
    return name == o.name && adl == o.adl && mailbox == o.mailbox && host == o.host;
  }
};

// The placeholders Dovecot uses for missing address parts.
inline constexpr absl::string_view kMissingMailbox = "MISSING_MAILBOX";
inline constexpr absl::string_view kMissingDomain = "MISSING_DOMAIN";

// ParseAddressList()
//
// Parses a raw (possibly folded) address-list field value. At most
// `addresses_max` structures are returned.
[[nodiscard]] std::vector<Address> ParseAddressList(absl::string_view value,
                                                    size_t addresses_max = 10000);

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_ADDRESS_H_
