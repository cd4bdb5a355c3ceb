#include "server/submission/burl_fetcher.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "protocol/imap/imap_writer.h"

namespace lemonade::submission {

BurlFetcher::BurlFetcher(const Env& env, BurlTrust trust, std::string url, uint64_t size_max,
                         Duration timeout, absl::AnyInvocable<void(Result)> done)
    : env_(env),
      trust_(std::move(trust)),
      url_(std::move(url)),
      size_max_(size_max),
      timeout_(timeout),
      done_(std::move(done)) {
  limits_.literal_bytes_max = size_max_;
  limits_.command_bytes_max = size_max_ + 64 * 1024;
  parser_ = std::make_unique<imap::ImapResponseParser>(limits_);
}

BurlFetcher::~BurlFetcher() {
  if (timer_ != kNoTimer) env_.timers->Cancel(timer_);
  if (stream_) {
    stream_->SetHandler(nullptr);
    stream_->Abort();
  }
}

void BurlFetcher::Start() {
  std::weak_ptr<bool> alive = alive_;
  timer_ = env_.timers->ScheduleAt(env_.Now() + timeout_, [this, alive] {
    if (alive.expired()) return;
    timer_ = kNoTimer;
    Finish({Result::Kind::kUnavailable, "", "IMAP server did not answer in time"});
  });
  const std::string host = trust_.connect_host.empty() ? trust_.host : trust_.connect_host;
  env_.network->Connect(host, trust_.port,
                        [this, alive](absl::StatusOr<std::unique_ptr<Stream>> stream) {
                          if (alive.expired() || step_ == Step::kDone) return;
                          if (!stream.ok()) {
                            Finish({Result::Kind::kUnavailable, "",
                                    absl::StrCat("cannot connect: ", stream.status().message())});
                            return;
                          }
                          stream_ = std::move(*stream);
                          step_ = Step::kGreeting;
                          stream_->SetHandler(this);
                        });
}

void BurlFetcher::Send(absl::string_view bytes) {
  bytes_sent_ += bytes.size();
  // The transcript shows the submit server's side of the exchange in the
  // profile's notation: "S:" for us, "I:" for the IMAP server.
  if (env_.log != nullptr) {
    for (absl::string_view line : absl::StrSplit(bytes, "\r\n", absl::SkipEmpty())) {
      env_.log->Protocol("S", stream_->id(), line);
    }
  }
  stream_->Write(bytes);
}

void BurlFetcher::SendLoginAndFetch() {
  // Pipelined: LOGIN, URLFETCH and LOGOUT in one flight (RFC 3501 §5.5
  // allows it; a failed LOGIN makes the URLFETCH fail too).
  std::string out = "b1 LOGIN ";
  imap::ImapWriter w(&out);
  w.AString(trust_.user).Space().AString(trust_.password).Crlf();
  w.Raw("b2 URLFETCH ").String(url_).Crlf();
  w.Raw("b3 LOGOUT").Crlf();
  step_ = Step::kLoggingIn;
  Send(out);
}

void BurlFetcher::OnStreamData(absl::string_view bytes) {
  bytes_received_ += bytes.size();
  while (!bytes.empty() && step_ != Step::kDone) {
    imap::ResponseParseResult r = parser_->Parse(bytes);
    bytes.remove_prefix(r.consumed);
    if (r.event == imap::ResponseEvent::kError) {
      // Only a response over the size limit (the URLFETCH literal) means
      // "too big"; anything else is a broken IMAP server, a temporary
      // failure rather than a verdict on the message.
      const bool too_big = parser_->error() == "response too large" &&
                           (step_ == Step::kLoggingIn || step_ == Step::kFetching);
      Finish({too_big ? Result::Kind::kTooBig : Result::Kind::kUnavailable, "",
              parser_->error()});
      return;
    }
    if (r.event == imap::ResponseEvent::kResponse) OnResponse(parser_->response());
  }
}

void BurlFetcher::OnResponse(const imap::ImapResponse& r) {
  using Kind = imap::ImapResponse::Kind;
  if (env_.log != nullptr) {
    absl::string_view raw = r.raw;
    size_t eol = raw.find("\r\n");
    absl::string_view first = raw.substr(0, eol);
    env_.log->Protocol("I", stream_->id(),
                       raw.size() > first.size() + 2
                           ? absl::StrCat(first, " ... (", raw.size(), " octets)")
                           : std::string(first));
  }
  switch (step_) {
    case Step::kGreeting:
      if (r.kind != Kind::kUntagged || r.status != "OK") {
        Finish({Result::Kind::kUnavailable, "", "IMAP server refused the connection"});
        return;
      }
      if (trust_.use_starttls) {
        step_ = Step::kStartTls;
        Send("b0 STARTTLS\r\n");
      } else {
        SendLoginAndFetch();
      }
      return;
    case Step::kStartTls:
      if (r.kind != Kind::kTagged) return;
      if (r.status != "OK") {
        Finish({Result::Kind::kUnavailable, "", "STARTTLS refused"});
        return;
      }
      step_ = Step::kHandshake;
      stream_->StartTls(TlsRole::kClient, [this, alive = std::weak_ptr<bool>(alive_)](
                                              absl::Status status) {
        if (alive.expired() || step_ == Step::kDone) return;
        if (!status.ok()) {
          Finish({Result::Kind::kUnavailable, "",
                  absl::StrCat("TLS failed: ", status.message())});
          return;
        }
        // RFC 3501 §6.2.1: forget everything read before TLS.
        parser_ = std::make_unique<imap::ImapResponseParser>(limits_);
        SendLoginAndFetch();
      });
      return;
    case Step::kHandshake:
      return;
    case Step::kLoggingIn:
      if (r.kind == Kind::kTagged && r.tag == "b1") {
        if (r.status != "OK") {
          Finish({Result::Kind::kUnavailable, "",
                  absl::StrCat("submit login refused: ", r.text)});
          return;
        }
        step_ = Step::kFetching;
      }
      return;
    case Step::kFetching:
      if (r.kind == Kind::kUntagged && r.name == "URLFETCH" && r.values.size() >= 2) {
        got_data_ = true;
        if (r.values[1].type == imap::ImapValue::Type::kNil) {
          data_nil_ = true;
        } else {
          content_ = std::string(r.values[1].text);
        }
        return;
      }
      if (r.kind == Kind::kTagged && r.tag == "b2") {
        if (r.status != "OK") {
          Finish({Result::Kind::kFailed, "", absl::StrCat("URLFETCH failed: ", r.text)});
        } else if (!got_data_ || data_nil_) {
          Finish({Result::Kind::kFailed, "", "IMAP URL resolution failed"});
        } else if (content_.size() > size_max_) {
          Finish({Result::Kind::kTooBig, "", "message too big"});
        } else {
          Result ok{Result::Kind::kOk, std::move(content_), ""};
          step_ = Step::kLoggingOut;
          // The answer is complete; LOGOUT was already sent with it.
          Finish(std::move(ok));
        }
      }
      return;
    case Step::kConnecting:
    case Step::kLoggingOut:
    case Step::kDone:
      return;
  }
}

void BurlFetcher::OnStreamClosed(absl::Status status) {
  if (step_ == Step::kDone) return;
  Finish({Result::Kind::kUnavailable, "",
          absl::StrCat("IMAP connection closed: ", status.ok() ? "by peer" : status.message())});
}

void BurlFetcher::Finish(Result result) {
  if (step_ == Step::kDone) return;
  step_ = Step::kDone;
  if (timer_ != kNoTimer) {
    env_.timers->Cancel(timer_);
    timer_ = kNoTimer;
  }
  if (stream_) {
    // LOGOUT is already on its way; close our side once it is sent.
    stream_->Close();
  }
  // The owner may destroy us in the callback: call it last, via the loop.
  auto done = std::move(done_);
  env_.timers->Post([done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

}  // namespace lemonade::submission
