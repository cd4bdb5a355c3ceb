// RFC 5322 §3.3 dates, including the obsolete forms of §4.3, for SEARCH
// SENTBEFORE / SENTON / SENTSINCE (RFC 3501 §6.4.4) and SORT.
//
//   auto d = ParseMessageDate("Fri, 21 Nov 1997 09:55:06 -0600");
//   d->unix_seconds == 880127706; d->zone_offset_minutes == -360;
//   d->local_day == DaysFromCivil(1997, 11, 21);
//
// Accepted, beyond the strict grammar (what Dovecot's message-date parser
// and real mail need): comments and folding anywhere; no day-of-week, or
// one without its comma; 2-digit years (00-49 are 20xx, 50-99 19xx,
// RFC 5322 §4.3) and 3-digit ones (+1900); one-digit hours; missing
// seconds; a missing time (midnight); obsolete zones UT, GMT, EST/EDT,
// CST/CDT, MST/MDT, PST/PDT; military and unknown alphabetic zones and a
// missing zone count as +0000 (§4.3 says military zones "SHOULD all be
// considered equivalent to -0000"). Impossible dates (31 Feb, hour 24) are
// refused.
#ifndef LEMONADE_PROTOCOL_MIME_MESSAGE_DATE_H_
#define LEMONADE_PROTOCOL_MIME_MESSAGE_DATE_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace lemonade::mime {

struct MessageDate {
  int64_t unix_seconds = 0;         // the instant (UTC)
  int32_t zone_offset_minutes = 0;  // the zone as written (east positive)
  // The calendar day as written in the sender's zone, as days since
  // 1970-01-01: RFC 3501's SENT* keys compare dates "disregarding time and
  // timezone".
  int32_t local_day = 0;
};

// ParseMessageDate()
//
// Parses a raw Date: field value. nullopt if it is not a date.
[[nodiscard]] std::optional<MessageDate> ParseMessageDate(absl::string_view value);

// DaysFromCivil()
//
// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (negative
// before 1970). Requires 1 <= m <= 12, 1 <= d <= 31.
int64_t DaysFromCivil(int64_t y, int m, int d);

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_MESSAGE_DATE_H_
