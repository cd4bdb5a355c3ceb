#include "server/submission/submission_session.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "protocol/imap/imap_date.h"
#include "protocol/sasl/sasl_mechanism.h"
#include "protocol/url/imap_url.h"
#include "protocol/url/rfc3339.h"
#include "server/common/protocol_log.h"
#include "server/submission/message_headers.h"
#include "server/submission/submission_server.h"

namespace lemonade::submission {

using smtp::EnhancedStatusCode;
using smtp::SmtpCommand;
using smtp::SmtpEvent;
using smtp::SmtpVerb;

namespace {

constexpr int kErrorsMax = 20;  // bad commands before we hang up
// Input held while a command waits (BURL, the queue write, the AUTH
// failure delay) may hold a whole pipelined message (SIZE octets) plus
// this much of commands; beyond that the client is not waiting for
// replies at all and the session ends rather than buffer without bound.
constexpr size_t kHeldInputSlackBytes = 256 * 1024;

EnhancedStatusCode Esc(int a, int b, int c) { return EnhancedStatusCode{a, b, c}; }

// The commands whose replies RFC 2920 §3.2 (5) forbids buffering.
bool FlushesAtOnce(SmtpVerb verb) {
  switch (verb) {
    case SmtpVerb::kEhlo:
    case SmtpVerb::kHelo:
    case SmtpVerb::kData:
    case SmtpVerb::kVrfy:
    case SmtpVerb::kExpn:
    case SmtpVerb::kQuit:
    case SmtpVerb::kNoop:
      return true;
    default:
      return false;
  }
}

// RFC 5321 §4.4 TCP-info: the peer's address as an address literal
// ("[192.0.2.1]", "[IPv6:2001:db8::1]"), from Stream::peer_address()'s
// "host:port" / "[v6]:port"; anything else is kept as a Domain would be.
std::string TcpInfoOf(absl::string_view peer) {
  if (absl::StartsWith(peer, "[")) {
    const size_t close = peer.find(']');
    if (close != absl::string_view::npos) {
      return absl::StrCat("[IPv6:", peer.substr(1, close - 1), "]");
    }
    return std::string(peer);
  }
  const size_t colon = peer.rfind(':');
  const absl::string_view host = colon == absl::string_view::npos ? peer : peer.substr(0, colon);
  if (!host.empty() && absl::ascii_isdigit(static_cast<unsigned char>(host.front()))) {
    return absl::StrCat("[", host, "]");
  }
  return std::string(host);
}

// RFC 3461 §4.2/§4.4: ENVID and ORCPT decode to printable US-ASCII
// (graphic characters and white space) — they end up in DSN fields, where
// a CR or LF would forge lines. nullopt for anything else.
std::optional<std::string> DecodePrintableXtext(absl::string_view xtext) {
  std::optional<std::string> decoded = smtp::DecodeXtext(xtext);
  if (!decoded) return std::nullopt;
  for (char ch : *decoded) {
    const unsigned char c = ch;
    if ((c < 0x20 && c != '\t') || c > 0x7e) return std::nullopt;
  }
  return decoded;
}

// "local@domain" with the local part unquoted, or "" for the null path.
std::string AddressOf(const smtp::SmtpPath& path) {
  if (path.kind == smtp::SmtpPath::Kind::kNull) return "";
  if (path.kind == smtp::SmtpPath::Kind::kPostmaster) return "postmaster";
  return absl::StrCat(smtp::UnquoteLocalPart(path.local_part), "@", path.domain);
}

}  // namespace

SubmissionSession::SubmissionSession(SubmissionServer* server, std::unique_ptr<Stream> stream)
    : server_(server),
      env_(server->env()),
      stream_(std::move(stream)),
      parser_(server->config().limits) {}

SubmissionSession::~SubmissionSession() {
  if (idle_timer_ != kNoTimer) env_.timers->Cancel(idle_timer_);
  if (stream_) stream_->SetHandler(nullptr);
}

void SubmissionSession::Start() {
  stream_->SetHandler(this);
  Reply(220, std::nullopt,
        absl::StrCat(server_->config().hostname, " ESMTP Lemonade submission server ready"));
  Flush();
  ResetIdleTimer();
}

void SubmissionSession::Shutdown() {
  if (closing_) return;
  Reply(421, Esc(4, 3, 2), "Service shutting down");
  CloseAfterFlush();
}

void SubmissionSession::ResetIdleTimer() {
  if (idle_timer_ != kNoTimer) env_.timers->Cancel(idle_timer_);
  std::weak_ptr<bool> alive = alive_;
  idle_timer_ = env_.timers->ScheduleAt(env_.Now() + server_->config().idle_timeout,
                                        [this, alive] {
                                          if (alive.expired()) return;
                                          idle_timer_ = kNoTimer;
                                          // RFC 5321 §4.5.3.2.7 server timeout.
                                          Reply(421, Esc(4, 4, 2), "Idle timeout, closing");
                                          CloseAfterFlush();
                                        });
}

void SubmissionSession::Reply(int code, std::optional<EnhancedStatusCode> enhanced,
                              absl::string_view text) {
  smtp::AppendSmtpReply(code, enhanced, text, &out_);
}

void SubmissionSession::Flush() {
  if (out_.empty() || closing_) return;
  std::string out;
  out.swap(out_);
  if (server_->config().log_protocol) {
    LogProtocolLines(env_.log, "S", id(), out, Redaction::kNone);
  }
  stream_->Write(out);
}

void SubmissionSession::CloseAfterFlush() {
  Flush();
  if (closing_) return;
  closing_ = true;
  stream_->Close();
  server_->SessionClosed(this);
}

void SubmissionSession::OnStreamClosed(absl::Status status) {
  if (closing_) return;
  closing_ = true;
  burl_.reset();
  server_->SessionClosed(this);
}

void SubmissionSession::OnStreamData(absl::string_view bytes) {
  if (closing_) return;
  if (server_->config().log_protocol) {
    LogProtocolLines(env_.log, "C", id(), bytes,
                     sasl_ ? Redaction::kEverything : Redaction::kSmtp);
  }
  // Any progress counts as activity: a slow upload over GPRS is not idle.
  ResetIdleTimer();
  if (blocked_ || processing_) {
    if (held_input_.size() + bytes.size() >
        server_->config().message_bytes_max + kHeldInputSlackBytes) {
      held_input_.clear();
      Reply(421, Esc(4, 7, 0), "Too much pipelined input; closing");
      CloseAfterFlush();
      return;
    }
    held_input_.append(bytes.data(), bytes.size());
    return;
  }
  Process(bytes);
}

void SubmissionSession::Unblock() {
  blocked_ = false;
  if (!processing_) ResumeInput();
}

void SubmissionSession::ResumeInput() {
  if (closing_) return;
  if (held_input_.empty() || blocked_) {
    Flush();
    return;
  }
  std::string input;
  input.swap(held_input_);
  Process(input);
}

void SubmissionSession::Process(absl::string_view input) {
  processing_ = true;
  // Runs until the input is used up; Parse() is also called with empty
  // input so an empty or finished BDAT chunk completes.
  while (!blocked_ && !closing_) {
    smtp::SmtpParseResult r = parser_.Parse(input);
    input.remove_prefix(r.consumed);
    const SmtpEvent& e = r.event;
    bool stop = false;
    switch (e.kind) {
      case SmtpEvent::Kind::kNeedMore:
        stop = true;
        break;
      case SmtpEvent::Kind::kCommand:
        if (e.command.verb == SmtpVerb::kStartTls && server_->config().tls_available &&
            !stream_->is_tls() && !transaction_.active) {
          // RFC 3207 §4.2 / CVE-2011-0411: what followed STARTTLS in this
          // read is plaintext injection; it is dropped, never executed.
          input = absl::string_view();
          held_input_.clear();
        }
        OnCommand(e.command);
        // RFC 2920 §3.2 (5): replies to EHLO, DATA, VRFY, EXPN, QUIT and
        // NOOP are never held back behind later commands.
        if (FlushesAtOnce(e.command.verb)) Flush();
        break;
      case SmtpEvent::Kind::kAuthResponse:
        ContinueAuth(e.data);
        break;
      case SmtpEvent::Kind::kDataChunk:
        AddContent(e.data);
        break;
      case SmtpEvent::Kind::kDataEnd:
        if (e.data_summary.bare_line_feed) {
          // RFC 5321 §2.3.8: a bare LF is not a line end; refusing such
          // messages closes the "SMTP smuggling" hole.
          Reply(550, Esc(5, 6, 0), "Message contains bare LF line ends; use CRLF");
          ResetTransaction();
        } else if (transaction_.too_big) {
          Reply(552, Esc(5, 3, 4), "Message size exceeds fixed maximum message size");
          ResetTransaction();
        } else {
          FinishMessage(250, Esc(2, 0, 0));
        }
        break;
      case SmtpEvent::Kind::kBdatChunk:
        if (bdat_accept_) AddContent(e.data);
        break;
      case SmtpEvent::Kind::kBdatEnd:
        OnBdatEnd(e.bdat_octets, e.bdat_last);
        break;
      case SmtpEvent::Kind::kError: {
        // An error on an AUTH response line ends the exchange (the parser
        // is back in command mode).
        sasl_.reset();
        smtp::SmtpReply reply = smtp::SuggestedReply(e.error, e.error_verb);
        smtp::AppendSmtpReply(reply, &out_);
        // RFC 2920 §3.2 (6): nor are replies to unrecognized commands.
        if (e.error == smtp::SmtpParseError::kUnknownCommand) Flush();
        if (e.fatal || ++errors_ > kErrorsMax) {
          if (!e.fatal) Reply(421, Esc(4, 7, 0), "Too many errors, closing");
          CloseAfterFlush();
        }
        break;
      }
    }
    if (stop) break;
  }
  if (!input.empty()) held_input_.insert(0, input.data(), input.size());
  processing_ = false;
  Flush();
  if (!blocked_ && !held_input_.empty() && !closing_) ResumeInput();
}

void SubmissionSession::OnCommand(const SmtpCommand& c) {
  env_.log->Log(LogLevel::kDebug, "submission",
                absl::StrCat("connection ", id(), " ", smtp::SmtpVerbName(c.verb)));
  switch (c.verb) {
    case SmtpVerb::kEhlo: return CmdEhlo(c, true);
    case SmtpVerb::kHelo: return CmdEhlo(c, false);
    case SmtpVerb::kAuth: return CmdAuth(c);
    case SmtpVerb::kStartTls: return CmdStartTls();
    case SmtpVerb::kMail: return CmdMail(c);
    case SmtpVerb::kRcpt: return CmdRcpt(c);
    case SmtpVerb::kData: return CmdData();
    case SmtpVerb::kBdat: return CmdBdat(c);
    case SmtpVerb::kBurl: return CmdBurl(c);
    case SmtpVerb::kRset:
      ResetTransaction();
      return Reply(250, Esc(2, 0, 0), "Flushed");
    case SmtpVerb::kNoop:
      return Reply(250, Esc(2, 0, 0), "OK");
    case SmtpVerb::kQuit:
      Reply(221, Esc(2, 0, 0), "Bye");
      return CloseAfterFlush();
    case SmtpVerb::kVrfy:
      // RFC 5321 §3.5.3: not verifying, but will try.
      return Reply(252, Esc(2, 5, 0), "Cannot VRFY user, but will accept message and attempt delivery");
    case SmtpVerb::kExpn:
      return Reply(502, Esc(5, 5, 1), "EXPN is not supported");
    case SmtpVerb::kHelp:
      return Reply(214, Esc(2, 0, 0),
                   "Commands: EHLO AUTH STARTTLS MAIL RCPT DATA BDAT BURL RSET NOOP QUIT");
    case SmtpVerb::kUnknown:
      break;
  }
  Reply(500, Esc(5, 5, 1), "Unrecognized command");
}

bool SubmissionSession::AuthAllowed() const {
  return stream_->is_tls() || stream_->peer_is_local() || server_->config().allow_plaintext_auth;
}

void SubmissionSession::CmdEhlo(const SmtpCommand& c, bool extended) {
  // RFC 5321 §4.1.4: EHLO resets any transaction in progress.
  ResetTransaction();
  helo_name_ = std::string(c.domain);
  greeted_ = true;
  extended_ = extended;
  const SubmissionServerConfig& config = server_->config();
  if (!extended) {
    return Reply(250, std::nullopt, config.hostname);
  }
  smtp::EhloReply ehlo;
  ehlo.domain = config.hostname;
  ehlo.greeting = absl::StrCat("Hello ", helo_name_);
  auto add = [&ehlo](std::string keyword, std::vector<std::string> params = {}) {
    ehlo.extensions.push_back({std::move(keyword), std::move(params)});
  };
  if (config.enable_pipelining) add("PIPELINING");
  add("SIZE", {absl::StrCat(config.message_bytes_max)});
  add("8BITMIME");
  if (config.enable_chunking) {
    add("CHUNKING");
    add("BINARYMIME");
  }
  add("DSN");
  add("ENHANCEDSTATUSCODES");
  if (config.tls_available && !stream_->is_tls()) add("STARTTLS");
  if (user_.empty() && AuthAllowed()) add("AUTH", {"PLAIN", "LOGIN"});
  // RFC 4468 §3.1 item 3: BURL without "imap" before authentication means
  // "supported, authenticate first".
  if (config.burl_trust.empty() || user_.empty()) {
    add("BURL");
  } else {
    add("BURL", {"imap"});
  }
  // RFC 4865: maximum interval and the latest release date-time.
  const Time latest = env_.Now() + Duration::Seconds(config.future_release_interval_max_seconds);
  int64_t days = latest.unix_seconds() / 86400;
  int64_t year;
  int month, day;
  imap::CivilFromDays(days, &year, &month, &day);
  int64_t secs = latest.unix_seconds() % 86400;
  add("FUTURERELEASE",
      {absl::StrCat(config.future_release_interval_max_seconds),
       absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, secs / 3600,
                       (secs / 60) % 60, secs % 60)});
  smtp::AppendSmtpReply(smtp::MakeEhloReply(ehlo), &out_);
}

// ---- AUTH (RFC 4954) ----

void SubmissionSession::CmdAuth(const SmtpCommand& c) {
  if (!greeted_ || !extended_) return Reply(503, Esc(5, 5, 1), "Send EHLO first");
  if (!user_.empty()) return Reply(503, Esc(5, 5, 1), "Already authenticated");
  if (transaction_.active) return Reply(503, Esc(5, 5, 1), "AUTH not allowed during a transaction");
  if (!AuthAllowed()) {
    // RFC 4954 §4 / RFC 3207: plaintext passwords only over TLS.
    return Reply(530, Esc(5, 7, 0), "Must issue a STARTTLS command first");
  }
  std::unique_ptr<sasl::SaslServerMechanism> mechanism;
  if (absl::EqualsIgnoreCase(c.mechanism, "PLAIN") || absl::EqualsIgnoreCase(c.mechanism, "LOGIN")) {
    mechanism = sasl::CreateSaslServerMechanism(absl::AsciiStrToUpper(c.mechanism));
  }
  if (!mechanism) return Reply(504, Esc(5, 5, 4), "Unrecognized authentication type");
  sasl_ = std::make_unique<sasl::SaslServerExchange>(std::move(mechanism));
  sasl::SaslWireStep step = sasl_->Start(c.initial_response);
  if (step.kind == sasl::SaslWireStep::Kind::kChallenge) {
    Reply(334, std::nullopt, step.challenge_base64);
    parser_.ExpectAuthResponse();
    return;
  }
  sasl_.reset();
  if (step.kind == sasl::SaslWireStep::Kind::kSuccess) return CompleteAuth(step.credentials);
  Reply(501, Esc(5, 5, 2), absl::StrCat("Invalid SASL data: ", sasl::SaslErrorName(step.error)));
}

void SubmissionSession::ContinueAuth(absl::string_view line) {
  if (!sasl_) return;
  sasl::SaslWireStep step = sasl_->OnResponseLine(line);
  switch (step.kind) {
    case sasl::SaslWireStep::Kind::kChallenge:
      Reply(334, std::nullopt, step.challenge_base64);
      parser_.ExpectAuthResponse();
      return;
    case sasl::SaslWireStep::Kind::kSuccess:
      sasl_.reset();
      return CompleteAuth(step.credentials);
    case sasl::SaslWireStep::Kind::kFailure:
      sasl_.reset();
      if (step.error == sasl::SaslError::kCancelled) {
        return Reply(501, Esc(5, 0, 0), "Authentication cancelled");
      }
      return Reply(501, Esc(5, 5, 2),
                   absl::StrCat("Invalid SASL data: ", sasl::SaslErrorName(step.error)));
  }
}

void SubmissionSession::CompleteAuth(const sasl::SaslCredentials& credentials) {
  const store::User* user = nullptr;
  if (credentials.authzid.empty() || credentials.authzid == credentials.authcid) {
    user = server_->store()->Authenticate(credentials.authcid, credentials.password.value_or(""));
  }
  if (user != nullptr) {
    user_ = user->name;
    env_.log->Log(LogLevel::kInfo, "submission",
                  absl::StrCat("connection ", id(), " authenticated as ", user_));
    return Reply(235, Esc(2, 7, 0), "Authentication successful");
  }
  ++auth_failures_;
  Block();
  std::weak_ptr<bool> alive = alive_;
  env_.timers->ScheduleAt(env_.Now() + server_->config().auth_failure_delay, [this, alive] {
    if (alive.expired() || closing_) return;
    Reply(535, Esc(5, 7, 8), "Authentication credentials invalid");
    if (auth_failures_ >= server_->config().auth_failures_max) {
      Reply(421, Esc(4, 7, 0), "Too many authentication failures");
      CloseAfterFlush();
      return;
    }
    Flush();
    Unblock();
  });
}

// ---- STARTTLS (RFC 3207) ----

void SubmissionSession::CmdStartTls() {
  if (!server_->config().tls_available) return Reply(454, Esc(4, 7, 0), "TLS not available");
  if (stream_->is_tls()) return Reply(503, Esc(5, 5, 1), "TLS already active");
  if (transaction_.active) return Reply(503, Esc(5, 5, 1), "STARTTLS not allowed in a transaction");
  Reply(220, Esc(2, 0, 0), "Ready to start TLS");
  Flush();
  Block();
  std::weak_ptr<bool> alive = alive_;
  stream_->StartTls(TlsRole::kServer, [this, alive](absl::Status status) {
    if (alive.expired() || closing_) return;
    if (!status.ok()) {
      closing_ = true;
      stream_->Abort();
      server_->SessionClosed(this);
      return;
    }
    // RFC 3207 §4.2: forget everything learnt before TLS.
    parser_.Reset();
    held_input_.clear();
    greeted_ = false;
    extended_ = false;
    helo_name_.clear();
    user_.clear();
    ResetTransaction();
    Unblock();
  });
}

// ---- Envelope ----

void SubmissionSession::CmdMail(const SmtpCommand& c) {
  const SubmissionServerConfig& config = server_->config();
  if (!greeted_) return Reply(503, Esc(5, 5, 1), "Send EHLO or HELO first");
  if (user_.empty()) return Reply(530, Esc(5, 7, 0), "Authentication required");
  if (transaction_.active) return Reply(503, Esc(5, 5, 1), "Nested MAIL command");
  if (const smtp::EsmtpParameter* p = c.FirstUnknownParameter()) {
    return smtp::AppendSmtpReply(smtp::UnknownParameterReply(*p), &out_);
  }
  const smtp::MailParameters& mail = c.mail;
  if (mail.size && *mail.size > config.message_bytes_max) {
    return Reply(552, Esc(5, 3, 4), "Message size exceeds fixed maximum message size");
  }
  if (mail.body == smtp::BodyType::kBinaryMime && !config.enable_chunking) {
    return Reply(555, Esc(5, 5, 4), "BINARYMIME is not supported");
  }
  // RFC 4865 §4.2 items 7-10.
  std::optional<Time> release;
  std::string hold;
  if (mail.hold_for_seconds) {
    if (*mail.hold_for_seconds > config.future_release_interval_max_seconds) {
      return Reply(501, Esc(5, 5, 4), "HOLDFOR exceeds the maximum release interval");
    }
    release = env_.Now() + Duration::Seconds(*mail.hold_for_seconds);
    hold = absl::StrCat("for;", *mail.hold_for_seconds);
  }
  if (mail.hold_until_unix_seconds) {
    // Compared in seconds: RFC 3339 allows years up to 9999, which do not
    // fit in Time's nanoseconds (nor do years before 1678).
    const int64_t until = *mail.hold_until_unix_seconds;
    const Time now = env_.Now();
    const Time latest = now + Duration::Seconds(config.future_release_interval_max_seconds);
    if (until > latest.unix_seconds()) {
      return Reply(501, Esc(5, 5, 4), "HOLDUNTIL is later than the maximum release date");
    }
    // A time already past releases the message at once.
    release = until <= now.unix_seconds() ? now : Time::FromUnixSeconds(until);
    hold = absl::StrCat("until;", url::FormatRfc3339DateTime(*mail.hold_until_unix_seconds));
  }
  std::optional<std::string> envid;
  if (mail.envid) {
    envid = DecodePrintableXtext(*mail.envid);
    if (!envid) return Reply(501, Esc(5, 5, 4), "Invalid parameter value");
  }
  // RFC 6409 §4.3, §8: the envelope sender must belong to the user.
  const std::string sender = AddressOf(c.path);
  const size_t at = sender.rfind('@');
  const bool owned = at != std::string::npos &&
                     absl::EqualsIgnoreCase(sender.substr(0, at), user_) &&
                     server_->delivery()->IsLocalDomain(sender.substr(at + 1));
  if (!owned) {
    return Reply(553, Esc(5, 7, 1), absl::StrCat("Sender address <", sender,
                                                 "> does not belong to ", user_));
  }
  transaction_ = Transaction();
  transaction_.active = true;
  transaction_.sender = sender;
  transaction_.mail.size = mail.size;
  transaction_.mail.body = mail.body;
  transaction_.mail.ret = mail.ret;
  transaction_.envid = envid.value_or("");
  transaction_.release = release;
  transaction_.hold = std::move(hold);
  Reply(250, Esc(2, 1, 0), "Sender OK");
}

void SubmissionSession::CmdRcpt(const SmtpCommand& c) {
  if (!transaction_.active) return Reply(503, Esc(5, 5, 1), "Need MAIL command");
  if (transaction_.recipients.size() >= server_->config().recipients_max) {
    return Reply(452, Esc(4, 5, 3), "Too many recipients");
  }
  if (const smtp::EsmtpParameter* p = c.FirstUnknownParameter()) {
    return smtp::AppendSmtpReply(smtp::UnknownParameterReply(*p), &out_);
  }
  const SubmissionServerConfig& config = server_->config();
  std::optional<std::string> orcpt;
  if (c.rcpt.orcpt_type && c.rcpt.orcpt_xtext) {
    orcpt = DecodePrintableXtext(*c.rcpt.orcpt_xtext);
    if (!orcpt) return Reply(501, Esc(5, 5, 4), "Invalid parameter value");
  }
  std::string address = AddressOf(c.path);
  if (c.path.kind == smtp::SmtpPath::Kind::kPostmaster && !config.local_domains.empty()) {
    // RFC 5321 §4.1.1.3: "Postmaster" without a domain is ours.
    address = absl::StrCat("postmaster@", config.local_domains[0]);
  }
  const size_t at = address.rfind('@');
  DeliveryAgent* delivery = server_->delivery();
  if (at == std::string::npos) {
    return Reply(501, Esc(5, 1, 3), "Recipient address needs a domain");
  }
  if (delivery->IsLocalDomain(address.substr(at + 1))) {
    if (delivery->LocalUser(address) == nullptr) {
      return Reply(550, Esc(5, 1, 1), absl::StrCat("User unknown: <", address, ">"));
    }
  } else if (config.relay.host.empty()) {
    return Reply(550, Esc(5, 7, 1), absl::StrCat("Relaying not available for <", address, ">"));
  }
  // The same recipient twice gets one copy (RFC 5321 §3.3 leaves it to
  // the server; every MTA collapses them). Domains compare without case.
  for (const QueuedRecipient& existing : transaction_.recipients) {
    const size_t existing_at = existing.address.rfind('@');
    if (existing_at == at && existing.address.compare(0, at, address, 0, at) == 0 &&
        absl::EqualsIgnoreCase(absl::string_view(existing.address).substr(at + 1),
                               absl::string_view(address).substr(at + 1))) {
      return Reply(250, Esc(2, 1, 5), absl::StrCat("Recipient <", address, "> OK (duplicate)"));
    }
  }
  QueuedRecipient r;
  r.address = address;
  r.notify = c.rcpt.notify;
  if (orcpt) r.orcpt = absl::StrCat(*c.rcpt.orcpt_type, ";", *orcpt);
  transaction_.recipients.push_back(std::move(r));
  Reply(250, Esc(2, 1, 5), absl::StrCat("Recipient <", address, "> OK"));
}

// ---- Content ----

bool SubmissionSession::AddContent(absl::string_view content) {
  if (transaction_.too_big) return false;
  if (transaction_.content.size() + content.size() > server_->config().message_bytes_max) {
    transaction_.too_big = true;
    transaction_.content.clear();
    transaction_.content.shrink_to_fit();
    return false;
  }
  transaction_.content.append(content.data(), content.size());
  return true;
}

void SubmissionSession::CmdData() {
  if (!transaction_.active) return Reply(503, Esc(5, 5, 1), "Need MAIL command");
  if (transaction_.recipients.empty()) {
    // RFC 2920 §3.1: DATA after all RCPTs failed.
    return Reply(554, Esc(5, 5, 1), "No valid recipients");
  }
  if (transaction_.chunked) return Reply(503, Esc(5, 5, 1), "DATA cannot follow BDAT or BURL");
  if (transaction_.mail.body == smtp::BodyType::kBinaryMime) {
    // RFC 3030 §3: BINARYMIME content only with BDAT.
    return Reply(503, Esc(5, 5, 1), "BINARYMIME requires BDAT");
  }
  Reply(354, std::nullopt, "Start mail input; end with <CRLF>.<CRLF>");
  parser_.BeginData();
}

void SubmissionSession::CmdBdat(const SmtpCommand& c) {
  // The chunk follows unconditionally (RFC 3030 §2); decide whether to keep it.
  bdat_refusal_.reset();
  bdat_accept_ = false;
  if (!transaction_.active) {
    bdat_refusal_ = smtp::SmtpReply{503, Esc(5, 5, 1), {"Need MAIL command"}};
  } else if (transaction_.recipients.empty()) {
    bdat_refusal_ = smtp::SmtpReply{554, Esc(5, 5, 0), {"No recipients have been specified"}};
  } else {
    bdat_accept_ = true;
    transaction_.chunked = true;
  }
}

void SubmissionSession::OnBdatEnd(uint64_t octets, bool last) {
  if (bdat_refusal_) {
    smtp::AppendSmtpReply(*bdat_refusal_, &out_);
    bdat_refusal_.reset();
    return;
  }
  bdat_accept_ = false;
  if (transaction_.too_big) {
    // RFC 3030 §2: the transaction fails; the client must not send more.
    Reply(552, Esc(5, 3, 4), "Message size exceeds fixed maximum message size");
    ResetTransaction();
    return;
  }
  if (!last) {
    return Reply(250, Esc(2, 0, 0), absl::StrCat(octets, " octets received"));
  }
  FinishMessage(250, Esc(2, 0, 0));
}

// ---- BURL (RFC 4468) ----

void SubmissionSession::CmdBurl(const SmtpCommand& c) {
  const SubmissionServerConfig& config = server_->config();
  if (!transaction_.active) return Reply(503, Esc(5, 5, 1), "Need MAIL command");
  // RFC 4468 §3.2: a BURL that fails fails the whole transaction, whether
  // the URL was refused here or its fetch failed; content already sent
  // with BDAT or earlier BURLs is discarded and the client starts over.
  auto fail = [this](int code, EnhancedStatusCode enhanced, absl::string_view text) {
    Reply(code, enhanced, text);
    ResetTransaction();
  };
  if (transaction_.recipients.empty()) {
    return fail(554, Esc(5, 5, 0), "No recipients have been specified");
  }
  url::UrlParseResult parsed = url::ParseImapUrl(c.url);
  if (!parsed.ok()) {
    return fail(554, Esc(5, 5, 4),
                absl::StrCat("Invalid IMAP URL: ", url::UrlErrorName(parsed.error)));
  }
  const url::ImapUrl& u = *parsed.url;
  if (!u.urlauth || !u.urlauth->verifier) {
    // Only URLAUTH URLs are supported ("BURL imap"); plain URLs would need a
    // trust relationship we do not advertise.
    return fail(554, Esc(5, 7, 8), "URL resolution requires trust relationship");
  }
  // RFC 4468 §3.3: a submit+ URL must name this client's identity.
  const url::UrlAccess& access = u.urlauth->access;
  if (access.kind == url::UrlAccessKind::kUser ||
      (access.kind == url::UrlAccessKind::kSubmit &&
       !absl::EqualsIgnoreCase(access.user, user_))) {
    return fail(554, Esc(5, 7, 0), "IMAP URL authorization failed");
  }
  const BurlTrust* trust = nullptr;
  for (const BurlTrust& t : config.burl_trust) {
    if (absl::EqualsIgnoreCase(t.host, u.host)) trust = &t;
  }
  if (trust == nullptr) {
    return fail(554, Esc(5, 7, 8), "URL resolution requires trust relationship");
  }
  transaction_.chunked = true;
  const uint64_t room = config.message_bytes_max - transaction_.content.size();
  const bool last = c.last;
  Block();
  Flush();
  std::weak_ptr<bool> alive = alive_;
  burl_ = std::make_unique<BurlFetcher>(env_, *trust, std::string(c.url), room,
                                        config.burl_timeout,
                                        [this, alive, last](BurlFetcher::Result result) {
                                          if (alive.expired() || closing_) return;
                                          OnBurlResult(last, std::move(result));
                                        });
  burl_->Start();
}

void SubmissionSession::OnBurlResult(bool last, BurlFetcher::Result result) {
  if (burl_) {
    server_->CountBurlBytes(burl_->bytes_sent(), burl_->bytes_received());
    env_.timers->Post([doomed = std::shared_ptr<BurlFetcher>(std::move(burl_))] {});
  }
  env_.log->Log(LogLevel::kInfo, "submission",
                absl::StrCat("connection ", id(), " BURL ",
                             result.kind == BurlFetcher::Result::Kind::kOk ? "ok" : result.reason));
  // RFC 4468 §3.2: a failed URL fails the whole transaction.
  switch (result.kind) {
    case BurlFetcher::Result::Kind::kUnavailable:
      Reply(451, Esc(4, 4, 1), "IMAP server unavailable");
      ResetTransaction();
      break;
    case BurlFetcher::Result::Kind::kFailed:
      Reply(554, Esc(5, 6, 6), "IMAP URL resolution failed");
      ResetTransaction();
      break;
    case BurlFetcher::Result::Kind::kTooBig:
      Reply(554, Esc(5, 3, 4), "Message too big for system");
      ResetTransaction();
      break;
    case BurlFetcher::Result::Kind::kOk:
      if (!AddContent(result.content)) {
        Reply(554, Esc(5, 3, 4), "Message too big for system");
        ResetTransaction();
      } else if (!last) {
        Reply(250, Esc(2, 5, 0), "Waiting for additional BURL or BDAT commands");
      } else {
        FinishMessage(250, Esc(2, 5, 0));
        return;  // FinishMessage unblocks once the message is durable
      }
      break;
  }
  Flush();
  Unblock();
}

// ---- Completing a message ----

void SubmissionSession::FinishMessage(int code, EnhancedStatusCode enhanced) {
  MailQueue* queue = server_->queue();
  QueuedMessage m;
  m.id = queue->NewId();
  m.sender = transaction_.sender;
  m.envid = transaction_.envid;
  m.ret = transaction_.mail.ret;
  m.body = transaction_.mail.body;
  const Time now = env_.Now();
  m.arrival = now;
  m.release = transaction_.release.value_or(now);
  m.hold = transaction_.hold;
  m.next_attempt = m.release;
  m.recipients = transaction_.recipients;
  // RFC 6409 §8: trace and missing Date/Message-ID. RFC 3848 protocol names.
  const char* with = stream_->is_tls() ? (user_.empty() ? "ESMTPS" : "ESMTPSA")
                                       : (user_.empty() ? "ESMTP" : "ESMTPA");
  std::string header = absl::StrCat("Received: from ", helo_name_, " (",
                                    TcpInfoOf(stream_->peer_address()), ")\r\n\tby ",
                                    server_->config().hostname,
                                    " (lemonade) with ", with, " id ", m.id);
  if (m.recipients.size() == 1) absl::StrAppend(&header, "\r\n\tfor <", m.recipients[0].address, ">");
  absl::StrAppend(&header, "; ", FormatRfc5322Date(now), "\r\n");
  if (!HasHeaderField(transaction_.content, "Date")) {
    absl::StrAppend(&header, "Date: ", FormatRfc5322Date(now), "\r\n");
  }
  if (!HasHeaderField(transaction_.content, "Message-ID")) {
    absl::StrAppend(&header, "Message-ID: <", m.id, "@", server_->config().hostname, ">\r\n");
  }
  m.content = header + transaction_.content;
  ResetTransaction();
  const std::string id = m.id;
  Block();
  Flush();
  std::weak_ptr<bool> alive = alive_;
  // The delivery agent owns the message from here: it is delivered even
  // if this session is gone by the time it is durable.
  server_->delivery()->Submit(std::move(m), [this, alive, id, code,
                                             enhanced](absl::Status status) {
    if (alive.expired() || closing_) return;
    if (!status.ok()) {
      // Nothing may be acknowledged that is not durable.
      Reply(451, Esc(4, 3, 0), "Queue write failed; try again later");
    } else {
      Reply(code, enhanced, absl::StrCat("Ok, queued as ", id));
    }
    Flush();
    Unblock();
  });
}

}  // namespace lemonade::submission
