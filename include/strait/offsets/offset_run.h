#pragma once

#include <optional>
#include <vector>

#include "strait/base/result.h"
#include "strait/base/types.h"

namespace strait::offsets {

// A run of the offset map: `length` consecutive source records
// [source_start, source_start + length) landed on the consecutive target
// offsets [target_start, target_start + length). A hole in the source
// (compaction, transaction markers, aborted records, a retention gap an
// operator accepted) or in the target (a foreign write an operator accepted)
// ends a run.
struct offset_run {
  source_offset source_start;
  target_offset target_start;
  int64_t length = 0;

  [[nodiscard]] source_offset source_end() const {
    return source_offset(source_start.value() + length);
  }
  [[nodiscard]] target_offset target_end() const {
    return target_offset(target_start.value() + length);
  }
  [[nodiscard]] bool contains(source_offset s) const {
    return s >= source_start && s < source_end();
  }
  [[nodiscard]] bool contains(target_offset t) const {
    return t >= target_start && t < target_end();
  }
  auto operator<=>(const offset_run&) const = default;
};

// Where mirroring of one partition stands.
//   next_source: the source offset the next fetch starts at (one past the last
//                mirrored record, or further when the operator skipped a gap).
//   next_target: the target offset the next mirrored record must land on.
struct mirror_position {
  source_offset next_source{0};
  target_offset next_target{0};
  auto operator<=>(const mirror_position&) const = default;
};

enum class append_kind { extended_run, new_run };

// Records that source record `s` landed on target offset `t` and advances the
// position past both. `tail` is the last run (empty before the first record).
// Contract: s >= pos.next_source and t >= pos.next_target, otherwise the call
// fails with errc::corruption and changes nothing (an offset going backwards
// means the data or the store is wrong; the caller must stop, not guess).
[[nodiscard]] result<append_kind> append_record(std::optional<offset_run>& tail,
                                                mirror_position& pos, source_offset s,
                                                target_offset t);

// append_record() on the last run, remembering which runs changed since the
// store last got them: the runs a commit must write (the runs the tail
// closed, then the tail itself when it changed). Used by the mirror engine's
// checkpoints and by crash recovery from the in-flight journal.
class run_appender {
 public:
  explicit run_appender(std::optional<offset_run> tail) : tail_(tail) {}
  // See append_record(); on failure nothing changes.
  [[nodiscard]] result<append_kind> append(mirror_position& pos, source_offset s, target_offset t);
  [[nodiscard]] const std::optional<offset_run>& tail() const { return tail_; }
  // The runs changed since stored() (or since construction), in order.
  [[nodiscard]] std::vector<offset_run> unstored() const;
  // The store committed unstored().
  void stored();

 private:
  std::optional<offset_run> tail_;
  std::vector<offset_run> closed_;  // changed runs the tail has moved past
  bool tail_changed_ = false;
};

// Translation of a committed source offset `committed` (the next record a
// consumer will read) to the target: the target offset of the first mirrored
// source record with offset >= committed; when no such record is mirrored yet,
// `pos.next_target` (the end of mirrored data).
//   floor: the run with the greatest source_start <= committed, if any;
//   ceil:  the run with the least source_start > committed, if any.
// Exact: a consumer moved to the result reads no record twice and skips none.
[[nodiscard]] target_offset translate_to_target(const std::optional<offset_run>& floor,
                                                const std::optional<offset_run>& ceil,
                                                const mirror_position& pos,
                                                source_offset committed);

// The reverse, for rollback: the source offset of the first mirrored record
// whose target offset is >= committed; `pos.next_source` when there is none.
// floor / ceil as above, ordered by target_start.
[[nodiscard]] source_offset translate_to_source(const std::optional<offset_run>& floor,
                                                const std::optional<offset_run>& ceil,
                                                const mirror_position& pos,
                                                target_offset committed);

}  // namespace strait::offsets
