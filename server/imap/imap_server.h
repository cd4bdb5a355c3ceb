// ImapServer: the Lemonade IMAP server over the environment boundary.
//
// Listens through Env's Network, wraps each accepted stream in an
// ImapConnection (TLS and COMPRESS=DEFLATE layering) holding an
// ImapSession, and keeps what sessions share: the store, the
// configuration, and the registry of abandoned sessions that the quick
// reconnect extension resumes. The same object runs in netsim and on real
// sockets.
//
//   ImapServer server(env, store.get(), ImapServerConfig{});
//   server.Listen({"imap.example.org", 143});
#ifndef LEMONADE_SERVER_IMAP_IMAP_SERVER_H_
#define LEMONADE_SERVER_IMAP_IMAP_SERVER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/status.h"
#include "base/time.h"
#include "env/env.h"
#include "protocol/imap/imap_limits.h"
#include "server/imap/message_access.h"
#include "server/store/mail_store.h"

namespace lemonade::imap_server {

struct ImapServerConfig {
  // The server's name in greetings and in the URLs it authorizes.
  std::string hostname = "localhost";
  // Other host names IMAP URLs may use for this server.
  std::vector<std::string> url_host_aliases;
  imap::ImapLimits limits;
  // Whether STARTTLS can be offered (the environment has a certificate).
  bool tls_available = false;
  // Plaintext LOGIN/AUTHENTICATE on unencrypted connections from
  // non-loopback peers (RFC 3501 §6.2.3 LOGINDISABLED otherwise).
  bool allow_plaintext_auth = false;
  // RFC 3501 §5.4: an autologout timer of at least 30 minutes.
  Duration idle_timeout = Duration::Minutes(30);
  // Delay before answering a failed authentication (slows guessing).
  Duration auth_failure_delay = Duration::Seconds(2);
  // Failed authentications before the connection is closed.
  int auth_failures_max = 3;
  // How long an abandoned session can be resumed (quick reconnect).
  Duration resume_retention = Duration::Minutes(30);
  // Users acting as message submission entities: only their sessions may
  // use "submit+" URLAUTH URLs (RFC 4467 §3).
  std::vector<std::string> submit_users = {"submit"};
  // Output buffered before a FETCH pauses for the network to drain.
  size_t output_high_water_bytes = 256 * 1024;
  // Capabilities that can be switched off for experiments.
  bool enable_compress = true;
  bool enable_resume = true;
  bool enable_qresync = true;
  // Every protocol line to the EventLog (--log_protocol), redacted.
  bool log_protocol = false;
};

// What the quick reconnect extension keeps of an abandoned session.
struct ResumeRecord {
  uint64_t user_id = 0;
  uint64_t mailbox_id = 0;          // 0: nothing was selected
  uint32_t uidvalidity = 0;
  bool read_only = false;
  bool condstore = false;
  bool qresync = false;
  Time expires_at;
};

class ImapConnection;
class ImapSession;

class ImapServer {
 public:
  ImapServer(const Env& env, store::MailStore* store, ImapServerConfig config);
  ~ImapServer();

  ImapServer(const ImapServer&) = delete;
  ImapServer& operator=(const ImapServer&) = delete;

  // Starts accepting on `options`; may be called for several listeners
  // (plain and implicit TLS). Returns the bound port.
  absl::StatusOr<uint16_t> Listen(const ListenOptions& options);
  // Serves an already-open stream (tests, and listeners owned elsewhere).
  void Accept(std::unique_ptr<Stream> stream);
  // Graceful shutdown: every session gets BYE and is closed.
  void Shutdown();

  const Env& env() const { return env_; }
  store::MailStore* store() const { return store_; }
  const ImapServerConfig& config() const { return config_; }
  size_t connection_count() const { return connections_.size(); }

  // ---- Quick reconnect (session resume) ----
  // A fresh, unguessable session id.
  std::string NewSessionId();
  void RememberSession(const std::string& session_id, ResumeRecord record);
  // Takes the record for `session_id` if it exists, belongs to `user_id`
  // and has not expired.
  std::optional<ResumeRecord> TakeSession(const std::string& session_id, uint64_t user_id);
  // Sessions alive now, by session id: a phone that lost coverage often
  // comes back before the server has noticed its old connection died; the
  // resume then takes that session over.
  void RegisterLiveSession(const std::string& session_id, ImapSession* session);
  void UnregisterLiveSession(const std::string& session_id, ImapSession* session);
  ImapSession* FindLiveSession(const std::string& session_id);

  // Called by a connection when it is finished; destroyed on the next turn
  // of the loop (never inside its own callback).
  void ConnectionClosed(ImapConnection* connection);

  bool IsSubmitUser(absl::string_view user) const;
  MessageCache& message_cache() { return message_cache_; }

 private:
  Env env_;
  store::MailStore* store_;
  ImapServerConfig config_;
  absl::btree_map<uint64_t, std::unique_ptr<ImapConnection>> connections_;
  absl::btree_map<std::string, ResumeRecord> resumable_;
  absl::btree_map<std::string, ImapSession*> live_sessions_;
  MessageCache message_cache_;
  bool shutting_down_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::imap_server

#endif  // LEMONADE_SERVER_IMAP_IMAP_SERVER_H_
