#include "protocol/mime/header_field.h"

#include <string>

#include "gtest/gtest.h"

namespace lemonade::mime {
namespace {

struct Read {
  HeaderLineKind kind;
  HeaderField field;
  size_t next = 0;
  uint64_t lf = 0;
};

Read ReadAt(absl::string_view raw, size_t pos) {
  Read r;
  r.kind = ReadHeaderField(raw, pos, &r.field, &r.next, &r.lf);
  return r;
}

// A plain field: name, value after the colon, and the line end in the
// field but not in the value.
TEST(HeaderFieldTest, ReadsAFieldWithItsLineEnd) {
  const absl::string_view raw = "Subject: hello\r\nFrom: a@b\r\n\r\nbody";
  Read r = ReadAt(raw, 0);
  ASSERT_EQ(r.kind, HeaderLineKind::kField);
  EXPECT_EQ(r.field.field.In(raw), "Subject: hello\r\n");
  EXPECT_EQ(r.field.name.In(raw), "Subject");
  EXPECT_EQ(r.field.value.In(raw), " hello");
  EXPECT_TRUE(r.field.has_colon);
  EXPECT_EQ(r.next, 16u);
  EXPECT_EQ(r.lf, 1u);
  r = ReadAt(raw, r.next);
  EXPECT_EQ(r.field.name.In(raw), "From");
  r = ReadAt(raw, r.next);
  EXPECT_EQ(r.kind, HeaderLineKind::kBlankLine);
  EXPECT_EQ(raw.substr(r.next), "body");
}

// RFC 5322 §2.2.3: continuation lines belong to the field; the value keeps
// the folding until UnfoldHeaderValue() removes the line ends.
TEST(HeaderFieldTest, FoldedFieldSpansItsContinuationLines) {
  const absl::string_view raw = "Subject: This\r\n is a test\r\n\tfolded\r\nX: y\r\n";
  Read r = ReadAt(raw, 0);
  EXPECT_EQ(r.field.field.In(raw), "Subject: This\r\n is a test\r\n\tfolded\r\n");
  EXPECT_EQ(r.field.value.In(raw), " This\r\n is a test\r\n\tfolded");
  EXPECT_EQ(r.lf, 3u);
  EXPECT_EQ(UnfoldHeaderValue(r.field.value.In(raw)), "This is a test\tfolded");
}

// Bare LF line ends work the same, and the blank line may be a bare LF.
TEST(HeaderFieldTest, BareLfLineEnds) {
  const absl::string_view raw = "A: 1\n continued\n\nbody";
  Read r = ReadAt(raw, 0);
  EXPECT_EQ(r.field.field.In(raw), "A: 1\n continued\n");
  EXPECT_EQ(r.field.value.In(raw), " 1\n continued");
  r = ReadAt(raw, r.next);
  EXPECT_EQ(r.kind, HeaderLineKind::kBlankLine);
  EXPECT_EQ(r.next, raw.size() - 4);
}

// RFC 5322 §4.5 obs-hdr: white space before the colon is not in the name.
TEST(HeaderFieldTest, WhiteSpaceBeforeTheColonIsNotInTheName) {
  const absl::string_view raw = "Subject \t: x\r\n";
  Read r = ReadAt(raw, 0);
  EXPECT_EQ(r.field.name.In(raw), "Subject");
  EXPECT_TRUE(FieldNameIs(raw, r.field, "SUBJECT"));
}

// Dovecot: "missing ':', assume the whole line is name".
TEST(HeaderFieldTest, LineWithoutColonIsAFieldNamedByTheLine) {
  const absl::string_view raw = "From nobody Mon Jan 1\r\nA: b\r\n";
  Read r = ReadAt(raw, 0);
  ASSERT_EQ(r.kind, HeaderLineKind::kField);
  EXPECT_FALSE(r.field.has_colon);
  EXPECT_EQ(r.field.name.In(raw), "From nobody Mon Jan 1");
  EXPECT_TRUE(r.field.value.empty());
  EXPECT_EQ(r.field.field.In(raw), "From nobody Mon Jan 1\r\n");
}

// A header that ends with the message: no line end, no blank line.
TEST(HeaderFieldTest, FieldAtTheEndWithoutLineEnd) {
  const absl::string_view raw = "A: b\r\nSubject: last";
  Read r = ReadAt(raw, 6);
  EXPECT_EQ(r.field.field.In(raw), "Subject: last");
  EXPECT_EQ(r.field.value.In(raw), " last");
  EXPECT_EQ(r.next, raw.size());
  EXPECT_EQ(r.lf, 0u);
  EXPECT_EQ(ReadAt(raw, raw.size()).kind, HeaderLineKind::kEnd);
}

// A CR that is not followed by LF is content, not a line end.
TEST(HeaderFieldTest, LoneCrIsNotALineEnd) {
  const absl::string_view raw = "A: x\ry\r\n\r\n";
  Read r = ReadAt(raw, 0);
  EXPECT_EQ(r.field.value.In(raw), " x\ry");
  EXPECT_EQ(ReadAt(raw, r.next).kind, HeaderLineKind::kBlankLine);
}

TEST(HeaderFieldTest, UnfoldDropsLineEndsAndNulsAndTrims) {
  EXPECT_EQ(UnfoldHeaderValue(" a\r\n b\n\tc \t"), "a b\tc");
  EXPECT_EQ(UnfoldHeaderValue(std::string(" x\0y ", 5)), "xy");
  EXPECT_EQ(UnfoldHeaderValue(" \r\n "), "");
}

}  // namespace
}  // namespace lemonade::mime
