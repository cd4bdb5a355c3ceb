#include "protocol/smtp/dot_stuffer.h"

namespace lemonade::smtp {

void DotStuffer::Append(absl::string_view content, std::string* out) {
  out->reserve(out->size() + content.size() + content.size() / 32 + 4);
  size_t run = 0;  // start of the octets not yet copied
  for (size_t i = 0; i < content.size(); ++i) {
    const char c = content[i];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') {
        // The LF of a CRLF whose CR already produced "\r\n".
        run = i + 1;
        continue;
      }
    }
    if (at_line_start_) {
      at_line_start_ = false;
      if (c == '.') {
        out->append(content.data() + run, i - run);
        out->push_back('.');  // the stuffing dot; the original follows
        run = i;
      }
    }
    if (c == '\r' || c == '\n') {
      out->append(content.data() + run, i - run);
      out->append("\r\n");
      run = i + 1;
      at_line_start_ = true;
      after_cr_ = c == '\r';
    }
  }
  out->append(content.data() + run, content.size() - run);
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
