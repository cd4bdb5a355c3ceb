#include "netsim/event_loop.h"

#include <algorithm>
#include <utility>

#include "base/check.h"

namespace lemonade::netsim {
namespace {

TimerId MakeId(uint32_t slot, uint32_t generation) {
  // slot + 1 so that an id is never kNoTimer (0).
  return (static_cast<uint64_t>(generation) << 32) | (static_cast<uint64_t>(slot) + 1);
}

}  // namespace

EventLoop::EventLoop(Time start) : now_(start) {}

EventLoop::~EventLoop() {
  // Callbacks may own objects whose destructors cancel other events; clear
  // them one by one so those cancels see a consistent table.
  // Indexing (not references): a destructor may schedule, growing slots_.
  for (size_t i = 0; i < slots_.size(); ++i) {
    absl::AnyInvocable<void()> fn = std::move(slots_[i].fn);
    slots_[i].live = false;
  }
}

TimerId EventLoop::ScheduleAt(Time when, absl::AnyInvocable<void()> fn) {
  if (when < now_) when = now_;  // Clamped: see the header.
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    CHECK(slots_.size() < 0xffffffffu) << "too many pending events";
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  s.live = true;
  ++live_;
  heap_.push_back(Entry{when.unix_nanos(), next_seq_++, slot, s.generation});
  std::push_heap(heap_.begin(), heap_.end(), Later());
  return MakeId(slot, s.generation);
}

void EventLoop::FreeSlot(uint32_t slot) {
  Slot& s = slots_[slot];
  s.live = false;
  ++s.generation;
  if (s.generation == 0) s.generation = 1;
  free_slots_.push_back(slot);
  --live_;
}

void EventLoop::Cancel(TimerId id) {
  if (id == kNoTimer) return;
  const uint64_t slot_plus_one = id & 0xffffffffu;
  const uint32_t generation = static_cast<uint32_t>(id >> 32);
  if (slot_plus_one == 0 || slot_plus_one > slots_.size()) return;
  const uint32_t slot = static_cast<uint32_t>(slot_plus_one - 1);
  Slot& s = slots_[slot];
  if (!s.live || s.generation != generation) return;
  // Destroying the callback may cancel other events (its captures'
  // destructors); take it out of the table first.
  absl::AnyInvocable<void()> fn = std::move(s.fn);
  FreeSlot(slot);
}

void EventLoop::SkipDead() {
  while (!heap_.empty()) {
    const Entry& top = heap_.front();
    const Slot& s = slots_[top.slot];
    if (s.live && s.generation == top.generation) return;
    std::pop_heap(heap_.begin(), heap_.end(), Later());
    heap_.pop_back();
  }
}

Time EventLoop::NextEventTime() {
  SkipDead();
  return heap_.empty() ? Time::InfiniteFuture() : Time::FromUnixNanos(heap_.front().when);
}

bool EventLoop::RunOne() {
  SkipDead();
  if (heap_.empty()) return false;
  const Entry top = heap_.front();
  std::pop_heap(heap_.begin(), heap_.end(), Later());
  heap_.pop_back();
  absl::AnyInvocable<void()> fn = std::move(slots_[top.slot].fn);
  FreeSlot(top.slot);
  now_ = Time::FromUnixNanos(top.when);
  ++events_run_;
  fn();
  return true;
}

void EventLoop::RunUntil(Time t) {
  CHECK(!running_) << "EventLoop::Run* called from inside a callback";
  running_ = true;
  while (NextEventTime() <= t) RunOne();
  if (t > now_) now_ = t;
  running_ = false;
}

bool EventLoop::RunUntilIdle(Time limit) {
  CHECK(!running_) << "EventLoop::Run* called from inside a callback";
  running_ = true;
  bool idle = true;
  while (true) {
    Time next = NextEventTime();
    if (next == Time::InfiniteFuture()) break;
    if (next > limit) {
      idle = false;
      if (limit > now_) now_ = limit;
      break;
    }
    RunOne();
  }
  running_ = false;
  return idle;
}

bool EventLoop::RunUntil(absl::FunctionRef<bool()> done, Time limit) {
  CHECK(!running_) << "EventLoop::Run* called from inside a callback";
  running_ = true;
  bool result = false;
  while (true) {
    if (done()) {
      result = true;
      break;
    }
    Time next = NextEventTime();
    if (next > limit) {
      if (limit > now_ && limit != Time::InfiniteFuture()) now_ = limit;
      break;
    }
    RunOne();
  }
  running_ = false;
  return result;
}

Alarm::Alarm(EventLoop* loop, absl::AnyInvocable<void()> on_fire)
    : loop_(loop), on_fire_(std::move(on_fire)) {}

Alarm::~Alarm() { Cancel(); }

void Alarm::Set(Time deadline) {
  if (deadline < loop_->Now()) deadline = loop_->Now();
  deadline_ = deadline;
  set_ = true;
  // An event already scheduled at or before the deadline will re-arm.
  if (timer_ != kNoTimer && scheduled_for_ <= deadline) return;
  if (timer_ != kNoTimer) loop_->Cancel(timer_);
  scheduled_for_ = deadline;
  timer_ = loop_->ScheduleAt(deadline, [this] { Fire(); });
}

void Alarm::Cancel() {
  set_ = false;
  if (timer_ != kNoTimer) {
    loop_->Cancel(timer_);
    timer_ = kNoTimer;
  }
}

void Alarm::Fire() {
  timer_ = kNoTimer;
  if (!set_) return;
  if (loop_->Now() < deadline_) {
    scheduled_for_ = deadline_;
    timer_ = loop_->ScheduleAt(deadline_, [this] { Fire(); });
    return;
  }
  set_ = false;
  on_fire_();
}

}  // namespace lemonade::netsim
