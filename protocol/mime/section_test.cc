#include "protocol/mime/section.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "protocol/mime/test_support.h"
#include "protocol/mime/testdata_files.h"

namespace lemonade::mime {
namespace {

using Text = SectionSpec::Text;

SectionSpec Spec(absl::string_view text) {
  std::optional<SectionSpec> spec = ParseSectionSpec(text);
  EXPECT_TRUE(spec.has_value()) << text;
  return spec.value_or(SectionSpec());
}

std::string Fetch(absl::string_view raw, absl::string_view spec_text, bool* found = nullptr) {
  MessageStructure s = MessageStructure::Parse(raw, Limits());
  SectionContent c = ExtractSection(raw, s, Spec(spec_text));
  if (found != nullptr) *found = c.found;
  for (absl::string_view piece : c.pieces) {
    EXPECT_TRUE(piece.data() >= raw.data() &&
                piece.data() + piece.size() <= raw.data() + raw.size())
        << "a piece outside the message";
  }
  return Flatten(c);
}

TEST(SectionTest, ParsesSectionSpecs) {
  EXPECT_EQ(Spec(""), SectionSpec());
  EXPECT_EQ(Spec("1.2.3").part, (std::vector<uint32_t>{1, 2, 3}));
  SectionSpec mime = Spec("2.mime");
  EXPECT_EQ(mime.part, std::vector<uint32_t>{2});
  EXPECT_EQ(mime.text, Text::kMime);
  EXPECT_EQ(Spec("TEXT").text, Text::kText);
  EXPECT_EQ(Spec("4.2.HEADER").text, Text::kHeader);
  SectionSpec fields = Spec("1.Header.Fields (From \"Sub ject\" X-A])");
  EXPECT_EQ(fields.text, Text::kHeaderFields);
  EXPECT_EQ(fields.fields, (std::vector<std::string>{"From", "Sub ject", "X-A]"}));
  SectionSpec not_fields = Spec("HEADER.FIELDS.NOT (Received)");
  EXPECT_EQ(not_fields.text, Text::kHeaderFieldsNot);
  EXPECT_EQ(not_fields.fields, std::vector<std::string>{"Received"});
  EXPECT_EQ(Spec("4294967295").part, std::vector<uint32_t>{4294967295u});

  for (absl::string_view bad :
       {"0", "01", "1.", ".1", "1..2", "MIME", "1.FOO", "HEADER.FIELDS", "HEADER.FIELDS ()",
        "HEADER.FIELDS (a", "HEADER.FIELDS (a) x", "HEADER.FIELDS (\"a)", "1 ", "4294967296",
        "HEADER.FIELDS  (a)", "TEXT.1"}) {
    EXPECT_FALSE(ParseSectionSpec(bad).has_value()) << bad;
  }
}

// The Lemonade profile's forward-without-download (draft-ietf-lemonade-
// profile, RFC 5550 §2): ;SECTION=2.MIME and ;SECTION=2 of the seed message,
// byte for byte, and together they are exactly the part as stored.
TEST(SectionTest, LemonadeSeedForwardWithoutDownload) {
  const absl::string_view raw = testing::Testdata("lemonade_seed.eml");
  EXPECT_EQ(Fetch(raw, "2.MIME"),
            "Content-Type: text/plain; charset=us-ascii; name=\"Your trip details\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"trip.txt\"\r\n\r\n");
  const std::string body = Fetch(raw, "2");
  EXPECT_TRUE(absl::StartsWith(body,
                               "WW91ciB0cmlwIGRldGFpbHMKWW91ciB0cmlwIGRldGFpbHMKWW91"
                               "ciB0cmlwIGRldGFpbHMKWW91\r\n"));
  // The last line's CRLF belongs to the close delimiter.
  EXPECT_TRUE(absl::EndsWith(body,
                             "HMK\r\nWW91ciB0cmlwIGRldGFpbHMKWW91ciB0cmlwIGRldGFpbHMK"
                             "WW91ciB0cmlwIGRldGFpbHMK"));
  EXPECT_EQ(body.size(), 1476u);
  const std::string part = Fetch(raw, "2.MIME") + body;
  const std::string delimiter = "--------------030308070208000400050907";
  const size_t begin = raw.find(delimiter + "\r\nContent-Type: text/plain; charset=us-ascii; name");
  ASSERT_NE(begin, absl::string_view::npos);
  const size_t part_begin = begin + delimiter.size() + 2;
  const size_t part_end = raw.find("\r\n" + delimiter + "--");
  EXPECT_EQ(part, raw.substr(part_begin, part_end - part_begin));
  // Part 1, and what BINARY gives for part 2.
  EXPECT_EQ(Fetch(raw, "1"),
            "Our travel agent has sent the updated schedule.\r\n\r\nCheers,\r\nBob");
  MessageStructure s = MessageStructure::Parse(raw, Limits());
  BinaryContent b = ExtractBinary(raw, s, std::vector<uint32_t>{2});
  ASSERT_EQ(b.status(), BinaryContent::Status::kOk);
  std::string expected;
  for (int i = 0; i < 60; ++i) expected += "Your trip details\n";
  EXPECT_EQ(b.bytes(), expected);
  EXPECT_EQ(BinarySize(raw, s, std::vector<uint32_t>{2}), expected.size());
}

// The message of RFC 3501 §6.4.5's example, with its part specifiers.
std::string Rfc3501ExampleMessage() {
  auto part = [](absl::string_view type, absl::string_view body) {
    return absl::StrCat("Content-Type: ", type, "\r\n\r\n", body);
  };
  auto multipart = [](absl::string_view boundary, std::vector<std::string> parts,
                      absl::string_view subtype = "mixed") {
    std::string out =
        absl::StrCat("Content-Type: multipart/", subtype, "; boundary=", boundary, "\r\n\r\n");
    for (const std::string& p : parts) absl::StrAppend(&out, "--", boundary, "\r\n", p, "\r\n");
    absl::StrAppend(&out, "--", boundary, "--");
    return out;
  };
  const std::string m3 = absl::StrCat(
      "Subject: three\r\n", multipart("m3", {part("text/plain", "3.1 body"),
                                             part("application/octet-stream", "3.2 body")}));
  const std::string m42 = absl::StrCat(
      "Subject: four-two\r\n", multipart("m42", {part("text/plain", "4.2.1 body"),
                                                 multipart("m422",
                                                           {part("text/plain", "4.2.2.1 body"),
                                                            part("text/richtext", "4.2.2.2 body")},
                                                           "alternative")}));
  return absl::StrCat(
      "Subject: top\r\nMIME-Version: 1.0\r\n",
      multipart("top",
                {part("text/plain", "1 body"), part("application/octet-stream", "2 body"),
                 part("message/rfc822", m3),
                 multipart("m4", {part("image/gif", "4.1 body"), part("message/rfc822", m42)})}));
}

TEST(SectionTest, Rfc3501PartSpecifierExample) {
  const std::string raw = Rfc3501ExampleMessage();
  MessageStructure s = MessageStructure::Parse(raw, Limits());
  std::string error;
  ASSERT_TRUE(testing::CheckStructure(raw, s, Limits(), &error)) << error;
  struct Case {
    absl::string_view spec;
    absl::string_view type;  // of the part addressed, "" for HEADER/TEXT
    absl::string_view content;
  };
  const Case cases[] = {
      {"HEADER", "",
       "Subject: top\r\nMIME-Version: 1.0\r\n"
       "Content-Type: multipart/mixed; boundary=top\r\n\r\n"},
      {"1", "text/plain", "1 body"},
      {"2", "application/octet-stream", "2 body"},
      {"3.HEADER", "", "Subject: three\r\nContent-Type: multipart/mixed; boundary=m3\r\n\r\n"},
      {"3.1", "text/plain", "3.1 body"},
      {"3.2", "application/octet-stream", "3.2 body"},
      {"4.1", "image/gif", "4.1 body"},
      {"4.1.MIME", "image/gif", "Content-Type: image/gif\r\n\r\n"},
      {"4.2.HEADER", "",
       "Subject: four-two\r\nContent-Type: multipart/mixed; boundary=m42\r\n\r\n"},
      {"4.2.1", "text/plain", "4.2.1 body"},
      {"4.2.2.1", "text/plain", "4.2.2.1 body"},
      {"4.2.2.2", "text/richtext", "4.2.2.2 body"},
  };
  for (const Case& c : cases) {
    bool found = false;
    EXPECT_EQ(Fetch(raw, c.spec, &found), c.content) << c.spec;
    EXPECT_TRUE(found) << c.spec;
    if (c.type.empty()) continue;
    std::optional<uint32_t> index = s.FindPart(Spec(c.spec).part);
    ASSERT_TRUE(index.has_value()) << c.spec;
    const Part& p = s.part(*index);
    EXPECT_EQ(absl::StrCat(p.type, "/", p.subtype), c.type) << c.spec;
  }
  // 3.TEXT and 4.2.TEXT are the encapsulated bodies; 4 is a multipart.
  EXPECT_TRUE(absl::StartsWith(Fetch(raw, "3.TEXT"), "--m3\r\nContent-Type: text/plain"));
  // RFC 2046 §5.1.1: the CRLF before a delimiter belongs to the delimiter,
  // also right after a close delimiter (Dovecot instead keeps it in the
  // inner multipart).
  EXPECT_TRUE(absl::EndsWith(Fetch(raw, "4.2.TEXT"), "4.2.2.2 body\r\n--m422--\r\n--m42--"));
  EXPECT_TRUE(s.part(*s.FindPart(Spec("4").part)).IsMultipart());
  EXPECT_TRUE(s.part(*s.FindPart(Spec("4.2.2").part)).IsMultipart());
}

// RFC 3501: HEADER.FIELDS keeps whole fields (with continuation lines and
// line ends), matches names ignoring case, and includes the blank line.
TEST(SectionTest, HeaderFields) {
  const std::string raw =
      "Received: from a\r\n by b\r\nSubject: one\r\nFROM: x@y\r\nsubject: two\r\n"
      "Garbage line\r\nTo: z@w\r\n\r\nbody\r\n";
  EXPECT_EQ(Fetch(raw, "HEADER.FIELDS (Subject from)"),
            "Subject: one\r\nFROM: x@y\r\nsubject: two\r\n\r\n");
  EXPECT_EQ(Fetch(raw, "HEADER.FIELDS.NOT (Subject from)"),
            "Received: from a\r\n by b\r\nGarbage line\r\nTo: z@w\r\n\r\n");
  EXPECT_EQ(Fetch(raw, "HEADER.FIELDS (Garbage)"), "\r\n");
  EXPECT_EQ(Fetch(raw, "HEADER.FIELDS (Received)"), "Received: from a\r\n by b\r\n\r\n");
  // No blank line, no body: nothing is added (RFC 3501's exception).
  EXPECT_EQ(Fetch("Subject: a\r\nTo: b", "HEADER.FIELDS (To)"), "To: b");
  // Bare LF stays bare LF.
  EXPECT_EQ(Fetch("A: 1\nB: 2\n\nx", "HEADER.FIELDS (B)"), "B: 2\n\n");
  // A substring of a subset is taken after subsetting.
  MessageStructure s = MessageStructure::Parse(raw, Limits());
  SectionContent c = ExtractSection(raw, s, Spec("HEADER.FIELDS (Subject From)"));
  EXPECT_EQ(c.pieces.size(), 2u);  // adjacent fields merge
  EXPECT_EQ(Flatten(ApplyPartial(c, 10, 20)), "ne\r\nFROM: x@y\r\nsubje");
}

// Sections that do not exist: found == false, no bytes (Dovecot sends "").
TEST(SectionTest, MissingSections) {
  const absl::string_view raw = testing::Testdata("nested_forward.eml");
  for (absl::string_view spec : {"4", "1.2", "2.3", "1.HEADER", "1.TEXT", "3.HEADER.FIELDS (A)",
                                 "2.2.2", "9.MIME", "2.1.1.1"}) {
    bool found = true;
    EXPECT_EQ(Fetch(raw, spec, &found), "") << spec;
    EXPECT_FALSE(found) << spec;
  }
  MessageStructure s = MessageStructure::Parse(raw, Limits());
  SectionSpec mime_without_part;
  mime_without_part.text = Text::kMime;
  EXPECT_FALSE(ExtractSection(raw, s, mime_without_part).found);
  SectionSpec zero;
  zero.part = {0};
  EXPECT_FALSE(ExtractSection(raw, s, zero).found);
  // An index used with another message finds nothing rather than reading
  // out of bounds.
  EXPECT_FALSE(ExtractSection("short", s, SectionSpec()).found);
}

// Part 1 of a single-part message is its body; 1.MIME its header.
TEST(SectionTest, SinglePartMessage) {
  const std::string raw = "Subject: x\r\n\r\nbody\r\n";
  EXPECT_EQ(Fetch(raw, ""), raw);
  EXPECT_EQ(Fetch(raw, "1"), "body\r\n");
  EXPECT_EQ(Fetch(raw, "TEXT"), "body\r\n");
  EXPECT_EQ(Fetch(raw, "1.MIME"), "Subject: x\r\n\r\n");
  EXPECT_EQ(Fetch(raw, "HEADER"), "Subject: x\r\n\r\n");
}

// RFC 3501 <origin.octets>: truncated at the end, empty past it.
TEST(SectionTest, Partial) {
  SectionContent c;
  c.found = true;
  c.pieces = {"abc", "defg", "h"};
  EXPECT_EQ(Flatten(ApplyPartial(c, 0, 100)), "abcdefgh");
  EXPECT_EQ(Flatten(ApplyPartial(c, 2, 3)), "cde");
  EXPECT_EQ(Flatten(ApplyPartial(c, 3, 4)), "defg");
  EXPECT_EQ(Flatten(ApplyPartial(c, 7, 10)), "h");
  EXPECT_EQ(Flatten(ApplyPartial(c, 8, 10)), "");
  EXPECT_EQ(Flatten(ApplyPartial(c, 100, 10)), "");
  EXPECT_EQ(Flatten(ApplyPartial(c, 1, 0)), "");
  EXPECT_TRUE(ApplyPartial(c, 100, 10).found);
  EXPECT_EQ(ApplyPartial(c, 1, 5).size(), 5u);
}

// BINARY: decoded content, identity views, UNKNOWN-CTE, and sizes.
TEST(SectionTest, Binary) {
  const absl::string_view raw = testing::Testdata("unknown_cte.eml");
  MessageStructure s = MessageStructure::Parse(raw, Limits());
  using Path = std::vector<uint32_t>;
  EXPECT_EQ(ExtractBinary(raw, s, Path{1}).status(), BinaryContent::Status::kUnknownCte);
  BinaryContent::Status status;
  EXPECT_FALSE(BinarySize(raw, s, Path{1}, &status).has_value());
  EXPECT_EQ(status, BinaryContent::Status::kUnknownCte);
  BinaryContent text = ExtractBinary(raw, s, Path{2});
  ASSERT_EQ(text.status(), BinaryContent::Status::kOk);
  EXPECT_EQ(text.bytes(), "Hello, world!");
  EXPECT_FALSE(text.HasNul());
  EXPECT_EQ(BinarySize(raw, s, Path{2}), 13u);
  EXPECT_EQ(ExtractBinary(raw, s, Path{3}).status(), BinaryContent::Status::kNotFound);
  EXPECT_FALSE(BinarySize(raw, s, Path{3}, &status).has_value());
  EXPECT_EQ(status, BinaryContent::Status::kNotFound);
  // BINARY[] is the message, undecoded; identity parts are views.
  BinaryContent whole = ExtractBinary(raw, s, Path{});
  EXPECT_EQ(whole.bytes().data(), raw.data());
  EXPECT_EQ(BinarySize(raw, s, Path{}), raw.size());

  const absl::string_view nested = testing::Testdata("nested_forward.eml");
  MessageStructure n = MessageStructure::Parse(nested, Limits());
  BinaryContent data = ExtractBinary(nested, n, Path{3});
  EXPECT_EQ(data.bytes(), absl::string_view("\0\1\2\3\4\5\6\7\10\11", 10));
  EXPECT_TRUE(data.HasNul());
  // A message/rfc822 part comes as it is.
  BinaryContent message = ExtractBinary(nested, n, Path{2});
  EXPECT_EQ(message.bytes(), n.part(2).body.In(nested));
  EXPECT_EQ(BinarySize(nested, n, Path{2}), n.part(2).body.size());

  const absl::string_view qp = testing::Testdata("quoted_printable.eml");
  MessageStructure q = MessageStructure::Parse(qp, Limits());
  BinaryContent decoded = ExtractBinary(qp, q, Path{1});
  EXPECT_TRUE(absl::StartsWith(decoded.bytes(),
                               "J'interdis aux marchands de vanter trop leur "
                               "marchandises. Car ils se font vite p\xE9"
                               "dagogues"));
  EXPECT_TRUE(absl::EndsWith(decoded.bytes(), "d\xE9gradent,\r\n= \r\nend"));
  EXPECT_EQ(BinarySize(qp, q, Path{1}), decoded.bytes().size());
}

// Every section of every part of every test message lies in the message,
// MIME + body is the part as stored, and partial fetches are substrings.
TEST(SectionTest, EverySectionLiesInTheMessage) {
  for (const testing::TestdataFile& f : testing::AllTestdata()) {
    if (!absl::EndsWith(f.name, ".eml")) continue;
    const absl::string_view raw = f.bytes;
    MessageStructure s = MessageStructure::Parse(raw, Limits());
    for (const testing::PartPath& p : testing::PartPaths(s)) {
      const std::string path = testing::FormatPath(p.path);
      for (absl::string_view suffix :
           {"", ".MIME", ".HEADER", ".TEXT", ".HEADER.FIELDS (Content-Type)"}) {
        SectionContent c = ExtractSection(raw, s, Spec(absl::StrCat(path, suffix)));
        for (absl::string_view piece : c.pieces) {
          ASSERT_TRUE(piece.data() >= raw.data() &&
                      piece.data() + piece.size() <= raw.data() + raw.size())
              << f.name << " " << path << suffix;
        }
        const std::string all = Flatten(c);
        EXPECT_EQ(Flatten(ApplyPartial(c, 3, 7)), all.substr(std::min<size_t>(3, all.size()), 7));
      }
      const Part& part = s.part(p.part);
      EXPECT_EQ(Fetch(raw, path + ".MIME") + Fetch(raw, path),
                raw.substr(part.header.begin, part.body.end - part.header.begin))
          << f.name << " " << path;
    }
  }
}

}  // namespace
}  // namespace lemonade::mime
