#include "protocol/mime/address.h"

#include "protocol/mime/rfc822_lexer.h"

namespace lemonade::mime {
namespace {

struct Token {
  enum Kind { kWord, kDot, kAt, kLiteral } kind;
  std::string text;
  bool space_before;  // CFWS preceded it in the source
};

enum class Delimiter { kEnd, kComma, kSemicolon, kAngle, kAngleClose, kColon };

// Words joined the way they were spaced in the source ("John Q. Public",
// "J.R.R. Tolkien"), runs of CFWS collapsed to one space.
std::string JoinPhrase(const std::vector<Token>& tokens, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    const Token& t = tokens[i];
    if (t.space_before && !out.empty()) out.push_back(' ');
    if (t.kind == Token::kDot) {
      out.push_back('.');
    } else if (t.kind == Token::kAt) {
      out.push_back('@');
    } else {
      out.append(t.text);
    }
  }
  return out;
}

// Local parts and domains: CFWS between their pieces is not part of them
// (RFC 5322 §4.4 obs-local-part, obs-domain).
std::string JoinTight(const std::vector<Token>& tokens, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    const Token& t = tokens[i];
    if (t.kind == Token::kDot) {
      out.push_back('.');
    } else if (t.kind == Token::kAt) {
      out.push_back('@');
    } else {
      out.append(t.text);
    }
  }
  return out;
}

class AddressParser {
 public:
  AddressParser(absl::string_view value, size_t addresses_max)
      : lex_(value), addresses_max_(addresses_max) {}

  std::vector<Address> Run() {
    while (!lex_.AtEnd() && out_.size() < addresses_max_) ParseOne();
    if (in_group_ && out_.size() < addresses_max_) out_.push_back(Address());
    return std::move(out_);
  }

 private:
  // Reads tokens up to a delimiter, which is consumed.
  Delimiter ReadTokens(std::vector<Token>* tokens, bool angle) {
    while (true) {
      const size_t before = lex_.pos();
      std::string comment;
      lex_.SkipCfws(&comment);
      if (!comment.empty()) last_comment_ = comment;
      const bool space = lex_.pos() != before;
      if (lex_.AtEnd()) return Delimiter::kEnd;
      const char c = lex_.Peek();
      if (angle && c == '>') {
        lex_.Advance();
        return Delimiter::kAngleClose;
      }
      if (c == ',') {
        lex_.Advance();
        return Delimiter::kComma;
      }
      if (c == ';') {
        lex_.Advance();
        return Delimiter::kSemicolon;
      }
      if (!angle && c == '<') {
        lex_.Advance();
        return Delimiter::kAngle;
      }
      if (!angle && c == ':' && !in_group_) {
        lex_.Advance();
        return Delimiter::kColon;
      }
      Token token{Token::kWord, "", space};
      absl::string_view atom;
      if (c == '"') {
        lex_.ReadQuotedString(&token.text);
      } else if (c == '[') {
        token.kind = Token::kLiteral;
        lex_.ReadDomainLiteral(&token.text);
      } else if (c == '.') {
        token.kind = Token::kDot;
        lex_.Advance();
      } else if (c == '@') {
        token.kind = Token::kAt;
        lex_.Advance();
      } else if (lex_.ReadAtom(&atom)) {
        token.text = std::string(atom);
      } else {
        lex_.Advance();  // a stray special (')', '>', '\', ':' in a group...)
        continue;
      }
      tokens->push_back(std::move(token));
    }
  }

  // Fills mailbox and host from addr-spec tokens.
  static void SetAddrSpec(const std::vector<Token>& tokens, Address* address) {
    size_t at = tokens.size();
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i].kind == Token::kAt) {
        at = i;
        break;
      }
    }
    std::string local = JoinTight(tokens, 0, at);
    std::string domain = at < tokens.size() ? JoinTight(tokens, at + 1, tokens.size()) : "";
    address->mailbox = local.empty() ? std::string(kMissingMailbox) : std::move(local);
    address->host = domain.empty() ? std::string(kMissingDomain) : std::move(domain);
  }

  // obs-route: 1#("@" domain) ":". Returns "" (consuming nothing) if the
  // angle address does not start with one.
  std::string ReadRoute() {
    const size_t start = lex_.pos();
    std::string route;
    while (true) {
      lex_.SkipCfws();
      if (lex_.Consume(',')) continue;
      if (lex_.AtEnd() || lex_.Peek() != '@') break;
      lex_.Advance();
      if (!route.empty()) route.push_back(',');
      route.push_back('@');
      while (true) {
        lex_.SkipCfws();
        absl::string_view atom;
        if (lex_.AtEnd()) break;
        if (lex_.Peek() == '.') {
          route.push_back('.');
          lex_.Advance();
        } else if (lex_.Peek() == '[') {
          lex_.ReadDomainLiteral(&route);
        } else if (lex_.ReadAtom(&atom)) {
          route.append(atom.data(), atom.size());
        } else {
          break;
        }
      }
    }
    if (!route.empty() && lex_.Consume(':')) return route;
    lex_.set_pos(start);
    return "";
  }

  void ParseOne() {
    std::vector<Token> tokens;
    last_comment_.clear();
    const Delimiter d = ReadTokens(&tokens, /*angle=*/false);
    switch (d) {
      case Delimiter::kColon: {
        // group = display-name ":" [group-list] ";"
        Address start;
        start.mailbox = JoinPhrase(tokens, 0, tokens.size());
        out_.push_back(std::move(start));
        in_group_ = true;
        return;
      }
      case Delimiter::kAngle: {
        Address address;
        std::string name = JoinPhrase(tokens, 0, tokens.size());
        std::string route = ReadRoute();
        if (!route.empty()) address.adl = std::move(route);
        std::vector<Token> spec;
        const Delimiter close = ReadTokens(&spec, /*angle=*/true);
        SetAddrSpec(spec, &address);
        Delimiter after = close;
        if (close == Delimiter::kAngleClose) {
          // After the '>': comments (a name if there was none), then the
          // list delimiter. Anything else is left for the next address.
          std::string comment;
          lex_.SkipCfws(&comment);
          if (!comment.empty()) last_comment_ = comment;
          after = Delimiter::kEnd;
          if (lex_.Consume(',')) {
            after = Delimiter::kComma;
          } else if (lex_.Consume(';')) {
            after = Delimiter::kSemicolon;
          }
        }
        if (name.empty()) name = last_comment_;
        if (!name.empty()) address.name = std::move(name);
        out_.push_back(std::move(address));
        if (after == Delimiter::kSemicolon) EndGroup();
        return;
      }
      case Delimiter::kEnd:
      case Delimiter::kAngleClose:
      case Delimiter::kComma:
      case Delimiter::kSemicolon: {
        if (!tokens.empty()) {
          Address address;
          SetAddrSpec(tokens, &address);
          if (!last_comment_.empty()) address.name = last_comment_;
          out_.push_back(std::move(address));
        }
        if (d == Delimiter::kSemicolon) EndGroup();
        return;
      }
    }
  }

  void EndGroup() {
    if (!in_group_ || out_.size() >= addresses_max_) return;
    out_.push_back(Address());
    in_group_ = false;
  }

  Rfc822Lexer lex_;
  size_t addresses_max_;
  std::vector<Address> out_;
  bool in_group_ = false;
  std::string last_comment_;
};

}  // namespace

std::vector<Address> ParseAddressList(absl::string_view value, size_t addresses_max) {
  return AddressParser(value, addresses_max).Run();
}

}  // namespace lemonade::mime
