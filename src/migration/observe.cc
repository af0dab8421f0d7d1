#include "strait/migration/observe.h"

namespace strait::migration {

std::optional<topic_event> observed_event(topic_state s, const topic_observation& o,
                                          int64_t in_sync_max_lag) {
  const bool in_sync = !o.any_stopped && o.lag_records <= in_sync_max_lag;
  switch (s) {
    case topic_state::staged:
      if (o.mirroring) return topic_event::mirroring_started;
      return std::nullopt;
    case topic_state::mirroring:
      if (o.mirroring && in_sync) return topic_event::caught_up;
      return std::nullopt;
    case topic_state::in_sync:
      if (!in_sync || !o.mirroring) return topic_event::fell_behind;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<group_event> observed_event(group_state s, const group_observation& o) {
  if (s == group_state::tracked && o.synced) return group_event::sync_started;
  return std::nullopt;
}

}  // namespace strait::migration
