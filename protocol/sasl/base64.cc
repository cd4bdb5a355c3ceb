#include "protocol/sasl/base64.h"

#include "absl/strings/escaping.h"

namespace lemonade::sasl {
namespace {

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '+' || c == '/';
}

}  // namespace

bool StrictBase64Decode(absl::string_view encoded, std::string* raw) {
  raw->clear();
  // base64 = base64-terminal / ( 1*(4base64-char) [base64-terminal] )
  // (RFC 4954 §8): whole quads, padding only in the last one.
  if (encoded.size() % 4 != 0) return false;
  size_t padding = 0;
  while (padding < 2 && padding < encoded.size() &&
         encoded[encoded.size() - 1 - padding] == '=') {
    ++padding;
  }
  for (size_t i = 0; i + padding < encoded.size(); ++i) {
    if (!IsBase64Char(encoded[i])) return false;
  }
  if (!absl::Base64Unescape(encoded, raw)) {
    raw->clear();
    return false;
  }
  // Non-zero pad bits ("QR==" for "A") would give a second spelling of the
  // same bytes; RFC 4648 §3.5 lets decoders refuse them, and we do.
  if (absl::Base64Escape(*raw) != encoded) {
    raw->clear();
    return false;
  }
  return true;
}

std::string Base64Encode(absl::string_view raw) { return absl::Base64Escape(raw); }

}  // namespace lemonade::sasl
