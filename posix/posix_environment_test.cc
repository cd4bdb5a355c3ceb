#include "posix/posix_environment.h"

#include <signal.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "posix/posix_test_util.h"

namespace lemonade::posix {
namespace {

using testing::kBound;
using testing::RecordingHandler;

std::unique_ptr<PosixEnvironment> NewEnvironment(PosixEnvironmentOptions options) {
  auto env = PosixEnvironment::Create(std::move(options));
  EXPECT_TRUE(env.ok()) << env.status();
  return env.ok() ? std::move(*env) : nullptr;
}

// Env hands out every part; the parts work together on one loop.
TEST(PosixEnvironmentTest, HandsOutAWorkingEnv) {
  PosixEnvironmentOptions options;
  options.data_root = testing::NewTempDir() + "/data";
  std::unique_ptr<PosixEnvironment> posix = NewEnvironment(options);
  Env env = posix->env();
  ASSERT_NE(env.timers, nullptr);
  ASSERT_NE(env.random, nullptr);
  ASSERT_NE(env.network, nullptr);
  ASSERT_NE(env.disk, nullptr);
  ASSERT_NE(env.log, nullptr);
  EXPECT_LT(std::abs((env.Now() - posix->loop().Now()).nanoseconds()),
            Duration::Seconds(1).nanoseconds());

  std::vector<std::unique_ptr<testing::EchoHandler>> echoes;
  auto port = env.network->Listen({"127.0.0.1", 0}, [&](std::unique_ptr<Stream> s) {
    echoes.push_back(std::make_unique<testing::EchoHandler>(std::move(s)));
  });
  ASSERT_TRUE(port.ok());
  std::unique_ptr<Stream> client;
  env.network->Connect("127.0.0.1", *port, [&](absl::StatusOr<std::unique_ptr<Stream>> s) {
    ASSERT_TRUE(s.ok()) << s.status();
    client = std::move(*s);
  });
  ASSERT_TRUE(posix->loop().RunUntil([&] { return client != nullptr; }, kBound));
  RecordingHandler handler;
  client->SetHandler(&handler);
  client->Write("hi");
  ASSERT_TRUE(posix->loop().RunUntil([&] { return handler.data == "hi"; }, kBound));

  std::optional<absl::Status> written;
  env.disk->WriteFileAtomically("note", "kept", [&](absl::Status s) { written = s; });
  ASSERT_TRUE(posix->loop().RunUntil([&] { return written.has_value(); }, kBound));
  EXPECT_TRUE(written->ok());
  EXPECT_EQ(*env.disk->ReadFile("note"), "kept");
  EXPECT_NE(env.random->NextU64(), env.random->NextU64());
}

// Without a data root there is no disk.
TEST(PosixEnvironmentTest, NoDataRootNoDisk) {
  std::unique_ptr<PosixEnvironment> posix = NewEnvironment(PosixEnvironmentOptions());
  EXPECT_EQ(posix->env().disk, nullptr);
  EXPECT_EQ(posix->disk(), nullptr);
}

// Bad TLS files fail Create with the reason.
TEST(PosixEnvironmentTest, BadCertificateFailsCreate) {
  PosixEnvironmentOptions options;
  options.network.tls.cert_file = "/nonexistent/cert.pem";
  options.network.tls.key_file = "/nonexistent/key.pem";
  EXPECT_EQ(PosixEnvironment::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// SIGTERM: stop accepting, let the open connection finish and the pending
// fsync complete, then Run() returns.
TEST(PosixEnvironmentTest, GracefulShutdownOnSigterm) {
  PosixEnvironmentOptions options;
  options.data_root = testing::NewTempDir();
  std::unique_ptr<PosixEnvironment> posix = NewEnvironment(options);
  Env env = posix->env();

  // A toy server: remembers its connections; on shutdown says BYE.
  std::vector<std::unique_ptr<Stream>> sessions;
  auto port = env.network->Listen({"127.0.0.1", 0}, [&](std::unique_ptr<Stream> s) {
    s->Write("* OK hello\r\n");
    sessions.push_back(std::move(s));
  });
  ASSERT_TRUE(port.ok());
  auto log = env.disk->OpenForAppend("log");
  ASSERT_TRUE(log.ok());
  std::optional<absl::Status> synced;
  int signo = 0;
  ASSERT_TRUE(posix
                  ->OnShutdownSignal([&](int s) {
                    signo = s;
                    // In-flight work: an append whose fsync is queued.
                    ASSERT_TRUE((*log)->Append("last record\n").ok());
                    (*log)->Sync([&](absl::Status st) { synced = st; });
                    for (auto& session : sessions) {
                      session->Write("* BYE shutting down\r\n");
                      session->Close();
                    }
                    posix->DrainAndStop(Duration::Seconds(10));
                  })
                  .ok());

  std::unique_ptr<Stream> client;
  RecordingHandler handler;
  handler.on_data = [&](absl::string_view) {
    if (handler.data == "* OK hello\r\n") kill(getpid(), SIGTERM);
  };
  handler.on_closed = [&](const absl::Status&) { client->Close(); };
  env.network->Connect("127.0.0.1", *port, [&](absl::StatusOr<std::unique_ptr<Stream>> s) {
    ASSERT_TRUE(s.ok()) << s.status();
    client = std::move(*s);
    client->SetHandler(&handler);
  });
  // Bounded even if shutdown never completes.
  const TimerId watchdog = posix->loop().ScheduleAfter(kBound, [&] { posix->Stop(); });
  posix->Run();
  posix->loop().Cancel(watchdog);

  EXPECT_EQ(signo, SIGTERM);
  EXPECT_EQ(handler.data, "* OK hello\r\n* BYE shutting down\r\n");
  EXPECT_TRUE(handler.close_status.ok());
  ASSERT_TRUE(synced.has_value()) << "Run() returned before the fsync completed";
  EXPECT_TRUE(synced->ok());
  EXPECT_EQ(posix->network().stats().open_sockets, 0u);
  EXPECT_EQ(posix->network().stats().listeners, 0u);
  EXPECT_EQ(posix->disk()->stats().pending_operations, 0u);
}

}  // namespace
}  // namespace lemonade::posix
