#include "strait/policy/group_offsets.h"

namespace strait::policy {

const char* to_string(skip_reason r) {
  switch (r) {
    case skip_reason::topic_not_mirrored:
      return "topic_not_mirrored";
    case skip_reason::not_mirrored_yet:
      return "not_mirrored_yet";
    case skip_reason::offset_expired:
      return "offset_expired";
    case skip_reason::partition_stopped:
      return "partition_stopped";
    case skip_reason::map_behind:
      return "map_behind";
    case skip_reason::target_group_active:
      return "target_group_active";
    case skip_reason::topic_on_another_shard:
      return "topic_on_another_shard";
  }
  return "unknown";
}

decision decide(const partition_facts& f) {
  auto skip = [](skip_reason r) {
    return decision{action::skip, target_offset(0), r, false, false};
  };
  if (!f.map) return skip(skip_reason::not_mirrored_yet);
  if (f.log_start && f.committed < *f.log_start) return skip(skip_reason::offset_expired);
  const store::map_slice& m = *f.map;
  const target_offset t =
      offsets::translate_to_target(m.floor, m.ceil, m.checkpoint.position, f.committed);
  const bool record_mirrored_at_or_after =
      (m.floor && m.floor->contains(f.committed)) || m.ceil.has_value();
  if (m.checkpoint.stopped != store::stop_reason::none && !record_mirrored_at_or_after) {
    return skip(skip_reason::partition_stopped);
  }
  const bool ahead = f.committed > m.checkpoint.position.next_source;
  if (!f.last_written) return decision{action::write, t, {}, false, ahead};
  const offsets::group_offset& last = *f.last_written;
  if (f.committed < last.source) return decision{action::write, t, {}, true, ahead};
  if (t > last.target) return decision{action::write, t, {}, false, ahead};
  if (t == last.target) return decision{action::unchanged, t, {}, false, ahead};
  return skip(skip_reason::map_behind);
}

}  // namespace strait::policy
