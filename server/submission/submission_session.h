// SubmissionSession: one client's message submission session (RFC 6409)
// with the extensions a Lemonade submission server offers: PIPELINING,
// STARTTLS, AUTH, SIZE, DSN, ENHANCEDSTATUSCODES, 8BITMIME, CHUNKING,
// BINARYMIME, BURL imap and FUTURERELEASE.
//
// Commands are handled strictly in order. A command that must wait — BURL
// fetching its URL from the IMAP server, the final 250 waiting for the
// queue file to be durable, a failed AUTH's delay — holds every later
// command, so replies always come back in order (RFC 2920 §3). Replies are
// written when the input at hand is used up, before waiting, and right
// after the replies RFC 2920 §3.2 (5)(6) forbids buffering (EHLO, DATA,
// VRFY, EXPN, QUIT, NOOP, unrecognized commands) — never one write per
// reply, so a pipelined group of RSET/MAIL/RCPT/BDAT/BURL gets its replies
// in one flight.
#ifndef LEMONADE_SERVER_SUBMISSION_SUBMISSION_SESSION_H_
#define LEMONADE_SERVER_SUBMISSION_SUBMISSION_SESSION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "env/env.h"
#include "protocol/sasl/sasl_exchange.h"
#include "protocol/smtp/smtp_command_parser.h"
#include "protocol/smtp/smtp_reply.h"
#include "server/submission/burl_fetcher.h"
#include "server/submission/mail_queue.h"

namespace lemonade::submission {

class SubmissionServer;

class SubmissionSession : public StreamHandler {
 public:
  SubmissionSession(SubmissionServer* server, std::unique_ptr<Stream> stream);
  ~SubmissionSession() override;

  void Start();
  void Shutdown();
  uint64_t id() const { return stream_->id(); }

  void OnStreamData(absl::string_view bytes) override;
  void OnStreamWritable() override {}
  void OnStreamClosed(absl::Status status) override;

 private:
  struct Transaction {
    bool active = false;           // MAIL accepted
    std::string sender;
    smtp::MailParameters mail;     // views are not kept: owned copies below
    std::string envid;
    std::optional<Time> release;
    std::string hold;              // RFC 4865 hold-param, for DSNs
    std::vector<QueuedRecipient> recipients;
    std::string content;
    bool chunked = false;          // BDAT/BURL used: DATA no longer allowed
    bool too_big = false;
  };

  void Process(absl::string_view input);
  void ResumeInput();
  void OnCommand(const smtp::SmtpCommand& c);
  void Reply(int code, std::optional<smtp::EnhancedStatusCode> enhanced, absl::string_view text);
  void Flush();
  void Block() { blocked_ = true; }
  void Unblock();
  void CloseAfterFlush();
  void ResetIdleTimer();
  void ResetTransaction() { transaction_ = Transaction(); }

  void CmdEhlo(const smtp::SmtpCommand& c, bool extended);
  void CmdAuth(const smtp::SmtpCommand& c);
  void ContinueAuth(absl::string_view line);
  void CompleteAuth(const sasl::SaslCredentials& credentials);
  void CmdStartTls();
  void CmdMail(const smtp::SmtpCommand& c);
  void CmdRcpt(const smtp::SmtpCommand& c);
  void CmdData();
  void CmdBdat(const smtp::SmtpCommand& c);
  void OnBdatEnd(uint64_t octets, bool last);
  void CmdBurl(const smtp::SmtpCommand& c);
  void OnBurlResult(bool last, BurlFetcher::Result result);
  // Appends `content` to the transaction, enforcing SIZE.
  bool AddContent(absl::string_view content);
  // The message is complete: add trace fields, queue it durably, reply.
  void FinishMessage(int code, smtp::EnhancedStatusCode enhanced);
  bool AuthAllowed() const;

  SubmissionServer* server_;
  const Env& env_;
  std::unique_ptr<Stream> stream_;
  smtp::SmtpCommandParser parser_;
  std::string out_;
  std::string held_input_;
  bool blocked_ = false;
  bool processing_ = false;
  bool closing_ = false;

  std::string helo_name_;
  bool greeted_ = false;
  bool extended_ = false;   // EHLO rather than HELO
  std::string user_;        // authenticated user, empty if none
  Transaction transaction_;
  std::unique_ptr<sasl::SaslServerExchange> sasl_;
  int auth_failures_ = 0;
  int errors_ = 0;
  // BDAT chunk in progress: whether its bytes are kept.
  bool bdat_accept_ = false;
  std::optional<smtp::SmtpReply> bdat_refusal_;
  std::unique_ptr<BurlFetcher> burl_;
  TimerId idle_timer_ = kNoTimer;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::submission

#endif  // LEMONADE_SERVER_SUBMISSION_SUBMISSION_SESSION_H_
