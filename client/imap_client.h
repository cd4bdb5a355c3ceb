// ImapClient: an asynchronous IMAP client over an env/ Stream, for the
// Lemonade client agent (and anything else that speaks IMAP from the
// client side: tests, benchmarks).
//
// Commands are queued and may be pipelined: Send() writes at once unless a
// synchronizing literal must wait for the server's "+" (with LITERAL+ the
// client never waits). Each command's untagged responses and its tagged
// completion are delivered to its callback. Unsolicited responses (IDLE
// pushes, EXISTS) go to the unsolicited handler.
//
// The client counts round trips the way a latency experiment needs them:
// a "flight" starts whenever it sends while nothing was outstanding, or
// must wait for a "+" continuation before sending a literal.
//
//   ImapClient client(env);
//   client.Connect("imap.example.org", 143, [&](absl::Status s) {
//     client.Send(ImapRequest::Text("LOGIN bob secret"), [&](const ImapResult& r) {
//       if (r.ok()) ...
//     });
//   });
#ifndef LEMONADE_CLIENT_IMAP_CLIENT_H_
#define LEMONADE_CLIENT_IMAP_CLIENT_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "env/env.h"
#include "protocol/compress/deflate_stream.h"
#include "protocol/imap/imap_response_parser.h"

namespace lemonade::client {

// One response, with its bytes owned (the parser's views would not survive
// the next read).
class OwnedResponse {
 public:
  explicit OwnedResponse(absl::string_view frame, const imap::ImapLimits& limits);
  OwnedResponse(OwnedResponse&&) = default;
  OwnedResponse& operator=(OwnedResponse&&) = default;
  const imap::ImapResponse& get() const { return response_; }
  const imap::ImapResponse* operator->() const { return &response_; }
  absl::string_view raw() const { return *storage_; }

 private:
  std::unique_ptr<std::string> storage_;
  imap::ImapResponse response_;
};

// A command after its tag: text pieces and literals.
struct ImapRequest {
  struct Piece {
    bool literal = false;
    bool binary = false;  // literal8
    std::string bytes;
  };
  std::vector<Piece> pieces;

  static ImapRequest Text(std::string text) {
    ImapRequest r;
    r.pieces.push_back({false, false, std::move(text)});
    return r;
  }
  ImapRequest& Add(std::string text) {
    pieces.push_back({false, false, std::move(text)});
    return *this;
  }
  ImapRequest& Literal(std::string bytes, bool binary = false) {
    pieces.push_back({true, binary, std::move(bytes)});
    return *this;
  }
};

struct ImapResult {
  std::string tag;
  std::string status;  // "OK", "NO", "BAD", or "" if the connection failed
  std::string code;    // response code name ("APPENDUID")
  std::string code_args;
  std::string text;
  std::vector<OwnedResponse> untagged;

  bool ok() const { return status == "OK"; }
  // The untagged responses named `name` ("FETCH", "GENURLAUTH").
  std::vector<const imap::ImapResponse*> Named(absl::string_view name) const;
};

class ImapClient : public StreamHandler {
 public:
  using Done = absl::AnyInvocable<void(ImapResult)>;

  explicit ImapClient(const Env& env, imap::ImapLimits limits = imap::ImapLimits());
  ~ImapClient() override;

  // Connects and waits for the greeting (capabilities from its code or a
  // CAPABILITY command).
  void Connect(const std::string& host, uint16_t port, absl::AnyInvocable<void(absl::Status)> done);
  // Sends a command; `done` receives its responses.
  void Send(ImapRequest request, Done done);
  // IDLE: `done` runs when the IDLE command completes after Done().
  void Idle(Done done);
  void StopIdle();
  // STARTTLS then TLS handshake.
  void StartTls(absl::AnyInvocable<void(absl::Status)> done);
  // COMPRESS DEFLATE (RFC 4978).
  void Compress(absl::AnyInvocable<void(absl::Status)> done);
  // Drops the connection without LOGOUT (as losing coverage does).
  void Abort();
  void Close();

  void set_unsolicited_handler(std::function<void(const imap::ImapResponse&)> handler) {
    unsolicited_ = std::move(handler);
  }
  void set_closed_handler(std::function<void(absl::Status)> handler) {
    closed_handler_ = std::move(handler);
  }
  // Protocol lines to the environment's EventLog, in the Lemonade
  // profile's notation: the client's lines as `client_label` ("M"), the
  // server's as `server_label` ("I").
  void set_transcript(bool on, std::string client_label = "M", std::string server_label = "I") {
    transcript_ = on;
    client_label_ = std::move(client_label);
    server_label_ = std::move(server_label);
  }

  bool connected() const { return stream_ != nullptr && !closed_; }
  bool HasCapability(absl::string_view capability) const;
  const absl::btree_set<std::string>& capabilities() const { return capabilities_; }
  uint64_t round_trips() const { return round_trips_; }
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }
  Stream* stream() { return stream_.get(); }

  // StreamHandler.
  void OnStreamData(absl::string_view bytes) override;
  void OnStreamClosed(absl::Status status) override;

 private:
  struct Pending {
    std::string tag;
    ImapRequest request;
    size_t next_piece = 0;     // pieces already written; size()+1: all, CRLF too
    bool tag_written = false;
    bool waiting_continuation = false;
    Done done;
    ImapResult result;
  };
  void Write(absl::string_view bytes);
  void FlushCorked();
  // Writes what can be written; `prefix` goes first (a literal released by
  // a continuation).
  void Pump(std::string prefix = "");
  void OnResponse(const imap::ImapResponse& response, absl::string_view raw);
  void ParseCapabilities(absl::string_view list);
  void FailAll(absl::Status status);
  void Log(absl::string_view who, absl::string_view bytes);

  Env env_;
  imap::ImapLimits limits_;
  std::unique_ptr<Stream> stream_;
  std::unique_ptr<imap::ImapResponseParser> parser_;
  absl::AnyInvocable<void(absl::Status)> greeting_done_;
  std::deque<std::unique_ptr<Pending>> pending_;
  uint64_t next_tag_ = 1;
  absl::btree_set<std::string> capabilities_;
  std::function<void(const imap::ImapResponse&)> unsolicited_;
  std::function<void(absl::Status)> closed_handler_;
  bool closed_ = false;
  bool idling_ = false;
  std::unique_ptr<compress::DeflateStream> deflate_;
  std::unique_ptr<compress::InflateStream> inflate_;
  std::string corked_;  // written this turn, not yet handed to the stream
  bool transcript_ = false;
  std::string client_label_ = "M";
  std::string server_label_ = "I";
  uint64_t round_trips_ = 0;
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::client

#endif  // LEMONADE_CLIENT_IMAP_CLIENT_H_
