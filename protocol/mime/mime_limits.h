// Limits: the named bounds that keep MIME parsing linear in time and bounded
// in memory on hostile mail.
//
// Every structure the parser builds is bounded by one of these numbers, so a
// message of N bytes costs O(N) time and O(parts_max + header_fields_max)
// memory whatever its shape. Past a limit the parser does not fail: it stops
// expanding (a container becomes an opaque leaf, further header fields are
// no longer indexed) and says so in the structure (`Part::overflow`,
// `MessageStructure::fields_truncated()`).
//
//   mime::Limits limits;            // the defaults suit an IMAP server
//   limits.depth_max = 16;          // a stricter gateway
//   auto s = mime::MessageStructure::Parse(raw, limits);
#ifndef LEMONADE_PROTOCOL_MIME_MIME_LIMITS_H_
#define LEMONADE_PROTOCOL_MIME_MIME_LIMITS_H_

#include <cstdint>

namespace lemonade::mime {

struct Limits {
  // Nesting of multipart/* and message/rfc822 containers below the message
  // (the message itself is depth 0). A container at depth_max is indexed as
  // an opaque leaf. Dovecot's message parser defaults to 100 nested parts;
  // 64 is ample for real mail (forwards of forwards rarely pass 10) and
  // keeps the parser's recursion shallow.
  uint32_t depth_max = 64;
  // Parts in one message, the message itself included (Dovecot's
  // max_total_mime_parts default is 10000 too).
  uint32_t parts_max = 10000;
  // Header fields indexed across the whole message. Fields past this are
  // still part of their header's bytes (HEADER fetches stay exact) but are
  // not looked at for MIME interpretation, ENVELOPE or SEARCH.
  uint32_t header_fields_max = 20000;
  // Parameters kept per Content-Type / Content-Disposition field, and
  // languages per Content-Language field.
  uint32_t parameters_max = 64;
  // RFC 2046 §5.1.1 caps boundaries at 70 characters; Dovecot accepts 80.
  // A longer boundary is treated as missing, which bounds the work per
  // candidate "--" line to depth_max * boundary_bytes_max byte compares.
  uint32_t boundary_bytes_max = 200;
};

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_MIME_LIMITS_H_
