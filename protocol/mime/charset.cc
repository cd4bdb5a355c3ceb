#include "protocol/mime/charset.h"

#include <iconv.h>

#include <cerrno>
#include <optional>

#include "absl/strings/ascii.h"
#include "protocol/url/utf8.h"

namespace lemonade::mime {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
constexpr size_t kCharsetNameBytesMax = 64;

iconv_t AsIconv(void* d) { return static_cast<iconv_t>(d); }
const iconv_t kInvalidIconv = reinterpret_cast<iconv_t>(-1);

// Lower-cased, trimmed, quotes and an RFC 2231 §5 "*language" suffix
// removed. nullopt if the name holds octets no charset name has, so that no
// iconv option ("//IGNORE", "//TRANSLIT") can be smuggled in.
std::optional<std::string> NormaliseCharset(absl::string_view charset) {
  charset = absl::StripAsciiWhitespace(charset);
  if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"') {
    charset = charset.substr(1, charset.size() - 2);
  }
  const size_t star = charset.find('*');
  if (star != absl::string_view::npos) charset = charset.substr(0, star);
  if (charset.size() > kCharsetNameBytesMax) return std::nullopt;
  std::string name;
  for (char c : charset) {
    const char l = absl::ascii_tolower(static_cast<unsigned char>(c));
    const bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' || l == '_' ||
                    l == '.' || l == ':' || l == '+' || l == '(' || l == ')';
    if (!ok) return std::nullopt;
    name.push_back(l);
  }
  return name;
}

// MIME labels glibc does not know, mapped the way the WHATWG Encoding
// standard maps them (mail clients agree with browsers here).
absl::string_view IconvAlias(absl::string_view name) {
  if (name == "ks_c_5601-1987" || name == "ks_c_5601" || name == "euc-kr") return "CP949";
  if (name == "gb2312" || name == "gbk" || name == "x-gbk" || name == "cp936") return "GB18030";
  if (name == "iso-8859-8-i") return "ISO-8859-8";
  if (name == "x-sjis" || name == "shift-jis" || name == "ms_kanji" || name == "windows-31j") {
    return "CP932";
  }
  if (name == "x-mac-roman" || name == "macintosh") return "MACINTOSH";
  return name;
}

bool IsUtf8Name(const std::string& n) { return n == "utf-8" || n == "utf8"; }

// Labels that promise nothing: us-ascii (yet 8-bit octets often follow),
// no label at all, and the "unknown" family.
bool IsUnlabelled(const std::string& n) {
  return n.empty() || n == "us-ascii" || n == "ascii" || n == "ansi_x3.4-1968" || n == "us" ||
         n == "unknown" || n == "x-unknown" || n == "unknown-8bit" || n == "x-user-defined" ||
         n == "default";
}

bool IsLatin1Name(const std::string& n) {
  return n == "iso-8859-1" || n == "iso8859-1" || n == "iso_8859-1" || n == "latin1" || n == "l1" ||
         n == "iso-ir-100" || n == "cp819" || n == "ibm819";
}

}  // namespace

int32_t NextUtf8(absl::string_view text, size_t* pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const size_t i = *pos;
  const unsigned char c = p[i];
  if (c < 0x80) {
    *pos = i + 1;
    return c;
  }
  size_t length;
  uint32_t cp;
  unsigned char second_min = 0x80, second_max = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    cp = c & 0x0F;
    if (c == 0xE0) second_min = 0xA0;
    if (c == 0xED) second_max = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    cp = c & 0x07;
    if (c == 0xF0) second_min = 0x90;
    if (c == 0xF4) second_max = 0x8F;
  } else {
    *pos = i + 1;
    return -1;
  }
  if (n - i < length || p[i + 1] < second_min || p[i + 1] > second_max) {
    *pos = i + 1;
    return -1;
  }
  for (size_t k = 1; k < length; ++k) {
    if (k > 1 && (p[i + k] & 0xC0) != 0x80) {
      *pos = i + 1;
      return -1;
    }
    cp = (cp << 6) | (p[i + k] & 0x3F);
  }
  *pos = i + length;
  return static_cast<int32_t>(cp);
}

void AppendCodePoint(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void AppendUtf8OrLatin1(absl::string_view bytes, std::string* out) {
  if (url::IsValidUtf8(bytes)) {
    out->append(bytes.data(), bytes.size());
    return;
  }
  for (char c : bytes) AppendCodePoint(static_cast<unsigned char>(c), out);
}

void AppendUtf8Replacing(absl::string_view bytes, std::string* out) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t start = pos;
    if (NextUtf8(bytes, &pos) < 0) {
      out->append(kReplacement);
    } else {
      out->append(bytes.data() + start, pos - start);
    }
  }
}

CharsetConverter::~CharsetConverter() {
  if (descriptor_ != nullptr) iconv_close(AsIconv(descriptor_));
}

bool CharsetConverter::Open(const std::string& name) {
  if (!cached_name_.empty() && name == cached_name_) return cached_known_;
  if (descriptor_ != nullptr) iconv_close(AsIconv(descriptor_));
  descriptor_ = nullptr;
  cached_name_ = name;
  cached_known_ = false;
  const std::string iconv_name(IconvAlias(name));
  iconv_t cd = iconv_open("UTF-8", iconv_name.c_str());
  if (cd == kInvalidIconv) return false;
  descriptor_ = cd;
  cached_known_ = true;
  return true;
}

bool CharsetConverter::AppendUtf8(absl::string_view charset, absl::string_view bytes,
                                  std::string* out) {
  const std::optional<std::string> normalised = NormaliseCharset(charset);
  if (!normalised.has_value()) {
    AppendUtf8OrLatin1(bytes, out);
    return false;
  }
  const std::string& name = *normalised;
  if (IsUtf8Name(name)) {
    AppendUtf8Replacing(bytes, out);
    return true;
  }
  if (IsUnlabelled(name)) {
    AppendUtf8OrLatin1(bytes, out);
    return true;
  }
  if (IsLatin1Name(name)) {
    for (char c : bytes) AppendCodePoint(static_cast<unsigned char>(c), out);
    return true;
  }
  if (!Open(name)) {
    AppendUtf8OrLatin1(bytes, out);
    return false;
  }
  iconv_t cd = AsIconv(descriptor_);
  const size_t old_size = out->size();
  // Worst case growth is small (CJK: 2 octets -> 3); start with 3x + slack
  // and grow on E2BIG.
  size_t capacity = bytes.size() * 3 + 16;
  out->resize(old_size + capacity);
  size_t written = 0;
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  auto ensure = [&](size_t extra) {
    if (capacity - written < extra) {
      capacity = capacity * 2 + extra;
      out->resize(old_size + capacity);
    }
  };
  auto append_raw = [&](absl::string_view s) {
    ensure(s.size());
    for (char c : s) (*out)[old_size + written++] = c;
  };
  bool flushed = false;
  while (true) {
    char* out_ptr = &(*out)[old_size + written];
    size_t out_left = capacity - written;
    size_t r;
    if (in_left > 0) {
      r = iconv(cd, &in, &in_left, &out_ptr, &out_left);
    } else {
      // Flush a stateful encoding's shift sequence (ISO-2022-JP).
      r = iconv(cd, nullptr, nullptr, &out_ptr, &out_left);
      flushed = true;
    }
    const int error = r == static_cast<size_t>(-1) ? errno : 0;
    written = capacity - out_left;
    if (error == E2BIG) {
      ensure(64);
      continue;
    }
    if (error == EILSEQ) {
      append_raw(kReplacement);
      ++in;
      --in_left;
      continue;
    }
    if (error == EINVAL) {
      // A sequence cut off at the end of the input.
      append_raw(kReplacement);
      in += in_left;
      in_left = 0;
      continue;
    }
    if (error != 0) {
      // Not documented for iconv(); take the rest as unlabelled.
      out->resize(old_size + written);
      AppendUtf8OrLatin1(absl::string_view(in, in_left), out);
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
      return true;
    }
    if (in_left == 0 && flushed) break;
  }
  out->resize(old_size + written);
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset the shift state
  return true;
}

}  // namespace lemonade::mime
