#include "strait/offsets/offset_run.h"

#include <string>

namespace strait::offsets {

result<append_kind> append_record(std::optional<offset_run>& tail, mirror_position& pos,
                                  source_offset s, target_offset t) {
  if (s < pos.next_source) {
    return fail(errc::corruption, "source offset " + std::to_string(s.value()) +
                                      " is below the mirrored position " +
                                      std::to_string(pos.next_source.value()));
  }
  if (t < pos.next_target) {
    return fail(errc::corruption, "target offset " + std::to_string(t.value()) +
                                      " is below the mirrored position " +
                                      std::to_string(pos.next_target.value()));
  }
  append_kind kind = append_kind::new_run;
  if (tail && tail->source_end() == s && tail->target_end() == t) {
    ++tail->length;
    kind = append_kind::extended_run;
  } else {
    tail = offset_run{s, t, 1};
  }
  pos.next_source = source_offset(s.value() + 1);
  pos.next_target = target_offset(t.value() + 1);
  return kind;
}

result<append_kind> run_appender::append(mirror_position& pos, source_offset s, target_offset t) {
  const std::optional<offset_run> previous = tail_;
  auto kind = append_record(tail_, pos, s, t);
  if (!kind) return kind;
  if (*kind == append_kind::new_run && previous && tail_changed_) closed_.push_back(*previous);
  tail_changed_ = true;
  return kind;
}

std::vector<offset_run> run_appender::unstored() const {
  std::vector<offset_run> out = closed_;
  if (tail_ && tail_changed_) out.push_back(*tail_);
  return out;
}

void run_appender::stored() {
  closed_.clear();
  tail_changed_ = false;
}

target_offset translate_to_target(const std::optional<offset_run>& floor,
                                  const std::optional<offset_run>& ceil, const mirror_position& pos,
                                  source_offset committed) {
  if (floor && floor->contains(committed)) {
    return target_offset(floor->target_start.value() +
                         (committed.value() - floor->source_start.value()));
  }
  if (ceil) return ceil->target_start;
  return pos.next_target;
}

source_offset translate_to_source(const std::optional<offset_run>& floor,
                                  const std::optional<offset_run>& ceil, const mirror_position& pos,
                                  target_offset committed) {
  if (floor && floor->contains(committed)) {
    return source_offset(floor->source_start.value() +
                         (committed.value() - floor->target_start.value()));
  }
  if (ceil) return ceil->source_start;
  return pos.next_source;
}

}  // namespace strait::offsets
