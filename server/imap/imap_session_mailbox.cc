// Mailbox commands of ImapSession: SELECT/EXAMINE (with CONDSTORE and
// QRESYNC), CREATE, DELETE, RENAME, SUBSCRIBE, LIST/LSUB (with
// LIST-EXTENDED, LIST-STATUS and SPECIAL-USE), STATUS, NAMESPACE, IDLE,
// CHECK, CLOSE/UNSELECT, and the reporting of mailbox updates.
#include <algorithm>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "protocol/imap/mutf7.h"
#include "server/imap/imap_server.h"
#include "server/imap/imap_session.h"

namespace lemonade::imap_server {

using imap::CommandName;
using imap::ImapCommand;

namespace {

// The response code for a store failure (RFC 5530).
absl::string_view CodeFor(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kAlreadyExists: return "ALREADYEXISTS";
    case absl::StatusCode::kNotFound: return "NONEXISTENT";
    case absl::StatusCode::kResourceExhausted: return "LIMIT";
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition: return "CANNOT";
    default: return "SERVERBUG";
  }
}

// Mailbox pattern matching (RFC 3501 §6.3.8): "*" matches anything, "%"
// anything but the hierarchy separator. Dynamic programming over the
// pattern, so adversarial patterns ("%*%*%*...") stay O(n·m).
bool MatchesPattern(absl::string_view name, absl::string_view pattern) {
  std::vector<char> previous(name.size() + 1, 0), current(name.size() + 1, 0);
  previous[0] = 1;
  for (size_t j = 1; j <= name.size(); ++j) previous[j] = 0;
  for (char p : pattern) {
    std::fill(current.begin(), current.end(), 0);
    if (p == '*') {
      char any = 0;
      for (size_t j = 0; j <= name.size(); ++j) {
        any |= previous[j];
        current[j] = any;
      }
    } else if (p == '%') {
      char any = 0;
      for (size_t j = 0; j <= name.size(); ++j) {
        if (j > 0 && name[j - 1] == store::kHierarchySeparator) any = 0;
        any |= previous[j];
        current[j] = any;
      }
    } else {
      for (size_t j = 1; j <= name.size(); ++j) {
        current[j] = previous[j - 1] && name[j - 1] == p;
      }
    }
    std::swap(previous, current);
  }
  return previous[name.size()] != 0;
}

constexpr size_t kPatternBytesMax = 1024;

// A sequence or UID set of seq-match-data as an ascending list ("*" being
// `largest`); empty if it is longer than any mailbox we hold could use.
std::vector<uint32_t> ExpandSet(const imap::SequenceSet& set, uint32_t largest) {
  constexpr size_t kNumbersMax = 1 << 20;
  std::vector<uint32_t> out;
  for (const auto& [first, last] : set.Resolve(largest)) {
    if (out.size() + (last - first) >= kNumbersMax) return {};
    for (uint32_t n = first; n <= last && n != 0; ++n) out.push_back(n);
  }
  return out;
}

// The STATUS data items we answer (RFC 3501 §6.3.10, RFC 7162 §3.1.7,
// RFC 8438 SIZE).
bool IsStatusItem(absl::string_view item) {
  static constexpr absl::string_view kItems[] = {
      "MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ", "SIZE"};
  for (absl::string_view known : kItems) {
    if (absl::EqualsIgnoreCase(item, known)) return true;
  }
  return false;
}

}  // namespace

bool ImapSession::ValidMailboxName(absl::string_view name) const {
  if (name.empty() || name.size() > 1024) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '*' || c == '%') return false;
  }
  return imap::IsValidModifiedUtf7(name);
}

// ---- Selection ----

void ImapSession::SelectMailbox(store::Mailbox* mailbox, bool read_only) {
  view_ = std::make_unique<MailboxView>(mailbox, read_only, /*claim_recent=*/true);
  mailbox->AddObserver(this);
  state_ = State::kSelected;
}

void ImapSession::Deselect(bool announce_closed) {
  if (!view_) return;
  view_->mailbox()->RemoveObserver(this);
  view_.reset();
  state_ = State::kAuthenticated;
  saved_search_.clear();
  // RFC 7162 §3.2.11: tells a QRESYNC client where the old mailbox's
  // responses end.
  if (announce_closed) Untagged("OK [CLOSED] Previous mailbox closed");
}

void ImapSession::CmdSelect(const ImapCommand& c) {
  const bool examine = c.name == CommandName::kExamine;
  if (c.qresync && !qresync_enabled_) {
    // RFC 7162 §3.2.5: QRESYNC needs ENABLE QRESYNC first.
    TaggedBad(c.tag, "", "QRESYNC parameter requires ENABLE QRESYNC");
    return;
  }
  // RFC 7162 §3.2.11: a server advertising CONDSTORE or QRESYNC sends
  // CLOSED whenever SELECT/EXAMINE closes a mailbox, enabled or not.
  Deselect(/*announce_closed=*/true);
  store::Mailbox* mailbox = store_->FindMailbox(*user_, c.mailbox);
  if (mailbox == nullptr) {
    TaggedNo(c.tag, "NONEXISTENT", "No such mailbox");
    return;
  }
  // RFC 7162 §3.1.8: the CONDSTORE parameter is a CONDSTORE-enabling command.
  if (c.condstore) condstore_enabled_ = true;
  SelectMailbox(mailbox, examine);

  std::string flags;
  store::AppendFlagNames(store::FlagSet{store::kSystemFlagsAll, ~uint64_t{0}},
                         mailbox->keywords(), false, &flags);
  Untagged(absl::StrCat("FLAGS (", flags, ")"));
  if (examine) {
    Untagged("OK [PERMANENTFLAGS ()] Read-only mailbox");
  } else {
    Untagged(absl::StrCat("OK [PERMANENTFLAGS (", flags,
                          mailbox->keywords().full() ? "" : " \\*", ")] Flags permitted"));
  }
  Untagged(absl::StrCat(view_->size(), " EXISTS"));
  Untagged(absl::StrCat(view_->recent_count(), " RECENT"));
  if (uint32_t unseen = mailbox->FirstUnseenSeq()) {
    Untagged(absl::StrCat("OK [UNSEEN ", unseen, "] First unseen"));
  }
  Untagged(absl::StrCat("OK [UIDVALIDITY ", mailbox->uidvalidity(), "] UIDs valid"));
  Untagged(absl::StrCat("OK [UIDNEXT ", mailbox->uidnext(), "] Predicted next UID"));
  Untagged(absl::StrCat("OK [HIGHESTMODSEQ ", mailbox->highest_modseq(), "] Highest"));
  // RFC 4467 §8: URLMECH in an untagged OK on SELECT/EXAMINE.
  Untagged("OK [URLMECH INTERNAL] URLAUTH mechanisms");

  if (c.qresync && c.qresync->uidvalidity == mailbox->uidvalidity()) {
    // RFC 7162 §3.2.5.1: flag changes and expunges since the client's
    // MODSEQ, limited to its known UIDs (default 1:UIDNEXT-1).
    const imap::QresyncParams& q = *c.qresync;
    auto known = [&](uint32_t uid) {
      if (q.known_uids.empty()) return true;
      return q.known_uids.Contains(uid, mailbox->uidnext() - 1);
    };
    // RFC 7162 §3.2.5.2: each (sequence number, UID) pair of the
    // seq-match-data that still holds tells that the client knows every
    // expunge up to that UID; the first pair that fails ends the scan.
    uint32_t known_through_uid = 0;
    const uint32_t size = static_cast<uint32_t>(view_->size());
    std::vector<uint32_t> seqs = ExpandSet(q.known_sequence_set, size);
    std::vector<uint32_t> uids = ExpandSet(q.known_uid_set, mailbox->uidnext() - 1);
    if (seqs.size() == uids.size()) {
      for (size_t i = 0; i < seqs.size(); ++i) {
        if (seqs[i] == 0 || seqs[i] > size || view_->uid(seqs[i] - 1) != uids[i]) break;
        known_through_uid = uids[i];
      }
    }
    std::vector<uint32_t> vanished;
    for (uint32_t uid : mailbox->UidsExpungedSince(q.modseq)) {
      if (known(uid) && uid > known_through_uid) vanished.push_back(uid);
    }
    if (!vanished.empty()) {
      Untagged(absl::StrCat("VANISHED (EARLIER) ", imap::FormatNumberSet(vanished)));
    }
    for (uint32_t uid : mailbox->UidsChangedSince(q.modseq)) {
      if (!known(uid)) continue;
      int64_t index = view_->IndexOfUid(uid);
      if (index < 0) continue;
      const store::Message* m = view_->message(index);
      flags.clear();
      store::AppendFlagNames(m->flags, mailbox->keywords(), view_->recent(uid), &flags);
      Untagged(absl::StrCat(index + 1, " FETCH (UID ", uid, " FLAGS (", flags, ") MODSEQ (",
                            m->modseq, "))"));
    }
  }
  Tagged(c.tag, "OK", examine ? "READ-ONLY" : "READ-WRITE",
         examine ? "EXAMINE completed" : "SELECT completed");
}

void ImapSession::CmdClose(const ImapCommand& c, bool expunge) {
  if (expunge && !view_->read_only()) {
    // RFC 3501 §6.4.2: silently expunge \Deleted messages.
    std::vector<uint32_t> deleted;
    for (const store::Message& m : view_->mailbox()->messages()) {
      if (m.flags.system & store::kFlagDeleted) deleted.push_back(m.uid);
    }
    store::Mailbox* mailbox = view_->mailbox();
    Deselect(/*announce_closed=*/false);
    if (!deleted.empty()) {
      auto expunged = store_->Expunge(*mailbox, deleted);
      if (!expunged.ok()) {
        TaggedNo(c.tag, CodeFor(expunged.status()), expunged.status().message());
        return;
      }
    }
    FinishAfterCommit(std::string(c.tag), "OK CLOSE completed");
    return;
  }
  Deselect(/*announce_closed=*/false);
  TaggedOk(c.tag, expunge ? "CLOSE completed" : "UNSELECT completed");
}

void ImapSession::CmdCheck(const ImapCommand& c) {
  FinishAfterCommit(std::string(c.tag), "OK CHECK completed");
}

// ---- Mailbox management ----

void ImapSession::CmdCreate(const ImapCommand& c) {
  std::string name(c.mailbox);
  // RFC 3501 §6.3.3: a trailing separator only declares intent to create
  // inferiors; the name is created without it.
  if (!name.empty() && name.back() == store::kHierarchySeparator) name.pop_back();
  if (!ValidMailboxName(name)) {
    TaggedNo(c.tag, "CANNOT", "Invalid mailbox name");
    return;
  }
  std::string special_use;
  for (absl::string_view use : c.flags) {
    static constexpr absl::string_view kUses[] = {"\\All",     "\\Archive", "\\Drafts",
                                                  "\\Flagged", "\\Junk",    "\\Sent",
                                                  "\\Trash"};
    bool known = false;
    for (absl::string_view u : kUses) {
      if (absl::EqualsIgnoreCase(use, u)) {
        known = true;
        if (!special_use.empty()) {
          TaggedNo(c.tag, "USEATTR", "One special use per mailbox");
          return;
        }
        special_use = std::string(u);
      }
    }
    if (!known) {
      TaggedNo(c.tag, "USEATTR", "Unsupported special-use attribute");  // RFC 6154 §3
      return;
    }
  }
  auto created = store_->CreateMailbox(*user_, name, special_use);
  if (!created.ok()) {
    TaggedNo(c.tag, CodeFor(created.status()), created.status().message());
    return;
  }
  FinishAfterCommit(std::string(c.tag), "OK CREATE completed");
}

void ImapSession::CmdDelete(const ImapCommand& c) {
  store::Mailbox* mailbox = store_->FindMailbox(*user_, c.mailbox);
  if (mailbox == nullptr) {
    // RFC 3501 §6.3.4: a \Noselect name with inferiors cannot be deleted;
    // it exists (LIST shows it), so it is not NONEXISTENT.
    const std::string prefix = absl::StrCat(store::MailStore::CanonicalName(c.mailbox),
                                            std::string(1, store::kHierarchySeparator));
    auto inferior = user_->mailboxes.lower_bound(prefix);
    if (inferior != user_->mailboxes.end() && absl::StartsWith(inferior->first, prefix)) {
      // RFC 9051 §6.3.4 names the response code.
      TaggedNo(c.tag, "HASCHILDREN", "Name has inferior hierarchical names");
      return;
    }
    TaggedNo(c.tag, "NONEXISTENT", "No such mailbox");
    return;
  }
  if (view_ && view_->mailbox() == mailbox) Deselect(/*announce_closed=*/qresync_enabled_);
  absl::Status s = store_->DeleteMailbox(*user_, c.mailbox);
  if (!s.ok()) {
    TaggedNo(c.tag, CodeFor(s), s.message());
    return;
  }
  FinishAfterCommit(std::string(c.tag), "OK DELETE completed");
}

void ImapSession::CmdRename(const ImapCommand& c) {
  if (!ValidMailboxName(c.new_mailbox)) {
    TaggedNo(c.tag, "CANNOT", "Invalid mailbox name");
    return;
  }
  store::Mailbox* mailbox = store_->FindMailbox(*user_, c.mailbox);
  if (mailbox && view_ && view_->mailbox() == mailbox &&
      store::MailStore::CanonicalName(c.mailbox) != "INBOX") {
    Deselect(/*announce_closed=*/qresync_enabled_);
  }
  absl::Status s = store_->RenameMailbox(*user_, c.mailbox, c.new_mailbox);
  if (!s.ok()) {
    TaggedNo(c.tag, CodeFor(s), s.message());
    return;
  }
  FinishAfterCommit(std::string(c.tag), "OK RENAME completed");
}

void ImapSession::CmdSubscribe(const ImapCommand& c, bool subscribe) {
  if (subscribe && store_->FindMailbox(*user_, c.mailbox) == nullptr) {
    TaggedNo(c.tag, "NONEXISTENT", "No such mailbox");
    return;
  }
  absl::Status s = store_->SetSubscribed(*user_, c.mailbox, subscribe);
  if (!s.ok()) {
    TaggedNo(c.tag, CodeFor(s), s.message());
    return;
  }
  FinishAfterCommit(std::string(c.tag),
                    subscribe ? "OK SUBSCRIBE completed" : "OK UNSUBSCRIBE completed");
}

void ImapSession::CmdNamespace(const ImapCommand& c) {
  // RFC 2342: one personal namespace, no other users' or shared ones.
  Untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
  TaggedOk(c.tag, "NAMESPACE completed");
}

// ---- LIST / LSUB ----

void ImapSession::CmdList(const ImapCommand& c) {
  const bool lsub = c.name == CommandName::kLsub;
  const imap::ListArgs& args = c.list;
  bool select_subscribed = false, select_special_use = false, recursive = false;
  bool return_subscribed = false, return_status = false;
  for (absl::string_view opt : args.selection_options) {
    if (absl::EqualsIgnoreCase(opt, "SUBSCRIBED")) {
      select_subscribed = true;
    } else if (absl::EqualsIgnoreCase(opt, "SPECIAL-USE")) {
      select_special_use = true;
    } else if (absl::EqualsIgnoreCase(opt, "RECURSIVEMATCH")) {
      recursive = true;
    } else if (!absl::EqualsIgnoreCase(opt, "REMOTE")) {
      TaggedBad(c.tag, "", "Unknown LIST selection option");  // RFC 5258 §3
      return;
    }
  }
  // RFC 5258 §3.1: RECURSIVEMATCH alone (or with only REMOTE) is BAD.
  if (recursive && !select_subscribed && !select_special_use) {
    TaggedBad(c.tag, "", "RECURSIVEMATCH needs another selection option");
    return;
  }
  for (absl::string_view opt : args.return_options) {
    if (absl::EqualsIgnoreCase(opt, "SUBSCRIBED")) {
      return_subscribed = true;
    } else if (absl::EqualsIgnoreCase(opt, "STATUS")) {
      return_status = true;
    } else if (!absl::EqualsIgnoreCase(opt, "CHILDREN") &&
               !absl::EqualsIgnoreCase(opt, "SPECIAL-USE")) {
      TaggedBad(c.tag, "", "Unknown LIST return option");
      return;
    }
  }
  for (absl::string_view item : args.return_status_items) {
    if (!IsStatusItem(item)) {
      TaggedBad(c.tag, "", absl::StrCat("Unknown STATUS item ", item));
      return;
    }
    if (absl::EqualsIgnoreCase(item, "HIGHESTMODSEQ")) EnableCondstore();
  }
  if (select_subscribed) return_subscribed = true;  // RFC 5258 §3.1
  const bool has_criteria = select_subscribed || select_special_use;

  const absl::string_view verb = lsub ? "LSUB" : "LIST";
  std::vector<std::string> patterns;
  bool any_pattern_too_long = false;
  for (absl::string_view raw_pattern : args.patterns) {
    if (raw_pattern.empty()) {
      // RFC 3501 §6.3.8: the hierarchy delimiter and root. An extended
      // LIST ignores an empty pattern instead (RFC 5258 §3).
      if (!lsub && !args.extended) Untagged("LIST (\\Noselect) \"/\" \"\"");
      continue;
    }
    std::string pattern = store::MailStore::CanonicalName(
        absl::StrCat(args.reference, raw_pattern));
    if (pattern.size() > kPatternBytesMax) {
      any_pattern_too_long = true;
      continue;
    }
    patterns.push_back(std::move(pattern));
  }

  // Every existing name plus the superiors it implies.
  absl::btree_map<std::string, store::Mailbox*> names;  // nullptr: implied \Noselect
  for (store::Mailbox* m : store_->ListMailboxes(*user_)) {
    names[m->name()] = m;
    for (size_t pos = m->name().find(store::kHierarchySeparator); pos != std::string::npos;
         pos = m->name().find(store::kHierarchySeparator, pos + 1)) {
      names.emplace(m->name().substr(0, pos), nullptr);
    }
  }
  const absl::btree_set<std::string>& subscriptions = user_->subscriptions;
  auto has_children = [&names](const std::string& name) {
    auto it = names.upper_bound(name);
    return it != names.end() && absl::StartsWith(it->first, name + store::kHierarchySeparator);
  };

  // The names that may be listed: existing ones, or the subscribed ones
  // (LSUB, SUBSCRIBED) with their superiors when those may be listed for
  // a subscribed descendant (LSUB's \Noselect, RECURSIVEMATCH).
  absl::btree_set<std::string> universe;
  if (lsub || select_subscribed) {
    for (const std::string& name : subscriptions) {
      universe.insert(name);
      if (!lsub && !recursive) continue;
      for (size_t pos = name.find(store::kHierarchySeparator); pos != std::string::npos;
           pos = name.find(store::kHierarchySeparator, pos + 1)) {
        universe.insert(name.substr(0, pos));
      }
    }
  } else {
    for (const auto& [name, m] : names) universe.insert(name);
  }
  // Whether `name` meets the selection criteria.
  auto selected = [&](const std::string& name) {
    if ((lsub || select_subscribed) && subscriptions.count(name) == 0) return false;
    if (select_special_use) {
      auto found = names.find(name);
      if (found == names.end() || found->second == nullptr ||
          found->second->special_use().empty()) {
        return false;
      }
    }
    return lsub || has_criteria || names.count(name) > 0;
  };
  auto matches_any = [&patterns](const std::string& name) {
    for (const std::string& p : patterns) {
      if (MatchesPattern(name, p)) return true;
    }
    return false;
  };
  // RFC 5258 §3.3 rule 2B (and §3.5's suppression of redundant CHILDINFO):
  // a name that does not meet the criteria is listed only for a
  // descendant that does and that no pattern lists. RFC 3501 §6.3.9 has
  // the same rule for LSUB's \Noselect superiors.
  auto has_unlisted_selected_descendant = [&](const std::string& name) {
    const std::string prefix = name + store::kHierarchySeparator;
    for (auto it = universe.lower_bound(prefix);
         it != universe.end() && absl::StartsWith(*it, prefix); ++it) {
      if (selected(*it) && !matches_any(*it)) return true;
    }
    return false;
  };
  std::string child_info_text;
  if (select_subscribed) child_info_text = "\"SUBSCRIBED\"";
  if (select_special_use) {
    absl::StrAppend(&child_info_text, child_info_text.empty() ? "" : " ", "\"SPECIAL-USE\"");
  }

  absl::btree_set<std::string> emitted;
  for (const std::string& pattern : patterns) {
    for (const std::string& name : universe) {
      if (emitted.count(name) || !MatchesPattern(name, pattern)) continue;
      const bool is_selected = selected(name);
      const bool child_info = (lsub || recursive) && has_unlisted_selected_descendant(name);
      if (!is_selected && !child_info) continue;
      auto found = names.find(name);
      store::Mailbox* mailbox = found == names.end() ? nullptr : found->second;
      const bool subscribed = subscriptions.count(name) > 0;
      std::vector<std::string> attrs;
      if (lsub) {
        // RFC 3501 §6.3.9: an unsubscribed superior of a subscribed name
        // that the pattern does not reach is listed \Noselect.
        if (!subscribed) attrs.push_back("\\Noselect");
      } else {
        if (found == names.end()) {
          attrs.push_back("\\NonExistent");  // RFC 5258 §3: subscribed but gone
        } else {
          if (mailbox == nullptr) attrs.push_back("\\Noselect");
          attrs.push_back(has_children(name) ? "\\HasChildren" : "\\HasNoChildren");
        }
        if (mailbox != nullptr && !mailbox->special_use().empty()) {
          attrs.push_back(mailbox->special_use());
        }
        if (return_subscribed && subscribed) attrs.push_back("\\Subscribed");
      }
      emitted.insert(name);
      std::string line = absl::StrCat(verb, " (", absl::StrJoin(attrs, " "), ") \"/\" ");
      imap::ImapWriter(&line).AString(name);
      // RFC 5258 §3.5: CHILDINFO names the criteria a descendant meets.
      if (!lsub && child_info) absl::StrAppend(&line, " (\"CHILDINFO\" (", child_info_text, "))");
      Untagged(line);
      if (return_status && mailbox != nullptr) {
        // RFC 5819: the STATUS of each selectable listed mailbox follows
        // its LIST response.
        std::string status, error;
        AppendStatusItems(mailbox, args.return_status_items, &status, &error);
        std::string s = "STATUS ";
        imap::ImapWriter(&s).AString(name);
        absl::StrAppend(&s, " (", status, ")");
        Untagged(s);
      }
    }
  }
  if (any_pattern_too_long) {
    TaggedBad(c.tag, "LIMIT", "Pattern too long");
    return;
  }
  TaggedOk(c.tag, absl::StrCat(verb, " completed"));
}

// ---- STATUS ----

void ImapSession::AppendStatusItems(store::Mailbox* mailbox,
                                    const std::vector<absl::string_view>& items, std::string* out,
                                    std::string* error) {
  std::vector<std::string> parts;
  for (absl::string_view item : items) {
    if (absl::EqualsIgnoreCase(item, "MESSAGES")) {
      parts.push_back(absl::StrCat("MESSAGES ", mailbox->messages().size()));
    } else if (absl::EqualsIgnoreCase(item, "RECENT")) {
      uint32_t recent = 0;
      for (const store::Message& m : mailbox->messages()) {
        recent += m.uid > mailbox->recent_claimed_uid() ? 1 : 0;
      }
      parts.push_back(absl::StrCat("RECENT ", recent));
    } else if (absl::EqualsIgnoreCase(item, "UIDNEXT")) {
      parts.push_back(absl::StrCat("UIDNEXT ", mailbox->uidnext()));
    } else if (absl::EqualsIgnoreCase(item, "UIDVALIDITY")) {
      parts.push_back(absl::StrCat("UIDVALIDITY ", mailbox->uidvalidity()));
    } else if (absl::EqualsIgnoreCase(item, "UNSEEN")) {
      parts.push_back(absl::StrCat("UNSEEN ", mailbox->CountUnseen()));
    } else if (absl::EqualsIgnoreCase(item, "HIGHESTMODSEQ")) {
      parts.push_back(absl::StrCat("HIGHESTMODSEQ ", mailbox->highest_modseq()));
    } else if (absl::EqualsIgnoreCase(item, "SIZE")) {
      parts.push_back(absl::StrCat("SIZE ", mailbox->TotalSize()));  // RFC 8438
    } else {
      *error = absl::StrCat("Unknown STATUS item ", item);
      return;
    }
  }
  *out = absl::StrJoin(parts, " ");
}

void ImapSession::CmdStatus(const ImapCommand& c) {
  store::Mailbox* mailbox = store_->FindMailbox(*user_, c.mailbox);
  if (mailbox == nullptr) {
    TaggedNo(c.tag, "NONEXISTENT", "No such mailbox");
    return;
  }
  std::string items, error;
  AppendStatusItems(mailbox, c.flags, &items, &error);
  if (!error.empty()) {
    TaggedBad(c.tag, "", error);
    return;
  }
  for (absl::string_view item : c.flags) {
    // RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command.
    if (absl::EqualsIgnoreCase(item, "HIGHESTMODSEQ")) EnableCondstore();
  }
  std::string line = "STATUS ";
  imap::ImapWriter(&line).AString(mailbox->name());
  absl::StrAppend(&line, " (", items, ")");
  Untagged(line);
  TaggedOk(c.tag, "STATUS completed");
}

// ---- IDLE ----

void ImapSession::CmdIdle(const ImapCommand& c) {
  idling_ = true;
  idle_tag_ = std::string(c.tag);
  FlushMailboxUpdates(/*allow_expunge=*/true);
  out_ += "+ idling\r\n";
  parser_.ExpectLine();
}

// ---- Updates ----

void ImapSession::EnableCondstore() {
  if (condstore_enabled_) return;
  condstore_enabled_ = true;
  // RFC 7162 §3.1: the first CONDSTORE enabling command with a mailbox
  // selected reports its HIGHESTMODSEQ (as far as this client knows it).
  if (view_) {
    Untagged(absl::StrCat("OK [HIGHESTMODSEQ ", view_->SafeHighestModseq(), "] Highest"));
  }
}

void ImapSession::FlushMailboxUpdates(bool allow_expunge) {
  if (!view_) return;
  MailboxView::Updates u = view_->Sync(allow_expunge);
  if (!u.expunged_uids.empty()) {
    if (qresync_enabled_) {
      // RFC 7162 §3.2.10: VANISHED replaces EXPUNGE once QRESYNC is on.
      std::vector<uint32_t> sorted = u.expunged_uids;
      std::sort(sorted.begin(), sorted.end());
      Untagged(absl::StrCat("VANISHED ", imap::FormatNumberSet(sorted)));
    } else {
      for (uint32_t seq : u.expunged_seqs) Untagged(absl::StrCat(seq, " EXPUNGE"));
    }
  }
  if (u.exists_changed) {
    Untagged(absl::StrCat(u.exists, " EXISTS"));
    Untagged(absl::StrCat(u.recent, " RECENT"));
  }
  std::string flags;
  for (size_t index : u.flags_changed) {
    const store::Message* m = view_->message(index);
    if (m == nullptr) continue;
    flags.clear();
    store::AppendFlagNames(m->flags, view_->mailbox()->keywords(), view_->recent(m->uid), &flags);
    std::string line = absl::StrCat(index + 1, " FETCH (UID ", m->uid, " FLAGS (", flags, ")");
    if (condstore_enabled_) absl::StrAppend(&line, " MODSEQ (", m->modseq, ")");
    line += ")";
    Untagged(line);
  }
  if (!allow_expunge && condstore_enabled_) {
    // RFC 7162 §3.2: while expunges are held back (FETCH, STORE, SEARCH),
    // the client must not take a MODSEQ it saw for the mailbox's state.
    if (uint64_t pending = view_->LowestPendingExpungeModseq()) {
      Untagged(absl::StrCat("OK [HIGHESTMODSEQ ", pending - 1, "] Expunges are pending"));
    }
  }
}

}  // namespace lemonade::imap_server
