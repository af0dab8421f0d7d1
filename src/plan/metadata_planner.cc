#include "strait/plan/metadata_planner.h"

#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "strait/base/clock.h"
#include "strait/kafka/client.h"
#include "strait/mirror/cluster_rules.h"
#include "strait/mirror/config_sync.h"

namespace strait::plan {

namespace {

using kafka::topic_partition;

// The link's two clusters for one call.
struct clients {
  std::unique_ptr<kafka::admin_client> source, target;
};

// What a plan does not cover, said in every plan.
std::vector<std::string> plan_notes(const config::topic_config& topics) {
  std::vector<std::string> notes{
      "topics only: ACLs, consumer groups, client quotas and schemas are not planned yet "
      "(straitctl scan lists the source's ACLs and users)",
  };
  if (!topics.check_configs) {
    notes.emplace_back(
        "topics.check_configs is false: configs are neither compared nor copied, and partition "
        "counts are only compared");
  }
  return notes;
}

// Every partition of `t` mirrored to the source's end: true/false, or empty
// when a partition's end or checkpoint could not be read.
std::optional<bool> caught_up(const kafka::admin_client& source, const topic_facts& t,
                              const std::map<topic_partition, int64_t>& positions) {
  std::vector<topic_partition> parts;
  for (int32_t p = 0; p < t.source_partitions; ++p) parts.emplace_back(t.source, p);
  auto marks = source.list_watermarks(parts);
  if (!marks || marks->size() < parts.size()) return std::nullopt;
  for (const auto& tp : parts) {
    auto pos = positions.find(tp);
    const int64_t next = pos == positions.end() ? -1 : pos->second;
    if (next < marks->at(tp).high) return false;
  }
  return true;
}

}  // namespace

const char* to_string(outcome o) {
  switch (o) {
    case outcome::done:
      return "done";
    case outcome::failed:
      return "failed";
    case outcome::not_reached:
      return "not_reached";
    case outcome::would:
      return "would";
    case outcome::left_alone:
      return "left_alone";
  }
  return "left_alone";
}

metadata_planner::metadata_planner(const config::link_config& cfg, store::checkpoint_store& store,
                                   const config::name_selection& topics,
                                   mirror::target_claims& claims,
                                   std::chrono::milliseconds admin_timeout)
    : cfg_(cfg), store_(store), topics_(topics), claims_(claims), admin_timeout_(admin_timeout) {}

namespace {

result<clients> connect(const config::link_config& cfg, std::chrono::milliseconds timeout) {
  const std::string id = "strait-" + cfg.name + "-plan";
  clients c;
  auto s = kafka::admin_client::connect(cfg.source.props, id,
                                        "links." + cfg.name + ".source.properties", timeout);
  if (!s) return fail(errc::precondition, "source: " + s.error().message);
  auto t = kafka::admin_client::connect(cfg.target.props, id,
                                        "links." + cfg.name + ".target.properties", timeout);
  if (!t) return fail(errc::precondition, "target: " + t.error().message);
  c.source = std::move(*s);
  c.target = std::move(*t);
  return c;
}

// Reads both clusters and the store and plans every selected topic that
// `filter` accepts.
result<topic_plan> read_and_plan(const config::link_config& cfg,
                                 const store::checkpoint_store& store,
                                 const config::name_selection& selection,
                                 const mirror::target_claims& claims, const clients& c,
                                 const metadata_planner::filter& filter, bool running) {
  topic_plan plan;
  plan.link = cfg.name;
  plan.made_at_ms = wall_clock_ms();
  plan.running = running;
  plan.notes = plan_notes(cfg.topics);
  auto src_key = mirror::cluster_key(c.source->cluster_id(), cfg.source);
  if (!src_key) return fail(errc::precondition, "source: " + src_key.error().message);
  auto tgt_key = mirror::cluster_key(c.target->cluster_id(), cfg.target);
  if (!tgt_key) return fail(errc::precondition, "target: " + tgt_key.error().message);
  plan.source_cluster = *src_key;
  plan.target_cluster = *tgt_key;
  auto stored = store.link_cluster_ids(cfg.name);
  if (!stored) return std::unexpected(stored.error());
  if (auto refusal = mirror::cluster_refusal(cfg, *stored, {*src_key, *tgt_key});
      !refusal.empty()) {
    return fail(errc::precondition, "the link writes nothing: " + refusal);
  }
  auto src_topics = c.source->list_topics();
  if (!src_topics) return fail(errc::precondition, "source: " + src_topics.error().message);
  auto tgt_topics = c.target->list_topics();
  if (!tgt_topics) return fail(errc::precondition, "target: " + tgt_topics.error().message);

  const bool same_cluster = *src_key == *tgt_key;
  std::vector<topic_facts> facts;
  for (const auto& [name, info] : *src_topics) {
    if (!selection.selects(name) || mirror::is_own_copy(cfg, same_cluster, name)) continue;
    if (filter && !filter(name)) continue;
    topic_facts t;
    t.source = name;
    t.target = cfg.topics.target_name(name);
    t.source_partitions = info.partitions;
    if (auto it = tgt_topics->find(t.target); it != tgt_topics->end()) {
      t.target_partitions = it->second.partitions;
    }
    t.refusal = mirror::target_topic_refusal(t.target);
    if (std::string holder = claims.holder(*tgt_key, t.target);
        t.refusal.empty() && !holder.empty() && holder != cfg.name) {
      t.refusal = "target topic " + t.target + " is written by link " + holder +
                  " on the same cluster; exclude the topic from one of the links "
                  "(topics.exclude) or give one a topics.prefix";
    }
    if (auto created = store.topic_created(cfg.name, name); !created) {
      t.refusal = "store: " + created.error().message;
    } else {
      t.strait_created = *created;
    }
    facts.push_back(std::move(t));
  }

  if (cfg.topics.check_configs) {
    std::vector<std::string> src_names, tgt_names;
    for (const auto& t : facts) {
      src_names.push_back(t.source);
      if (t.target_partitions) tgt_names.push_back(t.target);
    }
    std::map<std::string, std::vector<kafka::config_entry>> src_cfg, tgt_cfg;
    std::string src_error, tgt_error;
    if (auto r = c.source->describe_topic_configs(src_names)) {
      src_cfg = std::move(*r);
    } else {
      src_error = "source: " + r.error().message;
    }
    if (tgt_names.empty()) {
    } else if (auto r = c.target->describe_topic_configs(tgt_names)) {
      tgt_cfg = std::move(*r);
    } else {
      tgt_error = "target: " + r.error().message;
    }
    for (auto& t : facts) {
      auto s = src_cfg.find(t.source);
      auto g = tgt_cfg.find(t.target);
      if (s == src_cfg.end()) {
        t.configs_error = !src_error.empty() ? src_error : "source: DescribeConfigs gave nothing";
      } else if (t.target_partitions && g == tgt_cfg.end()) {
        t.configs_error = !tgt_error.empty() ? tgt_error : "target: DescribeConfigs gave nothing";
      } else {
        t.configs_read = true;
        t.source_configs = std::move(s->second);
        if (t.target_partitions) t.target_configs = std::move(g->second);
      }
    }
  }

  // The link's checkpoints of the planned topics: handed over, positions.
  std::set<std::string> planned;
  for (const auto& t : facts) planned.insert(t.source);
  std::map<std::string, std::map<topic_partition, int64_t>> positions;
  std::set<std::string> handed_over;
  auto keys = store.partitions(cfg.name);
  if (!keys) return std::unexpected(keys.error());
  for (const auto& key : *keys) {
    if (!planned.contains(key.topic)) continue;
    auto cp = store.load(key);
    if (!cp) return std::unexpected(cp.error());
    if (!*cp) continue;
    positions[key.topic][{key.topic, key.partition.value()}] = (*cp)->position.next_source.value();
    if ((*cp)->stopped == store::stop_reason::handed_over) handed_over.insert(key.topic);
  }

  for (auto& t : facts) {
    t.handed_over = handed_over.contains(t.source);
    auto items = plan_topic(cfg.topics, running, t);
    // A change that waits for the topic to catch up: is it caught up?
    const bool waits = std::any_of(items.begin(), items.end(), [](const item& i) {
      return i.what == action::blocked && !i.drift.empty();
    });
    if (waits) {
      t.caught_up = caught_up(*c.source, t, positions[t.source]);
      if (t.caught_up == true) items = plan_topic(cfg.topics, running, t);
    }
    for (auto& i : items) plan.items.push_back(std::move(i));
  }
  return plan;
}

}  // namespace

result<prepared_plan> metadata_planner::prepare(const filter& topics, bool running) const {
  auto c = connect(cfg_, admin_timeout_);
  if (!c) return std::unexpected(c.error());
  auto plan = read_and_plan(cfg_, store_, topics_, claims_, *c, topics, running);
  if (!plan) return std::unexpected(plan.error());
  return prepared_plan{std::move(*plan), std::move(c->target)};
}

apply_result metadata_planner::apply(const prepared_plan& p, bool dry_run,
                                     std::chrono::milliseconds budget) const {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  const kafka::admin_client& target = *p.target;
  apply_result r;
  r.plan = p.plan;
  for (const auto& i : p.plan.items) {
    applied_item a{i, outcome::left_alone, {}};
    const bool acts = i.what == action::create || i.what == action::add_partitions ||
                      i.what == action::change_configs;
    if (!acts) {
    } else if (dry_run) {
      a.result = outcome::would;
    } else if (std::chrono::steady_clock::now() >= deadline) {
      a.result = outcome::not_reached;
      ++r.not_reached;
    } else {
      status s;
      if (i.what == action::create) {
        std::string holder;
        if (!claims_.claim(p.plan.target_cluster, i.target, cfg_.name, holder)) {
          s = fail(errc::precondition,
                   "target topic " + i.target + " is written by link " + holder);
        } else if (s = target.create_topic(i.target, i.partitions, cfg_.topics.replication_factor,
                                           i.configs);
                   s) {
          store::checkpoint_store::write_batch b;
          b.mark_topic_created(cfg_.name, i.topic);
          s = store_.commit(b);
        }
      } else if (i.what == action::add_partitions) {
        s = target.create_partitions(i.target, i.partitions);
      } else {
        auto step = mirror::follow_source(i.drift, {}, true,
                                          [&](const std::vector<kafka::config_change>& changes) {
                                            return target.alter_topic_configs(i.target, changes);
                                          });
        if (step.unanswered) {
          s = std::unexpected(*step.unanswered);
        } else if (!step.left.empty()) {
          s = fail(errc::invalid_argument, policy::describe(step.left) + " left: " + step.reason);
        }
      }
      if (s) {
        a.result = outcome::done;
        ++r.done;
        spdlog::info("link {}: apply: {} {}: {}", cfg_.name, to_string(i.what), i.target, i.reason);
      } else {
        a.result = outcome::failed;
        a.message = s.error().message;
        ++r.failed;
        spdlog::warn("link {}: apply: {} {} failed: {}", cfg_.name, to_string(i.what), i.target,
                     a.message);
      }
    }
    r.items.push_back(std::move(a));
  }
  return r;
}

}  // namespace strait::plan
