#include "posix/posix_environment.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace lemonade::posix {

absl::StatusOr<std::unique_ptr<PosixEnvironment>> PosixEnvironment::Create(
    PosixEnvironmentOptions options) {
  std::unique_ptr<PosixEnvironment> env(new PosixEnvironment());
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = EventLoop::Create(options.loop);
  if (!loop.ok()) return loop.status();
  env->loop_ = std::move(*loop);
  env->random_ = std::make_unique<SystemRandom>();
  if (options.log.clock == nullptr) options.log.clock = env->loop_.get();
  env->log_ = std::make_unique<StderrEventLog>(options.log);
  if (!options.data_root.empty()) {
    absl::StatusOr<std::unique_ptr<PosixDisk>> disk =
        PosixDisk::Open(env->loop_.get(), options.data_root);
    if (!disk.ok()) return disk.status();
    env->disk_ = std::move(*disk);
  }
  if (options.network.log == nullptr) options.network.log = env->log_.get();
  absl::StatusOr<std::unique_ptr<PosixNetwork>> network =
      PosixNetwork::Create(env->loop_.get(), std::move(options.network));
  if (!network.ok()) return network.status();
  env->network_ = std::move(*network);
  return env;
}

PosixEnvironment::~PosixEnvironment() {
  // Sockets first (they post to the loop), then the rest, the loop last.
  network_.reset();
  disk_.reset();
  log_.reset();
  random_.reset();
  loop_.reset();
}

Env PosixEnvironment::env() {
  Env env;
  env.timers = loop_.get();
  env.random = random_.get();
  env.network = network_.get();
  env.disk = disk_.get();
  env.log = log_.get();
  return env;
}

absl::Status PosixEnvironment::OnShutdownSignal(absl::AnyInvocable<void(int)> fn) {
  return loop_->HandleShutdownSignals(std::move(fn));
}

void PosixEnvironment::DrainAndStop(Duration grace) {
  if (draining_) return;
  draining_ = true;
  network_->StopListening();
  log_->Log(LogLevel::kInfo, "posix",
            absl::StrCat("shutting down: waiting for ", network_->stats().open_sockets,
                         " connection(s), at most ", grace.seconds(), " s"));
  grace_timer_ = loop_->ScheduleAfter(grace, [this] {
    grace_timer_ = kNoTimer;
    log_->Log(LogLevel::kWarning, "posix",
              absl::StrCat("shutdown grace period over with ", network_->stats().open_sockets,
                           " connection(s) open"));
    loop_->Stop();
  });
  network_->WhenAllClosed([this] { StopWhenDiskIdle(); });
}

void PosixEnvironment::StopWhenDiskIdle() {
  // Disk completions are posted tasks that finish within an iteration, so
  // re-checking from the loop converges at once; the grace timer bounds it.
  if (disk_ != nullptr && disk_->stats().pending_operations > 0) {
    loop_->Post([this] { StopWhenDiskIdle(); });
    return;
  }
  if (grace_timer_ != kNoTimer) loop_->Cancel(grace_timer_);
  grace_timer_ = kNoTimer;
  loop_->Stop();
}

}  // namespace lemonade::posix
