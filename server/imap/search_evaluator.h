// SearchEvaluator: decides whether a message matches an IMAP search
// program (RFC 3501 §6.4.4, plus MODSEQ from RFC 7162 §3.1.5 and "$" from
// RFC 5182).
//
// Keys that need the message's contents (headers, body, text, sent date)
// parse it through the MessageCache at most once per message; the cheap
// keys (flags, sizes, dates, sets) are tried first by the caller's program
// order, as written.
//
//   SearchEvaluator e(view, store, cache, saved_uids);
//   for (size_t i = 0; i < view->size(); ++i)
//     if (e.Matches(command.search, i, *view->message(i))) ...
#ifndef LEMONADE_SERVER_IMAP_SEARCH_EVALUATOR_H_
#define LEMONADE_SERVER_IMAP_SEARCH_EVALUATOR_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "protocol/imap/imap_command.h"
#include "server/imap/mailbox_view.h"
#include "server/imap/message_access.h"
#include "server/store/mail_store.h"

namespace lemonade::imap_server {

class SearchEvaluator {
 public:
  SearchEvaluator(const MailboxView* view, store::MailStore* store, MessageCache* cache,
                  const std::vector<uint32_t>& saved_uids);

  bool Matches(const imap::SearchKey& key, size_t index, const store::Message& message);

  // Whether the program used the MODSEQ key (then responses carry MODSEQ).
  bool used_modseq() const { return used_modseq_; }

 private:
  bool Match(const imap::SearchKey& key);
  const MessageAccess* Access();

  const MailboxView* view_;
  store::MailStore* store_;
  MessageCache* cache_;
  const std::vector<uint32_t>& saved_uids_;  // sorted by construction order; searched linearly
  bool used_modseq_ = false;

  // The message being evaluated.
  size_t index_ = 0;
  const store::Message* message_ = nullptr;
  std::shared_ptr<const MessageAccess> access_;
  bool access_failed_ = false;
};

// Whether a search program refers to messages by sequence number ("$"
// holds UIDs, so it does not count): then no EXPUNGE may be sent while
// answering it, even for UID SEARCH/SORT (RFC 3501 §7.4.1).
bool UsesSequenceNumbers(const imap::SearchKey& key);

}  // namespace lemonade::imap_server

#endif  // LEMONADE_SERVER_IMAP_SEARCH_EVALUATOR_H_
