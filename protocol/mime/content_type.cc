#include "protocol/mime/content_type.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "protocol/mime/rfc822_lexer.h"

namespace lemonade::mime {
namespace {

// RFC 2231 sections per parameter list, before joining. Generous (a long
// file name is often cut into 10-20 sections) but bounded.
constexpr size_t kSectionsPerParameter = 16;
// RFC 2231 section numbers above this are ignored (nobody splits a value
// into a thousand sections, and the bound keeps sorting cheap).
constexpr int kSectionNumberMax = 999;

bool IsLineSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Skips to the next ';' that is not inside a quoted string or comment.
void SkipToSemicolon(Rfc822Lexer* lex) {
  while (!lex->AtEnd()) {
    const char c = lex->Peek();
    if (c == ';') return;
    if (c == '"') {
      std::string ignored;
      lex->ReadQuotedString(&ignored);
    } else if (c == '(') {
      lex->SkipCfws();
    } else {
      lex->Advance();
    }
  }
}

// An attribute: RFC 2045 token, loosened to anything up to '=' or a
// delimiter so that "name*0*" and 8-bit junk still parse as one word.
bool ReadAttribute(Rfc822Lexer* lex, absl::string_view* attribute) {
  const size_t begin = lex->pos();
  while (!lex->AtEnd()) {
    const char c = lex->Peek();
    if (c == '=' || c == ';' || c == '"' || c == '(' || IsLineSpace(c)) break;
    lex->Advance();
  }
  if (lex->pos() == begin) return false;
  *attribute = lex->text().substr(begin, lex->pos() - begin);
  return true;
}

bool IsValueRunChar(char c) { return c != ';' && c != '"' && !IsLineSpace(c); }

// An unquoted value. RFC 2045 wants a token, but mailers send tspecials
// ("boundary=----=_Part_1", "name=report(1).pdf") and even spaces
// ("name=My File.pdf"), so a value is a run of anything but ';', '"' and
// white space, extended over white space by further runs unless what
// follows is a comment, a quote, a ';', or looks like another parameter
// (contains '=', for "charset=us-ascii format=flowed" with its ';' lost).
std::string ReadUnquotedValue(Rfc822Lexer* lex) {
  std::string value;
  const absl::string_view text = lex->text();
  auto read_run = [&]() {
    const size_t begin = lex->pos();
    while (!lex->AtEnd() && IsValueRunChar(lex->Peek())) lex->Advance();
    return text.substr(begin, lex->pos() - begin);
  };
  absl::string_view run = read_run();
  value.append(run.data(), run.size());
  while (true) {
    const size_t saved = lex->pos();
    lex->SkipWhiteSpace();
    if (lex->AtEnd() || lex->Peek() == ';' || lex->Peek() == '(' || lex->Peek() == '"') {
      lex->set_pos(saved);
      break;
    }
    const size_t run_begin = lex->pos();
    run = read_run();
    if (absl::StrContains(run, '=')) {
      lex->set_pos(run_begin);
      break;
    }
    value.push_back(' ');
    value.append(run.data(), run.size());
  }
  return value;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 2231 §4 %-decoding; a '%' not followed by two hex digits is kept.
void AppendPercentDecoded(absl::string_view in, std::string* out) {
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out->push_back(in[i]);
  }
}

struct RawSection {
  absl::string_view base;  // the attribute as written, RFC 2231 suffix removed
  int section = -1;        // RFC 2231 section number, -1 when unsectioned
  bool extended = false;   // "*" after the name or section number
  bool rfc2231 = false;    // sectioned or extended
  std::string value;
};

// Splits "name", "name*", "name*3", "name*3*" (RFC 2231 §3, §4).
void ClassifyAttribute(absl::string_view attribute, RawSection* out) {
  out->base = attribute;
  const size_t star = attribute.find('*');
  if (star == absl::string_view::npos || star == 0) return;
  absl::string_view rest = attribute.substr(star + 1);
  bool extended = false;
  int number = -1;
  if (rest.empty()) {
    extended = true;
  } else {
    if (rest.back() == '*') {
      extended = true;
      rest.remove_suffix(1);
    }
    if (rest.empty() || rest.size() > 3 ||
        !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return;  // not RFC 2231 syntax: keep the attribute whole
    }
    number = 0;
    for (char c : rest) number = number * 10 + (c - '0');
    if (number > kSectionNumberMax) return;
  }
  out->base = attribute.substr(0, star);
  out->section = number;
  out->extended = extended;
  out->rfc2231 = true;
}

// ASCII case-insensitive three-way comparison.
int CompareIgnoreCase(absl::string_view a, absl::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const char x = absl::ascii_tolower(static_cast<unsigned char>(a[i]));
    const char y = absl::ascii_tolower(static_cast<unsigned char>(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

// A stable sort that does not allocate for the handful of elements
// parameter lists have (std::stable_sort takes a buffer from the heap).
template <typename T, typename Less>
void SmallStableSort(std::vector<T>* v, Less less) {
  if (v->size() > 32) {
    std::stable_sort(v->begin(), v->end(), less);
    return;
  }
  for (size_t i = 1; i < v->size(); ++i) {
    for (size_t j = i; j > 0 && less((*v)[j], (*v)[j - 1]); --j) std::swap((*v)[j], (*v)[j - 1]);
  }
}

bool IsDuplicate(const std::vector<Parameter>& params, const Parameter& param) {
  return std::any_of(params.begin(), params.end(), [&](const Parameter& p) {
    return p.extended == param.extended && absl::EqualsIgnoreCase(p.name, param.name);
  });
}

// Joins the sections of one RFC 2231 parameter (§3, §4.1), given in
// source order.
Parameter JoinSections(std::vector<const RawSection*> group) {
  SmallStableSort(&group, [](const RawSection* a, const RawSection* b) {
    return std::max(a->section, 0) < std::max(b->section, 0);
  });
  Parameter param;
  param.name = std::string(group.front()->base);
  int last_section = -2;
  for (const RawSection* s : group) {
    const int number = std::max(s->section, 0);
    if (number == last_section) continue;  // a repeated section: first wins
    last_section = number;
    absl::string_view value = s->value;
    if (s->extended) {
      param.extended = true;
      if (s == group.front()) {
        // RFC 2231 §4: charset'language'value on the first section only.
        const size_t q1 = value.find('\'');
        const size_t q2 = q1 == absl::string_view::npos ? q1 : value.find('\'', q1 + 1);
        if (q2 != absl::string_view::npos) {
          param.charset = std::string(value.substr(0, q1));
          param.language = std::string(value.substr(q1 + 1, q2 - q1 - 1));
          value = value.substr(q2 + 1);
        }
      }
      AppendPercentDecoded(value, &param.value);
    } else {
      param.value.append(value.data(), value.size());
    }
  }
  return param;
}

std::vector<Parameter> ParseParameters(Rfc822Lexer* lex, size_t parameters_max) {
  std::vector<RawSection> sections;
  sections.reserve(4);
  const size_t sections_max = parameters_max * kSectionsPerParameter;
  bool any_rfc2231 = false;
  while (sections.size() < sections_max) {
    lex->SkipCfws();
    if (lex->AtEnd()) break;
    if (!lex->Consume(';')) {
      // Garbage where a ';' belongs: skip it.
      lex->Advance();
      SkipToSemicolon(lex);
      continue;
    }
    lex->SkipCfws();
    absl::string_view attribute;
    if (!ReadAttribute(lex, &attribute)) {
      SkipToSemicolon(lex);
      continue;
    }
    lex->SkipCfws();
    if (!lex->Consume('=')) {
      SkipToSemicolon(lex);
      continue;
    }
    lex->SkipCfws();
    RawSection raw;
    ClassifyAttribute(attribute, &raw);
    if (!lex->AtEnd() && lex->Peek() == '"') {
      lex->ReadQuotedString(&raw.value);
    } else {
      raw.value = ReadUnquotedValue(lex);
    }
    any_rfc2231 |= raw.rfc2231;
    sections.push_back(std::move(raw));
  }

  std::vector<Parameter> params;
  params.reserve(std::min(sections.size(), parameters_max));
  if (!any_rfc2231) {
    // The common case. Duplicates: the first wins (Dovecot and Cyrus both
    // use the first "charset" / "boundary" they see).
    for (RawSection& raw : sections) {
      if (params.size() >= parameters_max) break;
      Parameter param;
      param.name = std::string(raw.base);
      if (IsDuplicate(params, param)) continue;
      param.value = std::move(raw.value);
      params.push_back(std::move(param));
    }
    return params;
  }

  // Group sections by parameter: a stable sort by (kind, name) keeps each
  // group in source order in O(k log k) (k can reach a thousand); then
  // take the groups in order of first appearance.
  auto less = [&](size_t a, size_t b) {
    if (sections[a].rfc2231 != sections[b].rfc2231) return sections[b].rfc2231;
    return CompareIgnoreCase(sections[a].base, sections[b].base) < 0;
  };
  std::vector<size_t> order(sections.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  SmallStableSort(&order, less);
  std::vector<std::pair<size_t, size_t>> groups;  // [begin, end) in `order`
  for (size_t i = 0; i < order.size();) {
    size_t j = i + 1;
    while (j < order.size() && !less(order[i], order[j])) ++j;
    groups.emplace_back(i, j);
    i = j;
  }
  SmallStableSort(&groups,
                  [&](const auto& a, const auto& b) { return order[a.first] < order[b.first]; });
  for (const auto& [group_begin, group_end] : groups) {
    if (params.size() >= parameters_max) break;
    std::vector<const RawSection*> group;
    for (size_t k = group_begin; k < group_end; ++k) group.push_back(&sections[order[k]]);
    // Duplicate plain parameters: the first wins.
    if (!group.front()->rfc2231) group.resize(1);
    Parameter param = JoinSections(std::move(group));
    // The same name in both kinds (plain and RFC 2231) is kept:
    // BODYSTRUCTURE reports both, as Dovecot does.
    if (!IsDuplicate(params, param)) params.push_back(std::move(param));
  }
  return params;
}

}  // namespace

std::optional<ContentType> ParseContentType(absl::string_view value, size_t parameters_max) {
  Rfc822Lexer lex(value);
  ContentType ct;
  absl::string_view type, subtype;
  lex.SkipCfws();
  if (!lex.ReadToken(&type)) return std::nullopt;
  lex.SkipCfws();
  if (!lex.Consume('/')) return std::nullopt;
  lex.SkipCfws();
  if (!lex.ReadToken(&subtype)) return std::nullopt;
  ct.type = std::string(type);
  ct.subtype = std::string(subtype);
  ct.params = ParseParameters(&lex, parameters_max);
  return ct;
}

std::optional<ContentDisposition> ParseContentDisposition(absl::string_view value,
                                                          size_t parameters_max) {
  Rfc822Lexer lex(value);
  absl::string_view type;
  lex.SkipCfws();
  if (!lex.ReadToken(&type)) return std::nullopt;
  ContentDisposition cd;
  cd.type = std::string(type);
  cd.params = ParseParameters(&lex, parameters_max);
  return cd;
}

std::optional<std::string> ParseMimeToken(absl::string_view value) {
  Rfc822Lexer lex(value);
  absl::string_view token;
  lex.SkipCfws();
  if (!lex.ReadToken(&token)) return std::nullopt;
  return std::string(token);
}

std::vector<std::string> ParseLanguageList(absl::string_view value, size_t languages_max) {
  std::vector<std::string> languages;
  Rfc822Lexer lex(value);
  while (languages.size() < languages_max) {
    lex.SkipCfws();
    if (lex.Consume(',')) continue;  // empty list elements (RFC 5234 #rule)
    absl::string_view tag;
    if (!lex.ReadToken(&tag)) break;
    languages.emplace_back(tag);
    lex.SkipCfws();
    if (!lex.Consume(',')) break;
  }
  return languages;
}

const Parameter* FindParameter(const std::vector<Parameter>& params, absl::string_view name) {
  const Parameter* plain = nullptr;
  for (const Parameter& p : params) {
    if (!absl::EqualsIgnoreCase(p.name, name)) continue;
    if (p.extended) return &p;
    if (plain == nullptr) plain = &p;
  }
  return plain;
}

void AppendRfc2231Value(const Parameter& param, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->append(param.charset);
  out->push_back('\'');
  out->append(param.language);
  out->push_back('\'');
  for (char c : param.value) {
    const unsigned char u = static_cast<unsigned char>(c);
    // RFC 2231 §7 attribute-char: token chars except '*', '\'' and '%'.
    if (IsTokenChar(u) && c != '*' && c != '\'' && c != '%') {
      out->push_back(c);
    } else {
      out->push_back('%');
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xF]);
    }
  }
}

}  // namespace lemonade::mime
