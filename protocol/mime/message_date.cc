#include "protocol/mime/message_date.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "protocol/mime/rfc822_lexer.h"

namespace lemonade::mime {
namespace {

struct DateToken {
  enum Kind { kNumber, kWord, kPunct } kind;
  absl::string_view text;
};

// Numbers, words and single punctuation, CFWS skipped. Bounded: a date has
// about a dozen tokens, and nothing past the 32nd matters.
std::vector<DateToken> Tokenize(absl::string_view value) {
  std::vector<DateToken> tokens;
  Rfc822Lexer lex(value);
  while (tokens.size() < 32) {
    lex.SkipCfws();
    if (lex.AtEnd()) break;
    const size_t begin = lex.pos();
    const char c = lex.Peek();
    DateToken::Kind kind;
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      kind = DateToken::kNumber;
      while (!lex.AtEnd() && absl::ascii_isdigit(static_cast<unsigned char>(lex.Peek()))) {
        lex.Advance();
      }
    } else if (absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      kind = DateToken::kWord;
      while (!lex.AtEnd() && absl::ascii_isalpha(static_cast<unsigned char>(lex.Peek()))) {
        lex.Advance();
      }
    } else {
      kind = DateToken::kPunct;
      lex.Advance();
    }
    tokens.push_back({kind, value.substr(begin, lex.pos() - begin)});
  }
  return tokens;
}

bool ToInt(absl::string_view digits, size_t max_digits, int* out) {
  if (digits.empty() || digits.size() > max_digits) return false;
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  *out = v;
  return true;
}

int MonthNumber(absl::string_view word) {
  static constexpr absl::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  if (word.size() < 3) return 0;
  for (int i = 0; i < 12; ++i) {
    if (absl::EqualsIgnoreCase(word.substr(0, 3), kMonths[i])) return i + 1;
  }
  return 0;
}

bool IsDayName(absl::string_view word) {
  static constexpr absl::string_view kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  if (word.size() < 3) return false;
  for (absl::string_view d : kDays) {
    if (absl::EqualsIgnoreCase(word.substr(0, 3), d)) return true;
  }
  return false;
}

// RFC 5322 §4.3 obs-zone, in minutes east of UTC. Military letters and
// unknown names are 0.
int NamedZoneMinutes(absl::string_view name) {
  struct Zone {
    absl::string_view name;
    int hours;
  };
  static constexpr Zone kZones[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"EST", -5},
                                    {"EDT", -4}, {"CST", -6}, {"CDT", -5}, {"MST", -7},
                                    {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
  for (const Zone& z : kZones) {
    if (absl::EqualsIgnoreCase(name, z.name)) return z.hours * 60;
  }
  return 0;
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

}  // namespace

int64_t DaysFromCivil(int64_t y, int m, int d) {
  // Howard Hinnant's days_from_civil: exact integer arithmetic, no tables.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<MessageDate> ParseMessageDate(absl::string_view value) {
  const std::vector<DateToken> t = Tokenize(value);
  size_t i = 0;
  auto at = [&](size_t k, DateToken::Kind kind) { return k < t.size() && t[k].kind == kind; };
  auto punct = [&](size_t k, char c) { return at(k, DateToken::kPunct) && t[k].text[0] == c; };

  // [day-of-week [","]]
  if (at(i, DateToken::kWord) && IsDayName(t[i].text)) {
    ++i;
    if (punct(i, ',')) ++i;
  }
  // day month year, optionally '-'-separated ("21-Nov-1997").
  int day = 0, month = 0, year = 0;
  if (!at(i, DateToken::kNumber) || !ToInt(t[i].text, 2, &day)) return std::nullopt;
  ++i;
  if (punct(i, '-')) ++i;
  if (!at(i, DateToken::kWord) || (month = MonthNumber(t[i].text)) == 0) return std::nullopt;
  ++i;
  if (punct(i, '-')) ++i;
  if (!at(i, DateToken::kNumber) || !ToInt(t[i].text, 4, &year)) return std::nullopt;
  // RFC 5322 §4.3: 2-digit years 00-49 are 2000-2049, 50-99 1950-1999;
  // 3-digit years add 1900.
  if (t[i].text.size() == 2) {
    year += year < 50 ? 2000 : 1900;
  } else if (t[i].text.size() == 3) {
    year += 1900;
  }
  ++i;
  if (year < 1 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;

  // [hour ":" minute [":" second]]
  int hour = 0, minute = 0, second = 0;
  if (at(i, DateToken::kNumber) && punct(i + 1, ':')) {
    if (!ToInt(t[i].text, 2, &hour) || !at(i + 2, DateToken::kNumber) ||
        !ToInt(t[i + 2].text, 2, &minute)) {
      return std::nullopt;
    }
    i += 3;
    if (punct(i, ':')) {
      if (!at(i + 1, DateToken::kNumber) || !ToInt(t[i + 1].text, 2, &second)) {
        return std::nullopt;
      }
      i += 2;
    }
    // RFC 5322 §3.3: second may be 60 (a leap second).
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  }

  // [zone]
  int zone = 0;
  if ((punct(i, '+') || punct(i, '-')) && at(i + 1, DateToken::kNumber)) {
    const absl::string_view digits = t[i + 1].text;
    int hhmm = 0;
    if (!ToInt(digits, 4, &hhmm)) return std::nullopt;
    // "+0100" is hhmm; a short "+1" or "+01" means hours.
    const int hours = digits.size() <= 2 ? hhmm : hhmm / 100;
    const int minutes = digits.size() <= 2 ? 0 : hhmm % 100;
    if (minutes > 59) return std::nullopt;
    zone = hours * 60 + minutes;
    if (t[i].text[0] == '-') zone = -zone;
  } else if (at(i, DateToken::kWord)) {
    zone = NamedZoneMinutes(t[i].text);
  }

  MessageDate date;
  const int64_t days = DaysFromCivil(year, month, day);
  date.local_day = static_cast<int32_t>(days);
  date.zone_offset_minutes = zone;
  date.unix_seconds = days * 86400 + hour * 3600 + minute * 60 + second - zone * 60;
  return date;
}

}  // namespace lemonade::mime
