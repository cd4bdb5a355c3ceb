// SystemRandom: lemonade::Random from the operating system's CSPRNG.
//
// The posix world serves real users, so session ids, SASL nonces and URLAUTH
// keys must be unguessable: every bit comes from getrandom(2), never from a
// seeded generator. (netsim uses a seeded, named stream instead, so its runs
// replay; the two never mix.) Bytes are fetched 256 at a time to keep the
// syscall count low; the buffer is wiped as it is consumed.
//
//   SystemRandom random;
//   uint8_t key[32];
//   random.Fill(absl::MakeSpan(key));
//   uint64_t pick = random.Uniform(10);
#ifndef LEMONADE_POSIX_SYSTEM_RANDOM_H_
#define LEMONADE_POSIX_SYSTEM_RANDOM_H_

#include <cstddef>
#include <cstdint>

#include "absl/types/span.h"
#include "env/env.h"

namespace lemonade::posix {

class SystemRandom final : public Random {
 public:
  SystemRandom() = default;
  SystemRandom(const SystemRandom&) = delete;
  SystemRandom& operator=(const SystemRandom&) = delete;
  ~SystemRandom() override;

  // NextU64: 64 bits from the kernel CSPRNG. Blocks only before the kernel's
  // pool is first initialised (early boot); aborts if the kernel refuses,
  // because a mail server without entropy must not hand out tokens.
  uint64_t NextU64() override;

 private:
  static constexpr size_t kBufferBytes = 256;
  void Refill();

  uint8_t buffer_[kBufferBytes];
  size_t used_ = kBufferBytes;  // bytes of buffer_ already handed out
};

// FillFromSystem: fills `out` straight from getrandom(2), for key material
// that should never sit in a buffer.
void FillFromSystem(absl::Span<uint8_t> out);

}  // namespace lemonade::posix

#endif  // LEMONADE_POSIX_SYSTEM_RANDOM_H_
