// SORT and UID SORT (RFC 5256), with the ESORT return options (RFC 5267
// §3.1) and CONDSTORE's MODSEQ (RFC 7162 §3.1.5).
//
// Strings compare with i;ascii-casemap, RFC 5256's default comparator:
// octet by octet after upper-casing ASCII letters. Messages equal under
// every criterion keep their mailbox order (RFC 5256 §3: "sorted according
// to the order in which they appear in the mailbox").
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/imap/imap_server.h"
#include "server/imap/imap_session.h"
#include "server/imap/message_access.h"

namespace lemonade::imap_server {
namespace {

using imap::SortKey;

bool IsStringKey(SortKey key) {
  return key == SortKey::kCc || key == SortKey::kFrom || key == SortKey::kSubject ||
         key == SortKey::kTo;
}

}  // namespace

void ImapSession::CmdSort(const imap::ImapCommand& c) {
  SearchOutcome outcome;
  if (!RunSearch(c, &outcome)) return;
  const std::vector<size_t>& matches = outcome.matches;

  // Each criterion's key for each match, computed once: comparisons then
  // never touch the messages (a message is parsed at most once, through
  // the shared cache).
  struct Keys {
    std::vector<std::string> text;
    std::vector<int64_t> number;
  };
  std::vector<Keys> keys(c.sort.size());
  for (size_t k = 0; k < c.sort.size(); ++k) {
    const SortKey key = c.sort[k].key;
    (IsStringKey(key) ? keys[k].text.resize(matches.size())
                      : keys[k].number.resize(matches.size()));
  }
  // ARRIVAL and SIZE come from the store; the others need the message.
  bool needs_access = false;
  for (const imap::SortCriterion& s : c.sort) {
    needs_access = needs_access || (s.key != SortKey::kArrival && s.key != SortKey::kSize);
  }
  for (size_t i = 0; i < matches.size(); ++i) {
    const store::Message& m = *view_->message(matches[i]);
    std::shared_ptr<const MessageAccess> access;
    if (needs_access) {
      auto got = server_->message_cache().Get(store_, m);
      // An unreadable message sorts as if its header were empty.
      if (got.ok()) access = *got;
    }
    for (size_t k = 0; k < c.sort.size(); ++k) {
      switch (c.sort[k].key) {
        case SortKey::kArrival:
          keys[k].number[i] = m.internal_date;
          break;
        case SortKey::kSize:
          keys[k].number[i] = m.size;
          break;
        case SortKey::kDate: {
          // RFC 5256 §3: without a usable Date: field, INTERNALDATE.
          std::optional<int64_t> sent = access ? access->SentUnixSeconds() : std::nullopt;
          keys[k].number[i] = sent.value_or(m.internal_date);
          break;
        }
        case SortKey::kCc:
          if (access) keys[k].text[i] = access->FirstAddressMailbox("Cc");
          break;
        case SortKey::kFrom:
          if (access) keys[k].text[i] = access->FirstAddressMailbox("From");
          break;
        case SortKey::kTo:
          if (access) keys[k].text[i] = access->FirstAddressMailbox("To");
          break;
        case SortKey::kSubject:
          if (access) keys[k].text[i] = access->BaseSubject();
          break;
      }
      if (IsStringKey(c.sort[k].key)) absl::AsciiStrToUpper(&keys[k].text[i]);
    }
  }
  std::vector<size_t> order(matches.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    for (size_t k = 0; k < c.sort.size(); ++k) {
      int cmp;
      if (IsStringKey(c.sort[k].key)) {
        cmp = keys[k].text[a].compare(keys[k].text[b]);  // unsigned octets
      } else {
        cmp = keys[k].number[a] < keys[k].number[b] ? -1 : keys[k].number[a] > keys[k].number[b];
      }
      if (cmp != 0) return c.sort[k].reverse ? cmp > 0 : cmp < 0;
    }
    return false;
  });

  std::vector<size_t> ordered;
  ordered.reserve(order.size());
  for (size_t i : order) ordered.push_back(matches[i]);
  FinishSearch(c, "SORT", ordered, outcome);
}

}  // namespace lemonade::imap_server
