// The environment boundary: the only way the world (time, randomness,
// network, disk) reaches the server core and the client agent.
//
// Two worlds implement it: netsim/ (virtual clock, seeded randomness,
// simulated mobile links and disk, fully deterministic) and posix/ (epoll,
// real sockets, OpenSSL, files). Code above this line is written once and
// runs unchanged in both.
//
// Threading and re-entrancy contract, shared by both implementations:
//  - Everything runs on one event loop. Callbacks (timers, stream handlers,
//    accept handlers, disk completions) are only ever invoked from the loop,
//    never from inside a call the core made into the environment. So
//    `stream->Write()` never calls back into the handler before returning.
//  - A handler must not destroy the object that is calling it; destroy it
//    later with `timers->Post(...)`.
#ifndef LEMONADE_ENV_ENV_H_
#define LEMONADE_ENV_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "base/time.h"

namespace lemonade {

// Clock: the current time. Virtual in netsim, CLOCK_REALTIME in posix.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

using TimerId = uint64_t;
inline constexpr TimerId kNoTimer = 0;

// Timers: one-shot callbacks at a point in time. Timers due at the same time
// fire in the order they were scheduled.
class Timers {
 public:
  virtual ~Timers() = default;
  // Schedules `fn` at `when` (clamped to now if in the past). Returns an id
  // that is never kNoTimer.
  virtual TimerId ScheduleAt(Time when, absl::AnyInvocable<void()> fn) = 0;
  // Cancels a pending timer; cancelling a fired or unknown id is a no-op.
  virtual void Cancel(TimerId id) = 0;
  // Runs `fn` on the loop as soon as possible, after the current callback.
  TimerId Post(absl::AnyInvocable<void()> fn);
  virtual const Clock& clock() const = 0;
};

// Random: a stream of random bits. In netsim it is a seeded, named child
// stream of the run's root seed; in posix it is the OS's CSPRNG (keys and
// tokens must be unguessable on a real server).
class Random {
 public:
  virtual ~Random() = default;
  virtual uint64_t NextU64() = 0;
  // Fills `out` with random bytes.
  void Fill(absl::Span<uint8_t> out);
  // Uniform in [0, bound) without modulo bias; bound > 0.
  uint64_t Uniform(uint64_t bound);
};

enum class TlsRole { kClient, kServer };

// Receives what happens on a Stream. All calls come from the loop.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  // Bytes arrived, in order, exactly once (after TLS decryption, if any).
  virtual void OnStreamData(absl::string_view bytes) = 0;
  // Everything written so far has left the local send buffer: a good moment
  // to produce more output (flow control for large responses).
  virtual void OnStreamWritable() {}
  // The peer finished sending (orderly close) or the connection broke
  // (reset, timeout, address change). No more data will arrive. `status` is
  // OK for an orderly close by the peer.
  virtual void OnStreamClosed(absl::Status status) = 0;
};

// A reliable, ordered byte stream (TCP on posix, the simulated transport in
// netsim), optionally upgraded to TLS in the middle (STARTTLS).
class Stream {
 public:
  virtual ~Stream() = default;
  // The handler receives all further events; it must outlive the stream or
  // be replaced before it dies. Until set, arriving data is buffered.
  virtual void SetHandler(StreamHandler* handler) = 0;
  // Queues bytes for sending. Never blocks and never calls the handler.
  virtual void Write(absl::string_view bytes) = 0;
  // Bytes queued locally and not yet handed to the network.
  virtual size_t PendingWriteBytes() const = 0;
  // Orderly close once everything queued has been sent.
  virtual void Close() = 0;
  // Immediate reset; queued data is discarded.
  virtual void Abort() = 0;
  // Starts a TLS handshake on this stream; `done` runs when it completes or
  // fails. Bytes the peer sent before the handshake that were not yet
  // delivered are discarded (RFC 3207 §4.2, RFC 3501 §6.2.1: no plaintext
  // injection across STARTTLS).
  virtual void StartTls(TlsRole role, absl::AnyInvocable<void(absl::Status)> done) = 0;
  virtual bool is_tls() const = 0;
  // "host:port" of the peer, for logs and Received: headers.
  virtual std::string peer_address() const = 0;
  // Whether the peer is on this machine (loopback), which relaxes the
  // plaintext-authentication rule for local tools.
  virtual bool peer_is_local() const = 0;
  // A process-unique id for logs and traces.
  virtual uint64_t id() const = 0;
};

struct ListenOptions {
  std::string address;  // "127.0.0.1", "0.0.0.0", or a netsim host name.
  uint16_t port = 0;
  bool implicit_tls = false;  // RFC 8314: TLS from the first byte.
};

// Network: listen for and open streams.
class Network {
 public:
  virtual ~Network() = default;
  using AcceptHandler = absl::AnyInvocable<void(std::unique_ptr<Stream>)>;
  // Accepted streams are handed to `on_accept` (with implicit TLS, after the
  // handshake). Returns the bound port (useful with port 0).
  virtual absl::StatusOr<uint16_t> Listen(const ListenOptions& options,
                                          AcceptHandler on_accept) = 0;
  // Opens a stream to host:port; `done` receives it or the failure
  // (refused, unreachable, timed out).
  virtual void Connect(const std::string& host, uint16_t port,
                       absl::AnyInvocable<void(absl::StatusOr<std::unique_ptr<Stream>>)> done) = 0;
};

// A file opened for appending and reading. Appends are buffered until
// Sync() completes; a crash (simulated or real) may lose or tear unsynced
// appends but never synced ones.
class File {
 public:
  virtual ~File() = default;
  virtual absl::Status Append(absl::string_view bytes) = 0;
  // Makes every append before this call durable, then runs `done`.
  virtual void Sync(absl::AnyInvocable<void(absl::Status)> done) = 0;
  virtual absl::StatusOr<std::string> ReadAt(uint64_t offset, uint64_t length) = 0;
  virtual uint64_t size() const = 0;
};

// Disk: a directory tree of files. Paths are relative to the environment's
// data root and use '/'.
class Disk {
 public:
  virtual ~Disk() = default;
  // Opens `path` for appending, creating it if missing.
  virtual absl::StatusOr<std::unique_ptr<File>> OpenForAppend(const std::string& path) = 0;
  // Reads a whole file; NotFound if it does not exist.
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // Writes a file atomically and durably (temp file, sync, rename, sync
  // directory), then runs `done`.
  virtual void WriteFileAtomically(const std::string& path, std::string contents,
                                   absl::AnyInvocable<void(absl::Status)> done) = 0;
  virtual absl::Status Remove(const std::string& path) = 0;
  // Names (not paths) of the entries in a directory, sorted.
  virtual absl::StatusOr<std::vector<std::string>> List(const std::string& dir) = 0;
  virtual absl::Status MakeDirectories(const std::string& dir) = 0;
  // Truncates `path` to `size` bytes (recovery cuts a torn tail).
  virtual absl::Status Truncate(const std::string& path, uint64_t size) = 0;
};

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Where the core reports what it does: logs, protocol transcripts (the M:/I:/S:
// notation), and annotations netsim records in a run's trace.
class EventLog {
 public:
  virtual ~EventLog() = default;
  virtual void Log(LogLevel level, absl::string_view component, absl::string_view message) = 0;
  // A protocol line: `who` is the speaker ("C", "I", "S"), `connection` the
  // stream id. Implementations may ignore it when transcripts are off.
  virtual void Protocol(absl::string_view who, uint64_t connection, absl::string_view line) {}
};

// The whole boundary, as handed to a server or client. Not owned.
struct Env {
  Timers* timers = nullptr;
  Random* random = nullptr;
  Network* network = nullptr;
  Disk* disk = nullptr;
  EventLog* log = nullptr;

  Time Now() const { return timers->clock().Now(); }
};

}  // namespace lemonade

#endif  // LEMONADE_ENV_ENV_H_
