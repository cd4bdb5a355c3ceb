#include "netsim/busy_scenario.h"

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "env/env.h"
#include "netsim/fault_plan.h"
#include "netsim/world.h"

namespace lemonade::netsim {
namespace {

// Answers each line after making it durable; "STARTTLS" upgrades the
// stream, "QUIT" closes it.
class LineServer {
 public:
  LineServer(Env env, uint16_t port, const std::string& name, uint64_t* answered)
      : env_(env), answered_(answered) {
    CHECK(env_.disk->MakeDirectories("data").ok());
    absl::StatusOr<std::unique_ptr<File>> log =
        env_.disk->OpenForAppend(absl::StrCat("data/", name, ".log"));
    CHECK(log.ok()) << log.status();
    log_ = *std::move(log);
    ListenOptions options;
    options.port = port;
    CHECK(env_.network->Listen(options, [this](std::unique_ptr<Stream> s) { Accept(std::move(s)); })
              .ok());
  }

 private:
  struct Session final : StreamHandler {
    LineServer* server = nullptr;
    uint64_t id = 0;
    std::unique_ptr<Stream> stream;
    std::string buffer;
    void OnStreamData(absl::string_view bytes) override {
      buffer.append(bytes.data(), bytes.size());
      size_t newline;
      while ((newline = buffer.find('\n')) != std::string::npos) {
        std::string line = buffer.substr(0, newline);
        buffer.erase(0, newline + 1);
        server->HandleLine(id, std::move(line));
      }
    }
    void OnStreamClosed(absl::Status) override {
      LineServer* s = server;
      const uint64_t session = id;
      s->env_.timers->Post([s, session] { s->sessions_.erase(session); });
    }
  };

  void Accept(std::unique_ptr<Stream> stream) {
    auto session = std::make_unique<Session>();
    session->server = this;
    session->id = next_session_++;
    session->stream = std::move(stream);
    session->stream->SetHandler(session.get());
    sessions_[session->id] = std::move(session);
  }

  void HandleLine(uint64_t session, std::string line) {
    if (!log_->Append(absl::StrCat(line, "\n")).ok()) return;
    log_->Sync([this, session, line = std::move(line)](absl::Status status) {
      auto it = sessions_.find(session);
      if (!status.ok() || it == sessions_.end()) return;
      Stream& stream = *it->second->stream;
      if (line == "STARTTLS") {
        stream.Write("OK go\r\n");
        stream.StartTls(TlsRole::kServer, [](absl::Status) {});
      } else if (line == "QUIT") {
        stream.Write("BYE\r\n");
        stream.Close();
      } else {
        stream.Write(absl::StrCat("OK ", line.size(), "\r\n"));
        ++*answered_;
      }
    });
  }

  Env env_;
  uint64_t* answered_;
  std::unique_ptr<File> log_;
  uint64_t next_session_ = 1;
  std::map<uint64_t, std::unique_ptr<Session>> sessions_;
};

// Sends `requests` lines at random intervals, one at a time; reconnects
// (with random backoff) when the connection fails.
class ChattyClient final : public StreamHandler {
 public:
  ChattyClient(Env env, std::string host, uint16_t port, bool starttls, int requests,
               uint64_t* connections)
      : env_(env),
        host_(std::move(host)),
        port_(port),
        starttls_(starttls),
        remaining_(requests),
        connections_(connections) {
    Connect();
  }
  ~ChattyClient() override {
    if (timer_ != kNoTimer) env_.timers->Cancel(timer_);
  }

  void OnStreamData(absl::string_view bytes) override {
    buffer_.append(bytes.data(), bytes.size());
    size_t newline;
    while ((newline = buffer_.find('\n')) != std::string::npos) {
      const std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      if (awaiting_tls_ && line.rfind("OK go", 0) == 0) {
        awaiting_tls_ = false;
        stream_->StartTls(TlsRole::kClient, [this](absl::Status status) {
          if (status.ok()) {
            ScheduleNext();
          } else {
            Reconnect();
          }
        });
      } else if (line.rfind("OK ", 0) == 0) {
        ScheduleNext();
      }
    }
  }
  void OnStreamClosed(absl::Status) override { Reconnect(); }

 private:
  void Connect() {
    const uint64_t generation = ++generation_;
    env_.network->Connect(host_, port_,
                          [this, generation](absl::StatusOr<std::unique_ptr<Stream>> stream) {
                            if (generation != generation_) return;
                            if (!stream.ok()) {
                              Reconnect();
                              return;
                            }
                            ++*connections_;
                            stream_ = *std::move(stream);
                            stream_->SetHandler(this);
                            buffer_.clear();
                            if (starttls_) {
                              awaiting_tls_ = true;
                              stream_->Write("STARTTLS\n");
                            } else {
                              ScheduleNext();
                            }
                          });
  }

  void Reconnect() {
    if (reconnects_left_-- <= 0 || remaining_ <= 0) return;
    // The stream is calling us: drop it from the loop, not here.
    if (stream_ != nullptr) {
      Stream* doomed = stream_.release();
      doomed->SetHandler(nullptr);
      env_.timers->Post([doomed] { delete doomed; });
    }
    const Duration backoff =
        Duration::Milliseconds(500 + static_cast<int64_t>(env_.random->Uniform(5000)));
    if (timer_ != kNoTimer) env_.timers->Cancel(timer_);
    timer_ = env_.timers->ScheduleAt(env_.Now() + backoff, [this] {
      timer_ = kNoTimer;
      Connect();
    });
  }

  void ScheduleNext() {
    if (remaining_ <= 0) {
      stream_->Write("QUIT\n");
      return;
    }
    const Duration think = Duration::Milliseconds(static_cast<int64_t>(env_.random->Uniform(1500)));
    if (timer_ != kNoTimer) env_.timers->Cancel(timer_);
    timer_ = env_.timers->ScheduleAt(env_.Now() + think, [this] {
      timer_ = kNoTimer;
      if (stream_ == nullptr) return;
      --remaining_;
      const size_t size = 1 + env_.random->Uniform(6000);
      std::string line(size, static_cast<char>('a' + env_.random->Uniform(26)));
      line += "\n";
      stream_->Write(line);
    });
  }

  Env env_;
  std::string host_;
  uint16_t port_;
  bool starttls_;
  int remaining_;
  int reconnects_left_ = 20;
  uint64_t* connections_;
  uint64_t generation_ = 0;
  std::unique_ptr<Stream> stream_;
  std::string buffer_;
  bool awaiting_tls_ = false;
  TimerId timer_ = kNoTimer;
};

}  // namespace

BusyScenarioResult RunBusyScenario(uint64_t seed, const BusyScenarioOptions& options) {
  WorldOptions world_options;
  world_options.seed = seed;
  world_options.keep_trace = options.keep_trace;
  World world(world_options);
  if (options.expect != nullptr) world.ExpectTrace(*options.expect);

  world.AddHost("imap.example.org");
  world.AddHost("submit.example.org");
  HostOptions phone;
  phone.link = LteProfile();
  phone.link.down.loss = LossModel::Bernoulli(Probability::Percent(1));
  phone.link.up.loss = LossModel::Bernoulli(Probability::PerMille(5));
  phone.nat_idle_timeout = Duration::Minutes(2);
  world.AddHost("phone", phone);
  HostOptions laptop;
  laptop.link = WifiProfile();
  world.AddHost("laptop", laptop);

  BusyScenarioResult result;
  auto imap = std::make_unique<LineServer>(world.EnvFor("imap.example.org"), 143, "imap",
                                           &result.requests_answered);
  auto submit = std::make_unique<LineServer>(world.EnvFor("submit.example.org"), 587, "submit",
                                             &result.requests_answered);
  world.OnHostCrash("submit.example.org", [&] {
    ++result.crashes;
    submit.reset();
  });
  world.OnHostRestart("submit.example.org", [&] {
    submit = std::make_unique<LineServer>(world.EnvFor("submit.example.org"), 587, "submit",
                                          &result.requests_answered);
  });

  std::vector<std::unique_ptr<ChattyClient>> clients;
  for (const char* host : {"phone", "laptop"}) {
    clients.push_back(std::make_unique<ChattyClient>(world.EnvFor(host), "imap.example.org", 143,
                                                     false, 400, &result.connections));
    clients.push_back(std::make_unique<ChattyClient>(
        world.EnvFor(host), "submit.example.org", 587, true, 200, &result.connections));
  }

  RandomFaultOptions faults;
  faults.horizon = options.duration;
  faults.mobile_hosts = {"phone"};
  faults.server_hosts = {"submit.example.org"};
  faults.mean_time_between_crashes = Duration::Minutes(4);
  world.Apply(RandomFaultPlan(world.RandomStream("faults"), faults));

  world.RunFor(options.duration);
  result.trace_hash = world.TraceHash();
  result.events = world.loop().events_run();
  result.trace_events = world.trace().count();
  if (options.keep_trace) result.trace_text = world.TraceText();
  if (options.expect != nullptr && options.replay_error != nullptr) {
    absl::Status status = world.VerifyReplay();
    *options.replay_error = status.ok() ? "" : std::string(status.message());
  }
  clients.clear();
  imap.reset();
  submit.reset();
  return result;
}

}  // namespace lemonade::netsim
