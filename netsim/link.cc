#include "netsim/link.h"

#include <algorithm>
#include <utility>

#include "base/check.h"

namespace lemonade::netsim {

LossModel LossModel::Bernoulli(Probability p) {
  LossModel m;
  m.kind = Kind::kBernoulli;
  m.bernoulli = p;
  return m;
}

LossModel LossModel::Gilbert(GilbertElliott ge) {
  LossModel m;
  m.kind = Kind::kGilbertElliott;
  m.gilbert_elliott = ge;
  return m;
}

const char* DropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kQueueFull:
      return "queue_full";
    case DropReason::kLoss:
      return "loss";
    case DropReason::kLinkDown:
      return "link_down";
    case DropReason::kMtu:
      return "mtu";
    case DropReason::kNoRoute:
      return "no_route";
    case DropReason::kHostDown:
      return "host_down";
    case DropReason::kNat:
      return "nat";
  }
  return "unknown";
}

Link::Link(uint32_t id, std::string name, LinkDirection config, EventLoop* loop, Rng rng,
           Observer* observer)
    : id_(id),
      name_(std::move(name)),
      config_(std::move(config)),
      loop_(loop),
      rng_(std::move(rng)),
      observer_(observer),
      epoch_(loop->Now()),
      busy_until_(loop->Now()),
      last_arrival_(loop->Now()) {
  CHECK(config_.mtu >= 68) << "link " << name_ << ": MTU below the IPv4 minimum (RFC 791)";
}

void Link::Reconfigure(LinkDirection config) {
  config_ = std::move(config);
  next_opportunity_ = 0;
  bytes_left_in_opportunity_ = 0;
}

int64_t Link::QueuedBytes() {
  const Time now = loop_->Now();
  while (!in_queue_.empty() && in_queue_.front().first <= now) {
    queued_bytes_ -= in_queue_.front().second;
    in_queue_.pop_front();
  }
  return queued_bytes_;
}

Time Link::Serialize(int bytes, Time start) {
  if (config_.trace) {
    const MahimahiTrace& trace = *config_.trace;
    const Duration since_epoch = start - epoch_;
    // Opportunities that passed while nothing was queued are lost, as in
    // mm-link; a partly used one at exactly `start` keeps its leftover.
    if (bytes_left_in_opportunity_ == 0 ||
        trace.OpportunityTime(next_opportunity_) < since_epoch) {
      next_opportunity_ = trace.FirstOpportunityAtOrAfter(since_epoch);
      bytes_left_in_opportunity_ = MahimahiTrace::kBytesPerOpportunity;
    }
    int64_t remaining = bytes;
    while (true) {
      const int64_t take = std::min(remaining, bytes_left_in_opportunity_);
      remaining -= take;
      bytes_left_in_opportunity_ -= take;
      if (remaining == 0) {
        const Time end = epoch_ + trace.OpportunityTime(next_opportunity_);
        if (bytes_left_in_opportunity_ == 0) {
          ++next_opportunity_;
          bytes_left_in_opportunity_ = MahimahiTrace::kBytesPerOpportunity;
        }
        return end;
      }
      ++next_opportunity_;
      bytes_left_in_opportunity_ = MahimahiTrace::kBytesPerOpportunity;
    }
  }
  if (config_.bandwidth_bps <= 0) return start;
  // Round up so a transmission never takes zero time on a finite link.
  const int64_t bits = static_cast<int64_t>(bytes) * 8;
  const int64_t ns =
      static_cast<int64_t>((static_cast<__int128>(bits) * 1000000000 + config_.bandwidth_bps - 1) /
                           config_.bandwidth_bps);
  return start + Duration::Nanoseconds(ns);
}

bool Link::DrawLoss() {
  bool lost = false;
  switch (config_.loss.kind) {
    case LossModel::Kind::kNone:
      break;
    case LossModel::Kind::kBernoulli:
      lost = rng_.Bernoulli(config_.loss.bernoulli);
      break;
    case LossModel::Kind::kGilbertElliott: {
      const GilbertElliott& ge = config_.loss.gilbert_elliott;
      lost = rng_.Bernoulli(ge_bad_ ? ge.loss_in_bad : ge.loss_in_good);
      if (ge_bad_) {
        if (rng_.Bernoulli(ge.bad_to_good)) ge_bad_ = false;
      } else {
        if (rng_.Bernoulli(ge.good_to_bad)) ge_bad_ = true;
      }
      break;
    }
  }
  return lost;
}

void Link::Send(std::unique_ptr<Packet> packet, Time not_before) {
  const Time now = loop_->Now();
  const int bytes = packet->wire_bytes();
  ++metrics_.packets_offered;
  metrics_.bytes_offered += bytes;
  if (!up_) {
    ++metrics_.dropped_down;
    observer_->OnLinkDrop(*this, *packet, DropReason::kLinkDown);
    return;
  }
  if (bytes > config_.mtu) {
    ++metrics_.dropped_mtu;
    observer_->OnLinkDrop(*this, *packet, DropReason::kMtu);
    return;
  }
  const bool finite = config_.trace != nullptr || config_.bandwidth_bps > 0;
  if (finite) {
    const int64_t queued = QueuedBytes();
    if (config_.queue_limit_bytes > 0 && queued + bytes > config_.queue_limit_bytes) {
      ++metrics_.dropped_queue;
      observer_->OnLinkDrop(*this, *packet, DropReason::kQueueFull);
      return;
    }
  }
  Time start = std::max(now, not_before);
  if (finite) start = std::max(start, busy_until_);
  const Time end = Serialize(bytes, start);
  if (finite) {
    busy_until_ = end;
    in_queue_.emplace_back(end, bytes);
    queued_bytes_ += bytes;
    metrics_.max_queue_bytes = std::max(metrics_.max_queue_bytes, queued_bytes_);
    metrics_.max_queue_delay = std::max(metrics_.max_queue_delay, start - now);
  }
  // Random draws in a fixed order, each only if its feature is on.
  if (DrawLoss()) {
    ++metrics_.dropped_loss;
    observer_->OnLinkDrop(*this, *packet, DropReason::kLoss);
    return;
  }
  Time arrival = end + config_.delay;
  if (config_.jitter > Duration::Zero()) {
    arrival += rng_.UniformDuration(Duration::Zero(), config_.jitter);
  }
  const bool duplicate = !config_.duplicate.is_zero() && rng_.Bernoulli(config_.duplicate);
  const bool reorder = !config_.reorder.is_zero() && rng_.Bernoulli(config_.reorder);
  if (reorder) {
    // Held back; later packets may overtake it. It does not move the FIFO
    // floor, so it cannot delay them.
    ++metrics_.reordered;
    arrival += rng_.UniformDuration(Duration::Nanoseconds(1), config_.reorder_delay);
  } else {
    arrival = std::max(arrival, last_arrival_);
    last_arrival_ = arrival;
  }
  std::unique_ptr<Packet> copy;
  if (duplicate) {
    ++metrics_.duplicated;
    observer_->OnLinkDuplicate(*this, *packet);
    copy = std::make_unique<Packet>(*packet);
  }
  loop_->ScheduleAt(arrival, [this, p = std::move(packet)]() mutable { Arrive(std::move(p)); });
  if (copy) {
    loop_->ScheduleAt(arrival, [this, p = std::move(copy)]() mutable { Arrive(std::move(p)); });
  }
}

void Link::Arrive(std::unique_ptr<Packet> packet) {
  if (!up_) {
    ++metrics_.dropped_down;
    observer_->OnLinkDrop(*this, *packet, DropReason::kLinkDown);
    return;
  }
  // Loss bursts (a fading radio) hit what is on the air while they last,
  // including packets queued before the burst began.
  if (!extra_loss_.is_zero() && rng_.Bernoulli(extra_loss_)) {
    ++metrics_.dropped_loss;
    observer_->OnLinkDrop(*this, *packet, DropReason::kLoss);
    return;
  }
  ++metrics_.packets_delivered;
  metrics_.bytes_delivered += packet->wire_bytes();
  observer_->OnLinkDeliver(*this, std::move(packet));
}

}  // namespace lemonade::netsim
