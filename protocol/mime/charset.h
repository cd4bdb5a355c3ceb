// Charset conversion to UTF-8 for header and body text (SEARCH, display),
// through the C library's iconv, plus the UTF-8 helpers the MIME code uses.
//
// The conversion is a pure function of (charset, bytes): glibc's iconv
// tables are data shipped with the system, so results are deterministic on a
// given system image, and no state outlives a call except the cached
// descriptor, which is reset after every conversion. The converter caches
// one iconv descriptor (mail tends to use one charset throughout); it is not
// thread-safe, so use one per thread.
//
// Unknown or missing charsets never fail the caller: the octets are taken as
// UTF-8 when they are valid UTF-8, and as ISO-8859-1 otherwise (legacy 8-bit
// mail in Western Europe is overwhelmingly Latin-1 or its Windows superset).
// Octets invalid in a known charset become U+FFFD.
//
//   CharsetConverter conv;
//   std::string utf8;
//   conv.AppendUtf8("ISO-8859-15", "\xA4", &utf8);   // "€"
#ifndef LEMONADE_PROTOCOL_MIME_CHARSET_H_
#define LEMONADE_PROTOCOL_MIME_CHARSET_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::mime {

class CharsetConverter {
 public:
  CharsetConverter() = default;
  ~CharsetConverter();
  CharsetConverter(const CharsetConverter&) = delete;
  CharsetConverter& operator=(const CharsetConverter&) = delete;

  // AppendUtf8()
  //
  // Appends `bytes`, encoded in `charset` (a MIME charset name, any case;
  // an RFC 2231 "*language" suffix is ignored), converted to UTF-8. Returns
  // whether the charset was known; when it was not, the octets are appended
  // by AppendUtf8OrLatin1().
  bool AppendUtf8(absl::string_view charset, absl::string_view bytes, std::string* out);

 private:
  // Opens (or reuses) the iconv descriptor for `name` (normalised).
  bool Open(const std::string& name);

  std::string cached_name_;
  void* descriptor_ = nullptr;  // an iconv_t
  bool cached_known_ = false;
};

// AppendUtf8OrLatin1()
//
// Octets of no declared charset (8-bit header bytes, "unknown-8bit"): as
// they are if they form valid UTF-8, else each octet as the ISO-8859-1
// character of that value. The result is always valid UTF-8.
void AppendUtf8OrLatin1(absl::string_view bytes, std::string* out);

// AppendUtf8Replacing()
//
// Octets declared UTF-8: valid sequences are copied, each octet that does
// not start a valid sequence becomes U+FFFD.
void AppendUtf8Replacing(absl::string_view bytes, std::string* out);

// NextUtf8()
//
// Decodes the code point starting at `*pos` and advances `*pos` past it.
// Returns -1 (advancing by one octet) for an octet that does not start a
// well-formed RFC 3629 sequence. Requires *pos < text.size().
int32_t NextUtf8(absl::string_view text, size_t* pos);

// AppendCodePoint()
//
// Appends `code_point` (<= U+10FFFF, not a surrogate) as UTF-8.
void AppendCodePoint(uint32_t code_point, std::string* out);

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_CHARSET_H_
