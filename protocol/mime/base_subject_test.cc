#include "protocol/mime/base_subject.h"

#include "gtest/gtest.h"
#include "protocol/mime/charset.h"
#include "protocol/mime/encoded_words.h"

namespace lemonade::mime {
namespace {

// Each rule of RFC 5256 §2.1, and their combinations.
TEST(BaseSubjectTest, ReplyAndForwardMarkersAreRemoved) {
  EXPECT_EQ(BaseSubject("Re: Lunch"), "Lunch");
  EXPECT_EQ(BaseSubject("RE: re: Re:Lunch"), "Lunch");
  EXPECT_EQ(BaseSubject("Fw: Lunch"), "Lunch");
  EXPECT_EQ(BaseSubject("FWD:Lunch"), "Lunch");
  EXPECT_EQ(BaseSubject("Re : Lunch"), "Lunch");           // *WSP before ":"
  EXPECT_EQ(BaseSubject("Re[2]: Lunch"), "Lunch");         // [subj-blob] in subj-refwd
  EXPECT_EQ(BaseSubject("Re [list]  : Lunch"), "Lunch");
  EXPECT_EQ(BaseSubject("Ree: Lunch"), "Ree: Lunch");      // not a marker
  EXPECT_EQ(BaseSubject("Reply: Lunch"), "Reply: Lunch");
  EXPECT_EQ(BaseSubject("Re: "), "");
}

TEST(BaseSubjectTest, TrailersAreRemoved) {
  EXPECT_EQ(BaseSubject("Lunch (fwd)"), "Lunch");
  EXPECT_EQ(BaseSubject("Lunch (FWD) (fwd)  "), "Lunch");
  EXPECT_EQ(BaseSubject("Lunch(fwd)"), "Lunch");
  EXPECT_EQ(BaseSubject("Lunch (fwd) later"), "Lunch (fwd) later");
}

TEST(BaseSubjectTest, BlobsGoUnlessNothingWouldRemain) {
  EXPECT_EQ(BaseSubject("[lemonade] Lunch"), "Lunch");
  EXPECT_EQ(BaseSubject("[a][b] Re: [c] Lunch"), "Lunch");
  EXPECT_EQ(BaseSubject("[lemonade]"), "[lemonade]");
  EXPECT_EQ(BaseSubject("[a] [b]"), "[b]");
  EXPECT_EQ(BaseSubject("[unclosed Lunch"), "[unclosed Lunch");
  EXPECT_EQ(BaseSubject("Re: [lemonade] Fwd: Meeting (fwd)"), "Meeting");
}

TEST(BaseSubjectTest, ForwardWrappersAreUnwrappedAndRestartTheRules) {
  EXPECT_EQ(BaseSubject("[fwd: Lunch]"), "Lunch");
  EXPECT_EQ(BaseSubject("[Fwd: Re: Lunch (fwd)]"), "Lunch");
  EXPECT_EQ(BaseSubject("Re: [fwd: [fwd: Lunch]]"), "Lunch");
  EXPECT_EQ(BaseSubject("[fwd: Lunch"), "[fwd: Lunch");
}

TEST(BaseSubjectTest, WhiteSpaceIsCollapsed) {
  EXPECT_EQ(BaseSubject("  Lunch \t at\t\tnoon  "), "Lunch at noon");
  EXPECT_EQ(BaseSubject(""), "");
}

// Step (1) starts from decoded text: encoded words are decoded first, so a
// marker inside one still counts.
TEST(BaseSubjectTest, EncodedWordsAreDecodedFirst) {
  CharsetConverter converter;
  EXPECT_EQ(BaseSubject(DecodeHeaderText("=?UTF-8?Q?Re=3A_caf=C3=A9?=", &converter)),
            "caf\xC3\xA9");
  EXPECT_EQ(BaseSubject(DecodeHeaderText("Re: =?ISO-8859-1?Q?Andr=E9?= (fwd)", &converter)),
            "Andr\xC3\xA9");
}

}  // namespace
}  // namespace lemonade::mime
