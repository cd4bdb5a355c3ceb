// The IMAP server's costs at mailbox scale, through the whole stack
// (client -> simulated TCP -> session -> store) in netsim on a lossless
// link: SELECT of a 100,000-message mailbox, FETCH FLAGS of all of it,
// QRESYNC after 1,000 changes, APPEND of 1 MB, SORT; and the store's
// memory per message. Wall time per operation is what Google Benchmark reports; the
// simulated network adds no wall time of its own beyond its CPU.
#include <malloc.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "client/imap_client.h"
#include "netsim/profiles.h"
#include "netsim/world.h"
#include "server/imap/imap_server.h"
#include "server/store/mail_store.h"

namespace lemonade {
namespace {

constexpr char kImapHost[] = "imap.example.org";
constexpr char kPhoneHost[] = "phone";

class Bench {
 public:
  explicit Bench(size_t messages) {
    netsim::WorldOptions options;
    options.seed = 1;
    world_ = std::make_unique<netsim::World>(options);
    netsim::HostOptions fast;
    fast.link = netsim::LosslessProfile();
    fast.disk.sync_latency = Duration::Microseconds(50);
    world_->AddHost(kImapHost, fast);
    world_->AddHost(kPhoneHost, fast);
    Env env = world_->EnvFor(kImapHost);
    store::StoreOptions store_options;
    store_options.password_iterations = 1;
    store_ = std::move(*store::MailStore::Open(env, store_options));
    (void)store_->AddUser("bob", "secret");
    inbox_ = store_->FindMailbox(*store_->FindUser("bob"), "INBOX");
    for (size_t i = 0; i < messages; ++i) {
      (void)store_->Append(*inbox_, Message(i), i % 2 ? store::kFlagSeen : 0, {}, 1704067200, 0);
    }
    Durable();
    imap_server::ImapServerConfig config;
    config.hostname = kImapHost;
    config.allow_plaintext_auth = true;
    server_ = std::make_unique<imap_server::ImapServer>(env, store_.get(), config);
    (void)server_->Listen({kImapHost, 143});
  }

  static std::string Message(size_t i) {
    return absl::StrCat("From: a@example.net\r\nSubject: message ", i, "\r\n\r\nBody ", i, "\r\n");
  }

  void Durable() {
    bool done = false;
    store_->Commit([&done](absl::Status) { done = true; });
    world_->RunUntil([&done] { return done; }, world_->Now() + Duration::Seconds(60));
  }

  std::unique_ptr<client::ImapClient> Connect() {
    // Responses such as "* SORT" over a whole 100k mailbox are one long
    // line; the client's default line limit is for untrusted servers.
    imap::ImapLimits limits;
    limits.line_bytes_max = 16 << 20;
    limits.list_items_max = 1 << 20;
    auto c = std::make_unique<client::ImapClient>(world_->EnvFor(kPhoneHost), limits);
    bool ok = false;
    c->Connect(kImapHost, 143, [&ok](absl::Status s) { ok = s.ok(); });
    world_->RunUntil([&ok] { return ok; }, world_->Now() + Duration::Seconds(10));
    Run(*c, "LOGIN bob secret");
    return c;
  }

  client::ImapResult Run(client::ImapClient& c, client::ImapRequest request) {
    client::ImapResult result;
    bool done = false;
    c.Send(std::move(request), [&](client::ImapResult r) {
      result = std::move(r);
      done = true;
    });
    world_->RunUntil([&done] { return done; }, world_->Now() + Duration::Hours(1));
    return result;
  }
  client::ImapResult Run(client::ImapClient& c, const std::string& text) {
    return Run(c, client::ImapRequest::Text(text));
  }

  netsim::World& world() { return *world_; }
  store::MailStore& store() { return *store_; }
  store::Mailbox* inbox() { return inbox_; }

 private:
  std::unique_ptr<netsim::World> world_;
  std::unique_ptr<store::MailStore> store_;
  store::Mailbox* inbox_ = nullptr;
  std::unique_ptr<imap_server::ImapServer> server_;
};

void BM_Select100k(benchmark::State& state) {
  Bench bench(100000);
  auto c = bench.Connect();
  for (auto _ : state) {
    auto r = bench.Run(*c, "SELECT INBOX");
    if (!r.ok()) state.SkipWithError("SELECT failed");
  }
  state.counters["messages"] = 100000;
}
BENCHMARK(BM_Select100k)->Unit(benchmark::kMillisecond);

void BM_FetchFlagsAll100k(benchmark::State& state) {
  Bench bench(100000);
  auto c = bench.Connect();
  bench.Run(*c, "SELECT INBOX");
  uint64_t bytes = 0;
  for (auto _ : state) {
    const uint64_t before = c->bytes_received();
    auto r = bench.Run(*c, "UID FETCH 1:* (FLAGS)");
    if (!r.ok() || r.untagged.size() != 100000) state.SkipWithError("FETCH failed");
    bytes += c->bytes_received() - before;
  }
  state.SetBytesProcessed(bytes);
  state.counters["messages/s"] = benchmark::Counter(100000.0 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FetchFlagsAll100k)->Unit(benchmark::kMillisecond);

// SORT by base subject needs every message's header (parsed through the
// shared MessageCache); by arrival it needs only the store's metadata.
void BM_SortSubject10k(benchmark::State& state) {
  Bench bench(10000);
  auto c = bench.Connect();
  bench.Run(*c, "SELECT INBOX");
  for (auto _ : state) {
    auto r = bench.Run(*c, "SORT (SUBJECT) UTF-8 ALL");
    if (!r.ok() || r.untagged.size() != 1) state.SkipWithError("SORT failed");
  }
  state.counters["messages/s"] = benchmark::Counter(10000.0 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SortSubject10k)->Unit(benchmark::kMillisecond);

void BM_SortArrival100k(benchmark::State& state) {
  Bench bench(100000);
  auto c = bench.Connect();
  bench.Run(*c, "SELECT INBOX");
  for (auto _ : state) {
    auto r = bench.Run(*c, "SORT (REVERSE ARRIVAL) UTF-8 ALL");
    if (!r.ok() || r.untagged.size() != 1) {
      state.SkipWithError(("SORT failed: " + r.text).c_str());
      break;
    }
  }
  state.counters["messages/s"] = benchmark::Counter(100000.0 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SortArrival100k)->Unit(benchmark::kMillisecond);

void BM_QresyncAfter1000Changes(benchmark::State& state) {
  Bench bench(100000);
  uint64_t modseq = bench.inbox()->highest_modseq();
  const uint32_t validity = bench.inbox()->uidvalidity();
  for (uint32_t uid = 1; uid <= 1000; ++uid) {
    (void)bench.store().StoreFlags(*bench.inbox(), {uid * 97 % 100000 + 1}, store::StoreMode::kAdd,
                                   store::kFlagFlagged, {}, std::nullopt);
  }
  bench.Durable();
  for (auto _ : state) {
    state.PauseTiming();
    auto c = bench.Connect();
    bench.Run(*c, "ENABLE QRESYNC");
    state.ResumeTiming();
    auto r = bench.Run(*c, absl::StrCat("SELECT INBOX (QRESYNC (", validity, " ", modseq, "))"));
    if (!r.ok() || r.untagged.size() < 1000) state.SkipWithError("QRESYNC failed");
    state.PauseTiming();
    c->Abort();
    bench.world().RunFor(Duration::Milliseconds(10));
    state.ResumeTiming();
  }
}
BENCHMARK(BM_QresyncAfter1000Changes)->Unit(benchmark::kMillisecond);

void BM_Append1MiB(benchmark::State& state) {
  Bench bench(0);
  auto c = bench.Connect();
  std::string body = "Subject: big\r\n\r\n";
  while (body.size() < (1 << 20)) body += "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_\r\n";
  for (auto _ : state) {
    auto r = bench.Run(*c, client::ImapRequest::Text("APPEND INBOX ").Literal(body));
    if (!r.ok()) state.SkipWithError("APPEND failed");
  }
  state.SetBytesProcessed(state.iterations() * body.size());
}
BENCHMARK(BM_Append1MiB)->Unit(benchmark::kMillisecond);

// Heap the store's in-memory index needs per message (the bytes live in
// the log, which the simulated disk also keeps in memory: subtracted).
void BM_StoreMemoryPerMessage(benchmark::State& state) {
  for (auto _ : state) {
    struct mallinfo2 before = mallinfo2();
    Bench bench(100000);
    struct mallinfo2 after = mallinfo2();
    const double heap = static_cast<double>(after.uordblks) - static_cast<double>(before.uordblks);
    const double log_bytes = static_cast<double>(bench.store().log_bytes());
    state.counters["index_bytes_per_message"] = (heap - log_bytes) / 100000.0;
    state.counters["log_bytes_per_message"] = log_bytes / 100000.0;
  }
}
BENCHMARK(BM_StoreMemoryPerMessage)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lemonade
