#include "server/imap/message_access.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace lemonade::imap_server {
namespace {
bool ContainsIgnoreCase(absl::string_view haystack, absl::string_view needle) {
  if (needle.empty()) return true;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (absl::EqualsIgnoreCase(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}
}  // namespace

// Interim implementation without MIME structure: header/body split only.
MessageAccess::MessageAccess(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {
  size_t p = bytes_->find("\r\n\r\n");
  body_offset_ = p == std::string::npos ? bytes_->size() : p + 4;
}

void MessageAccess::AppendEnvelope(imap::ImapWriter* w) const {
  w->Raw("(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}

void MessageAccess::AppendBodyStructure(imap::ImapWriter* w, bool extensible) const {
  w->Raw("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" ");
  w->Number(bytes_->size() - body_offset_).Raw(" 0)");
}

bool MessageAccess::AppendPartStructure(const std::vector<uint32_t>& part,
                                        imap::ImapWriter* w) const {
  AppendBodyStructure(w, true);
  return true;
}

bool MessageAccess::HasPart(const std::vector<uint32_t>& part) const {
  return part.empty() || (part.size() == 1 && part[0] == 1);
}

std::string MessageAccess::Section(const imap::SectionSpec& section) const {
  switch (section.text) {
    case imap::SectionSpec::Text::kHeader: return bytes_->substr(0, body_offset_);
    case imap::SectionSpec::Text::kText: return bytes_->substr(body_offset_);
    default:
      if (section.part.empty()) return *bytes_;
      return bytes_->substr(body_offset_);
  }
}

MessageAccess::BinaryResult MessageAccess::Binary(const std::vector<uint32_t>& part,
                                                  std::string* out) const {
  *out = bytes_->substr(body_offset_);
  return BinaryResult::kOk;
}

bool MessageAccess::HeaderContains(absl::string_view field, absl::string_view needle) const {
  return ContainsIgnoreCase(absl::string_view(*bytes_).substr(0, body_offset_), needle);
}

bool MessageAccess::BodyContains(absl::string_view needle) const {
  return ContainsIgnoreCase(absl::string_view(*bytes_).substr(body_offset_), needle);
}

bool MessageAccess::TextContains(absl::string_view needle) const {
  return ContainsIgnoreCase(*bytes_, needle);
}

std::optional<imap::ImapDay> MessageAccess::SentDay() const { return std::nullopt; }

absl::StatusOr<std::shared_ptr<const MessageAccess>> MessageCache::Get(
    store::MailStore* store, const store::Message& message) {
  auto it = entries_.find(message.body_offset);
  if (it != entries_.end()) {
    lru_.splice(lru_.end(), lru_, it->second.lru);
    return it->second.access;
  }
  auto bytes = store->ReadMessage(message);
  if (!bytes.ok()) return bytes.status();
  auto access = std::make_shared<const MessageAccess>(*bytes);
  lru_.push_back(message.body_offset);
  entries_[message.body_offset] = Entry{access, std::prev(lru_.end())};
  while (entries_.size() > entries_max_) {
    entries_.erase(lru_.front());
    lru_.pop_front();
  }
  return access;
}

}  // namespace lemonade::imap_server
