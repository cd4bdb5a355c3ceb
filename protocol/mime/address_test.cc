#include "protocol/mime/address.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace lemonade::mime {
namespace {

using Opt = std::optional<std::string>;

Address A(Opt name, Opt mailbox, Opt host, Opt adl = std::nullopt) {
  Address a;
  a.name = std::move(name);
  a.adl = std::move(adl);
  a.mailbox = std::move(mailbox);
  a.host = std::move(host);
  return a;
}
Address GroupStart(std::string name) { return A(std::nullopt, std::move(name), std::nullopt); }
Address GroupEnd() { return Address(); }

std::string Show(const std::vector<Address>& list) {
  std::string out;
  auto opt = [](const Opt& o) { return o ? "\"" + *o + "\"" : std::string("NIL"); };
  for (const Address& a : list) {
    out += "(" + opt(a.name) + " " + opt(a.adl) + " " + opt(a.mailbox) + " " + opt(a.host) + ")";
  }
  return out;
}

#define EXPECT_ADDRESSES(value, ...) \
  EXPECT_EQ(Show(ParseAddressList(value)), Show(std::vector<Address>{__VA_ARGS__})) << value

// RFC 5322 Appendix A.1.1 and A.1.2.
TEST(AddressTest, Rfc5322Mailboxes) {
  EXPECT_ADDRESSES(" John Doe <jdoe@machine.example>", A("John Doe", "jdoe", "machine.example"));
  EXPECT_ADDRESSES(" \"Joe Q. Public\" <john.q.public@example.com>",
                   A("Joe Q. Public", "john.q.public", "example.com"));
  EXPECT_ADDRESSES(" Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
                   A("Mary Smith", "mary", "x.test"), A(std::nullopt, "jdoe", "example.org"),
                   A("Who?", "one", "y.test"));
  EXPECT_ADDRESSES(" <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
                   A(std::nullopt, "boss", "nil.test"),
                   A("Giant; \"Big\" Box", "sysservices", "example.net"));
}

// RFC 5322 Appendix A.1.3: groups, including an empty one (RFC 3501: start
// marker with the name in the mailbox field, end marker all NIL).
TEST(AddressTest, Rfc5322Groups) {
  EXPECT_ADDRESSES(" A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
                   GroupStart("A Group"), A("Ed Jones", "c", "a.test"),
                   A(std::nullopt, "joe", "where.test"), A("John", "jdoe", "one.test"), GroupEnd());
  EXPECT_ADDRESSES(" Undisclosed recipients:;", GroupStart("Undisclosed recipients"), GroupEnd());
}

// RFC 5322 Appendix A.5: comments and folding everywhere.
TEST(AddressTest, Rfc5322CommentsAndWhiteSpace) {
  EXPECT_ADDRESSES(" Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
                   A("Pete", "pete", "silly.test"));
  EXPECT_ADDRESSES(
      "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
      "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the "
      "group)",
      GroupStart("A Group"), A("Chris Jones", "c", "public.example"),
      A(std::nullopt, "joe", "example.org"), A("John", "jdoe", "one.test"), GroupEnd());
  EXPECT_ADDRESSES("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;",
                   GroupStart("Hidden recipients"), GroupEnd());
}

// RFC 5322 Appendix A.6.1: unquoted '.' in a phrase, a route, an empty
// list element, white space inside a domain.
TEST(AddressTest, Rfc5322ObsoleteAddressing) {
  EXPECT_ADDRESSES(" Joe Q. Public <john.q.public@example.com>",
                   A("Joe Q. Public", "john.q.public", "example.com"));
  EXPECT_ADDRESSES(" Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
                   A("Mary Smith", "mary", "example.net", "@node.test"),
                   A(std::nullopt, "jdoe", "test.example"));
  EXPECT_ADDRESSES("<@a.example,@b.example:joe@c.example>",
                   A(std::nullopt, "joe", "c.example", "@a.example,@b.example"));
}

// Quoted local parts are unquoted; domain literals kept with brackets.
TEST(AddressTest, QuotedLocalPartsAndDomainLiterals) {
  EXPECT_ADDRESSES("\"john doe\"@example.com", A(std::nullopt, "john doe", "example.com"));
  EXPECT_ADDRESSES("Joe <joe@[192.0.2.1]>", A("Joe", "joe", "[192.0.2.1]"));
}

// RFC 822 style: the comment is the name when there is no phrase.
TEST(AddressTest, CommentAsName) {
  EXPECT_ADDRESSES("joe@example.com (Joe Bloggs)", A("Joe Bloggs", "joe", "example.com"));
  EXPECT_ADDRESSES("(Joe) <joe@example.com>", A("Joe", "joe", "example.com"));
}

// Encoded-words stay encoded (the client decodes ENVELOPE names).
TEST(AddressTest, EncodedWordsStayEncoded) {
  EXPECT_ADDRESSES("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
                   A("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=", "keld", "dkuug.dk"));
}

// Broken input, as Dovecot handles it.
TEST(AddressTest, MissingParts) {
  EXPECT_ADDRESSES("postmaster", A(std::nullopt, "postmaster", "MISSING_DOMAIN"));
  EXPECT_ADDRESSES("<>", A(std::nullopt, "MISSING_MAILBOX", "MISSING_DOMAIN"));
  EXPECT_ADDRESSES("Joe <@example.com>", A("Joe", "MISSING_MAILBOX", "example.com"));
  EXPECT_ADDRESSES("Joe <joe@example.com", A("Joe", "joe", "example.com"));
  EXPECT_ADDRESSES("", );
  EXPECT_ADDRESSES(" , ,, ", );
  EXPECT_ADDRESSES("(just a comment)", );
}

// A group left open is closed at the end; a nested group is flattened.
TEST(AddressTest, UnclosedAndNestedGroups) {
  EXPECT_ADDRESSES("G: a@b", GroupStart("G"), A(std::nullopt, "a", "b"), GroupEnd());
  EXPECT_ADDRESSES("G: H: a@b;;", GroupStart("G"), A(std::nullopt, "Ha", "b"), GroupEnd());
}

// 8-bit octets (legacy mail) are kept as they are.
TEST(AddressTest, EightBitNames) {
  EXPECT_ADDRESSES("J\xF6rg <j@example.de>", A("J\xF6rg", "j", "example.de"));
}

TEST(AddressTest, Limit) {
  std::string value;
  for (int i = 0; i < 100; ++i) value += "a@b, ";
  EXPECT_EQ(ParseAddressList(value, 7).size(), 7u);
  EXPECT_EQ(ParseAddressList(value).size(), 100u);
}

}  // namespace
}  // namespace lemonade::mime
