// ImapCommand: one parsed client command, every argument typed.
//
// The parser reuses one ImapCommand for every command of a connection (so a
// command costs no allocation in the steady state). String arguments are
// views into the parser's frame buffer, valid until the parser is fed
// again; quoted strings are unescaped in place there.
//
// Which fields are meaningful depends on `name` (see the comment on each
// group). Grammar references are to RFC 3501 §9 unless noted.
#ifndef LEMONADE_PROTOCOL_IMAP_IMAP_COMMAND_H_
#define LEMONADE_PROTOCOL_IMAP_IMAP_COMMAND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "protocol/imap/sequence_set.h"

namespace lemonade::imap {

enum class CommandName {
  kUnknown,
  // Any state.
  kCapability, kNoop, kLogout, kId, kEnable, kCompress,
  // Not authenticated.
  kStartTls, kAuthenticate, kLogin,
  // Authenticated.
  kSelect, kExamine, kCreate, kDelete, kRename, kSubscribe, kUnsubscribe,
  kList, kLsub, kStatus, kAppend, kNamespace, kIdle, kGenUrlauth, kResetKey,
  kUrlFetch,
  // Selected.
  kCheck, kClose, kUnselect, kExpunge, kSearch, kFetch, kStore, kCopy, kMove,
  kSort,  // RFC 5256, with RFC 5267 ESORT return options
};

// The command's name as sent in responses and logs ("UID FETCH" is kFetch
// with uid set).
absl::string_view CommandNameToString(CommandName name);

// A point in time as carried by IMAP dates: seconds since the Unix epoch
// plus the sender's zone offset (kept so INTERNALDATE echoes it).
struct ImapDateTime {
  int64_t unix_seconds = 0;
  int32_t zone_offset_minutes = 0;
  bool operator==(const ImapDateTime& o) const {
    return unix_seconds == o.unix_seconds && zone_offset_minutes == o.zone_offset_minutes;
  }
};

// A day, for SEARCH dates: days since 1970-01-01.
using ImapDay = int32_t;

// section-spec of BODY[...] and BINARY[...] (RFC 3501 §6.4.5).
struct SectionSpec {
  enum class Text { kAll, kHeader, kHeaderFields, kHeaderFieldsNot, kText, kMime };
  std::vector<uint32_t> part;  // "1.2.3"; empty = the whole message
  Text text = Text::kAll;
  std::vector<absl::string_view> fields;  // HEADER.FIELDS[.NOT] list
};

enum class FetchItem {
  kEnvelope, kFlags, kInternalDate, kRfc822, kRfc822Header, kRfc822Size, kRfc822Text,
  kBody,           // BODY without section: non-extensible BODYSTRUCTURE
  kBodyStructure,
  kUid,
  kBodySection,    // BODY[section]<partial> / BODY.PEEK[...]
  kBinary,         // BINARY[part]<partial> / BINARY.PEEK[...] (RFC 3516)
  kBinarySize,     // BINARY.SIZE[part]
  kModSeq,         // MODSEQ (RFC 7162)
};

struct FetchAttribute {
  FetchItem item = FetchItem::kUid;
  bool peek = false;
  SectionSpec section;
  // <origin.length>; the response names only the origin (RFC 3501 §7.4.2).
  std::optional<std::pair<uint32_t, uint32_t>> partial;
  // The section text between the brackets exactly as sent, echoed in the
  // response item name (e.g. "HEADER.FIELDS (From To)").
  absl::string_view section_text;
};

enum class SearchKeyKind {
  kAll, kAnswered, kBcc, kBefore, kBody, kCc, kDeleted, kDraft, kFlagged, kFrom,
  kHeader, kKeyword, kLarger, kNew, kNot, kOld, kOn, kOr, kRecent, kSeen,
  kSentBefore, kSentOn, kSentSince, kSince, kSmaller, kSubject, kText, kTo,
  kUid, kUnanswered, kUndeleted, kUndraft, kUnflagged, kUnkeyword, kUnseen,
  kSequenceSet,  // a bare sequence set (or "$")
  kAnd,          // a parenthesised list: all children must match
  kModSeq,       // MODSEQ [entry-name entry-type-req] mod-sequence-valzer
};

struct SearchKey {
  SearchKeyKind kind = SearchKeyKind::kAll;
  absl::string_view field;   // HEADER field name; MODSEQ entry name
  absl::string_view value;   // string argument; KEYWORD flag
  uint64_t number = 0;       // LARGER/SMALLER octets; MODSEQ value
  ImapDay day = 0;           // date keys
  SequenceSet set;           // UID / sequence-set keys
  std::vector<SearchKey> children;  // NOT: 1, OR: 2, AND: n
};

// SEARCH RETURN options (ESEARCH, RFC 4731; SAVE, RFC 5182).
struct SearchReturn {
  bool requested = false;  // RETURN (...) was present: reply with ESEARCH
  bool min = false, max = false, all = false, count = false, save = false;
};

// sort-criterion of RFC 5256 §4: ["REVERSE" SP] sort-key.
enum class SortKey { kArrival, kCc, kDate, kFrom, kSize, kSubject, kTo };

struct SortCriterion {
  SortKey key = SortKey::kArrival;
  bool reverse = false;
};

struct StoreArgs {
  enum class Mode { kReplace, kAdd, kRemove };
  Mode mode = Mode::kReplace;
  bool silent = false;
  std::optional<uint64_t> unchanged_since;  // RFC 7162 §3.1.3
};

struct CatenatePart {
  bool is_url = false;
  bool binary = false;       // TEXT given as literal8
  absl::string_view data;    // TEXT literal bytes, or the URL
};

struct AppendMessage {
  std::vector<absl::string_view> flags;
  std::optional<ImapDateTime> internal_date;
  bool binary = false;       // message given as literal8 (RFC 3516)
  bool catenate = false;     // CATENATE (RFC 4469)
  absl::string_view data;    // the message literal (when !catenate)
  std::vector<CatenatePart> parts;
};

// SELECT/EXAMINE (QRESYNC (...)) (RFC 7162 §3.2.5).
struct QresyncParams {
  uint32_t uidvalidity = 0;
  uint64_t modseq = 0;
  SequenceSet known_uids;                 // empty: not given
  SequenceSet known_sequence_set;         // seq-match-data, if given
  SequenceSet known_uid_set;
};

// GENURLAUTH url mechanism pairs; URLFETCH urls (with RFC 5524 options).
struct UrlAuthRequest {
  absl::string_view url;
  absl::string_view mechanism;
};

struct UrlFetchRequest {
  absl::string_view url;
  bool extended = false;           // "(url ...)" form of RFC 5524
  bool body_part_structure = false;
  bool binary = false;
  bool body = false;
};

// Session resume (the Lemonade profile draft's quick reconnect, section 4),
// carried as "(SID session-id modseq)" after LOGIN's password or
// AUTHENTICATE's mechanism. See server/imap/README.md.
struct ResumeParams {
  absl::string_view session_id;
  uint64_t modseq = 0;
};

struct ListArgs {
  absl::string_view reference;
  std::vector<absl::string_view> patterns;
  // LIST-EXTENDED (RFC 5258) selection and return options, and RFC 6154
  // SPECIAL-USE; kept as sent (upper-cased by the server when compared).
  std::vector<absl::string_view> selection_options;
  std::vector<absl::string_view> return_options;
  std::vector<absl::string_view> return_status_items;  // RETURN (STATUS (...))
  bool extended = false;
};

struct ImapCommand {
  absl::string_view tag;
  CommandName name = CommandName::kUnknown;
  bool uid = false;  // UID FETCH/STORE/COPY/MOVE/SEARCH/SORT/EXPUNGE

  // SELECT, EXAMINE, CREATE, DELETE, RENAME (source), SUBSCRIBE,
  // UNSUBSCRIBE, STATUS, APPEND, COPY/MOVE (destination), RESETKEY.
  absl::string_view mailbox;
  absl::string_view new_mailbox;  // RENAME destination
  bool has_mailbox = false;       // RESETKEY with a mailbox

  // LOGIN, AUTHENTICATE.
  absl::string_view user;
  absl::string_view password;
  absl::string_view mechanism;         // AUTHENTICATE, COMPRESS
  std::optional<absl::string_view> initial_response;  // SASL-IR ("=" is "")
  std::optional<ResumeParams> resume;

  // FETCH, STORE, COPY, MOVE, UID EXPUNGE: the message set.
  SequenceSet sequence_set;

  // FETCH.
  std::vector<FetchAttribute> fetch;
  std::optional<uint64_t> changed_since;  // (CHANGEDSINCE n)
  bool vanished = false;                  // (VANISHED), RFC 7162 §3.2.6

  // STORE.
  StoreArgs store;
  std::vector<absl::string_view> flags;  // STORE flags; ENABLE capabilities;
                                         // STATUS items; RESETKEY mechanisms;
                                         // CREATE USE attributes

  // SEARCH, and SORT's search part (SORT's charset is mandatory).
  absl::string_view charset;
  SearchReturn search_return;
  SearchKey search;  // kAnd over the top-level keys

  // SORT: the criteria, most significant first.
  std::vector<SortCriterion> sort;

  // SELECT/EXAMINE parameters.
  bool condstore = false;
  std::optional<QresyncParams> qresync;

  // LIST/LSUB.
  ListArgs list;

  // APPEND (one or more messages: MULTIAPPEND syntax is parsed).
  std::vector<AppendMessage> append;

  // GENURLAUTH, URLFETCH.
  std::vector<UrlAuthRequest> genurlauth;
  std::vector<UrlFetchRequest> urlfetch;

  // ID: field/value pairs (values may be NIL: nullopt); ID NIL = empty.
  std::vector<std::pair<absl::string_view, std::optional<absl::string_view>>> id_params;

  // Resets every field, keeping allocated capacity.
  void Clear();
};

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_IMAP_COMMAND_H_
