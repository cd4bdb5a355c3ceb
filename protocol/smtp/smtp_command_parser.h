// SmtpCommandParser: the incremental, sans-IO parser for the client side of
// an SMTP/submission session — commands, AUTH response lines, DATA content
// and BDAT chunks — fed in pieces of any size.
//
// One call to Parse() consumes input until exactly one event is complete
// (a command, an AUTH line, a piece of message content, the end of the
// message, an error) or the input runs out (kNeedMore, in which case all of
// it was consumed: partial lines are kept inside, bounded by SmtpLimits).
// Cutting the same byte stream anywhere, down to single bytes, yields the
// same events (content may arrive in more, smaller pieces). Pipelined
// commands (RFC 2920) come out one per call.
//
// The session, not the parser, decides the mode, because only the session
// knows its replies:
//   - After a DATA command, if it answers "354", it calls BeginData(); the
//     parser then streams the content, dot-unstuffed (RFC 5321 §4.5.2), as
//     kDataChunk events and ends with kDataEnd at "CRLF.CRLF". If it
//     refuses DATA, it calls nothing and the parser stays in command mode.
//   - After an AUTH command (or an AUTH response) that it answers with a
//     "334" challenge, it calls ExpectAuthResponse(); the next line comes
//     back as one kAuthResponse event, and command mode resumes.
//   - BDAT is different: RFC 3030 §2 has the chunk follow the command
//     unconditionally, so after a valid "BDAT n" the parser itself reads
//     exactly n octets (kBdatChunk events, views into the input, no copy)
//     and then reports kBdatEnd, even if the session will refuse the chunk.
//   - After STARTTLS is accepted, bytes that followed it in the same read
//     are plaintext injection (CVE-2011-0411 class): the session discards
//     its remaining input and calls Reset().
//
// Event views (command fields, chunks, AUTH lines) point into the caller's
// input or the parser's line buffer and are valid until the next Parse().
//
// The session's read loop calls Parse() until kNeedMore — also when the
// input is empty, since a zero-length BDAT ("BDAT 0 LAST") or the end of a
// chunk completes without further input:
//
//   void OnBytes(absl::string_view input) {
//     while (true) {
//       SmtpParseResult r = parser_.Parse(input);
//       input.remove_prefix(r.consumed);
//       switch (r.event.kind) {
//         case SmtpEvent::Kind::kNeedMore: return;
//         case SmtpEvent::Kind::kCommand:
//           if (r.event.command.verb == SmtpVerb::kData && CanStartData()) {
//             Reply("354 Go ahead");
//             parser_.BeginData();
//           }
//           ...
//         case SmtpEvent::Kind::kDataChunk: message_.append(...); break;
//         case SmtpEvent::Kind::kDataEnd: Deliver(r.event.data_summary); break;
//         case SmtpEvent::Kind::kError:
//           Reply(SuggestedReply(r.event.error, r.event.error_verb));
//           if (r.event.fatal) Close();
//           break;
//         ...
//       }
//     }
//   }
#ifndef LEMONADE_PROTOCOL_SMTP_SMTP_COMMAND_PARSER_H_
#define LEMONADE_PROTOCOL_SMTP_SMTP_COMMAND_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/smtp/smtp_command.h"
#include "protocol/smtp/smtp_limits.h"

namespace lemonade::smtp {

// What was wrong with a line. SuggestedReply() (smtp_reply.h) maps each to
// its reply code and enhanced status code.
enum class SmtpParseError {
  kNone = 0,
  kLineTooLong,            // 500 5.5.2 (RFC 5321 §4.5.3.1.10)
  kAuthLineTooLong,        // 500 5.5.6 (RFC 4954 §4)
  kBareLineFeed,           // 500 5.5.2 (RFC 5321 §2.3.8)
  kInvalidCharacter,       // 500 5.5.2: NUL, control or 8-bit octet (no SMTPUTF8)
  kUnknownCommand,         // 500 5.5.1
  kSyntaxError,            // 501 5.5.4: arguments malformed
  kInvalidDomain,          // 501 5.5.4: EHLO/HELO argument
  kInvalidPath,            // 501 5.1.7 (MAIL) / 5.1.3 (RCPT)
  kPathTooLong,            // 501 5.1.7 / 5.1.3 (RFC 5321 §4.5.3.1)
  kTooManyParameters,      // 501 5.5.4
  kDuplicateParameter,     // 501 5.5.4 (RFC 3461 §4.5, RFC 4865 §4.2 item 9)
  kInvalidParameterValue,  // 501 5.5.4
  kBdatSizeInvalid,        // 501 5.5.4, fatal: the chunk's end is unknowable
};

// A short name for `error` (for logs and tests).
absl::string_view SmtpParseErrorName(SmtpParseError error);

// What DATA content looked like, reported with kDataEnd.
struct SmtpDataSummary {
  uint64_t octets = 0;          // content octets after dot-unstuffing
  bool line_too_long = false;   // a line exceeded data_line_octets_max
  bool bare_line_feed = false;  // an LF not preceded by CR (RFC 5321 §2.3.8)
  bool bare_carriage_return = false;  // a CR not followed by LF

  friend bool operator==(const SmtpDataSummary& a, const SmtpDataSummary& b) {
    return a.octets == b.octets && a.line_too_long == b.line_too_long &&
           a.bare_line_feed == b.bare_line_feed &&
           a.bare_carriage_return == b.bare_carriage_return;
  }
};

// One parser event. Only the fields of `kind` are meaningful.
struct SmtpEvent {
  enum class Kind {
    kNeedMore,      // all input consumed; nothing complete yet
    kCommand,       // `command`
    kAuthResponse,  // `data`: the line after a 334, without CRLF ("*" cancels)
    kDataChunk,     // `data`: message content, unstuffed, in order
    kDataEnd,       // end of DATA content; `data_summary`; back in command mode
    kBdatChunk,     // `data`: raw chunk octets
    kBdatEnd,       // the chunk announced by BDAT is complete; `bdat_octets`, `bdat_last`
    kError,         // `error`, `error_verb`, `fatal`
  };
  Kind kind = Kind::kNeedMore;
  SmtpCommand command;
  absl::string_view data;
  SmtpDataSummary data_summary;
  uint64_t bdat_octets = 0;
  bool bdat_last = false;
  SmtpParseError error = SmtpParseError::kNone;
  SmtpVerb error_verb = SmtpVerb::kUnknown;  // the command the error is about, if known
  // The connection cannot be resynchronised and must be closed after the
  // reply. The error is sticky: every later Parse() returns it again and
  // consumes all input.
  bool fatal = false;
};

// The result of one Parse() call.
struct SmtpParseResult {
  size_t consumed = 0;  // octets of the input used; all of it on kNeedMore
  SmtpEvent event;
};

class SmtpCommandParser {
 public:
  // The parser's modes, visible for assertions and tests.
  enum class Mode { kCommand, kAuthResponse, kData, kBdat, kFailed };

  explicit SmtpCommandParser(const SmtpLimits& limits = SmtpLimits());

  // Parse()
  //
  // Consumes a prefix of `input` and returns at most one event.
  [[nodiscard]] SmtpParseResult Parse(absl::string_view input);

  // BeginData()
  //
  // The session answered DATA with 354: what follows is message content.
  // Only valid in command mode, right after the DATA event.
  void BeginData();

  // ExpectAuthResponse()
  //
  // The session sent a 334 challenge: the next line is a SASL response.
  // Only valid in command mode.
  void ExpectAuthResponse();

  // Reset()
  //
  // Back to the initial state: after STARTTLS (RFC 3207 §4.2: "discard any
  // knowledge obtained from the client") or a SASL security layer. Clears
  // any partial line and a sticky error.
  void Reset();

  Mode mode() const { return mode_; }
  const SmtpLimits& limits() const { return limits_; }

 private:
  // Per-mode steps. Each consumes a prefix of `input` (updating *consumed)
  // and returns true with *event set when an event is complete.
  bool StepLine(absl::string_view input, size_t* consumed, SmtpEvent* event);
  bool StepData(absl::string_view input, size_t* consumed, SmtpEvent* event);
  bool StepBdat(absl::string_view input, size_t* consumed, SmtpEvent* event);

  // Turns one complete line (without CRLF) into an event.
  void OnLine(absl::string_view line, SmtpEvent* event);
  void OnCommandLine(absl::string_view line, SmtpEvent* event);
  // The current line exceeded its limit; `head` is its start.
  void OnOverlongLine(absl::string_view head, SmtpEvent* event);
  void Fail(SmtpParseError error, SmtpVerb verb, SmtpEvent* event);

  SmtpLimits limits_;
  Mode mode_ = Mode::kCommand;

  // Command/AUTH line assembly.
  std::string line_;         // bytes of a line split across Parse() calls
  bool clear_line_ = false;  // line_ backs the last event; clear on next call
  bool discarding_ = false;  // skipping the rest of an overlong line

  // DATA content.
  enum class DataState { kLineStart, kMidLine, kDot, kDotCr };
  DataState data_state_ = DataState::kLineStart;
  bool data_previous_cr_ = false;   // the last content octet was CR
  size_t data_line_octets_ = 0;     // octets of the current line so far
  SmtpDataSummary data_summary_;

  // BDAT chunk.
  uint64_t bdat_remaining_ = 0;
  uint64_t bdat_octets_ = 0;
  bool bdat_last_ = false;
  bool bdat_discard_ = false;  // skip silently (the BDAT line was refused)

  SmtpParseError fatal_error_ = SmtpParseError::kNone;
  SmtpVerb fatal_verb_ = SmtpVerb::kUnknown;
};

// ParseSmtpCommandLine()
//
// Parses one complete command line (without CRLF) into *command: the
// grammar part of SmtpCommandParser, for callers that frame lines
// themselves. Returns kNone on success. `command` views point into `line`.
[[nodiscard]] SmtpParseError ParseSmtpCommandLine(absl::string_view line,
                                                  const SmtpLimits& limits,
                                                  SmtpCommand* command);

}  // namespace lemonade::smtp

#endif  // LEMONADE_PROTOCOL_SMTP_SMTP_COMMAND_PARSER_H_
