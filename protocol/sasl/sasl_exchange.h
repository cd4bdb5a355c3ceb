// SaslServerExchange / SaslClientExchange: a SASL mechanism on the wire,
// i.e. with the base64 text, the "=" empty initial response and the "*"
// cancel that SMTP AUTH (RFC 4954 §4) and IMAP AUTHENTICATE (RFC 3501
// §6.2.2, RFC 4959) share.
//
// The session owns the framing around it: SMTP prefixes a challenge with
// "334 " and its parser hands back the next line (SmtpCommandParser::
// ExpectAuthResponse()); IMAP prefixes "+ ". Nothing here knows which.
//
// Server, SMTP "AUTH PLAIN" without an initial response (RFC 4954 §4.1):
//
//   SaslServerExchange exchange(CreateSaslServerMechanism("PLAIN"));
//   SaslWireStep s = exchange.Start(std::nullopt);
//   // s.kind == kChallenge, s.challenge_base64 == "" -> send "334 "
//   s = exchange.OnResponseLine("dGVzdAB0ZXN0ADEyMzQ=");
//   // s.kind == kSuccess, s.credentials: authzid "test", authcid "test",
//   // password "1234" -> verify, then "235 2.7.0"
#ifndef LEMONADE_PROTOCOL_SASL_SASL_EXCHANGE_H_
#define LEMONADE_PROTOCOL_SASL_SASL_EXCHANGE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/sasl/sasl_mechanism.h"

namespace lemonade::sasl {

// Longest base64 response line accepted: RFC 4954 §4 "12288 octets is
// considered to be a sufficient line length limit for handling of deployed
// authentication mechanisms".
inline constexpr size_t kSaslResponseOctetsMax = 12288;

// One server step, in wire form.
struct SaslWireStep {
  enum class Kind {
    kChallenge,  // send `challenge_base64` ("334 " + it, or "+ " + it)
    kSuccess,    // verify `credentials`; then 235 / tagged OK, or 535 / NO
    kFailure,    // reply per `error` (see SaslError); the exchange is over
  };
  Kind kind = Kind::kFailure;
  std::string challenge_base64;
  SaslCredentials credentials;
  SaslError error = SaslError::kNone;
};

// Drives one server-side mechanism through base64 lines. Invariant: after
// kSuccess or kFailure the exchange is finished and refuses further input.
class SaslServerExchange {
 public:
  explicit SaslServerExchange(std::unique_ptr<SaslServerMechanism> mechanism,
                              size_t response_octets_max = kSaslResponseOctetsMax);

  // Start()
  //
  // Begins the exchange with the initial-response argument as sent on the
  // wire (base64, or "=" for an empty response; RFC 4954 §4, RFC 4959 §3),
  // or nullopt if the command had none.
  [[nodiscard]] SaslWireStep Start(std::optional<absl::string_view> initial_response_wire);

  // OnResponseLine()
  //
  // Feeds one client response line, without its CRLF. "*" cancels
  // (kFailure, kCancelled); anything else must be strict base64
  // (StrictBase64Decode), the empty line being the empty response.
  [[nodiscard]] SaslWireStep OnResponseLine(absl::string_view line);

  bool finished() const { return finished_; }
  absl::string_view mechanism_name() const { return mechanism_->name(); }

 private:
  SaslWireStep Translate(SaslServerStep step);
  SaslWireStep Fail(SaslError error);

  std::unique_ptr<SaslServerMechanism> mechanism_;
  size_t response_octets_max_;
  bool started_ = false;
  bool finished_ = false;
};

// Drives one client-side mechanism: produces the wire initial response and
// answers base64 challenges.
class SaslClientExchange {
 public:
  explicit SaslClientExchange(std::unique_ptr<SaslClientMechanism> mechanism)
      : mechanism_(std::move(mechanism)) {}

  // InitialResponseWire()
  //
  // The initial-response argument to send with AUTH/AUTHENTICATE: base64,
  // "=" for an empty one, or nullopt if the mechanism has none.
  std::optional<std::string> InitialResponseWire();

  // OnChallengeLine()
  //
  // The line to send in answer to a base64 challenge. A challenge that is
  // not valid base64, or one the mechanism does not expect, is answered
  // with "*" (RFC 4954 §4: "it MUST cancel the authentication").
  std::string OnChallengeLine(absl::string_view challenge_base64);

  absl::string_view mechanism_name() const { return mechanism_->name(); }

 private:
  std::unique_ptr<SaslClientMechanism> mechanism_;
};

// EncodeInitialResponse()
//
// Wire form of a raw initial response: "=" if empty, else base64
// (RFC 4954 §4).
std::string EncodeInitialResponse(absl::string_view raw);

}  // namespace lemonade::sasl

#endif  // LEMONADE_PROTOCOL_SASL_SASL_EXCHANGE_H_
