#pragma once

#include <optional>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/kafka/client.h"

namespace strait::policy {

// Pure decisions of topic sync, kept apart from the Kafka calls so they can
// be tested exhaustively.

// The source topic configs to set on a new target topic: those set on the
// topic itself (not broker defaults), not sensitive, matching an allow pattern
// and no deny pattern.
[[nodiscard]] kafka::properties configs_to_copy(const std::vector<kafka::config_entry>& source,
                                                const config::topic_config& topics);

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
