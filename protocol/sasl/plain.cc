#include "protocol/sasl/plain.h"

#include "absl/strings/str_cat.h"
#include "protocol/url/utf8.h"

namespace lemonade::sasl {

SaslError ParsePlainMessage(absl::string_view message, SaslCredentials* credentials,
                            size_t field_octets_max) {
  // message = [authzid] UTF8NUL authcid UTF8NUL passwd
  const size_t first = message.find('\0');
  if (first == absl::string_view::npos) return SaslError::kMalformedMessage;
  const size_t second = message.find('\0', first + 1);
  if (second == absl::string_view::npos) return SaslError::kMalformedMessage;
  // A third NUL would sit inside passwd, which is 1*SAFE (no NUL).
  if (message.find('\0', second + 1) != absl::string_view::npos) {
    return SaslError::kMalformedMessage;
  }
  const absl::string_view authzid = message.substr(0, first);
  const absl::string_view authcid = message.substr(first + 1, second - first - 1);
  const absl::string_view password = message.substr(second + 1);
  // authcid = 1*SAFE, passwd = 1*SAFE; authzid may be absent.
  if (authcid.empty() || password.empty()) return SaslError::kMalformedMessage;
  for (absl::string_view field : {authzid, authcid, password}) {
    if (field.size() > field_octets_max) return SaslError::kFieldTooLong;
    if (!url::IsValidUtf8(field)) return SaslError::kInvalidUtf8;
  }
  credentials->authzid = std::string(authzid);
  credentials->authcid = std::string(authcid);
  credentials->password = std::string(password);
  return SaslError::kNone;
}

std::string FormatPlainMessage(absl::string_view authzid, absl::string_view authcid,
                               absl::string_view password) {
  return absl::StrCat(authzid, absl::string_view("\0", 1), authcid,
                      absl::string_view("\0", 1), password);
}

SaslServerStep PlainServerMechanism::Start(std::optional<absl::string_view> initial_response) {
  if (started_) return SaslServerStep::Failed(SaslError::kExchangeComplete);
  started_ = true;
  // Client-first without an initial response: an empty challenge asks for
  // it (RFC 4422 §5; RFC 4954 §4 "334 ").
  if (!initial_response) return SaslServerStep::Challenge("");
  return Finish(*initial_response);
}

SaslServerStep PlainServerMechanism::Step(absl::string_view response) {
  if (!started_ || finished_) return SaslServerStep::Failed(SaslError::kExchangeComplete);
  return Finish(response);
}

SaslServerStep PlainServerMechanism::Finish(absl::string_view message) {
  finished_ = true;
  SaslCredentials credentials;
  const SaslError error = ParsePlainMessage(message, &credentials, field_octets_max_);
  if (error != SaslError::kNone) return SaslServerStep::Failed(error);
  return SaslServerStep::Done(std::move(credentials));
}

std::optional<std::string> PlainClientMechanism::InitialResponse() {
  sent_ = true;
  return message_;
}

SaslClientStep PlainClientMechanism::Step(absl::string_view challenge) {
  SaslClientStep step;
  // Only the empty challenge that asks for the message is expected, and
  // only if the initial response was not sent.
  if (sent_ || !challenge.empty()) {
    step.error = SaslError::kUnexpectedChallenge;
    return step;
  }
  sent_ = true;
  step.ok = true;
  step.response = message_;
  return step;
}

}  // namespace lemonade::sasl
