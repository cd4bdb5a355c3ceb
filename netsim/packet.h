// Packet: one simulated IPv4/TCP segment as it travels through links.
//
// The header fields are what a real segment carries (and what pcap export
// writes); `flow`, `id`, `side` and `retransmission` are simulator metadata
// that never reach the wire. Sequence numbers are 64-bit internally (no
// wraparound within a run); the wire shows their low 32 bits.
#ifndef LEMONADE_NETSIM_PACKET_H_
#define LEMONADE_NETSIM_PACKET_H_

#include <cstdint>
#include <string>

namespace lemonade::netsim {

// TCP header flags, with the bit values of RFC 9293 §3.1.
enum TcpFlags : uint8_t {
  kFin = 0x01,
  kSyn = 0x02,
  kRst = 0x04,
  kPsh = 0x08,
  kAck = 0x10,
};

// IPv4 (20) + TCP (20) header bytes without options.
inline constexpr int kIpTcpHeaderBytes = 40;
// Options on our SYNs: MSS (4) + window scale (3) + 1 NOP pad; RFC 9293
// §3.7.1 and RFC 7323 §2.
inline constexpr int kSynOptionBytes = 8;

struct Packet {
  // Simulator metadata.
  uint64_t id = 0;    // unique per run, in send order
  uint64_t flow = 0;  // the connection this belongs to (both directions)
  uint8_t side = 0;   // 0: sent by the connecting side, 1: by the acceptor
  bool retransmission = false;

  // Header.
  uint32_t src_ip = 0;
  uint32_t dst_ip = 0;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint64_t seq = 0;
  uint64_t ack = 0;
  uint32_t window = 0;      // receive window in bytes (unscaled)
  uint8_t flags = 0;        // TcpFlags
  uint16_t mss = 0;         // MSS option, SYN only
  uint8_t window_shift = 0; // window-scale option, SYN only
  std::string payload;

  bool has(uint8_t flag) const { return (flags & flag) != 0; }
  // Sequence space consumed: payload plus one each for SYN and FIN.
  uint64_t seq_len() const {
    return payload.size() + (has(kSyn) ? 1 : 0) + (has(kFin) ? 1 : 0);
  }
  // Bytes on the wire at the IP layer (what links serialize and MTUs limit).
  int wire_bytes() const {
    return kIpTcpHeaderBytes + (has(kSyn) ? kSynOptionBytes : 0) +
           static_cast<int>(payload.size());
  }
};

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_PACKET_H_
