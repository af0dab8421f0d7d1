#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <vector>

#include "strait/offsets/offset_run.h"

namespace strait::offsets {

// In-memory offset map of one partition pair. The durable copy lives in
// store::checkpoint_store, which answers the same questions with RocksDB seeks
// through the same pure functions (offset_run.h).
//
// Invariants:
//   A. Runs do not overlap, neither in source nor in target offsets, and both
//      are strictly increasing together: run i+1 starts at or after the end of
//      run i on both sides.
//   B. Every run has length >= 1.
//   C. position().next_source >= the last run's source_end, and
//      position().next_target >= its target_end.
//   D. Pruning removes only runs that end at or below the given log start: a
//      run straddling it is kept whole, so translation of any offset >= the
//      log start is unchanged by pruning.
class offset_map {
 public:
  explicit offset_map(mirror_position start = {}) : pos_(start) {}

  // See append_record(). Fails (and changes nothing) if s or t go backwards.
  [[nodiscard]] result<append_kind> append(source_offset s, target_offset t);

  // Moves next_source forward without a record (e.g. an operator accepted a
  // retention gap). Never moves backwards.
  [[nodiscard]] status skip_source_to(source_offset s);
  // Moves next_target forward (an operator accepted records someone else wrote).
  [[nodiscard]] status skip_target_to(target_offset t);

  [[nodiscard]] target_offset to_target(source_offset committed) const;
  [[nodiscard]] source_offset to_source(target_offset committed) const;

  // Drops runs that end at or below `log_start`; returns how many.
  size_t prune_below(source_offset log_start);

  [[nodiscard]] const mirror_position& position() const { return pos_; }
  [[nodiscard]] std::vector<offset_run> runs() const;
  [[nodiscard]] size_t run_count() const { return by_source_.size(); }

 private:
  std::map<int64_t, offset_run> by_source_;  // key: source_start
  std::map<int64_t, int64_t> by_target_;     // target_start -> source_start
  std::optional<offset_run> tail_;
  mirror_position pos_;
};

}  // namespace strait::offsets
