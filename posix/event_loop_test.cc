#include "posix/event_loop.h"

#include <signal.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace lemonade::posix {
namespace {

constexpr Duration kBound = Duration::Seconds(20);

std::unique_ptr<EventLoop> NewLoop(EventLoopOptions options = {}) {
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = EventLoop::Create(options);
  EXPECT_TRUE(loop.ok()) << loop.status();
  return std::move(*loop);
}

// Clocks a test moves by hand.
class FakeClocks : public SystemClocks {
 public:
  Time Realtime() const override { return Time::FromUnixNanos(real_ns); }
  int64_t MonotonicNanos() const override { return mono_ns; }
  void Advance(Duration d) {
    real_ns += d.nanoseconds();
    mono_ns += d.nanoseconds();
  }
  int64_t real_ns = 1700000000LL * 1000000000;
  int64_t mono_ns = 5000000000;
};

// Timers due at one time fire in scheduling order, after earlier ones.
TEST(EventLoopTest, SameTimeTimersFireInSchedulingOrder) {
  auto loop = NewLoop();
  std::vector<std::string> fired;
  const Time when = loop->Now() + Duration::Milliseconds(5);
  loop->ScheduleAt(when, [&] { fired.push_back("a"); });
  loop->ScheduleAt(when, [&] { fired.push_back("b"); });
  loop->ScheduleAt(when + Duration::Milliseconds(1), [&] { fired.push_back("late"); });
  loop->ScheduleAt(when, [&] { fired.push_back("c"); });
  loop->ScheduleAt(when - Duration::Milliseconds(1), [&] { fired.push_back("early"); });
  ASSERT_TRUE(loop->RunUntil([&] { return fired.size() == 5; }, kBound));
  EXPECT_EQ(fired, (std::vector<std::string>{"early", "a", "b", "c", "late"}));
}

// A timer does not fire before its time (measured on the monotonic clock).
TEST(EventLoopTest, TimerWaitsForItsTime) {
  auto loop = NewLoop();
  const int64_t start = KernelClocks().MonotonicNanos();
  int64_t fired_at = 0;
  loop->ScheduleAfter(Duration::Milliseconds(30),
                      [&] { fired_at = KernelClocks().MonotonicNanos(); });
  ASSERT_TRUE(loop->RunUntil([&] { return fired_at != 0; }, kBound));
  EXPECT_GE(fired_at - start, Duration::Milliseconds(30).nanoseconds());
}

// Post() never runs inside the call, and runs after the current callback.
TEST(EventLoopTest, PostRunsAfterTheCurrentCallback) {
  auto loop = NewLoop();
  std::vector<std::string> order;
  loop->Post([&] {
    order.push_back("first");
    loop->Post([&] { order.push_back("posted"); });
    order.push_back("first done");
  });
  EXPECT_TRUE(order.empty());
  ASSERT_TRUE(loop->RunUntil([&] { return order.size() == 3; }, kBound));
  EXPECT_EQ(order, (std::vector<std::string>{"first", "first done", "posted"}));
}

// A Post() chain yields to I/O between links instead of running in one go.
TEST(EventLoopTest, PostChainRunsOneLinkPerIteration) {
  auto loop = NewLoop();
  int links = 0;
  std::function<void()> link = [&] {
    ++links;
    if (links < 3) loop->Post(link);
  };
  loop->Post(link);
  EXPECT_EQ(loop->RunOnce(Duration::Zero()), 1u);
  EXPECT_EQ(links, 1);
  ASSERT_TRUE(loop->RunUntil([&] { return links == 3; }, kBound));
}

// Past deadlines are clamped to now: they run after what is already due.
TEST(EventLoopTest, PastTimesAreClampedToNow) {
  auto loop = NewLoop();
  std::vector<std::string> order;
  loop->Post([&] { order.push_back("posted"); });
  TimerId id = loop->ScheduleAt(Time::FromUnixSeconds(0), [&] { order.push_back("past"); });
  EXPECT_NE(id, kNoTimer);
  ASSERT_TRUE(loop->RunUntil([&] { return order.size() == 2; }, kBound));
  EXPECT_EQ(order, (std::vector<std::string>{"posted", "past"}));
}

// Cancel stops a pending timer; cancelling fired or unknown ids is a no-op.
TEST(EventLoopTest, CancelStopsAPendingTimer) {
  auto loop = NewLoop();
  int fired = 0;
  TimerId cancelled = loop->Post([&] { fired += 100; });
  TimerId kept = loop->Post([&] { fired += 1; });
  loop->Cancel(cancelled);
  loop->Cancel(987654);
  EXPECT_EQ(loop->pending_timers(), 1u);
  ASSERT_TRUE(loop->RunUntil([&] { return loop->pending_timers() == 0; }, kBound));
  loop->Cancel(kept);
  EXPECT_EQ(fired, 1);
}

// Now() is the wall clock.
TEST(EventLoopTest, NowIsTheWallClock) {
  auto loop = NewLoop();
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  const int64_t real = int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
  EXPECT_LT(std::abs(loop->Now().unix_nanos() - real), Duration::Seconds(1).nanoseconds());
}

// Stop() makes Run() return; what is still scheduled stays pending.
TEST(EventLoopTest, StopEndsRun) {
  auto loop = NewLoop();
  bool late_fired = false;
  loop->ScheduleAfter(Duration::Hours(1), [&] { late_fired = true; });
  loop->ScheduleAfter(Duration::Milliseconds(1), [&] { loop->Stop(); });
  loop->Run();
  EXPECT_FALSE(late_fired);
  EXPECT_EQ(loop->pending_timers(), 1u);
}

class CountingHandler : public IoHandler {
 public:
  void OnIoReady(uint32_t events) override {
    ++calls;
    last_events = events;
    if (on_ready) on_ready();
  }
  int calls = 0;
  uint32_t last_events = 0;
  std::function<void()> on_ready;
};

// Readiness of a watched descriptor reaches its handler.
TEST(EventLoopTest, WatchReportsReadiness) {
  auto loop = NewLoop();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  CountingHandler handler;
  ASSERT_TRUE(loop->Watch(fds[0], EPOLLIN, &handler).ok());
  EXPECT_EQ(loop->Watch(fds[0], EPOLLIN, &handler).code(), absl::StatusCode::kAlreadyExists);
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  ASSERT_TRUE(loop->RunUntil([&] { return handler.calls > 0; }, kBound));
  EXPECT_TRUE(handler.last_events & EPOLLIN);
  loop->Unwatch(fds[0]);
  EXPECT_FALSE(loop->IsWatched(fds[0]));
  close(fds[0]);
  close(fds[1]);
}

// A descriptor unwatched by an earlier handler of the same batch is not
// reported (its handler may be gone).
TEST(EventLoopTest, UnwatchDropsEventsAlreadyTaken) {
  auto loop = NewLoop();
  int a[2], b[2];
  ASSERT_EQ(pipe(a), 0);
  ASSERT_EQ(pipe(b), 0);
  CountingHandler first, second;
  first.on_ready = [&] { loop->Unwatch(b[0]); loop->Unwatch(a[0]); };
  second.on_ready = [&] { loop->Unwatch(a[0]); loop->Unwatch(b[0]); };
  ASSERT_TRUE(loop->Watch(a[0], EPOLLIN, &first).ok());
  ASSERT_TRUE(loop->Watch(b[0], EPOLLIN, &second).ok());
  ASSERT_EQ(write(a[1], "x", 1), 1);
  ASSERT_EQ(write(b[1], "x", 1), 1);
  ASSERT_TRUE(loop->RunUntil([&] { return first.calls + second.calls > 0; }, kBound));
  loop->RunOnce(Duration::Zero());
  EXPECT_EQ(first.calls + second.calls, 1);
  for (int fd : {a[0], a[1], b[0], b[1]}) close(fd);
}

// SIGTERM becomes a loop callback; the signal mask is restored afterwards.
TEST(EventLoopTest, ShutdownSignalRunsCallback) {
  int received = 0;
  {
    auto loop = NewLoop();
    ASSERT_TRUE(loop->HandleShutdownSignals([&](int signo) { received = signo; }).ok());
    ASSERT_EQ(kill(getpid(), SIGTERM), 0);
    ASSERT_TRUE(loop->RunUntil([&] { return received != 0; }, kBound));
  }
  EXPECT_EQ(received, SIGTERM);
  sigset_t mask;
  ASSERT_EQ(sigprocmask(SIG_BLOCK, nullptr, &mask), 0);
  EXPECT_FALSE(sigismember(&mask, SIGTERM));
  EXPECT_FALSE(sigismember(&mask, SIGINT));
}

// A wall-clock step forward does not fire pending timers early.
TEST(EventLoopTest, ClockStepForwardDoesNotFireTimersEarly) {
  FakeClocks clocks;
  EventLoopOptions options;
  options.clocks = &clocks;
  auto loop = NewLoop(options);
  bool fired = false;
  loop->ScheduleAfter(Duration::Seconds(10), [&] { fired = true; });
  clocks.real_ns += Duration::Hours(1).nanoseconds();  // operator sets the clock
  loop->RunOnce(Duration::Zero());
  EXPECT_FALSE(fired);
  EXPECT_EQ(loop->clock_steps(), 1u);
  clocks.Advance(Duration::Seconds(9));
  loop->RunOnce(Duration::Zero());
  EXPECT_FALSE(fired);
  clocks.Advance(Duration::Seconds(1));
  loop->RunOnce(Duration::Zero());
  EXPECT_TRUE(fired);
}

// A wall-clock step backward does not delay pending timers.
TEST(EventLoopTest, ClockStepBackwardDoesNotDelayTimers) {
  FakeClocks clocks;
  EventLoopOptions options;
  options.clocks = &clocks;
  auto loop = NewLoop(options);
  std::vector<int> fired;
  loop->ScheduleAfter(Duration::Seconds(10), [&] { fired.push_back(1); });
  loop->ScheduleAfter(Duration::Seconds(10), [&] { fired.push_back(2); });
  clocks.real_ns -= Duration::Hours(1).nanoseconds();
  clocks.Advance(Duration::Seconds(10));
  loop->RunOnce(Duration::Zero());
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

// Slewing below the threshold leaves timers on the wall clock.
TEST(EventLoopTest, SmallClockDriftIsNotAStep) {
  FakeClocks clocks;
  EventLoopOptions options;
  options.clocks = &clocks;
  auto loop = NewLoop(options);
  bool fired = false;
  loop->ScheduleAfter(Duration::Seconds(10), [&] { fired = true; });
  clocks.real_ns += Duration::Milliseconds(5).nanoseconds();
  clocks.Advance(Duration::Seconds(10) - Duration::Milliseconds(5));
  loop->RunOnce(Duration::Zero());
  EXPECT_TRUE(fired);
  EXPECT_EQ(loop->clock_steps(), 0u);
}

}  // namespace
}  // namespace lemonade::posix
