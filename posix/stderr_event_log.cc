#include "posix/stderr_event_log.h"

#include <time.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "posix/event_loop.h"

namespace lemonade::posix {
namespace {

char LevelLetter(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return 'D';
    case LogLevel::kInfo:
      return 'I';
    case LogLevel::kWarning:
      return 'W';
    case LogLevel::kError:
      return 'E';
  }
  return '?';
}

}  // namespace

std::string EscapeLogText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    switch (c) {
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(&out, "\\x%02x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "debug") {
    *level = LogLevel::kDebug;
  } else if (lower == "info") {
    *level = LogLevel::kInfo;
  } else if (lower == "warning" || lower == "warn") {
    *level = LogLevel::kWarning;
  } else if (lower == "error") {
    *level = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

StderrEventLog::StderrEventLog(EventLogOptions options) : options_(options) {}

std::string StderrEventLog::Timestamp() const {
  const Time now =
      options_.clock != nullptr ? options_.clock->Now() : KernelClocks().Realtime();
  const time_t seconds = static_cast<time_t>(now.unix_seconds());
  const int64_t millis = (now.unix_nanos() - now.unix_seconds() * 1000000000) / 1000000;
  struct tm tm;
  gmtime_r(&seconds, &tm);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

void StderrEventLog::Emit(const std::string& line) {
  std::FILE* out = options_.out != nullptr ? options_.out : stderr;
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

void StderrEventLog::Log(LogLevel level, absl::string_view component, absl::string_view message) {
  if (level < options_.level) return;
  Emit(absl::StrCat(Timestamp(), " ", std::string(1, LevelLetter(level)), " ",
                    EscapeLogText(component), ": ", EscapeLogText(message), "\n"));
}

void StderrEventLog::Protocol(absl::string_view who, uint64_t connection, absl::string_view line) {
  if (!options_.protocol) return;
  // The line terminator is framing, not content.
  if (absl::EndsWith(line, "\r\n")) {
    line.remove_suffix(2);
  } else if (absl::EndsWith(line, "\n")) {
    line.remove_suffix(1);
  }
  std::string cut;
  if (line.size() > options_.protocol_line_bytes_max) {
    cut = absl::StrCat(" ... (", line.size() - options_.protocol_line_bytes_max, " more bytes)");
    line = line.substr(0, options_.protocol_line_bytes_max);
  }
  Emit(absl::StrCat(Timestamp(), " P [", connection, "] ", EscapeLogText(who), ": ",
                    EscapeLogText(line), cut, "\n"));
}

}  // namespace lemonade::posix
