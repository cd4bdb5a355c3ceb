// EventLoop: the real-world event loop (epoll, timers, signals) that the
// posix binding runs on. It is lemonade::Timers and lemonade::Clock.
//
// One thread, one loop. Every callback (timer, I/O readiness, signal) runs
// from Run()/RunOnce(), never from inside a call into the loop, so the env.h
// re-entrancy contract holds: ScheduleAt(), Post() and Cancel() never run a
// callback before returning.
//
// Time. Now() is CLOCK_REALTIME (mail needs wall-clock dates). Timers are
// keyed on that same Time, so timers due at the same time fire in the order
// they were scheduled, exactly as in netsim. The wall clock can jump (an
// operator or NTP steps it), which would make every pending timer fire an
// hour early or late; the loop therefore also reads CLOCK_MONOTONIC, and
// when the two disagree by more than `clock_step_threshold` it shifts every
// pending timer by the step. Pending timers thus measure elapsed time, and
// their relative order never changes.
//
// Fairness. One RunOnce() iteration dispatches the ready I/O events, then the
// timers that were due when the iteration started; timers scheduled by those
// callbacks (Post()) run in the next iteration, after the loop has polled for
// I/O again, so a chain of Post()s cannot starve the sockets.
//
// Signals. HandleSignals() blocks the given signals and reads them from a
// signalfd, so SIGTERM/SIGINT become ordinary loop callbacks (graceful
// shutdown: stop accepting, finish in-flight work, then Stop()). The mask is
// restored when the loop is destroyed. Child processes inherit a blocked
// mask; the loop's owner should unblock before exec (we spawn none).
//
//   auto loop = EventLoop::Create();
//   (*loop)->HandleShutdownSignals([&](int signo) { server.Shutdown(); });
//   (*loop)->ScheduleAfter(Duration::Seconds(1), [] { ... });
//   (*loop)->Run();  // until Stop()
//
// Tests drive the loop with RunUntil(condition, bound) instead of sleeping.
#ifndef LEMONADE_POSIX_EVENT_LOOP_H_
#define LEMONADE_POSIX_EVENT_LOOP_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/time.h"
#include "env/env.h"

struct epoll_event;

namespace lemonade::posix {

// The two kernel clocks the loop reads. Production uses KernelClocks(); tests
// substitute fakes to check how the loop reacts to wall-clock steps.
class SystemClocks {
 public:
  virtual ~SystemClocks() = default;
  // CLOCK_REALTIME.
  virtual Time Realtime() const = 0;
  // CLOCK_MONOTONIC, in nanoseconds from an arbitrary origin.
  virtual int64_t MonotonicNanos() const = 0;
};

// The kernel's clocks (clock_gettime). A process-lifetime singleton.
const SystemClocks& KernelClocks();

// Receives readiness for one file descriptor. `events` is the epoll mask
// (EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR, ...).
class IoHandler {
 public:
  virtual void OnIoReady(uint32_t events) = 0;

 protected:
  ~IoHandler() = default;
};

struct EventLoopOptions {
  // Null means KernelClocks(). Not owned; must outlive the loop.
  const SystemClocks* clocks = nullptr;
  // A disagreement between the wall clock and the monotonic clock larger
  // than this is treated as a step of the wall clock (see the header
  // comment). NTP slewing stays far below it.
  Duration clock_step_threshold = Duration::Milliseconds(500);
  // Ready descriptors taken from epoll per iteration.
  int io_events_per_iteration_max = 256;
};

class EventLoop final : public Timers, public Clock {
 public:
  static absl::StatusOr<std::unique_ptr<EventLoop>> Create(EventLoopOptions options = {});
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  // Pending timers are dropped without running. Watched descriptors are not
  // closed (their owners do that). The signal mask is restored.
  ~EventLoop() override;

  // Clock: CLOCK_REALTIME.
  Time Now() const override;

  // Timers.
  TimerId ScheduleAt(Time when, absl::AnyInvocable<void()> fn) override;
  void Cancel(TimerId id) override;
  const Clock& clock() const override { return *this; }

  // ScheduleAfter: runs `fn` after `delay` from now.
  TimerId ScheduleAfter(Duration delay, absl::AnyInvocable<void()> fn) {
    return ScheduleAt(Now() + delay, std::move(fn));
  }

  // Watch: reports readiness of `fd` for `events` (level-triggered) to
  // `handler` until Unwatch(fd). The handler must outlive the watch. A fd
  // is watched at most once.
  absl::Status Watch(int fd, uint32_t events, IoHandler* handler);
  // SetEvents: changes the events a watched fd is reported for.
  absl::Status SetEvents(int fd, uint32_t events);
  // Unwatch: stops reporting `fd`; events for it already taken from epoll in
  // this iteration are dropped. Call before closing the fd. No-op if the fd
  // is not watched.
  void Unwatch(int fd);
  bool IsWatched(int fd) const { return watched_.contains(fd); }

  // HandleSignals: from now on, delivery of any of `signals` runs
  // `on_signal(signo)` from the loop instead of the default action. Replaces
  // an earlier registration.
  absl::Status HandleSignals(const std::vector<int>& signals,
                             absl::AnyInvocable<void(int)> on_signal);
  // HandleShutdownSignals: HandleSignals for SIGTERM and SIGINT.
  absl::Status HandleShutdownSignals(absl::AnyInvocable<void(int)> on_signal);

  // Run: runs iterations until Stop(). A Stop() issued before Run() makes
  // it return after one iteration.
  void Run();
  // Stop: makes Run() return after the current iteration. Pending timers
  // stay pending.
  void Stop() { stop_requested_ = true; }

  // RunOnce: one iteration: waits at most `timeout` for I/O (not at all if a
  // timer is due), dispatches ready I/O, then runs due timers. Returns the
  // number of callbacks run. Must not be called from a callback.
  size_t RunOnce(Duration timeout);
  // RunUntil: iterations until `done()` holds (checked before each) or
  // `timeout` of monotonic time has passed. Returns done(). For tests and
  // for draining at shutdown.
  bool RunUntil(absl::FunctionRef<bool()> done, Duration timeout);

  // Timers scheduled and neither run nor cancelled.
  size_t pending_timers() const { return timer_keys_.size(); }
  // Callbacks run so far (timers, I/O, signals).
  uint64_t callbacks_run() const { return callbacks_run_; }
  // Wall-clock steps detected and compensated so far.
  uint64_t clock_steps() const { return clock_steps_; }

 private:
  // Heap key: when (wall clock ns), then scheduling order. TimerId is the
  // scheduling sequence number, so it doubles as the tie-break.
  using TimerKey = std::pair<int64_t, TimerId>;
  class SignalWatcher;

  EventLoop(EventLoopOptions options, int epoll_fd);
  // Compares the two clocks with the last sample and shifts pending timers
  // if the wall clock stepped.
  void CheckClockStep();
  size_t DispatchIo(int timeout_ms);
  size_t RunDueTimers();
  // Milliseconds epoll may sleep given the earliest timer and `timeout`.
  int WaitMilliseconds(Duration timeout) const;

  EventLoopOptions options_;
  const SystemClocks* clocks_;
  int epoll_fd_;
  bool running_ = false;
  bool stop_requested_ = false;
  uint64_t callbacks_run_ = 0;
  uint64_t clock_steps_ = 0;

  // Last clock sample, for step detection.
  int64_t last_real_ns_ = 0;
  int64_t last_mono_ns_ = 0;

  TimerId next_timer_id_ = 1;
  absl::btree_map<TimerKey, absl::AnyInvocable<void()>> timers_;
  absl::flat_hash_map<TimerId, int64_t> timer_keys_;  // id -> when

  // Watched descriptors. epoll carries a registration token rather than a
  // pointer, so an event for a descriptor unwatched (or reused) earlier in
  // the same batch is recognised as stale and dropped.
  struct Watched {
    IoHandler* handler;
    uint64_t token;
  };
  absl::flat_hash_map<int, Watched> watched_;
  absl::flat_hash_map<uint64_t, int> fd_by_token_;
  uint64_t next_token_ = 1;
  std::unique_ptr<struct epoll_event[]> ready_;  // io_events_per_iteration_max

  std::unique_ptr<SignalWatcher> signals_;
};

}  // namespace lemonade::posix

#endif  // LEMONADE_POSIX_EVENT_LOOP_H_
