#include "protocol/imap/imap_command_parser.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/imap/imap_event_log.h"
#include "protocol/imap/imap_testdata.h"

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

// ---- Conformance vectors (testdata/commands_*.txt) -----------------------

std::string Show(const std::vector<std::string>& log) { return absl::StrJoin(log, "\n"); }

std::vector<ImapVector> CommandVectors() {
  std::vector<std::string> problems;
  std::vector<ImapVector> vectors = LoadImapVectors("commands_", &problems);
  EXPECT_THAT(problems, ::testing::IsEmpty());
  return vectors;
}

// Every vector of testdata/commands_*.txt gives its event log fed whole.
TEST(ImapCommandParserTest, ConformanceVectorsWhole) {
  const std::vector<ImapVector> vectors = CommandVectors();
  ASSERT_GE(vectors.size(), 80u);
  for (const ImapVector& v : vectors) {
    EXPECT_FALSE(v.expected.empty()) << v.file << ": " << v.name;
    EXPECT_EQ(Show(RecordImapCommandEvents({v.input}, v.limits, v.script)), Show(v.expected))
        << v.file << ": " << v.name;
  }
}

// ... cut at every offset, and fed one octet at a time.
TEST(ImapCommandParserTest, ConformanceVectorsAtEverySplitPoint) {
  for (const ImapVector& v : CommandVectors()) {
    const std::string expected = Show(v.expected);
    for (size_t cut = 0; cut <= v.input.size(); ++cut) {
      ASSERT_EQ(Show(RecordImapCommandEventsSplit(v.input, {cut}, v.limits, v.script)), expected)
          << v.file << ": " << v.name << " cut at " << cut;
    }
    EXPECT_EQ(Show(RecordImapCommandEventsBytewise(v.input, v.limits, v.script)), expected)
        << v.file << ": " << v.name;
  }
}

// ... fed in chunks of every size.
TEST(ImapCommandParserTest, ConformanceVectorsInChunksOfEverySize) {
  for (const ImapVector& v : CommandVectors()) {
    const std::string expected = Show(v.expected);
    for (size_t chunk = 1; chunk < v.input.size(); ++chunk) {
      std::vector<size_t> cuts;
      for (size_t c = chunk; c < v.input.size(); c += chunk) cuts.push_back(c);
      ASSERT_EQ(Show(RecordImapCommandEventsSplit(v.input, cuts, v.limits, v.script)), expected)
          << v.file << ": " << v.name << " chunk " << chunk;
    }
  }
}

// ... and cut at several pseudo-random offsets at once (fixed seed).
TEST(ImapCommandParserTest, ConformanceVectorsAtRandomSplits) {
  uint64_t state = 0x1a9;
  auto next = [&state](uint64_t bound) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return bound == 0 ? 0 : (state >> 33) % bound;
  };
  for (const ImapVector& v : CommandVectors()) {
    for (int round = 0; round < 50; ++round) {
      std::vector<size_t> cuts;
      for (size_t c = next(v.input.size() / 4 + 1); c < v.input.size(); c += 1 + next(12)) {
        cuts.push_back(c);
      }
      ASSERT_EQ(Show(RecordImapCommandEventsSplit(v.input, cuts, v.limits, v.script)),
                Show(v.expected))
          << v.file << ": " << v.name << " seed=0x1a9 round " << round;
    }
  }
}

// ---- The parser's API -----------------------------------------------------

// kNeedMore always means all input was consumed; an event stops consumption
// right after the command it completes.
TEST(ImapCommandParserTest, EventsStopAtTheEndOfTheirCommand) {
  ImapCommandParser parser;
  ParseResult r = parser.Parse("A1 NO");
  EXPECT_EQ(r.event, ParseEvent::kNeedMore);
  EXPECT_EQ(r.consumed, 5u);
  EXPECT_TRUE(parser.in_command());
  r = parser.Parse("OP\r\nA2 NOOP\r\n");
  ASSERT_EQ(r.event, ParseEvent::kCommand);
  EXPECT_EQ(r.consumed, 4u);
  EXPECT_EQ(parser.command().tag, "A1");
  r = parser.Parse("A2 NOOP\r\n");
  ASSERT_EQ(r.event, ParseEvent::kCommand);
  EXPECT_EQ(parser.command().tag, "A2");
  EXPECT_FALSE(parser.in_command());
  r = parser.Parse("");
  EXPECT_EQ(r.event, ParseEvent::kNeedMore);
  EXPECT_EQ(r.consumed, 0u);
}

// A synchronizing literal is announced as soon as its line is complete,
// before any of its octets arrive.
TEST(ImapCommandParserTest, ContinuationComesBeforeTheLiteral) {
  ImapCommandParser parser;
  ParseResult r = parser.Parse("A1 APPEND INBOX {5}\r\n");
  ASSERT_EQ(r.event, ParseEvent::kContinuation);
  EXPECT_EQ(r.consumed, 21u);
  EXPECT_EQ(parser.announced_literal_bytes(), 5u);
  EXPECT_TRUE(parser.in_command());
  r = parser.Parse("hel");
  EXPECT_EQ(r.event, ParseEvent::kNeedMore);
  r = parser.Parse("lo\r\n");
  ASSERT_EQ(r.event, ParseEvent::kCommand);
  ASSERT_EQ(parser.command().append.size(), 1u);
  EXPECT_EQ(parser.command().append[0].data, "hello");
}

// Refusing a literal drops the partial command; the client's next command
// parses.
TEST(ImapCommandParserTest, AbandonCommandDropsThePartialCommand) {
  ImapCommandParser parser;
  ASSERT_EQ(parser.Parse("A1 APPEND INBOX {500}\r\n").event, ParseEvent::kContinuation);
  parser.AbandonCommand();
  EXPECT_FALSE(parser.in_command());
  ParseResult r = parser.Parse("A2 NOOP\r\n");
  ASSERT_EQ(r.event, ParseEvent::kCommand);
  EXPECT_EQ(parser.command().tag, "A2");
  EXPECT_EQ(parser.command().name, CommandName::kNoop);
}

// Every view of a parsed command points into frame(): no copies.
TEST(ImapCommandParserTest, ArgumentsAreViewsIntoTheFrame) {
  ImapCommandParser parser;
  std::string input =
      "A1 APPEND \"Sent Items\" (\\Seen) CATENATE (URL \"/INBOX;UID=3\" TEXT {5+}\r\nhello)\r\n";
  ASSERT_EQ(parser.Parse(input).event, ParseEvent::kCommand) << parser.error().text;
  const ImapCommand& c = parser.command();
  const absl::string_view frame = parser.frame();
  EXPECT_EQ(frame.size(), input.size());
  auto inside = [&frame](absl::string_view v) {
    return v.data() >= frame.data() && v.data() + v.size() <= frame.data() + frame.size();
  };
  EXPECT_TRUE(inside(c.tag));
  EXPECT_TRUE(inside(c.mailbox));
  EXPECT_EQ(c.mailbox, "Sent Items");
  ASSERT_EQ(c.append.size(), 1u);
  EXPECT_TRUE(inside(c.append[0].flags[0]));
  ASSERT_EQ(c.append[0].parts.size(), 2u);
  EXPECT_TRUE(inside(c.append[0].parts[0].data));
  EXPECT_TRUE(inside(c.append[0].parts[1].data));
  EXPECT_EQ(c.append[0].parts[1].data, "hello");
}

// The command object is reused: nothing of a previous command leaks into the
// next.
TEST(ImapCommandParserTest, ReusedCommandKeepsNoStaleFields) {
  ImapCommandParser parser;
  ASSERT_EQ(parser.Parse("A1 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 5 VANISHED)\r\n").event,
            ParseEvent::kCommand);
  ASSERT_EQ(parser.Parse("A2 SEARCH RETURN (SAVE) CHARSET UTF-8 ALL\r\n").event,
            ParseEvent::kCommand);
  EXPECT_FALSE(parser.command().uid);
  EXPECT_TRUE(parser.command().fetch.empty());
  EXPECT_FALSE(parser.command().changed_since.has_value());
  EXPECT_FALSE(parser.command().vanished);
  ASSERT_EQ(parser.Parse("A3 SEARCH ALL\r\n").event, ParseEvent::kCommand);
  EXPECT_FALSE(parser.command().search_return.requested);
  EXPECT_FALSE(parser.command().search_return.save);
  EXPECT_TRUE(parser.command().charset.empty());
  ASSERT_EQ(parser.command().search.children.size(), 1u);
  EXPECT_EQ(parser.command().sequence_set.ToString(), "");
}

// A 1 MB literal arriving in 4 KB pieces is streamed into one command.
TEST(ImapCommandParserTest, LargeLiteralArrivesInPieces) {
  const std::string message(1 << 20, 'm');
  const std::string input = absl::StrCat("A1 APPEND INBOX {", message.size(), "+}\r\n", message,
                                         "\r\nA2 NOOP\r\n");
  std::vector<size_t> cuts;
  for (size_t c = 4096; c < input.size(); c += 4096) cuts.push_back(c);
  std::vector<std::string> log = RecordImapCommandEventsSplit(input, cuts);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_THAT(log[0], ::testing::StartsWith("command A1 APPEND mailbox=\"INBOX\" message=({1048576}"));
  EXPECT_EQ(log[1], "command A2 NOOP");
  EXPECT_EQ(log, RecordImapCommandEvents({input}));
}

// An error names the command (for NO-versus-BAD choices), tag and code.
TEST(ImapCommandParserTest, ErrorsNameTheirCommand) {
  ImapCommandParser parser;
  ASSERT_EQ(parser.Parse("A1 FETCH 1 BOGUS\r\n").event, ParseEvent::kError);
  EXPECT_EQ(parser.error().tag, "A1");
  EXPECT_EQ(parser.error().name, CommandName::kFetch);
  EXPECT_EQ(parser.error().code, "");
  ASSERT_EQ(parser.Parse("A2 XYZZY\r\n").event, ParseEvent::kError);
  EXPECT_EQ(parser.error().name, CommandName::kUnknown);
}

// section_text is the section exactly as sent, to echo in the response.
TEST(ImapCommandParserTest, SectionTextIsEchoedAsSent) {
  ImapCommandParser parser;
  ASSERT_EQ(parser.Parse("A1 FETCH 1 (BODY.PEEK[1.2.header.fields (From To)] BINARY[3] "
                         "BODY[])\r\n")
                .event,
            ParseEvent::kCommand);
  const ImapCommand& c = parser.command();
  ASSERT_EQ(c.fetch.size(), 3u);
  EXPECT_EQ(c.fetch[0].section_text, "1.2.header.fields (From To)");
  EXPECT_EQ(c.fetch[1].section_text, "3");
  EXPECT_EQ(c.fetch[2].section_text, "");
}

// ParseSectionSpec() reads the ;SECTION= of IMAP URLs with FETCH's grammar.
TEST(ImapCommandParserTest, ParseSectionSpecReadsUrlSections) {
  std::string storage;
  SectionSpec section;
  ASSERT_TRUE(ParseSectionSpec("1.2.MIME", &storage, &section));
  EXPECT_THAT(section.part, ElementsAre(1, 2));
  EXPECT_EQ(section.text, SectionSpec::Text::kMime);
  ASSERT_TRUE(ParseSectionSpec("HEADER.FIELDS.NOT (Received \"X-A\")", &storage, &section));
  EXPECT_EQ(section.text, SectionSpec::Text::kHeaderFieldsNot);
  EXPECT_THAT(section.fields, ElementsAre("Received", "X-A"));
  ASSERT_TRUE(ParseSectionSpec("", &storage, &section));
  EXPECT_TRUE(section.part.empty());
  EXPECT_EQ(section.text, SectionSpec::Text::kAll);
  EXPECT_FALSE(ParseSectionSpec("1.", &storage, &section));
  EXPECT_FALSE(ParseSectionSpec("MIME", &storage, &section));
  EXPECT_FALSE(ParseSectionSpec("1]\r\nX", &storage, &section));
  EXPECT_FALSE(ParseSectionSpec("TEXT junk", &storage, &section));
}

// ParseFramedCommand() accepts frames that do not end in CRLF without
// reading past them.
TEST(ImapCommandParserTest, ParseFramedCommandStaysInsideItsFrame) {
  ImapLimits limits;
  ImapCommand command;
  CommandError error;
  std::string frame = "A1 NOOP";
  EXPECT_FALSE(ParseFramedCommand(frame.data(), frame.size(), limits, &command, &error));
  EXPECT_EQ(error.tag, "A1");
  frame = "A1 LOGIN {5}\r\nab";
  EXPECT_FALSE(ParseFramedCommand(frame.data(), frame.size(), limits, &command, &error));
  EXPECT_EQ(error.text, "LOGIN: literal truncated");
  frame = "A1 LOGIN a \"b";
  EXPECT_FALSE(ParseFramedCommand(frame.data(), frame.size(), limits, &command, &error));
  frame = "A1 NOOP\r\n";
  EXPECT_TRUE(ParseFramedCommand(frame.data(), frame.size(), limits, &command, &error));
}

// Every command name prints as the RFCs spell it.
TEST(ImapCommandParserTest, CommandNamesPrintAsSpelled) {
  for (absl::string_view name :
       {"CAPABILITY", "NOOP", "LOGOUT", "ID", "ENABLE", "COMPRESS", "STARTTLS", "AUTHENTICATE",
        "LOGIN", "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE",
        "LIST", "LSUB", "STATUS", "APPEND", "NAMESPACE", "IDLE", "GENURLAUTH", "RESETKEY",
        "URLFETCH", "CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY",
        "MOVE"}) {
    ImapCommandParser parser;
    parser.Parse(absl::StrCat("t ", name, "\r\n"));
    EXPECT_EQ(CommandNameToString(parser.error().name == CommandName::kUnknown
                                      ? parser.command().name
                                      : parser.error().name),
              name);
  }
  EXPECT_EQ(CommandNameToString(CommandName::kUnknown), "UNKNOWN");
}

}  // namespace
}  // namespace lemonade::imap
