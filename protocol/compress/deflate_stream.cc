#include "protocol/compress/deflate_stream.h"

#include "base/check.h"

namespace lemonade::compress {

DeflateStream::DeflateStream() {
  int rc = deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  CHECK(rc == Z_OK) << "deflateInit2 failed";
}

DeflateStream::~DeflateStream() { deflateEnd(&z_); }

void DeflateStream::Compress(absl::string_view input, std::string* out) {
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z_.avail_in = static_cast<uInt>(input.size());
  char buffer[16384];
  do {
    z_.next_out = reinterpret_cast<Bytef*>(buffer);
    z_.avail_out = sizeof(buffer);
    int rc = deflate(&z_, Z_SYNC_FLUSH);
    CHECK(rc == Z_OK || rc == Z_BUF_ERROR) << "deflate failed";
    out->append(buffer, sizeof(buffer) - z_.avail_out);
  } while (z_.avail_out == 0 || z_.avail_in > 0);
}

InflateStream::InflateStream() {
  int rc = inflateInit2(&z_, -15);
  CHECK(rc == Z_OK) << "inflateInit2 failed";
}

InflateStream::~InflateStream() { inflateEnd(&z_); }

absl::Status InflateStream::Decompress(absl::string_view input, std::string* out) {
  if (!error_.ok()) return error_;
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z_.avail_in = static_cast<uInt>(input.size());
  char buffer[16384];
  size_t produced = 0;
  do {
    z_.next_out = reinterpret_cast<Bytef*>(buffer);
    z_.avail_out = sizeof(buffer);
    int rc = inflate(&z_, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) {
      error_ = absl::DataLossError("invalid DEFLATE data");
      return error_;
    }
    size_t n = sizeof(buffer) - z_.avail_out;
    out->append(buffer, n);
    produced += n;
    if (produced > kOutputBytesMax) {
      error_ = absl::ResourceExhaustedError("DEFLATE data inflates too much");
      return error_;
    }
    if (rc == Z_STREAM_END) break;
    if (n == 0 && rc == Z_BUF_ERROR) break;
    // A full output buffer may leave more output inside zlib.
  } while (z_.avail_in > 0 || z_.avail_out == 0);
  return absl::OkStatus();
}

}  // namespace lemonade::compress
