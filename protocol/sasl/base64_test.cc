#include "protocol/sasl/base64.h"

#include <string>

#include "gtest/gtest.h"

namespace lemonade::sasl {
namespace {

std::string Decode(absl::string_view encoded) {
  std::string raw;
  EXPECT_TRUE(StrictBase64Decode(encoded, &raw)) << encoded;
  return raw;
}

bool Refused(absl::string_view encoded) {
  std::string raw = "stale";
  const bool ok = StrictBase64Decode(encoded, &raw);
  EXPECT_TRUE(raw.empty() || ok) << "output not cleared for " << encoded;
  return !ok;
}

// RFC 4648 §10 test vectors, both ways.
TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [raw, encoded] : kVectors) {
    EXPECT_EQ(Base64Encode(raw), encoded);
    EXPECT_EQ(Decode(encoded), raw);
  }
}

// RFC 4954 §4: reject characters outside the alphabet and "=" anywhere but
// the end ("=AAA" and "AAA=BBB" are its own examples).
TEST(Base64Test, RefusesWhatRfc4954Forbids) {
  EXPECT_TRUE(Refused("=AAA"));
  EXPECT_TRUE(Refused("AAA=BBB"));
  EXPECT_TRUE(Refused("AA=A"));
  EXPECT_TRUE(Refused("Zm9v Yg=="));   // white space is not skipped
  EXPECT_TRUE(Refused("Zm9vYg==\r\n"));
  EXPECT_TRUE(Refused("Zm9v-_=="));    // base64url alphabet
  EXPECT_TRUE(Refused("Zm9vYg"));      // padding is required
  EXPECT_TRUE(Refused("Zm9vYg="));
  EXPECT_TRUE(Refused("Zg==="));
  EXPECT_TRUE(Refused("===="));
  EXPECT_TRUE(Refused("="));
  EXPECT_TRUE(Refused("*"));
  EXPECT_TRUE(Refused(std::string("Zm9v\0\0\0\0", 8)));
}

// RFC 4648 §3.5: non-zero pad bits would be a second spelling; refused.
TEST(Base64Test, RefusesNonCanonicalPadBits) {
  EXPECT_EQ(Decode("QQ=="), "A");
  EXPECT_TRUE(Refused("QR=="));
  EXPECT_EQ(Decode("QUI="), "AB");
  EXPECT_TRUE(Refused("QUJ="));
}

// Every byte value survives a round trip, at every length mod 3.
TEST(Base64Test, RoundTripsAllBytes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (size_t n = 0; n <= all.size(); n += 37) {
    for (size_t k = 0; k < 3 && n + k <= all.size(); ++k) {
      const std::string raw = all.substr(0, n + k);
      EXPECT_EQ(Decode(Base64Encode(raw)), raw);
    }
  }
}

}  // namespace
}  // namespace lemonade::sasl
