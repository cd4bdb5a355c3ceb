// The test corpus, testdata/*.eml, against testdata/*.golden: each golden
// file is RenderGolden() of its message (BODYSTRUCTURE, BODY, ENVELOPE,
// every section of every part, BINARY), reviewed by hand when written. On
// a mismatch the test prints the new rendering, so a deliberate behaviour
// change is reviewed and copied in, never regenerated blindly.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "protocol/mime/body_structure.h"
#include "protocol/mime/envelope.h"
#include "protocol/mime/test_support.h"
#include "protocol/mime/testdata_files.h"

namespace lemonade::mime {
namespace {

TEST(CorpusTest, EveryMessageMatchesItsGolden) {
  int checked = 0;
  for (const testing::TestdataFile& f : testing::AllTestdata()) {
    absl::string_view stem = f.name;
    if (!absl::ConsumeSuffix(&stem, ".eml")) continue;
    const std::string golden_name = absl::StrCat(stem, ".golden");
    bool has_golden = false;
    for (const testing::TestdataFile& g : testing::AllTestdata())
      has_golden |= g.name == golden_name;
    ASSERT_TRUE(has_golden) << f.name << " has no " << golden_name;
    const std::string rendered = testing::RenderGolden(f.bytes);
    EXPECT_EQ(rendered, testing::Testdata(golden_name))
        << f.name << " no longer matches " << golden_name << "; new rendering:\n"
        << rendered;
    ++checked;
  }
  EXPECT_GE(checked, 18);
}

// Whatever the corpus holds: the structure keeps its invariants and the
// IMAP forms follow RFC 3501's grammar.
TEST(CorpusTest, EveryMessageIsWellFormedOutput) {
  for (const testing::TestdataFile& f : testing::AllTestdata()) {
    if (!absl::EndsWith(f.name, ".eml")) continue;
    SCOPED_TRACE(f.name);
    MessageStructure s = MessageStructure::Parse(f.bytes, Limits());
    std::string error;
    EXPECT_TRUE(testing::CheckStructure(f.bytes, s, Limits(), &error)) << error;
    for (bool extensible : {false, true}) {
      std::string out;
      imap::ImapWriter w(&out);
      AppendBodyStructure(f.bytes, s, extensible, &w);
      EXPECT_TRUE(testing::IsValidBody(out, extensible, &error)) << error << "\n" << out;
    }
    std::string envelope;
    imap::ImapWriter w(&envelope);
    AppendEnvelope(ParseEnvelope(f.bytes, s, 0), &w);
    EXPECT_TRUE(testing::IsValidEnvelope(envelope, &error)) << error << "\n" << envelope;
  }
}

}  // namespace
}  // namespace lemonade::mime
