// Fuzzes modified UTF-7 (RFC 3501 §5.1.3), the encoding of mailbox names.
//
// Invariants checked, beyond "does not crash":
//   - decode(encode(s)) == s for every valid UTF-8 string s;
//   - encode(decode(x)) == x for every x that decodes: the strict decoder
//     accepts exactly one spelling of each name;
//   - encode(s) of any input (invalid UTF-8 becomes U+FFFD) is valid
//     modified UTF-7, printable US-ASCII only, and decodes to valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "base/check.h"
#include "protocol/imap/mutf7.h"

namespace {

// Whether `s` is well-formed UTF-8 (RFC 3629: shortest form, no surrogates,
// at most U+10FFFF).
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      const unsigned char cc = s[i + k];
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

std::string Hex(absl::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lemonade::imap;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  const std::string encoded = EncodeModifiedUtf7(input);
  for (unsigned char c : encoded) CHECK(c >= 0x20 && c <= 0x7e) << Hex(input);
  const std::optional<std::string> round = DecodeModifiedUtf7(encoded);
  CHECK(round.has_value()) << "encoding is not valid modified UTF-7: " << Hex(input) << " -> "
                           << encoded;
  CHECK(IsValidUtf8(*round)) << Hex(input);
  CHECK(EncodeModifiedUtf7(*round) == encoded) << Hex(input);
  if (IsValidUtf8(input)) {
    CHECK(*round == input) << "decode(encode(s)) != s for " << Hex(input) << " via " << encoded;
  }

  const std::optional<std::string> decoded = DecodeModifiedUtf7(input);
  CHECK(decoded.has_value() == IsValidModifiedUtf7(input));
  if (decoded.has_value()) {
    CHECK(IsValidUtf8(*decoded)) << Hex(input);
    CHECK(EncodeModifiedUtf7(*decoded) == input)
        << "encode(decode(x)) != x for " << input << " -> " << EncodeModifiedUtf7(*decoded);
  }
  return 0;
}
