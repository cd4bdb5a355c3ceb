#include "tests/testing/smtp_sink.h"

#include "absl/strings/str_cat.h"
#include "protocol/sasl/base64.h"
#include "protocol/sasl/plain.h"
#include "protocol/smtp/smtp_command.h"
#include "protocol/smtp/smtp_command_parser.h"
#include "protocol/smtp/smtp_reply.h"

namespace lemonade::testing {

using smtp::SmtpCommand;
using smtp::SmtpEvent;
using smtp::SmtpVerb;

class SmtpSink::Session : public StreamHandler {
 public:
  Session(SmtpSink* sink, uint64_t id, int number, std::unique_ptr<Stream> stream)
      : sink_(sink), id_(id), number_(number), stream_(std::move(stream)) {}
  ~Session() override {
    if (stream_) stream_->SetHandler(nullptr);
  }

  void Start() {
    stream_->SetHandler(this);
    stream_->Write(absl::StrCat("220 ", sink_->options_.hostname, " ESMTP sink\r\n"));
  }

  void OnStreamData(absl::string_view bytes) override {
    while (!closing_ && !start_tls_) {
      smtp::SmtpParseResult r = parser_.Parse(bytes);
      bytes.remove_prefix(r.consumed);
      const SmtpEvent& e = r.event;
      if (e.kind == SmtpEvent::Kind::kNeedMore) break;
      switch (e.kind) {
        case SmtpEvent::Kind::kCommand:
          OnCommand(e.command);
          break;
        case SmtpEvent::Kind::kDataChunk:
          if (current_ >= 0) sink_->transactions_[current_].content.append(e.data.data(), e.data.size());
          break;
        case SmtpEvent::Kind::kDataEnd: {
          std::string reply = sink_->data_reply ? sink_->data_reply(number_) : std::string();
          if (reply.empty()) reply = "250 2.0.0 OK queued";
          if (current_ >= 0) sink_->transactions_[current_].final_code = std::stoi(reply.substr(0, 3));
          current_ = -1;
          absl::StrAppend(&out_, reply, "\r\n");
          break;
        }
        case SmtpEvent::Kind::kError:
          smtp::AppendSmtpReply(smtp::SuggestedReply(e.error, e.error_verb), &out_);
          if (e.fatal) closing_ = true;
          break;
        case SmtpEvent::Kind::kAuthResponse:
          Reply("535 5.7.8 Authentication credentials invalid");
          break;
        case SmtpEvent::Kind::kBdatChunk:
          if (bdat_ok_) sink_->transactions_[current_].content.append(e.data.data(), e.data.size());
          break;
        case SmtpEvent::Kind::kBdatEnd:
          OnBdatEnd(e.bdat_octets, e.bdat_last);
          break;
        case SmtpEvent::Kind::kNeedMore:
          break;
      }
    }
    if (!out_.empty()) {
      stream_->Write(out_);
      out_.clear();
    }
    if (start_tls_) {
      // RFC 3207 §4.2: what followed STARTTLS in the clear is discarded.
      start_tls_ = false;
      std::weak_ptr<bool> alive = sink_->alive_;
      stream_->StartTls(TlsRole::kServer, [this, alive](absl::Status status) {
        if (alive.expired() || finished_) return;
        if (!status.ok()) return Finish();
        tls_ = true;
        parser_ = smtp::SmtpCommandParser();
      });
      return;
    }
    if (closing_) Finish();
  }

  void OnStreamClosed(absl::Status status) override { Finish(); }

 private:
  // Whether the command uses a parameter of an extension we did not
  // advertise (or one nobody knows): RFC 5321 §4.1.1.11 says 555.
  bool UsesUnadvertised(const SmtpCommand& c) const {
    const Options& o = sink_->options_;
    if (c.FirstUnknownParameter() != nullptr) return true;
    if (c.verb == SmtpVerb::kMail) {
      if (c.mail.size && !o.size) return true;
      if ((c.mail.envid || c.mail.ret != smtp::DsnReturn::kUnspecified) && !o.dsn) return true;
      if (c.mail.body == smtp::BodyType::k8BitMime && !o.eight_bit_mime) return true;
      if ((c.mail.body == smtp::BodyType::kBinaryMime && !(o.chunking && o.binary_mime)) ||
          c.mail.hold_for_seconds ||
          c.mail.hold_until_unix_seconds || c.mail.auth) {
        return true;
      }
    }
    if (c.verb == SmtpVerb::kRcpt && (c.rcpt.notify != 0 || c.rcpt.orcpt_type) && !o.dsn) {
      return true;
    }
    return false;
  }

  void OnCommand(const SmtpCommand& c) {
    std::string line = smtp::FormatSmtpCommand(c);
    line.resize(line.size() - 2);
    sink_->commands_.push_back(line);
    const Options& o = sink_->options_;
    switch (c.verb) {
      case SmtpVerb::kEhlo: {
        smtp::EhloReply ehlo;
        ehlo.domain = o.hostname;
        if (o.pipelining) ehlo.extensions.push_back({"PIPELINING", {}});
        if (o.size) ehlo.extensions.push_back({"SIZE", {"10000000"}});
        if (o.dsn) ehlo.extensions.push_back({"DSN", {}});
        if (o.eight_bit_mime) ehlo.extensions.push_back({"8BITMIME", {}});
        if (o.starttls && !tls_) ehlo.extensions.push_back({"STARTTLS", {}});
        if (o.chunking) ehlo.extensions.push_back({"CHUNKING", {}});
        if (o.chunking && o.binary_mime) ehlo.extensions.push_back({"BINARYMIME", {}});
        if (!o.auth_user.empty() && tls_) ehlo.extensions.push_back({"AUTH", {"PLAIN"}});
        ehlo.extensions.push_back({"ENHANCEDSTATUSCODES", {}});
        smtp::AppendSmtpReply(smtp::MakeEhloReply(ehlo), &out_);
        return;
      }
      case SmtpVerb::kHelo:
        absl::StrAppend(&out_, "250 ", o.hostname, "\r\n");
        return;
      case SmtpVerb::kStartTls:
        if (!o.starttls || tls_) return Reply("503 5.5.1 STARTTLS not available");
        Reply("220 2.0.0 Ready to start TLS");
        start_tls_ = true;  // stop parsing: the rest of the input is discarded
        return;
      case SmtpVerb::kAuth: {
        if (o.auth_user.empty() || !tls_) return Reply("503 5.5.1 AUTH not available");
        std::string raw;
        sasl::SaslCredentials credentials;
        if (!c.initial_response || !sasl::StrictBase64Decode(*c.initial_response, &raw) ||
            sasl::ParsePlainMessage(raw, &credentials) != sasl::SaslError::kNone ||
            credentials.authcid != o.auth_user || credentials.password != o.auth_password) {
          return Reply("535 5.7.8 Authentication credentials invalid");
        }
        auth_user_ = credentials.authcid;
        return Reply("235 2.7.0 Authentication successful");
      }
      case SmtpVerb::kMail: {
        if (current_ >= 0) return Reply("503 5.5.1 Nested MAIL");
        if (!o.auth_user.empty() && auth_user_.empty()) {
          return Reply("530 5.7.0 Authentication required");
        }
        if (UsesUnadvertised(c)) return Reply("555 5.5.4 Parameter not supported");
        SinkTransaction t;
        t.session = number_;
        t.mail_at = sink_->env_.Now();
        t.mail = line;
        t.tls = tls_;
        t.auth_user = auth_user_;
        sink_->transactions_.push_back(std::move(t));
        current_ = static_cast<int>(sink_->transactions_.size()) - 1;
        return Reply("250 2.1.0 OK");
      }
      case SmtpVerb::kRcpt: {
        if (current_ >= 0) sink_->transactions_[current_].rcpts.push_back(line);
        if (current_ < 0) return Reply("503 5.5.1 Need MAIL");
        if (UsesUnadvertised(c)) return Reply("555 5.5.4 Parameter not supported");
        const std::string address =
            absl::StrCat(smtp::UnquoteLocalPart(c.path.local_part), "@", c.path.domain);
        std::string reply = sink_->rcpt_reply ? sink_->rcpt_reply(number_, address) : std::string();
        if (reply.empty()) {
          sink_->transactions_[current_].accepted.push_back(address);
          reply = "250 2.1.5 OK";
        }
        return Reply(reply);
      }
      case SmtpVerb::kData:
        if (current_ < 0 || sink_->transactions_[current_].accepted.empty()) {
          return Reply("554 5.5.1 No valid recipients");
        }
        Reply("354 Go ahead");
        parser_.BeginData();
        return;
      case SmtpVerb::kBdat:
        // The chunk follows whatever the reply (RFC 3030 §2).
        bdat_ok_ = o.chunking && current_ >= 0 && !sink_->transactions_[current_].accepted.empty();
        bdat_refusal_ = !o.chunking  ? "502 5.5.1 Not implemented"
                        : current_ < 0 ? "503 5.5.1 Need MAIL"
                        : bdat_ok_     ? ""
                                       : "554 5.5.1 No valid recipients";
        if (bdat_ok_) sink_->transactions_[current_].bdat = true;
        return;
      case SmtpVerb::kRset:
        current_ = -1;
        return Reply("250 2.0.0 OK");
      case SmtpVerb::kNoop:
        return Reply("250 2.0.0 OK");
      case SmtpVerb::kQuit:
        Reply("221 2.0.0 Bye");
        closing_ = true;
        return;
      default:
        return Reply("502 5.5.1 Not implemented");
    }
  }

  void Reply(absl::string_view line) { absl::StrAppend(&out_, line, "\r\n"); }

  void OnBdatEnd(uint64_t octets, bool last) {
    if (!bdat_ok_) return Reply(bdat_refusal_);
    if (!last) return Reply(absl::StrCat("250 2.0.0 ", octets, " octets received"));
    std::string reply = sink_->data_reply ? sink_->data_reply(number_) : std::string();
    if (reply.empty()) reply = "250 2.0.0 OK queued";
    sink_->transactions_[current_].final_code = std::stoi(reply.substr(0, 3));
    current_ = -1;
    bdat_ok_ = false;
    Reply(reply);
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    stream_->Close();
    const uint64_t id = id_;
    SmtpSink* sink = sink_;
    std::weak_ptr<bool> alive = sink_->alive_;
    sink_->env_.timers->Post([sink, alive, id] {
      if (alive.expired()) return;
      sink->sessions_.erase(id);
    });
  }

  SmtpSink* sink_;
  uint64_t id_;
  int number_;
  std::unique_ptr<Stream> stream_;
  smtp::SmtpCommandParser parser_;
  std::string out_;
  int current_ = -1;  // index of the open transaction in sink_->transactions_
  bool bdat_ok_ = false;            // the current BDAT chunk is kept
  std::string bdat_refusal_;        // else the reply its end gets
  bool start_tls_ = false;
  bool tls_ = false;
  std::string auth_user_;
  bool closing_ = false;
  bool finished_ = false;
};

SmtpSink::SmtpSink(const Env& env, Options options) : env_(env), options_(std::move(options)) {}

SmtpSink::~SmtpSink() { sessions_.clear(); }

absl::Status SmtpSink::Listen(uint16_t port) {
  std::weak_ptr<bool> alive = alive_;
  auto bound = env_.network->Listen({options_.hostname, port},
                                    [this, alive](std::unique_ptr<Stream> stream) {
                                      if (alive.expired()) return;
                                      const uint64_t id = next_session_id_++;
                                      auto session = std::make_unique<Session>(
                                          this, id, ++sessions_started_, std::move(stream));
                                      Session* raw = session.get();
                                      sessions_[id] = std::move(session);
                                      raw->Start();
                                    });
  return bound.status();
}

std::vector<const SinkTransaction*> SmtpSink::Delivered() const {
  std::vector<const SinkTransaction*> out;
  for (const SinkTransaction& t : transactions_) {
    if (t.final_code >= 200 && t.final_code < 300) out.push_back(&t);
  }
  return out;
}

}  // namespace lemonade::testing
