#include "protocol/imap/imap_writer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "protocol/imap/imap_command_parser.h"
#include "protocol/imap/imap_event_log.h"
#include "protocol/imap/imap_response_parser.h"

namespace lemonade::imap {
namespace {

using namespace std::string_literals;

std::string Write(void (*write)(ImapWriter&, absl::string_view), absl::string_view s) {
  std::string out;
  ImapWriter w(&out);
  write(w, s);
  return out;
}
void WriteString(ImapWriter& w, absl::string_view s) { w.String(s); }
void WriteAString(ImapWriter& w, absl::string_view s) { w.AString(s); }
void WriteLiteral8(ImapWriter& w, absl::string_view s) { w.Literal8IfNeeded(s); }

// Strings that exercise every choice the writer makes.
std::vector<std::string> TrickyStrings() {
  std::vector<std::string> out = {
      "", "INBOX", "NIL", "nil", "Nil", "NILS", "a b", "a\"b", "a\\b", "\\Seen", "a]b", "a[b",
      "a<b", "~/Mail/foo", "#news.", "x{5}", "{5}", "~{3}", "(", ")", "a%b", "a*b", "\t", "\x01",
      "\x7f", "caf\xc3\xa9", "line\r\nbreak", "cr\r", "lf\n", "nul\0byte"s, "\0"s, "\"", "\\",
      "trailing space ", " leading", "123", "0", "18446744073709551616",
      std::string(ImapWriter::kQuotedBytesMax, 'q'), std::string(ImapWriter::kQuotedBytesMax + 1, 'q')};
  // Every octet on its own.
  for (int c = 0; c < 256; ++c) out.push_back(std::string(1, static_cast<char>(c)));
  // Pseudo-random strings (fixed seed) over a small, hostile alphabet.
  uint64_t state = 0x3a1;
  const std::string alphabet = "a \"\\(){}[]<>~*%\r\n\0\x80\xff+-NIL"s;
  for (int i = 0; i < 300; ++i) {
    std::string s;
    state = state * 6364136223846793005u + 1442695040888963407u;
    const size_t n = (state >> 33) % 12;
    for (size_t k = 0; k < n; ++k) {
      state = state * 6364136223846793005u + 1442695040888963407u;
      s.push_back(alphabet[(state >> 33) % alphabet.size()]);
    }
    out.push_back(s);
  }
  return out;
}

// Atoms stay bare, the rest is quoted with escapes; quoting needs 7-bit
// text without CR, LF and NUL (RFC 3501 §4.3).
TEST(ImapWriterTest, ChoosesAtomQuotedOrLiteral) {
  EXPECT_EQ(Write(WriteAString, "INBOX"), "INBOX");
  EXPECT_EQ(Write(WriteAString, "a]b"), "a]b");
  EXPECT_EQ(Write(WriteAString, "a b"), "\"a b\"");
  EXPECT_EQ(Write(WriteAString, ""), "\"\"");
  EXPECT_EQ(Write(WriteString, "INBOX"), "\"INBOX\"");
  EXPECT_EQ(Write(WriteString, "say \"hi\" \\o/"), "\"say \\\"hi\\\" \\\\o/\"");
  EXPECT_EQ(Write(WriteString, "caf\xc3\xa9"), "{5}\r\ncaf\xc3\xa9");
  EXPECT_EQ(Write(WriteString, "a\r\nb"), "{4}\r\na\r\nb");
  EXPECT_EQ(Write(WriteString, std::string(ImapWriter::kQuotedBytesMax + 1, 'q')),
            absl::StrCat("{1025}\r\n", std::string(1025, 'q')));
}

// "NIL" as a bare astring would read back as nil, so it is quoted, in any
// case.
TEST(ImapWriterTest, NilAsAStringIsQuoted) {
  EXPECT_EQ(Write(WriteAString, "NIL"), "\"NIL\"");
  EXPECT_EQ(Write(WriteAString, "nIl"), "\"nIl\"");
  EXPECT_EQ(Write(WriteAString, "NILS"), "NILS");
  std::string out;
  ImapWriter w(&out);
  w.NString(std::optional<absl::string_view>()).Space().NString(std::optional<std::string>("NIL"));
  EXPECT_EQ(out, "NIL \"NIL\"");
}

// A NUL needs literal8 (RFC 3516); other octets fit a plain literal.
TEST(ImapWriterTest, NulNeedsLiteral8) {
  EXPECT_EQ(Write(WriteLiteral8, "a\0b"s), "~{3}\r\na\0b"s);
  EXPECT_EQ(Write(WriteLiteral8, "a\xff\r\n"), "{4}\r\na\xff\r\n");
  EXPECT_EQ(Write(WriteLiteral8, ""), "{0}\r\n");
}

// Numbers, lists and spaces are written as they are.
TEST(ImapWriterTest, NumbersListsAndRaw) {
  std::string out;
  ImapWriter w(&out);
  w.Raw("* 1 FETCH ").OpenList().Raw("UID ").Number(18446744073709551615u).Space().Raw("X ");
  w.Nil().CloseList().Crlf();
  EXPECT_EQ(out, "* 1 FETCH (UID 18446744073709551615 X NIL)\r\n");
  EXPECT_EQ(w.buffer(), &out);
}

// The predicates agree with the grammar's character classes.
TEST(ImapWriterTest, Predicates) {
  EXPECT_TRUE(IsAtom("abc"));
  EXPECT_FALSE(IsAtom(""));
  EXPECT_FALSE(IsAtom("a]"));
  EXPECT_FALSE(IsAtom("a b"));
  EXPECT_TRUE(IsAstringAtom("a]"));
  EXPECT_FALSE(IsAstringAtom("a%"));
  EXPECT_TRUE(CanBeQuoted("a \"b\" \\ \t\x01"));
  EXPECT_FALSE(CanBeQuoted("a\rb"));
  EXPECT_FALSE(CanBeQuoted("\0"s));
  EXPECT_FALSE(CanBeQuoted("\x80"));
}

// Every string written as a string, astring or literal8 reads back
// identically with the response parser (the client side).
TEST(ImapWriterTest, RoundTripsThroughTheResponseParser) {
  for (const std::string& s : TrickyStrings()) {
    std::string out = "* X ";
    ImapWriter w(&out);
    w.AString(s).Space().Literal8IfNeeded(s);
    if (s.find('\0') == std::string::npos) w.Space().String(s).Space().Literal(s);
    w.Space().OpenList().AString(s).CloseList().Crlf();
    ImapResponseParser parser;
    ResponseParseResult r = parser.Parse(out);
    ASSERT_EQ(r.event, ResponseEvent::kResponse)
        << QuoteForLog(s) << " as " << QuoteForLog(out) << ": " << parser.error();
    ASSERT_EQ(r.consumed, out.size()) << QuoteForLog(out);
    const std::vector<ImapValue>& v = parser.response().values;
    const bool nul = s.find('\0') != std::string::npos;
    ASSERT_EQ(v.size(), nul ? 3u : 5u) << QuoteForLog(out);
    for (size_t i = 0; i + 1 < v.size(); ++i) {
      // An astring may come back as an atom (or a number), never as NIL.
      ASSERT_NE(v[i].type, ImapValue::Type::kNil) << QuoteForLog(out);
      EXPECT_EQ(v[i].text, s) << QuoteForLog(out) << " value " << i;
    }
    ASSERT_EQ(v.back().list.size(), 1u) << QuoteForLog(out);
    EXPECT_EQ(v.back().list[0].text, s) << QuoteForLog(out);
  }
}

// Feeds one whole command, answering its synchronizing literals, and
// returns the command's event.
ParseResult ParseCommand(ImapCommandParser& parser, absl::string_view input) {
  while (true) {
    ParseResult r = parser.Parse(input);
    input.remove_prefix(r.consumed);
    if (r.event != ParseEvent::kContinuation) {
      EXPECT_TRUE(input.empty() || r.event == ParseEvent::kNeedMore);
      return r;
    }
  }
}

// Every string written as an astring reads back identically with the
// command parser (the server side), and as literal8 in APPEND.
TEST(ImapWriterTest, RoundTripsThroughTheCommandParser) {
  for (const std::string& s : TrickyStrings()) {
    std::string out = "A1 LOGIN ";
    ImapWriter w(&out);
    w.AString(s).Space().AString(s).Crlf();
    ImapCommandParser parser;
    const ParseResult r = ParseCommand(parser, out);
    if (s.find('\0') != std::string::npos) {
      // A NUL cannot be in a string (RFC 3501 §4.3), even as a literal.
      EXPECT_EQ(r.event, ParseEvent::kError) << QuoteForLog(out);
      continue;
    }
    ASSERT_EQ(r.event, ParseEvent::kCommand) << QuoteForLog(out) << ": " << parser.error().text;
    EXPECT_EQ(parser.command().user, s) << QuoteForLog(out);
    EXPECT_EQ(parser.command().password, s) << QuoteForLog(out);
  }
  for (const std::string& s : TrickyStrings()) {
    std::string out = "A2 APPEND INBOX ";
    ImapWriter(&out).Literal8IfNeeded(s).Crlf();
    ImapCommandParser parser;
    ASSERT_EQ(ParseCommand(parser, out).event, ParseEvent::kCommand) << QuoteForLog(out);
    ASSERT_EQ(parser.command().append.size(), 1u);
    EXPECT_EQ(parser.command().append[0].data, s);
    EXPECT_EQ(parser.command().append[0].binary, s.find('\0') != std::string::npos);
  }
}

}  // namespace
}  // namespace lemonade::imap
