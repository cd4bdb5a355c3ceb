// A whole-system fuzzer: the Lemonade IMAP server in a netsim world, fed by
// up to three client connections whose bytes, chunking and timing come
// from the fuzz input.
//
// Input format: records separated by 0xFF. A record's first byte picks
// the connection (low 2 bits) and a pause before sending (high bits, in
// milliseconds of virtual time); the rest is written to that connection.
// The seed corpus holds real sessions (logged-in, selected, appending,
// fetching), so mutations start deep in the state machine.
//
// Invariants checked, beyond "does not crash":
//  - everything the server sends parses as IMAP responses;
//  - every tagged response names a tag the client sent;
//  - the store recovered from the simulated disk equals the live store
//    (same mailboxes, UIDs, flags and MODSEQs): every change was logged.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "netsim/world.h"
#include "protocol/imap/imap_response_parser.h"
#include "server/imap/imap_server.h"
#include "server/store/mail_store.h"

namespace lemonade {
namespace {

constexpr char kImapHost[] = "imap.example.org";
constexpr char kClientHost[] = "client";

class Connection : public StreamHandler {
 public:
  void OnStreamData(absl::string_view bytes) override {
    received.append(bytes.data(), bytes.size());
  }
  void OnStreamClosed(absl::Status) override { closed = true; }
  std::unique_ptr<Stream> stream;
  std::string received;
  bool closed = false;
  std::string sent;  // everything written, for the tags it contains
  std::set<std::string> tags_sent;
};

// Tags a client byte stream uses (the first word of each line).
void CollectTags(absl::string_view bytes, std::set<std::string>* tags) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t eol = bytes.find('\n', pos);
    absl::string_view line = bytes.substr(pos, eol == absl::string_view::npos ? bytes.npos : eol - pos);
    // The tag is the first word; a line of one word is a tag too.
    size_t end = line.find_first_of(" \r");
    tags->insert(std::string(line.substr(0, end)));
    if (eol == absl::string_view::npos) break;
    pos = eol + 1;
  }
}

void CheckResponses(const Connection& c) {
  imap::ImapLimits limits;
  limits.literal_bytes_max = 1 << 26;
  limits.command_bytes_max = 1 << 27;
  imap::ImapResponseParser parser(limits);
  absl::string_view in = c.received;
  while (!in.empty()) {
    imap::ResponseParseResult r = parser.Parse(in);
    in.remove_prefix(r.consumed);
    CHECK(r.event != imap::ResponseEvent::kError)
        << "server sent an unparsable response: " << parser.error() << "\n" << c.received;
    if (r.event == imap::ResponseEvent::kResponse &&
        parser.response().kind == imap::ImapResponse::Kind::kTagged) {
      const std::string tag(parser.response().tag);
      CHECK(c.tags_sent.count(tag)) << "tagged response for a tag never sent: " << tag;
    }
    if (r.event == imap::ResponseEvent::kNeedMore) break;
  }
}

// Mailbox name -> (uid -> (flags, modseq)).
using StoreImage = std::map<std::string, std::map<uint32_t, std::pair<std::string, uint64_t>>>;

StoreImage Image(store::MailStore& store) {
  StoreImage image;
  for (const std::string& name : store.ListUsers()) {
    const store::User* user = store.FindUser(name);
    for (store::Mailbox* m : store.ListMailboxes(*user)) {
      auto& messages = image[absl::StrCat(name, "/", m->name(), "/", m->uidvalidity())];
      for (const store::Message& msg : m->messages()) {
        std::string flags;
        store::AppendFlagNames(msg.flags, m->keywords(), false, &flags);
        messages[msg.uid] = {flags, msg.modseq};
      }
    }
  }
  return image;
}

}  // namespace
}  // namespace lemonade

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lemonade;  // NOLINT
  if (size > 64 * 1024) return 0;
  netsim::WorldOptions options;
  options.seed = 1;
  netsim::World world(options);
  world.AddHost(kImapHost);
  world.AddHost(kClientHost);
  Env env = world.EnvFor(kImapHost);
  store::StoreOptions store_options;
  store_options.password_iterations = 1;
  auto opened = store::MailStore::Open(env, store_options);
  CHECK(opened.ok());
  std::unique_ptr<store::MailStore> store = std::move(*opened);
  CHECK(store->AddUser("bob", "secret").ok());
  imap_server::ImapServerConfig config;
  config.hostname = kImapHost;
  config.allow_plaintext_auth = true;
  config.auth_failure_delay = Duration::Milliseconds(10);
  config.limits.literal_bytes_max = 1 << 20;
  config.limits.command_bytes_max = 2 << 20;
  auto server = std::make_unique<imap_server::ImapServer>(env, store.get(), config);
  CHECK(server->Listen({kImapHost, 143}).ok());

  Connection connections[3];
  Env client_env = world.EnvFor(kClientHost);
  for (Connection& c : connections) {
    client_env.network->Connect(kImapHost, 143,
                                [&c](absl::StatusOr<std::unique_ptr<Stream>> s) {
                                  if (!s.ok()) return;
                                  c.stream = std::move(*s);
                                  c.stream->SetHandler(&c);
                                });
  }
  world.RunFor(Duration::Milliseconds(50));

  absl::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    size_t end = input.find('\xff');
    absl::string_view record = input.substr(0, end);
    input = end == absl::string_view::npos ? absl::string_view() : input.substr(end + 1);
    if (record.empty()) continue;
    const uint8_t control = static_cast<uint8_t>(record[0]);
    Connection& c = connections[(control & 3) % 3];
    world.RunFor(Duration::Milliseconds(control >> 2));
    absl::string_view bytes = record.substr(1);
    c.sent.append(bytes.data(), bytes.size());
    if (c.stream && !c.closed) c.stream->Write(bytes);
  }
  world.RunFor(Duration::Seconds(5));

  for (Connection& c : connections) {
    // Records may split a line, so tags come from the whole byte stream.
    lemonade::CollectTags(c.sent, &c.tags_sent);
    lemonade::CheckResponses(c);
  }

  // Every change must have reached the log: recover a second store from
  // the same disk and compare.
  bool durable = false;
  store->Commit([&durable](absl::Status) { durable = true; });
  world.RunFor(Duration::Seconds(1));
  CHECK(durable);
  StoreImage live = Image(*store);
  auto recovered = store::MailStore::Open(env, store_options);
  CHECK(recovered.ok()) << recovered.status().ToString();
  CHECK(Image(**recovered) == live) << "recovered store differs from the live one";
  recovered->reset();
  for (Connection& c : connections) {
    if (c.stream) c.stream->SetHandler(nullptr);
  }
  server.reset();
  return 0;
}
