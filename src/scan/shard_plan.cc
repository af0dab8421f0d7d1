#include "strait/scan/shard_plan.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>

namespace strait::scan {

std::vector<shard_component> components_of(const report& r) {
  std::map<std::string, const topic_row*> rows;
  int64_t sampled_records = 0, sampled_bytes = 0;
  for (const auto& t : r.topics) {
    rows.emplace(t.name, &t);
    sampled_records += t.sampled_records;
    sampled_bytes += t.sampled_bytes;
  }
  // Bytes per record of topics nothing was sampled from: the scan's mean,
  // or 1 (records alone) when it sampled nothing.
  const double mean = sampled_records > 0 ? static_cast<double>(sampled_bytes) /
                                                static_cast<double>(sampled_records)
                                          : 1.0;
  std::vector<shard_component> out;
  out.reserve(r.waves.size());
  for (const auto& w : r.waves) {
    shard_component c{r.link, w.topics, w.groups};
    std::sort(c.topics.begin(), c.topics.end());
    // A stored wave lists each topic once; a repeated one is counted once.
    c.topics.erase(std::unique(c.topics.begin(), c.topics.end()), c.topics.end());
    double bytes = 0;
    for (const auto& name : c.topics) {
      auto it = rows.find(name);
      if (it == rows.end()) continue;  // a wave's topic is a row of the report
      const topic_row& t = *it->second;
      if (t.sampled_records > 0) {
        bytes += static_cast<double>(t.records) * static_cast<double>(t.sampled_bytes) /
                 static_cast<double>(t.sampled_records);
      } else {
        bytes += static_cast<double>(t.records) * mean;
        c.bytes_estimated = c.bytes_estimated || t.records > 0;
      }
    }
    // Offsets from a hostile cluster may be absurd: clamped, never undefined.
    constexpr double kMaxBytes = 9.2e18;  // just below INT64_MAX, exactly representable
    c.bytes = static_cast<int64_t>(std::clamp(bytes, 0.0, kMaxBytes));
    out.push_back(std::move(c));
  }
  return out;
}

result<shard_plan> plan_shards(std::vector<shard_component> components, int shards) {
  if (shards < 1 || shards > kMaxShards) {
    return fail(errc::invalid_argument, "shards: must be 1 to " + std::to_string(kMaxShards) +
                                            ", not " + std::to_string(shards));
  }
  std::set<std::pair<std::string, std::string>> seen;  // (link, topic)
  for (auto& c : components) {
    if (c.bytes < 0) {
      return fail(errc::invalid_argument, "a component of link " + c.link + " has " +
                                              std::to_string(c.bytes) +
                                              " bytes; a component's bytes are 0 or more");
    }
    if (c.topics.empty()) {
      return fail(errc::invalid_argument,
                  "a component of link " + c.link + " has no topic (groups: " +
                      std::to_string(c.groups.size()) + "); every component holds a topic");
    }
    std::sort(c.topics.begin(), c.topics.end());
    std::sort(c.groups.begin(), c.groups.end());
    for (const auto& t : c.topics) {
      if (!seen.emplace(c.link, t).second) {
        return fail(errc::invalid_argument, "topic " + t + " of link " + c.link +
                                                " is in two components; a component is placed "
                                                "whole, so each topic must be in one");
      }
    }
  }
  std::sort(components.begin(), components.end(),
            [](const shard_component& a, const shard_component& b) {
              // Largest first; then by name, so the same input gives the same plan.
              return std::tie(b.bytes, a.link, a.topics.front()) <
                     std::tie(a.bytes, b.link, b.topics.front());
            });
  shard_plan plan;
  plan.shards = shards;
  plan.bytes_per_shard.assign(static_cast<size_t>(shards), 0);
  for (const auto& c : components) {
    // The least loaded shard; min_element keeps the first (lowest ordinal) of equals.
    const auto least = std::min_element(plan.bytes_per_shard.begin(), plan.bytes_per_shard.end());
    plan.shard_of.push_back(static_cast<int>(least - plan.bytes_per_shard.begin()));
    // Saturating: a shard's bytes stop at INT64_MAX instead of wrapping.
    *least = c.bytes > std::numeric_limits<int64_t>::max() - *least
                 ? std::numeric_limits<int64_t>::max()
                 : *least + c.bytes;
  }
  plan.components = std::move(components);
  return plan;
}

}  // namespace strait::scan
