// IMAP dates: the `date` of SEARCH (RFC 3501 §9: "1-Feb-1994") and the
// `date-time` of INTERNALDATE and APPEND ("17-Jul-1996 02:44:25 -0700").
//
// Pure calendar arithmetic on integers (proleptic Gregorian, UTC), no time
// zone database and no clock, so results are identical everywhere.
//
//   std::optional<ImapDay> d = ParseImapDate("1-Feb-1994");
//   std::string s = FormatImapDateTime({unix_seconds, -420});
#ifndef LEMONADE_PROTOCOL_IMAP_IMAP_DATE_H_
#define LEMONADE_PROTOCOL_IMAP_IMAP_DATE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/imap/imap_command.h"

namespace lemonade::imap {

// Days since 1970-01-01 of a civil date (month 1..12). No range checks.
int64_t DaysFromCivil(int64_t year, int month, int day);

// The civil date of a day number.
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day);

// Whether year/month/day names a real day (year 1..9999).
bool IsValidCivilDate(int64_t year, int month, int day);

// "Jan".."Dec" (case-insensitive) -> 1..12, or 0.
int MonthFromName(absl::string_view name);
absl::string_view MonthName(int month);

// date-text "d-Mon-yyyy" (day 1 or 2 digits), without quotes.
std::optional<ImapDay> ParseImapDate(absl::string_view text);

// date-time contents (without the DQUOTEs): "dd-Mon-yyyy hh:mm:ss +zzzz",
// where the day may be space-padded.
std::optional<ImapDateTime> ParseImapDateTime(absl::string_view text);

// INTERNALDATE form, without quotes: "17-Jul-1996 02:44:25 -0700".
std::string FormatImapDateTime(const ImapDateTime& t);

// The day (in the given zone offset) a moment falls on; SEARCH BEFORE/ON/
// SINCE compare INTERNALDATE's day "disregarding time and timezone"
// (RFC 3501 §6.4.4), i.e. in the zone the date was given in.
ImapDay DayOf(const ImapDateTime& t);

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_IMAP_DATE_H_
