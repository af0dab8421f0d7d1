#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/kafka/types.h"
#include "strait/policy/topic_configs.h"

namespace strait::mirror {

// Config sync's decisions for one target topic that may follow its source
// (docs/configuration.md, ADR 0022), apart from the supervisor's loop so
// that they can be tested with any answer of the target.

// Changes the target topic through IncrementalAlterConfigs of one topic (the
// changes land together or not at all). Contract, as
// kafka::admin_client::alter_topic_configs: errc::invalid_argument when the
// broker refuses a value or config; errc::precondition when it refuses the
// request whatever it holds (no permission, an old broker, no such topic);
// another error when no answer came.
using alter_configs = std::function<status(const std::vector<kafka::config_change>&)>;

// What config sync remembers of a topic between syncs, so that it neither
// changes a topic every interval nor asks again what was refused.
struct config_sync_memory {
  // Changed at an earlier sync and back as it was: the cluster rewrites the
  // value, or someone set it back. Not changed again while it stays.
  std::vector<policy::config_difference> changed;
  // Refused by the broker (its reason): not asked again while it stays.
  struct refusal {
    policy::config_difference difference;
    std::string reason;
    bool operator==(const refusal&) const = default;
  };
  std::vector<refusal> refused;
  bool operator==(const config_sync_memory&) const = default;
};

struct config_sync_step {
  std::vector<policy::config_difference> changed;  // ended now
  std::vector<policy::config_difference> left;     // still drift, sorted by name
  std::string reason;                              // why `left` stays; empty when it is empty
  config_sync_memory memory;                       // pass it back next time
  // The target did not answer (a timeout, a lost connection): the caller
  // ends this pass; what was not tried is in `left`.
  std::optional<error> unanswered;
};

// Ends `drift` on the target where it may:
//   - what `memory` says was changed before or refused stays, with why;
//   - a change that waits_for_catch_up stays while the topic has a lag;
//   - the others are changed in one request; when the broker refuses a value
//     in it, each alone, so one refused config does not hold back the rest.
[[nodiscard]] config_sync_step follow_source(std::vector<policy::config_difference> drift,
                                             const config_sync_memory& memory, bool caught_up,
                                             const alter_configs& alter);

}  // namespace strait::mirror
