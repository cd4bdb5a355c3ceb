// BurlFetcher: the submission server's embedded IMAP client that resolves
// one BURL URL with URLFETCH (RFC 4468 §3.3, RFC 4467 §7).
//
// It connects to the trusted IMAP server, optionally upgrades with
// STARTTLS, logs in with the submit server's own credentials and sends
// LOGIN, URLFETCH and LOGOUT pipelined in one round trip (the Lemonade
// profile's section 2.4 flow). The outcome maps onto RFC 4468 §6's replies:
// unreachable or timed out is temporary (451 4.4.1), a NIL answer is
// permanent (554 5.6.6), too much data is 554 5.3.4.
//
//   auto f = std::make_unique<BurlFetcher>(env, trust, url, size_max, timeout,
//                                          [](BurlFetcher::Result r) { ... });
//   f->Start();
#ifndef LEMONADE_SERVER_SUBMISSION_BURL_FETCHER_H_
#define LEMONADE_SERVER_SUBMISSION_BURL_FETCHER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "env/env.h"
#include "protocol/imap/imap_response_parser.h"
#include "server/submission/submission_config.h"

namespace lemonade::submission {

class BurlFetcher : public StreamHandler {
 public:
  struct Result {
    enum class Kind {
      kOk,
      kUnavailable,  // connect/TLS/login failure or timeout: 451 4.4.1
      kFailed,       // URLFETCH answered NIL or NO: 554 5.6.6
      kTooBig,       // more than size_max octets: 554 5.3.4
    };
    Kind kind = Kind::kFailed;
    std::string content;
    std::string reason;
  };

  BurlFetcher(const Env& env, BurlTrust trust, std::string url, uint64_t size_max,
              Duration timeout, absl::AnyInvocable<void(Result)> done);
  ~BurlFetcher() override;

  void Start();

  // StreamHandler.
  void OnStreamData(absl::string_view bytes) override;
  void OnStreamClosed(absl::Status status) override;

  // Bytes this fetch moved each way (server-to-server traffic, for
  // experiments).
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }

 private:
  enum class Step { kConnecting, kGreeting, kStartTls, kHandshake, kLoggingIn, kFetching,
                    kLoggingOut, kDone };
  void Send(absl::string_view bytes);
  void SendLoginAndFetch();
  void OnResponse(const imap::ImapResponse& response);
  void Finish(Result result);

  Env env_;
  BurlTrust trust_;
  std::string url_;
  uint64_t size_max_;
  Duration timeout_;
  absl::AnyInvocable<void(Result)> done_;
  imap::ImapLimits limits_;
  std::unique_ptr<Stream> stream_;
  std::unique_ptr<imap::ImapResponseParser> parser_;
  Step step_ = Step::kConnecting;
  TimerId timer_ = kNoTimer;
  bool got_data_ = false;
  bool data_nil_ = false;
  std::string content_;
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::submission

#endif  // LEMONADE_SERVER_SUBMISSION_BURL_FETCHER_H_
