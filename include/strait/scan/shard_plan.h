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
// And which stored component places it (an index; absent: none), so that a
// re-plan never splits one (a move carries stored components whole).
struct placement {
  std::map<std::string, int> topics;
  std::map<std::string, int> groups;
  std::map<std::string, int> topic_component;
  std::map<std::string, int> group_component;
};

// Places `components` over `shards` ordinals: largest first, each to the
// shard holding the fewest bytes so far, ties to the lower ordinal. The same
// input always gives the same plan. Refuses (errc::invalid_argument) a
// count outside 1..kMaxShards, a component without topics, and a topic of
// one link in two components (the components would not be whole).
//
// With `kept` (a re-plan, ADR 0030): first the components that share a
// stored component are merged into one (the scan may have split it: a
// group stopped reading a topic; a plan that splits a stored component
// cannot be moved yet). A component then stays on the shard that holds most
// of its names now (ties to the lower ordinal; names on no shard below
// `shards` do not count); the others are placed as above, onto the kept
// loads. Then, while a shard holds over a tenth more than the mean, the
// most loaded such shard that can gives the least loaded shard the
// component that leaves those two closest (bytes nearest half their
// spread, below all of it): only what balance needs moves.
[[nodiscard]] result<shard_plan> plan_shards(std::vector<shard_component> components, int shards,
                                             const placement* kept = nullptr);

}  // namespace strait::scan
