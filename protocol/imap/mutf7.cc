#include "protocol/imap/mutf7.h"

#include <cstdint>
#include <vector>

namespace lemonade::imap {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

bool IsDirect(uint32_t c) { return c >= 0x20 && c <= 0x7e; }

// Decodes one UTF-8 code point; returns U+FFFD and advances one byte on
// invalid input.
uint32_t NextCodePoint(absl::string_view s, size_t* i) {
  unsigned char c = s[*i];
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || *i + len > s.size()) {
    ++*i;
    return 0xFFFD;
  }
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
  for (int k = 1; k < len; ++k) {
    unsigned char cc = s[*i + k];
    if ((cc >> 6) != 2) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3f);
  }
  static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return 0xFFFD;
  }
  *i += len;
  return cp;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

void FlushShift(const std::vector<uint16_t>& units, std::string* out) {
  out->push_back('&');
  uint32_t bits = 0;
  int nbits = 0;
  for (uint16_t u : units) {
    bits = (bits << 16) | u;
    nbits += 16;
    while (nbits >= 6) {
      nbits -= 6;
      out->push_back(kAlphabet[(bits >> nbits) & 0x3f]);
    }
  }
  if (nbits > 0) out->push_back(kAlphabet[(bits << (6 - nbits)) & 0x3f]);
  out->push_back('-');
}

}  // namespace

std::string EncodeModifiedUtf7(absl::string_view utf8) {
  std::string out;
  std::vector<uint16_t> units;
  size_t i = 0;
  while (i < utf8.size()) {
    uint32_t cp = NextCodePoint(utf8, &i);
    if (IsDirect(cp)) {
      if (!units.empty()) {
        FlushShift(units, &out);
        units.clear();
      }
      if (cp == '&') {
        out += "&-";
      } else {
        out.push_back(static_cast<char>(cp));
      }
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push_back(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      units.push_back(static_cast<uint16_t>(0xDC00 + (cp & 0x3ff)));
    } else {
      units.push_back(static_cast<uint16_t>(cp));
    }
  }
  if (!units.empty()) FlushShift(units, &out);
  return out;
}

std::optional<std::string> DecodeModifiedUtf7(absl::string_view s) {
  std::string out;
  size_t i = 0;
  bool last_was_shift = false;
  while (i < s.size()) {
    unsigned char c = s[i];
    if (c != '&') {
      if (!IsDirect(c)) return std::nullopt;
      out.push_back(static_cast<char>(c));
      ++i;
      last_was_shift = false;
      continue;
    }
    ++i;
    if (i < s.size() && s[i] == '-') {
      out.push_back('&');
      ++i;
      last_was_shift = false;
      continue;
    }
    // RFC 3501 §5.1.3: no two shift sequences in a row (they must merge).
    if (last_was_shift) return std::nullopt;
    uint32_t bits = 0;
    int nbits = 0;
    std::vector<uint16_t> units;
    while (i < s.size() && s[i] != '-') {
      int v = Base64Value(s[i]);
      if (v < 0) return std::nullopt;
      bits = (bits << 6) | static_cast<uint32_t>(v);
      nbits += 6;
      if (nbits >= 16) {
        nbits -= 16;
        units.push_back(static_cast<uint16_t>((bits >> nbits) & 0xffff));
      }
      ++i;
    }
    if (i >= s.size() || units.empty()) return std::nullopt;  // unterminated or empty
    if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0) return std::nullopt;
    ++i;  // '-'
    for (size_t k = 0; k < units.size(); ++k) {
      uint32_t u = units[k];
      uint32_t cp;
      if (u >= 0xD800 && u <= 0xDBFF) {
        if (k + 1 >= units.size() || units[k + 1] < 0xDC00 || units[k + 1] > 0xDFFF) {
          return std::nullopt;
        }
        cp = 0x10000 + ((u - 0xD800) << 10) + (units[k + 1] - 0xDC00);
        ++k;
      } else if (u >= 0xDC00 && u <= 0xDFFF) {
        return std::nullopt;
      } else {
        cp = u;
      }
      if (IsDirect(cp)) return std::nullopt;  // must have been sent directly
      AppendUtf8(cp, &out);
    }
    last_was_shift = true;
  }
  return out;
}

bool IsValidModifiedUtf7(absl::string_view name) { return DecodeModifiedUtf7(name).has_value(); }

}  // namespace lemonade::imap
