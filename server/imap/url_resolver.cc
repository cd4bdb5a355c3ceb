#include "server/imap/url_resolver.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "protocol/imap/imap_command_parser.h"
#include "protocol/imap/mutf7.h"
#include "protocol/url/imap_url_resolve.h"
#include "server/imap/imap_server.h"

namespace lemonade::imap_server {
namespace {

constexpr size_t kTokenBytes = 16;  // 128 bits, RFC 4467 §3's minimum

bool TokensEqual(absl::string_view expected_hex, absl::string_view given_hex) {
  if (expected_hex.size() != given_hex.size()) return false;
  std::string given = absl::AsciiStrToLower(given_hex);
  return CRYPTO_memcmp(expected_hex.data(), given.data(), given.size()) == 0;
}

}  // namespace

std::string UrlauthToken(absl::string_view key, absl::string_view rump) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(rump.data()), rump.size(), digest, &length);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), kTokenBytes));
}

UrlResolver::UrlResolver(ImapServer* server, store::MailStore* store, const store::User* user,
                         MessageCache* cache)
    : server_(server), store_(store), user_(user), cache_(cache) {}

bool UrlResolver::HostIsOurs(absl::string_view host) const {
  if (absl::EqualsIgnoreCase(host, server_->config().hostname)) return true;
  for (const std::string& alias : server_->config().url_host_aliases) {
    if (absl::EqualsIgnoreCase(host, alias)) return true;
  }
  return false;
}

bool UrlResolver::Locate(const store::User& owner, const url::ImapUrl& parsed, Target* target,
                         std::string* error) {
  if (!parsed.mailbox || !parsed.uid) {
    *error = "URL does not name a message";
    return false;
  }
  // URLs carry UTF-8 mailbox names; the store keeps the wire form.
  std::string name = imap::EncodeModifiedUtf7(*parsed.mailbox);
  store::Mailbox* mailbox = store_->FindMailbox(owner, name);
  if (mailbox == nullptr) {
    *error = "no such mailbox";
    return false;
  }
  if (parsed.uid_validity && *parsed.uid_validity != mailbox->uidvalidity()) {
    *error = "UIDVALIDITY changed";
    return false;
  }
  const store::Message* message = mailbox->FindUid(*parsed.uid);
  if (message == nullptr) {
    *error = "no such message";
    return false;
  }
  target->mailbox = mailbox;
  target->message = message;
  target->url = parsed;
  return true;
}

bool UrlResolver::Content(const Target& target, std::string* content, std::string* error) {
  auto access = cache_->Get(store_, *target.message);
  if (!access.ok()) {
    *error = std::string(access.status().message());
    return false;
  }
  imap::SectionSpec section;
  std::string storage;
  if (target.url.section) {
    if (!imap::ParseSectionSpec(*target.url.section, &storage, &section)) {
      *error = "invalid section";
      return false;
    }
    if (!(*access)->HasPart(section.part)) {
      *error = "no such body part";
      return false;
    }
  }
  *content = (*access)->Section(section);
  if (target.url.partial) {
    // RFC 5092 §5 / RFC 5550 §5.7.1 (URL-PARTIAL): <offset.length>.
    const url::UrlPartial& p = *target.url.partial;
    if (p.offset >= content->size()) {
      content->clear();
    } else {
      *content = content->substr(p.offset, p.length ? *p.length : std::string::npos);
    }
  }
  return true;
}

bool UrlResolver::ValidateAuthorized(absl::string_view text, Target* target, std::string* error) {
  std::optional<url::UrlAuthSplit> split = url::SplitUrlAuth(text);
  url::UrlParseResult parsed = url::ParseImapUrl(text);
  if (!split || !parsed.ok() || !url::IsAuthImapUrlFull(*parsed.url)) {
    *error = "not a URLAUTH-authorized URL";
    return false;
  }
  const url::ImapUrl& u = *parsed.url;
  if (!absl::EqualsIgnoreCase(split->mechanism, "INTERNAL")) {
    *error = "unknown URLAUTH mechanism";
    return false;
  }
  // Identify the mailbox; if that fails, still spend the HMAC (RFC 4467 §6).
  const store::User* owner = u.user ? store_->FindUser(*u.user) : nullptr;
  std::string locate_error;
  bool located = owner != nullptr && HostIsOurs(u.host) && Locate(*owner, u, target, &locate_error);
  std::string key;
  if (located) {
    auto k = store_->UrlauthKey(*target->mailbox);
    if (!k.ok()) {
      *error = std::string(k.status().message());
      return false;
    }
    key = *k;
  } else {
    key = std::string(32, '\0');
  }
  const std::string expected = UrlauthToken(key, split->rump);
  const bool token_ok = TokensEqual(expected, split->token);
  if (!located) {
    *error = locate_error.empty() ? "unknown mailbox owner or host" : locate_error;
    return false;
  }
  if (!token_ok) {
    *error = "URLAUTH token does not verify";
    return false;
  }
  if (u.expire_unix_seconds && server_->env().Now().unix_seconds() > *u.expire_unix_seconds) {
    *error = "URL has expired";
    return false;
  }
  // RFC 4467 §3: who may use it.
  const url::UrlAccess& access = u.urlauth->access;
  switch (access.kind) {
    case url::UrlAccessKind::kAnonymous:
      break;
    case url::UrlAccessKind::kAuthUser:
      if (user_ == nullptr) {
        *error = "URL requires an authenticated user";
        return false;
      }
      break;
    case url::UrlAccessKind::kUser:
      if (user_ == nullptr || user_->name != access.user) {
        *error = "URL is for another user";
        return false;
      }
      break;
    case url::UrlAccessKind::kSubmit:
      if (user_ == nullptr || !server_->IsSubmitUser(user_->name)) {
        *error = "URL is for a submission server";
        return false;
      }
      break;
  }
  return true;
}

bool UrlResolver::FetchForCatenate(absl::string_view text, const store::Mailbox* selected,
                                   std::string* content, std::string* error) {
  if (url::SplitUrlAuth(text).has_value()) {
    Target target;
    if (!ValidateAuthorized(text, &target, error)) return false;
    return Content(target, content, error);
  }
  // RFC 4469 §3: relative to imap://user@server/[selected mailbox].
  url::ImapUrl base;
  base.user = user_->name;
  base.host = server_->config().hostname;
  if (selected != nullptr) {
    std::optional<std::string> utf8 = imap::DecodeModifiedUtf7(selected->name());
    if (utf8) base.mailbox = *utf8;
  }
  url::UrlParseResult parsed = url::ResolveImapUrl(base, text);
  if (!parsed.ok()) {
    *error = absl::StrCat("invalid URL: ", url::UrlErrorName(parsed.error));
    return false;
  }
  const url::ImapUrl& u = *parsed.url;
  if (!HostIsOurs(u.host) || (u.user && *u.user != user_->name)) {
    *error = "URL refers to another server or user";
    return false;
  }
  Target target;
  if (!Locate(*user_, u, &target, error)) return false;
  return Content(target, content, error);
}

bool UrlResolver::Generate(absl::string_view rump_url, absl::string_view mechanism,
                           std::string* authorized, std::string* error) {
  if (!absl::EqualsIgnoreCase(mechanism, "INTERNAL")) {
    *error = "unsupported URLAUTH mechanism";
    return false;
  }
  url::UrlParseResult parsed = url::ParseImapUrl(rump_url);
  if (!parsed.ok()) {
    *error = absl::StrCat("invalid URL: ", url::UrlErrorName(parsed.error));
    return false;
  }
  const url::ImapUrl& u = *parsed.url;
  if (!u.urlauth) {
    *error = "missing access identifier in supplied URL";
    return false;
  }
  if (u.urlauth->verifier) {
    *error = "URL is already authorized";
    return false;
  }
  if (!u.user) {
    *error = "missing owner username in supplied URL";
    return false;
  }
  if (!url::IsAuthImapUrlRump(u)) {
    *error = "URL must name a message or message part";
    return false;
  }
  if (!HostIsOurs(u.host)) {
    *error = "URL names another server";
    return false;
  }
  // RFC 4467 §7: the key table is the URL owner's, which must be the
  // logged-in user (we have no delegated owner-type access).
  if (*u.user != user_->name) {
    *error = "URL owner is not the logged-in user";
    return false;
  }
  Target target;
  std::string locate_error;
  if (!Locate(*user_, u, &target, &locate_error)) {
    *error = locate_error;
    return false;
  }
  if (u.section) {
    std::string storage;
    imap::SectionSpec section;
    if (!imap::ParseSectionSpec(*u.section, &storage, &section)) {
      *error = "invalid section";
      return false;
    }
  }
  auto key = store_->UrlauthKey(*target.mailbox);
  if (!key.ok()) {
    *error = std::string(key.status().message());
    return false;
  }
  // The token covers the rump exactly as the client wrote it.
  *authorized = url::AppendUrlAuthVerifier(rump_url, "internal", UrlauthToken(*key, rump_url));
  return true;
}

void UrlResolver::AppendUrlFetchData(absl::string_view text, const FetchOptions& options,
                                     imap::ImapWriter* w) {
  Target target;
  std::string error;
  if (!ValidateAuthorized(text, &target, &error)) {
    server_->env().log->Log(LogLevel::kInfo, "imap", absl::StrCat("URLFETCH refused: ", error));
    w->Nil();
    return;
  }
  if (!options.extended) {
    std::string content;
    if (!Content(target, &content, &error)) {
      w->Nil();
      return;
    }
    w->Literal8IfNeeded(content);
    return;
  }
  // RFC 5524 §3: the requested items, each in parentheses.
  auto access = cache_->Get(store_, *target.message);
  if (!access.ok()) {
    w->Nil();
    return;
  }
  imap::SectionSpec section;
  std::string storage;
  if (target.url.section && !imap::ParseSectionSpec(*target.url.section, &storage, &section)) {
    w->Nil();
    return;
  }
  // RFC 5524 §4: a part that does not exist gives NIL, not metadata.
  if (!(*access)->HasPart(section.part)) {
    w->Nil();
    return;
  }
  std::string binary;
  bool binary_ok = false;
  if (options.binary) {
    binary_ok = section.text == imap::SectionSpec::Text::kAll &&
                (*access)->Binary(section.part, &binary) == MessageAccess::BinaryResult::kOk;
    if (binary_ok && target.url.partial) {
      const url::UrlPartial& p = *target.url.partial;
      binary = p.offset >= binary.size()
                   ? std::string()
                   : binary.substr(p.offset, p.length ? *p.length : std::string::npos);
    }
  }
  bool first = true;
  auto sep = [&] {
    if (!first) w->Space();
    first = false;
  };
  if (options.body_part_structure) {
    sep();
    w->Raw("(BODYPARTSTRUCTURE ");
    // RFC 5524 §3.2: next to BINARY it describes the data as returned,
    // decoded, with an identity encoding.
    if (!(binary_ok && (*access)->AppendDecodedPartStructure(section.part, binary, w)) &&
        !(*access)->AppendPartStructure(section.part, w)) {
      w->Nil();
    }
    w->CloseList();
  }
  if (options.binary) {
    sep();
    w->Raw("(BINARY ");
    if (binary_ok) {
      w->Literal8IfNeeded(binary);
    } else {
      w->Nil();  // RFC 5524 §3.2: NIL when the part cannot be decoded
    }
    w->CloseList();
  }
  if (options.body) {
    sep();
    w->Raw("(BODY ");
    std::string content;
    if (!Content(target, &content, &error)) {
      w->Nil();
    } else {
      w->Literal8IfNeeded(content);
    }
    w->CloseList();
  }
}

}  // namespace lemonade::imap_server
