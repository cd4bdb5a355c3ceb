#include "protocol/mime/header_field.h"

#include <cstring>

#include "absl/strings/match.h"

namespace lemonade::mime {
namespace {

// The position after the LF ending the line that contains `pos`, or
// raw.size() when the line is the last one and has no LF.
size_t LineEnd(absl::string_view raw, size_t pos, uint64_t* lf_count) {
  const void* lf = std::memchr(raw.data() + pos, '\n', raw.size() - pos);
  if (lf == nullptr) return raw.size();
  ++*lf_count;
  return static_cast<size_t>(static_cast<const char*>(lf) - raw.data()) + 1;
}

// `end` minus the line end ("\n" or "\r\n") the range [begin, end) ends
// with, if any.
size_t WithoutLineEnd(absl::string_view raw, size_t begin, size_t end) {
  if (end > begin && raw[end - 1] == '\n') {
    --end;
    if (end > begin && raw[end - 1] == '\r') --end;
  }
  return end;
}

}  // namespace

HeaderLineKind ReadHeaderField(absl::string_view raw, size_t pos, HeaderField* field, size_t* next,
                               uint64_t* lf_count) {
  const size_t size = raw.size();
  if (pos >= size) return HeaderLineKind::kEnd;
  if (raw[pos] == '\n' || (raw[pos] == '\r' && pos + 1 < size && raw[pos + 1] == '\n')) {
    *next = pos + (raw[pos] == '\n' ? 1 : 2);
    ++*lf_count;
    return HeaderLineKind::kBlankLine;
  }
  const size_t first_line_end = LineEnd(raw, pos, lf_count);
  size_t end = first_line_end;
  // RFC 5322 §2.2.3: continuation lines start with WSP.
  while (end < size && IsWsp(raw[end])) end = LineEnd(raw, end, lf_count);

  const size_t first_line_content_end = WithoutLineEnd(raw, pos, first_line_end);
  const void* colon = std::memchr(raw.data() + pos, ':', first_line_content_end - pos);
  field->field = {pos, end};
  if (colon != nullptr) {
    const size_t colon_pos = static_cast<size_t>(static_cast<const char*>(colon) - raw.data());
    size_t name_end = colon_pos;
    while (name_end > pos && IsWsp(raw[name_end - 1])) --name_end;
    field->name = {pos, name_end};
    field->value = {colon_pos + 1, WithoutLineEnd(raw, colon_pos + 1, end)};
    field->has_colon = true;
  } else {
    field->name = {pos, first_line_content_end};
    field->value = {first_line_content_end, first_line_content_end};
    field->has_colon = false;
  }
  *next = end;
  return HeaderLineKind::kField;
}

bool FieldNameIs(absl::string_view raw, const HeaderField& field, absl::string_view name) {
  return absl::EqualsIgnoreCase(field.name.In(raw), name);
}

std::string UnfoldHeaderValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') continue;
    out.push_back(c);
  }
  size_t begin = 0;
  while (begin < out.size() && IsWsp(out[begin])) ++begin;
  size_t end = out.size();
  while (end > begin && IsWsp(out[end - 1])) --end;
  return out.substr(begin, end - begin);
}

}  // namespace lemonade::mime
