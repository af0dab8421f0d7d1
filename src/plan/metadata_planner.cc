#include "strait/plan/metadata_planner.h"

#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "strait/base/clock.h"
#include "strait/base/text.h"
#include "strait/kafka/client.h"
#include "strait/mirror/cluster_rules.h"
#include "strait/mirror/config_sync.h"
#include "strait/registry/confluent_api.h"

namespace strait::plan {

namespace {

using kafka::topic_partition;

// What a plan does not cover, said in every plan.
std::vector<std::string> plan_notes(const config::link_config& cfg) {
  const config::topic_config& topics = cfg.topics;
  std::string planned = "topics";
  if (cfg.groups.enabled) planned += ", consumer groups";
  if (cfg.acls.enabled) planned += ", ACLs";
  if (cfg.schemas.enabled) planned += ", schemas";
  std::string not_planned =
      "client quotas are not planned yet (librdkafka has no API for them: copy them with "
      "kafka-configs.sh --entity-type users/clients)";
  if (!cfg.acls.enabled)
    not_planned += "; ACLs need the link's acls section (docs/planning.md#acls)";
  if (!cfg.groups.enabled) not_planned += "; groups need its groups section";
  if (!cfg.schemas.enabled) {
    not_planned += "; schemas need its schemas section (docs/planning.md#schemas)";
  }
  std::vector<std::string> notes{planned + " planned: " + not_planned};
  if (!topics.check_configs) {
    notes.emplace_back(
        "topics.check_configs is false: configs are neither compared nor copied, and partition "
        "counts are only compared");
  }
  return notes;
}

// What the link's checkpoints say of some topics: the next source offset of
// each partition with a checkpoint, and the topics a producer cutover
// handed over.
struct checkpoints_of {
  std::map<std::string, std::map<int32_t, int64_t>> next;  // topic -> partition -> offset
  std::set<std::string> handed_over;
};

// Reads the link's checkpoints of the topics `wanted` accepts.
result<checkpoints_of> read_checkpoints(const store::checkpoint_store& store,
                                        const std::string& link,
                                        const std::function<bool(const std::string&)>& wanted) {
  auto keys = store.partitions(link);
  if (!keys) return std::unexpected(keys.error());
  checkpoints_of c;
  for (const auto& key : *keys) {
    if (!wanted(key.topic)) continue;
    auto cp = store.load(key);
    if (!cp) return std::unexpected(cp.error());
    if (!*cp) continue;
    c.next[key.topic][key.partition.value()] = (*cp)->position.next_source.value();
    if ((*cp)->stopped == store::stop_reason::handed_over) c.handed_over.insert(key.topic);
  }
  return c;
}

// Every partition of `topic` mirrored to the source's end (a partition
// without a checkpoint counts from its log start, so an empty one is):
// true or false, or empty when an end could not be read. `next`: the
// topic's checkpointed positions.
std::optional<bool> caught_up(const kafka::admin_client& source, const std::string& topic,
                              int partitions, const std::map<int32_t, int64_t>& next) {
  std::vector<topic_partition> parts;
  for (int32_t p = 0; p < partitions; ++p) parts.emplace_back(topic, p);
  auto marks = source.list_watermarks(parts);
  if (!marks || marks->size() < parts.size()) return std::nullopt;
  for (const auto& [tp, m] : *marks) {
    auto pos = next.find(tp.second);
    const int64_t from = std::max(pos == next.end() ? m.low : pos->second, m.low);
    if (from < m.high) return false;
  }
  return true;
}

// caught_up() with the topic's checkpoints read now; empty also when they
// cannot be read.
std::optional<bool> caught_up_now(const kafka::admin_client& source,
                                  const store::checkpoint_store& store, const std::string& link,
                                  const std::string& topic, int partitions) {
  auto c = read_checkpoints(store, link, [&](const std::string& t) { return t == topic; });
  if (!c) return std::nullopt;
  return caught_up(source, topic, partitions, c->next[topic]);
}

// Both topics' configs, per topic; what could not be read says why.
void read_configs(const kafka::admin_client& source, const kafka::admin_client& target,
                  std::vector<topic_facts>& facts) {
  std::vector<std::string> src_names, tgt_names;
  for (const auto& t : facts) {
    src_names.push_back(t.source);
    if (t.target_partitions) tgt_names.push_back(t.target);
  }
  std::map<std::string, std::vector<kafka::config_entry>> src_cfg, tgt_cfg;
  std::string src_error = "source: DescribeConfigs gave nothing for it";
  std::string tgt_error = "target: DescribeConfigs gave nothing for it";
  if (auto r = source.describe_topic_configs(src_names)) {
    src_cfg = std::move(*r);
  } else {
    src_error = "source: " + r.error().message;
  }
  if (tgt_names.empty()) {
    // Nothing to read (every describe_topic_configs call costs a request).
  } else if (auto r = target.describe_topic_configs(tgt_names)) {
    tgt_cfg = std::move(*r);
  } else {
    tgt_error = "target: " + r.error().message;
  }
  for (auto& t : facts) {
    auto s = src_cfg.find(t.source);
    auto g = tgt_cfg.find(t.target);
    if (s == src_cfg.end()) {
      t.configs_error = src_error;
    } else if (t.target_partitions && g == tgt_cfg.end()) {
      t.configs_error = tgt_error;
    } else {
      t.configs_read = true;
      t.source_configs = std::move(s->second);
      if (t.target_partitions) t.target_configs = std::move(g->second);
    }
  }
}

constexpr const char* kStandardAuthorizer =
    "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

// The target's authorizer unless it is Kafka's StandardAuthorizer (the one
// ADR 0023's rules hold for), read from one broker's configs; an empty
// text when it is.
std::string other_authorizer(const kafka::admin_client& target) {
  auto cluster = target.describe_cluster();
  if (!cluster) return "its authorizer cannot be read: " + cluster.error().message;
  if (cluster->brokers.empty()) return "it names no broker to read its authorizer from";
  auto configs = target.describe_broker_configs(cluster->brokers.front().id);
  if (!configs) return "its authorizer cannot be read: " + configs.error().message;
  for (const auto& c : *configs) {
    if (c.name != "authorizer.class.name") continue;
    if (c.value == kStandardAuthorizer) return "";
    return "its authorizer is " + (c.value.empty() ? std::string("none") : printable(c.value, 200));
  }
  return "its authorizer.class.name cannot be read";
}

// Reads what an ACL plan needs into `facts` (bindings, the names PREFIXED
// bindings reach); the reason when something cannot be read.
// `source_groups`: the source's group list (null: the link syncs no group,
// so no group is read). `target_key`:
// the target's cluster key, which the admin credential's cluster must have
// too, by a cluster id the broker names (not by bootstrap servers alone).
std::string read_acl_facts(const kafka::admin_client& source, const kafka::admin_client& admin,
                           const std::string& target_key,
                           const std::map<std::string, kafka::topic_info>& seen_by_link,
                           const result<kafka::group_list>* source_groups,
                           policy::acl_facts& facts) {
  auto admin_id = admin.cluster_id();
  if (!admin_id && admin_id.error().code == errc::not_found) {
    return "the target names no cluster id: ACLs are written only to a cluster that names one";
  }
  if (!admin_id) return "target (acls.target_admin): " + admin_id.error().message;
  if (admin_id->empty() || *admin_id != target_key) {
    return "acls.target_admin reached cluster '" + printable(*admin_id, 128) +
           "', not the target's id " + printable(target_key, 128) +
           " (ACLs are written only to a cluster that names its id)";
  }
  if (auto other = other_authorizer(admin); !other.empty()) {
    return "the target: " + other +
           "; ACL sync works with Kafka's StandardAuthorizer only "
           "(ADR 0023)";
  }
  auto src = source.describe_acls();
  if (!src) return "source: " + src.error().message;
  auto tgt = admin.describe_acls();
  if (!tgt) return "target (acls.target_admin): " + tgt.error().message;
  if (src->size() > kMaxAclBindings || tgt->size() > kMaxAclBindings) {
    return "more than " + std::to_string(kMaxAclBindings) +
           " bindings on a cluster: not planned (grant them with your ACL tooling)";
  }
  facts.source = std::move(*src);
  facts.target = std::move(*tgt);
  // Metadata leaves out the topics a principal may not describe, silently:
  // the admin must see every topic, or a PREFIXED copy could reach one it
  // did not see. Those the link's own credential sees are checked.
  auto target_topics = admin.list_topics();
  if (!target_topics) return "target (acls.target_admin): " + target_topics.error().message;
  for (const auto& [name, info] : *target_topics) facts.target_topics.push_back(name);
  for (const auto& [name, info] : seen_by_link) {
    if (!target_topics->contains(name)) {
      return "acls.target_admin does not see target topic " + printable(name, 256) +
             ", which the link's own credential sees: grant it DESCRIBE on every topic (an "
             "administrator's credential; a PREFIXED binding must not reach a topic it cannot "
             "see)";
    }
  }
  if (source_groups == nullptr) return "";
  auto take = [](const result<kafka::group_list>& listed, const std::string& side,
                 std::vector<std::string>& out) -> std::string {
    if (!listed) return side + ": " + listed.error().message;
    if (!listed->complete) {
      return side + ": the list of groups is incomplete (" + printable(listed->error, 512) +
             "), so the groups a PREFIXED binding reaches are not known";
    }
    for (const auto& g : listed->groups) out.push_back(g.id);
    return "";
  };
  if (auto why = take(*source_groups, "source", facts.source_groups); !why.empty()) return why;
  return take(admin.list_groups(), "target", facts.target_groups);
}

// Plans the groups `groups` selects of the source's `listed` into `out`:
// their committed topics on the source, their state on the target; the
// reason when they cannot be read. `mirrored`: the link mirrors the source topic; `topics` (may be
// null): the plan's filter, which keeps the groups that commit one of its
// topics.
std::string plan_groups(kafka::admin_client& source, kafka::admin_client& target,
                        const result<kafka::group_list>& listed,
                        const config::name_selection& groups,
                        const std::function<bool(const std::string&)>& mirrored,
                        const std::function<bool(const std::string&)>& topics, bool running,
                        const std::function<bool(const std::string&)>& on_target,
                        std::vector<group_item>& out) {
  if (!listed) return "source: " + listed.error().message;
  std::vector<std::string> ids;
  std::map<std::string, std::string> types;
  for (const auto& g : listed->groups) {
    // A dead group is one group sync drops too.
    if (!groups.selects(g.id) || g.state == kafka::group_state::dead) continue;
    ids.push_back(g.id);
    types[g.id] = kafka::to_string(g.type);
  }
  std::sort(ids.begin(), ids.end());  // the first kMaxPlannedGroups by id, not by broker
  std::string note;
  if (!listed->complete) {
    note = "the source's list of groups is incomplete (" + printable(listed->error, 512) +
           "): groups may be missing";
  }
  if (ids.size() > kMaxPlannedGroups) {
    note += std::string(note.empty() ? "" : "; ") + std::to_string(ids.size()) +
            " groups selected: the first " + std::to_string(kMaxPlannedGroups) + " planned";
    ids.resize(kMaxPlannedGroups);
  }
  auto on_target_side = target.list_groups();
  if (!on_target_side) return "target: " + on_target_side.error().message;
  if (!on_target_side->complete) {
    note += std::string(note.empty() ? "" : "; ") + "the target's list of groups is incomplete (" +
            printable(on_target_side->error, 512) +
            "): a group shown without members there may have some";
  }
  std::map<std::string, kafka::group_state> target_states;
  for (const auto& g : on_target_side->groups) target_states[g.id] = g.state;
  for (auto& [id, offsets] : source.list_group_offsets(ids)) {
    group_facts f;
    f.group = id;
    f.type = types[id];
    f.on_target = on_target && on_target(id);
    if (!offsets) {
      f.offsets_error = offsets.error().message;
    } else {
      std::set<std::string> committed;
      for (const auto& o : *offsets) committed.insert(o.topic);
      if (topics && std::none_of(committed.begin(), committed.end(), topics)) continue;
      for (const auto& t : committed) {
        f.topics.push_back(t);
        if (!mirrored(t)) f.unmirrored.push_back(t);
      }
    }
    if (auto it = target_states.find(id); it != target_states.end()) {
      f.target_state = kafka::to_string(it->second);
      f.target_has_members = kafka::has_members(it->second);
    }
    for (auto& i : plan_group(running, f)) out.push_back(std::move(i));
  }
  return note;
}

}  // namespace

metadata_planner::metadata_planner(const config::link_config& cfg, store::checkpoint_store& store,
                                   mirror::target_claims& claims,
                                   std::chrono::milliseconds admin_timeout)
    : cfg_(cfg), store_(store), claims_(claims), admin_timeout_(admin_timeout) {}

result<std::unique_ptr<kafka::admin_client>> connect_acl_admin(const config::link_config& cfg,
                                                               std::chrono::milliseconds timeout) {
  return kafka::admin_client::connect(
      config::overlay(cfg.target.props, cfg.acls.target_admin), "strait-" + cfg.name + "-plan-acls",
      "links." + cfg.name + ".acls.target_admin.properties", timeout);
}

result<std::unique_ptr<kafka::admin_client>> connect_fence_admin(
    const config::link_config& cfg, std::chrono::milliseconds timeout) {
  return kafka::admin_client::connect(
      config::overlay(cfg.source.props, cfg.fence.source_admin), "strait-" + cfg.name + "-fence",
      "links." + cfg.name + ".fence.source_admin.properties", timeout);
}

result<std::vector<kafka::acl_binding>> read_acl_bindings(const kafka::admin_client& admin,
                                                          const std::string& label) {
  auto bindings = admin.describe_acls();
  if (!bindings) return fail(errc::precondition, label + ": " + bindings.error().message);
  if (bindings->size() > kMaxAclBindings) {
    return fail(errc::precondition,
                label + ": more than " + std::to_string(kMaxAclBindings) + " bindings: not read");
  }
  return bindings;
}

namespace {

// What each planned topic's cutover would fence now (fence.source_admin's
// credential, which must reach the source's cluster); the reason when the
// source's bindings cannot be read.
std::string plan_fences(const config::link_config& cfg, std::chrono::milliseconds timeout,
                        const std::string& source_key, const std::vector<topic_facts>& topics,
                        std::vector<fence_item>& out) {
  auto admin = connect_fence_admin(cfg, timeout);
  if (!admin) return "source (fence.source_admin): " + admin.error().message;
  auto key = mirror::cluster_key((*admin)->cluster_id(), cfg.source);
  if (!key) return "source (fence.source_admin): " + key.error().message;
  if (*key != source_key) {
    return "fence.source_admin reached cluster '" + printable(*key, 128) + "', not the source (" +
           printable(source_key, 128) + ")";
  }
  auto bindings = read_acl_bindings(**admin, "source (fence.source_admin)");
  if (!bindings) return bindings.error().message;
  for (const auto& t : topics) {
    if (t.refusal.empty())
      out.push_back({t.source, policy::plan_fence(cfg.fence, t.source, *bindings)});
  }
  return "";
}

}  // namespace

namespace {

// Reads both registries of a schemas section and plans the copy into p
// (its plan's schemas, the contents and clients apply needs); "" or why
// they were not read.
std::string plan_registries(const config::schemas_config& cfg, std::chrono::milliseconds timeout,
                            prepared_plan& p) {
  auto selected = config::topic_filter::make(cfg.include, cfg.exclude, false, "schemas");
  if (!selected) return selected.error().message;
  auto clients =
      std::make_shared<registry::registry_clients>(registry::connect_registries(cfg, timeout));
  const auto deadline =
      std::chrono::steady_clock::now() + registry::kReadBudget;  // each request: `timeout`
  // Every target subject: the target's ids are checked first.
  auto both = registry::read_registries(*clients, *selected, true, deadline);
  if (!both) return both.error().message;
  p.plan.schemas = registry::plan_schemas(both->source, both->target, cfg.kind);
  p.schema_source = std::make_shared<const registry::registry_contents>(std::move(both->source));
  p.registries = std::move(clients);
  return {};
}

outcome to_outcome(registry::write_outcome w) {
  switch (w) {
    case registry::write_outcome::done:
      return outcome::done;
    case registry::write_outcome::failed:
      return outcome::failed;
    case registry::write_outcome::not_reached:
      return outcome::not_reached;
    case registry::write_outcome::would:
      return outcome::would;
    case registry::write_outcome::no_action:
      return outcome::no_action;
  }
  return outcome::no_action;
}

}  // namespace

result<prepared_plan> metadata_planner::prepare(const config::name_selection& selection,
                                                const config::name_selection* groups,
                                                const filter& topics, bool running,
                                                const filter& on_target, bool with_fence) const {
  return read_and_plan(selection, groups, topics, running, on_target, true, with_fence);
}

result<prepared_plan> metadata_planner::prepare_acls(const config::name_selection& selection,
                                                     const config::name_selection* groups) const {
  if (!cfg_.acls.enabled) return fail(errc::precondition, "the link has no acls section");
  return read_and_plan(selection, groups, nullptr, true, nullptr, false, false);
}

result<prepared_plan> metadata_planner::read_and_plan(const config::name_selection& selection,
                                                      const config::name_selection* groups,
                                                      const filter& topics, bool running,
                                                      const filter& on_target, bool topic_items,
                                                      bool with_fence) const {
  const std::string id = "strait-" + cfg_.name + "-plan";
  auto source = kafka::admin_client::connect(
      cfg_.source.props, id, "links." + cfg_.name + ".source.properties", admin_timeout_);
  if (!source) return fail(errc::precondition, "source: " + source.error().message);
  auto target = kafka::admin_client::connect(
      cfg_.target.props, id, "links." + cfg_.name + ".target.properties", admin_timeout_);
  if (!target) return fail(errc::precondition, "target: " + target.error().message);

  prepared_plan p;
  topic_plan& plan = p.plan;
  plan.link = cfg_.name;
  plan.made_at_ms = wall_clock_ms();
  plan.running = running;
  plan.notes = plan_notes(cfg_);
  auto src_key = mirror::cluster_key((*source)->cluster_id(), cfg_.source);
  if (!src_key) return fail(errc::precondition, "source: " + src_key.error().message);
  auto tgt_key = mirror::cluster_key((*target)->cluster_id(), cfg_.target);
  if (!tgt_key) return fail(errc::precondition, "target: " + tgt_key.error().message);
  plan.source_cluster = *src_key;
  plan.target_cluster = *tgt_key;
  auto stored = store_.link_cluster_ids(cfg_.name);
  if (!stored) return std::unexpected(stored.error());
  if (auto refusal = mirror::cluster_refusal(cfg_, *stored, {*src_key, *tgt_key});
      !refusal.empty()) {
    return fail(errc::precondition, "the link writes nothing: " + refusal);
  }
  auto src_topics = (*source)->list_topics();
  if (!src_topics) return fail(errc::precondition, "source: " + src_topics.error().message);
  auto tgt_topics = (*target)->list_topics();
  if (!tgt_topics) return fail(errc::precondition, "target: " + tgt_topics.error().message);

  // The selected topics, as the supervisor selects them.
  const bool same_cluster = *src_key == *tgt_key;
  const auto selected = [&](const std::string& name) {
    return selection.selects(name) && !mirror::is_own_copy(cfg_, same_cluster, name) &&
           (!topics || topics(name));
  };
  std::vector<topic_facts> facts;
  for (const auto& [name, info] : *src_topics) {
    if (!selected(name)) continue;
    topic_facts t;
    t.source = name;
    t.target = cfg_.topics.target_name(name);
    t.source_partitions = info.partitions;
    if (auto it = tgt_topics->find(t.target); it != tgt_topics->end()) {
      t.target_partitions = it->second.partitions;
    }
    t.refusal = mirror::target_topic_refusal(t.target);
    if (std::string holder = claims_.holder(*tgt_key, t.target);
        t.refusal.empty() && !holder.empty() && holder != cfg_.name) {
      t.refusal = mirror::claimed_by_another_link(t.target, holder);
    }
    auto created = store_.topic_created(cfg_.name, name);
    if (!created) return std::unexpected(created.error());
    t.strait_created = *created;
    facts.push_back(std::move(t));
  }
  // An ACL plan alone needs nothing more of the topics than their refusals.
  if (topic_items) {
    if (cfg_.topics.check_configs) read_configs(**source, **target, facts);
    // The planned topics' checkpoints, read once.
    std::set<std::string> planned;
    for (const auto& t : facts) planned.insert(t.source);
    auto checkpoints = read_checkpoints(
        store_, cfg_.name, [&](const std::string& topic) { return planned.contains(topic); });
    if (!checkpoints) return std::unexpected(checkpoints.error());

    for (auto& t : facts) {
      t.handed_over = checkpoints->handed_over.contains(t.source);
      auto items = plan_topic(cfg_.topics, running, t);
      if (depends_on_catch_up(items)) {
        t.caught_up =
            caught_up(**source, t.source, t.source_partitions, checkpoints->next[t.source]);
        items = plan_topic(cfg_.topics, running, t);
      }
      for (auto& i : items) plan.items.push_back(std::move(i));
    }
  }
  // The source's groups, listed once for the groups' plan and the ACLs'.
  std::optional<result<kafka::group_list>> source_groups;
  auto source_group_list = [&]() -> const result<kafka::group_list>& {
    if (!source_groups) source_groups = (*source)->list_groups();
    return *source_groups;
  };
  if (groups != nullptr && on_target && same_cluster) {
    plan.groups_enabled = true;
    plan.groups_note =
        "source and target are one cluster: group sync is off (a group's offsets would be "
        "written over by its own copies); remove the link's groups section";
  } else if (groups != nullptr && on_target) {
    plan.groups_enabled = true;
    // What the link mirrors: selected, and (as far as this plan read) not
    // a topic whose plan is blocked (group sync skips those partitions).
    std::set<std::string> blocked;
    for (const auto& i : plan.items) {
      if (i.what == action::blocked) blocked.insert(i.topic);
    }
    const auto mirrored = [&](const std::string& name) {
      return selection.selects(name) && !mirror::is_own_copy(cfg_, same_cluster, name) &&
             !blocked.contains(name);
    };
    plan.groups_note = plan_groups(**source, **target, source_group_list(), *groups, mirrored,
                                   topics, running, on_target, plan.groups);
  }
  if (cfg_.acls.enabled) {
    plan.acls_enabled = true;
    auto admin = connect_acl_admin(cfg_, admin_timeout_);
    policy::acl_facts acl;
    if (!admin) {
      plan.acls_error = "target (acls.target_admin): " + admin.error().message;
    } else {
      plan.acls_error = read_acl_facts(**source, **admin, *tgt_key, *tgt_topics,
                                       groups != nullptr ? &source_group_list() : nullptr, acl);
    }
    if (plan.acls_error.empty()) {
      for (const auto& [name, info] : *src_topics) acl.source_topics.push_back(name);
      std::map<std::string, std::string> refusals;
      for (const auto& t : facts) {
        if (!t.refusal.empty()) refusals[t.source] = t.refusal;
      }
      acl.topic_selected = selected;
      acl.topic_refusal = [&](const std::string& name) {
        auto it = refusals.find(name);
        return it == refusals.end() ? std::string() : it->second;
      };
      if (groups != nullptr) {
        acl.group_selected = [groups](const std::string& g) { return groups->selects(g); };
      }
      auto acls = policy::plan_acls(cfg_.acls, cfg_.topics, acl);
      plan.acls = std::move(acls.items);
      plan.acls_not_covered = acls.not_covered;
      p.acl_admin = std::move(*admin);
    }
  }
  if (cfg_.fence.enabled && with_fence) {
    plan.fence_enabled = true;
    plan.fence_error = plan_fences(cfg_, admin_timeout_, *src_key, facts, plan.fence);
  }
  if (cfg_.schemas.enabled && topic_items) {
    plan.schemas_enabled = true;
    plan.schemas_error = plan_registries(cfg_.schemas, admin_timeout_, p);
  }
  p.source = std::move(*source);
  p.target = std::move(*target);
  return p;
}

result<apply_result> metadata_planner::apply(const prepared_plan& p, bool dry_run,
                                             std::chrono::milliseconds budget) const {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  // The supervisor may have stored the link's cluster ids since the plan
  // was read: they must still allow writing to the clusters read.
  auto stored = store_.link_cluster_ids(cfg_.name);
  if (!stored) return std::unexpected(stored.error());
  const store::cluster_ids read{p.plan.source_cluster, p.plan.target_cluster};
  if (auto refusal = mirror::cluster_refusal(cfg_, *stored, read); !refusal.empty()) {
    return fail(errc::precondition, "the link writes nothing: " + refusal);
  }
  bool ids_stored = stored->has_value();

  // One action on the target, the topic claimed for the link first.
  auto act = [&](const item& i) -> status {
    std::string holder;
    if (!claims_.claim(p.plan.target_cluster, i.target, cfg_.name, holder)) {
      return fail(errc::precondition, mirror::claimed_by_another_link(i.target, holder));
    }
    if (i.what == action::create) {
      auto made =
          p.target->create_topic(i.target, i.partitions, cfg_.topics.replication_factor, i.configs);
      if (!made) return std::unexpected(made.error());
      if (!*made) {
        return fail(errc::precondition, "target topic " + i.target +
                                            " appeared since the plan was read (someone else "
                                            "created it): not strait's; plan again");
      }
      // As the supervisor: strait's topic, of these clusters.
      store::checkpoint_store::write_batch b;
      b.mark_topic_created(cfg_.name, i.topic);
      if (!ids_stored) b.put_cluster_ids(cfg_.name, read);
      if (auto s = store_.commit(b); !s) return s;
      ids_stored = true;
      return {};
    }
    if (i.what == action::add_partitions)
      return p.target->create_partitions(i.target, i.partitions);
    const bool waits = std::any_of(i.drift.begin(), i.drift.end(), policy::waits_for_catch_up);
    if (waits &&
        caught_up_now(*p.source, store_, cfg_.name, i.topic, i.source_partitions) != true) {
      return fail(errc::precondition,
                  "topic " + i.topic + " has a lag again (or it cannot be read): " +
                      policy::describe(i.drift) + " waits until it caught up; plan again then");
    }
    auto step = mirror::follow_source(i.drift, {}, true,
                                      [&](const std::vector<kafka::config_change>& changes) {
                                        return p.target->alter_topic_configs(i.target, changes);
                                      });
    if (step.unanswered) return std::unexpected(*step.unanswered);
    if (!step.left.empty()) {
      return fail(errc::invalid_argument, policy::describe(step.left) + " left: " + step.reason);
    }
    return {};
  };

  apply_result r;
  for (const auto& i : p.plan.items) {
    applied a;
    if (!is_action(i.what)) {
      a.result = outcome::no_action;
    } else if (dry_run) {
      a.result = outcome::would;
    } else if (std::chrono::steady_clock::now() >= deadline) {
      a.result = outcome::not_reached;
      ++r.not_reached;
    } else if (auto s = act(i); s) {
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
    r.items.push_back(std::move(a));
  }
  if (p.acl_admin != nullptr) {  // set whenever ACLs were planned
    create_acl_items(
        p.plan.acls, dry_run, deadline,
        [&](const std::vector<kafka::acl_binding>& bindings) {
          auto results = p.acl_admin->create_acls(bindings);
          for (size_t j = 0; j < bindings.size() && j < results.size(); ++j) {
            if (results[j]) {
              spdlog::info("link {}: apply: created ACL {}", cfg_.name,
                           policy::describe(bindings[j]));
            } else {
              spdlog::warn("link {}: apply: ACL {} failed: {}", cfg_.name,
                           policy::describe(bindings[j]), results[j].error().message);
            }
          }
          return results;
        },
        r);
  }
  if (p.plan.schemas_enabled && p.registries == nullptr && !dry_run) {
    ++r.failed;  // the schemas were not planned (schemas_error): not "nothing to do"
  }
  if (p.registries != nullptr) {  // set whenever schemas were planned
    // The schemas' own budget from here: a registry's request per version,
    // a connection each, would not fit the topics' few seconds.
    const auto written = registry::apply_schemas(
        p.plan.schemas, *p.schema_source, *p.registries, dry_run,
        std::chrono::steady_clock::now() + kRegistryWriteBudget, wall_clock_ms());
    const auto count = [&](const std::vector<registry::written>& from, std::vector<applied>& to,
                           const auto& describe) {
      for (size_t k = 0; k < from.size(); ++k) {
        applied a{to_outcome(from[k].result), from[k].message};
        if (a.result == outcome::done) {
          ++r.done;
          spdlog::info("link {}: apply: {}", cfg_.name, describe(k));
        } else if (a.result == outcome::failed) {
          ++r.failed;
          spdlog::warn("link {}: apply: {} failed: {}", cfg_.name, describe(k), a.message);
        } else if (a.result == outcome::not_reached) {
          ++r.not_reached;
        }
        to.push_back(std::move(a));
      }
    };
    count(written.versions, r.schemas, [&](size_t k) {
      const auto& v = p.plan.schemas.versions[k];
      return "schema " + printable(v.subject, 200) + " version " + std::to_string(v.version) +
             " as id " + std::to_string(v.id);
    });
    count(written.compatibility, r.compatibility, [&](size_t k) {
      const auto& c = p.plan.schemas.compatibility[k];
      return "compatibility " + printable(c.source_level, 40) + " of " +
             (c.subject.empty() ? std::string("the registry") : printable(c.subject, 200));
    });
  }
  return r;
}

void create_acl_items(const std::vector<policy::acl_item>& items, bool dry_run,
                      std::chrono::steady_clock::time_point deadline, const acl_creator& create,
                      apply_result& r) {
  r.acls.assign(items.size(), applied{});
  std::vector<size_t> batch;  // indexes of the items of one request
  auto send = [&] {
    std::vector<kafka::acl_binding> bindings;
    for (size_t k : batch) bindings.push_back(items[k].target);
    const auto results = create(bindings);
    for (size_t j = 0; j < batch.size(); ++j) {
      applied& a = r.acls[batch[j]];
      const status result =
          j < results.size() ? results[j] : fail(errc::kafka, "CreateAcls gave no answer for it");
      if (result) {
        a.result = outcome::done;
        ++r.done;
      } else {
        a.result = outcome::failed;
        a.message = result.error().message;
        ++r.failed;
      }
    }
    batch.clear();
  };
  bool denies_in_force = true;
  for (const bool deny : {true, false}) {
    for (size_t k = 0; k < items.size(); ++k) {
      const auto& i = items[k];
      if (i.what != policy::acl_action::create || (i.target.permission == "DENY") != deny) {
        continue;
      }
      applied& a = r.acls[k];
      if (dry_run) {
        a.result = outcome::would;
      } else if (!denies_in_force) {
        a.result = outcome::not_reached;
        a.message = "waits for the plan's DENY bindings, not all created: apply again";
        ++r.not_reached;
      } else if (batch.empty() && std::chrono::steady_clock::now() >= deadline) {
        a.result = outcome::not_reached;
        ++r.not_reached;
      } else {
        batch.push_back(k);
        if (batch.size() == kAclsPerRequest) send();
      }
    }
    if (!batch.empty()) send();
    if (!deny || dry_run) continue;
    for (size_t k = 0; k < items.size(); ++k) {
      if (items[k].what == policy::acl_action::create && items[k].target.permission == "DENY" &&
          r.acls[k].result != outcome::done) {
        denies_in_force = false;
      }
    }
  }
}

}  // namespace strait::plan
