// ImapResponseParser: the client side's incremental IMAP response parser,
// for the client agent and the submission server's URLFETCH.
//
// Every response the server can emit is read into one generic shape: a
// status response (tagged, or untagged OK/NO/BAD/BYE/PREAUTH) with its
// response code and text; a continuation request; or an untagged data
// response ("* 12 FETCH (...)", "* CAPABILITY ...", "* URLFETCH url {n}...")
// whose arguments are a tree of atoms, numbers, strings and lists. Literals
// are read inline and never buffered twice. Like the command parser it
// accepts any split of the input.
//
//   ImapResponseParser parser(limits);
//   ResponseParseResult r = parser.Parse(input);
//   if (r.event == ResponseEvent::kResponse) {
//     const ImapResponse& resp = parser.response();
//     if (resp.kind == ImapResponse::Kind::kTagged && resp.status == "OK") ...
//   }
#ifndef LEMONADE_PROTOCOL_IMAP_IMAP_RESPONSE_PARSER_H_
#define LEMONADE_PROTOCOL_IMAP_IMAP_RESPONSE_PARSER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "protocol/imap/imap_framer.h"
#include "protocol/imap/imap_limits.h"

namespace lemonade::imap {

// One argument of a data response.
struct ImapValue {
  enum class Type { kAtom, kNumber, kString, kNil, kList };
  Type type = Type::kAtom;
  // Atom text (fetch item names keep their "[section]<origin>"), the
  // number's digits, or the string's contents.
  absl::string_view text;
  uint64_t number = 0;
  bool literal = false;  // string came as a literal (or literal8)
  std::vector<ImapValue> list;

  bool IsAtom(absl::string_view word) const;
  // The string or atom contents; NIL gives nullopt.
  std::optional<absl::string_view> AsNString() const;
  // For a list of key/value pairs (FETCH data): the value after `key`
  // (case-insensitive, exact item name), or nullptr.
  const ImapValue* Find(absl::string_view key) const;
};

struct ImapResponse {
  enum class Kind { kTagged, kUntagged, kContinuation };
  Kind kind = Kind::kUntagged;
  absl::string_view tag;          // tagged only
  // Status responses: "OK", "NO", "BAD", "BYE", "PREAUTH" (upper-cased
  // copy); empty for data responses.
  std::string status;
  absl::string_view code;         // response code atom, e.g. "APPENDUID"
  absl::string_view code_args;    // the rest inside [ ], e.g. "38505 3955"
  absl::string_view text;         // human-readable text / continuation text
  // Data responses: "* 12 FETCH (...)" -> number 12, name "FETCH".
  std::optional<uint32_t> number;
  std::string name;               // upper-cased
  std::vector<ImapValue> values;  // arguments after the name
  // The whole frame. Quoted strings with escapes are unescaped in place,
  // so use the byte stream, not this, for exact transcripts.
  absl::string_view raw;
};

enum class ResponseEvent { kNeedMore, kResponse, kError };

struct ResponseParseResult {
  size_t consumed = 0;
  ResponseEvent event = ResponseEvent::kNeedMore;
};

class ImapResponseParser {
 public:
  explicit ImapResponseParser(const ImapLimits& limits = ImapLimits());

  ResponseParseResult Parse(absl::string_view input);

  // Valid after kResponse until the next Parse().
  const ImapResponse& response() const { return response_; }
  // Valid after kError.
  const std::string& error() const { return error_; }

 private:
  const ImapLimits limits_;
  ImapFramer framer_;
  ImapResponse response_;
  std::string error_;
};

// Parses one complete framed response in place (quoted strings are
// unescaped inside `data`; the response's views point into it). Exposed for
// tests and fuzzers.
bool ParseFramedResponse(char* data, size_t size, const ImapLimits& limits,
                         ImapResponse* response, std::string* error);

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_IMAP_RESPONSE_PARSER_H_
