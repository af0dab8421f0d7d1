#include "strait/policy/topic_configs.h"

namespace strait::policy {

kafka::properties configs_to_copy(const std::vector<kafka::config_entry>& source,
                                  const config::topic_config& topics) {
  kafka::properties out;
  for (const auto& e : source) {
    if (e.is_default || e.is_sensitive) continue;
    bool allowed = false;
    for (const auto& pat : topics.config_allow) {
      if (config::matches_config_pattern(pat, e.name)) allowed = true;
    }
    for (const auto& pat : topics.config_deny) {
      if (config::matches_config_pattern(pat, e.name)) allowed = false;
    }
    if (allowed) out.emplace_back(e.name, e.value);
  }
  return out;
}

target_check check_target_topic(const std::string& source_topic, const std::string& target_topic,
                                int source_partitions, int target_partitions, bool strait_created,
                                const std::optional<std::string>& source_cleanup,
                                const std::optional<std::string>& target_cleanup) {
  if (source_cleanup && target_cleanup && *source_cleanup != *target_cleanup) {
    return {target_check::action::mismatch,
            "target topic " + target_topic + " has cleanup.policy=" + *target_cleanup +
                " but source topic " + source_topic + " has cleanup.policy=" + *source_cleanup +
                "; set the same cleanup.policy on the target or exclude the topic"};
  }
  if (target_partitions < source_partitions) {
    if (strait_created) {
      return {target_check::action::add_partitions,
              "source topic " + source_topic + " grew to " + std::to_string(source_partitions) +
                  " partitions; adding partitions to " + target_topic};
    }
    return {target_check::action::mismatch,
            "target topic " + target_topic + " has " + std::to_string(target_partitions) +
                " partitions but source topic " + source_topic + " has " +
                std::to_string(source_partitions) +
                "; source partition N is mirrored to target partition N, so add partitions to "
                "the target topic (kafka-topics --alter --partitions " +
                std::to_string(source_partitions) + ") or exclude the topic"};
  }
  return {};
}

std::optional<std::string> config_value(const std::vector<kafka::config_entry>& entries,
                                        const std::string& name) {
  for (const auto& e : entries) {
    if (e.name == name) return e.value;
  }
  return std::nullopt;
}

}  // namespace strait::policy
