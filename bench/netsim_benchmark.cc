// netsim throughput: events per second of the loop, the cost of the
// random streams and trace hashing, and whole simulations — a 1 GB bulk
// download over the LTE profile (simulated bytes per wall second) and the
// busy determinism scenario. memcpy is repeated here as the machine's
// yardstick (see baseline_benchmark.cc).
//
//   bazel run --config=opt //bench:netsim_benchmark
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "netsim/busy_scenario.h"
#include "netsim/event_loop.h"
#include "netsim/rng.h"
#include "netsim/test_util.h"
#include "netsim/trace.h"
#include "netsim/world.h"

namespace lemonade::netsim {
namespace {

const Time kStart = Time::FromUnixSeconds(1704067200);

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
BENCHMARK(BM_Memcpy)->Arg(1 << 20);

// Steady state: `pending` timers outstanding; each one fired schedules the
// next at a pseudo-random later time (the typical simulation pattern).
void BM_EventLoopEvents(benchmark::State& state) {
  const int pending = static_cast<int>(state.range(0));
  EventLoop loop(kStart);
  Rng rng(1);
  uint64_t fired = 0;
  struct Chain {
    EventLoop* loop;
    Rng* rng;
    uint64_t* fired;
    void operator()() {
      ++*fired;
      loop->ScheduleAfter(Duration::Nanoseconds(1 + static_cast<int64_t>(rng->NextU64() % 1000000)),
                          Chain{loop, rng, fired});
    }
  };
  for (int i = 0; i < pending; ++i) {
    loop.ScheduleAfter(Duration::Nanoseconds(i), Chain{&loop, &rng, &fired});
  }
  for (auto _ : state) {
    loop.RunOne();
  }
  state.SetItemsProcessed(static_cast<int64_t>(fired));
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(fired), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EventLoopEvents)->Arg(16)->Arg(1024)->Arg(65536);

// Schedule-then-cancel, as TCP's timers do without Alarm.
void BM_EventLoopScheduleCancel(benchmark::State& state) {
  EventLoop loop(kStart);
  for (auto _ : state) {
    TimerId id = loop.ScheduleAfter(Duration::Seconds(1), [] {});
    loop.Cancel(id);
    loop.RunOne();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventLoopScheduleCancel);

void BM_RngNextU64(benchmark::State& state) {
  Rng rng(1);
  for (auto _ : state) benchmark::DoNotOptimize(rng.NextU64());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RngNextU64);

void BM_RngBernoulli(benchmark::State& state) {
  Rng rng(1);
  const Probability p = Probability::Ratio(1, 3);
  for (auto _ : state) benchmark::DoNotOptimize(rng.Bernoulli(p));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RngBernoulli);

void BM_RngExponential(benchmark::State& state) {
  Rng rng(1);
  for (auto _ : state) benchmark::DoNotOptimize(rng.Exponential(Duration::Seconds(1)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RngExponential);

void BM_HashBytes(benchmark::State& state) {
  std::string data(state.range(0), 'h');
  for (auto _ : state) benchmark::DoNotOptimize(HashBytes(data));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_HashBytes)->Arg(1460)->Arg(1 << 20);

void BM_TraceRecord(benchmark::State& state) {
  EventLoop loop(kStart);
  TraceRecorder trace(&loop);
  uint64_t i = 0;
  for (auto _ : state) {
    ++i;
    trace.Record(TraceKind::kSegmentSent, 1, i, i * 1460, 1460);
  }
  benchmark::DoNotOptimize(trace.hash());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TraceRecord);

// A bulk download of `bytes` from a datacenter server to a phone on the
// LTE profile (Huang et al. 2012: 12.74 Mbit/s down, 70 ms RTT, 1 MiB
// downlink buffer). The server refills its stream whenever it drains.
void BulkDownload(benchmark::State& state, const LinkProfile& link, uint64_t bytes) {
  uint64_t events = 0, packets = 0;
  double simulated_seconds = 0;
  for (auto _ : state) {
    WorldOptions options;
    options.seed = 1;
    World world(options);
    world.AddHost("server");
    HostOptions phone;
    phone.link = link;
    world.AddHost("phone", phone);
    const std::string chunk(1 << 20, 'm');
    uint64_t written = 0;
    TestServer server(world.EnvFor("server"), 80);
    TestServer::Connection* connection = nullptr;
    auto refill = [&] {
      while (written < bytes && connection->stream->PendingWriteBytes() == 0) {
        const uint64_t n = std::min<uint64_t>(chunk.size(), bytes - written);
        connection->stream->Write(absl::string_view(chunk).substr(0, n));
        written += n;
      }
    };
    server.on_accept = [&](TestServer::Connection& c) {
      connection = &c;
      refill();
    };
    TestClient client(world.EnvFor("phone"), "server", 80);
    uint64_t received = 0;
    client.handler.on_data = [&](absl::string_view b) {
      received += b.size();
      client.handler.data.clear();
      if (connection != nullptr && connection->stream->PendingWriteBytes() == 0) refill();
    };
    const Time start = world.Now();
    world.RunUntil([&] { return received >= bytes; }, start + Duration::Hours(10));
    if (received != bytes) state.SkipWithError("transfer did not complete");
    simulated_seconds = (world.Now() - start).seconds_double();
    events = world.loop().events_run();
    packets = world.packets_sent();
    client.stream.reset();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["sim_seconds"] = simulated_seconds;
  state.counters["events"] = static_cast<double>(events);
  state.counters["packets"] = static_cast<double>(packets);
  state.counters["events_per_s"] = benchmark::Counter(
      static_cast<double>(events * state.iterations()), benchmark::Counter::kIsRate);
}

void BM_LteBulkDownload(benchmark::State& state) {
  BulkDownload(state, LteProfile(), static_cast<uint64_t>(state.range(0)));
}
BENCHMARK(BM_LteBulkDownload)
    ->Arg(10 * 1000 * 1000)
    ->Arg(1000 * 1000 * 1000)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

// The determinism scenario: many small exchanges, faults, disks, TLS.
void BM_BusyScenario(benchmark::State& state) {
  uint64_t events = 0;
  uint64_t seed = 1;
  for (auto _ : state) {
    BusyScenarioOptions options;
    options.duration = Duration::Minutes(10);
    events += RunBusyScenario(seed++, options).events;
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BusyScenario)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lemonade::netsim
