// MessageStructure: the MIME structure index of one message, built from its
// raw bytes in one linear pass. Everything IMAP needs to see inside a
// message (BODYSTRUCTURE, ENVELOPE, BODY[section], BINARY, SEARCH) reads it.
//
// The index records offsets into the raw message and copies no body bytes;
// it holds only what the header fields say (types, parameters) in decoded
// form. Parsing never fails: malformed mail yields the structure a careful
// server would report (the rules are below and in README.md), and Limits
// keep time linear and memory bounded.
//
//   mime::MessageStructure s = mime::MessageStructure::Parse(raw, mime::Limits());
//   const mime::Part& root = s.part(0);
//   for (uint32_t child : root.children) { ... s.part(child).body.In(raw) ... }
//
// Parts are numbered in document order (a pre-order walk); part 0 is the
// message itself. A message/rfc822 part has exactly one child: the root of
// the encapsulated message, itself a Part with its own header and body.
// Ranges nest: a child lies within its parent's body.
//
// Parsing rules (RFC 2045, RFC 2046, RFC 5322; where they are silent, what
// Dovecot's message-parser does, which is also what its test suite pins):
//   - Header: see header_field.h. The header ends after the first empty
//     line; without one it runs to the end (truncated mail). A boundary
//     delimiter line of an enclosing multipart also ends a header (Dovecot
//     checks every header line for one), and then, as RFC 2046 §5.1.1
//     attaches the line end before a delimiter to the delimiter, the header
//     stops before that line end and the body is empty.
//   - Content-* fields count in a message root only when MIME-Version or
//     Content-Type is present (Dovecot's non-strict mode); in a body part
//     always. The first of repeated fields wins.
//   - Content-Type: an invalid value counts as absent (RFC 2045 §5.2); the
//     default is text/plain; charset=us-ascii, or message/rfc822 directly
//     inside multipart/digest (RFC 2046 §5.1.5).
//   - multipart/* (any subtype, RFC 2046 §5.1.7) with a boundary: a
//     delimiter line is "--" + boundary at a line start, followed by
//     anything (RFC 2046 §5.1.1 requires comparing only the beginning of
//     the line). Delimiters of all enclosing multiparts are recognised;
//     when several match, the longest wins, and among equals the innermost
//     (Dovecot's boundary_find). A delimiter of an enclosing multipart ends
//     the inner ones (missing close delimiter). "--" + boundary + "--"
//     closes; what follows is the epilogue, up to an enclosing delimiter or
//     the end. The end of the message also ends every open part.
//   - The line end ("\r\n" or "\n") before a delimiter line belongs to the
//     delimiter (RFC 2046 §5.1.1), unless the delimiter is the first line
//     of the content, which then is empty.
//   - A multipart without a (usable) boundary, or whose boundary never
//     occurs, has no children; its body is opaque.
//   - message/rfc822 is parsed as a message whatever its
//     Content-Transfer-Encoding claims (RFC 2046 §5.2.1 allows only
//     identity encodings; Dovecot does the same).
//   - Past Limits::depth_max or Limits::parts_max a container is not
//     expanded: it becomes a leaf with `overflow` set (BODYSTRUCTURE
//     reports it as application/octet-stream, like Dovecot's
//     MESSAGE_PART_FLAG_OVERFLOW parts).
//   - Sizes and line counts are of the raw bytes (a bare-LF message has
//     smaller sizes than its CRLF form): they describe exactly the bytes
//     BODY[] returns. Lines are the LF octets in the body, which is how
//     Dovecot counts them (a last line without a line end is not counted).
#ifndef LEMONADE_PROTOCOL_MIME_MESSAGE_STRUCTURE_H_
#define LEMONADE_PROTOCOL_MIME_MESSAGE_STRUCTURE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "protocol/mime/byte_range.h"
#include "protocol/mime/content_type.h"
#include "protocol/mime/header_field.h"
#include "protocol/mime/mime_limits.h"
#include "protocol/mime/transfer_encoding.h"

namespace lemonade::mime {

// One MIME entity: the message itself, a body part of a multipart, or an
// encapsulated message.
struct Part {
  enum class Kind : uint8_t {
    kLeaf,       // a body with no structure the index looks into
    kMultipart,  // multipart/*; `children` are its body parts
    kMessage,    // message/rfc822; `children` is {the encapsulated message}
  };
  static constexpr uint32_t kNoParent = 0xFFFFFFFF;

  // Tree.
  uint32_t parent = kNoParent;
  uint32_t depth = 0;  // containers above this part
  Kind kind = Kind::kLeaf;
  // A multipart or message/rfc822 part left unexpanded by Limits; kind is
  // kLeaf.
  bool overflow = false;
  // Has an RFC 5322 message header of its own: the message, and the child of
  // a message/rfc822 part. HEADER, TEXT and ENVELOPE apply to these.
  bool message_root = false;
  std::vector<uint32_t> children;

  // Bytes.
  // From the part's first octet through the blank line (when present).
  ByteRange header;
  // Where the header's fields end: the blank line's start, or header.end
  // when there is no blank line.
  size_t header_fields_end = 0;
  ByteRange body;
  // LF octets in the body.
  uint64_t body_lines = 0;
  // This part's fields in MessageStructure::fields().
  uint32_t first_field = 0;
  uint32_t field_count = 0;

  // MIME interpretation, RFC 2045 (all values as written in the message).
  // True when the Content-* fields were honoured (see the rules above).
  bool mime = false;
  // Content-Type was absent or invalid and the type is the default.
  bool content_type_defaulted = true;
  std::string type = "text";
  std::string subtype = "plain";
  std::vector<Parameter> type_params;  // as sent; no charset added
  // The Content-Transfer-Encoding token; empty when absent or invalid.
  std::string encoding;
  TransferEncoding transfer_encoding = TransferEncoding::k7Bit;
  // Raw value ranges of Content-ID (RFC 2045 §7), Content-Description
  // (§8), Content-MD5 (RFC 1864) and Content-Location (RFC 2557), when
  // present.
  std::optional<ByteRange> id;
  std::optional<ByteRange> description;
  std::optional<ByteRange> md5;
  std::optional<ByteRange> location;
  std::optional<ContentDisposition> disposition;  // RFC 2183
  std::vector<std::string> languages;             // RFC 3282

  // The part's type for IMAP purposes (an overflow part is none of these).
  bool IsMultipart() const { return kind == Kind::kMultipart; }
  bool IsMessage() const { return kind == Kind::kMessage; }
  // text/* (RFC 3501 body-type-text: has a line count).
  bool IsText() const;
  // The charset parameter, or "us-ascii" for text (RFC 2045 §5.2), or "".
  std::string Charset() const;
};

class MessageStructure {
 public:
  // Parse()
  //
  // Indexes `raw`, one whole message (header and body). Never fails.
  [[nodiscard]] static MessageStructure Parse(absl::string_view raw, const Limits& limits);

  // The parts in document order; part(0) is the message.
  const Part& part(uint32_t index) const { return parts_[index]; }
  const std::vector<Part>& parts() const { return parts_; }
  size_t part_count() const { return parts_.size(); }
  // The size of the message the index was built from.
  size_t message_size() const { return message_size_; }

  // All indexed header fields, grouped by part.
  const std::vector<HeaderField>& fields() const { return fields_; }
  absl::Span<const HeaderField> FieldsOf(uint32_t part_index) const;
  // FindField()
  //
  // The first field of part `part_index` named `name` (case-insensitive), or
  // null.
  const HeaderField* FindField(absl::string_view raw, uint32_t part_index,
                               absl::string_view name) const;
  // Whether Limits::header_fields_max stopped the indexing of fields.
  bool fields_truncated() const { return fields_truncated_; }

  // FindPart()
  //
  // The part an IMAP section-part ("1.2.3", RFC 3501 §6.4.5) addresses, by
  // Dovecot's rules: in a multipart, n is its n-th child; a non-multipart
  // part has only a part 1, itself (so part 1 of a single-part message is
  // the message's body); a message/rfc822 part followed by more numbers
  // continues inside the encapsulated message. nullopt when there is no
  // such part. An empty path is the message, part 0.
  [[nodiscard]] std::optional<uint32_t> FindPart(absl::Span<const uint32_t> path) const;

 private:
  friend class StructureParser;

  std::vector<Part> parts_;
  std::vector<HeaderField> fields_;
  size_t message_size_ = 0;
  bool fields_truncated_ = false;
};

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_MESSAGE_STRUCTURE_H_
