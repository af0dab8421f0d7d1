#pragma once

#include <chrono>
#include <cstdint>

namespace strait {

// Wall-clock milliseconds since the Unix epoch: record timestamps, times
// stored in the checkpoint store and shown by the API. Intervals are measured
// with std::chrono::steady_clock instead.
inline int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace strait
