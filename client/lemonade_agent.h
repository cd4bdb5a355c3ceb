// LemonadeAgent: a mobile mail client that performs the Lemonade
// profile's flows the way a phone would, each with the variants an
// experiment compares:
//
//   - Forward a received message with an attachment:
//       kTraditional: download it (FETCH BODY[]), compose locally, APPEND
//         the copy to Sent, submit it with DATA — the message crosses the
//         radio link three times;
//       kWithoutDownload: APPEND ... CATENATE (TEXT + URL parts) into Sent,
//         UID STORE $Forwarded, GENURLAUTH submit+user, BURL — the profile's
//         section 2.4, where the attachment never crosses the radio link.
//   - Reconnect to a mailbox after a drop:
//       kFull: LOGIN, SELECT, UID FETCH 1:* (FLAGS);
//       kQresync: ENABLE QRESYNC + SELECT (QRESYNC (...)) (RFC 7162);
//       kResume: LOGIN (SID id modseq), the draft's session resume.
//   - Submit a message, with or without PIPELINING (and CHUNKING).
//
// Every flow reports what it cost from the phone's point of view: round
// trips it had to wait for, octets it sent and received, and the virtual
// time it took. Link-level bytes (with TCP/IP overhead and
// retransmissions) are read from netsim's metrics by the scenario.
//
//   LemonadeAgent agent(env, config);
//   agent.Open([&](absl::Status s) {
//     agent.Forward(ForwardVariant::kWithoutDownload, uid, "alice@example.org",
//                   [&](FlowReport r) { ... });
//   });
#ifndef LEMONADE_CLIENT_LEMONADE_AGENT_H_
#define LEMONADE_CLIENT_LEMONADE_AGENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "base/time.h"
#include "client/imap_client.h"
#include "client/smtp_client.h"
#include "env/env.h"

namespace lemonade::client {

struct AgentConfig {
  std::string imap_host = "imap.example.org";
  uint16_t imap_port = 143;
  std::string submit_host = "submit.example.org";
  uint16_t submit_port = 587;
  std::string user = "bob";
  std::string password = "secret";
  std::string domain = "example.org";
  bool starttls = false;      // STARTTLS on IMAP and submission
  bool compress = false;      // IMAP COMPRESS=DEFLATE
  bool pipelining = true;     // submission PIPELINING
  bool chunking = true;       // submission BDAT instead of DATA when offered
  bool transcript = false;    // protocol lines to the EventLog
};

enum class ForwardVariant { kTraditional, kWithoutDownload };
enum class WatchVariant { kIdle, kPoll };
enum class ReconnectVariant { kFull, kQresync, kResume };

struct FlowReport {
  absl::Status status;
  uint64_t round_trips = 0;    // IMAP + SMTP flights the phone waited for
  uint64_t bytes_up = 0;       // octets the phone wrote (after compression)
  uint64_t bytes_down = 0;     // octets the phone read
  Duration elapsed;
  std::string detail;          // e.g. "queued as ...", changes learnt
};

absl::string_view ForwardVariantName(ForwardVariant v);
absl::string_view ReconnectVariantName(ReconnectVariant v);

class LemonadeAgent {
 public:
  using Report = std::function<void(FlowReport)>;

  LemonadeAgent(const Env& env, AgentConfig config);
  ~LemonadeAgent();

  // Connects to IMAP, logs in and selects INBOX (the starting point of the
  // flows below).
  void Open(std::function<void(absl::Status)> done);
  // Forwards the attachment of INBOX message `uid` — its MIME part `part`
  // (2 in the draft's example: part 1 is the text) — to `recipient`.
  void Forward(ForwardVariant variant, uint32_t uid, uint32_t part, const std::string& recipient,
               Report done);

  // Full synchronisation of INBOX into the local cache (and, for the
  // later reconnects, ENABLE QRESYNC first when `qresync`).
  void Sync(bool qresync, Report done);
  // Drops the IMAP connection without LOGOUT, as losing coverage does.
  void Drop();
  // Reconnects and brings the cache up to date.
  void Reconnect(ReconnectVariant variant, Report done);

  // Submits `message` to `recipients` on a new submission connection.
  void Submit(const std::string& message, const std::vector<std::string>& recipients,
              Report done);

  // Keeps INBOX in sync for as long as it runs, the way a phone does:
  //   kIdle: one connection in IDLE (RFC 2177), re-issued every
  //     `idle_refresh` (which also detects dead connections), and on a
  //     drop a reconnect with backoff using `reconnect`;
  //   kPoll: every `poll_interval`, connect, `reconnect`, and drop again.
  // `on_new_message` is told of every UID that appears in the cache.
  struct WatchOptions {
    WatchVariant variant = WatchVariant::kIdle;
    ReconnectVariant reconnect = ReconnectVariant::kQresync;
    Duration poll_interval = Duration::Minutes(5);
    Duration idle_refresh = Duration::Minutes(10);
    // A refresh that gets no answer within this is a dead connection.
    Duration response_timeout = Duration::Seconds(60);
    Duration backoff_initial = Duration::Seconds(2);
    Duration backoff_max = Duration::Minutes(2);
  };
  void Watch(WatchOptions options, std::function<void(uint32_t uid)> on_new_message);
  void StopWatching();
  uint64_t reconnects() const { return reconnects_; }

  // The local cache after Sync/Reconnect: UID -> flags text.
  const std::map<uint32_t, std::string>& cache() const { return cache_; }
  uint32_t uidvalidity() const { return uidvalidity_; }
  uint64_t highest_modseq() const { return highest_modseq_; }
  ImapClient* imap() { return imap_.get(); }

 private:
  struct Counters {
    uint64_t round_trips = 0, up = 0, down = 0;
    Time start;
  };
  Counters Snapshot() const;
  FlowReport Finish(const Counters& start, absl::Status status, std::string detail = "") const;
  void Connect(std::function<void(absl::Status)> done);
  void Login(std::function<void(absl::Status)> done);
  // Parses SELECT/EXAMINE responses into uidvalidity_/highest_modseq_.
  void AbsorbSelect(const ImapResult& result);
  // Applies FETCH/VANISHED responses to the cache.
  size_t AbsorbChanges(const std::vector<OwnedResponse>& responses);
  void SubmitMessage(std::function<void(SmtpClient&, std::function<void(absl::Status)>)> transaction,
                     Report done, Counters start);

  Env env_;
  AgentConfig config_;
  std::unique_ptr<ImapClient> imap_;
  std::unique_ptr<SmtpClient> smtp_;
  // Counters of closed connections, so reports span reconnects.
  uint64_t closed_round_trips_ = 0, closed_up_ = 0, closed_down_ = 0;
  std::map<uint32_t, std::string> cache_;
  uint32_t uidvalidity_ = 0;
  uint64_t highest_modseq_ = 0;
  std::string session_id_;
  bool qresync_ = false;

  // Watching.
  void WatchStep();
  void EnterIdle();
  void ReportNew(const std::map<uint32_t, std::string>& before);
  void ScheduleWatch(Duration delay);
  void OnWatchFailure();
  bool watching_ = false;
  WatchOptions watch_;
  std::function<void(uint32_t)> on_new_message_;
  TimerId watch_timer_ = kNoTimer;
  TimerId deadline_timer_ = kNoTimer;
  Duration backoff_;
  uint64_t reconnects_ = 0;
  bool synced_once_ = false;
  uint64_t watch_epoch_ = 0;  // invalidates callbacks of abandoned attempts
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::client

#endif  // LEMONADE_CLIENT_LEMONADE_AGENT_H_
