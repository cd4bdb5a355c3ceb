#include "protocol/mime/search.h"

#include <string>

#include "gtest/gtest.h"
#include "protocol/mime/testdata_files.h"

namespace lemonade::mime {
namespace {

TEST(SearchTest, FoldCase) {
  EXPECT_EQ(FoldCase("Hello WORLD 123"), "hello world 123");
  EXPECT_EQ(FoldCase("\xC3\x84\xC3\x96\xC3\x9C \xC3\x9F"), "\xC3\xA4\xC3\xB6\xC3\xBC \xC3\x9F");
  EXPECT_EQ(FoldCase("\xC5\x81\xC3\x93\xC5\xB9"), "\xC5\x82\xC3\xB3\xC5\xBA");  // ŁÓŹ -> łóź
  EXPECT_EQ(FoldCase("\xCE\xA3\xCE\xBF\xCF\x86\xCE\xAF\xCE\xB1 \xCF\x82"),
            "\xCF\x83\xCE\xBF\xCF\x86\xCE\xAF\xCE\xB1 \xCF\x83");  // Σοφία ς
  EXPECT_EQ(FoldCase("\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2 \xD0\x81"),
            "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD1\x91");  // ПРИВЕТ Ё
  EXPECT_EQ(FoldCase("\xEF\xBC\xA1"), "\xEF\xBD\x81");                     // fullwidth A
  EXPECT_EQ(FoldCase("a\xFF"
                     "B\xC3"),
            "a\xFF"
            "b\xC3");  // invalid octets pass
  const std::string mixed = "\xC3\x84\xCE\xA3\xD0\x81\xC5\xB8\xC2\xB5Z\xE1\xBA\x9E";
  EXPECT_EQ(FoldCase(FoldCase(mixed)), FoldCase(mixed));
}

TEST(SearchTest, SearchString) {
  SearchString key("Müller");
  EXPECT_TRUE(key.FoundIn("Herr MÜLLER aus Köln"));
  EXPECT_FALSE(key.FoundIn("Herr Muller"));
  EXPECT_TRUE(SearchString("").FoundIn(""));
  EXPECT_TRUE(SearchString("").empty());
}

// HEADER, FROM, SUBJECT...: decoded, unfolded values of the message header.
TEST(SearchTest, HeaderFields) {
  const absl::string_view raw = testing::Testdata("encoded_words.eml");
  MessageStructure s = MessageStructure::Parse(raw, Limits());
  CharsetConverter conv;
  auto has = [&](absl::string_view field, absl::string_view key) {
    return HeaderFieldContains(raw, s, 0, field, SearchString(key), &conv);
  };
  EXPECT_TRUE(has("From", "keld j\xC3\xB8rn"));
  EXPECT_TRUE(has("from", "DKUUG"));
  EXPECT_TRUE(has("Subject", "read this you understand"));  // across two words
  EXPECT_FALSE(has("Subject", "=?ISO"));
  EXPECT_TRUE(has("To", "undisclosed"));
  EXPECT_FALSE(has("Bcc", ""));  // absent field
  EXPECT_TRUE(has("Cc", ""));    // RFC 3501: empty key, field present
  EXPECT_FALSE(has("Cc", "nobody"));
}

// BODY: text parts decoded from their transfer encoding and charset.
TEST(SearchTest, BodyTextIsDecoded) {
  CharsetConverter conv;
  const absl::string_view qp = testing::Testdata("quoted_printable.eml");
  MessageStructure q = MessageStructure::Parse(qp, Limits());
  EXPECT_TRUE(BodyContains(qp, q,
                           SearchString("vite P\xC3\x89"
                                        "DAGOGUES"),
                           &conv));
  EXPECT_TRUE(BodyContains(qp, q, SearchString("font vite"), &conv));  // across a soft break
  EXPECT_FALSE(BodyContains(qp, q, SearchString("=E9"), &conv));
  EXPECT_EQ(DecodePartText(qp, q, 0, &conv).substr(0, 11), "J'interdis ");

  const absl::string_view b64 = testing::Testdata("unknown_cte.eml");
  MessageStructure b = MessageStructure::Parse(b64, Limits());
  EXPECT_TRUE(BodyContains(b64, b, SearchString("hello, WORLD"), &conv));
  // Non-text parts (attachments) are not searched.
  EXPECT_FALSE(BodyContains(b64, b, SearchString("begin 644"), &conv));

  const std::string koi8 =
      "Content-Type: text/plain; charset=koi8-r\r\n\r\n\xF0\xD2\xC9\xD7\xC5\xD4\r\n";
  MessageStructure k = MessageStructure::Parse(koi8, Limits());
  EXPECT_TRUE(BodyContains(koi8, k, SearchString("\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2"), &conv));
}

// BODY includes encapsulated messages' headers; TEXT adds the message's
// own header.
TEST(SearchTest, BodyAndText) {
  const absl::string_view raw = testing::Testdata("nested_forward.eml");
  MessageStructure s = MessageStructure::Parse(raw, Limits());
  CharsetConverter conv;
  EXPECT_TRUE(BodyContains(raw, s, SearchString("lunch at NOON"), &conv));
  EXPECT_TRUE(BodyContains(raw, s, SearchString("alice@example.net"), &conv));
  EXPECT_FALSE(BodyContains(raw, s, SearchString("dave@example.net"), &conv));
  EXPECT_TRUE(TextContains(raw, s, SearchString("dave@example.net"), &conv));
  EXPECT_FALSE(TextContains(raw, s, SearchString("not anywhere"), &conv));
  EXPECT_TRUE(BodyContains(raw, s, SearchString(""), &conv));
  EXPECT_TRUE(HeaderFieldContains(raw, s, s.part(2).children[0], "Subject",
                                  SearchString("fwd: LUNCH"), &conv));
}

}  // namespace
}  // namespace lemonade::mime
