// SequenceSet: an IMAP sequence-set (RFC 3501 §9, RFC 5182 "$").
//
// A list of ranges over message sequence numbers or UIDs, where "*" stands
// for the largest number in use and "$" for the result saved by the last
// SEARCH ... RETURN (SAVE) (SEARCHRES, RFC 5182). Ranges are kept as sent;
// Resolve() turns them into sorted, merged, concrete ranges once the
// mailbox size is known.
//
//   SequenceSet set;
//   ParseSequenceSet("1:3,7,10:*", limits, &set);
//   for (auto [lo, hi] : set.Resolve(/*largest=*/12)) ...   // 1-3, 7, 10-12
#ifndef LEMONADE_PROTOCOL_IMAP_SEQUENCE_SET_H_
#define LEMONADE_PROTOCOL_IMAP_SEQUENCE_SET_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace lemonade::imap {

// "*" inside a range.
inline constexpr uint32_t kSequenceStar = 0;

class SequenceSet {
 public:
  struct Range {
    uint32_t first = 0;  // kSequenceStar means "*"
    uint32_t last = 0;   // equal to first for a single number
  };

  SequenceSet() = default;

  void Clear() {
    ranges_.clear();
    saved_result_ = false;
  }
  void Add(uint32_t first, uint32_t last) { ranges_.push_back({first, last}); }
  void Add(uint32_t n) { ranges_.push_back({n, n}); }
  // "$": the saved search result (SEARCHRES).
  void SetSavedResult() { saved_result_ = true; }

  bool is_saved_result() const { return saved_result_; }
  bool empty() const { return ranges_.empty() && !saved_result_; }
  const std::vector<Range>& ranges() const { return ranges_; }

  // Concrete, sorted, non-overlapping, merged ranges, with "*" replaced by
  // `largest`. RFC 3501 §9: "a:b" includes everything between a and b in
  // either order. With largest == 0 (empty mailbox) "*" has no value and
  // ranges using it resolve to nothing.
  std::vector<std::pair<uint32_t, uint32_t>> Resolve(uint32_t largest) const;

  // Whether `n` is in the set, "*" meaning `largest`.
  bool Contains(uint32_t n, uint32_t largest) const;

  // Canonical text ("1:3,7"); "$" for a saved result.
  std::string ToString() const;

  bool operator==(const SequenceSet& o) const;

 private:
  std::vector<Range> ranges_;
  bool saved_result_ = false;
};

// Formats concrete ranges compactly ("1:3,7,9:12").
std::string FormatRanges(const std::vector<std::pair<uint32_t, uint32_t>>& ranges);

// Formats numbers compactly in the order given, merging ascending runs
// ("1:3,7"; "5,3:4" for 5,3,4 — RFC 5267 §3.2 keeps a SORT's order).
std::string FormatNumberSet(const std::vector<uint32_t>& numbers);

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_SEQUENCE_SET_H_
