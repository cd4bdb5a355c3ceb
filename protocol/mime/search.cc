#include "protocol/mime/search.h"

#include "protocol/mime/encoded_words.h"
#include "protocol/mime/header_field.h"
#include "protocol/mime/transfer_encoding.h"

namespace lemonade::mime {
namespace {

// Simple case folding (Unicode CaseFolding.txt status C and S) for the
// scripts listed in search.h; everything else maps to itself.
uint32_t FoldCodePoint(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c < 0x100) {
    if (c == 0xB5) return 0x3BC;  // MICRO SIGN -> GREEK SMALL MU
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    return c;
  }
  if (c < 0x180) {
    if (c == 0x130) return c;     // İ folds only in full folding
    if (c == 0x178) return 0xFF;  // Ÿ
    if (c == 0x17F) return 's';   // ſ
    if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) {
      return c | 1;
    }
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) {
      return (c & 1) ? c + 1 : c;
    }
    return c;
  }
  if (c >= 0x370 && c < 0x400) {  // Greek
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c == 0x3C2) return 0x3C3;  // final sigma
    return c;
  }
  if (c >= 0x400 && c < 0x530) {  // Cyrillic
    if (c <= 0x40F) return c + 80;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F)) {
      return c | 1;
    }
    if (c == 0x4C0) return 0x4CF;
    if (c >= 0x4C1 && c <= 0x4CE) return (c & 1) ? c + 1 : c;
    return c;
  }
  if (c >= 0x531 && c <= 0x556) return c + 48;  // Armenian
  if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) return c | 1;
  if (c == 0x1E9E) return 0xDF;                   // capital sharp s
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;  // fullwidth A-Z
  return c;
}

bool ContainsKey(absl::string_view text, const SearchString& key) {
  return key.empty() || key.FoundIn(text);
}

// The decoded header fields of a message root, one per line.
std::string DecodedHeader(absl::string_view raw, const MessageStructure& s, uint32_t root,
                          CharsetConverter* converter) {
  std::string text;
  for (const HeaderField& f : s.FieldsOf(root)) {
    text.append(f.name.In(raw).data(), f.name.size());
    text.append(": ");
    text.append(DecodeHeaderText(f.value.In(raw), converter));
    text.push_back('\n');
  }
  return text;
}

bool SearchBody(absl::string_view raw, const MessageStructure& s, const SearchString& key,
                CharsetConverter* converter) {
  for (uint32_t i = 0; i < s.part_count(); ++i) {
    const Part& p = s.part(i);
    if (i != 0 && p.message_root && key.FoundIn(DecodedHeader(raw, s, i, converter))) {
      return true;
    }
    if (p.IsText() && key.FoundIn(DecodePartText(raw, s, i, converter))) return true;
  }
  return false;
}

}  // namespace

std::string FoldCase(absl::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t pos = 0;
  while (pos < utf8.size()) {
    const unsigned char c = static_cast<unsigned char>(utf8[pos]);
    if (c < 0x80) {
      out.push_back(static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c));
      ++pos;
      continue;
    }
    const size_t start = pos;
    const int32_t cp = NextUtf8(utf8, &pos);
    if (cp < 0) {
      out.push_back(utf8[start]);
      continue;
    }
    AppendCodePoint(FoldCodePoint(static_cast<uint32_t>(cp)), &out);
  }
  return out;
}

bool SearchString::FoundIn(absl::string_view utf8_text) const {
  if (folded_.empty()) return true;
  return FoldCase(utf8_text).find(folded_) != std::string::npos;
}

std::string DecodePartText(absl::string_view raw, const MessageStructure& s, uint32_t part_index,
                           CharsetConverter* converter) {
  const Part& p = s.part(part_index);
  const absl::string_view body = p.body.In(raw);
  std::string octets;
  if (!AppendDecoded(p.transfer_encoding, body, &octets)) octets.assign(body.data(), body.size());
  std::string text;
  converter->AppendUtf8(p.Charset(), octets, &text);
  return text;
}

bool HeaderFieldContains(absl::string_view raw, const MessageStructure& s, uint32_t root,
                         absl::string_view field_name, const SearchString& key,
                         CharsetConverter* converter) {
  for (const HeaderField& f : s.FieldsOf(root)) {
    if (!f.has_colon || !FieldNameIs(raw, f, field_name)) continue;
    if (key.empty() || key.FoundIn(DecodeHeaderText(f.value.In(raw), converter))) return true;
  }
  return false;
}

bool BodyContains(absl::string_view raw, const MessageStructure& s, const SearchString& key,
                  CharsetConverter* converter) {
  if (key.empty()) return true;
  return SearchBody(raw, s, key, converter);
}

bool TextContains(absl::string_view raw, const MessageStructure& s, const SearchString& key,
                  CharsetConverter* converter) {
  if (key.empty()) return true;
  return ContainsKey(DecodedHeader(raw, s, 0, converter), key) ||
         SearchBody(raw, s, key, converter);
}

}  // namespace lemonade::mime
