#include "server/submission/relay_client.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "protocol/sasl/plain.h"
#include "protocol/sasl/sasl_exchange.h"
#include "protocol/smtp/dot_stuffer.h"
#include "protocol/smtp/smtp_command.h"

namespace lemonade::submission {
namespace {

// "user@domain" -> SmtpPath with minimal quoting of the local part.
smtp::SmtpPath PathOf(absl::string_view address, std::string* storage) {
  size_t at = address.rfind('@');
  if (at == absl::string_view::npos) return smtp::SmtpPath::Null();
  *storage = smtp::FormatLocalPart(address.substr(0, at));
  return smtp::SmtpPath::Mailbox(*storage, address.substr(at + 1));
}

std::string StatusOf(const smtp::SmtpReply& reply) {
  if (reply.enhanced) return reply.enhanced->ToString();
  return absl::StrCat(reply.code / 100, ".0.0");
}

std::string TextOf(const smtp::SmtpReply& reply) {
  return reply.lines.empty() ? std::string() : reply.lines.front();
}

}  // namespace

RelayClient::RelayClient(const Env& env, RelayConfig relay, std::string helo_name,
                         const QueuedMessage& message, std::vector<std::string> addresses,
                         absl::AnyInvocable<void(Result)> done)
    : env_(env),
      relay_(std::move(relay)),
      helo_name_(std::move(helo_name)),
      message_(message),
      addresses_(std::move(addresses)),
      done_(std::move(done)) {
  for (const std::string& a : addresses_) result_.recipients.push_back({a, 0, "", ""});
}

RelayClient::~RelayClient() {
  if (timer_ != kNoTimer) env_.timers->Cancel(timer_);
  if (stream_) {
    stream_->SetHandler(nullptr);
    stream_->Abort();
  }
}

void RelayClient::Start() {
  std::weak_ptr<bool> alive = alive_;
  // RFC 5321 §4.5.3.2: the longest of the recommended timeouts (DATA
  // termination, 10 minutes) bounds the whole session.
  timer_ = env_.timers->ScheduleAt(env_.Now() + Duration::Minutes(10), [this, alive] {
    if (alive.expired()) return;
    timer_ = kNoTimer;
    FailAll(451, "4.4.2", "relay session timed out");
    Finish();
  });
  env_.network->Connect(relay_.host, relay_.port,
                        [this, alive](absl::StatusOr<std::unique_ptr<Stream>> stream) {
                          if (alive.expired() || step_ == Step::kDone) return;
                          if (!stream.ok()) {
                            result_.error = std::string(stream.status().message());
                            FailAll(451, "4.4.1", "cannot connect to relay");
                            Finish();
                            return;
                          }
                          result_.connected = true;
                          stream_ = std::move(*stream);
                          step_ = Step::kGreeting;
                          stream_->SetHandler(this);
                        });
}

void RelayClient::OnStreamData(absl::string_view bytes) {
  while (!bytes.empty() && step_ != Step::kDone) {
    smtp::SmtpReplyParseResult r = parser_.Parse(bytes);
    bytes.remove_prefix(r.consumed);
    if (r.kind == smtp::SmtpReplyParseResult::Kind::kError) {
      FailAll(451, "4.5.0", "relay sent a malformed reply");
      Finish();
      return;
    }
    if (r.kind == smtp::SmtpReplyParseResult::Kind::kReply) OnReply(r.reply);
  }
}

void RelayClient::FailAll(int code, absl::string_view status, absl::string_view text) {
  for (RecipientOutcome& o : result_.recipients) {
    if (o.code == 0 || o.code < 400) {
      o.code = code;
      o.status = std::string(status);
      o.text = std::string(text);
    }
  }
}

std::string RelayClient::RcptLine(size_t i) const {
  smtp::RcptParameters rcpt;
  std::string orcpt_storage, path_storage;
  if (dsn_) {
    for (const QueuedRecipient& q : message_.recipients) {
      if (q.address != addresses_[i]) continue;
      rcpt.notify = q.notify;
      size_t semi = q.orcpt.find(';');
      if (semi != std::string::npos) {
        orcpt_storage = smtp::EncodeXtext(q.orcpt.substr(semi + 1));
        rcpt.orcpt_type = absl::string_view(q.orcpt).substr(0, semi);
        rcpt.orcpt_xtext = orcpt_storage;
      }
    }
  }
  return smtp::FormatRcptTo(PathOf(addresses_[i], &path_storage), rcpt);
}

void RelayClient::Quit() {
  step_ = Step::kQuit;
  stream_->Write("QUIT\r\n");
}

void RelayClient::Defer(absl::string_view text) {
  // A temporary failure: the message stays queued and is retried, so a
  // relay's TLS or credential trouble never bounces mail.
  FailAll(451, "4.7.0", text);
  if (stream_ && step_ != Step::kHandshake) {
    Quit();
    return;
  }
  Finish();
}

void RelayClient::AfterEhlo(const smtp::EhloReply* ehlo) {
  pipelining_ = ehlo != nullptr && ehlo->Has("PIPELINING");
  dsn_ = ehlo != nullptr && ehlo->Has("DSN");
  eight_bit_ = ehlo != nullptr && ehlo->Has("8BITMIME");
  size_ = ehlo != nullptr && ehlo->Has("SIZE");
  chunking_ = ehlo != nullptr && ehlo->Has("CHUNKING");
  binary_mime_ = chunking_ && ehlo->Has("BINARYMIME");
  result_.dsn = dsn_;
  if (!tls_ && relay_.tls != RelayConfig::Tls::kNone) {
    if (ehlo != nullptr && ehlo->Has("STARTTLS")) {
      step_ = Step::kStartTls;
      stream_->Write("STARTTLS\r\n");
      return;
    }
    if (relay_.tls == RelayConfig::Tls::kRequired) {
      return Defer("relay does not offer STARTTLS, which is required");
    }
  }
  if (!relay_.user.empty()) {
    if (!tls_) return Defer("not sending relay credentials without TLS");
    const smtp::EhloExtension* auth = ehlo != nullptr ? ehlo->Find("AUTH") : nullptr;
    bool plain = false;
    if (auth != nullptr) {
      for (const std::string& m : auth->params) plain = plain || absl::EqualsIgnoreCase(m, "PLAIN");
    }
    if (!plain) return Defer("relay does not offer AUTH PLAIN");
    step_ = Step::kAuth;
    stream_->Write(smtp::FormatAuth(
        "PLAIN", sasl::EncodeInitialResponse(
                     sasl::FormatPlainMessage("", relay_.user, relay_.password))));
    return;
  }
  SendTransaction();
}

// The final reply covers the content: DATA's after "354", or BDAT LAST's.
std::string RelayClient::ContentCommand() const {
  if (!chunking_) return "DATA\r\n";
  return absl::StrCat(smtp::FormatBdat(message_.content.size(), /*last=*/true), message_.content);
}

void RelayClient::SendTransaction() {
  if (message_.body == smtp::BodyType::kBinaryMime && !binary_mime_) {
    // RFC 3030 §3: BINARYMIME content cannot be turned into DATA lines
    // without re-encoding it, which this relay does not do (RFC 3463
    // 5.6.3: conversion required but not supported).
    FailAll(554, "5.6.3", "next hop does not accept BINARYMIME content");
    Quit();
    return;
  }
  smtp::MailParameters mail;
  // RFC 1870 §4: SIZE= only to a server that offered SIZE; a strict one
  // refuses parameters it does not know (555, permanent).
  if (size_) mail.size = message_.content.size();
  if (message_.body == smtp::BodyType::kBinaryMime) {
    mail.body = smtp::BodyType::kBinaryMime;
  } else if (eight_bit_) {
    mail.body = smtp::BodyType::k8BitMime;
  }
  std::string envid_storage, sender_storage;
  if (dsn_) {
    mail.ret = message_.ret;
    if (!message_.envid.empty()) {
      envid_storage = smtp::EncodeXtext(message_.envid);
      mail.envid = envid_storage;
    }
  }
  std::string out = smtp::FormatMailFrom(
      message_.sender.empty() ? smtp::SmtpPath::Null() : PathOf(message_.sender, &sender_storage),
      mail);
  if (pipelining_) {
    // RFC 2920: the whole envelope and DATA in one flight.
    for (size_t i = 0; i < addresses_.size(); ++i) out += RcptLine(i);
    out += ContentCommand();
  }
  replies_seen_ = 0;
  step_ = Step::kTransaction;
  stream_->Write(out);
}

void RelayClient::SendContent() {
  step_ = Step::kData;
  stream_->Write(smtp::DotStuff(message_.content));
}

void RelayClient::OnReply(const smtp::SmtpReply& reply) {
  switch (step_) {
    case Step::kGreeting:
      if (reply.code != 220) {
        FailAll(reply.code >= 500 ? 554 : 451, reply.code >= 500 ? "5.0.0" : "4.0.0",
                absl::StrCat("relay greeting: ", TextOf(reply)));
        Finish();
        return;
      }
      step_ = Step::kEhlo;
      stream_->Write(smtp::FormatEhlo(helo_name_));
      return;
    case Step::kEhlo:
      if (reply.code != 250) {
        step_ = Step::kHelo;  // RFC 5321 §4.1.4: fall back to HELO
        stream_->Write(absl::StrCat("HELO ", helo_name_, "\r\n"));
        return;
      }
      {
        std::optional<smtp::EhloReply> ehlo = smtp::ParseEhloReply(reply);
        AfterEhlo(ehlo ? &*ehlo : nullptr);
      }
      return;
    case Step::kHelo:
      if (reply.code != 250) {
        FailAll(451, "4.0.0", "relay refused HELO");
        Finish();
        return;
      }
      AfterEhlo(nullptr);
      return;
    case Step::kStartTls: {
      if (reply.code != 220) {
        Defer(absl::StrCat("relay refused STARTTLS: ", reply.code, " ", TextOf(reply)));
        return;
      }
      step_ = Step::kHandshake;
      std::weak_ptr<bool> alive = alive_;
      stream_->StartTls(TlsRole::kClient, [this, alive](absl::Status status) {
        if (alive.expired() || step_ == Step::kDone) return;
        if (!status.ok()) {
          result_.error = std::string(status.message());
          Defer(absl::StrCat("TLS with the relay failed: ", status.message()));
          return;
        }
        // RFC 3207 §4.2: forget what the server said before TLS and ask
        // again.
        tls_ = true;
        parser_ = smtp::SmtpReplyParser();
        step_ = Step::kEhlo;
        stream_->Write(smtp::FormatEhlo(helo_name_));
      });
      return;
    }
    case Step::kHandshake:
      return;  // nothing may arrive in the clear during the handshake
    case Step::kAuth:
      if (reply.code != 235) {
        Defer(absl::StrCat("relay refused our credentials: ", reply.code, " ", TextOf(reply)));
        return;
      }
      SendTransaction();
      return;
    case Step::kTransaction: {
      const size_t index = replies_seen_++;
      if (index == 0) {  // MAIL
        mail_ok_ = reply.code == 250;
        if (!mail_ok_) {
          FailAll(reply.code, StatusOf(reply), TextOf(reply));
          if (!pipelining_) {
            Quit();
            return;
          }
        } else if (!pipelining_) {
          stream_->Write(RcptLine(0));
        }
        return;
      }
      const size_t rcpt_index = index - 1;
      if (rcpt_index < addresses_.size()) {
        RecipientOutcome& o = result_.recipients[rcpt_index];
        if (mail_ok_) {
          o.code = reply.code;
          o.status = StatusOf(reply);
          o.text = TextOf(reply);
          if (reply.code == 250 || reply.code == 251) ++rcpt_ok_;
        }
        if (!pipelining_) {
          if (rcpt_index + 1 < addresses_.size()) {
            stream_->Write(RcptLine(rcpt_index + 1));
          } else if (rcpt_ok_ > 0) {
            stream_->Write(ContentCommand());
          } else {
            Quit();
          }
        }
        return;
      }
      // DATA, or BDAT LAST whose reply is the final one.
      if (!chunking_) {
        if (reply.code == 354 && mail_ok_ && rcpt_ok_ > 0) {
          SendContent();
          return;
        }
        Quit();
        return;
      }
      if (!mail_ok_ || rcpt_ok_ == 0) {
        Quit();
        return;
      }
      [[fallthrough]];
    }
    case Step::kData:
      // The final reply applies to every recipient the relay accepted.
      for (RecipientOutcome& o : result_.recipients) {
        if (o.code == 250 || o.code == 251) {
          o.code = reply.code == 250 ? 250 : reply.code;
          o.status = StatusOf(reply);
          o.text = TextOf(reply);
        }
      }
      Quit();
      return;
    case Step::kQuit:
      Finish();
      return;
    case Step::kConnecting:
    case Step::kDone:
      return;
  }
}

void RelayClient::OnStreamClosed(absl::Status status) {
  if (step_ == Step::kDone) return;
  if (step_ != Step::kQuit) FailAll(451, "4.4.2", "relay connection lost");
  Finish();
}

void RelayClient::Finish() {
  if (step_ == Step::kDone) return;
  step_ = Step::kDone;
  if (timer_ != kNoTimer) {
    env_.timers->Cancel(timer_);
    timer_ = kNoTimer;
  }
  if (stream_) stream_->Close();
  auto done = std::move(done_);
  env_.timers->Post([done = std::move(done), result = result_]() mutable { done(result); });
}

}  // namespace lemonade::submission
