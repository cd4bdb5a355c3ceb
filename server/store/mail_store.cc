#include "server/store/mail_store.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include <zlib.h>

#include "base/check.h"
#include "server/store/password_hash.h"
#include "server/store/record_codec.h"

namespace lemonade::store {
namespace {

// Log record types. Values are part of the on-disk format: never reuse one.
enum RecordType : uint8_t {
  kRecordUserAdd = 1,
  kRecordUserPassword = 2,
  kRecordUserDelete = 3,
  kRecordMailboxCreate = 4,
  kRecordMailboxDelete = 5,
  kRecordMailboxRename = 6,
  kRecordSubscribe = 7,
  kRecordKeyword = 8,
  kRecordAppend = 9,
  kRecordCopy = 10,
  kRecordFlags = 11,
  kRecordExpunge = 12,
  kRecordUrlauthKey = 13,
  kRecordBatch = 14,  // several records applied atomically
  // Written only by compaction, to carry state the other records derive
  // from history that compaction drops:
  kRecordMailboxState = 15,     // uidnext, highest modseq, \Recent floor
  kRecordExpungeHistory = 16,   // UIDs expunged at a modseq (for VANISHED)
};

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt ", what, " record"));
}

bool IsInboxName(absl::string_view name) { return absl::EqualsIgnoreCase(name, "INBOX"); }

}  // namespace

std::string MailStore::CanonicalName(absl::string_view name) {
  if (IsInboxName(name)) return "INBOX";
  if (name.size() > 6 && IsInboxName(name.substr(0, 5)) && name[5] == kHierarchySeparator) {
    return absl::StrCat("INBOX", name.substr(5));
  }
  return std::string(name);
}

MailStore::MailStore(const Env& env, StoreOptions options)
    : env_(env), options_(std::move(options)) {}

MailStore::~MailStore() {
  for (auto& [id, mailbox] : mailboxes_) mailbox->NotifyGone();
}

absl::StatusOr<std::unique_ptr<MailStore>> MailStore::Open(const Env& env, StoreOptions options) {
  std::unique_ptr<MailStore> store(new MailStore(env, std::move(options)));
  if (absl::Status s = store->Recover(); !s.ok()) return s;
  return store;
}

absl::Status MailStore::Recover() {
  if (absl::Status s = env_.disk->MakeDirectories(options_.directory); !s.ok()) return s;
  auto log = StoreLog::Open(
      env_.disk, env_.timers, absl::StrCat(options_.directory, "/mail.log"),
      [this](const LogRecord& r) { return ApplyRecord(r); }, &recovery_stats_);
  if (!log.ok()) return log.status();
  log_ = std::move(*log);
  return absl::OkStatus();
}

absl::Status MailStore::Write(uint8_t type, const std::string& body) {
  if (compacting_) {
    // Records written now would go to the log being replaced.
    return absl::UnavailableError("the store is being compacted; try again shortly");
  }
  auto offset = log_->Append(type, body);
  if (!offset.ok()) return offset.status();
  LogRecord record;
  record.type = type;
  record.body = body;
  record.body_offset = *offset;
  absl::Status s = ApplyRecord(record);
  CHECK(s.ok()) << "a record we just wrote must apply: " << s.ToString();
  return s;
}

absl::Status MailStore::ApplyRecord(const LogRecord& record) {
  RecordReader r(record.body);
  switch (record.type) {
    case kRecordUserAdd: {
      uint64_t id;
      absl::string_view name, hash;
      if (!r.Varint(&id) || !r.Bytes(&name) || !r.Bytes(&hash)) return Corrupt("user");
      User& u = users_[id];
      u.id = id;
      u.name = std::string(name);
      u.password_hash = std::string(hash);
      next_user_id_ = std::max(next_user_id_, id + 1);
      return absl::OkStatus();
    }
    case kRecordUserPassword: {
      uint64_t id;
      absl::string_view hash;
      if (!r.Varint(&id) || !r.Bytes(&hash)) return Corrupt("password");
      User* u = MutableUserById(id);
      if (!u) return Corrupt("password (unknown user)");
      u->password_hash = std::string(hash);
      return absl::OkStatus();
    }
    case kRecordUserDelete: {
      uint64_t id;
      if (!r.Varint(&id)) return Corrupt("user delete");
      User* u = MutableUserById(id);
      if (!u) return Corrupt("user delete (unknown user)");
      std::vector<uint64_t> ids;
      for (const auto& [name, mid] : u->mailboxes) ids.push_back(mid);
      for (uint64_t mid : ids) {
        auto it = mailboxes_.find(mid);
        if (it != mailboxes_.end()) RemoveMailbox(*u, it->second.get());
      }
      users_.erase(id);
      return absl::OkStatus();
    }
    case kRecordMailboxCreate: {
      uint64_t id, owner;
      uint32_t uidvalidity;
      absl::string_view name, special_use;
      if (!r.Varint(&id) || !r.Varint(&owner) || !r.Bytes(&name) || !r.Varint32(&uidvalidity) ||
          !r.Bytes(&special_use)) {
        return Corrupt("mailbox");
      }
      User* u = MutableUserById(owner);
      if (!u) return Corrupt("mailbox (unknown owner)");
      auto mailbox = std::make_unique<Mailbox>(id, owner, std::string(name), uidvalidity);
      mailbox->set_special_use(std::string(special_use));
      u->mailboxes[std::string(name)] = id;
      mailboxes_[id] = std::move(mailbox);
      next_mailbox_id_ = std::max(next_mailbox_id_, id + 1);
      last_uidvalidity_ = std::max(last_uidvalidity_, uidvalidity);
      return absl::OkStatus();
    }
    case kRecordMailboxDelete: {
      uint64_t id;
      if (!r.Varint(&id)) return Corrupt("mailbox delete");
      auto it = mailboxes_.find(id);
      if (it == mailboxes_.end()) return Corrupt("mailbox delete (unknown mailbox)");
      User* u = MutableUserById(it->second->owner_id());
      if (!u) return Corrupt("mailbox delete (unknown owner)");
      RemoveMailbox(*u, it->second.get());
      return absl::OkStatus();
    }
    case kRecordMailboxRename: {
      uint64_t id;
      absl::string_view name;
      if (!r.Varint(&id) || !r.Bytes(&name)) return Corrupt("rename");
      Mailbox* m = FindMailboxById(id);
      if (!m) return Corrupt("rename (unknown mailbox)");
      User* u = MutableUserById(m->owner_id());
      if (!u) return Corrupt("rename (unknown owner)");
      u->mailboxes.erase(m->name());
      u->mailboxes[std::string(name)] = id;
      m->set_name(std::string(name));
      return absl::OkStatus();
    }
    case kRecordSubscribe: {
      uint64_t id;
      absl::string_view name;
      uint8_t on;
      if (!r.Varint(&id) || !r.Bytes(&name) || !r.U8(&on)) return Corrupt("subscribe");
      User* u = MutableUserById(id);
      if (!u) return Corrupt("subscribe (unknown user)");
      if (on) {
        u->subscriptions.insert(std::string(name));
      } else {
        u->subscriptions.erase(std::string(name));
      }
      return absl::OkStatus();
    }
    case kRecordKeyword: {
      uint64_t id;
      absl::string_view name;
      if (!r.Varint(&id) || !r.Bytes(&name)) return Corrupt("keyword");
      Mailbox* m = FindMailboxById(id);
      if (!m || !m->mutable_keywords().Intern(name)) return Corrupt("keyword (mailbox)");
      return absl::OkStatus();
    }
    case kRecordAppend:
    case kRecordCopy: {
      uint64_t id, modseq, keywords;
      uint32_t uid, size;
      int64_t date, zone;
      uint8_t system;
      if (!r.Varint(&id) || !r.Varint32(&uid) || !r.Varint(&modseq) || !r.SignedVarint(&date) ||
          !r.SignedVarint(&zone) || !r.U8(&system) || !r.Fixed64(&keywords) ||
          !r.Varint32(&size)) {
        return Corrupt("append");
      }
      Message m;
      m.uid = uid;
      m.size = size;
      m.modseq = modseq;
      m.internal_date = date;
      m.zone_offset_minutes = static_cast<int16_t>(zone);
      m.flags.system = system & kSystemFlagsAll;
      m.flags.keywords = keywords;
      if (record.type == kRecordAppend) {
        uint64_t length;
        if (!r.Varint(&length) || length != size || r.remaining() != length) {
          return Corrupt("append body");
        }
        m.body_offset = record.body_offset + (record.body.size() - r.remaining());
      } else if (!r.Varint(&m.body_offset)) {
        return Corrupt("copy");
      }
      Mailbox* mailbox = FindMailboxById(id);
      if (!mailbox) return Corrupt("append (unknown mailbox)");
      if (!mailbox->messages().empty() && uid <= mailbox->messages().back().uid) {
        return Corrupt("append (UID order)");
      }
      if (uid < mailbox->uidnext()) return Corrupt("append (UID below UIDNEXT)");
      mailbox->AddMessage(m);
      return absl::OkStatus();
    }
    case kRecordFlags: {
      uint64_t id, modseq, count;
      if (!r.Varint(&id) || !r.Varint(&modseq) || !r.Varint(&count)) return Corrupt("flags");
      Mailbox* mailbox = FindMailboxById(id);
      if (!mailbox) return Corrupt("flags (unknown mailbox)");
      for (uint64_t i = 0; i < count; ++i) {
        uint32_t uid;
        uint8_t system;
        uint64_t keywords;
        if (!r.Varint32(&uid) || !r.U8(&system) || !r.Fixed64(&keywords)) return Corrupt("flags");
        int64_t index = mailbox->IndexOfUid(uid);
        if (index < 0) return Corrupt("flags (unknown UID)");
        mailbox->SetFlags(index, FlagSet{static_cast<uint8_t>(system & kSystemFlagsAll), keywords},
                          modseq);
      }
      mailbox->BumpModseq(modseq);
      return absl::OkStatus();
    }
    case kRecordExpunge: {
      uint64_t id, modseq, count;
      if (!r.Varint(&id) || !r.Varint(&modseq) || !r.Varint(&count)) return Corrupt("expunge");
      Mailbox* mailbox = FindMailboxById(id);
      if (!mailbox) return Corrupt("expunge (unknown mailbox)");
      std::vector<uint32_t> uids;
      uint32_t previous = 0;
      for (uint64_t i = 0; i < count; ++i) {
        uint32_t delta;
        if (!r.Varint32(&delta)) return Corrupt("expunge");
        previous += delta;
        uids.push_back(previous);
      }
      mailbox->Expunge(uids, modseq);
      return absl::OkStatus();
    }
    case kRecordUrlauthKey: {
      uint64_t id;
      absl::string_view key;
      if (!r.Varint(&id) || !r.Bytes(&key)) return Corrupt("urlauth key");
      if (!FindMailboxById(id)) return Corrupt("urlauth key (unknown mailbox)");
      urlauth_keys_[id] = std::string(key);
      return absl::OkStatus();
    }
    case kRecordMailboxState: {
      uint64_t id, modseq;
      uint32_t uidnext, recent;
      if (!r.Varint(&id) || !r.Varint32(&uidnext) || !r.Varint(&modseq) || !r.Varint32(&recent)) {
        return Corrupt("mailbox state");
      }
      Mailbox* mailbox = FindMailboxById(id);
      if (!mailbox) return Corrupt("mailbox state (unknown mailbox)");
      if (uidnext < mailbox->uidnext_) return Corrupt("mailbox state (UIDNEXT went back)");
      mailbox->uidnext_ = uidnext;
      mailbox->BumpModseq(modseq);
      mailbox->ClaimRecent(recent);
      return absl::OkStatus();
    }
    case kRecordExpungeHistory: {
      uint64_t id, modseq, count;
      if (!r.Varint(&id) || !r.Varint(&modseq) || !r.Varint(&count)) return Corrupt("history");
      Mailbox* mailbox = FindMailboxById(id);
      if (!mailbox) return Corrupt("history (unknown mailbox)");
      std::vector<uint32_t>& list = mailbox->expunged_[modseq];
      uint32_t previous = 0;
      for (uint64_t i = 0; i < count; ++i) {
        uint32_t delta;
        if (!r.Varint32(&delta)) return Corrupt("history");
        previous += delta;
        list.push_back(previous);
      }
      mailbox->BumpModseq(modseq);
      return absl::OkStatus();
    }
    case kRecordBatch: {
      uint64_t count;
      if (!r.Varint(&count)) return Corrupt("batch");
      for (uint64_t i = 0; i < count; ++i) {
        uint8_t type;
        absl::string_view body;
        if (!r.U8(&type) || !r.Bytes(&body)) return Corrupt("batch");
        LogRecord inner;
        inner.type = type;
        inner.body = body;
        inner.body_offset = record.body_offset + (body.data() - record.body.data());
        if (absl::Status s = ApplyRecord(inner); !s.ok()) return s;
      }
      return absl::OkStatus();
    }
    default:
      return Corrupt(absl::StrCat("unknown type ", record.type));
  }
}

void MailStore::RemoveMailbox(User& user, Mailbox* mailbox) {
  mailbox->NotifyGone();
  user.mailboxes.erase(mailbox->name());
  urlauth_keys_.erase(mailbox->id());
  mailboxes_.erase(mailbox->id());
}

// ---- Users ----

User* MailStore::MutableUser(absl::string_view name) {
  for (auto& [id, user] : users_) {
    if (user.name == name) return &user;
  }
  return nullptr;
}

User* MailStore::MutableUserById(uint64_t id) {
  auto it = users_.find(id);
  return it == users_.end() ? nullptr : &it->second;
}

const User* MailStore::FindUser(absl::string_view name) const {
  return const_cast<MailStore*>(this)->MutableUser(name);
}

const User* MailStore::FindUserById(uint64_t id) const {
  return const_cast<MailStore*>(this)->MutableUserById(id);
}

std::vector<std::string> MailStore::ListUsers() const {
  std::vector<std::string> names;
  for (const auto& [id, user] : users_) names.push_back(user.name);
  std::sort(names.begin(), names.end());
  return names;
}

const User* MailStore::Authenticate(absl::string_view name, absl::string_view password) const {
  const User* user = FindUser(name);
  if (user == nullptr) {
    // Spend the same time on unknown users, so timing does not tell which
    // names exist.
    VerifyPassword(password, HashPassword("", "timing-equaliser", options_.password_iterations));
    return nullptr;
  }
  return VerifyPassword(password, user->password_hash) ? user : nullptr;
}

absl::Status MailStore::AddUser(absl::string_view name, absl::string_view password) {
  if (name.empty() || name.size() > 255) return absl::InvalidArgumentError("invalid user name");
  for (unsigned char c : name) {
    if (c <= ' ' || c == 0x7f || c == '"' || c == '\\') {
      return absl::InvalidArgumentError("user names may not contain spaces, quotes or controls");
    }
  }
  if (FindUser(name)) return absl::AlreadyExistsError(absl::StrCat("user ", name, " exists"));
  uint8_t salt[16];
  env_.random->Fill(absl::MakeSpan(salt));
  std::string body;
  RecordWriter w(&body);
  const uint64_t id = next_user_id_;
  w.Varint(id);
  w.Bytes(name);
  w.Bytes(HashPassword(password, absl::string_view(reinterpret_cast<char*>(salt), sizeof(salt)),
                       options_.password_iterations));
  if (absl::Status s = Write(kRecordUserAdd, body); !s.ok()) return s;
  const User* user = FindUserById(id);
  for (const auto& [mailbox, special_use] : options_.default_mailboxes) {
    if (auto created = CreateMailbox(*user, mailbox, special_use); !created.ok()) {
      return created.status();
    }
  }
  return absl::OkStatus();
}

absl::Status MailStore::SetPassword(absl::string_view name, absl::string_view password) {
  const User* user = FindUser(name);
  if (!user) return absl::NotFoundError(absl::StrCat("no user ", name));
  uint8_t salt[16];
  env_.random->Fill(absl::MakeSpan(salt));
  std::string body;
  RecordWriter w(&body);
  w.Varint(user->id);
  w.Bytes(HashPassword(password, absl::string_view(reinterpret_cast<char*>(salt), sizeof(salt)),
                       options_.password_iterations));
  return Write(kRecordUserPassword, body);
}

absl::Status MailStore::DeleteUser(absl::string_view name) {
  const User* user = FindUser(name);
  if (!user) return absl::NotFoundError(absl::StrCat("no user ", name));
  std::string body;
  RecordWriter w(&body);
  w.Varint(user->id);
  return Write(kRecordUserDelete, body);
}

// ---- Mailboxes ----

Mailbox* MailStore::FindMailbox(const User& user, absl::string_view name) {
  auto it = user.mailboxes.find(CanonicalName(name));
  if (it == user.mailboxes.end()) return nullptr;
  return FindMailboxById(it->second);
}

Mailbox* MailStore::FindMailboxById(uint64_t id) {
  auto it = mailboxes_.find(id);
  return it == mailboxes_.end() ? nullptr : it->second.get();
}

uint32_t MailStore::NextUidValidity() {
  // Time-based where possible (values stay unique across a store rebuilt
  // from scratch), and always above every value ever handed out.
  int64_t now = env_.Now().unix_seconds();
  uint32_t candidate = now > 0 && now < 0xffffffffll ? static_cast<uint32_t>(now) : 1;
  return std::max(candidate, last_uidvalidity_ + 1);
}

absl::StatusOr<Mailbox*> MailStore::CreateMailbox(const User& user, absl::string_view name,
                                                  absl::string_view special_use) {
  std::string canonical = CanonicalName(name);
  if (canonical.empty() || canonical.front() == kHierarchySeparator ||
      canonical.back() == kHierarchySeparator ||
      canonical.find("//") != std::string::npos) {
    return absl::InvalidArgumentError("invalid mailbox name");
  }
  if (user.mailboxes.count(canonical)) {
    return absl::AlreadyExistsError(absl::StrCat("mailbox ", canonical, " exists"));
  }
  // Superiors first (RFC 3501 §6.3.3).
  for (size_t pos = canonical.find(kHierarchySeparator); pos != std::string::npos;
       pos = canonical.find(kHierarchySeparator, pos + 1)) {
    std::string superior = canonical.substr(0, pos);
    if (!user.mailboxes.count(superior)) {
      auto created = CreateMailbox(user, superior);
      if (!created.ok()) return created.status();
    }
  }
  std::string body;
  RecordWriter w(&body);
  const uint64_t id = next_mailbox_id_;
  w.Varint(id);
  w.Varint(user.id);
  w.Bytes(canonical);
  w.Varint(NextUidValidity());
  w.Bytes(special_use);
  if (absl::Status s = Write(kRecordMailboxCreate, body); !s.ok()) return s;
  return FindMailboxById(id);
}

absl::Status MailStore::DeleteMailbox(const User& user, absl::string_view name) {
  std::string canonical = CanonicalName(name);
  if (canonical == "INBOX") return absl::FailedPreconditionError("INBOX cannot be deleted");
  Mailbox* mailbox = FindMailbox(user, canonical);
  if (!mailbox) return absl::NotFoundError("no such mailbox");
  std::string body;
  RecordWriter w(&body);
  w.Varint(mailbox->id());
  return Write(kRecordMailboxDelete, body);
}

absl::Status MailStore::RenameMailbox(const User& user, absl::string_view from,
                                      absl::string_view to) {
  std::string source = CanonicalName(from);
  std::string target = CanonicalName(to);
  Mailbox* mailbox = FindMailbox(user, source);
  // A \Noselect name that only exists through its inferiors (left behind
  // by DELETE, RFC 3501 §6.3.4) can be renamed too: its inferiors move
  // (the §6.3.5 example renames such a "foo").
  const bool has_inferiors = [&] {
    auto it = user.mailboxes.lower_bound(source + kHierarchySeparator);
    return it != user.mailboxes.end() && absl::StartsWith(it->first, source + kHierarchySeparator);
  }();
  if (!mailbox && !has_inferiors) return absl::NotFoundError("no such mailbox");
  if (user.mailboxes.count(target)) return absl::AlreadyExistsError("target mailbox exists");
  if (target == "INBOX" || target.empty()) return absl::InvalidArgumentError("invalid target");
  if (absl::StartsWith(target, source + kHierarchySeparator)) {
    return absl::InvalidArgumentError("cannot rename a mailbox into itself");
  }
  if (source == "INBOX") {
    // RFC 3501 §6.3.5: move INBOX's messages to a new mailbox; INBOX stays.
    auto created = CreateMailbox(user, target);
    if (!created.ok()) return created.status();
    std::vector<uint32_t> uids;
    for (const Message& m : mailbox->messages()) uids.push_back(m.uid);
    auto copied = Copy(*mailbox, uids, **created);
    if (!copied.ok()) return copied.status();
    return Expunge(*mailbox, uids).status();
  }
  // The mailbox and its inferiors move together, atomically.
  std::vector<std::pair<uint64_t, std::string>> renames;
  for (const auto& [name, id] : user.mailboxes) {
    if (name == source) {
      renames.emplace_back(id, target);
    } else if (absl::StartsWith(name, source + kHierarchySeparator)) {
      renames.emplace_back(id, target + name.substr(source.size()));
    }
  }
  // Missing superiors of the target are created first.
  for (size_t pos = target.find(kHierarchySeparator); pos != std::string::npos;
       pos = target.find(kHierarchySeparator, pos + 1)) {
    std::string superior = target.substr(0, pos);
    if (!user.mailboxes.count(superior)) {
      auto created = CreateMailbox(user, superior);
      if (!created.ok()) return created.status();
    }
  }
  std::string batch;
  RecordWriter bw(&batch);
  bw.Varint(renames.size());
  for (const auto& [id, new_name] : renames) {
    std::string body;
    RecordWriter w(&body);
    w.Varint(id);
    w.Bytes(new_name);
    bw.U8(kRecordMailboxRename);
    bw.Bytes(body);
  }
  // Sessions with a renamed mailbox selected lose it (its name changed).
  for (const auto& [id, new_name] : renames) {
    if (Mailbox* m = FindMailboxById(id)) m->NotifyGone();
  }
  return Write(kRecordBatch, batch);
}

absl::Status MailStore::SetSubscribed(const User& user, absl::string_view name, bool subscribed) {
  std::string body;
  RecordWriter w(&body);
  w.Varint(user.id);
  w.Bytes(CanonicalName(name));
  w.U8(subscribed ? 1 : 0);
  return Write(kRecordSubscribe, body);
}

std::vector<Mailbox*> MailStore::ListMailboxes(const User& user) {
  std::vector<Mailbox*> out;
  for (const auto& [name, id] : user.mailboxes) {
    if (Mailbox* m = FindMailboxById(id)) out.push_back(m);
  }
  return out;
}

// ---- Messages ----

absl::StatusOr<uint64_t> MailStore::InternKeywords(Mailbox& mailbox,
                                                   const std::vector<std::string>& keywords) {
  uint64_t bits = 0;
  for (const std::string& k : keywords) {
    if (!IsValidKeyword(k)) return absl::InvalidArgumentError(absl::StrCat("invalid keyword ", k));
    auto index = mailbox.keywords().Find(k);
    if (!index) {
      if (mailbox.keywords().full()) {
        return absl::ResourceExhaustedError("too many distinct keywords in this mailbox");
      }
      std::string body;
      RecordWriter w(&body);
      w.Varint(mailbox.id());
      w.Bytes(k);
      if (absl::Status s = Write(kRecordKeyword, body); !s.ok()) return s;
      index = mailbox.keywords().Find(k);
    }
    bits |= KeywordBit(*index);
  }
  return bits;
}

namespace {

// The body of a kRecordAppend record.
std::string AppendRecordBody(const Mailbox& mailbox, uint32_t uid, uint64_t modseq,
                             absl::string_view bytes, uint8_t system_flags,
                             uint64_t keyword_bits, int64_t internal_date,
                             int16_t zone_offset_minutes) {
  std::string body;
  body.reserve(bytes.size() + 64);
  RecordWriter w(&body);
  w.Varint(mailbox.id());
  w.Varint(uid);
  w.Varint(modseq);
  w.SignedVarint(internal_date);
  w.SignedVarint(zone_offset_minutes);
  w.U8(system_flags & kSystemFlagsAll);
  w.Fixed64(keyword_bits);
  w.Varint(bytes.size());
  w.Bytes(bytes);
  return body;
}

}  // namespace

absl::StatusOr<uint32_t> MailStore::Append(Mailbox& mailbox, absl::string_view bytes,
                                           uint8_t system_flags,
                                           const std::vector<std::string>& keywords,
                                           int64_t internal_date, int16_t zone_offset_minutes) {
  if (bytes.size() > 0xffffffffull) return absl::InvalidArgumentError("message too large");
  auto keyword_bits = InternKeywords(mailbox, keywords);
  if (!keyword_bits.ok()) return keyword_bits.status();
  const uint32_t uid = mailbox.uidnext();
  const std::string body =
      AppendRecordBody(mailbox, uid, mailbox.highest_modseq() + 1, bytes, system_flags,
                       *keyword_bits, internal_date, zone_offset_minutes);
  if (absl::Status s = Write(kRecordAppend, body); !s.ok()) return s;
  mailbox.NotifyChanged();
  return uid;
}

absl::StatusOr<std::vector<uint32_t>> MailStore::AppendMany(
    Mailbox& mailbox, const std::vector<NewMessage>& messages) {
  if (messages.empty()) return std::vector<uint32_t>();
  // Keywords are interned first (their records may outlive a failed batch;
  // an unused keyword name is harmless).
  std::vector<uint64_t> keyword_bits;
  uint64_t total = 0;
  for (const NewMessage& m : messages) {
    if (m.bytes.size() > 0xffffffffull) return absl::InvalidArgumentError("message too large");
    total += m.bytes.size();
    auto bits = InternKeywords(mailbox, m.keywords);
    if (!bits.ok()) return bits.status();
    keyword_bits.push_back(*bits);
  }
  // One operation, one MODSEQ for all of them.
  const uint64_t modseq = mailbox.highest_modseq() + 1;
  std::vector<uint32_t> uids;
  std::string batch;
  batch.reserve(total + 64 * messages.size());
  RecordWriter bw(&batch);
  bw.Varint(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    const NewMessage& m = messages[i];
    const uint32_t uid = mailbox.uidnext() + static_cast<uint32_t>(i);
    bw.U8(kRecordAppend);
    bw.Bytes(AppendRecordBody(mailbox, uid, modseq, m.bytes, m.system_flags, keyword_bits[i],
                              m.internal_date, m.zone_offset_minutes));
    uids.push_back(uid);
  }
  if (absl::Status s = Write(kRecordBatch, batch); !s.ok()) return s;
  mailbox.NotifyChanged();
  return uids;
}

absl::StatusOr<StoreResult> MailStore::StoreFlags(Mailbox& mailbox,
                                                  const std::vector<uint32_t>& uids,
                                                  StoreMode mode, uint8_t system_flags,
                                                  const std::vector<std::string>& keywords,
                                                  std::optional<uint64_t> unchanged_since,
                                                  const KnownFlagsFn& known) {
  StoreResult result;
  uint64_t keyword_bits = 0;
  if (mode == StoreMode::kRemove) {
    // Removing a keyword the mailbox never saw is a no-op, not an error.
    for (const std::string& k : keywords) {
      if (auto index = mailbox.keywords().Find(k)) keyword_bits |= KeywordBit(*index);
    }
  } else {
    auto bits = InternKeywords(mailbox, keywords);
    if (!bits.ok()) return bits.status();
    keyword_bits = *bits;
  }
  result.modseq = mailbox.highest_modseq() + 1;
  std::string entries;
  RecordWriter ew(&entries);
  uint64_t count = 0;
  for (uint32_t uid : uids) {
    const Message* m = mailbox.FindUid(uid);
    if (!m) continue;
    if (unchanged_since && m->modseq > *unchanged_since) {
      // §3.1.12: the client knew the state at or before UNCHANGEDSINCE,
      // and what changed since is none of the flags it adds or removes.
      std::optional<KnownFlags> seen;
      if (mode != StoreMode::kReplace && known) seen = known(uid);
      const bool untouched =
          seen && seen->modseq <= *unchanged_since &&
          ((seen->flags.system ^ m->flags.system) & system_flags & kSystemFlagsAll) == 0 &&
          ((seen->flags.keywords ^ m->flags.keywords) & keyword_bits) == 0;
      if (!untouched) {
        result.failed.push_back(uid);
        continue;
      }
      result.passed_with_other_changes.push_back(uid);
    }
    FlagSet next = m->flags;
    switch (mode) {
      case StoreMode::kReplace:
        next = FlagSet{static_cast<uint8_t>(system_flags & kSystemFlagsAll), keyword_bits};
        break;
      case StoreMode::kAdd:
        next.system |= system_flags & kSystemFlagsAll;
        next.keywords |= keyword_bits;
        break;
      case StoreMode::kRemove:
        next.system &= static_cast<uint8_t>(~system_flags);
        next.keywords &= ~keyword_bits;
        break;
    }
    if (next == m->flags) continue;
    ew.Varint(uid);
    ew.U8(next.system);
    ew.Fixed64(next.keywords);
    result.changed.push_back(uid);
    ++count;
  }
  if (count == 0) return result;
  std::string body;
  RecordWriter w(&body);
  w.Varint(mailbox.id());
  w.Varint(result.modseq);
  w.Varint(count);
  body += entries;
  if (absl::Status s = Write(kRecordFlags, body); !s.ok()) return s;
  mailbox.NotifyChanged();
  return result;
}

absl::StatusOr<std::vector<uint32_t>> MailStore::Expunge(Mailbox& mailbox,
                                                         const std::vector<uint32_t>& uids) {
  std::vector<uint32_t> present;
  for (uint32_t uid : uids) {
    if (mailbox.FindUid(uid)) present.push_back(uid);
  }
  std::sort(present.begin(), present.end());
  present.erase(std::unique(present.begin(), present.end()), present.end());
  if (present.empty()) return present;
  std::string body;
  RecordWriter w(&body);
  w.Varint(mailbox.id());
  w.Varint(mailbox.highest_modseq() + 1);
  w.Varint(present.size());
  uint32_t previous = 0;
  for (uint32_t uid : present) {
    w.Varint(uid - previous);
    previous = uid;
  }
  if (absl::Status s = Write(kRecordExpunge, body); !s.ok()) return s;
  mailbox.NotifyChanged();
  return present;
}

absl::StatusOr<CopyResult> MailStore::Copy(Mailbox& source, const std::vector<uint32_t>& uids,
                                           Mailbox& destination) {
  CopyResult result;
  std::vector<uint32_t> sorted = uids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string batch;
  RecordWriter bw(&batch);
  std::vector<std::string> bodies;
  uint32_t uid = destination.uidnext();
  uint64_t modseq = destination.highest_modseq() + 1;
  for (uint32_t source_uid : sorted) {
    const Message* m = source.FindUid(source_uid);
    if (!m) continue;
    // Keywords are per-mailbox bits: translate names into the destination.
    std::vector<std::string> names;
    for (size_t i = 0; i < source.keywords().names().size(); ++i) {
      if (m->flags.keywords & KeywordBit(i)) names.push_back(source.keywords().names()[i]);
    }
    auto bits = InternKeywords(destination, names);
    if (!bits.ok()) return bits.status();
    std::string body;
    RecordWriter w(&body);
    w.Varint(destination.id());
    w.Varint(uid);
    w.Varint(modseq);
    w.SignedVarint(m->internal_date);
    w.SignedVarint(m->zone_offset_minutes);
    w.U8(m->flags.system);
    w.Fixed64(*bits);
    w.Varint(m->size);
    w.Varint(m->body_offset);
    bodies.push_back(std::move(body));
    result.source_uids.push_back(source_uid);
    result.destination_uids.push_back(uid);
    ++uid;
  }
  if (bodies.empty()) return result;
  bw.Varint(bodies.size());
  for (const std::string& body : bodies) {
    bw.U8(kRecordCopy);
    bw.Bytes(body);
  }
  if (absl::Status s = Write(kRecordBatch, batch); !s.ok()) return s;
  destination.NotifyChanged();
  return result;
}

absl::StatusOr<std::shared_ptr<const std::string>> MailStore::ReadMessage(const Message& message) {
  auto it = body_cache_.find(message.body_offset);
  if (it != body_cache_.end()) {
    body_lru_.splice(body_lru_.end(), body_lru_, it->second.lru);
    return it->second.bytes;
  }
  auto bytes = log_->ReadAt(message.body_offset, message.size);
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() != message.size) return absl::DataLossError("message bytes truncated");
  auto shared = std::make_shared<const std::string>(std::move(*bytes));
  if (shared->size() <= options_.body_cache_bytes_max) {
    body_lru_.push_back(message.body_offset);
    body_cache_[message.body_offset] = CachedBody{shared, std::prev(body_lru_.end())};
    body_cache_bytes_ += shared->size();
    while (body_cache_bytes_ > options_.body_cache_bytes_max && !body_lru_.empty()) {
      auto victim = body_cache_.find(body_lru_.front());
      body_cache_bytes_ -= victim->second.bytes->size();
      body_cache_.erase(victim);
      body_lru_.pop_front();
    }
  }
  return shared;
}

// ---- URLAUTH ----

absl::StatusOr<std::string> MailStore::UrlauthKey(Mailbox& mailbox) {
  auto it = urlauth_keys_.find(mailbox.id());
  if (it != urlauth_keys_.end()) return it->second;
  if (absl::Status s = WriteUrlauthKey(mailbox); !s.ok()) return s;
  return urlauth_keys_[mailbox.id()];
}

absl::Status MailStore::ResetUrlauthKey(Mailbox& mailbox) {
  absl::Status s = WriteUrlauthKey(mailbox);
  if (s.ok()) mailbox.NotifyKeyReset();
  return s;
}

absl::Status MailStore::WriteUrlauthKey(Mailbox& mailbox) {
  uint8_t key[32];
  env_.random->Fill(absl::MakeSpan(key));
  std::string body;
  RecordWriter w(&body);
  w.Varint(mailbox.id());
  w.Bytes(absl::string_view(reinterpret_cast<char*>(key), sizeof(key)));
  return Write(kRecordUrlauthKey, body);
}

// ---- Compaction ----

uint64_t MailStore::LiveBytesEstimate() const {
  absl::flat_hash_map<uint64_t, uint32_t> bodies;
  uint64_t metadata = 0;
  for (const auto& [id, mailbox] : mailboxes_) {
    metadata += 64 + mailbox->messages().size() * 32;
    for (const Message& m : mailbox->messages()) bodies.emplace(m.body_offset, m.size);
  }
  uint64_t total = metadata;
  for (const auto& [offset, size] : bodies) total += size;
  return total;
}

bool MailStore::CompactionWorthwhile() const {
  const uint64_t live = LiveBytesEstimate();
  return log_->size() > 2 * live + (1 << 20);
}

void MailStore::Compact(absl::AnyInvocable<void(absl::Status)> done) {
  // The new log holds the current state only: users, mailboxes (with
  // UIDNEXT, HIGHESTMODSEQ and the expunge history QRESYNC needs), keyword
  // tables, messages (each distinct body once; copies refer to it), flags
  // and URLAUTH keys. It replaces the old log atomically; until the rename
  // is durable the old log stays the truth, so a crash at any point loses
  // nothing.
  std::string out;
  absl::flat_hash_map<uint64_t, uint64_t> moved;  // old body offset -> new
  auto emit = [&out](uint8_t type, const std::string& body) -> uint64_t {
    // Mirrors StoreLog's framing: [u32 length][u32 crc][type][body].
    std::string header;
    RecordWriter w(&header);
    w.Fixed32(static_cast<uint32_t>(body.size() + 1));
    uLong crc = crc32(0L, Z_NULL, 0);
    const Bytef t = type;
    crc = crc32(crc, &t, 1);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
    w.Fixed32(static_cast<uint32_t>(crc));
    w.U8(type);
    out += header;
    const uint64_t body_offset = out.size();
    out += body;
    return body_offset;
  };
  for (const auto& [id, user] : users_) {
    std::string body;
    RecordWriter w(&body);
    w.Varint(user.id);
    w.Bytes(user.name);
    w.Bytes(user.password_hash);
    emit(kRecordUserAdd, body);
  }
  for (const auto& [id, mailbox] : mailboxes_) {
    std::string body;
    RecordWriter w(&body);
    w.Varint(mailbox->id());
    w.Varint(mailbox->owner_id());
    w.Bytes(mailbox->name());
    w.Varint(mailbox->uidvalidity());
    w.Bytes(mailbox->special_use());
    emit(kRecordMailboxCreate, body);
    for (const std::string& keyword : mailbox->keywords().names()) {
      std::string k;
      RecordWriter kw(&k);
      kw.Varint(mailbox->id());
      kw.Bytes(keyword);
      emit(kRecordKeyword, k);
    }
    for (const auto& [modseq, uids] : mailbox->expunged()) {
      std::string h;
      RecordWriter hw(&h);
      hw.Varint(mailbox->id());
      hw.Varint(modseq);
      std::vector<uint32_t> sorted = uids;
      std::sort(sorted.begin(), sorted.end());
      hw.Varint(sorted.size());
      uint32_t previous = 0;
      for (uint32_t uid : sorted) {
        hw.Varint(uid - previous);
        previous = uid;
      }
      emit(kRecordExpungeHistory, h);
    }
    for (const Message& m : mailbox->messages()) {
      std::string meta;
      RecordWriter mw(&meta);
      mw.Varint(mailbox->id());
      mw.Varint(m.uid);
      mw.Varint(m.modseq);
      mw.SignedVarint(m.internal_date);
      mw.SignedVarint(m.zone_offset_minutes);
      mw.U8(m.flags.system);
      mw.Fixed64(m.flags.keywords);
      mw.Varint(m.size);
      auto it = moved.find(m.body_offset);
      if (it != moved.end()) {
        mw.Varint(it->second);
        emit(kRecordCopy, meta);
        continue;
      }
      auto bytes = log_->ReadAt(m.body_offset, m.size);
      if (!bytes.ok() || bytes->size() != m.size) {
        env_.timers->Post([done = std::move(done)]() mutable {
          done(absl::DataLossError("cannot read a message while compacting"));
        });
        return;
      }
      RecordWriter(&meta).Varint(m.size);
      const size_t meta_size = meta.size();
      meta += *bytes;
      const uint64_t body_offset = emit(kRecordAppend, meta);
      moved[m.body_offset] = body_offset + meta_size;
    }
    std::string state;
    RecordWriter sw(&state);
    sw.Varint(mailbox->id());
    sw.Varint(mailbox->uidnext());
    sw.Varint(mailbox->highest_modseq());
    sw.Varint(mailbox->recent_claimed_uid());
    emit(kRecordMailboxState, state);
    auto key = urlauth_keys_.find(mailbox->id());
    if (key != urlauth_keys_.end()) {
      std::string k;
      RecordWriter kw(&k);
      kw.Varint(mailbox->id());
      kw.Bytes(key->second);
      emit(kRecordUrlauthKey, k);
    }
  }
  for (const auto& [id, user] : users_) {
    for (const std::string& name : user.subscriptions) {
      std::string body;
      RecordWriter w(&body);
      w.Varint(user.id);
      w.Bytes(name);
      w.U8(1);
      emit(kRecordSubscribe, body);
    }
  }
  const uint64_t before = log_->size();
  const std::string path = absl::StrCat(options_.directory, "/mail.log");
  compacting_ = true;
  std::weak_ptr<bool> alive = alive_;
  env_.disk->WriteFileAtomically(
      path, std::move(out),
      [this, alive, path, before, moved = std::move(moved),
       done = std::move(done)](absl::Status status) mutable {
        if (alive.expired()) return;
        compacting_ = false;
        if (!status.ok()) return done(status);
        // Point every message at its bytes in the new log, and reopen it.
        for (auto& [id, mailbox] : mailboxes_) {
          for (Message& m : mailbox->messages_) m.body_offset = moved.at(m.body_offset);
        }
        body_cache_.clear();
        body_lru_.clear();
        body_cache_bytes_ = 0;
        auto reopened = StoreLog::Open(env_.disk, env_.timers, path,
                                       [](const LogRecord&) { return absl::OkStatus(); });
        if (!reopened.ok()) return done(reopened.status());
        log_ = std::move(*reopened);
        env_.log->Log(LogLevel::kInfo, "store",
                      absl::StrCat("compacted the log from ", before, " to ", log_->size(), " bytes"));
        done(absl::OkStatus());
      });
}

// ---- Durability ----

void MailStore::Commit(absl::AnyInvocable<void(absl::Status)> done) { log_->Sync(std::move(done)); }

uint64_t MailStore::log_bytes() const { return log_->size(); }

}  // namespace lemonade::store
