#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "protocol/sasl/base64.h"
#include "protocol/sasl/login.h"
#include "protocol/sasl/plain.h"
#include "protocol/sasl/sasl_exchange.h"
#include "protocol/sasl/sasl_mechanism.h"

namespace lemonade::sasl {
namespace {

using Kind = SaslWireStep::Kind;

std::string Nul(absl::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '|') c = '\0';
  }
  return out;
}

SaslCredentials Creds(absl::string_view authzid, absl::string_view authcid,
                      std::optional<std::string> password) {
  SaslCredentials c;
  c.authzid = std::string(authzid);
  c.authcid = std::string(authcid);
  c.password = std::move(password);
  return c;
}

// RFC 4616 §4, first example: no authzid, message after an empty challenge.
TEST(PlainTest, Rfc4616FirstExample) {
  PlainServerMechanism server;
  SaslServerStep s = server.Start(std::nullopt);
  ASSERT_EQ(s.kind, SaslServerStep::Kind::kChallenge);
  EXPECT_EQ(s.challenge, "");
  s = server.Step(Nul("|tim|tanstaaftanstaaf"));
  ASSERT_EQ(s.kind, SaslServerStep::Kind::kDone);
  EXPECT_EQ(s.credentials, Creds("", "tim", "tanstaaftanstaaf"));
  // The exchange is over.
  EXPECT_EQ(server.Step("x").error, SaslError::kExchangeComplete);
}

// RFC 4616 §4, second example: authzid "Ursel" as an initial response.
TEST(PlainTest, Rfc4616SecondExampleWithAuthzid) {
  PlainServerMechanism server;
  SaslServerStep s = server.Start(absl::string_view(Nul("Ursel|Kurt|xipj3plmq")));
  ASSERT_EQ(s.kind, SaslServerStep::Kind::kDone);
  EXPECT_EQ(s.credentials, Creds("Ursel", "Kurt", "xipj3plmq"));
}

// Malformed messages name their fault (RFC 4616 §2 grammar).
TEST(PlainTest, RefusesMalformedMessages) {
  SaslCredentials c;
  EXPECT_EQ(ParsePlainMessage("tim", &c), SaslError::kMalformedMessage);
  EXPECT_EQ(ParsePlainMessage(Nul("tim|pw"), &c), SaslError::kMalformedMessage);
  EXPECT_EQ(ParsePlainMessage(Nul("||pw"), &c), SaslError::kMalformedMessage);
  EXPECT_EQ(ParsePlainMessage(Nul("|tim|"), &c), SaslError::kMalformedMessage);
  EXPECT_EQ(ParsePlainMessage(Nul("|tim|p|w"), &c), SaslError::kMalformedMessage);
  EXPECT_EQ(ParsePlainMessage(Nul("|t\xFFm|pw"), &c), SaslError::kInvalidUtf8);
  EXPECT_EQ(ParsePlainMessage(Nul("\xC0\x80|tim|pw"), &c), SaslError::kInvalidUtf8);
  EXPECT_EQ(ParsePlainMessage(Nul("|tim|") + std::string(kPlainFieldOctetsMax + 1, 'p'), &c),
            SaslError::kFieldTooLong);
  // 255 octets must be accepted (RFC 4616 §2), and UTF-8 is fine.
  EXPECT_EQ(ParsePlainMessage(Nul("|" + std::string(255, 'u') + "|\xC3\xA9t\xC3\xA9"), &c),
            SaslError::kNone);
  EXPECT_EQ(c.password, "\xC3\xA9t\xC3\xA9");
}

// FormatPlainMessage and ParsePlainMessage are inverses.
TEST(PlainTest, FormatParseRoundTrip) {
  SaslCredentials c;
  ASSERT_EQ(ParsePlainMessage(FormatPlainMessage("admin", "tim", "p w"), &c), SaslError::kNone);
  EXPECT_EQ(c, Creds("admin", "tim", "p w"));
}

// The PLAIN client answers an empty challenge once, or uses the IR.
TEST(PlainTest, ClientMechanism) {
  PlainClientMechanism with_ir("", "tim", "pw");
  EXPECT_EQ(with_ir.InitialResponse(), Nul("|tim|pw"));
  EXPECT_FALSE(with_ir.Step("").ok);
  PlainClientMechanism without_ir("", "tim", "pw");
  SaslClientStep step = without_ir.Step("");
  EXPECT_TRUE(step.ok);
  EXPECT_EQ(step.response, Nul("|tim|pw"));
  EXPECT_EQ(without_ir.Step("").error, SaslError::kUnexpectedChallenge);
}

// LOGIN: "Username:" then "Password:".
TEST(LoginTest, TwoChallenges) {
  LoginServerMechanism server;
  SaslServerStep s = server.Start(std::nullopt);
  ASSERT_EQ(s.kind, SaslServerStep::Kind::kChallenge);
  EXPECT_EQ(s.challenge, "Username:");
  s = server.Step("tim");
  ASSERT_EQ(s.kind, SaslServerStep::Kind::kChallenge);
  EXPECT_EQ(s.challenge, "Password:");
  s = server.Step("tanstaaftanstaaf");
  ASSERT_EQ(s.kind, SaslServerStep::Kind::kDone);
  EXPECT_EQ(s.credentials, Creds("", "tim", "tanstaaftanstaaf"));
  EXPECT_EQ(server.Step("again").error, SaslError::kExchangeComplete);
}

// LOGIN with the user name as initial response skips "Username:".
TEST(LoginTest, InitialResponseIsTheUsername) {
  LoginServerMechanism server;
  SaslServerStep s = server.Start(absl::string_view("tim"));
  ASSERT_EQ(s.kind, SaslServerStep::Kind::kChallenge);
  EXPECT_EQ(s.challenge, "Password:");
  EXPECT_EQ(server.Step("pw").credentials, Creds("", "tim", "pw"));
}

// LOGIN refuses empty, NUL-bearing and non-UTF-8 answers.
TEST(LoginTest, RefusesBadAnswers) {
  {
    LoginServerMechanism server;
    (void)server.Start(std::nullopt);
    EXPECT_EQ(server.Step("").error, SaslError::kMalformedMessage);
  }
  {
    LoginServerMechanism server;
    (void)server.Start(std::nullopt);
    (void)server.Step("tim");
    EXPECT_EQ(server.Step(Nul("p|w")).error, SaslError::kMalformedMessage);
  }
  {
    LoginServerMechanism server;
    EXPECT_EQ(server.Start(absl::string_view("\xFF")).error, SaslError::kInvalidUtf8);
  }
}

// The LOGIN client answers by position, whatever the challenge text.
TEST(LoginTest, ClientMechanism) {
  LoginClientMechanism client("tim", "pw");
  EXPECT_FALSE(client.InitialResponse());
  EXPECT_EQ(client.Step("User Name").response, "tim");
  EXPECT_EQ(client.Step("Password:").response, "pw");
  EXPECT_EQ(client.Step("more?").error, SaslError::kUnexpectedChallenge);
}

// RFC 4954 §4.1: "AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=" (initial response).
TEST(SaslExchangeTest, Rfc4954PlainWithInitialResponse) {
  SaslServerExchange exchange(CreateSaslServerMechanism("plain"));
  EXPECT_EQ(exchange.mechanism_name(), "PLAIN");
  SaslWireStep s = exchange.Start(absl::string_view("dGVzdAB0ZXN0ADEyMzQ="));
  ASSERT_EQ(s.kind, Kind::kSuccess);
  EXPECT_EQ(s.credentials, Creds("test", "test", "1234"));
  EXPECT_TRUE(exchange.finished());
}

// RFC 4954 §4.1: "AUTH PLAIN", "334 ", then the response line.
TEST(SaslExchangeTest, Rfc4954PlainAfterEmptyChallenge) {
  SaslServerExchange exchange(CreateSaslServerMechanism("PLAIN"));
  SaslWireStep s = exchange.Start(std::nullopt);
  ASSERT_EQ(s.kind, Kind::kChallenge);
  EXPECT_EQ(s.challenge_base64, "");
  s = exchange.OnResponseLine("dGVzdAB0ZXN0ADEyMzQ=");
  ASSERT_EQ(s.kind, Kind::kSuccess);
  EXPECT_EQ(s.credentials, Creds("test", "test", "1234"));
}

// RFC 4468 §3.4 / the Lemonade draft: "AUTH PLAIN aGFycnkAaGFycnkAYWNjaW8=".
TEST(SaslExchangeTest, Rfc4468BurlExampleCredentials) {
  SaslServerExchange exchange(CreateSaslServerMechanism("PLAIN"));
  SaslWireStep s = exchange.Start(absl::string_view("aGFycnkAaGFycnkAYWNjaW8="));
  ASSERT_EQ(s.kind, Kind::kSuccess);
  EXPECT_EQ(s.credentials, Creds("harry", "harry", "accio"));
}

// LOGIN on the wire: the well-known base64 challenges.
TEST(SaslExchangeTest, LoginOnTheWire) {
  SaslServerExchange exchange(CreateSaslServerMechanism("LOGIN"));
  SaslWireStep s = exchange.Start(std::nullopt);
  EXPECT_EQ(s.challenge_base64, "VXNlcm5hbWU6");
  s = exchange.OnResponseLine(Base64Encode("tim"));
  EXPECT_EQ(s.challenge_base64, "UGFzc3dvcmQ6");
  s = exchange.OnResponseLine(Base64Encode("pw"));
  ASSERT_EQ(s.kind, Kind::kSuccess);
  EXPECT_EQ(s.credentials, Creds("", "tim", "pw"));
}

// "*" cancels (RFC 4954 §4 -> 501); bad base64 fails (-> 501 5.5.2);
// "=" is the empty initial response, which PLAIN finds malformed.
TEST(SaslExchangeTest, CancelBadBase64AndEmptyInitialResponse) {
  {
    SaslServerExchange exchange(CreateSaslServerMechanism("LOGIN"));
    (void)exchange.Start(std::nullopt);
    SaslWireStep s = exchange.OnResponseLine("*");
    EXPECT_EQ(s.kind, Kind::kFailure);
    EXPECT_EQ(s.error, SaslError::kCancelled);
    EXPECT_EQ(exchange.OnResponseLine("dGlt").error, SaslError::kExchangeComplete);
  }
  {
    SaslServerExchange exchange(CreateSaslServerMechanism("PLAIN"));
    (void)exchange.Start(std::nullopt);
    EXPECT_EQ(exchange.OnResponseLine("dGVzdAB0ZXN0ADEyMzQ").error, SaslError::kInvalidBase64);
  }
  {
    SaslServerExchange exchange(CreateSaslServerMechanism("PLAIN"));
    EXPECT_EQ(exchange.Start(absl::string_view("=AAA")).error, SaslError::kInvalidBase64);
  }
  {
    SaslServerExchange exchange(CreateSaslServerMechanism("PLAIN"));
    EXPECT_EQ(exchange.Start(absl::string_view("=")).error, SaslError::kMalformedMessage);
  }
  {
    SaslServerExchange exchange(CreateSaslServerMechanism("PLAIN"), 8);
    EXPECT_EQ(exchange.Start(absl::string_view("dGVzdAB0ZXN0ADEyMzQ=")).error,
              SaslError::kResponseTooLong);
  }
  {
    SaslServerExchange exchange(CreateSaslServerMechanism("PLAIN"));
    EXPECT_EQ(exchange.OnResponseLine("").error, SaslError::kExchangeComplete);
  }
}

// Only PLAIN and LOGIN exist; the rest is 504.
TEST(SaslExchangeTest, UnknownMechanism) {
  EXPECT_EQ(CreateSaslServerMechanism("CRAM-MD5"), nullptr);
  EXPECT_EQ(CreateSaslServerMechanism(""), nullptr);
  EXPECT_NE(CreateSaslServerMechanism("Login"), nullptr);
}

// Client and server exchanges talk to each other.
TEST(SaslExchangeTest, ClientAndServerAgree) {
  {
    SaslClientExchange client(std::make_unique<PlainClientMechanism>("", "tim", "pw"));
    SaslServerExchange server(CreateSaslServerMechanism(client.mechanism_name()));
    SaslWireStep s = server.Start(client.InitialResponseWire());
    ASSERT_EQ(s.kind, Kind::kSuccess);
    EXPECT_EQ(s.credentials, Creds("", "tim", "pw"));
  }
  {
    SaslClientExchange client(std::make_unique<LoginClientMechanism>("tim", "pw"));
    SaslServerExchange server(CreateSaslServerMechanism(client.mechanism_name()));
    EXPECT_FALSE(client.InitialResponseWire());
    SaslWireStep s = server.Start(std::nullopt);
    while (s.kind == Kind::kChallenge) {
      s = server.OnResponseLine(client.OnChallengeLine(s.challenge_base64));
    }
    ASSERT_EQ(s.kind, Kind::kSuccess);
    EXPECT_EQ(s.credentials, Creds("", "tim", "pw"));
  }
  // An undecodable challenge is answered with "*" (RFC 4954 §4).
  SaslClientExchange client(std::make_unique<LoginClientMechanism>("tim", "pw"));
  EXPECT_EQ(client.OnChallengeLine("not base64!"), "*");
  EXPECT_EQ(EncodeInitialResponse(""), "=");
  EXPECT_EQ(EncodeInitialResponse("x"), "eA==");
}

}  // namespace
}  // namespace lemonade::sasl
