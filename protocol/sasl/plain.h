// The PLAIN SASL mechanism (RFC 4616): one client message,
// [authzid] NUL authcid NUL passwd, all UTF-8.
//
// The server side validates the message shape (exactly two NULs, non-empty
// authcid and password, UTF-8, bounded lengths) and yields the three
// fields; the session verifies the password and whether authcid may act as
// authzid. PLAIN is client-first: without an initial response the server
// sends an empty challenge (RFC 4422 §5).
//
//   std::string message = FormatPlainMessage("", "tim", "tanstaaftanstaaf");
//   PlainServerMechanism server;
//   SaslServerStep s = server.Start(message);   // kDone, authcid "tim"
#ifndef LEMONADE_PROTOCOL_SASL_PLAIN_H_
#define LEMONADE_PROTOCOL_SASL_PLAIN_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/sasl/sasl_mechanism.h"

namespace lemonade::sasl {

// RFC 4616 §2: servers "MUST be capable of accepting authzid, authcid, and
// passwd productions up to and including 255 octets". We accept more, up
// to this, so long pass phrases and federated identities work.
inline constexpr size_t kPlainFieldOctetsMax = 1024;

// ParsePlainMessage()
//
// Splits a PLAIN message (RFC 4616 §2 `message`) into credentials.
// Returns the error on malformed input: kMalformedMessage (not exactly
// two NULs, empty authcid or passwd), kInvalidUtf8, kFieldTooLong.
[[nodiscard]] SaslError ParsePlainMessage(absl::string_view message,
                                          SaslCredentials* credentials,
                                          size_t field_octets_max = kPlainFieldOctetsMax);

// FormatPlainMessage()
//
// authzid NUL authcid NUL password (no validation: the client's business).
std::string FormatPlainMessage(absl::string_view authzid, absl::string_view authcid,
                               absl::string_view password);

// Server side of PLAIN.
class PlainServerMechanism : public SaslServerMechanism {
 public:
  explicit PlainServerMechanism(size_t field_octets_max = kPlainFieldOctetsMax)
      : field_octets_max_(field_octets_max) {}

  absl::string_view name() const override { return "PLAIN"; }
  SaslServerStep Start(std::optional<absl::string_view> initial_response) override;
  SaslServerStep Step(absl::string_view response) override;

 private:
  SaslServerStep Finish(absl::string_view message);

  size_t field_octets_max_;
  bool started_ = false;
  bool finished_ = false;
};

// Client side of PLAIN: sends the message as the initial response, or in
// answer to the server's empty challenge if the initial response was not
// used.
class PlainClientMechanism : public SaslClientMechanism {
 public:
  PlainClientMechanism(std::string authzid, std::string authcid, std::string password)
      : message_(FormatPlainMessage(authzid, authcid, password)) {}

  absl::string_view name() const override { return "PLAIN"; }
  std::optional<std::string> InitialResponse() override;
  SaslClientStep Step(absl::string_view challenge) override;

 private:
  std::string message_;
  bool sent_ = false;
};

}  // namespace lemonade::sasl

#endif  // LEMONADE_PROTOCOL_SASL_PLAIN_H_
