// Link: one direction of a simulated network link.
//
// A packet offered to a link goes through, in order:
//   1. admission: dropped if the link is down (coverage outage), larger
//      than the MTU, or the drop-tail queue (a byte limit, so deep cellular
//      buffers inflate the RTT as on real networks) is full;
//   2. serialization at the link's bandwidth, or at the delivery
//      opportunities of a Mahimahi trace, FIFO behind earlier packets;
//   3. loss on the air: none, Bernoulli, or Gilbert-Elliott bursts (the
//      lost packet still used its airtime); a loss-burst fault adds
//      Bernoulli loss to packets arriving while it lasts;
//   4. propagation delay plus jitter; jitter never reorders packets (each
//      arrives no earlier than the one before, so packets closer together
//      than the jitter see delays biased towards the maximum, as with
//      netem's rate-limited jitter) unless the reordering probability
//      picks this packet to be held back by up to `reorder_delay`, letting
//      later ones overtake it;
//   5. optional duplication (the copy arrives right after the original).
// Randomness comes from the link's own named stream, drawn in a fixed order
// per packet, and only for features that are configured, so enabling jitter
// on one link never changes another's losses.
//
//   LinkDirection down;
//   down.bandwidth_bps = 20'000'000;
//   down.delay = Duration::Milliseconds(30);
//   down.queue_limit_bytes = 256 * 1024;
//   down.loss = LossModel::Bernoulli(Probability::Percent(1));
//   Link link(7, "phone/down", down, &loop, rng.Child("link/phone/down"), &observer);
//   link.Send(std::move(packet), loop.Now());
#ifndef LEMONADE_NETSIM_LINK_H_
#define LEMONADE_NETSIM_LINK_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "base/time.h"
#include "netsim/event_loop.h"
#include "netsim/mahimahi_trace.h"
#include "netsim/packet.h"
#include "netsim/rng.h"

namespace lemonade::netsim {

// The two-state Markov loss model of Gilbert (1960) and Elliott (1963), in
// the parameterisation of RFC 3611 §4.7.2 / ns-3: per packet, the loss
// decision uses the current state, then the state moves (good -> bad with
// p, bad -> good with r). With loss_in_good = 0 and loss_in_bad = 1, loss
// bursts are geometric with mean 1/r and the loss rate is p / (p + r).
struct GilbertElliott {
  Probability good_to_bad;   // p
  Probability bad_to_good;   // r
  Probability loss_in_good;  // 1 - k
  Probability loss_in_bad;   // 1 - h
};

struct LossModel {
  enum class Kind { kNone, kBernoulli, kGilbertElliott };
  Kind kind = Kind::kNone;
  Probability bernoulli;
  GilbertElliott gilbert_elliott;

  static LossModel None() { return {}; }
  static LossModel Bernoulli(Probability p);
  static LossModel Gilbert(GilbertElliott ge);
};

// Configuration of one direction.
struct LinkDirection {
  // Serialization rate; 0 means infinitely fast. Ignored when `trace` is set.
  int64_t bandwidth_bps = 0;
  // One-way propagation delay.
  Duration delay = Duration::Zero();
  // Extra delay, uniform in [0, jitter], without reordering.
  Duration jitter = Duration::Zero();
  // Drop-tail queue limit in wire bytes (waiting + being serialized);
  // 0 means unlimited.
  int64_t queue_limit_bytes = 0;
  LossModel loss;
  Probability duplicate;
  Probability reorder;
  Duration reorder_delay = Duration::Milliseconds(10);
  // Largest IP packet the link carries.
  int mtu = 1500;
  // Trace-driven capacity (Mahimahi); overrides bandwidth_bps.
  std::shared_ptr<const MahimahiTrace> trace;
};

enum class DropReason : uint8_t {
  kQueueFull = 1,
  kLoss = 2,
  kLinkDown = 3,
  kMtu = 4,
  kNoRoute = 5,   // no host has the destination address
  kHostDown = 6,  // destination host crashed
  kNat = 7,       // a NAT forgot the flow
};
const char* DropReasonName(DropReason reason);

struct LinkMetrics {
  uint64_t packets_offered = 0;
  uint64_t bytes_offered = 0;    // wire bytes
  uint64_t packets_delivered = 0;
  uint64_t bytes_delivered = 0;  // wire bytes
  uint64_t dropped_queue = 0;
  uint64_t dropped_loss = 0;
  uint64_t dropped_down = 0;
  uint64_t dropped_mtu = 0;
  uint64_t duplicated = 0;
  uint64_t reordered = 0;
  int64_t max_queue_bytes = 0;
  Duration max_queue_delay = Duration::Zero();  // waiting before serialization
};

class Link {
 public:
  // Receives what leaves the link. Calls come from the loop (deliveries)
  // or from inside Send (drops at admission); neither re-enters Send.
  class Observer {
   public:
    virtual ~Observer() = default;
    virtual void OnLinkDeliver(Link& link, std::unique_ptr<Packet> packet) = 0;
    virtual void OnLinkDrop(Link& link, const Packet& packet, DropReason reason) = 0;
    virtual void OnLinkDuplicate(Link& link, const Packet& packet) = 0;
  };

  Link(uint32_t id, std::string name, LinkDirection config, EventLoop* loop, Rng rng,
       Observer* observer);
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Offers a packet; serialization starts no earlier than `not_before`
  // (radio promotion, handover blackout).
  void Send(std::unique_ptr<Packet> packet, Time not_before);

  // Coverage: while down, offered packets and packets arriving at the far
  // end are dropped.
  void set_up(bool up) { up_ = up; }
  bool up() const { return up_; }
  // Extra Bernoulli loss on top of the configured model (loss bursts).
  void set_extra_loss(Probability p) { extra_loss_ = p; }
  // Replaces the configuration (keeps queue state, trace position resets).
  void Reconfigure(LinkDirection config);

  uint32_t id() const { return id_; }
  const std::string& name() const { return name_; }
  const LinkDirection& config() const { return config_; }
  const LinkMetrics& metrics() const { return metrics_; }
  // Wire bytes waiting or being serialized now.
  int64_t QueuedBytes();
  // When the link finishes serializing what it holds.
  Time busy_until() const { return busy_until_; }

 private:
  // Computes when a packet of `bytes` that may start at `start` finishes
  // serialization, and advances the transmitter.
  Time Serialize(int bytes, Time start);
  bool DrawLoss();
  void Arrive(std::unique_ptr<Packet> packet);

  const uint32_t id_;
  const std::string name_;
  LinkDirection config_;
  EventLoop* const loop_;
  Rng rng_;
  Observer* const observer_;
  const Time epoch_;
  bool up_ = true;
  Probability extra_loss_;
  bool ge_bad_ = false;
  Time busy_until_;
  Time last_arrival_;
  // (serialization end, wire bytes) of packets not yet fully serialized.
  std::deque<std::pair<Time, int>> in_queue_;
  int64_t queued_bytes_ = 0;
  // Trace-driven transmitter state.
  uint64_t next_opportunity_ = 0;
  int64_t bytes_left_in_opportunity_ = 0;
  LinkMetrics metrics_;
};

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_LINK_H_
