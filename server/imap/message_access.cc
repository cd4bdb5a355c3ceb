#include "server/imap/message_access.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "protocol/mime/address.h"
#include "protocol/mime/base_subject.h"
#include "protocol/mime/body_structure.h"
#include "protocol/mime/charset.h"
#include "protocol/mime/encoded_words.h"
#include "protocol/mime/envelope.h"
#include "protocol/mime/header_field.h"
#include "protocol/mime/message_date.h"
#include "protocol/mime/search.h"
#include "protocol/mime/section.h"

namespace lemonade::imap_server {
namespace {

mime::SectionSpec ToMime(const imap::SectionSpec& s) {
  mime::SectionSpec out;
  out.part = s.part;
  switch (s.text) {
    case imap::SectionSpec::Text::kAll: out.text = mime::SectionSpec::Text::kAll; break;
    case imap::SectionSpec::Text::kHeader: out.text = mime::SectionSpec::Text::kHeader; break;
    case imap::SectionSpec::Text::kHeaderFields:
      out.text = mime::SectionSpec::Text::kHeaderFields;
      break;
    case imap::SectionSpec::Text::kHeaderFieldsNot:
      out.text = mime::SectionSpec::Text::kHeaderFieldsNot;
      break;
    case imap::SectionSpec::Text::kText: out.text = mime::SectionSpec::Text::kText; break;
    case imap::SectionSpec::Text::kMime: out.text = mime::SectionSpec::Text::kMime; break;
  }
  for (absl::string_view f : s.fields) out.fields.emplace_back(f);
  return out;
}

}  // namespace

MessageAccess::MessageAccess(std::shared_ptr<const std::string> bytes)
    : bytes_(std::move(bytes)), structure_(mime::MessageStructure::Parse(*bytes_, mime::Limits())) {}

void MessageAccess::AppendEnvelope(imap::ImapWriter* w) const {
  mime::AppendEnvelope(mime::ParseEnvelope(*bytes_, structure_, 0), w);
}

void MessageAccess::AppendBodyStructure(imap::ImapWriter* w, bool extensible) const {
  mime::AppendBodyStructure(*bytes_, structure_, extensible, w);
}

bool MessageAccess::AppendPartStructure(const std::vector<uint32_t>& part,
                                        imap::ImapWriter* w) const {
  std::optional<uint32_t> index = structure_.FindPart(part);
  if (!index) return false;
  mime::AppendPartBodyStructure(*bytes_, structure_, *index, /*extensible=*/true, w);
  return true;
}

bool MessageAccess::AppendDecodedPartStructure(const std::vector<uint32_t>& part,
                                               absl::string_view decoded,
                                               imap::ImapWriter* w) const {
  if (part.empty() || !HasPart(part)) return false;
  imap::SectionSpec mime;
  mime.part = part;
  mime.text = imap::SectionSpec::Text::kMime;
  const std::string header = Section(mime);
  // The part's MIME header without its Content-Transfer-Encoding field
  // (continuation lines included), then "binary" and the decoded content.
  std::string synthetic;
  bool had_encoding = false;
  bool skipping = false;
  for (absl::string_view line : absl::StrSplit(header, "\r\n")) {
    if (line.empty()) continue;
    if (line[0] != ' ' && line[0] != '\t') {
      skipping = absl::StartsWithIgnoreCase(line, "Content-Transfer-Encoding:");
      had_encoding |= skipping;
    }
    if (!skipping) absl::StrAppend(&synthetic, line, "\r\n");
  }
  if (!had_encoding) return false;
  absl::StrAppend(&synthetic, "Content-Transfer-Encoding: binary\r\n\r\n", decoded);
  MessageAccess converted(std::make_shared<const std::string>(std::move(synthetic)));
  converted.AppendBodyStructure(w, /*extensible=*/true);
  return true;
}

bool MessageAccess::HasPart(const std::vector<uint32_t>& part) const {
  return part.empty() || structure_.FindPart(part).has_value();
}

std::string MessageAccess::Section(const imap::SectionSpec& section) const {
  return mime::Flatten(mime::ExtractSection(*bytes_, structure_, ToMime(section)));
}

MessageAccess::BinaryResult MessageAccess::Binary(const std::vector<uint32_t>& part,
                                                  std::string* out) const {
  mime::BinaryContent content = mime::ExtractBinary(*bytes_, structure_, part);
  switch (content.status()) {
    case mime::BinaryContent::Status::kOk:
      out->assign(content.bytes().data(), content.bytes().size());
      return BinaryResult::kOk;
    case mime::BinaryContent::Status::kUnknownCte:
      return BinaryResult::kUnknownCte;
    case mime::BinaryContent::Status::kNotFound:
      break;
  }
  out->clear();
  return BinaryResult::kNoSuchPart;
}

bool MessageAccess::HeaderContains(absl::string_view field, absl::string_view needle) const {
  mime::CharsetConverter converter;
  return mime::HeaderFieldContains(*bytes_, structure_, 0, field, mime::SearchString(needle),
                                   &converter);
}

bool MessageAccess::BodyContains(absl::string_view needle) const {
  mime::CharsetConverter converter;
  return mime::BodyContains(*bytes_, structure_, mime::SearchString(needle), &converter);
}

bool MessageAccess::TextContains(absl::string_view needle) const {
  mime::CharsetConverter converter;
  return mime::TextContains(*bytes_, structure_, mime::SearchString(needle), &converter);
}

std::optional<mime::MessageDate> MessageAccess::SentDate() const {
  const mime::HeaderField* date = structure_.FindField(*bytes_, 0, "Date");
  if (date == nullptr) return std::nullopt;
  return mime::ParseMessageDate(mime::UnfoldHeaderValue(date->value.In(*bytes_)));
}

std::optional<imap::ImapDay> MessageAccess::SentDay() const {
  std::optional<mime::MessageDate> sent = SentDate();
  if (!sent) return std::nullopt;
  return sent->local_day;
}

std::string MessageAccess::FirstAddressMailbox(absl::string_view field) const {
  const mime::HeaderField* f = structure_.FindField(*bytes_, 0, field);
  if (f == nullptr) return "";
  // Only the first address is wanted; a handful covers group markers.
  for (const mime::Address& a : mime::ParseAddressList(f->value.In(*bytes_), 16)) {
    if (a.IsGroupStart() || a.IsGroupEnd()) continue;
    return a.mailbox.value_or("");
  }
  return "";
}

std::string MessageAccess::BaseSubject() const {
  const mime::HeaderField* subject = structure_.FindField(*bytes_, 0, "Subject");
  if (subject == nullptr) return "";
  mime::CharsetConverter converter;
  return mime::BaseSubject(mime::DecodeHeaderText(subject->value.In(*bytes_), &converter));
}

std::optional<int64_t> MessageAccess::SentUnixSeconds() const {
  std::optional<mime::MessageDate> sent = SentDate();
  if (!sent) return std::nullopt;
  return sent->unix_seconds;
}

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
