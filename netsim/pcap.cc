#include "netsim/pcap.h"

#include <tuple>

#include "absl/container/btree_map.h"

namespace lemonade::netsim {
namespace {

void Put8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }
void Put16Be(std::string& out, uint16_t v) {
  Put8(out, static_cast<uint8_t>(v >> 8));
  Put8(out, static_cast<uint8_t>(v));
}
void Put32Be(std::string& out, uint32_t v) {
  Put16Be(out, static_cast<uint16_t>(v >> 16));
  Put16Be(out, static_cast<uint16_t>(v));
}
// pcap headers are in the writer's byte order; we always write little
// endian, which readers detect from the magic number.
void Put16Le(std::string& out, uint16_t v) {
  Put8(out, static_cast<uint8_t>(v));
  Put8(out, static_cast<uint8_t>(v >> 8));
}
void Put32Le(std::string& out, uint32_t v) {
  Put16Le(out, static_cast<uint16_t>(v));
  Put16Le(out, static_cast<uint16_t>(v >> 16));
}

void PutMac(std::string& out, uint32_t ip) {
  Put8(out, 0x02);  // locally administered, unicast
  Put8(out, 0x00);
  Put32Be(out, ip);
}

using FlowKey = std::tuple<uint32_t, uint16_t, uint32_t, uint16_t>;

}  // namespace

uint16_t InternetChecksum(const uint8_t* bytes, size_t length, uint32_t initial) {
  uint64_t sum = initial;
  size_t i = 0;
  for (; i + 1 < length; i += 2) sum += (static_cast<uint32_t>(bytes[i]) << 8) | bytes[i + 1];
  if (i < length) sum += static_cast<uint32_t>(bytes[i]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

std::string WritePcap(const std::vector<CapturedPacket>& packets, uint32_t point) {
  std::string out;
  // Global header: nanosecond-resolution magic, version 2.4, Ethernet.
  Put32Le(out, 0xa1b23c4d);
  Put16Le(out, 2);
  Put16Le(out, 4);
  Put32Le(out, 0);       // thiszone
  Put32Le(out, 0);       // sigfigs
  Put32Le(out, 262144);  // snaplen
  Put32Le(out, 1);       // LINKTYPE_ETHERNET
  // Window shift each sender announced in its SYN (RFC 7323 §2.3).
  absl::btree_map<FlowKey, uint8_t> shifts;
  std::string frame;
  for (const CapturedPacket& c : packets) {
    if (c.point != point) continue;
    const Packet& p = c.packet;
    const FlowKey key{p.src_ip, p.src_port, p.dst_ip, p.dst_port};
    const bool syn = p.has(kSyn);
    if (syn) shifts[key] = p.window_shift;
    const int options_bytes = syn ? kSynOptionBytes : 0;
    const int tcp_bytes = 20 + options_bytes + static_cast<int>(p.payload.size());
    const int ip_bytes = 20 + tcp_bytes;

    frame.clear();
    PutMac(frame, p.dst_ip);
    PutMac(frame, p.src_ip);
    Put16Be(frame, 0x0800);
    // IPv4 header.
    const size_t ip_start = frame.size();
    Put8(frame, 0x45);
    Put8(frame, 0);
    Put16Be(frame, static_cast<uint16_t>(ip_bytes));
    Put16Be(frame, static_cast<uint16_t>(p.id));
    Put16Be(frame, 0x4000);  // DF
    Put8(frame, 64);
    Put8(frame, 6);
    Put16Be(frame, 0);  // checksum, below
    Put32Be(frame, p.src_ip);
    Put32Be(frame, p.dst_ip);
    const uint16_t ip_sum = InternetChecksum(
        reinterpret_cast<const uint8_t*>(frame.data() + ip_start), 20);
    frame[ip_start + 10] = static_cast<char>(ip_sum >> 8);
    frame[ip_start + 11] = static_cast<char>(ip_sum & 0xff);
    // TCP header.
    const size_t tcp_start = frame.size();
    Put16Be(frame, p.src_port);
    Put16Be(frame, p.dst_port);
    Put32Be(frame, static_cast<uint32_t>(p.seq));
    Put32Be(frame, p.has(kAck) ? static_cast<uint32_t>(p.ack) : 0);
    Put8(frame, static_cast<uint8_t>(((20 + options_bytes) / 4) << 4));
    Put8(frame, p.flags);
    uint32_t window = p.window;
    if (!syn) {
      auto it = shifts.find(key);
      const FlowKey reverse{p.dst_ip, p.dst_port, p.src_ip, p.src_port};
      // Scaling is in effect only if both ends offered it.
      if (it != shifts.end() && shifts.contains(reverse)) window >>= it->second;
    }
    Put16Be(frame, static_cast<uint16_t>(window > 65535 ? 65535 : window));
    Put16Be(frame, 0);  // checksum, below
    Put16Be(frame, 0);  // urgent pointer
    if (syn) {
      Put8(frame, 2);  // MSS
      Put8(frame, 4);
      Put16Be(frame, p.mss);
      Put8(frame, 1);  // NOP
      Put8(frame, 3);  // window scale
      Put8(frame, 3);
      Put8(frame, p.window_shift);
    }
    frame.append(p.payload);
    // Pseudo-header (RFC 9293 §3.1): addresses, protocol, TCP length.
    uint32_t pseudo = (p.src_ip >> 16) + (p.src_ip & 0xffff) + (p.dst_ip >> 16) +
                      (p.dst_ip & 0xffff) + 6 + static_cast<uint32_t>(tcp_bytes);
    const uint16_t tcp_sum = InternetChecksum(
        reinterpret_cast<const uint8_t*>(frame.data() + tcp_start), tcp_bytes, pseudo);
    frame[tcp_start + 16] = static_cast<char>(tcp_sum >> 8);
    frame[tcp_start + 17] = static_cast<char>(tcp_sum & 0xff);

    const int64_t ns = c.time_ns;
    Put32Le(out, static_cast<uint32_t>(ns / 1000000000));
    Put32Le(out, static_cast<uint32_t>(ns % 1000000000));
    Put32Le(out, static_cast<uint32_t>(frame.size()));
    Put32Le(out, static_cast<uint32_t>(frame.size()));
    out.append(frame);
  }
  return out;
}

}  // namespace lemonade::netsim
