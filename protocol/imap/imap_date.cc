#include "protocol/imap/imap_date.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace lemonade::imap {
namespace {

constexpr absl::string_view kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool ParseDigits(absl::string_view s, int64_t* out) {
  if (s.empty()) return false;
  int64_t n = 0;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    n = n * 10 + (c - '0');
  }
  *out = n;
  return true;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

// Howard Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2;
  const int64_t era = FloorDiv(year, 400);
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t days, int64_t* year, int* month, int* day) {
  days += 719468;
  const int64_t era = FloorDiv(days, 146097);
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2);
}

bool IsValidCivilDate(int64_t year, int month, int day) {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = kDays[month - 1];
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) max = 29;
  return day <= max;
}

int MonthFromName(absl::string_view name) {
  for (int i = 0; i < 12; ++i) {
    if (absl::EqualsIgnoreCase(name, kMonths[i])) return i + 1;
  }
  return 0;
}

absl::string_view MonthName(int month) { return kMonths[(month - 1) % 12]; }

std::optional<ImapDay> ParseImapDate(absl::string_view text) {
  size_t dash1 = text.find('-');
  if (dash1 == absl::string_view::npos || dash1 == 0 || dash1 > 2) return std::nullopt;
  size_t dash2 = text.find('-', dash1 + 1);
  if (dash2 != dash1 + 4) return std::nullopt;
  int64_t day, year;
  if (!ParseDigits(text.substr(0, dash1), &day)) return std::nullopt;
  int month = MonthFromName(text.substr(dash1 + 1, 3));
  absl::string_view year_text = text.substr(dash2 + 1);
  if (year_text.size() != 4 || !ParseDigits(year_text, &year)) return std::nullopt;
  if (!IsValidCivilDate(year, month, static_cast<int>(day))) return std::nullopt;
  return static_cast<ImapDay>(DaysFromCivil(year, month, static_cast<int>(day)));
}

std::optional<ImapDateTime> ParseImapDateTime(absl::string_view text) {
  // date-day-fixed "-" date-month "-" date-year SP time SP zone
  if (text.size() != 26) return std::nullopt;
  absl::string_view day_text = text.substr(0, 2);
  if (day_text[0] == ' ') day_text.remove_prefix(1);
  int64_t day, year, hour, minute, second, zone;
  if (!ParseDigits(day_text, &day) || text[2] != '-' || text[6] != '-' || text[11] != ' ' ||
      text[14] != ':' || text[17] != ':' || text[20] != ' ') {
    return std::nullopt;
  }
  int month = MonthFromName(text.substr(3, 3));
  if (!ParseDigits(text.substr(7, 4), &year) || !ParseDigits(text.substr(12, 2), &hour) ||
      !ParseDigits(text.substr(15, 2), &minute) || !ParseDigits(text.substr(18, 2), &second) ||
      (text[21] != '+' && text[21] != '-') || !ParseDigits(text.substr(22, 4), &zone)) {
    return std::nullopt;
  }
  if (!IsValidCivilDate(year, month, static_cast<int>(day)) || hour > 23 || minute > 59 ||
      second > 60 || zone % 100 > 59) {
    return std::nullopt;
  }
  int32_t offset = static_cast<int32_t>((zone / 100) * 60 + zone % 100);
  if (text[21] == '-') offset = -offset;
  int64_t local = DaysFromCivil(year, month, static_cast<int>(day)) * 86400 + hour * 3600 +
                  minute * 60 + second;
  return ImapDateTime{local - static_cast<int64_t>(offset) * 60, offset};
}

std::string FormatImapDateTime(const ImapDateTime& t) {
  int64_t local = t.unix_seconds + static_cast<int64_t>(t.zone_offset_minutes) * 60;
  int64_t days = FloorDiv(local, 86400);
  int64_t secs = local - days * 86400;
  int64_t year;
  int month, day;
  CivilFromDays(days, &year, &month, &day);
  int32_t off = t.zone_offset_minutes;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  return absl::StrFormat("%02d-%s-%04d %02d:%02d:%02d %c%02d%02d", day, MonthName(month), year,
                         secs / 3600, (secs / 60) % 60, secs % 60, sign, off / 60, off % 60);
}

ImapDay DayOf(const ImapDateTime& t) {
  int64_t local = t.unix_seconds + static_cast<int64_t>(t.zone_offset_minutes) * 60;
  return static_cast<ImapDay>(FloorDiv(local, 86400));
}

}  // namespace lemonade::imap
