// SEARCH text matching (RFC 3501 §6.4.4): case-insensitive substring tests
// over decoded header values, decoded body text and the whole message.
//
// RFC 3501 leaves the comparison to the server ("case-insensitive
// substring"); here both sides are UTF-8 and compared after simple case
// folding: ASCII, Latin-1, Latin Extended-A and Additional, Greek,
// Cyrillic, Armenian and fullwidth Latin letters fold to lower case one
// code point to one code point (so "STRASSE" does not find "straße"; i18n
// collations, RFC 5051, are beyond this). The server converts the search
// key from the command's CHARSET to UTF-8 before building a SearchString.
//
//   SearchString key("müller");
//   CharsetConverter conv;
//   bool hit = HeaderFieldContains(raw, structure, 0, "From", key, &conv);
//
// What is searched:
//   - HEADER/FROM/TO/CC/BCC/SUBJECT: the message header's fields of that
//     name, unfolded and RFC 2047-decoded; an empty key matches any message
//     that has the field (RFC 3501).
//   - BODY: every text/* leaf part (a part without Content-Type is
//     text/plain), transfer-decoded and converted from its charset, plus
//     the headers of encapsulated messages, which are body text of the
//     outer message. Non-text parts (attachments) are not searched.
//   - TEXT: the message header and BODY.
#ifndef LEMONADE_PROTOCOL_MIME_SEARCH_H_
#define LEMONADE_PROTOCOL_MIME_SEARCH_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/mime/charset.h"
#include "protocol/mime/message_structure.h"

namespace lemonade::mime {

// FoldCase()
//
// `utf8` with every letter the table knows folded to lower case. Octets that
// are not valid UTF-8 pass through. Idempotent.
std::string FoldCase(absl::string_view utf8);

// A search key, folded once.
class SearchString {
 public:
  explicit SearchString(absl::string_view utf8) : folded_(FoldCase(utf8)) {}

  bool empty() const { return folded_.empty(); }
  const std::string& folded() const { return folded_; }
  // FoundIn()
  //
  // Whether the key occurs in `utf8_text`, ignoring case.
  bool FoundIn(absl::string_view utf8_text) const;

 private:
  std::string folded_;
};

// DecodePartText()
//
// The text of a leaf part as UTF-8: transfer-decoded (an unknown encoding is
// taken as is) and converted from the part's charset.
std::string DecodePartText(absl::string_view raw, const MessageStructure& structure,
                           uint32_t part_index, CharsetConverter* converter);

// HeaderFieldContains()
//
// Whether a field named `field_name` of message root `message_root` (0 for
// the message) contains `key` in its decoded value.
[[nodiscard]] bool HeaderFieldContains(absl::string_view raw, const MessageStructure& structure,
                                       uint32_t message_root, absl::string_view field_name,
                                       const SearchString& key, CharsetConverter* converter);

// BodyContains()
//
// SEARCH BODY.
[[nodiscard]] bool BodyContains(absl::string_view raw, const MessageStructure& structure,
                                const SearchString& key, CharsetConverter* converter);

// TextContains()
//
// SEARCH TEXT.
[[nodiscard]] bool TextContains(absl::string_view raw, const MessageStructure& structure,
                                const SearchString& key, CharsetConverter* converter);

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_SEARCH_H_
