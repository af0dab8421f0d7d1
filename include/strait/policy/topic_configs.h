#pragma once

#include <optional>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/kafka/client.h"

namespace strait::policy {

// Pure decisions of topic sync, kept apart from the Kafka calls so they can
// be tested exhaustively.

// Whether topic config `name` follows the source: it matches an allow
// pattern and no deny pattern.
[[nodiscard]] bool copies_config(const std::string& name, const config::topic_config& topics);

// The source topic configs to set on a new target topic: those set on the
// topic itself (not broker defaults), not sensitive, that copies_config.
[[nodiscard]] kafka::properties configs_to_copy(const std::vector<kafka::config_entry>& source,
                                                const config::topic_config& topics);

// A topic config the target does not have as the source does (config drift).
//   source set: a config the source topic sets itself (configs_to_copy)
//     whose value on the target (its own or its default) differs;
//   source empty: a config the target topic sets itself, that copies_config,
//     that the source topic does not set, and whose value differs from the
//     source's (default) value.
// Sensitive values are never compared (they are not readable).
struct config_difference {
  std::string name;
  std::optional<std::string> source;  // empty: not set on the source topic
  std::optional<std::string> target;  // empty: the target has no value for it
  bool operator==(const config_difference&) const = default;
};
// Sorted by name.
[[nodiscard]] std::vector<config_difference> config_differences(
    const std::vector<kafka::config_entry>& source, const std::vector<kafka::config_entry>& target,
    const config::topic_config& topics);
// The changes that make the target topic follow the source: set what the
// source sets, delete the target's own value of the others.
[[nodiscard]] std::vector<kafka::config_change> changes_for(
    const std::vector<config_difference>& differences);
// "retention.ms: source 3600000, target 604800000"; "retention.ms: not set on
// the source (its default), target 1000".
[[nodiscard]] std::string describe(const config_difference& d);

// Checks an existing target topic against its source. Returns a message
// naming the topic and the fix, or nothing when they are compatible.
//   `strait_created`: strait created the target topic, so it may add
//   partitions to follow the source.
struct target_check {
  enum class action { ok, add_partitions, mismatch } what = action::ok;
  std::string message;
};
[[nodiscard]] target_check check_target_topic(const std::string& source_topic,
                                              const std::string& target_topic,
                                              int source_partitions, int target_partitions,
                                              bool strait_created,
                                              const std::optional<std::string>& source_cleanup,
                                              const std::optional<std::string>& target_cleanup);

// Value of a config entry, if present.
[[nodiscard]] std::optional<std::string> config_value(
    const std::vector<kafka::config_entry>& entries, const std::string& name);

}  // namespace strait::policy
