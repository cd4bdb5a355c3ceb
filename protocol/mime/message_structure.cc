#include "protocol/mime/message_structure.h"

#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "base/check.h"

namespace lemonade::mime {

bool Part::IsText() const {
  return kind == Kind::kLeaf && !overflow && absl::EqualsIgnoreCase(type, "text");
}

std::string Part::Charset() const {
  const Parameter* charset = FindParameter(type_params, "charset");
  if (charset != nullptr) return charset->value;
  return IsText() ? "us-ascii" : "";
}

// One pass over the message, recursive over containers (bounded by
// Limits::depth_max). Every part is entered at a line start, and every
// function that returns a Stop leaves pos_ at the delimiter line (or the
// end) that stopped it, unconsumed, so the part that owns the delimiter
// acts on it.
class StructureParser {
 public:
  StructureParser(absl::string_view raw, const Limits& limits, MessageStructure* out)
      : raw_(raw), limits_(limits), parts_(out->parts_), fields_(out->fields_), out_(out) {}

  void Run() {
    // Most messages have a few parts and a few dozen fields: one allocation
    // each instead of a series of regrowths.
    parts_.reserve(4);
    fields_.reserve(32);
    parts_.emplace_back();
    parts_[0].message_root = true;
    const Stop stop = ParsePart(0);
    DCHECK(stop.boundary < 0 && stop.content_end == raw_.size());
    (void)stop;
    out_->message_size_ = raw_.size();
  }

 private:
  struct Boundary {
    std::string text;  // the boundary, without the leading "--"
  };

  // What ended a stretch of content.
  struct Stop {
    size_t line_begin = 0;          // the delimiter line; raw_.size() at the end
    size_t content_end = 0;         // the content's end (its line end excluded)
    uint64_t lf_at_line_begin = 0;  // LFs in raw_[0, line_begin)
    uint64_t lf_at_content_end = 0;
    int boundary = -1;   // index in boundaries_; -1 at the end
    bool close = false;  // "--boundary--"
  };

  Stop ParsePart(uint32_t index);
  Stop ParseMultipartBody(uint32_t index, std::string boundary);
  Stop ScanToStop() { return ScanToStop(pos_); }
  // content_begin may lie before pos_: the content's first line end then
  // counts as the line end a delimiter at pos_ takes for itself.
  Stop ScanToStop(size_t content_begin);
  int MatchDelimiter(size_t line_begin, bool* close) const;
  Stop MakeStop(size_t line_begin, size_t content_begin, int boundary, bool close) const;
  Stop EndStop() const;
  void SkipDelimiterLine(const Stop& stop);
  // Reads the MIME fields of a part whose header is indexed; returns the
  // boundary to use when the part is a multipart that has one.
  std::string Interpret(uint32_t index);
  uint32_t NewPart(uint32_t parent);

  absl::string_view raw_;
  const Limits& limits_;
  std::vector<Part>& parts_;
  std::vector<HeaderField>& fields_;
  MessageStructure* out_;
  size_t pos_ = 0;
  uint64_t lf_ = 0;  // LFs in raw_[0, pos_)
  std::vector<Boundary> boundaries_;
};

uint32_t StructureParser::NewPart(uint32_t parent) {
  const uint32_t index = static_cast<uint32_t>(parts_.size());
  parts_.emplace_back();
  parts_[index].parent = parent;
  parts_[index].depth = parts_[parent].depth + 1;
  parts_[parent].children.push_back(index);
  return index;
}

int StructureParser::MatchDelimiter(size_t line_begin, bool* close) const {
  const size_t start = line_begin + 2;  // after "--"
  const size_t available = raw_.size() - start;
  int best = -1;
  size_t best_size = 0;
  // Innermost first, and only a strictly longer match replaces an earlier
  // one: the longest match wins, the innermost among equals (RFC 2046
  // §5.1.2 says inner boundaries must differ, but nested forwards reuse
  // generated boundaries).
  for (int i = static_cast<int>(boundaries_.size()) - 1; i >= 0; --i) {
    const std::string& b = boundaries_[i].text;
    if (b.size() <= available && (best < 0 || b.size() > best_size) &&
        std::memcmp(raw_.data() + start, b.data(), b.size()) == 0) {
      best = i;
      best_size = b.size();
    }
  }
  if (best >= 0) {
    const size_t after = start + best_size;
    *close = raw_.size() - after >= 2 && raw_[after] == '-' && raw_[after + 1] == '-';
  }
  return best;
}

StructureParser::Stop StructureParser::MakeStop(size_t line_begin, size_t content_begin,
                                                int boundary, bool close) const {
  Stop stop;
  stop.line_begin = line_begin;
  stop.lf_at_line_begin = lf_;
  stop.content_end = line_begin;
  stop.lf_at_content_end = lf_;
  stop.boundary = boundary;
  stop.close = close;
  // RFC 2046 §5.1.1: the line end before the delimiter is part of it.
  if (line_begin > content_begin) {
    DCHECK(raw_[line_begin - 1] == '\n');
    stop.content_end = line_begin - 1;
    stop.lf_at_content_end = lf_ - 1;
    if (stop.content_end > content_begin && raw_[stop.content_end - 1] == '\r') {
      --stop.content_end;
    }
  }
  return stop;
}

StructureParser::Stop StructureParser::EndStop() const {
  Stop stop;
  stop.line_begin = stop.content_end = raw_.size();
  stop.lf_at_line_begin = stop.lf_at_content_end = lf_;
  return stop;
}

StructureParser::Stop StructureParser::ScanToStop(size_t content_begin) {
  const char* data = raw_.data();
  const size_t size = raw_.size();
  size_t p = pos_;
  uint64_t lf = lf_;
  if (boundaries_.empty()) {
    // Nothing can stop the content but the end: just count lines.
    while (const void* nl = std::memchr(data + p, '\n', size - p)) {
      ++lf;
      p = static_cast<size_t>(static_cast<const char*>(nl) - data) + 1;
    }
  } else {
    while (true) {
      // p is a line start.
      if (size - p >= 2 && data[p] == '-' && data[p + 1] == '-') {
        bool close = false;
        const int b = MatchDelimiter(p, &close);
        if (b >= 0) {
          pos_ = p;
          lf_ = lf;
          return MakeStop(p, content_begin, b, close);
        }
      }
      const void* nl = std::memchr(data + p, '\n', size - p);
      if (nl == nullptr) break;
      ++lf;
      p = static_cast<size_t>(static_cast<const char*>(nl) - data) + 1;
    }
  }
  pos_ = size;
  lf_ = lf;
  return EndStop();
}

void StructureParser::SkipDelimiterLine(const Stop& stop) {
  // Whatever follows "--boundary" on its line is transport padding (or, in
  // broken mail, junk): it belongs to the delimiter line.
  pos_ = stop.line_begin;
  lf_ = stop.lf_at_line_begin;
  const void* nl = std::memchr(raw_.data() + pos_, '\n', raw_.size() - pos_);
  if (nl == nullptr) {
    pos_ = raw_.size();
  } else {
    pos_ = static_cast<size_t>(static_cast<const char*>(nl) - raw_.data()) + 1;
    ++lf_;
  }
}

StructureParser::Stop StructureParser::ParsePart(uint32_t index) {
  const size_t begin = pos_;
  const uint32_t first_field = static_cast<uint32_t>(fields_.size());
  parts_[index].header.begin = begin;
  parts_[index].first_field = first_field;

  // The header.
  bool cut = false;  // ended by a delimiter line
  Stop cut_stop;
  size_t fields_end = raw_.size();
  size_t header_end = raw_.size();
  while (pos_ < raw_.size()) {
    if (!boundaries_.empty() && raw_.size() - pos_ >= 2 && raw_[pos_] == '-' &&
        raw_[pos_ + 1] == '-') {
      bool close = false;
      const int b = MatchDelimiter(pos_, &close);
      if (b >= 0) {
        cut = true;
        cut_stop = MakeStop(pos_, begin, b, close);
        fields_end = header_end = cut_stop.content_end;
        break;
      }
    }
    HeaderField field;
    size_t next = pos_;
    const HeaderLineKind kind = ReadHeaderField(raw_, pos_, &field, &next, &lf_);
    if (kind == HeaderLineKind::kBlankLine) {
      fields_end = pos_;
      header_end = next;
      pos_ = next;
      break;
    }
    DCHECK(kind == HeaderLineKind::kField);
    if (fields_.size() < limits_.header_fields_max) {
      fields_.push_back(field);
    } else {
      out_->fields_truncated_ = true;
    }
    pos_ = next;
  }
  const uint32_t field_count = static_cast<uint32_t>(fields_.size()) - first_field;
  if (cut && field_count > 0) {
    // The last field's line end went to the delimiter.
    HeaderField& last = fields_.back();
    if (last.field.end > header_end) last.field.end = header_end;
    if (last.value.end > header_end) last.value.end = header_end;
    if (last.value.begin > last.value.end) last.value.begin = last.value.end;
    if (last.name.end > header_end) last.name.end = header_end;
  }
  {
    Part& p = parts_[index];
    p.field_count = field_count;
    p.header.end = header_end;
    p.header_fields_end = fields_end;
    p.body.begin = p.body.end = header_end;
  }
  std::string boundary = Interpret(index);

  if (cut) {
    if (parts_[index].kind == Part::Kind::kMessage) {
      // An empty encapsulated message, so that every message/rfc822 part
      // has the one child BODYSTRUCTURE needs.
      const uint32_t child = NewPart(index);
      Part& c = parts_[child];
      c.message_root = true;
      c.header = c.body = {header_end, header_end};
      c.header_fields_end = header_end;
      c.first_field = static_cast<uint32_t>(fields_.size());
      Interpret(child);
    }
    return cut_stop;
  }

  const uint64_t lf_at_body = lf_;
  Stop stop;
  switch (parts_[index].kind) {
    case Part::Kind::kMultipart:
      stop = boundary.empty() ? ScanToStop() : ParseMultipartBody(index, std::move(boundary));
      break;
    case Part::Kind::kMessage: {
      const uint32_t child = NewPart(index);
      parts_[child].message_root = true;
      stop = ParsePart(child);
      break;
    }
    case Part::Kind::kLeaf:
      stop = ScanToStop();
      break;
  }
  Part& p = parts_[index];
  p.body.end = stop.content_end;
  p.body_lines = stop.lf_at_content_end - lf_at_body;
  return stop;
}

StructureParser::Stop StructureParser::ParseMultipartBody(uint32_t index, std::string boundary) {
  const int level = static_cast<int>(boundaries_.size());
  boundaries_.push_back({std::move(boundary)});
  // The preamble, up to the first delimiter.
  Stop stop = ScanToStop();
  bool accepting = true;
  while (stop.boundary == level) {
    SkipDelimiterLine(stop);
    if (stop.close) {
      // The epilogue runs to an enclosing delimiter or the end. RFC 2046
      // §5.1.1: the close delimiter's line end opens the epilogue, so when
      // an enclosing delimiter follows at once, that line end is the
      // enclosing delimiter's own CRLF and not part of this multipart.
      boundaries_.resize(level);
      size_t epilogue_begin = pos_;
      if (epilogue_begin > stop.line_begin && raw_[epilogue_begin - 1] == '\n') {
        --epilogue_begin;
        if (epilogue_begin > stop.line_begin && raw_[epilogue_begin - 1] == '\r') {
          --epilogue_begin;
        }
      }
      return ScanToStop(epilogue_begin);
    }
    if (parts_.size() >= limits_.parts_max) accepting = false;
    if (!accepting) {
      // Out of parts: the rest of this multipart is opaque, but its
      // delimiters must still be recognised so that it ends where it does.
      stop = ScanToStop();
      continue;
    }
    const uint32_t child = NewPart(index);
    stop = ParsePart(child);
  }
  // The end of the message, or an enclosing delimiter: this multipart ends
  // without its close delimiter.
  boundaries_.resize(level);
  return stop;
}

std::string StructureParser::Interpret(uint32_t index) {
  Part& p = parts_[index];
  const HeaderField* content_type = nullptr;
  const HeaderField* encoding = nullptr;
  const HeaderField* id = nullptr;
  const HeaderField* description = nullptr;
  const HeaderField* md5 = nullptr;
  const HeaderField* location = nullptr;
  const HeaderField* disposition = nullptr;
  const HeaderField* language = nullptr;
  bool mime_version = false;
  auto first = [](const HeaderField** slot, const HeaderField& f) {
    if (*slot == nullptr) *slot = &f;
  };
  for (uint32_t i = p.first_field; i < p.first_field + p.field_count; ++i) {
    const HeaderField& f = fields_[i];
    if (!f.has_colon) continue;
    const absl::string_view name = f.name.In(raw_);
    // Only Content-* and MIME-Version matter here; most fields are neither.
    if (name.size() < 8) continue;
    const char first_char = static_cast<char>(name[0] | 0x20);
    if (first_char != 'c' && first_char != 'm') continue;
    if (!absl::StartsWithIgnoreCase(name, "Content-")) {
      if (absl::EqualsIgnoreCase(name, "MIME-Version")) mime_version = true;
      continue;
    }
    const absl::string_view rest = name.substr(8);
    if (absl::EqualsIgnoreCase(rest, "Type")) {
      first(&content_type, f);
    } else if (absl::EqualsIgnoreCase(rest, "Transfer-Encoding")) {
      first(&encoding, f);
    } else if (absl::EqualsIgnoreCase(rest, "ID")) {
      first(&id, f);
    } else if (absl::EqualsIgnoreCase(rest, "Description")) {
      first(&description, f);
    } else if (absl::EqualsIgnoreCase(rest, "MD5")) {
      first(&md5, f);
    } else if (absl::EqualsIgnoreCase(rest, "Location")) {
      first(&location, f);
    } else if (absl::EqualsIgnoreCase(rest, "Disposition")) {
      first(&disposition, f);
    } else if (absl::EqualsIgnoreCase(rest, "Language")) {
      first(&language, f);
    }
  }
  p.mime = !p.message_root || mime_version || content_type != nullptr;
  if (p.mime) {
    if (content_type != nullptr) {
      std::optional<ContentType> ct =
          ParseContentType(content_type->value.In(raw_), limits_.parameters_max);
      if (ct.has_value()) {
        p.content_type_defaulted = false;
        p.type = std::move(ct->type);
        p.subtype = std::move(ct->subtype);
        p.type_params = std::move(ct->params);
      }
    }
    if (encoding != nullptr) {
      std::optional<std::string> token = ParseMimeToken(encoding->value.In(raw_));
      if (token.has_value()) {
        p.transfer_encoding = ParseTransferEncoding(*token);
        p.encoding = std::move(*token);
      }
    }
    if (id != nullptr) p.id = id->value;
    if (description != nullptr) p.description = description->value;
    if (md5 != nullptr) p.md5 = md5->value;
    if (location != nullptr) p.location = location->value;
    if (disposition != nullptr) {
      p.disposition = ParseContentDisposition(disposition->value.In(raw_), limits_.parameters_max);
    }
    if (language != nullptr) {
      p.languages = ParseLanguageList(language->value.In(raw_), limits_.parameters_max);
    }
  }
  if (p.content_type_defaulted && !p.message_root && p.parent != Part::kNoParent &&
      parts_[p.parent].IsMultipart() &&
      absl::EqualsIgnoreCase(parts_[p.parent].subtype, "digest")) {
    // RFC 2046 §5.1.5: in a digest the default is message/rfc822.
    p.type = "message";
    p.subtype = "rfc822";
  }

  const bool multipart = absl::EqualsIgnoreCase(p.type, "multipart");
  const bool message =
      absl::EqualsIgnoreCase(p.type, "message") && absl::EqualsIgnoreCase(p.subtype, "rfc822");
  if (!multipart && !message) return "";
  if (p.depth >= limits_.depth_max || parts_.size() >= limits_.parts_max) {
    p.overflow = true;
    return "";
  }
  if (message) {
    p.kind = Part::Kind::kMessage;
    return "";
  }
  p.kind = Part::Kind::kMultipart;
  const Parameter* boundary = FindParameter(p.type_params, "boundary");
  if (boundary == nullptr || boundary->value.empty() ||
      boundary->value.size() > limits_.boundary_bytes_max) {
    return "";
  }
  return boundary->value;
}

MessageStructure MessageStructure::Parse(absl::string_view raw, const Limits& limits) {
  MessageStructure s;
  StructureParser(raw, limits, &s).Run();
  return s;
}

absl::Span<const HeaderField> MessageStructure::FieldsOf(uint32_t part_index) const {
  const Part& p = parts_[part_index];
  return absl::Span<const HeaderField>(fields_.data() + p.first_field, p.field_count);
}

const HeaderField* MessageStructure::FindField(absl::string_view raw, uint32_t part_index,
                                               absl::string_view name) const {
  for (const HeaderField& f : FieldsOf(part_index)) {
    if (f.has_colon && FieldNameIs(raw, f, name)) return &f;
  }
  return nullptr;
}

std::optional<uint32_t> MessageStructure::FindPart(absl::Span<const uint32_t> path) const {
  uint32_t current = 0;
  for (size_t k = 0; k < path.size(); ++k) {
    const uint32_t n = path[k];
    const bool more = k + 1 < path.size();
    if (n == 0) return std::nullopt;
    const Part& p = parts_[current];
    if (p.IsMultipart()) {
      if (n > p.children.size()) return std::nullopt;
      current = p.children[n - 1];
    } else if (n != 1 || (more && !p.IsMessage())) {
      return std::nullopt;
    }
    // Numbers after a message/rfc822 part address its encapsulated
    // message's parts (RFC 3501 §6.4.5).
    if (more && parts_[current].IsMessage()) current = parts_[current].children[0];
  }
  return current;
}

}  // namespace lemonade::mime
