#include "client/imap_client.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lemonade::client {

OwnedResponse::OwnedResponse(absl::string_view frame, const imap::ImapLimits& limits)
    : storage_(std::make_unique<std::string>(frame)) {
  std::string error;
  if (!imap::ParseFramedResponse(storage_->data(), storage_->size(), limits, &response_, &error)) {
    response_ = imap::ImapResponse();
  }
}

std::vector<const imap::ImapResponse*> ImapResult::Named(absl::string_view name) const {
  std::vector<const imap::ImapResponse*> out;
  for (const OwnedResponse& r : untagged) {
    if (absl::EqualsIgnoreCase(r->name, name)) out.push_back(&r.get());
  }
  return out;
}

ImapClient::ImapClient(const Env& env, imap::ImapLimits limits)
    : env_(env), limits_(limits), parser_(std::make_unique<imap::ImapResponseParser>(limits)) {}

ImapClient::~ImapClient() {
  if (stream_) {
    stream_->SetHandler(nullptr);
    stream_->Abort();
  }
}

bool ImapClient::HasCapability(absl::string_view capability) const {
  return capabilities_.count(absl::AsciiStrToUpper(capability)) > 0;
}

void ImapClient::Connect(const std::string& host, uint16_t port,
                         absl::AnyInvocable<void(absl::Status)> done) {
  greeting_done_ = std::move(done);
  std::weak_ptr<bool> alive = alive_;
  env_.network->Connect(host, port, [this, alive](absl::StatusOr<std::unique_ptr<Stream>> s) {
    if (alive.expired()) return;
    if (!s.ok()) {
      closed_ = true;
      if (greeting_done_) std::exchange(greeting_done_, nullptr)(s.status());
      return;
    }
    stream_ = std::move(*s);
    closed_ = false;
    stream_->SetHandler(this);
  });
}

void ImapClient::Log(absl::string_view who, absl::string_view bytes) {
  if (!transcript_ || env_.log == nullptr) return;
  for (absl::string_view line : absl::StrSplit(bytes, "\r\n", absl::SkipEmpty())) {
    // Long literals are summarised: a transcript shows the exchange, not
    // a megabyte of base64.
    if (line.size() > 200) {
      env_.log->Protocol(who, stream_ ? stream_->id() : 0,
                         absl::StrCat(line.substr(0, 72), "... (", line.size(), " octets)"));
    } else {
      env_.log->Protocol(who, stream_ ? stream_->id() : 0, line);
    }
  }
}

void ImapClient::Write(absl::string_view bytes) {
  if (!stream_ || closed_) return;
  Log(client_label_, bytes);
  // Writes made in one turn of the loop leave together, as a real client's
  // buffered socket (or Nagle's algorithm) would send them: one flight.
  const bool first = corked_.empty();
  corked_.append(bytes.data(), bytes.size());
  if (!first) return;
  std::weak_ptr<bool> alive = alive_;
  env_.timers->Post([this, alive] {
    if (alive.expired()) return;
    FlushCorked();
  });
}

void ImapClient::FlushCorked() {
  if (corked_.empty() || !stream_ || closed_) {
    corked_.clear();
    return;
  }
  std::string out;
  out.swap(corked_);
  if (deflate_) {
    std::string wire;
    deflate_->Compress(out, &wire);
    bytes_sent_ += wire.size();
    stream_->Write(wire);
  } else {
    bytes_sent_ += out.size();
    stream_->Write(out);
  }
}

void ImapClient::Send(ImapRequest request, Done done) {
  auto p = std::make_unique<Pending>();
  p->tag = absl::StrCat("C", next_tag_++);
  p->request = std::move(request);
  p->done = std::move(done);
  p->result.tag = p->tag;
  if (closed_ || !stream_) {
    ImapResult r = std::move(p->result);
    env_.timers->Post([done = std::move(p->done), r = std::move(r)]() mutable { done(std::move(r)); });
    return;
  }
  pending_.push_back(std::move(p));
  Pump();
}

void ImapClient::Pump(std::string prefix) {
  // Whether the client was waiting on nothing: then this write starts a new
  // flight (a round trip). A continuation's flight is counted by its caller.
  bool any_outstanding = !prefix.empty();
  for (const auto& p : pending_) {
    if (p->next_piece > p->request.pieces.size() || p->waiting_continuation) {
      any_outstanding = true;
    }
  }
  std::string out = std::move(prefix);
  for (auto& p : pending_) {
    if (p->waiting_continuation) break;
    const size_t n = p->request.pieces.size();
    if (p->next_piece > n) continue;  // fully written
    if (p->next_piece == 0 && !p->tag_written) {
      absl::StrAppend(&out, p->tag, " ");
      p->tag_written = true;
    }
    while (p->next_piece < n) {
      ImapRequest::Piece& piece = p->request.pieces[p->next_piece];
      if (!piece.literal) {
        out += piece.bytes;
        ++p->next_piece;
        continue;
      }
      const bool plus = HasCapability("LITERAL+");
      absl::StrAppend(&out, piece.binary ? "~{" : "{", piece.bytes.size(), plus ? "+}" : "}",
                      "\r\n");
      if (!plus) {
        // Synchronizing: send what we have and wait for "+" (RFC 3501 §7.5).
        p->waiting_continuation = true;
        break;
      }
      out += piece.bytes;
      ++p->next_piece;
    }
    if (p->waiting_continuation) break;
    if (p->next_piece == n) {
      out += "\r\n";
      p->next_piece = n + 1;
    }
  }
  if (out.empty()) return;
  if (!any_outstanding) ++round_trips_;
  Write(out);
}

void ImapClient::Idle(Done done) {
  Send(ImapRequest::Text("IDLE"), std::move(done));
}

void ImapClient::StopIdle() {
  if (!idling_) return;
  idling_ = false;
  Write("DONE\r\n");
}

void ImapClient::StartTls(absl::AnyInvocable<void(absl::Status)> done) {
  Send(ImapRequest::Text("STARTTLS"), [this, done = std::move(done)](ImapResult r) mutable {
    if (!r.ok()) {
      done(absl::UnavailableError(absl::StrCat("STARTTLS refused: ", r.text)));
      return;
    }
    std::weak_ptr<bool> alive = alive_;
    stream_->StartTls(TlsRole::kClient, [this, alive, done = std::move(done)](absl::Status s) mutable {
      if (alive.expired()) return;
      // RFC 3501 §6.2.1: capabilities learnt before TLS are forgotten.
      parser_ = std::make_unique<imap::ImapResponseParser>(limits_);
      capabilities_.clear();
      done(s);
    });
  });
}

void ImapClient::Compress(absl::AnyInvocable<void(absl::Status)> done) {
  Send(ImapRequest::Text("COMPRESS DEFLATE"), [done = std::move(done)](ImapResult r) mutable {
    done(r.ok() ? absl::OkStatus() : absl::UnavailableError(r.text));
  });
}

void ImapClient::Abort() {
  if (stream_) {
    stream_->SetHandler(nullptr);
    stream_->Abort();
    // We may be inside this stream's handler (env.h: a handler must not
    // destroy its caller); let it go on the next turn.
    env_.timers->Post([doomed = std::shared_ptr<Stream>(std::move(stream_))] {});
  }
  FailAll(absl::UnavailableError("connection aborted"));
}

void ImapClient::Close() {
  if (stream_) stream_->Close();
}

void ImapClient::OnStreamData(absl::string_view bytes) {
  bytes_received_ += bytes.size();
  std::string inflated;
  if (inflate_) {
    if (!inflate_->Decompress(bytes, &inflated).ok()) {
      Abort();
      return;
    }
    bytes = inflated;
  }
  while (!bytes.empty() && !closed_) {
    imap::ResponseParseResult r = parser_->Parse(bytes);
    bytes.remove_prefix(r.consumed);
    if (r.event == imap::ResponseEvent::kError) {
      Abort();
      return;
    }
    if (r.event != imap::ResponseEvent::kResponse) continue;
    const imap::ImapResponse& response = parser_->response();
    const bool compress_ok = response.kind == imap::ImapResponse::Kind::kTagged &&
                             response.status == "OK" && !pending_.empty() &&
                             absl::StartsWith(pending_.front()->request.pieces.empty()
                                                  ? ""
                                                  : pending_.front()->request.pieces[0].bytes,
                                              "COMPRESS") &&
                             pending_.front()->tag == response.tag;
    OnResponse(response, response.raw);
    if (compress_ok && !deflate_) {
      // RFC 4978 §3: everything after the tagged OK is compressed.
      deflate_ = std::make_unique<compress::DeflateStream>();
      inflate_ = std::make_unique<compress::InflateStream>();
      if (!bytes.empty()) {
        std::string rest(bytes);
        OnStreamData(rest);
      }
      return;
    }
  }
}

void ImapClient::ParseCapabilities(absl::string_view list) {
  capabilities_.clear();
  for (absl::string_view cap : absl::StrSplit(list, ' ', absl::SkipEmpty())) {
    capabilities_.insert(absl::AsciiStrToUpper(cap));
  }
}

void ImapClient::OnResponse(const imap::ImapResponse& r, absl::string_view raw) {
  Log(server_label_, raw);
  if (absl::EqualsIgnoreCase(r.code, "CAPABILITY")) ParseCapabilities(r.code_args);
  if (r.kind == imap::ImapResponse::Kind::kUntagged && r.name == "CAPABILITY") {
    std::string list;
    for (const imap::ImapValue& v : r.values) absl::StrAppend(&list, v.text, " ");
    ParseCapabilities(list);
  }
  if (greeting_done_) {
    // The first response is the greeting.
    auto done = std::exchange(greeting_done_, nullptr);
    if (r.kind == imap::ImapResponse::Kind::kUntagged && (r.status == "OK" || r.status == "PREAUTH")) {
      done(absl::OkStatus());
    } else {
      done(absl::UnavailableError(absl::StrCat("server refused: ", r.text)));
    }
    return;
  }
  switch (r.kind) {
    case imap::ImapResponse::Kind::kContinuation: {
      for (auto& p : pending_) {
        if (p->waiting_continuation) {
          p->waiting_continuation = false;
          // The literal's bytes go now: a new flight, as we waited for "+".
          std::string literal = std::move(p->request.pieces[p->next_piece].bytes);
          ++p->next_piece;
          ++round_trips_;
          Pump(std::move(literal));
          return;
        }
      }
      // Otherwise it is IDLE's "+ idling".
      idling_ = true;
      return;
    }
    case imap::ImapResponse::Kind::kTagged: {
      for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        if ((*it)->tag != r.tag) continue;
        std::unique_ptr<Pending> p = std::move(*it);
        pending_.erase(it);
        p->result.status = r.status;
        p->result.code = std::string(r.code);
        p->result.code_args = std::string(r.code_args);
        p->result.text = std::string(r.text);
        if (absl::StartsWith(p->request.pieces.empty() ? "" : p->request.pieces[0].bytes, "IDLE")) {
          idling_ = false;
        }
        p->done(std::move(p->result));
        Pump();
        return;
      }
      return;
    }
    case imap::ImapResponse::Kind::kUntagged:
      for (auto& p : pending_) {
        if (p->next_piece > p->request.pieces.size() || p->waiting_continuation) {
          p->result.untagged.emplace_back(raw, limits_);
          if (idling_ && unsolicited_) unsolicited_(r);
          return;
        }
      }
      if (unsolicited_) unsolicited_(r);
      return;
  }
}

void ImapClient::FailAll(absl::Status status) {
  closed_ = true;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& p : pending) {
    p->result.status = "";
    p->result.text = std::string(status.message());
    p->done(std::move(p->result));
  }
  if (greeting_done_) std::exchange(greeting_done_, nullptr)(status);
  if (closed_handler_) closed_handler_(status);
}

void ImapClient::OnStreamClosed(absl::Status status) {
  if (closed_) return;
  FailAll(status.ok() ? absl::UnavailableError("server closed the connection") : status);
}

}  // namespace lemonade::client
