#pragma once

#include <vector>

#include "strait/offsets/offset_run.h"

namespace strait::offsets {

// A partition's runs in one vector with its position, for translations of
// many offsets without a store seek each (verification, cutover). Runs must
// satisfy offset_map invariant A (both sides increase together); merge()
// builds such a list from the runs of both directions of a cutover.
class run_list {
 public:
  run_list(std::vector<offset_run> runs, mirror_position pos);

  // The runs of forward mirroring (source -> target) and of reverse
  // mirroring (target -> source, its runs and position in its own terms), as
  // one forward-oriented list: the exact map of every record that crossed
  // in either direction. Reverse runs are turned around (source_start =
  // the reverse run's target_start); the position is the later end of the
  // two. Fails with errc::corruption when the runs overlap (the two
  // directions wrote the same offsets: the store is wrong).
  [[nodiscard]] static result<run_list> merge(std::vector<offset_run> forward,
                                              mirror_position forward_pos,
                                              const std::vector<offset_run>& reverse,
                                              mirror_position reverse_pos);

  [[nodiscard]] target_offset to_target(source_offset s) const;
  [[nodiscard]] source_offset to_source(target_offset t) const;
  // The run holding source offset s, if any.
  [[nodiscard]] const offset_run* holding(source_offset s) const;
  [[nodiscard]] const std::vector<offset_run>& runs() const { return runs_; }
  [[nodiscard]] const mirror_position& position() const { return pos_; }

 private:
  std::vector<offset_run> runs_;  // ascending on both sides
  mirror_position pos_;
};

}  // namespace strait::offsets
