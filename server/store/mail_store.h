// MailStore: users, mailboxes and messages, durable on the environment's
// disk.
//
// Every mutation appends a record to the StoreLog and applies it to the
// in-memory state at once; the caller then asks Commit() and acknowledges
// the client only when Commit's callback reports the record durable (an
// APPEND, COPY, STORE or EXPUNGE is on stable storage before its tagged
// OK). Start-up replays the log, so a restart — also after a crash that
// tore the last write — recovers exactly the acknowledged state. Other
// sessions may observe a change before it is durable, as they do on
// Dovecot; what they can never see is an acknowledged change vanish.
//
// Message bytes live in the log too, written once; COPY refers to the same
// bytes instead of writing them again.
//
//   auto store = MailStore::Open(env, options).value();
//   store->AddUser("bob", "secret");
//   Mailbox* inbox = store->FindMailbox(*store->FindUser("bob"), "INBOX");
//   uint32_t uid = store->Append(*inbox, bytes, {}, {}, now, 0).value();
//   store->Commit([](absl::Status s) { ... reply OK ... });
#ifndef LEMONADE_SERVER_STORE_MAIL_STORE_H_
#define LEMONADE_SERVER_STORE_MAIL_STORE_H_

#include <cstdint>
#include <list>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "env/env.h"
#include "server/store/flags.h"
#include "server/store/mailbox.h"
#include "server/store/store_log.h"

namespace lemonade::store {

inline constexpr char kHierarchySeparator = '/';

struct User {
  uint64_t id = 0;
  std::string name;
  std::string password_hash;
  absl::btree_set<std::string> subscriptions;
  // Mailbox name -> id. Names are the wire form (modified UTF-7), with
  // INBOX canonically upper-case.
  absl::btree_map<std::string, uint64_t> mailboxes;
};

struct StoreOptions {
  std::string directory = "store";
  // PBKDF2 cost; simulations lower it to keep runs fast.
  uint32_t password_iterations = 100000;
  // Mailboxes every new user gets, with their SPECIAL-USE attributes.
  std::vector<std::pair<std::string, std::string>> default_mailboxes = {
      {"INBOX", ""}, {"Sent", "\\Sent"}, {"Drafts", "\\Drafts"}, {"Trash", "\\Trash"}};
  // Bytes of message bodies kept in memory between reads.
  size_t body_cache_bytes_max = 64 << 20;
};

enum class StoreMode { kReplace, kAdd, kRemove };

struct StoreResult {
  uint64_t modseq = 0;                 // the MODSEQ given to changed messages
  std::vector<uint32_t> changed;       // UIDs whose flags changed
  std::vector<uint32_t> failed;        // UNCHANGEDSINCE conflicts (RFC 7162 MODIFIED)
  // UIDs that passed UNCHANGEDSINCE only by RFC 7162 §3.1.12 (their other
  // flags changed meanwhile): the client must be sent their FLAGS.
  std::vector<uint32_t> passed_with_other_changes;
};

// What a client last saw of a message (its flags and their MODSEQ), for
// a conditional STORE: RFC 7162 §3.1.12.
struct KnownFlags {
  FlagSet flags;
  uint64_t modseq = 0;
};
// The client's view of `uid` when it differs from the store's (a change
// it has not been told about yet), else nullopt.
using KnownFlagsFn = std::function<std::optional<KnownFlags>(uint32_t uid)>;

struct CopyResult {
  std::vector<uint32_t> source_uids;
  std::vector<uint32_t> destination_uids;
};

class MailStore {
 public:
  // Opens the store in `options.directory` on env.disk, recovering it.
  static absl::StatusOr<std::unique_ptr<MailStore>> Open(const Env& env, StoreOptions options);

  ~MailStore();

  // ---- Users ----
  absl::Status AddUser(absl::string_view name, absl::string_view password);
  absl::Status SetPassword(absl::string_view name, absl::string_view password);
  absl::Status DeleteUser(absl::string_view name);
  const User* FindUser(absl::string_view name) const;
  const User* FindUserById(uint64_t id) const;
  std::vector<std::string> ListUsers() const;
  // The user if `password` is right, else nullptr.
  const User* Authenticate(absl::string_view name, absl::string_view password) const;

  // ---- Mailboxes ----
  // The canonical form of a mailbox name: INBOX (any case) and INBOX/...
  // prefixes are upper-cased (RFC 3501 §5.1).
  static std::string CanonicalName(absl::string_view name);
  Mailbox* FindMailbox(const User& user, absl::string_view name);
  Mailbox* FindMailboxById(uint64_t id);
  // Creates `name` and any missing superiors (RFC 3501 §6.3.3).
  absl::StatusOr<Mailbox*> CreateMailbox(const User& user, absl::string_view name,
                                         absl::string_view special_use = "");
  // Deletes one mailbox; its inferiors stay (the name then shows as
  // \Noselect while they exist). INBOX cannot be deleted.
  absl::Status DeleteMailbox(const User& user, absl::string_view name);
  // Renames a mailbox and its inferiors; renaming INBOX moves its messages
  // into a new mailbox and leaves INBOX empty (RFC 3501 §6.3.5).
  absl::Status RenameMailbox(const User& user, absl::string_view from, absl::string_view to);
  absl::Status SetSubscribed(const User& user, absl::string_view name, bool subscribed);
  // The user's mailboxes, sorted by name.
  std::vector<Mailbox*> ListMailboxes(const User& user);

  // ---- Messages ----
  // Appends a message; returns its UID. `keywords` must be valid keyword
  // atoms; more than the mailbox can hold gives ResourceExhausted.
  absl::StatusOr<uint32_t> Append(Mailbox& mailbox, absl::string_view bytes, uint8_t system_flags,
                                  const std::vector<std::string>& keywords, int64_t internal_date,
                                  int16_t zone_offset_minutes);
  // One message of AppendMany.
  struct NewMessage {
    absl::string_view bytes;
    uint8_t system_flags = 0;
    std::vector<std::string> keywords;
    int64_t internal_date = 0;
    int16_t zone_offset_minutes = 0;
  };
  // Appends several messages atomically (one log record): all or none
  // (RFC 3502 MULTIAPPEND). Returns their UIDs, ascending.
  absl::StatusOr<std::vector<uint32_t>> AppendMany(Mailbox& mailbox,
                                                   const std::vector<NewMessage>& messages);
  // Changes flags of the given UIDs (missing UIDs are ignored). With
  // `unchanged_since`, messages modified after it are left alone and
  // reported in `failed` (RFC 7162 §3.1.3) — except, for +FLAGS/-FLAGS,
  // those whose change since the client's `known` view did not touch the
  // flags being added or removed (RFC 7162 §3.1.12: no spurious MODIFIED).
  absl::StatusOr<StoreResult> StoreFlags(Mailbox& mailbox, const std::vector<uint32_t>& uids,
                                         StoreMode mode, uint8_t system_flags,
                                         const std::vector<std::string>& keywords,
                                         std::optional<uint64_t> unchanged_since,
                                         const KnownFlagsFn& known = nullptr);
  // Expunges the given UIDs; returns those that existed.
  absl::StatusOr<std::vector<uint32_t>> Expunge(Mailbox& mailbox, const std::vector<uint32_t>& uids);
  // Copies messages (flags, keywords and INTERNALDATE kept), in UID order.
  absl::StatusOr<CopyResult> Copy(Mailbox& source, const std::vector<uint32_t>& uids,
                                  Mailbox& destination);
  // The bytes of a message (shared, cached).
  absl::StatusOr<std::shared_ptr<const std::string>> ReadMessage(const Message& message);

  // ---- URLAUTH (RFC 4467) ----
  // The mailbox's URLAUTH secret, created on first use.
  absl::StatusOr<std::string> UrlauthKey(Mailbox& mailbox);
  // Replaces the secret (RESETKEY), invalidating every URL issued for it.
  absl::Status ResetUrlauthKey(Mailbox& mailbox);

  // ---- Compaction ----
  // Whether the log holds much more than the live state (expunged or
  // deleted messages, superseded flags): more than twice it, plus 1 MiB.
  bool CompactionWorthwhile() const;
  // Rewrites the log as the current state only and replaces it atomically
  // (crash-safe at every point). Call when no change is waiting for its
  // commit (at start-up, before serving); `done` reports the outcome.
  void Compact(absl::AnyInvocable<void(absl::Status)> done);

  // ---- Durability ----
  // Runs `done` once every change made so far is on stable storage.
  void Commit(absl::AnyInvocable<void(absl::Status)> done);
  uint64_t log_bytes() const;
  const LogRecoveryStats& recovery_stats() const { return recovery_stats_; }

 private:
  explicit MailStore(const Env& env, StoreOptions options);
  absl::Status Recover();
  absl::Status ApplyRecord(const LogRecord& record);
  // Appends a record and applies it; a record that fails to apply is a bug.
  absl::Status Write(uint8_t type, const std::string& body);
  User* MutableUser(absl::string_view name);
  User* MutableUserById(uint64_t id);
  uint32_t NextUidValidity();
  absl::StatusOr<uint64_t> InternKeywords(Mailbox& mailbox, const std::vector<std::string>& keywords);
  void RemoveMailbox(User& user, Mailbox* mailbox);
  absl::Status WriteUrlauthKey(Mailbox& mailbox);

  Env env_;
  StoreOptions options_;
  std::unique_ptr<StoreLog> log_;
  LogRecoveryStats recovery_stats_;

  uint64_t LiveBytesEstimate() const;

  absl::btree_map<uint64_t, User> users_;  // by id
  absl::btree_map<uint64_t, std::unique_ptr<Mailbox>> mailboxes_;
  absl::flat_hash_map<uint64_t, std::string> urlauth_keys_;  // mailbox id -> key
  uint64_t next_user_id_ = 1;
  uint64_t next_mailbox_id_ = 1;
  uint32_t last_uidvalidity_ = 0;

  // Body cache: body offset -> bytes, least recently used first.
  struct CachedBody {
    std::shared_ptr<const std::string> bytes;
    std::list<uint64_t>::iterator lru;
  };
  absl::flat_hash_map<uint64_t, CachedBody> body_cache_;
  std::list<uint64_t> body_lru_;
  size_t body_cache_bytes_ = 0;
  bool compacting_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::store

#endif  // LEMONADE_SERVER_STORE_MAIL_STORE_H_
