#include "protocol/imap/imap_response_parser.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

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

}  // namespace
}  // namespace lemonade::imap
