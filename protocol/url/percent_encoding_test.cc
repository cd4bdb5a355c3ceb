#include "protocol/url/percent_encoding.h"

#include <string>

#include "gtest/gtest.h"

namespace lemonade::url {
namespace {

std::string Encode(absl::string_view raw, UrlCharSet set) {
  std::string out;
  PercentEncode(raw, set, &out);
  return out;
}

// RFC 5092 §11: achar excludes ";" (and ":", "@", "/"); bchar adds ":", "@"
// and "/". Both exclude "?", "#", "%" and space.
TEST(PercentEncodingTest, EncodesExactlyOutsideTheSet) {
  EXPECT_EQ(Encode("gray council", UrlCharSet::kBchar), "gray%20council");
  EXPECT_EQ(Encode("a;b?c#d%e", UrlCharSet::kBchar), "a%3Bb%3Fc%23d%25e");
  EXPECT_EQ(Encode("~peter/x:y@z", UrlCharSet::kBchar), "~peter/x:y@z");
  EXPECT_EQ(Encode("~peter/x:y@z", UrlCharSet::kAchar), "~peter%2Fx%3Ay%40z");
  EXPECT_EQ(Encode("!$'()*+,&=", UrlCharSet::kAchar), "!$'()*+,&=");
  EXPECT_EQ(Encode("\xE5\x8F\xB0", UrlCharSet::kBchar), "%E5%8F%B0");
  EXPECT_EQ(Encode(std::string("\0\x7f", 2), UrlCharSet::kBchar), "%00%7F");
}

// Escapes of either case decode; malformed ones are refused.
TEST(PercentEncodingTest, DecodesAndRefusesMalformedEscapes) {
  EXPECT_EQ(PercentDecode("%E5%8f%B0"), "\xE5\x8F\xB0");
  EXPECT_EQ(PercentDecode("plain"), "plain");
  EXPECT_EQ(PercentDecode("%7B14+%7D%0D%0A"), "{14+}\r\n");
  EXPECT_FALSE(PercentDecode("%"));
  EXPECT_FALSE(PercentDecode("%4"));
  EXPECT_FALSE(PercentDecode("%G0"));
  EXPECT_FALSE(PercentDecode("ab%"));
}

// IsEncodedIn checks both the characters and the escapes.
TEST(PercentEncodingTest, IsEncodedIn) {
  EXPECT_TRUE(IsEncodedIn("gray%20council", UrlCharSet::kBchar));
  EXPECT_TRUE(IsEncodedIn("INBOX/sub", UrlCharSet::kBchar));
  EXPECT_FALSE(IsEncodedIn("INBOX/sub", UrlCharSet::kAchar));
  EXPECT_FALSE(IsEncodedIn("a;b", UrlCharSet::kBchar));
  EXPECT_FALSE(IsEncodedIn("a b", UrlCharSet::kBchar));
  EXPECT_FALSE(IsEncodedIn("a%2", UrlCharSet::kBchar));
  EXPECT_FALSE(IsEncodedIn("\xC3\xA9", UrlCharSet::kBchar));
}

// Decode(Encode(x)) == x for every octet.
TEST(PercentEncodingTest, RoundTripsEveryOctet) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (UrlCharSet set : {UrlCharSet::kAchar, UrlCharSet::kBchar}) {
    const std::string encoded = Encode(all, set);
    EXPECT_TRUE(IsEncodedIn(encoded, set));
    EXPECT_EQ(PercentDecode(encoded), all);
  }
}

}  // namespace
}  // namespace lemonade::url
