// Memory per idle IMAP connection on real sockets: 1,000 loopback clients
// log in, SELECT INBOX and then sit idle; the server's heap growth divided
// by the number of connections is the cost of an idle session (socket
// buffers in the kernel are not counted; the raw clients' received text is
// counted too, so the figure is an upper bound). The aim: under 64 KiB.
#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "posix/posix_environment.h"
#include "server/imap/imap_server.h"
#include "server/store/mail_store.h"

namespace lemonade {
namespace {

void BM_IdleImapConnectionMemory(benchmark::State& state) {
  const int connections = static_cast<int>(state.range(0));
  struct rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = std::max<rlim_t>(limit.rlim_cur, std::min<rlim_t>(limit.rlim_max, 4 * connections + 64));
  setrlimit(RLIMIT_NOFILE, &limit);
  const std::string dir = std::filesystem::temp_directory_path() / "lemonade-memory-bench";
  std::filesystem::remove_all(dir);
  for (auto _ : state) {
    posix::PosixEnvironmentOptions options;
    options.data_root = dir;
    options.log.level = LogLevel::kError;
    auto posix = posix::PosixEnvironment::Create(options);
    if (!posix.ok()) {
      state.SkipWithError("environment");
      return;
    }
    store::StoreOptions store_options;
    store_options.password_iterations = 1;
    auto store = store::MailStore::Open((*posix)->env(), store_options);
    (void)(*store)->AddUser("bob", "secret");
    imap_server::ImapServerConfig config;
    imap_server::ImapServer server((*posix)->env(), store->get(), config);
    auto port = server.Listen({"127.0.0.1", 0});
    // Let the start-up settle (store durable, listener up).
    (*posix)->loop().RunOnce(Duration::Milliseconds(10));

    struct mallinfo2 before = mallinfo2();
    std::vector<int> fds;
    std::vector<std::string> got(connections);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(*port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const std::string login = "a LOGIN bob secret\r\nb SELECT INBOX\r\n";
    for (int i = 0; i < connections; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
      fds.push_back(fd);
    }
    // Drive the server until every client has its SELECT answered.
    int done = 0;
    std::vector<bool> sent(connections, false), finished(connections, false);
    for (int round = 0; round < 100000 && done < connections; ++round) {
      (*posix)->loop().RunOnce(Duration::Milliseconds(1));
      for (int i = 0; i < connections; ++i) {
        if (finished[i]) continue;
        if (!sent[i] && ::send(fds[i], login.data(), login.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(login.size())) {
          sent[i] = true;
        }
        char buffer[4096];
        ssize_t n = ::recv(fds[i], buffer, sizeof(buffer), 0);
        if (n > 0) got[i].append(buffer, n);
        if (got[i].find("\r\nb OK") != std::string::npos) {
          finished[i] = true;
          ++done;
        }
      }
    }
    struct mallinfo2 after = mallinfo2();
    if (done < connections) state.SkipWithError("not every client got its SELECT answered");
    state.counters["connections"] = done;
    state.counters["server_heap_bytes_per_idle_connection"] =
        (static_cast<double>(after.uordblks) - static_cast<double>(before.uordblks)) / connections;
    for (int fd : fds) ::close(fd);
    for (int i = 0; i < 50; ++i) (*posix)->loop().RunOnce(Duration::Milliseconds(2));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_IdleImapConnectionMemory)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lemonade
