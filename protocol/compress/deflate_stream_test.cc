#include "protocol/compress/deflate_stream.h"

#include <string>

#include "gtest/gtest.h"

namespace lemonade::compress {
namespace {

// Each Compress() call ends in a sync flush, so the peer can decode every
// batch on its own, in order.
TEST(DeflateStreamTest, EveryBatchDecodesOnItsOwn) {
  DeflateStream deflate;
  InflateStream inflate;
  std::string plain;
  for (int i = 0; i < 50; ++i) {
    std::string batch = "* " + std::to_string(i) + " FETCH (FLAGS (\\Seen))\r\n";
    std::string wire;
    deflate.Compress(batch, &wire);
    plain.clear();
    ASSERT_TRUE(inflate.Decompress(wire, &plain).ok());
    EXPECT_EQ(plain, batch);
  }
}

// Compressed input split at every byte still inflates to the same text.
TEST(DeflateStreamTest, SplitInputInflatesIdentically) {
  DeflateStream deflate;
  std::string text(100000, 'a');
  for (size_t i = 0; i < text.size(); i += 97) text[i] = static_cast<char>('a' + i % 26);
  std::string wire;
  deflate.Compress(text, &wire);
  InflateStream inflate;
  std::string plain;
  for (char c : wire) ASSERT_TRUE(inflate.Decompress(std::string(1, c), &plain).ok());
  EXPECT_EQ(plain, text);
}

// Garbage is an error, and errors are sticky.
TEST(DeflateStreamTest, CorruptInputIsAStickyError) {
  InflateStream inflate;
  std::string plain;
  EXPECT_FALSE(inflate.Decompress(std::string("\xff\xff\xff\xff\xff\xff", 6), &plain).ok());
  EXPECT_FALSE(inflate.Decompress("", &plain).ok());
}

// A tiny input that inflates beyond the per-call bound is refused.
TEST(DeflateStreamTest, DecompressionBombIsRefused) {
  DeflateStream deflate;
  std::string huge(InflateStream::kOutputBytesMax + 1024 * 1024, '\0');
  std::string wire;
  deflate.Compress(huge, &wire);
  ASSERT_LT(wire.size(), huge.size() / 100);
  InflateStream inflate;
  std::string plain;
  absl::Status s = inflate.Decompress(wire, &plain);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace lemonade::compress
