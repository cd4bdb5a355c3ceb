#include "protocol/imap/imap_command_parser.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lemonade::imap {
namespace {

using ::testing::ElementsAre;

// Everything the parser reported for an input, in a comparable form.
struct Event {
  ParseEvent kind;
  std::string detail;
  bool operator==(const Event& o) const { return kind == o.kind && detail == o.detail; }
  friend void PrintTo(const Event& e, std::ostream* os) {
    *os << static_cast<int>(e.kind) << ":" << e.detail;
  }
};

std::string Describe(const ImapCommand& c) {
  std::string s = std::string(c.tag) + " " + std::string(CommandNameToString(c.name));
  if (c.uid) s += " uid";
  if (!c.mailbox.empty()) s += " mailbox=" + std::string(c.mailbox);
  if (!c.user.empty()) s += " user=" + std::string(c.user) + " pass=" + std::string(c.password);
  for (const AppendMessage& m : c.append) {
    s += " msg[" + std::to_string(m.data.size()) + "]=" + std::string(m.data.substr(0, 20));
    for (const CatenatePart& p : m.parts) {
      s += p.is_url ? " url=" : " text=";
      s += std::string(p.data);
    }
  }
  if (!c.sequence_set.empty()) s += " set=" + c.sequence_set.ToString();
  s += " fetch=" + std::to_string(c.fetch.size());
  return s;
}

// Feeds `input` in chunks of `chunk` bytes and records the events.
std::vector<Event> Feed(const std::string& input, size_t chunk, const ImapLimits& limits = {}) {
  ImapCommandParser parser(limits);
  std::vector<Event> events;
  for (size_t off = 0; off < input.size(); off += chunk) {
    absl::string_view piece = absl::string_view(input).substr(off, chunk);
    while (!piece.empty()) {
      ParseResult r = parser.Parse(piece);
      piece.remove_prefix(r.consumed);
      switch (r.event) {
        case ParseEvent::kNeedMore:
          break;
        case ParseEvent::kCommand:
          events.push_back({r.event, Describe(parser.command())});
          break;
        case ParseEvent::kContinuation:
          events.push_back({r.event, std::to_string(parser.announced_literal_bytes())});
          break;
        case ParseEvent::kLine:
          events.push_back({r.event, std::string(parser.line())});
          break;
        case ParseEvent::kError:
          events.push_back({r.event, parser.error().tag + "|" + parser.error().code + "|" +
                                         parser.error().text});
          break;
      }
      if (r.consumed == 0 && r.event == ParseEvent::kNeedMore) break;
    }
  }
  return events;
}

// Every split of the input gives the same events as feeding it whole.
void ExpectSplitInvariant(const std::string& input) {
  std::vector<Event> whole = Feed(input, input.size());
  for (size_t chunk = 1; chunk < input.size(); ++chunk) {
    ASSERT_EQ(Feed(input, chunk), whole) << "chunk size " << chunk;
  }
}

// RFC 3501 §8 example session commands parse, in one piece and split.
TEST(ImapCommandParserTest, Rfc3501SampleSession) {
  std::string input =
      "a001 login mrc secret\r\n"
      "a002 select inbox\r\n"
      "a003 fetch 12 full\r\n"
      "a004 fetch 12 body[header]\r\n"
      "a005 store 12 +flags \\deleted\r\n"
      "a006 logout\r\n";
  auto events = Feed(input, input.size());
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].detail, "a001 LOGIN user=mrc pass=secret fetch=0");
  EXPECT_EQ(events[1].detail, "a002 SELECT mailbox=inbox fetch=0");
  EXPECT_EQ(events[2].detail, "a003 FETCH set=12 fetch=5");
  EXPECT_EQ(events[3].detail, "a004 FETCH set=12 fetch=1");
  EXPECT_EQ(events[5].detail, "a006 LOGOUT fetch=0");
  ExpectSplitInvariant(input);
}

// A synchronizing literal asks for a continuation; LITERAL+ does not.
TEST(ImapCommandParserTest, LiteralsAndContinuations) {
  std::string input =
      "A003 APPEND saved-messages (\\Seen) {12}\r\nHello World!\r\n"
      "A004 APPEND Drafts {5+}\r\nabcde\r\n";
  EXPECT_THAT(Feed(input, input.size()),
              ElementsAre(Event{ParseEvent::kContinuation, "12"},
                          Event{ParseEvent::kCommand,
                                "A003 APPEND mailbox=saved-messages msg[12]=Hello World! fetch=0"},
                          Event{ParseEvent::kCommand,
                                "A004 APPEND mailbox=Drafts msg[5]=abcde fetch=0"}));
  ExpectSplitInvariant(input);
}

// The Lemonade seed's CATENATE example (RFC 4469 §6 shape).
TEST(ImapCommandParserTest, AppendCatenateWithUrlAndTextParts) {
  std::string input =
      "A0052 APPEND Sent FLAGS (\\Seen $MDNSent) CATENATE (TEXT {5}\r\nhello URL "
      "\"/INBOX;UIDVALIDITY=385759045/;UID=25627/;SECTION=2.MIME\" TEXT {3+}\r\nbye)\r\n";
  // "FLAGS" before the flag list is not RFC 3501 syntax: rejected.
  auto bad = Feed(input, input.size());
  ASSERT_EQ(bad.back().kind, ParseEvent::kError);

  std::string good =
      "A0052 APPEND Sent (\\Seen $MDNSent) CATENATE (TEXT {5}\r\nhello URL "
      "\"/INBOX;UIDVALIDITY=385759045/;UID=25627/;SECTION=2.MIME\" TEXT {3+}\r\nbye)\r\n";
  EXPECT_THAT(
      Feed(good, good.size()),
      ElementsAre(Event{ParseEvent::kContinuation, "5"},
                  Event{ParseEvent::kCommand,
                        "A0052 APPEND mailbox=Sent msg[0]= text=hello "
                        "url=/INBOX;UIDVALIDITY=385759045/;UID=25627/;SECTION=2.MIME text=bye "
                        "fetch=0"}));
  ExpectSplitInvariant(good);
}

// A literal over the limit is refused before the client sends it.
TEST(ImapCommandParserTest, SynchronizingLiteralOverLimitIsRefused) {
  ImapLimits limits;
  limits.literal_bytes_max = 10;
  std::string input = "A1 APPEND INBOX {11}\r\nA2 NOOP\r\n";
  EXPECT_THAT(Feed(input, input.size(), limits),
              ElementsAre(Event{ParseEvent::kError, "A1|TOOBIG|literal too big"},
                          Event{ParseEvent::kCommand, "A2 NOOP fetch=0"}));
}

// A non-synchronizing literal over the limit is skipped (RFC 7888 §4).
TEST(ImapCommandParserTest, NonSynchronizingLiteralOverLimitIsSkipped) {
  ImapLimits limits;
  limits.literal_bytes_max = 10;
  std::string input = "A1 APPEND INBOX {11+}\r\n0123456789A\r\nA2 NOOP\r\n";
  EXPECT_THAT(Feed(input, input.size(), limits),
              ElementsAre(Event{ParseEvent::kError, "A1|TOOBIG|literal too big"},
                          Event{ParseEvent::kCommand, "A2 NOOP fetch=0"}));
  ExpectSplitInvariant(input);
}

// An over-long line is rejected and the parser resynchronises.
TEST(ImapCommandParserTest, LineTooLongResynchronises) {
  ImapLimits limits;
  limits.line_bytes_max = 16;
  std::string input = "A1 NOOP " + std::string(40, 'x') + "\r\nA2 NOOP\r\n";
  EXPECT_THAT(Feed(input, input.size(), limits),
              ElementsAre(Event{ParseEvent::kError, "A1|TOOBIG|command line too long"},
                          Event{ParseEvent::kCommand, "A2 NOOP fetch=0"}));
}

// Malformed commands are reported with their tag and do not stop the stream.
TEST(ImapCommandParserTest, MalformedCommandsAreReportedWithTag) {
  std::string input = "A1 FETCH\r\nA2 BOGUS\r\n+ x\r\nA3 UID NOOP\r\nA4 CAPABILITY\r\n";
  auto events = Feed(input, input.size());
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].kind, ParseEvent::kError);
  EXPECT_THAT(events[0].detail, ::testing::StartsWith("A1||FETCH: expected SP"));
  EXPECT_EQ(events[1].detail, "A2||unknown command");
  EXPECT_EQ(events[2].detail, "||missing tag");
  EXPECT_THAT(events[3].detail, ::testing::StartsWith("A3||UID must be followed"));
  EXPECT_EQ(events[4].detail, "A4 CAPABILITY fetch=0");
}

// Fetch attributes: sections, partials, macros and modifiers.
TEST(ImapCommandParserTest, FetchAttributes) {
  std::string input =
      "A1 UID FETCH 1:* (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From \"To\")]<0.1024> "
      "BINARY[2]<5.10> BINARY.SIZE[2] MODSEQ) (CHANGEDSINCE 12345 VANISHED)\r\n";
  ImapCommandParser parser;
  ParseResult r = parser.Parse(input);
  ASSERT_EQ(r.event, ParseEvent::kCommand) << parser.error().text;
  const ImapCommand& c = parser.command();
  EXPECT_TRUE(c.uid);
  ASSERT_EQ(c.fetch.size(), 5u);
  EXPECT_EQ(c.fetch[1].item, FetchItem::kBodySection);
  EXPECT_TRUE(c.fetch[1].peek);
  EXPECT_THAT(c.fetch[1].section.part, ElementsAre(1, 2));
  EXPECT_EQ(c.fetch[1].section.text, SectionSpec::Text::kHeaderFields);
  EXPECT_THAT(c.fetch[1].section.fields, ElementsAre("From", "To"));
  EXPECT_EQ(c.fetch[1].section_text, "1.2.HEADER.FIELDS (From \"To\")");
  EXPECT_EQ(c.fetch[1].partial, std::make_pair(0u, 1024u));
  EXPECT_EQ(c.fetch[2].item, FetchItem::kBinary);
  EXPECT_EQ(c.fetch[3].item, FetchItem::kBinarySize);
  EXPECT_EQ(c.changed_since, 12345u);
  EXPECT_TRUE(c.vanished);
}

// SELECT with QRESYNC parameters (RFC 7162 §3.2.5.2 example).
TEST(ImapCommandParserTest, SelectQresync) {
  std::string input =
      "A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541 "
      "(1:15,20 4,6:47)))\r\n";
  ImapCommandParser parser;
  ASSERT_EQ(parser.Parse(input).event, ParseEvent::kCommand) << parser.error().text;
  const ImapCommand& c = parser.command();
  ASSERT_TRUE(c.qresync.has_value());
  EXPECT_EQ(c.qresync->uidvalidity, 67890007u);
  EXPECT_EQ(c.qresync->modseq, 20050715194045000ull);
  EXPECT_EQ(c.qresync->known_uids.ToString(), "41,43:211,214:541");
  EXPECT_EQ(c.qresync->known_sequence_set.ToString(), "1:15,20");
  EXPECT_EQ(c.qresync->known_uid_set.ToString(), "4,6:47");
}

// Search programs nest, with OR/NOT and ESEARCH return options.
TEST(ImapCommandParserTest, SearchProgram) {
  std::string input =
      "A1 UID SEARCH RETURN (MIN COUNT SAVE) CHARSET UTF-8 OR (FROM \"Smith\" SINCE "
      "1-Feb-1994) NOT SEEN 1:5 MODSEQ \"/flags/\\\\draft\" all 620162338\r\n";
  ImapCommandParser parser;
  ASSERT_EQ(parser.Parse(input).event, ParseEvent::kCommand) << parser.error().text;
  const ImapCommand& c = parser.command();
  EXPECT_TRUE(c.search_return.min && c.search_return.count && c.search_return.save);
  EXPECT_EQ(c.charset, "UTF-8");
  // OR takes the parenthesised list and NOT SEEN; then 1:5 and MODSEQ.
  ASSERT_EQ(c.search.children.size(), 3u);
  EXPECT_EQ(c.search.children[0].kind, SearchKeyKind::kOr);
  EXPECT_EQ(c.search.children[0].children[0].kind, SearchKeyKind::kAnd);
  EXPECT_EQ(c.search.children[0].children[0].children[0].value, "Smith");
  EXPECT_EQ(c.search.children[0].children[1].kind, SearchKeyKind::kNot);
  EXPECT_EQ(c.search.children[1].kind, SearchKeyKind::kSequenceSet);
  EXPECT_EQ(c.search.children[2].kind, SearchKeyKind::kModSeq);
  EXPECT_EQ(c.search.children[2].field, "/flags/\\draft");
  EXPECT_EQ(c.search.children[2].number, 620162338u);
}

// Nesting beyond the limit is refused, not recursed into.
TEST(ImapCommandParserTest, DeepNestingIsRefused) {
  std::string input = "A1 SEARCH " + std::string(100, '(') + "ALL" + std::string(100, ')') + "\r\n";
  ImapCommandParser parser;
  ASSERT_EQ(parser.Parse(input).event, ParseEvent::kError);
  EXPECT_EQ(parser.error().code, "LIMIT");
}

// AUTHENTICATE with SASL-IR, then a raw continuation line.
TEST(ImapCommandParserTest, AuthenticateAndContinuationLine) {
  ImapCommandParser parser;
  std::string input = "A1 AUTHENTICATE PLAIN\r\ndGVzdAB0ZXN0AHRlc3Q=\r\n";
  absl::string_view in = input;
  ParseResult r = parser.Parse(in);
  ASSERT_EQ(r.event, ParseEvent::kCommand);
  EXPECT_EQ(parser.command().mechanism, "PLAIN");
  EXPECT_FALSE(parser.command().initial_response.has_value());
  in.remove_prefix(r.consumed);
  parser.ExpectLine();
  r = parser.Parse(in);
  ASSERT_EQ(r.event, ParseEvent::kLine);
  EXPECT_EQ(parser.line(), "dGVzdAB0ZXN0AHRlc3Q=");

  ASSERT_EQ(parser.Parse("A2 AUTHENTICATE PLAIN =\r\n").event, ParseEvent::kCommand);
  EXPECT_EQ(parser.command().initial_response, absl::string_view());
}

// Session resume parameters ride on LOGIN.
TEST(ImapCommandParserTest, LoginWithSessionResume) {
  ImapCommandParser parser;
  ASSERT_EQ(parser.Parse("b1 LOGIN test8 pw (SID P1234567890 56789)\r\n").event,
            ParseEvent::kCommand);
  ASSERT_TRUE(parser.command().resume.has_value());
  EXPECT_EQ(parser.command().resume->session_id, "P1234567890");
  EXPECT_EQ(parser.command().resume->modseq, 56789u);
}

// Quoted strings are unescaped; "{n}" inside quotes is not a literal.
TEST(ImapCommandParserTest, QuotedStringsAreUnescapedInPlace) {
  ImapCommandParser parser;
  ASSERT_EQ(parser.Parse("A1 LOGIN \"a\\\"b\" \"pass {5}\"\r\n").event, ParseEvent::kCommand);
  EXPECT_EQ(parser.command().user, "a\"b");
  EXPECT_EQ(parser.command().password, "pass {5}");
}

}  // namespace
}  // namespace lemonade::imap
