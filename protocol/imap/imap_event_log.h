// ImapEventLog: runs ImapCommandParser or ImapResponseParser over a byte
// stream cut into given pieces, with a scripted session, and records the
// events as text: the readable form that the conformance vectors
// (testdata/*.txt), the split-point property and the fuzzers compare.
//
// The scripted server session accepts every synchronizing literal (unless
// told to refuse those over a size, as a server refusing an APPEND would)
// and expects one raw line after AUTHENTICATE without an initial response
// and after IDLE (the client's response and DONE).
//
//   std::vector<std::string> log = RecordImapCommandEvents({"a1 NO", "OP\r\n"});
//   // {"command a1 NOOP"}
//
// Command log entries:
//   command <DescribeCommand()>
//   continuation <octets>          the session sends "+"
//   refused <octets>               the session refuses the literal
//   line <quoted line>             the raw line after ExpectLine()
//   error <tag or *> [<code>] <text>
// Response log entries:
//   response <DescribeResponse()>
//   error <text>
//
// Strings are shown in double quotes with C-style escapes (\" \\ \r \n \t
// \xHH). Strings longer than 200 octets show their first 60 octets, their
// size and an FNV-1a hash, so logs stay short but still tell contents apart.
#ifndef LEMONADE_PROTOCOL_IMAP_IMAP_EVENT_LOG_H_
#define LEMONADE_PROTOCOL_IMAP_IMAP_EVENT_LOG_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "protocol/imap/imap_command.h"
#include "protocol/imap/imap_limits.h"
#include "protocol/imap/imap_response_parser.h"

namespace lemonade::imap {

// How the scripted server session answers synchronizing literals.
struct ImapSessionScript {
  // Synchronizing literals larger than this are refused (AbandonCommand()).
  uint64_t refuse_literals_over_bytes = std::numeric_limits<uint64_t>::max();
};

// DescribeCommand()
//
// A canonical one-line description of a parsed command: the tag, the name,
// and the arguments that the command takes, e.g.
//   A1 UID FETCH set=1:* items=(FLAGS BODY.PEEK[HEADER]<0.100>) changedsince=5
std::string DescribeCommand(const ImapCommand& command);

// DescribeResponse()
//
// A canonical one-line description of a parsed response, close to the wire
// form: `+ "text"`, `A1 OK [CODE args] "text"`, `* 3 FETCH (UID 7 BODY[] {5}"hello")`.
std::string DescribeResponse(const ImapResponse& response);

// DescribeValue()
//
// One response value: atoms as they are, numbers in decimal, strings quoted
// (literals prefixed with {size}), NIL, and lists in parentheses.
std::string DescribeValue(const ImapValue& value);

// QuoteForLog()
//
// `s` in double quotes with C-style escapes (shortened when long, see
// above).
std::string QuoteForLog(absl::string_view s);

// RecordImapCommandEvents()
//
// Feeds `pieces` in order to a fresh ImapCommandParser (draining events
// after each, the session loop of imap_command_parser.h) and returns the
// log.
std::vector<std::string> RecordImapCommandEvents(const std::vector<absl::string_view>& pieces,
                                                 const ImapLimits& limits = ImapLimits(),
                                                 const ImapSessionScript& script = {});

// RecordImapCommandEventsSplit()
//
// The same for `input` cut at `cuts` (ascending offsets).
std::vector<std::string> RecordImapCommandEventsSplit(absl::string_view input,
                                                      const std::vector<size_t>& cuts,
                                                      const ImapLimits& limits = ImapLimits(),
                                                      const ImapSessionScript& script = {});

// RecordImapCommandEventsBytewise()
//
// The same for `input` fed one octet at a time.
std::vector<std::string> RecordImapCommandEventsBytewise(absl::string_view input,
                                                         const ImapLimits& limits = ImapLimits(),
                                                         const ImapSessionScript& script = {});

// RecordImapResponseEvents(), RecordImapResponseEventsSplit(),
// RecordImapResponseEventsBytewise()
//
// The same for ImapResponseParser (the client side).
std::vector<std::string> RecordImapResponseEvents(const std::vector<absl::string_view>& pieces,
                                                  const ImapLimits& limits = ImapLimits());
std::vector<std::string> RecordImapResponseEventsSplit(absl::string_view input,
                                                       const std::vector<size_t>& cuts,
                                                       const ImapLimits& limits = ImapLimits());
std::vector<std::string> RecordImapResponseEventsBytewise(absl::string_view input,
                                                          const ImapLimits& limits = ImapLimits());

// SplitAt()
//
// `input` cut at `cuts` (ascending offsets; out-of-order ones are ignored).
std::vector<absl::string_view> SplitAt(absl::string_view input, const std::vector<size_t>& cuts);

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_IMAP_EVENT_LOG_H_
