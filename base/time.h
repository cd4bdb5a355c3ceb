// Time and Duration: integer nanoseconds, the only notion of time in the
// deterministic core.
//
// The core never reads a clock; it is handed `now` (a Time) by the
// environment (netsim's virtual clock, or the posix binding's real one).
// Keeping time an int64 makes arithmetic exact and identical on every
// machine, which a replayable simulation needs.
//
//   Time deadline = now + Duration::Seconds(30);
//   if (now >= deadline) ...
#ifndef LEMONADE_BASE_TIME_H_
#define LEMONADE_BASE_TIME_H_

#include <cstdint>
#include <limits>

namespace lemonade {

// A signed span of time in nanoseconds.
class Duration {
 public:
  constexpr Duration() = default;

  static constexpr Duration Zero() { return Duration(0); }
  static constexpr Duration Infinite() {
    return Duration(std::numeric_limits<int64_t>::max());
  }
  static constexpr Duration Nanoseconds(int64_t n) { return Duration(n); }
  static constexpr Duration Microseconds(int64_t n) { return Duration(n * 1000); }
  static constexpr Duration Milliseconds(int64_t n) {
    return Duration(n * 1000 * 1000);
  }
  static constexpr Duration Seconds(int64_t n) {
    return Duration(n * 1000 * 1000 * 1000);
  }
  static constexpr Duration Minutes(int64_t n) { return Seconds(n * 60); }
  static constexpr Duration Hours(int64_t n) { return Seconds(n * 3600); }
  static constexpr Duration Days(int64_t n) { return Hours(n * 24); }

  constexpr int64_t nanoseconds() const { return ns_; }
  constexpr int64_t microseconds() const { return ns_ / 1000; }
  constexpr int64_t milliseconds() const { return ns_ / 1000000; }
  constexpr int64_t seconds() const { return ns_ / 1000000000; }
  constexpr double seconds_double() const { return ns_ / 1e9; }
  constexpr double milliseconds_double() const { return ns_ / 1e6; }

  constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
  constexpr Duration operator*(int64_t k) const { return Duration(ns_ * k); }
  constexpr Duration operator/(int64_t k) const { return Duration(ns_ / k); }
  constexpr int64_t operator/(Duration o) const { return ns_ / o.ns_; }
  Duration& operator+=(Duration o) { ns_ += o.ns_; return *this; }
  Duration& operator-=(Duration o) { ns_ -= o.ns_; return *this; }

  constexpr bool operator==(Duration o) const { return ns_ == o.ns_; }
  constexpr bool operator!=(Duration o) const { return ns_ != o.ns_; }
  constexpr bool operator<(Duration o) const { return ns_ < o.ns_; }
  constexpr bool operator<=(Duration o) const { return ns_ <= o.ns_; }
  constexpr bool operator>(Duration o) const { return ns_ > o.ns_; }
  constexpr bool operator>=(Duration o) const { return ns_ >= o.ns_; }

 private:
  constexpr explicit Duration(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// A point in time: nanoseconds since the Unix epoch (UTC). In netsim the
// epoch of a run is fixed by its configuration, so dates in mail (Received:,
// INTERNALDATE) are as reproducible as everything else.
class Time {
 public:
  constexpr Time() = default;

  static constexpr Time FromUnixNanos(int64_t ns) { return Time(ns); }
  static constexpr Time FromUnixSeconds(int64_t s) {
    return Time(s * 1000 * 1000 * 1000);
  }
  static constexpr Time InfiniteFuture() {
    return Time(std::numeric_limits<int64_t>::max());
  }

  constexpr int64_t unix_nanos() const { return ns_; }
  constexpr int64_t unix_seconds() const {
    // Floor division, so times before 1970 round towards the past.
    return ns_ >= 0 ? ns_ / 1000000000 : -((-ns_ + 999999999) / 1000000000);
  }

  constexpr Time operator+(Duration d) const { return Time(ns_ + d.nanoseconds()); }
  constexpr Time operator-(Duration d) const { return Time(ns_ - d.nanoseconds()); }
  constexpr Duration operator-(Time o) const {
    return Duration::Nanoseconds(ns_ - o.ns_);
  }
  Time& operator+=(Duration d) { ns_ += d.nanoseconds(); return *this; }

  constexpr bool operator==(Time o) const { return ns_ == o.ns_; }
  constexpr bool operator!=(Time o) const { return ns_ != o.ns_; }
  constexpr bool operator<(Time o) const { return ns_ < o.ns_; }
  constexpr bool operator<=(Time o) const { return ns_ <= o.ns_; }
  constexpr bool operator>(Time o) const { return ns_ > o.ns_; }
  constexpr bool operator>=(Time o) const { return ns_ >= o.ns_; }

 private:
  constexpr explicit Time(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

}  // namespace lemonade

#endif  // LEMONADE_BASE_TIME_H_
