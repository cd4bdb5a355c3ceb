#include "protocol/smtp/smtp_command_parser.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "protocol/smtp/smtp_event_log.h"
#include "protocol/smtp/smtp_testdata.h"

namespace lemonade::smtp {
namespace {

// One "### name" case of a testdata file.
struct Vector {
  std::string file;
  std::string name;
  std::string input;
  std::vector<std::string> expected;
};

std::vector<Vector> LoadVectors() {
  std::vector<Vector> vectors;
  for (size_t f = 0; f < kSmtpTestdataCount; ++f) {
    for (absl::string_view line : absl::StrSplit(kSmtpTestdata[f].contents, '\n')) {
      if (absl::ConsumePrefix(&line, "### ")) {
        vectors.push_back(Vector{kSmtpTestdata[f].name, std::string(line), "", {}});
      } else if (absl::ConsumePrefix(&line, "> ")) {
        std::string bytes;
        EXPECT_TRUE(absl::CUnescape(line, &bytes)) << line;
        vectors.back().input += bytes;
      } else if (absl::ConsumePrefix(&line, "< ")) {
        vectors.back().expected.emplace_back(line);
      }
    }
  }
  return vectors;
}

std::string Show(const std::vector<std::string>& log) { return absl::StrJoin(log, "\n"); }

class SmtpCommandParserTest : public ::testing::Test {
 protected:
  // Drains events from `input` into `events` (one Parse() per event, the
  // session loop) and returns how much input was consumed.
  size_t Drain(SmtpCommandParser& parser, absl::string_view input,
               std::vector<SmtpEvent>* events) {
    size_t total = 0;
    while (true) {
      SmtpParseResult r = parser.Parse(input);
      input.remove_prefix(r.consumed);
      total += r.consumed;
      if (r.event.kind == SmtpEvent::Kind::kNeedMore) return total;
      events->push_back(r.event);
    }
  }
};

// Every vector of testdata/ gives its event log fed whole.
TEST_F(SmtpCommandParserTest, ConformanceVectorsWhole) {
  const std::vector<Vector> vectors = LoadVectors();
  ASSERT_GE(vectors.size(), 40u);
  for (const Vector& v : vectors) {
    EXPECT_EQ(Show(RecordSmtpEvents({v.input})), Show(v.expected)) << v.file << ": " << v.name;
  }
}

// ... and cut at every offset, and one octet at a time.
TEST_F(SmtpCommandParserTest, ConformanceVectorsAtEverySplitPoint) {
  for (const Vector& v : LoadVectors()) {
    const std::string expected = Show(v.expected);
    for (size_t cut = 0; cut <= v.input.size(); ++cut) {
      ASSERT_EQ(Show(RecordSmtpEventsSplit(v.input, {cut})), expected)
          << v.file << ": " << v.name << " cut at " << cut;
    }
    EXPECT_EQ(Show(RecordSmtpEventsBytewise(v.input)), expected) << v.file << ": " << v.name;
  }
}

// ... and cut at several pseudo-random offsets at once (fixed seed).
TEST_F(SmtpCommandParserTest, ConformanceVectorsAtRandomSplits) {
  uint64_t state = 0x5eed;
  auto next = [&state](uint64_t bound) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return bound == 0 ? 0 : (state >> 33) % bound;
  };
  for (const Vector& v : LoadVectors()) {
    for (int round = 0; round < 50; ++round) {
      std::vector<size_t> cuts;
      for (size_t c = next(v.input.size() / 4 + 1); c < v.input.size(); c += 1 + next(12)) {
        cuts.push_back(c);
      }
      ASSERT_EQ(Show(RecordSmtpEventsSplit(v.input, cuts)), Show(v.expected))
          << v.file << ": " << v.name << " seed=0x5eed round " << round;
    }
  }
}

// A command that arrives whole is handed out as views into the input: no
// copy.
TEST_F(SmtpCommandParserTest, WholeLinesAreViewsIntoTheInput) {
  SmtpCommandParser parser;
  const std::string input = "MAIL FROM:<harry@gryffindor.example.com> SIZE=42 ENVID=QQ314159\r\n";
  SmtpParseResult r = parser.Parse(input);
  ASSERT_EQ(r.event.kind, SmtpEvent::Kind::kCommand);
  EXPECT_EQ(r.consumed, input.size());
  const SmtpCommand& c = r.event.command;
  EXPECT_EQ(c.verb, SmtpVerb::kMail);
  EXPECT_EQ(c.path.kind, SmtpPath::Kind::kMailbox);
  EXPECT_EQ(c.path.local_part, "harry");
  EXPECT_EQ(c.path.domain, "gryffindor.example.com");
  EXPECT_EQ(c.mail.size, 42u);
  EXPECT_EQ(c.mail.envid, "QQ314159");
  EXPECT_GE(c.path.domain.data(), input.data());
  EXPECT_LT(c.path.domain.data(), input.data() + input.size());
  EXPECT_EQ(c.FirstUnknownParameter(), nullptr);
}

// kNeedMore always means all input was consumed (partial lines are kept
// inside), so the caller can drop its buffer.
TEST_F(SmtpCommandParserTest, NeedMoreConsumesEverything) {
  SmtpCommandParser parser;
  SmtpParseResult r = parser.Parse("RCPT TO:<ron@gryffindor");
  EXPECT_EQ(r.event.kind, SmtpEvent::Kind::kNeedMore);
  EXPECT_EQ(r.consumed, 23u);
  r = parser.Parse(".example.com> NOTIFY=FAILURE,DELAY\r\nQUIT\r\n");
  ASSERT_EQ(r.event.kind, SmtpEvent::Kind::kCommand);
  EXPECT_EQ(r.event.command.path.domain, "gryffindor.example.com");
  EXPECT_EQ(r.event.command.rcpt.notify, kDsnNotifyFailure | kDsnNotifyDelay);
  EXPECT_EQ(r.consumed, 36u);  // the QUIT line stays in the input
  EXPECT_EQ(parser.Parse("").event.kind, SmtpEvent::Kind::kNeedMore);
}

// The session decides about DATA: refused, the content is read as commands
// (as RFC 2920 §3.1 expects of a client that waited).
TEST_F(SmtpCommandParserTest, DataModeOnlyWhenTheSessionSaysSo) {
  SmtpCommandParser parser;
  std::vector<SmtpEvent> events;
  Drain(parser, "DATA\r\nNOOP\r\n", &events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].command.verb, SmtpVerb::kData);
  EXPECT_EQ(events[1].command.verb, SmtpVerb::kNoop);
  EXPECT_EQ(parser.mode(), SmtpCommandParser::Mode::kCommand);

  // Accepted: BeginData() right after the DATA event.
  const std::string input = "DATA\r\nNOOP\r\n.\r\nQUIT\r\n";
  SmtpParseResult r = parser.Parse(input);
  ASSERT_EQ(r.event.command.verb, SmtpVerb::kData);
  parser.BeginData();
  EXPECT_EQ(parser.mode(), SmtpCommandParser::Mode::kData);
  absl::string_view rest = absl::string_view(input).substr(r.consumed);
  r = parser.Parse(rest);
  ASSERT_EQ(r.event.kind, SmtpEvent::Kind::kDataChunk);
  EXPECT_EQ(r.event.data, "NOOP\r\n");
  EXPECT_EQ(r.event.data.data(), rest.data());  // a view, not a copy
  rest.remove_prefix(r.consumed);
  r = parser.Parse(rest);
  ASSERT_EQ(r.event.kind, SmtpEvent::Kind::kDataEnd);
  EXPECT_EQ(r.event.data_summary.octets, 6u);
  rest.remove_prefix(r.consumed);
  EXPECT_EQ(parser.mode(), SmtpCommandParser::Mode::kCommand);
  EXPECT_EQ(parser.Parse(rest).event.command.verb, SmtpVerb::kQuit);
}

// After "BDAT 0 LAST" the end of the (empty) chunk is reported without any
// further input: the session loop must call Parse() until kNeedMore.
TEST_F(SmtpCommandParserTest, ZeroLengthBdatCompletesWithoutInput) {
  SmtpCommandParser parser;
  SmtpParseResult r = parser.Parse("BDAT 0 LAST\r\n");
  ASSERT_EQ(r.event.kind, SmtpEvent::Kind::kCommand);
  r = parser.Parse("");
  ASSERT_EQ(r.event.kind, SmtpEvent::Kind::kBdatEnd);
  EXPECT_EQ(r.event.bdat_octets, 0u);
  EXPECT_TRUE(r.event.bdat_last);
  EXPECT_EQ(parser.Parse("").event.kind, SmtpEvent::Kind::kNeedMore);
}

// BDAT chunks are views into the input, never buffered.
TEST_F(SmtpCommandParserTest, BdatChunksAreViews) {
  SmtpCommandParser parser;
  (void)parser.Parse("BDAT 8\r\n");
  const std::string part1 = "abc";
  SmtpParseResult r = parser.Parse(part1);
  ASSERT_EQ(r.event.kind, SmtpEvent::Kind::kBdatChunk);
  EXPECT_EQ(r.event.data.data(), part1.data());
  const std::string part2 = "defgh\r\nQUIT\r\n";
  r = parser.Parse(part2);
  ASSERT_EQ(r.event.kind, SmtpEvent::Kind::kBdatChunk);
  EXPECT_EQ(r.event.data, "defgh");
  EXPECT_EQ(r.consumed, 5u);
  r = parser.Parse(absl::string_view(part2).substr(5));
  ASSERT_EQ(r.event.kind, SmtpEvent::Kind::kBdatEnd);
  EXPECT_EQ(r.event.bdat_octets, 8u);
  EXPECT_EQ(r.consumed, 0u);
}

// RFC 5321 §4.5.3.1.4 limit: lines up to the limit (CRLF included) pass,
// one more octet is "line too long", and parsing resumes on the next line.
TEST_F(SmtpCommandParserTest, CommandLineLimitIsExactAndResynchronises) {
  SmtpLimits limits;
  limits.command_line_octets_max = 600;
  const std::string fits = "NOOP " + std::string(600 - 7, 'x') + "\r\n";
  const std::string over = "NOOP " + std::string(600 - 6, 'x') + "\r\n";
  ASSERT_EQ(fits.size(), 600u);
  EXPECT_EQ(Show(RecordSmtpEvents({fits}, limits)), "command NOOP " + std::string(593, 'x'));
  EXPECT_EQ(Show(RecordSmtpEvents({over + "QUIT\r\n"}, limits)),
            "error line too long verb=NOOP\ncommand QUIT");
  // The error comes as soon as the limit is passed, before the line ends.
  SmtpCommandParser parser(limits);
  SmtpParseResult r = parser.Parse(std::string(601, 'x'));
  EXPECT_EQ(r.event.kind, SmtpEvent::Kind::kError);
  EXPECT_EQ(r.event.error, SmtpParseError::kLineTooLong);
  EXPECT_FALSE(r.event.fatal);
  EXPECT_EQ(parser.Parse(std::string(100000, 'y')).event.kind, SmtpEvent::Kind::kNeedMore);
  r = parser.Parse("z\r\nRSET\r\n");
  EXPECT_EQ(r.event.kind, SmtpEvent::Kind::kCommand);
  EXPECT_EQ(r.event.command.verb, SmtpVerb::kRset);
}

// A configured limit below RFC 5321's 512 octets is raised to 512.
TEST_F(SmtpCommandParserTest, CommandLineLimitHasAMinimum) {
  SmtpLimits limits;
  limits.command_line_octets_max = 10;
  SmtpCommandParser parser(limits);
  EXPECT_EQ(parser.limits().command_line_octets_max, SmtpLimits::kCommandLineOctetsMin);
  const std::string line = "NOOP " + std::string(505, 'x') + "\r\n";
  ASSERT_EQ(line.size(), 512u);
  EXPECT_EQ(parser.Parse(line).event.kind, SmtpEvent::Kind::kCommand);
}

// An overlong BDAT line hides its chunk size: fatal, and sticky.
TEST_F(SmtpCommandParserTest, OverlongBdatLineIsFatalAndSticky) {
  SmtpCommandParser parser;
  SmtpParseResult r = parser.Parse("BDAT 10" + std::string(3000, ' ') + "\r\n");
  ASSERT_EQ(r.event.kind, SmtpEvent::Kind::kError);
  EXPECT_EQ(r.event.error, SmtpParseError::kBdatSizeInvalid);
  EXPECT_TRUE(r.event.fatal);
  EXPECT_EQ(parser.mode(), SmtpCommandParser::Mode::kFailed);
  r = parser.Parse("QUIT\r\n");
  EXPECT_EQ(r.event.kind, SmtpEvent::Kind::kError);
  EXPECT_TRUE(r.event.fatal);
  EXPECT_EQ(r.consumed, 6u);
  // Reset() (a new TLS layer, or a test) starts over.
  parser.Reset();
  EXPECT_EQ(parser.Parse("QUIT\r\n").event.command.verb, SmtpVerb::kQuit);
}

// RFC 4954 §4: an AUTH line longer than the limit fails with 5.5.6 and
// returns to command mode.
TEST_F(SmtpCommandParserTest, AuthLineLimit) {
  SmtpLimits limits;
  limits.auth_line_octets_max = 1000;
  SmtpCommandParser parser(limits);
  (void)parser.Parse("AUTH PLAIN\r\n");
  parser.ExpectAuthResponse();
  std::vector<SmtpEvent> events;
  Drain(parser, std::string(999, 'A') + "\r\n", &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].error, SmtpParseError::kAuthLineTooLong);
  EXPECT_EQ(events[0].error_verb, SmtpVerb::kAuth);
  EXPECT_EQ(parser.mode(), SmtpCommandParser::Mode::kCommand);
  // 998 octets plus CRLF fit.
  parser.ExpectAuthResponse();
  SmtpParseResult r = parser.Parse(std::string(998, 'A') + "\r\n");
  EXPECT_EQ(r.event.kind, SmtpEvent::Kind::kAuthResponse);
  EXPECT_EQ(r.event.data.size(), 998u);
}

// After STARTTLS, bytes the client sent in the same read are plaintext
// injection; the parser leaves them unconsumed for the session to drop.
TEST_F(SmtpCommandParserTest, StartTlsLeavesInjectedBytesUnconsumed) {
  SmtpCommandParser parser;
  const std::string input = "STARTTLS\r\nMAIL FROM:<evil@example.com>\r\n";
  SmtpParseResult r = parser.Parse(input);
  ASSERT_EQ(r.event.command.verb, SmtpVerb::kStartTls);
  EXPECT_EQ(r.consumed, 10u);
  parser.Reset();
}

// Bare LF on command lines can be allowed for hand-typed sessions; DATA
// still needs CRLF.CRLF.
TEST_F(SmtpCommandParserTest, BareLineFeedOption) {
  SmtpLimits limits;
  limits.command_bare_lf_allowed = true;
  EXPECT_EQ(Show(RecordSmtpEvents({"EHLO a.example\nDATA\nx\n.\n.\r\n.\r\n"}, limits)),
            "command EHLO a.example\ncommand DATA\ndata x\\n.\\n.\\r\\n\n"
            "data-end octets=7 bare-lf");
}

// Decoded forms of the wire values.
TEST_F(SmtpCommandParserTest, QuotedLocalPartAndSourceRoute) {
  SmtpCommandParser parser;
  SmtpParseResult r = parser.Parse("RCPT TO:<@hosta.int,@jkl.org:\"Joe\\,Smith\"@foo.com>\r\n");
  ASSERT_EQ(r.event.kind, SmtpEvent::Kind::kCommand);
  EXPECT_EQ(r.event.command.path.local_part, "\"Joe\\,Smith\"");
  EXPECT_EQ(UnquoteLocalPart(r.event.command.path.local_part), "Joe,Smith");
  EXPECT_EQ(r.event.command.path.domain, "foo.com");
}

// ParseSmtpCommandLine names the verb even when the arguments are bad.
TEST_F(SmtpCommandParserTest, ParseSmtpCommandLineReportsTheVerb) {
  SmtpCommand c;
  EXPECT_EQ(ParseSmtpCommandLine("RCPT TO:<>", SmtpLimits(), &c), SmtpParseError::kInvalidPath);
  EXPECT_EQ(c.verb, SmtpVerb::kRcpt);
  EXPECT_EQ(ParseSmtpCommandLine("XYZZY", SmtpLimits(), &c), SmtpParseError::kUnknownCommand);
  EXPECT_EQ(c.verb, SmtpVerb::kUnknown);
  EXPECT_EQ(ParseSmtpCommandLine("quit", SmtpLimits(), &c), SmtpParseError::kNone);
  EXPECT_EQ(c.verb, SmtpVerb::kQuit);
}

// parse(format(c)) == c for every command of the vectors.
TEST_F(SmtpCommandParserTest, FormatRoundTripsEveryParsedCommand) {
  int checked = 0;
  for (const Vector& v : LoadVectors()) {
    for (absl::string_view line : absl::StrSplit(v.input, "\r\n")) {
      SmtpCommand parsed;
      if (ParseSmtpCommandLine(line, SmtpLimits(), &parsed) != SmtpParseError::kNone) continue;
      const std::string formatted = FormatSmtpCommand(parsed);
      ASSERT_TRUE(absl::EndsWith(formatted, "\r\n"));
      SmtpCommand again;
      ASSERT_EQ(ParseSmtpCommandLine(absl::string_view(formatted).substr(0, formatted.size() - 2),
                                     SmtpLimits(), &again),
                SmtpParseError::kNone)
          << formatted;
      EXPECT_EQ(again, parsed) << line << " -> " << formatted;
      ++checked;
    }
  }
  EXPECT_GT(checked, 60);
}

}  // namespace
}  // namespace lemonade::smtp
