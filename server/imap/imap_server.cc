#include "server/imap/imap_server.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/imap/imap_connection.h"

namespace lemonade::imap_server {

ImapServer::ImapServer(const Env& env, store::MailStore* store, ImapServerConfig config)
    : env_(env), store_(store), config_(std::move(config)) {}

ImapServer::~ImapServer() {
  // Sessions deregister from mailboxes as they are destroyed.
  connections_.clear();
}

absl::StatusOr<uint16_t> ImapServer::Listen(const ListenOptions& options) {
  std::weak_ptr<bool> alive = alive_;
  return env_.network->Listen(options, [this, alive](std::unique_ptr<Stream> stream) {
    if (alive.expired()) return;
    Accept(std::move(stream));
  });
}

void ImapServer::Accept(std::unique_ptr<Stream> stream) {
  if (shutting_down_) {
    stream->Abort();
    return;
  }
  auto connection = std::make_unique<ImapConnection>(this, std::move(stream));
  ImapConnection* raw = connection.get();
  connections_[raw->id()] = std::move(connection);
  env_.log->Log(LogLevel::kInfo, "imap",
                absl::StrCat("connection ", raw->id(), " from ", raw->peer_address()));
  raw->Start();
}

void ImapServer::Shutdown() {
  shutting_down_ = true;
  std::vector<ImapConnection*> all;
  for (auto& [id, c] : connections_) all.push_back(c.get());
  for (ImapConnection* c : all) c->Shutdown("Server shutting down");
}

void ImapServer::ConnectionClosed(ImapConnection* connection) {
  const uint64_t id = connection->id();
  std::weak_ptr<bool> alive = alive_;
  env_.timers->Post([this, alive, id] {
    if (alive.expired()) return;
    connections_.erase(id);
  });
}

std::string ImapServer::NewSessionId() {
  uint8_t bytes[12];
  env_.random->Fill(absl::MakeSpan(bytes));
  return absl::StrCat("S", absl::BytesToHexString(
                               absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes))));
}

void ImapServer::RememberSession(const std::string& session_id, ResumeRecord record) {
  const Time now = env_.Now();
  // Drop expired records so the registry stays bounded by the retention.
  for (auto it = resumable_.begin(); it != resumable_.end();) {
    it = it->second.expires_at <= now ? resumable_.erase(it) : std::next(it);
  }
  record.expires_at = now + config_.resume_retention;
  resumable_[session_id] = record;
}

std::optional<ResumeRecord> ImapServer::TakeSession(const std::string& session_id,
                                                    uint64_t user_id) {
  auto it = resumable_.find(session_id);
  if (it == resumable_.end()) return std::nullopt;
  ResumeRecord record = it->second;
  if (record.user_id != user_id) return std::nullopt;  // not yours: leave it
  resumable_.erase(it);
  if (record.expires_at <= env_.Now()) return std::nullopt;
  return record;
}

void ImapServer::RegisterLiveSession(const std::string& session_id, ImapSession* session) {
  live_sessions_[session_id] = session;
}

void ImapServer::UnregisterLiveSession(const std::string& session_id, ImapSession* session) {
  auto it = live_sessions_.find(session_id);
  if (it != live_sessions_.end() && it->second == session) live_sessions_.erase(it);
}

ImapSession* ImapServer::FindLiveSession(const std::string& session_id) {
  auto it = live_sessions_.find(session_id);
  return it == live_sessions_.end() ? nullptr : it->second;
}

bool ImapServer::IsSubmitUser(absl::string_view user) const {
  for (const std::string& u : config_.submit_users) {
    if (u == user) return true;
  }
  return false;
}

}  // namespace lemonade::imap_server
