#include "schema_gate.h"

#include <spdlog/spdlog.h>

#include "strait/base/text.h"
#include "strait/kafka/client.h"
#include "strait/kafka/partition_reader.h"
#include "strait/registry/id_gate.h"
#include "strait/registry/schema_plan.h"

namespace strait::daemon {

namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

std::string cannot_tell(const std::string& why) {
  return "the schema gate cannot tell whether the target registry serves the ids the topics' "
         "records carry: " +
         why + "; fix that, or cut over with --force (the gate is then skipped, and logged)";
}

}  // namespace

status schema_gate(const config::link_config& cfg, const std::map<std::string, int>& topics,
                   bool force, const std::string& requested_by) {
  if (!cfg.schemas.enabled || topics.empty()) return {};
  const auto refuse = [&](const std::string& why) -> status {
    if (force) {
      spdlog::warn("link {}: cutover forced by {} past the schema gate: {}", cfg.name,
                   printable(requested_by, 200), why);
      return {};
    }
    return fail(errc::precondition, why);
  };
  // The newest records of each partition.
  std::vector<kafka::topic_partition> partitions;
  for (const auto& [topic, count] : topics) {
    if (count < 0) {
      return refuse(cannot_tell("the partitions of " + printable(topic, 200) +
                                " are not known yet (the link's supervisor has not read it)"));
    }
    for (int32_t p = 0; p < count; ++p) partitions.push_back({topic, p});
  }
  const std::string id = "strait-" + cfg.name + "-schema-gate";
  auto admin = kafka::admin_client::connect(cfg.source.props, id,
                                            "links." + cfg.name + ".source.properties", kTimeout);
  if (!admin) return refuse(cannot_tell("source: " + admin.error().message));
  auto marks = (*admin)->list_watermarks(partitions);
  if (!marks) return refuse(cannot_tell("source: " + marks.error().message));
  std::vector<kafka::partition_reader::range> ranges;
  for (const auto& [tp, w] : *marks) {
    if (w.high <= w.low) continue;
    ranges.push_back({tp.first, tp.second, std::max(w.low, w.high - kGateRecords), w.high});
  }
  std::map<int32_t, registry::id_sighting> candidates;
  if (!ranges.empty()) {
    auto reader = kafka::partition_reader::connect(
        cfg.source.props, id, "links." + cfg.name + ".source.properties", true);
    if (!reader) return refuse(cannot_tell("source: " + reader.error().message));
    const auto results = (*reader)->read_many(
        ranges,
        [&](size_t i, const rd_kafka_message_t& m) {
          const auto note = [&](const void* data, size_t size) {
            if (data == nullptr) return;
            auto candidate = registry::wire_format_id({static_cast<const char*>(data), size});
            if (candidate) {
              candidates.emplace(*candidate, registry::id_sighting{ranges[i].topic,
                                                                   ranges[i].partition, m.offset});
            }
          };
          note(m.key, m.key_len);
          note(m.payload, m.len);
        },
        kTimeout);
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i]) {
        return refuse(cannot_tell("reading " + printable(ranges[i].topic, 200) + " partition " +
                                  std::to_string(ranges[i].partition) + ": " +
                                  results[i].error().message));
      }
    }
  }
  if (candidates.empty()) return {};
  const auto clients = registry::connect_registries(cfg.schemas, kTimeout);
  auto checked = registry::check_ids(*clients.source, *clients.target, candidates);
  if (!checked) return refuse(cannot_tell(checked.error().message));
  spdlog::info(
      "link {}: schema gate: {} schema ids in the newest records checked on the target "
      "registry, {} problems ({} candidates the source registry does not serve, {} not "
      "checked)",
      cfg.name, checked->ids_checked, checked->problems.size(), checked->not_ids,
      checked->left_out);
  if (checked->problems.empty() && checked->left_out > 0) {
    return refuse(cannot_tell(std::to_string(checked->left_out) +
                              " candidate ids of the newest records were past the " +
                              std::to_string(registry::kMaxGateIds) + " a gate checks"));
  }
  if (checked->problems.empty()) return {};
  std::string why =
      "the target registry does not serve every schema id the topics' newest "
      "records carry: ";
  for (size_t i = 0; i < checked->problems.size() && i < 10; ++i) {
    why += (i == 0 ? "" : "; ") + checked->problems[i];
  }
  if (checked->problems.size() > 10) {
    why += "; and " + std::to_string(checked->problems.size() - 10) + " more";
  }
  why += ". Copy the schemas first (straitctl plan " + cfg.name + ", straitctl apply " + cfg.name +
         "), or cut over with --force";
  return refuse(why);
}

}  // namespace strait::daemon
