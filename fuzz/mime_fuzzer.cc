// libFuzzer target for the MIME layer (protocol/mime): the structure index,
// BODY / BODYSTRUCTURE / ENVELOPE output, section extraction, BINARY
// decoding, header decoding, addresses, dates and SEARCH matching, run over
// one message. It asserts invariants, not just the absence of crashes:
//   - the index keeps every invariant of testing::CheckStructure(): ranges
//     within the message, multipart children tiling their parent's body
//     between delimiter lines, in order and without overlap, line counts;
//   - every section of every part is made of spans within the message, and
//     MIME + body is exactly the part's bytes; partial fetches agree;
//   - decoding reads only the body (it runs on an exact-size copy, so ASan
//     sees any over-read) and BINARY.SIZE equals the decoded size;
//   - BODY, BODYSTRUCTURE and ENVELOPE follow RFC 3501's grammar (balanced
//     parentheses included);
//   - decoded header text is valid UTF-8; case folding is idempotent;
//     SEARCH TEXT finds whatever SEARCH BODY finds.
// The first input byte also picks tight Limits now and then, so the
// overflow paths get fuzzed too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/check.h"
#include "protocol/imap/imap_writer.h"
#include "protocol/mime/address.h"
#include "protocol/mime/body_structure.h"
#include "protocol/mime/charset.h"
#include "protocol/mime/encoded_words.h"
#include "protocol/mime/envelope.h"
#include "protocol/mime/message_date.h"
#include "protocol/mime/message_structure.h"
#include "protocol/mime/search.h"
#include "protocol/mime/section.h"
#include "protocol/mime/test_support.h"
#include "protocol/mime/transfer_encoding.h"
#include "protocol/url/utf8.h"

namespace {

using lemonade::mime::Limits;
using lemonade::mime::MessageStructure;
using lemonade::mime::Part;
using lemonade::mime::SectionContent;
using lemonade::mime::SectionSpec;
namespace mime = lemonade::mime;
namespace testing = lemonade::mime::testing;

bool Within(absl::string_view piece, absl::string_view raw) {
  return piece.data() >= raw.data() && piece.data() + piece.size() <= raw.data() + raw.size();
}

void CheckSection(absl::string_view raw, const MessageStructure& s, const SectionSpec& spec) {
  const SectionContent c = mime::ExtractSection(raw, s, spec);
  for (absl::string_view piece : c.pieces) CHECK(Within(piece, raw)) << "piece outside message";
  CHECK(c.found || c.pieces.empty());
  const std::string all = mime::Flatten(c);
  CHECK(all.size() == c.size());
  // <origin.length> is a substring of the whole.
  const uint64_t origin = all.size() / 3;
  const uint64_t length = all.size() / 2 + 1;
  CHECK(mime::Flatten(mime::ApplyPartial(c, origin, length)) == all.substr(origin, length));
  CHECK(mime::ApplyPartial(c, all.size() + 1, 5).pieces.empty());
}

void CheckOutput(absl::string_view raw, const MessageStructure& s) {
  std::string error;
  for (bool extensible : {false, true}) {
    std::string out;
    lemonade::imap::ImapWriter w(&out);
    mime::AppendBodyStructure(raw, s, extensible, &w);
    CHECK(testing::IsValidBody(out, extensible, &error)) << error << "\n" << out;
  }
  for (uint32_t i = 0; i < s.part_count(); ++i) {
    if (!s.part(i).message_root) continue;
    std::string out;
    lemonade::imap::ImapWriter w(&out);
    mime::AppendEnvelope(mime::ParseEnvelope(raw, s, i), &w);
    CHECK(testing::IsValidEnvelope(out, &error)) << error << "\n" << out;
  }
}

void CheckSectionsAndBinary(absl::string_view raw, const MessageStructure& s) {
  using Text = SectionSpec::Text;
  SectionSpec whole;
  CheckSection(raw, s, whole);
  for (Text text : {Text::kHeader, Text::kText}) {
    SectionSpec spec;
    spec.text = text;
    CheckSection(raw, s, spec);
  }
  size_t budget = 200;  // parts checked in depth per input: keeps exec/s up
  for (const testing::PartPath& p : testing::PartPaths(s)) {
    if (budget-- == 0) break;
    SectionSpec spec;
    spec.part = p.path;
    for (Text text : {Text::kAll, Text::kMime, Text::kHeader, Text::kText, Text::kHeaderFields,
                      Text::kHeaderFieldsNot}) {
      spec.text = text;
      spec.fields = {"Content-Type", "subject"};
      CheckSection(raw, s, spec);
    }
    const Part& part = s.part(p.part);
    spec.text = Text::kMime;
    const std::string mime_header = mime::Flatten(mime::ExtractSection(raw, s, spec));
    spec.text = Text::kAll;
    const std::string body = mime::Flatten(mime::ExtractSection(raw, s, spec));
    CHECK(mime_header + body == raw.substr(part.header.begin, part.body.end - part.header.begin));

    // BINARY: decode from an exact-size heap copy of the body.
    const absl::string_view raw_body = part.body.In(raw);
    std::vector<char> copy(raw_body.begin(), raw_body.end());
    const absl::string_view body_copy(copy.data(), copy.size());
    std::string decoded;
    const bool known = mime::AppendDecoded(part.transfer_encoding, body_copy, &decoded);
    const std::optional<uint64_t> size = mime::DecodedSize(part.transfer_encoding, body_copy);
    CHECK(known == size.has_value());
    if (known) CHECK(*size == decoded.size());
    mime::BinaryContent::Status status;
    const std::optional<uint64_t> binary_size = mime::BinarySize(raw, s, p.path, &status);
    const mime::BinaryContent binary = mime::ExtractBinary(raw, s, p.path);
    CHECK(binary.status() == status);
    CHECK(binary.status() != mime::BinaryContent::Status::kNotFound);
    if (binary.status() == mime::BinaryContent::Status::kOk) {
      CHECK(binary_size.has_value() && *binary_size == binary.bytes().size());
      if (part.kind == Part::Kind::kLeaf) CHECK(binary.bytes() == decoded);
    }
  }
}

void CheckHeaders(absl::string_view raw, const MessageStructure& s) {
  mime::CharsetConverter converter;
  size_t budget = 64;
  for (const mime::HeaderField& f : s.fields()) {
    if (budget-- == 0) break;
    const absl::string_view value = f.value.In(raw);
    const std::string text = mime::DecodeHeaderText(value, &converter);
    CHECK(lemonade::url::IsValidUtf8(text)) << "decoded header text is not UTF-8";
    const std::string folded = mime::FoldCase(text);
    CHECK(mime::FoldCase(folded) == folded);
    for (const mime::Address& a : mime::ParseAddressList(value, 256)) {
      CHECK(a.host.has_value() || !a.adl.has_value());
    }
    if (std::optional<mime::MessageDate> d = mime::ParseMessageDate(value)) {
      CHECK(d->zone_offset_minutes > -6000 && d->zone_offset_minutes < 6000);
    }
  }
  // SEARCH over the whole message with a key taken from it.
  const absl::string_view key = raw.substr(raw.size() / 2, 4);
  mime::SearchString search(key);
  const bool in_body = mime::BodyContains(raw, s, search, &converter);
  const bool in_text = mime::TextContains(raw, s, search, &converter);
  CHECK(!in_body || in_text) << "TEXT must find what BODY finds";
}

// A section spec from the input's last line, for ParseSectionSpec.
void CheckParsedSpec(absl::string_view raw, const MessageStructure& s) {
  const size_t nl = raw.rfind('\n');
  absl::string_view line = nl == absl::string_view::npos ? raw : raw.substr(nl + 1);
  if (line.size() > 80) line = line.substr(0, 80);
  if (std::optional<SectionSpec> spec = mime::ParseSectionSpec(line)) CheckSection(raw, s, *spec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view raw(reinterpret_cast<const char*>(data), size);
  Limits limits;
  if (size > 0 && (data[0] & 7) == 7) {
    limits.depth_max = 1 + data[0] % 5;
    limits.parts_max = 2 + data[0] % 7;
    limits.header_fields_max = 3 + data[0] % 11;
    limits.parameters_max = 1 + data[0] % 3;
    limits.boundary_bytes_max = 4 + data[0] % 13;
  }
  const MessageStructure s = MessageStructure::Parse(raw, limits);
  std::string error;
  CHECK(testing::CheckStructure(raw, s, limits, &error)) << error;
  CheckOutput(raw, s);
  CheckSectionsAndBinary(raw, s);
  CheckHeaders(raw, s);
  CheckParsedSpec(raw, s);
  return 0;
}
