#include "protocol/mime/transfer_encoding.h"

#include <string>

#include "gtest/gtest.h"

namespace lemonade::mime {
namespace {

std::string Base64(absl::string_view in) {
  std::string out;
  AppendBase64Decoded(in, &out);
  EXPECT_EQ(Base64DecodedSize(in), out.size()) << in;
  return out;
}

std::string Qp(absl::string_view in) {
  std::string out;
  AppendQuotedPrintableDecoded(in, &out);
  EXPECT_EQ(QuotedPrintableDecodedSize(in), out.size()) << in;
  return out;
}

// RFC 4648 §10 test vectors.
TEST(TransferEncodingTest, Base64Rfc4648Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("Zg=="), "f");
  EXPECT_EQ(Base64("Zm8="), "fo");
  EXPECT_EQ(Base64("Zm9v"), "foo");
  EXPECT_EQ(Base64("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64("Zm9vYmE="), "fooba");
  EXPECT_EQ(Base64("Zm9vYmFy"), "foobar");
}

// RFC 2045 §6.8: characters outside the alphabet are ignored.
TEST(TransferEncodingTest, Base64IgnoresLineBreaksAndJunk) {
  EXPECT_EQ(Base64("Zm9v\r\nYmFy\r\n"), "foobar");
  EXPECT_EQ(Base64(" Zm\t9v!Ym*Fy\n"), "foobar");
  EXPECT_EQ(Base64("AAECAw=="), std::string("\0\1\2\3", 4));
}

// Missing padding still decodes; a lone trailing character yields nothing;
// '=' ends a group and decoding resumes (concatenated blobs).
TEST(TransferEncodingTest, Base64Padding) {
  EXPECT_EQ(Base64("Zm8"), "fo");
  EXPECT_EQ(Base64("Zg"), "f");
  EXPECT_EQ(Base64("Zm9vY"), "foo");
  EXPECT_EQ(Base64("Zg==Zm8="), "ffo");
  EXPECT_EQ(Base64("===="), "");
}

// RFC 2045 §6.7 rules 1, 3 and 5.
TEST(TransferEncodingTest, QuotedPrintableBasics) {
  EXPECT_EQ(Qp("caf=C3=A9"), "caf\xC3\xA9");
  EXPECT_EQ(Qp("a=3Db"), "a=b");
  EXPECT_EQ(Qp("lower=c3=a9"), "lower\xC3\xA9");  // note (4): accept lower case
  EXPECT_EQ(Qp("soft=\r\nbreak"), "softbreak");
  EXPECT_EQ(Qp("soft=  \r\nbreak"), "softbreak");  // white space after the '='
  EXPECT_EQ(Qp("trailing   \r\nspace\t\r\n"), "trailing\r\nspace\r\n");
  EXPECT_EQ(Qp("encoded=20\r\n"), "encoded \r\n");
}

// Line ends are kept as they are; bare LF stays bare LF.
TEST(TransferEncodingTest, QuotedPrintableKeepsLineEnds) {
  EXPECT_EQ(Qp("a\nb\r\nc"), "a\nb\r\nc");
  EXPECT_EQ(Qp("soft=\nbreak\n"), "softbreak\n");
}

// Note (2): a '=' that is neither an escape nor a soft break is kept.
TEST(TransferEncodingTest, QuotedPrintableBrokenEscapes) {
  EXPECT_EQ(Qp("a=zz"), "a=zz");
  EXPECT_EQ(Qp("a=4"), "a=4");
  EXPECT_EQ(Qp("100%=\r\n"), "100%");
  EXPECT_EQ(Qp("end="), "end");
  EXPECT_EQ(Qp("="), "");
  EXPECT_EQ(Qp("=\r\n=\r\n"), "");
}

TEST(TransferEncodingTest, ClassifiesTokensCaseInsensitively) {
  EXPECT_EQ(ParseTransferEncoding(""), TransferEncoding::k7Bit);
  EXPECT_EQ(ParseTransferEncoding("7BIT"), TransferEncoding::k7Bit);
  EXPECT_EQ(ParseTransferEncoding("8bit"), TransferEncoding::k8Bit);
  EXPECT_EQ(ParseTransferEncoding("Binary"), TransferEncoding::kBinary);
  EXPECT_EQ(ParseTransferEncoding("BASE64"), TransferEncoding::kBase64);
  EXPECT_EQ(ParseTransferEncoding("Quoted-Printable"), TransferEncoding::kQuotedPrintable);
  EXPECT_EQ(ParseTransferEncoding("x-uuencode"), TransferEncoding::kUnknown);
}

// The dispatchers: identity copies, unknown refuses.
TEST(TransferEncodingTest, DispatchAndUnknownEncoding) {
  std::string out;
  EXPECT_TRUE(AppendDecoded(TransferEncoding::k8Bit, "r\xE9sum\xE9", &out));
  EXPECT_EQ(out, "r\xE9sum\xE9");
  EXPECT_EQ(DecodedSize(TransferEncoding::kBinary, std::string(3, '\0')), 3u);
  out.clear();
  EXPECT_FALSE(AppendDecoded(TransferEncoding::kUnknown, "begin 644 x", &out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(DecodedSize(TransferEncoding::kUnknown, "x").has_value());
  EXPECT_EQ(DecodedSize(TransferEncoding::kBase64, "Zm9vYmFy"), 6u);
}

// Decoding every prefix of an encoded text never reads past it (ASan
// checks the reads; sizes must agree with the decoded output).
TEST(TransferEncodingTest, EveryPrefixDecodes) {
  const std::string qp = "J'interdis =E9 la =\r\nligne=3D=2 \t\r\nfin=";
  const std::string b64 = "SGVsbG8s\r\nIHdvcmxkIQ==";
  for (size_t n = 0; n <= qp.size(); ++n) {
    const std::string prefix = qp.substr(0, n);
    Qp(prefix);
  }
  for (size_t n = 0; n <= b64.size(); ++n) {
    const std::string prefix = b64.substr(0, n);
    Base64(prefix);
  }
}

}  // namespace
}  // namespace lemonade::mime
