#pragma once

#include <optional>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/kafka/types.h"
#include "strait/policy/topic_configs.h"

namespace strait::plan {

// The pure decisions of a metadata plan (docs/planning.md#plan-and-apply,
// ADR 0024): what the target needs so that a link can mirror a source topic,
// made from what was read of both clusters and of the link's store. The
// same rules as the supervisor's (policy::check_target_topic, configs_to_copy)
// and config sync's (policy::config_differences, waits_for_catch_up), so a
// plan says what a running link does and what it leaves to the operator.

// What was read of one selected source topic and its target topic.
struct topic_facts {
  std::string source;  // the source topic
  std::string target;  // its name on the target (topics.prefix)
  int source_partitions = 0;
  std::optional<int> target_partitions;  // empty: no target topic
  // Both topics' configs (the target's when it exists), when the link
  // compares configs (topics.check_configs) and they were read; otherwise
  // `configs_error` says why not (empty when check_configs is false).
  bool configs_read = false;
  std::string configs_error;
  std::vector<kafka::config_entry> source_configs, target_configs;
  bool strait_created = false;    // the store's flag: strait created the target topic
  bool handed_over = false;       // a producer cutover made the target primary
  std::optional<bool> caught_up;  // every partition mirrored to the source's end; empty: unknown
  std::string refusal;            // why strait may not write the target topic at all
};

enum class action {
  create,          // create the target topic: `partitions`, `configs`
  add_partitions,  // grow the target topic to `partitions`
  change_configs,  // set `drift`'s source values on the target topic
  nothing,         // the target topic is as the link needs it
  blocked,         // something only the operator can resolve: `blocker`
};
[[nodiscard]] const char* to_string(action a);
// Whether apply does something for it: create, add_partitions, change_configs.
[[nodiscard]] bool is_action(action a);

struct item {
  std::string topic;   // the source topic
  std::string target;  // the target topic
  action what = action::nothing;
  int partitions = 0;         // create, add_partitions: the target's count after it
  int source_partitions = 0;  // the source topic's
  kafka::properties configs;  // create: the source's configs the link copies
  std::vector<policy::config_difference> drift;  // change_configs; blocked by a lag
  std::string reason;                            // what and why, printable
  std::string blocker;                           // blocked: why, and the fix
  // The running link does this itself: the supervisor creates and grows
  // topics (every topics.refresh_interval), config sync follows the source
  // (every topics.config_sync_interval_ms) where it may. Not said: a topic
  // in error waits for its error to end, and config sync does not ask again
  // for a value the target refused or set back.
  bool by_link = false;
};

// The items of one topic, in the order they are applied: blocked alone when
// the topic cannot be mirrored (refused name, another link's target topic,
// partitions or cleanup.policy that do not fit, topics.create false, its
// configs not read); otherwise create, or add
// partitions and/or change configs, or nothing. A config change that could
// make the target refuse records still to be mirrored (waits_for_catch_up)
// is a blocked item of its own while the topic has a lag (or its lag is
// unknown). A topic handed over to the target gets no config items: the
// target is primary, its configs are no longer the source's to set.
// `running`: the link runs (its supervisor acts; a paused link does nothing).
[[nodiscard]] std::vector<item> plan_topic(const config::topic_config& topics, bool running,
                                           const topic_facts& t);

// What was read of one selected consumer group (the link's groups section).
struct group_facts {
  std::string group;
  std::string type;  // "classic", "consumer" or "unknown" (kafka::to_string(group_type))
  // The topics it committed offsets for on the source, and of those the ones
  // the link does not mirror; `offsets_error` when they could not be read.
  std::vector<std::string> topics, unmirrored;
  std::string offsets_error;
  std::string target_state;  // its state on the target ("stable", ...); empty: no such group
  bool target_has_members = false;
  bool on_target = false;  // a consumer cutover made the target group primary
};

enum class group_action {
  sync,     // group sync writes its translated offsets to the target group
  nothing,  // nothing to carry over, or the target is primary already
  blocked,  // some or all of its offsets are not carried over: `blocker`
};

struct group_item {
  std::string group;
  std::string type;
  group_action what = group_action::nothing;
  std::string reason;    // printable
  std::string blocker;   // blocked: why, and the fix; printable
  bool by_link = false;  // sync: the running link does it (group sync)
};

// The items of one group (docs/planning.md#plan-and-apply): nothing once a
// consumer cutover made the target primary, or without committed offsets;
// blocked when its offsets cannot be read, for the topics it commits that
// the link does not mirror (those offsets are not carried over) and while
// the target group has members (group sync writes no offsets then); sync
// for the rest. Group sync is the link's own: apply has nothing to do for
// groups. `running`: the link runs.
[[nodiscard]] std::vector<group_item> plan_group(bool running, const group_facts& g);

// Whether `items` (one topic's) hold a change that waits for the topic to
// catch up: whether it did decides that plan, so the caller measures it
// (topic_facts::caught_up) and plans the topic again.
[[nodiscard]] bool depends_on_catch_up(const std::vector<item>& items);

}  // namespace strait::plan
