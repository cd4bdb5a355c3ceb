// Assertions that document and enforce invariants.
//
// CHECK(cond) guards invariants whose violation could corrupt mail; it stays
// on in every build. DCHECK(cond) is for cheap internal invariants and is
// compiled out with NDEBUG. Never CHECK on bytes that came from the network:
// those are validated and refused with a protocol error instead.
//
//   CHECK(uid > last_uid) << "uids must grow";
#ifndef LEMONADE_BASE_CHECK_H_
#define LEMONADE_BASE_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace lemonade::base_internal {

// Collects the streamed message, then prints it and aborts.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition) {
    stream_ << file << ":" << line << ": CHECK failed: " << condition << " ";
  }
  [[noreturn]] ~CheckFailure() {
    std::fputs(stream_.str().c_str(), stderr);
    std::fputc('\n', stderr);
    std::abort();
  }
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Makes `cond ? (void)0 : Voidify() & stream` type-check.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace lemonade::base_internal

#define CHECK(condition)                                      \
  (condition) ? (void)0                                       \
              : ::lemonade::base_internal::Voidify() &        \
                    ::lemonade::base_internal::CheckFailure(  \
                        __FILE__, __LINE__, #condition)       \
                        .stream()

#ifdef NDEBUG
#define DCHECK(condition) \
  while (false) CHECK(condition)
#else
#define DCHECK(condition) CHECK(condition)
#endif

#endif  // LEMONADE_BASE_CHECK_H_
