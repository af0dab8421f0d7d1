#pragma once

#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/base/types.h"
#include "strait/offsets/group_offset.h"
#include "strait/store/checkpoint_store.h"

namespace strait::groupsync {

// The 'G' key space of the checkpoint store (store/key_space.h): per link,
// consumer group and partition, the offset strait last wrote to the target
// group. Written by the group syncer and by a consumer cutover or rollback
// (each in its own batch, before the migration state that follows it); read
// by the syncer at start and by the group moves' guards (which topics a
// group read).
//
// Key: 'G', link, group, topic (u16-length text each), partition (u32).
// Value: format 1, then source, target and written_at_ms (u64 each).
struct group_offset_record {
  std::string group;
  partition_key partition;
  offsets::group_offset offset;
};

void put_group_offset(store::checkpoint_store::write_batch& batch, const std::string& group,
                      const partition_key& partition, const offsets::group_offset& offset);
// Erases one (a group's records moving to another straitd, ADR 0030).
void erase_group_offset(store::checkpoint_store::write_batch& batch, const std::string& group,
                        const partition_key& partition);

// Every group offset stored for the link, ordered by group, topic,
// partition. errc::corruption for a record that does not decode.
[[nodiscard]] result<std::vector<group_offset_record>> load_group_offsets(
    const store::checkpoint_store& store, const std::string& link);

}  // namespace strait::groupsync
