// Fuzzes the SASL layer: strict base64, PLAIN message parsing, and the
// PLAIN/LOGIN server exchanges driven by input lines.
//
// Invariants checked, beyond "does not crash":
//   - base64: a string that decodes is the canonical encoding of what it
//     decodes to, and every byte string survives encode/decode;
//   - PLAIN: a message that parses is exactly the formatting of its
//     fields, and a client built from them is accepted with the same
//     credentials;
//   - exchanges: an exchange ends exactly once (success or failure),
//     refuses input afterwards, and success carries non-empty, NUL-free
//     credentials.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "base/check.h"
#include "protocol/sasl/base64.h"
#include "protocol/sasl/login.h"
#include "protocol/sasl/plain.h"
#include "protocol/sasl/sasl_exchange.h"
#include "protocol/sasl/sasl_mechanism.h"

namespace lemonade::sasl {
namespace {

void CheckBase64(absl::string_view input) {
  std::string raw;
  if (StrictBase64Decode(input, &raw)) {
    CHECK(Base64Encode(raw) == input) << "accepted a non-canonical encoding";
  } else {
    CHECK(raw.empty());
  }
  std::string back;
  CHECK(StrictBase64Decode(Base64Encode(input), &back));
  CHECK(back == input);
}

void CheckPlain(absl::string_view input) {
  SaslCredentials credentials;
  if (ParsePlainMessage(input, &credentials) != SaslError::kNone) return;
  CHECK(FormatPlainMessage(credentials.authzid, credentials.authcid, *credentials.password) ==
        input);
  SaslClientExchange client(std::make_unique<PlainClientMechanism>(
      credentials.authzid, credentials.authcid, *credentials.password));
  SaslServerExchange server(CreateSaslServerMechanism("PLAIN"));
  SaslWireStep step = server.Start(client.InitialResponseWire());
  CHECK(step.kind == SaslWireStep::Kind::kSuccess);
  CHECK(step.credentials == credentials);
}

void CheckExchange(absl::string_view input) {
  if (input.empty()) return;
  const uint8_t selector = input[0];
  input.remove_prefix(1);
  std::vector<absl::string_view> lines = absl::StrSplit(input, '\n');
  SaslServerExchange exchange(CreateSaslServerMechanism(selector & 1 ? "LOGIN" : "PLAIN"),
                              selector & 2 ? 64 : kSaslResponseOctetsMax);
  size_t next = 0;
  SaslWireStep step;
  if (selector & 4) {
    step = exchange.Start(lines[next++]);
  } else {
    step = exchange.Start(std::nullopt);
  }
  while (step.kind == SaslWireStep::Kind::kChallenge && next < lines.size()) {
    CHECK(!exchange.finished());
    std::string decoded;
    CHECK(StrictBase64Decode(step.challenge_base64, &decoded));
    step = exchange.OnResponseLine(lines[next++]);
  }
  if (step.kind == SaslWireStep::Kind::kChallenge) return;
  CHECK(exchange.finished());
  if (step.kind == SaslWireStep::Kind::kSuccess) {
    CHECK(!step.credentials.authcid.empty());
    CHECK(step.credentials.password.has_value() && !step.credentials.password->empty());
    CHECK(step.credentials.authcid.find('\0') == std::string::npos);
  } else {
    CHECK(step.error != SaslError::kNone);
  }
  CHECK(exchange.OnResponseLine("").error == SaslError::kExchangeComplete);
}

void CheckLoginClientServer(absl::string_view input) {
  const size_t nul = input.find('\0');
  if (nul == absl::string_view::npos) return;
  SaslClientExchange client(std::make_unique<LoginClientMechanism>(
      std::string(input.substr(0, nul)), std::string(input.substr(nul + 1))));
  SaslServerExchange server(CreateSaslServerMechanism("LOGIN"));
  SaslWireStep step = server.Start(std::nullopt);
  for (int i = 0; i < 3 && step.kind == SaslWireStep::Kind::kChallenge; ++i) {
    step = server.OnResponseLine(client.OnChallengeLine(step.challenge_base64));
  }
  CHECK(step.kind != SaslWireStep::Kind::kChallenge);
  if (step.kind == SaslWireStep::Kind::kSuccess) {
    CHECK(step.credentials.authcid == input.substr(0, nul));
    CHECK(*step.credentials.password == input.substr(nul + 1));
  }
}

}  // namespace
}  // namespace lemonade::sasl

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lemonade::sasl;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  CheckBase64(input);
  CheckPlain(input);
  CheckExchange(input);
  CheckLoginClientServer(input);
  return 0;
}
