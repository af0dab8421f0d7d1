#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/scan/report.h"

namespace strait::scan {

// The placement of a migration over several straitd (ADR 0030, step 1: the
// pure rule; storing it, refusing unowned topics and moving components are
// later steps). Pure: tested in tests/unit/shard_plan_test.cc.

// A unit of placement: a connected component of "group reads topic" (a
// scan's wave), which must stay on one shard so that its groups' cutovers
// stay local to one store.
struct shard_component {
  std::string link;
  std::vector<std::string> topics;  // sorted, at least one
  std::vector<std::string> groups;  // sorted
  int64_t bytes = 0;                // held over its topics, estimated
  // Some of its topics had no record sampled: their bytes are the scan's
  // mean record size times their records (or their records alone when the
  // scan sampled nothing).
  bool bytes_estimated = false;
  bool operator==(const shard_component&) const = default;
};

// The components of one link's scan: its waves, each topic's bytes its
// records times the mean size of the records sampled from it.
[[nodiscard]] std::vector<shard_component> components_of(const report& r);

inline constexpr int kMaxShards = 64;

struct shard_plan {
  int shards = 0;
  // Largest first (by bytes, then link and first topic name); `shard_of`
  // and `components` are parallel.
  std::vector<shard_component> components;
  std::vector<int> shard_of;
  std::vector<int64_t> bytes_per_shard;  // by ordinal
};

// Where each name of a link is now (the shard a stored assignment gives it,
// or its hash owner for a name it does not place): what a re-plan keeps.
struct placement {
  std::map<std::string, int> topics;
  std::map<std::string, int> groups;
};

// Places `components` over `shards` ordinals: largest first, each to the
// shard holding the fewest bytes so far, ties to the lower ordinal. The same
// input always gives the same plan. Refuses (errc::invalid_argument) a
// count outside 1..kMaxShards, a component without topics, and a topic of
// one link in two components (the components would not be whole).
//
// With `kept` (a re-plan, ADR 0030): a component stays on the shard that
// holds most of its names now (ties to the lower ordinal; names on no shard
// below `shards` do not count), the others are placed as above, and then,
// while the most loaded shard holds more than the least loaded one, its
// largest component smaller than that difference moves there (each such
// move narrows the spread): only what balance needs moves.
[[nodiscard]] result<shard_plan> plan_shards(std::vector<shard_component> components, int shards,
                                             const placement* kept = nullptr);

}  // namespace strait::scan
