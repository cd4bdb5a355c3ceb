// Per-flow metrics: what each simulated connection cost and how it behaved.
//
// A flow is one connection, seen from both ends. Direction `c2s` is from
// the connecting side (the client) to the accepting side (the server).
//  - payload bytes: stream bytes delivered in order to the receiving
//    stream (after TLS framing is removed: what the application read);
//  - stream bytes: TCP payload bytes delivered in order (application data
//    plus TLS handshake and record overhead), counted once;
//  - wire bytes: every IPv4 packet sent, headers included, retransmissions
//    and pure ACKs included (no link-layer framing);
//  - turns: request/response round trips at the application level, counted
//    each time the server writes after the client wrote (pipelined
//    requests answered together count once).
// Link metrics (per direction of each access link) are in link.h.
#ifndef LEMONADE_NETSIM_METRICS_H_
#define LEMONADE_NETSIM_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "base/time.h"

namespace lemonade::netsim {

struct FlowDirectionMetrics {
  uint64_t payload_bytes = 0;
  uint64_t stream_bytes = 0;
  uint64_t wire_bytes = 0;
  uint64_t packets = 0;
  uint64_t data_packets = 0;
  uint64_t retransmitted_packets = 0;
  uint64_t retransmitted_bytes = 0;
  uint64_t timeouts = 0;           // RTO expirations at the sender
  uint64_t fast_retransmits = 0;   // entries into fast recovery
  // Round-trip samples taken by this direction's sender (RFC 6298 with
  // Karn's rule: never from retransmitted data).
  std::vector<Duration> rtt_samples;
};

struct FlowMetrics {
  uint64_t flow = 0;
  std::string client_host;
  std::string server_host;
  uint16_t server_port = 0;
  Time opened;        // connect called
  Time established;   // client saw the SYN-ACK (zero if never)
  Time closed;        // both ends done, or broken (zero if still open)
  bool tls = false;
  Time tls_established;  // client finished its handshake
  absl::Status status;   // how it ended (OK: orderly)
  uint64_t turns = 0;
  // Model bookkeeping, not metrics: the last side that wrote (for
  // `turns`), and where in each side's byte stream its TLS began (-1: not
  // yet), so STARTTLS discards exactly the peer's pre-TLS plaintext.
  int last_writer_side = -1;
  int64_t tls_start_offset[2] = {-1, -1};
  FlowDirectionMetrics c2s;
  FlowDirectionMetrics s2c;

  Duration ConnectTime() const { return established - opened; }
  // Time from connect to close (the flow completion time).
  Duration CompletionTime() const { return closed - opened; }
};

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_METRICS_H_
