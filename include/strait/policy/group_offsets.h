#pragma once

#include <cstdint>
#include <optional>

#include "strait/base/types.h"
#include "strait/offsets/group_offset.h"
#include "strait/store/checkpoint_store.h"

namespace strait::policy {

// Why a committed offset of a source group was not written to the target.
enum class skip_reason : uint8_t {
  topic_not_mirrored,   // the link does not mirror the topic
  not_mirrored_yet,     // mirroring of the partition has not started
  offset_expired,       // below the source log start: its records are gone
  partition_stopped,    // the partition is stopped and the offset is past its mirrored records
  map_behind,           // the translation is below what was already written
  target_group_active,  // the group has members on the target
  // The link selects the topic, but another straitd of the set mirrors it
  // (ADR 0030): its offset map is in that straitd's store.
  topic_on_another_shard,
};
inline constexpr skip_reason kAllSkipReasons[] = {skip_reason::topic_not_mirrored,
                                                  skip_reason::not_mirrored_yet,
                                                  skip_reason::offset_expired,
                                                  skip_reason::partition_stopped,
                                                  skip_reason::map_behind,
                                                  skip_reason::target_group_active,
                                                  skip_reason::topic_on_another_shard};
[[nodiscard]] const char* to_string(skip_reason r);

// What is known about one partition a source group has committed.
struct partition_facts {
  source_offset committed;                            // the next record the group reads
  std::optional<source_offset> log_start;             // the source log start, if known
  std::optional<store::map_slice> map;                // nullopt: not mirrored (yet)
  std::optional<offsets::group_offset> last_written;  // what strait last wrote, if anything
};

enum class action { write, unchanged, skip };

struct decision {
  action what = action::skip;
  target_offset target;                                // the translation (write, unchanged)
  skip_reason reason = skip_reason::not_mirrored_yet;  // when skipped
  bool rewind = false;  // the source group moved backwards since the last write
  // The group is past the mirrored data (committed > next_source): `target`
  // is the end of mirrored data, a lower bound raised as mirroring catches
  // up. A consumer started on the target now would re-read the records in
  // between (never skip one); consumer cutover must wait until it is false.
  bool ahead = false;
};

// The offset-sync rule for one partition of one group (docs/offset-translation.md):
//   1. not mirrored yet                        -> skip not_mirrored_yet
//   2. committed < log start                   -> skip offset_expired
//   3. T = exact translation of committed through the map (the target offset of
//      the first mirrored record at or after it; the end of mirrored data
//      when none is mirrored yet, so a group ahead of mirroring is advanced as
//      mirroring catches up and never placed ahead of the truth)
//   4. stopped partition and no mirrored record at or after committed
//                                              -> skip partition_stopped
//      (the end of mirrored data is not where the group's next record will
//      land: someone else's records may follow, or a gap)
//   5. committed < last written source offset  -> write T (a rewind: follow it)
//   6. T > last written target offset, or nothing written yet -> write T
//   7. T == last written target offset         -> unchanged
//   8. T <  last written target offset         -> skip map_behind (never move
//      a group backwards on our own; happens only if the store lost its newest
//      checkpoints, and heals as mirroring continues)
// Pure: the caller supplies the facts; decides no I/O.
[[nodiscard]] decision decide(const partition_facts& f);

}  // namespace strait::policy
