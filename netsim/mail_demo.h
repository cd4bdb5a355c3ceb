// MailDemo: a scripted IMAP (port 143) and submission (port 587) exchange
// between a phone on LTE and two servers, for pcap tests and examples.
//
// The servers answer canned responses line by line; the phone's clients
// send one command per response. Real protocol text, so Wireshark's IMAP
// and SMTP dissectors recognise it.
//
//   std::string pcap = RunMailDemo(/*seed=*/1);   // the capture file bytes
#ifndef LEMONADE_NETSIM_MAIL_DEMO_H_
#define LEMONADE_NETSIM_MAIL_DEMO_H_

#include <cstdint>
#include <string>

#include "netsim/pcap.h"

namespace lemonade::netsim {

struct MailDemoResult {
  std::string pcap;
  uint64_t packets = 0;
  bool imap_done = false;
  bool smtp_done = false;
};

MailDemoResult RunMailDemo(uint64_t seed, const PcapOptions& pcap = PcapOptions());

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_MAIL_DEMO_H_
