#pragma once

#include <algorithm>
#include <chrono>

namespace strait {

// Exponential backoff for retrying an unreachable cluster: doubles from
// `initial` up to `max`, reset on success. Pure: callers own the clock.
class backoff {
 public:
  using duration = std::chrono::milliseconds;
  backoff(duration initial, duration max) : initial_(initial), max_(max), next_(initial) {}

  // The delay to wait before the next attempt; advances the sequence.
  duration next() {
    duration d = next_;
    next_ = std::min(max_, next_ * 2);
    return d;
  }
  void reset() { next_ = initial_; }

 private:
  duration initial_;
  duration max_;
  duration next_;
};

}  // namespace strait
