#include "protocol/url/imap_url.h"

#include <string>

#include "gtest/gtest.h"

namespace lemonade::url {
namespace {

ImapUrl Parse(absl::string_view text) {
  UrlParseResult r = ParseImapUrl(text);
  EXPECT_TRUE(r.ok()) << text << ": " << UrlErrorName(r.error) << " at " << r.error_offset;
  return r.url.value_or(ImapUrl{});
}

UrlError ErrorOf(absl::string_view text) {
  UrlParseResult r = ParseImapUrl(text);
  EXPECT_FALSE(r.ok()) << text << " parsed as " << (r.ok() ? FormatImapUrl(*r.url) : "");
  return r.error;
}

// parse(format(x)) == x and format is idempotent.
void ExpectRoundTrip(const ImapUrl& url) {
  const std::string formatted = FormatImapUrl(url);
  UrlParseResult again = ParseImapUrl(formatted);
  ASSERT_TRUE(again.ok()) << formatted << ": " << UrlErrorName(again.error);
  EXPECT_EQ(*again.url, url) << formatted;
  EXPECT_EQ(FormatImapUrl(*again.url), formatted);
}

class ImapUrlTest : public ::testing::Test {};

// RFC 5092 §9, first example: a partial fetch of a message.
TEST_F(ImapUrlTest, Rfc5092PartialExample) {
  const ImapUrl url = Parse(
      "imap://minbari.example.org/gray-council;UIDVALIDITY=385759045/;UID=20/;PARTIAL=0.1024");
  EXPECT_FALSE(url.user);
  EXPECT_FALSE(url.auth_type);
  EXPECT_EQ(url.host, "minbari.example.org");
  EXPECT_EQ(url.port_or_default(), 143);
  EXPECT_EQ(url.mailbox, "gray-council");
  EXPECT_EQ(url.uid_validity, 385759045u);
  EXPECT_EQ(url.uid, 20u);
  ASSERT_TRUE(url.partial);
  EXPECT_EQ(url.partial->offset, 0u);
  EXPECT_EQ(url.partial->length, 1024u);
  EXPECT_EQ(url.kind(), ImapUrlKind::kMessagePart);
  EXPECT_EQ(FormatImapUrl(url),
            "imap://minbari.example.org/gray-council;UIDVALIDITY=385759045/;UID=20/"
            ";PARTIAL=0.1024");
  ExpectRoundTrip(url);
}

// RFC 5092 §9: a mailbox named in UTF-8 (IMAP "~peter/&ZeVnLIqe-/&U,BTFw-").
TEST_F(ImapUrlTest, Rfc5092InternationalMailbox) {
  const char* text =
      "imap://psicorp.example.org/~peter/%E6%97%A5%E6%9C%AC%E8%AA%9E/%E5%8F%B0%E5%8C%97";
  const ImapUrl url = Parse(text);
  EXPECT_EQ(url.mailbox, "~peter/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E/\xE5\x8F\xB0\xE5\x8C\x97");
  EXPECT_EQ(url.kind(), ImapUrlKind::kMailbox);
  EXPECT_EQ(FormatImapUrl(url), text);
}

// RFC 5092 §9: ";AUTH=GSSAPI" with no user; lower-case parameter names.
TEST_F(ImapUrlTest, Rfc5092AuthMechanismAndLowerCaseParameters) {
  const ImapUrl url =
      Parse("imap://;AUTH=GSSAPI@minbari.example.org/gray-council/;uid=20/;section=1.2");
  EXPECT_FALSE(url.user);
  EXPECT_EQ(url.auth_type, "GSSAPI");
  EXPECT_EQ(url.mailbox, "gray-council");
  EXPECT_FALSE(url.uid_validity);
  EXPECT_EQ(url.uid, 20u);
  EXPECT_EQ(url.section, "1.2");
  EXPECT_EQ(FormatImapUrl(url),
            "imap://;AUTH=GSSAPI@minbari.example.org/gray-council/;UID=20/;SECTION=1.2");
  ExpectRoundTrip(url);
}

// RFC 5092 §9: ";AUTH=*" and a search program.
TEST_F(ImapUrlTest, Rfc5092AnyAuthAndSearch) {
  const ImapUrl url = Parse("imap://;AUTH=*@minbari.example.org/gray%20council?SUBJECT%20shadows");
  EXPECT_EQ(url.auth_type, "*");
  EXPECT_EQ(url.mailbox, "gray council");
  EXPECT_EQ(url.search, "SUBJECT shadows");
  EXPECT_EQ(url.kind(), ImapUrlKind::kMailbox);
  EXPECT_EQ(FormatImapUrl(url),
            "imap://;AUTH=*@minbari.example.org/gray%20council?SUBJECT%20shadows");
  ExpectRoundTrip(url);
}

// RFC 5092 §9: 8-bit search text sent as a LITERAL+ literal.
TEST_F(ImapUrlTest, Rfc5092SearchWithNonSynchronizingLiteral) {
  const ImapUrl url = Parse(
      "imap://john;AUTH=*@minbari.example.org/babylon5/personel?"
      "charset%20UTF-8%20SUBJECT%20%7B14+%7D%0D%0A%D0%98%D0%B2%"
      "D0%B0%D0%BD%D0%BE%D0%B2%D0%B0");
  EXPECT_EQ(url.user, "john");
  EXPECT_EQ(url.auth_type, "*");
  EXPECT_EQ(url.mailbox, "babylon5/personel");
  EXPECT_EQ(url.search,
            "charset UTF-8 SUBJECT {14+}\r\n"
            "\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD\xD0\xBE\xD0\xB2\xD0\xB0");
  ExpectRoundTrip(url);
}

// RFC 5092 §6.1.2 / RFC 4467 §7: a URLAUTH-authorized URL.
TEST_F(ImapUrlTest, Rfc4467AuthorizedUrl) {
  const char* text =
      "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth="
      "submit+fred:internal:91354a473744909de610943775f92038";
  const ImapUrl url = Parse(text);
  EXPECT_EQ(url.user, "joe");
  EXPECT_EQ(url.host, "example.com");
  EXPECT_EQ(url.mailbox, "INBOX");
  EXPECT_EQ(url.uid, 20u);
  EXPECT_EQ(url.section, "1.2");
  ASSERT_TRUE(url.urlauth);
  EXPECT_EQ(url.urlauth->access.kind, UrlAccessKind::kSubmit);
  EXPECT_EQ(url.urlauth->access.user, "fred");
  ASSERT_TRUE(url.urlauth->verifier);
  EXPECT_EQ(url.urlauth->verifier->mechanism, "INTERNAL");
  EXPECT_EQ(url.urlauth->verifier->token, "91354a473744909de610943775f92038");
  EXPECT_TRUE(IsAuthImapUrlFull(url));
  EXPECT_FALSE(IsAuthImapUrlRump(url));
  EXPECT_EQ(FormatImapUrl(url),
            "imap://joe@example.com/INBOX/;UID=20/;SECTION=1.2;URLAUTH="
            "submit+fred:INTERNAL:91354a473744909de610943775f92038");
  EXPECT_EQ(FormatRumpUrl(url),
            "imap://joe@example.com/INBOX/;UID=20/;SECTION=1.2;URLAUTH=submit+fred");
  ExpectRoundTrip(url);
}

// RFC 4467 §7 GENURLAUTH examples: which arguments are rumps.
TEST_F(ImapUrlTest, Rfc4467GenUrlAuthArguments) {
  // a775: missing access identifier.
  EXPECT_FALSE(IsAuthImapUrlRump(Parse("imap://joe@example.com/INBOX/;uid=20/;section=1.2")));
  // a776: missing owner user name (the URL itself is a valid IMAP URL).
  EXPECT_FALSE(IsAuthImapUrlRump(
      Parse("imap://example.com/Shared/;uid=20/;section=1.2;urlauth=submit+fred")));
  // a777: a proper rump.
  const ImapUrl rump =
      Parse("imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred");
  EXPECT_TRUE(IsAuthImapUrlRump(rump));
  EXPECT_FALSE(rump.urlauth->verifier);
}

// RFC 4468 §3.4: the BURL example URL (";urlauth" directly after ";uid").
TEST_F(ImapUrlTest, Rfc4468BurlExample) {
  const ImapUrl url = Parse(
      "imap://harry@gryffindor.example.com/outbox;uidvalidity=1078863300/;uid=25;"
      "urlauth=submit+harry:internal:91354a473744909de610943775f92038");
  EXPECT_EQ(url.user, "harry");
  EXPECT_EQ(url.mailbox, "outbox");
  EXPECT_EQ(url.uid_validity, 1078863300u);
  EXPECT_EQ(url.uid, 25u);
  EXPECT_FALSE(url.section);
  EXPECT_EQ(url.urlauth->access, (UrlAccess{UrlAccessKind::kSubmit, "harry"}));
  ExpectRoundTrip(url);
}

// The Lemonade profile draft writes ";Section=" without the "/": accepted,
// and formatted canonically.
TEST_F(ImapUrlTest, AcceptsMissingSlashBeforeSectionAndPartial) {
  const ImapUrl url =
      Parse("imap://bob.ar@example.org/INBOX;UIDVALIDITY=385759045/;UID=25627;Section=2.MIME");
  EXPECT_EQ(url.mailbox, "INBOX");
  EXPECT_EQ(url.uid, 25627u);
  EXPECT_EQ(url.section, "2.MIME");
  EXPECT_EQ(FormatImapUrl(url),
            "imap://bob.ar@example.org/INBOX;UIDVALIDITY=385759045/;UID=25627/;SECTION=2.MIME");
  const ImapUrl partial = Parse("imap://h/INBOX;UID=5;PARTIAL=10");
  EXPECT_EQ(partial.uid, 5u);
  EXPECT_EQ(partial.partial, (UrlPartial{10, std::nullopt}));
  EXPECT_EQ(FormatImapUrl(partial), "imap://h/INBOX/;UID=5/;PARTIAL=10");
}

// Server URLs with and without the "/", with user, auth, port.
TEST_F(ImapUrlTest, ServerUrls) {
  const ImapUrl a = Parse("imap://Mail.Example.ORG");
  EXPECT_EQ(a.host, "mail.example.org");
  EXPECT_EQ(a.kind(), ImapUrlKind::kServer);
  EXPECT_EQ(FormatImapUrl(a), "imap://mail.example.org/");
  EXPECT_EQ(Parse("imap://mail.example.org/"), a);
  const ImapUrl b = Parse("IMAP://fred;auth=PLAIN@[2001:db8::1]:993/");
  EXPECT_EQ(b.user, "fred");
  EXPECT_EQ(b.auth_type, "PLAIN");
  EXPECT_EQ(b.host, "[2001:db8::1]");
  EXPECT_EQ(b.port, 993);
  EXPECT_EQ(FormatImapUrl(b), "imap://fred;AUTH=PLAIN@[2001:db8::1]:993/");
  // An empty port is the default (RFC 3986 §3.2.3).
  const ImapUrl c = Parse("imap://h:/INBOX");
  EXPECT_FALSE(c.port);
  EXPECT_EQ(FormatImapUrl(c), "imap://h/INBOX");
}

// EXPIRE is an RFC 3339 date-time, normalised to UTC whole seconds.
TEST_F(ImapUrlTest, ExpireIsParsedAndNormalised) {
  const ImapUrl url = Parse(
      "imap://joe@example.com/INBOX/;uid=20;expire=2008-02-29T16:59:59.5-07:00;"
      "urlauth=anonymous:internal:0123456789abcdef0123456789ABCDEF");
  EXPECT_EQ(url.expire_unix_seconds, 1204329599);
  EXPECT_EQ(url.urlauth->access.kind, UrlAccessKind::kAnonymous);
  EXPECT_EQ(FormatImapUrl(url),
            "imap://joe@example.com/INBOX/;UID=20;EXPIRE=2008-02-29T23:59:59Z;"
            "URLAUTH=anonymous:INTERNAL:0123456789abcdef0123456789ABCDEF");
  ExpectRoundTrip(url);
}

// Access identifiers: prefixes are case-insensitive, user ids decoded.
TEST_F(ImapUrlTest, AccessIdentifiers) {
  EXPECT_EQ(ParseUrlAccess("anonymous"), (UrlAccess{UrlAccessKind::kAnonymous, ""}));
  EXPECT_EQ(ParseUrlAccess("AuthUser"), (UrlAccess{UrlAccessKind::kAuthUser, ""}));
  EXPECT_EQ(ParseUrlAccess("USER+fred"), (UrlAccess{UrlAccessKind::kUser, "fred"}));
  EXPECT_EQ(ParseUrlAccess("submit+a%20b"), (UrlAccess{UrlAccessKind::kSubmit, "a b"}));
  EXPECT_FALSE(ParseUrlAccess("submit+"));
  EXPECT_FALSE(ParseUrlAccess("user"));
  EXPECT_FALSE(ParseUrlAccess("admin"));
  EXPECT_FALSE(ParseUrlAccess("user+a;b"));
  EXPECT_EQ(FormatUrlAccess({UrlAccessKind::kSubmit, "a b;c"}), "submit+a%20b%3Bc");
  EXPECT_EQ(FormatUrlAccess({UrlAccessKind::kAuthUser, ""}), "authuser");
}

// The rump is split from the original text, byte for byte (RFC 4467 §6:
// no percent-decoding, no case folding).
TEST_F(ImapUrlTest, SplitUrlAuthKeepsTheTextVerbatim) {
  const char* text =
      "imap://Joe@Example.COM/IN%42OX/;uid=20/;section=1.2;URLAUTH=submit+fred"
      ":Internal:91354A473744909DE610943775F92038";
  std::optional<UrlAuthSplit> split = SplitUrlAuth(text);
  ASSERT_TRUE(split);
  EXPECT_EQ(split->rump,
            "imap://Joe@Example.COM/IN%42OX/;uid=20/;section=1.2;URLAUTH=submit+fred");
  EXPECT_EQ(split->mechanism, "Internal");
  EXPECT_EQ(split->token, "91354A473744909DE610943775F92038");
  EXPECT_EQ(AppendUrlAuthVerifier(split->rump, split->mechanism, split->token), text);
  // No verifier, bad mechanism, short token: no split.
  EXPECT_FALSE(SplitUrlAuth("imap://joe@example.com/INBOX/;uid=20;urlauth=anonymous"));
  EXPECT_FALSE(SplitUrlAuth("imap://joe@example.com/INBOX/;uid=20;urlauth=anonymous:in_t:"
                            "91354a473744909de610943775f92038"));
  EXPECT_FALSE(SplitUrlAuth("imap://joe@example.com/INBOX/;uid=20;urlauth=anonymous:internal:"
                            "91354a47"));
  EXPECT_FALSE(SplitUrlAuth("imap://joe@example.com/INBOX"));
}

// Section specs are validated and their keywords upper-cased.
TEST_F(ImapUrlTest, SectionSpecs) {
  EXPECT_EQ(NormalizeSectionSpec("1"), "1");
  EXPECT_EQ(NormalizeSectionSpec("1.2.3"), "1.2.3");
  EXPECT_EQ(NormalizeSectionSpec("2.mime"), "2.MIME");
  EXPECT_EQ(NormalizeSectionSpec("header"), "HEADER");
  EXPECT_EQ(NormalizeSectionSpec("Text"), "TEXT");
  EXPECT_EQ(NormalizeSectionSpec("1.text"), "1.TEXT");
  EXPECT_EQ(NormalizeSectionSpec("header.fields (Subject From)"), "HEADER.FIELDS (Subject From)");
  EXPECT_EQ(NormalizeSectionSpec("3.Header.Fields.Not (\"X-A\" Received)"),
            "3.HEADER.FIELDS.NOT (\"X-A\" Received)");
  for (const char* bad : {"", "0", "1.", "1..2", ".1", "01", "MIME", "HEADERS", "1.MIMEX",
                          "HEADER.FIELDS", "HEADER.FIELDS ()", "HEADER.FIELDS (A  B)",
                          "HEADER.FIELDS (A", "TEXT.1", "1.2.HEADER.FIELDS (a\"b)",
                          "4294967296"}) {
    EXPECT_FALSE(NormalizeSectionSpec(bad)) << bad;
  }
  const ImapUrl url = Parse("imap://h/INBOX/;UID=1/;SECTION=1.HEADER.FIELDS%20(Subject%20From)");
  EXPECT_EQ(url.section, "1.HEADER.FIELDS (Subject From)");
  ExpectRoundTrip(url);
}

// Mailbox names that need escaping round-trip: ";", "?", "#", "%", space,
// dot-segments, leading and trailing "/" (RFC 5092 §7, §7.1).
TEST_F(ImapUrlTest, MailboxEscapingRoundTrips) {
  for (const char* name : {"a;b?c#d%e f", "./x", "a/../b", "..", ".", "/lead", "trail/", "/",
                           "a//b", "x:y@z", "\xE5\x8F\xB0", "INBOX.Sent", "..;x", "~"}) {
    ImapUrl url;
    url.host = "h";
    url.mailbox = name;
    url.uid = 7;
    ExpectRoundTrip(url);
    url.uid.reset();
    url.uid_validity = 9;
    ExpectRoundTrip(url);
  }
  ImapUrl url;
  url.host = "h";
  url.mailbox = "a/./b";
  EXPECT_EQ(FormatImapUrl(url), "imap://h/a/%2E/b");
  url.mailbox = "/lead";
  EXPECT_EQ(FormatImapUrl(url), "imap://h/%2Flead");
}

// A "/" that ends the mailbox text is not part of the name (RFC 5092 §9.1).
TEST_F(ImapUrlTest, TrailingSlashIsNotPartOfTheMailbox) {
  EXPECT_EQ(Parse("imap://h/foo/").mailbox, "foo");
  EXPECT_EQ(Parse("imap://h/foo%2F").mailbox, "foo/");
  EXPECT_EQ(Parse("imap://h/foo/;UIDVALIDITY=3").mailbox, "foo");
  const ImapUrl url = Parse("imap://h/foo;UIDVALIDITY=3/");
  EXPECT_EQ(url.mailbox, "foo");
  EXPECT_EQ(url.uid_validity, 3u);
  EXPECT_EQ(FormatImapUrl(url), "imap://h/foo;UIDVALIDITY=3");
}

// Users and auth types are percent-decoded; an encoded "*" is not "any".
TEST_F(ImapUrlTest, UserInfoDecoding) {
  const ImapUrl url = Parse("imap://fred%40corp;AUTH=X-FOO%2DBAR@h/");
  EXPECT_EQ(url.user, "fred@corp");
  EXPECT_EQ(url.auth_type, "X-FOO-BAR");
  EXPECT_EQ(FormatImapUrl(url), "imap://fred%40corp;AUTH=X-FOO-BAR@h/");
  EXPECT_EQ(ErrorOf("imap://;AUTH=%2A@h/"), UrlError::kInvalidUserInfo);
  EXPECT_EQ(ErrorOf("imap://@h/"), UrlError::kInvalidUserInfo);
  EXPECT_EQ(ErrorOf("imap://fred;AUTH=@h/"), UrlError::kInvalidUserInfo);
  EXPECT_EQ(ErrorOf("imap://fred;USER=x@h/"), UrlError::kInvalidUserInfo);
  EXPECT_EQ(ErrorOf("imap://a%0Ab@h/"), UrlError::kInvalidUserInfo);
}

// Each refusal names what was wrong.
TEST_F(ImapUrlTest, RefusesMalformedUrls) {
  EXPECT_EQ(ErrorOf("http://h/INBOX"), UrlError::kNotImapScheme);
  EXPECT_EQ(ErrorOf("imap:/h/INBOX"), UrlError::kNotImapScheme);
  EXPECT_EQ(ErrorOf("imap:///INBOX"), UrlError::kInvalidHost);
  EXPECT_EQ(ErrorOf("imap://ex ample/"), UrlError::kInvalidHost);
  EXPECT_EQ(ErrorOf("imap://h%41/"), UrlError::kInvalidHost);
  EXPECT_EQ(ErrorOf("imap://[::1/"), UrlError::kInvalidHost);
  EXPECT_EQ(ErrorOf("imap://h:99999/"), UrlError::kInvalidPort);
  EXPECT_EQ(ErrorOf("imap://h:14x/"), UrlError::kInvalidPort);
  EXPECT_EQ(ErrorOf("imap://h?x"), UrlError::kTrailingGarbage);
  EXPECT_EQ(ErrorOf("imap://h/INBOX#frag"), UrlError::kTrailingGarbage);
  EXPECT_EQ(ErrorOf("imap://h/IN%ZZ"), UrlError::kInvalidPercentEncoding);
  EXPECT_EQ(ErrorOf("imap://h/IN BOX"), UrlError::kInvalidPercentEncoding);
  EXPECT_EQ(ErrorOf("imap://h/%FF"), UrlError::kInvalidUtf8);
  EXPECT_EQ(ErrorOf("imap://h/a%0Db"), UrlError::kInvalidMailbox);
  EXPECT_EQ(ErrorOf("imap://h//"), UrlError::kInvalidMailbox);
  EXPECT_EQ(ErrorOf("imap://h/;UID=5"), UrlError::kInvalidMailbox);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=0"), UrlError::kInvalidNumber);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=007"), UrlError::kInvalidNumber);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=4294967296"), UrlError::kInvalidNumber);
  EXPECT_EQ(ErrorOf("imap://h/INBOX;UIDVALIDITY=x"), UrlError::kInvalidNumber);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1/;PARTIAL=1.0"), UrlError::kInvalidNumber);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1/;PARTIAL="), UrlError::kInvalidNumber);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;FOO=1"), UrlError::kUnknownParameter);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID"), UrlError::kUnknownParameter);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1/;UID=2"), UrlError::kMisplacedParameter);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1/;UIDVALIDITY=2"), UrlError::kMisplacedParameter);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;SECTION=1"), UrlError::kMisplacedParameter);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1/;PARTIAL=1/;SECTION=1"),
            UrlError::kMisplacedParameter);
  EXPECT_EQ(ErrorOf("imap://h/INBOX;URLAUTH=anonymous"), UrlError::kMisplacedParameter);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1;EXPIRE=2008-01-01T00:00:00Z"),
            UrlError::kMisplacedParameter);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1/;URLAUTH=anonymous"), UrlError::kMisplacedParameter);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1?ALL"), UrlError::kMisplacedParameter);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1/;SECTION=1.0"), UrlError::kInvalidSection);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1/;SECTION=1.2/"), UrlError::kInvalidSection);
  EXPECT_EQ(ErrorOf("imap://h/INBOX?"), UrlError::kInvalidSearch);
  EXPECT_EQ(ErrorOf("imap://h/INBOX?a%00b"), UrlError::kInvalidSearch);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1;EXPIRE=tomorrow;URLAUTH=anonymous"),
            UrlError::kInvalidExpire);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1;URLAUTH=root"), UrlError::kInvalidAccess);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1;URLAUTH=anonymous:internal"),
            UrlError::kInvalidMechanism);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1;URLAUTH=anonymous:in_ternal:"
                    "91354a473744909de610943775f92038"),
            UrlError::kInvalidMechanism);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1;URLAUTH=anonymous:internal:1234"),
            UrlError::kInvalidToken);
  EXPECT_EQ(ErrorOf("imap://h/INBOX/;UID=1;URLAUTH=anonymous:internal:"
                    "91354a473744909de610943775f92038;x=1"),
            UrlError::kInvalidToken);
  EXPECT_EQ(ParseImapUrl("imap://h/INBOX", 10).error, UrlError::kTooLong);
}

}  // namespace
}  // namespace lemonade::url
