#pragma once

#include <compare>
#include <cstdint>

#include "strait/base/types.h"

namespace strait::offsets {

// The last offset strait wrote for a consumer group's partition on the
// target: the source group's committed offset and its translation.
struct group_offset {
  source_offset source;       // the source group's committed offset
  target_offset target;       // its translation, written to the target group
  int64_t written_at_ms = 0;  // wall clock of the write
  auto operator<=>(const group_offset&) const = default;
};

}  // namespace strait::offsets
