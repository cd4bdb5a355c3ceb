#include "tests/testing/test_connection.h"

namespace lemonade::testing {

TestConnection::TestConnection(const Env& env, const std::string& host, uint16_t port,
                               RunUntilFn run_until)
    : env_(env), run_until_(std::move(run_until)) {
  bool done = false;
  env_.network->Connect(host, port, [this, &done](absl::StatusOr<std::unique_ptr<Stream>> s) {
    done = true;
    if (!s.ok()) {
      connect_failed_ = true;
      return;
    }
    stream_ = std::move(*s);
    stream_->SetHandler(this);
  });
  run_until_([&done] { return done; });
}

TestConnection::~TestConnection() {
  if (stream_) stream_->SetHandler(nullptr);
}

std::string TestConnection::TakeNew() {
  std::string out = received_.substr(mark_);
  mark_ = received_.size();
  return out;
}

void TestConnection::Send(absl::string_view bytes) {
  if (stream_) stream_->Write(bytes);
}

bool TestConnection::WaitFor(absl::string_view text) {
  size_t found = std::string::npos;
  bool ok = run_until_([&] {
    found = received_.find(text.data(), mark_, text.size());
    return found != std::string::npos;
  });
  if (ok) mark_ = found + text.size();
  return ok;
}

std::string TestConnection::WaitForLine(absl::string_view prefix) {
  return WaitForLineWhere(
      [prefix](absl::string_view line) { return line.substr(0, prefix.size()) == prefix; });
}

std::string TestConnection::WaitForLineWhere(
    const std::function<bool(absl::string_view)>& matches) {
  size_t line_end = std::string::npos;
  bool ok = run_until_([&] {
    size_t pos = mark_;
    while (pos < received_.size()) {
      size_t eol = received_.find("\r\n", pos);
      if (eol == std::string::npos) return false;
      if (matches(absl::string_view(received_).substr(pos, eol - pos))) {
        line_end = eol + 2;
        return true;
      }
      pos = eol + 2;
    }
    return false;
  });
  if (!ok) return "";
  std::string out = received_.substr(mark_, line_end - mark_);
  mark_ = line_end;
  return out;
}

bool TestConnection::WaitForClose() {
  return run_until_([this] { return closed_; });
}

void TestConnection::StartTls(std::function<void(absl::Status)> done) {
  stream_->StartTls(TlsRole::kClient, [done](absl::Status s) { done(s); });
}

void TestConnection::Close() {
  if (stream_) stream_->Close();
}

void TestConnection::OnStreamData(absl::string_view bytes) {
  arrivals_.push_back({env_.Now(), bytes.size()});
  received_.append(bytes.data(), bytes.size());
}

void TestConnection::OnStreamClosed(absl::Status status) { closed_ = true; }

}  // namespace lemonade::testing
