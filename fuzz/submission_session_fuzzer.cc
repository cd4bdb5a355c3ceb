// Scenario fuzzer for the submission server: a netsim world with the
// Lemonade IMAP server (for BURL) and the submission server, and a phone
// whose bytes on the submission connection are the fuzz input.
//
// Input: the first octet picks the setup (bit 0: split reads — stream data
// delivered cut at random points; bit 1: TLS offered and required for
// AUTH; bit 2: no IMAP server, so BURL fails temporarily; bit 3: a 200
// octet SIZE limit; bits 5-7: the world's seed). The rest is what the
// client sends, in writes separated by RS (0x1e); after each write the
// world runs three virtual seconds (enough for the AUTH failure delay, a
// BURL fetch and a queue write). A write that is exactly GS (0x1d) makes
// the client start TLS instead (after the server's "220" to STARTTLS).
// "$URL" is replaced by a valid URLAUTH URL (submit+bob) for a message in
// bob's Sent mailbox, so BURL can succeed. The corpus holds real sessions.
//
// Checked, beyond "the server does not crash" (ASan/UBSan):
//  - every reply line is well-formed (RFC 5321 §4.2) and every 2xx/4xx/5xx
//    line but the greeting and EHLO/HELO replies carries an enhanced status
//    code of its class (RFC 2034), and the output ends with a whole line;
//  - the session ends cleanly: after the client closes its side, the
//    server closes its side too and forgets the session within ten virtual
//    minutes.
// A failure prints the problems and the server's whole output; replay the
// input with the standalone driver (bazel run //fuzz:submission_session_fuzzer -- FILE).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "base/check.h"
#include "netsim/world.h"
#include "protocol/url/imap_url.h"
#include "server/imap/imap_server.h"
#include "server/imap/url_resolver.h"
#include "server/store/mail_store.h"
#include "server/submission/submission_server.h"
#include "tests/testing/smtp_replies.h"

namespace lemonade {
namespace {

constexpr char kImapHost[] = "imap.example.org";
constexpr char kSubmitHost[] = "submit.example.org";
constexpr char kPhoneHost[] = "phone";
constexpr char kWriteBreak = '\x1e';
constexpr char kClientTls[] = "\x1d";

constexpr char kSentMessage[] =
    "From: Alice <alice@example.org>\r\nSubject: plans\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Message-ID: <plans@example.org>\r\n\r\nSee you at noon.\r\n";

// The phone's end of the submission connection: keeps what the server
// said and whether it closed.
class Client : public StreamHandler {
 public:
  ~Client() override {
    if (stream_) stream_->SetHandler(nullptr);
  }
  void Attach(std::unique_ptr<Stream> stream) {
    stream_ = std::move(stream);
    stream_->SetHandler(this);
  }
  void OnStreamData(absl::string_view bytes) override {
    received_.append(bytes.data(), bytes.size());
  }
  void OnStreamClosed(absl::Status status) override { closed_ = true; }

  // Starts the client side of TLS once; a failed handshake (the server
  // was not expecting one) kills the stream without OnStreamClosed.
  void StartTls() {
    if (tls_started_) return;
    tls_started_ = true;
    stream_->StartTls(TlsRole::kClient, [this](absl::Status s) {
      if (!s.ok()) dead_ = true;
    });
  }

  Stream* stream() { return stream_.get(); }
  const std::string& received() const { return received_; }
  // The connection is over from the client's side.
  bool closed() const { return closed_ || dead_; }

 private:
  std::unique_ptr<Stream> stream_;
  std::string received_;
  bool closed_ = false;
  bool tls_started_ = false;
  bool dead_ = false;
};

[[noreturn]] void Fail(const std::vector<std::string>& problems, const std::string& received) {
  std::fprintf(stderr, "submission_session_fuzzer: invariant violated\n");
  for (const std::string& p : problems) std::fprintf(stderr, "  %s\n", p.c_str());
  std::fprintf(stderr, "server output:\n%s\n", absl::CHexEscape(received).c_str());
  std::abort();
}

void Run(const uint8_t* data, size_t size) {
  const uint8_t flags = data[0];
  std::string script(reinterpret_cast<const char*>(data) + 1, size - 1);

  netsim::WorldOptions options;
  options.seed = 1 + (flags >> 5);
  options.split_reads = (flags & 1) != 0;
  netsim::World world(options);
  world.AddHost(kImapHost);
  world.AddHost(kSubmitHost);
  netsim::HostOptions phone;
  phone.link = netsim::LosslessProfile();
  world.AddHost(kPhoneHost, phone);
  const Env imap_env = world.EnvFor(kImapHost);
  const Env submit_env = world.EnvFor(kSubmitHost);
  const Env phone_env = world.EnvFor(kPhoneHost);

  // The store with bob, alice and the submit server's own account, and a
  // message in bob's Sent for BURL.
  store::StoreOptions store_options;
  store_options.password_iterations = 1;
  store_options.directory = "store";
  auto opened = store::MailStore::Open(imap_env, store_options);
  CHECK(opened.ok()) << opened.status();
  std::unique_ptr<store::MailStore> store = std::move(*opened);
  CHECK(store->AddUser("bob", "secret").ok());
  CHECK(store->AddUser("alice", "wonder").ok());
  CHECK(store->AddUser("submit", "submit-secret").ok());
  store::Mailbox* sent = store->FindMailbox(*store->FindUser("bob"), "Sent");
  if (sent == nullptr) sent = *store->CreateMailbox(*store->FindUser("bob"), "Sent");
  auto uid = store->Append(*sent, kSentMessage, 0, {}, world.Now().unix_seconds(), 0);
  CHECK(uid.ok()) << uid.status();
  auto key = store->UrlauthKey(*sent);
  CHECK(key.ok()) << key.status();
  const std::string rump = absl::StrCat("imap://bob@imap.example.org/Sent;UIDVALIDITY=",
                                        sent->uidvalidity(), "/;UID=", *uid, ";urlauth=submit+bob");
  const std::string url =
      url::AppendUrlAuthVerifier(rump, "internal", imap_server::UrlauthToken(*key, rump));
  bool durable = false;
  store->Commit([&durable](absl::Status s) { durable = s.ok(); });
  CHECK(world.RunUntil([&durable] { return durable; }, world.Now() + Duration::Seconds(10)));

  std::unique_ptr<imap_server::ImapServer> imap;
  if ((flags & 4) == 0) {
    imap_server::ImapServerConfig imap_config;
    imap_config.hostname = kImapHost;
    imap_config.allow_plaintext_auth = true;
    imap = std::make_unique<imap_server::ImapServer>(imap_env, store.get(), imap_config);
    CHECK(imap->Listen({kImapHost, 143}).ok());
  }

  submission::SubmissionServerConfig config;
  config.hostname = kSubmitHost;
  config.local_domains = {"example.org"};
  config.tls_available = (flags & 2) != 0;
  config.allow_plaintext_auth = (flags & 2) == 0;
  if (flags & 8) config.message_bytes_max = 200;
  submission::BurlTrust trust;
  trust.host = kImapHost;
  trust.password = "submit-secret";
  config.burl_trust.push_back(trust);
  auto created = submission::SubmissionServer::Create(submit_env, store.get(), config, "queue");
  CHECK(created.ok()) << created.status();
  std::unique_ptr<submission::SubmissionServer> submission = std::move(*created);
  CHECK(submission->Listen({kSubmitHost, 587}).ok());

  auto client = std::make_unique<Client>();
  bool connected = false;
  phone_env.network->Connect(kSubmitHost, 587,
                             [&](absl::StatusOr<std::unique_ptr<Stream>> stream) {
                               CHECK(stream.ok()) << stream.status();
                               client->Attach(std::move(*stream));
                               connected = true;
                             });
  CHECK(world.RunUntil([&connected] { return connected; }, world.Now() + Duration::Seconds(10)));
  world.RunFor(Duration::Seconds(1));  // the greeting

  script = absl::StrReplaceAll(script, {{"$URL", url}});
  for (absl::string_view write : absl::StrSplit(script, kWriteBreak)) {
    if (client->closed()) break;
    if (write == kClientTls) {
      client->StartTls();
    } else if (!write.empty()) {
      client->stream()->Write(write);
    }
    world.RunFor(Duration::Seconds(3));
  }

  // The client is done: the server must close its side too (the flow is
  // then finished at both ends) and forget the session.
  const uint64_t flow = netsim::World::FlowOf(*client->stream());
  if (!client->closed()) client->stream()->Close();
  const bool ended = world.RunUntil(
      [&] { return world.Flow(flow)->closed != Time() && submission->session_count() == 0; },
      world.Now() + Duration::Minutes(10));

  std::vector<std::string> problems = testing::CheckReplyStream(client->received(), kSubmitHost);
  if (!client->received().empty() &&
      client->received().rfind("220 submit.example.org ESMTP", 0) != 0) {
    problems.push_back("the output does not start with the greeting");
  }
  if (!ended) {
    problems.push_back(absl::StrCat("the session did not end cleanly: the connection is ",
                                    world.Flow(flow)->closed != Time() ? "closed" : "open",
                                    ", the server has ", submission->session_count(),
                                    " session(s)"));
  }
  if (!problems.empty()) Fail(problems, client->received());

  // Teardown in dependency order, before the world.
  client.reset();
  submission.reset();
  imap.reset();
  store.reset();
}

}  // namespace
}  // namespace lemonade

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  lemonade::Run(data, size);
  return 0;
}
