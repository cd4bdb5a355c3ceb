// Test helpers for netsim and its users: a stream handler that records
// what it receives, a server that accepts and optionally echoes, and a
// client that connects and keeps its stream.
//
//   World world;
//   world.AddHost("server");
//   world.AddHost("phone");
//   TestServer server(world.EnvFor("server"), 143);
//   TestClient client(world.EnvFor("phone"), "server", 143);
//   world.RunFor(Duration::Seconds(1));
//   client.stream->Write("a1 NOOP\r\n");
#ifndef LEMONADE_NETSIM_TEST_UTIL_H_
#define LEMONADE_NETSIM_TEST_UTIL_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/check.h"
#include "base/time.h"
#include "env/env.h"

namespace lemonade {
// Readable gtest failure messages for time values (found by ADL).
inline void PrintTo(Duration d, std::ostream* os) { *os << d.nanoseconds() << " ns"; }
inline void PrintTo(Time t, std::ostream* os) { *os << "unix " << t.unix_nanos() << " ns"; }
}  // namespace lemonade

namespace lemonade::netsim {

// Records stream events. `on_data` / `on_closed` run after recording.
class RecordingHandler : public StreamHandler {
 public:
  void OnStreamData(absl::string_view bytes) override {
    data.append(bytes.data(), bytes.size());
    ++data_calls;
    if (on_data) on_data(bytes);
  }
  void OnStreamWritable() override { ++writable_calls; }
  void OnStreamClosed(absl::Status s) override {
    ++closed_calls;
    status = std::move(s);
    if (on_closed) on_closed();
  }
  bool closed() const { return closed_calls > 0; }

  std::string data;
  int data_calls = 0;
  int writable_calls = 0;
  int closed_calls = 0;
  absl::Status status;
  std::function<void(absl::string_view)> on_data;
  std::function<void()> on_closed;
};

// Listens on `port` and keeps every accepted stream with a handler; with
// `echo`, writes back what it receives (and closes when the peer does).
class TestServer {
 public:
  struct Connection {
    std::unique_ptr<Stream> stream;
    RecordingHandler handler;
  };

  TestServer(Env env, uint16_t port, bool echo = false, bool implicit_tls = false)
      : env_(env), echo_(echo) {
    ListenOptions options;
    options.port = port;
    options.implicit_tls = implicit_tls;
    absl::StatusOr<uint16_t> bound =
        env.network->Listen(options, [this](std::unique_ptr<Stream> s) { Accept(std::move(s)); });
    CHECK(bound.ok()) << bound.status();
    port_ = *bound;
  }

  uint16_t port() const { return port_; }
  std::vector<std::unique_ptr<Connection>>& connections() { return connections_; }
  Connection& last() {
    CHECK(!connections_.empty()) << "no connection accepted";
    return *connections_.back();
  }
  // Set before connections arrive: called for each accepted stream.
  std::function<void(Connection&)> on_accept;

 private:
  void Accept(std::unique_ptr<Stream> stream) {
    auto c = std::make_unique<Connection>();
    c->stream = std::move(stream);
    Connection* raw = c.get();
    if (echo_) {
      raw->handler.on_data = [raw](absl::string_view b) { raw->stream->Write(b); };
      raw->handler.on_closed = [raw] {
        if (raw->handler.status.ok()) raw->stream->Close();
      };
    }
    c->stream->SetHandler(&c->handler);
    connections_.push_back(std::move(c));
    if (on_accept) on_accept(*raw);
  }

  Env env_;
  bool echo_;
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<Connection>> connections_;
};

// Connects to host:port and, once connected, sets a recording handler.
class TestClient {
 public:
  TestClient(Env env, const std::string& host, uint16_t port) {
    env.network->Connect(host, port,
                         [this](absl::StatusOr<std::unique_ptr<Stream>> s) {
                           done = true;
                           if (!s.ok()) {
                             connect_status = s.status();
                             return;
                           }
                           stream = *std::move(s);
                           stream->SetHandler(&handler);
                           if (on_connected) on_connected();
                         });
  }

  bool done = false;
  absl::Status connect_status;
  std::unique_ptr<Stream> stream;
  RecordingHandler handler;
  std::function<void()> on_connected;
};

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_TEST_UTIL_H_
