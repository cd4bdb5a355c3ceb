#include "protocol/mime/rfc822_lexer.h"

namespace lemonade::mime {

bool IsTokenChar(unsigned char c) {
  if (c <= 0x20 || c >= 0x7F) return false;
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
      return false;
    default:
      return true;
  }
}

bool IsAtext(unsigned char c) {
  if (c >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

bool Rfc822Lexer::Consume(char c) {
  if (AtEnd() || text_[pos_] != c) return false;
  ++pos_;
  return true;
}

void Rfc822Lexer::SkipWhiteSpace() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
    ++pos_;
  }
}

void Rfc822Lexer::SkipCfws(std::string* comment) {
  while (true) {
    SkipWhiteSpace();
    if (AtEnd() || text_[pos_] != '(') return;
    // A comment; nesting is tracked with a counter, not recursion, so a
    // run of '(' cannot exhaust the stack.
    if (comment != nullptr) comment->clear();
    size_t depth = 0;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '\\' && pos_ < text_.size()) {
        if (comment != nullptr && text_[pos_] != '\r' && text_[pos_] != '\n') {
          comment->push_back(text_[pos_]);
        }
        ++pos_;
        continue;
      }
      if (c == '(') {
        if (depth > 0 && comment != nullptr) comment->push_back(c);
        ++depth;
      } else if (c == ')') {
        --depth;
        if (depth == 0) break;
        if (comment != nullptr) comment->push_back(c);
      } else if (c != '\r' && c != '\n' && comment != nullptr) {
        comment->push_back(c);
      }
    }
  }
}

bool Rfc822Lexer::ReadToken(absl::string_view* token) {
  const size_t begin = pos_;
  while (pos_ < text_.size() && IsTokenChar(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  if (pos_ == begin) return false;
  *token = text_.substr(begin, pos_ - begin);
  return true;
}

bool Rfc822Lexer::ReadAtom(absl::string_view* atom) {
  const size_t begin = pos_;
  while (pos_ < text_.size() && IsAtext(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  if (pos_ == begin) return false;
  *atom = text_.substr(begin, pos_ - begin);
  return true;
}

void Rfc822Lexer::ReadQuotedString(std::string* out) {
  ++pos_;  // the opening quote
  while (pos_ < text_.size()) {
    const char c = text_[pos_++];
    if (c == '"') return;
    if (c == '\\' && pos_ < text_.size()) {
      const char escaped = text_[pos_++];
      if (escaped != '\r' && escaped != '\n') out->push_back(escaped);
      continue;
    }
    if (c == '\r' || c == '\n') continue;
    out->push_back(c);
  }
}

void Rfc822Lexer::ReadDomainLiteral(std::string* out) {
  out->push_back('[');
  ++pos_;
  while (pos_ < text_.size()) {
    const char c = text_[pos_++];
    if (c == '\\' && pos_ < text_.size()) {
      out->push_back(c);
      out->push_back(text_[pos_++]);
      continue;
    }
    if (c == '\r' || c == '\n') continue;
    out->push_back(c);
    if (c == ']') return;
  }
}

}  // namespace lemonade::mime
