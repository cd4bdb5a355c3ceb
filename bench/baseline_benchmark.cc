// The machine's own yardsticks: memcpy and memchr throughput. Every parser
// benchmark repeats these in its binary so that its MB/s can be read as a
// ratio, comparable across machines.
#include <cstring>
#include <string>

#include "benchmark/benchmark.h"

namespace {

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

void BM_MemchrLines(benchmark::State& state) {
  std::string text;
  while (text.size() < static_cast<size_t>(state.range(0))) text += "a line of text\r\n";
  for (auto _ : state) {
    const char* p = text.data();
    const char* end = p + text.size();
    size_t lines = 0;
    while (const void* nl = std::memchr(p, '\n', end - p)) {
      ++lines;
      p = static_cast<const char*>(nl) + 1;
    }
    benchmark::DoNotOptimize(lines);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_MemchrLines)->Arg(1 << 20);

}  // namespace
