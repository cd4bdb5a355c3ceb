// Helpers for the MIME tests and the MIME fuzzer: an RFC 3501 grammar check
// for BODY / BODYSTRUCTURE / ENVELOPE output, the IMAP part numbers of a
// structure, and the golden-file rendering of a message.
//
//   std::string error;
//   EXPECT_TRUE(IsValidBody(out, /*extensible=*/true, &error)) << error;
//   for (const PartPath& p : PartPaths(structure)) { ... p.path, p.part ... }
#ifndef LEMONADE_PROTOCOL_MIME_TEST_SUPPORT_H_
#define LEMONADE_PROTOCOL_MIME_TEST_SUPPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "protocol/mime/message_structure.h"
#include "protocol/mime/mime_limits.h"

namespace lemonade::mime::testing {

// IsValidBody()
//
// Whether `text` is exactly one RFC 3501 §9 `body`. With extensible =
// false, extension data (body-ext-1part / body-ext-mpart) is refused, as
// BODY must not carry it; with true it is allowed where the grammar allows
// it. On failure `*error` says where.
bool IsValidBody(absl::string_view text, bool extensible, std::string* error);

// IsValidEnvelope()
//
// Whether `text` is exactly one RFC 3501 §9 `envelope`.
bool IsValidEnvelope(absl::string_view text, std::string* error);

// CheckStructure()
//
// Whether the index of `raw` keeps every invariant the rest of the code
// relies on: ranges ordered and within the message, children within their
// parent's body, the parts of a multipart tiling its body between
// delimiter lines of its boundary, a message/rfc822 part's child covering
// its body, line counts equal to the LFs in each body, fields inside their
// header, limits respected, pre-order numbering. On failure `*error` says
// which part broke which rule.
bool CheckStructure(absl::string_view raw, const MessageStructure& structure, const Limits& limits,
                    std::string* error);

// A part and the IMAP section-part that addresses it.
struct PartPath {
  std::vector<uint32_t> path;
  uint32_t part = 0;
};

// PartPaths()
//
// Every numbered part of the structure, in order ("1", "1.1", "2", ...),
// following RFC 3501 §6.4.5 (part 1 of a non-multipart message is the
// message's body; a message/rfc822 part's numbers continue inside it).
std::vector<PartPath> PartPaths(const MessageStructure& structure);

// FormatPath()
//
// "1.2.3".
std::string FormatPath(const std::vector<uint32_t>& path);

// RenderGolden()
//
// The golden-file text of a message: BODYSTRUCTURE, BODY, ENVELOPE, every
// section of every part, BINARY and BINARY.SIZE of every leaf, one per line
// as "NAME value" with the value C-escaped.
std::string RenderGolden(absl::string_view raw);

}  // namespace lemonade::mime::testing

#endif  // LEMONADE_PROTOCOL_MIME_TEST_SUPPORT_H_
