#pragma once

#include <cstdint>
#include <optional>

#include "strait/migration/state_machine.h"

namespace strait::migration {

// The transitions the daemon makes on its own from what it observes, as
// opposed to those an operator asks for (stage, verify, cutover, rollback,
// finalize). Pure; the caller feeds the event to transition().

// A topic as the mirror engine sees it.
struct topic_observation {
  bool mirroring = false;    // the engine runs every partition the source topic has
  int64_t lag_records = 0;   // sum over its partitions
  bool any_stopped = false;  // a partition is stopped (gap, foreign write, ...)
};

// STAGED and mirroring                                -> mirroring_started
// MIRRORING, lag <= in_sync_max_lag, nothing stopped  -> caught_up
// IN_SYNC, lag > in_sync_max_lag, something stopped, or
//          not every partition running (the topic grew)  -> fell_behind
// otherwise none (VERIFIED and later are left to the operator's calls).
[[nodiscard]] std::optional<topic_event> observed_event(topic_state s, const topic_observation& o,
                                                        int64_t in_sync_max_lag);

// A group as the group syncer sees it.
struct group_observation {
  bool synced = false;  // its offsets reached the target in the last round
};

// TRACKED and synced -> sync_started; otherwise none.
[[nodiscard]] std::optional<group_event> observed_event(group_state s, const group_observation& o);

}  // namespace strait::migration
