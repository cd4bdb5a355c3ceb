// SmtpEventLog: runs SmtpCommandParser over a byte stream, cut into given
// pieces, with a scripted session, and records its events as text — the
// readable form the conformance tests (testdata/*.txt), the split-point
// property and the fuzzers compare.
//
// The scripted session does what a submission server that accepts
// everything does: BeginData() after every DATA, ExpectAuthResponse() for
// as many lines as the mechanism needs (PLAIN: 1 without an initial
// response; LOGIN: 2, or 1 after an initial response; others: 1), none
// after "*". Adjacent content pieces are merged into one entry, so the log
// does not depend on where the stream was cut.
//
//   std::vector<std::string> log = RecordSmtpEvents({"EHLO a.example\r\nDA", "TA\r\n.\r\n"});
//   // {"command EHLO a.example", "command DATA", "data-end octets=0"}
//
// Entries:
//   command <FormatSmtpCommand() without CRLF>
//   auth <C-escaped line>
//   data <C-escaped unstuffed content>      data-end octets=N [flags]
//   bdat <C-escaped chunk octets>           bdat-end N [last]
//   error <SmtpParseErrorName> [verb=VERB] [fatal]
#ifndef LEMONADE_PROTOCOL_SMTP_SMTP_EVENT_LOG_H_
#define LEMONADE_PROTOCOL_SMTP_SMTP_EVENT_LOG_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "protocol/smtp/smtp_command_parser.h"
#include "protocol/smtp/smtp_limits.h"

namespace lemonade::smtp {

// RecordSmtpEvents()
//
// Feeds `pieces` in order to a fresh parser (draining events after each,
// the session loop of smtp_command_parser.h) and returns the log. Stops
// after a fatal error.
std::vector<std::string> RecordSmtpEvents(const std::vector<absl::string_view>& pieces,
                                          const SmtpLimits& limits = SmtpLimits());

// RecordSmtpEventsSplit()
//
// The same for `input` cut at `cuts` (ascending offsets).
std::vector<std::string> RecordSmtpEventsSplit(absl::string_view input,
                                               const std::vector<size_t>& cuts,
                                               const SmtpLimits& limits = SmtpLimits());

// RecordSmtpEventsBytewise()
//
// The same for `input` fed one octet at a time.
std::vector<std::string> RecordSmtpEventsBytewise(absl::string_view input,
                                                  const SmtpLimits& limits = SmtpLimits());

}  // namespace lemonade::smtp

#endif  // LEMONADE_PROTOCOL_SMTP_SMTP_EVENT_LOG_H_
