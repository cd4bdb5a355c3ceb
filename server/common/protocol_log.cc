#include "server/common/protocol_log.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lemonade {
namespace {

constexpr size_t kLineBytesMax = 200;

std::string Redact(absl::string_view line, Redaction redaction) {
  std::vector<absl::string_view> words = absl::StrSplit(line, absl::MaxSplits(' ', 3));
  if (redaction == Redaction::kImap && words.size() >= 3 &&
      absl::EqualsIgnoreCase(words[1], "LOGIN")) {
    return absl::StrCat(words[0], " LOGIN ", words[2], " <password>");
  }
  if (redaction == Redaction::kImap && words.size() >= 4 &&
      absl::EqualsIgnoreCase(words[1], "AUTHENTICATE")) {
    return absl::StrCat(words[0], " AUTHENTICATE ", words[2], " <initial response>");
  }
  if (redaction == Redaction::kSmtp && words.size() >= 3 && absl::EqualsIgnoreCase(words[0], "AUTH")) {
    return absl::StrCat("AUTH ", words[1], " <initial response>");
  }
  return std::string(line);
}

}  // namespace

void LogProtocolLines(EventLog* log, absl::string_view who, uint64_t connection,
                      absl::string_view bytes, Redaction redaction) {
  if (log == nullptr) return;
  for (absl::string_view line : absl::StrSplit(bytes, "\r\n", absl::SkipEmpty())) {
    if (redaction == Redaction::kEverything) {
      log->Protocol(who, connection, "<SASL data>");
      continue;
    }
    std::string text = Redact(line, redaction);
    if (text.size() > kLineBytesMax) {
      text = absl::StrCat(text.substr(0, 72), "... (", text.size(), " octets)");
    }
    log->Protocol(who, connection, text);
  }
}

}  // namespace lemonade
