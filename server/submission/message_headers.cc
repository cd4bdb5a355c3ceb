#include "server/submission/message_headers.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "protocol/imap/imap_date.h"

namespace lemonade::submission {

absl::string_view HeaderBlock(absl::string_view message) {
  size_t pos = 0;
  while (pos < message.size()) {
    size_t eol = message.find('\n', pos);
    if (eol == absl::string_view::npos) return message;
    absl::string_view line = message.substr(pos, eol - pos);
    if (line.empty() || line == "\r") return message.substr(0, eol + 1);
    pos = eol + 1;
  }
  return message;
}

bool HasHeaderField(absl::string_view message, absl::string_view name) {
  absl::string_view header = HeaderBlock(message);
  size_t pos = 0;
  while (pos < header.size()) {
    size_t eol = header.find('\n', pos);
    if (eol == absl::string_view::npos) eol = header.size();
    absl::string_view line = header.substr(pos, eol - pos);
    // Continuation lines start with WSP and never name a field; RFC 5322
    // obsolete syntax allows WSP before the colon.
    size_t colon = line.find(':');
    if (colon != absl::string_view::npos && colon > 0 && line[0] != ' ' && line[0] != '\t' &&
        absl::EqualsIgnoreCase(absl::StripTrailingAsciiWhitespace(line.substr(0, colon)), name)) {
      return true;
    }
    pos = eol + 1;
  }
  return false;
}

std::string FormatRfc5322Date(Time t) {
  static constexpr const char* kDays[7] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  int64_t seconds = t.unix_seconds();
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t in_day = seconds - days * 86400;
  int64_t year;
  int month, day;
  imap::CivilFromDays(days, &year, &month, &day);
  int weekday = static_cast<int>(((days % 7) + 7) % 7);  // 1970-01-01 was a Thursday
  return absl::StrFormat("%s, %d %s %04d %02d:%02d:%02d +0000", kDays[weekday], day,
                         imap::MonthName(month), year, in_day / 3600, (in_day / 60) % 60,
                         in_day % 60);
}

}  // namespace lemonade::submission
