#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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

// A topic config the target does not have as the source does (config drift):
//   - a config the source topic sets itself (configs_to_copy) whose value on
//     the target (its own or its default) differs; or
//   - a config the target topic sets itself, that copies_config, that the
//     source topic does not set but knows (a config only a newer target has
//     is not drift), whose value differs from the source's default
//     (source_default). Ended by setting the source's value, not by deleting
//     the target's: the target's brokers may have another default.
// Two defaults are never compared: each cluster's brokers choose their own.
// Sensitive values are never compared (they are not readable).
struct config_difference {
  std::string name;
  std::string source;                 // the source topic's value
  bool source_default = false;        // not set on the source topic: its brokers' default
  std::optional<std::string> target;  // empty: the target has no value for it
  bool operator==(const config_difference&) const = default;
};
// Sorted by name.
[[nodiscard]] std::vector<config_difference> config_differences(
    const std::vector<kafka::config_entry>& source, const std::vector<kafka::config_entry>& target,
    const config::topic_config& topics);
// The changes that make the target topic follow the source: the source's
// value of each.
[[nodiscard]] std::vector<kafka::config_change> changes_for(
    const std::vector<config_difference>& differences);
// Whether following the source could make the target refuse records still to
// be mirrored (a cleanup.policy change: keyless records on a compacted
// topic; a lower max.message.bytes): config sync makes such a change only
// once the topic has caught up.
[[nodiscard]] bool waits_for_catch_up(const config_difference& d);
// "retention.ms: source 3600000, target 604800000"; "segment.ms: source
// 604800000 (its default), target 1000".
[[nodiscard]] std::string describe(const config_difference& d);
// Each describe()d, joined by "; ".
[[nodiscard]] std::string describe(const std::vector<config_difference>& differences);

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

// Why a missing target topic stays missing (topics.create is false), with
// the fix.
[[nodiscard]] std::string not_created(const std::string& target_topic, int source_partitions);

// Why a target topic with fewer partitions than its source is not mirrored
// when configs are not checked (topics.check_configs false), with the fix.
[[nodiscard]] std::string too_few_partitions(const std::string& target_topic, int target_partitions,
                                             int source_partitions);

// Value of a config entry, if present.
[[nodiscard]] std::optional<std::string> config_value(
    const std::vector<kafka::config_entry>& entries, const std::string& name);

// `text` as a whole number (digits with an optional '-', nothing else);
// empty when it is not one.
[[nodiscard]] std::optional<int64_t> whole_number(std::string_view text);

// A target topic's max.message.bytes as the partitions' size check takes
// it: empty when the entries do not hold it, 0 (no check) when it is not a
// positive whole number.
[[nodiscard]] std::optional<int64_t> record_limit(const std::vector<kafka::config_entry>& target);

}  // namespace strait::policy
