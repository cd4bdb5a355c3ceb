#include "server/store/flags.h"

#include "absl/strings/match.h"
#include "protocol/imap/imap_chars.h"

namespace lemonade::store {
namespace {

struct SystemFlag {
  absl::string_view name;
  uint8_t bit;
};

constexpr SystemFlag kSystemFlags[] = {
    {"\\Seen", kFlagSeen},       {"\\Answered", kFlagAnswered}, {"\\Flagged", kFlagFlagged},
    {"\\Deleted", kFlagDeleted}, {"\\Draft", kFlagDraft},
};

}  // namespace

uint8_t SystemFlagFromName(absl::string_view name) {
  for (const SystemFlag& f : kSystemFlags) {
    if (absl::EqualsIgnoreCase(name, f.name)) return f.bit;
  }
  return 0;
}

std::optional<size_t> KeywordTable::Intern(absl::string_view keyword) {
  if (auto found = Find(keyword)) return found;
  if (full()) return std::nullopt;
  names_.emplace_back(keyword);
  return names_.size() - 1;
}

std::optional<size_t> KeywordTable::Find(absl::string_view keyword) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (absl::EqualsIgnoreCase(names_[i], keyword)) return i;
  }
  return std::nullopt;
}

void AppendFlagNames(const FlagSet& flags, const KeywordTable& keywords, bool recent,
                     std::string* out) {
  bool first = true;
  auto put = [&](absl::string_view s) {
    if (!first) out->push_back(' ');
    out->append(s.data(), s.size());
    first = false;
  };
  for (const SystemFlag& f : kSystemFlags) {
    if (flags.system & f.bit) put(f.name);
  }
  if (recent) put("\\Recent");
  for (size_t i = 0; i < keywords.names().size() && i < kKeywordsMax; ++i) {
    if (flags.keywords & KeywordBit(i)) put(keywords.names()[i]);
  }
}

bool IsValidKeyword(absl::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (unsigned char c : name) {
    if (!imap::IsAtomChar(c)) return false;
  }
  return true;
}

}  // namespace lemonade::store
