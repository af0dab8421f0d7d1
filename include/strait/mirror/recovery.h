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
  // With `mismatch`: the journal itself is impossible (it maps a record
  // behind the checkpoint): a damaged store, not a foreign write.
  bool damaged = false;
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

// A record read back for the identity check: its offset and digests
// (kafka::digest_of with and without the timestamp) and whether its timestamp
// is CreateTime (so a copy carries the same one).
struct read_back_record {
  int64_t offset = 0;
  uint64_t digest_with_timestamp = 0;
  uint64_t digest_without_timestamp = 0;
  bool create_time = true;
  // A source record's own timestamp is > 0: only then does its copy carry
  // the same one (0 or none is stamped by the target at write time).
  bool timestamp_kept = true;
};

enum class same_source { yes, no, unknown };
struct identity_verdict {
  same_source verdict = same_source::unknown;
  source_offset source{-1};  // for no: the source record that differs from its copy
  target_offset target{-1};
};

// Source offsets [from, to) of `run` to compare with their copies.
struct identity_window {
  offsets::offset_run run;
  int64_t from = 0;
  int64_t to = 0;
};

// Pure. Where the identity check compares, at most `n` records each, only
// offsets both clusters still hold (`source_low`, `target_low`):
//   - the first records of `oldest`, the oldest run holding such offsets: a
//     topic recreated while straitd runs has the new topic's records
//     appended to the old run (offsets go on), so only its old part can
//     tell the new topic from the old one;
//   - the last records of `tail`, the last run (a topic recreated while
//     straitd was stopped differs there too, and it is the newest data).
// Empty when nothing mirrored is held on both sides.
[[nodiscard]] std::vector<identity_window> identity_windows(
    const std::optional<offsets::offset_run>& oldest, const offsets::offset_run& tail,
    int64_t source_low, int64_t target_low, int64_t n);

// Pure. Whether the source partition still holds what strait mirrored from
// it: each source record inside `run` is compared with the target record
// the run maps it to (the timestamp too when the target's is CreateTime and
// the source record had one).
// `no` at the first pair that differs (the topic was deleted and recreated:
// the new records at those offsets are others), `yes` when at least one pair
// is equal and none differs, `unknown` when no pair could be compared (the
// records were deleted by retention or compacted on either side).
[[nodiscard]] identity_verdict compare_through_run(const offsets::offset_run& run,
                                                   std::span<const read_back_record> source,
                                                   std::span<const read_back_record> target);

}  // namespace strait::mirror
