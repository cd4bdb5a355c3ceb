#include "protocol/mime/section.h"

#include <algorithm>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "protocol/imap/imap_chars.h"
#include "protocol/mime/header_field.h"
#include "protocol/mime/transfer_encoding.h"

namespace lemonade::mime {
namespace {

// Appends a piece, merging it with the previous one when they touch.
void AddPiece(absl::string_view raw, ByteRange range, SectionContent* c) {
  if (range.empty()) return;
  if (!c->pieces.empty()) {
    absl::string_view& last = c->pieces.back();
    if (last.data() + last.size() == raw.data() + range.begin) {
      last = absl::string_view(last.data(), last.size() + range.size());
      return;
    }
  }
  c->pieces.push_back(range.In(raw));
}

bool ParseHeaderList(absl::string_view text, std::vector<std::string>* fields) {
  // SP "(" header-fld-name *(SP header-fld-name) ")"
  if (!absl::ConsumePrefix(&text, " (")) return false;
  while (true) {
    std::string name;
    if (absl::ConsumePrefix(&text, "\"")) {
      // quoted = DQUOTE *QUOTED-CHAR DQUOTE
      bool closed = false;
      while (!text.empty()) {
        const char c = text.front();
        text.remove_prefix(1);
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (text.empty() || (text.front() != '"' && text.front() != '\\')) return false;
          name.push_back(text.front());
          text.remove_prefix(1);
          continue;
        }
        if (c == '\r' || c == '\n') return false;
        name.push_back(c);
      }
      if (!closed) return false;
    } else {
      size_t n = 0;
      while (n < text.size() && imap::IsAstringChar(static_cast<unsigned char>(text[n]))) ++n;
      if (n == 0) return false;
      name = std::string(text.substr(0, n));
      text.remove_prefix(n);
    }
    fields->push_back(std::move(name));
    if (absl::ConsumePrefix(&text, ")")) return text.empty();
    if (!absl::ConsumePrefix(&text, " ")) return false;
  }
}

// The header of message root `root`, subset per `spec`.
void AddHeader(absl::string_view raw, const Part& root, const SectionSpec& spec,
               SectionContent* c) {
  if (spec.text == SectionSpec::Text::kHeader) {
    AddPiece(raw, root.header, c);
    return;
  }
  const bool include = spec.text == SectionSpec::Text::kHeaderFields;
  // Re-read the fields from the bytes rather than the index, so the result
  // is exact even past Limits::header_fields_max.
  const absl::string_view header = raw.substr(0, root.header_fields_end);
  size_t pos = root.header.begin;
  uint64_t lf = 0;
  HeaderField field;
  size_t next = pos;
  while (ReadHeaderField(header, pos, &field, &next, &lf) == HeaderLineKind::kField) {
    bool match = false;
    if (field.has_colon) {
      for (const std::string& name : spec.fields) {
        if (FieldNameIs(raw, field, name)) {
          match = true;
          break;
        }
      }
    }
    if (match == include) AddPiece(raw, field.field, c);
    pos = next;
  }
  AddPiece(raw, {root.header_fields_end, root.header.end}, c);
}

}  // namespace

std::optional<SectionSpec> ParseSectionSpec(absl::string_view text) {
  SectionSpec spec;
  while (!text.empty() && absl::ascii_isdigit(static_cast<unsigned char>(text.front()))) {
    // nz-number = digit-nz *DIGIT, a 32-bit value.
    if (text.front() == '0') return std::nullopt;
    uint64_t n = 0;
    while (!text.empty() && absl::ascii_isdigit(static_cast<unsigned char>(text.front()))) {
      n = n * 10 + static_cast<uint64_t>(text.front() - '0');
      if (n > std::numeric_limits<uint32_t>::max()) return std::nullopt;
      text.remove_prefix(1);
    }
    spec.part.push_back(static_cast<uint32_t>(n));
    if (text.empty()) return spec;
    if (!absl::ConsumePrefix(&text, ".") || text.empty()) return std::nullopt;
  }
  if (text.empty()) return spec;  // "" is the whole message
  if (absl::EqualsIgnoreCase(text, "MIME")) {
    if (spec.part.empty()) return std::nullopt;  // MIME needs a part
    spec.text = SectionSpec::Text::kMime;
    return spec;
  }
  if (absl::EqualsIgnoreCase(text, "TEXT")) {
    spec.text = SectionSpec::Text::kText;
    return spec;
  }
  if (absl::EqualsIgnoreCase(text, "HEADER")) {
    spec.text = SectionSpec::Text::kHeader;
    return spec;
  }
  constexpr absl::string_view kFieldsNot = "HEADER.FIELDS.NOT";
  constexpr absl::string_view kFields = "HEADER.FIELDS";
  if (absl::StartsWithIgnoreCase(text, kFieldsNot)) {
    spec.text = SectionSpec::Text::kHeaderFieldsNot;
    text.remove_prefix(kFieldsNot.size());
  } else if (absl::StartsWithIgnoreCase(text, kFields)) {
    spec.text = SectionSpec::Text::kHeaderFields;
    text.remove_prefix(kFields.size());
  } else {
    return std::nullopt;
  }
  if (!ParseHeaderList(text, &spec.fields)) return std::nullopt;
  return spec;
}

uint64_t SectionContent::size() const {
  uint64_t n = 0;
  for (absl::string_view p : pieces) n += p.size();
  return n;
}

SectionContent ExtractSection(absl::string_view raw, const MessageStructure& s,
                              const SectionSpec& spec) {
  SectionContent c;
  if (raw.size() != s.message_size()) return c;  // not the message it indexes
  using Text = SectionSpec::Text;
  uint32_t target = 0;
  if (!spec.part.empty()) {
    std::optional<uint32_t> found = s.FindPart(spec.part);
    if (!found.has_value()) return c;
    target = *found;
    const Part& p = s.part(target);
    switch (spec.text) {
      case Text::kAll:
        c.found = true;
        AddPiece(raw, p.body, &c);
        return c;
      case Text::kMime:
        c.found = true;
        AddPiece(raw, p.header, &c);
        return c;
      case Text::kHeader:
      case Text::kHeaderFields:
      case Text::kHeaderFieldsNot:
      case Text::kText:
        // These address the message inside a message/rfc822 part.
        if (!p.IsMessage()) return c;
        target = p.children.front();
        break;
    }
  }
  const Part& root = s.part(target);
  switch (spec.text) {
    case Text::kAll:
      c.found = true;
      AddPiece(raw, {0, raw.size()}, &c);
      return c;
    case Text::kMime:
      return c;  // MIME without a part number does not exist
    case Text::kText:
      c.found = true;
      AddPiece(raw, root.body, &c);
      return c;
    case Text::kHeader:
    case Text::kHeaderFields:
    case Text::kHeaderFieldsNot:
      c.found = true;
      AddHeader(raw, root, spec, &c);
      return c;
  }
  return c;
}

SectionContent ApplyPartial(const SectionContent& content, uint64_t origin, uint64_t length) {
  SectionContent out;
  out.found = content.found;
  for (absl::string_view piece : content.pieces) {
    if (length == 0) break;
    if (origin >= piece.size()) {
      origin -= piece.size();
      continue;
    }
    piece.remove_prefix(origin);
    origin = 0;
    if (piece.size() > length) piece = piece.substr(0, length);
    length -= piece.size();
    out.pieces.push_back(piece);
  }
  return out;
}

std::string Flatten(const SectionContent& content) {
  std::string out;
  out.reserve(content.size());
  for (absl::string_view p : content.pieces) out.append(p.data(), p.size());
  return out;
}

BinaryContent ExtractBinary(absl::string_view raw, const MessageStructure& s,
                            absl::Span<const uint32_t> part) {
  BinaryContent b;
  if (raw.size() != s.message_size()) return b;
  if (part.empty()) {
    b.status_ = BinaryContent::Status::kOk;
    b.view_ = raw;
    return b;
  }
  std::optional<uint32_t> index = s.FindPart(part);
  if (!index.has_value()) return b;
  const Part& p = s.part(*index);
  const absl::string_view body = p.body.In(raw);
  if (p.kind != Part::Kind::kLeaf || IsIdentityEncoding(p.transfer_encoding)) {
    b.status_ = BinaryContent::Status::kOk;
    b.view_ = body;
    return b;
  }
  if (!AppendDecoded(p.transfer_encoding, body, &b.storage_)) {
    b.status_ = BinaryContent::Status::kUnknownCte;
    return b;
  }
  b.owned_ = true;
  b.status_ = BinaryContent::Status::kOk;
  return b;
}

std::optional<uint64_t> BinarySize(absl::string_view raw, const MessageStructure& s,
                                   absl::Span<const uint32_t> part, BinaryContent::Status* status) {
  auto result = [&](BinaryContent::Status st, std::optional<uint64_t> size) {
    if (status != nullptr) *status = st;
    return size;
  };
  if (raw.size() != s.message_size()) return result(BinaryContent::Status::kNotFound, {});
  if (part.empty()) return result(BinaryContent::Status::kOk, raw.size());
  std::optional<uint32_t> index = s.FindPart(part);
  if (!index.has_value()) return result(BinaryContent::Status::kNotFound, {});
  const Part& p = s.part(*index);
  const absl::string_view body = p.body.In(raw);
  if (p.kind != Part::Kind::kLeaf) return result(BinaryContent::Status::kOk, body.size());
  std::optional<uint64_t> size = DecodedSize(p.transfer_encoding, body);
  if (!size.has_value()) return result(BinaryContent::Status::kUnknownCte, {});
  return result(BinaryContent::Status::kOk, size);
}

}  // namespace lemonade::mime
