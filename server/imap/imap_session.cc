#include "server/imap/imap_session.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/common/protocol_log.h"
#include "server/imap/imap_server.h"

namespace lemonade::imap_server {

using imap::CommandName;
using imap::ImapCommand;

ImapSession::ImapSession(ImapServer* server, SessionIo* io)
    : server_(server),
      io_(io),
      env_(server->env()),
      store_(server->store()),
      parser_(server->config().limits) {}

ImapSession::~ImapSession() {
  if (!session_id_.empty()) server_->UnregisterLiveSession(session_id_, this);
  if (view_) view_->mailbox()->RemoveObserver(this);
  if (idle_timer_ != kNoTimer) env_.timers->Cancel(idle_timer_);
}

// ---- Output ----

void ImapSession::Untagged(absl::string_view text) { absl::StrAppend(&out_, "* ", text, "\r\n"); }

void ImapSession::Tagged(absl::string_view tag, absl::string_view status, absl::string_view code,
                         absl::string_view text) {
  if (tag.empty()) tag = "*";
  if (code.empty()) {
    absl::StrAppend(&out_, tag, " ", status, " ", text, "\r\n");
  } else {
    absl::StrAppend(&out_, tag, " ", status, " [", code, "] ", text, "\r\n");
  }
}

void ImapSession::Flush() {
  if (out_.empty()) return;
  std::string out;
  out.swap(out_);
  if (server_->config().log_protocol) {
    LogProtocolLines(env_.log, "S", io_->id(), out, Redaction::kNone);
  }
  io_->Write(out);
}

std::string ImapSession::Capabilities() const {
  const ImapServerConfig& config = server_->config();
  std::vector<std::string> caps = {"IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE",
                                   "NAMESPACE", "UNSELECT", "UIDPLUS", "CHILDREN",
                                   "SPECIAL-USE", "CREATE-SPECIAL-USE", "LIST-EXTENDED",
                                   "LIST-STATUS", "MOVE", "BINARY", "CATENATE", "URLAUTH",
                                   "URLAUTH=BINARY", "URL-PARTIAL", "CONDSTORE", "ESEARCH",
                                   "SEARCHRES", "SORT", "ESORT", "STATUS=SIZE", "MULTIAPPEND"};
  if (config.enable_qresync) caps.push_back("QRESYNC");
  caps.push_back(absl::StrCat("APPENDLIMIT=", config.limits.literal_bytes_max));
  if (config.enable_compress && !io_->is_compressed()) caps.push_back("COMPRESS=DEFLATE");
  if (config.enable_resume) caps.push_back("X-DRAFT-W02-RECONNECT");
  if (state_ == State::kNotAuthenticated) {
    if (config.tls_available && !io_->is_tls()) caps.push_back("STARTTLS");
    if (PlaintextAuthAllowed()) {
      caps.push_back("AUTH=PLAIN");
      caps.push_back("AUTH=LOGIN");
    } else {
      caps.push_back("LOGINDISABLED");
    }
  }
  return absl::StrJoin(caps, " ");
}

bool ImapSession::PlaintextAuthAllowed() const {
  return io_->is_tls() || io_->peer_is_local() || server_->config().allow_plaintext_auth;
}

// ---- Lifecycle ----

void ImapSession::Start() {
  Untagged(absl::StrCat("OK [CAPABILITY ", Capabilities(), "] ", server_->config().hostname,
                        " Lemonade IMAP4rev1 server ready"));
  Flush();
  ResetIdleTimer();
}

void ImapSession::ResetIdleTimer() {
  if (idle_timer_ != kNoTimer) env_.timers->Cancel(idle_timer_);
  std::weak_ptr<bool> alive = alive_;
  idle_timer_ = env_.timers->ScheduleAt(env_.Now() + server_->config().idle_timeout,
                                        [this, alive] {
                                          if (alive.expired()) return;
                                          idle_timer_ = kNoTimer;
                                          Untagged("BYE Autologout; idle for too long");
                                          Flush();
                                          state_ = State::kLogout;
                                          io_->Close();
                                        });
}

void ImapSession::Shutdown(absl::string_view reason) {
  if (state_ == State::kLogout) return;
  Untagged(absl::StrCat("BYE ", reason));
  Flush();
  state_ = State::kLogout;
  io_->Close();
}

void ImapSession::TakenOver() {
  if (state_ == State::kLogout) return;
  Untagged("BYE Session resumed on another connection");
  Flush();
  OnClosed();  // records the session for the resuming connection
  io_->Close();
}

void ImapSession::OnClosed() {
  if (idle_timer_ != kNoTimer) {
    env_.timers->Cancel(idle_timer_);
    idle_timer_ = kNoTimer;
  }
  // An authenticated session that ends without LOGOUT can be resumed
  // (the Lemonade profile's quick reconnect).
  if (user_ != nullptr && state_ != State::kLogout && server_->config().enable_resume &&
      !session_id_.empty()) {
    ResumeRecord record;
    record.user_id = user_->id;
    if (view_) {
      record.mailbox_id = view_->mailbox()->id();
      record.uidvalidity = view_->mailbox()->uidvalidity();
      record.read_only = view_->read_only();
    }
    record.condstore = condstore_enabled_;
    record.qresync = qresync_enabled_;
    server_->RememberSession(session_id_, record);
  }
  if (!session_id_.empty()) server_->UnregisterLiveSession(session_id_, this);
  if (view_) {
    view_->mailbox()->RemoveObserver(this);
    view_.reset();
  }
  state_ = State::kLogout;
}

// ---- Input ----

void ImapSession::OnBytes(absl::string_view bytes) {
  if (state_ == State::kLogout) return;
  if (server_->config().log_protocol) {
    LogProtocolLines(env_.log, "C", io_->id(), bytes,
                     sasl_ ? Redaction::kEverything : Redaction::kImap);
  }
  // Any progress counts as activity (a long APPEND upload is not idle).
  ResetIdleTimer();
  if (blocked_ || processing_) {
    held_input_.append(bytes.data(), bytes.size());
    return;
  }
  ProcessInput(bytes);
}

void ImapSession::Unblock() {
  blocked_ = false;
  if (!processing_) ResumeInput();
}

void ImapSession::ResumeInput() {
  if (held_input_.empty() || blocked_ || state_ == State::kLogout) {
    Flush();
    return;
  }
  std::string input;
  input.swap(held_input_);
  ProcessInput(input);
}

void ImapSession::ProcessInput(absl::string_view input) {
  processing_ = true;
  std::string compress_leftover;
  bool start_compression = false;
  while (!input.empty() && !blocked_ && state_ != State::kLogout) {
    imap::ParseResult r = parser_.Parse(input);
    input.remove_prefix(r.consumed);
    switch (r.event) {
      case imap::ParseEvent::kNeedMore:
        break;
      case imap::ParseEvent::kContinuation:
        out_ += "+ Ready for literal data\r\n";
        break;
      case imap::ParseEvent::kLine:
        HandleLine(parser_.line());
        break;
      case imap::ParseEvent::kError:
        HandleParseError(parser_.error());
        break;
      case imap::ParseEvent::kCommand: {
        const ImapCommand& c = parser_.command();
        if (c.name == CommandName::kStartTls && state_ == State::kNotAuthenticated &&
            server_->config().tls_available && !io_->is_tls()) {
          // RFC 3501 §6.2.1 / RFC 2595 §3.1: anything the client sent after
          // STARTTLS and before the handshake is discarded, never executed.
          input = absl::string_view();
        }
        const bool compress = c.name == CommandName::kCompress;
        HandleCommand(c);
        if (compress && io_->is_compressed() == false && state_ != State::kLogout &&
            compress_requested_) {
          // Everything after the COMPRESS command is compressed data.
          compress_leftover = std::string(input);
          input = absl::string_view();
          start_compression = true;
          compress_requested_ = false;
        }
        break;
      }
    }
  }
  if (!input.empty()) held_input_.insert(0, input.data(), input.size());
  processing_ = false;
  Flush();
  if (start_compression) {
    io_->StartCompression(std::move(compress_leftover));
    return;
  }
  if (!blocked_ && !held_input_.empty() && state_ != State::kLogout) ResumeInput();
}

void ImapSession::HandleParseError(const imap::CommandError& error) {
  if (sasl_ || idling_) {
    // The line an AUTHENTICATE exchange or IDLE waited for was unreadable
    // (too long): like any wrong line, it ends the exchange, with BAD.
    const std::string tag = sasl_ ? sasl_tag_ : idle_tag_;
    sasl_.reset();
    sasl_resume_.reset();
    idling_ = false;
    idle_tag_.clear();
    TaggedBad(tag, error.code, error.text);
    return;
  }
  std::string text = error.text;
  if (error.tag.empty()) {
    Untagged(absl::StrCat("BAD ", error.code.empty() ? "" : absl::StrCat("[", error.code, "] "),
                          text));
  } else {
    TaggedBad(error.tag, error.code, text);
  }
}

bool ImapSession::RequireState(const ImapCommand& c) {
  switch (c.name) {
    case CommandName::kCapability:
    case CommandName::kNoop:
    case CommandName::kLogout:
    case CommandName::kId:
      return true;
    case CommandName::kStartTls:
    case CommandName::kLogin:
    case CommandName::kAuthenticate:
      if (state_ != State::kNotAuthenticated) {
        TaggedBad(c.tag, "", "Already authenticated");
        return false;
      }
      return true;
    case CommandName::kEnable:
      // RFC 5161 §3.1: only in the authenticated state.
      if (state_ != State::kAuthenticated) {
        TaggedBad(c.tag, "", state_ == State::kSelected ? "ENABLE is not allowed after SELECT"
                                                         : "Not authenticated");
        return false;
      }
      return true;
    case CommandName::kCheck:
    case CommandName::kClose:
    case CommandName::kUnselect:
    case CommandName::kExpunge:
    case CommandName::kSearch:
    case CommandName::kSort:
    case CommandName::kFetch:
    case CommandName::kStore:
    case CommandName::kCopy:
    case CommandName::kMove:
      if (state_ != State::kSelected) {
        TaggedBad(c.tag, "", state_ == State::kNotAuthenticated ? "Not authenticated"
                                                                 : "No mailbox selected");
        return false;
      }
      return true;
    default:
      // COMPRESS too: it is a command-auth (RFC 4978 §5).
      if (state_ == State::kNotAuthenticated) {
        TaggedBad(c.tag, "", "Not authenticated");
        return false;
      }
      return true;
  }
}

void ImapSession::HandleCommand(const ImapCommand& c) {
  env_.log->Log(LogLevel::kDebug, "imap",
                absl::StrCat("connection ", io_->id(), " ", c.tag, " ",
                             c.uid ? "UID " : "", imap::CommandNameToString(c.name)));
  if (!RequireState(c)) return;
  switch (c.name) {
    case CommandName::kCapability: return CmdCapability(c);
    case CommandName::kNoop: return CmdNoop(c);
    case CommandName::kLogout: return CmdLogout(c);
    case CommandName::kId: return CmdId(c);
    case CommandName::kEnable: return CmdEnable(c);
    case CommandName::kCompress: return CmdCompress(c);
    case CommandName::kStartTls: return CmdStartTls(c);
    case CommandName::kLogin: return CmdLogin(c);
    case CommandName::kAuthenticate: return CmdAuthenticate(c);
    case CommandName::kSelect:
    case CommandName::kExamine: return CmdSelect(c);
    case CommandName::kCreate: return CmdCreate(c);
    case CommandName::kDelete: return CmdDelete(c);
    case CommandName::kRename: return CmdRename(c);
    case CommandName::kSubscribe: return CmdSubscribe(c, true);
    case CommandName::kUnsubscribe: return CmdSubscribe(c, false);
    case CommandName::kList:
    case CommandName::kLsub: return CmdList(c);
    case CommandName::kStatus: return CmdStatus(c);
    case CommandName::kAppend: return CmdAppend(c);
    case CommandName::kNamespace: return CmdNamespace(c);
    case CommandName::kIdle: return CmdIdle(c);
    case CommandName::kGenUrlauth: return CmdGenUrlauth(c);
    case CommandName::kResetKey: return CmdResetKey(c);
    case CommandName::kUrlFetch: return CmdUrlFetch(c);
    case CommandName::kCheck: return CmdCheck(c);
    case CommandName::kClose: return CmdClose(c, /*expunge=*/true);
    case CommandName::kUnselect: return CmdClose(c, /*expunge=*/false);
    case CommandName::kExpunge: return CmdExpunge(c);
    case CommandName::kSearch: return CmdSearch(c);
    case CommandName::kSort: return CmdSort(c);
    case CommandName::kFetch: return CmdFetch(c);
    case CommandName::kStore: return CmdStore(c);
    case CommandName::kCopy: return CmdCopy(c, /*move=*/false);
    case CommandName::kMove: return CmdCopy(c, /*move=*/true);
    case CommandName::kUnknown: break;
  }
  TaggedBad(c.tag, "", "Unknown command");
}

void ImapSession::HandleLine(absl::string_view line) {
  if (sasl_) return ContinueAuthenticate(line);
  if (idling_) {
    idling_ = false;
    if (absl::EqualsIgnoreCase(line, "DONE")) {
      FlushMailboxUpdates(/*allow_expunge=*/true);
      TaggedOk(idle_tag_, "IDLE terminated");
    } else {
      TaggedBad(idle_tag_, "", "Expected DONE to end IDLE");
    }
    idle_tag_.clear();
    return;
  }
  Untagged("BAD Unexpected continuation line");
}

void ImapSession::FinishAfterCommit(std::string tag, std::string tagged_line, bool allow_expunge,
                                    bool report_highest_modseq) {
  Block();
  std::weak_ptr<bool> alive = alive_;
  store_->Commit([this, alive, tag = std::move(tag), line = std::move(tagged_line),
                  allow_expunge, report_highest_modseq](absl::Status status) {
    if (alive.expired() || state_ == State::kLogout) return;
    if (status.ok()) {
      FlushMailboxUpdates(allow_expunge);
      if (report_highest_modseq && view_ && absl::StartsWith(line, "OK ")) {
        absl::StrAppend(&out_, tag, " OK [HIGHESTMODSEQ ", view_->SafeHighestModseq(), "] ",
                        absl::string_view(line).substr(3), "\r\n");
      } else {
        absl::StrAppend(&out_, tag, " ", line, "\r\n");
      }
    } else {
      // Nothing may be acknowledged that is not durable.
      TaggedNo(tag, "SERVERBUG", absl::StrCat("Store failure: ", status.message()));
    }
    Flush();
    Unblock();
  });
}

void ImapSession::OnWritable() {
  if (pending_fetch_ && io_->PendingWriteBytes() < server_->config().output_high_water_bytes) {
    ContinueFetch();
  }
}

void ImapSession::OnFlagsChanging(uint32_t uid, const store::FlagSet& old_flags,
                                  uint64_t old_modseq) {
  if (view_) view_->NoteUnreportedChange(uid, old_flags, old_modseq);
}

void ImapSession::OnMailboxChanged() {
  // Only IDLE pushes at once; otherwise changes wait for a command.
  if (idling_ && !blocked_) {
    FlushMailboxUpdates(/*allow_expunge=*/true);
    Flush();
  }
}

void ImapSession::OnMailboxGone() {
  if (!view_) return;
  view_.reset();
  state_ = State::kAuthenticated;
  if (idling_ || !blocked_) {
    // RFC 7162 §3.2.11 [CLOSED] tells QRESYNC clients the mailbox is gone.
    Untagged("OK [CLOSED] Mailbox was deleted or renamed");
    Flush();
  }
}

// ---- Any state ----

void ImapSession::CmdCapability(const ImapCommand& c) {
  Untagged(absl::StrCat("CAPABILITY ", Capabilities()));
  TaggedOk(c.tag, "CAPABILITY completed");
}

void ImapSession::CmdNoop(const ImapCommand& c) {
  FlushMailboxUpdates(/*allow_expunge=*/true);
  TaggedOk(c.tag, "NOOP completed");
}

void ImapSession::CmdLogout(const ImapCommand& c) {
  Untagged("BYE Logging out");
  TaggedOk(c.tag, "LOGOUT completed");
  Flush();
  state_ = State::kLogout;
  io_->Close();
}

void ImapSession::CmdId(const ImapCommand& c) {
  // RFC 2971: the server's identification.
  Untagged("ID (\"name\" \"lemonade\" \"vendor\" \"lemonade developers\" \"support-url\" "
           "\"https://datatracker.ietf.org/doc/rfc5550/\")");
  TaggedOk(c.tag, "ID completed");
}

void ImapSession::CmdEnable(const ImapCommand& c) {
  std::vector<std::string> enabled;
  for (absl::string_view cap : c.flags) {
    if (absl::EqualsIgnoreCase(cap, "CONDSTORE")) {
      if (!condstore_enabled_) enabled.push_back("CONDSTORE");
      condstore_enabled_ = true;
    } else if (absl::EqualsIgnoreCase(cap, "QRESYNC") && server_->config().enable_qresync) {
      // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
      if (!qresync_enabled_) enabled.push_back("QRESYNC");
      qresync_enabled_ = true;
      condstore_enabled_ = true;
    }
  }
  Untagged(enabled.empty() ? "ENABLED" : absl::StrCat("ENABLED ", absl::StrJoin(enabled, " ")));
  TaggedOk(c.tag, "ENABLE completed");
}

void ImapSession::CmdCompress(const ImapCommand& c) {
  if (!server_->config().enable_compress) {
    TaggedBad(c.tag, "", "COMPRESS is not enabled");
    return;
  }
  // RFC 4978 §3: an unknown argument and COMPRESS already active are both
  // BAD (NO is for compression negotiated by another layer, e.g. TLS).
  if (!absl::EqualsIgnoreCase(c.mechanism, "DEFLATE")) {
    TaggedBad(c.tag, "", "Unknown compression algorithm");
    return;
  }
  if (io_->is_compressed()) {
    TaggedBad(c.tag, "COMPRESSIONACTIVE", "DEFLATE is already active");
    return;
  }
  TaggedOk(c.tag, "DEFLATE active");
  compress_requested_ = true;
}

void ImapSession::CmdStartTls(const ImapCommand& c) {
  if (!server_->config().tls_available) {
    TaggedBad(c.tag, "", "STARTTLS is not available");
    return;
  }
  if (io_->is_tls()) {
    TaggedBad(c.tag, "", "TLS is already active");
    return;
  }
  TaggedOk(c.tag, "Begin TLS negotiation now");
  Flush();
  Block();
  held_input_.clear();
  std::weak_ptr<bool> alive = alive_;
  io_->StartTls([this, alive](absl::Status status) {
    if (alive.expired()) return;
    if (!status.ok()) {
      env_.log->Log(LogLevel::kInfo, "imap",
                    absl::StrCat("connection ", io_->id(), " TLS failed: ", status.message()));
      state_ = State::kLogout;
      io_->Close();
      return;
    }
    // Anything received before the handshake completed is not trusted.
    held_input_.clear();
    Unblock();
  });
}

// ---- Authentication ----

void ImapSession::CmdLogin(const ImapCommand& c) {
  if (!PlaintextAuthAllowed()) {
    TaggedNo(c.tag, "PRIVACYREQUIRED", "Plaintext authentication is disabled; use STARTTLS");
    return;
  }
  sasl::SaslCredentials credentials;
  credentials.authcid = std::string(c.user);
  credentials.password = std::string(c.password);
  std::optional<imap::ResumeParams> resume;
  if (c.resume) resume = c.resume;
  CompleteLogin(std::string(c.tag), credentials, resume);
}

void ImapSession::CmdAuthenticate(const ImapCommand& c) {
  if (!PlaintextAuthAllowed()) {
    TaggedNo(c.tag, "PRIVACYREQUIRED", "Plaintext authentication is disabled; use STARTTLS");
    return;
  }
  std::unique_ptr<sasl::SaslServerMechanism> mechanism;
  if (absl::EqualsIgnoreCase(c.mechanism, "PLAIN") || absl::EqualsIgnoreCase(c.mechanism, "LOGIN")) {
    mechanism = sasl::CreateSaslServerMechanism(absl::AsciiStrToUpper(c.mechanism));
  }
  if (!mechanism) {
    TaggedNo(c.tag, "CANNOT", "Unsupported authentication mechanism");
    return;
  }
  sasl_ = std::make_unique<sasl::SaslServerExchange>(std::move(mechanism));
  sasl_tag_ = std::string(c.tag);
  sasl_resume_.reset();
  if (c.resume) sasl_resume_ = c.resume;
  std::optional<absl::string_view> ir;
  if (c.initial_response) ir = c.initial_response->empty() ? "=" : *c.initial_response;
  sasl::SaslWireStep step = sasl_->Start(ir);
  if (step.kind == sasl::SaslWireStep::Kind::kChallenge) {
    absl::StrAppend(&out_, "+ ", step.challenge_base64, "\r\n");
    parser_.ExpectLine();
    return;
  }
  // With an initial response PLAIN completes (or fails) at once.
  std::string tag = sasl_tag_;
  sasl_.reset();
  if (step.kind == sasl::SaslWireStep::Kind::kSuccess) {
    CompleteLogin(tag, step.credentials, sasl_resume_);
  } else {
    FailAuthenticate(tag, step.error);
  }
}

void ImapSession::FailAuthenticate(absl::string_view tag, sasl::SaslError error) {
  // RFC 3501 §6.2.2: a cancelled exchange or an unreadable response is
  // BAD; a well-formed response that cannot authenticate anyone is NO.
  const std::string text = absl::StrCat("Invalid SASL response: ", sasl::SaslErrorName(error));
  switch (error) {
    case sasl::SaslError::kCancelled:
      TaggedBad(tag, "", "AUTHENTICATE cancelled");
      return;
    case sasl::SaslError::kInvalidBase64:
    case sasl::SaslError::kResponseTooLong:
      TaggedBad(tag, "", text);
      return;
    default:
      TaggedNo(tag, "", text);
      return;
  }
}

void ImapSession::ContinueAuthenticate(absl::string_view line) {
  if (!sasl_) return;
  sasl::SaslWireStep step = sasl_->OnResponseLine(line);
  std::string tag = sasl_tag_;
  switch (step.kind) {
    case sasl::SaslWireStep::Kind::kChallenge:
      absl::StrAppend(&out_, "+ ", step.challenge_base64, "\r\n");
      parser_.ExpectLine();
      return;
    case sasl::SaslWireStep::Kind::kFailure:
      sasl_.reset();
      FailAuthenticate(tag, step.error);
      return;
    case sasl::SaslWireStep::Kind::kSuccess: {
      sasl_.reset();
      std::optional<imap::ResumeParams> resume = sasl_resume_;
      sasl_resume_.reset();
      CompleteLogin(tag, step.credentials, resume);
      return;
    }
  }
}

void ImapSession::CompleteLogin(std::string tag, const sasl::SaslCredentials& credentials,
                                std::optional<imap::ResumeParams> resume) {
  const store::User* user = nullptr;
  // We have no proxy authorization: an authzid, if given, must be the
  // authcid itself (RFC 4616 §2).
  if (credentials.authzid.empty() || credentials.authzid == credentials.authcid) {
    user = store_->Authenticate(credentials.authcid, credentials.password.value_or(""));
  }
  if (user == nullptr) {
    ++failed_auth_attempts_;
    env_.log->Log(LogLevel::kInfo, "imap",
                  absl::StrCat("connection ", io_->id(), " authentication failed for ",
                               credentials.authcid));
    // Answer after a delay, holding further commands, to slow guessing.
    Block();
    std::weak_ptr<bool> alive = alive_;
    env_.timers->ScheduleAt(env_.Now() + server_->config().auth_failure_delay,
                            [this, alive, tag] {
                              if (alive.expired() || state_ == State::kLogout) return;
                              TaggedNo(tag, "AUTHENTICATIONFAILED", "Authentication failed");
                              if (failed_auth_attempts_ >= server_->config().auth_failures_max) {
                                Untagged("BYE Too many failed authentications");
                                Flush();
                                state_ = State::kLogout;
                                io_->Close();
                                return;
                              }
                              Flush();
                              Unblock();
                            });
    return;
  }
  user_ = user;
  state_ = State::kAuthenticated;
  // Sessions carry an id so that a dropped connection can be resumed.
  if (server_->config().enable_resume) {
    session_id_ = server_->NewSessionId();
    server_->RegisterLiveSession(session_id_, this);
  }
  env_.log->Log(LogLevel::kInfo, "imap",
                absl::StrCat("connection ", io_->id(), " logged in as ", user->name));
  if (resume && server_->config().enable_resume) ApplyResume(*resume);
  if (!session_id_.empty()) {
    Untagged(absl::StrCat("OK [X-SID ", session_id_, "] Session id for quick reconnect"));
  }
  Tagged(tag, "OK", absl::StrCat("CAPABILITY ", Capabilities()),
         absl::StrCat(user->name, " authenticated"));
}

void ImapSession::ApplyResume(const imap::ResumeParams& resume) {
  const std::string resumed_id(resume.session_id);
  if (ImapSession* live = server_->FindLiveSession(resumed_id);
      live != nullptr && live != this && live->user() == user_) {
    // The old connection is still open as far as we know (its peer vanished
    // without a FIN): retire it now and take its state.
    live->TakenOver();
  }
  std::optional<ResumeRecord> record = server_->TakeSession(resumed_id, user_->id);
  if (!record) {
    Untagged("NO [X-SID-EXPIRED] Session cannot be resumed; select a mailbox");
    return;
  }
  condstore_enabled_ = record->condstore;
  qresync_enabled_ = record->qresync;
  if (record->mailbox_id == 0) return;
  store::Mailbox* mailbox = store_->FindMailboxById(record->mailbox_id);
  if (mailbox == nullptr || mailbox->owner_id() != user_->id) {
    Untagged("NO [X-SID-EXPIRED] The resumed session's mailbox is gone");
    return;
  }
  // Restore the selection and report only what changed since the client's
  // MODSEQ, as the draft's example shows, in this same round trip.
  SelectMailbox(mailbox, record->read_only);
  const bool uidvalidity_kept = mailbox->uidvalidity() == record->uidvalidity;
  Untagged(absl::StrCat(view_->size(), " EXISTS"));
  Untagged(absl::StrCat(view_->recent_count(), " RECENT"));
  Untagged(absl::StrCat("OK [UIDVALIDITY ", mailbox->uidvalidity(), "] UIDs valid"));
  Untagged(absl::StrCat("OK [UIDNEXT ", mailbox->uidnext(), "] Predicted next UID"));
  Untagged(absl::StrCat("OK [HIGHESTMODSEQ ", mailbox->highest_modseq(), "] Highest"));
  if (!uidvalidity_kept || resume.modseq == 0) return;  // the client must resync fully
  std::vector<uint32_t> vanished = mailbox->UidsExpungedSince(resume.modseq);
  if (!vanished.empty()) {
    Untagged(absl::StrCat("VANISHED (EARLIER) ", imap::FormatNumberSet(vanished)));
  }
  std::string flags;
  for (uint32_t uid : mailbox->UidsChangedSince(resume.modseq)) {
    int64_t index = view_->IndexOfUid(uid);
    if (index < 0) continue;
    const store::Message* m = view_->message(index);
    if (!m) continue;
    flags.clear();
    store::AppendFlagNames(m->flags, mailbox->keywords(), view_->recent(uid), &flags);
    Untagged(absl::StrCat(index + 1, " FETCH (UID ", uid, " FLAGS (", flags, ") MODSEQ (",
                          m->modseq, "))"));
  }
}

}  // namespace lemonade::imap_server
