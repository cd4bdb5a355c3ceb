// UrlResolver: turns IMAP URLs into message data for this server's users —
// CATENATE's URL parts (RFC 4469), URLFETCH (RFC 4467, RFC 5524) — and
// issues URLAUTH-authorized URLs (GENURLAUTH).
//
// URLAUTH tokens use the INTERNAL mechanism: HMAC-SHA256 of the rump URL,
// keyed with the mailbox's secret, truncated to 128 bits (RFC 4467 §3
// requires at least 128) and written as 32 hex digits. Verification
// recomputes it over the rump exactly as the client sent it (RFC 4467 §6)
// and compares in constant time; when the mailbox cannot be identified a
// token is still computed with a throwaway key so timing does not reveal
// which mailboxes exist.
//
// A URL never grants more than it says: the access identifier must admit
// the session's user, the mailbox must be the URL owner's, UIDVALIDITY
// must match, ;EXPIRE must be in the future, and RESETKEY revokes every
// URL signed with the old key.
#ifndef LEMONADE_SERVER_IMAP_URL_RESOLVER_H_
#define LEMONADE_SERVER_IMAP_URL_RESOLVER_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/imap/imap_writer.h"
#include "protocol/url/imap_url.h"
#include "server/imap/message_access.h"
#include "server/store/mail_store.h"

namespace lemonade::imap_server {

class ImapServer;

// The INTERNAL URLAUTH token of `rump` under `key` (32 lower-case hex digits).
std::string UrlauthToken(absl::string_view key, absl::string_view rump);

class UrlResolver {
 public:
  UrlResolver(ImapServer* server, store::MailStore* store, const store::User* user,
              MessageCache* cache);

  // CATENATE: the bytes `url` designates for the session's user. A relative
  // URL is resolved against imap://user@host/[selected mailbox]. URLAUTH
  // URLs are validated as URLFETCH would; plain URLs must be the user's own.
  bool FetchForCatenate(absl::string_view url, const store::Mailbox* selected,
                        std::string* content, std::string* error);

  // GENURLAUTH: the authorized form of `rump_url`, or an error text (the
  // command answers BAD, RFC 4467 §7).
  bool Generate(absl::string_view rump_url, absl::string_view mechanism, std::string* authorized,
                std::string* error);

  // What URLFETCH returns for one URL (RFC 4467 §8, RFC 5524 §3): nullopt
  // is NIL.
  struct FetchOptions {
    bool extended = false;
    bool body_part_structure = false;
    bool binary = false;
    bool body = false;
  };
  // Appends the URLFETCH response data for `url` (after the URL itself):
  // NIL, a string, or the RFC 5524 extended items.
  void AppendUrlFetchData(absl::string_view url, const FetchOptions& options,
                          imap::ImapWriter* w);

 private:
  struct Target {
    store::Mailbox* mailbox = nullptr;
    const store::Message* message = nullptr;
    url::ImapUrl url;
  };
  // Validates a full URLAUTH URL for the session's user; fills `target`.
  bool ValidateAuthorized(absl::string_view text, Target* target, std::string* error);
  // Finds mailbox and message of a parsed URL owned by `owner`.
  bool Locate(const store::User& owner, const url::ImapUrl& parsed, Target* target,
              std::string* error);
  bool HostIsOurs(absl::string_view host) const;
  // The section/partial content of a located target.
  bool Content(const Target& target, std::string* content, std::string* error);

  ImapServer* server_;
  store::MailStore* store_;
  const store::User* user_;
  MessageCache* cache_;
};

}  // namespace lemonade::imap_server

#endif  // LEMONADE_SERVER_IMAP_URL_RESOLVER_H_
