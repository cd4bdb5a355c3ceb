// SMTP reply helpers for tests and the submission fuzzer: find where
// replies end in a transcript, normalise the parts of a reply that depend
// on the clock, and check a whole reply stream against RFC 5321 §4.2
// (syntax) and RFC 2034 §4 (an enhanced status code on every line of every
// 2xx/4xx/5xx reply except the greeting and the EHLO/HELO reply).
//
//   std::vector<std::string> problems = CheckReplyStream(received, "submit.example.org");
//   EXPECT_THAT(problems, IsEmpty());
//   std::string plain = AuthPlainCommand("bob", "secret");  // "AUTH PLAIN AGJvYgBzZWNyZXQ=\r\n"
#ifndef LEMONADE_TESTS_TESTING_SMTP_REPLIES_H_
#define LEMONADE_TESTS_TESTING_SMTP_REPLIES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lemonade::testing {

// IsFinalReplyLine()
//
// Whether `line` (without CRLF) is the last line of a reply: three digits
// followed by SP or nothing (RFC 5321 §4.2.1).
bool IsFinalReplyLine(absl::string_view line);

// CountReplies()
//
// The number of complete replies in `text`.
int CountReplies(absl::string_view text);

// ReplyCodes()
//
// One entry per complete reply: the code and, if the last line has one,
// its enhanced status code ("250 2.1.0", "334", "220").
std::vector<std::string> ReplyCodes(absl::string_view text);

// NormalizeClockDependentText()
//
// `text` with what depends on the virtual clock replaced: queue ids
// ("queued as <ID>") and the FUTURERELEASE maximum date-time
// ("FUTURERELEASE 604800 <DATE>").
std::string NormalizeClockDependentText(absl::string_view text);

// CheckReplyStream()
//
// Everything wrong with a server's whole output `text`, one sentence per
// problem (empty when it is fine): lines not ending in CRLF, malformed
// reply lines, continuation lines whose code changes, replies outside
// 2xx-5xx, and 2xx/4xx/5xx lines without an enhanced status code of the
// same class. The first reply (the greeting) and EHLO/HELO replies (first
// line starting with `server_hostname`) are exempt from the enhanced-code
// rule, as RFC 2034 §4 says.
std::vector<std::string> CheckReplyStream(absl::string_view text,
                                          absl::string_view server_hostname);

// AuthPlainCommand()
//
// "AUTH PLAIN <base64(\0user\0password)>\r\n" (RFC 4954 §4, RFC 4616).
std::string AuthPlainCommand(absl::string_view user, absl::string_view password);

// Base64()
//
// Standard base64 with padding, as SASL puts on the wire.
std::string Base64(absl::string_view raw);

}  // namespace lemonade::testing

#endif  // LEMONADE_TESTS_TESTING_SMTP_REPLIES_H_
