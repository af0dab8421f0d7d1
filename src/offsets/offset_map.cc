#include "strait/offsets/offset_map.h"

#include <string>

namespace strait::offsets {

result<append_kind> offset_map::append(source_offset s, target_offset t) {
  auto kind = append_record(tail_, pos_, s, t);
  if (!kind) return kind;
  by_source_[tail_->source_start.value()] = *tail_;
  if (*kind == append_kind::new_run) {
    by_target_[tail_->target_start.value()] = tail_->source_start.value();
  }
  return kind;
}

status offset_map::skip_source_to(source_offset s) {
  if (s < pos_.next_source) {
    return fail(errc::invalid_argument, "cannot move the source position back from " +
                                            std::to_string(pos_.next_source.value()) + " to " +
                                            std::to_string(s.value()));
  }
  pos_.next_source = s;
  return {};
}

status offset_map::skip_target_to(target_offset t) {
  if (t < pos_.next_target) {
    return fail(errc::invalid_argument, "cannot move the target position back from " +
                                            std::to_string(pos_.next_target.value()) + " to " +
                                            std::to_string(t.value()));
  }
  pos_.next_target = t;
  return {};
}

target_offset offset_map::to_target(source_offset committed) const {
  std::optional<offset_run> floor, ceil;
  auto it = by_source_.upper_bound(committed.value());
  if (it != by_source_.end()) ceil = it->second;
  if (it != by_source_.begin()) floor = std::prev(it)->second;
  return translate_to_target(floor, ceil, pos_, committed);
}

source_offset offset_map::to_source(target_offset committed) const {
  std::optional<offset_run> floor, ceil;
  auto it = by_target_.upper_bound(committed.value());
  if (it != by_target_.end()) ceil = by_source_.at(it->second);
  if (it != by_target_.begin()) floor = by_source_.at(std::prev(it)->second);
  return translate_to_source(floor, ceil, pos_, committed);
}

size_t offset_map::prune_below(source_offset log_start) {
  size_t pruned = 0;
  while (!by_source_.empty()) {
    const offset_run& first = by_source_.begin()->second;
    if (first.source_end() > log_start) break;
    by_target_.erase(first.target_start.value());
    by_source_.erase(by_source_.begin());
    ++pruned;
  }
  if (by_source_.empty()) tail_.reset();
  return pruned;
}

std::vector<offset_run> offset_map::runs() const {
  std::vector<offset_run> out;
  out.reserve(by_source_.size());
  for (const auto& [_, run] : by_source_) out.push_back(run);
  return out;
}

}  // namespace strait::offsets
