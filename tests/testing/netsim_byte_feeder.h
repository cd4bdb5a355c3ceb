// SendByteByByte: drives a raw client stream in netsim one octet at a
// time, each octet reaching the server's stream handler on its own, so a
// server's incremental parsing and its replies can be compared with the
// same bytes sent all at once (RFC 2920 pipelining, split-point safety).
//
//   auto c = ConnectSubmit();
//   ASSERT_TRUE(SendByteByByte(*world_, *c, "EHLO phone\r\nNOOP\r\n"));
#ifndef LEMONADE_TESTS_TESTING_NETSIM_BYTE_FEEDER_H_
#define LEMONADE_TESTS_TESTING_NETSIM_BYTE_FEEDER_H_

#include "absl/strings/string_view.h"
#include "netsim/world.h"
#include "tests/testing/test_connection.h"

namespace lemonade::testing {

// SendByteByByte()
//
// Writes `bytes` to `connection` one octet per write, running `world`
// after each until the server side of the flow has been handed that octet
// (FlowMetrics::c2s.payload_bytes). False if an octet was not delivered
// within a simulated minute (the connection broke or the server stopped
// reading).
[[nodiscard]] bool SendByteByByte(netsim::World& world, TestConnection& connection,
                                  absl::string_view bytes);

}  // namespace lemonade::testing

#endif  // LEMONADE_TESTS_TESTING_NETSIM_BYTE_FEEDER_H_
