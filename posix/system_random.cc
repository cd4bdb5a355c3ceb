#include "posix/system_random.h"

#include <errno.h>
#include <sys/random.h>

#include <cstring>

#include "base/check.h"

namespace lemonade::posix {

void FillFromSystem(absl::Span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      CHECK(errno == EINTR) << "getrandom: " << std::strerror(errno);
      continue;
    }
    done += static_cast<size_t>(n);
  }
}

SystemRandom::~SystemRandom() {
  // Unconsumed randomness may be a key's sibling; do not leave it in memory.
  explicit_bzero(buffer_, sizeof(buffer_));
}

void SystemRandom::Refill() {
  FillFromSystem(absl::MakeSpan(buffer_, kBufferBytes));
  used_ = 0;
}

uint64_t SystemRandom::NextU64() {
  if (kBufferBytes - used_ < sizeof(uint64_t)) Refill();
  uint64_t value;
  std::memcpy(&value, buffer_ + used_, sizeof(value));
  explicit_bzero(buffer_ + used_, sizeof(value));
  used_ += sizeof(value);
  return value;
}

}  // namespace lemonade::posix
