#include "protocol/mime/content_type.h"

#include <string>

#include "gtest/gtest.h"

namespace lemonade::mime {
namespace {

constexpr size_t kMax = 64;

Parameter Plain(std::string name, std::string value) {
  Parameter p;
  p.name = std::move(name);
  p.value = std::move(value);
  return p;
}

TEST(ContentTypeTest, TypeSubtypeAndParametersAsWritten) {
  auto ct = ParseContentType(" Text/Plain; charset=\"US-ASCII\" ; Format=flowed", kMax);
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->type, "Text");
  EXPECT_EQ(ct->subtype, "Plain");
  EXPECT_EQ(ct->params,
            (std::vector<Parameter>{Plain("charset", "US-ASCII"), Plain("Format", "flowed")}));
}

// RFC 2045 §5.1: comments and folding may appear between the tokens.
TEST(ContentTypeTest, CommentsAndFolding) {
  auto ct =
      ParseContentType("multipart (c1) /\r\n mixed (c2);\r\n\tboundary=(c3)\"a b\" (c4)", kMax);
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->type, "multipart");
  EXPECT_EQ(ct->subtype, "mixed");
  EXPECT_EQ(ct->params, (std::vector<Parameter>{Plain("boundary", "a b")}));
}

// RFC 2045 §5.2: an invalid Content-Type is treated as absent.
TEST(ContentTypeTest, InvalidValuesParseToNothing) {
  EXPECT_FALSE(ParseContentType("", kMax).has_value());
  EXPECT_FALSE(ParseContentType("text", kMax).has_value());
  EXPECT_FALSE(ParseContentType("text/", kMax).has_value());
  EXPECT_FALSE(ParseContentType("/plain", kMax).has_value());
  EXPECT_FALSE(ParseContentType("t\xe9xt/plain", kMax).has_value());
}

// Quoted strings lose their quotes and escapes; folding inside them goes.
TEST(ContentTypeTest, QuotedValues) {
  auto ct = ParseContentType("text/x; foo=\"quoted\\\"string\"; b=\"foo\r\n bar\"", kMax);
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->params,
            (std::vector<Parameter>{Plain("foo", "quoted\"string"), Plain("b", "foo bar")}));
}

// Real mailers: '=' in unquoted boundaries, parentheses and spaces in
// unquoted file names, junk between parameters, a lost ';'.
TEST(ContentTypeTest, LenientUnquotedValues) {
  auto ct = ParseContentType(
      "multipart/mixed; boundary=----=_NextPart_000_0001; name=My File (1).pdf;"
      " junk ; charset=us-ascii format=flowed",
      kMax);
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->params,
            (std::vector<Parameter>{Plain("boundary", "----=_NextPart_000_0001"),
                                    Plain("name", "My File"), Plain("charset", "us-ascii")}));
}

// The first of duplicate parameters wins.
TEST(ContentTypeTest, FirstDuplicateWins) {
  auto ct = ParseContentType("text/plain; charset=a; CHARSET=b", kMax);
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->params, (std::vector<Parameter>{Plain("charset", "a")}));
}

// RFC 2231 §3: continuations joined in section order.
TEST(ContentTypeTest, Rfc2231Continuations) {
  auto ct = ParseContentType(
      "message/external-body; access-type=URL;\r\n"
      " URL*1=\"cp/ietf-drafts/\"; URL*0=\"ftp://\";\r\n URL*2=\"mime.txt\"",
      kMax);
  ASSERT_TRUE(ct.has_value());
  ASSERT_EQ(ct->params.size(), 2u);
  EXPECT_EQ(ct->params[1].name, "URL");
  EXPECT_EQ(ct->params[1].value, "ftp://cp/ietf-drafts/mime.txt");
  EXPECT_FALSE(ct->params[1].extended);
}

// RFC 2231 §4 example: charset and language, %-encoding.
TEST(ContentTypeTest, Rfc2231CharsetAndLanguage) {
  auto ct = ParseContentType(
      "application/x-stuff;\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A", kMax);
  ASSERT_TRUE(ct.has_value());
  ASSERT_EQ(ct->params.size(), 1u);
  const Parameter& p = ct->params[0];
  EXPECT_EQ(p.name, "title");
  EXPECT_EQ(p.value, "This is ***fun***");
  EXPECT_TRUE(p.extended);
  EXPECT_EQ(p.charset, "us-ascii");
  EXPECT_EQ(p.language, "en-us");
}

// RFC 2231 §4.1 example: mixed extended and plain sections.
TEST(ContentTypeTest, Rfc2231MixedSections) {
  auto ct = ParseContentType(
      "application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
      " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"",
      kMax);
  ASSERT_TRUE(ct.has_value());
  ASSERT_EQ(ct->params.size(), 1u);
  EXPECT_EQ(ct->params[0].value, "This is even more ***fun*** isn't it!");
  EXPECT_EQ(ct->params[0].language, "en");
  std::string encoded;
  AppendRfc2231Value(ct->params[0], &encoded);
  EXPECT_EQ(encoded, "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!");
}

// Both spellings present: both kept, FindParameter prefers RFC 2231.
TEST(ContentTypeTest, PlainAndExtendedOfTheSameName) {
  auto cd =
      ParseContentDisposition("attachment; filename=\"a.txt\"; filename*=utf-8''%C3%A4.txt", kMax);
  ASSERT_TRUE(cd.has_value());
  EXPECT_EQ(cd->type, "attachment");
  ASSERT_EQ(cd->params.size(), 2u);
  const Parameter* p = FindParameter(cd->params, "FILENAME");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->extended);
  EXPECT_EQ(p->value, "\xC3\xA4.txt");
  EXPECT_EQ(FindParameter(cd->params, "size"), nullptr);
}

// Malformed %-escapes and a charset part without its two quotes.
TEST(ContentTypeTest, Rfc2231Leniency) {
  auto ct = ParseContentType("a/b; x*=100%; y*=no-quotes%41; z*0*=''%4", kMax);
  ASSERT_TRUE(ct.has_value());
  ASSERT_EQ(ct->params.size(), 3u);
  EXPECT_EQ(ct->params[0].value, "100%");
  EXPECT_EQ(ct->params[1].value, "no-quotesA");
  EXPECT_EQ(ct->params[1].charset, "");
  EXPECT_EQ(ct->params[2].value, "%4");
}

// parameters_max bounds what is kept.
TEST(ContentTypeTest, ParameterLimit) {
  std::string value = "a/b";
  for (int i = 0; i < 100; ++i) value += "; p" + std::to_string(i) + "=v";
  auto ct = ParseContentType(value, 10);
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->params.size(), 10u);
  EXPECT_EQ(ct->params[9].name, "p9");
}

TEST(ContentTypeTest, MimeTokenForTransferEncoding) {
  EXPECT_EQ(ParseMimeToken(" Base64 (yes)"), "Base64");
  EXPECT_EQ(ParseMimeToken("(c) 7bit"), "7bit");
  EXPECT_FALSE(ParseMimeToken("?invalid").has_value());
  EXPECT_FALSE(ParseMimeToken("  ").has_value());
}

// RFC 3282: a comma-separated list of tags.
TEST(ContentTypeTest, LanguageList) {
  EXPECT_EQ(ParseLanguageList(" en, fi,se (Swedish)", 10),
            (std::vector<std::string>{"en", "fi", "se"}));
  EXPECT_EQ(ParseLanguageList("en-US,,de", 10), (std::vector<std::string>{"en-US", "de"}));
  EXPECT_EQ(ParseLanguageList("a,b,c", 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(ParseLanguageList("", 10).empty());
}

// RFC 2231 §7: attribute-char excludes '*', '\'', '%' and tspecials.
TEST(ContentTypeTest, Rfc2231OutputEncodesEverythingElse) {
  Parameter p;
  p.name = "filename";
  p.value = "a b*c'%\xC3\xA9.txt";
  p.extended = true;
  p.charset = "utf-8";
  std::string out;
  AppendRfc2231Value(p, &out);
  EXPECT_EQ(out, "utf-8''a%20b%2Ac%27%25%C3%A9.txt");
}

}  // namespace
}  // namespace lemonade::mime
