// Message flags: the five system flags as bits, keywords as bits into a
// per-mailbox keyword table.
//
// \Recent is not stored: it belongs to sessions (RFC 3501 §2.3.2), see
// Mailbox::ClaimRecent. Keywords are case-insensitive atoms (RFC 3501
// §2.3.2); a mailbox holds at most kKeywordsMax distinct ones, as Cyrus
// caps user flags per mailbox, which keeps a message's flags in 9 bytes.
//
//   FlagSet f;
//   f.system |= kFlagSeen;
//   f.keywords |= KeywordBit(mailbox.keywords().Intern("$Forwarded").value());
#ifndef LEMONADE_SERVER_STORE_FLAGS_H_
#define LEMONADE_SERVER_STORE_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lemonade::store {

inline constexpr uint8_t kFlagSeen = 1 << 0;
inline constexpr uint8_t kFlagAnswered = 1 << 1;
inline constexpr uint8_t kFlagFlagged = 1 << 2;
inline constexpr uint8_t kFlagDeleted = 1 << 3;
inline constexpr uint8_t kFlagDraft = 1 << 4;
inline constexpr uint8_t kSystemFlagsAll = 0x1f;

inline constexpr size_t kKeywordsMax = 64;

inline uint64_t KeywordBit(size_t index) { return uint64_t{1} << index; }

struct FlagSet {
  uint8_t system = 0;
  uint64_t keywords = 0;
  bool operator==(const FlagSet& o) const { return system == o.system && keywords == o.keywords; }
  bool operator!=(const FlagSet& o) const { return !(*this == o); }
};

// "\Seen" -> kFlagSeen (case-insensitive); 0 if not a system flag
// ("\Recent" is not storable and also gives 0).
uint8_t SystemFlagFromName(absl::string_view name);

// The per-mailbox table of keyword names, in order of first use (so the
// bit of a keyword never changes, which keeps log records small).
class KeywordTable {
 public:
  // The index of `keyword`, adding it if new; nullopt when the table is
  // full.
  std::optional<size_t> Intern(absl::string_view keyword);
  // The index of `keyword` if known.
  std::optional<size_t> Find(absl::string_view keyword) const;
  const std::vector<std::string>& names() const { return names_; }
  bool full() const { return names_.size() >= kKeywordsMax; }

 private:
  std::vector<std::string> names_;
};

// Appends "\Seen \Answered ... kw1 kw2" (no parentheses) in a fixed order.
void AppendFlagNames(const FlagSet& flags, const KeywordTable& keywords, bool recent,
                     std::string* out);

// Whether `name` is a valid keyword atom (RFC 3501 flag-keyword).
bool IsValidKeyword(absl::string_view name);

}  // namespace lemonade::store

#endif  // LEMONADE_SERVER_STORE_FLAGS_H_
