#include "protocol/imap/sequence_set.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lemonade::imap {
namespace {

using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;
using ::testing::ElementsAre;

SequenceSet Set(std::initializer_list<std::pair<uint32_t, uint32_t>> ranges) {
  SequenceSet s;
  for (auto [a, b] : ranges) s.Add(a, b);
  return s;
}

// RFC 3501 §9's example "2,4:7,9,12:*" in a mailbox of 15 messages.
TEST(SequenceSetTest, ResolvesTheRfc3501Example) {
  SequenceSet s = Set({{2, 2}, {4, 7}, {9, 9}, {12, kSequenceStar}});
  EXPECT_EQ(s.ToString(), "2,4:7,9,12:*");
  EXPECT_EQ(s.Resolve(15), (Ranges{{2, 2}, {4, 7}, {9, 9}, {12, 15}}));
}

// "a:b" includes everything between a and b in either order, and "*:4"
// reaches down from the largest number.
TEST(SequenceSetTest, ReversedRangesAreIncluded) {
  EXPECT_EQ(Set({{7, 4}}).Resolve(10), (Ranges{{4, 7}}));
  EXPECT_EQ(Set({{kSequenceStar, 4}}).Resolve(10), (Ranges{{4, 10}}));
  EXPECT_EQ(Set({{kSequenceStar, 40}}).Resolve(10), (Ranges{{10, 40}}));
}

// Ranges are sorted and overlapping or adjacent ones merged.
TEST(SequenceSetTest, ResolveSortsAndMerges) {
  EXPECT_EQ(Set({{9, 12}, {1, 3}, {4, 5}, {2, 2}, {11, 20}}).Resolve(100),
            (Ranges{{1, 5}, {9, 20}}));
  EXPECT_EQ(Set({{0xfffffffe, 0xffffffff}, {1, 0xfffffffd}}).Resolve(7),
            (Ranges{{1, 0xffffffff}}));
}

// "*" has no value in an empty mailbox: ranges using it select nothing.
TEST(SequenceSetTest, StarInAnEmptyMailboxSelectsNothing) {
  SequenceSet s = Set({{1, kSequenceStar}, {kSequenceStar, kSequenceStar}, {3, 3}});
  EXPECT_EQ(s.Resolve(0), (Ranges{{3, 3}}));
  EXPECT_FALSE(s.Contains(1, 0));
  EXPECT_TRUE(s.Contains(3, 0));
}

// Contains() agrees with Resolve() for every number and mailbox size.
TEST(SequenceSetTest, ContainsAgreesWithResolve) {
  const std::vector<SequenceSet> sets = {
      Set({{1, 1}}),           Set({{3, 7}, {12, kSequenceStar}}), Set({{kSequenceStar, 5}}),
      Set({{9, 2}, {4, 4}}),   Set({{kSequenceStar, kSequenceStar}}), SequenceSet()};
  for (const SequenceSet& s : sets) {
    for (uint32_t largest = 0; largest <= 15; ++largest) {
      const Ranges resolved = s.Resolve(largest);
      for (uint32_t n = 1; n <= 20; ++n) {
        bool in = false;
        for (auto [a, b] : resolved) in = in || (n >= a && n <= b);
        EXPECT_EQ(s.Contains(n, largest), in) << s.ToString() << " n=" << n << " largest="
                                              << largest;
      }
    }
  }
}

// "$" (RFC 5182) is a saved result, not ranges; ToString() keeps ranges as
// sent.
TEST(SequenceSetTest, SavedResultAndTextForm) {
  SequenceSet s;
  EXPECT_TRUE(s.empty());
  s.SetSavedResult();
  EXPECT_FALSE(s.empty());
  EXPECT_TRUE(s.is_saved_result());
  EXPECT_EQ(s.ToString(), "$");
  s.Clear();
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.is_saved_result());
  s.Add(5);
  s.Add(3, 1);
  s.Add(kSequenceStar, kSequenceStar);
  EXPECT_EQ(s.ToString(), "5,3:1,*");
}

// Equality compares ranges in order and the saved-result mark.
TEST(SequenceSetTest, EqualityComparesRangesAndSavedMark) {
  EXPECT_EQ(Set({{1, 2}, {4, 4}}), Set({{1, 2}, {4, 4}}));
  EXPECT_FALSE(Set({{1, 2}, {4, 4}}) == Set({{4, 4}, {1, 2}}));
  EXPECT_FALSE(Set({{1, 2}}) == Set({{1, 3}}));
  SequenceSet saved;
  saved.SetSavedResult();
  EXPECT_FALSE(saved == SequenceSet());
}

// FormatRanges() and FormatNumberSet() write compact sets, merging runs and
// duplicates, up to the largest UID.
TEST(SequenceSetTest, FormatsCompactSets) {
  EXPECT_EQ(FormatRanges({{1, 3}, {7, 7}, {9, 12}}), "1:3,7,9:12");
  EXPECT_EQ(FormatRanges({}), "");
  EXPECT_EQ(FormatNumberSet({1, 2, 3, 7, 9, 10, 11, 12}), "1:3,7,9:12");
  EXPECT_EQ(FormatNumberSet({4, 4, 5, 5, 8}), "4:5,8");
  EXPECT_EQ(FormatNumberSet({0xfffffffe, 0xffffffff}), "4294967294:4294967295");
  EXPECT_EQ(FormatNumberSet({}), "");
}

}  // namespace
}  // namespace lemonade::imap
