// MessageAccess: what the IMAP server needs to see inside one message —
// ENVELOPE, BODYSTRUCTURE, sections, BINARY decoding and SEARCH matching —
// on top of the MIME layer (protocol/mime), for bytes held by the store.
//
// Parsing a message's structure is done once per message and cached by
// MessageCache, so a FETCH of many items or a SEARCH over many keys parses
// each message at most once.
//
//   auto access = cache.Get(store, message);   // shared, parsed lazily
//   access->AppendBodyStructure(&writer, /*extensible=*/true);
//   std::string part2 = access->Section(spec);  // BODY[2]
#ifndef LEMONADE_SERVER_IMAP_MESSAGE_ACCESS_H_
#define LEMONADE_SERVER_IMAP_MESSAGE_ACCESS_H_

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "protocol/imap/imap_command.h"
#include "protocol/imap/imap_writer.h"
#include "protocol/mime/message_date.h"
#include "protocol/mime/message_structure.h"
#include "server/store/mail_store.h"

namespace lemonade::imap_server {

class MessageAccess {
 public:
  explicit MessageAccess(std::shared_ptr<const std::string> bytes);

  absl::string_view bytes() const { return *bytes_; }

  // ENVELOPE and BODY/BODYSTRUCTURE (RFC 3501 §7.4.2).
  void AppendEnvelope(imap::ImapWriter* w) const;
  void AppendBodyStructure(imap::ImapWriter* w, bool extensible) const;
  // The BODYSTRUCTURE of one part (URLFETCH BODYPARTSTRUCTURE, RFC 5524).
  // False if the part does not exist.
  bool AppendPartStructure(const std::vector<uint32_t>& part, imap::ImapWriter* w) const;

  // The BODYSTRUCTURE `part` would have if its content were `decoded` with
  // an identity encoding: what URLFETCH's BODYPARTSTRUCTURE reports next to
  // BINARY (RFC 5524 §3.2). False if the part had no transfer encoding to
  // remove (then AppendPartStructure describes it as it is).
  bool AppendDecodedPartStructure(const std::vector<uint32_t>& part, absl::string_view decoded,
                                  imap::ImapWriter* w) const;

  // BODY[section] contents (RFC 3501 §6.4.5). A part beyond the structure
  // gives an empty string, as Dovecot does.
  std::string Section(const imap::SectionSpec& section) const;
  // Whether `part` names an existing part ("" is the whole message).
  bool HasPart(const std::vector<uint32_t>& part) const;

  // BINARY[part]: the part's content with its transfer encoding removed
  // (RFC 3516). An unknown encoding is kUnknownCte.
  enum class BinaryResult { kOk, kUnknownCte, kNoSuchPart };
  BinaryResult Binary(const std::vector<uint32_t>& part, std::string* out) const;

  // SEARCH helpers (RFC 3501 §6.4.4): case-insensitive substring matches
  // on decoded text.
  bool HeaderContains(absl::string_view field, absl::string_view needle) const;
  bool BodyContains(absl::string_view needle) const;
  bool TextContains(absl::string_view needle) const;
  // The day (in the Date: header's own zone) the message was sent, if it
  // has a parsable Date: header.
  std::optional<imap::ImapDay> SentDay() const;

  // SORT keys (RFC 5256 §3).
  // The addr-mailbox (local part) of the first address in `field` (From,
  // To or Cc); "" when there is none.
  std::string FirstAddressMailbox(absl::string_view field) const;
  // The base subject (RFC 5256 §2.1) of the decoded Subject: field.
  std::string BaseSubject() const;
  // The Date: field as an instant (UTC seconds), if it parses.
  std::optional<int64_t> SentUnixSeconds() const;

 private:
  // The parsed Date: field, if there is one and it parses.
  std::optional<mime::MessageDate> SentDate() const;

  std::shared_ptr<const std::string> bytes_;
  mime::MessageStructure structure_;
};

// A bounded cache of parsed messages, keyed by where their bytes live in
// the store (copies share bytes, and so share the parse).
class MessageCache {
 public:
  explicit MessageCache(size_t entries_max = 256) : entries_max_(entries_max) {}

  absl::StatusOr<std::shared_ptr<const MessageAccess>> Get(store::MailStore* store,
                                                           const store::Message& message);

 private:
  struct Entry {
    std::shared_ptr<const MessageAccess> access;
    std::list<uint64_t>::iterator lru;
  };
  size_t entries_max_;
  absl::flat_hash_map<uint64_t, Entry> entries_;
  std::list<uint64_t> lru_;
};

}  // namespace lemonade::imap_server

#endif  // LEMONADE_SERVER_IMAP_MESSAGE_ACCESS_H_
