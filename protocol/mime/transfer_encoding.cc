#include "protocol/mime/transfer_encoding.h"

#include <cstring>

#include "absl/strings/match.h"

namespace lemonade::mime {
namespace {

// Base64 alphabet value of each octet; 64 for '=', 255 for everything else.
struct Base64Table {
  unsigned char value[256];
  constexpr Base64Table() : value() {
    for (int i = 0; i < 256; ++i) value[i] = 255;
    for (int i = 0; i < 26; ++i) {
      value['A' + i] = static_cast<unsigned char>(i);
      value['a' + i] = static_cast<unsigned char>(26 + i);
    }
    for (int i = 0; i < 10; ++i) value['0' + i] = static_cast<unsigned char>(52 + i);
    value[static_cast<unsigned char>('+')] = 62;
    value[static_cast<unsigned char>('/')] = 63;
    value[static_cast<unsigned char>('=')] = 64;
  }
};
constexpr Base64Table kBase64;

// Sinks: the decoders are written once and either append or count.
struct AppendSink {
  std::string* out;
  void Put(char c) { out->push_back(c); }
  void Put(const char* p, size_t n) { out->append(p, n); }
};
struct CountSink {
  uint64_t count = 0;
  void Put(char) { ++count; }
  void Put(const char*, size_t n) { count += n; }
};

template <typename Sink>
void DecodeBase64(absl::string_view in, Sink* sink) {
  uint32_t group = 0;
  int chars = 0;
  auto flush_partial = [&]() {
    // 2 chars = 12 bits -> 1 octet; 3 chars = 18 bits -> 2 octets.
    if (chars == 2) {
      sink->Put(static_cast<char>(group >> 4));
    } else if (chars == 3) {
      sink->Put(static_cast<char>(group >> 10));
      sink->Put(static_cast<char>((group >> 2) & 0xFF));
    }
    group = 0;
    chars = 0;
  };
  for (unsigned char c : in) {
    const unsigned char v = kBase64.value[c];
    if (v < 64) {
      group = (group << 6) | v;
      if (++chars == 4) {
        const char octets[3] = {static_cast<char>(group >> 16),
                                static_cast<char>((group >> 8) & 0xFF),
                                static_cast<char>(group & 0xFF)};
        sink->Put(octets, 3);
        group = 0;
        chars = 0;
      }
    } else if (v == 64) {
      flush_partial();
    }
  }
  flush_partial();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

template <typename Sink>
void DecodeQuotedPrintable(absl::string_view in, Sink* sink) {
  const char* data = in.data();
  const size_t size = in.size();
  size_t line_begin = 0;
  while (line_begin < size) {
    const void* lf = std::memchr(data + line_begin, '\n', size - line_begin);
    const size_t line_end = lf == nullptr ? size : static_cast<const char*>(lf) - data;
    // The line's content ends before its line end ("\r\n" or "\n").
    size_t content_end = line_end;
    const bool has_lf = lf != nullptr;
    bool has_cr = false;
    if (has_lf && content_end > line_begin && data[content_end - 1] == '\r') {
      --content_end;
      has_cr = true;
    }
    // Rule (3): trailing white space is transport padding. Only stripped
    // before a line end; at the very end of the input it may be content
    // cut short, but it is padding there too in practice, so strip it.
    size_t text_end = content_end;
    while (text_end > line_begin && (data[text_end - 1] == ' ' || data[text_end - 1] == '\t')) {
      --text_end;
    }
    bool soft_break = false;
    if (text_end > line_begin && data[text_end - 1] == '=') {
      // "=" then end of line: a soft line break (rule 5).
      soft_break = true;
      --text_end;
    }
    size_t i = line_begin;
    while (i < text_end) {
      const void* eq = std::memchr(data + i, '=', text_end - i);
      const size_t run_end = eq == nullptr ? text_end : static_cast<const char*>(eq) - data;
      if (run_end > i) sink->Put(data + i, run_end - i);
      i = run_end;
      if (i >= text_end) break;
      // data[i] == '='
      const int hi = i + 1 < text_end ? HexValue(data[i + 1]) : -1;
      const int lo = i + 2 < text_end ? HexValue(data[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        sink->Put(static_cast<char>(hi * 16 + lo));
        i += 3;
      } else {
        sink->Put('=');
        ++i;
      }
    }
    if (!soft_break && has_lf) {
      if (has_cr) sink->Put('\r');
      sink->Put('\n');
    }
    line_begin = has_lf ? line_end + 1 : size;
  }
}

}  // namespace

TransferEncoding ParseTransferEncoding(absl::string_view token) {
  if (token.empty() || absl::EqualsIgnoreCase(token, "7bit")) return TransferEncoding::k7Bit;
  if (absl::EqualsIgnoreCase(token, "8bit")) return TransferEncoding::k8Bit;
  if (absl::EqualsIgnoreCase(token, "binary")) return TransferEncoding::kBinary;
  if (absl::EqualsIgnoreCase(token, "base64")) return TransferEncoding::kBase64;
  if (absl::EqualsIgnoreCase(token, "quoted-printable")) {
    return TransferEncoding::kQuotedPrintable;
  }
  return TransferEncoding::kUnknown;
}

void AppendBase64Decoded(absl::string_view in, std::string* out) {
  out->reserve(out->size() + in.size() / 4 * 3 + 3);
  AppendSink sink{out};
  DecodeBase64(in, &sink);
}

uint64_t Base64DecodedSize(absl::string_view in) {
  CountSink sink;
  DecodeBase64(in, &sink);
  return sink.count;
}

void AppendQuotedPrintableDecoded(absl::string_view in, std::string* out) {
  out->reserve(out->size() + in.size());
  AppendSink sink{out};
  DecodeQuotedPrintable(in, &sink);
}

uint64_t QuotedPrintableDecodedSize(absl::string_view in) {
  CountSink sink;
  DecodeQuotedPrintable(in, &sink);
  return sink.count;
}

bool AppendDecoded(TransferEncoding encoding, absl::string_view in, std::string* out) {
  switch (encoding) {
    case TransferEncoding::k7Bit:
    case TransferEncoding::k8Bit:
    case TransferEncoding::kBinary:
      out->append(in.data(), in.size());
      return true;
    case TransferEncoding::kBase64:
      AppendBase64Decoded(in, out);
      return true;
    case TransferEncoding::kQuotedPrintable:
      AppendQuotedPrintableDecoded(in, out);
      return true;
    case TransferEncoding::kUnknown:
      return false;
  }
  return false;
}

std::optional<uint64_t> DecodedSize(TransferEncoding encoding, absl::string_view in) {
  switch (encoding) {
    case TransferEncoding::k7Bit:
    case TransferEncoding::k8Bit:
    case TransferEncoding::kBinary:
      return in.size();
    case TransferEncoding::kBase64:
      return Base64DecodedSize(in);
    case TransferEncoding::kQuotedPrintable:
      return QuotedPrintableDecodedSize(in);
    case TransferEncoding::kUnknown:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace lemonade::mime
