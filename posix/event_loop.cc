#include "posix/event_loop.h"

#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace lemonade::posix {
namespace {

class Kernel final : public SystemClocks {
 public:
  Time Realtime() const override {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return Time::FromUnixNanos(int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec);
  }
  int64_t MonotonicNanos() const override {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
  }
};

absl::Status ErrnoStatus(absl::string_view what, int err) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(err)));
}

// a + b without signed overflow (timers at InfiniteFuture stay there).
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? INT64_MAX : INT64_MIN;
  return out;
}

}  // namespace

const SystemClocks& KernelClocks() {
  static const Kernel* const kernel = new Kernel();
  return *kernel;
}

// Turns blocked signals into loop callbacks through a signalfd.
class EventLoop::SignalWatcher final : public IoHandler {
 public:
  SignalWatcher(EventLoop* loop, sigset_t set, sigset_t old_mask, int fd,
                absl::AnyInvocable<void(int)> on_signal)
      : loop_(loop), set_(set), old_mask_(old_mask), fd_(fd), on_signal_(std::move(on_signal)) {}

  ~SignalWatcher() {
    loop_->Unwatch(fd_);
    // Drop what is pending, or unblocking would apply the default action
    // (termination) to a signal we already promised to handle.
    Drain(/*deliver=*/false);
    close(fd_);
    sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
  }

  int fd() const { return fd_; }

  void OnIoReady(uint32_t events) override { Drain(/*deliver=*/true); }

 private:
  void Drain(bool deliver) {
    // Bounded: at most one siginfo per pending signal number is queued for
    // standard signals, so a handful of reads empties the descriptor.
    for (int i = 0; i < 64; ++i) {
      struct signalfd_siginfo info;
      ssize_t n = read(fd_, &info, sizeof(info));
      if (n != static_cast<ssize_t>(sizeof(info))) return;
      if (deliver) on_signal_(static_cast<int>(info.ssi_signo));
    }
  }

  EventLoop* loop_;
  sigset_t set_;
  sigset_t old_mask_;
  int fd_;
  absl::AnyInvocable<void(int)> on_signal_;
};

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create(EventLoopOptions options) {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return ErrnoStatus("epoll_create1", errno);
  return std::unique_ptr<EventLoop>(new EventLoop(options, fd));
}

EventLoop::EventLoop(EventLoopOptions options, int epoll_fd)
    : options_(options),
      clocks_(options.clocks != nullptr ? options.clocks : &KernelClocks()),
      epoll_fd_(epoll_fd) {
  options_.io_events_per_iteration_max = std::max(1, options_.io_events_per_iteration_max);
  ready_ = std::make_unique<struct epoll_event[]>(
      static_cast<size_t>(options_.io_events_per_iteration_max));
  last_real_ns_ = clocks_->Realtime().unix_nanos();
  last_mono_ns_ = clocks_->MonotonicNanos();
}

EventLoop::~EventLoop() {
  signals_.reset();
  // Destroying a callback may run destructors that call Cancel(); empty the
  // maps first so such calls find nothing.
  auto doomed = std::move(timers_);
  timers_.clear();
  timer_keys_.clear();
  doomed.clear();
  close(epoll_fd_);
}

Time EventLoop::Now() const { return clocks_->Realtime(); }

void EventLoop::CheckClockStep() {
  const int64_t real = clocks_->Realtime().unix_nanos();
  const int64_t mono = clocks_->MonotonicNanos();
  const int64_t expected = last_real_ns_ + (mono - last_mono_ns_);
  const int64_t step = real - expected;
  last_real_ns_ = real;
  last_mono_ns_ = mono;
  if (std::abs(step) <= options_.clock_step_threshold.nanoseconds() || timers_.empty()) return;
  ++clock_steps_;
  // Every pending timer moves by the step, so the time left until it fires
  // is what it was, and the order (a uniform shift) is unchanged.
  absl::btree_map<TimerKey, absl::AnyInvocable<void()>> shifted;
  for (auto& [key, fn] : timers_) {
    const int64_t when = key.first == INT64_MAX ? INT64_MAX : SaturatingAdd(key.first, step);
    shifted.emplace(TimerKey{when, key.second}, std::move(fn));
    timer_keys_[key.second] = when;
  }
  timers_ = std::move(shifted);
}

TimerId EventLoop::ScheduleAt(Time when, absl::AnyInvocable<void()> fn) {
  CheckClockStep();
  const int64_t at = std::max(when.unix_nanos(), last_real_ns_);
  const TimerId id = next_timer_id_++;
  timers_.emplace(TimerKey{at, id}, std::move(fn));
  timer_keys_[id] = at;
  return id;
}

void EventLoop::Cancel(TimerId id) {
  auto it = timer_keys_.find(id);
  if (it == timer_keys_.end()) return;
  // Erase the key first: destroying the callback may call Cancel again.
  auto node = timers_.extract(TimerKey{it->second, id});
  timer_keys_.erase(it);
}

absl::Status EventLoop::Watch(int fd, uint32_t events, IoHandler* handler) {
  CHECK(handler != nullptr);
  if (watched_.contains(fd)) {
    return absl::AlreadyExistsError(absl::StrCat("fd ", fd, " is already watched"));
  }
  const uint64_t token = next_token_++;
  struct epoll_event ev;
  std::memset(&ev, 0, sizeof(ev));
  ev.events = events;
  ev.data.u64 = token;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return ErrnoStatus("epoll_ctl(ADD)", errno);
  watched_[fd] = Watched{handler, token};
  fd_by_token_[token] = fd;
  return absl::OkStatus();
}

absl::Status EventLoop::SetEvents(int fd, uint32_t events) {
  auto it = watched_.find(fd);
  if (it == watched_.end()) return absl::NotFoundError(absl::StrCat("fd ", fd, " is not watched"));
  struct epoll_event ev;
  std::memset(&ev, 0, sizeof(ev));
  ev.events = events;
  ev.data.u64 = it->second.token;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) return ErrnoStatus("epoll_ctl(MOD)", errno);
  return absl::OkStatus();
}

void EventLoop::Unwatch(int fd) {
  auto it = watched_.find(fd);
  if (it == watched_.end()) return;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  fd_by_token_.erase(it->second.token);
  watched_.erase(it);
}

absl::Status EventLoop::HandleSignals(const std::vector<int>& signals,
                                      absl::AnyInvocable<void(int)> on_signal) {
  signals_.reset();  // restores the mask of an earlier registration
  sigset_t set;
  sigemptyset(&set);
  for (int signo : signals) {
    if (sigaddset(&set, signo) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad signal number ", signo));
    }
  }
  sigset_t old_mask;
  if (sigprocmask(SIG_BLOCK, &set, &old_mask) != 0) return ErrnoStatus("sigprocmask", errno);
  int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    return ErrnoStatus("signalfd", err);
  }
  auto watcher = std::make_unique<SignalWatcher>(this, set, old_mask, fd, std::move(on_signal));
  if (absl::Status s = Watch(fd, EPOLLIN, watcher.get()); !s.ok()) return s;
  signals_ = std::move(watcher);
  return absl::OkStatus();
}

absl::Status EventLoop::HandleShutdownSignals(absl::AnyInvocable<void(int)> on_signal) {
  return HandleSignals({SIGTERM, SIGINT}, std::move(on_signal));
}

int EventLoop::WaitMilliseconds(Duration timeout) const {
  int64_t wait_ns = timeout < Duration::Zero() ? 0 : timeout.nanoseconds();
  if (!timers_.empty()) {
    const int64_t until_timer = timers_.begin()->first.first - clocks_->Realtime().unix_nanos();
    wait_ns = std::min(wait_ns, std::max<int64_t>(until_timer, 0));
  }
  if (wait_ns == INT64_MAX) return -1;
  // Round up: waking a hair early would only spin one more iteration.
  const int64_t ms = wait_ns / 1000000 + (wait_ns % 1000000 != 0 ? 1 : 0);
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

size_t EventLoop::DispatchIo(int timeout_ms) {
  struct epoll_event* events = ready_.get();
  int n = epoll_wait(epoll_fd_, events, options_.io_events_per_iteration_max, timeout_ms);
  if (n < 0) {
    CHECK(errno == EINTR) << "epoll_wait: " << std::strerror(errno);
    return 0;
  }
  size_t ran = 0;
  for (int i = 0; i < n; ++i) {
    auto token = fd_by_token_.find(events[i].data.u64);
    if (token == fd_by_token_.end()) continue;  // unwatched earlier in this batch
    IoHandler* handler = watched_.at(token->second).handler;
    handler->OnIoReady(events[i].events);
    ++ran;
  }
  return ran;
}

size_t EventLoop::RunDueTimers() {
  CheckClockStep();
  const int64_t now = last_real_ns_;
  // Only timers that existed when this phase began: what they schedule runs
  // next iteration, after the loop has looked at the sockets again.
  const TimerId newest = next_timer_id_ - 1;
  size_t ran = 0;
  while (!timers_.empty()) {
    auto it = timers_.begin();
    if (it->first.first > now || it->first.second > newest) break;
    absl::AnyInvocable<void()> fn = std::move(it->second);
    timer_keys_.erase(it->first.second);
    timers_.erase(it);
    fn();
    ++ran;
  }
  return ran;
}

size_t EventLoop::RunOnce(Duration timeout) {
  CHECK(!running_) << "RunOnce called from a loop callback";
  running_ = true;
  CheckClockStep();
  size_t ran = DispatchIo(WaitMilliseconds(timeout));
  ran += RunDueTimers();
  running_ = false;
  callbacks_run_ += ran;
  return ran;
}

bool EventLoop::RunUntil(absl::FunctionRef<bool()> done, Duration timeout) {
  const bool bounded = timeout != Duration::Infinite();
  const int64_t deadline = SaturatingAdd(clocks_->MonotonicNanos(), timeout.nanoseconds());
  while (!done()) {
    Duration remaining = Duration::Infinite();
    if (bounded) {
      remaining = Duration::Nanoseconds(deadline - clocks_->MonotonicNanos());
      if (remaining <= Duration::Zero()) return done();
    }
    RunOnce(remaining);
  }
  return true;
}

void EventLoop::Run() {
  while (!stop_requested_) RunOnce(Duration::Infinite());
  stop_requested_ = false;
}

}  // namespace lemonade::posix
