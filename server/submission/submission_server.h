// SubmissionServer: the Lemonade message submission server (RFC 6409 +
// BURL) over the environment boundary: listeners, sessions, the durable
// queue and the delivery agent. Runs unchanged in netsim and on sockets.
//
//   auto server = SubmissionServer::Create(env, store.get(), config).value();
//   server->Listen({"submit.example.org", 587});
#ifndef LEMONADE_SERVER_SUBMISSION_SUBMISSION_SERVER_H_
#define LEMONADE_SERVER_SUBMISSION_SUBMISSION_SERVER_H_

#include <memory>
#include <string>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "env/env.h"
#include "server/store/mail_store.h"
#include "server/submission/delivery_agent.h"
#include "server/submission/mail_queue.h"
#include "server/submission/submission_config.h"

namespace lemonade::submission {

class SubmissionSession;

class SubmissionServer {
 public:
  // Opens (recovers) the queue in `queue_directory` and starts delivering
  // what it holds.
  static absl::StatusOr<std::unique_ptr<SubmissionServer>> Create(
      const Env& env, store::MailStore* store, SubmissionServerConfig config,
      std::string queue_directory = "queue");
  ~SubmissionServer();

  absl::StatusOr<uint16_t> Listen(const ListenOptions& options);
  void Accept(std::unique_ptr<Stream> stream);
  void Shutdown();

  const Env& env() const { return env_; }
  store::MailStore* store() const { return store_; }
  const SubmissionServerConfig& config() const { return config_; }
  MailQueue* queue() { return queue_.get(); }
  DeliveryAgent* delivery() { return delivery_.get(); }
  size_t session_count() const { return sessions_.size(); }

  // Called by a session when it is finished; destroyed on the next turn.
  void SessionClosed(SubmissionSession* session);

  // Server-to-server traffic of BURL fetches (octets each way).
  void CountBurlBytes(uint64_t sent, uint64_t received) {
    burl_bytes_sent_ += sent;
    burl_bytes_received_ += received;
  }
  uint64_t burl_bytes_sent() const { return burl_bytes_sent_; }
  uint64_t burl_bytes_received() const { return burl_bytes_received_; }

 private:
  SubmissionServer(const Env& env, store::MailStore* store, SubmissionServerConfig config);

  Env env_;
  store::MailStore* store_;
  SubmissionServerConfig config_;
  std::unique_ptr<MailQueue> queue_;
  std::unique_ptr<DeliveryAgent> delivery_;
  absl::btree_map<uint64_t, std::unique_ptr<SubmissionSession>> sessions_;
  bool shutting_down_ = false;
  uint64_t burl_bytes_sent_ = 0;
  uint64_t burl_bytes_received_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::submission

#endif  // LEMONADE_SERVER_SUBMISSION_SUBMISSION_SERVER_H_
