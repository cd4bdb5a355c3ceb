#include "protocol/imap/sequence_set.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace lemonade::imap {

std::vector<std::pair<uint32_t, uint32_t>> SequenceSet::Resolve(uint32_t largest) const {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  out.reserve(ranges_.size());
  for (const Range& r : ranges_) {
    uint32_t a = r.first == kSequenceStar ? largest : r.first;
    uint32_t b = r.last == kSequenceStar ? largest : r.last;
    if (a == 0 || b == 0) continue;
    if (a > b) std::swap(a, b);
    out.emplace_back(a, b);
  }
  std::sort(out.begin(), out.end());
  std::vector<std::pair<uint32_t, uint32_t>> merged;
  for (const auto& r : out) {
    if (!merged.empty() && static_cast<uint64_t>(merged.back().second) + 1 >= r.first) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

bool SequenceSet::Contains(uint32_t n, uint32_t largest) const {
  for (const Range& r : ranges_) {
    uint32_t a = r.first == kSequenceStar ? largest : r.first;
    uint32_t b = r.last == kSequenceStar ? largest : r.last;
    if (a > b) std::swap(a, b);
    if (a != 0 && n >= a && n <= b) return true;
  }
  return false;
}

std::string SequenceSet::ToString() const {
  if (saved_result_) return "$";
  std::string out;
  for (size_t i = 0; i < ranges_.size(); ++i) {
    if (i) out.push_back(',');
    const Range& r = ranges_[i];
    auto put = [&out](uint32_t n) {
      if (n == kSequenceStar) {
        out.push_back('*');
      } else {
        absl::StrAppend(&out, n);
      }
    };
    put(r.first);
    if (r.last != r.first) {
      out.push_back(':');
      put(r.last);
    }
  }
  return out;
}

bool SequenceSet::operator==(const SequenceSet& o) const {
  if (saved_result_ != o.saved_result_ || ranges_.size() != o.ranges_.size()) return false;
  for (size_t i = 0; i < ranges_.size(); ++i) {
    if (ranges_[i].first != o.ranges_[i].first || ranges_[i].last != o.ranges_[i].last) {
      return false;
    }
  }
  return true;
}

std::string FormatRanges(const std::vector<std::pair<uint32_t, uint32_t>>& ranges) {
  std::string out;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (i) out.push_back(',');
    if (ranges[i].first == ranges[i].second) {
      absl::StrAppend(&out, ranges[i].first);
    } else {
      absl::StrAppend(&out, ranges[i].first, ":", ranges[i].second);
    }
  }
  return out;
}

std::string FormatNumberSet(const std::vector<uint32_t>& numbers) {
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  for (uint32_t n : numbers) {
    if (!ranges.empty() && ranges.back().second + 1 == n) {
      ranges.back().second = n;
    } else if (ranges.empty() || ranges.back().second != n) {
      ranges.emplace_back(n, n);
    }
  }
  return FormatRanges(ranges);
}

}  // namespace lemonade::imap
