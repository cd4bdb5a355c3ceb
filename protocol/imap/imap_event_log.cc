#include "protocol/imap/imap_event_log.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "protocol/imap/imap_command_parser.h"
#include "protocol/imap/imap_date.h"

namespace lemonade::imap {
namespace {

constexpr size_t kLogStringBytesMax = 200;
constexpr size_t kLogStringPrefixBytes = 60;

uint32_t Fnv1a(absl::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// Escapes non-printable octets; with `quotes` also '"' and '\'.
void AppendEscaped(absl::string_view s, bool quotes, std::string* out) {
  for (unsigned char c : s) {
    switch (c) {
      case '\r': out->append("\\r"); break;
      case '\n': out->append("\\n"); break;
      case '\t': out->append("\\t"); break;
      case '"':
      case '\\':
        if (quotes) out->push_back('\\');
        out->push_back(static_cast<char>(c));
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          absl::StrAppendFormat(out, "\\x%02x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
}

// Atoms and other unquoted text: only non-printable octets are escaped.
std::string Raw(absl::string_view s) {
  std::string out;
  AppendEscaped(s, /*quotes=*/false, &out);
  return out;
}

std::string RawList(const std::vector<absl::string_view>& items) {
  std::string out = "(";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(' ');
    out += Raw(items[i]);
  }
  out.push_back(')');
  return out;
}

std::string Day(ImapDay day) {
  int64_t year;
  int month, mday;
  CivilFromDays(day, &year, &month, &mday);
  return absl::StrFormat("%d-%s-%04d", mday, MonthName(month), year);
}

std::string DescribeSection(const SectionSpec& s) {
  std::string out;
  for (size_t i = 0; i < s.part.size(); ++i) {
    if (i) out.push_back('.');
    absl::StrAppend(&out, s.part[i]);
  }
  absl::string_view text;
  switch (s.text) {
    case SectionSpec::Text::kAll: break;
    case SectionSpec::Text::kHeader: text = "HEADER"; break;
    case SectionSpec::Text::kHeaderFields: text = "HEADER.FIELDS"; break;
    case SectionSpec::Text::kHeaderFieldsNot: text = "HEADER.FIELDS.NOT"; break;
    case SectionSpec::Text::kText: text = "TEXT"; break;
    case SectionSpec::Text::kMime: text = "MIME"; break;
  }
  if (!text.empty()) {
    if (!s.part.empty()) out.push_back('.');
    out.append(text.data(), text.size());
  }
  if (s.text == SectionSpec::Text::kHeaderFields || s.text == SectionSpec::Text::kHeaderFieldsNot) {
    out += " (";
    for (size_t i = 0; i < s.fields.size(); ++i) {
      if (i) out.push_back(' ');
      out += QuoteForLog(s.fields[i]);
    }
    out.push_back(')');
  }
  return out;
}

std::string DescribeFetchAttribute(const FetchAttribute& a) {
  std::string out;
  switch (a.item) {
    case FetchItem::kEnvelope: return "ENVELOPE";
    case FetchItem::kFlags: return "FLAGS";
    case FetchItem::kInternalDate: return "INTERNALDATE";
    case FetchItem::kRfc822: return "RFC822";
    case FetchItem::kRfc822Header: return "RFC822.HEADER";
    case FetchItem::kRfc822Size: return "RFC822.SIZE";
    case FetchItem::kRfc822Text: return "RFC822.TEXT";
    case FetchItem::kBody: return "BODY";
    case FetchItem::kBodyStructure: return "BODYSTRUCTURE";
    case FetchItem::kUid: return "UID";
    case FetchItem::kModSeq: return "MODSEQ";
    case FetchItem::kBodySection: out = a.peek ? "BODY.PEEK" : "BODY"; break;
    case FetchItem::kBinary: out = a.peek ? "BINARY.PEEK" : "BINARY"; break;
    case FetchItem::kBinarySize: out = "BINARY.SIZE"; break;
  }
  absl::StrAppend(&out, "[", DescribeSection(a.section), "]");
  if (a.partial) absl::StrAppend(&out, "<", a.partial->first, ".", a.partial->second, ">");
  return out;
}

std::string DescribeSearchKey(const SearchKey& k) {
  auto children = [&k](absl::string_view name) {
    std::string out(name);
    for (const SearchKey& c : k.children) absl::StrAppend(&out, " ", DescribeSearchKey(c));
    return out;
  };
  switch (k.kind) {
    case SearchKeyKind::kAll: return "ALL";
    case SearchKeyKind::kAnswered: return "ANSWERED";
    case SearchKeyKind::kDeleted: return "DELETED";
    case SearchKeyKind::kDraft: return "DRAFT";
    case SearchKeyKind::kFlagged: return "FLAGGED";
    case SearchKeyKind::kNew: return "NEW";
    case SearchKeyKind::kOld: return "OLD";
    case SearchKeyKind::kRecent: return "RECENT";
    case SearchKeyKind::kSeen: return "SEEN";
    case SearchKeyKind::kUnanswered: return "UNANSWERED";
    case SearchKeyKind::kUndeleted: return "UNDELETED";
    case SearchKeyKind::kUndraft: return "UNDRAFT";
    case SearchKeyKind::kUnflagged: return "UNFLAGGED";
    case SearchKeyKind::kUnseen: return "UNSEEN";
    case SearchKeyKind::kBcc: return "BCC " + QuoteForLog(k.value);
    case SearchKeyKind::kBody: return "BODY " + QuoteForLog(k.value);
    case SearchKeyKind::kCc: return "CC " + QuoteForLog(k.value);
    case SearchKeyKind::kFrom: return "FROM " + QuoteForLog(k.value);
    case SearchKeyKind::kSubject: return "SUBJECT " + QuoteForLog(k.value);
    case SearchKeyKind::kText: return "TEXT " + QuoteForLog(k.value);
    case SearchKeyKind::kTo: return "TO " + QuoteForLog(k.value);
    case SearchKeyKind::kBefore: return "BEFORE " + Day(k.day);
    case SearchKeyKind::kOn: return "ON " + Day(k.day);
    case SearchKeyKind::kSince: return "SINCE " + Day(k.day);
    case SearchKeyKind::kSentBefore: return "SENTBEFORE " + Day(k.day);
    case SearchKeyKind::kSentOn: return "SENTON " + Day(k.day);
    case SearchKeyKind::kSentSince: return "SENTSINCE " + Day(k.day);
    case SearchKeyKind::kHeader:
      return absl::StrCat("HEADER ", QuoteForLog(k.field), " ", QuoteForLog(k.value));
    case SearchKeyKind::kKeyword: return "KEYWORD " + Raw(k.value);
    case SearchKeyKind::kUnkeyword: return "UNKEYWORD " + Raw(k.value);
    case SearchKeyKind::kLarger: return absl::StrCat("LARGER ", k.number);
    case SearchKeyKind::kSmaller: return absl::StrCat("SMALLER ", k.number);
    case SearchKeyKind::kUid: return "UID " + k.set.ToString();
    case SearchKeyKind::kSequenceSet: return k.set.ToString();
    case SearchKeyKind::kNot: return children("NOT");
    case SearchKeyKind::kOr: return children("OR");
    case SearchKeyKind::kModSeq:
      if (k.field.data() != nullptr) {
        return absl::StrCat("MODSEQ ", QuoteForLog(k.field), " ", k.number);
      }
      return absl::StrCat("MODSEQ ", k.number);
    case SearchKeyKind::kAnd: {
      std::string out = "(";
      for (size_t i = 0; i < k.children.size(); ++i) {
        if (i) out.push_back(' ');
        out += DescribeSearchKey(k.children[i]);
      }
      out.push_back(')');
      return out;
    }
  }
  return "?";
}

std::string DescribeLiteral(absl::string_view data, bool binary) {
  return absl::StrCat(binary ? "~{" : "{", data.size(), "}", QuoteForLog(data));
}

void DescribeArguments(const ImapCommand& c, std::string* out) {
  auto field = [out](absl::string_view name, absl::string_view value) {
    absl::StrAppend(out, " ", name, "=", value);
  };
  auto resume = [&c, &field]() {
    if (c.resume) {
      field("resume",
            absl::StrCat("(", QuoteForLog(c.resume->session_id), " ", c.resume->modseq, ")"));
    }
  };
  switch (c.name) {
    case CommandName::kUnknown:
    case CommandName::kCapability:
    case CommandName::kNoop:
    case CommandName::kLogout:
    case CommandName::kStartTls:
    case CommandName::kNamespace:
    case CommandName::kIdle:
    case CommandName::kCheck:
    case CommandName::kClose:
    case CommandName::kUnselect:
      return;
    case CommandName::kExpunge:
      if (c.uid) field("set", c.sequence_set.ToString());
      return;
    case CommandName::kLogin:
      field("user", QuoteForLog(c.user));
      field("password", QuoteForLog(c.password));
      resume();
      return;
    case CommandName::kAuthenticate:
      field("mechanism", Raw(c.mechanism));
      resume();
      if (c.initial_response) field("ir", QuoteForLog(*c.initial_response));
      return;
    case CommandName::kEnable:
      field("capabilities", RawList(c.flags));
      return;
    case CommandName::kCompress:
      field("mechanism", Raw(c.mechanism));
      return;
    case CommandName::kId: {
      if (c.id_params.empty()) {
        field("params", "NIL");
        return;
      }
      std::string params = "(";
      for (size_t i = 0; i < c.id_params.size(); ++i) {
        if (i) params.push_back(' ');
        absl::StrAppend(&params, QuoteForLog(c.id_params[i].first), " ",
                        c.id_params[i].second ? QuoteForLog(*c.id_params[i].second) : "NIL");
      }
      params.push_back(')');
      field("params", params);
      return;
    }
    case CommandName::kSelect:
    case CommandName::kExamine:
      field("mailbox", QuoteForLog(c.mailbox));
      if (c.condstore) out->append(" condstore");
      if (c.qresync) {
        const QresyncParams& q = *c.qresync;
        std::string s = absl::StrCat("(", q.uidvalidity, " ", q.modseq);
        if (!q.known_uids.empty()) absl::StrAppend(&s, " ", q.known_uids.ToString());
        if (!q.known_sequence_set.empty()) {
          absl::StrAppend(&s, " (", q.known_sequence_set.ToString(), " ",
                          q.known_uid_set.ToString(), ")");
        }
        s.push_back(')');
        field("qresync", s);
      }
      return;
    case CommandName::kCreate:
      field("mailbox", QuoteForLog(c.mailbox));
      if (!c.flags.empty()) field("use", RawList(c.flags));
      return;
    case CommandName::kDelete:
    case CommandName::kSubscribe:
    case CommandName::kUnsubscribe:
      field("mailbox", QuoteForLog(c.mailbox));
      return;
    case CommandName::kRename:
      field("mailbox", QuoteForLog(c.mailbox));
      field("to", QuoteForLog(c.new_mailbox));
      return;
    case CommandName::kList:
    case CommandName::kLsub: {
      const ListArgs& l = c.list;
      if (l.extended) out->append(" extended");
      if (!l.selection_options.empty()) field("select", RawList(l.selection_options));
      field("reference", QuoteForLog(l.reference));
      std::string patterns = "(";
      for (size_t i = 0; i < l.patterns.size(); ++i) {
        if (i) patterns.push_back(' ');
        patterns += QuoteForLog(l.patterns[i]);
      }
      patterns.push_back(')');
      field("patterns", patterns);
      if (!l.return_options.empty()) field("return", RawList(l.return_options));
      if (!l.return_status_items.empty()) field("status", RawList(l.return_status_items));
      return;
    }
    case CommandName::kStatus:
      field("mailbox", QuoteForLog(c.mailbox));
      field("items", RawList(c.flags));
      return;
    case CommandName::kAppend:
      field("mailbox", QuoteForLog(c.mailbox));
      for (const AppendMessage& m : c.append) {
        std::string s = "(";
        if (!m.flags.empty()) absl::StrAppend(&s, "flags=", RawList(m.flags), " ");
        if (m.internal_date) {
          absl::StrAppend(&s, "date=\"", FormatImapDateTime(*m.internal_date), "\" ");
        }
        if (m.catenate) {
          s += "catenate=(";
          for (size_t i = 0; i < m.parts.size(); ++i) {
            if (i) s.push_back(' ');
            const CatenatePart& p = m.parts[i];
            if (p.is_url) {
              absl::StrAppend(&s, "URL ", QuoteForLog(p.data));
            } else {
              absl::StrAppend(&s, "TEXT ", DescribeLiteral(p.data, p.binary));
            }
          }
          s.push_back(')');
        } else {
          s += DescribeLiteral(m.data, m.binary);
        }
        s.push_back(')');
        field("message", s);
      }
      return;
    case CommandName::kGenUrlauth:
      for (const UrlAuthRequest& r : c.genurlauth) {
        field("url", absl::StrCat(QuoteForLog(r.url), " ", Raw(r.mechanism)));
      }
      return;
    case CommandName::kResetKey:
      if (c.has_mailbox) field("mailbox", QuoteForLog(c.mailbox));
      if (!c.flags.empty()) field("mechanisms", RawList(c.flags));
      return;
    case CommandName::kUrlFetch:
      for (const UrlFetchRequest& r : c.urlfetch) {
        if (!r.extended) {
          field("url", QuoteForLog(r.url));
          continue;
        }
        field("url", absl::StrCat("(", QuoteForLog(r.url),
                                  r.body_part_structure ? " BODYPARTSTRUCTURE" : "",
                                  r.binary ? " BINARY" : "", r.body ? " BODY" : "", ")"));
      }
      return;
    case CommandName::kSearch:
    case CommandName::kSort: {
      const SearchReturn& r = c.search_return;
      if (r.requested) {
        std::string opts;
        for (auto [on, name] : {std::pair<bool, absl::string_view>{r.min, "MIN"},
                                {r.max, "MAX"},
                                {r.all, "ALL"},
                                {r.count, "COUNT"},
                                {r.save, "SAVE"}}) {
          if (!on) continue;
          if (!opts.empty()) opts.push_back(' ');
          opts.append(name.data(), name.size());
        }
        field("return", absl::StrCat("(", opts, ")"));
      }
      if (c.name == CommandName::kSort) {
        std::string criteria = "(";
        for (const SortCriterion& s : c.sort) {
          if (criteria.size() > 1) criteria.push_back(' ');
          if (s.reverse) criteria += "REVERSE ";
          static constexpr absl::string_view kNames[] = {"ARRIVAL", "CC", "DATE", "FROM",
                                                          "SIZE", "SUBJECT", "TO"};
          const absl::string_view name = kNames[static_cast<int>(s.key)];
          criteria.append(name.data(), name.size());
        }
        criteria.push_back(')');
        field("criteria", criteria);
      }
      if (c.charset.data() != nullptr) field("charset", QuoteForLog(c.charset));
      field("keys", DescribeSearchKey(c.search));
      return;
    }
    case CommandName::kFetch: {
      field("set", c.sequence_set.ToString());
      std::string items = "(";
      for (size_t i = 0; i < c.fetch.size(); ++i) {
        if (i) items.push_back(' ');
        items += DescribeFetchAttribute(c.fetch[i]);
      }
      items.push_back(')');
      field("items", items);
      if (c.changed_since) field("changedsince", absl::StrCat(*c.changed_since));
      if (c.vanished) out->append(" vanished");
      return;
    }
    case CommandName::kStore: {
      field("set", c.sequence_set.ToString());
      if (c.store.unchanged_since) {
        field("unchangedsince", absl::StrCat(*c.store.unchanged_since));
      }
      const char* mode = c.store.mode == StoreArgs::Mode::kAdd      ? "+"
                         : c.store.mode == StoreArgs::Mode::kRemove ? "-"
                                                                    : "";
      field("op", absl::StrCat(mode, c.store.silent ? "FLAGS.SILENT" : "FLAGS"));
      field("flags", RawList(c.flags));
      return;
    }
    case CommandName::kCopy:
    case CommandName::kMove:
      field("set", c.sequence_set.ToString());
      field("mailbox", QuoteForLog(c.mailbox));
      return;
  }
}

// The scripted server session of the header comment.
class CommandRecorder {
 public:
  CommandRecorder(const ImapLimits& limits, const ImapSessionScript& script)
      : parser_(limits), script_(script) {}

  void Feed(absl::string_view input) {
    while (true) {
      ParseResult r = parser_.Parse(input);
      input.remove_prefix(r.consumed);
      if (r.event == ParseEvent::kNeedMore) {
        if (r.consumed == 0 || input.empty()) return;
        continue;
      }
      Handle(r.event);
    }
  }

  std::vector<std::string> Finish() { return std::move(log_); }

 private:
  void Handle(ParseEvent event) {
    switch (event) {
      case ParseEvent::kNeedMore:
        return;
      case ParseEvent::kCommand: {
        const ImapCommand& c = parser_.command();
        log_.push_back("command " + DescribeCommand(c));
        if ((c.name == CommandName::kAuthenticate && !c.initial_response) ||
            c.name == CommandName::kIdle) {
          parser_.ExpectLine();
        }
        return;
      }
      case ParseEvent::kContinuation: {
        const uint64_t n = parser_.announced_literal_bytes();
        if (n > script_.refuse_literals_over_bytes) {
          log_.push_back(absl::StrCat("refused ", n));
          parser_.AbandonCommand();
        } else {
          log_.push_back(absl::StrCat("continuation ", n));
        }
        return;
      }
      case ParseEvent::kLine:
        log_.push_back("line " + QuoteForLog(parser_.line()));
        return;
      case ParseEvent::kError: {
        const CommandError& e = parser_.error();
        std::string entry = absl::StrCat("error ", e.tag.empty() ? "*" : Raw(e.tag));
        if (!e.code.empty()) absl::StrAppend(&entry, " [", e.code, "]");
        absl::StrAppend(&entry, " ", Raw(e.text));
        log_.push_back(std::move(entry));
        return;
      }
    }
  }

  ImapCommandParser parser_;
  const ImapSessionScript script_;
  std::vector<std::string> log_;
};

}  // namespace

std::string QuoteForLog(absl::string_view s) {
  std::string out = "\"";
  if (s.size() > kLogStringBytesMax) {
    AppendEscaped(s.substr(0, kLogStringPrefixBytes), /*quotes=*/true, &out);
    absl::StrAppendFormat(&out, "\"...(%d octets, fnv1a %08x)", s.size(), Fnv1a(s));
    return out;
  }
  AppendEscaped(s, /*quotes=*/true, &out);
  out.push_back('"');
  return out;
}

std::string DescribeCommand(const ImapCommand& command) {
  std::string out = absl::StrCat(Raw(command.tag), command.uid ? " UID " : " ",
                                 CommandNameToString(command.name));
  DescribeArguments(command, &out);
  return out;
}

std::string DescribeValue(const ImapValue& v) {
  switch (v.type) {
    case ImapValue::Type::kAtom:
      return Raw(v.text);
    case ImapValue::Type::kNumber:
      return absl::StrCat(v.number);
    case ImapValue::Type::kNil:
      return "NIL";
    case ImapValue::Type::kString:
      return v.literal ? absl::StrCat("{", v.text.size(), "}", QuoteForLog(v.text))
                       : QuoteForLog(v.text);
    case ImapValue::Type::kList: {
      std::string out = "(";
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i) out.push_back(' ');
        out += DescribeValue(v.list[i]);
      }
      out.push_back(')');
      return out;
    }
  }
  return "?";
}

std::string DescribeResponse(const ImapResponse& r) {
  if (r.kind == ImapResponse::Kind::kContinuation) return "+ " + QuoteForLog(r.text);
  std::string out = r.kind == ImapResponse::Kind::kTagged ? Raw(r.tag) : "*";
  if (!r.status.empty()) {
    absl::StrAppend(&out, " ", r.status);
    if (!r.code.empty()) {
      absl::StrAppend(&out, " [", Raw(r.code));
      if (r.code_args.data() != nullptr) absl::StrAppend(&out, " ", Raw(r.code_args));
      out.push_back(']');
    }
    absl::StrAppend(&out, " ", QuoteForLog(r.text));
    return out;
  }
  if (r.number) absl::StrAppend(&out, " ", *r.number);
  absl::StrAppend(&out, " ", Raw(r.name));
  for (const ImapValue& v : r.values) absl::StrAppend(&out, " ", DescribeValue(v));
  return out;
}

std::vector<absl::string_view> SplitAt(absl::string_view input, const std::vector<size_t>& cuts) {
  std::vector<absl::string_view> pieces;
  size_t begin = 0;
  for (size_t cut : cuts) {
    if (cut < begin || cut > input.size()) continue;
    pieces.push_back(input.substr(begin, cut - begin));
    begin = cut;
  }
  pieces.push_back(input.substr(begin));
  return pieces;
}

std::vector<std::string> RecordImapCommandEvents(const std::vector<absl::string_view>& pieces,
                                                 const ImapLimits& limits,
                                                 const ImapSessionScript& script) {
  CommandRecorder recorder(limits, script);
  for (absl::string_view piece : pieces) recorder.Feed(piece);
  return recorder.Finish();
}

std::vector<std::string> RecordImapCommandEventsSplit(absl::string_view input,
                                                      const std::vector<size_t>& cuts,
                                                      const ImapLimits& limits,
                                                      const ImapSessionScript& script) {
  return RecordImapCommandEvents(SplitAt(input, cuts), limits, script);
}

std::vector<std::string> RecordImapCommandEventsBytewise(absl::string_view input,
                                                         const ImapLimits& limits,
                                                         const ImapSessionScript& script) {
  CommandRecorder recorder(limits, script);
  for (size_t i = 0; i < input.size(); ++i) recorder.Feed(input.substr(i, 1));
  return recorder.Finish();
}

std::vector<std::string> RecordImapResponseEvents(const std::vector<absl::string_view>& pieces,
                                                  const ImapLimits& limits) {
  ImapResponseParser parser(limits);
  std::vector<std::string> log;
  for (absl::string_view input : pieces) {
    while (true) {
      ResponseParseResult r = parser.Parse(input);
      input.remove_prefix(r.consumed);
      if (r.event == ResponseEvent::kResponse) {
        log.push_back("response " + DescribeResponse(parser.response()));
      } else if (r.event == ResponseEvent::kError) {
        log.push_back("error " + Raw(parser.error()));
      } else if (r.consumed == 0 || input.empty()) {
        break;
      }
    }
  }
  return log;
}

std::vector<std::string> RecordImapResponseEventsSplit(absl::string_view input,
                                                       const std::vector<size_t>& cuts,
                                                       const ImapLimits& limits) {
  return RecordImapResponseEvents(SplitAt(input, cuts), limits);
}

std::vector<std::string> RecordImapResponseEventsBytewise(absl::string_view input,
                                                          const ImapLimits& limits) {
  std::vector<absl::string_view> pieces;
  pieces.reserve(input.size());
  for (size_t i = 0; i < input.size(); ++i) pieces.push_back(input.substr(i, 1));
  return RecordImapResponseEvents(pieces, limits);
}

}  // namespace lemonade::imap
