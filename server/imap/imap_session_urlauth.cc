// URLAUTH commands of ImapSession (RFC 4467): GENURLAUTH, RESETKEY,
// URLFETCH (with RFC 5524's extended form).
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/imap/imap_server.h"
#include "server/imap/imap_session.h"
#include "server/imap/url_resolver.h"

namespace lemonade::imap_server {

using imap::ImapCommand;

void ImapSession::CmdGenUrlauth(const ImapCommand& c) {
  UrlResolver resolver(server_, store_, user_, &server_->message_cache());
  std::string line = "GENURLAUTH";
  imap::ImapWriter w(&line);
  for (const imap::UrlAuthRequest& request : c.genurlauth) {
    std::string authorized, error;
    if (!resolver.Generate(request.url, request.mechanism, &authorized, &error)) {
      // RFC 4467 §7: any invalid URL fails the whole command with BAD.
      TaggedBad(c.tag, "", error);
      return;
    }
    w.Space().String(authorized);
  }
  Untagged(line);
  // A key generated on first use must be durable before its URLs are given
  // out, or a crash could silently revoke them.
  FinishAfterCommit(std::string(c.tag), "OK GENURLAUTH completed");
}

void ImapSession::CmdResetKey(const ImapCommand& c) {
  for (absl::string_view mechanism : c.flags) {
    if (!absl::EqualsIgnoreCase(mechanism, "INTERNAL")) {
      TaggedNo(c.tag, "", absl::StrCat("Unsupported URLAUTH mechanism ", mechanism));
      return;
    }
  }
  if (!c.has_mailbox) {
    // Second form: revoke every URL the user ever authorized.
    for (store::Mailbox* mailbox : store_->ListMailboxes(*user_)) {
      if (absl::Status s = store_->ResetUrlauthKey(*mailbox); !s.ok()) {
        TaggedNo(c.tag, "SERVERBUG", s.message());
        return;
      }
    }
    FinishAfterCommit(std::string(c.tag), "OK All keys removed");
    return;
  }
  store::Mailbox* mailbox = store_->FindMailbox(*user_, c.mailbox);
  if (mailbox == nullptr) {
    TaggedNo(c.tag, "NONEXISTENT", "No such mailbox");
    return;
  }
  if (absl::Status s = store_->ResetUrlauthKey(*mailbox); !s.ok()) {
    TaggedNo(c.tag, "SERVERBUG", s.message());
    return;
  }
  FinishAfterCommit(std::string(c.tag), "OK [URLMECH INTERNAL] Key reset");
}

void ImapSession::CmdUrlFetch(const ImapCommand& c) {
  UrlResolver resolver(server_, store_, user_, &server_->message_cache());
  std::string line = "* URLFETCH";
  imap::ImapWriter w(&line);
  for (const imap::UrlFetchRequest& request : c.urlfetch) {
    w.Space().String(request.url).Space();
    UrlResolver::FetchOptions options;
    options.extended = request.extended &&
                       (request.binary || request.body || request.body_part_structure);
    options.binary = request.binary;
    options.body = request.body;
    options.body_part_structure = request.body_part_structure;
    resolver.AppendUrlFetchData(request.url, options, &w);
  }
  line += "\r\n";
  out_ += line;
  TaggedOk(c.tag, "URLFETCH completed");
}

void ImapSession::OnUrlauthKeyReset() {
  // RFC 4467 §7: sessions with the mailbox selected are told.
  Untagged("OK [URLMECH INTERNAL] URLAUTH key was reset");
  if (idling_ && !blocked_) Flush();
}

}  // namespace lemonade::imap_server
