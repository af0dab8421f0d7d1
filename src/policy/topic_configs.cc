#include "strait/policy/topic_configs.h"

#include <algorithm>
#include <charconv>

#include "strait/base/text.h"

namespace strait::policy {

bool copies_config(const std::string& name, const config::topic_config& topics) {
  auto matches = [&](const std::vector<std::string>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pat) {
      return config::matches_config_pattern(pat, name);
    });
  };
  return matches(topics.config_allow) && !matches(topics.config_deny);
}

kafka::properties configs_to_copy(const std::vector<kafka::config_entry>& source,
                                  const config::topic_config& topics) {
  kafka::properties out;
  for (const auto& e : source) {
    if (e.is_default || e.is_sensitive) continue;
    if (copies_config(e.name, topics)) out.emplace_back(e.name, e.value);
  }
  return out;
}

namespace {

const kafka::config_entry* entry_named(const std::vector<kafka::config_entry>& entries,
                                       const std::string& name) {
  for (const auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

}  // namespace

std::vector<config_difference> config_differences(const std::vector<kafka::config_entry>& source,
                                                  const std::vector<kafka::config_entry>& target,
                                                  const config::topic_config& topics) {
  std::vector<config_difference> out;
  for (const auto& [name, value] : configs_to_copy(source, topics)) {
    const auto* t = entry_named(target, name);
    if (t != nullptr && t->is_sensitive) continue;
    if (t == nullptr || t->value != value) {
      out.push_back({name, value, false, t ? std::optional(t->value) : std::nullopt});
    }
  }
  for (const auto& t : target) {
    if (t.is_default || t.is_sensitive || !copies_config(t.name, topics)) continue;
    const auto* s = entry_named(source, t.name);
    // Unknown to the source (a newer target's config), set on the source
    // (compared above), or not readable there: not drift.
    if (s == nullptr || !s->is_default || s->is_sensitive) continue;
    if (s->value == t.value) continue;
    out.push_back({t.name, s->value, true, t.value});
  }
  std::sort(out.begin(), out.end(),
            [](const config_difference& a, const config_difference& b) { return a.name < b.name; });
  return out;
}

std::vector<kafka::config_change> changes_for(const std::vector<config_difference>& differences) {
  std::vector<kafka::config_change> out;
  out.reserve(differences.size());
  for (const auto& d : differences) out.push_back({d.name, d.source});
  return out;
}

bool waits_for_catch_up(const config_difference& d) {
  if (d.name == "cleanup.policy") return true;
  if (d.name != "max.message.bytes") return false;
  // Lower on the source than on the target now; a value that is not a
  // number is taken as lower.
  const auto from = d.target ? whole_number(*d.target) : std::nullopt;
  const auto to = whole_number(d.source);
  return !from || !to || *to < *from;
}

std::string describe(const config_difference& d) {
  // Names and values come from the brokers: made printable for logs.
  constexpr size_t kMax = 256;
  return printable(d.name, kMax) + ": source " + printable(d.source, kMax) +
         (d.source_default ? " (its default)" : "") + ", target " +
         (d.target ? printable(*d.target, kMax) : "(no value)");
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

std::string not_created(const std::string& target_topic, int source_partitions) {
  return "target topic " + target_topic +
         " does not exist and topics.create is false; create it with " +
         std::to_string(source_partitions) + " partitions";
}

std::string too_few_partitions(const std::string& target_topic, int target_partitions,
                               int source_partitions) {
  return "target topic " + target_topic + " has " + std::to_string(target_partitions) +
         " partitions but the source has " + std::to_string(source_partitions) +
         "; add partitions to the target topic or exclude the topic";
}

std::optional<std::string> config_value(const std::vector<kafka::config_entry>& entries,
                                        const std::string& name) {
  for (const auto& e : entries) {
    if (e.name == name) return e.value;
  }
  return std::nullopt;
}

std::optional<int64_t> whole_number(std::string_view text) {
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

std::optional<int64_t> record_limit(const std::vector<kafka::config_entry>& target) {
  const auto value = config_value(target, "max.message.bytes");
  if (!value) return std::nullopt;
  const auto n = whole_number(*value);
  return n && *n > 0 ? *n : 0;
}

std::string describe(const std::vector<config_difference>& differences) {
  std::string out;
  for (const auto& d : differences) out += (out.empty() ? "" : "; ") + describe(d);
  return out;
}

}  // namespace strait::policy
