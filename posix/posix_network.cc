#include "posix/posix_network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "posix/posix_stream.h"

namespace lemonade::posix {
namespace {

// Accepts per readiness event, so one busy listener cannot starve the rest.
constexpr int kAcceptsPerEvent = 64;
// How long a listener rests after running out of descriptors or memory.
constexpr Duration kAcceptPause = Duration::Milliseconds(100);
constexpr size_t kReadBufferBytes = 64 * 1024;

uint64_t NextStreamId() {
  // Process-wide, so ids stay unique across several networks in one process.
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void TuneSocket(int fd) {
  // Responses are batched per loop iteration already; Nagle would only add
  // latency to the last line of each batch.
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

absl::Status ConnectError(const std::string& where, int err) {
  std::string message = absl::StrCat("connect to ", where, ": ");
  switch (err) {
    case ECONNREFUSED:
      return absl::UnavailableError(absl::StrCat(message, "connection refused"));
    case ETIMEDOUT:
      return absl::DeadlineExceededError(absl::StrCat(message, "timed out"));
    case ENETUNREACH:
    case EHOSTUNREACH:
      return absl::UnavailableError(absl::StrCat(message, "unreachable (", std::strerror(err), ")"));
    default:
      return absl::UnavailableError(absl::StrCat(message, std::strerror(err)));
  }
}

absl::Status BindError(const std::string& where, int err) {
  std::string message = absl::StrCat("cannot listen on ", where, ": ", std::strerror(err));
  switch (err) {
    case EACCES:
      return absl::PermissionDeniedError(message);
    case EADDRNOTAVAIL:
      return absl::InvalidArgumentError(message);
    default:
      return absl::UnavailableError(message);
  }
}

// Parses a listen address into a socket address with `port`.
absl::StatusOr<std::pair<struct sockaddr_storage, socklen_t>> ListenAddress(
    const std::string& address, uint16_t port) {
  std::string host = address == "localhost" ? "127.0.0.1" : address;
  struct sockaddr_storage storage;
  std::memset(&storage, 0, sizeof(storage));
  auto* v4 = reinterpret_cast<struct sockaddr_in*>(&storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return std::make_pair(storage, socklen_t{sizeof(struct sockaddr_in)});
  }
  std::memset(&storage, 0, sizeof(storage));
  auto* v6 = reinterpret_cast<struct sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return std::make_pair(storage, socklen_t{sizeof(struct sockaddr_in6)});
  }
  // A host name: the first address it resolves to.
  struct addrinfo hints;
  std::memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  struct addrinfo* result = nullptr;
  const std::string service = std::to_string(port);
  int error = getaddrinfo(host.c_str(), service.c_str(), &hints, &result);
  if (error != 0 || result == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve listen address ", address, ": ", gai_strerror(error)));
  }
  std::memset(&storage, 0, sizeof(storage));
  std::memcpy(&storage, result->ai_addr, result->ai_addrlen);
  const socklen_t length = result->ai_addrlen;
  freeaddrinfo(result);
  return std::make_pair(storage, length);
}

}  // namespace

PeerInfo DescribePeer(const struct sockaddr_storage& address) {
  PeerInfo peer;
  char text[INET6_ADDRSTRLEN] = {0};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const struct sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    peer.ip = text;
    peer.port = ntohs(v4->sin_port);
    peer.local = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    peer.address = absl::StrCat(peer.ip, ":", peer.port);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const struct sockaddr_in6*>(&address);
    peer.port = ntohs(v6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; show them
      // (and judge locality) as the IPv4 address they are.
      struct in_addr v4;
      std::memcpy(&v4, &v6->sin6_addr.s6_addr[12], sizeof(v4));
      inet_ntop(AF_INET, &v4, text, sizeof(text));
      peer.ip = text;
      peer.local = (ntohl(v4.s_addr) >> 24) == 127;
      peer.address = absl::StrCat(peer.ip, ":", peer.port);
    } else {
      inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
      peer.ip = text;
      peer.local = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
      peer.address = absl::StrCat("[", peer.ip, "]:", peer.port);
    }
  } else {
    peer.ip = "unknown";
    peer.address = "unknown";
  }
  return peer;
}

// ---- Listener ----

class PosixNetwork::Listener final : public IoHandler {
 public:
  Listener(PosixNetwork* network, uint64_t id, int fd, uint16_t port, bool implicit_tls,
           AcceptHandler on_accept)
      : network_(network),
        id_(id),
        fd_(fd),
        port_(port),
        implicit_tls_(implicit_tls),
        on_accept_(std::move(on_accept)) {}
  ~Listener() { Close(); }

  absl::Status Start() { return network_->loop_->Watch(fd_, EPOLLIN, this); }

  void Close() {
    if (resume_timer_ != kNoTimer) network_->loop_->Cancel(resume_timer_);
    resume_timer_ = kNoTimer;
    if (fd_ < 0) return;
    network_->loop_->Unwatch(fd_);
    close(fd_);
    fd_ = -1;
  }

  void OnIoReady(uint32_t events) override {
    for (int i = 0; i < kAcceptsPerEvent && fd_ >= 0; ++i) {
      struct sockaddr_storage address;
      socklen_t length = sizeof(address);
      int fd = accept4(fd_, reinterpret_cast<struct sockaddr*>(&address), &length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        const int err = errno;
        if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) return;
        // EMFILE, ENFILE, ENOBUFS, ENOMEM: the listener stays readable, so
        // with level-triggered epoll the loop would spin. Rest instead.
        network_->Log(LogLevel::kWarning, absl::StrCat("accept on port ", port_, ": ",
                                                       std::strerror(err), "; pausing"));
        Pause();
        return;
      }
      network_->Accepted(this, fd, address);
    }
  }

  uint64_t id() const { return id_; }
  uint16_t port() const { return port_; }
  bool implicit_tls() const { return implicit_tls_; }
  bool open() const { return fd_ >= 0; }
  AcceptHandler& on_accept() { return on_accept_; }

 private:
  void Pause() {
    network_->loop_->Unwatch(fd_);
    resume_timer_ = network_->loop_->ScheduleAfter(kAcceptPause, [this] {
      resume_timer_ = kNoTimer;
      if (fd_ >= 0) {
        absl::Status status = network_->loop_->Watch(fd_, EPOLLIN, this);
        CHECK(status.ok()) << status;
      }
    });
  }

  PosixNetwork* network_;
  const uint64_t id_;
  int fd_;
  const uint16_t port_;
  const bool implicit_tls_;
  AcceptHandler on_accept_;
  TimerId resume_timer_ = kNoTimer;
};

// ---- Connector ----

class PosixNetwork::Connector final : public IoHandler {
 public:
  using DoneCallback = absl::AnyInvocable<void(absl::StatusOr<std::unique_ptr<Stream>>)>;

  Connector(PosixNetwork* network, uint64_t id, std::string host, uint16_t port, DoneCallback done)
      : network_(network),
        id_(id),
        host_(std::move(host)),
        port_(port),
        where_(absl::StrCat(host_, ":", port_)),
        done_(std::move(done)) {}
  ~Connector() {
    CloseFd();
    if (timer_ != kNoTimer) network_->loop_->Cancel(timer_);
  }

  // Runs from the loop.
  void Start() {
    timer_ = network_->loop_->ScheduleAfter(network_->options_.connect_timeout, [this] {
      timer_ = kNoTimer;
      Finish(absl::DeadlineExceededError(absl::StrCat("connect to ", where_, ": timed out")));
    });
    struct addrinfo hints;
    std::memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo* result = nullptr;
    const std::string service = std::to_string(port_);
    // Blocking; see the header comment.
    int error = getaddrinfo(host_.c_str(), service.c_str(), &hints, &result);
    if (error != 0) {
      std::string message =
          absl::StrCat("cannot resolve ", host_, ": ", error == EAI_SYSTEM ? std::strerror(errno)
                                                                           : gai_strerror(error));
      Finish(error == EAI_NONAME ? absl::NotFoundError(message) : absl::UnavailableError(message));
      return;
    }
    for (struct addrinfo* a = result; a != nullptr; a = a->ai_next) {
      Address address;
      std::memset(&address.storage, 0, sizeof(address.storage));
      std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
      address.length = a->ai_addrlen;
      addresses_.push_back(address);
    }
    freeaddrinfo(result);
    TryNext();
  }

  void OnIoReady(uint32_t events) override {
    int err = 0;
    socklen_t length = sizeof(err);
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &length) != 0) err = errno;
    if (err == 0) {
      Connected();
      return;
    }
    last_error_ = err;
    CloseFd();
    TryNext();
  }

 private:
  struct Address {
    struct sockaddr_storage storage;
    socklen_t length;
  };

  // Tries the remaining addresses in resolver order ("localhost" may give
  // ::1 first while the server listens on 127.0.0.1 only).
  void TryNext() {
    while (next_ < addresses_.size()) {
      const Address& address = addresses_[next_++];
      fd_ = socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd_ < 0) {
        last_error_ = errno;
        continue;
      }
      current_ = address;
      if (connect(fd_, reinterpret_cast<const struct sockaddr*>(&address.storage),
                  address.length) == 0) {
        Connected();
        return;
      }
      if (errno == EINPROGRESS) {
        absl::Status status = network_->loop_->Watch(fd_, EPOLLOUT, this);
        CHECK(status.ok()) << status;
        return;
      }
      last_error_ = errno;
      CloseFd();
    }
    Finish(ConnectError(where_, last_error_ != 0 ? last_error_ : EHOSTUNREACH));
  }

  void Connected() {
    network_->loop_->Unwatch(fd_);
    const int fd = fd_;
    fd_ = -1;
    TuneSocket(fd);
    // The connected address, not the one we dialled: they differ only for
    // odd set-ups, but logs should say who we are really talking to.
    struct sockaddr_storage peer_address = current_.storage;
    socklen_t length = sizeof(peer_address);
    getpeername(fd, reinterpret_cast<struct sockaddr*>(&peer_address), &length);
    std::shared_ptr<SocketConnection> connection =
        network_->AddConnection(fd, DescribePeer(peer_address), /*inbound=*/false, host_);
    ++network_->connected_;
    Done(std::make_unique<PosixStream>(connection.get()));
  }

  void Finish(absl::Status status) {
    CloseFd();
    Done(std::move(status));
  }

  // Hands over the result. The callback may destroy the network (and this),
  // so nothing runs after it.
  void Done(absl::StatusOr<std::unique_ptr<Stream>> result) {
    if (timer_ != kNoTimer) network_->loop_->Cancel(timer_);
    timer_ = kNoTimer;
    DoneCallback done = std::move(done_);
    network_->ConnectorDone(id_);
    if (done) done(std::move(result));
  }

  void CloseFd() {
    if (fd_ < 0) return;
    network_->loop_->Unwatch(fd_);
    close(fd_);
    fd_ = -1;
  }

  PosixNetwork* network_;
  const uint64_t id_;
  const std::string host_;
  const uint16_t port_;
  const std::string where_;
  DoneCallback done_;
  std::vector<Address> addresses_;
  size_t next_ = 0;
  Address current_;
  int fd_ = -1;
  int last_error_ = 0;
  TimerId timer_ = kNoTimer;
};

// ---- PosixNetwork ----

absl::StatusOr<std::unique_ptr<PosixNetwork>> PosixNetwork::Create(EventLoop* loop,
                                                                   NetworkOptions options) {
  CHECK(loop != nullptr);
  absl::StatusOr<std::unique_ptr<TlsContext>> tls = TlsContext::Create(options.tls);
  if (!tls.ok()) return tls.status();
  return std::unique_ptr<PosixNetwork>(
      new PosixNetwork(loop, std::move(options), std::move(*tls)));
}

PosixNetwork::PosixNetwork(EventLoop* loop, NetworkOptions options,
                           std::unique_ptr<TlsContext> tls)
    : loop_(loop),
      options_(std::move(options)),
      tls_(std::move(tls)),
      read_buffer_(kReadBufferBytes) {}

PosixNetwork::~PosixNetwork() {
  alive_.reset();
  for (auto& [id, listener] : listeners_) listener->Close();
  listeners_.clear();
  connectors_.clear();
  for (auto& [id, connection] : connections_) connection->NetworkGone();
  connections_.clear();
}

void PosixNetwork::PostGuarded(absl::AnyInvocable<void()> fn) {
  std::weak_ptr<char> alive = alive_;
  loop_->Post([alive, fn = std::move(fn)]() mutable {
    if (!alive.expired()) fn();
  });
}

void PosixNetwork::Log(LogLevel level, absl::string_view message) {
  if (options_.log != nullptr) options_.log->Log(level, "net", message);
}

absl::StatusOr<uint16_t> PosixNetwork::Listen(const ListenOptions& options,
                                              AcceptHandler on_accept) {
  const std::string where = absl::StrCat(options.address, ":", options.port);
  if (options.implicit_tls && !server_tls_available()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot listen with implicit TLS on ", where, ": no certificate configured"));
  }
  absl::StatusOr<std::pair<struct sockaddr_storage, socklen_t>> address =
      ListenAddress(options.address, options.port);
  if (!address.ok()) return address.status();
  int fd = socket(address->first.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return BindError(where, errno);
  int one = 1;
  // A restarted server must rebind while old connections sit in TIME_WAIT.
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<const struct sockaddr*>(&address->first), address->second) != 0 ||
      listen(fd, SOMAXCONN) != 0) {
    const int err = errno;
    close(fd);
    return BindError(where, err);
  }
  struct sockaddr_storage bound;
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<struct sockaddr*>(&bound), &length);
  const uint16_t port = DescribePeer(bound).port;
  const uint64_t id = next_listener_id_++;
  auto listener = std::make_unique<Listener>(this, id, fd, port, options.implicit_tls,
                                             std::move(on_accept));
  if (absl::Status status = listener->Start(); !status.ok()) return status;
  listeners_[id] = std::move(listener);
  return port;
}

void PosixNetwork::StopListening() {
  for (auto& [id, listener] : listeners_) listener->Close();
  // The accept handler may be the caller (on the stack right now): destroy
  // the listeners from the loop, later.
  auto doomed = std::make_shared<decltype(listeners_)>(std::move(listeners_));
  listeners_.clear();
  loop_->Post([doomed] {});
}

absl::Status PosixNetwork::StopListening(uint16_t port) {
  for (auto it = listeners_.begin(); it != listeners_.end(); ++it) {
    if (it->second->port() != port) continue;
    it->second->Close();
    std::shared_ptr<Listener> doomed = std::move(it->second);
    listeners_.erase(it);
    loop_->Post([doomed] {});
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("no listener on port ", port));
}

void PosixNetwork::Connect(
    const std::string& host, uint16_t port,
    absl::AnyInvocable<void(absl::StatusOr<std::unique_ptr<Stream>>)> done) {
  const uint64_t id = next_connector_id_++;
  connectors_[id] = std::make_unique<Connector>(this, id, host, port, std::move(done));
  // Even resolution happens on the loop: `done` must never run inside
  // Connect().
  PostGuarded([this, id] {
    auto it = connectors_.find(id);
    if (it != connectors_.end()) it->second->Start();
  });
}

void PosixNetwork::ConnectorDone(uint64_t connector_id) {
  auto it = connectors_.find(connector_id);
  if (it == connectors_.end()) return;
  // Destroyed from the loop: the connector is on the stack.
  std::shared_ptr<Connector> doomed = std::move(it->second);
  connectors_.erase(it);
  loop_->Post([doomed] {});
}

void PosixNetwork::Accepted(Listener* listener, int fd, const struct sockaddr_storage& address) {
  PeerInfo peer = DescribePeer(address);
  const size_t per_peer = [&] {
    auto it = inbound_per_peer_.find(peer.ip);
    return it == inbound_per_peer_.end() ? size_t{0} : it->second;
  }();
  const char* refusal = nullptr;
  if (options_.connections_max > 0 && inbound_open_ >= options_.connections_max) {
    refusal = "too many connections";
  } else if (options_.connections_per_peer_max > 0 &&
             per_peer >= options_.connections_per_peer_max) {
    refusal = "too many connections from this address";
  }
  if (refusal != nullptr) {
    close(fd);
    ++rejected_;
    Log(LogLevel::kWarning,
        absl::StrCat("connection from ", peer.address, " on port ", listener->port(),
                     " rejected: ", refusal));
    return;
  }
  TuneSocket(fd);
  ++accepted_;
  std::shared_ptr<SocketConnection> connection =
      AddConnection(fd, std::move(peer), /*inbound=*/true, /*tls_host=*/"");
  const uint64_t listener_id = listener->id();
  if (!listener->implicit_tls()) {
    HandOver(listener, listener_id, std::move(connection));
    return;
  }
  std::weak_ptr<SocketConnection> weak = connection;
  connection->StartTls(TlsRole::kServer, [this, weak, listener_id](absl::Status status) {
    std::shared_ptr<SocketConnection> c = weak.lock();
    // A failed handshake was logged and closed by the connection.
    if (!status.ok() || c == nullptr) return;
    auto it = listeners_.find(listener_id);
    HandOver(it == listeners_.end() ? nullptr : it->second.get(), listener_id, std::move(c));
  });
}

void PosixNetwork::HandOver(Listener* listener, uint64_t listener_id,
                            std::shared_ptr<SocketConnection> connection) {
  if (listener == nullptr || !listener->open()) {
    // Stopped listening while the TLS handshake ran.
    connection->Close();
    return;
  }
  listener->on_accept()(std::make_unique<PosixStream>(connection.get()));
}

std::shared_ptr<SocketConnection> PosixNetwork::AddConnection(int fd, PeerInfo peer, bool inbound,
                                                              std::string tls_host) {
  const uint64_t id = NextStreamId();
  if (inbound) {
    ++inbound_open_;
    ++inbound_per_peer_[peer.ip];
  }
  auto connection = std::make_shared<SocketConnection>(this, fd, id, std::move(peer), inbound,
                                                       std::move(tls_host));
  connections_[id] = connection;
  ++open_sockets_;
  connection->Start();
  return connection;
}

void PosixNetwork::OnSocketClosed(SocketConnection* connection) {
  CHECK(open_sockets_ > 0);
  --open_sockets_;
  if (connection->inbound()) {
    --inbound_open_;
    auto it = inbound_per_peer_.find(connection->peer().ip);
    if (it != inbound_per_peer_.end() && --it->second == 0) inbound_per_peer_.erase(it);
  }
  if (open_sockets_ == 0) {
    std::vector<absl::AnyInvocable<void()>> waiters = std::move(all_closed_waiters_);
    all_closed_waiters_.clear();
    for (auto& waiter : waiters) loop_->Post(std::move(waiter));
  }
}

void PosixNetwork::OnHandshakeFailed(SocketConnection* connection, const absl::Status& status) {
  ++handshakes_failed_;
  Log(LogLevel::kInfo, absl::StrCat("connection ", connection->id(), " from ",
                                    connection->peer().address, ": ", status.message()));
}

void PosixNetwork::ReleaseConnection(uint64_t id) {
  PostGuarded([this, id] {
    auto it = connections_.find(id);
    if (it != connections_.end() && !it->second->socket_open() && !it->second->has_handle()) {
      connections_.erase(it);
    }
  });
}

void PosixNetwork::WhenAllClosed(absl::AnyInvocable<void()> fn) {
  if (open_sockets_ == 0) {
    loop_->Post(std::move(fn));
  } else {
    all_closed_waiters_.push_back(std::move(fn));
  }
}

NetworkStats PosixNetwork::stats() const {
  NetworkStats stats;
  stats.open_sockets = open_sockets_;
  stats.open_streams = open_streams_;
  stats.accepted = accepted_;
  stats.rejected = rejected_;
  stats.connected = connected_;
  stats.tls_handshakes_failed = handshakes_failed_;
  stats.listeners = listeners_.size();
  return stats;
}

}  // namespace lemonade::posix
