#include "protocol/smtp/smtp_reply.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/smtp/smtp_reply_parser.h"

namespace lemonade::smtp {
namespace {

// Parses `pieces` in order and returns each reply formatted (canonical) or
// "error: <name>".
std::vector<std::string> ParseAll(const std::vector<absl::string_view>& pieces,
                                  const SmtpReplyLimits& limits = SmtpReplyLimits()) {
  SmtpReplyParser parser(limits);
  std::vector<std::string> out;
  for (absl::string_view piece : pieces) {
    while (true) {
      SmtpReplyParseResult r = parser.Parse(piece);
      piece.remove_prefix(r.consumed);
      if (r.kind == SmtpReplyParseResult::Kind::kNeedMore) break;
      out.push_back(r.kind == SmtpReplyParseResult::Kind::kReply
                        ? FormatSmtpReply(r.reply)
                        : "error: " + std::string(SmtpReplyErrorName(r.error)));
    }
  }
  return out;
}

// The same at every single cut point and byte by byte.
void ExpectSplitInvariant(absl::string_view input) {
  const std::vector<std::string> whole = ParseAll({input});
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    ASSERT_EQ(ParseAll({input.substr(0, cut), input.substr(cut)}), whole) << "cut " << cut;
  }
  std::vector<absl::string_view> bytes;
  for (size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
  EXPECT_EQ(ParseAll(bytes), whole);
}

SmtpReply Parse1(absl::string_view text) {
  SmtpReplyParser parser;
  SmtpReplyParseResult r = parser.Parse(text);
  EXPECT_EQ(r.kind, SmtpReplyParseResult::Kind::kReply) << text;
  EXPECT_EQ(r.consumed, text.size());
  return r.reply;
}

// RFC 2034 §6: the server side of the usage example, formatted.
TEST(SmtpReplyTest, Rfc2034UsageExampleFormatting) {
  std::string out;
  AppendSmtpReply(220, std::nullopt, "dbc.mtview.ca.us SMTP service ready", &out);
  AppendSmtpReply(MakeEhloReply({"dbc.mtview.ca.us", "says hello", {{"ENHANCEDSTATUSCODES", {}}}}),
                  &out);
  AppendSmtpReply(250, EnhancedStatusCode{2, 1, 0}, "Originator <ned@ymir.claremont.edu> ok",
                  &out);
  AppendSmtpReply(550, EnhancedStatusCode{5, 1, 1}, "Mailbox \"nosuchuser\" does not exist",
                  &out);
  AppendSmtpReply({551,
                   EnhancedStatusCode{5, 7, 1},
                   {"Forwarding to remote hosts disabled",
                    "Select another host to act as your forwarder"}},
                  &out);
  AppendSmtpReply(354, std::nullopt, "Send message, ending in CRLF.CRLF.", &out);
  AppendSmtpReply(221, EnhancedStatusCode{2, 0, 0}, "Goodbye", &out);
  EXPECT_EQ(out,
            "220 dbc.mtview.ca.us SMTP service ready\r\n"
            "250-dbc.mtview.ca.us says hello\r\n"
            "250 ENHANCEDSTATUSCODES\r\n"
            "250 2.1.0 Originator <ned@ymir.claremont.edu> ok\r\n"
            "550 5.1.1 Mailbox \"nosuchuser\" does not exist\r\n"
            "551-5.7.1 Forwarding to remote hosts disabled\r\n"
            "551 5.7.1 Select another host to act as your forwarder\r\n"
            "354 Send message, ending in CRLF.CRLF.\r\n"
            "221 2.0.0 Goodbye\r\n");
  // ... and parsed back, reply by reply, at every cut.
  const std::vector<std::string> replies = ParseAll({out});
  ASSERT_EQ(replies.size(), 7u);
  EXPECT_EQ(replies[4],
            "551-5.7.1 Forwarding to remote hosts disabled\r\n"
            "551 5.7.1 Select another host to act as your forwarder\r\n");
  ExpectSplitInvariant(out);
  const SmtpReply multi = Parse1(replies[4]);
  EXPECT_EQ(multi.code, 551);
  EXPECT_EQ(multi.enhanced, (EnhancedStatusCode{5, 7, 1}));
  EXPECT_EQ(multi.lines[1], "Select another host to act as your forwarder");
  EXPECT_TRUE(multi.permanent_failure());
}

// RFC 5321 D.1: the EHLO reply, read by the client.
TEST(SmtpReplyTest, Rfc5321EhloReply) {
  const SmtpReply reply =
      Parse1("250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n");
  EXPECT_FALSE(reply.enhanced);
  std::optional<EhloReply> ehlo = ParseEhloReply(reply);
  ASSERT_TRUE(ehlo);
  EXPECT_EQ(ehlo->domain, "foo.com");
  EXPECT_EQ(ehlo->greeting, "greets bar.com");
  ASSERT_EQ(ehlo->extensions.size(), 4u);
  EXPECT_TRUE(ehlo->Has("8bitmime"));
  EXPECT_TRUE(ehlo->Has("HELP"));
  EXPECT_FALSE(ehlo->Has("PIPELINING"));
  // MakeEhloReply is its inverse.
  EXPECT_EQ(ParseEhloReply(MakeEhloReply(*ehlo))->extensions, ehlo->extensions);
  EXPECT_FALSE(ParseEhloReply(Parse1("550 5.7.1 go away\r\n")));
}

// RFC 4468 §3.4: the BURL server's EHLO reply and its enhanced codes.
TEST(SmtpReplyTest, Rfc4468Replies) {
  std::optional<EhloReply> ehlo =
      ParseEhloReply(Parse1("250-owlry.example.com\r\n250-8BITMIME\r\n250-BURL imap\r\n"
                            "250-AUTH PLAIN\r\n250-DSN\r\n250 ENHANCEDSTATUSCODES\r\n"));
  ASSERT_TRUE(ehlo);
  EXPECT_EQ(ehlo->domain, "owlry.example.com");
  EXPECT_EQ(ehlo->greeting, "");
  ASSERT_TRUE(ehlo->Find("BURL"));
  EXPECT_EQ(ehlo->Find("burl")->params, std::vector<std::string>{"imap"});
  const SmtpReply ok = Parse1("250 2.5.0 Address Ok.\r\n");
  EXPECT_EQ(ok.enhanced, (EnhancedStatusCode{2, 5, 0}));
  EXPECT_EQ(ok.lines, std::vector<std::string>{"Address Ok."});
  const SmtpReply failed = Parse1("554 5.7.0 IMAP URL authorization failed\r\n");
  EXPECT_EQ(failed.enhanced, (EnhancedStatusCode{5, 7, 0}));
}

// RFC 2920 §4: pipelined replies from one read come out one at a time.
TEST(SmtpReplyTest, Rfc2920PipelinedReplies) {
  const std::string input =
      "250 sender <mrose@dbc.mtview.ca.us> OK\r\n"
      "250 recipient <ned@innosoft.com> OK\r\n"
      "250 recipient <dan@innosoft.com> OK\r\n"
      "250 recipient <kvc@innosoft.com> OK\r\n"
      "354 enter mail, end with line containing only \".\"\r\n";
  const std::vector<std::string> replies = ParseAll({input});
  ASSERT_EQ(replies.size(), 5u);
  EXPECT_EQ(replies[4], "354 enter mail, end with line containing only \".\"\r\n");
  ExpectSplitInvariant(input);
}

// RFC 4954 §4: "334 " (empty challenge) and a base64 challenge; 3xx
// replies never carry enhanced codes.
TEST(SmtpReplyTest, Rfc4954Challenges) {
  const SmtpReply empty = Parse1("334 \r\n");
  EXPECT_EQ(empty.code, 334);
  EXPECT_EQ(empty.lines, std::vector<std::string>{""});
  EXPECT_EQ(FormatSmtpReply(empty), "334 \r\n");
  const SmtpReply challenge =
      Parse1("334 PDQxOTI5NDIzNDEuMTI4Mjg0NzJAc291cmNlZm91ci5hbmRyZXcuY211LmVkdT4=\r\n");
  EXPECT_FALSE(challenge.enhanced);
  EXPECT_EQ(Parse1("334 2.0.0 x\r\n").lines, std::vector<std::string>{"2.0.0 x"});
  EXPECT_EQ(Parse1("235 2.7.0 Authentication successful\r\n").enhanced,
            (EnhancedStatusCode{2, 7, 0}));
}

// Lenient reading: bare LF, a code alone, an enhanced code alone, a class
// mismatch (not an enhanced code then), repeated codes stripped per line.
TEST(SmtpReplyTest, LenientReading) {
  EXPECT_EQ(Parse1("250 OK\n").lines, std::vector<std::string>{"OK"});
  EXPECT_EQ(Parse1("250\r\n").lines, std::vector<std::string>{""});
  const SmtpReply alone = Parse1("250 2.0.0\r\n");
  EXPECT_EQ(alone.enhanced, (EnhancedStatusCode{2, 0, 0}));
  EXPECT_EQ(FormatSmtpReply(alone), "250 2.0.0\r\n");
  EXPECT_FALSE(Parse1("250 5.0.0 odd\r\n").enhanced);
  const SmtpReply mixed = Parse1("452-4.5.3 Too many\r\n452  recipients\r\n");
  EXPECT_EQ(mixed.lines, (std::vector<std::string>{"Too many", "recipients"}));
}

// Errors name themselves and the parser resynchronises on the next line.
TEST(SmtpReplyTest, ErrorsAndResynchronisation) {
  EXPECT_EQ(ParseAll({"199 x\r\n250 ok\r\n"}),
            (std::vector<std::string>{"error: invalid reply code", "250 ok\r\n"}));
  EXPECT_EQ(ParseAll({"260 x\r\n2500\r\nabc\r\n25\r\n"}),
            (std::vector<std::string>{"error: invalid reply code", "error: invalid reply code",
                                      "error: invalid reply code", "error: invalid reply code"}));
  EXPECT_EQ(ParseAll({"250-a\r\n251 b\r\n250 c\r\n"}),
            (std::vector<std::string>{"error: inconsistent reply code", "250 c\r\n"}));
  SmtpReplyLimits limits;
  limits.line_octets_max = 16;
  limits.lines_max = 2;
  EXPECT_EQ(ParseAll({"250 0123456789ab\r\n250 ok\r\n"}, limits),
            (std::vector<std::string>{"error: line too long", "250 ok\r\n"}));
  EXPECT_EQ(ParseAll({"250 0123456789\r\n"}, limits),
            (std::vector<std::string>{"250 0123456789\r\n"}));
  EXPECT_EQ(ParseAll({"250-a\r\n250-b\r\n250 c\r\n250 d\r\n"}, limits),
            (std::vector<std::string>{"error: too many lines", "250 d\r\n"}));
  ExpectSplitInvariant("250 0123456789abcdefghijklmnopqrstuvwxyz\r\n250 ok\r\n199\r\n250-a\r\n");
}

// Text from a client can never break a reply line.
TEST(SmtpReplyTest, FormatterSanitisesText) {
  std::string out;
  AppendSmtpReply(550, EnhancedStatusCode{5, 1, 1},
                  std::string("No such user <a\r\n250 OK\x00\x80\t>", 27), &out);
  EXPECT_EQ(out, "550 5.1.1 No such user <a??250 OK??\t>\r\n");
}

// Enhanced status codes (RFC 3463 §2).
TEST(SmtpReplyTest, EnhancedStatusCodes) {
  EXPECT_EQ(EnhancedStatusCode::Parse("5.5.2"), (EnhancedStatusCode{5, 5, 2}));
  EXPECT_EQ(EnhancedStatusCode::Parse("4.999.123"), (EnhancedStatusCode{4, 999, 123}));
  EXPECT_EQ((EnhancedStatusCode{2, 6, 0}).ToString(), "2.6.0");
  for (const char* bad : {"3.0.0", "5.5", "5.5.2.1", "5.1000.1", "5..1", "55.1.1", "5.a.1", ""}) {
    EXPECT_FALSE(EnhancedStatusCode::Parse(bad)) << bad;
  }
}

// Parser errors map to the replies the RFCs name.
TEST(SmtpReplyTest, SuggestedReplies) {
  EXPECT_EQ(FormatSmtpReply(SuggestedReply(SmtpParseError::kLineTooLong, SmtpVerb::kUnknown)),
            "500 5.5.2 Line too long\r\n");
  EXPECT_EQ(FormatSmtpReply(SuggestedReply(SmtpParseError::kAuthLineTooLong, SmtpVerb::kAuth)),
            "500 5.5.6 Authentication exchange line is too long\r\n");
  EXPECT_EQ(SuggestedReply(SmtpParseError::kUnknownCommand, SmtpVerb::kUnknown).enhanced,
            (EnhancedStatusCode{5, 5, 1}));
  EXPECT_EQ(SuggestedReply(SmtpParseError::kInvalidPath, SmtpVerb::kMail).enhanced,
            (EnhancedStatusCode{5, 1, 7}));
  EXPECT_EQ(SuggestedReply(SmtpParseError::kInvalidPath, SmtpVerb::kRcpt).enhanced,
            (EnhancedStatusCode{5, 1, 3}));
  EXPECT_EQ(SuggestedReply(SmtpParseError::kDuplicateParameter, SmtpVerb::kMail).code, 501);
  EXPECT_EQ(FormatSmtpReply(SuggestedReply(SmtpParseError::kSyntaxError, SmtpVerb::kBdat)),
            "501 5.5.4 Syntax: BDAT chunk-size [LAST]\r\n");
  EXPECT_EQ(FormatSmtpReply(UnknownParameterReply({"mt-priority", absl::string_view("3")})),
            "555 5.5.4 Unsupported parameter MT-PRIORITY\r\n");
  // Every error has a 5xx reply with a matching enhanced class.
  for (int e = 1; e <= static_cast<int>(SmtpParseError::kBdatSizeInvalid); ++e) {
    const SmtpReply reply = SuggestedReply(static_cast<SmtpParseError>(e), SmtpVerb::kMail);
    EXPECT_EQ(reply.code / 100, 5) << e;
    EXPECT_EQ(reply.enhanced->klass, 5) << e;
  }
}

}  // namespace
}  // namespace lemonade::smtp
