#include "tests/testing/netsim_byte_feeder.h"

namespace lemonade::testing {

bool SendByteByByte(netsim::World& world, TestConnection& connection, absl::string_view bytes) {
  if (connection.stream() == nullptr) return false;
  const uint64_t flow = netsim::World::FlowOf(*connection.stream());
  if (world.Flow(flow) == nullptr) return false;
  uint64_t delivered = world.Flow(flow)->c2s.payload_bytes;
  for (char octet : bytes) {
    connection.Send(absl::string_view(&octet, 1));
    const uint64_t target = delivered + 1;
    const bool ok = world.RunUntil(
        [&world, flow, target] { return world.Flow(flow)->c2s.payload_bytes >= target; },
        world.Now() + Duration::Minutes(1));
    if (!ok) return false;
    delivered = target;
  }
  return true;
}

}  // namespace lemonade::testing
