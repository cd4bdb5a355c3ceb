#include "server/submission/submission_server.h"

#include "absl/strings/str_cat.h"
#include "server/submission/submission_session.h"

namespace lemonade::submission {

absl::StatusOr<std::unique_ptr<SubmissionServer>> SubmissionServer::Create(
    const Env& env, store::MailStore* store, SubmissionServerConfig config,
    std::string queue_directory) {
  std::unique_ptr<SubmissionServer> server(new SubmissionServer(env, store, std::move(config)));
  auto queue = MailQueue::Open(env, std::move(queue_directory));
  if (!queue.ok()) return queue.status();
  server->queue_ = std::move(*queue);
  server->delivery_ = std::make_unique<DeliveryAgent>(env, server->config_, server->queue_.get(),
                                                      store);
  server->delivery_->Start();
  return server;
}

SubmissionServer::SubmissionServer(const Env& env, store::MailStore* store,
                                   SubmissionServerConfig config)
    : env_(env), store_(store), config_(std::move(config)) {}

SubmissionServer::~SubmissionServer() { sessions_.clear(); }

absl::StatusOr<uint16_t> SubmissionServer::Listen(const ListenOptions& options) {
  std::weak_ptr<bool> alive = alive_;
  return env_.network->Listen(options, [this, alive](std::unique_ptr<Stream> stream) {
    if (alive.expired()) return;
    Accept(std::move(stream));
  });
}

void SubmissionServer::Accept(std::unique_ptr<Stream> stream) {
  if (shutting_down_) {
    stream->Abort();
    return;
  }
  auto session = std::make_unique<SubmissionSession>(this, std::move(stream));
  SubmissionSession* raw = session.get();
  sessions_[raw->id()] = std::move(session);
  env_.log->Log(LogLevel::kInfo, "submission", absl::StrCat("connection ", raw->id()));
  raw->Start();
}

void SubmissionServer::Shutdown() {
  shutting_down_ = true;
  std::vector<SubmissionSession*> all;
  for (auto& [id, s] : sessions_) all.push_back(s.get());
  for (SubmissionSession* s : all) s->Shutdown();
}

void SubmissionServer::SessionClosed(SubmissionSession* session) {
  const uint64_t id = session->id();
  std::weak_ptr<bool> alive = alive_;
  env_.timers->Post([this, alive, id] {
    if (alive.expired()) return;
    sessions_.erase(id);
  });
}

}  // namespace lemonade::submission
