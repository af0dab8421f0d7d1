#include "strait/offsets/run_list.h"

#include <algorithm>
#include <string>

namespace strait::offsets {

run_list::run_list(std::vector<offset_run> runs, mirror_position pos)
    : runs_(std::move(runs)), pos_(pos) {}

result<run_list> run_list::merge(std::vector<offset_run> forward, mirror_position forward_pos,
                                 const std::vector<offset_run>& reverse,
                                 mirror_position reverse_pos) {
  for (const auto& r : reverse) {
    forward.push_back(
        {source_offset(r.target_start.value()), target_offset(r.source_start.value()), r.length});
  }
  std::sort(forward.begin(), forward.end(),
            [](const auto& a, const auto& b) { return a.source_start < b.source_start; });
  for (size_t i = 1; i < forward.size(); ++i) {
    const auto& a = forward[i - 1];
    const auto& b = forward[i];
    if (b.source_start < a.source_end() || b.target_start < a.target_end()) {
      return fail(errc::corruption,
                  "offset-map runs of the two mirroring directions overlap at source offset " +
                      std::to_string(b.source_start.value()));
    }
  }
  mirror_position pos{
      std::max(forward_pos.next_source, source_offset(reverse_pos.next_target.value())),
      std::max(forward_pos.next_target, target_offset(reverse_pos.next_source.value()))};
  return run_list(std::move(forward), pos);
}

target_offset run_list::to_target(source_offset s) const {
  auto it = std::upper_bound(runs_.begin(), runs_.end(), s,
                             [](source_offset v, const auto& r) { return v < r.source_start; });
  std::optional<offset_run> floor, ceil;
  if (it != runs_.end()) ceil = *it;
  if (it != runs_.begin()) floor = *std::prev(it);
  return translate_to_target(floor, ceil, pos_, s);
}

source_offset run_list::to_source(target_offset t) const {
  auto it = std::upper_bound(runs_.begin(), runs_.end(), t,
                             [](target_offset v, const auto& r) { return v < r.target_start; });
  std::optional<offset_run> floor, ceil;
  if (it != runs_.end()) ceil = *it;
  if (it != runs_.begin()) floor = *std::prev(it);
  return translate_to_source(floor, ceil, pos_, t);
}

const offset_run* run_list::holding(source_offset s) const {
  auto it = std::upper_bound(runs_.begin(), runs_.end(), s,
                             [](source_offset v, const auto& r) { return v < r.source_start; });
  if (it == runs_.begin()) return nullptr;
  --it;
  return it->contains(s) ? &*it : nullptr;
}

}  // namespace strait::offsets
