// The trace's text form, hash and replay verification.
#include "netsim/trace.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "netsim/event_loop.h"

namespace lemonade::netsim {
namespace {

const Time kStart = Time::FromUnixSeconds(1704067200);

std::vector<TraceEvent> Record(TraceRecorder& trace, EventLoop& loop, bool variant) {
  trace.Record(TraceKind::kHostAdded, 0, 0x0a000001, 0, 0, "phone");
  loop.RunFor(Duration::Milliseconds(5));
  trace.Record(TraceKind::kSegmentSent, 1, 1, 1000, variant ? 1461 : 1460);
  trace.Record(TraceKind::kAnnotation, 0, 0, 0, 0, "quote \" and\nnewline");
  return trace.events();
}

TEST(TraceTest, TextRoundTripsAndHashMatches) {
  EventLoop loop(kStart);
  TraceRecorder trace(&loop);
  trace.set_keep_events(true);
  std::vector<TraceEvent> events = Record(trace, loop, false);
  absl::btree_map<std::string, std::string> header = {{"seed", "42"}};
  const std::string text = SerializeTrace(header, events);
  absl::StatusOr<RecordedTrace> parsed = ParseTrace(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->header.at("seed"), "42");
  EXPECT_EQ(parsed->events, events);
  EXPECT_EQ(parsed->hash, trace.hash());
  EXPECT_EQ(HashTraceEvents(events), trace.hash());
}

TEST(TraceTest, HashIsTheSameWhetherOrNotEventsAreKept) {
  EventLoop a_loop(kStart), b_loop(kStart);
  TraceRecorder a(&a_loop), b(&b_loop);
  a.set_keep_events(true);
  Record(a, a_loop, false);
  Record(b, b_loop, false);
  EXPECT_EQ(a.hash(), b.hash());
  EventLoop c_loop(kStart);
  TraceRecorder c(&c_loop);
  Record(c, c_loop, true);
  EXPECT_NE(a.hash(), c.hash());
}

TEST(TraceTest, CorruptOrTruncatedFilesAreRejected) {
  EventLoop loop(kStart);
  TraceRecorder trace(&loop);
  trace.set_keep_events(true);
  std::string text = SerializeTrace({}, Record(trace, loop, false));
  std::string truncated = text.substr(0, text.find("end "));
  EXPECT_EQ(ParseTrace(truncated).status().code(), absl::StatusCode::kDataLoss);
  std::string corrupted = text;
  corrupted.replace(corrupted.find("1460"), 4, "1470");
  EXPECT_EQ(ParseTrace(corrupted).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseTrace("garbage").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TraceTest, ReplayReportsTheFirstDivergencePrecisely) {
  EventLoop loop(kStart);
  TraceRecorder recorded(&loop);
  recorded.set_keep_events(true);
  std::vector<TraceEvent> expected = Record(recorded, loop, false);

  EventLoop replay_loop(kStart);
  TraceRecorder replay(&replay_loop);
  replay.Expect(expected);
  Record(replay, replay_loop, true);
  ASSERT_TRUE(replay.divergence().has_value());
  EXPECT_EQ(replay.divergence()->index, 1u);
  const std::string message = std::string(replay.VerifyComplete().message());
  EXPECT_NE(message.find("event #1"), std::string::npos) << message;
  EXPECT_NE(message.find("1460"), std::string::npos) << message;
  EXPECT_NE(message.find("1461"), std::string::npos) << message;

  EventLoop same_loop(kStart);
  TraceRecorder same(&same_loop);
  same.Expect(expected);
  Record(same, same_loop, false);
  EXPECT_TRUE(same.VerifyComplete().ok()) << same.VerifyComplete();

  EventLoop short_loop(kStart);
  TraceRecorder shorter(&short_loop);
  shorter.Expect(expected);
  shorter.Record(TraceKind::kHostAdded, 0, 0x0a000001, 0, 0, "phone");
  EXPECT_EQ(shorter.VerifyComplete().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(shorter.VerifyComplete().message()).find("ended early"),
            std::string::npos);
}

TEST(TraceTest, HashBytesIsStable) {
  // Frozen: payload hashes are part of every trace.
  EXPECT_EQ(HashBytes(""), HashBytes(""));
  EXPECT_NE(HashBytes("a"), HashBytes("b"));
  EXPECT_NE(HashBytes(std::string(64, 'x')), HashBytes(std::string(65, 'x')));
  EXPECT_EQ(HashBytes("lemonade"), 5494263046981122830ULL);
  EXPECT_EQ(HashBytes("a longer payload that uses all four lanes!"), 6199855037818735425ULL);
}

}  // namespace
}  // namespace lemonade::netsim
