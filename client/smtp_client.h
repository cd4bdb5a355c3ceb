// SmtpClient: an asynchronous SMTP/submission client over an env/ Stream,
// for the Lemonade client agent.
//
// Send() writes one or more commands (or message content) and collects a
// given number of replies, so a pipelined group (RFC 2920) is one Send()
// and one round trip; without pipelining the agent calls Send() once per
// command. Round trips and bytes are counted for experiments.
//
//   SmtpClient smtp(env);
//   smtp.Connect("submit.example.org", 587, [&](absl::StatusOr<SmtpReply> greeting) {
//     smtp.Send("EHLO phone\r\n", 1, [&](std::vector<SmtpReply> replies) { ... });
//   });
#ifndef LEMONADE_CLIENT_SMTP_CLIENT_H_
#define LEMONADE_CLIENT_SMTP_CLIENT_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "env/env.h"
#include "protocol/smtp/smtp_reply.h"
#include "protocol/smtp/smtp_reply_parser.h"

namespace lemonade::client {

class SmtpClient : public StreamHandler {
 public:
  using Replies = std::vector<smtp::SmtpReply>;

  explicit SmtpClient(const Env& env);
  ~SmtpClient() override;

  void Connect(const std::string& host, uint16_t port,
               absl::AnyInvocable<void(absl::StatusOr<smtp::SmtpReply>)> done);
  // Writes `bytes` and hands the next `replies` replies to `done` (fewer
  // if the connection fails; then the last entry is missing).
  void Send(std::string bytes, size_t replies, absl::AnyInvocable<void(Replies)> done);
  void StartTls(absl::AnyInvocable<void(absl::Status)> done);
  void Close();

  // Protocol lines to the EventLog as "M" (client) and "S" (server).
  void set_transcript(bool on) { transcript_ = on; }
  uint64_t round_trips() const { return round_trips_; }
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }
  bool connected() const { return stream_ != nullptr && !closed_; }

  void OnStreamData(absl::string_view bytes) override;
  void OnStreamClosed(absl::Status status) override;

 private:
  struct Pending {
    size_t replies = 0;
    Replies got;
    absl::AnyInvocable<void(Replies)> done;
  };
  void Log(absl::string_view who, absl::string_view bytes);
  void FailAll();

  Env env_;
  std::unique_ptr<Stream> stream_;
  smtp::SmtpReplyParser parser_;
  absl::AnyInvocable<void(absl::StatusOr<smtp::SmtpReply>)> greeting_done_;
  std::deque<Pending> pending_;
  bool closed_ = false;
  std::string corked_;  // written this turn, not yet handed to the stream
  bool transcript_ = false;
  uint64_t round_trips_ = 0;
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::client

#endif  // LEMONADE_CLIENT_SMTP_CLIENT_H_
