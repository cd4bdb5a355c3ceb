#include "tools/sim/scenario.h"

#include <fstream>
#include <iterator>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/lemonade_agent.h"
#include "netsim/fault_plan.h"
#include "netsim/profiles.h"
#include "netsim/world.h"
#include "server/imap/imap_server.h"
#include "server/store/mail_store.h"
#include "server/submission/submission_server.h"

namespace lemonade::sim {
namespace {

constexpr char kImapHost[] = "imap.example.org";
constexpr char kSubmitHost[] = "submit.example.org";
constexpr char kPhoneHost[] = "phone";
// The simulated time a variant may take before it is declared stuck.
constexpr Duration kVariantTimeLimit = Duration::Hours(6);

// One variant's world: hosts, servers, the phone's agent.
class Stage {
 public:
  Stage(const ScenarioOptions& options, const netsim::LinkProfile& profile, bool transcript,
        Duration phone_nat_idle_timeout = Duration::Zero())
      : options_(options) {
    netsim::WorldOptions world_options;
    world_options.seed = options.seed;
    world_options.keep_trace = options.keep_trace;
    world_options.capture_packets = options.capture_packets;
    if (transcript) {
      world_options.log_sink = [this](const netsim::LogRecord& record) {
        if (record.component != "protocol") return;
        // The phone's view (M/I/S) and the submit server's URLFETCH (S/I).
        if (record.host != kPhoneHost && record.host != kSubmitHost) return;
        absl::string_view message = record.message;
        size_t sp = message.find(' ');
        absl::StrAppendFormat(&transcript_, "%10.3fs %s: %s\n",
                              (record.time - start_).seconds_double(),
                              std::string(message.substr(0, sp)),
                              std::string(message.substr(sp + 1)));
      };
    }
    world_ = std::make_unique<netsim::World>(world_options);
    if (!options.replay_trace.empty()) {
      auto recorded = netsim::ParseTrace(options.replay_trace);
      if (recorded.ok()) {
        world_->ExpectTrace(*recorded);
      } else {
        replay_parse_error_ = recorded.status();
      }
    }
    start_ = world_->Now();
    world_->AddHost(kImapHost);
    world_->AddHost(kSubmitHost);
    netsim::HostOptions phone;
    phone.link = profile;
    phone.nat_idle_timeout = phone_nat_idle_timeout;
    world_->AddHost(kPhoneHost, phone);
  }

  absl::Status StartServers() {
    Env imap_env = world_->EnvFor(kImapHost);
    store::StoreOptions store_options;
    store_options.password_iterations = 10;  // experiments measure mail, not PBKDF2
    auto store = store::MailStore::Open(imap_env, store_options);
    if (!store.ok()) return store.status();
    store_ = std::move(*store);
    for (auto [user, password] : {std::pair<const char*, const char*>{"bob", "secret"},
                                  {"alice", "wonder"},
                                  {"submit", "submit-secret"}}) {
      if (absl::Status s = store_->AddUser(user, password); !s.ok()) return s;
    }
    imap_server::ImapServerConfig imap_config;
    imap_config.hostname = kImapHost;
    imap_config.allow_plaintext_auth = true;
    imap_config.tls_available = true;  // modelled by netsim
    imap_ = std::make_unique<imap_server::ImapServer>(imap_env, store_.get(), imap_config);
    if (auto s = imap_->Listen({kImapHost, 143}); !s.ok()) return s.status();

    submission::SubmissionServerConfig submit_config;
    submit_config.hostname = kSubmitHost;
    submit_config.local_domains = {"example.org"};
    submit_config.allow_plaintext_auth = true;
    submit_config.tls_available = true;
    submission::BurlTrust trust;
    trust.host = kImapHost;
    trust.user = "submit";
    trust.password = "submit-secret";
    trust.use_starttls = options_.starttls;
    submit_config.burl_trust.push_back(trust);
    auto submission = submission::SubmissionServer::Create(world_->EnvFor(kSubmitHost),
                                                           store_.get(), submit_config);
    if (!submission.ok()) return submission.status();
    submission_ = std::move(*submission);
    if (auto s = submission_->Listen({kSubmitHost, 587}); !s.ok()) return s.status();
    return Durable();
  }

  // Runs until everything written to the store is durable.
  absl::Status Durable() {
    bool done = false;
    absl::Status status;
    store_->Commit([&](absl::Status s) {
      status = s;
      done = true;
    });
    if (!Run([&] { return done; })) return absl::DeadlineExceededError("store commit");
    return status;
  }

  bool Run(const std::function<bool()>& done) {
    return world_->RunUntil([&done] { return done(); }, world_->Now() + kVariantTimeLimit);
  }

  client::LemonadeAgent& Agent(bool pipelining = true, bool chunking = true) {
    if (!agent_) {
      client::AgentConfig config;
      config.imap_host = kImapHost;
      config.submit_host = kSubmitHost;
      config.starttls = options_.starttls;
      config.compress = options_.compress;
      config.pipelining = pipelining;
      config.chunking = chunking;
      config.transcript = options_.transcript;
      agent_ = std::make_unique<client::LemonadeAgent>(world_->EnvFor(kPhoneHost), config);
    }
    return *agent_;
  }

  // Counters of the phone's link at a moment.
  struct LinkSnapshot {
    uint64_t up = 0, down = 0, retransmissions = 0, server = 0;
  };
  LinkSnapshot Links() {
    LinkSnapshot s;
    netsim::Host& phone = world_->host(kPhoneHost);
    s.up = phone.uplink().metrics().bytes_offered;
    s.down = phone.downlink().metrics().bytes_offered;
    for (const auto& [id, flow] : world_->flows()) {
      if (flow.client_host == kPhoneHost) {
        s.retransmissions += flow.c2s.retransmitted_packets + flow.s2c.retransmitted_packets;
      }
      if (flow.client_host == kSubmitHost && flow.server_host == kImapHost) {
        s.server += flow.c2s.wire_bytes + flow.s2c.wire_bytes;
      }
    }
    return s;
  }

  void Fill(VariantResult* r, const LinkSnapshot& before, const client::FlowReport& report) {
    LinkSnapshot after = Links();
    r->ok = report.status.ok();
    if (!report.status.ok()) r->error = std::string(report.status.message());
    r->detail = report.detail;
    r->round_trips = report.round_trips;
    r->client_bytes_up = report.bytes_up;
    r->client_bytes_down = report.bytes_down;
    r->completion = report.elapsed;
    r->mobile_wire_bytes_up = after.up - before.up;
    r->mobile_wire_bytes_down = after.down - before.down;
    r->retransmissions = after.retransmissions - before.retransmissions;
    r->server_wire_bytes = after.server - before.server;
  }

  void Finish(VariantResult* r) {
    r->trace_hash = world_->TraceHash();
    r->transcript = transcript_;
    if (options_.keep_trace) r->trace_text = world_->TraceText();
    if (options_.capture_packets) r->pcap = world_->Pcap();
    r->metrics_report = world_->MetricsReport();
    if (!options_.replay_trace.empty()) {
      r->replay = replay_parse_error_.ok() ? world_->VerifyReplay() : replay_parse_error_;
    }
  }

  netsim::World& world() { return *world_; }
  store::MailStore& store() { return *store_; }

 private:
  const ScenarioOptions& options_;
  std::unique_ptr<netsim::World> world_;
  absl::Status replay_parse_error_;
  Time start_;
  std::string transcript_;
  std::unique_ptr<store::MailStore> store_;
  std::unique_ptr<imap_server::ImapServer> imap_;
  std::unique_ptr<submission::SubmissionServer> submission_;
  std::unique_ptr<client::LemonadeAgent> agent_;
};

// Deterministic filler: printable base64 lines from the world's workload
// stream, so a seed fixes the bytes too.
std::string Base64Body(netsim::Rng& rng, size_t raw_bytes) {
  std::string raw(raw_bytes, '\0');
  for (size_t i = 0; i < raw.size(); i += 8) {
    uint64_t word = rng.NextU64();
    for (size_t k = 0; k < 8 && i + k < raw.size(); ++k) raw[i + k] = static_cast<char>(word >> (8 * k));
  }
  std::string encoded = absl::Base64Escape(raw);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / 76 * 2 + 2);
  for (size_t i = 0; i < encoded.size(); i += 76) {
    out.append(encoded, i, 76);
    out += "\r\n";
  }
  return out;
}

std::string MessageWithAttachment(netsim::Rng& rng, size_t attachment_bytes) {
  return absl::StrCat(
      "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\n"
      "Subject: Your trip details\r\nDate: Mon, 1 Jan 2024 09:00:00 +0000\r\n"
      "Message-ID: <trip@example.org>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"------------030308070208000400050907\"\r\n\r\n"
      "--------------030308070208000400050907\r\n"
      "Content-Type: text/plain; charset=us-ascii; format=flowed\r\n"
      "Content-Transfer-Encoding: 7bit\r\n\r\n"
      "Our travel agent has sent the updated schedule.\r\n\r\nCheers,\r\nAlice\r\n\r\n"
      "--------------030308070208000400050907\r\n"
      "Content-Type: application/pdf; name=\"trip.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=\"trip.pdf\"\r\n\r\n",
      Base64Body(rng, attachment_bytes),
      "--------------030308070208000400050907--\r\n");
}

std::string SmallMessage(size_t i) {
  return absl::StrCat("From: list", i % 17, "@example.net\r\nTo: bob@example.org\r\nSubject: Update ",
                      i, "\r\nMessage-ID: <m", i, "@example.net>\r\n\r\nBody of message ", i, ".\r\n");
}

absl::StatusOr<netsim::LinkProfile> LoadProfile(const ScenarioOptions& options) {
  return netsim::ProfileByName(
      options.profile, [&options](absl::string_view file) -> absl::StatusOr<std::string> {
        std::ifstream in(absl::StrCat(options.trace_directory, "/", file), std::ios::binary);
        if (!in) return absl::NotFoundError(absl::StrCat("cannot read trace ", file));
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      });
}

absl::StatusOr<VariantResult> RunForward(const ScenarioOptions& options,
                                         const netsim::LinkProfile& profile,
                                         const std::string& variant) {
  Stage stage(options, profile, options.transcript);
  if (absl::Status s = stage.StartServers(); !s.ok()) return s;
  netsim::Rng rng = stage.world().RandomStream("workload");
  store::Mailbox* inbox = stage.store().FindMailbox(*stage.store().FindUser("bob"), "INBOX");
  auto uid = stage.store().Append(*inbox, MessageWithAttachment(rng, options.attachment_bytes), 0,
                                  {}, stage.world().Now().unix_seconds(), 0);
  if (!uid.ok()) return uid.status();
  if (absl::Status s = stage.Durable(); !s.ok()) return s;

  VariantResult result;
  result.scenario = "forward";
  result.variant = variant;
  client::LemonadeAgent& agent = stage.Agent();
  absl::Status opened;
  bool open_done = false;
  agent.Open([&](absl::Status s) {
    opened = s;
    open_done = true;
  });
  if (!stage.Run([&] { return open_done; }) || !opened.ok()) {
    return absl::UnavailableError(absl::StrCat("open failed: ", opened.message()));
  }
  Stage::LinkSnapshot before = stage.Links();
  client::FlowReport report;
  bool done = false;
  agent.Forward(variant == "traditional" ? client::ForwardVariant::kTraditional
                                         : client::ForwardVariant::kWithoutDownload,
                *uid, /*part=*/2, "alice@example.org", [&](client::FlowReport r) {
                  report = std::move(r);
                  done = true;
                });
  if (!stage.Run([&] { return done; })) report.status = absl::DeadlineExceededError("forward stuck");
  stage.Fill(&result, before, report);
  // The forward must really arrive, whichever way it travelled.
  store::Mailbox* alice = stage.store().FindMailbox(*stage.store().FindUser("alice"), "INBOX");
  if (result.ok && !stage.Run([&] { return !alice->messages().empty(); })) {
    result.ok = false;
    result.error = "the forwarded message was not delivered";
  }
  stage.Finish(&result);
  return result;
}

absl::StatusOr<VariantResult> RunReconnect(const ScenarioOptions& options,
                                           const netsim::LinkProfile& profile,
                                           const std::string& variant) {
  Stage stage(options, profile, options.transcript);
  if (absl::Status s = stage.StartServers(); !s.ok()) return s;
  store::MailStore& store = stage.store();
  store::Mailbox* inbox = store.FindMailbox(*store.FindUser("bob"), "INBOX");
  for (size_t i = 0; i < options.mailbox_messages; ++i) {
    auto uid = store.Append(*inbox, SmallMessage(i), i % 3 == 0 ? store::kFlagSeen : 0, {},
                            stage.world().Now().unix_seconds(), 0);
    if (!uid.ok()) return uid.status();
  }
  if (absl::Status s = stage.Durable(); !s.ok()) return s;

  const client::ReconnectVariant v = variant == "full"      ? client::ReconnectVariant::kFull
                                     : variant == "qresync" ? client::ReconnectVariant::kQresync
                                                            : client::ReconnectVariant::kResume;
  client::LemonadeAgent& agent = stage.Agent();
  bool done = false;
  absl::Status status;
  agent.Open([&](absl::Status s) {
    status = s;
    done = true;
  });
  if (!stage.Run([&] { return done; }) || !status.ok()) return absl::UnavailableError("open failed");
  done = false;
  agent.Sync(v != client::ReconnectVariant::kFull, [&](client::FlowReport r) {
    status = r.status;
    done = true;
  });
  if (!stage.Run([&] { return done; }) || !status.ok()) return absl::UnavailableError("sync failed");
  agent.Drop();
  stage.world().RunFor(Duration::Seconds(5));

  // Offline: changes made by another client (flags, expunges, arrivals).
  netsim::Rng rng = stage.world().RandomStream("workload");
  std::vector<uint32_t> expunge;
  size_t changes = 0;
  for (size_t i = 0; i < options.changes_offline; ++i) {
    const auto& messages = inbox->messages();
    if (messages.empty()) break;
    const uint32_t uid = messages[rng.Uniform(messages.size())].uid;
    switch (i % 10) {
      case 0:
      case 1:
        expunge.push_back(uid);
        break;
      case 2:
        if (!store.Append(*inbox, SmallMessage(100000 + i), 0, {}, stage.world().Now().unix_seconds(), 0).ok()) {
          return absl::InternalError("append failed");
        }
        break;
      default:
        if (!store.StoreFlags(*inbox, {uid}, store::StoreMode::kAdd,
                              i % 2 ? store::kFlagFlagged : store::kFlagSeen, {}, std::nullopt).ok()) {
          return absl::InternalError("store failed");
        }
    }
    ++changes;
  }
  if (!store.Expunge(*inbox, expunge).ok()) return absl::InternalError("expunge failed");
  if (absl::Status s = stage.Durable(); !s.ok()) return s;

  VariantResult result;
  result.scenario = "reconnect";
  result.variant = variant;
  Stage::LinkSnapshot before = stage.Links();
  client::FlowReport report;
  done = false;
  agent.Reconnect(v, [&](client::FlowReport r) {
    report = std::move(r);
    done = true;
  });
  if (!stage.Run([&] { return done; })) report.status = absl::DeadlineExceededError("reconnect stuck");
  stage.Fill(&result, before, report);
  // The cache must now equal the server's mailbox exactly.
  if (result.ok) {
    std::map<uint32_t, std::string> expected;
    for (const store::Message& m : inbox->messages()) {
      std::string flags;
      store::AppendFlagNames(m.flags, inbox->keywords(), false, &flags);
      expected[m.uid] = flags;
    }
    std::map<uint32_t, std::string> got;
    for (const auto& [uid, flags] : agent.cache()) {
      // \Recent belongs to sessions, not to the mailbox state compared here.
      std::string f = flags;
      for (const char* recent : {" \\Recent", "\\Recent "}) {
        size_t p = f.find(recent);
        if (p != std::string::npos) f.erase(p, std::string(recent).size());
      }
      if (f == "\\Recent") f.clear();
      got[uid] = f;
    }
    if (got != expected) {
      result.ok = false;
      result.error = absl::StrCat("cache differs from the server: ", got.size(), " vs ",
                                  expected.size(), " messages");
    }
  }
  stage.Finish(&result);
  return result;
}

absl::StatusOr<VariantResult> RunSubmit(const ScenarioOptions& options,
                                        const netsim::LinkProfile& profile,
                                        const std::string& variant) {
  Stage stage(options, profile, options.transcript);
  if (absl::Status s = stage.StartServers(); !s.ok()) return s;
  netsim::Rng rng = stage.world().RandomStream("workload");
  const bool pipelining = variant != "sequential";
  const bool chunking = variant == "pipelined";
  client::LemonadeAgent& agent = stage.Agent(pipelining, chunking);
  std::vector<std::string> recipients;
  for (size_t i = 0; i < options.recipients; ++i) {
    recipients.push_back(i % 2 == 0 ? "alice@example.org" : "bob@example.org");
  }
  std::string message = absl::StrCat(
      "From: <bob@example.org>\r\nTo: <alice@example.org>\r\nSubject: Report\r\n"
      "Date: Mon, 1 Jan 2024 09:00:00 +0000\r\nMessage-ID: <report@example.org>\r\n\r\n",
      Base64Body(rng, options.message_bytes * 3 / 4));
  VariantResult result;
  result.scenario = "submit";
  result.variant = variant;
  Stage::LinkSnapshot before = stage.Links();
  client::FlowReport report;
  bool done = false;
  agent.Submit(message, recipients, [&](client::FlowReport r) {
    report = std::move(r);
    done = true;
  });
  if (!stage.Run([&] { return done; })) report.status = absl::DeadlineExceededError("submit stuck");
  stage.Fill(&result, before, report);
  stage.Finish(&result);
  return result;
}

absl::StatusOr<VariantResult> RunCommute(const ScenarioOptions& options,
                                         const netsim::LinkProfile& profile,
                                         const std::string& variant) {
  // A carrier NAT that forgets idle flows after 5 minutes (RFC 4787 asks
  // for at least 2), as phones meet it.
  Stage stage(options, profile, options.transcript, Duration::Minutes(5));
  if (absl::Status s = stage.StartServers(); !s.ok()) return s;
  store::MailStore& store = stage.store();
  store::Mailbox* inbox = store.FindMailbox(*store.FindUser("bob"), "INBOX");
  for (size_t i = 0; i < 200; ++i) {
    if (!store.Append(*inbox, SmallMessage(i), store::kFlagSeen, {}, stage.world().Now().unix_seconds(), 0).ok()) {
      return absl::InternalError("append failed");
    }
  }
  if (absl::Status s = stage.Durable(); !s.ok()) return s;
  netsim::World& world = stage.world();
  const Time start = world.Now();
  const Time end = start + options.commute_length;

  // Coverage as a commuter has it: outages, handovers, loss bursts.
  netsim::RandomFaultOptions faults;
  faults.horizon = options.commute_length;
  faults.mobile_hosts = {kPhoneHost};
  faults.mean_time_between_outages = Duration::Minutes(15);
  faults.outage_min = Duration::Seconds(5);
  faults.outage_max = Duration::Minutes(3);
  faults.mean_time_between_handovers = Duration::Minutes(4);
  faults.mean_time_between_loss_bursts = Duration::Minutes(6);
  world.Apply(netsim::RandomFaultPlan(world.RandomStream("faults"), faults));

  // Mail arrives at random times; remember when, by UID.
  netsim::Rng arrivals_rng = world.RandomStream("arrivals");
  std::map<uint32_t, Time> arrived;
  Env imap_env = world.EnvFor(kImapHost);
  for (size_t i = 0; i < options.commute_arrivals; ++i) {
    const Time at = start + Duration::Nanoseconds(static_cast<int64_t>(
                                arrivals_rng.Uniform(options.commute_length.nanoseconds())));
    imap_env.timers->ScheduleAt(at, [&store, inbox, &arrived, &world, i] {
      auto uid = store.Append(*inbox, SmallMessage(500000 + i), 0, {}, world.Now().unix_seconds(), 0);
      if (uid.ok()) {
        arrived[*uid] = world.Now();
        store.Commit([](absl::Status) {});
      }
    });
  }

  client::LemonadeAgent::WatchOptions watch;
  watch.variant = absl::StartsWith(variant, "poll") ? client::WatchVariant::kPoll
                                                    : client::WatchVariant::kIdle;
  watch.reconnect = absl::EndsWith(variant, "full")     ? client::ReconnectVariant::kFull
                    : absl::EndsWith(variant, "resume") ? client::ReconnectVariant::kResume
                                                        : client::ReconnectVariant::kQresync;
  std::map<uint32_t, Time> notified;
  client::LemonadeAgent& agent = stage.Agent();
  Stage::LinkSnapshot before = stage.Links();
  agent.Watch(watch, [&notified, &world](uint32_t uid) { notified.emplace(uid, world.Now()); });
  // The commute, plus time for the last arrivals to be noticed.
  world.RunUntil(end + Duration::Minutes(10));
  agent.StopWatching();

  VariantResult result;
  result.scenario = "commute";
  result.variant = variant;
  client::FlowReport report;
  report.status = absl::OkStatus();
  report.elapsed = world.Now() - start;
  stage.Fill(&result, before, report);
  result.round_trips = 0;
  result.arrivals = arrived.size();
  result.reconnects = agent.reconnects();
  Duration total, worst;
  for (const auto& [uid, when] : arrived) {
    auto it = notified.find(uid);
    if (it == notified.end()) continue;
    ++result.notified;
    const Duration latency = it->second - when;
    total += latency;
    if (latency > worst) worst = latency;
  }
  if (result.notified > 0) result.notify_latency_mean = total / static_cast<int64_t>(result.notified);
  result.notify_latency_max = worst;
  result.detail = absl::StrFormat("%d/%d new messages noticed, mean %.1fs, max %.1fs, %d reconnects",
                                  result.notified, result.arrivals,
                                  result.notify_latency_mean.seconds_double(),
                                  result.notify_latency_max.seconds_double(), result.reconnects);
  if (result.notified < result.arrivals) {
    result.ok = false;
    result.error = absl::StrCat(result.arrivals - result.notified, " arrivals never noticed");
  }
  stage.Finish(&result);
  return result;
}

}  // namespace

std::vector<std::string> ScenarioNames() { return {"forward", "reconnect", "submit", "commute"}; }

std::vector<std::string> VariantNames(absl::string_view scenario) {
  if (scenario == "forward") return {"traditional", "without-download"};
  if (scenario == "reconnect") return {"full", "qresync", "resume"};
  if (scenario == "submit") return {"sequential", "pipelined-data", "pipelined"};
  if (scenario == "commute") return {"idle-qresync", "idle-resume", "idle-full", "poll-qresync"};
  return {};
}

absl::StatusOr<ScenarioResult> RunScenario(const ScenarioOptions& options) {
  std::vector<std::string> known = VariantNames(options.scenario);
  if (known.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown scenario '", options.scenario,
                                                   "'; known: ", absl::StrJoin(ScenarioNames(), ", ")));
  }
  std::vector<std::string> variants = options.variants.empty() ? known : options.variants;
  for (const std::string& v : variants) {
    if (std::find(known.begin(), known.end(), v) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown variant '", v, "' of ",
                                                     options.scenario, "; known: ",
                                                     absl::StrJoin(known, ", ")));
    }
  }
  auto profile = LoadProfile(options);
  if (!profile.ok()) return profile.status();
  ScenarioResult result;
  result.options = options;
  for (const std::string& v : variants) {
    absl::StatusOr<VariantResult> r;
    if (options.scenario == "forward") {
      r = RunForward(options, *profile, v);
    } else if (options.scenario == "reconnect") {
      r = RunReconnect(options, *profile, v);
    } else if (options.scenario == "commute") {
      r = RunCommute(options, *profile, v);
    } else {
      r = RunSubmit(options, *profile, v);
    }
    if (!r.ok()) {
      return absl::Status(r.status().code(),
                          absl::StrCat(options.scenario, "/", v, " (seed ", options.seed,
                                       "): ", r.status().message()));
    }
    result.variants.push_back(std::move(*r));
  }
  return result;
}

std::string FormatSummary(const ScenarioResult& result) {
  const ScenarioOptions& o = result.options;
  std::string out = absl::StrFormat("scenario %s, profile %s, seed %d\n", o.scenario, o.profile, o.seed);
  absl::StrAppendFormat(&out, "%-18s %10s %12s %12s %12s %8s %8s %12s %s\n", "variant", "time(s)",
                        "mobile up", "mobile down", "server-srv", "RTTs", "retrans",
                        "vs first", "status");
  const VariantResult* first = result.variants.empty() ? nullptr : &result.variants.front();
  for (const VariantResult& v : result.variants) {
    std::string ratio = "-";
    if (first != nullptr && &v != first && first->mobile_wire_bytes() > 0 &&
        first->completion.nanoseconds() > 0) {
      ratio = absl::StrFormat("%.1f%%B %.1f%%T",
                              100.0 * v.mobile_wire_bytes() / first->mobile_wire_bytes(),
                              100.0 * v.completion.seconds_double() / first->completion.seconds_double());
    }
    if (v.scenario == "commute") {
      absl::StrAppendFormat(&out, "%-18s %10.2f %12d %12d %12d %8s %8d %12s %s\n", v.variant,
                            v.completion.seconds_double(), v.mobile_wire_bytes_up,
                            v.mobile_wire_bytes_down, v.server_wire_bytes, "-",
                            v.retransmissions, ratio,
                            (v.ok ? "ok: " : "FAILED: ") + v.detail);
      continue;
    }
    absl::StrAppendFormat(&out, "%-18s %10.2f %12d %12d %12d %8d %8d %12s %s\n", v.variant,
                          v.completion.seconds_double(), v.mobile_wire_bytes_up,
                          v.mobile_wire_bytes_down, v.server_wire_bytes, v.round_trips,
                          v.retransmissions, ratio, v.ok ? "ok" : "FAILED: " + v.error);
  }
  return out;
}

std::string FormatJson(const ScenarioResult& result) {
  const ScenarioOptions& o = result.options;
  std::string out = absl::StrFormat(
      "{\"scenario\": \"%s\", \"profile\": \"%s\", \"seed\": %d, \"variants\": [", o.scenario,
      o.profile, o.seed);
  for (size_t i = 0; i < result.variants.size(); ++i) {
    const VariantResult& v = result.variants[i];
    absl::StrAppendFormat(
        &out,
        "%s{\"variant\": \"%s\", \"ok\": %s, \"completion_s\": %.6f, \"round_trips\": %d, "
        "\"client_bytes_up\": %d, \"client_bytes_down\": %d, \"mobile_wire_bytes_up\": %d, "
        "\"mobile_wire_bytes_down\": %d, \"server_wire_bytes\": %d, \"retransmissions\": %d, "
        "\"trace_hash\": \"%016x\", \"detail\": \"%s\", \"error\": \"%s\"}",
        i ? ", " : "", v.variant, v.ok ? "true" : "false", v.completion.seconds_double(),
        v.round_trips, v.client_bytes_up, v.client_bytes_down, v.mobile_wire_bytes_up,
        v.mobile_wire_bytes_down, v.server_wire_bytes, v.retransmissions, v.trace_hash,
        absl::CEscape(v.detail), absl::CEscape(v.error));
  }
  out += "]}\n";
  return out;
}

std::string FormatCsv(const ScenarioResult& result, bool header) {
  std::string out;
  if (header) {
    out = "scenario,profile,seed,variant,ok,completion_s,round_trips,client_bytes_up,"
          "client_bytes_down,mobile_wire_bytes_up,mobile_wire_bytes_down,server_wire_bytes,"
          "retransmissions,trace_hash\n";
  }
  const ScenarioOptions& o = result.options;
  for (const VariantResult& v : result.variants) {
    absl::StrAppendFormat(&out, "%s,%s,%d,%s,%d,%.6f,%d,%d,%d,%d,%d,%d,%d,%016x\n", o.scenario,
                          o.profile, o.seed, v.variant, v.ok ? 1 : 0, v.completion.seconds_double(),
                          v.round_trips, v.client_bytes_up, v.client_bytes_down,
                          v.mobile_wire_bytes_up, v.mobile_wire_bytes_down, v.server_wire_bytes,
                          v.retransmissions, v.trace_hash);
  }
  return out;
}

}  // namespace lemonade::sim
