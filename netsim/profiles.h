// Link profiles: named access-link configurations (both directions plus the
// radio's idle/promotion behaviour) for hosts in a World.
//
// Every number has a source or is marked as our assumption; PROFILES.md
// lists them with citations. Profiles are plain data: copy one and change
// fields to build a variant.
//
//   absl::StatusOr<LinkProfile> lte = ProfileByName("lte");
//   HostOptions phone;
//   phone.link = *lte;
//   world.AddHost("phone", phone);
//
// Trace-driven profiles ("trace:TMobile-LTE-short") need the trace files'
// text; netsim does no I/O, so the caller passes a loader:
//
//   auto profile = ProfileByName("trace:TMobile-LTE-short",
//       [](absl::string_view file) { return ReadFile(dir + "/" + file); });
#ifndef LEMONADE_NETSIM_PROFILES_H_
#define LEMONADE_NETSIM_PROFILES_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "netsim/link.h"

namespace lemonade::netsim {

// The cellular radio's RRC state machine, reduced to what delays packets:
// after `idle_timeout` without traffic the radio drops to IDLE, and the
// next packet in either direction waits `promotion_delay` while it is
// promoted back to CONNECTED (3GPP TS 36.331 §5.3.3 for LTE). Zero
// idle_timeout disables the model (wired links).
struct RadioOptions {
  Duration idle_timeout = Duration::Zero();
  Duration promotion_delay = Duration::Zero();
};

// An access link: `up` carries the host's packets to the router, `down`
// the router's to the host.
struct LinkProfile {
  std::string name;
  LinkDirection up;
  LinkDirection down;
  RadioOptions radio;
  // Where the numbers come from (short citation; details in PROFILES.md).
  std::string source;
};

// The built-in profile names, in a stable order.
std::vector<std::string> BuiltinProfileNames();

// Built-in profiles.
LinkProfile LosslessProfile();
LinkProfile DatacenterProfile();
LinkProfile GprsProfile();
LinkProfile EdgeProfile();
LinkProfile UmtsProfile();
LinkProfile HspaProfile();
LinkProfile LteProfile();
LinkProfile FiveGProfile();
LinkProfile GeoSatelliteProfile();
LinkProfile WifiProfile();

// A Mahimahi trace shipped in netsim/traces/mahimahi/.
struct ShippedTrace {
  std::string name;       // profile "trace:<name>"
  std::string up_file;    // file names in the traces folder
  std::string down_file;
  size_t up_lines = 0;    // expected opportunities (checked on load)
  size_t down_lines = 0;
};
const std::vector<ShippedTrace>& ShippedTraces();

// A trace-driven profile from trace texts: capacity from the traces, a
// fixed one-way delay (Mahimahi traces carry none; 20 ms is our choice,
// giving a 40 ms minimum RTT typical of LTE) and a 1 MiB drop-tail queue
// per direction.
absl::StatusOr<LinkProfile> TraceProfile(absl::string_view name, absl::string_view up_text,
                                         absl::string_view down_text);

// Reads a trace file's text given its file name (e.g. from disk).
using TraceLoader = absl::FunctionRef<absl::StatusOr<std::string>(absl::string_view file)>;

// A built-in profile by name, or "trace:<shipped trace>" through `loader`.
// NotFound for unknown names.
absl::StatusOr<LinkProfile> ProfileByName(absl::string_view name);
absl::StatusOr<LinkProfile> ProfileByName(absl::string_view name, TraceLoader loader);

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_PROFILES_H_
