#include "protocol/imap/imap_command_parser.h"

#include <cstring>

#include "absl/base/attributes.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "protocol/imap/imap_chars.h"
#include "protocol/imap/imap_date.h"

namespace lemonade::imap {

absl::string_view CommandNameToString(CommandName name) {
  switch (name) {
    case CommandName::kUnknown: return "UNKNOWN";
    case CommandName::kCapability: return "CAPABILITY";
    case CommandName::kNoop: return "NOOP";
    case CommandName::kLogout: return "LOGOUT";
    case CommandName::kId: return "ID";
    case CommandName::kEnable: return "ENABLE";
    case CommandName::kCompress: return "COMPRESS";
    case CommandName::kStartTls: return "STARTTLS";
    case CommandName::kAuthenticate: return "AUTHENTICATE";
    case CommandName::kLogin: return "LOGIN";
    case CommandName::kSelect: return "SELECT";
    case CommandName::kExamine: return "EXAMINE";
    case CommandName::kCreate: return "CREATE";
    case CommandName::kDelete: return "DELETE";
    case CommandName::kRename: return "RENAME";
    case CommandName::kSubscribe: return "SUBSCRIBE";
    case CommandName::kUnsubscribe: return "UNSUBSCRIBE";
    case CommandName::kList: return "LIST";
    case CommandName::kLsub: return "LSUB";
    case CommandName::kStatus: return "STATUS";
    case CommandName::kAppend: return "APPEND";
    case CommandName::kNamespace: return "NAMESPACE";
    case CommandName::kIdle: return "IDLE";
    case CommandName::kGenUrlauth: return "GENURLAUTH";
    case CommandName::kResetKey: return "RESETKEY";
    case CommandName::kUrlFetch: return "URLFETCH";
    case CommandName::kCheck: return "CHECK";
    case CommandName::kClose: return "CLOSE";
    case CommandName::kUnselect: return "UNSELECT";
    case CommandName::kExpunge: return "EXPUNGE";
    case CommandName::kSearch: return "SEARCH";
    case CommandName::kSort: return "SORT";
    case CommandName::kFetch: return "FETCH";
    case CommandName::kStore: return "STORE";
    case CommandName::kCopy: return "COPY";
    case CommandName::kMove: return "MOVE";
  }
  return "UNKNOWN";
}

void ImapCommand::Clear() {
  tag = {};
  name = CommandName::kUnknown;
  uid = false;
  mailbox = {};
  new_mailbox = {};
  has_mailbox = false;
  user = {};
  password = {};
  mechanism = {};
  initial_response.reset();
  resume.reset();
  sequence_set.Clear();
  fetch.clear();
  changed_since.reset();
  vanished = false;
  store = StoreArgs();
  flags.clear();
  charset = {};
  search_return = SearchReturn();
  search.kind = SearchKeyKind::kAnd;
  search.children.clear();
  sort.clear();
  condstore = false;
  qresync.reset();
  list.reference = {};
  list.patterns.clear();
  list.selection_options.clear();
  list.return_options.clear();
  list.return_status_items.clear();
  list.extended = false;
  append.clear();
  genurlauth.clear();
  urlfetch.clear();
  id_params.clear();
}

namespace {

// Whether `s` is `upper` (an upper-case ASCII keyword) in any case. Inline
// and length-first: the parser compares every command name and keyword
// against tables of candidates.
inline bool IsKeyword(absl::string_view s, absl::string_view upper) {
  if (s.size() != upper.size() || s.empty() ||
      absl::ascii_toupper(static_cast<unsigned char>(s[0])) != upper[0]) {
    return s.empty() && upper.empty();
  }
  for (size_t i = 1; i < s.size(); ++i) {
    if (absl::ascii_toupper(static_cast<unsigned char>(s[i])) != upper[i]) return false;
  }
  return true;
}

// A cursor over one framed command. Errors are sticky: after the first
// failure every method returns false and the first message is kept.
class Reader {
 public:
  Reader(char* data, size_t size, const ImapLimits& limits)
      : p_(data), end_(data + size), limits_(limits) {}

  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }
  const std::string& code() const { return code_; }

  bool Fail(absl::string_view message, absl::string_view code = "") {
    if (ok_) {
      ok_ = false;
      message_ = std::string(message);
      code_ = std::string(code);
    }
    return false;
  }

  bool AtEnd() const { return p_ + 2 == end_ && p_[0] == '\r' && p_[1] == '\n'; }
  bool Peek(char c) const { return ok_ && p_ < end_ && *p_ == c; }
  bool PeekDigit() const { return ok_ && p_ < end_ && *p_ >= '0' && *p_ <= '9'; }
  void Skip(size_t n) { p_ += n; }
  bool PeekSpaceThen(char c) const {
    return ok_ && p_ + 1 < end_ && p_[0] == ' ' && p_[1] == c;
  }
  bool PeekSp() const { return ok_ && p_ < end_ && *p_ == ' ' && !AtEnd(); }

  bool Consume(char c) {
    if (!ok_) return false;
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool Expect(char c, absl::string_view what) {
    if (Consume(c)) return true;
    return Fail(absl::StrCat("expected ", what));
  }
  bool Sp() { return Expect(' ', "SP"); }
  bool End() {
    if (!ok_) return false;
    if (AtEnd()) {
      p_ = end_;
      return true;
    }
    return Fail("unexpected extra arguments");
  }

  // 1*ATOM-CHAR.
  absl::string_view Atom() {
    if (!ok_) return {};
    char* start = p_;
    while (p_ < end_ && IsAtomChar(static_cast<unsigned char>(*p_))) ++p_;
    return absl::string_view(start, p_ - start);
  }
  // A fetch item or section text name, dots included ("BODY.PEEK",
  // "HEADER.FIELDS.NOT"): atom chars up to a '[' or '<'.
  absl::string_view ItemName() {
    if (!ok_) return {};
    char* start = p_;
    while (p_ < end_ && IsAtomChar(static_cast<unsigned char>(*p_)) && *p_ != '[' && *p_ != '<') {
      ++p_;
    }
    return absl::string_view(start, p_ - start);
  }
  bool Keyword(absl::string_view* out, absl::string_view what) {
    *out = Atom();
    if (out->empty()) return Fail(absl::StrCat("expected ", what));
    return true;
  }
  // Consumes `word` (case-insensitive) if the next atom is exactly it.
  bool ConsumeKeyword(absl::string_view word) {
    if (!ok_) return false;
    char* save = p_;
    absl::string_view atom = Atom();
    if (IsKeyword(atom, word)) return true;
    p_ = save;
    return false;
  }

  bool Number64(uint64_t* out, absl::string_view what) {
    if (!ok_) return false;
    char* start = p_;
    uint64_t n = 0;
    // 19 digits always fit in 64 bits; a 20th may overflow; 21 never pass.
    char* fits = end_ - p_ > 19 ? p_ + 19 : end_;
    while (p_ < fits && *p_ >= '0' && *p_ <= '9') {
      n = n * 10 + static_cast<uint64_t>(*p_ - '0');
      ++p_;
    }
    if (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      const uint64_t digit = static_cast<uint64_t>(*p_ - '0');
      if (n > (UINT64_MAX - digit) / 10 || (p_ + 1 < end_ && p_[1] >= '0' && p_[1] <= '9')) {
        return Fail(absl::StrCat(what, " out of range"));
      }
      n = n * 10 + digit;
      ++p_;
    }
    if (p_ == start) return Fail(absl::StrCat("expected ", what));
    *out = n;
    return true;
  }
  bool Number(uint32_t* out, absl::string_view what) {
    uint64_t n = 0;
    if (!Number64(&n, what)) return false;
    if (n > 0xffffffffull) return Fail(absl::StrCat(what, " out of range"));
    *out = static_cast<uint32_t>(n);
    return true;
  }
  bool NzNumber(uint32_t* out, absl::string_view what) {
    if (!Number(out, what)) return false;
    if (*out == 0) return Fail(absl::StrCat(what, " must be non-zero"));
    return true;
  }
  // mod-sequence-value = 1*DIGIT, 1 <= n < 2^63 (RFC 7162 §7).
  bool ModSeq(uint64_t* out, bool allow_zero) {
    if (!Number64(out, "mod-sequence value")) return false;
    if (*out >= (1ull << 63) || (!allow_zero && *out == 0)) {
      return Fail("mod-sequence value out of range");
    }
    return true;
  }

  // quoted = DQUOTE *QUOTED-CHAR DQUOTE, unescaped in place.
  bool Quoted(absl::string_view* out) {
    if (!Expect('"', "quoted string")) return false;
    char* start = p_;
    char* w = p_;
    while (p_ < end_) {
      char c = *p_;
      if (c == '"') {
        ++p_;
        *out = absl::string_view(start, w - start);
        return true;
      }
      if (c == '\\') {
        if (p_ + 1 >= end_ || (p_[1] != '"' && p_[1] != '\\')) {
          return Fail("invalid escape in quoted string");
        }
        ++p_;
        c = *p_;
      } else if (c == '\r' || c == '\n' || c == 0) {
        return Fail("unterminated quoted string");
      }
      // 8-bit octets are not TEXT-CHARs (RFC 3501); accepted here because
      // real clients send UTF-8 in quoted search strings, as Dovecot does.
      *w++ = c;
      ++p_;
    }
    return Fail("unterminated quoted string");
  }

  // literal = "{" number ["+"] "}" CRLF *CHAR8; literal8 = "~{" ...
  bool Literal(absl::string_view* out, bool* literal8) {
    if (!ok_) return false;
    bool is8 = Consume('~');
    if (!Expect('{', "literal")) return false;
    uint64_t n = 0;
    if (!Number64(&n, "literal size")) return false;
    Consume('+');
    if (!Expect('}', "'}'") || !Expect('\r', "CRLF") || !Expect('\n', "CRLF")) return false;
    if (static_cast<uint64_t>(end_ - p_) < n) return Fail("literal truncated");
    *out = absl::string_view(p_, n);
    p_ += n;
    if (is8) {
      if (literal8 == nullptr) return Fail("literal8 not allowed here");
      *literal8 = true;
    } else {
      if (std::memchr(out->data(), '\0', out->size()) != nullptr) {
        // RFC 3501 §4.3: a literal may not contain NUL (use literal8).
        return Fail("NUL in literal; use literal8");
      }
      if (literal8 != nullptr) *literal8 = false;
    }
    return true;
  }

  // string = quoted / literal
  bool String(absl::string_view* out, bool* literal8 = nullptr) {
    if (!ok_) return false;
    if (Peek('"')) return Quoted(out);
    if (Peek('{') || Peek('~')) return Literal(out, literal8);
    return Fail("expected string");
  }

  // astring = 1*ASTRING-CHAR / string
  bool AString(absl::string_view* out, absl::string_view what) {
    if (!ok_) return false;
    if (Peek('"') || Peek('{')) return String(out);
    char* start = p_;
    while (p_ < end_ && IsAstringChar(static_cast<unsigned char>(*p_))) ++p_;
    if (p_ == start) return Fail(absl::StrCat("expected ", what));
    *out = absl::string_view(start, p_ - start);
    return true;
  }

  // nstring = string / nil
  bool NString(std::optional<absl::string_view>* out) {
    if (ConsumeKeyword("NIL")) {
      out->reset();
      return true;
    }
    absl::string_view s;
    if (!String(&s)) return false;
    *out = s;
    return true;
  }

  // list-mailbox = 1*list-char / string
  bool ListMailbox(absl::string_view* out) {
    if (!ok_) return false;
    if (Peek('"') || Peek('{')) return String(out);
    char* start = p_;
    while (p_ < end_ && IsListChar(static_cast<unsigned char>(*p_))) ++p_;
    if (p_ == start) return Fail("expected mailbox pattern");
    *out = absl::string_view(start, p_ - start);
    return true;
  }

  // flag = "\Answered" / ... / keyword / flag-extension; in lists also "\*".
  bool Flag(absl::string_view* out, bool allow_wildcard) {
    if (!ok_) return false;
    char* start = p_;
    Consume('\\');
    if (allow_wildcard && start != p_ && Consume('*')) {
      *out = absl::string_view(start, 2);
      return true;
    }
    while (p_ < end_ && IsAtomChar(static_cast<unsigned char>(*p_))) ++p_;
    if (p_ == start || (p_ == start + 1 && *start == '\\')) return Fail("expected flag");
    *out = absl::string_view(start, p_ - start);
    return true;
  }
  bool FlagList(std::vector<absl::string_view>* out) {
    if (!Expect('(', "flag list")) return false;
    if (Consume(')')) return true;
    do {
      absl::string_view flag;
      if (!Flag(&flag, false)) return false;
      if (out->size() >= limits_.list_items_max) return Fail("too many flags", "LIMIT");
      out->push_back(flag);
    } while (Consume(' '));
    return Expect(')', "')' after flags");
  }

  // sequence-set (RFC 3501 §9, RFC 5182 "$").
  bool Sequence(SequenceSet* set) {
    if (!ok_) return false;
    set->Clear();
    if (Consume('$')) {
      set->SetSavedResult();
      return true;
    }
    do {
      uint32_t a = 0, b = 0;
      if (!SeqNumber(&a)) return false;
      b = a;
      if (Consume(':') && !SeqNumber(&b)) return false;
      if (set->ranges().size() >= limits_.sequence_ranges_max) {
        return Fail("sequence set too large", "LIMIT");
      }
      set->Add(a, b);
    } while (Consume(','));
    return true;
  }
  bool SeqNumber(uint32_t* n) {
    if (Consume('*')) {
      *n = kSequenceStar;
      return true;
    }
    // Fast path for the numbers of every FETCH and STORE: up to 9 digits
    // always fit; anything longer (or no digit) takes the checked path.
    uint32_t v = 0;
    char* p = p_;
    while (p < end_ && p - p_ < 9 && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    if (ok_ && p > p_ && v != 0 && (p == end_ || *p < '0' || *p > '9')) {
      p_ = p;
      *n = v;
      return true;
    }
    return NzNumber(n, "sequence number");
  }

  // date = date-text / DQUOTE date-text DQUOTE
  bool Date(ImapDay* out) {
    if (!ok_) return false;
    bool quoted = Consume('"');
    char* start = p_;
    while (p_ < end_ && (absl::ascii_isalnum(static_cast<unsigned char>(*p_)) || *p_ == '-')) ++p_;
    absl::string_view text(start, p_ - start);
    if (quoted && !Expect('"', "'\"' after date")) return false;
    std::optional<ImapDay> day = ParseImapDate(text);
    if (!day) return Fail("invalid date");
    *out = *day;
    return true;
  }

  // date-time = DQUOTE ... DQUOTE
  bool DateTime(ImapDateTime* out) {
    if (!Expect('"', "date-time")) return false;
    char* start = p_;
    while (p_ < end_ && *p_ != '"' && *p_ != '\r') ++p_;
    absl::string_view text(start, p_ - start);
    if (!Expect('"', "'\"' after date-time")) return false;
    std::optional<ImapDateTime> t = ParseImapDateTime(text);
    if (!t) return Fail("invalid date-time");
    *out = *t;
    return true;
  }

  // Guards recursion; pair every Enter() with Leave().
  bool Enter() {
    if (++depth_ > limits_.nesting_depth_max) return Fail("nesting too deep", "LIMIT");
    return true;
  }
  void Leave() { --depth_; }

  const ImapLimits& limits() const { return limits_; }
  char* position() const { return p_; }

 private:
  char* p_;
  char* end_;
  const ImapLimits& limits_;
  bool ok_ = true;
  int depth_ = 0;
  std::string message_;
  std::string code_;
};

struct CommandEntry {
  absl::string_view name;
  CommandName command;
};

// Most frequent first (a client's steady state is FETCH, STORE, SEARCH,
// NOOP and IDLE), so the lookup usually ends early.
constexpr CommandEntry kCommands[] = {
    {"FETCH", CommandName::kFetch},           {"STORE", CommandName::kStore},
    {"SEARCH", CommandName::kSearch},         {"NOOP", CommandName::kNoop},
    {"IDLE", CommandName::kIdle},             {"STATUS", CommandName::kStatus},
    {"EXPUNGE", CommandName::kExpunge},       {"COPY", CommandName::kCopy},
    {"MOVE", CommandName::kMove},             {"SELECT", CommandName::kSelect},
    {"EXAMINE", CommandName::kExamine},       {"LIST", CommandName::kList},
    {"APPEND", CommandName::kAppend},         {"CAPABILITY", CommandName::kCapability},
    {"LOGOUT", CommandName::kLogout},         {"ID", CommandName::kId},
    {"ENABLE", CommandName::kEnable},         {"COMPRESS", CommandName::kCompress},
    {"STARTTLS", CommandName::kStartTls},     {"AUTHENTICATE", CommandName::kAuthenticate},
    {"LOGIN", CommandName::kLogin},           {"CREATE", CommandName::kCreate},
    {"DELETE", CommandName::kDelete},         {"RENAME", CommandName::kRename},
    {"SUBSCRIBE", CommandName::kSubscribe},   {"UNSUBSCRIBE", CommandName::kUnsubscribe},
    {"LSUB", CommandName::kLsub},             {"NAMESPACE", CommandName::kNamespace},
    {"GENURLAUTH", CommandName::kGenUrlauth}, {"RESETKEY", CommandName::kResetKey},
    {"URLFETCH", CommandName::kUrlFetch},     {"CHECK", CommandName::kCheck},
    {"CLOSE", CommandName::kClose},           {"UNSELECT", CommandName::kUnselect},
    {"SORT", CommandName::kSort},
};

CommandName LookupCommand(absl::string_view name) {
  for (const CommandEntry& e : kCommands) {
    if (IsKeyword(name, e.name)) return e.command;
  }
  return CommandName::kUnknown;
}

// ---- FETCH ---------------------------------------------------------------

// section-spec inside "[...]" (RFC 3501 §9 section-spec / section-binary).
bool ParseSection(Reader& r, SectionSpec* section, absl::string_view* text, bool binary) {
  if (!r.Expect('[', "'['")) return false;
  char* start = r.position();
  section->part.clear();
  section->fields.clear();
  section->text = SectionSpec::Text::kAll;
  if (!r.Peek(']')) {
    // section-part = nz-number *("." nz-number)
    while (r.PeekDigit()) {
      uint32_t n = 0;
      if (!r.NzNumber(&n, "section part")) return false;
      if (section->part.size() >= 64) return r.Fail("section part path too deep", "LIMIT");
      section->part.push_back(n);
      if (!r.Consume('.')) break;
      if (r.Peek(']')) return r.Fail("section ends with '.'");
    }
    if (!r.Peek(']')) {
      if (binary) return r.Fail("BINARY sections take part numbers only");
      const absl::string_view name = r.ItemName();
      if (IsKeyword(name, "HEADER")) {
        section->text = SectionSpec::Text::kHeader;
      } else if (IsKeyword(name, "TEXT")) {
        section->text = SectionSpec::Text::kText;
      } else if (IsKeyword(name, "MIME")) {
        if (section->part.empty()) return r.Fail("MIME needs a part number");
        section->text = SectionSpec::Text::kMime;
      } else if (IsKeyword(name, "HEADER.FIELDS") ||
                 IsKeyword(name, "HEADER.FIELDS.NOT")) {
        section->text = name.size() == 13 ? SectionSpec::Text::kHeaderFields
                                          : SectionSpec::Text::kHeaderFieldsNot;
        if (!r.Sp() || !r.Expect('(', "header field list")) return false;
        section->fields.reserve(8);  // one allocation for a typical list
        do {
          absl::string_view field;
          if (!r.AString(&field, "header field name")) return false;
          if (section->fields.size() >= r.limits().list_items_max) {
            return r.Fail("too many header fields", "LIMIT");
          }
          section->fields.push_back(field);
        } while (r.Consume(' '));
        if (!r.Expect(')', "')' after header fields")) return false;
      } else {
        return r.Fail("unknown section text");
      }
    }
  }
  *text = absl::string_view(start, r.position() - start);
  return r.Expect(']', "']'");
}

bool ParsePartial(Reader& r, std::optional<std::pair<uint32_t, uint32_t>>* partial) {
  if (!r.Consume('<')) return true;
  uint32_t offset = 0, length = 0;
  if (!r.Number(&offset, "partial offset") || !r.Expect('.', "'.' in partial") ||
      !r.NzNumber(&length, "partial length") || !r.Expect('>', "'>'")) {
    return false;
  }
  *partial = std::make_pair(offset, length);
  return true;
}

bool ParseFetchAttribute(Reader& r, std::vector<FetchAttribute>* out) {
  const absl::string_view full = r.ItemName();
  if (full.empty()) return r.Fail("expected fetch attribute");
  if (out->size() >= r.limits().list_items_max) return r.Fail("too many fetch attributes", "LIMIT");
  auto is = [full](absl::string_view s) { return IsKeyword(full, s); };
  auto add = [out](FetchItem item) { out->emplace_back().item = item; };
  // Items without arguments, the frequent first.
  struct Simple {
    absl::string_view name;
    FetchItem item;
  };
  static constexpr Simple kSimple[] = {
      {"UID", FetchItem::kUid},
      {"FLAGS", FetchItem::kFlags},
      {"RFC822.SIZE", FetchItem::kRfc822Size},
      {"INTERNALDATE", FetchItem::kInternalDate},
      {"ENVELOPE", FetchItem::kEnvelope},
      {"BODYSTRUCTURE", FetchItem::kBodyStructure},
      {"MODSEQ", FetchItem::kModSeq},
      {"RFC822", FetchItem::kRfc822},
      {"RFC822.HEADER", FetchItem::kRfc822Header},
      {"RFC822.TEXT", FetchItem::kRfc822Text},
  };
  for (const Simple& simple : kSimple) {
    if (full.size() == simple.name.size() && is(simple.name)) {
      add(simple.item);
      return true;
    }
  }
  if (is("ALL")) {  // macros (RFC 3501 §6.4.5)
    add(FetchItem::kFlags);
    add(FetchItem::kInternalDate);
    add(FetchItem::kRfc822Size);
    add(FetchItem::kEnvelope);
    return true;
  }
  if (is("FAST")) {
    add(FetchItem::kFlags);
    add(FetchItem::kInternalDate);
    add(FetchItem::kRfc822Size);
    return true;
  }
  if (is("FULL")) {
    add(FetchItem::kFlags);
    add(FetchItem::kInternalDate);
    add(FetchItem::kRfc822Size);
    add(FetchItem::kEnvelope);
    add(FetchItem::kBody);
    return true;
  }
  // Items with a section are parsed in place (a failed command leaves a
  // partial item behind, which nobody reads).
  if (is("BODY") || is("BODY.PEEK")) {
    const bool peek = full.size() > 4;
    if (!r.Peek('[')) {
      if (peek) return r.Fail("BODY.PEEK needs a section");
      add(FetchItem::kBody);
      return true;
    }
    FetchAttribute& att = out->emplace_back();
    att.item = FetchItem::kBodySection;
    att.peek = peek;
    return ParseSection(r, &att.section, &att.section_text, false) &&
           ParsePartial(r, &att.partial);
  }
  if (is("BINARY") || is("BINARY.PEEK")) {
    FetchAttribute& att = out->emplace_back();
    att.item = FetchItem::kBinary;
    att.peek = full.size() > 6;
    return ParseSection(r, &att.section, &att.section_text, true) &&
           ParsePartial(r, &att.partial);
  }
  if (is("BINARY.SIZE")) {
    FetchAttribute& att = out->emplace_back();
    att.item = FetchItem::kBinarySize;
    return ParseSection(r, &att.section, &att.section_text, true);
  }
  return r.Fail(absl::StrCat("unknown fetch attribute ", full));
}

bool ParseFetch(Reader& r, ImapCommand* c) {
  if (!r.Sp() || !r.Sequence(&c->sequence_set) || !r.Sp()) return false;
  if (r.Consume('(')) {
    do {
      if (!ParseFetchAttribute(r, &c->fetch)) return false;
    } while (r.Consume(' '));
    if (!r.Expect(')', "')' after fetch attributes")) return false;
  } else if (!ParseFetchAttribute(r, &c->fetch)) {
    return false;
  }
  // fetch-modifiers (RFC 4466 §2.4, RFC 7162 §3.1.4.1, §3.2.6)
  if (r.PeekSpaceThen('(')) {
    r.Sp();
    r.Consume('(');
    do {
      if (r.ConsumeKeyword("CHANGEDSINCE")) {
        uint64_t modseq = 0;
        if (!r.Sp() || !r.ModSeq(&modseq, /*allow_zero=*/true)) return false;
        c->changed_since = modseq;
      } else if (r.ConsumeKeyword("VANISHED")) {
        c->vanished = true;
      } else {
        return r.Fail("unknown fetch modifier");
      }
    } while (r.Consume(' '));
    if (!r.Expect(')', "')' after fetch modifiers")) return false;
  }
  if (c->vanished && !c->uid) return r.Fail("VANISHED requires UID FETCH");
  if (c->vanished && !c->changed_since) return r.Fail("VANISHED requires CHANGEDSINCE");
  return r.End();
}

// ---- STORE ---------------------------------------------------------------

bool ParseStore(Reader& r, ImapCommand* c) {
  if (!r.Sp() || !r.Sequence(&c->sequence_set) || !r.Sp()) return false;
  if (r.Consume('(')) {  // store-modifiers
    do {
      if (!r.ConsumeKeyword("UNCHANGEDSINCE")) return r.Fail("unknown store modifier");
      uint64_t modseq = 0;
      if (!r.Sp() || !r.ModSeq(&modseq, /*allow_zero=*/true)) return false;
      c->store.unchanged_since = modseq;
    } while (r.Consume(' '));
    if (!r.Expect(')', "')' after store modifiers") || !r.Sp()) return false;
  }
  if (r.Consume('+')) {
    c->store.mode = StoreArgs::Mode::kAdd;
  } else if (r.Consume('-')) {
    c->store.mode = StoreArgs::Mode::kRemove;
  }
  absl::string_view item = r.Atom();
  if (IsKeyword(item, "FLAGS")) {
    c->store.silent = false;
  } else if (IsKeyword(item, "FLAGS.SILENT")) {
    c->store.silent = true;
  } else {
    return r.Fail("expected FLAGS or FLAGS.SILENT");
  }
  if (!r.Sp()) return false;
  if (r.Peek('(')) {
    if (!r.FlagList(&c->flags)) return false;
  } else {
    do {
      absl::string_view flag;
      if (!r.Flag(&flag, false)) return false;
      if (c->flags.size() >= r.limits().list_items_max) return r.Fail("too many flags", "LIMIT");
      c->flags.push_back(flag);
    } while (r.Consume(' '));
  }
  return r.End();
}

// ---- SEARCH --------------------------------------------------------------

bool ParseSearchKey(Reader& r, SearchKey* key, size_t* count);

bool ParseSearchKeyList(Reader& r, SearchKey* key, size_t* count) {
  // Parenthesised list: an AND of its keys.
  key->kind = SearchKeyKind::kAnd;
  if (!r.Enter()) return false;
  do {
    key->children.emplace_back();
    if (!ParseSearchKey(r, &key->children.back(), count)) return false;
  } while (r.Consume(' ') && !r.Peek(')'));
  r.Leave();
  return r.Expect(')', "')' after search keys");
}

bool ParseSearchKey(Reader& r, SearchKey* key, size_t* count) {
  if (++*count > r.limits().list_items_max) return r.Fail("search program too large", "LIMIT");
  if (r.Consume('(')) return ParseSearchKeyList(r, key, count);
  if (r.Peek('*') || r.Peek('$') || r.PeekDigit()) {
    key->kind = SearchKeyKind::kSequenceSet;
    return r.Sequence(&key->set);
  }
  absl::string_view word = r.Atom();
  if (word.empty()) return r.Fail("expected search key");
  // Keys with no argument, a string or a date, in one table (the frequent
  // first), so a key costs one pass.
  enum class Arg { kNone, kString, kDate };
  struct Simple {
    absl::string_view name;
    SearchKeyKind kind;
    Arg arg;
  };
  static constexpr Simple kSimple[] = {
      {"ALL", SearchKeyKind::kAll, Arg::kNone},
      {"UNSEEN", SearchKeyKind::kUnseen, Arg::kNone},
      {"SEEN", SearchKeyKind::kSeen, Arg::kNone},
      {"DELETED", SearchKeyKind::kDeleted, Arg::kNone},
      {"UNDELETED", SearchKeyKind::kUndeleted, Arg::kNone},
      {"FLAGGED", SearchKeyKind::kFlagged, Arg::kNone},
      {"SINCE", SearchKeyKind::kSince, Arg::kDate},
      {"FROM", SearchKeyKind::kFrom, Arg::kString},
      {"SUBJECT", SearchKeyKind::kSubject, Arg::kString},
      {"TO", SearchKeyKind::kTo, Arg::kString},
      {"TEXT", SearchKeyKind::kText, Arg::kString},
      {"BODY", SearchKeyKind::kBody, Arg::kString},
      {"CC", SearchKeyKind::kCc, Arg::kString},
      {"BCC", SearchKeyKind::kBcc, Arg::kString},
      {"BEFORE", SearchKeyKind::kBefore, Arg::kDate},
      {"ON", SearchKeyKind::kOn, Arg::kDate},
      {"SENTBEFORE", SearchKeyKind::kSentBefore, Arg::kDate},
      {"SENTON", SearchKeyKind::kSentOn, Arg::kDate},
      {"SENTSINCE", SearchKeyKind::kSentSince, Arg::kDate},
      {"ANSWERED", SearchKeyKind::kAnswered, Arg::kNone},
      {"DRAFT", SearchKeyKind::kDraft, Arg::kNone},
      {"NEW", SearchKeyKind::kNew, Arg::kNone},
      {"OLD", SearchKeyKind::kOld, Arg::kNone},
      {"RECENT", SearchKeyKind::kRecent, Arg::kNone},
      {"UNANSWERED", SearchKeyKind::kUnanswered, Arg::kNone},
      {"UNDRAFT", SearchKeyKind::kUndraft, Arg::kNone},
      {"UNFLAGGED", SearchKeyKind::kUnflagged, Arg::kNone},
  };
  for (const Simple& simple : kSimple) {
    if (!IsKeyword(word, simple.name)) continue;
    key->kind = simple.kind;
    switch (simple.arg) {
      case Arg::kNone:
        return true;
      case Arg::kString:
        return r.Sp() && r.AString(&key->value, "search string");
      case Arg::kDate:
        return r.Sp() && r.Date(&key->day);
    }
  }
  if (IsKeyword(word, "KEYWORD") || IsKeyword(word, "UNKEYWORD")) {
    key->kind = word.size() == 7 ? SearchKeyKind::kKeyword : SearchKeyKind::kUnkeyword;
    if (!r.Sp()) return false;
    key->value = r.Atom();
    if (key->value.empty()) return r.Fail("expected keyword");
    return true;
  }
  if (IsKeyword(word, "HEADER")) {
    key->kind = SearchKeyKind::kHeader;
    return r.Sp() && r.AString(&key->field, "header field name") && r.Sp() &&
           r.AString(&key->value, "search string");
  }
  if (IsKeyword(word, "LARGER") || IsKeyword(word, "SMALLER")) {
    key->kind = word.size() == 6 ? SearchKeyKind::kLarger : SearchKeyKind::kSmaller;
    uint32_t n = 0;
    if (!r.Sp() || !r.Number(&n, "size")) return false;
    key->number = n;
    return true;
  }
  if (IsKeyword(word, "UID")) {
    key->kind = SearchKeyKind::kUid;
    return r.Sp() && r.Sequence(&key->set);
  }
  if (IsKeyword(word, "NOT")) {
    key->kind = SearchKeyKind::kNot;
    if (!r.Sp() || !r.Enter()) return false;
    key->children.emplace_back();
    bool ok = ParseSearchKey(r, &key->children.back(), count);
    r.Leave();
    return ok;
  }
  if (IsKeyword(word, "OR")) {
    key->kind = SearchKeyKind::kOr;
    if (!r.Sp() || !r.Enter()) return false;
    key->children.resize(2);
    bool ok = ParseSearchKey(r, &key->children[0], count) && r.Sp() &&
              ParseSearchKey(r, &key->children[1], count);
    r.Leave();
    return ok;
  }
  if (IsKeyword(word, "MODSEQ")) {
    // MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer
    key->kind = SearchKeyKind::kModSeq;
    if (!r.Sp()) return false;
    if (r.Peek('"')) {
      absl::string_view type;
      if (!r.Quoted(&key->field) || !r.Sp()) return false;
      type = r.Atom();
      if (!IsKeyword(type, "PRIV") && !IsKeyword(type, "SHARED") && !IsKeyword(type, "ALL")) {
        return r.Fail("invalid MODSEQ entry type");
      }
      if (!r.Sp()) return false;
    }
    return r.ModSeq(&key->number, /*allow_zero=*/true);
  }
  return r.Fail(absl::StrCat("unknown search key ", word));
}

// search-return-opts after "RETURN" (RFC 4731 §3, RFC 4466 §2.6); the
// same options serve SORT (RFC 5267 §3.1).
bool ParseSearchReturn(Reader& r, ImapCommand* c);

// search-criteria after the command's charset handling: 1*(SP search-key).
bool ParseSearchKeys(Reader& r, ImapCommand* c) {
  c->search.kind = SearchKeyKind::kAnd;
  size_t count = 0;
  do {
    c->search.children.emplace_back();
    if (!ParseSearchKey(r, &c->search.children.back(), &count)) return false;
  } while (r.Consume(' '));
  return r.End();
}

bool ParseSearch(Reader& r, ImapCommand* c) {
  if (!r.Sp()) return false;
  if (r.ConsumeKeyword("RETURN")) {
    if (!ParseSearchReturn(r, c) || !r.Sp()) return false;
  }
  if (r.ConsumeKeyword("CHARSET")) {
    if (!r.Sp() || !r.AString(&c->charset, "charset") || !r.Sp()) return false;
  }
  return ParseSearchKeys(r, c);
}

// sort = ["UID" SP] "SORT" [SP sort-return-opts] SP sort-criteria SP
//        search-criteria (RFC 5256 §4, RFC 5267 §3.1), where
// search-criteria = charset 1*(SP search-key): the charset is mandatory.
bool ParseSort(Reader& r, ImapCommand* c) {
  if (!r.Sp()) return false;
  if (r.ConsumeKeyword("RETURN")) {
    if (!ParseSearchReturn(r, c) || !r.Sp()) return false;
  }
  if (!r.Expect('(', "'(' before the sort criteria")) return false;
  do {
    SortCriterion criterion;
    absl::string_view word = r.Atom();
    if (IsKeyword(word, "REVERSE")) {
      criterion.reverse = true;
      if (!r.PeekSp()) return r.Fail("missing sort key after REVERSE");
      r.Sp();
      word = r.Atom();
    }
    if (IsKeyword(word, "ARRIVAL")) {
      criterion.key = SortKey::kArrival;
    } else if (IsKeyword(word, "CC")) {
      criterion.key = SortKey::kCc;
    } else if (IsKeyword(word, "DATE")) {
      criterion.key = SortKey::kDate;
    } else if (IsKeyword(word, "FROM")) {
      criterion.key = SortKey::kFrom;
    } else if (IsKeyword(word, "SIZE")) {
      criterion.key = SortKey::kSize;
    } else if (IsKeyword(word, "SUBJECT")) {
      criterion.key = SortKey::kSubject;
    } else if (IsKeyword(word, "TO")) {
      criterion.key = SortKey::kTo;
    } else {
      return r.Fail(word.empty() ? "missing sort key" : absl::StrCat("unknown sort key ", word));
    }
    if (c->sort.size() >= r.limits().list_items_max) return r.Fail("too many sort criteria", "LIMIT");
    c->sort.push_back(criterion);
  } while (r.Consume(' '));
  if (!r.Expect(')', "')' after the sort criteria") || !r.Sp()) return false;
  if (!r.AString(&c->charset, "charset")) return false;
  if (!r.PeekSp()) return r.Fail("SORT needs a charset, then the search keys");
  r.Sp();
  return ParseSearchKeys(r, c);
}

bool ParseSearchReturn(Reader& r, ImapCommand* c) {
  c->search_return.requested = true;
  if (!r.Sp() || !r.Expect('(', "'(' after RETURN")) return false;
  if (!r.Consume(')')) {
    do {
      absl::string_view opt = r.Atom();
      if (IsKeyword(opt, "MIN")) {
        c->search_return.min = true;
      } else if (IsKeyword(opt, "MAX")) {
        c->search_return.max = true;
      } else if (IsKeyword(opt, "ALL")) {
        c->search_return.all = true;
      } else if (IsKeyword(opt, "COUNT")) {
        c->search_return.count = true;
      } else if (IsKeyword(opt, "SAVE")) {
        c->search_return.save = true;
      } else {
        return r.Fail("unknown search return option");
      }
    } while (r.Consume(' '));
    if (!r.Expect(')', "')' after return options")) return false;
  } else {
    // "RETURN ()" means RETURN (ALL) (RFC 4731 §3.1).
    c->search_return.all = true;
  }
  return true;
}

// ---- SELECT / EXAMINE ----------------------------------------------------

bool ParseSelect(Reader& r, ImapCommand* c) {
  if (!r.Sp() || !r.AString(&c->mailbox, "mailbox")) return false;
  if (r.PeekSpaceThen('(')) {
    r.Sp();
    r.Consume('(');
    if (!r.Consume(')')) {
      do {
        if (r.ConsumeKeyword("CONDSTORE")) {
          c->condstore = true;
        } else if (r.ConsumeKeyword("QRESYNC")) {
          // QRESYNC (uidvalidity modseq [known-uids] [seq-match-data])
          QresyncParams q;
          if (!r.Sp() || !r.Expect('(', "'(' after QRESYNC") ||
              !r.NzNumber(&q.uidvalidity, "uidvalidity") || !r.Sp() ||
              !r.ModSeq(&q.modseq, /*allow_zero=*/false)) {
            return false;
          }
          if (r.PeekSp()) {
            r.Sp();
            if (!r.Peek('(')) {
              if (!r.Sequence(&q.known_uids)) return false;
              if (q.known_uids.is_saved_result()) return r.Fail("'$' not allowed in QRESYNC");
              if (r.PeekSp()) r.Sp();
            }
            if (r.Consume('(')) {
              if (!r.Sequence(&q.known_sequence_set) || !r.Sp() ||
                  !r.Sequence(&q.known_uid_set) || !r.Expect(')', "')' after seq-match-data")) {
                return false;
              }
            }
          }
          if (!r.Expect(')', "')' after QRESYNC parameters")) return false;
          c->qresync = std::move(q);
        } else {
          return r.Fail("unknown SELECT parameter");
        }
      } while (r.Consume(' '));
      if (!r.Expect(')', "')' after SELECT parameters")) return false;
    }
  }
  return r.End();
}

// ---- LIST ----------------------------------------------------------------

bool ParseAtomList(Reader& r, std::vector<absl::string_view>* out) {
  if (!r.Expect('(', "'('")) return false;
  if (r.Consume(')')) return true;
  do {
    absl::string_view a = r.Atom();
    if (a.empty()) return r.Fail("expected option");
    if (out->size() >= r.limits().list_items_max) return r.Fail("too many options", "LIMIT");
    out->push_back(a);
  } while (r.Consume(' '));
  return r.Expect(')', "')'");
}

bool ParseList(Reader& r, ImapCommand* c) {
  if (!r.Sp()) return false;
  if (c->name == CommandName::kList && r.Peek('(')) {
    c->list.extended = true;
    if (!ParseAtomList(r, &c->list.selection_options) || !r.Sp()) return false;
  }
  if (!r.AString(&c->list.reference, "reference name") || !r.Sp()) return false;
  if (c->name == CommandName::kList && r.Consume('(')) {
    c->list.extended = true;
    do {
      absl::string_view p;
      if (!r.ListMailbox(&p)) return false;
      if (c->list.patterns.size() >= r.limits().list_items_max) {
        return r.Fail("too many patterns", "LIMIT");
      }
      c->list.patterns.push_back(p);
    } while (r.Consume(' '));
    if (!r.Expect(')', "')' after patterns")) return false;
  } else {
    absl::string_view p;
    if (!r.ListMailbox(&p)) return false;
    c->list.patterns.push_back(p);
  }
  if (c->name == CommandName::kList && r.PeekSp()) {
    r.Sp();
    if (!r.ConsumeKeyword("RETURN") || !r.Sp() || !r.Expect('(', "'(' after RETURN")) {
      return r.Fail("expected RETURN options");
    }
    c->list.extended = true;
    if (!r.Consume(')')) {
      do {
        absl::string_view opt = r.Atom();
        if (opt.empty()) return r.Fail("expected return option");
        if (c->list.return_options.size() >= r.limits().list_items_max) {
          return r.Fail("too many options", "LIMIT");
        }
        c->list.return_options.push_back(opt);
        if (IsKeyword(opt, "STATUS")) {  // RFC 5819
          if (!r.Sp() || !ParseAtomList(r, &c->list.return_status_items)) return false;
        }
      } while (r.Consume(' '));
      if (!r.Expect(')', "')' after return options")) return false;
    }
  }
  return r.End();
}

// ---- APPEND --------------------------------------------------------------

bool ParseAppend(Reader& r, ImapCommand* c) {
  if (!r.Sp() || !r.AString(&c->mailbox, "mailbox")) return false;
  do {
    if (!r.Sp()) return false;
    AppendMessage m;
    if (r.Peek('(')) {
      if (!r.FlagList(&m.flags) || !r.Sp()) return false;
    }
    if (r.Peek('"')) {
      ImapDateTime t;
      if (!r.DateTime(&t) || !r.Sp()) return false;
      m.internal_date = t;
    }
    if (r.ConsumeKeyword("CATENATE")) {
      // RFC 4469 §5: CATENATE SP "(" cat-part *(SP cat-part) ")"
      m.catenate = true;
      if (!r.Sp() || !r.Expect('(', "'(' after CATENATE")) return false;
      do {
        CatenatePart part;
        if (r.ConsumeKeyword("TEXT")) {
          if (!r.Sp()) return false;
          if (!r.Peek('{') && !r.Peek('~')) return r.Fail("TEXT needs a literal");
          if (!r.Literal(&part.data, &part.binary)) return false;
        } else if (r.ConsumeKeyword("URL")) {
          part.is_url = true;
          if (!r.Sp() || !r.AString(&part.data, "URL")) return false;
        } else {
          return r.Fail("expected TEXT or URL");
        }
        if (m.parts.size() >= r.limits().list_items_max) {
          return r.Fail("too many CATENATE parts", "LIMIT");
        }
        m.parts.push_back(part);
      } while (r.Consume(' '));
      if (!r.Expect(')', "')' after CATENATE parts")) return false;
    } else {
      if (!r.Peek('{') && !r.Peek('~')) return r.Fail("expected message literal");
      if (!r.Literal(&m.data, &m.binary)) return false;
    }
    c->append.push_back(std::move(m));
  } while (r.PeekSp() && c->append.size() < r.limits().literals_max);
  return r.End();
}

// ---- Others --------------------------------------------------------------

bool ParseResume(Reader& r, ImapCommand* c) {
  // "(SID session-id modseq)": the Lemonade profile draft's quick reconnect.
  if (!r.Expect('(', "'('") || !r.ConsumeKeyword("SID") || !r.Sp()) {
    return r.Fail("expected (SID session-id modseq)");
  }
  ResumeParams p;
  if (!r.AString(&p.session_id, "session id") || !r.Sp() ||
      !r.ModSeq(&p.modseq, /*allow_zero=*/true) || !r.Expect(')', "')' after SID")) {
    return false;
  }
  c->resume = p;
  return true;
}

bool ParseAuthenticate(Reader& r, ImapCommand* c) {
  if (!r.Sp() || !r.Keyword(&c->mechanism, "SASL mechanism")) return false;
  if (r.PeekSpaceThen('(')) {
    r.Sp();
    if (!ParseResume(r, c)) return false;
  }
  if (r.PeekSp()) {
    // SASL-IR (RFC 4959): base64 or "=" for an empty response.
    r.Sp();
    absl::string_view ir = r.Atom();  // base64 chars are atom chars, '=' too
    if (ir.empty()) return r.Fail("expected initial response");
    c->initial_response = ir == "=" ? absl::string_view() : ir;
  }
  return r.End();
}

bool ParseStatus(Reader& r, ImapCommand* c) {
  if (!r.Sp() || !r.AString(&c->mailbox, "mailbox") || !r.Sp()) return false;
  if (!ParseAtomList(r, &c->flags)) return false;
  if (c->flags.empty()) return r.Fail("STATUS needs at least one item");
  return r.End();
}

bool ParseId(Reader& r, ImapCommand* c) {
  if (!r.Sp()) return false;
  if (r.ConsumeKeyword("NIL")) return r.End();
  if (!r.Expect('(', "'(' or NIL")) return false;
  if (!r.Consume(')')) {
    do {
      absl::string_view field;
      std::optional<absl::string_view> value;
      if (!r.String(&field) || !r.Sp() || !r.NString(&value)) return false;
      // RFC 2971 §3.3: at most 30 field-value pairs.
      if (c->id_params.size() >= 30) return r.Fail("too many ID fields");
      c->id_params.emplace_back(field, value);
    } while (r.Consume(' '));
    if (!r.Expect(')', "')' after ID parameters")) return false;
  }
  return r.End();
}

bool ParseUrlFetch(Reader& r, ImapCommand* c) {
  do {
    if (!r.Sp()) return false;
    UrlFetchRequest req;
    if (r.Consume('(')) {
      // RFC 5524 §3: "(" url *(SP url-fetch-modifier) ")"
      req.extended = true;
      if (!r.AString(&req.url, "URL")) return false;
      while (r.Consume(' ')) {
        if (r.ConsumeKeyword("BODYPARTSTRUCTURE")) {
          req.body_part_structure = true;
        } else if (r.ConsumeKeyword("BINARY")) {
          req.binary = true;
        } else if (r.ConsumeKeyword("BODY")) {
          req.body = true;
        } else {
          return r.Fail("unknown URLFETCH modifier");
        }
      }
      if (req.binary && req.body) return r.Fail("BINARY and BODY are exclusive");
      if (!r.Expect(')', "')'")) return false;
    } else if (!r.AString(&req.url, "URL")) {
      return false;
    }
    if (c->urlfetch.size() >= r.limits().list_items_max) return r.Fail("too many URLs", "LIMIT");
    c->urlfetch.push_back(req);
  } while (r.PeekSp());
  return r.End();
}

bool ParseArguments(Reader& r, ImapCommand* c) {
  switch (c->name) {
    case CommandName::kCapability:
    case CommandName::kNoop:
    case CommandName::kLogout:
    case CommandName::kStartTls:
    case CommandName::kNamespace:
    case CommandName::kIdle:
    case CommandName::kCheck:
    case CommandName::kClose:
    case CommandName::kUnselect:
      return r.End();
    case CommandName::kExpunge:
      if (c->uid) {  // UID EXPUNGE sequence-set (RFC 4315 §2.1)
        if (!r.Sp() || !r.Sequence(&c->sequence_set)) return false;
      }
      return r.End();
    case CommandName::kLogin:
      if (!r.Sp() || !r.AString(&c->user, "user name") || !r.Sp() ||
          !r.AString(&c->password, "password")) {
        return false;
      }
      if (r.PeekSpaceThen('(')) {
        r.Sp();
        if (!ParseResume(r, c)) return false;
      }
      return r.End();
    case CommandName::kAuthenticate:
      return ParseAuthenticate(r, c);
    case CommandName::kEnable:
      do {
        absl::string_view cap;
        if (!r.Sp() || !r.Keyword(&cap, "capability")) return false;
        if (c->flags.size() >= r.limits().list_items_max) return r.Fail("too many", "LIMIT");
        c->flags.push_back(cap);
      } while (r.PeekSp());
      return r.End();
    case CommandName::kCompress:
      return r.Sp() && r.Keyword(&c->mechanism, "compression algorithm") && r.End();
    case CommandName::kId:
      return ParseId(r, c);
    case CommandName::kSelect:
    case CommandName::kExamine:
      return ParseSelect(r, c);
    case CommandName::kCreate:
      if (!r.Sp() || !r.AString(&c->mailbox, "mailbox")) return false;
      if (r.PeekSpaceThen('(')) {  // RFC 6154 §3: (USE (\Sent ...))
        r.Sp();
        r.Consume('(');
        if (!r.ConsumeKeyword("USE") || !r.Sp()) return r.Fail("expected USE");
        if (!r.Expect('(', "'('")) return false;
        do {
          absl::string_view attr;
          if (!r.Flag(&attr, false)) return false;
          if (c->flags.size() >= r.limits().list_items_max) return r.Fail("too many", "LIMIT");
          c->flags.push_back(attr);
        } while (r.Consume(' '));
        if (!r.Expect(')', "')'") || !r.Expect(')', "')'")) return false;
      }
      return r.End();
    case CommandName::kDelete:
    case CommandName::kSubscribe:
    case CommandName::kUnsubscribe:
      return r.Sp() && r.AString(&c->mailbox, "mailbox") && r.End();
    case CommandName::kRename:
      return r.Sp() && r.AString(&c->mailbox, "mailbox") && r.Sp() &&
             r.AString(&c->new_mailbox, "new mailbox name") && r.End();
    case CommandName::kList:
    case CommandName::kLsub:
      return ParseList(r, c);
    case CommandName::kStatus:
      return ParseStatus(r, c);
    case CommandName::kAppend:
      return ParseAppend(r, c);
    case CommandName::kGenUrlauth:
      do {
        UrlAuthRequest req;
        if (!r.Sp() || !r.AString(&req.url, "URL") || !r.Sp() ||
            !r.Keyword(&req.mechanism, "URLAUTH mechanism")) {
          return false;
        }
        if (c->genurlauth.size() >= r.limits().list_items_max) return r.Fail("too many", "LIMIT");
        c->genurlauth.push_back(req);
      } while (r.PeekSp());
      return r.End();
    case CommandName::kResetKey:
      if (r.PeekSp()) {
        r.Sp();
        if (!r.AString(&c->mailbox, "mailbox")) return false;
        c->has_mailbox = true;
        while (r.PeekSp()) {
          absl::string_view mech;
          r.Sp();
          if (!r.Keyword(&mech, "mechanism")) return false;
          if (c->flags.size() >= r.limits().list_items_max) return r.Fail("too many", "LIMIT");
          c->flags.push_back(mech);
        }
      }
      return r.End();
    case CommandName::kUrlFetch:
      return ParseUrlFetch(r, c);
    case CommandName::kSearch:
      return ParseSearch(r, c);
    case CommandName::kSort:
      return ParseSort(r, c);
    case CommandName::kFetch:
      return ParseFetch(r, c);
    case CommandName::kStore:
      return ParseStore(r, c);
    case CommandName::kCopy:
    case CommandName::kMove:
      return r.Sp() && r.Sequence(&c->sequence_set) && r.Sp() &&
             r.AString(&c->mailbox, "mailbox") && r.End();
    case CommandName::kUnknown:
      break;
  }
  return r.Fail("unknown command");
}

}  // namespace

bool ParseSectionSpec(absl::string_view text, std::string* storage, SectionSpec* section) {
  // The grammar of "[" section "]" in FETCH, reused as is.
  *storage = absl::StrCat("[", text, "]\r\n");
  ImapLimits limits;
  Reader r(storage->data(), storage->size(), limits);
  absl::string_view echoed;
  return ParseSection(r, section, &echoed, /*binary=*/false) && r.AtEnd();
}

bool ParseFramedCommand(char* frame, size_t size, const ImapLimits& limits, ImapCommand* command,
                        CommandError* error) {
  command->Clear();
  // The error is filled in only when there is one: a command that parses
  // costs no string copies.
  auto fail = [error](absl::string_view tag, std::string text,
                      CommandName name = CommandName::kUnknown) {
    *error = CommandError();
    error->tag = std::string(tag);
    error->text = std::move(text);
    error->name = name;
    return false;
  };
  Reader r(frame, size, limits);
  // tag = 1*<any ASTRING-CHAR except "+">
  size_t tag_end = 0;
  while (tag_end < size && IsTagChar(static_cast<unsigned char>(frame[tag_end]))) ++tag_end;
  if (tag_end == 0 || tag_end >= size || frame[tag_end] != ' ') {
    // Only a run of tag characters ended by SP or the line end is a tag;
    // "c\x88 NOOP" has none, so the answer is untagged (RFC 3501 §7.1.3).
    const bool tagged = tag_end > 0 && tag_end < size && frame[tag_end] == '\r';
    return fail(tagged ? absl::string_view(frame, tag_end) : "",
                tag_end == 0 && size > 2 ? "missing tag" : "missing command");
  }
  command->tag = absl::string_view(frame, tag_end);
  r.Skip(tag_end + 1);  // the tag and its SP
  absl::string_view word = r.Atom();
  if (IsKeyword(word, "UID")) {
    command->uid = true;
    if (!r.Sp()) return fail(command->tag, "UID needs a command");
    word = r.Atom();
    command->name = LookupCommand(word);
    if (command->name != CommandName::kFetch && command->name != CommandName::kStore &&
        command->name != CommandName::kCopy && command->name != CommandName::kMove &&
        command->name != CommandName::kSearch && command->name != CommandName::kSort &&
        command->name != CommandName::kExpunge) {
      return fail(command->tag,
                  "UID must be followed by FETCH, STORE, COPY, MOVE, SEARCH, SORT or EXPUNGE");
    }
  } else {
    command->name = LookupCommand(word);
  }
  if (command->name == CommandName::kUnknown) {
    return fail(command->tag, word.empty() ? "missing command" : "unknown command");
  }
  if (!ParseArguments(r, command)) {
    fail(command->tag, absl::StrCat(CommandNameToString(command->name), ": ", r.message()),
         command->name);
    error->code = r.code();
    return false;
  }
  return true;
}

ImapCommandParser::ImapCommandParser(const ImapLimits& limits)
    : limits_(limits), framer_(limits_, ImapFramer::Side::kServer) {}

ParseResult ImapCommandParser::Parse(absl::string_view input) {
  FrameResult f = framer_.Feed(input);
  switch (f.event) {
    case FrameEvent::kNeedMore:
      return {f.consumed, ParseEvent::kNeedMore};
    case FrameEvent::kLiteralContinuation:
      return {f.consumed, ParseEvent::kContinuation};
    case FrameEvent::kLine:
      return {f.consumed, ParseEvent::kLine};
    case FrameEvent::kError: {
      const FrameError& e = framer_.error();
      error_ = CommandError();
      error_.tag = e.tag;
      switch (e.kind) {
        case FrameErrorKind::kLineTooLong:
          error_.text = "command line too long";
          error_.code = "TOOBIG";
          break;
        case FrameErrorKind::kLiteralTooBig:
          error_.text = "literal too big";
          error_.code = "TOOBIG";
          break;
        case FrameErrorKind::kCommandTooBig:
          error_.text = "command too big";
          error_.code = "TOOBIG";
          break;
        case FrameErrorKind::kTooManyLiterals:
          error_.text = "too many literals";
          error_.code = "LIMIT";
          break;
        case FrameErrorKind::kBadLiteral:
          error_.text = "invalid literal";
          break;
      }
      return {f.consumed, ParseEvent::kError};
    }
    case FrameEvent::kFrame:
      break;
  }
  if (!ParseFramedCommand(framer_.mutable_frame_data(), framer_.frame().size(), limits_,
                          &command_, &error_)) {
    return {f.consumed, ParseEvent::kError};
  }
  return {f.consumed, ParseEvent::kCommand};
}

}  // namespace lemonade::imap
