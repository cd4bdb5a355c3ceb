#include "protocol/mime/envelope.h"

#include "protocol/mime/header_field.h"

namespace lemonade::mime {
namespace {

std::optional<std::string> TextField(absl::string_view raw, const MessageStructure& s,
                                     uint32_t part, absl::string_view name) {
  const HeaderField* f = s.FindField(raw, part, name);
  if (f == nullptr) return std::nullopt;
  return UnfoldHeaderValue(f->value.In(raw));
}

std::vector<Address> AddressField(absl::string_view raw, const MessageStructure& s, uint32_t part,
                                  absl::string_view name) {
  const HeaderField* f = s.FindField(raw, part, name);
  if (f == nullptr) return {};
  return ParseAddressList(f->value.In(raw));
}

std::optional<absl::string_view> View(const std::optional<std::string>& s) {
  if (!s.has_value()) return std::nullopt;
  return absl::string_view(*s);
}

void AppendAddresses(const std::vector<Address>& list, imap::ImapWriter* w) {
  if (list.empty()) {
    w->Nil();
    return;
  }
  w->OpenList();
  for (const Address& a : list) {
    w->OpenList();
    AppendImapNString(View(a.name), w);
    w->Space();
    AppendImapNString(View(a.adl), w);
    w->Space();
    AppendImapNString(View(a.mailbox), w);
    w->Space();
    AppendImapNString(View(a.host), w);
    w->CloseList();
  }
  w->CloseList();
}

}  // namespace

void AppendImapNString(const std::optional<absl::string_view>& value, imap::ImapWriter* writer) {
  if (!value.has_value()) {
    writer->Nil();
    return;
  }
  const absl::string_view v = *value;
  if (v.find_first_of(absl::string_view("\0\r\n", 3)) == absl::string_view::npos) {
    writer->String(v);
    return;
  }
  std::string clean;
  clean.reserve(v.size());
  for (char c : v) {
    if (c != '\0' && c != '\r' && c != '\n') clean.push_back(c);
  }
  writer->String(clean);
}

Envelope ParseEnvelope(absl::string_view raw, const MessageStructure& s, uint32_t root) {
  Envelope e;
  e.date = TextField(raw, s, root, "Date");
  e.subject = TextField(raw, s, root, "Subject");
  e.from = AddressField(raw, s, root, "From");
  e.sender = AddressField(raw, s, root, "Sender");
  e.reply_to = AddressField(raw, s, root, "Reply-To");
  e.to = AddressField(raw, s, root, "To");
  e.cc = AddressField(raw, s, root, "Cc");
  e.bcc = AddressField(raw, s, root, "Bcc");
  e.in_reply_to = TextField(raw, s, root, "In-Reply-To");
  e.message_id = TextField(raw, s, root, "Message-ID");
  // RFC 3501 §7.4.2: "If the Sender or Reply-To lines are absent in the
  // [RFC-2822] header, or are present but empty, the server sets the
  // corresponding member of the envelope to be the same value as the from
  // member".
  if (e.sender.empty()) e.sender = e.from;
  if (e.reply_to.empty()) e.reply_to = e.from;
  return e;
}

void AppendEnvelope(const Envelope& e, imap::ImapWriter* w) {
  w->OpenList();
  AppendImapNString(View(e.date), w);
  w->Space();
  AppendImapNString(View(e.subject), w);
  w->Space();
  AppendAddresses(e.from, w);
  w->Space();
  AppendAddresses(e.sender, w);
  w->Space();
  AppendAddresses(e.reply_to, w);
  w->Space();
  AppendAddresses(e.to, w);
  w->Space();
  AppendAddresses(e.cc, w);
  w->Space();
  AppendAddresses(e.bcc, w);
  w->Space();
  AppendImapNString(View(e.in_reply_to), w);
  w->Space();
  AppendImapNString(View(e.message_id), w);
  w->CloseList();
}

}  // namespace lemonade::mime
