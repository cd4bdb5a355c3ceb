// Raw DEFLATE (RFC 1951) streams for IMAP COMPRESS=DEFLATE (RFC 4978), on
// zlib.
//
// RFC 4978 §4: raw deflate (no zlib header), and the sender flushes at
// the end of every batch of output with Z_SYNC_FLUSH so the peer can act
// on it. Inflation is bounded per call so a "zip bomb" cannot allocate
// without limit: the caller gets output in pieces.
//
//   DeflateStream d;
//   std::string wire;
//   d.Compress("* OK ...\r\n", &wire);   // appends compressed bytes, flushed
//   InflateStream i;
//   std::string plain;
//   absl::Status s = i.Decompress(wire, &plain);
#ifndef LEMONADE_PROTOCOL_COMPRESS_DEFLATE_STREAM_H_
#define LEMONADE_PROTOCOL_COMPRESS_DEFLATE_STREAM_H_

#include <zlib.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lemonade::compress {

class DeflateStream {
 public:
  DeflateStream();
  ~DeflateStream();
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;

  // Compresses `input` and appends the bytes, ending with a sync flush.
  void Compress(absl::string_view input, std::string* out);

 private:
  z_stream z_{};
};

class InflateStream {
 public:
  // Decompressed bytes one Decompress() call may produce; more is an error
  // (a client cannot make us inflate a bomb).
  static constexpr size_t kOutputBytesMax = 64 << 20;

  InflateStream();
  ~InflateStream();
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;

  // Appends the plain bytes of `input` to `out`. Errors are sticky.
  absl::Status Decompress(absl::string_view input, std::string* out);

 private:
  z_stream z_{};
  absl::Status error_;
};

}  // namespace lemonade::compress

#endif  // LEMONADE_PROTOCOL_COMPRESS_DEFLATE_STREAM_H_
