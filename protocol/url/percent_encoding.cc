#include "protocol/url/percent_encoding.h"

namespace lemonade::url {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool InSet(unsigned char c, UrlCharSet set) {
  return set == UrlCharSet::kAchar ? IsAchar(c) : IsBchar(c);
}

}  // namespace

bool IsEncodedIn(absl::string_view text, UrlCharSet set) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = text[i];
    if (c == '%') {
      if (text.size() - i < 3 || HexValue(text[i + 1]) < 0 || HexValue(text[i + 2]) < 0) {
        return false;
      }
      i += 2;
    } else if (!InSet(c, set)) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (text.size() - i < 3) return std::nullopt;
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

void PercentEncode(absl::string_view raw, UrlCharSet set, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->reserve(out->size() + raw.size());
  for (const char ch : raw) {
    const unsigned char c = ch;
    if (InSet(c, set)) {
      out->push_back(ch);
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  }
}

}  // namespace lemonade::url
