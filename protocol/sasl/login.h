// The LOGIN SASL mechanism (draft-murchison-sasl-login): the server asks
// "Username:" then "Password:", and the client answers each in turn.
//
// LOGIN is not standardised but Outlook, older Thunderbird and many
// embedded clients offer nothing else, so a real submission server needs
// it. Some clients send the user name as an initial response
// ("AUTH LOGIN dXNlcg=="); we accept that and go straight to "Password:".
// Both answers must be non-empty UTF-8 without NULs.
//
//   LoginServerMechanism server;
//   server.Start(std::nullopt);      // kChallenge "Username:"
//   server.Step("tim");              // kChallenge "Password:"
//   server.Step("tanstaaftanstaaf"); // kDone, authcid "tim"
#ifndef LEMONADE_PROTOCOL_SASL_LOGIN_H_
#define LEMONADE_PROTOCOL_SASL_LOGIN_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/sasl/plain.h"
#include "protocol/sasl/sasl_mechanism.h"

namespace lemonade::sasl {

// The challenges every LOGIN client expects, byte for byte (base64
// "VXNlcm5hbWU6" and "UGFzc3dvcmQ6").
inline constexpr absl::string_view kLoginUsernameChallenge = "Username:";
inline constexpr absl::string_view kLoginPasswordChallenge = "Password:";

// Server side of LOGIN.
class LoginServerMechanism : public SaslServerMechanism {
 public:
  explicit LoginServerMechanism(size_t field_octets_max = kPlainFieldOctetsMax)
      : field_octets_max_(field_octets_max) {}

  absl::string_view name() const override { return "LOGIN"; }
  SaslServerStep Start(std::optional<absl::string_view> initial_response) override;
  SaslServerStep Step(absl::string_view response) override;

 private:
  enum class State { kNotStarted, kAwaitingUsername, kAwaitingPassword, kFinished };

  SaslError Check(absl::string_view field) const;
  SaslServerStep TakeUsername(absl::string_view username);

  size_t field_octets_max_;
  State state_ = State::kNotStarted;
  std::string username_;
};

// Client side of LOGIN: answers the first challenge with the user name and
// the second with the password, whatever their text (servers vary:
// "Username:", "User Name\0", ...).
class LoginClientMechanism : public SaslClientMechanism {
 public:
  LoginClientMechanism(std::string username, std::string password)
      : username_(std::move(username)), password_(std::move(password)) {}

  absl::string_view name() const override { return "LOGIN"; }
  std::optional<std::string> InitialResponse() override { return std::nullopt; }
  SaslClientStep Step(absl::string_view challenge) override;

 private:
  std::string username_;
  std::string password_;
  int answered_ = 0;
};

}  // namespace lemonade::sasl

#endif  // LEMONADE_PROTOCOL_SASL_LOGIN_H_
