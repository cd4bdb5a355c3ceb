// SmtpReplyParser: the incremental parser for the server side of an SMTP
// session, used by the client agent and by the relay client.
//
// Fed chunks of any size, it returns one complete reply per call
// (multi-line replies gathered, RFC 5321 §4.2.1), so pipelined replies
// (RFC 2920) come out in order. Enhanced status codes (RFC 2034) are
// recognised when the first line's text starts with one whose class
// matches the reply code, and then stripped, with the spaces after it,
// from every line (RFC 2034 §4 repeats it on each line). Lines may end with CRLF or, leniently, a bare LF (a client has
// nothing to gain from refusing a sloppy server). Limits are named; an
// error drops the reply in progress and resynchronises on the next line.
//
//   SmtpReplyParser parser;
//   SmtpReplyParseResult r = parser.Parse("250-mail.example\r\n250 PIPELINING\r\n");
//   // r.kind == kReply, r.reply.code == 250,
//   // r.reply.lines == {"mail.example", "PIPELINING"}
#ifndef LEMONADE_PROTOCOL_SMTP_SMTP_REPLY_PARSER_H_
#define LEMONADE_PROTOCOL_SMTP_SMTP_REPLY_PARSER_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/smtp/smtp_reply.h"

namespace lemonade::smtp {

struct SmtpReplyLimits {
  // RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with CRLF;
  // real servers exceed it in greetings and EHLO lines, so be generous.
  size_t line_octets_max = 2048;
  // EHLO replies are the longest in practice (a few dozen lines).
  size_t lines_max = 256;
};

enum class SmtpReplyError {
  kNone = 0,
  kLineTooLong,
  kTooManyLines,
  kInvalidReplyCode,   // not %x32-35 %x30-35 %x30-39 followed by SP, "-" or end
  kInconsistentCode,   // a continuation line with a different code (§4.2.1)
};

absl::string_view SmtpReplyErrorName(SmtpReplyError error);

struct SmtpReplyParseResult {
  enum class Kind { kNeedMore, kReply, kError };
  size_t consumed = 0;  // all of the input on kNeedMore
  Kind kind = Kind::kNeedMore;
  SmtpReply reply;      // kReply
  SmtpReplyError error = SmtpReplyError::kNone;  // kError
};

class SmtpReplyParser {
 public:
  explicit SmtpReplyParser(const SmtpReplyLimits& limits = SmtpReplyLimits())
      : limits_(limits) {}

  // Parse()
  //
  // Consumes a prefix of `input` and returns at most one reply or error.
  [[nodiscard]] SmtpReplyParseResult Parse(absl::string_view input);

  // Forgets any partial reply (after STARTTLS, RFC 3207 §4.2).
  void Reset() { *this = SmtpReplyParser(limits_); }

 private:
  // Handles one complete line; returns true if it completed a reply or
  // an error (stored in *result).
  bool OnLine(absl::string_view line, SmtpReplyParseResult* result);
  void Fail(SmtpReplyError error, SmtpReplyParseResult* result);

  SmtpReplyLimits limits_;
  std::string line_;         // a line split across calls
  bool discarding_ = false;  // skipping the rest of an overlong line
  SmtpReply reply_;          // the multi-line reply being gathered
  bool in_reply_ = false;
};

// ParseReplyLine()
//
// Splits one reply line (without CRLF): code, whether more lines follow
// ("-"), and the text. Exposed for tests.
[[nodiscard]] bool ParseReplyLine(absl::string_view line, int* code, bool* more,
                                  absl::string_view* text);

}  // namespace lemonade::smtp

#endif  // LEMONADE_PROTOCOL_SMTP_SMTP_REPLY_PARSER_H_
