// pcap export: the packets of a run as a capture file that tcpdump,
// tshark and Wireshark read.
//
// Each simulated segment becomes an Ethernet II frame carrying a real
// IPv4 header (RFC 791, with its checksum) and TCP header (RFC 9293, with
// MSS and window-scale options on SYNs, windows scaled as negotiated, and
// the pseudo-header checksum), so dissectors follow the streams — IMAP on
// port 143, submission on 587 — and the timestamps are the virtual
// times, with nanosecond resolution (pcap magic 0xa1b23c4d). MAC addresses
// are synthesized (02:00 + the IPv4 address). Link-layer framing is not
// part of the simulated wire bytes.
//
// The writer returns the file's bytes; writing them to disk is the
// caller's business (netsim does no I/O).
//
//   WorldOptions options;
//   options.capture_packets = true;
//   World world(options);
//   ...
//   std::string pcap = world.Pcap();                 // at the router
//   PcapOptions at_phone;
//   at_phone.host = "phone";
//   std::string phone = world.Pcap(at_phone);        // as the phone saw it
#ifndef LEMONADE_NETSIM_PCAP_H_
#define LEMONADE_NETSIM_PCAP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netsim/packet.h"

namespace lemonade::netsim {

// Where a packet was seen.
inline constexpr uint32_t kRouterCapturePoint = 0xffffffffu;

struct CapturedPacket {
  int64_t time_ns = 0;
  uint32_t point = kRouterCapturePoint;  // a host index, or the router
  bool outbound = false;                 // sent by the host (host points)
  Packet packet;
};

struct PcapOptions {
  // Capture at this host (what it sent and received) instead of at the
  // router (everything that crossed it, after NAT).
  std::optional<std::string> host;
};

// The pcap file for the packets seen at `point`.
std::string WritePcap(const std::vector<CapturedPacket>& packets, uint32_t point);

// The RFC 1071 Internet checksum of `bytes` (exposed for tests).
uint16_t InternetChecksum(const uint8_t* bytes, size_t length, uint32_t initial = 0);

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_PCAP_H_
