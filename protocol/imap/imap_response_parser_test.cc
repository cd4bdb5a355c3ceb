#include "protocol/imap/imap_response_parser.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/imap/imap_event_log.h"
#include "protocol/imap/imap_testdata.h"

namespace lemonade::imap {
namespace {

std::vector<ImapResponse> ParseAll(const std::string& input, size_t chunk,
                                   std::vector<std::string>* names) {
  ImapResponseParser parser;
  std::vector<ImapResponse> out;
  for (size_t off = 0; off < input.size(); off += chunk) {
    absl::string_view piece = absl::string_view(input).substr(off, chunk);
    while (!piece.empty()) {
      ResponseParseResult r = parser.Parse(piece);
      piece.remove_prefix(r.consumed);
      EXPECT_NE(r.event, ResponseEvent::kError) << parser.error();
      if (r.event == ResponseEvent::kResponse) {
        names->push_back(parser.response().name + "/" + parser.response().status);
      }
    }
  }
  return out;
}

// The seed's URLFETCH response carries the message as a literal.
TEST(ImapResponseParserTest, UrlFetchWithLiteral) {
  std::string input =
      "* URLFETCH \"imap://bob.ar@example.org/Sent;UIDVALIDITY=387899045/;uid=45;urlauth=submit+"
      "bob.ar:internal:91354a473744909de610943775f92038\" {10}\r\nhello\r\nbye\r\n"
      "a002 OK URLFETCH completed\r\n";
  ImapResponseParser parser;
  absl::string_view in = input;
  ResponseParseResult r = parser.Parse(in);
  ASSERT_EQ(r.event, ResponseEvent::kResponse) << parser.error();
  const ImapResponse& resp = parser.response();
  EXPECT_EQ(resp.kind, ImapResponse::Kind::kUntagged);
  EXPECT_EQ(resp.name, "URLFETCH");
  ASSERT_EQ(resp.values.size(), 2u);
  EXPECT_EQ(resp.values[1].text, "hello\r\nbye");
  EXPECT_TRUE(resp.values[1].literal);
  in.remove_prefix(r.consumed);
  r = parser.Parse(in);
  ASSERT_EQ(r.event, ResponseEvent::kResponse);
  EXPECT_EQ(parser.response().tag, "a002");
  EXPECT_EQ(parser.response().status, "OK");
  EXPECT_EQ(parser.response().text, "URLFETCH completed");
}

// Status responses split out their response code (RFC 4315 APPENDUID).
TEST(ImapResponseParserTest, ResponseCodes) {
  ImapResponseParser parser;
  ASSERT_EQ(parser.Parse("A003 OK [APPENDUID 38505 3955] APPEND completed\r\n").event,
            ResponseEvent::kResponse);
  EXPECT_EQ(parser.response().code, "APPENDUID");
  EXPECT_EQ(parser.response().code_args, "38505 3955");
  EXPECT_EQ(parser.response().text, "APPEND completed");
}

// FETCH data with nested lists, section names and escaped strings, at every split.
TEST(ImapResponseParserTest, FetchDataAtEverySplit) {
  std::string input =
      "* 12 FETCH (FLAGS (\\Seen $Forwarded) UID 7 BODY[HEADER.FIELDS (FROM TO)]<0> {5}\r\n"
      "ab\r\nc ENVELOPE (\"d\" \"say \\\"hi\\\"\" NIL))\r\n"
      "+ Ready\r\n"
      "* VANISHED (EARLIER) 41,43:116\r\n";
  std::vector<std::string> whole;
  ParseAll(input, input.size(), &whole);
  ASSERT_EQ(whole.size(), 3u);
  for (size_t chunk = 1; chunk < input.size(); ++chunk) {
    std::vector<std::string> names;
    ParseAll(input, chunk, &names);
    ASSERT_EQ(names, whole) << "chunk " << chunk;
  }
  ImapResponseParser parser;
  ASSERT_EQ(parser.Parse(input).event, ResponseEvent::kResponse);
  const ImapResponse& r = parser.response();
  EXPECT_EQ(r.number, 12u);
  ASSERT_EQ(r.values.size(), 1u);
  const ImapValue& items = r.values[0];
  ASSERT_NE(items.Find("UID"), nullptr);
  EXPECT_EQ(items.Find("UID")->number, 7u);
  ASSERT_NE(items.Find("BODY[HEADER.FIELDS (FROM TO)]<0>"), nullptr);
  EXPECT_EQ(items.Find("BODY[HEADER.FIELDS (FROM TO)]<0>")->text, "ab\r\nc");
  EXPECT_EQ(items.Find("ENVELOPE")->list[1].text, "say \"hi\"");
  EXPECT_EQ(items.Find("FLAGS")->list[1].text, "$Forwarded");
}

// ---- Conformance vectors (testdata/responses_*.txt) ----------------------

std::string Show(const std::vector<std::string>& log) { return absl::StrJoin(log, "\n"); }

std::vector<ImapVector> ResponseVectors() {
  std::vector<std::string> problems;
  std::vector<ImapVector> vectors = LoadImapVectors("responses_", &problems);
  EXPECT_THAT(problems, ::testing::IsEmpty());
  return vectors;
}

// Every vector of testdata/responses_*.txt gives its event log fed whole.
TEST(ImapResponseParserTest, ConformanceVectorsWhole) {
  const std::vector<ImapVector> vectors = ResponseVectors();
  ASSERT_GE(vectors.size(), 30u);
  for (const ImapVector& v : vectors) {
    EXPECT_FALSE(v.expected.empty()) << v.file << ": " << v.name;
    EXPECT_EQ(Show(RecordImapResponseEvents({v.input}, v.limits)), Show(v.expected))
        << v.file << ": " << v.name;
  }
}

// ... cut at every offset, fed one octet at a time, and in chunks of every
// size.
TEST(ImapResponseParserTest, ConformanceVectorsAtEverySplitPoint) {
  for (const ImapVector& v : ResponseVectors()) {
    const std::string expected = Show(v.expected);
    for (size_t cut = 0; cut <= v.input.size(); ++cut) {
      ASSERT_EQ(Show(RecordImapResponseEventsSplit(v.input, {cut}, v.limits)), expected)
          << v.file << ": " << v.name << " cut at " << cut;
    }
    EXPECT_EQ(Show(RecordImapResponseEventsBytewise(v.input, v.limits)), expected)
        << v.file << ": " << v.name;
    for (size_t chunk = 2; chunk < v.input.size(); ++chunk) {
      std::vector<size_t> cuts;
      for (size_t c = chunk; c < v.input.size(); c += chunk) cuts.push_back(c);
      ASSERT_EQ(Show(RecordImapResponseEventsSplit(v.input, cuts, v.limits)), expected)
          << v.file << ": " << v.name << " chunk " << chunk;
    }
  }
}

// ... and cut at several pseudo-random offsets at once (fixed seed).
TEST(ImapResponseParserTest, ConformanceVectorsAtRandomSplits) {
  uint64_t state = 0x2b7;
  auto next = [&state](uint64_t bound) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return bound == 0 ? 0 : (state >> 33) % bound;
  };
  for (const ImapVector& v : ResponseVectors()) {
    for (int round = 0; round < 50; ++round) {
      std::vector<size_t> cuts;
      for (size_t c = next(v.input.size() / 4 + 1); c < v.input.size(); c += 1 + next(12)) {
        cuts.push_back(c);
      }
      ASSERT_EQ(Show(RecordImapResponseEventsSplit(v.input, cuts, v.limits)), Show(v.expected))
          << v.file << ": " << v.name << " seed=0x2b7 round " << round;
    }
  }
}

// ---- The parser's API -----------------------------------------------------

// The multipart BODYSTRUCTURE our server writes (bodies without SP between
// them, RFC 3501 §9 body-type-mpart) reads back as a list of lists.
TEST(ImapResponseParserTest, MultipartBodyStructureWithoutSpaces) {
  ImapResponseParser parser;
  ASSERT_EQ(parser.Parse("* 3 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)"
                         "((\"text\" \"html\" NIL NIL NIL \"7bit\" 2 1)(\"image\" \"png\" NIL NIL "
                         "NIL \"base64\" 3) \"related\") \"mixed\"))\r\n")
                .event,
            ResponseEvent::kResponse)
      << parser.error();
  const ImapValue* bs = parser.response().values[0].Find("BODYSTRUCTURE");
  ASSERT_NE(bs, nullptr);
  ASSERT_EQ(bs->list.size(), 3u);
  EXPECT_EQ(bs->list[0].type, ImapValue::Type::kList);
  ASSERT_EQ(bs->list[1].list.size(), 3u);
  EXPECT_EQ(bs->list[1].list[1].list[1].text, "png");
  EXPECT_EQ(bs->list[1].list[2].text, "related");
  EXPECT_EQ(bs->list[2].text, "mixed");
  // Only lists may follow lists without SP.
  EXPECT_EQ(parser.Parse("* X (a(b))\r\n").event, ResponseEvent::kError);
  EXPECT_EQ(parser.Parse("* X ((a)b)\r\n").event, ResponseEvent::kError);
}

// Find() looks up FETCH items by exact name; AsNString() maps NIL to nullopt.
TEST(ImapResponseParserTest, ValueLookups) {
  ImapResponseParser parser;
  ASSERT_EQ(parser.Parse("* 1 FETCH (uid 5 BODY[1] NIL BODY[1]<0> \"x\" FLAGS ())\r\n").event,
            ResponseEvent::kResponse);
  const ImapValue& items = parser.response().values[0];
  ASSERT_NE(items.Find("UID"), nullptr);
  EXPECT_EQ(items.Find("UID")->number, 5u);
  EXPECT_EQ(items.Find("BODY[1]")->AsNString(), std::nullopt);
  EXPECT_EQ(items.Find("BODY[1]<0>")->AsNString(), "x");
  EXPECT_EQ(items.Find("BODY[2]"), nullptr);
  EXPECT_EQ(items.Find("5"), nullptr);  // values are not keys
  EXPECT_TRUE(items.Find("FLAGS")->list.empty());
  EXPECT_TRUE(items.list[0].IsAtom("UID"));
  EXPECT_FALSE(items.list[1].IsAtom("5"));
}

// raw is the whole frame; the code, its arguments and the text are views.
TEST(ImapResponseParserTest, StatusResponsePartsAreViews) {
  ImapResponseParser parser;
  const std::string input = "A1 ok [COPYUID 38505 304,319:320 3956:3958] Done\r\n";
  ASSERT_EQ(parser.Parse(input).event, ResponseEvent::kResponse);
  const ImapResponse& r = parser.response();
  EXPECT_EQ(r.kind, ImapResponse::Kind::kTagged);
  EXPECT_EQ(r.status, "OK");
  EXPECT_EQ(r.raw, input);
  EXPECT_EQ(r.code, "COPYUID");
  EXPECT_EQ(r.code_args, "38505 304,319:320 3956:3958");
  EXPECT_EQ(r.text, "Done");
  EXPECT_GE(r.code.data(), r.raw.data());
  EXPECT_LE(r.text.data() + r.text.size(), r.raw.data() + r.raw.size());
}

// A status word after a message number is a data response name.
TEST(ImapResponseParserTest, NumberedOkIsData) {
  ImapResponseParser parser;
  ASSERT_EQ(parser.Parse("* 3 OK x\r\n").event, ResponseEvent::kResponse);
  EXPECT_EQ(parser.response().status, "");
  EXPECT_EQ(parser.response().name, "OK");
  EXPECT_EQ(parser.response().number, 3u);
}

}  // namespace
}  // namespace lemonade::imap
