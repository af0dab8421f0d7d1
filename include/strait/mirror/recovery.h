#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "strait/offsets/offset_run.h"
#include "strait/store/checkpoint_store.h"

namespace strait::mirror {

// A record found on the target past the checkpoint after a crash, read back
// by the supervisor. `fingerprint` is compared with the in-flight journal
// (ADR 0009); `digest` with the next source records when the journal does
// not cover the record (ADR 0002's rule, for stores written before the
// journal existed or a journal lost with a power failure).
struct landed_record {
  target_offset offset;
  uint64_t digest = 0;
  bool with_timestamp = true;
  uint64_t fingerprint = 0;
};

// What the in-flight journal proves about the records that landed on the
// target past the checkpoint.
struct journal_recovery {
  offsets::mirror_position position;        // past every record accounted for
  std::optional<offsets::offset_run> tail;  // the last run after them
  std::vector<offsets::offset_run> runs;    // runs to store (new, or the old tail extended)
  size_t recovered = 0;                     // landed records the journal accounted for
  // Set when a landed record is not the one strait handed to the producer
  // for that target offset (someone else wrote it): what to tell the
  // operator. Recovery ends at that record.
  std::string mismatch;
};

// Pure. Maps `landed` (target records from `pos.next_target` on, in offset
// order) onto `journal` (what strait handed to the producer after its last
// checkpoint): the record at target offset T is the journal's entry for T
// when their fingerprints are equal. It never reads the source, so records
// the source compacted or deleted meanwhile are recovered all the same.
// Recovery stops at the first landed record without a journal entry (the
// caller may apply ADR 0002's source comparison to the rest) or with a
// different fingerprint (`mismatch`). Journal entries below
// `pos.next_target` (already checkpointed) are ignored.
[[nodiscard]] journal_recovery recover_from_journal(const offsets::mirror_position& pos,
                                                    std::optional<offsets::offset_run> tail,
                                                    std::span<const store::inflight_entry> journal,
                                                    std::span<const landed_record> landed);

}  // namespace strait::mirror
