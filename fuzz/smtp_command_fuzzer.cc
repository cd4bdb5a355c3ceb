// Fuzzes SmtpCommandParser (commands, AUTH lines, DATA, BDAT) and the
// command formatter and dot-stuffer that pair with it.
//
// Invariants checked, beyond "does not crash":
//   - split: the event log is the same whole, cut at an input-chosen
//     offset, and (for short inputs) fed one octet at a time;
//   - round trip: every line that parses as a command formats to a line
//     that parses back to an equal command, and formatting that is stable;
//   - DATA: the parser's unstuffing undoes DotStuffer exactly, for the
//     input taken as message content, and the reported size is the
//     content's.
// The first input octet picks small limits some of the time, so the limit
// paths are reached with short inputs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "base/check.h"
#include "protocol/smtp/dot_stuffer.h"
#include "protocol/smtp/smtp_command.h"
#include "protocol/smtp/smtp_command_parser.h"
#include "protocol/smtp/smtp_event_log.h"

namespace lemonade::smtp {
namespace {

SmtpLimits LimitsFor(uint8_t selector) {
  SmtpLimits limits;
  if (selector & 1) {
    limits.command_line_octets_max = 512 + (selector >> 1);  // raised to >= 512 anyway
    limits.auth_line_octets_max = 512;
    limits.data_line_octets_max = 8 + selector;
    limits.parameters_max = 1 + (selector >> 5);
    limits.local_part_octets_max = 4 + (selector >> 4);
    limits.domain_octets_max = 8 + (selector >> 3);
    limits.path_octets_max = 16 + (selector >> 2);
  }
  limits.command_bare_lf_allowed = (selector & 2) != 0;
  return limits;
}

void CheckSplits(absl::string_view input, const SmtpLimits& limits) {
  const std::string whole = absl::StrJoin(RecordSmtpEvents({input}, limits), "\n");
  const size_t cut = input.empty() ? 0 : (static_cast<uint8_t>(input[0]) * 131u) % input.size();
  const std::string split = absl::StrJoin(RecordSmtpEventsSplit(input, {cut}, limits), "\n");
  CHECK(split == whole) << "cut at " << cut << "\nwhole:\n" << whole << "\nsplit:\n" << split;
  if (input.size() <= 256) {
    const std::string bytewise = absl::StrJoin(RecordSmtpEventsBytewise(input, limits), "\n");
    CHECK(bytewise == whole) << "\nwhole:\n" << whole << "\nbytewise:\n" << bytewise;
  }
}

void CheckCommandRoundTrips(absl::string_view input, const SmtpLimits& limits) {
  for (absl::string_view line : absl::StrSplit(input, "\r\n")) {
    SmtpCommand command;
    if (ParseSmtpCommandLine(line, limits, &command) != SmtpParseError::kNone) continue;
    const std::string formatted = FormatSmtpCommand(command);
    CHECK(formatted.size() >= 2) << line;
    SmtpCommand again;
    const SmtpParseError error = ParseSmtpCommandLine(
        absl::string_view(formatted).substr(0, formatted.size() - 2), limits, &again);
    CHECK(error == SmtpParseError::kNone)
        << "formatted command does not parse: " << formatted << " ("
        << SmtpParseErrorName(error) << ")";
    CHECK(again == command) << "round trip changed " << line << " -> " << formatted;
    CHECK(FormatSmtpCommand(again) == formatted) << formatted;
  }
}

// What DotStuffer promises the receiver sees: CRLF line ends, last line
// ended.
std::string Canonical(absl::string_view content) {
  std::string out;
  for (size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '\r' || content[i] == '\n') {
      out.append("\r\n");
      if (content[i] == '\r' && i + 1 < content.size() && content[i + 1] == '\n') ++i;
    } else {
      out.push_back(content[i]);
    }
  }
  if (!out.empty() && (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0)) {
    out.append("\r\n");
  }
  return out;
}

void CheckDataRoundTrip(absl::string_view content) {
  const std::string wire = DotStuff(content);
  SmtpCommandParser parser;
  parser.BeginData();
  absl::string_view rest = wire;
  std::string received;
  while (true) {
    SmtpParseResult r = parser.Parse(rest);
    rest.remove_prefix(r.consumed);
    if (r.event.kind == SmtpEvent::Kind::kDataChunk) {
      received.append(r.event.data.data(), r.event.data.size());
      continue;
    }
    CHECK(r.event.kind == SmtpEvent::Kind::kDataEnd) << "stuffed data did not end";
    CHECK(rest.empty()) << "end of data before the end mark";
    CHECK(r.event.data_summary.octets == received.size());
    CHECK(!r.event.data_summary.bare_line_feed && !r.event.data_summary.bare_carriage_return);
    break;
  }
  CHECK(received == Canonical(content)) << "unstuff(stuff(x)) != x";
}

}  // namespace
}  // namespace lemonade::smtp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lemonade::smtp;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const SmtpLimits limits = LimitsFor(size > 0 ? data[0] : 0);
  CheckSplits(input, limits);
  CheckCommandRoundTrips(input, limits);
  CheckDataRoundTrip(input);
  return 0;
}
