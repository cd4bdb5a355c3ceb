// SubmissionServerConfig: everything an operator (or an experiment) sets
// for the Lemonade submission server.
#ifndef LEMONADE_SERVER_SUBMISSION_SUBMISSION_CONFIG_H_
#define LEMONADE_SERVER_SUBMISSION_SUBMISSION_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/time.h"
#include "protocol/smtp/smtp_limits.h"

namespace lemonade::submission {

// An IMAP server BURL may fetch from, and the submit credentials to use
// (RFC 4468 §3.3: configurable, "submit" suggested, no default password).
struct BurlTrust {
  std::string host;          // as it appears in URLs (case-insensitive)
  std::string connect_host;  // where to connect; empty: `host`
  uint16_t port = 143;
  bool use_starttls = false;  // RFC 4468 §3.3: STARTTLS + PLAIN in production
  std::string user = "submit";
  std::string password;
};

// Where mail for non-local domains goes.
struct RelayConfig {
  std::string host;  // empty: no relay; remote recipients are refused
  uint16_t port = 25;
  // STARTTLS to the next hop (RFC 3207). kOpportunistic uses it whenever
  // the relay offers it; kRequired defers the mail (4.7.0) when it does
  // not. A failed handshake defers the mail either way rather than falling
  // back to plaintext, so an attacker cannot strip TLS by breaking it.
  enum class Tls { kNone, kOpportunistic, kRequired };
  Tls tls = Tls::kOpportunistic;
  // AUTH PLAIN to the next hop (RFC 4954), e.g. a provider's smarthost.
  // Credentials only ever travel inside TLS; a relay that cannot offer it,
  // or that refuses them, defers the mail (4.7.0) instead of bouncing it.
  std::string user;  // empty: no AUTH
  std::string password;
};

struct SubmissionServerConfig {
  std::string hostname = "localhost";
  // Domains whose users live in this server's store; mail to them is
  // delivered into the recipient's INBOX.
  std::vector<std::string> local_domains = {"localhost"};
  // The user whose INBOX receives mail for "postmaster" at every local
  // domain (RFC 5321 §4.5.1: MUST be supported). Empty: a user that is
  // itself named "postmaster", if there is one.
  std::string postmaster_user;
  smtp::SmtpLimits limits;
  // RFC 1870 SIZE: the largest message accepted, after BURL resolution.
  uint64_t message_bytes_max = 64ull << 20;
  size_t recipients_max = 100;
  bool tls_available = false;
  // AUTH on unencrypted connections from non-loopback peers (RFC 4954 §4:
  // only over TLS unless configured).
  bool allow_plaintext_auth = false;
  std::vector<BurlTrust> burl_trust;
  RelayConfig relay;
  // RFC 4865 FUTURERELEASE limits.
  uint32_t future_release_interval_max_seconds = 7 * 24 * 3600;
  // Idle autologout (RFC 5321 §4.5.3.2.7: at least 5 minutes).
  Duration idle_timeout = Duration::Minutes(5);
  Duration auth_failure_delay = Duration::Seconds(2);
  int auth_failures_max = 3;
  // Delivery: retries with exponential backoff, then give up (bounce).
  Duration retry_initial = Duration::Minutes(1);
  Duration retry_max = Duration::Hours(1);
  Duration delivery_expiry = Duration::Days(5);
  // A "delayed" DSN once a message has waited this long (RFC 3461 DELAY).
  Duration delay_notice_after = Duration::Hours(4);
  // Whether pipelining is advertised (experiments compare with and without).
  bool enable_pipelining = true;
  // Whether CHUNKING/BINARYMIME are advertised.
  bool enable_chunking = true;
  Duration burl_timeout = Duration::Seconds(60);
  // Every protocol line to the EventLog (--log_protocol), redacted.
  bool log_protocol = false;
};

}  // namespace lemonade::submission

#endif  // LEMONADE_SERVER_SUBMISSION_SUBMISSION_CONFIG_H_
