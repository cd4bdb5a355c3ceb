// ByteQueue: a FIFO of bytes with cheap append at the back, removal at the
// front and random-access reads, for send and receive buffers.
//
// Storage is one std::string plus a read offset; the consumed prefix is
// compacted away once it is both large and at least half the storage, so
// every operation is amortized O(bytes touched).
//
//   ByteQueue q;
//   q.Append("hello world");
//   q.View(6, 5);   // "world"
//   q.Consume(6);   // q.view() == "world"
#ifndef LEMONADE_NETSIM_BYTE_QUEUE_H_
#define LEMONADE_NETSIM_BYTE_QUEUE_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::netsim {

class ByteQueue {
 public:
  size_t size() const { return data_.size() - head_; }
  bool empty() const { return size() == 0; }
  void Append(absl::string_view bytes) { data_.append(bytes.data(), bytes.size()); }
  // Bytes [offset, offset + length) of the queue, clipped to its end.
  absl::string_view View(size_t offset, size_t length) const {
    absl::string_view all = view();
    return offset >= all.size() ? absl::string_view() : all.substr(offset, length);
  }
  absl::string_view view() const { return absl::string_view(data_).substr(head_); }
  void Consume(size_t n) {
    head_ += n < size() ? n : size();
    if (head_ == data_.size()) {
      data_.clear();
      head_ = 0;
    } else if (head_ >= 64 * 1024 && head_ * 2 >= data_.size()) {
      data_.erase(0, head_);
      head_ = 0;
    }
  }
  void Clear() {
    data_.clear();
    head_ = 0;
  }

 private:
  std::string data_;
  size_t head_ = 0;
};

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_BYTE_QUEUE_H_
