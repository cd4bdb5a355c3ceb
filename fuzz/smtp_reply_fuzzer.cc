// Fuzzes SmtpReplyParser, the reply formatter and the EHLO helpers.
//
// Invariants checked, beyond "does not crash":
//   - split: the replies are the same whole, cut at an input-chosen offset,
//     and (for short inputs) one octet at a time;
//   - round trip: format(parse(s)) parses back to the same reply when its
//     text is printable, and format∘parse is idempotent always (text a
//     reply may not carry is written as "?", so it can never inject a
//     line);
//   - EHLO: ParseEhloReply(MakeEhloReply(e)) == e for every parsed e.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "base/check.h"
#include "protocol/smtp/smtp_reply.h"
#include "protocol/smtp/smtp_reply_parser.h"

namespace lemonade::smtp {
namespace {

struct Outcome {
  std::vector<SmtpReply> replies;
  std::vector<std::string> log;  // formatted replies and error names, in order
};

Outcome ParseAll(const std::vector<absl::string_view>& pieces, const SmtpReplyLimits& limits) {
  SmtpReplyParser parser(limits);
  Outcome outcome;
  for (absl::string_view piece : pieces) {
    while (true) {
      SmtpReplyParseResult r = parser.Parse(piece);
      CHECK(r.consumed <= piece.size());
      piece.remove_prefix(r.consumed);
      if (r.kind == SmtpReplyParseResult::Kind::kNeedMore) {
        CHECK(piece.empty()) << "kNeedMore must consume everything";
        break;
      }
      if (r.kind == SmtpReplyParseResult::Kind::kReply) {
        CHECK(!r.reply.lines.empty());
        outcome.log.push_back(FormatSmtpReply(r.reply));
        outcome.replies.push_back(std::move(r.reply));
      } else {
        outcome.log.push_back(std::string("error ") + std::string(SmtpReplyErrorName(r.error)));
      }
    }
  }
  return outcome;
}

bool IsPrintable(const SmtpReply& reply) {
  for (const std::string& line : reply.lines) {
    for (char ch : line) {
      const unsigned char c = ch;
      if (c != '\t' && (c < 32 || c > 126)) return false;
    }
  }
  return true;
}

SmtpReply ParseOne(const std::string& text) {
  SmtpReplyParser parser;
  SmtpReplyParseResult r = parser.Parse(text);
  CHECK(r.kind == SmtpReplyParseResult::Kind::kReply) << "formatted reply does not parse: " << text;
  CHECK(r.consumed == text.size()) << text;
  return r.reply;
}

void CheckEhlo(const SmtpReply& reply) {
  std::optional<EhloReply> ehlo = ParseEhloReply(reply);
  if (!ehlo) return;
  std::optional<EhloReply> again = ParseEhloReply(MakeEhloReply(*ehlo));
  CHECK(again.has_value());
  CHECK(again->domain == ehlo->domain && again->greeting == ehlo->greeting &&
        again->extensions == ehlo->extensions);
}

}  // namespace
}  // namespace lemonade::smtp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lemonade::smtp;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  SmtpReplyLimits limits;
  if (size > 0 && (data[0] & 1)) {
    limits.line_octets_max = 8 + data[0];
    limits.lines_max = 1 + (data[0] >> 4);
  }
  const Outcome whole = ParseAll({input}, limits);
  const size_t cut = size == 0 ? 0 : (data[size - 1] * 257u) % size;
  CHECK(ParseAll({input.substr(0, cut), input.substr(cut)}, limits).log == whole.log)
      << "cut at " << cut;
  if (size <= 256) {
    std::vector<absl::string_view> bytes;
    for (size_t i = 0; i < size; ++i) bytes.push_back(input.substr(i, 1));
    CHECK(ParseAll(bytes, limits).log == whole.log) << "bytewise";
  }
  for (const SmtpReply& reply : whole.replies) {
    const std::string formatted = FormatSmtpReply(reply);
    const SmtpReply again = ParseOne(formatted);
    if (IsPrintable(reply)) CHECK(again == reply) << "round trip changed the reply: " << formatted;
    CHECK(FormatSmtpReply(again) == formatted) << "format(parse(.)) not idempotent: " << formatted;
    CheckEhlo(reply);
  }
  return 0;
}
