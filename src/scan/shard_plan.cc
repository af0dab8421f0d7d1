#include "strait/scan/shard_plan.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
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

namespace {

int64_t saturating_add(int64_t a, int64_t b) {
  return b > std::numeric_limits<int64_t>::max() - a ? std::numeric_limits<int64_t>::max() : a + b;
}

// The shard holding most of `c`'s names under `kept` among 0..shards-1,
// ties to the lower ordinal; -1 when none of them is on one.
int kept_shard(const shard_component& c, const placement& kept, int shards) {
  std::map<int, size_t> names_on;
  for (const auto& [names, where] :
       {std::pair{&c.topics, &kept.topics}, std::pair{&c.groups, &kept.groups}}) {
    for (const auto& n : *names) {
      auto it = where->find(n);
      if (it != where->end() && it->second >= 0 && it->second < shards) ++names_on[it->second];
    }
  }
  int best = -1;
  size_t most = 0;
  for (const auto& [shard, n] : names_on) {  // ascending ordinal: the first of equals wins
    if (n > most) best = shard, most = n;
  }
  return best;
}

// Merges the components that share a stored component (kept's *_component),
// in place: each merged one keeps the place of its first part.
void merge_stored(std::vector<shard_component>& components, const placement& kept) {
  std::vector<size_t> parent(components.size());
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  const auto root = [&](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  std::map<int, size_t> first_with;  // stored component -> a component holding part of it
  for (size_t i = 0; i < components.size(); ++i) {
    for (const auto& [names, where] : {std::pair{&components[i].topics, &kept.topic_component},
                                       std::pair{&components[i].groups, &kept.group_component}}) {
      for (const auto& n : *names) {
        auto it = where->find(n);
        if (it == where->end()) continue;
        auto [at, fresh] = first_with.emplace(it->second, i);
        if (!fresh) parent[root(i)] = root(at->second);
      }
    }
  }
  std::vector<shard_component> merged;
  std::map<size_t, size_t> index_of;  // root -> index in merged
  for (size_t i = 0; i < components.size(); ++i) {
    auto [at, fresh] = index_of.emplace(root(i), merged.size());
    if (fresh) {
      merged.push_back(std::move(components[i]));
      continue;
    }
    shard_component& into = merged[at->second];
    into.topics.insert(into.topics.end(), components[i].topics.begin(), components[i].topics.end());
    into.groups.insert(into.groups.end(), components[i].groups.begin(), components[i].groups.end());
    into.bytes = saturating_add(into.bytes, components[i].bytes);
    into.bytes_estimated = into.bytes_estimated || components[i].bytes_estimated;
  }
  for (auto& c : merged) {
    std::sort(c.topics.begin(), c.topics.end());
    std::sort(c.groups.begin(), c.groups.end());
    c.groups.erase(std::unique(c.groups.begin(), c.groups.end()), c.groups.end());
  }
  components = std::move(merged);
}

// Kept placements may leave shards unequal (a shard that joined holds
// nothing). While a shard holds over a tenth more than the mean, the
// most loaded such shard that can gives the least loaded one a component:
// the one that leaves those two closest (bytes nearest half their
// spread, below all of it; the larger of equals). Each move lowers the
// sum of squared loads, so this ends; bounded all the same.
void even_out(shard_plan& plan, const std::vector<shard_component>& components) {
  auto& load = plan.bytes_per_shard;
  int64_t total = 0;
  for (int64_t b : load) total = saturating_add(total, b);
  const int64_t mean = total / static_cast<int64_t>(load.size());
  std::vector<int> by_load(load.size());
  for (size_t s = 0; s < by_load.size(); ++s) by_load[s] = static_cast<int>(s);
  for (size_t moves = 0; moves < components.size() * load.size(); ++moves) {
    const int least = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    std::sort(by_load.begin(), by_load.end(),
              [&](int a, int b) { return load[a] > load[b] || (load[a] == load[b] && a < b); });
    std::optional<size_t> best;
    int from = -1;
    for (int s : by_load) {
      if (load[s] - mean <= mean / 10) break;  // this one and the rest are near the mean
      const int64_t spread = load[s] - load[least];
      // |spread - 2b| without overflow: b < spread, so spread - b > 0.
      const auto miss = [&](int64_t x) {
        return x > spread - x ? x - (spread - x) : spread - 2 * x;
      };
      for (size_t i = 0; i < components.size(); ++i) {  // largest first
        const int64_t b = components[i].bytes;
        if (plan.shard_of[i] != s || b <= 0 || b >= spread) continue;
        if (!best || miss(b) < miss(components[*best].bytes)) best = i;
      }
      if (best) {
        from = s;
        break;
      }
    }
    if (!best) break;
    plan.shard_of[*best] = least;
    load[from] -= components[*best].bytes;
    load[least] = saturating_add(load[least], components[*best].bytes);
  }
  // The loads again from the placement (a saturated one lost bytes above).
  std::fill(load.begin(), load.end(), 0);
  for (size_t i = 0; i < components.size(); ++i) {
    load[plan.shard_of[i]] = saturating_add(load[plan.shard_of[i]], components[i].bytes);
  }
}

}  // namespace

result<shard_plan> plan_shards(std::vector<shard_component> components, int shards,
                               const placement* kept) {
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
  if (kept != nullptr) merge_stored(components, *kept);
  std::sort(components.begin(), components.end(),
            [](const shard_component& a, const shard_component& b) {
              // Largest first; then by name, so the same input gives the same plan.
              return std::tie(b.bytes, a.link, a.topics.front()) <
                     std::tie(a.bytes, b.link, b.topics.front());
            });
  shard_plan plan;
  plan.shards = shards;
  plan.bytes_per_shard.assign(static_cast<size_t>(shards), 0);
  plan.shard_of.assign(components.size(), -1);
  auto& load = plan.bytes_per_shard;
  if (kept != nullptr) {
    for (size_t i = 0; i < components.size(); ++i) {
      plan.shard_of[i] = kept_shard(components[i], *kept, shards);
      if (plan.shard_of[i] >= 0) {
        load[plan.shard_of[i]] = saturating_add(load[plan.shard_of[i]], components[i].bytes);
      }
    }
  }
  for (size_t i = 0; i < components.size(); ++i) {
    if (plan.shard_of[i] >= 0) continue;
    // The least loaded shard; min_element keeps the first (lowest ordinal) of equals.
    const auto least = std::min_element(load.begin(), load.end());
    plan.shard_of[i] = static_cast<int>(least - load.begin());
    // Saturating: a shard's bytes stop at INT64_MAX instead of wrapping.
    *least = saturating_add(*least, components[i].bytes);
  }
  if (kept != nullptr) even_out(plan, components);
  plan.components = std::move(components);
  return plan;
}

}  // namespace strait::scan
