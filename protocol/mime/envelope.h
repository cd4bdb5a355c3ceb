// ENVELOPE (RFC 3501 §7.4.2): the parsed RFC 5322 header of a message, and
// its IMAP form.
//
//   mime::Envelope e = mime::ParseEnvelope(raw, structure, /*message_root=*/0);
//   std::string out;
//   imap::ImapWriter w(&out);
//   mime::AppendEnvelope(e, &w);
//   // ("Mon, 7 Feb 1994 21:52:25 -0800" "afternoon meeting" ((...)) ...)
//
// Per RFC 3501: date, subject, in-reply-to and message-id are the field
// values as written (unfolded, still RFC 2047-encoded), NIL when the field
// is absent and "" when it is empty; address fields are NIL when absent,
// empty or without addresses; sender and reply-to default to from. The
// first of repeated fields is used. Strings holding 8-bit octets go out as
// literals (ImapWriter::String); NUL, CR and LF never reach the output.
#ifndef LEMONADE_PROTOCOL_MIME_ENVELOPE_H_
#define LEMONADE_PROTOCOL_MIME_ENVELOPE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "protocol/imap/imap_writer.h"
#include "protocol/mime/address.h"
#include "protocol/mime/message_structure.h"

namespace lemonade::mime {

struct Envelope {
  std::optional<std::string> date;
  std::optional<std::string> subject;
  std::vector<Address> from;
  std::vector<Address> sender;
  std::vector<Address> reply_to;
  std::vector<Address> to;
  std::vector<Address> cc;
  std::vector<Address> bcc;
  std::optional<std::string> in_reply_to;
  std::optional<std::string> message_id;
};

// ParseEnvelope()
//
// The envelope of the message whose root is part `message_root` (0, or the
// child of a message/rfc822 part; see Part::message_root).
[[nodiscard]] Envelope ParseEnvelope(absl::string_view raw, const MessageStructure& structure,
                                     uint32_t message_root);

// AppendEnvelope()
//
// Writes `envelope` as RFC 3501's `envelope` production.
void AppendEnvelope(const Envelope& envelope, imap::ImapWriter* writer);

// AppendImapNString()
//
// Writes NIL, or the string with NUL, CR and LF octets removed (IMAP
// strings cannot carry NUL, RFC 3501 §4.3; header values never mean a bare
// CR or LF) as a quoted string or, for 8-bit text, a literal.
void AppendImapNString(const std::optional<absl::string_view>& value, imap::ImapWriter* writer);

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_ENVELOPE_H_
