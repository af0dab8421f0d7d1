#include "strait/plan/planner.h"

#include <algorithm>

#include "strait/base/text.h"

namespace strait::plan {

const char* to_string(action a) {
  switch (a) {
    case action::create:
      return "create";
    case action::add_partitions:
      return "add_partitions";
    case action::change_configs:
      return "change_configs";
    case action::nothing:
      return "nothing";
    case action::blocked:
      return "blocked";
  }
  return "nothing";
}

bool is_action(action a) {
  return a == action::create || a == action::add_partitions || a == action::change_configs;
}

bool depends_on_catch_up(const std::vector<item>& items) {
  return std::any_of(items.begin(), items.end(), [](const item& i) {
    return std::any_of(i.drift.begin(), i.drift.end(), policy::waits_for_catch_up);
  });
}

std::vector<item> plan_topic(const config::topic_config& topics, bool running,
                             const topic_facts& t) {
  using mode = config::topic_config::config_sync_mode;
  auto one = [&](action what) {
    item i;
    i.topic = t.source;
    i.target = t.target;
    i.what = what;
    i.source_partitions = t.source_partitions;
    return i;
  };
  auto blocked = [&](std::string why) {
    item i = one(action::blocked);
    i.blocker = std::move(why);
    return std::vector<item>{std::move(i)};
  };
  if (!t.refusal.empty()) return blocked(t.refusal);
  if (topics.check_configs && !t.configs_read) {
    return blocked("the topic's configs could not be read (" + t.configs_error +
                   "): nothing is planned for it; plan again");
  }

  if (!t.target_partitions) {
    if (!topics.create) {
      return blocked(policy::not_created(t.target, t.source_partitions));
    }
    item i = one(action::create);
    i.partitions = t.source_partitions;
    if (t.configs_read) i.configs = policy::configs_to_copy(t.source_configs, topics);
    i.reason = "target topic " + t.target + " does not exist: create it with " +
               std::to_string(t.source_partitions) + " partitions";
    if (!i.configs.empty()) {
      i.reason += " and configs ";
      for (size_t k = 0; k < i.configs.size(); ++k) {
        i.reason += (k == 0 ? "" : ", ") + i.configs[k].first + "=" + i.configs[k].second;
      }
    }
    i.by_link = running;
    return {std::move(i)};
  }

  std::vector<item> items;
  const int target_partitions = *t.target_partitions;
  if (topics.check_configs) {
    auto check = policy::check_target_topic(
        t.source, t.target, t.source_partitions, target_partitions, t.strait_created,
        policy::config_value(t.source_configs, "cleanup.policy"),
        policy::config_value(t.target_configs, "cleanup.policy"));
    if (check.what == policy::target_check::action::mismatch) return blocked(check.message);
    if (check.what == policy::target_check::action::add_partitions) {
      item i = one(action::add_partitions);
      i.partitions = t.source_partitions;
      i.reason = check.message;
      i.by_link = running;
      items.push_back(std::move(i));
    }
  } else if (target_partitions < t.source_partitions) {
    return blocked(policy::too_few_partitions(t.target, target_partitions, t.source_partitions));
  }

  if (topics.check_configs && !t.handed_over) {
    auto drift = policy::config_differences(t.source_configs, t.target_configs, topics);
    std::vector<policy::config_difference> now, waiting;
    for (auto& d : drift) {
      (policy::waits_for_catch_up(d) && t.caught_up != true ? waiting : now)
          .push_back(std::move(d));
    }
    const bool followed = running && (topics.config_sync == mode::all ||
                                      (topics.config_sync == mode::created && t.strait_created));
    if (!now.empty()) {
      item i = one(action::change_configs);
      i.reason = "the target topic's configs differ from the source's: " + policy::describe(now);
      i.drift = std::move(now);
      i.by_link = followed;
      items.push_back(std::move(i));
    }
    if (!waiting.empty()) {
      item i = one(action::blocked);
      i.blocker = std::string(t.caught_up ? "the topic has a lag" : "the topic's lag is unknown") +
                  ": a change of " + policy::describe(waiting) +
                  " could make the target refuse records still to be mirrored; it is made once "
                  "the topic has caught up (straitctl catch-up; resume a paused link first), plan "
                  "again then";
      i.drift = std::move(waiting);
      i.by_link = followed;
      items.push_back(std::move(i));
    }
  }
  if (items.empty()) {
    item i = one(action::nothing);
    i.reason = t.handed_over && topics.check_configs
                   ? "handed over to the target (producer cutover): its configs are the target's"
                   : "the target topic fits";
    items.push_back(std::move(i));
  }
  return items;
}

std::vector<group_item> plan_group(bool running, const group_facts& g) {
  const std::string name = single_line(g.group, 256);
  auto item = [&](group_action what) {
    return group_item{.group = g.group, .type = g.type, .what = what};
  };
  if (g.on_target) {
    auto i = item(group_action::nothing);
    i.reason =
        "cut over, or its consumer cutover is under way: the target group is (becoming) "
        "primary, group sync writes no offsets to it";
    return {i};
  }
  if (!g.offsets_error.empty()) {
    auto i = item(group_action::blocked);
    i.blocker = "its committed offsets on the source could not be read: " +
                single_line(g.offsets_error, 1024) +
                " (an authorization error: strait's principal needs Describe on the group and "
                "its topics; a timeout: plan again)";
    return {i};
  }
  if (g.topics.empty()) {
    auto i = item(group_action::nothing);
    i.reason =
        "no committed offsets on the source: nothing to carry over (its consumers start "
        "on the target as auto.offset.reset says)";
    return {i};
  }
  std::vector<group_item> out;
  if (!g.unmirrored.empty()) {
    std::string topics;
    for (size_t k = 0; k < g.unmirrored.size() && k < 3; ++k) {
      topics += (k ? ", " : "") + single_line(g.unmirrored[k], 256);
    }
    if (g.unmirrored.size() > 3)
      topics += " and " + std::to_string(g.unmirrored.size() - 3) + " more";
    auto i = item(group_action::blocked);
    i.blocker = "commits offsets for " + std::to_string(g.unmirrored.size()) +
                " topic(s) the link does not mirror (" + topics +
                "): those offsets are not carried over; stage the topics on the link (straitctl "
                "stage --topics), or let the group start them on the target as "
                "auto.offset.reset says";
    out.push_back(std::move(i));
  }
  if (g.unmirrored.size() == g.topics.size()) return out;
  if (g.target_has_members) {
    auto i = item(group_action::blocked);
    i.blocker = "the target group " + name + " has members (" + single_line(g.target_state, 64) +
                "): group sync writes no offsets while it has; stop its consumers on the target "
                "until the group is cut over (straitctl cutover --groups)";
    out.push_back(std::move(i));
    return out;
  }
  auto i = item(group_action::sync);
  i.by_link = running;
  i.reason = "group sync writes the translated offsets of its " +
             std::to_string(g.topics.size() - g.unmirrored.size()) +
             " mirrored topic(s) to the target group while it has no members, partition by "
             "partition as mirroring reaches them (skips show in straitctl status; after a "
             "topic's producer cutover its final offsets come with the group's consumer "
             "cutover)" +
             (running ? "" : "; once the link is resumed");
  out.push_back(std::move(i));
  return out;
}

}  // namespace strait::plan
