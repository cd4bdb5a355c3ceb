#include "posix/stderr_event_log.h"

#include <stdio.h>
#include <stdlib.h>

#include <string>

#include "gtest/gtest.h"

namespace lemonade::posix {
namespace {

class FixedClock : public Clock {
 public:
  // 2024-05-01T12:34:56.789Z
  Time Now() const override { return Time::FromUnixNanos(1714566896789000000LL); }
};

// Captures what the log writes.
class StderrEventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = open_memstream(&buffer_, &size_);
    ASSERT_NE(out_, nullptr);
    options_.out = out_;
    options_.clock = &clock_;
  }
  void TearDown() override {
    fclose(out_);
    free(buffer_);
  }
  std::string Written() {
    fflush(out_);
    return std::string(buffer_, size_);
  }

  FixedClock clock_;
  EventLogOptions options_;
  FILE* out_ = nullptr;
  char* buffer_ = nullptr;
  size_t size_ = 0;
};

// One line per event: timestamp, level, component, message.
TEST_F(StderrEventLogTest, FormatsOneLinePerEvent) {
  StderrEventLog log(options_);
  log.Log(LogLevel::kInfo, "imap", "connection 17 from 127.0.0.1:5555");
  log.Log(LogLevel::kError, "store", "fsync failed");
  EXPECT_EQ(Written(),
            "2024-05-01T12:34:56.789Z I imap: connection 17 from 127.0.0.1:5555\n"
            "2024-05-01T12:34:56.789Z E store: fsync failed\n");
}

// Events below the level are dropped.
TEST_F(StderrEventLogTest, FiltersByLevel) {
  options_.level = LogLevel::kWarning;
  StderrEventLog log(options_);
  log.Log(LogLevel::kDebug, "imap", "noise");
  log.Log(LogLevel::kInfo, "imap", "chatter");
  log.Log(LogLevel::kWarning, "net", "limit reached");
  EXPECT_EQ(Written(), "2024-05-01T12:34:56.789Z W net: limit reached\n");
  log.set_level(LogLevel::kDebug);
  log.Log(LogLevel::kDebug, "imap", "noise");
  EXPECT_NE(Written().find("D imap: noise"), std::string::npos);
}

// The transcript appears only with --log-protocol, prefixed with the
// connection id, without the CRLF.
TEST_F(StderrEventLogTest, ProtocolLinesOnlyWhenEnabled) {
  StderrEventLog log(options_);
  log.Protocol("C", 17, "a1 NOOP\r\n");
  EXPECT_EQ(Written(), "");
  log.set_protocol(true);
  log.Protocol("C", 17, "a1 NOOP\r\n");
  log.Protocol("S", 17, "a1 OK NOOP completed\r\n");
  EXPECT_EQ(Written(),
            "2024-05-01T12:34:56.789Z P [17] C: a1 NOOP\n"
            "2024-05-01T12:34:56.789Z P [17] S: a1 OK NOOP completed\n");
}

// A peer cannot forge log lines with embedded newlines or escapes.
TEST_F(StderrEventLogTest, EscapesControlBytes) {
  options_.protocol = true;
  StderrEventLog log(options_);
  log.Protocol("C", 3, "a1 LOGIN x\n2024-01-01T00:00:00.000Z E fake: line\x1b[31m\r\n");
  EXPECT_EQ(Written(),
            "2024-05-01T12:34:56.789Z P [3] C: a1 LOGIN x\\n2024-01-01T00:00:00.000Z E fake: "
            "line\\x1b[31m\n");
  EXPECT_EQ(EscapeLogText("a\\b\tc\x7f"), "a\\\\b\\tc\\x7f");
}

// Literal data does not flood the transcript.
TEST_F(StderrEventLogTest, CutsLongProtocolLines) {
  options_.protocol = true;
  options_.protocol_line_bytes_max = 8;
  StderrEventLog log(options_);
  log.Protocol("C", 1, "0123456789abcdef");
  EXPECT_EQ(Written(), "2024-05-01T12:34:56.789Z P [1] C: 01234567 ... (8 more bytes)\n");
}

TEST(ParseLogLevelTest, AcceptsTheFlagSpellings) {
  LogLevel level = LogLevel::kError;
  EXPECT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_TRUE(ParseLogLevel("WARN", &level));
  EXPECT_EQ(level, LogLevel::kWarning);
  EXPECT_TRUE(ParseLogLevel("info", &level));
  EXPECT_EQ(level, LogLevel::kInfo);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
  EXPECT_EQ(level, LogLevel::kInfo);
}

}  // namespace
}  // namespace lemonade::posix
