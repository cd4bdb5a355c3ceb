// ByteRange: a half-open [begin, end) range of offsets into a message's raw
// bytes, the currency of the MIME structure index.
//
// The index never copies message bytes; it records where things are. Offsets
// (rather than string_views) keep a MessageStructure valid when the caller
// moves or re-reads the same bytes, e.g. from a cache.
//
//   absl::string_view body = part.body.In(raw);
#ifndef LEMONADE_PROTOCOL_MIME_BYTE_RANGE_H_
#define LEMONADE_PROTOCOL_MIME_BYTE_RANGE_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace lemonade::mime {

struct ByteRange {
  size_t begin = 0;
  size_t end = 0;

  size_t size() const { return end - begin; }
  bool empty() const { return begin == end; }
  // The bytes of this range within `raw` (the message it was computed on).
  absl::string_view In(absl::string_view raw) const { return raw.substr(begin, end - begin); }
  bool Contains(const ByteRange& o) const { return begin <= o.begin && o.end <= end; }
  bool operator==(const ByteRange& o) const { return begin == o.begin && end == o.end; }
  bool operator!=(const ByteRange& o) const { return !(*this == o); }
};

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_BYTE_RANGE_H_
