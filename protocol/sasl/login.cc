#include "protocol/sasl/login.h"

#include "protocol/url/utf8.h"

namespace lemonade::sasl {

SaslError LoginServerMechanism::Check(absl::string_view field) const {
  if (field.empty() || field.find('\0') != absl::string_view::npos) {
    return SaslError::kMalformedMessage;
  }
  if (field.size() > field_octets_max_) return SaslError::kFieldTooLong;
  if (!url::IsValidUtf8(field)) return SaslError::kInvalidUtf8;
  return SaslError::kNone;
}

SaslServerStep LoginServerMechanism::TakeUsername(absl::string_view username) {
  const SaslError error = Check(username);
  if (error != SaslError::kNone) {
    state_ = State::kFinished;
    return SaslServerStep::Failed(error);
  }
  username_ = std::string(username);
  state_ = State::kAwaitingPassword;
  return SaslServerStep::Challenge(std::string(kLoginPasswordChallenge));
}

SaslServerStep LoginServerMechanism::Start(std::optional<absl::string_view> initial_response) {
  if (state_ != State::kNotStarted) return SaslServerStep::Failed(SaslError::kExchangeComplete);
  if (initial_response) return TakeUsername(*initial_response);
  state_ = State::kAwaitingUsername;
  return SaslServerStep::Challenge(std::string(kLoginUsernameChallenge));
}

SaslServerStep LoginServerMechanism::Step(absl::string_view response) {
  switch (state_) {
    case State::kAwaitingUsername:
      return TakeUsername(response);
    case State::kAwaitingPassword: {
      state_ = State::kFinished;
      const SaslError error = Check(response);
      if (error != SaslError::kNone) return SaslServerStep::Failed(error);
      SaslCredentials credentials;
      credentials.authcid = std::move(username_);
      credentials.password = std::string(response);
      return SaslServerStep::Done(std::move(credentials));
    }
    case State::kNotStarted:
    case State::kFinished:
      break;
  }
  return SaslServerStep::Failed(SaslError::kExchangeComplete);
}

SaslClientStep LoginClientMechanism::Step(absl::string_view challenge) {
  SaslClientStep step;
  if (answered_ >= 2) {
    step.error = SaslError::kUnexpectedChallenge;
    return step;
  }
  step.ok = true;
  step.response = answered_ == 0 ? username_ : password_;
  ++answered_;
  return step;
}

}  // namespace lemonade::sasl
