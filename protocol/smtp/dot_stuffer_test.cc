#include "protocol/smtp/dot_stuffer.h"

#include <cstdint>
#include <string>

#include "gtest/gtest.h"
#include "protocol/smtp/smtp_command_parser.h"

namespace lemonade::smtp {
namespace {

// Receives `wire` (the bytes after "DATA\r\n") with the command parser and
// returns the unstuffed content; "" plus a failure if it never ends.
std::string Unstuff(absl::string_view wire) {
  SmtpCommandParser parser;
  parser.BeginData();
  std::string content;
  while (true) {
    SmtpParseResult r = parser.Parse(wire);
    wire.remove_prefix(r.consumed);
    if (r.event.kind == SmtpEvent::Kind::kDataChunk) {
      content.append(r.event.data.data(), r.event.data.size());
    } else if (r.event.kind == SmtpEvent::Kind::kDataEnd) {
      EXPECT_TRUE(wire.empty()) << "bytes after the end mark";
      return content;
    } else {
      ADD_FAILURE() << "no end of data";
      return "";
    }
  }
}

// What the receiver should see: CRLF line ends and a final line end.
std::string Canonical(absl::string_view content) {
  std::string out;
  for (size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '\r') {
      out.append("\r\n");
      if (i + 1 < content.size() && content[i + 1] == '\n') ++i;
    } else if (content[i] == '\n') {
      out.append("\r\n");
    } else {
      out.push_back(content[i]);
    }
  }
  if (!out.empty() && (out.size() < 2 || out.substr(out.size() - 2) != "\r\n")) {
    out.append("\r\n");
  }
  return out;
}

// RFC 5321 §4.5.2: a leading dot is doubled; the end mark is added.
TEST(DotStufferTest, StuffsLeadingDots) {
  EXPECT_EQ(DotStuff(""), ".\r\n");
  EXPECT_EQ(DotStuff("a\r\n"), "a\r\n.\r\n");
  EXPECT_EQ(DotStuff("a"), "a\r\n.\r\n");
  EXPECT_EQ(DotStuff(".\r\n"), "..\r\n.\r\n");
  EXPECT_EQ(DotStuff("x.\r\n.y\r\n..\r\n"), "x.\r\n..y\r\n...\r\n.\r\n");
  EXPECT_EQ(DotStuff(".a"), "..a\r\n.\r\n");
}

// Bare LF and bare CR become CRLF, so no receiver can see a different end.
TEST(DotStufferTest, NormalisesLineEnds) {
  EXPECT_EQ(DotStuff("a\n.\nb"), "a\r\n..\r\nb\r\n.\r\n");
  EXPECT_EQ(DotStuff("a\r.\rb"), "a\r\n..\r\nb\r\n.\r\n");
  EXPECT_EQ(DotStuff("a\r\r\n"), "a\r\n\r\n.\r\n");
}

// Appending in pieces gives the same bytes, whatever the cut (a CRLF or a
// leading dot split across pieces included).
TEST(DotStufferTest, PiecesDoNotMatter) {
  const std::string content = "Hi\r\n.x\r\n\r\n..\n.\r.\r\nend";
  const std::string whole = DotStuff(content);
  for (size_t cut = 0; cut <= content.size(); ++cut) {
    std::string wire;
    DotStuffer stuffer;
    stuffer.Append(content.substr(0, cut), &wire);
    stuffer.Append(content.substr(cut), &wire);
    stuffer.Finish(&wire);
    EXPECT_EQ(wire, whole) << "cut at " << cut;
  }
}

// The receiver undoes exactly what the sender did: unstuff(stuff(x)) is x
// with canonical line ends, for pseudo-random x over a hostile alphabet.
TEST(DotStufferTest, RoundTripsThroughTheReceiver) {
  uint64_t state = 42;
  const char alphabet[] = {'.', '\r', '\n', 'a', ' ', '\0'};
  for (int round = 0; round < 2000; ++round) {
    std::string content;
    const int length = round % 40;
    for (int i = 0; i < length; ++i) {
      state = state * 6364136223846793005u + 1442695040888963407u;
      content.push_back(alphabet[(state >> 33) % sizeof(alphabet)]);
    }
    EXPECT_EQ(Unstuff(DotStuff(content)), Canonical(content))
        << "seed=42 round " << round;
  }
  // A finished stuffer starts the next message cleanly.
  DotStuffer stuffer;
  std::string wire;
  stuffer.Append("a", &wire);
  stuffer.Finish(&wire);
  stuffer.Append(".b", &wire);
  stuffer.Finish(&wire);
  EXPECT_EQ(wire, "a\r\n.\r\n..b\r\n.\r\n");
}

}  // namespace
}  // namespace lemonade::smtp
