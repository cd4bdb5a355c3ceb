#include "netsim/profiles.h"

#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace lemonade::netsim {
namespace {

LinkDirection Direction(int64_t bandwidth_bps, Duration delay, Duration jitter,
                        int64_t queue_limit_bytes) {
  LinkDirection d;
  d.bandwidth_bps = bandwidth_bps;
  d.delay = delay;
  d.jitter = jitter;
  d.queue_limit_bytes = queue_limit_bytes;
  return d;
}

constexpr int64_t kKbps = 1000;
constexpr int64_t kMbps = 1000 * 1000;
constexpr int64_t kKiB = 1024;

}  // namespace

std::vector<std::string> BuiltinProfileNames() {
  return {"lossless", "datacenter", "gprs", "edge", "umts", "hspa",
          "lte",      "5g",         "geo-satellite", "wifi"};
}

LinkProfile LosslessProfile() {
  LinkProfile p;
  p.name = "lossless";
  p.up = Direction(100 * kMbps, Duration::Milliseconds(10), Duration::Zero(), 0);
  p.down = p.up;
  p.source = "control link (no loss, no jitter, unlimited queue); our choice";
  return p;
}

LinkProfile DatacenterProfile() {
  LinkProfile p;
  p.name = "datacenter";
  p.up = Direction(10000 * kMbps, Duration::Microseconds(50), Duration::Zero(), 4096 * kKiB);
  p.down = p.up;
  p.source = "10 GbE server NIC, 100 us RTT inside one datacenter; our choice";
  return p;
}

LinkProfile GprsProfile() {
  LinkProfile p;
  p.name = "gprs";
  // Chakravorty & Pratt, "Performance issues with General Packet Radio
  // Service", JCN 4(4), 2002: CS-2, 4+1 slots; ~40/12 kbit/s, RTTs of
  // 600-1000 ms unloaded, link buffers that let RTT grow to seconds.
  p.up = Direction(12 * kKbps, Duration::Milliseconds(300), Duration::Milliseconds(50), 16 * kKiB);
  p.down = Direction(40 * kKbps, Duration::Milliseconds(300), Duration::Milliseconds(50), 32 * kKiB);
  p.up.loss = p.down.loss = LossModel::Bernoulli(Probability::PerMille(1));
  p.radio = {Duration::Seconds(5), Duration::Milliseconds(500)};
  p.source = "Chakravorty & Pratt, JCN 2002; Grigorik, HPBN 2013, table 7-2";
  return p;
}

LinkProfile EdgeProfile() {
  LinkProfile p;
  p.name = "edge";
  // Grigorik, "High Performance Browser Networking", O'Reilly 2013, ch. 7
  // table 7-2: 2G (EDGE) 100-400 kbit/s, 300-1000 ms latency.
  p.up = Direction(80 * kKbps, Duration::Milliseconds(200), Duration::Milliseconds(30), 24 * kKiB);
  p.down = Direction(200 * kKbps, Duration::Milliseconds(200), Duration::Milliseconds(30), 64 * kKiB);
  p.up.loss = p.down.loss = LossModel::Bernoulli(Probability::PerMille(1));
  p.radio = {Duration::Seconds(5), Duration::Milliseconds(500)};
  p.source = "Grigorik, HPBN 2013, table 7-2";
  return p;
}

LinkProfile UmtsProfile() {
  LinkProfile p;
  p.name = "umts";
  // 3GPP TS 34.108 §6.10 reference radio bearers: 384 kbit/s down, 64
  // kbit/s up (R99 DCH). RRC: Qian et al., "Characterizing Radio Resource
  // Allocation for 3G Networks", IMC 2010: IDLE->DCH promotion ~2 s,
  // inactivity timers 5 s (DCH) + 12 s (FACH).
  p.up = Direction(64 * kKbps, Duration::Milliseconds(100), Duration::Milliseconds(20), 32 * kKiB);
  p.down = Direction(384 * kKbps, Duration::Milliseconds(100), Duration::Milliseconds(20), 128 * kKiB);
  p.radio = {Duration::Seconds(17), Duration::Seconds(2)};
  p.source = "3GPP TS 34.108; Qian et al., IMC 2010";
  return p;
}

LinkProfile HspaProfile() {
  LinkProfile p;
  p.name = "hspa";
  // Grigorik, HPBN table 7-2: 3G 0.5-5 Mbit/s, 100-500 ms; Qian et al.
  // IMC 2010 for the RRC timers (as umts).
  p.up = Direction(1 * kMbps, Duration::Milliseconds(50), Duration::Milliseconds(10), 128 * kKiB);
  p.down = Direction(3 * kMbps, Duration::Milliseconds(50), Duration::Milliseconds(10), 512 * kKiB);
  p.radio = {Duration::Seconds(17), Duration::Seconds(2)};
  p.source = "Grigorik, HPBN 2013, table 7-2; Qian et al., IMC 2010";
  return p;
}

LinkProfile LteProfile() {
  LinkProfile p;
  p.name = "lte";
  // Huang et al., "A Close Examination of Performance and Power
  // Characteristics of 4G LTE Networks", MobiSys 2012: median 12.74 Mbit/s
  // down, 5.64 Mbit/s up, ~70 ms RTT; RRC promotion 260 ms, tail 11.58 s.
  // Deep buffers: Jiang et al., "Tackling Bufferbloat in 3G/4G Networks",
  // IMC 2012.
  p.up = Direction(5640 * kKbps, Duration::Milliseconds(35), Duration::Milliseconds(5), 256 * kKiB);
  p.down = Direction(12740 * kKbps, Duration::Milliseconds(35), Duration::Milliseconds(5), 1024 * kKiB);
  p.radio = {Duration::Milliseconds(11576), Duration::Milliseconds(260)};
  p.source = "Huang et al., MobiSys 2012; Jiang et al., IMC 2012";
  return p;
}

LinkProfile FiveGProfile() {
  LinkProfile p;
  p.name = "5g";
  // Narayanan et al., "A Variegated Look at 5G in the Wild", SIGCOMM 2021:
  // mid-band 5G (NSA) downlink in the hundreds of Mbit/s, RTT ~30 ms;
  // representative round values (our choice within their ranges).
  p.up = Direction(40 * kMbps, Duration::Milliseconds(15), Duration::Milliseconds(3), 1024 * kKiB);
  p.down = Direction(300 * kMbps, Duration::Milliseconds(15), Duration::Milliseconds(3), 4096 * kKiB);
  p.radio = {Duration::Seconds(10), Duration::Milliseconds(100)};
  p.source = "Narayanan et al., SIGCOMM 2021 (representative values)";
  return p;
}

LinkProfile GeoSatelliteProfile() {
  LinkProfile p;
  p.name = "geo-satellite";
  // RFC 2488 §2.1: GEO round trip ~558 ms ground-satellite-ground both
  // ways. Capacity: the FCC "Measuring Broadband America" satellite tier
  // (25/3 Mbit/s).
  p.up = Direction(3 * kMbps, Duration::Milliseconds(280), Duration::Milliseconds(10), 256 * kKiB);
  p.down = Direction(25 * kMbps, Duration::Milliseconds(280), Duration::Milliseconds(10), 2048 * kKiB);
  p.up.loss = p.down.loss = LossModel::Bernoulli(Probability::PerMille(1));
  p.source = "RFC 2488 §2.1; FCC Measuring Broadband America";
  return p;
}

LinkProfile WifiProfile() {
  LinkProfile p;
  p.name = "wifi";
  // A home 802.11n network behind a broadband line: our assumption of
  // 40/20 Mbit/s, 10 ms one way, light jitter and 0.1% residual loss
  // after 802.11 link-layer retries.
  p.up = Direction(20 * kMbps, Duration::Milliseconds(10), Duration::Milliseconds(3), 512 * kKiB);
  p.down = Direction(40 * kMbps, Duration::Milliseconds(10), Duration::Milliseconds(3), 1024 * kKiB);
  p.up.loss = p.down.loss = LossModel::Bernoulli(Probability::PerMille(1));
  p.source = "our assumption (home Wi-Fi + broadband)";
  return p;
}

const std::vector<ShippedTrace>& ShippedTraces() {
  // Line counts from netsim/traces/mahimahi/README.md. The T-Mobile
  // LTE driving uplink was not shipped; that profile uses the same
  // operator's short-trace uplink.
  static const auto* traces = new std::vector<ShippedTrace>{
      {"ATT-LTE-driving-2016", "ATT-LTE-driving-2016.up", "ATT-LTE-driving-2016.down", 19101,
       45604},
      {"ATT-LTE-driving", "ATT-LTE-driving.up", "ATT-LTE-driving.down", 70336, 338895},
      {"TMobile-LTE-driving", "TMobile-LTE-short.up", "TMobile-LTE-driving.down", 155381,
       505078},
      {"TMobile-LTE-short", "TMobile-LTE-short.up", "TMobile-LTE-short.down", 155381, 194846},
      {"TMobile-UMTS-driving", "TMobile-UMTS-driving.up", "TMobile-UMTS-driving.down", 73197,
       156262},
      {"Verizon-EVDO-driving", "Verizon-EVDO-driving.up", "Verizon-EVDO-driving.down", 74768,
       46065},
      {"Verizon-LTE-short", "Verizon-LTE-short.up", "Verizon-LTE-short.down", 69367, 58655},
  };
  return *traces;
}

absl::StatusOr<LinkProfile> TraceProfile(absl::string_view name, absl::string_view up_text,
                                         absl::string_view down_text) {
  absl::StatusOr<MahimahiTrace> up = MahimahiTrace::Parse(up_text);
  if (!up.ok()) return absl::InvalidArgumentError(absl::StrCat(name, " uplink: ", up.status().message()));
  absl::StatusOr<MahimahiTrace> down = MahimahiTrace::Parse(down_text);
  if (!down.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(name, " downlink: ", down.status().message()));
  }
  LinkProfile p;
  p.name = absl::StrCat("trace:", name);
  p.up = Direction(0, Duration::Milliseconds(20), Duration::Zero(), 1024 * kKiB);
  p.down = p.up;
  p.up.trace = std::make_shared<const MahimahiTrace>(*std::move(up));
  p.down.trace = std::make_shared<const MahimahiTrace>(*std::move(down));
  // Cellular traces: the LTE radio model applies (Huang et al. 2012).
  p.radio = {Duration::Milliseconds(11576), Duration::Milliseconds(260)};
  p.source = "Mahimahi traces (Winstein et al., NSDI 2013); 20 ms one-way delay is our choice";
  return p;
}

absl::StatusOr<LinkProfile> ProfileByName(absl::string_view name) {
  if (name == "lossless") return LosslessProfile();
  if (name == "datacenter") return DatacenterProfile();
  if (name == "gprs") return GprsProfile();
  if (name == "edge") return EdgeProfile();
  if (name == "umts") return UmtsProfile();
  if (name == "hspa") return HspaProfile();
  if (name == "lte") return LteProfile();
  if (name == "5g") return FiveGProfile();
  if (name == "geo-satellite") return GeoSatelliteProfile();
  if (name == "wifi") return WifiProfile();
  if (absl::StartsWith(name, "trace:")) {
    return absl::FailedPreconditionError(
        absl::StrCat("profile ", name, " needs the trace files: pass a TraceLoader"));
  }
  return absl::NotFoundError(absl::StrCat("unknown link profile: ", name));
}

absl::StatusOr<LinkProfile> ProfileByName(absl::string_view name, TraceLoader loader) {
  absl::string_view trace_name = name;
  if (!absl::ConsumePrefix(&trace_name, "trace:")) return ProfileByName(name);
  for (const ShippedTrace& t : ShippedTraces()) {
    if (t.name != trace_name) continue;
    absl::StatusOr<std::string> up = loader(t.up_file);
    if (!up.ok()) return up.status();
    absl::StatusOr<std::string> down = loader(t.down_file);
    if (!down.ok()) return down.status();
    absl::StatusOr<LinkProfile> profile = TraceProfile(t.name, *up, *down);
    if (!profile.ok()) return profile.status();
    if (profile->up.trace->size() != t.up_lines || profile->down.trace->size() != t.down_lines) {
      return absl::DataLossError(absl::StrCat("trace files for ", t.name,
                                              " do not have the expected line counts (",
                                              t.up_lines, "/", t.down_lines, ")"));
    }
    return profile;
  }
  return absl::NotFoundError(absl::StrCat("unknown trace profile: ", name));
}

}  // namespace lemonade::netsim
