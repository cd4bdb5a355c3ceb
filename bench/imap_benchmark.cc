// IMAP wire-layer throughput: command parsing (a command-heavy mix of
// typical client traffic, and literal-heavy APPEND) and FETCH response
// formatting with ImapWriter, in MB/s beside a memcpy baseline in the same
// binary (issue 3's aims: literal-heavy parsing and response formatting
// within 2x of memcpy; command-heavy parsing at least 300 MB/s).
//
//   bazel run --config=opt //bench:imap_benchmark
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "protocol/imap/imap_command_parser.h"
#include "protocol/imap/imap_writer.h"

namespace lemonade::imap {
namespace {

// A fixed pseudo-random stream (LCG), so every run measures the same input.
class Lcg {
 public:
  uint32_t Next(uint32_t bound) {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>((state_ >> 33) % bound);
  }

 private:
  uint64_t state_ = 0x1ead;
};

// Message-like text: 76-column lines of printable ASCII.
std::string MessageText(size_t bytes) {
  std::string s;
  s.reserve(bytes);
  Lcg rng;
  while (s.size() < bytes) {
    if (s.size() % 78 == 76) {
      s += "\r\n";
    } else {
      s.push_back(static_cast<char>(' ' + rng.Next(95)));
    }
  }
  s.resize(bytes);
  return s;
}

// Typical client traffic of a synchronising mail client: flag changes and
// header fetches by UID, searches, polling, mailbox status.
std::string CommandMix(size_t bytes) {
  std::string s;
  Lcg rng;
  for (uint32_t n = 1; s.size() < bytes; ++n) {
    const uint32_t uid = 1000 + rng.Next(50000);
    switch (rng.Next(10)) {
      case 0:
        absl::StrAppend(&s, "a", n, " UID FETCH ", uid, ":", uid + rng.Next(500),
                        " (UID FLAGS MODSEQ) (CHANGEDSINCE ", 100000 + rng.Next(99999), ")\r\n");
        break;
      case 1:
        absl::StrAppend(&s, "a", n, " UID FETCH ", uid,
                        " (UID RFC822.SIZE FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (From To "
                        "Cc Subject Date Message-ID References In-Reply-To)])\r\n");
        break;
      case 2:
        absl::StrAppend(&s, "a", n, " UID FETCH ", uid, " (BODYSTRUCTURE BODY.PEEK[1]<0.2048>)\r\n");
        break;
      case 3:
        absl::StrAppend(&s, "a", n, " UID STORE ", uid, ",", uid + 3, ":", uid + 9,
                        " +FLAGS.SILENT (\\Seen)\r\n");
        break;
      case 4:
        absl::StrAppend(&s, "a", n, " UID STORE ", uid, " (UNCHANGEDSINCE ", 100000 + rng.Next(9999),
                        ") -FLAGS (\\Flagged $Important)\r\n");
        break;
      case 5:
        absl::StrAppend(&s, "a", n, " UID SEARCH RETURN (MIN MAX COUNT) UNSEEN SINCE 1-Feb-2024\r\n");
        break;
      case 6:
        absl::StrAppend(&s, "a", n, " UID SEARCH OR FROM \"alice@example.org\" SUBJECT report "
                        "NOT DELETED\r\n");
        break;
      case 7:
        absl::StrAppend(&s, "a", n, " NOOP\r\n");
        break;
      case 8:
        absl::StrAppend(&s, "a", n, " STATUS INBOX (MESSAGES UNSEEN UIDNEXT HIGHESTMODSEQ)\r\n");
        break;
      case 9:
        absl::StrAppend(&s, "a", n, " UID EXPUNGE ", uid, ":", uid + 2, "\r\n");
        break;
    }
  }
  return s;
}

// Parses `input` fed in pieces of `chunk` octets; returns the commands.
size_t ParseAll(ImapCommandParser& parser, absl::string_view input, size_t chunk) {
  size_t commands = 0;
  for (size_t off = 0; off < input.size(); off += chunk) {
    absl::string_view piece = input.substr(off, chunk);
    while (!piece.empty()) {
      ParseResult r = parser.Parse(piece);
      piece.remove_prefix(r.consumed);
      if (r.event == ParseEvent::kCommand) ++commands;
    }
  }
  return commands;
}

void BM_Memcpy(benchmark::State& state) {
  std::string src(state.range(0), 'x');
  std::string dst(state.range(0), '\0');
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Memcpy)->Arg(64 << 10)->Arg(1 << 20);

// Command-heavy parsing: 64 KB of the mix, fed whole (arg 0) or in TCP-sized
// pieces of 1460 octets.
void BM_ParseCommandMix(benchmark::State& state) {
  const std::string input = CommandMix(64 << 10);
  const size_t chunk = state.range(0) == 0 ? input.size() : state.range(0);
  ImapCommandParser parser;
  size_t commands = 0;
  for (auto _ : state) {
    commands = ParseAll(parser, input, chunk);
    benchmark::DoNotOptimize(commands);
  }
  state.SetBytesProcessed(state.iterations() * input.size());
  state.counters["commands"] = static_cast<double>(commands);
  state.counters["ns/command"] = benchmark::Counter(
      static_cast<double>(commands) * state.iterations(),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ParseCommandMix)->Arg(0)->Arg(1460);

// Literal-heavy parsing: APPEND of a message of range(0) octets as a
// non-synchronizing literal, fed in 64 KB pieces.
void BM_ParseAppendLiteral(benchmark::State& state) {
  const std::string message = MessageText(state.range(0));
  const std::string input = absl::StrCat("a1 APPEND INBOX (\\Seen) \"17-Jul-1996 02:44:25 -0700\" {",
                                         message.size(), "+}\r\n", message, "\r\n");
  ImapCommandParser parser;
  for (auto _ : state) {
    size_t commands = ParseAll(parser, input, 64 << 10);
    if (commands != 1) state.SkipWithError("APPEND did not parse");
  }
  state.SetBytesProcessed(state.iterations() * input.size());
}
BENCHMARK(BM_ParseAppendLiteral)->Arg(64 << 10)->Arg(1 << 20);

// Response formatting, flags: "* n FETCH (UID u FLAGS (...) MODSEQ (m))"
// lines, 64 KB of them per iteration.
void BM_FormatFetchFlags(benchmark::State& state) {
  std::string out;
  out.reserve(80 << 10);
  size_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    ImapWriter w(&out);
    for (uint32_t n = 1; out.size() < (64 << 10); ++n) {
      w.Raw("* ").Number(n).Raw(" FETCH (UID ").Number(4000 + n).Raw(" FLAGS (");
      w.Raw(n % 3 == 0 ? "\\Seen \\Answered $Forwarded" : "\\Seen").Raw(") MODSEQ (");
      w.Number(90060115194045000ull + n).Raw("))").Crlf();
    }
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_FormatFetchFlags);

// Response formatting, bodies: "* n FETCH (UID u BODY[] {size}\r\n...)" for
// messages of range(0) octets, the literal checked for NUL (literal8).
void BM_FormatFetchBody(benchmark::State& state) {
  const std::string message = MessageText(state.range(0));
  std::string out;
  out.reserve(message.size() + 256);
  for (auto _ : state) {
    out.clear();
    ImapWriter w(&out);
    w.Raw("* 12 FETCH (UID 4827313 BODY[] ").Literal8IfNeeded(message).CloseList().Crlf();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * out.size());
}
BENCHMARK(BM_FormatFetchBody)->Arg(64 << 10)->Arg(1 << 20);

}  // namespace
}  // namespace lemonade::imap
