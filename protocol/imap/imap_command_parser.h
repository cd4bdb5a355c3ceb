// ImapCommandParser: the server's incremental IMAP command parser.
//
// Fed the client's bytes in chunks of any size (one byte at a time gives the
// identical result), it frames whole commands with ImapFramer (literals
// {n}, {n+}, ~{n}) and parses each into an ImapCommand: every command of
// RFC 3501 and of the Lemonade extensions with full argument syntax.
// Chunk in, {consumed, event} out:
//
//   ImapCommandParser parser(limits);
//   while (!input.empty()) {
//     ParseResult r = parser.Parse(input);
//     input.remove_prefix(r.consumed);
//     switch (r.event) {
//       case ParseEvent::kCommand:      Execute(parser.command()); break;
//       case ParseEvent::kContinuation: Send("+ Ready\r\n"); break;
//       case ParseEvent::kError:        SendBad(parser.error()); break;
//       case ParseEvent::kLine:         ContinueAuth(parser.line()); break;
//       case ParseEvent::kNeedMore:     break;
//     }
//   }
//
// The session, not the parser, decides to send "+" for a synchronizing
// literal (or to refuse it with AbandonCommand()). After an error the parser
// has already resynchronised on the next command.
#ifndef LEMONADE_PROTOCOL_IMAP_IMAP_COMMAND_PARSER_H_
#define LEMONADE_PROTOCOL_IMAP_IMAP_COMMAND_PARSER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "protocol/imap/imap_command.h"
#include "protocol/imap/imap_framer.h"
#include "protocol/imap/imap_limits.h"

namespace lemonade::imap {

enum class ParseEvent {
  kNeedMore,      // all input consumed
  kCommand,       // command() is ready
  kContinuation,  // a synchronizing literal was announced
  kLine,          // line() is the raw line requested by ExpectLine()
  kError,         // error() describes a command to reject
};

struct ParseResult {
  size_t consumed = 0;
  ParseEvent event = ParseEvent::kNeedMore;
};

// A rejected command. The server answers "<tag> BAD [code] text" (or
// "* BAD" when no tag could be read).
struct CommandError {
  std::string tag;        // empty: answer untagged
  std::string code;       // response code without brackets, e.g. "TOOBIG"; may be empty
  std::string text;       // human-readable reason
  CommandName name = CommandName::kUnknown;  // if known, for "NO"-vs-"BAD" choices
};

class ImapCommandParser {
 public:
  explicit ImapCommandParser(const ImapLimits& limits = ImapLimits());

  ParseResult Parse(absl::string_view input);

  // Valid after kCommand until the next Parse().
  const ImapCommand& command() const { return command_; }
  // Valid after kError.
  const CommandError& error() const { return error_; }
  // Valid after kLine until the next Parse(); CRLF stripped.
  absl::string_view line() const { return framer_.frame(); }
  // After kCommand: the command's whole frame (CRLF line ends, literals
  // inline, quoted strings unescaped in place). Every view in command()
  // points into it. Valid until the next Parse().
  absl::string_view frame() const { return framer_.frame(); }
  // Size of the literal announced with kContinuation.
  uint64_t announced_literal_bytes() const { return framer_.announced_literal_bytes(); }

  // The next line is not a command (AUTHENTICATE exchange, IDLE's DONE).
  void ExpectLine() { framer_.ExpectLine(); }
  // Refuses the synchronizing literal just announced: the client abandons
  // the command when it gets NO/BAD instead of "+".
  void AbandonCommand() { framer_.AbandonFrame(); }
  // Whether part of a command has been received but not yet completed.
  bool in_command() const { return framer_.in_frame(); }

  const ImapLimits& limits() const { return limits_; }

 private:
  const ImapLimits limits_;
  ImapFramer framer_;
  ImapCommand command_;
  CommandError error_;
};

// Parses one complete framed command (as ImapFramer produces it: CRLF line
// ends, literals inline) in place. `frame` is modified (quoted strings are
// unescaped in place); views in `command` point into it. Returns false and
// fills `error` when the command is malformed. Exposed for tests and
// fuzzers.
bool ParseFramedCommand(char* frame, size_t size, const ImapLimits& limits,
                        ImapCommand* command, CommandError* error);

// Parses a section-spec on its own ("1.2", "2.MIME", "HEADER.FIELDS
// (From)"), as IMAP URLs carry it (RFC 5092 ;SECTION=). Views in `section`
// point into `storage`.
bool ParseSectionSpec(absl::string_view text, std::string* storage, SectionSpec* section);

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_IMAP_COMMAND_PARSER_H_
