// ImapSession: one client's IMAP4rev1 + Lemonade session, as a state
// machine over the environment boundary.
//
// Driven by "bytes arrived" (OnBytes), "output drained" (OnWritable),
// "timer fired" and "connection closed"; it writes responses through
// SessionIo and reaches the world only through Env. States follow RFC 3501
// §3: not authenticated -> authenticated -> selected -> logout.
//
// Commands run one at a time, in order (clients may pipeline). A command
// that changes the store waits for the store's commit before its tagged OK
// (durable before acknowledged); a FETCH whose output outruns the network
// pauses until the stream drains. While a command waits, later input is
// held, not parsed.
//
// Mailbox updates made by other sessions (EXISTS, EXPUNGE/VANISHED, FETCH
// FLAGS) are reported at the end of commands, never while a FETCH, STORE
// or SEARCH by sequence number is running (RFC 3501 §7.4.1), and at once
// while IDLE (RFC 2177).
#ifndef LEMONADE_SERVER_IMAP_IMAP_SESSION_H_
#define LEMONADE_SERVER_IMAP_IMAP_SESSION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "protocol/imap/imap_command.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "env/env.h"
#include "protocol/imap/imap_command.h"
#include "protocol/imap/imap_command_parser.h"
#include "protocol/imap/imap_writer.h"
#include "protocol/sasl/sasl_exchange.h"
#include "server/imap/mailbox_view.h"
#include "server/store/mail_store.h"

namespace lemonade::imap_server {

class ImapServer;

// The session's side of its connection (implemented by ImapConnection).
class SessionIo {
 public:
  virtual ~SessionIo() = default;
  virtual void Write(absl::string_view bytes) = 0;
  virtual size_t PendingWriteBytes() const = 0;
  virtual void StartTls(absl::AnyInvocable<void(absl::Status)> done) = 0;
  // From the next Write on, output is DEFLATE-compressed; input already is
  // (RFC 4978): `leftover` is input that followed the COMPRESS command and
  // must be inflated and handed back via OnBytes.
  virtual void StartCompression(std::string leftover) = 0;
  virtual void Close() = 0;
  virtual bool is_tls() const = 0;
  virtual bool is_compressed() const = 0;
  virtual bool peer_is_local() const = 0;
  virtual std::string peer_address() const = 0;
  virtual uint64_t id() const = 0;
};

class ImapSession : public store::MailboxObserver {
 public:
  ImapSession(ImapServer* server, SessionIo* io);
  ~ImapSession() override;

  ImapSession(const ImapSession&) = delete;
  ImapSession& operator=(const ImapSession&) = delete;

  // Sends the greeting.
  void Start();
  // Client bytes (already decrypted and decompressed).
  void OnBytes(absl::string_view bytes);
  // The connection's send buffer drained.
  void OnWritable();
  // The connection is gone (peer closed, reset, or we closed it). The
  // session records itself for quick reconnect if it was authenticated.
  void OnClosed();
  // The server is shutting down: say BYE and close.
  void Shutdown(absl::string_view reason);
  // Another connection resumes this session (quick reconnect): this one's
  // state is recorded for it and this connection is closed.
  void TakenOver();

  // MailboxObserver.
  void OnMailboxChanged() override;
  void OnMailboxGone() override;
  void OnUrlauthKeyReset() override;
  void OnFlagsChanging(uint32_t uid, const store::FlagSet& old_flags,
                       uint64_t old_modseq) override;

  enum class State { kNotAuthenticated, kAuthenticated, kSelected, kLogout };
  State state() const { return state_; }
  const store::User* user() const { return user_; }
  const std::string& session_id() const { return session_id_; }

 private:
  // ---- Input and control flow (imap_session.cc) ----
  void ProcessInput(absl::string_view input);
  void ResumeInput();
  void HandleCommand(const imap::ImapCommand& command);
  void HandleParseError(const imap::CommandError& error);
  void HandleLine(absl::string_view line);
  // Sends the tagged response after the store has made the command durable.
  // With `report_highest_modseq` the OK carries the mailbox's
  // HIGHESTMODSEQ once every update has been reported.
  void FinishAfterCommit(std::string tag, std::string tagged_line, bool allow_expunge = true,
                         bool report_highest_modseq = false);
  void Block() { blocked_ = true; }
  void Unblock();
  void Flush();
  void ResetIdleTimer();

  // ---- Response helpers ----
  void Untagged(absl::string_view text);
  void Tagged(absl::string_view tag, absl::string_view status, absl::string_view code,
              absl::string_view text);
  void TaggedOk(absl::string_view tag, absl::string_view text) { Tagged(tag, "OK", "", text); }
  void TaggedNo(absl::string_view tag, absl::string_view code, absl::string_view text) {
    Tagged(tag, "NO", code, text);
  }
  void TaggedBad(absl::string_view tag, absl::string_view code, absl::string_view text) {
    Tagged(tag, "BAD", code, text);
  }
  std::string Capabilities() const;
  bool RequireState(const imap::ImapCommand& c);

  // ---- Any state / not authenticated (imap_session.cc) ----
  void CmdCapability(const imap::ImapCommand& c);
  void CmdNoop(const imap::ImapCommand& c);
  void CmdLogout(const imap::ImapCommand& c);
  void CmdId(const imap::ImapCommand& c);
  void CmdEnable(const imap::ImapCommand& c);
  void CmdCompress(const imap::ImapCommand& c);
  void CmdStartTls(const imap::ImapCommand& c);
  void CmdLogin(const imap::ImapCommand& c);
  void CmdAuthenticate(const imap::ImapCommand& c);
  void ContinueAuthenticate(absl::string_view line);
  void FailAuthenticate(absl::string_view tag, sasl::SaslError error);
  void CompleteLogin(std::string tag, const sasl::SaslCredentials& credentials,
                     std::optional<imap::ResumeParams> resume);
  bool PlaintextAuthAllowed() const;
  void ApplyResume(const imap::ResumeParams& resume);

  // ---- Mailboxes (imap_session_mailbox.cc) ----
  void CmdSelect(const imap::ImapCommand& c);
  void CmdCreate(const imap::ImapCommand& c);
  void CmdDelete(const imap::ImapCommand& c);
  void CmdRename(const imap::ImapCommand& c);
  void CmdSubscribe(const imap::ImapCommand& c, bool subscribe);
  void CmdList(const imap::ImapCommand& c);
  void CmdStatus(const imap::ImapCommand& c);
  void CmdNamespace(const imap::ImapCommand& c);
  void CmdIdle(const imap::ImapCommand& c);
  void CmdCheck(const imap::ImapCommand& c);
  void CmdClose(const imap::ImapCommand& c, bool expunge);
  void Deselect(bool announce_closed);
  void SelectMailbox(store::Mailbox* mailbox, bool read_only);
  void AppendStatusItems(store::Mailbox* mailbox, const std::vector<absl::string_view>& items,
                         std::string* out, std::string* error);
  // Reports what changed in the selected mailbox since last told.
  void FlushMailboxUpdates(bool allow_expunge);
  // A CONDSTORE enabling command ran (RFC 7162 §3.1).
  void EnableCondstore();
  // Validates a client-supplied mailbox name (modified UTF-7).
  bool ValidMailboxName(absl::string_view name) const;

  // ---- Messages (imap_session_message.cc) ----
  void CmdAppend(const imap::ImapCommand& c);
  void CmdFetch(const imap::ImapCommand& c);
  void ContinueFetch();
  void CmdStore(const imap::ImapCommand& c);
  void CmdCopy(const imap::ImapCommand& c, bool move);
  void CmdExpunge(const imap::ImapCommand& c);
  void CmdSearch(const imap::ImapCommand& c);
  // The messages a SEARCH or SORT program selects, in view order.
  struct SearchOutcome {
    std::vector<size_t> matches;
    uint64_t highest_modseq = 0;  // of the matches
    bool used_modseq = false;     // the MODSEQ key was used (RFC 7162 §3.1.5)
  };
  // Runs the program of `c`; false (after replying NO [BADCHARSET]) for a
  // charset we do not search in.
  bool RunSearch(const imap::ImapCommand& c, SearchOutcome* outcome);
  // Answers a SEARCH or SORT (`name`) whose matches are `ordered` (view
  // indexes in result order): the SEARCH/SORT or ESEARCH response, SAVE,
  // MODSEQ, pending updates and the tagged OK.
  void FinishSearch(const imap::ImapCommand& c, absl::string_view name,
                    const std::vector<size_t>& ordered, const SearchOutcome& outcome);
  // ---- SORT (imap_session_sort.cc) ----
  void CmdSort(const imap::ImapCommand& c);
  // Resolves a sequence set (or UID set) to view indexes, in ascending order.
  // Returns false (after replying BAD) when the set is invalid.
  bool ResolveSet(const imap::ImapCommand& c, std::vector<size_t>* indexes);
  bool ParseFlags(absl::string_view tag, const std::vector<absl::string_view>& names,
                  uint8_t* system, std::vector<std::string>* keywords, bool allow_recent);

  // ---- URLAUTH (imap_session_urlauth.cc) ----
  void CmdGenUrlauth(const imap::ImapCommand& c);
  void CmdResetKey(const imap::ImapCommand& c);
  void CmdUrlFetch(const imap::ImapCommand& c);

  ImapServer* server_;
  SessionIo* io_;
  const Env& env_;
  store::MailStore* store_;
  State state_ = State::kNotAuthenticated;
  const store::User* user_ = nullptr;
  std::string session_id_;

  imap::ImapCommandParser parser_;
  std::string out_;              // responses not yet written
  std::string held_input_;       // input that arrived while blocked
  bool blocked_ = false;
  bool processing_ = false;      // re-entrancy guard for ProcessInput
  bool compress_requested_ = false;  // COMPRESS accepted; switch after flushing its OK

  // Extensions the client turned on (RFC 5161).
  bool condstore_enabled_ = false;
  bool qresync_enabled_ = false;

  // The selected mailbox.
  std::unique_ptr<MailboxView> view_;

  // AUTHENTICATE in progress.
  std::unique_ptr<sasl::SaslServerExchange> sasl_;
  std::string sasl_tag_;
  std::optional<imap::ResumeParams> sasl_resume_;

  // IDLE in progress.
  bool idling_ = false;
  std::string idle_tag_;

  // A FETCH paused for output flow control.
  // A FETCH in progress, paused when output outruns the network.
  struct PendingFetch {
    std::string tag;
    bool uid = false;
    bool include_modseq = false;
    std::vector<imap::FetchAttribute> attributes;
    std::vector<size_t> indexes;
    size_t next = 0;
    // Messages whose \Seen this FETCH set (their FLAGS are reported).
    absl::flat_hash_set<uint32_t> seen_set;
    bool needs_commit = false;        // \Seen changes must be durable first
    std::string error_code;           // e.g. UNKNOWN-CTE: the tagged NO
    // FetchAttribute holds views into the parser's buffer; the parser is not
    // fed while the FETCH is paused (the session is blocked), so they stay
    // valid until the FETCH completes.
  };
  std::unique_ptr<PendingFetch> pending_fetch_;

  // SEARCHRES (RFC 5182): the saved result, as UIDs.
  std::vector<uint32_t> saved_search_;

  int failed_auth_attempts_ = 0;
  TimerId idle_timer_ = kNoTimer;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::imap_server

#endif  // LEMONADE_SERVER_IMAP_IMAP_SESSION_H_
