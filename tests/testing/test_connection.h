// TestConnection: a raw client connection for end-to-end tests — it sends
// bytes and collects everything the server says, and the test runs the
// world until an expected piece of text has arrived. Works on any Env
// (netsim or posix); the wait function drives the right loop.
//
//   TestConnection c(env, "imap.example.org", 143, run_until);
//   ASSERT_TRUE(c.WaitFor("* OK"));
//   c.Send("a1 LOGIN bob secret\r\n");
//   ASSERT_TRUE(c.WaitFor("a1 OK"));
#ifndef LEMONADE_TESTS_TESTING_TEST_CONNECTION_H_
#define LEMONADE_TESTS_TESTING_TEST_CONNECTION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "env/env.h"

namespace lemonade::testing {

// Runs the environment's loop until `done()` or a time limit; returns
// whether `done()` became true.
using RunUntilFn = std::function<bool(std::function<bool()> done)>;

class TestConnection : public StreamHandler {
 public:
  // One OnStreamData() call: when it came and how many bytes it carried
  // (a server's single write arrives as one, unless it spans segments).
  struct Arrival {
    Time at;
    size_t bytes = 0;
  };

  TestConnection(const Env& env, const std::string& host, uint16_t port, RunUntilFn run_until);
  ~TestConnection() override;

  bool connected() const { return stream_ != nullptr; }
  bool closed() const { return closed_; }
  // Everything received so far, and what arrived since the last Take().
  const std::string& received() const { return received_; }
  std::string TakeNew();

  void Send(absl::string_view bytes);
  // Runs until `text` appears in what arrived after the last Take/WaitFor
  // mark (the mark then moves past it). False on timeout.
  bool WaitFor(absl::string_view text);
  // Runs until a complete line starting with `prefix` arrives after the
  // mark; returns everything from the mark through that line (and moves
  // the mark past it), or "" on timeout.
  std::string WaitForLine(absl::string_view prefix);
  // The same for the first complete line (without CRLF) that `matches`.
  std::string WaitForLineWhere(const std::function<bool(absl::string_view)>& matches);
  // Runs until the server closes the connection.
  bool WaitForClose();
  void StartTls(std::function<void(absl::Status)> done);
  void Close();
  Stream* stream() { return stream_.get(); }
  // Every delivery of bytes, in order.
  const std::vector<Arrival>& arrivals() const { return arrivals_; }

  void OnStreamData(absl::string_view bytes) override;
  void OnStreamClosed(absl::Status status) override;

 private:
  Env env_;
  RunUntilFn run_until_;
  std::unique_ptr<Stream> stream_;
  std::string received_;
  std::vector<Arrival> arrivals_;
  size_t mark_ = 0;
  bool closed_ = false;
  bool connect_failed_ = false;
};

}  // namespace lemonade::testing

#endif  // LEMONADE_TESTS_TESTING_TEST_CONNECTION_H_
