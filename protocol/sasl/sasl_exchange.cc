#include "protocol/sasl/sasl_exchange.h"

#include <utility>

#include "base/check.h"
#include "protocol/sasl/base64.h"

namespace lemonade::sasl {

SaslServerExchange::SaslServerExchange(std::unique_ptr<SaslServerMechanism> mechanism,
                                       size_t response_octets_max)
    : mechanism_(std::move(mechanism)), response_octets_max_(response_octets_max) {
  CHECK(mechanism_ != nullptr) << "SaslServerExchange needs a mechanism";
}

SaslWireStep SaslServerExchange::Fail(SaslError error) {
  finished_ = true;
  SaslWireStep step;
  step.kind = SaslWireStep::Kind::kFailure;
  step.error = error;
  return step;
}

SaslWireStep SaslServerExchange::Translate(SaslServerStep step) {
  SaslWireStep wire;
  switch (step.kind) {
    case SaslServerStep::Kind::kChallenge:
      wire.kind = SaslWireStep::Kind::kChallenge;
      wire.challenge_base64 = Base64Encode(step.challenge);
      return wire;
    case SaslServerStep::Kind::kDone:
      finished_ = true;
      wire.kind = SaslWireStep::Kind::kSuccess;
      wire.credentials = std::move(step.credentials);
      return wire;
    case SaslServerStep::Kind::kFailed:
      break;
  }
  return Fail(step.error);
}

SaslWireStep SaslServerExchange::Start(std::optional<absl::string_view> initial_response_wire) {
  if (started_) return Fail(SaslError::kExchangeComplete);
  started_ = true;
  if (!initial_response_wire) return Translate(mechanism_->Start(std::nullopt));
  if (initial_response_wire->size() > response_octets_max_) {
    return Fail(SaslError::kResponseTooLong);
  }
  // RFC 4954 §4 / RFC 4959 §3: "=" is a present-but-empty response.
  if (*initial_response_wire == "=") return Translate(mechanism_->Start(absl::string_view()));
  std::string raw;
  if (!StrictBase64Decode(*initial_response_wire, &raw)) return Fail(SaslError::kInvalidBase64);
  return Translate(mechanism_->Start(absl::string_view(raw)));
}

SaslWireStep SaslServerExchange::OnResponseLine(absl::string_view line) {
  if (!started_ || finished_) return Fail(SaslError::kExchangeComplete);
  if (line.size() > response_octets_max_) return Fail(SaslError::kResponseTooLong);
  // RFC 4954 §4: "a line with a single '*'" cancels; the server replies 501.
  if (line == "*") return Fail(SaslError::kCancelled);
  std::string raw;
  if (!StrictBase64Decode(line, &raw)) return Fail(SaslError::kInvalidBase64);
  return Translate(mechanism_->Step(raw));
}

std::optional<std::string> SaslClientExchange::InitialResponseWire() {
  std::optional<std::string> raw = mechanism_->InitialResponse();
  if (!raw) return std::nullopt;
  return EncodeInitialResponse(*raw);
}

std::string SaslClientExchange::OnChallengeLine(absl::string_view challenge_base64) {
  std::string raw;
  if (!StrictBase64Decode(challenge_base64, &raw)) return "*";
  SaslClientStep step = mechanism_->Step(raw);
  if (!step.ok) return "*";
  return Base64Encode(step.response);
}

std::string EncodeInitialResponse(absl::string_view raw) {
  return raw.empty() ? std::string("=") : Base64Encode(raw);
}

}  // namespace lemonade::sasl
