// Section addressing (RFC 3501 §6.4.5 BODY[section]<partial>) and BINARY
// (RFC 3516, RFC 5524 URLFETCH BINARY): the content of a section as byte
// spans into the original message, exact to the octet.
//
// Lemonade's forward-without-download (RFC 5550 §2) rebuilds a message from
// ";SECTION=2.MIME" and ";SECTION=2" of another one, so MIME followed by the
// part must be the part's bytes, header then body, exactly as stored.
//
//   auto spec = ParseSectionSpec("2.MIME");
//   SectionContent c = ExtractSection(raw, structure, *spec);
//   std::string bytes = Flatten(ApplyPartial(c, 0, 1024));
//
// What each section is (numbering rules: MessageStructure::FindPart()):
//   ""       the whole message
//   HEADER   the message header including the blank line (none if absent)
//   HEADER.FIELDS (a b) / HEADER.FIELDS.NOT (a b)
//            the matching (non-matching) fields, whole with their line ends
//            and continuation lines, in message order, then the blank line
//            if the header has one (RFC 3501: "Subsetting does not exclude
//            the [RFC-2822] delimiting blank line"); name matching ignores
//            case; lines without a colon never match (so .NOT keeps them)
//   TEXT     the message body
//   n        the body of part n (for message/rfc822: the whole
//            encapsulated message; for a single-part message, part 1 is the
//            message body)
//   n.MIME   the header of part n including its blank line (for part 1 of a
//            single-part message: the message header, as Dovecot does)
//   n.HEADER, n.HEADER.FIELDS..., n.TEXT
//            those of the message encapsulated in part n, which must be
//            message/rfc822
// A section that does not exist (a part number past the structure, HEADER
// of a non-message part, MIME without a part) has found == false and no
// bytes; the server sends an empty string for it, as Dovecot does (a
// URLFETCH server may send NIL instead, RFC 4467 §8).
#ifndef LEMONADE_PROTOCOL_MIME_SECTION_H_
#define LEMONADE_PROTOCOL_MIME_SECTION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "protocol/mime/message_structure.h"

namespace lemonade::mime {

struct SectionSpec {
  enum class Text { kAll, kHeader, kHeaderFields, kHeaderFieldsNot, kText, kMime };
  std::vector<uint32_t> part;  // "1.2.3"; empty = the whole message
  Text text = Text::kAll;
  std::vector<std::string> fields;  // HEADER.FIELDS[.NOT] names

  bool operator==(const SectionSpec& o) const {
    return part == o.part && text == o.text && fields == o.fields;
  }
};

// ParseSectionSpec()
//
// Parses a section-spec (RFC 3501 §9), keywords in any case, header names
// as atoms or quoted strings: "", "1.2", "2.MIME", "TEXT",
// "1.HEADER.FIELDS (From \"Subject\")". nullopt if it does not parse.
[[nodiscard]] std::optional<SectionSpec> ParseSectionSpec(absl::string_view text);

// The content of a section: pieces of the original message, in order.
struct SectionContent {
  bool found = false;
  std::vector<absl::string_view> pieces;

  uint64_t size() const;
};

// ExtractSection()
//
// The content of `spec` in `raw`, which `structure` was parsed from. Every
// piece lies within `raw`.
[[nodiscard]] SectionContent ExtractSection(absl::string_view raw,
                                            const MessageStructure& structure,
                                            const SectionSpec& spec);

// ApplyPartial()
//
// The <origin.length> substring (RFC 3501 §6.4.5): from octet `origin`, at
// most `length` octets; empty when origin is past the end.
[[nodiscard]] SectionContent ApplyPartial(const SectionContent& content, uint64_t origin,
                                          uint64_t length);

// Flatten()
//
// The pieces concatenated.
std::string Flatten(const SectionContent& content);

// BINARY[section-part] (RFC 3516 §4.2): the part's body with its
// Content-Transfer-Encoding removed.
class BinaryContent {
 public:
  enum class Status {
    kOk,
    kNotFound,    // no such part: the server sends an empty string (or NIL)
    kUnknownCte,  // tagged NO [UNKNOWN-CTE] (RFC 3516 §4.2)
  };

  Status status() const { return status_; }
  // The decoded octets (for identity encodings, a view into the message).
  absl::string_view bytes() const { return owned_ ? absl::string_view(storage_) : view_; }
  // Whether the octets contain NUL, which requires a literal8 (RFC 3516).
  bool HasNul() const { return bytes().find('\0') != absl::string_view::npos; }

 private:
  friend BinaryContent ExtractBinary(absl::string_view, const MessageStructure&,
                                     absl::Span<const uint32_t>);
  Status status_ = Status::kNotFound;
  bool owned_ = false;
  absl::string_view view_;
  std::string storage_;
};

// ExtractBinary()
//
// The decoded content of part `part` (empty = the whole message, which is
// never decoded). Multipart and message/rfc822 parts are returned as they
// are: RFC 2045 §6.4 allows them only identity encodings.
[[nodiscard]] BinaryContent ExtractBinary(absl::string_view raw, const MessageStructure& structure,
                                          absl::Span<const uint32_t> part);

// BinarySize()
//
// BINARY.SIZE[section-part] (RFC 3516 §4.3): the size ExtractBinary()
// would return, computed without decoding into memory. nullopt for
// kNotFound / kUnknownCte, which `status` (when not null) tells apart.
[[nodiscard]] std::optional<uint64_t> BinarySize(absl::string_view raw,
                                                 const MessageStructure& structure,
                                                 absl::Span<const uint32_t> part,
                                                 BinaryContent::Status* status = nullptr);

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_SECTION_H_
