#include "protocol/smtp/dot_stuffer.h"

#include <cstring>

namespace lemonade::smtp {

void DotStuffer::Append(absl::string_view content, std::string* out) {
  out->reserve(out->size() + content.size() + content.size() / 32 + 4);
  const char* const data = content.data();
  const size_t size = content.size();
  size_t run = 0;  // start of the octets not yet copied
  size_t i = 0;
  while (i < size) {
    if (after_cr_) {
      after_cr_ = false;
      if (data[i] == '\n') {
        // The LF of a CRLF whose CR already produced "\r\n".
        run = ++i;
        continue;
      }
    }
    if (at_line_start_) {
      at_line_start_ = false;
      if (data[i] == '.') {
        out->append(data + run, i - run);
        out->push_back('.');  // the stuffing dot; the original follows
        run = i;
      }
    }
    // Jump to the next line break with memchr: lines are copied whole.
    const void* lf = std::memchr(data + i, '\n', size - i);
    const size_t end = lf == nullptr ? size : static_cast<const char*>(lf) - data;
    const void* cr = std::memchr(data + i, '\r', end - i);
    const size_t line_end = cr == nullptr ? end : static_cast<const char*>(cr) - data;
    if (line_end == size) break;
    out->append(data + run, line_end - run);
    out->append("\r\n");
    at_line_start_ = true;
    after_cr_ = data[line_end] == '\r';
    run = i = line_end + 1;
  }
  out->append(data + run, size - run);
}

void DotStuffer::Finish(std::string* out) {
  if (!at_line_start_) out->append("\r\n");
  out->append(".\r\n");
  at_line_start_ = true;
  after_cr_ = false;
}

std::string DotStuff(absl::string_view content) {
  std::string out;
  DotStuffer stuffer;
  stuffer.Append(content, &out);
  stuffer.Finish(&out);
  return out;
}

}  // namespace lemonade::smtp
