#include "protocol/imap/mutf7.h"

#include "gtest/gtest.h"

namespace lemonade::imap {
namespace {

// RFC 3501 §5.1.3's example: "~peter/mail/台北/日本語".
TEST(ModifiedUtf7Test, Rfc3501Example) {
  const std::string utf8 = "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
  EXPECT_EQ(EncodeModifiedUtf7(utf8), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  EXPECT_EQ(DecodeModifiedUtf7("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), utf8);
}

// "&" escapes as "&-"; characters outside the BMP use surrogate pairs.
TEST(ModifiedUtf7Test, AmpersandAndAstralPlane) {
  EXPECT_EQ(EncodeModifiedUtf7("Tom & Jerry"), "Tom &- Jerry");
  EXPECT_EQ(DecodeModifiedUtf7("Tom &- Jerry"), "Tom & Jerry");
  const std::string emoji = "\xf0\x9f\x98\x80";  // U+1F600
  std::string wire = EncodeModifiedUtf7(emoji);
  EXPECT_EQ(DecodeModifiedUtf7(wire), emoji);
}

// Non-canonical spellings are refused so every name has one form.
TEST(ModifiedUtf7Test, RejectsNonCanonicalForms) {
  EXPECT_FALSE(DecodeModifiedUtf7("&AGE-").has_value());         // encodes "a"
  EXPECT_FALSE(DecodeModifiedUtf7("&U,A-&ZeU-").has_value());    // adjacent shifts
  EXPECT_FALSE(DecodeModifiedUtf7("&U,BTFw").has_value());       // unterminated
  EXPECT_FALSE(DecodeModifiedUtf7("&U,BTFx-").has_value());      // leftover bits
  EXPECT_FALSE(DecodeModifiedUtf7("caf\xc3\xa9").has_value());   // raw 8-bit
  EXPECT_FALSE(DecodeModifiedUtf7("&-&2D0-").has_value());       // lone surrogate
}

// Encoding then decoding gives back the UTF-8 text for a range of inputs.
TEST(ModifiedUtf7Test, RoundTrips) {
  for (const std::string& s :
       {std::string("INBOX"), std::string("Entw\xc3\xbcrfe"), std::string("a&b&&c"),
        std::string("\xe4\xb8\xad\xe6\x96\x87 mixed \xd0\xa0\xd1\x83\xd1\x81")}) {
    std::string wire = EncodeModifiedUtf7(s);
    EXPECT_TRUE(IsValidModifiedUtf7(wire)) << wire;
    EXPECT_EQ(DecodeModifiedUtf7(wire), s);
  }
}

}  // namespace
}  // namespace lemonade::imap
