// RFC 3339 §5.6 Internet date-time: parse to Unix seconds and format back,
// without a clock and without the C library's time functions.
//
// Used by the URLAUTH ";EXPIRE=" component (RFC 4467 §3, RFC 5092 §11) and
// by the SMTP FUTURERELEASE "HOLDUNTIL=" parameter (RFC 4865 §3). The
// arithmetic is pure integer civil-calendar math (proleptic Gregorian), so
// the same text gives the same number on every machine.
//
//   std::optional<int64_t> t = ParseRfc3339DateTime("2008-02-29T23:59:59Z");
//   // *t == 1204329599
//   FormatRfc3339DateTime(*t) == "2008-02-29T23:59:59Z"
#ifndef LEMONADE_PROTOCOL_URL_RFC3339_H_
#define LEMONADE_PROTOCOL_URL_RFC3339_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::url {

// The range FormatRfc3339DateTime() can write: 0000-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z (date-fullyear is 4DIGIT).
inline constexpr int64_t kRfc3339UnixSecondsMin = -62167219200;
inline constexpr int64_t kRfc3339UnixSecondsMax = 253402300799;

// ParseRfc3339DateTime()
//
// Parses `date-time = full-date "T" full-time` (RFC 3339 §5.6) and returns
// the instant as Unix seconds (UTC). Accepted and normalised:
//   - "t"/"z" in lower case (§5.6 NOTE);
//   - a numeric offset ("+09:00", "-05:00"), applied to reach UTC;
//   - "-00:00" (unknown local offset, §4.3), treated as UTC;
//   - time-secfrac, truncated: the result is whole seconds, so an
//     expiry is never later than the one written;
//   - a leap second (":60", §5.7), counted as the following second, as
//     POSIX time has no leap seconds.
// Day-of-month is checked against the month and leap years. Returns nullopt
// for anything else (including surrounding white space), and for instants
// outside what FormatRfc3339DateTime() can write (an offset can push
// 0000-01-01 or 9999-12-31 over the edge), so the two stay inverses.
std::optional<int64_t> ParseRfc3339DateTime(absl::string_view text);

// FormatRfc3339DateTime()
//
// Writes `unix_seconds` as "YYYY-MM-DDTHH:MM:SSZ", the canonical form our
// formatters emit. Values outside [kRfc3339UnixSecondsMin,
// kRfc3339UnixSecondsMax] are clamped to that range.
std::string FormatRfc3339DateTime(int64_t unix_seconds);

// DaysFromCivil()
//
// Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m in 1..12,
// d in 1..31). Exposed for tests and for other date formats in protocol/.
int64_t DaysFromCivil(int64_t year, int month, int day);

}  // namespace lemonade::url

#endif  // LEMONADE_PROTOCOL_URL_RFC3339_H_
