#include "protocol/url/rfc3339.h"

#include <algorithm>
#include <cstdio>

namespace lemonade::url {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at text[*pos], advancing *pos.
bool ReadDigits(absl::string_view text, size_t* pos, int count, int* value) {
  if (text.size() - *pos < static_cast<size_t>(count)) return false;
  int v = 0;
  for (int i = 0; i < count; ++i) {
    const char c = text[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += count;
  *value = v;
  return true;
}

bool Expect(absl::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

bool ExpectEither(absl::string_view text, size_t* pos, char upper, char lower) {
  if (*pos >= text.size() || (text[*pos] != upper && text[*pos] != lower)) return false;
  ++*pos;
  return true;
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

// Inverse of DaysFromCivil (H. Hinnant's civil_from_days).
void CivilFromDays(int64_t z, int64_t* year, int* month, int* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (m <= 2);
  *month = static_cast<int>(m);
  *day = static_cast<int>(d);
}

}  // namespace

int64_t DaysFromCivil(int64_t year, int month, int day) {
  // H. Hinnant, "chrono-Compatible Low-Level Date Algorithms": exact for the
  // whole proleptic Gregorian calendar with integer arithmetic only.
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t mp = month > 2 ? month - 3 : month + 9;
  const int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<int64_t> ParseRfc3339DateTime(absl::string_view text) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  // full-date = date-fullyear "-" date-month "-" date-mday
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return std::nullopt;
  }
  if (!ExpectEither(text, &pos, 'T', 't')) return std::nullopt;
  // partial-time = time-hour ":" time-minute ":" time-second [time-secfrac]
  if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &second)) {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    if (pos == start) return std::nullopt;
  }
  // time-offset = "Z" / time-numoffset
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '+' ? 1 : -1;
    ++pos;
    int offset_hour, offset_minute;
    if (!ReadDigits(text, &pos, 2, &offset_hour) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &offset_minute)) {
      return std::nullopt;
    }
    if (offset_hour > 23 || offset_minute > 59) return std::nullopt;
    offset_minutes = sign * (offset_hour * 60 + offset_minute);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const int64_t days = DaysFromCivil(year, month, day);
  const int64_t seconds =
      days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  // Keep parse and format inverse of each other: an offset can push the
  // first or last representable day out of the 4-digit-year range.
  if (seconds < kRfc3339UnixSecondsMin || seconds > kRfc3339UnixSecondsMax) {
    return std::nullopt;
  }
  return seconds;
}

std::string FormatRfc3339DateTime(int64_t unix_seconds) {
  unix_seconds = std::clamp(unix_seconds, kRfc3339UnixSecondsMin, kRfc3339UnixSecondsMax);
  int64_t days = unix_seconds / 86400;
  int64_t rem = unix_seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t year;
  int month, day;
  CivilFromDays(days, &year, &month, &day);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02dZ",
                static_cast<int>(year), month, day, static_cast<int>(rem / 3600),
                static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buffer;
}

}  // namespace lemonade::url
