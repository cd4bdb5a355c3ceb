#include "posix/posix_test_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "gtest/gtest.h"
#include "posix/self_signed_certificate.h"

namespace lemonade::posix::testing {

void RecordingHandler::OnStreamData(absl::string_view bytes) {
  data.append(bytes.data(), bytes.size());
  if (on_data) on_data(bytes);
}

void RecordingHandler::OnStreamWritable() {
  ++writable;
  if (on_writable) on_writable();
}

void RecordingHandler::OnStreamClosed(absl::Status status) {
  ++closed;
  close_status = status;
  if (on_closed) on_closed(status);
}

EchoHandler::EchoHandler(std::unique_ptr<Stream> stream) : stream_(std::move(stream)) {
  stream_->SetHandler(this);
}

void EchoHandler::OnStreamData(absl::string_view bytes) {
  received_ += bytes.size();
  stream_->Write(bytes);
}

void EchoHandler::OnStreamClosed(absl::Status status) {
  closed_ = true;
  stream_->Close();
}

std::unique_ptr<RawClient> RawClient::Connect(EventLoop* loop, uint16_t port, bool read) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK(fd >= 0);
  struct sockaddr_in address;
  std::memset(&address, 0, sizeof(address));
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(connect(fd, reinterpret_cast<struct sockaddr*>(&address), sizeof(address)) == 0)
      << std::strerror(errno);
  if (!read) {
    // A small receive window, so the peer's send path fills up quickly.
    int size = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  std::unique_ptr<RawClient> client(new RawClient(loop, fd));
  if (read) CHECK(loop->Watch(fd, EPOLLIN, client.get()).ok());
  return client;
}

RawClient::~RawClient() {
  loop_->Unwatch(fd_);
  close(fd_);
}

void RawClient::Send(absl::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    CHECK(n > 0 || errno == EINTR) << std::strerror(errno);
    if (n > 0) done += static_cast<size_t>(n);
  }
}

void RawClient::ShutdownWrite() { shutdown(fd_, SHUT_WR); }

void RawClient::OnIoReady(uint32_t events) {
  char buffer[65536];
  ssize_t n = recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
  if (n > 0) {
    received.append(buffer, static_cast<size_t>(n));
  } else if (n == 0) {
    eof = true;
    loop_->Unwatch(fd_);
  } else if (errno != EAGAIN && errno != EINTR) {
    error = errno;
    loop_->Unwatch(fd_);
  }
}

absl::StatusOr<std::unique_ptr<Stream>> ConnectAndWait(EventLoop* loop, PosixNetwork* network,
                                                       const std::string& host, uint16_t port) {
  std::optional<absl::StatusOr<std::unique_ptr<Stream>>> result;
  network->Connect(host, port, [&](absl::StatusOr<std::unique_ptr<Stream>> r) {
    result = std::move(r);
  });
  if (!loop->RunUntil([&] { return result.has_value(); }, kBound)) {
    return absl::DeadlineExceededError("test bound reached while connecting");
  }
  return std::move(*result);
}

std::string NewTempDir() {
  std::string base = ::testing::TempDir();
  if (base.empty() || base.back() != '/') base += "/";
  std::string pattern = absl::StrCat(base, "posix-XXXXXX");
  CHECK(mkdtemp(pattern.data()) != nullptr) << std::strerror(errno);
  return pattern;
}

const TestCertificate& SharedTestCertificate() {
  static const TestCertificate* const certificate = [] {
    auto* c = new TestCertificate;
    const std::string dir = NewTempDir();
    c->cert_file = dir + "/cert.pem";
    c->key_file = dir + "/key.pem";
    absl::Status status = GenerateSelfSignedCertificate("localhost", c->cert_file, c->key_file);
    CHECK(status.ok()) << status;
    return c;
  }();
  return *certificate;
}

std::string Pattern(size_t size, uint32_t seed) {
  std::string out(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x);
  }
  return out;
}

}  // namespace lemonade::posix::testing
