#include "protocol/mime/test_support.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/check.h"
#include "protocol/imap/imap_writer.h"
#include "protocol/mime/body_structure.h"
#include "protocol/mime/content_type.h"
#include "protocol/mime/envelope.h"
#include "protocol/mime/section.h"

namespace lemonade::mime::testing {
namespace {

// A recursive-descent reader of the IMAP productions BODYSTRUCTURE and
// ENVELOPE use. Nesting is bounded by the output it reads, which the
// writer bounds by Limits::depth_max.
class GrammarReader {
 public:
  explicit GrammarReader(absl::string_view text) : text_(text) {}

  bool Body(bool extensible) {
    if (!Char('(')) return Fail("body: expected '('");
    if (Peek() == '(') {
      // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
      while (Peek() == '(') {
        if (!Body(extensible)) return false;
      }
      if (!Sp() || !String(nullptr)) return Fail("body-type-mpart: media-subtype");
      if (Peek() == ' ') {
        if (!extensible) return Fail("BODY must not carry body-ext-mpart");
        Sp();
        if (!Param()) return false;
        if (!OptionalExtensionTail()) return false;
      }
    } else {
      std::string type, subtype;
      if (!String(&type) || !Sp() || !String(&subtype)) return Fail("media type");
      if (!Sp() || !BodyFields()) return false;
      if (absl::EqualsIgnoreCase(type, "TEXT")) {
        if (!Sp() || !Number()) return Fail("body-type-text: body-fld-lines");
      } else if (absl::EqualsIgnoreCase(type, "MESSAGE") &&
                 absl::EqualsIgnoreCase(subtype, "RFC822")) {
        if (!Sp() || !Envelope()) return false;
        if (!Sp() || !Body(extensible)) return false;
        if (!Sp() || !Number()) return Fail("body-type-msg: body-fld-lines");
      }
      if (Peek() == ' ') {
        if (!extensible) return Fail("BODY must not carry body-ext-1part");
        Sp();
        if (!NString()) return Fail("body-fld-md5");
        if (!OptionalExtensionTail()) return false;
      }
    }
    if (!Char(')')) return Fail("body: expected ')'");
    return true;
  }

  bool Envelope() {
    if (!Char('(')) return Fail("envelope: expected '('");
    if (!NString() || !Sp() || !NString()) return Fail("env-date / env-subject");
    for (int i = 0; i < 6; ++i) {
      if (!Sp() || !AddressList()) return Fail("env address list");
    }
    if (!Sp() || !NString() || !Sp() || !NString()) return Fail("env-in-reply-to / message-id");
    if (!Char(')')) return Fail("envelope: expected ')'");
    return true;
  }

  bool AtEnd() const { return pos_ == text_.size(); }
  std::string error() const { return absl::StrCat(error_, " at offset ", pos_); }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool Char(char c) {
    if (Peek() != c || AtEnd()) return false;
    ++pos_;
    return true;
  }
  bool Sp() { return Char(' '); }
  bool Fail(absl::string_view what) {
    if (error_.empty()) error_ = std::string(what);
    return false;
  }

  bool Nil() {
    if (text_.substr(pos_, 3) != "NIL") return false;
    pos_ += 3;
    return true;
  }

  // string = quoted / literal
  bool String(std::string* out) {
    if (Char('"')) {
      while (!AtEnd()) {
        const unsigned char c = static_cast<unsigned char>(text_[pos_++]);
        if (c == '"') return true;
        if (c == '\\') {
          if (Peek() != '"' && Peek() != '\\') return Fail("quoted: bad escape");
          if (out != nullptr) out->push_back(text_[pos_]);
          ++pos_;
          continue;
        }
        if (c == '\r' || c == '\n' || c == 0 || c >= 0x80) return Fail("quoted: bad octet");
        if (out != nullptr) out->push_back(static_cast<char>(c));
      }
      return Fail("quoted: unterminated");
    }
    if (Char('{')) {
      size_t n = 0;
      size_t digits = 0;
      while (absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) {
        n = n * 10 + static_cast<size_t>(text_[pos_++] - '0');
        if (++digits > 12) return Fail("literal: size too long");
      }
      if (digits == 0 || !Char('}') || !Char('\r') || !Char('\n')) return Fail("literal header");
      if (text_.size() - pos_ < n) return Fail("literal: truncated");
      const absl::string_view bytes = text_.substr(pos_, n);
      if (bytes.find('\0') != absl::string_view::npos) return Fail("literal: NUL");
      if (out != nullptr) out->append(bytes.data(), bytes.size());
      pos_ += n;
      return true;
    }
    return false;
  }

  bool NString() { return Nil() || String(nullptr); }

  bool Number() {
    size_t digits = 0;
    while (absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) {
      ++pos_;
      ++digits;
    }
    return digits > 0 && digits <= 20;
  }

  // body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
  bool Param() {
    if (Nil()) return true;
    if (!Char('(')) return Fail("body-fld-param");
    do {
      if (!String(nullptr) || !Sp() || !String(nullptr)) return Fail("body-fld-param pair");
    } while (Sp());
    if (!Char(')')) return Fail("body-fld-param: expected ')'");
    return true;
  }

  // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP
  //               body-fld-enc SP body-fld-octets
  bool BodyFields() {
    if (!Param()) return false;
    if (!Sp() || !NString()) return Fail("body-fld-id");
    if (!Sp() || !NString()) return Fail("body-fld-desc");
    if (!Sp() || !String(nullptr)) return Fail("body-fld-enc");
    if (!Sp() || !Number()) return Fail("body-fld-octets");
    return true;
  }

  // [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
  bool OptionalExtensionTail() {
    if (Peek() != ' ') return true;
    Sp();
    // body-fld-dsp = "(" string SP body-fld-param ")" / nil
    if (!Nil()) {
      if (!Char('(') || !String(nullptr) || !Sp() || !Param() || !Char(')')) {
        return Fail("body-fld-dsp");
      }
    }
    if (Peek() != ' ') return true;
    Sp();
    // body-fld-lang = nstring / "(" string *(SP string) ")"
    if (!NString()) {
      if (!Char('(')) return Fail("body-fld-lang");
      do {
        if (!String(nullptr)) return Fail("body-fld-lang string");
      } while (Sp());
      if (!Char(')')) return Fail("body-fld-lang: expected ')'");
    }
    if (Peek() != ' ') return true;
    Sp();
    if (!NString()) return Fail("body-fld-loc");
    // Our writer sends no further body-extension (RFC 3501 forbids
    // servers to invent them).
    return true;
  }

  // "(" 1*address ")" / nil
  bool AddressList() {
    if (Nil()) return true;
    if (!Char('(')) return false;
    int count = 0;
    while (Peek() == '(') {
      ++pos_;
      if (!NString() || !Sp() || !NString() || !Sp() || !NString() || !Sp() || !NString() ||
          !Char(')')) {
        return Fail("address");
      }
      ++count;
    }
    if (count == 0) return Fail("address list: empty");
    return Char(')');
  }

  absl::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

void Enumerate(const MessageStructure& s, uint32_t index, std::vector<uint32_t> path,
               std::vector<PartPath>* out) {
  out->push_back({path, index});
  const Part& p = s.part(index);
  uint32_t container = index;
  if (p.IsMessage()) container = p.children.front();
  const Part& c = s.part(container);
  if (c.IsMultipart()) {
    for (size_t i = 0; i < c.children.size(); ++i) {
      std::vector<uint32_t> child = path;
      child.push_back(static_cast<uint32_t>(i + 1));
      Enumerate(s, c.children[i], std::move(child), out);
    }
  } else if (container != index) {
    std::vector<uint32_t> child = path;
    child.push_back(1);
    Enumerate(s, container, std::move(child), out);
  }
}

void AddSection(absl::string_view raw, const MessageStructure& s, absl::string_view spec_text,
                std::string* out) {
  std::optional<SectionSpec> spec = ParseSectionSpec(spec_text);
  CHECK(spec.has_value()) << spec_text;
  SectionContent c = ExtractSection(raw, s, *spec);
  absl::StrAppend(out, "SECTION[", spec_text, "] ",
                  c.found ? absl::CEscape(Flatten(c)) : "!NOT-FOUND", "\n");
}

bool StartsWithDelimiter(absl::string_view text, absl::string_view boundary) {
  return text.size() >= boundary.size() + 2 && text[0] == '-' && text[1] == '-' &&
         text.substr(2, boundary.size()) == boundary;
}

}  // namespace

bool CheckStructure(absl::string_view raw, const MessageStructure& s, const Limits& limits,
                    std::string* error) {
  auto fail = [&](uint32_t i, absl::string_view what) {
    *error = absl::StrCat("part ", i, ": ", what);
    return false;
  };
  if (s.part_count() == 0) return fail(0, "no parts");
  if (s.part_count() > limits.parts_max) return fail(0, "more parts than parts_max");
  if (s.fields().size() > limits.header_fields_max) return fail(0, "too many fields");
  if (s.message_size() != raw.size()) return fail(0, "message size");
  const Part& root = s.part(0);
  if (root.header.begin != 0 || root.body.end != raw.size() || !root.message_root ||
      root.parent != Part::kNoParent) {
    return fail(0, "the root does not cover the message");
  }
  std::vector<int> seen(s.part_count(), 0);
  seen[0] = 1;
  for (uint32_t i = 0; i < s.part_count(); ++i) {
    const Part& p = s.part(i);
    if (!(p.header.begin <= p.header_fields_end && p.header_fields_end <= p.header.end &&
          p.header.end == p.body.begin && p.body.begin <= p.body.end && p.body.end <= raw.size())) {
      return fail(i, "ranges out of order");
    }
    const absl::string_view body = p.body.In(raw);
    if (p.body_lines != static_cast<uint64_t>(std::count(body.begin(), body.end(), '\n'))) {
      return fail(i, "body_lines is not the LF count");
    }
    if (p.depth > limits.depth_max) return fail(i, "deeper than depth_max");
    size_t previous_field_end = p.header.begin;
    for (const HeaderField& f : s.FieldsOf(i)) {
      if (f.field.begin != previous_field_end || f.field.end <= f.field.begin ||
          f.field.end > p.header_fields_end || !f.field.Contains(f.name) ||
          !f.field.Contains(f.value)) {
        return fail(i, "a field is out of place");
      }
      previous_field_end = f.field.end;
    }
    if (p.overflow && p.kind != Part::Kind::kLeaf) return fail(i, "overflow part with children");
    if (p.kind == Part::Kind::kLeaf && !p.children.empty()) return fail(i, "leaf with children");
    uint32_t previous_child = i;
    for (uint32_t c : p.children) {
      if (c <= previous_child || c >= s.part_count()) return fail(i, "children out of order");
      previous_child = c;
      const Part& child = s.part(c);
      if (child.parent != i || child.depth != p.depth + 1) return fail(c, "bad parent link");
      if (seen[c]++ != 0) return fail(c, "reached twice");
      if (child.header.begin < p.body.begin || child.body.end > p.body.end) {
        return fail(c, "outside its parent's body");
      }
    }
    if (p.kind == Part::Kind::kMessage) {
      if (p.children.size() != 1) return fail(i, "message/rfc822 without exactly one child");
      const Part& m = s.part(p.children[0]);
      if (!m.message_root || m.header.begin != p.body.begin || m.body.end != p.body.end) {
        return fail(i, "the encapsulated message does not cover the body");
      }
    } else if (p.message_root != (i == 0 || s.part(p.parent).IsMessage())) {
      return fail(i, "message_root flag");
    }
    if (p.kind == Part::Kind::kMultipart && !p.children.empty()) {
      const Parameter* b = FindParameter(p.type_params, "boundary");
      if (b == nullptr) return fail(i, "children without a boundary");
      const absl::string_view boundary = b->value;
      // Before the first child: the preamble, then a delimiter line.
      const Part& first = s.part(p.children.front());
      const absl::string_view lead = raw.substr(p.body.begin, first.header.begin - p.body.begin);
      // The delimiter line ends with LF, or with the message.
      const bool at_end = first.header.begin == raw.size();
      if (lead.empty() || (!at_end && lead.back() != '\n')) {
        return fail(i, "no delimiter before part 1");
      }
      const size_t last = lead.size() - (lead.back() == '\n' ? 1 : 0);
      const size_t line = last == 0 ? absl::string_view::npos : lead.find_last_of('\n', last - 1);
      const absl::string_view delimiter =
          lead.substr(line == absl::string_view::npos ? 0 : line + 1);
      if (!StartsWithDelimiter(delimiter, boundary)) return fail(i, "bad first delimiter");
      // Between and after the children: [CR] LF "--" boundary.
      for (size_t k = 0; k < p.children.size(); ++k) {
        const Part& child = s.part(p.children[k]);
        const size_t gap_end =
            k + 1 < p.children.size() ? s.part(p.children[k + 1]).header.begin : p.body.end;
        absl::string_view gap = raw.substr(child.body.end, gap_end - child.body.end);
        if (gap.empty()) {
          if (k + 1 < p.children.size()) return fail(i, "siblings touch");
          continue;
        }
        // The delimiter line either follows the line end the child's
        // content gave up, or, when the child ended with a whole line (a
        // close delimiter line of its own), starts the gap (Dovecot).
        const bool at_line_start = child.body.end > 0 && raw[child.body.end - 1] == '\n';
        if (!(at_line_start && StartsWithDelimiter(gap, boundary))) {
          if (gap[0] == '\r') gap.remove_prefix(1);
          if (gap.empty() || gap[0] != '\n' || !StartsWithDelimiter(gap.substr(1), boundary)) {
            return fail(i, absl::StrCat("no delimiter after part ", k + 1));
          }
        }
        if (k + 1 < p.children.size() && gap.back() != '\n' && gap_end != raw.size()) {
          return fail(i, "delimiter line does not end before the next part");
        }
      }
    }
  }
  for (uint32_t i = 0; i < s.part_count(); ++i) {
    if (seen[i] != 1) return fail(i, "not reachable from the root");
  }
  for (const PartPath& pp : PartPaths(s)) {
    std::optional<uint32_t> found = s.FindPart(pp.path);
    if (!found.has_value() || *found != pp.part) {
      return fail(pp.part, absl::StrCat("FindPart(", FormatPath(pp.path), ") disagrees"));
    }
  }
  return true;
}

bool IsValidBody(absl::string_view text, bool extensible, std::string* error) {
  GrammarReader r(text);
  if (!r.Body(extensible)) {
    *error = r.error();
    return false;
  }
  if (!r.AtEnd()) {
    *error = "trailing data after body";
    return false;
  }
  return true;
}

bool IsValidEnvelope(absl::string_view text, std::string* error) {
  GrammarReader r(text);
  if (!r.Envelope()) {
    *error = r.error();
    return false;
  }
  if (!r.AtEnd()) {
    *error = "trailing data after envelope";
    return false;
  }
  return true;
}

std::vector<PartPath> PartPaths(const MessageStructure& s) {
  std::vector<PartPath> out;
  const Part& root = s.part(0);
  if (root.IsMultipart()) {
    for (size_t i = 0; i < root.children.size(); ++i) {
      Enumerate(s, root.children[i], {static_cast<uint32_t>(i + 1)}, &out);
    }
  } else {
    Enumerate(s, 0, {1}, &out);
  }
  return out;
}

std::string FormatPath(const std::vector<uint32_t>& path) { return absl::StrJoin(path, "."); }

std::string RenderGolden(absl::string_view raw) {
  const MessageStructure s = MessageStructure::Parse(raw, Limits());
  std::string out;
  std::string text;
  imap::ImapWriter w(&text);
  AppendBodyStructure(raw, s, /*extensible=*/true, &w);
  absl::StrAppend(&out, "BODYSTRUCTURE ", absl::CEscape(text), "\n");
  text.clear();
  AppendBodyStructure(raw, s, /*extensible=*/false, &w);
  absl::StrAppend(&out, "BODY ", absl::CEscape(text), "\n");
  text.clear();
  AppendEnvelope(ParseEnvelope(raw, s, 0), &w);
  absl::StrAppend(&out, "ENVELOPE ", absl::CEscape(text), "\n");
  AddSection(raw, s, "HEADER", &out);
  AddSection(raw, s, "HEADER.FIELDS (From Subject Content-Type)", &out);
  AddSection(raw, s, "HEADER.FIELDS.NOT (From Subject Content-Type)", &out);
  AddSection(raw, s, "TEXT", &out);
  for (const PartPath& p : PartPaths(s)) {
    const std::string path = FormatPath(p.path);
    const Part& part = s.part(p.part);
    AddSection(raw, s, path, &out);
    AddSection(raw, s, path + ".MIME", &out);
    if (part.IsMessage()) {
      AddSection(raw, s, path + ".HEADER", &out);
      AddSection(raw, s, path + ".TEXT", &out);
    }
    if (part.kind == Part::Kind::kLeaf) {
      BinaryContent b = ExtractBinary(raw, s, p.path);
      switch (b.status()) {
        case BinaryContent::Status::kOk:
          absl::StrAppend(&out, "BINARY[", path, "] ", absl::CEscape(b.bytes()), "\n");
          absl::StrAppend(&out, "BINARY.SIZE[", path, "] ", *BinarySize(raw, s, p.path), "\n");
          break;
        case BinaryContent::Status::kUnknownCte:
          absl::StrAppend(&out, "BINARY[", path, "] !UNKNOWN-CTE\n");
          break;
        case BinaryContent::Status::kNotFound:
          absl::StrAppend(&out, "BINARY[", path, "] !NOT-FOUND\n");
          break;
      }
    }
  }
  return out;
}

}  // namespace lemonade::mime::testing
