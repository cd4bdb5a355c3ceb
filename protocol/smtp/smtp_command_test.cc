#include "protocol/smtp/smtp_command.h"

#include <string>

#include "gtest/gtest.h"

namespace lemonade::smtp {
namespace {

// RFC 3461 §4: xtext, with the RFC 4954 §5 example "e+3Dmc2@example.com".
TEST(SmtpCommandTest, Xtext) {
  EXPECT_EQ(DecodeXtext("e+3Dmc2@example.com"), "e=mc2@example.com");
  EXPECT_EQ(EncodeXtext("e=mc2@example.com"), "e+3Dmc2@example.com");
  EXPECT_EQ(EncodeXtext("a b+c\xff"), "a+20b+2Bc+FF");
  EXPECT_EQ(DecodeXtext(""), "");
  EXPECT_FALSE(DecodeXtext("+3d"));  // hexchar is upper case
  EXPECT_FALSE(DecodeXtext("+3"));
  EXPECT_FALSE(DecodeXtext("a=b"));
  EXPECT_FALSE(DecodeXtext("a b"));
  EXPECT_FALSE(DecodeXtext("\x01"));
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(DecodeXtext(EncodeXtext(all)), all);
  EXPECT_TRUE(IsValidXtext(EncodeXtext(all)));
}

// RFC 5321 §4.1.2 local parts, and minimal quoting.
TEST(SmtpCommandTest, LocalParts) {
  EXPECT_TRUE(IsValidLocalPart("Smith"));
  EXPECT_TRUE(IsValidLocalPart("first.last"));
  EXPECT_TRUE(IsValidLocalPart("!#$%&'*+-/=?^_`{|}~"));
  EXPECT_TRUE(IsValidLocalPart("\"Joe\\,Smith\""));
  EXPECT_TRUE(IsValidLocalPart("\"a b\""));
  EXPECT_TRUE(IsValidLocalPart("\"\""));
  EXPECT_FALSE(IsValidLocalPart(""));
  EXPECT_FALSE(IsValidLocalPart(".a"));
  EXPECT_FALSE(IsValidLocalPart("a."));
  EXPECT_FALSE(IsValidLocalPart("a..b"));
  EXPECT_FALSE(IsValidLocalPart("a b"));
  EXPECT_FALSE(IsValidLocalPart("a\"b"));
  EXPECT_FALSE(IsValidLocalPart("\"a\"b\""));
  EXPECT_FALSE(IsValidLocalPart("\"a\\\""));
  EXPECT_FALSE(IsValidLocalPart("\"\x01\""));
  EXPECT_EQ(FormatLocalPart("Smith"), "Smith");
  EXPECT_EQ(FormatLocalPart("Joe,Smith"), "\"Joe,Smith\"");
  EXPECT_EQ(FormatLocalPart("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(UnquoteLocalPart(FormatLocalPart("a\"b\\c")), "a\"b\\c");
  EXPECT_EQ(UnquoteLocalPart("Smith"), "Smith");
}

// Domains and address literals (RFC 5321 §4.1.2, §4.1.3).
TEST(SmtpCommandTest, DomainsAndAddressLiterals) {
  EXPECT_TRUE(IsValidDomain("foo.com"));
  EXPECT_TRUE(IsValidDomain("a-1.b2"));
  EXPECT_TRUE(IsValidDomain("localhost"));
  EXPECT_FALSE(IsValidDomain(""));
  EXPECT_FALSE(IsValidDomain("-a.com"));
  EXPECT_FALSE(IsValidDomain("a-.com"));
  EXPECT_FALSE(IsValidDomain("a..com"));
  EXPECT_FALSE(IsValidDomain("a_b.com"));
  EXPECT_TRUE(IsValidAddressLiteral("[123.255.37.2]"));
  EXPECT_TRUE(IsValidAddressLiteral("[IPv6:2001:db8::1]"));
  EXPECT_TRUE(IsValidAddressLiteral("[IPv6:::]"));
  EXPECT_TRUE(IsValidAddressLiteral("[ipv6:1:2:3:4:5:6:7:8]"));
  EXPECT_TRUE(IsValidAddressLiteral("[IPv6:::ffff:192.0.2.1]"));
  EXPECT_TRUE(IsValidAddressLiteral("[IPv6:1:2:3:4:5:6:192.0.2.1]"));
  EXPECT_TRUE(IsValidAddressLiteral("[x-tag:anything]"));
  EXPECT_FALSE(IsValidAddressLiteral("[256.1.1.1]"));
  EXPECT_FALSE(IsValidAddressLiteral("[1.2.3]"));
  EXPECT_FALSE(IsValidAddressLiteral("[1.2.3.4.5]"));
  EXPECT_FALSE(IsValidAddressLiteral("[IPv6:1:2:3:4:5:6:7]"));
  EXPECT_FALSE(IsValidAddressLiteral("[IPv6:1:2:3:4:5:6:7:8:9]"));
  EXPECT_FALSE(IsValidAddressLiteral("[IPv6:1::2::3]"));
  EXPECT_FALSE(IsValidAddressLiteral("[IPv6:1:2:3:4:5:6:7::]"));
  EXPECT_FALSE(IsValidAddressLiteral("[IPv6:12345::]"));
  EXPECT_FALSE(IsValidAddressLiteral("[IPv6:1:]"));
  EXPECT_FALSE(IsValidAddressLiteral("[tag:]"));
  EXPECT_FALSE(IsValidAddressLiteral("[tag:a[b]"));
  EXPECT_FALSE(IsValidAddressLiteral("1.2.3.4"));
}

// The client-side shorthands produce the canonical lines.
TEST(SmtpCommandTest, ClientCommands) {
  EXPECT_EQ(FormatEhlo("potter.example.com"), "EHLO potter.example.com\r\n");
  MailParameters mail;
  mail.size = 100324;
  mail.body = BodyType::kBinaryMime;
  mail.ret = DsnReturn::kHeaders;
  const std::string envid = EncodeXtext("QQ 314159");
  mail.envid = envid;
  mail.hold_for_seconds = 3600;
  EXPECT_EQ(FormatMailFrom(SmtpPath::Mailbox("ned", "ymir.claremont.edu"), mail),
            "MAIL FROM:<ned@ymir.claremont.edu> SIZE=100324 BODY=BINARYMIME RET=HDRS "
            "ENVID=QQ+20314159 HOLDFOR=3600\r\n");
  EXPECT_EQ(FormatMailFrom(SmtpPath::Null(), MailParameters()), "MAIL FROM:<>\r\n");
  RcptParameters rcpt;
  rcpt.notify = kDsnNotifySuccess | kDsnNotifyDelay;
  rcpt.orcpt_type = "rfc822";
  rcpt.orcpt_xtext = "Bob@Example.COM";
  EXPECT_EQ(FormatRcptTo(SmtpPath::Mailbox("Bob", "Example.COM"), rcpt),
            "RCPT TO:<Bob@Example.COM> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;Bob@Example.COM\r\n");
  EXPECT_EQ(FormatRcptTo(SmtpPath::Postmaster(), RcptParameters()), "RCPT TO:<Postmaster>\r\n");
  EXPECT_EQ(FormatBdat(86, true), "BDAT 86 LAST\r\n");
  EXPECT_EQ(FormatBdat(0, false), "BDAT 0\r\n");
  EXPECT_EQ(FormatBurl("imap://a/b/;UID=1;URLAUTH=anonymous:INTERNAL:0", true),
            "BURL imap://a/b/;UID=1;URLAUTH=anonymous:INTERNAL:0 LAST\r\n");
  EXPECT_EQ(FormatAuth("PLAIN", std::nullopt), "AUTH PLAIN\r\n");
  EXPECT_EQ(FormatAuth("EXTERNAL", absl::string_view("=")), "AUTH EXTERNAL =\r\n");
  SmtpCommand quit;
  quit.verb = SmtpVerb::kQuit;
  EXPECT_EQ(FormatSmtpCommand(quit), "QUIT\r\n");
  SmtpCommand unknown;
  EXPECT_EQ(FormatSmtpCommand(unknown), "");
}

// Unknown parameters keep their order and their spelling.
TEST(SmtpCommandTest, UnknownParametersAreReported) {
  SmtpCommand c;
  c.verb = SmtpVerb::kMail;
  c.path = SmtpPath::Mailbox("a", "b.example");
  c.mail.unknown.push_back({"SMTPUTF8", std::nullopt});
  c.mail.unknown.push_back({"MT-PRIORITY", absl::string_view("3")});
  ASSERT_NE(c.FirstUnknownParameter(), nullptr);
  EXPECT_EQ(c.FirstUnknownParameter()->keyword, "SMTPUTF8");
  EXPECT_EQ(FormatSmtpCommand(c), "MAIL FROM:<a@b.example> SMTPUTF8 MT-PRIORITY=3\r\n");
  EXPECT_EQ(SmtpVerbName(SmtpVerb::kStartTls), "STARTTLS");
}

}  // namespace
}  // namespace lemonade::smtp
