// SaslServerMechanism / SaslClientMechanism: the interfaces every SASL
// mechanism (RFC 4422) implements, over raw (already base64-decoded) bytes.
//
// A mechanism is a small state machine that trades challenges and
// responses. It never checks a password: a server-side mechanism ends with
// SaslCredentials, and the session asks its user store whether they hold.
// This keeps protocol/ free of stores and secrets, and lets the same
// mechanism serve SMTP AUTH (RFC 4954), IMAP AUTHENTICATE (RFC 3501 §6.2.2)
// and SASL-IR (RFC 4959) alike; the framing ("334 ", "+ ", base64, "*")
// lives in SaslServerExchange (sasl_exchange.h).
//
// Adding SCRAM (RFC 5802/7677) later: its server mechanism is constructed
// with a lookup for the user's stored keys, returns kChallenge twice
// (server-first, server-final), verifies the client proof itself, and ends
// with credentials whose `password` is empty (nothing left to verify).
// Nothing here needs to change.
//
//   std::unique_ptr<SaslServerMechanism> m = CreateSaslServerMechanism("PLAIN");
//   SaslServerStep s = m->Start(std::string("\0tim\0tanstaaftanstaaf", 21));
//   // s.kind == kDone, s.credentials.authcid == "tim"
#ifndef LEMONADE_PROTOCOL_SASL_SASL_MECHANISM_H_
#define LEMONADE_PROTOCOL_SASL_SASL_MECHANISM_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::sasl {

// Why an exchange failed. Suggested replies: SMTP (RFC 4954 §4/§6) and
// IMAP (RFC 3501 §6.2.2).
enum class SaslError {
  kNone = 0,
  kCancelled,                  // client sent "*": 501 5.0.0 / tagged BAD
  kInvalidBase64,              // 501 5.5.2 / tagged BAD
  kResponseTooLong,            // 500 5.5.6 / tagged BAD
  kMalformedMessage,           // mechanism syntax (PLAIN's NULs): 501 5.5.2 / NO
  kInvalidUtf8,                // identities must be UTF-8: 501 5.5.2 / NO
  kFieldTooLong,               // an identity or password over the limit: 501 5.5.2 / NO
  kUnexpectedChallenge,        // client side: the server sent more than we expect
  kExchangeComplete,           // a step after the exchange ended (caller bug)
};

// A short name for `error` (for logs and tests).
absl::string_view SaslErrorName(SaslError error);

// What a finished server-side exchange established.
struct SaslCredentials {
  std::string authzid;  // identity to act as; empty: derive from authcid (RFC 4616 §2)
  std::string authcid;  // identity whose credentials were presented
  // The password the server must verify (PLAIN, LOGIN). Absent when the
  // mechanism proved possession itself (SCRAM) or needs none (EXTERNAL).
  std::optional<std::string> password;

  friend bool operator==(const SaslCredentials& a, const SaslCredentials& b) {
    return a.authzid == b.authzid && a.authcid == b.authcid && a.password == b.password;
  }
};

// One server-side step.
struct SaslServerStep {
  enum class Kind {
    kChallenge,  // send `challenge` and wait for the client's response
    kDone,       // the exchange succeeded mechanically; verify `credentials`
    kFailed,     // the exchange failed with `error`
  };
  Kind kind = Kind::kFailed;
  std::string challenge;  // raw bytes (kChallenge); may be empty
  SaslCredentials credentials;
  SaslError error = SaslError::kNone;

  static SaslServerStep Challenge(std::string bytes) {
    SaslServerStep s;
    s.kind = Kind::kChallenge;
    s.challenge = std::move(bytes);
    return s;
  }
  static SaslServerStep Done(SaslCredentials credentials) {
    SaslServerStep s;
    s.kind = Kind::kDone;
    s.credentials = std::move(credentials);
    return s;
  }
  static SaslServerStep Failed(SaslError error) {
    SaslServerStep s;
    s.kind = Kind::kFailed;
    s.error = error;
    return s;
  }
};

// The server half of a mechanism. One instance per exchange.
class SaslServerMechanism {
 public:
  virtual ~SaslServerMechanism() = default;

  // The registered name, upper case ("PLAIN").
  virtual absl::string_view name() const = 0;

  // Start()
  //
  // Begins the exchange. `initial_response` is the client's SASL initial
  // response (SMTP AUTH's second argument, IMAP SASL-IR), already decoded;
  // nullopt if none was sent. RFC 4422 §5: a client-first mechanism given
  // no initial response answers with an empty challenge.
  [[nodiscard]] virtual SaslServerStep Start(std::optional<absl::string_view> initial_response) = 0;

  // Step()
  //
  // Feeds the client's next (decoded) response.
  [[nodiscard]] virtual SaslServerStep Step(absl::string_view response) = 0;
};

// One client-side step.
struct SaslClientStep {
  bool ok = false;
  std::string response;  // raw bytes to send (when ok)
  SaslError error = SaslError::kNone;
};

// The client half of a mechanism, for the client agent and the submission
// server's IMAP client (BURL). One instance per exchange.
class SaslClientMechanism {
 public:
  virtual ~SaslClientMechanism() = default;

  virtual absl::string_view name() const = 0;

  // InitialResponse()
  //
  // The initial response to send with the command (SASL-IR), or nullopt if
  // the mechanism does not start with one.
  virtual std::optional<std::string> InitialResponse() = 0;

  // Step()
  //
  // Answers the server's (decoded) challenge.
  [[nodiscard]] virtual SaslClientStep Step(absl::string_view challenge) = 0;
};

// CreateSaslServerMechanism()
//
// A fresh server mechanism for `name` (case-insensitive: "PLAIN",
// "LOGIN"), or nullptr if we do not implement it (SMTP 504 5.5.4, IMAP NO).
std::unique_ptr<SaslServerMechanism> CreateSaslServerMechanism(absl::string_view name);

}  // namespace lemonade::sasl

#endif  // LEMONADE_PROTOCOL_SASL_SASL_MECHANISM_H_
