// MIME header field values: Content-Type (RFC 2045 §5), Content-Disposition
// (RFC 2183), Content-Transfer-Encoding (RFC 2045 §6), Content-Language
// (RFC 3282), and their parameters with RFC 2231 continuations, charsets
// and languages.
//
// Values are parsed from the raw (folded) field value and kept as written
// (case included), because BODYSTRUCTURE reports them as sent. Parameter
// values are unquoted and, for RFC 2231, joined and %-decoded; converting
// them to UTF-8 is DecodeParameterValue()'s job (encoded_words.h).
//
//   auto ct = ParseContentType("multipart/mixed; boundary=\"=_a b\"", 64);
//   ct->type == "multipart"; FindParameter(ct->params, "boundary")->value == "=_a b"
//
// Leniency (real mail), each choice documented where it is made:
//   - unquoted values may hold tspecials and even spaces
//     ("name=My File.pdf"), up to ';' or a comment;
//   - garbage between parameters is skipped up to the next ';';
//   - the first of duplicate parameters wins.
#ifndef LEMONADE_PROTOCOL_MIME_CONTENT_TYPE_H_
#define LEMONADE_PROTOCOL_MIME_CONTENT_TYPE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lemonade::mime {

// One parameter of a Content-Type or Content-Disposition field.
struct Parameter {
  // The attribute as written, without RFC 2231 "*n" / "*" suffixes.
  std::string name;
  // The value: unquoted; for RFC 2231, sections joined in order and
  // %-decoded, so these are octets in `charset`. Otherwise as written (it
  // may hold RFC 2047 encoded-words, which many mailers put in file names).
  std::string value;
  // RFC 2231 §4 extended syntax ("name*=" or "name*0*=") was used.
  bool extended = false;
  std::string charset;   // RFC 2231 charset ("" when none was given)
  std::string language;  // RFC 2231 language ("" when none was given)

  bool operator==(const Parameter& o) const {
    return name == o.name && value == o.value && extended == o.extended && charset == o.charset &&
           language == o.language;
  }
};

struct ContentType {
  std::string type;     // e.g. "text", as written
  std::string subtype;  // e.g. "plain", as written
  std::vector<Parameter> params;
};

struct ContentDisposition {
  std::string type;  // e.g. "attachment", as written
  std::vector<Parameter> params;
};

// ParseContentType()
//
// RFC 2045 §5.1: type "/" subtype *(";" parameter). nullopt when the value
// does not start with a valid type/subtype pair, which RFC 2045 §5.2 says to
// treat like a missing field (text/plain; charset=us-ascii).
[[nodiscard]] std::optional<ContentType> ParseContentType(absl::string_view value,
                                                          size_t parameters_max);

// ParseContentDisposition()
//
// RFC 2183 §2: disposition-type *(";" disposition-parm). nullopt when the
// value does not start with a token.
[[nodiscard]] std::optional<ContentDisposition> ParseContentDisposition(absl::string_view value,
                                                                        size_t parameters_max);

// ParseMimeToken()
//
// The first RFC 2045 token of a value, comments and white space skipped:
// what Content-Transfer-Encoding holds. nullopt when there is none (Dovecot
// then falls back to the default "7bit", and so do we).
[[nodiscard]] std::optional<std::string> ParseMimeToken(absl::string_view value);

// ParseLanguageList()
//
// RFC 3282 §2: 1#Language-Tag, as a list of tags in order (at most
// `languages_max`).
std::vector<std::string> ParseLanguageList(absl::string_view value, size_t languages_max);

// FindParameter()
//
// The first parameter named `name` (ASCII case-insensitive), or null. When a
// parameter is present both plainly and with RFC 2231 syntax
// ("name=...; name*=..."), the RFC 2231 one is preferred: a mailer that
// sends both means it as the better value.
const Parameter* FindParameter(const std::vector<Parameter>& params, absl::string_view name);

// AppendRfc2231Value()
//
// Appends an extended parameter in RFC 2231 §4 form, charset'language'
// followed by the value with every octet outside attribute-char %-encoded
// (upper-case hex). BODYSTRUCTURE reports extended parameters this way,
// under the name "name*", as Dovecot does: 7-bit and lossless.
void AppendRfc2231Value(const Parameter& param, std::string* out);

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_CONTENT_TYPE_H_
