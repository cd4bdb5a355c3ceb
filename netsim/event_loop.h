// EventLoop: the discrete-event scheduler every simulated component runs on.
//
// Time is virtual integer nanoseconds (base/time.h); the loop never reads
// the wall clock. An event is a callback at a Time; events due at the same
// time run in the order they were scheduled (a global insertion sequence
// number breaks ties), so a run is a pure function of its inputs.
//
// Scheduling into the past is clamped to now (the env.h Timers contract):
// such an event runs after everything already due now, in insertion order.
// It is not an error because upper layers legitimately compute deadlines
// that have already passed.
//
// Callbacks may schedule and cancel events, but must not call the Run*
// methods (checked).
//
//   EventLoop loop(Time::FromUnixSeconds(1704067200));
//   loop.ScheduleAt(loop.Now() + Duration::Milliseconds(5), [] { ... });
//   loop.RunFor(Duration::Seconds(1));
//
// Alarm (below) is the pattern for timers that are re-armed often (TCP's
// retransmission timer): moving a deadline later costs no heap operation.
#ifndef LEMONADE_NETSIM_EVENT_LOOP_H_
#define LEMONADE_NETSIM_EVENT_LOOP_H_

#include <cstdint>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "base/time.h"
#include "env/env.h"

namespace lemonade::netsim {

class EventLoop final : public Timers, public Clock {
 public:
  explicit EventLoop(Time start);
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop() override;

  // Clock.
  Time Now() const override { return now_; }

  // Timers. Ids encode a slot and a generation, so a fired or cancelled id
  // never matches a later event.
  TimerId ScheduleAt(Time when, absl::AnyInvocable<void()> fn) override;
  void Cancel(TimerId id) override;
  const Clock& clock() const override { return *this; }

  // Schedules `fn` after `delay` from now.
  TimerId ScheduleAfter(Duration delay, absl::AnyInvocable<void()> fn) {
    return ScheduleAt(now_ + delay, std::move(fn));
  }

  // Runs the earliest pending event. Returns false if there was none.
  bool RunOne();
  // Runs every event due at or before `t`, then sets the clock to `t`
  // (if `t` is later than now).
  void RunUntil(Time t);
  void RunFor(Duration d) { RunUntil(now_ + d); }
  // Runs events until none are left or the next one is after `limit`.
  // Returns true if the loop went idle (the clock stays at the last
  // event), false if it stopped at the limit (the clock is then `limit`).
  bool RunUntilIdle(Time limit);
  // Runs events until `done()` holds (checked before each event) or the
  // next event is after `limit`. Returns done(). When it returns false
  // because the limit was reached, the clock is `limit`.
  bool RunUntil(absl::FunctionRef<bool()> done, Time limit);

  // Events run so far.
  uint64_t events_run() const { return events_run_; }
  // Events scheduled and not yet run or cancelled.
  size_t pending() const { return live_; }
  // Time of the earliest pending event, or InfiniteFuture if none.
  Time NextEventTime();

 private:
  struct Entry {
    int64_t when;
    uint64_t seq;
    uint32_t slot;
    uint32_t generation;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.when != b.when ? a.when > b.when : a.seq > b.seq;
    }
  };
  struct Slot {
    absl::AnyInvocable<void()> fn;
    uint32_t generation = 1;
    bool live = false;
  };

  // Drops cancelled entries from the top of the heap.
  void SkipDead();
  void FreeSlot(uint32_t slot);

  Time now_;
  uint64_t next_seq_ = 0;
  uint64_t events_run_ = 0;
  size_t live_ = 0;
  bool running_ = false;
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
};

// A re-armable one-shot timer on an EventLoop. Set() replaces the deadline;
// moving it later keeps the scheduled event and re-arms when it fires, so a
// timer restarted on every ACK costs O(1). Not copyable or movable (the
// loop holds a pointer to it); cancels itself on destruction.
class Alarm {
 public:
  Alarm(EventLoop* loop, absl::AnyInvocable<void()> on_fire);
  Alarm(const Alarm&) = delete;
  Alarm& operator=(const Alarm&) = delete;
  ~Alarm();

  void Set(Time deadline);
  void Cancel();
  bool is_set() const { return set_; }
  Time deadline() const { return deadline_; }

 private:
  void Fire();

  EventLoop* loop_;
  absl::AnyInvocable<void()> on_fire_;
  TimerId timer_ = kNoTimer;
  Time scheduled_for_;
  Time deadline_;
  bool set_ = false;
};

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_EVENT_LOOP_H_
