// PosixEnvironment: the whole posix world in one object — EventLoop,
// SystemRandom, PosixNetwork, PosixDisk and StderrEventLog — handing out the
// lemonade::Env that the server core and the client agent take.
//
// Members are built in dependency order and destroyed in reverse (network
// before loop). Servers built on env() must be destroyed before the
// environment.
//
// Graceful shutdown, as `lemonade serve` does it:
//
//   PosixEnvironmentOptions options;
//   options.data_root = "lemonade-data";
//   options.network.tls.cert_file = "lemonade-data/tls/cert.pem";
//   options.network.tls.key_file = "lemonade-data/tls/key.pem";
//   auto posix = PosixEnvironment::Create(options);
//   ImapServer imap((*posix)->env(), &store, config);
//   imap.Listen({"127.0.0.1", 1143});
//   (*posix)->OnShutdownSignal([&](int) {
//     imap.Shutdown();                                  // BYE, Close()
//     (*posix)->DrainAndStop(Duration::Seconds(10));    // then Run() returns
//   });
//   (*posix)->Run();
#ifndef LEMONADE_POSIX_POSIX_ENVIRONMENT_H_
#define LEMONADE_POSIX_POSIX_ENVIRONMENT_H_

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "env/env.h"
#include "posix/event_loop.h"
#include "posix/posix_disk.h"
#include "posix/posix_network.h"
#include "posix/stderr_event_log.h"
#include "posix/system_random.h"

namespace lemonade::posix {

struct PosixEnvironmentOptions {
  // The Disk's root directory (created if missing). Empty: no disk
  // (env().disk is null), for clients and tools that store nothing.
  std::string data_root;
  EventLoopOptions loop;
  // network.log defaults to the environment's log.
  NetworkOptions network;
  EventLogOptions log;
};

class PosixEnvironment {
 public:
  static absl::StatusOr<std::unique_ptr<PosixEnvironment>> Create(
      PosixEnvironmentOptions options);
  PosixEnvironment(const PosixEnvironment&) = delete;
  PosixEnvironment& operator=(const PosixEnvironment&) = delete;
  ~PosixEnvironment();

  // The boundary for the core. Pointers stay valid for the environment's
  // lifetime.
  Env env();

  EventLoop& loop() { return *loop_; }
  SystemRandom& random() { return *random_; }
  PosixNetwork& network() { return *network_; }
  PosixDisk* disk() { return disk_.get(); }  // null without a data root
  StderrEventLog& log() { return *log_; }

  // OnShutdownSignal: SIGTERM and SIGINT run `fn` from the loop.
  absl::Status OnShutdownSignal(absl::AnyInvocable<void(int)> fn);
  // DrainAndStop: stops accepting, then stops the loop once every
  // connection has closed and every pending fsync has completed, or after
  // `grace`, whichever comes first. Telling sessions to finish (BYE) is the
  // caller's part.
  void DrainAndStop(Duration grace);

  void Run() { loop_->Run(); }
  void Stop() { loop_->Stop(); }

 private:
  PosixEnvironment() = default;
  // Stops the loop once the disk has no operation in flight.
  void StopWhenDiskIdle();

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<SystemRandom> random_;
  std::unique_ptr<StderrEventLog> log_;
  std::unique_ptr<PosixDisk> disk_;
  std::unique_ptr<PosixNetwork> network_;
  bool draining_ = false;
  TimerId grace_timer_ = kNoTimer;
};

}  // namespace lemonade::posix

#endif  // LEMONADE_POSIX_POSIX_ENVIRONMENT_H_
