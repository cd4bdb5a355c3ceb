#include "protocol/imap/imap_framer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lemonade::imap {
namespace {

using ::testing::ElementsAre;
using namespace std::string_literals;

// What the framer reported, in order: "frame <bytes>", "continuation <n>",
// "line <bytes>", "error <kind> <tag> <sync>".
std::vector<std::string> FeedAll(ImapFramer& framer, const std::vector<std::string>& pieces) {
  std::vector<std::string> log;
  for (absl::string_view input : pieces) {
    while (true) {
      FrameResult r = framer.Feed(input);
      EXPECT_LE(r.consumed, input.size());
      input.remove_prefix(r.consumed);
      switch (r.event) {
        case FrameEvent::kNeedMore:
          EXPECT_TRUE(input.empty()) << "kNeedMore must consume everything";
          break;
        case FrameEvent::kFrame:
          log.push_back(absl::StrCat("frame ", framer.frame()));
          continue;
        case FrameEvent::kLiteralContinuation:
          log.push_back(absl::StrCat("continuation ", framer.announced_literal_bytes()));
          continue;
        case FrameEvent::kLine:
          log.push_back(absl::StrCat("line ", framer.frame()));
          continue;
        case FrameEvent::kError:
          log.push_back(absl::StrCat("error ", static_cast<int>(framer.error().kind), " ",
                                     framer.error().tag, " ",
                                     framer.error().synchronizing ? "sync" : "nonsync"));
          continue;
      }
      break;
    }
  }
  return log;
}

std::vector<std::string> RunWhole(const std::string& input, const ImapLimits& limits = {},
                                  ImapFramer::Side side = ImapFramer::Side::kServer) {
  ImapFramer framer(limits, side);
  return FeedAll(framer, {input});
}

std::vector<std::string> RunBytewise(const std::string& input, const ImapLimits& limits = {},
                                     ImapFramer::Side side = ImapFramer::Side::kServer) {
  ImapFramer framer(limits, side);
  std::vector<std::string> pieces;
  for (char c : input) pieces.emplace_back(1, c);
  return FeedAll(framer, pieces);
}

// A frame is the command's exact bytes with literals inline.
TEST(ImapFramerTest, FrameHoldsLinesAndLiteralsInline) {
  const std::string input = "A1 LOGIN {3}\r\nabc {4+}\r\nd\r\nf\r\nA2 NOOP\r\n";
  EXPECT_THAT(RunWhole(input),
              ElementsAre("continuation 3", "frame A1 LOGIN {3}\r\nabc {4+}\r\nd\r\nf\r\n",
                          "frame A2 NOOP\r\n"));
  EXPECT_EQ(RunBytewise(input), RunWhole(input));
}

// Bare LF line ends become CRLF in the frame; a CR inside a literal stays.
TEST(ImapFramerTest, BareLineFeedIsNormalisedToCrlf) {
  EXPECT_THAT(RunWhole("A1 NOOP\nA2 LOGIN {2}\na\r b\n"),
              ElementsAre("frame A1 NOOP\r\n", "continuation 2", "frame A2 LOGIN {2}\r\na\r b\r\n"));
}

// "{n}" inside a quoted string announces nothing; an escaped quote does not
// end the string.
TEST(ImapFramerTest, LiteralInsideQuotesIsText) {
  EXPECT_THAT(RunWhole("A1 LOGIN a \"b {3}\"\r\nA2 LOGIN a \"b\\\" {3}\"\r\nA3 LOGIN \"\\\\\" {1}\r\nx\r\n"),
              ElementsAre("frame A1 LOGIN a \"b {3}\"\r\n", "frame A2 LOGIN a \"b\\\" {3}\"\r\n",
                          "continuation 1", "frame A3 LOGIN \"\\\\\" {1}\r\nx\r\n"));
}

// literal8 "~{n}" frames like a literal; "{0}" is an empty literal.
TEST(ImapFramerTest, Literal8AndEmptyLiterals) {
  EXPECT_THAT(RunWhole("A1 APPEND x ~{2}\r\n\0\1\r\nA2 LOGIN {0}\r\n {0+}\r\n\r\n"s),
              ElementsAre("continuation 2", "frame A1 APPEND x ~{2}\r\n\0\1\r\n"s,
                          "continuation 0", "frame A2 LOGIN {0}\r\n {0+}\r\n\r\n"));
}

// The client side reads responses: it never waits for a continuation.
TEST(ImapFramerTest, ClientSideNeverAnnouncesContinuations) {
  const std::string input = "* 1 FETCH (BODY[] {3}\r\nabc)\r\n+ go\r\n";
  EXPECT_THAT(RunWhole(input, {}, ImapFramer::Side::kClient),
              ElementsAre("frame * 1 FETCH (BODY[] {3}\r\nabc)\r\n", "frame + go\r\n"));
  EXPECT_EQ(RunBytewise(input, {}, ImapFramer::Side::kClient),
            RunWhole(input, {}, ImapFramer::Side::kClient));
}

// ExpectLine() makes the next line a raw line (CRLF stripped), once.
TEST(ImapFramerTest, ExpectLineReadsOneRawLine) {
  ImapFramer framer({}, ImapFramer::Side::kServer);
  EXPECT_THAT(FeedAll(framer, {"A1 AUTHENTICATE PLAIN\r\n"}),
              ElementsAre("frame A1 AUTHENTICATE PLAIN\r\n"));
  framer.ExpectLine();
  EXPECT_THAT(FeedAll(framer, {"dGVz", "dA== {5}\r\nA2 NOOP\r\n"}),
              ElementsAre("line dGVzdA== {5}", "frame A2 NOOP\r\n"));
}

// in_frame() and buffered_bytes() follow a partial command, not a complete
// one.
TEST(ImapFramerTest, InFrameTracksPartialCommands) {
  ImapFramer framer({}, ImapFramer::Side::kServer);
  EXPECT_FALSE(framer.in_frame());
  EXPECT_EQ(framer.Feed("A1 NO").event, FrameEvent::kNeedMore);
  EXPECT_TRUE(framer.in_frame());
  EXPECT_EQ(framer.buffered_bytes(), 5u);
  EXPECT_EQ(framer.Feed("OP\r\n").event, FrameEvent::kFrame);
  EXPECT_FALSE(framer.in_frame());
  EXPECT_EQ(framer.Feed("A2 LOGIN {3}\r\n").event, FrameEvent::kLiteralContinuation);
  EXPECT_TRUE(framer.in_frame());
  framer.AbandonFrame();
  EXPECT_FALSE(framer.in_frame());
  EXPECT_EQ(framer.buffered_bytes(), 0u);
}

// Each limit has its own error kind, names the tag, and says whether the
// literal was synchronizing.
TEST(ImapFramerTest, LimitErrorsNameKindTagAndSynchronizing) {
  ImapLimits limits;
  limits.line_bytes_max = 20;
  limits.literal_bytes_max = 10;
  limits.command_bytes_max = 40;
  limits.literals_max = 1;
  EXPECT_THAT(
      RunWhole("A1 NOOP xxxxxxxxxxxxxxxxxxxxxxx\r\n"
               "A2 X {11}\r\n"
               "A3 X {11+}\r\n01234567890\r\n"
               "A4 X {9}\r\n012345678 {1+}\r\nx\r\n"
               "A5 XXXXXXXXXXXX {9}\r\n012345678 {9}\r\n"
               "A6 X {}\r\n"
               "A7 NOOP\r\n",
               limits),
      ElementsAre("error 0 A1 nonsync", "error 1 A2 sync", "error 1 A3 nonsync",
                  "continuation 9", "error 3 A4 nonsync", "continuation 9", "error 2 A5 sync",
                  "error 4 A6 sync", "frame A7 NOOP\r\n"));
}

// The error of an over-long line names the same tag however the line
// arrives, also when the tag itself is long.
TEST(ImapFramerTest, LongLineErrorNamesTheSameTagAtEverySplit) {
  for (size_t line_bytes_max : {64, 1000}) {
    ImapLimits limits;
    limits.line_bytes_max = line_bytes_max;
    for (size_t tag_bytes : {1, 60, 64, 65, 66, 200, 255, 256, 257, 300, 999}) {
      const std::string input = absl::StrCat(std::string(tag_bytes, 't'), " NOOP ",
                                             std::string(2000, 'x'), "\r\nA2 NOOP\r\n");
      const std::vector<std::string> whole = RunWhole(input, limits);
      ASSERT_EQ(whole.size(), 2u);
      EXPECT_EQ(RunBytewise(input, limits), whole) << "tag of " << tag_bytes;
      for (size_t cut : {1, 30, 60, 100, 300, 1001, 1500}) {
        ImapFramer framer(limits, ImapFramer::Side::kServer);
        EXPECT_EQ(FeedAll(framer, {input.substr(0, cut), input.substr(cut)}), whole)
            << "tag of " << tag_bytes << " cut at " << cut << " limit " << line_bytes_max;
      }
    }
  }
}

// A frame stays valid until the next Feed() and is then replaced.
TEST(ImapFramerTest, FrameIsValidUntilTheNextFeed) {
  ImapFramer framer({}, ImapFramer::Side::kServer);
  ASSERT_EQ(framer.Feed("A1 NOOP\r\nA2").event, FrameEvent::kFrame);
  EXPECT_EQ(framer.frame(), "A1 NOOP\r\n");
  EXPECT_EQ(framer.frame().data(), framer.mutable_frame_data());
  EXPECT_EQ(framer.Feed("A2").event, FrameEvent::kNeedMore);
  EXPECT_TRUE(framer.frame().empty());
  ASSERT_EQ(framer.Feed(" NOOP\r\n").event, FrameEvent::kFrame);
  EXPECT_EQ(framer.frame(), "A2 NOOP\r\n");
}

}  // namespace
}  // namespace lemonade::imap
