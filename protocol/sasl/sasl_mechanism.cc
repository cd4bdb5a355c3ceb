#include "protocol/sasl/sasl_mechanism.h"

#include "absl/strings/match.h"
#include "protocol/sasl/login.h"
#include "protocol/sasl/plain.h"

namespace lemonade::sasl {

absl::string_view SaslErrorName(SaslError error) {
  switch (error) {
    case SaslError::kNone: return "none";
    case SaslError::kCancelled: return "cancelled";
    case SaslError::kInvalidBase64: return "invalid base64";
    case SaslError::kResponseTooLong: return "response too long";
    case SaslError::kMalformedMessage: return "malformed message";
    case SaslError::kInvalidUtf8: return "invalid UTF-8";
    case SaslError::kFieldTooLong: return "field too long";
    case SaslError::kUnexpectedChallenge: return "unexpected challenge";
    case SaslError::kExchangeComplete: return "exchange complete";
  }
  return "unknown";
}

std::unique_ptr<SaslServerMechanism> CreateSaslServerMechanism(absl::string_view name) {
  if (absl::EqualsIgnoreCase(name, "PLAIN")) return std::make_unique<PlainServerMechanism>();
  if (absl::EqualsIgnoreCase(name, "LOGIN")) return std::make_unique<LoginServerMechanism>();
  return nullptr;
}

}  // namespace lemonade::sasl
