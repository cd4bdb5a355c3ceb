#include "protocol/url/imap_url_resolve.h"

#include <string>

#include "gtest/gtest.h"
#include "protocol/url/imap_url.h"

namespace lemonade::url {
namespace {

ImapUrl Parse(absl::string_view text) {
  UrlParseResult r = ParseImapUrl(text);
  EXPECT_TRUE(r.ok()) << text << ": " << UrlErrorName(r.error);
  return r.url.value_or(ImapUrl{});
}

std::string Resolve(absl::string_view base, absl::string_view reference) {
  UrlParseResult r = ResolveImapUrl(Parse(base), reference);
  if (!r.ok()) return std::string("error: ") + std::string(UrlErrorName(r.error));
  return FormatImapUrl(*r.url);
}

// RFC 5092 §9: ";section=1.4" found inside part 1.2 of a message.
TEST(ImapUrlResolveTest, Rfc5092SectionRelativeToPart) {
  EXPECT_EQ(Resolve("imap://;AUTH=GSSAPI@minbari.example.org/gray-council/;uid=20/;section=1.2",
                    ";section=1.4"),
            "imap://;AUTH=GSSAPI@minbari.example.org/gray-council/;UID=20/;SECTION=1.4");
}

// RFC 5092 §9.1: "/foo/;UID=20/.." is the same as "/foo".
TEST(ImapUrlResolveTest, Rfc5092DotSegmentsInAbsolutePath) {
  EXPECT_EQ(Resolve("imap://h/bar", "/foo/;UID=20/.."), "imap://h/foo");
  EXPECT_EQ(Resolve("imap://h/bar", "/foo"), "imap://h/foo");
}

// RFC 5092 §9.1: ";UID=20" is a message in the base's mailbox.
TEST(ImapUrlResolveTest, Rfc5092UidInBaseMailbox) {
  EXPECT_EQ(Resolve("imap://h/INBOX;UIDVALIDITY=385759045", ";UID=20"),
            "imap://h/INBOX;UIDVALIDITY=385759045/;UID=20");
  // From a message base the generic algorithm keeps the base's ";UID=7/"
  // segment, and two UIDs are not a URL.
  EXPECT_EQ(Resolve("imap://h/INBOX/;UID=7/;SECTION=1", ";UID=20"),
            "error: misplaced parameter");
  EXPECT_EQ(Resolve("imap://h/INBOX/;UID=7/;SECTION=1", "/INBOX/;UID=20"),
            "imap://h/INBOX/;UID=20");
}

// RFC 5092 §9.1: ";UIDVALIDITY=" belongs to the mailbox segment, so ".."
// in "..;UIDVALIDITY=385759045" is not a dot-segment.
TEST(ImapUrlResolveTest, Rfc5092UidValidityIsPartOfTheSegment) {
  EXPECT_EQ(Resolve("imap://h/a/", "..;UIDVALIDITY=385759045/;UID=20"),
            "imap://h/a/%2E%2E;UIDVALIDITY=385759045/;UID=20");
}

// The Lemonade profile draft's CATENATE URL, relative to the server, with
// ";Section" lacking its "/".
TEST(ImapUrlResolveTest, LemonadeDraftCatenateUrl) {
  EXPECT_EQ(Resolve("imap://bob.ar@example.org/",
                    "/INBOX;UIDVALIDITY=385759045/;UID=25627;Section=2.MIME"),
            "imap://bob.ar@example.org/INBOX;UIDVALIDITY=385759045/;UID=25627/;SECTION=2.MIME");
  EXPECT_EQ(Resolve("imap://bob.ar@example.org/Sent",
                    "/INBOX;UIDVALIDITY=385759045/;UID=25627;Section=2"),
            "imap://bob.ar@example.org/INBOX;UIDVALIDITY=385759045/;UID=25627/;SECTION=2");
}

// Network-path references replace the whole server, user and ;AUTH= too
// (RFC 5092 §7: iauth is part of the user name for resolution).
TEST(ImapUrlResolveTest, NetworkPathReplacesTheServer) {
  EXPECT_EQ(Resolve("imap://fred;AUTH=PLAIN@a.example/INBOX", "//b.example/Archive"),
            "imap://b.example/Archive");
}

// Absolute references are parsed as they are; other schemes are refused.
TEST(ImapUrlResolveTest, AbsoluteReferences) {
  EXPECT_EQ(Resolve("imap://h/INBOX", "IMAP://Other/x"), "imap://other/x");
  EXPECT_EQ(Resolve("imap://h/INBOX", "http://h/x"), "error: not an imap URL");
  EXPECT_EQ(Resolve("imap://h/INBOX", ""), "imap://h/INBOX");
  EXPECT_EQ(Resolve("imap://h/INBOX", "?ALL"), "imap://h/INBOX?ALL");
  EXPECT_EQ(Resolve("imap://h/INBOX;UIDVALIDITY=5", ""), "imap://h/INBOX;UIDVALIDITY=5");
  EXPECT_EQ(Resolve("imap://h/INBOX;UIDVALIDITY=5", "?ALL"), "imap://h/INBOX;UIDVALIDITY=5?ALL");
  EXPECT_EQ(Resolve("imap://h/INBOX", "#x"), "error: trailing garbage");
  EXPECT_EQ(Resolve("imap://h/", ";UID=20"), "error: invalid mailbox");
}

// Relative mailbox paths use "/" as the hierarchy delimiter (§7).
TEST(ImapUrlResolveTest, RelativeMailboxPaths) {
  // A mailbox base acts as a directory: its children are one level down.
  EXPECT_EQ(Resolve("imap://h/lists/lemonade", "smtp"), "imap://h/lists/lemonade/smtp");
  EXPECT_EQ(Resolve("imap://h/lists/lemonade", "../ietf"), "imap://h/lists/ietf");
  EXPECT_EQ(Resolve("imap://h/lists/lemonade", "../../ietf/imapext"), "imap://h/ietf/imapext");
  EXPECT_EQ(Resolve("imap://h/lists/lemonade/;UID=4", "smtp"), "imap://h/lists/lemonade/smtp");
}

// RFC 3986 §5.2.4 examples for remove_dot_segments.
TEST(ImapUrlResolveTest, RemoveDotSegments) {
  EXPECT_EQ(RemoveDotSegments("/a/b/c/./../../g"), "/a/g");
  EXPECT_EQ(RemoveDotSegments("mid/content=5/../6"), "mid/6");
  EXPECT_EQ(RemoveDotSegments("/.."), "/");
  EXPECT_EQ(RemoveDotSegments("/a/.."), "/");
  EXPECT_EQ(RemoveDotSegments("."), "");
}

// A few of RFC 3986 §5.4.1's normal examples, to show the generic
// algorithm is the standard one.
TEST(ImapUrlResolveTest, Rfc3986NormalExamples) {
  const char* base = "http://a/b/c/d;p?q";
  EXPECT_EQ(ResolveUriReference(base, "g:h"), "g:h");
  EXPECT_EQ(ResolveUriReference(base, "g"), "http://a/b/c/g");
  EXPECT_EQ(ResolveUriReference(base, "/g"), "http://a/g");
  EXPECT_EQ(ResolveUriReference(base, "//g"), "http://g");
  EXPECT_EQ(ResolveUriReference(base, "?y"), "http://a/b/c/d;p?y");
  EXPECT_EQ(ResolveUriReference(base, ";x"), "http://a/b/c/;x");
  EXPECT_EQ(ResolveUriReference(base, ""), "http://a/b/c/d;p?q");
  EXPECT_EQ(ResolveUriReference(base, "../.."), "http://a/");
  EXPECT_EQ(ResolveUriReference(base, "../../../g"), "http://a/g");
  EXPECT_EQ(ResolveUriReference("no-scheme", "g"), std::nullopt);
}

}  // namespace
}  // namespace lemonade::url
