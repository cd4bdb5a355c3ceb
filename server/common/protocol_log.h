// Protocol transcripts for operators (`lemonade serve --log_protocol`):
// the lines a session received and sent, in the C:/S: notation, with
// passwords and SASL exchanges redacted and long lines (literals, message
// bodies) cut to a summary.
//
//   LogProtocolLines(env.log, "C", stream_id, bytes, Redaction::kImap);
#ifndef LEMONADE_SERVER_COMMON_PROTOCOL_LOG_H_
#define LEMONADE_SERVER_COMMON_PROTOCOL_LOG_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "env/env.h"

namespace lemonade {

enum class Redaction {
  kNone,
  kImap,       // "tag LOGIN user password" loses the password
  kSmtp,       // "AUTH mech initial-response" loses the response
  kEverything, // a SASL continuation line: nothing of it is shown
};

void LogProtocolLines(EventLog* log, absl::string_view who, uint64_t connection,
                      absl::string_view bytes, Redaction redaction);

}  // namespace lemonade

#endif  // LEMONADE_SERVER_COMMON_PROTOCOL_LOG_H_
