// StderrEventLog: lemonade::EventLog for operators: one line per event on
// stderr (or any FILE*), filtered by level, and the protocol transcript
// when --log-protocol asks for it.
//
// Line formats (UTC timestamps with milliseconds; the level letter is
// D/I/W/E; components are the server's "imap", "smtp", "net", ...):
//
//   2024-05-01T12:00:00.123Z I imap: connection 17 from 127.0.0.1:51234
//   2024-05-01T12:00:00.125Z P [17] C: a1 LOGIN alice ****
//   2024-05-01T12:00:00.126Z P [17] S: a1 OK LOGIN completed
//
// Connection ids are the stream ids (Stream::id()), so event lines and
// transcript lines of one connection can be grepped together. Control bytes
// in messages are escaped (\r, \n, \xNN) so that a hostile peer cannot
// forge log lines, and transcript lines are cut at protocol_line_bytes_max
// (literal data can be megabytes). Each line is written with one fwrite on
// an unbuffered stream, so lines from one process never interleave.
//
//   EventLogOptions options;
//   options.protocol = true;  // --log-protocol
//   StderrEventLog log(options);
//   log.Log(LogLevel::kInfo, "imap", "listening on 127.0.0.1:1143");
//   log.Protocol("C", 17, "a1 NOOP");
#ifndef LEMONADE_POSIX_STDERR_EVENT_LOG_H_
#define LEMONADE_POSIX_STDERR_EVENT_LOG_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "env/env.h"

namespace lemonade::posix {

struct EventLogOptions {
  // Events below this level are dropped.
  LogLevel level = LogLevel::kInfo;
  // Print Protocol() lines (the --log-protocol transcript).
  bool protocol = false;
  // Transcript lines longer than this are cut, with a note of how much.
  size_t protocol_line_bytes_max = 512;
  // Null means stderr. Not owned.
  std::FILE* out = nullptr;
  // Null means the real clock (CLOCK_REALTIME). Not owned.
  const Clock* clock = nullptr;
};

class StderrEventLog final : public EventLog {
 public:
  explicit StderrEventLog(EventLogOptions options = {});

  void Log(LogLevel level, absl::string_view component, absl::string_view message) override;
  void Protocol(absl::string_view who, uint64_t connection, absl::string_view line) override;

  void set_level(LogLevel level) { options_.level = level; }
  void set_protocol(bool on) { options_.protocol = on; }
  bool protocol_enabled() const { return options_.protocol; }

 private:
  std::string Timestamp() const;
  void Emit(const std::string& line);

  EventLogOptions options_;
};

// ParseLogLevel: "debug", "info", "warning" (or "warn"), "error", for flags.
bool ParseLogLevel(absl::string_view text, LogLevel* level);

// EscapeLogText: control bytes as \r, \n, \t, \xNN; backslash doubled.
std::string EscapeLogText(absl::string_view text);

}  // namespace lemonade::posix

#endif  // LEMONADE_POSIX_STDERR_EVENT_LOG_H_
