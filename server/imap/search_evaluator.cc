#include "server/imap/search_evaluator.h"

#include <algorithm>

#include "protocol/imap/imap_date.h"

namespace lemonade::imap_server {

using imap::SearchKeyKind;

SearchEvaluator::SearchEvaluator(const MailboxView* view, store::MailStore* store,
                                 MessageCache* cache, const std::vector<uint32_t>& saved_uids)
    : view_(view), store_(store), cache_(cache), saved_uids_(saved_uids) {}

bool SearchEvaluator::Matches(const imap::SearchKey& key, size_t index,
                              const store::Message& message) {
  index_ = index;
  message_ = &message;
  access_.reset();
  access_failed_ = false;
  return Match(key);
}

const MessageAccess* SearchEvaluator::Access() {
  if (!access_ && !access_failed_) {
    auto got = cache_->Get(store_, *message_);
    if (got.ok()) {
      access_ = *got;
    } else {
      access_failed_ = true;
    }
  }
  return access_.get();
}

bool SearchEvaluator::Match(const imap::SearchKey& key) {
  const store::Message& m = *message_;
  const uint8_t flags = m.flags.system;
  auto header = [this](absl::string_view field, absl::string_view value) {
    const MessageAccess* a = Access();
    return a != nullptr && a->HeaderContains(field, value);
  };
  auto internal_day = [&m]() { return imap::DayOf({m.internal_date, m.zone_offset_minutes}); };
  switch (key.kind) {
    case SearchKeyKind::kAll: return true;
    case SearchKeyKind::kAnd:
      for (const imap::SearchKey& child : key.children) {
        if (!Match(child)) return false;
      }
      return true;
    case SearchKeyKind::kOr:
      return Match(key.children[0]) || Match(key.children[1]);
    case SearchKeyKind::kNot:
      return !Match(key.children[0]);
    case SearchKeyKind::kAnswered: return flags & store::kFlagAnswered;
    case SearchKeyKind::kDeleted: return flags & store::kFlagDeleted;
    case SearchKeyKind::kDraft: return flags & store::kFlagDraft;
    case SearchKeyKind::kFlagged: return flags & store::kFlagFlagged;
    case SearchKeyKind::kSeen: return flags & store::kFlagSeen;
    case SearchKeyKind::kUnanswered: return !(flags & store::kFlagAnswered);
    case SearchKeyKind::kUndeleted: return !(flags & store::kFlagDeleted);
    case SearchKeyKind::kUndraft: return !(flags & store::kFlagDraft);
    case SearchKeyKind::kUnflagged: return !(flags & store::kFlagFlagged);
    case SearchKeyKind::kUnseen: return !(flags & store::kFlagSeen);
    case SearchKeyKind::kRecent: return view_->recent(m.uid);
    case SearchKeyKind::kNew: return view_->recent(m.uid) && !(flags & store::kFlagSeen);
    case SearchKeyKind::kOld: return !view_->recent(m.uid);
    case SearchKeyKind::kKeyword:
    case SearchKeyKind::kUnkeyword: {
      auto index = view_->mailbox()->keywords().Find(key.value);
      bool has = index && (m.flags.keywords & store::KeywordBit(*index));
      return key.kind == SearchKeyKind::kKeyword ? has : !has;
    }
    case SearchKeyKind::kLarger: return m.size > key.number;
    case SearchKeyKind::kSmaller: return m.size < key.number;
    case SearchKeyKind::kBefore: return internal_day() < key.day;
    case SearchKeyKind::kOn: return internal_day() == key.day;
    case SearchKeyKind::kSince: return internal_day() >= key.day;
    case SearchKeyKind::kSentBefore:
    case SearchKeyKind::kSentOn:
    case SearchKeyKind::kSentSince: {
      const MessageAccess* a = Access();
      std::optional<imap::ImapDay> sent = a ? a->SentDay() : std::nullopt;
      if (!sent) return false;
      if (key.kind == SearchKeyKind::kSentBefore) return *sent < key.day;
      if (key.kind == SearchKeyKind::kSentOn) return *sent == key.day;
      return *sent >= key.day;
    }
    case SearchKeyKind::kBcc: return header("Bcc", key.value);
    case SearchKeyKind::kCc: return header("Cc", key.value);
    case SearchKeyKind::kFrom: return header("From", key.value);
    case SearchKeyKind::kTo: return header("To", key.value);
    case SearchKeyKind::kSubject: return header("Subject", key.value);
    case SearchKeyKind::kHeader: return header(key.field, key.value);
    case SearchKeyKind::kBody: {
      const MessageAccess* a = Access();
      return a != nullptr && a->BodyContains(key.value);
    }
    case SearchKeyKind::kText: {
      const MessageAccess* a = Access();
      return a != nullptr && a->TextContains(key.value);
    }
    case SearchKeyKind::kUid:
      if (key.set.is_saved_result()) {
        return std::find(saved_uids_.begin(), saved_uids_.end(), m.uid) != saved_uids_.end();
      }
      return key.set.Contains(m.uid, view_->size() ? view_->uid(view_->size() - 1) : 0);
    case SearchKeyKind::kSequenceSet:
      if (key.set.is_saved_result()) {
        return std::find(saved_uids_.begin(), saved_uids_.end(), m.uid) != saved_uids_.end();
      }
      return key.set.Contains(static_cast<uint32_t>(index_ + 1),
                              static_cast<uint32_t>(view_->size()));
    case SearchKeyKind::kModSeq:
      used_modseq_ = true;
      return m.modseq >= key.number;
  }
  return false;
}

bool UsesSequenceNumbers(const imap::SearchKey& key) {
  if (key.kind == imap::SearchKeyKind::kSequenceSet && !key.set.is_saved_result()) return true;
  for (const imap::SearchKey& child : key.children) {
    if (UsesSequenceNumbers(child)) return true;
  }
  return false;
}

}  // namespace lemonade::imap_server
