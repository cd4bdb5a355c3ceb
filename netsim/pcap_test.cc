// pcap export: file structure, IPv4 and TCP checksums, options, and the
// protocol text inside. (pcap_tshark_test.sh checks that tshark agrees.)
#include "netsim/pcap.h"

#include <cstdint>
#include <string>

#include "gtest/gtest.h"
#include "netsim/mail_demo.h"

namespace lemonade::netsim {
namespace {

uint32_t Le32(const std::string& s, size_t at) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[at])) |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 3])) << 24;
}
uint16_t Be16(const std::string& s, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[at]) << 8 | static_cast<uint8_t>(s[at + 1]));
}
uint32_t Be32(const std::string& s, size_t at) {
  return static_cast<uint32_t>(Be16(s, at)) << 16 | Be16(s, at + 2);
}

TEST(PcapTest, InternetChecksumMatchesRfc1071Example) {
  // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (one's
  // complement), so the checksum is ~ddf2 = 220d.
  const uint8_t bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(InternetChecksum(bytes, sizeof(bytes)), 0x220d);
}

TEST(PcapTest, MailDemoCaptureIsWellFormed) {
  SCOPED_TRACE("seed=1");
  MailDemoResult demo = RunMailDemo(1);
  ASSERT_TRUE(demo.imap_done);
  ASSERT_TRUE(demo.smtp_done);
  const std::string& f = demo.pcap;
  ASSERT_GE(f.size(), 24u);
  EXPECT_EQ(Le32(f, 0), 0xa1b23c4du);  // nanosecond pcap
  EXPECT_EQ(Le32(f, 20), 1u);          // Ethernet
  size_t at = 24;
  int frames = 0, syns = 0;
  bool saw_imap_greeting = false, saw_ehlo = false;
  int64_t previous_ns = 0;
  while (at < f.size()) {
    ASSERT_LE(at + 16, f.size());
    const int64_t ns = static_cast<int64_t>(Le32(f, at)) * 1000000000 + Le32(f, at + 4);
    EXPECT_GE(ns, previous_ns) << "timestamps must not go back";
    previous_ns = ns;
    const uint32_t length = Le32(f, at + 8);
    ASSERT_EQ(length, Le32(f, at + 12));
    const std::string frame = f.substr(at + 16, length);
    at += 16 + length;
    ++frames;
    ASSERT_EQ(Be16(frame, 12), 0x0800);
    const std::string ip = frame.substr(14);
    ASSERT_EQ(static_cast<uint8_t>(ip[0]), 0x45);
    ASSERT_EQ(Be16(ip, 2), ip.size());
    EXPECT_EQ(InternetChecksum(reinterpret_cast<const uint8_t*>(ip.data()), 20), 0)
        << "bad IPv4 checksum in frame " << frames;
    const std::string tcp = ip.substr(20);
    const uint32_t src = Be32(ip, 12), dst = Be32(ip, 16);
    const uint32_t pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 +
                            static_cast<uint32_t>(tcp.size());
    EXPECT_EQ(InternetChecksum(reinterpret_cast<const uint8_t*>(tcp.data()), tcp.size(), pseudo),
              0)
        << "bad TCP checksum in frame " << frames;
    const int header = (static_cast<uint8_t>(tcp[12]) >> 4) * 4;
    const uint8_t flags = static_cast<uint8_t>(tcp[13]);
    if (flags & kSyn) {
      ++syns;
      ASSERT_EQ(header, 28);
      EXPECT_EQ(static_cast<uint8_t>(tcp[20]), 2);  // MSS option
      EXPECT_EQ(Be16(tcp, 22), 1460);
    }
    const std::string payload = tcp.substr(header);
    const uint16_t sport = Be16(tcp, 0), dport = Be16(tcp, 2);
    if (sport == 143 && payload.rfind("* OK", 0) == 0) saw_imap_greeting = true;
    if (dport == 587 && payload.rfind("EHLO", 0) == 0) saw_ehlo = true;
  }
  EXPECT_EQ(at, f.size());
  EXPECT_GT(frames, 30);
  EXPECT_EQ(syns, 4);  // SYN and SYN-ACK of two connections
  EXPECT_TRUE(saw_imap_greeting);
  EXPECT_TRUE(saw_ehlo);
}

TEST(PcapTest, CaptureAtAHostSeesBothDirections) {
  SCOPED_TRACE("seed=1");
  PcapOptions at_phone;
  at_phone.host = "phone";
  MailDemoResult phone = RunMailDemo(1, at_phone);
  MailDemoResult router = RunMailDemo(1);
  // Same run; the phone also sees packets lost on its uplink, the router
  // does not — but on this lossless demo both see every packet once.
  EXPECT_EQ(phone.pcap.size(), router.pcap.size());
  EXPECT_EQ(phone.packets, router.packets);
}

}  // namespace
}  // namespace lemonade::netsim
