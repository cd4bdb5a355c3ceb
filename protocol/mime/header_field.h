// HeaderField and ReadHeaderField(): the one reader of RFC 5322 header lines,
// shared by the structure parser and by section extraction so that both
// agree byte for byte on where each field starts and ends.
//
// RFC 5322 §2.2: a field is a name, a colon and a body; a body may be folded
// over several lines, each continuation line starting with SP or HTAB
// (§2.2.3). The header ends at the first empty line. Real mail bends this, so
// the reader is lenient in the way Dovecot's message-header-parser is:
//   - a line end is LF, with or without a preceding CR (bare LF mail);
//   - a line without a colon is still a field, whose name is the whole line
//     and whose value is empty (Dovecot: "missing ':', assume the whole line
//     is name"), so it stays part of the header instead of starting the body;
//   - white space between the name and the colon (RFC 5322 §4.5 obs-hdr) is
//     not part of the name.
//
//   HeaderField f;
//   size_t next;
//   uint64_t lf;
//   if (ReadHeaderField(raw, pos, &f, &next, &lf) == HeaderLineKind::kField &&
//       FieldNameIs(raw, f, "Subject")) { ... UnfoldHeaderValue(f.value.In(raw)) ... }
#ifndef LEMONADE_PROTOCOL_MIME_HEADER_FIELD_H_
#define LEMONADE_PROTOCOL_MIME_HEADER_FIELD_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/mime/byte_range.h"

namespace lemonade::mime {

struct HeaderField {
  // The whole field: first line, continuation lines and the final line end
  // (absent only when the field runs to the end of the message).
  ByteRange field;
  // The field name, trailing white space trimmed. For a line without a
  // colon: the whole line without its line end.
  ByteRange name;
  // From just after the colon to just before the final line end; folding
  // line ends are kept (see UnfoldHeaderValue()). Empty without a colon.
  ByteRange value;
  bool has_colon = false;
};

enum class HeaderLineKind {
  kField,      // a field was read
  kBlankLine,  // the empty line that ends a header ("\r\n" or "\n")
  kEnd,        // pos was at the end of the input
};

// ReadHeaderField()
//
// Reads what starts at `pos`, which must be a line start within `raw`: a
// field with all its continuation lines, the blank line, or nothing at the
// end. On kField fills `*field`; on kField and kBlankLine sets `*next` to the
// position after what was read and adds the LFs consumed to `*lf_count`.
HeaderLineKind ReadHeaderField(absl::string_view raw, size_t pos, HeaderField* field, size_t* next,
                               uint64_t* lf_count);

// FieldNameIs()
//
// Whether the field's name equals `name`, ignoring ASCII case (RFC 5322
// §1.2.2: field names are case-insensitive; RFC 3501 §6.4.5: HEADER.FIELDS
// matching is "case-insensitive but otherwise exact").
bool FieldNameIs(absl::string_view raw, const HeaderField& field, absl::string_view name);

// UnfoldHeaderValue()
//
// RFC 5322 §2.2.3 unfolding of a raw field value: line ends (CR and LF) are
// removed, the white space that followed them is kept. NUL octets are
// dropped too (they cannot travel in an IMAP string, RFC 3501 §4.3), and
// white space is trimmed at both ends. The result is still encoded
// (RFC 2047 encoded-words are left as they are).
std::string UnfoldHeaderValue(absl::string_view value);

// IsWsp()
//
// RFC 5234 WSP: SP or HTAB.
inline bool IsWsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_HEADER_FIELD_H_
