// Test helpers for the posix binding: a recording StreamHandler, a raw
// non-blocking client socket driven by the loop (to play a peer that our
// Stream implementation would not let us be: half-close, plaintext
// injection), temporary directories and a shared self-signed certificate.
//
//   RecordingHandler handler;
//   stream->SetHandler(&handler);
//   ASSERT_TRUE(loop->RunUntil([&] { return handler.data.size() >= 5; }, kBound));
#ifndef LEMONADE_POSIX_POSIX_TEST_UTIL_H_
#define LEMONADE_POSIX_POSIX_TEST_UTIL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "env/env.h"
#include "posix/event_loop.h"
#include "posix/posix_network.h"

namespace lemonade::posix::testing {

// Upper bound for any wait in a test: generous for a loaded CI machine;
// tests finish in milliseconds when things work.
inline constexpr Duration kBound = Duration::Seconds(20);

// Records what a stream reports; optional hooks react to it.
class RecordingHandler : public StreamHandler {
 public:
  void OnStreamData(absl::string_view bytes) override;
  void OnStreamWritable() override;
  void OnStreamClosed(absl::Status status) override;

  std::string data;
  int writable = 0;
  int closed = 0;  // must never exceed 1
  absl::Status close_status;
  std::function<void(absl::string_view)> on_data;
  std::function<void()> on_writable;
  std::function<void(const absl::Status&)> on_closed;
};

// Echoes everything it receives back on the same stream.
class EchoHandler : public StreamHandler {
 public:
  explicit EchoHandler(std::unique_ptr<Stream> stream);
  void OnStreamData(absl::string_view bytes) override;
  void OnStreamClosed(absl::Status status) override;
  Stream& stream() { return *stream_; }
  uint64_t received() const { return received_; }
  bool closed() const { return closed_; }

 private:
  std::unique_ptr<Stream> stream_;
  uint64_t received_ = 0;
  bool closed_ = false;
};

// A plain non-blocking TCP client outside PosixNetwork, read from the loop.
class RawClient : public IoHandler {
 public:
  // Connects (blocking; loopback) to 127.0.0.1:port. With `read` false the
  // client never reads: the peer's bytes pile up in the kernel.
  static std::unique_ptr<RawClient> Connect(EventLoop* loop, uint16_t port, bool read = true);
  ~RawClient();
  // Writes everything (blocking until the kernel took it).
  void Send(absl::string_view bytes);
  void ShutdownWrite();
  void OnIoReady(uint32_t events) override;

  std::string received;
  bool eof = false;
  int error = 0;  // errno of a failed read (ECONNRESET for a reset)

 private:
  RawClient(EventLoop* loop, int fd) : loop_(loop), fd_(fd) {}
  EventLoop* loop_;
  int fd_;
};

// Connects through `network` and runs the loop until the result is in.
absl::StatusOr<std::unique_ptr<Stream>> ConnectAndWait(EventLoop* loop, PosixNetwork* network,
                                                       const std::string& host, uint16_t port);

// A fresh directory under the test's TEST_TMPDIR.
std::string NewTempDir();

struct TestCertificate {
  std::string cert_file;
  std::string key_file;
};
// A self-signed certificate for "localhost", generated once per process.
const TestCertificate& SharedTestCertificate();

// Deterministic test payload: byte i is a function of i and `seed`.
std::string Pattern(size_t size, uint32_t seed);

}  // namespace lemonade::posix::testing

#endif  // LEMONADE_POSIX_POSIX_TEST_UTIL_H_
