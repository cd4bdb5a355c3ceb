// SMTP wire-layer throughput: DATA dot-unstuffing (the submission server's
// hot path for every message), pipelined command parsing, reply parsing and
// client-side dot-stuffing, each in MB/s beside the machine's memcpy in the
// same binary (see baseline_benchmark.cc), so results read as ratios.
//
//   bazel run --config=opt //bench:smtp_benchmark
#include <cstring>
#include <string>

#include "benchmark/benchmark.h"
#include "protocol/smtp/dot_stuffer.h"
#include "protocol/smtp/smtp_command_parser.h"
#include "protocol/smtp/smtp_reply_parser.h"

namespace lemonade::smtp {
namespace {

// How much a socket read hands the parser at once.
constexpr size_t kReadOctets = 64 << 10;

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

// A message of ~1 MiB: 76-octet text lines, one in `dot_every` starting
// with a dot (0: none), as DotStuffer sends it.
std::string MakeStuffedMessage(int dot_every) {
  std::string content;
  int line = 0;
  while (content.size() < (1 << 20)) {
    if (dot_every > 0 && line % dot_every == 0) content.push_back('.');
    content.append(
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod te\r\n");
    ++line;
  }
  return DotStuff(content);
}

// The server side of DATA: unstuff and find CRLF.CRLF, reading 64 KiB at a
// time. Bytes are wire octets.
void DataUnstuff(benchmark::State& state, int dot_every) {
  const std::string wire = MakeStuffedMessage(dot_every);
  uint64_t content_octets = 0;
  for (auto _ : state) {
    SmtpCommandParser parser;
    parser.BeginData();
    bool done = false;
    for (size_t offset = 0; offset < wire.size() && !done; offset += kReadOctets) {
      absl::string_view read = absl::string_view(wire).substr(offset, kReadOctets);
      while (true) {
        SmtpParseResult r = parser.Parse(read);
        read.remove_prefix(r.consumed);
        if (r.event.kind == SmtpEvent::Kind::kNeedMore) break;
        if (r.event.kind == SmtpEvent::Kind::kDataEnd) {
          content_octets = r.event.data_summary.octets;
          done = true;
          break;
        }
        benchmark::DoNotOptimize(r.event.data.data());
      }
    }
    if (!done) state.SkipWithError("no end of data");
  }
  state.SetBytesProcessed(state.iterations() * wire.size());
  state.counters["content_octets"] = static_cast<double>(content_octets);
}

void BM_SmtpDataUnstuff(benchmark::State& state) { DataUnstuff(state, 0); }
BENCHMARK(BM_SmtpDataUnstuff);

// Worst realistic case: every 4th line starts with a stuffed dot, so the
// content comes out in many short views.
void BM_SmtpDataUnstuffDotHeavy(benchmark::State& state) { DataUnstuff(state, 4); }
BENCHMARK(BM_SmtpDataUnstuffDotHeavy);

// A pipelined submission transaction (RFC 2920), repeated to ~64 KiB and
// parsed command by command.
void BM_SmtpCommandParsing(benchmark::State& state) {
  const std::string transaction =
      "MAIL FROM:<harry@gryffindor.example.com> SIZE=24567 BODY=8BITMIME RET=HDRS "
      "ENVID=QQ314159\r\n"
      "RCPT TO:<ron@gryffindor.example.com> NOTIFY=SUCCESS,FAILURE "
      "ORCPT=rfc822;ron@gryffindor.example.com\r\n"
      "RCPT TO:<hermione@gryffindor.example.com>\r\n"
      "RCPT TO:<\"Neville Longbottom\"@[192.0.2.7]>\r\n"
      "BURL imap://harry@gryffindor.example.com/outbox;uidvalidity=1078863300/;uid=25;"
      "urlauth=submit+harry:internal:91354a473744909de610943775f92038 LAST\r\n"
      "RSET\r\nNOOP\r\n";
  std::string stream;
  while (stream.size() < (64 << 10)) stream += transaction;
  size_t commands = 0;
  for (auto _ : state) {
    SmtpCommandParser parser;
    absl::string_view rest = stream;
    while (true) {
      SmtpParseResult r = parser.Parse(rest);
      rest.remove_prefix(r.consumed);
      if (r.event.kind == SmtpEvent::Kind::kNeedMore) break;
      benchmark::DoNotOptimize(r.event.command.path.domain.data());
      ++commands;
    }
  }
  state.SetBytesProcessed(state.iterations() * stream.size());
  state.counters["commands/s"] =
      benchmark::Counter(static_cast<double>(commands), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SmtpCommandParsing);

// The client agent reading pipelined replies with enhanced status codes.
void BM_SmtpReplyParsing(benchmark::State& state) {
  const std::string batch =
      "250 2.1.0 Sender <harry@gryffindor.example.com> OK\r\n"
      "250 2.1.5 Recipient <ron@gryffindor.example.com> OK\r\n"
      "550-5.7.1 Relaying not allowed: malfoy@slitherin.example.com\r\n"
      "550 5.7.1 Use your own server\r\n"
      "250 2.5.0 Ok.\r\n";
  std::string stream;
  while (stream.size() < (64 << 10)) stream += batch;
  for (auto _ : state) {
    SmtpReplyParser parser;
    absl::string_view rest = stream;
    while (true) {
      SmtpReplyParseResult r = parser.Parse(rest);
      rest.remove_prefix(r.consumed);
      if (r.kind == SmtpReplyParseResult::Kind::kNeedMore) break;
      benchmark::DoNotOptimize(r.reply.code);
    }
  }
  state.SetBytesProcessed(state.iterations() * stream.size());
}
BENCHMARK(BM_SmtpReplyParsing);

// The client side of DATA: stuffing 1 MiB of content.
void BM_DotStuff(benchmark::State& state) {
  std::string content;
  while (content.size() < (1 << 20)) {
    content.append(".Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\r\n");
  }
  std::string wire;
  for (auto _ : state) {
    wire.clear();
    DotStuffer stuffer;
    stuffer.Append(content, &wire);
    stuffer.Finish(&wire);
    benchmark::DoNotOptimize(wire.data());
  }
  state.SetBytesProcessed(state.iterations() * content.size());
}
BENCHMARK(BM_DotStuff);

}  // namespace
}  // namespace lemonade::smtp
