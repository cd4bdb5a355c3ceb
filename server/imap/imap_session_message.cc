// Message commands of ImapSession: APPEND (with CATENATE), FETCH, STORE,
// COPY/MOVE, EXPUNGE/UID EXPUNGE and SEARCH (with ESEARCH and SEARCHRES).
#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "protocol/imap/imap_date.h"
#include "server/imap/imap_server.h"
#include "server/imap/imap_session.h"
#include "server/imap/message_access.h"
#include "server/imap/search_evaluator.h"
#include "server/imap/url_resolver.h"

namespace lemonade::imap_server {

using imap::CommandName;
using imap::FetchAttribute;
using imap::FetchItem;
using imap::ImapCommand;

namespace {

absl::string_view CodeFor(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kResourceExhausted: return "LIMIT";
    case absl::StatusCode::kInvalidArgument: return "CANNOT";
    case absl::StatusCode::kNotFound: return "NONEXISTENT";
    default: return "SERVERBUG";
  }
}

// The URL of a BADURL response code: url-resp-text is any TEXT-CHAR but
// "]" (RFC 4469 §5), so the few octets that would end the code or the
// line are percent-encoded instead of breaking the response.
void AppendUrlRespText(absl::string_view url, std::string* out) {
  for (unsigned char ch : url) {
    if (ch == ']' || ch == '\r' || ch == '\n' || ch == 0 || ch == 0xff) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out->push_back('%');
      out->push_back(kHex[ch >> 4]);
      out->push_back(kHex[ch & 0xf]);
    } else {
      out->push_back(static_cast<char>(ch));
    }
  }
}

// "1.2.HEADER.FIELDS (From To)" etc., the response item name. Rebuilt
// from the parsed section rather than echoed, so that a quoted field name
// (escapes and all) comes back as valid syntax (RFC 3501 §7.4.2 names the
// section in the form the client used; only the spelling of strings may
// differ).
std::string SectionName(const FetchAttribute& a) {
  using Text = imap::SectionSpec::Text;
  const imap::SectionSpec& spec = a.section;
  std::string out = absl::StrJoin(spec.part, ".");
  const char* text = nullptr;
  switch (spec.text) {
    case Text::kAll: break;
    case Text::kHeader: text = "HEADER"; break;
    case Text::kHeaderFields: text = "HEADER.FIELDS"; break;
    case Text::kHeaderFieldsNot: text = "HEADER.FIELDS.NOT"; break;
    case Text::kText: text = "TEXT"; break;
    case Text::kMime: text = "MIME"; break;
  }
  if (text == nullptr) return out;
  if (!out.empty()) out += '.';
  out += text;
  if (spec.text == Text::kHeaderFields || spec.text == Text::kHeaderFieldsNot) {
    imap::ImapWriter w(&out);
    w.Raw(" (");
    for (size_t i = 0; i < spec.fields.size(); ++i) {
      if (i > 0) w.Space();
      w.AString(spec.fields[i]);
    }
    w.CloseList();
  }
  return out;
}

}  // namespace

bool ImapSession::ParseFlags(absl::string_view tag, const std::vector<absl::string_view>& names,
                             uint8_t* system, std::vector<std::string>* keywords,
                             bool allow_recent) {
  *system = 0;
  keywords->clear();
  for (absl::string_view name : names) {
    if (absl::StartsWith(name, "\\")) {
      if (uint8_t bit = store::SystemFlagFromName(name)) {
        *system |= bit;
      } else if (absl::EqualsIgnoreCase(name, "\\Recent")) {
        if (!allow_recent) {
          TaggedBad(tag, "", "\\Recent cannot be stored");
          return false;
        }
      } else {
        TaggedBad(tag, "", absl::StrCat("Unknown system flag ", name));
        return false;
      }
    } else if (store::IsValidKeyword(name)) {
      keywords->emplace_back(name);
    } else {
      TaggedBad(tag, "", absl::StrCat("Invalid keyword ", name));
      return false;
    }
  }
  return true;
}

bool ImapSession::ResolveSet(const ImapCommand& c, std::vector<size_t>* indexes) {
  if (c.sequence_set.is_saved_result()) {
    // "$" (RFC 5182): the saved UIDs, whichever kind of command.
    indexes->clear();
    for (uint32_t uid : saved_search_) {
      int64_t i = view_->IndexOfUid(uid);
      if (i >= 0) indexes->push_back(i);
    }
    return true;
  }
  if (c.uid) {
    view_->ResolveUidSet(c.sequence_set, indexes);
    return true;
  }
  if (!view_->ResolveSequenceSet(c.sequence_set, indexes)) {
    TaggedBad(c.tag, "", "Invalid message sequence number");
    return false;
  }
  return true;
}

// ---- APPEND ----

void ImapSession::CmdAppend(const ImapCommand& c) {
  store::Mailbox* mailbox = store_->FindMailbox(*user_, c.mailbox);
  if (mailbox == nullptr) {
    // RFC 3501 §6.3.11: TRYCREATE tells the client CREATE may help.
    TaggedNo(c.tag, "TRYCREATE", "No such mailbox");
    return;
  }
  const uint64_t size_max = server_->config().limits.literal_bytes_max;
  // Every message is checked and assembled before any is stored: a
  // MULTIAPPEND (RFC 3502) appends all of them or none.
  std::vector<std::string> assembled(c.append.size());
  std::vector<store::MailStore::NewMessage> messages(c.append.size());
  bool any_catenate = false;
  for (size_t i = 0; i < c.append.size(); ++i) {
    const imap::AppendMessage& m = c.append[i];
    store::MailStore::NewMessage& out = messages[i];
    if (!ParseFlags(c.tag, m.flags, &out.system_flags, &out.keywords, /*allow_recent=*/true)) {
      return;
    }
    out.bytes = m.data;
    if (m.catenate) {
      any_catenate = true;
      // RFC 4469 §3: parts are concatenated in order; URLs are relative to
      // imap://user@server/[selected mailbox].
      std::string& whole = assembled[i];
      for (const imap::CatenatePart& part : m.parts) {
        if (!part.is_url) {
          if (whole.size() + part.data.size() > size_max) {
            TaggedNo(c.tag, "TOOBIG", "Catenated message too large");
            return;
          }
          whole.append(part.data.data(), part.data.size());
          continue;
        }
        UrlResolver resolver(server_, store_, user_, &server_->message_cache());
        std::string content;
        std::string error;
        if (!resolver.FetchForCatenate(part.data, view_ ? view_->mailbox() : nullptr, &content,
                                       &error)) {
          std::string code = "BADURL ";
          AppendUrlRespText(part.data, &code);
          TaggedNo(c.tag, code, absl::StrCat("Cannot catenate URL: ", error));
          return;
        }
        if (whole.size() + content.size() > size_max) {
          TaggedNo(c.tag, "TOOBIG", "Catenated message too large");
          return;
        }
        whole += content;
      }
      out.bytes = whole;
    }
    if (out.bytes.empty()) {
      TaggedNo(c.tag, "CANNOT", "Empty messages cannot be appended");
      return;
    }
    if (m.internal_date) {
      out.internal_date = m.internal_date->unix_seconds;
      out.zone_offset_minutes = static_cast<int16_t>(m.internal_date->zone_offset_minutes);
    } else {
      out.internal_date = env_.Now().unix_seconds();
    }
  }
  auto uids = store_->AppendMany(*mailbox, messages);
  if (!uids.ok()) {
    TaggedNo(c.tag, CodeFor(uids.status()), uids.status().message());
    return;
  }
  // RFC 4315 §3: APPENDUID carries a UID set for a MULTIAPPEND.
  FinishAfterCommit(std::string(c.tag),
                    absl::StrCat("OK [APPENDUID ", mailbox->uidvalidity(), " ",
                                 imap::FormatNumberSet(*uids), "] ",
                                 any_catenate ? "CATENATE completed" : "APPEND completed"));
}

// ---- FETCH ----

void ImapSession::CmdFetch(const ImapCommand& c) {
  if (c.vanished && !qresync_enabled_) {
    // RFC 7162 §3.2.6; refused before anything (CONDSTORE included) is
    // enabled by the command.
    TaggedBad(c.tag, "", "VANISHED requires ENABLE QRESYNC");
    return;
  }
  std::vector<size_t> indexes;
  if (!ResolveSet(c, &indexes)) return;
  auto fetch = std::make_unique<PendingFetch>();
  fetch->tag = std::string(c.tag);
  fetch->uid = c.uid;
  if (c.changed_since) EnableCondstore();  // RFC 7162 §3.1: enabling command
  fetch->attributes = c.fetch;
  bool has_uid = false;
  bool sets_seen = false;
  for (const FetchAttribute& a : c.fetch) {
    if (a.item == FetchItem::kModSeq) EnableCondstore();
    has_uid |= a.item == FetchItem::kUid;
    if (!view_->read_only() && !a.peek &&
        (a.item == FetchItem::kBodySection || a.item == FetchItem::kBinary ||
         a.item == FetchItem::kRfc822 || a.item == FetchItem::kRfc822Text)) {
      sets_seen = true;
    }
  }
  if (c.uid && !has_uid) {
    // RFC 3501 §6.4.8: UID FETCH always returns UID.
    FetchAttribute uid_item;
    uid_item.item = FetchItem::kUid;
    fetch->attributes.insert(fetch->attributes.begin(), uid_item);
  }
  // RFC 7162 §3.1.4.1: with CONDSTORE on, FETCH responses carry MODSEQ
  // when CHANGEDSINCE is used.
  fetch->include_modseq = c.changed_since.has_value();
  if (c.vanished) {
    // RFC 7162 §3.2.6: expunged UIDs of the set since CHANGEDSINCE.
    std::vector<uint32_t> vanished;
    uint32_t largest = view_->size() ? view_->uid(view_->size() - 1) : 0;
    for (uint32_t uid : view_->mailbox()->UidsExpungedSince(*c.changed_since)) {
      if (c.sequence_set.Contains(uid, std::max(largest, uid))) vanished.push_back(uid);
    }
    if (!vanished.empty()) {
      Untagged(absl::StrCat("VANISHED (EARLIER) ", imap::FormatNumberSet(vanished)));
    }
  }
  for (size_t index : indexes) {
    const store::Message* m = view_->message(index);
    if (m == nullptr) continue;  // expunged meanwhile (RFC 2180 §4.1.1)
    if (c.changed_since && m->modseq <= *c.changed_since) continue;
    fetch->indexes.push_back(index);
  }
  if (sets_seen) {
    // RFC 3501 §6.4.5: BODY[...] (not PEEK) sets \Seen. One store change
    // for the whole set, before the responses, so they show the new flags
    // and MODSEQ.
    std::vector<uint32_t> unseen;
    for (size_t index : fetch->indexes) {
      const store::Message* m = view_->message(index);
      if (!(m->flags.system & store::kFlagSeen)) unseen.push_back(m->uid);
    }
    if (!unseen.empty()) {
      auto result = store_->StoreFlags(*view_->mailbox(), unseen, store::StoreMode::kAdd,
                                       store::kFlagSeen, {}, std::nullopt);
      if (!result.ok()) {
        TaggedNo(c.tag, CodeFor(result.status()), result.status().message());
        return;
      }
      for (uint32_t uid : result->changed) {
        fetch->seen_set.insert(uid);
        view_->NoteReported(uid, result->modseq);
      }
      fetch->needs_commit = !result->changed.empty();
    }
  }
  pending_fetch_ = std::move(fetch);
  ContinueFetch();
}

void ImapSession::ContinueFetch() {
  PendingFetch& f = *pending_fetch_;
  const size_t high_water = server_->config().output_high_water_bytes;
  store::Mailbox* mailbox = view_ ? view_->mailbox() : nullptr;
  while (mailbox != nullptr && f.next < f.indexes.size()) {
    if (out_.size() >= high_water) Flush();
    if (io_->PendingWriteBytes() >= high_water) {
      // Resume when the stream drains (OnWritable); hold later commands.
      Block();
      return;
    }
    const size_t index = f.indexes[f.next++];
    const store::Message* m = view_->message(index);
    if (m == nullptr) continue;
    std::shared_ptr<const MessageAccess> access;
    auto need_access = [&]() -> const MessageAccess* {
      if (!access) {
        auto got = server_->message_cache().Get(store_, *m);
        if (got.ok()) access = *got;
      }
      return access.get();
    };
    std::string line = absl::StrCat("* ", index + 1, " FETCH (");
    imap::ImapWriter w(&line);
    bool first = true;
    bool flags_sent = false;
    bool modseq_sent = false;
    bool uid_sent = false;
    const bool set_seen = f.seen_set.count(m->uid) > 0;
    auto item = [&](absl::string_view name) {
      if (!first) w.Space();
      first = false;
      w.Raw(name);
    };
    for (const FetchAttribute& a : f.attributes) {
      switch (a.item) {
        case FetchItem::kUid:
          item("UID ");
          w.Number(m->uid);
          uid_sent = true;
          break;
        case FetchItem::kFlags: {
          item("FLAGS (");
          store::AppendFlagNames(m->flags, mailbox->keywords(), view_->recent(m->uid), &line);
          w.CloseList();
          flags_sent = true;
          view_->NoteReported(m->uid, m->modseq);  // no need to repeat them
          break;
        }
        case FetchItem::kInternalDate:
          item("INTERNALDATE ");
          w.Quoted(imap::FormatImapDateTime({m->internal_date, m->zone_offset_minutes}));
          break;
        case FetchItem::kRfc822Size:
          item("RFC822.SIZE ");
          w.Number(m->size);
          break;
        case FetchItem::kModSeq:
          item("MODSEQ (");
          w.Number(m->modseq).CloseList();
          modseq_sent = true;
          break;
        case FetchItem::kEnvelope:
          if (const MessageAccess* ma = need_access()) {
            item("ENVELOPE ");
            ma->AppendEnvelope(&w);
          }
          break;
        case FetchItem::kBody:
        case FetchItem::kBodyStructure:
          if (const MessageAccess* ma = need_access()) {
            item(a.item == FetchItem::kBody ? "BODY " : "BODYSTRUCTURE ");
            ma->AppendBodyStructure(&w, a.item == FetchItem::kBodyStructure);
          }
          break;
        case FetchItem::kRfc822:
        case FetchItem::kRfc822Header:
        case FetchItem::kRfc822Text:
        case FetchItem::kBodySection: {
          const MessageAccess* ma = need_access();
          if (!ma) break;
          imap::SectionSpec section = a.section;
          absl::string_view name;
          if (a.item == FetchItem::kRfc822) {
            section = imap::SectionSpec();
            name = "RFC822 ";
          } else if (a.item == FetchItem::kRfc822Header) {
            section = imap::SectionSpec();
            section.text = imap::SectionSpec::Text::kHeader;
            name = "RFC822.HEADER ";
          } else if (a.item == FetchItem::kRfc822Text) {
            section = imap::SectionSpec();
            section.text = imap::SectionSpec::Text::kText;
            name = "RFC822.TEXT ";
          }
          std::string content = ma->Section(section);
          if (!name.empty()) {
            item(name);
          } else {
            item(absl::StrCat("BODY[", SectionName(a), "]"));
            if (a.partial) {
              absl::StrAppend(&line, "<", a.partial->first, ">");
              content = a.partial->first >= content.size()
                            ? std::string()
                            : content.substr(a.partial->first, a.partial->second);
            }
            w.Space();
          }
          // RFC 3501 §4.3: a literal cannot carry NUL, and literal8 is only
          // for BINARY (RFC 3516 §4.2), which clients may not support. A
          // binary message (APPENDed as literal8, or submitted with
          // BINARYMIME) is therefore sent with each NUL as 0x80, as Dovecot
          // does: every size stays what BODYSTRUCTURE and RFC822.SIZE say,
          // and BINARY[] still returns the exact octets.
          std::replace(content.begin(), content.end(), '\0', '\x80');
          w.Literal(content);
          break;
        }
        case FetchItem::kBinary:
        case FetchItem::kBinarySize: {
          const MessageAccess* ma = need_access();
          if (!ma) break;
          std::string content;
          MessageAccess::BinaryResult r = ma->Binary(a.section.part, &content);
          if (r == MessageAccess::BinaryResult::kUnknownCte) {
            f.error_code = "UNKNOWN-CTE";  // RFC 3516 §4.3
            break;
          }
          if (a.item == FetchItem::kBinarySize) {
            item(absl::StrCat("BINARY.SIZE[", SectionName(a), "] "));
            w.Number(r == MessageAccess::BinaryResult::kOk ? content.size() : 0);
            break;
          }
          item(absl::StrCat("BINARY[", SectionName(a), "]"));
          if (a.partial) {
            absl::StrAppend(&line, "<", a.partial->first, ">");
            content = a.partial->first >= content.size()
                          ? std::string()
                          : content.substr(a.partial->first, a.partial->second);
          }
          w.Space();
          if (r == MessageAccess::BinaryResult::kNoSuchPart) {
            w.Nil();
          } else {
            w.Literal8IfNeeded(content);
          }
          break;
        }
      }
    }
    if (set_seen && !flags_sent) {
      // RFC 3501 §6.4.5: a change of flags caused by FETCH is reported.
      item("FLAGS (");
      store::AppendFlagNames(m->flags, mailbox->keywords(), view_->recent(m->uid), &line);
      w.CloseList();
    }
    if (condstore_enabled_ && set_seen && !uid_sent) {
      // RFC 7162 §3.2.4: a \Seen set by FETCH is reported with UID and MODSEQ.
      item("UID ");
      w.Number(m->uid);
    }
    if ((f.include_modseq || (condstore_enabled_ && set_seen)) && !modseq_sent) {
      item("MODSEQ (");
      w.Number(m->modseq).CloseList();
    }
    line += ")\r\n";
    out_ += line;
  }
  std::unique_ptr<PendingFetch> done = std::move(pending_fetch_);
  const bool resumed = blocked_;  // paused earlier; now called from OnWritable
  std::string tagged = done->error_code.empty()
                           ? "OK FETCH completed"
                           : absl::StrCat("NO [", done->error_code, "] Unknown transfer encoding");
  if (done->needs_commit) {
    // The \Seen changes are acknowledged only once durable.
    FinishAfterCommit(done->tag, tagged, /*allow_expunge=*/done->uid);
    return;
  }
  FlushMailboxUpdates(/*allow_expunge=*/done->uid);
  absl::StrAppend(&out_, done->tag, " ", tagged, "\r\n");
  if (resumed) {
    Flush();
    Unblock();
  }
}

// ---- STORE ----

void ImapSession::CmdStore(const ImapCommand& c) {
  std::vector<size_t> indexes;
  if (!ResolveSet(c, &indexes)) return;
  if (view_->read_only()) {
    TaggedNo(c.tag, "READ-ONLY", "Mailbox is read-only");
    return;
  }
  uint8_t system = 0;
  std::vector<std::string> keywords;
  if (!ParseFlags(c.tag, c.flags, &system, &keywords, /*allow_recent=*/false)) return;
  if (c.store.unchanged_since) EnableCondstore();
  store::Mailbox* mailbox = view_->mailbox();
  std::vector<uint32_t> uids;
  for (size_t i : indexes) {
    if (view_->message(i) != nullptr) uids.push_back(view_->uid(i));
  }
  store::StoreMode mode = c.store.mode == imap::StoreArgs::Mode::kAdd      ? store::StoreMode::kAdd
                          : c.store.mode == imap::StoreArgs::Mode::kRemove ? store::StoreMode::kRemove
                                                                           : store::StoreMode::kReplace;
  // RFC 7162 §3.1.12: judge UNCHANGEDSINCE by what this client has seen.
  const MailboxView* view = view_.get();
  auto result = store_->StoreFlags(
      *mailbox, uids, mode, system, keywords, c.store.unchanged_since,
      [view](uint32_t uid) { return view->UnreportedChangeOf(uid); });
  if (!result.ok()) {
    TaggedNo(c.tag, CodeFor(result.status()), result.status().message());
    return;
  }
  // The client knows what it just changed; .SILENT means it is not told
  // (RFC 3501 §6.4.6), not even by the update report at the end.
  for (uint32_t uid : result->changed) view_->NoteReported(uid, result->modseq);
  std::vector<uint32_t> failed = result->failed;
  std::sort(failed.begin(), failed.end());
  std::vector<uint32_t> tell_flags = result->passed_with_other_changes;
  std::sort(tell_flags.begin(), tell_flags.end());
  std::string flags;
  for (size_t i : indexes) {
    const store::Message* m = view_->message(i);
    if (m == nullptr) continue;
    if (std::binary_search(failed.begin(), failed.end(), m->uid)) continue;
    // RFC 7162 §3.1.3: with UNCHANGEDSINCE a FETCH with MODSEQ is sent
    // even for .SILENT; once CONDSTORE is on, so the client learns the
    // MODSEQ of its own change (§3.1.4.2 example 14).
    if (c.store.silent && !c.store.unchanged_since && !condstore_enabled_) continue;
    // RFC 7162 §3.1.12: a message that passed although another client
    // changed other flags gets its new FLAGS even under .SILENT.
    const bool with_flags =
        !c.store.silent || std::binary_search(tell_flags.begin(), tell_flags.end(), m->uid);
    std::string line = absl::StrCat(i + 1, " FETCH (");
    std::vector<std::string> parts;
    // RFC 7162 §3.2.4: once CONDSTORE is on, STORE's FETCH responses carry
    // UID and MODSEQ.
    if (c.uid || condstore_enabled_) parts.push_back(absl::StrCat("UID ", m->uid));
    if (with_flags) {
      flags.clear();
      store::AppendFlagNames(m->flags, mailbox->keywords(), view_->recent(m->uid), &flags);
      parts.push_back(absl::StrCat("FLAGS (", flags, ")"));
    }
    if (condstore_enabled_) parts.push_back(absl::StrCat("MODSEQ (", m->modseq, ")"));
    line += absl::StrJoin(parts, " ");
    line += ")";
    Untagged(line);
    view_->NoteReported(m->uid, m->modseq);
  }
  std::string tagged = "OK STORE completed";
  if (!failed.empty()) {
    std::vector<uint32_t> numbers;
    for (uint32_t uid : failed) {
      numbers.push_back(c.uid ? uid : static_cast<uint32_t>(view_->IndexOfUid(uid) + 1));
    }
    std::sort(numbers.begin(), numbers.end());
    tagged = absl::StrCat("OK [MODIFIED ", imap::FormatNumberSet(numbers),
                          "] Conditional STORE failed");
  }
  FinishAfterCommit(std::string(c.tag), tagged, /*allow_expunge=*/c.uid);
}

// ---- COPY / MOVE ----

void ImapSession::CmdCopy(const ImapCommand& c, bool move) {
  std::vector<size_t> indexes;
  if (!ResolveSet(c, &indexes)) return;
  store::Mailbox* destination = store_->FindMailbox(*user_, c.mailbox);
  if (destination == nullptr) {
    TaggedNo(c.tag, "TRYCREATE", "No such mailbox");
    return;
  }
  if (move && view_->read_only()) {
    TaggedNo(c.tag, "READ-ONLY", "Mailbox is read-only");
    return;
  }
  std::vector<uint32_t> uids;
  for (size_t i : indexes) {
    if (view_->message(i) != nullptr) uids.push_back(view_->uid(i));
  }
  store::Mailbox* source = view_->mailbox();
  auto copied = store_->Copy(*source, uids, *destination);
  if (!copied.ok()) {
    TaggedNo(c.tag, CodeFor(copied.status()), copied.status().message());
    return;
  }
  std::string code;
  if (!copied->source_uids.empty()) {
    // RFC 4315 §3: the UID sets pair up in order.
    // Both lists ascend (the store copies in UID order), so their compact
    // forms still pair up.
    code = absl::StrCat("COPYUID ", destination->uidvalidity(), " ",
                        imap::FormatNumberSet(copied->source_uids), " ",
                        imap::FormatNumberSet(copied->destination_uids));
  }
  if (!move) {
    FinishAfterCommit(std::string(c.tag),
                      code.empty() ? "OK COPY completed" : absl::StrCat("OK [", code, "] COPY completed"),
                      /*allow_expunge=*/c.uid);
    return;
  }
  // RFC 6851 §4.3: COPYUID goes in an untagged OK before the expunges.
  if (!code.empty()) Untagged(absl::StrCat("OK [", code, "] Moved"));
  // A move within the mailbox is allowed too (RFC 6851 §3.3): the copies
  // get new UIDs and the originals still go.
  auto expunged = store_->Expunge(*source, copied->source_uids);
  if (!expunged.ok()) {
    TaggedNo(c.tag, CodeFor(expunged.status()), expunged.status().message());
    return;
  }
  // RFC 6851 §4.4: with QRESYNC the new HIGHESTMODSEQ comes with the OK.
  FinishAfterCommit(std::string(c.tag), "OK MOVE completed", /*allow_expunge=*/true,
                    /*report_highest_modseq=*/qresync_enabled_ && !expunged->empty());
}

// ---- EXPUNGE ----

void ImapSession::CmdExpunge(const ImapCommand& c) {
  if (view_->read_only()) {
    TaggedNo(c.tag, "READ-ONLY", "Mailbox is read-only");
    return;
  }
  std::vector<size_t> indexes;
  if (c.uid) {
    if (!ResolveSet(c, &indexes)) return;
  } else {
    for (size_t i = 0; i < view_->size(); ++i) indexes.push_back(i);
  }
  std::vector<uint32_t> uids;
  for (size_t i : indexes) {
    const store::Message* m = view_->message(i);
    if (m != nullptr && (m->flags.system & store::kFlagDeleted)) uids.push_back(m->uid);
  }
  if (!uids.empty()) {
    auto expunged = store_->Expunge(*view_->mailbox(), uids);
    if (!expunged.ok()) {
      TaggedNo(c.tag, CodeFor(expunged.status()), expunged.status().message());
      return;
    }
  }
  // RFC 7162 §3.2.7, §3.2.9: with QRESYNC, an EXPUNGE that removed
  // something reports the new HIGHESTMODSEQ in its tagged OK.
  FinishAfterCommit(std::string(c.tag), "OK EXPUNGE completed", /*allow_expunge=*/true,
                    /*report_highest_modseq=*/qresync_enabled_ && !uids.empty());
}

// ---- SEARCH ----

bool ImapSession::RunSearch(const ImapCommand& c, SearchOutcome* outcome) {
  if (!c.charset.empty() && !absl::EqualsIgnoreCase(c.charset, "UTF-8") &&
      !absl::EqualsIgnoreCase(c.charset, "US-ASCII")) {
    // RFC 5182 §2.1: a SEARCH with SAVE that fails empties the result.
    if (c.search_return.save) saved_search_.clear();
    TaggedNo(c.tag, "BADCHARSET (US-ASCII UTF-8)", "Unsupported charset");
    return false;
  }
  SearchEvaluator evaluator(view_.get(), store_, &server_->message_cache(), saved_search_);
  for (size_t i = 0; i < view_->size(); ++i) {
    const store::Message* m = view_->message(i);
    if (m == nullptr) continue;
    if (evaluator.Matches(c.search, i, *m)) {
      outcome->matches.push_back(i);
      outcome->highest_modseq = std::max(outcome->highest_modseq, m->modseq);
    }
  }
  outcome->used_modseq = evaluator.used_modseq();
  if (outcome->used_modseq) EnableCondstore();
  return true;
}

void ImapSession::CmdSearch(const ImapCommand& c) {
  SearchOutcome outcome;
  if (!RunSearch(c, &outcome)) return;
  FinishSearch(c, "SEARCH", outcome.matches, outcome);
}

void ImapSession::FinishSearch(const ImapCommand& c, absl::string_view name,
                               const std::vector<size_t>& ordered, const SearchOutcome& outcome) {
  const imap::SearchReturn& ret = c.search_return;
  uint64_t highest_modseq = outcome.highest_modseq;
  std::vector<uint32_t> numbers;
  numbers.reserve(ordered.size());
  for (size_t i : ordered) {
    numbers.push_back(c.uid ? view_->uid(i) : static_cast<uint32_t>(i + 1));
  }
  // MIN and/or MAX without ALL or COUNT return (and save, and take the
  // MODSEQ of) just those messages (RFC 5182 §2.4, RFC 4731 §3.2); for
  // SORT they are the first and last in sort order (RFC 5267 §3.1).
  const bool only_min_max = (ret.min || ret.max) && !ret.all && !ret.count;
  std::vector<size_t> returned = ordered;
  if (only_min_max && !ordered.empty()) {
    returned.clear();
    if (ret.min) returned.push_back(ordered.front());
    if (ret.max && (!ret.min || ordered.size() > 1)) returned.push_back(ordered.back());
    highest_modseq = 0;
    for (size_t i : returned) highest_modseq = std::max(highest_modseq, view_->message(i)->modseq);
  }
  if (ret.save) {
    saved_search_.clear();
    for (size_t i : returned) saved_search_.push_back(view_->uid(i));
    std::sort(saved_search_.begin(), saved_search_.end());
  }
  if (!ret.requested) {
    std::string line(name);
    for (uint32_t n : numbers) absl::StrAppend(&line, " ", n);
    // RFC 7162 §3.1.5: MODSEQ of the matches when the MODSEQ key was used.
    if (outcome.used_modseq && !numbers.empty()) {
      absl::StrAppend(&line, " (MODSEQ ", highest_modseq, ")");
    }
    Untagged(line);
  } else if (ret.min || ret.max || ret.all || ret.count || !ret.save) {
    // RFC 4731 §3.1 ESEARCH; with only SAVE there is no ESEARCH (RFC 5182 §2.4).
    std::string line = "ESEARCH (TAG ";
    imap::ImapWriter(&line).Quoted(c.tag);
    line += ")";
    if (c.uid) line += " UID";
    if (!numbers.empty()) {
      if (ret.min) absl::StrAppend(&line, " MIN ", numbers.front());
      if (ret.max) absl::StrAppend(&line, " MAX ", numbers.back());
      // In result order: only ascending runs become ranges (RFC 5267 §3.2).
      if (ret.all) absl::StrAppend(&line, " ALL ", imap::FormatNumberSet(numbers));
    }
    if (ret.count) absl::StrAppend(&line, " COUNT ", numbers.size());
    if (outcome.used_modseq && !numbers.empty()) {
      absl::StrAppend(&line, " MODSEQ ", highest_modseq);
    }
    Untagged(line);
  }
  // RFC 7162 §3.2.10.2, RFC 3501 §7.4.1, RFC 5256 §4: no expunge is
  // reported during SEARCH or SORT, nor during a UID SEARCH/SORT that uses
  // sequence numbers.
  FlushMailboxUpdates(/*allow_expunge=*/c.uid && !UsesSequenceNumbers(c.search));
  TaggedOk(c.tag, absl::StrCat(name, " completed"));
}

}  // namespace lemonade::imap_server
