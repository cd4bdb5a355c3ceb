#include "netsim/fault_plan.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lemonade::netsim {
namespace {

struct Unit {
  const char* suffix;
  int64_t ns;
};
// Longest suffixes first so "ms" is not read as "m".
constexpr Unit kUnits[] = {{"ns", 1},
                           {"us", 1000},
                           {"ms", 1000 * 1000},
                           {"s", 1000 * 1000 * 1000},
                           {"m", 60LL * 1000 * 1000 * 1000},
                           {"h", 3600LL * 1000 * 1000 * 1000}};

constexpr struct {
  FaultKind kind;
  const char* name;
} kFaultNames[] = {
    {FaultKind::kOutage, "outage"},
    {FaultKind::kHandover, "handover"},
    {FaultKind::kLossBurst, "loss_burst"},
    {FaultKind::kAddressChange, "address_change"},
    {FaultKind::kCrash, "crash"},
    {FaultKind::kRestart, "restart"},
    {FaultKind::kDiskCrash, "disk_crash"},
};

bool HasDuration(FaultKind kind) {
  return kind == FaultKind::kOutage || kind == FaultKind::kHandover ||
         kind == FaultKind::kLossBurst;
}

}  // namespace

const char* FaultKindName(FaultKind kind) {
  for (const auto& f : kFaultNames) {
    if (f.kind == kind) return f.name;
  }
  return "unknown";
}

std::string FormatDuration(Duration d) {
  const int64_t ns = d.nanoseconds();
  if (ns == 0) return "0s";
  for (int i = static_cast<int>(sizeof(kUnits) / sizeof(kUnits[0])) - 1; i >= 0; --i) {
    if (ns % kUnits[i].ns == 0) return absl::StrCat(ns / kUnits[i].ns, kUnits[i].suffix);
  }
  return absl::StrCat(ns, "ns");
}

bool ParseDuration(absl::string_view text, Duration* out) {
  text = absl::StripAsciiWhitespace(text);
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return false;
  int64_t value = 0;
  if (!absl::SimpleAtoi(text.substr(0, digits), &value)) return false;
  absl::string_view suffix = text.substr(digits);
  for (const Unit& unit : kUnits) {
    if (suffix == unit.suffix) {
      if (value > INT64_MAX / unit.ns) return false;
      *out = Duration::Nanoseconds(value * unit.ns);
      return true;
    }
  }
  return false;
}

std::string FaultPlan::ToString() const {
  std::string out;
  for (const Fault& f : faults) {
    absl::StrAppend(&out, "at=", FormatDuration(f.at), " ", FaultKindName(f.kind),
                    " host=", f.host);
    if (HasDuration(f.kind)) absl::StrAppend(&out, " for=", FormatDuration(f.duration));
    if (f.kind == FaultKind::kLossBurst) absl::StrAppend(&out, " loss=", f.loss.ToString());
    if (f.kind == FaultKind::kAddressChange && !f.address.empty()) {
      absl::StrAppend(&out, " address=", f.address);
    }
    if (f.kind == FaultKind::kCrash && f.duration > Duration::Zero()) {
      absl::StrAppend(&out, " restart_after=", FormatDuration(f.duration));
    }
    out += "\n";
  }
  return out;
}

absl::StatusOr<FaultPlan> FaultPlan::Parse(absl::string_view text) {
  FaultPlan plan;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    const size_t hash = line.find('#');
    if (hash != absl::string_view::npos) line = line.substr(0, hash);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    Fault fault;
    bool have_kind = false, have_at = false;
    for (absl::string_view word : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      const size_t eq = word.find('=');
      auto bad = [&](absl::string_view why) {
        return absl::InvalidArgumentError(
            absl::StrCat("fault plan line ", line_number, ": ", why, ": ", word));
      };
      if (eq == absl::string_view::npos) {
        bool found = false;
        for (const auto& f : kFaultNames) {
          if (word == f.name) {
            fault.kind = f.kind;
            found = true;
          }
        }
        if (!found || have_kind) return bad("unknown or repeated fault kind");
        have_kind = true;
        continue;
      }
      absl::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
      if (key == "at") {
        if (!ParseDuration(value, &fault.at)) return bad("bad time");
        have_at = true;
      } else if (key == "host") {
        fault.host = std::string(value);
      } else if (key == "for" || key == "restart_after") {
        if (!ParseDuration(value, &fault.duration)) return bad("bad duration");
      } else if (key == "loss") {
        if (!ParseProbability(value, &fault.loss)) return bad("bad probability");
      } else if (key == "address") {
        fault.address = std::string(value);
      } else {
        return bad("unknown key");
      }
    }
    if (!have_kind || !have_at || fault.host.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("fault plan line ", line_number, ": needs at=, a kind and host="));
    }
    plan.faults.push_back(std::move(fault));
  }
  return plan;
}

void FaultPlan::Sort() {
  std::stable_sort(faults.begin(), faults.end(),
                   [](const Fault& a, const Fault& b) { return a.at < b.at; });
}

FaultPlan RandomFaultPlan(Rng rng, const RandomFaultOptions& o) {
  FaultPlan plan;
  // One Poisson process per (kind, host), each from its own child stream,
  // so adding a host or a kind leaves the others' faults unchanged.
  auto process = [&](FaultKind kind, const std::string& host, Duration mean, Duration min,
                     Duration max) {
    if (mean <= Duration::Zero()) return;
    Rng r = rng.Child(absl::StrCat(FaultKindName(kind), "/", host));
    Duration t = Duration::Zero();
    while (true) {
      t += r.Exponential(mean);
      if (t >= o.horizon) break;
      Fault f;
      f.kind = kind;
      f.at = t;
      f.host = host;
      if (max > Duration::Zero()) f.duration = r.UniformDuration(min, max);
      if (kind == FaultKind::kLossBurst) f.loss = o.loss_burst_loss;
      plan.faults.push_back(f);
      // Faults of one kind on one host do not overlap.
      t += f.duration;
    }
  };
  for (const std::string& host : o.mobile_hosts) {
    process(FaultKind::kOutage, host, o.mean_time_between_outages, o.outage_min, o.outage_max);
    process(FaultKind::kHandover, host, o.mean_time_between_handovers, o.handover_min,
            o.handover_max);
    process(FaultKind::kLossBurst, host, o.mean_time_between_loss_bursts, o.loss_burst_min,
            o.loss_burst_max);
    process(FaultKind::kAddressChange, host, o.mean_time_between_address_changes,
            Duration::Zero(), Duration::Zero());
  }
  for (const std::string& host : o.server_hosts) {
    process(FaultKind::kCrash, host, o.mean_time_between_crashes, o.restart_min, o.restart_max);
  }
  plan.Sort();
  return plan;
}

}  // namespace lemonade::netsim
