#include "netsim/mail_demo.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/check.h"
#include "netsim/world.h"

namespace lemonade::netsim {
namespace {

struct Exchange {
  std::string request;   // what the client sends ("" for the greeting)
  std::string response;  // what the server answers
};

// Answers the i-th complete request line with the i-th canned response.
class ScriptedServer {
 public:
  ScriptedServer(Env env, uint16_t port, std::vector<Exchange> script)
      : script_(std::move(script)) {
    ListenOptions options;
    options.port = port;
    CHECK(env.network->Listen(options, [this](std::unique_ptr<Stream> s) { Accept(std::move(s)); })
              .ok());
  }

 private:
  struct Session final : StreamHandler {
    ScriptedServer* server;
    std::unique_ptr<Stream> stream;
    std::string buffer;
    size_t step = 1;
    void OnStreamData(absl::string_view bytes) override {
      buffer.append(bytes.data(), bytes.size());
      size_t end;
      while ((end = buffer.find("\r\n")) != std::string::npos) {
        buffer.erase(0, end + 2);
        if (step < server->script_.size()) {
          stream->Write(server->script_[step].response);
          if (++step == server->script_.size()) stream->Close();
        }
      }
    }
    void OnStreamClosed(absl::Status) override {}
  };

  void Accept(std::unique_ptr<Stream> stream) {
    auto s = std::make_unique<Session>();
    s->server = this;
    s->stream = std::move(stream);
    s->stream->SetHandler(s.get());
    s->stream->Write(script_[0].response);
    sessions_.push_back(std::move(s));
  }

  std::vector<Exchange> script_;
  std::vector<std::unique_ptr<Session>> sessions_;
};

// Sends the i-th request after the (i-1)-th response arrived in full.
class ScriptedClient final : public StreamHandler {
 public:
  ScriptedClient(Env env, const std::string& host, uint16_t port, std::vector<Exchange> script,
                 bool* done)
      : script_(std::move(script)), done_(done) {
    env.network->Connect(host, port, [this](absl::StatusOr<std::unique_ptr<Stream>> s) {
      CHECK(s.ok()) << s.status();
      stream_ = *std::move(s);
      stream_->SetHandler(this);
    });
  }
  void OnStreamData(absl::string_view bytes) override {
    buffer_.append(bytes.data(), bytes.size());
    if (step_ < script_.size() && buffer_.size() >= script_[step_].response.size()) {
      buffer_.erase(0, script_[step_].response.size());
      if (++step_ < script_.size()) stream_->Write(script_[step_].request);
    }
  }
  void OnStreamClosed(absl::Status status) override {
    *done_ = status.ok() && step_ == script_.size();
    stream_->Close();
  }

 private:
  std::vector<Exchange> script_;
  bool* done_;
  std::unique_ptr<Stream> stream_;
  std::string buffer_;
  size_t step_ = 0;
};

std::vector<Exchange> ImapScript() {
  return {
      {"", "* OK [CAPABILITY IMAP4rev1 LITERAL+ CONDSTORE] lemonade ready\r\n"},
      {"a1 CAPABILITY\r\n", "* CAPABILITY IMAP4rev1 LITERAL+ CONDSTORE URLAUTH\r\na1 OK done\r\n"},
      {"a2 LOGIN alice secret\r\n", "a2 OK LOGIN completed\r\n"},
      {"a3 SELECT INBOX\r\n",
       "* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] UIDs valid\r\na3 OK [READ-WRITE] "
       "SELECT completed\r\n"},
      {"a4 UID FETCH 1:* (FLAGS)\r\n",
       "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n* 2 FETCH (UID 2 FLAGS ())\r\n* 3 FETCH (UID 3 "
       "FLAGS ())\r\na4 OK FETCH completed\r\n"},
      {"a5 LOGOUT\r\n", "* BYE logging out\r\na5 OK LOGOUT completed\r\n"},
  };
}

std::vector<Exchange> SmtpScript() {
  return {
      {"", "220 submit.example.org ESMTP lemonade\r\n"},
      {"EHLO phone.example.org\r\n", "250-submit.example.org\r\n250-BURL imap\r\n250 8BITMIME\r\n"},
      {"MAIL FROM:<alice@example.org>\r\n", "250 2.1.0 Ok\r\n"},
      {"RCPT TO:<bob@example.org>\r\n", "250 2.1.5 Ok\r\n"},
      {"DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n"},
      {"Subject: hi\r\n\r\nhello from the phone\r\n.\r\n", "250 2.0.0 Ok: queued\r\n"},
      {"QUIT\r\n", "221 2.0.0 Bye\r\n"},
  };
}

}  // namespace

MailDemoResult RunMailDemo(uint64_t seed, const PcapOptions& pcap) {
  WorldOptions options;
  options.seed = seed;
  options.capture_packets = true;
  World world(options);
  world.AddHost("imap.example.org");
  world.AddHost("submit.example.org");
  HostOptions phone;
  phone.link = LteProfile();
  world.AddHost("phone", phone);
  MailDemoResult result;
  {
    ScriptedServer imap(world.EnvFor("imap.example.org"), 143, ImapScript());
    ScriptedServer smtp(world.EnvFor("submit.example.org"), 587, SmtpScript());
    ScriptedClient imap_client(world.EnvFor("phone"), "imap.example.org", 143, ImapScript(),
                               &result.imap_done);
    ScriptedClient smtp_client(world.EnvFor("phone"), "submit.example.org", 587, SmtpScript(),
                               &result.smtp_done);
    world.RunUntilIdle(world.Now() + Duration::Minutes(10));
  }
  result.pcap = world.Pcap(pcap);
  result.packets = world.packets_sent();
  return result;
}

}  // namespace lemonade::netsim
