// Fuzzes ImapResponseParser (the client side: status responses with
// response codes, data responses with nested lists, literals and literal8,
// continuation requests, limits) together with ImapWriter.
//
// Invariants checked, beyond "does not crash":
//   - split: the event log (imap_event_log.h) is the same for the input
//     whole, cut at an input-chosen offset, cut at several input-chosen
//     offsets, and (for inputs up to 2 KB) fed one octet at a time;
//   - views: the parts of every response lie inside its raw frame;
//   - round trip: every response re-serialized with ImapWriter (atoms as
//     they are, numbers, NIL, strings quoted or as literals, NUL as
//     literal8, lists) parses back to an equal response.
// A first octet of 0x80 or more picks small limits, so the limit paths are
// reached with short inputs; IMAP responses never start with such an octet.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "base/check.h"
#include "protocol/imap/imap_event_log.h"
#include "protocol/imap/imap_response_parser.h"
#include "protocol/imap/imap_writer.h"

namespace lemonade::imap {
namespace {

ImapLimits LimitsFor(uint8_t selector) {
  ImapLimits limits;
  if (selector < 0x80) return limits;
  static constexpr uint64_t kLiteralBytes[4] = {0, 5, 64, 4096};
  limits.line_bytes_max = size_t{8} << (selector & 7);
  limits.literal_bytes_max = kLiteralBytes[(selector >> 3) & 3];
  limits.command_bytes_max = uint64_t{64} << ((selector >> 5) & 3);
  limits.literals_max = 1 + (selector & 3);
  limits.nesting_depth_max = 1 + ((selector >> 2) & 3);
  limits.list_items_max = 1 + ((selector >> 4) & 3);
  return limits;
}

uint64_t Hash(absl::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

void CheckSplits(absl::string_view input, const ImapLimits& limits) {
  const std::string whole = absl::StrJoin(RecordImapResponseEvents({input}, limits), "\n");
  uint64_t h = Hash(input);
  const size_t cut = input.empty() ? 0 : h % (input.size() + 1);
  const std::string split = absl::StrJoin(RecordImapResponseEventsSplit(input, {cut}, limits), "\n");
  CHECK(split == whole) << "cut at " << cut << "\nwhole:\n" << whole << "\nsplit:\n" << split;

  std::vector<size_t> cuts;
  for (size_t c = 0; c < input.size();) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    c += 1 + (h >> 33) % 17;
    cuts.push_back(c);
  }
  const std::string pieces =
      absl::StrJoin(RecordImapResponseEventsSplit(input, cuts, limits), "\n");
  CHECK(pieces == whole) << "cuts at " << absl::StrJoin(cuts, ",") << "\nwhole:\n"
                         << whole << "\npieces:\n" << pieces;

  if (input.size() <= 2048) {
    const std::string bytewise =
        absl::StrJoin(RecordImapResponseEventsBytewise(input, limits), "\n");
    CHECK(bytewise == whole) << "\nwhole:\n" << whole << "\nbytewise:\n" << bytewise;
  }
}

void CheckInside(absl::string_view v, absl::string_view frame, const char* what) {
  if (v.data() == nullptr) {
    CHECK(v.empty()) << what;
    return;
  }
  CHECK(v.data() >= frame.data() && v.data() + v.size() <= frame.data() + frame.size())
      << what << " lies outside the frame";
}

void CheckValueViews(const ImapValue& v, absl::string_view frame) {
  CheckInside(v.text, frame, "value");
  for (const ImapValue& c : v.list) CheckValueViews(c, frame);
}

void WriteValue(const ImapValue& v, ImapWriter& w) {
  switch (v.type) {
    case ImapValue::Type::kAtom:
      w.Raw(v.text);
      return;
    case ImapValue::Type::kNumber:
      w.Number(v.number);
      return;
    case ImapValue::Type::kNil:
      w.Nil();
      return;
    case ImapValue::Type::kString:
      if (v.text.find('\0') != absl::string_view::npos) {
        w.Literal8IfNeeded(v.text);
      } else {
        w.String(v.text);
      }
      return;
    case ImapValue::Type::kList:
      w.OpenList();
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i) w.Space();
        WriteValue(v.list[i], w);
      }
      w.CloseList();
      return;
  }
}

// Values are equal if they mean the same: the form of a string (quoted,
// literal) and the spelling of a number (leading zeros) do not count.
bool SameValue(const ImapValue& a, const ImapValue& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case ImapValue::Type::kNumber:
      return a.number == b.number;
    case ImapValue::Type::kNil:
      return true;
    case ImapValue::Type::kAtom:
    case ImapValue::Type::kString:
      return a.text == b.text;
    case ImapValue::Type::kList:
      if (a.list.size() != b.list.size()) return false;
      for (size_t i = 0; i < a.list.size(); ++i) {
        if (!SameValue(a.list[i], b.list[i])) return false;
      }
      return true;
  }
  return false;
}

// Re-serializes `r`; false if it cannot be (a status or continuation text
// that announced a literal, which the framer then read as part of it).
bool Serialize(const ImapResponse& r, std::string* out) {
  ImapWriter w(out);
  if (r.kind == ImapResponse::Kind::kContinuation || !r.status.empty()) {
    if (r.raw.find("\r\n") + 2 != r.raw.size()) return false;
  }
  if (r.kind == ImapResponse::Kind::kContinuation) {
    w.Raw("+ ").Raw(r.text).Crlf();
    return true;
  }
  w.Raw(r.kind == ImapResponse::Kind::kTagged ? r.tag : "*");
  if (!r.status.empty()) {
    w.Space().Raw(r.status);
    if (r.code.data() != nullptr && !r.code.empty()) {
      w.Raw(" [").Raw(r.code);
      if (r.code_args.data() != nullptr) w.Space().Raw(r.code_args);
      w.Raw("]");
    }
    w.Space().Raw(r.text).Crlf();
    return true;
  }
  if (r.number) w.Space().Number(*r.number);
  w.Space().Raw(r.name);
  for (const ImapValue& v : r.values) WriteValue(v, w.Space());
  w.Crlf();
  return true;
}

void CheckRoundTrip(const ImapResponse& r) {
  std::string wire;
  if (!Serialize(r, &wire)) return;
  ImapResponseParser parser;
  ResponseParseResult result = parser.Parse(wire);
  CHECK(result.event == ResponseEvent::kResponse)
      << "re-serialized response does not parse: " << QuoteForLog(wire) << " ("
      << parser.error() << ") from " << DescribeResponse(r);
  CHECK(result.consumed == wire.size()) << QuoteForLog(wire);
  const ImapResponse& again = parser.response();
  CHECK(again.kind == r.kind && again.tag == r.tag && again.status == r.status &&
        again.code == r.code && again.code_args == r.code_args && again.text == r.text &&
        again.number == r.number && again.name == r.name &&
        again.values.size() == r.values.size())
      << "round trip changed\n  " << DescribeResponse(r) << "\nto\n  "
      << DescribeResponse(again) << "\nvia " << QuoteForLog(wire);
  for (size_t i = 0; i < r.values.size(); ++i) {
    CHECK(SameValue(r.values[i], again.values[i]))
        << "round trip changed value " << i << "\n  " << DescribeResponse(r) << "\nto\n  "
        << DescribeResponse(again) << "\nvia " << QuoteForLog(wire);
  }
}

void CheckResponses(absl::string_view input, const ImapLimits& limits) {
  ImapResponseParser parser(limits);
  while (true) {
    ResponseParseResult r = parser.Parse(input);
    CHECK(r.consumed <= input.size());
    input.remove_prefix(r.consumed);
    if (r.event == ResponseEvent::kNeedMore) {
      CHECK(input.empty()) << "kNeedMore must consume all input";
      return;
    }
    if (r.event != ResponseEvent::kResponse) continue;
    const ImapResponse& resp = parser.response();
    CheckInside(resp.tag, resp.raw, "tag");
    CheckInside(resp.code, resp.raw, "code");
    CheckInside(resp.code_args, resp.raw, "code args");
    CheckInside(resp.text, resp.raw, "text");
    for (const ImapValue& v : resp.values) CheckValueViews(v, resp.raw);
    CheckRoundTrip(resp);
  }
}

}  // namespace
}  // namespace lemonade::imap

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lemonade::imap;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const ImapLimits limits = LimitsFor(size > 0 ? data[0] : 0);
  CheckSplits(input, limits);
  CheckResponses(input, limits);
  return 0;
}
