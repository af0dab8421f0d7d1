#include "strait/config/shards.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "strait/base/digest.h"
#include "strait/base/text.h"

namespace strait::config {

result<uint32_t> ordinal_from_hostname(std::string_view hostname, uint32_t count) {
  const std::string_view label = hostname.substr(0, hostname.find('.'));
  const size_t dash = label.rfind('-');
  const std::string_view digits = dash == std::string_view::npos ? "" : label.substr(dash + 1);
  uint32_t ordinal = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ordinal);
  if (digits.empty() || digits.size() > 2 || ec != std::errc() ||
      end != digits.data() + digits.size()) {
    return fail(errc::invalid_argument,
                "daemon.shards.ordinal: hostname: the host name '" + printable(hostname, 256) +
                    "' does not end in -ORDINAL as a StatefulSet pod's does (NAME-0, NAME-1, "
                    "...); run straitd in a StatefulSet or give the ordinal as a number");
  }
  if (ordinal >= count) {
    return fail(errc::invalid_argument,
                "daemon.shards.ordinal: hostname: the host name '" + printable(hostname, 256) +
                    "' gives ordinal " + std::to_string(ordinal) + ", but daemon.shards.count is " +
                    std::to_string(count) + ": set count to the StatefulSet's replicas");
  }
  return ordinal;
}

uint32_t hashed_owner(std::string_view name, uint32_t count) {
  return count == 0 ? 0 : static_cast<uint32_t>(fnv1a64(name) % count);
}

namespace {

// A topic or group name of a document: what Kafka could name. Any bytes
// (a group id may hold anything; a lying cluster's topic too): names are
// stored length-prefixed and printed escaped.
std::optional<std::string> name_problem(const std::string& name, size_t max_bytes) {
  if (name.empty()) return "is empty";
  if (name.size() > max_bytes) {
    return "is " + std::to_string(name.size()) + " bytes long; at most " +
           std::to_string(max_bytes);
  }
  return std::nullopt;
}

}  // namespace

result<shard_assignment> shard_assignment::make(uint32_t shards, uint64_t scan_id,
                                                std::vector<shard_component> components,
                                                uint32_t count) {
  if (shards == 0) {
    return fail(errc::invalid_argument, "shards: 0; an assignment places names on 1 or more");
  }
  if (shards > count) {
    return fail(errc::invalid_argument,
                "shards: the assignment was planned for " + std::to_string(shards) +
                    " shards, and this straitd is one of " + std::to_string(count) +
                    " (daemon.shards.count): plan again with --shards " + std::to_string(count) +
                    " (or fewer, to take shards away before the count goes down: "
                    "docs/sharding.md#changing-the-count)");
  }
  shard_assignment a;
  a.shards = shards;
  a.scan_id = scan_id;
  size_t names = 0;
  for (size_t i = 0; i < components.size(); ++i) {
    auto& c = components[i];
    const std::string field = "components[" + std::to_string(i) + "]";
    if (c.shard >= shards) {
      return fail(errc::invalid_argument, field + ".shard: " + std::to_string(c.shard) +
                                              " is not an ordinal of the plan's " +
                                              std::to_string(shards) + " shards (0 to " +
                                              std::to_string(shards - 1) + ")");
    }
    if (c.topics.empty()) {
      return fail(errc::invalid_argument,
                  field +
                      ".topics: empty; a component is a set of topics and the groups that "
                      "read them");
    }
    if (c.bytes < 0) {
      return fail(errc::invalid_argument, field + ".bytes: negative");
    }
    auto place = [&](std::vector<std::string>& list, const char* kind, size_t max_bytes,
                     std::map<std::string, uint32_t, std::less<>>& owners) -> status {
      names += list.size();
      if (names > kMaxNames) {
        return fail(errc::invalid_argument, "components: more than " + std::to_string(kMaxNames) +
                                                " topics and groups; split the link");
      }
      for (size_t j = 0; j < list.size(); ++j) {
        const std::string at = field + "." + kind + "[" + std::to_string(j) + "]";
        if (auto p = name_problem(list[j], max_bytes)) {
          return fail(errc::invalid_argument, at + ": " + *p);
        }
        if (!owners.emplace(list[j], c.shard).second) {
          return fail(
              errc::invalid_argument,
              at + ": '" + printable(list[j], 256) +
                  "' is listed twice (here and in this or another component): a name belongs to "
                  "one component, once");
        }
      }
      std::ranges::sort(list);
      return {};
    };
    if (auto s = place(c.topics, "topics", kMaxTopicBytes, a.topic_owner_); !s) {
      return std::unexpected(s.error());
    }
    if (auto s = place(c.groups, "groups", kMaxGroupBytes, a.group_owner_); !s) {
      return std::unexpected(s.error());
    }
  }
  // The digest does not depend on the order of components or names: the
  // same placement is the same document.
  std::ranges::sort(components, {}, [](const shard_component& c) { return c.topics.front(); });
  record_digest d;
  d.add_int(shards);
  for (const auto& c : components) {
    d.add_int(c.shard);
    d.add_int(static_cast<int64_t>(c.topics.size()));
    for (const auto& t : c.topics) d.add_nullable(t.data(), t.size());
    d.add_int(static_cast<int64_t>(c.groups.size()));
    for (const auto& g : c.groups) d.add_nullable(g.data(), g.size());
  }
  a.digest = d.hex();
  a.components = std::move(components);
  return a;
}

std::optional<uint32_t> shard_assignment::topic_owner(const std::string& name) const {
  auto it = topic_owner_.find(name);
  if (it == topic_owner_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> shard_assignment::group_owner(const std::string& name) const {
  auto it = group_owner_.find(name);
  if (it == group_owner_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> owner_under(const shard_assignment* a, shard_share::kind k,
                                    const std::string& name, uint32_t count) {
  if (a == nullptr) return count <= 1 ? std::optional<uint32_t>(0) : std::nullopt;
  if (a->shards <= 1) return 0;
  auto placed = k == shard_share::kind::topic ? a->topic_owner(name) : a->group_owner(name);
  return placed ? placed : hashed_owner(name, a->shards);
}

std::optional<uint32_t> shard_share::owner(kind k, const std::string& name) const {
  std::lock_guard lock(mu_);
  if (!state_.owns_a_part(id_.count)) return std::nullopt;
  if ((k == kind::topic ? state_.released_topics : state_.released_groups).contains(name)) {
    return std::nullopt;  // on its way to another straitd: nobody's meanwhile
  }
  return owner_under(state_.assignment.get(), k, name, id_.count);
}

status check_replacement(const shard_identity& self, const shard_assignment* current,
                         uint32_t current_ordinal, const shard_assignment& next,
                         const std::set<std::string>& held_topics,
                         const std::set<std::string>& held_groups) {
  constexpr size_t kNamed = 5;
  std::vector<std::string> problems;
  size_t found = 0;
  auto note = [&](std::string why) {
    if (++found <= kNamed) problems.push_back(std::move(why));
  };
  auto shard = [](const std::optional<uint32_t>& o) {
    return o ? "shard " + std::to_string(*o) : std::string("no shard");
  };
  using kind = shard_share::kind;
  auto check_held = [&](const std::set<std::string>& held, kind k, const char* what) {
    for (const auto& name : held) {
      auto to = owner_under(&next, k, name, self.count);
      if (to == self.ordinal) continue;
      note(std::string(what) + " " + printable(name, 256) + " (held here, shard " +
           std::to_string(self.ordinal) + ", given to " + shard(to) + ")");
    }
  };
  check_held(held_topics, kind::topic, "topic");
  check_held(held_groups, kind::group, "group");
  if (current != nullptr) {
    for (kind k : {kind::topic, kind::group}) {
      const auto& held = k == kind::topic ? held_topics : held_groups;
      std::set<std::string> placed;  // by either document
      for (const auto* a : {current, &next}) {
        for (const auto& c : a->components) {
          const auto& names = k == kind::topic ? c.topics : c.groups;
          placed.insert(names.begin(), names.end());
        }
      }
      for (const auto& name : placed) {
        // Coming here from another shard, which may hold its state; a name
        // held here already (imported) may come.
        auto from = owner_under(current, k, name, self.count);
        auto to = owner_under(&next, k, name, self.count);
        if (to != self.ordinal || !from || *from == current_ordinal) continue;
        if (held.contains(name)) continue;
        note(std::string(k == kind::topic ? "topic" : "group") + " " + printable(name, 256) +
             " (from " + shard(from) + " to this straitd, now shard " +
             std::to_string(self.ordinal) + ")");
      }
    }
  }
  if (found == 0) return {};
  std::string text = "the assignment would move what a shard may already mirror: ";
  for (size_t i = 0; i < problems.size(); ++i) text += (i == 0 ? "" : "; ") + problems[i];
  if (found > kNamed) text += "; and " + std::to_string(found - kNamed) + " more";
  text +=
      ". Move such components with straitctl shards-move over the whole set, which hands "
      "each over with its offset maps (also names no component placed, from their hash "
      "owner) and stores the plan after (docs/sharding.md#moving-a-component)";
  return fail(errc::precondition, text);
}

}  // namespace strait::config
