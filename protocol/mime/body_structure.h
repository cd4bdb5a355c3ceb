// BODY and BODYSTRUCTURE (RFC 3501 §7.4.2 and the `body` production of §9)
// from a MessageStructure.
//
//   std::string out;
//   imap::ImapWriter w(&out);
//   w.Raw("BODYSTRUCTURE ");
//   mime::AppendBodyStructure(raw, structure, /*extensible=*/true, &w);
//   // (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1152 23 NIL NIL NIL NIL)
//   //  ("application" "pdf" ("name" "a.pdf") NIL NIL "base64" 4554 NIL
//   //   ("attachment" ("filename" "a.pdf")) NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)
//
// Rules (RFC 3501; where it leaves room, Dovecot's imap-bodystructure):
//   - type, subtype, parameter names and values, disposition type, encoding
//     are reported as the message wrote them; defaults are written as
//     Dovecot writes them: "text" "plain", ("charset" "us-ascii") appended
//     to a text part's parameters when it has no charset (RFC 2045 §5.2),
//     "7bit" for a missing or invalid encoding;
//   - RFC 2231 parameters are reported joined, the extended ones under
//     "name*" as charset'language'%-encoded (7-bit, lossless);
//   - id, description, MD5 and location are the unfolded field values;
//     the language is always a parenthesised list;
//   - body-fld-octets is the raw body size; lines (text/* and
//     message/rfc822) its LF count (see message_structure.h);
//   - a multipart without children (no usable boundary) is written with
//     one empty text/plain child, as Dovecot does, because the grammar
//     requires 1*body;
//   - a part left unexpanded by Limits is written as
//     "application" "octet-stream";
//   - extension data (extensible = true): body-ext-1part / body-ext-mpart
//     in full (md5/params, disposition, language, location), NIL where
//     absent; none with extensible = false (BODY).
#ifndef LEMONADE_PROTOCOL_MIME_BODY_STRUCTURE_H_
#define LEMONADE_PROTOCOL_MIME_BODY_STRUCTURE_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "protocol/imap/imap_writer.h"
#include "protocol/mime/message_structure.h"

namespace lemonade::mime {

// AppendBodyStructure()
//
// Writes the `body` of the whole message: BODYSTRUCTURE when `extensible`,
// BODY otherwise. `raw` is the message `structure` was parsed from.
void AppendBodyStructure(absl::string_view raw, const MessageStructure& structure, bool extensible,
                         imap::ImapWriter* writer);

// AppendPartBodyStructure()
//
// The same for one part (and what it contains).
void AppendPartBodyStructure(absl::string_view raw, const MessageStructure& structure,
                             uint32_t part_index, bool extensible, imap::ImapWriter* writer);

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_BODY_STRUCTURE_H_
