#include "client/smtp_client.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lemonade::client {

SmtpClient::SmtpClient(const Env& env) : env_(env) {}

SmtpClient::~SmtpClient() {
  if (stream_) {
    stream_->SetHandler(nullptr);
    stream_->Abort();
  }
}

void SmtpClient::Connect(const std::string& host, uint16_t port,
                         absl::AnyInvocable<void(absl::StatusOr<smtp::SmtpReply>)> done) {
  greeting_done_ = std::move(done);
  std::weak_ptr<bool> alive = alive_;
  env_.network->Connect(host, port, [this, alive](absl::StatusOr<std::unique_ptr<Stream>> s) {
    if (alive.expired()) return;
    if (!s.ok()) {
      closed_ = true;
      if (greeting_done_) std::exchange(greeting_done_, nullptr)(s.status());
      return;
    }
    stream_ = std::move(*s);
    stream_->SetHandler(this);
  });
}

void SmtpClient::Log(absl::string_view who, absl::string_view bytes) {
  if (!transcript_ || env_.log == nullptr) return;
  for (absl::string_view line : absl::StrSplit(bytes, "\r\n", absl::SkipEmpty())) {
    if (line.size() > 200) {
      env_.log->Protocol(who, stream_ ? stream_->id() : 0,
                         absl::StrCat(line.substr(0, 72), "... (", line.size(), " octets)"));
    } else {
      env_.log->Protocol(who, stream_ ? stream_->id() : 0, line);
    }
  }
}

void SmtpClient::Send(std::string bytes, size_t replies, absl::AnyInvocable<void(Replies)> done) {
  if (closed_ || !stream_) {
    env_.timers->Post([done = std::move(done)]() mutable { done({}); });
    return;
  }
  // A flight the phone waits for; writes that expect no reply (QUIT) are
  // not waited for and cost no round trip.
  if (pending_.empty() && replies > 0) ++round_trips_;
  Log("M", bytes);
  bytes_sent_ += bytes.size();
  // Writes made in one turn of the loop leave together (one flight).
  const bool first = corked_.empty();
  corked_ += bytes;
  if (first) {
    std::weak_ptr<bool> alive = alive_;
    env_.timers->Post([this, alive] {
      if (alive.expired() || !stream_ || closed_) return;
      std::string out;
      out.swap(corked_);
      stream_->Write(out);
    });
  }
  if (replies == 0) {
    env_.timers->Post([done = std::move(done)]() mutable { done({}); });
    return;
  }
  pending_.push_back(Pending{replies, {}, std::move(done)});
}

void SmtpClient::StartTls(absl::AnyInvocable<void(absl::Status)> done) {
  Send("STARTTLS\r\n", 1, [this, done = std::move(done)](Replies r) mutable {
    if (r.empty() || r[0].code != 220) {
      done(absl::UnavailableError("STARTTLS refused"));
      return;
    }
    std::weak_ptr<bool> alive = alive_;
    stream_->StartTls(TlsRole::kClient, [this, alive, done = std::move(done)](absl::Status s) mutable {
      if (alive.expired()) return;
      parser_.Reset();
      done(s);
    });
  });
}

void SmtpClient::Close() {
  if (stream_) stream_->Close();
}

void SmtpClient::OnStreamData(absl::string_view bytes) {
  bytes_received_ += bytes.size();
  while (!bytes.empty()) {
    smtp::SmtpReplyParseResult r = parser_.Parse(bytes);
    bytes.remove_prefix(r.consumed);
    if (r.kind == smtp::SmtpReplyParseResult::Kind::kError) {
      FailAll();
      return;
    }
    if (r.kind != smtp::SmtpReplyParseResult::Kind::kReply) continue;
    Log("S", smtp::FormatSmtpReply(r.reply));
    if (greeting_done_) {
      std::exchange(greeting_done_, nullptr)(r.reply);
      continue;
    }
    if (pending_.empty()) continue;  // unsolicited (e.g. 421 before closing)
    Pending& p = pending_.front();
    p.got.push_back(r.reply);
    if (p.got.size() == p.replies) {
      Pending done = std::move(p);
      pending_.pop_front();
      done.done(std::move(done.got));
    }
  }
}

void SmtpClient::FailAll() {
  closed_ = true;
  auto pending = std::move(pending_);
  pending_.clear();
  for (Pending& p : pending) p.done(std::move(p.got));
  if (greeting_done_) {
    std::exchange(greeting_done_, nullptr)(absl::UnavailableError("connection closed"));
  }
}

void SmtpClient::OnStreamClosed(absl::Status status) {
  if (closed_) return;
  FailAll();
}

}  // namespace lemonade::client
