// The event loop's ordering, clamping, cancellation and run APIs.
#include "netsim/event_loop.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace lemonade::netsim {
namespace {

const Time kStart = Time::FromUnixSeconds(1704067200);

TEST(EventLoopTest, RunsEventsInTimeThenInsertionOrder) {
  EventLoop loop(kStart);
  std::string order;
  loop.ScheduleAt(kStart + Duration::Milliseconds(2), [&] { order += "c"; });
  loop.ScheduleAt(kStart + Duration::Milliseconds(1), [&] { order += "a"; });
  loop.ScheduleAt(kStart + Duration::Milliseconds(1), [&] { order += "b"; });
  loop.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_EQ(order, "abc");
  EXPECT_EQ(loop.Now(), kStart + Duration::Milliseconds(2));
  EXPECT_EQ(loop.events_run(), 3u);
}

TEST(EventLoopTest, SchedulingIntoThePastIsClampedToNowAfterWhatIsDue) {
  EventLoop loop(kStart);
  loop.RunFor(Duration::Seconds(1));
  std::string order;
  Time seen;
  loop.Post([&] { order += "posted "; });
  loop.ScheduleAt(kStart, [&] {
    order += "past";
    seen = loop.Now();
  });
  loop.RunFor(Duration::Zero());
  EXPECT_EQ(order, "posted past");
  EXPECT_EQ(seen, kStart + Duration::Seconds(1));
}

TEST(EventLoopTest, CancelledEventsNeverRunAndStaleIdsAreIgnored) {
  EventLoop loop(kStart);
  int runs = 0;
  TimerId a = loop.ScheduleAfter(Duration::Seconds(1), [&] { ++runs; });
  TimerId b = loop.ScheduleAfter(Duration::Seconds(2), [&] { ++runs; });
  EXPECT_NE(a, kNoTimer);
  EXPECT_NE(a, b);
  loop.Cancel(a);
  loop.Cancel(a);  // Twice: a no-op.
  EXPECT_EQ(loop.pending(), 1u);
  loop.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_EQ(runs, 1);
  // b fired; its slot may be reused, but the old id must not cancel the
  // new event.
  TimerId c = loop.ScheduleAfter(Duration::Seconds(1), [&] { ++runs; });
  loop.Cancel(b);
  loop.Cancel(kNoTimer);
  loop.Cancel(0xdeadbeef00000001ULL);
  loop.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_EQ(runs, 2);
  EXPECT_NE(b, c);
}

TEST(EventLoopTest, RunUntilAdvancesTheClockToTheDeadline) {
  EventLoop loop(kStart);
  int runs = 0;
  loop.ScheduleAfter(Duration::Seconds(5), [&] { ++runs; });
  loop.RunUntil(kStart + Duration::Seconds(3));
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(loop.Now(), kStart + Duration::Seconds(3));
  loop.RunFor(Duration::Seconds(2));  // Events at exactly the deadline run.
  EXPECT_EQ(runs, 1);
}

TEST(EventLoopTest, RunUntilIdleReportsWhetherTheLimitStoppedIt) {
  EventLoop loop(kStart);
  loop.ScheduleAfter(Duration::Seconds(1), [] {});
  EXPECT_TRUE(loop.RunUntilIdle(kStart + Duration::Seconds(10)));
  EXPECT_EQ(loop.Now(), kStart + Duration::Seconds(1));
  loop.ScheduleAfter(Duration::Seconds(100), [] {});
  EXPECT_FALSE(loop.RunUntilIdle(kStart + Duration::Seconds(10)));
  EXPECT_EQ(loop.Now(), kStart + Duration::Seconds(10));
}

TEST(EventLoopTest, RunUntilPredicate) {
  EventLoop loop(kStart);
  int count = 0;
  for (int i = 1; i <= 10; ++i) loop.ScheduleAfter(Duration::Seconds(i), [&] { ++count; });
  EXPECT_TRUE(loop.RunUntil([&] { return count == 4; }, Time::InfiniteFuture()));
  EXPECT_EQ(loop.Now(), kStart + Duration::Seconds(4));
  EXPECT_FALSE(loop.RunUntil([&] { return count == 100; }, kStart + Duration::Seconds(7)));
  EXPECT_EQ(count, 7);
  EXPECT_EQ(loop.Now(), kStart + Duration::Seconds(7));
}

TEST(EventLoopTest, CallbacksMayScheduleAndCancel) {
  EventLoop loop(kStart);
  std::vector<int> seen;
  TimerId later = loop.ScheduleAfter(Duration::Seconds(2), [&] { seen.push_back(2); });
  loop.ScheduleAfter(Duration::Seconds(1), [&] {
    seen.push_back(1);
    loop.Cancel(later);
    loop.Post([&] { seen.push_back(3); });
  });
  loop.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_EQ(seen, (std::vector<int>{1, 3}));
}

TEST(AlarmTest, MovingTheDeadlineLaterReArms) {
  EventLoop loop(kStart);
  std::vector<Time> fired;
  Alarm alarm(&loop, [&] { fired.push_back(loop.Now()); });
  alarm.Set(kStart + Duration::Seconds(1));
  alarm.Set(kStart + Duration::Seconds(3));  // Later: no new heap entry.
  EXPECT_EQ(loop.pending(), 1u);
  loop.RunUntilIdle(Time::InfiniteFuture());
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0], kStart + Duration::Seconds(3));
  alarm.Set(loop.Now() + Duration::Seconds(5));
  alarm.Set(loop.Now() + Duration::Seconds(1));  // Earlier: rescheduled.
  loop.RunUntilIdle(Time::InfiniteFuture());
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[1], kStart + Duration::Seconds(4));
  alarm.Set(loop.Now() + Duration::Seconds(1));
  alarm.Cancel();
  loop.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_EQ(fired.size(), 2u);
  EXPECT_FALSE(alarm.is_set());
}

}  // namespace
}  // namespace lemonade::netsim
