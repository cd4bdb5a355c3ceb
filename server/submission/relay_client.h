// RelayClient: hands one queued message to the next-hop SMTP server
// (RFC 5321 client side), pipelining MAIL, RCPT and DATA when the server
// offers PIPELINING (RFC 2920), sending the content with BDAT when it
// offers CHUNKING (RFC 3030: exact octets, no dot-stuffing), and reports
// each recipient's outcome.
//
//   RelayClient client(env, relay, "submit.example.org", message,
//                      [](RelayClient::Result r) { ... });
//   client.Start();
#ifndef LEMONADE_SERVER_SUBMISSION_RELAY_CLIENT_H_
#define LEMONADE_SERVER_SUBMISSION_RELAY_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "env/env.h"
#include "protocol/smtp/smtp_reply.h"
#include "protocol/smtp/smtp_reply_parser.h"
#include "server/submission/mail_queue.h"
#include "server/submission/submission_config.h"

namespace lemonade::submission {

class RelayClient : public StreamHandler {
 public:
  struct RecipientOutcome {
    std::string address;
    int code = 0;            // the RCPT (or DATA) reply code
    std::string status;      // enhanced code, e.g. "2.0.0"
    std::string text;
  };
  struct Result {
    // False when the session failed before any recipient got a verdict
    // (connection refused, dropped): everything is a temporary failure.
    bool connected = false;
    // The next hop offered DSN (RFC 3461), so NOTIFY, ORCPT, RET and ENVID
    // went along and it reports on what it accepted.
    bool dsn = false;
    std::string error;
    std::vector<RecipientOutcome> recipients;  // same order as requested
  };

  // Relays `message` to the recipients in `addresses`.
  RelayClient(const Env& env, RelayConfig relay, std::string helo_name,
              const QueuedMessage& message, std::vector<std::string> addresses,
              absl::AnyInvocable<void(Result)> done);
  ~RelayClient() override;

  void Start();

  void OnStreamData(absl::string_view bytes) override;
  void OnStreamClosed(absl::Status status) override;

 private:
  enum class Step {
    kConnecting, kGreeting, kEhlo, kHelo, kStartTls, kHandshake, kAuth,
    kTransaction, kData, kQuit, kDone
  };
  void OnReply(const smtp::SmtpReply& reply);
  // After a successful EHLO: STARTTLS, AUTH or the transaction.
  void AfterEhlo(const smtp::EhloReply* ehlo);
  void Defer(absl::string_view text);
  // Ends the session politely; the reply to QUIT finishes it.
  void Quit();
  void SendTransaction();
  // DATA, or with CHUNKING the whole content as one BDAT LAST.
  std::string ContentCommand() const;
  std::string RcptLine(size_t index) const;
  void SendContent();
  void Finish();
  void FailAll(int code, absl::string_view status, absl::string_view text);

  Env env_;
  RelayConfig relay_;
  std::string helo_name_;
  const QueuedMessage message_;
  std::vector<std::string> addresses_;
  absl::AnyInvocable<void(Result)> done_;
  std::unique_ptr<Stream> stream_;
  smtp::SmtpReplyParser parser_;
  Step step_ = Step::kConnecting;
  bool pipelining_ = false;
  bool dsn_ = false;
  bool eight_bit_ = false;
  bool size_ = false;
  bool chunking_ = false;     // RFC 3030 CHUNKING: content goes as one BDAT LAST
  bool binary_mime_ = false;  // RFC 3030 BINARYMIME
  bool tls_ = false;  // the session is inside TLS
  // Replies seen in the transaction: MAIL, each RCPT, then DATA.
  size_t replies_seen_ = 0;
  bool mail_ok_ = false;
  size_t rcpt_ok_ = 0;
  Result result_;
  TimerId timer_ = kNoTimer;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::submission

#endif  // LEMONADE_SERVER_SUBMISSION_RELAY_CLIENT_H_
