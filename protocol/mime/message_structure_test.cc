#include "protocol/mime/message_structure.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "protocol/mime/test_support.h"
#include "protocol/mime/testdata_files.h"

namespace lemonade::mime {
namespace {

MessageStructure ParseChecked(absl::string_view raw, const Limits& limits = Limits()) {
  MessageStructure s = MessageStructure::Parse(raw, limits);
  std::string error;
  EXPECT_TRUE(testing::CheckStructure(raw, s, limits, &error)) << error;
  return s;
}

std::string Body(absl::string_view raw, const MessageStructure& s, uint32_t i) {
  return std::string(s.part(i).body.In(raw));
}
std::string Header(absl::string_view raw, const MessageStructure& s, uint32_t i) {
  return std::string(s.part(i).header.In(raw));
}

// A non-MIME message is one text/plain part: header, blank line, body.
TEST(MessageStructureTest, SinglePartMessage) {
  const std::string raw = "Subject: hi\r\nFrom: a@b\r\n\r\nline 1\r\nline 2\r\n";
  MessageStructure s = ParseChecked(raw);
  ASSERT_EQ(s.part_count(), 1u);
  const Part& p = s.part(0);
  EXPECT_EQ(Header(raw, s, 0), "Subject: hi\r\nFrom: a@b\r\n\r\n");
  EXPECT_EQ(p.header_fields_end, raw.find("\r\n\r\n") + 2);
  EXPECT_EQ(Body(raw, s, 0), "line 1\r\nline 2\r\n");
  EXPECT_EQ(p.body_lines, 2u);
  EXPECT_TRUE(p.IsText());
  EXPECT_TRUE(p.content_type_defaulted);
  EXPECT_FALSE(p.mime);
  EXPECT_EQ(p.Charset(), "us-ascii");
  ASSERT_EQ(s.FieldsOf(0).size(), 2u);
  EXPECT_EQ(s.FindField(raw, 0, "FROM")->value.In(raw), " a@b");
  EXPECT_EQ(s.FindField(raw, 0, "To"), nullptr);
}

// Degenerate messages: empty, header only, body only.
TEST(MessageStructureTest, DegenerateMessages) {
  MessageStructure empty = ParseChecked("");
  EXPECT_TRUE(empty.part(0).header.empty());
  EXPECT_TRUE(empty.part(0).body.empty());

  const std::string header_only = "Subject: x\r\nFrom: y";
  MessageStructure h = ParseChecked(header_only);
  EXPECT_EQ(Header(header_only, h, 0), header_only);
  EXPECT_EQ(h.part(0).body.begin, header_only.size());

  const std::string body_only = "\r\nno header at all\r\n";
  MessageStructure b = ParseChecked(body_only);
  EXPECT_EQ(Header(body_only, b, 0), "\r\n");
  EXPECT_EQ(Body(body_only, b, 0), "no header at all\r\n");
  EXPECT_TRUE(b.FieldsOf(0).empty());
}

// RFC 2046 §5.1.1's example: the line end before a delimiter belongs to
// the delimiter, so part 1 "does NOT end with a linebreak".
TEST(MessageStructureTest, Rfc2046SimpleBoundary) {
  const absl::string_view raw = testing::Testdata("rfc2046_simple_boundary.eml");
  MessageStructure s = ParseChecked(raw);
  const Part& root = s.part(0);
  ASSERT_TRUE(root.IsMultipart());
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(Header(raw, s, 1), "\r\n");
  EXPECT_EQ(Body(raw, s, 1),
            "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak.");
  EXPECT_EQ(s.part(1).body_lines, 1u);
  EXPECT_EQ(Header(raw, s, 2), "Content-type: text/plain; charset=us-ascii\r\n\r\n");
  EXPECT_EQ(Body(raw, s, 2),
            "This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n");
  EXPECT_EQ(s.part(2).body_lines, 2u);
  // The multipart's body runs through the epilogue.
  EXPECT_TRUE(
      absl::EndsWith(Body(raw, s, 0), "This is the epilogue.  It is also to be ignored.\r\n"));
}

// A delimiter on the first line of the body: no preamble, and no line end
// to take from the (empty) preamble.
TEST(MessageStructureTest, DelimiterOnTheFirstLine) {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n";
  MessageStructure s = ParseChecked(raw);
  ASSERT_EQ(s.part(0).children.size(), 1u);
  EXPECT_EQ(s.part(1).header.begin, raw.find("--b") + 5);
  EXPECT_EQ(Body(raw, s, 1), "x");
}

// An empty part between two delimiters.
TEST(MessageStructureTest, EmptyPartBetweenDelimiters) {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n\r\nx\r\n--b--";
  MessageStructure s = ParseChecked(raw);
  ASSERT_EQ(s.part(0).children.size(), 2u);
  EXPECT_TRUE(s.part(1).header.empty());
  EXPECT_TRUE(s.part(1).body.empty());
  EXPECT_EQ(Body(raw, s, 2), "x");
}

// Without a close delimiter the last part runs to the end.
TEST(MessageStructureTest, MissingCloseDelimiter) {
  const absl::string_view raw = testing::Testdata("missing_final_boundary.eml");
  MessageStructure s = ParseChecked(raw);
  ASSERT_EQ(s.part(0).children.size(), 2u);
  EXPECT_EQ(Body(raw, s, 1), "one");
  EXPECT_EQ(Body(raw, s, 2), "two, and the message ends without --b1--\r\n");
  EXPECT_EQ(s.part(2).body.end, raw.size());
}

// Transport padding after delimiters, an inner multipart closed by its
// parent's delimiter, and an epilogue.
TEST(MessageStructureTest, PreambleEpilogueAndImplicitClose) {
  const absl::string_view raw = testing::Testdata("preamble_epilogue.eml");
  MessageStructure s = ParseChecked(raw);
  const Part& root = s.part(0);
  ASSERT_EQ(root.children.size(), 2u);
  const Part& inner = s.part(root.children[0]);
  ASSERT_TRUE(inner.IsMultipart());
  ASSERT_EQ(inner.children.size(), 2u);
  EXPECT_EQ(Body(raw, s, inner.children[0]), "alt one");
  // The outer delimiter ends the inner multipart and its last part.
  EXPECT_EQ(Body(raw, s, inner.children[1]), "<b>alt two</b>");
  EXPECT_EQ(inner.body.end, s.part(inner.children[1]).body.end);
  EXPECT_EQ(Body(raw, s, root.children[1]), "after the unclosed inner multipart");
  EXPECT_TRUE(absl::EndsWith(Body(raw, s, 0),
                             "--outer--  padding\r\nThis is the epilogue.\r\n"
                             "It has two lines.\r\n"));
}

// RFC 2046 §5.1.1: the line end after a close delimiter opens the
// epilogue; with no epilogue it belongs to the enclosing delimiter, so the
// inner multipart ends with "--inner--" and nothing after it.
TEST(MessageStructureTest, CloseDelimiterFollowedByEnclosingDelimiter) {
  const std::string inner_body =
      "--inner\r\n\r\none\r\n--inner\r\n\r\ntwo\r\n--inner--";
  const std::string raw = absl::StrCat(
      "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
      "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n",
      inner_body,
      "\r\n--outer\r\n\r\nlast\r\n--outer--\r\n");
  MessageStructure s = ParseChecked(raw);
  const Part& root = s.part(0);
  ASSERT_EQ(root.children.size(), 2u);
  const uint32_t inner = root.children[0];
  EXPECT_EQ(Body(raw, s, inner), inner_body);
  EXPECT_EQ(s.part(inner).body_lines, 6u);
  EXPECT_EQ(Body(raw, s, s.part(inner).children[1]), "two");
  EXPECT_EQ(Body(raw, s, root.children[1]), "last");

  // With an epilogue, the inner multipart's body runs to its end.
  const std::string with_epilogue = absl::StrCat(
      "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
      "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n",
      inner_body, "\r\nepilogue\r\n--outer--\r\n");
  MessageStructure e = ParseChecked(with_epilogue);
  EXPECT_EQ(Body(with_epilogue, e, e.part(0).children[0]),
            absl::StrCat(inner_body, "\r\nepilogue"));
}

// Boundaries that prefix each other: the longest match wins; a nested
// multipart reusing its parent's boundary: the innermost wins.
TEST(MessageStructureTest, PrefixAndRepeatedBoundaries) {
  const absl::string_view raw = testing::Testdata("prefix_boundaries.eml");
  MessageStructure s = ParseChecked(raw);
  const Part& root = s.part(0);
  ASSERT_EQ(root.children.size(), 2u);
  const Part& first = s.part(root.children[0]);
  ASSERT_EQ(first.children.size(), 1u);
  EXPECT_EQ(Body(raw, s, first.children[0]), "inner one");
  const Part& second = s.part(root.children[1]);
  ASSERT_EQ(second.children.size(), 1u);
  EXPECT_EQ(Body(raw, s, second.children[0]), "same boundary inside");
}

// Dovecot: a delimiter line inside a part's header ends the header there,
// and the line end before it goes to the delimiter.
TEST(MessageStructureTest, DelimiterCutsAHeader) {
  const absl::string_view raw = testing::Testdata("boundary_in_header.eml");
  MessageStructure s = ParseChecked(raw);
  ASSERT_EQ(s.part(0).children.size(), 3u);
  EXPECT_EQ(Header(raw, s, 1), "Content-Type: text/plain\r\nX-Note: no blank line follows");
  EXPECT_TRUE(s.part(1).body.empty());
  ASSERT_EQ(s.FieldsOf(1).size(), 2u);
  EXPECT_EQ(s.FieldsOf(1)[1].field.In(raw), "X-Note: no blank line follows");
  // A message/rfc822 part cut that way still has its (empty) message.
  const Part& message = s.part(2);
  ASSERT_TRUE(message.IsMessage());
  EXPECT_TRUE(s.part(message.children[0]).header.empty());
  EXPECT_EQ(Body(raw, s, 4), "last");
}

// A multipart without a usable boundary has no children.
TEST(MessageStructureTest, MultipartWithoutBoundary) {
  const absl::string_view raw = testing::Testdata("no_boundary.eml");
  MessageStructure s = ParseChecked(raw);
  EXPECT_TRUE(s.part(0).IsMultipart());
  EXPECT_TRUE(s.part(0).children.empty());
  EXPECT_EQ(s.part_count(), 1u);

  const std::string never = "Content-Type: multipart/mixed; boundary=zz\r\n\r\n--b\r\nx\r\n";
  MessageStructure n = ParseChecked(never);
  EXPECT_TRUE(n.part(0).children.empty());
  EXPECT_EQ(Body(never, n, 0), "--b\r\nx\r\n");

  Limits limits;
  limits.boundary_bytes_max = 4;
  const std::string too_long =
      "Content-Type: multipart/mixed; boundary=abcde\r\n\r\n--abcde\r\n\r\nx\r\n";
  EXPECT_TRUE(ParseChecked(too_long, limits).part(0).children.empty());
}

// message/rfc822 nests a whole message; parts keep document order.
TEST(MessageStructureTest, NestedForwards) {
  const absl::string_view raw = testing::Testdata("nested_forward.eml");
  MessageStructure s = ParseChecked(raw);
  const Part& root = s.part(0);
  ASSERT_EQ(root.children.size(), 3u);
  const Part& forward = s.part(root.children[1]);
  ASSERT_TRUE(forward.IsMessage());
  const uint32_t inner_root = forward.children[0];
  EXPECT_TRUE(s.part(inner_root).message_root);
  EXPECT_EQ(s.FindField(raw, inner_root, "Subject")->value.In(raw), " Fwd: lunch");
  ASSERT_TRUE(s.part(inner_root).IsMultipart());
  const Part& innermost = s.part(s.part(inner_root).children[1]);
  ASSERT_TRUE(innermost.IsMessage());
  EXPECT_EQ(Body(raw, s, innermost.children[0]), "Lunch at noon?");
  EXPECT_EQ(s.part(innermost.children[0]).depth, 4u);
  // The encapsulated message ends with its close delimiter line, whose line
  // end is its own (Dovecot: the next delimiter takes no line end when it
  // starts the content).
  EXPECT_TRUE(absl::EndsWith(Body(raw, s, root.children[1]), "Lunch at noon?\r\n--middle--"));
  EXPECT_EQ(forward.body_lines, 20u);
}

// RFC 2046 §5.1.5: parts of a multipart/digest default to message/rfc822.
TEST(MessageStructureTest, DigestDefault) {
  const absl::string_view raw = testing::Testdata("digest.eml");
  MessageStructure s = ParseChecked(raw);
  const Part& first = s.part(s.part(0).children[0]);
  EXPECT_TRUE(first.IsMessage());
  EXPECT_TRUE(first.content_type_defaulted);
  EXPECT_EQ(first.type, "message");
  const Part& second = s.part(s.part(0).children[1]);
  EXPECT_TRUE(second.IsText());
}

// Content-* fields of a message count only with MIME-Version or
// Content-Type (Dovecot's non-strict mode); in body parts always; the
// first of repeated fields wins.
TEST(MessageStructureTest, WhenContentFieldsCount) {
  const std::string no_mime = "Content-Transfer-Encoding: base64\r\n\r\naGk=\r\n";
  MessageStructure a = ParseChecked(no_mime);
  EXPECT_FALSE(a.part(0).mime);
  EXPECT_EQ(a.part(0).transfer_encoding, TransferEncoding::k7Bit);

  const std::string with_type =
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n"
      "Content-Type: text/html\r\n\r\naGk=\r\n";
  MessageStructure b = ParseChecked(with_type);
  EXPECT_TRUE(b.part(0).mime);
  EXPECT_EQ(b.part(0).subtype, "plain");
  EXPECT_EQ(b.part(0).Charset(), "utf-8");
  EXPECT_EQ(b.part(0).transfer_encoding, TransferEncoding::kBase64);

  const std::string with_version = "MIME-Version: 1.0\r\nContent-ID: <x@y>\r\n\r\n";
  MessageStructure c = ParseChecked(with_version);
  ASSERT_TRUE(c.part(0).id.has_value());
  EXPECT_EQ(c.part(0).id->In(with_version), " <x@y>");
}

// RFC 2045 §5.2: an invalid Content-Type means text/plain.
TEST(MessageStructureTest, InvalidContentTypeDefaults) {
  const std::string raw = "MIME-Version: 1.0\r\nContent-Type: multipart\r\n\r\nx";
  MessageStructure s = ParseChecked(raw);
  EXPECT_TRUE(s.part(0).IsText());
  EXPECT_TRUE(s.part(0).content_type_defaulted);
}

// Bare LF mail: same structure, sizes of the bytes as they are.
TEST(MessageStructureTest, BareLineFeeds) {
  const absl::string_view raw = testing::Testdata("bare_lf.eml");
  MessageStructure s = ParseChecked(raw);
  ASSERT_EQ(s.part(0).children.size(), 2u);
  EXPECT_EQ(Header(raw, s, 1), "Content-Type: text/plain\n\n");
  EXPECT_EQ(Body(raw, s, 1), "plain\ntext");
  EXPECT_EQ(s.part(1).body_lines, 1u);
  EXPECT_EQ(Body(raw, s, 2), "<p>html</p>");
}

std::string NestedMultiparts(int depth) {
  std::string raw;
  for (int i = 0; i < depth; ++i) {
    absl::StrAppend(&raw, "Content-Type: multipart/mixed; boundary=b", i, "x\r\n\r\n--b", i,
                    "x\r\n");
  }
  raw += "\r\ninnermost\r\n";
  for (int i = depth - 1; i >= 0; --i) absl::StrAppend(&raw, "--b", i, "x--\r\n");
  return raw;
}

// Absurd nesting stops at depth_max: the container there is an opaque leaf.
TEST(MessageStructureTest, DepthLimit) {
  const std::string raw = NestedMultiparts(200);
  MessageStructure s = ParseChecked(raw);
  EXPECT_EQ(s.part_count(), 65u);
  const Part& last = s.part(64);
  EXPECT_EQ(last.depth, 64u);
  EXPECT_TRUE(last.overflow);
  EXPECT_EQ(last.kind, Part::Kind::kLeaf);
  EXPECT_EQ(last.type, "multipart");

  Limits shallow;
  shallow.depth_max = 3;
  MessageStructure t = ParseChecked(raw, shallow);
  EXPECT_EQ(t.part_count(), 4u);
  EXPECT_TRUE(t.part(3).overflow);
}

// Deep message/rfc822 nesting, a hundred thousand levels, stays bounded.
TEST(MessageStructureTest, DeepForwardsAreBounded) {
  std::string raw;
  for (int i = 0; i < 100000; ++i) raw += "Content-Type: message/rfc822\r\n\r\n";
  raw += "end\r\n";
  MessageStructure s = ParseChecked(raw);
  EXPECT_EQ(s.part_count(), 65u);
  EXPECT_TRUE(s.part(64).overflow);
}

// Past parts_max the rest of a multipart is opaque, but its delimiters
// still end it where they should.
TEST(MessageStructureTest, PartsLimit) {
  std::string raw = "Content-Type: multipart/mixed; boundary=p\r\n\r\n";
  for (int i = 0; i < 30; ++i) absl::StrAppend(&raw, "--p\r\n\r\npart ", i, "\r\n");
  raw += "--p--\r\nepilogue\r\n";
  Limits limits;
  limits.parts_max = 10;
  MessageStructure s = ParseChecked(raw, limits);
  EXPECT_EQ(s.part_count(), 10u);
  EXPECT_EQ(s.part(0).children.size(), 9u);
  EXPECT_EQ(Body(raw, s, 9), "part 8");
  EXPECT_EQ(s.part(0).body.end, raw.size());
}

// Header fields past header_fields_max are not indexed but stay in the
// header's bytes.
TEST(MessageStructureTest, HeaderFieldLimit) {
  std::string raw;
  for (int i = 0; i < 100; ++i) absl::StrAppend(&raw, "X-", i, ": v\r\n");
  raw += "Content-Type: text/html\r\n\r\nbody";
  Limits limits;
  limits.header_fields_max = 50;
  MessageStructure s = ParseChecked(raw, limits);
  EXPECT_EQ(s.FieldsOf(0).size(), 50u);
  EXPECT_TRUE(s.fields_truncated());
  EXPECT_EQ(Body(raw, s, 0), "body");
  EXPECT_EQ(s.part(0).subtype, "plain");  // the Content-Type was not seen
}

// RFC 3501 §6.4.5 numbering, by Dovecot's rules.
TEST(MessageStructureTest, FindPart) {
  const absl::string_view raw = testing::Testdata("nested_forward.eml");
  MessageStructure s = ParseChecked(raw);
  // 0 root, 1 text, 2 message/rfc822, 3 its multipart message, 4 text,
  // 5 message/rfc822, 6 its single-part message, 7 application/octet-stream.
  ASSERT_EQ(s.part_count(), 8u);
  using Path = std::vector<uint32_t>;
  EXPECT_EQ(s.FindPart(Path{}), 0u);
  EXPECT_EQ(s.FindPart(Path{1}), 1u);
  EXPECT_EQ(s.FindPart(Path{2}), 2u);
  EXPECT_EQ(s.FindPart(Path{2, 1}), 4u);
  EXPECT_EQ(s.FindPart(Path{2, 2}), 5u);
  EXPECT_EQ(s.FindPart(Path{2, 2, 1}), 6u);  // the encapsulated body
  EXPECT_EQ(s.FindPart(Path{3}), 7u);
  // A non-multipart part has only a part 1: itself; but numbers may go on
  // only into a message/rfc822 part.
  EXPECT_EQ(s.FindPart(Path{3, 1}), 7u);
  EXPECT_FALSE(s.FindPart(Path{3, 1, 1}).has_value());
  EXPECT_FALSE(s.FindPart(Path{2, 2, 1, 1}).has_value());
  EXPECT_FALSE(s.FindPart(Path{4}).has_value());
  EXPECT_FALSE(s.FindPart(Path{0}).has_value());
  EXPECT_FALSE(s.FindPart(Path{1, 2}).has_value());
  EXPECT_FALSE(s.FindPart(Path{2, 3}).has_value());
  EXPECT_FALSE(s.FindPart(Path{2, 2, 2}).has_value());
  EXPECT_FALSE(s.FindPart(Path{3, 1, 1, 2}).has_value());

  // Part 1 of a single-part message is the message itself.
  MessageStructure single = ParseChecked("Subject: x\r\n\r\nbody");
  EXPECT_EQ(single.FindPart(Path{1}), 0u);
  EXPECT_FALSE(single.FindPart(Path{2}).has_value());
  // A multipart without children has no part 1.
  MessageStructure childless = ParseChecked(testing::Testdata("no_boundary.eml"));
  EXPECT_FALSE(childless.FindPart(Path{1}).has_value());
}

// Every prefix of every test message (a message cut off anywhere) parses
// into a structure that keeps every invariant.
TEST(MessageStructureTest, EveryPrefixKeepsTheInvariants) {
  Limits limits;
  for (const testing::TestdataFile& f : testing::AllTestdata()) {
    if (!absl::EndsWith(f.name, ".eml")) continue;
    for (size_t n = 0; n <= f.bytes.size(); ++n) {
      const absl::string_view raw = f.bytes.substr(0, n);
      MessageStructure s = MessageStructure::Parse(raw, limits);
      std::string error;
      ASSERT_TRUE(testing::CheckStructure(raw, s, limits, &error))
          << f.name << " cut at " << n << ": " << error;
    }
  }
}

// The same with tight limits, so that overflow paths are taken everywhere.
TEST(MessageStructureTest, TightLimitsKeepTheInvariants) {
  Limits limits;
  limits.depth_max = 1;
  limits.parts_max = 3;
  limits.header_fields_max = 4;
  limits.parameters_max = 1;
  limits.boundary_bytes_max = 8;
  for (const testing::TestdataFile& f : testing::AllTestdata()) {
    if (!absl::EndsWith(f.name, ".eml")) continue;
    MessageStructure s = MessageStructure::Parse(f.bytes, limits);
    std::string error;
    EXPECT_TRUE(testing::CheckStructure(f.bytes, s, limits, &error)) << f.name << ": " << error;
  }
}

}  // namespace
}  // namespace lemonade::mime
