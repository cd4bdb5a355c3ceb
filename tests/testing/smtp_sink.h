// SmtpSink: a tiny scripted SMTP server (RFC 5321) for relay tests — the
// next hop a submission server hands remote mail to. It advertises only
// the extensions it is told to, refuses parameters of extensions it did
// not advertise with 555 5.5.4 (as a strict server would), answers RCPT
// and the end of DATA as the test scripts, and records every command and
// every transaction with its virtual arrival time.
//
//   SmtpSink sink(world.EnvFor("relay.example.net"), SmtpSink::Options());
//   sink.rcpt_reply = [](int session, absl::string_view address) {
//     return session <= 3 ? "451 4.3.0 Try again later" : "";
//   };
//   ASSERT_TRUE(sink.Listen(25).ok());
#ifndef LEMONADE_TESTS_TESTING_SMTP_SINK_H_
#define LEMONADE_TESTS_TESTING_SMTP_SINK_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "env/env.h"

namespace lemonade::testing {

// One MAIL transaction the sink saw.
struct SinkTransaction {
  int session = 0;                 // 1-based number of the connection
  Time mail_at;                    // when MAIL arrived
  std::string mail;                // the MAIL command line, without CRLF
  std::vector<std::string> rcpts;  // every RCPT line, accepted or not
  std::vector<std::string> accepted;  // addresses whose RCPT got 250
  std::string content;             // unstuffed DATA content, or the BDAT chunks
  bool bdat = false;               // the content came with BDAT
  int final_code = 0;              // the reply to the end of DATA (0: none)
  bool tls = false;                // the session was inside TLS
  std::string auth_user;           // who authenticated ("" : nobody)
};

class SmtpSink {
 public:
  struct Options {
    std::string hostname = "relay.example.net";
    bool pipelining = true;
    bool size = false;          // RFC 1870
    bool dsn = false;           // RFC 3461
    bool eight_bit_mime = true; // RFC 6152
    bool starttls = false;      // RFC 3207
    bool chunking = false;      // RFC 3030 CHUNKING (BDAT)
    bool binary_mime = false;   // RFC 3030 BINARYMIME (with chunking)
    // RFC 4954 AUTH PLAIN, offered only inside TLS, accepting these
    // credentials (empty user: AUTH not offered).
    std::string auth_user;
    std::string auth_password;
  };

  // Reply lines (without CRLF) the test scripts; "" means "250 2.0.0 OK"
  // (RCPT: "250 2.1.5 OK").
  std::function<std::string(int session, absl::string_view address)> rcpt_reply;
  std::function<std::string(int session)> data_reply;

  SmtpSink(const Env& env, Options options);
  ~SmtpSink();

  absl::Status Listen(uint16_t port);

  // What later sessions advertise and accept (a relay reconfigured).
  Options& options() { return options_; }

  int sessions() const { return sessions_started_; }
  const std::vector<SinkTransaction>& transactions() const { return transactions_; }
  // Transactions whose content was accepted with 250.
  std::vector<const SinkTransaction*> Delivered() const;
  // Every command line received, in order, without CRLF.
  const std::vector<std::string>& commands() const { return commands_; }

 private:
  class Session;
  friend class Session;

  Env env_;
  Options options_;
  int sessions_started_ = 0;
  uint64_t next_session_id_ = 0;
  absl::btree_map<uint64_t, std::unique_ptr<Session>> sessions_;
  std::vector<SinkTransaction> transactions_;
  std::vector<std::string> commands_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::testing

#endif  // LEMONADE_TESTS_TESTING_SMTP_SINK_H_
