#include "client/lemonade_agent.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "protocol/imap/imap_writer.h"
#include "protocol/imap/sequence_set.h"
#include "protocol/smtp/dot_stuffer.h"

namespace lemonade::client {
namespace {

std::string Quote(absl::string_view s) {
  std::string out;
  imap::ImapWriter(&out).String(s);
  return out;
}

// "38505 3955" -> (38505, 3955).
bool ParsePair(absl::string_view text, uint32_t* a, uint32_t* b) {
  size_t sp = text.find(' ');
  if (sp == absl::string_view::npos) return false;
  return absl::SimpleAtoi(text.substr(0, sp), a) && absl::SimpleAtoi(text.substr(sp + 1), b);
}

std::string FlagsText(const imap::ImapValue* flags) {
  if (flags == nullptr) return "";
  std::vector<std::string> names;
  for (const imap::ImapValue& v : flags->list) names.emplace_back(v.text);
  return absl::StrJoin(names, " ");
}

// The new message a forward builds around the forwarded attachment (MIME
// part `part` of the original): the same bytes in both variants, so they
// compare fairly. The part's MIME header and body go between head and tail.
struct ForwardParts {
  std::string head;  // headers, text part, opening boundary of the attachment
  std::string tail;  // closing boundary
};

ForwardParts ForwardEnvelope(const std::string& from, const std::string& to,
                             const std::string& message_id) {
  const std::string boundary = "------------030308070208000400050907";
  ForwardParts p;
  p.head = absl::StrCat("From: <", from, ">\r\nTo: <", to, ">\r\nSubject: Fwd: see attached\r\n",
                        "Date: Mon, 1 Jan 2024 12:00:00 +0000\r\nMessage-ID: <", message_id,
                        ">\r\nMIME-Version: 1.0\r\n",
                        "Content-Type: multipart/mixed;\r\n boundary=\"", boundary, "\"\r\n\r\n",
                        "--", boundary, "\r\nContent-Type: text/plain; charset=us-ascii; format=flowed\r\n",
                        "Content-Transfer-Encoding: 7bit\r\n\r\n",
                        "Our travel agent has sent the updated schedule.\r\n\r\n--", boundary, "\r\n");
  p.tail = absl::StrCat("\r\n--", boundary, "--\r\n");
  return p;
}

}  // namespace

absl::string_view ForwardVariantName(ForwardVariant v) {
  return v == ForwardVariant::kTraditional ? "traditional" : "without-download";
}

absl::string_view ReconnectVariantName(ReconnectVariant v) {
  switch (v) {
    case ReconnectVariant::kFull: return "full";
    case ReconnectVariant::kQresync: return "qresync";
    case ReconnectVariant::kResume: return "resume";
  }
  return "full";
}

LemonadeAgent::LemonadeAgent(const Env& env, AgentConfig config)
    : env_(env), config_(std::move(config)) {}

LemonadeAgent::~LemonadeAgent() = default;

LemonadeAgent::Counters LemonadeAgent::Snapshot() const {
  Counters c;
  c.round_trips = closed_round_trips_;
  c.up = closed_up_;
  c.down = closed_down_;
  if (imap_) {
    c.round_trips += imap_->round_trips();
    c.up += imap_->bytes_sent();
    c.down += imap_->bytes_received();
  }
  if (smtp_) {
    c.round_trips += smtp_->round_trips();
    c.up += smtp_->bytes_sent();
    c.down += smtp_->bytes_received();
  }
  c.start = env_.Now();
  return c;
}

FlowReport LemonadeAgent::Finish(const Counters& start, absl::Status status,
                                 std::string detail) const {
  Counters now = Snapshot();
  FlowReport r;
  r.status = std::move(status);
  r.round_trips = now.round_trips - start.round_trips;
  r.bytes_up = now.up - start.up;
  r.bytes_down = now.down - start.down;
  r.elapsed = now.start - start.start;
  r.detail = std::move(detail);
  return r;
}

void LemonadeAgent::Drop() {
  if (!imap_) return;
  closed_round_trips_ += imap_->round_trips();
  closed_up_ += imap_->bytes_sent();
  closed_down_ += imap_->bytes_received();
  imap_->Abort();
  // Destroy on the next turn: we may be inside one of its callbacks.
  env_.timers->Post([doomed = std::shared_ptr<ImapClient>(std::move(imap_))] {});
}

void LemonadeAgent::Connect(std::function<void(absl::Status)> done) {
  if (imap_) Drop();
  imap_ = std::make_unique<ImapClient>(env_);
  imap_->set_transcript(config_.transcript);
  std::weak_ptr<bool> alive = alive_;
  imap_->Connect(config_.imap_host, config_.imap_port, [this, alive, done](absl::Status s) {
    if (alive.expired()) return;
    if (!s.ok() || !config_.starttls) {
      done(s);
      return;
    }
    imap_->StartTls([done](absl::Status t) { done(t); });
  });
}

void LemonadeAgent::Login(std::function<void(absl::Status)> done) {
  imap_->Send(ImapRequest::Text(absl::StrCat("LOGIN ", Quote(config_.user), " ",
                                             Quote(config_.password))),
              [this, done](ImapResult r) {
                if (!r.ok()) {
                  done(absl::PermissionDeniedError(absl::StrCat("LOGIN: ", r.text)));
                  return;
                }
                for (const OwnedResponse& u : r.untagged) {
                  if (u->code == "X-SID") session_id_ = std::string(u->code_args);
                }
                if (!config_.compress || !imap_->HasCapability("COMPRESS=DEFLATE")) {
                  done(absl::OkStatus());
                  return;
                }
                imap_->Compress([done](absl::Status s) { done(s); });
              });
}

void LemonadeAgent::Open(std::function<void(absl::Status)> done) {
  Connect([this, done](absl::Status s) {
    if (!s.ok()) return done(s);
    Login([this, done](absl::Status s) {
      if (!s.ok()) return done(s);
      imap_->Send(ImapRequest::Text("SELECT INBOX"), [this, done](ImapResult r) {
        if (!r.ok()) return done(absl::NotFoundError(absl::StrCat("SELECT: ", r.text)));
        AbsorbSelect(r);
        done(absl::OkStatus());
      });
    });
  });
}

void LemonadeAgent::AbsorbSelect(const ImapResult& result) {
  for (const OwnedResponse& u : result.untagged) {
    if (u->code == "UIDVALIDITY") absl::SimpleAtoi(u->code_args, &uidvalidity_);
    if (u->code == "HIGHESTMODSEQ") absl::SimpleAtoi(u->code_args, &highest_modseq_);
  }
}

size_t LemonadeAgent::AbsorbChanges(const std::vector<OwnedResponse>& responses) {
  size_t changes = 0;
  for (const OwnedResponse& u : responses) {
    if (u->name == "FETCH" && !u->values.empty()) {
      const imap::ImapValue& items = u->values[0];
      const imap::ImapValue* uid = items.Find("UID");
      if (uid == nullptr) continue;
      cache_[static_cast<uint32_t>(uid->number)] = FlagsText(items.Find("FLAGS"));
      if (const imap::ImapValue* modseq = items.Find("MODSEQ");
          modseq && !modseq->list.empty() && modseq->list[0].number > highest_modseq_) {
        highest_modseq_ = modseq->list[0].number;
      }
      ++changes;
    } else if (u->name == "VANISHED") {
      // "VANISHED (EARLIER) 1:3,5" or "VANISHED 7".
      for (const imap::ImapValue& v : u->values) {
        if (v.type == imap::ImapValue::Type::kList) continue;
        for (absl::string_view range : absl::StrSplit(v.text, ',')) {
          uint32_t a = 0, b = 0;
          size_t colon = range.find(':');
          if (!absl::SimpleAtoi(range.substr(0, colon), &a)) continue;
          b = a;
          if (colon != absl::string_view::npos && !absl::SimpleAtoi(range.substr(colon + 1), &b)) {
            continue;
          }
          if (a > b) std::swap(a, b);
          for (auto it = cache_.lower_bound(a); it != cache_.end() && it->first <= b;) {
            it = cache_.erase(it);
            ++changes;
          }
        }
      }
    }
  }
  return changes;
}

// ---- Forward ----

void LemonadeAgent::Forward(ForwardVariant variant, uint32_t uid, uint32_t part,
                            const std::string& recipient, Report done) {
  const Counters start = Snapshot();
  const std::string from = absl::StrCat(config_.user, "@", config_.domain);
  const std::string message_id =
      absl::StrCat("fwd.", uid, ".", env_.Now().unix_nanos(), "@", config_.domain);
  const ForwardParts parts = ForwardEnvelope(from, recipient, message_id);
  std::weak_ptr<bool> alive = alive_;

  if (variant == ForwardVariant::kTraditional) {
    // 1. Download the attachment (its MIME header and its body).
    imap_->Send(ImapRequest::Text(absl::StrCat("UID FETCH ", uid, " (BODY.PEEK[", part,
                                               ".MIME] BODY.PEEK[", part, "])")),
                [this, alive, uid, part, start, parts, from, recipient, done](ImapResult r) {
      if (alive.expired()) return;
      std::string mime_header, body;
      const std::string mime_item = absl::StrCat("BODY[", part, ".MIME]");
      const std::string body_item = absl::StrCat("BODY[", part, "]");
      for (const imap::ImapResponse* f : r.Named("FETCH")) {
        if (f->values.empty()) continue;
        if (const imap::ImapValue* v = f->values[0].Find(mime_item)) mime_header = std::string(v->text);
        if (const imap::ImapValue* v = f->values[0].Find(body_item)) body = std::string(v->text);
      }
      if (!r.ok() || body.empty()) {
        return done(Finish(start, absl::NotFoundError("the attachment was not found")));
      }
      // 2. Compose locally.
      std::string message = parts.head + mime_header + body + parts.tail;
      // 2. Save the copy in Sent and mark the original, in one flight.
      const size_t sent_size = message.size();
      auto saved = std::make_shared<bool>(false);
      imap_->Send(ImapRequest::Text("APPEND Sent (\\Seen) ").Literal(message),
                  [saved](ImapResult r) { *saved = r.ok(); });
      imap_->Send(ImapRequest::Text(absl::StrCat("UID STORE ", uid, " +FLAGS.SILENT ($Forwarded)")),
                  [this, alive, start, message = std::move(message), from, recipient, saved,
                   sent_size, done](ImapResult r) mutable {
        if (alive.expired()) return;
        if (!*saved || !r.ok()) {
          return done(Finish(start, absl::InternalError("saving the copy failed")));
        }
        // 3. Submit the whole message again.
        auto transaction = [message = std::move(message), from, recipient, this](
                               SmtpClient& smtp, std::function<void(absl::Status)> finished) {
          const bool bdat = config_.chunking;
          std::string head = absl::StrCat("MAIL FROM:<", from, "> SIZE=", message.size(),
                                          "\r\nRCPT TO:<", recipient, ">\r\n");
          if (bdat) {
            // CHUNKING: the content travels with the envelope in one flight.
            std::string flight = absl::StrCat(head, "BDAT ", message.size(), " LAST\r\n", message);
            smtp.Send(std::move(flight), 3, [finished](SmtpClient::Replies r) {
              finished(r.size() == 3 && r[2].code == 250
                           ? absl::OkStatus()
                           : absl::UnavailableError("submission refused"));
            });
            return;
          }
          smtp.Send(absl::StrCat(head, "DATA\r\n"), 3,
                    [&smtp, message, finished](SmtpClient::Replies r) {
                      if (r.size() != 3 || r[2].code != 354) {
                        return finished(absl::UnavailableError("DATA refused"));
                      }
                      smtp.Send(smtp::DotStuff(message), 1, [finished](SmtpClient::Replies r) {
                        finished(r.size() == 1 && r[0].code == 250
                                     ? absl::OkStatus()
                                     : absl::UnavailableError("message refused"));
                      });
                    });
        };
        SubmitMessage(std::move(transaction),
                      [done, sent_size](FlowReport report) {
                        report.detail = absl::StrCat("message of ", sent_size, " octets sent twice");
                        done(std::move(report));
                      },
                      start);
      });
    });
    return;
  }

  // Forward without download (draft section 2.4): the attachment's MIME
  // header and body are referenced by URL, exactly as the draft does.
  const std::string url = absl::StrCat("/INBOX;UIDVALIDITY=", uidvalidity_, "/;UID=", uid);
  ImapRequest append = ImapRequest::Text("APPEND Sent (\\Seen) CATENATE (TEXT ");
  append.Literal(parts.head)
      .Add(absl::StrCat(" URL ", Quote(absl::StrCat(url, "/;SECTION=", part, ".MIME")), " URL ",
                        Quote(absl::StrCat(url, "/;SECTION=", part)), " TEXT "))
      .Literal(parts.tail)
      .Add(")");
  auto appended = std::make_shared<ImapResult>();
  imap_->Send(std::move(append), [appended](ImapResult r) { *appended = std::move(r); });
  imap_->Send(ImapRequest::Text(absl::StrCat("UID STORE ", uid, " +FLAGS.SILENT ($Forwarded)")),
              [this, alive, appended, start, from, recipient, done](ImapResult stored) {
    if (alive.expired()) return;
    uint32_t sent_validity = 0, sent_uid = 0;
    if (!appended->ok() || appended->code != "APPENDUID" ||
        !ParsePair(appended->code_args, &sent_validity, &sent_uid)) {
      return done(Finish(start, absl::InternalError(absl::StrCat("CATENATE failed: ",
                                                                 appended->text))));
    }
    const std::string rump = absl::StrCat("imap://", config_.user, "@", config_.imap_host,
                                          "/Sent;UIDVALIDITY=", sent_validity, "/;UID=", sent_uid,
                                          ";urlauth=submit+", config_.user);
    imap_->Send(ImapRequest::Text(absl::StrCat("GENURLAUTH ", Quote(rump), " INTERNAL")),
                [this, alive, start, from, recipient, done](ImapResult r) {
      if (alive.expired()) return;
      std::string authorized;
      for (const imap::ImapResponse* g : r.Named("GENURLAUTH")) {
        if (!g->values.empty()) authorized = std::string(g->values[0].text);
      }
      if (!r.ok() || authorized.empty()) {
        return done(Finish(start, absl::InternalError("GENURLAUTH failed")));
      }
      auto transaction = [authorized, from, recipient](SmtpClient& smtp,
                                                       std::function<void(absl::Status)> finished) {
        smtp.Send(absl::StrCat("MAIL FROM:<", from, ">\r\nRCPT TO:<", recipient, ">\r\nBURL ",
                               authorized, " LAST\r\n"),
                  3, [finished](SmtpClient::Replies r) {
                    finished(r.size() == 3 && r[2].code == 250
                                 ? absl::OkStatus()
                                 : absl::UnavailableError(absl::StrCat(
                                       "BURL refused: ",
                                       r.size() == 3 && !r[2].lines.empty() ? r[2].lines[0] : "")));
                  });
      };
      SubmitMessage(std::move(transaction), done, start);
    });
  });
}

// ---- Submission ----

void LemonadeAgent::SubmitMessage(
    std::function<void(SmtpClient&, std::function<void(absl::Status)>)> transaction, Report done,
    Counters start) {
  if (smtp_) {
    closed_round_trips_ += smtp_->round_trips();
    closed_up_ += smtp_->bytes_sent();
    closed_down_ += smtp_->bytes_received();
    env_.timers->Post([doomed = std::shared_ptr<SmtpClient>(std::move(smtp_))] {});
  }
  smtp_ = std::make_unique<SmtpClient>(env_);
  smtp_->set_transcript(config_.transcript);
  std::weak_ptr<bool> alive = alive_;
  smtp_->Connect(config_.submit_host, config_.submit_port,
                 [this, alive, transaction, done, start](absl::StatusOr<smtp::SmtpReply> greeting) {
    if (alive.expired()) return;
    if (!greeting.ok() || greeting->code != 220) {
      return done(Finish(start, absl::UnavailableError("submission server unavailable")));
    }
    smtp_->Send(absl::StrCat("EHLO phone.", config_.domain, "\r\n"), 1,
                [this, alive, transaction, done, start](SmtpClient::Replies ehlo) {
      if (alive.expired()) return;
      if (ehlo.empty() || ehlo[0].code != 250) {
        return done(Finish(start, absl::UnavailableError("EHLO refused")));
      }
      std::string auth = absl::StrCat(
          "AUTH PLAIN ",
          absl::Base64Escape(absl::StrCat(std::string(1, '\0'), config_.user, std::string(1, '\0'),
                                          config_.password)),
          "\r\n");
      auto run = [this, alive, transaction, done, start]() {
        transaction(*smtp_, [this, alive, done, start](absl::Status s) {
          if (alive.expired()) return;
          smtp_->Send("QUIT\r\n", 0, [](SmtpClient::Replies) {});
          done(Finish(start, s));
        });
      };
      // RFC 4954 §4 + RFC 2920: AUTH with an initial response may lead a
      // pipelined group; the transaction's commands follow in the same
      // flight when the server pipelines.
      auto parsed = smtp::ParseEhloReply(ehlo[0]);
      const bool pipelined = config_.pipelining && parsed && parsed->Has("PIPELINING");
      if (pipelined) {
        // Queue AUTH's reply collection, then let the transaction write in
        // the same flight (nothing is awaited in between).
        auto auth_ok = std::make_shared<bool>(false);
        smtp_->Send(auth, 1, [auth_ok](SmtpClient::Replies r) {
          *auth_ok = !r.empty() && r[0].code == 235;
        });
        run();
        return;
      }
      smtp_->Send(auth, 1, [this, alive, run, done, start](SmtpClient::Replies r) {
        if (alive.expired()) return;
        if (r.empty() || r[0].code != 235) {
          return done(Finish(start, absl::PermissionDeniedError("AUTH refused")));
        }
        run();
      });
    });
  });
}

void LemonadeAgent::Submit(const std::string& message, const std::vector<std::string>& recipients,
                           Report done) {
  const Counters start = Snapshot();
  const std::string from = absl::StrCat(config_.user, "@", config_.domain);
  const bool pipelining = config_.pipelining;
  const bool chunking = config_.chunking;
  auto transaction = [message, recipients, from, pipelining, chunking](
                         SmtpClient& smtp, std::function<void(absl::Status)> finished) {
    std::vector<std::string> commands;
    commands.push_back(absl::StrCat("MAIL FROM:<", from, "> SIZE=", message.size(), "\r\n"));
    for (const std::string& r : recipients) commands.push_back(absl::StrCat("RCPT TO:<", r, ">\r\n"));
    if (pipelining) {
      std::string flight = absl::StrJoin(commands, "");
      size_t replies = commands.size();
      if (chunking) {
        absl::StrAppend(&flight, "BDAT ", message.size(), " LAST\r\n", message);
        smtp.Send(std::move(flight), replies + 1, [finished](SmtpClient::Replies r) {
          finished(!r.empty() && r.back().code == 250 ? absl::OkStatus()
                                                      : absl::UnavailableError("refused"));
        });
        return;
      }
      flight += "DATA\r\n";
      smtp.Send(std::move(flight), replies + 1, [&smtp, message, finished](SmtpClient::Replies r) {
        if (r.empty() || r.back().code != 354) return finished(absl::UnavailableError("DATA refused"));
        smtp.Send(smtp::DotStuff(message), 1, [finished](SmtpClient::Replies r) {
          finished(!r.empty() && r[0].code == 250 ? absl::OkStatus()
                                                  : absl::UnavailableError("refused"));
        });
      });
      return;
    }
    // One command per round trip.
    auto step = std::make_shared<std::function<void(size_t)>>();
    *step = [&smtp, commands, message, finished, step](size_t i) {
      if (i < commands.size()) {
        smtp.Send(commands[i], 1, [finished, step, i](SmtpClient::Replies r) {
          if (r.empty() || r[0].code >= 400) return finished(absl::UnavailableError("refused"));
          (*step)(i + 1);
        });
        return;
      }
      smtp.Send("DATA\r\n", 1, [&smtp, message, finished, step](SmtpClient::Replies r) {
        if (r.empty() || r[0].code != 354) return finished(absl::UnavailableError("DATA refused"));
        smtp.Send(smtp::DotStuff(message), 1, [finished, step](SmtpClient::Replies r) {
          *step = nullptr;  // break the self-reference
          finished(!r.empty() && r[0].code == 250 ? absl::OkStatus()
                                                  : absl::UnavailableError("refused"));
        });
      });
    };
    (*step)(0);
  };
  SubmitMessage(std::move(transaction), std::move(done), start);
}

// ---- Sync and reconnect ----

void LemonadeAgent::Sync(bool qresync, Report done) {
  const Counters start = Snapshot();
  qresync_ = qresync;
  std::weak_ptr<bool> alive = alive_;
  if (qresync) imap_->Send(ImapRequest::Text("ENABLE QRESYNC"), [](ImapResult) {});
  imap_->Send(ImapRequest::Text("SELECT INBOX"), [this](ImapResult r) { AbsorbSelect(r); });
  imap_->Send(ImapRequest::Text("UID FETCH 1:* (FLAGS)"),
              [this, alive, start, done](ImapResult r) {
    if (alive.expired()) return;
    cache_.clear();
    AbsorbChanges(r.untagged);
    done(Finish(start, r.ok() ? absl::OkStatus() : absl::InternalError(r.text),
                absl::StrCat(cache_.size(), " messages cached")));
  });
}

void LemonadeAgent::Reconnect(ReconnectVariant variant, Report done) {
  const uint32_t known_validity = uidvalidity_;
  const uint64_t known_modseq = highest_modseq_;
  const std::string session_id = session_id_;
  std::weak_ptr<bool> alive = alive_;
  Connect([this, alive, variant, known_validity, known_modseq, session_id, done](absl::Status s) {
    if (alive.expired()) return;
    // Measured from here: "after the connection is up" (greeting received).
    const Counters start = Snapshot();
    if (!s.ok()) return done(Finish(start, s));
    const std::string login = absl::StrCat("LOGIN ", Quote(config_.user), " ", Quote(config_.password));
    auto finish = [this, alive, start, done](ImapResult r, size_t changes) {
      if (alive.expired()) return;
      done(Finish(start, r.ok() ? absl::OkStatus() : absl::InternalError(r.text),
                  absl::StrCat(changes, " changes applied; ", cache_.size(), " messages cached")));
    };
    switch (variant) {
      case ReconnectVariant::kFull:
        // Everything in one flight: LOGIN, SELECT, all flags.
        imap_->Send(ImapRequest::Text(login), [this](ImapResult r) {
          for (const OwnedResponse& u : r.untagged) {
            if (u->code == "X-SID") session_id_ = std::string(u->code_args);
          }
        });
        imap_->Send(ImapRequest::Text("SELECT INBOX"), [this](ImapResult r) { AbsorbSelect(r); });
        imap_->Send(ImapRequest::Text("UID FETCH 1:* (FLAGS)"), [this, finish](ImapResult r) {
          cache_.clear();
          size_t n = AbsorbChanges(r.untagged);
          finish(std::move(r), n);
        });
        return;
      case ReconnectVariant::kQresync: {
        // RFC 7162 §3.2.5: without known UIDs the server reports changes
        // and expunges of 1:<UIDNEXT-1>, new arrivals included, so one
        // SELECT brings the cache up to date (VANISHED UIDs the client
        // never had are harmless).
        const std::string select = absl::StrCat("SELECT INBOX (QRESYNC (", known_validity, " ",
                                                known_modseq, "))");
        imap_->Send(ImapRequest::Text(login), [this](ImapResult r) {
          for (const OwnedResponse& u : r.untagged) {
            if (u->code == "X-SID") session_id_ = std::string(u->code_args);
          }
        });
        imap_->Send(ImapRequest::Text("ENABLE QRESYNC"), [](ImapResult) {});
        imap_->Send(ImapRequest::Text(select), [this, finish](ImapResult r) {
          AbsorbSelect(r);
          size_t n = AbsorbChanges(r.untagged);
          finish(std::move(r), n);
        });
        return;
      }
      case ReconnectVariant::kResume:
        imap_->Send(ImapRequest::Text(absl::StrCat(login, " (SID ", session_id, " ", known_modseq, ")")),
                    [this, finish](ImapResult r) {
                      bool expired = false;
                      for (const OwnedResponse& u : r.untagged) {
                        if (u->code == "X-SID") session_id_ = std::string(u->code_args);
                        if (u->code == "X-SID-EXPIRED") expired = true;
                        if (u->code == "HIGHESTMODSEQ") {
                          absl::SimpleAtoi(u->code_args, &highest_modseq_);
                        }
                      }
                      if (!expired || !r.ok()) {
                        size_t n = AbsorbChanges(r.untagged);
                        finish(std::move(r), n);
                        return;
                      }
                      // The server no longer has the session: fall back to a
                      // full resynchronisation (one more round trip).
                      imap_->Send(ImapRequest::Text("SELECT INBOX"),
                                  [this](ImapResult s) { AbsorbSelect(s); });
                      imap_->Send(ImapRequest::Text("UID FETCH 1:* (FLAGS)"),
                                  [this, finish](ImapResult f) {
                                    cache_.clear();
                                    size_t n = AbsorbChanges(f.untagged);
                                    finish(std::move(f), n);
                                  });
                    });
        return;
    }
  });
}

}  // namespace lemonade::client

namespace lemonade::client {

// ---- Watching (IDLE or polling) ----

void LemonadeAgent::Watch(WatchOptions options, std::function<void(uint32_t uid)> on_new_message) {
  watch_ = options;
  on_new_message_ = std::move(on_new_message);
  watching_ = true;
  backoff_ = watch_.backoff_initial;
  ScheduleWatch(Duration::Zero());
}

void LemonadeAgent::StopWatching() {
  watching_ = false;
  ++watch_epoch_;
  if (watch_timer_ != kNoTimer) env_.timers->Cancel(watch_timer_);
  if (deadline_timer_ != kNoTimer) env_.timers->Cancel(deadline_timer_);
  watch_timer_ = deadline_timer_ = kNoTimer;
  if (imap_) {
    imap_->set_unsolicited_handler(nullptr);
    imap_->set_closed_handler(nullptr);
  }
}

void LemonadeAgent::ScheduleWatch(Duration delay) {
  if (!watching_) return;
  if (watch_timer_ != kNoTimer) env_.timers->Cancel(watch_timer_);
  std::weak_ptr<bool> alive = alive_;
  watch_timer_ = env_.timers->ScheduleAt(env_.Now() + delay, [this, alive] {
    if (alive.expired()) return;
    watch_timer_ = kNoTimer;
    WatchStep();
  });
}

void LemonadeAgent::ReportNew(const std::map<uint32_t, std::string>& before) {
  if (!on_new_message_ || !synced_once_) return;
  for (const auto& [uid, flags] : cache_) {
    if (!before.count(uid)) on_new_message_(uid);
  }
}

void LemonadeAgent::OnWatchFailure() {
  if (!watching_) return;
  ++watch_epoch_;
  if (deadline_timer_ != kNoTimer) env_.timers->Cancel(deadline_timer_);
  deadline_timer_ = kNoTimer;
  if (imap_) {
    imap_->set_closed_handler(nullptr);
    imap_->set_unsolicited_handler(nullptr);
    Drop();
  }
  // Exponential backoff, so a long outage does not drain the battery.
  Duration delay = backoff_;
  backoff_ = std::min(backoff_ * 2, watch_.backoff_max);
  ScheduleWatch(delay);
}

// One attempt: (re)connect and resynchronise, then IDLE or drop.
void LemonadeAgent::WatchStep() {
  if (!watching_) return;
  const uint64_t epoch = ++watch_epoch_;
  std::weak_ptr<bool> alive = alive_;
  // A step that hangs (no answer at all) counts as a failure.
  deadline_timer_ = env_.timers->ScheduleAt(
      env_.Now() + watch_.response_timeout + Duration::Minutes(2), [this, alive, epoch] {
        if (alive.expired() || epoch != watch_epoch_) return;
        deadline_timer_ = kNoTimer;
        OnWatchFailure();
      });
  auto after_sync = [this, alive, epoch](FlowReport r,
                                         std::map<uint32_t, std::string> before) {
    if (alive.expired() || epoch != watch_epoch_ || !watching_) return;
    if (deadline_timer_ != kNoTimer) env_.timers->Cancel(deadline_timer_);
    deadline_timer_ = kNoTimer;
    if (!r.status.ok()) return OnWatchFailure();
    backoff_ = watch_.backoff_initial;
    ReportNew(before);
    synced_once_ = true;
    if (watch_.variant == WatchVariant::kPoll) {
      Drop();
      ScheduleWatch(watch_.poll_interval);
      return;
    }
    EnterIdle();
  };
  std::map<uint32_t, std::string> before = cache_;
  if (!synced_once_) {
    // First contact: connect, log in, and fetch the whole state.
    Open([this, alive, epoch, after_sync, before](absl::Status s) {
      if (alive.expired() || epoch != watch_epoch_) return;
      if (!s.ok()) return OnWatchFailure();
      Sync(watch_.reconnect != ReconnectVariant::kFull,
           [after_sync, before](FlowReport r) { after_sync(std::move(r), before); });
    });
    return;
  }
  ++reconnects_;
  Reconnect(watch_.reconnect, [after_sync, before](FlowReport r) { after_sync(std::move(r), before); });
}

void LemonadeAgent::EnterIdle() {
  if (!watching_ || !imap_) return;
  const uint64_t epoch = watch_epoch_;
  std::weak_ptr<bool> alive = alive_;
  imap_->set_closed_handler([this, alive, epoch](absl::Status) {
    if (alive.expired() || epoch != watch_epoch_) return;
    env_.timers->Post([this, alive, epoch] {
      if (alive.expired() || epoch != watch_epoch_) return;
      OnWatchFailure();
    });
  });
  // New mail while idling: leave IDLE, fetch what is new, idle again.
  auto fetch_new = std::make_shared<bool>(false);
  imap_->set_unsolicited_handler([this, fetch_new](const imap::ImapResponse& r) {
    if (r.name == "EXISTS" || r.name == "FETCH" || r.name == "VANISHED" || r.name == "EXPUNGE") {
      *fetch_new = true;
      imap_->StopIdle();
    }
  });
  imap_->Idle([this, alive, epoch, fetch_new](ImapResult r) {
    if (alive.expired() || epoch != watch_epoch_ || !watching_) return;
    if (deadline_timer_ != kNoTimer) env_.timers->Cancel(deadline_timer_);
    deadline_timer_ = kNoTimer;
    if (!r.ok()) return OnWatchFailure();
    std::map<uint32_t, std::string> before = cache_;
    // Flag changes and VANISHED that arrived during IDLE.
    AbsorbChanges(r.untagged);
    const uint32_t next = cache_.empty() ? 1 : cache_.rbegin()->first + 1;
    // RFC 7162: with QRESYNC on, changes since our MODSEQ arrive as FETCH
    // with MODSEQ; new messages are fetched by UID range.
    imap_->Send(ImapRequest::Text(absl::StrCat("UID FETCH ", next, ":* (FLAGS)")),
                [this, alive, epoch, before](ImapResult f) {
                  if (alive.expired() || epoch != watch_epoch_ || !watching_) return;
                  if (!f.ok()) return OnWatchFailure();
                  AbsorbChanges(f.untagged);
                  ReportNew(before);
                  EnterIdle();
                });
  });
  // Refresh IDLE periodically (RFC 2177 §3 advises well under 30 minutes);
  // an unanswered refresh means the connection is dead (NAT, outage).
  if (watch_timer_ != kNoTimer) env_.timers->Cancel(watch_timer_);
  watch_timer_ = env_.timers->ScheduleAt(env_.Now() + watch_.idle_refresh, [this, alive, epoch] {
    if (alive.expired() || epoch != watch_epoch_ || !watching_ || !imap_) return;
    watch_timer_ = kNoTimer;
    imap_->StopIdle();
    deadline_timer_ = env_.timers->ScheduleAt(env_.Now() + watch_.response_timeout,
                                              [this, alive, epoch] {
                                                if (alive.expired() || epoch != watch_epoch_) return;
                                                deadline_timer_ = kNoTimer;
                                                OnWatchFailure();
                                              });
  });
}

}  // namespace lemonade::client
