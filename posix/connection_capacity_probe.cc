// connection_capacity_probe: how many idle connections one PosixNetwork
// holds, and what each costs in heap memory on the server side.
//
// A child process opens N client connections (plain or TLS) and keeps them
// open; the parent accepts them on its own loop, waits until every stream is
// established and idle (greeting written, TLS handshake done), and reports
// the heap growth per accepted stream (mallinfo2: what our code and OpenSSL
// allocate; kernel socket buffers are not included).
//
//   bazel run //posix:connection_capacity_probe -- --connections=1000 --tls
#include <malloc.h>
#include <sys/epoll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "posix/event_loop.h"
#include "posix/posix_network.h"
#include "posix/self_signed_certificate.h"

namespace lemonade::posix {
namespace {

constexpr Duration kBound = Duration::Seconds(60);

size_t HeapInUse() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

// Holds the greeting-reading side of each client connection.
class Idle : public StreamHandler {
 public:
  void OnStreamData(absl::string_view bytes) override { got += bytes.size(); }
  void OnStreamClosed(absl::Status status) override { closed = true; }
  size_t got = 0;
  bool closed = false;
};

int RunClients(uint16_t port, int connections, bool tls, int ready_fd, int stop_fd) {
  auto loop = EventLoop::Create();
  NetworkOptions options;
  options.tls.verify_peer = false;  // measuring, not authenticating
  auto network = PosixNetwork::Create(loop->get(), options);
  if (!network.ok()) return 1;
  std::vector<std::unique_ptr<Stream>> streams;
  std::vector<Idle> handlers(static_cast<size_t>(connections));
  int ready = 0, failed = 0;
  for (int i = 0; i < connections; ++i) {
    (*network)->Connect("127.0.0.1", port, [&, i](absl::StatusOr<std::unique_ptr<Stream>> s) {
      if (!s.ok()) {
        ++failed;
        return;
      }
      Stream* stream = s->get();
      stream->SetHandler(&handlers[i]);
      streams.push_back(std::move(*s));
      if (!tls) {
        ++ready;
        return;
      }
      stream->StartTls(TlsRole::kClient, [&](absl::Status st) { st.ok() ? ++ready : ++failed; });
    });
  }
  (*loop)->RunUntil([&] { return ready + failed == connections; }, kBound);
  char byte = failed == 0 ? 'y' : 'n';
  if (write(ready_fd, &byte, 1) != 1) return 1;
  // Stay connected until the parent closes the pipe.
  struct Stopper : IoHandler {
    bool stop = false;
    void OnIoReady(uint32_t) override { stop = true; }
  } stopper;
  if (!(*loop)->Watch(stop_fd, EPOLLIN, &stopper).ok()) return 1;
  (*loop)->RunUntil([&] { return stopper.stop; }, Duration::Infinite());
  (*loop)->Unwatch(stop_fd);
  return failed == 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  int connections = 1000;
  bool tls = false;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--connections=")) {
      if (!absl::SimpleAtoi(arg, &connections) || connections <= 0) {
        std::fprintf(stderr, "bad --connections\n");
        return 2;
      }
    } else if (arg == "--tls") {
      tls = true;
    } else {
      std::fprintf(stderr, "usage: %s [--connections=N] [--tls]\n", argv[0]);
      return 2;
    }
  }
  struct rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < static_cast<rlim_t>(connections) + 64) {
    std::fprintf(stderr, "descriptor limit %lu too low\n", static_cast<unsigned long>(limit.rlim_cur));
    return 1;
  }

  char dir_template[] = "/tmp/lemonade-capacity-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  NetworkOptions server_options;
  if (tls) {
    absl::Status s = GenerateSelfSignedCertificate("localhost", dir + "/cert.pem", dir + "/key.pem");
    if (!s.ok()) return 1;
    server_options.tls.cert_file = dir + "/cert.pem";
    server_options.tls.key_file = dir + "/key.pem";
  }
  auto loop = EventLoop::Create();
  auto network = PosixNetwork::Create(loop->get(), server_options);
  if (!network.ok()) return 1;
  std::vector<std::unique_ptr<Stream>> accepted;
  accepted.reserve(static_cast<size_t>(connections));
  auto port = (*network)->Listen({"127.0.0.1", 0, tls}, [&](std::unique_ptr<Stream> s) {
    s->Write("* OK IMAP4rev1 ready\r\n");  // what an idle session has said
    accepted.push_back(std::move(s));
  });
  if (!port.ok()) return 1;

  int ready_pipe[2], stop_pipe[2];
  if (pipe(ready_pipe) != 0 || pipe(stop_pipe) != 0) return 1;
  const size_t heap_before = HeapInUse();
  pid_t child = fork();
  if (child == 0) {
    close(ready_pipe[0]);
    close(stop_pipe[1]);
    _exit(RunClients(*port, connections, tls, ready_pipe[1], stop_pipe[0]));
  }
  close(ready_pipe[1]);
  close(stop_pipe[0]);
  struct ReadyWatcher : IoHandler {
    int fd;
    char verdict = 0;
    void OnIoReady(uint32_t) override {
      if (read(fd, &verdict, 1) != 1) verdict = 'n';
    }
  } watcher;
  watcher.fd = ready_pipe[0];
  if (!(*loop)->Watch(ready_pipe[0], EPOLLIN, &watcher).ok()) return 1;
  const bool done = (*loop)->RunUntil(
      [&] {
        return watcher.verdict != 0 && accepted.size() == static_cast<size_t>(connections) &&
               (*network)->stats().open_sockets == static_cast<uint64_t>(connections);
      },
      kBound);
  // Let the greetings drain so the streams are idle.
  (*loop)->RunUntil(
      [&] {
        for (auto& s : accepted) {
          if (s->PendingWriteBytes() != 0) return false;
        }
        return true;
      },
      kBound);
  const size_t heap_after = HeapInUse();
  (*loop)->Unwatch(ready_pipe[0]);
  close(stop_pipe[1]);
  int status = 0;
  waitpid(child, &status, 0);

  const NetworkStats stats = (*network)->stats();
  std::printf("mode:                 %s\n", tls ? "TLS (implicit, TLS 1.3)" : "plain TCP");
  std::printf("connections wanted:   %d\n", connections);
  std::printf("connections held:     %zu (client verdict %c, rejected %lu)\n", accepted.size(),
              watcher.verdict, static_cast<unsigned long>(stats.rejected));
  std::printf("heap per idle stream: %.0f bytes (server side, incl. OpenSSL)\n",
              static_cast<double>(heap_after - heap_before) / static_cast<double>(connections));
  accepted.clear();
  if (tls) {
    unlink((dir + "/cert.pem").c_str());
    unlink((dir + "/key.pem").c_str());
  }
  rmdir(dir.c_str());
  return done && watcher.verdict == 'y' && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

}  // namespace
}  // namespace lemonade::posix

int main(int argc, char** argv) { return lemonade::posix::Main(argc, argv); }
