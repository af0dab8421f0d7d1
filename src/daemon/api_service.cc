#include "api_service.h"

#include <map>

#include "schema_gate.h"
#include "strait/base/clock.h"
#include "strait/base/text.h"
#include "strait/scan/report_records.h"
#include "strait/scorecard/scorecard.h"

namespace strait::daemon {

namespace {

// A partition as the API shows it.
api::partition_view view_of(const mirror::partition_snapshot& p) {
  return {p.key.partition.value(),
          p.position.next_source.value(),
          p.position.next_target.value(),
          p.lag_records,
          p.lag_seconds,
          p.stop_reason,
          p.stop_detail,
          p.records_per_second};
}

// What a running link's status says, as the scorecard's live state.
void fill_live(const api::link_view& view,
               const std::vector<migration::operation_status>& running_ops,
               scorecard::live_state& live) {
  for (const auto& t : view.topics) {
    if (t.state) live.topics[t.topic] = *t.state;
    for (const auto& p : t.partitions) {
      if (p.stopped == store::stop_reason::none || p.stopped == store::stop_reason::handed_over) {
        continue;
      }
      live.stopped_partitions.push_back(t.topic + "/" + std::to_string(p.partition) + " (" +
                                        store::to_string(p.stopped) + ")");
    }
    if (!t.config_drift.empty()) {
      live.drift.push_back(t.topic + ": " + std::to_string(t.config_drift.size()) + " config(s)" +
                           (t.drift_reason.empty() ? "" : "; " + t.drift_reason));
    }
    if (!t.acl_drift.empty()) {
      live.acl_drift.push_back(t.topic + ": " + std::to_string(t.acl_drift.size()) +
                               " line(s), the first: " + t.acl_drift.front());
    }
  }
  for (const auto& g : view.groups) {
    if (g.state) live.groups[g.group] = *g.state;
    if (!g.partitions_skipped.empty()) live.group_skips[g.group] = g.partitions_skipped;
  }
  for (const auto& op : running_ops) {
    if (op.stuck == migration::stuck_reason::none) continue;
    live.operations_stuck.push_back(
        {op.id, op.on_group ? migration::object_kind::group : migration::object_kind::topic,
         op.name, op.stuck});
  }
}

}  // namespace

result<api::link_view> api_service::link_state(const std::string& link) const {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  const auto& r = h->runtime;
  api::link_view v;
  v.link = link;
  if (!r->running()) {
    v.paused = true;
    return v;
  }
  const config::link_config& cfg = r->config();
  v.inflight_bytes = r->engine()->inflight_bytes();
  const std::string refusal = r->supervisor()->cluster_refusal();
  for (const auto& [side, health] : {std::pair{"source", r->engine()->source_health()},
                                     std::pair{"target", r->engine()->target_health()}}) {
    api::cluster_view c{side, health.reachable, refusal};
    if (!health.authentication_error.empty()) {
      c.error = "authentication failed: " + health.authentication_error;
    }
    v.clusters.push_back(std::move(c));
  }
  std::map<std::string, api::topic_view> topics;
  for (const auto& p : r->engine()->snapshot()) {
    api::topic_view& t = topics[p.key.topic];
    t.topic = p.key.topic;
    t.target_topic = cfg.topics.target_name(p.key.topic);
    t.partitions.push_back(view_of(p));
  }
  for (auto& [name, c] : r->supervisor()->topic_conditions()) {
    api::topic_view& t = topics[name];
    t.topic = name;
    t.target_topic = c.target;
    // Texts hold what brokers answered: printable, and so valid UTF-8 for
    // the API.
    constexpr size_t kMax = 1024;
    t.error = printable(c.error, kMax);
    for (const auto& d : c.drift) {
      t.config_drift.push_back(
          {printable(d.name, 256), printable(d.source, kMax), d.source_default,
           d.target ? std::optional(printable(*d.target, kMax)) : std::nullopt});
    }
    t.drift_reason = printable(c.drift_reason, kMax);
  }
  const auto topic_states = r->workflow()->topics();
  // The running operation of each topic and group.
  std::map<std::pair<bool, std::string>, migration::operation_status> running;
  for (auto& op : r->workflow()->running_operations()) {
    running[{op.on_group, op.name}] = std::move(op);
  }
  auto operation_of = [&](bool on_group, const std::string& name, uint64_t& id,
                          std::string& activity) {
    if (auto it = running.find({on_group, name}); it != running.end()) {
      id = it->second.id;
      activity = it->second.detail;
    }
  };
  for (const auto& p : r->workflow()->reverse_snapshot()) {
    // Reverse partitions are keyed by target topic names.
    auto source = cfg.topics.source_name(p.key.topic);
    if (!source) continue;
    // In the reverse engine's own terms, as TopicStatus.reverse_partitions
    // documents them: next_source is the target offset it reads next.
    topics[*source].reverse_partitions.push_back(view_of(p));
  }
  // The bindings strait owns, also of a topic no longer mirrored (deleted
  // on the source: the operator removes them by hand, docs/cutover.md).
  if (auto acl_changes = r->workflow()->acl_changes(); !acl_changes) {
    v.acl_records_error = acl_changes.error().message;
  } else {
    for (auto& c : *acl_changes) {
      api::topic_view& t = topics[c.topic];
      t.topic = c.topic;
      t.target_topic = cfg.topics.target_name(c.topic);
      auto& listed =
          c.kind == workflow::acl_change::source_fence ? t.source_fence : t.target_grants;
      if (listed.size() < api::kMaxOwnedBindingsShown) {
        listed.push_back(std::move(c.grant.binding));
      } else {
        ++t.owned_bindings_left_out;
      }
    }
  }
  for (auto& [topic, lines] : r->workflow()->acl_drift()) {
    api::topic_view& t = topics[topic];
    t.topic = topic;
    t.target_topic = cfg.topics.target_name(topic);
    if (lines.size() > api::kMaxOwnedBindingsShown) {
      const size_t more = lines.size() - api::kMaxOwnedBindingsShown + 1;
      lines.resize(api::kMaxOwnedBindingsShown - 1);
      lines.push_back(std::to_string(more) + " more, not listed (straitd's log names each)");
    }
    t.acl_drift = std::move(lines);
  }
  for (auto& [name, t] : topics) {
    if (auto st = topic_states.find(name); st != topic_states.end()) t.state = st->second;
    operation_of(false, name, t.operation_id, t.activity);
    // By partition: the engine's snapshot is in no order (its engine threads').
    const auto by_partition = [](const auto& a, const auto& b) {
      return a.partition < b.partition;
    };
    std::sort(t.partitions.begin(), t.partitions.end(), by_partition);
    std::sort(t.reverse_partitions.begin(), t.reverse_partitions.end(), by_partition);
    v.topics.push_back(std::move(t));
  }
  if (r->syncer() != nullptr) {
    const auto group_states = r->workflow()->groups();
    for (auto& g : r->syncer()->groups()) {
      api::group_view gv{g.group,
                         std::nullopt,
                         g.on_source,
                         g.sync_age_seconds,
                         g.partitions_synced,
                         g.partitions_ahead,
                         std::move(g.partitions_skipped)};
      if (auto st = group_states.find(g.group); st != group_states.end()) gv.state = st->second;
      operation_of(true, g.group, gv.operation_id, gv.activity);
      v.groups.push_back(std::move(gv));
    }
  }
  return v;
}

result<verify::report> api_service::start_verify(const std::string& link,
                                                 const verify::selection& s) {
  auto h = links_.running(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->workflow()->start_verify(s);
}

result<verify::report> api_service::verify_report(const std::string& link, uint64_t id) const {
  auto h = links_.running(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->workflow()->verify_report(id);
}

result<std::vector<verify::report>> api_service::verify_reports(const std::string& link,
                                                                size_t limit) const {
  auto h = links_.running(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->workflow()->verify_reports(limit);
}

result<scan::report> api_service::start_scan(const std::string& link, int64_t window_ms,
                                             const std::string& requested_by) {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->scans().start(window_ms, requested_by);
}

result<scan::report> api_service::scan_report(const std::string& link, uint64_t id) const {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->scans().get(id);
}

result<std::vector<scan::report>> api_service::scan_reports(const std::string& link,
                                                            size_t limit) const {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->scans().list(limit);
}

result<plan::prepared_plan> api_service::plan_topics(
    const std::string& link, const std::function<bool(const std::string&)>& topics, plan_use use) {
  return plan_of(link, topics, use == plan_use::show);
}

result<plan::prepared_plan> api_service::plan_of(
    const std::string& link, const std::function<bool(const std::string&)>& topics, bool shown) {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  // The runtime stays while `rt` holds it; its lock is let go, so that the
  // clusters' answers hold up no pause, resume or delete.
  std::shared_ptr<link_runtime> rt = h->runtime;
  const bool running = rt->running();
  // The groups group sync leaves alone (a consumer cutover made the target
  // primary, or one is in flight), as the workflow (or, paused, the store)
  // says now; only when groups are planned.
  std::set<std::string> held;
  if (shown && rt->config().groups.enabled) {
    if (workflow::link_workflow* wf = rt->workflow(); running && wf != nullptr) {
      held = wf->held_groups();
    } else if (auto stored = rt->stored_state()) {
      for (const auto& [group, state] : stored->groups) {
        if (migration::target_is_primary(state)) held.insert(group);
      }
    } else {
      return std::unexpected(stored.error());
    }
  }
  h->lock.unlock();
  plan::metadata_planner::filter held_by_cutover;
  if (shown) held_by_cutover = [&](const std::string& g) { return held.contains(g); };
  auto p = rt->plan_topics(topics, running, held_by_cutover, shown);
  if (p) p->made_by = rt;
  return p;
}

result<plan::apply_result> api_service::apply_plan(const std::string& link,
                                                   const plan::prepared_plan& p, bool dry_run) {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  if (p.made_by != h->runtime) {
    return fail(errc::precondition, "link " + link +
                                        " was deleted and made again since its plan was read; "
                                        "apply again");
  }
  return h->runtime->apply_plan(p, dry_run);
}

result<scorecard::card> api_service::scorecard(const std::string& link,
                                               const std::string& rehearsal) {
  scorecard::evidence e;
  e.now_ms = wall_clock_ms();
  auto view = link_state(link);
  if (!view) return std::unexpected(view.error());
  std::shared_ptr<link_runtime> rt;
  {
    auto h = links_.held_link(link);
    if (!h) return std::unexpected(h.error());
    rt = h->runtime;
    // Paused (now, or when its status was read): the states as stored.
    workflow::link_workflow* wf = rt->workflow();
    if (wf != nullptr && !view->paused) {
      fill_live(*view, wf->running_operations(), e.live);
    } else {
      auto stored = rt->stored_state();
      if (!stored) return std::unexpected(stored.error());
      e.live = std::move(*stored);
    }
  }
  // The stored evidence is read without the link's lock (it may be
  // megabytes of reports), which holds up no pause, resume or delete; the
  // runtime stays while `rt` holds it.
  auto own = rt->scorecard_evidence();
  if (!own) return std::unexpected(own.error());
  e.link = std::move(*own);
  // The newest scan that ended DONE (a failed one read too little).
  auto scans = rt->scans().list(scan::kKeptScans);
  if (!scans) return std::unexpected(scans.error());
  for (auto it = scans->rbegin(); it != scans->rend(); ++it) {
    if (it->result != scan::outcome::done) continue;
    auto whole = rt->scans().get(it->id);
    if (!whole) return std::unexpected(whole.error());
    e.scan = std::move(*whole);
    break;
  }
  if (!rehearsal.empty() && rehearsal != link) {
    std::shared_ptr<link_runtime> other_rt;
    {
      auto h = links_.held_link(rehearsal);
      if (!h) return std::unexpected(h.error());
      other_rt = h->runtime;
    }
    auto other = other_rt->scorecard_evidence();
    if (!other) return std::unexpected(other.error());
    e.rehearsal = std::move(*other);
  }
  // A live plan of both clusters.
  auto p = plan_of(link, nullptr, false);  // the card reads no groups
  if (!p) {
    e.plan.error = p.error().message;
  } else {
    e.plan.read = true;
    e.plan.made_at_ms = p->plan.made_at_ms;
    for (const auto& item : p->plan.items) {
      if (item.what == plan::action::blocked) {
        e.plan.blocked.push_back(item.topic + ": " + item.blocker);
      } else if (item.what == plan::action::change_configs && !item.by_link) {
        e.plan.changes.push_back(item.topic + ": " + item.reason);
      }
    }
    e.plan.acls_enabled = p->plan.acls_enabled;
    e.plan.fence_enabled = rt->config().fence.enabled;
    e.plan.acls_error = p->plan.acls_error;
    for (const auto& item : p->plan.acls) {
      if (item.what != policy::acl_action::blocked && policy::waits_for_cutover(item.source)) {
        ++e.plan.acls_write_like;
      }
      switch (item.what) {
        case policy::acl_action::create:
          e.plan.acls_to_create.push_back(policy::describe(item.target));
          break;
        case policy::acl_action::blocked:
          e.plan.acls_blocked.push_back(policy::describe(item.source) + ": " + item.blocker);
          break;
        case policy::acl_action::at_cutover:
          ++e.plan.acls_at_cutover;
          break;
        case policy::acl_action::nothing:
          ++e.plan.acls_fit;
          break;
      }
    }
    e.plan.schemas_enabled = p->plan.schemas_enabled;
    e.plan.schemas_error = p->plan.schemas_error;
    for (const auto& item : p->plan.schemas.versions) {
      const std::string name = item.subject + " version " + std::to_string(item.version) + " (id " +
                               std::to_string(item.id) + ")";
      switch (item.action) {
        case registry::schema_action::copy:
          e.plan.schemas_to_copy.push_back(name);
          break;
        case registry::schema_action::blocked:
          e.plan.schemas_blocked.push_back(name + ": " + item.reason);
          break;
        case registry::schema_action::fits:
          ++e.plan.schemas_fit;
          break;
      }
    }
    for (const auto& level : p->plan.schemas.compatibility) {
      if (level.action == registry::schema_action::copy) {
        e.plan.levels_to_copy.push_back(level.subject + ": " + level.source_level);
      }
    }
  }
  if (rt->deleted()) return fail(errc::not_found, "no link '" + link + "'");
  return scorecard::score(e);
}

result<std::vector<api::object_change>> api_service::move(const std::string& link,
                                                          api::move_kind kind,
                                                          const api::move_request& r) {
  auto h = links_.running(link);
  if (!h) return std::unexpected(h.error());
  const bool groups = kind == api::move_kind::cutover_groups ||
                      kind == api::move_kind::rollback_groups ||
                      kind == api::move_kind::finalize_groups;
  // A name this straitd released is moving to another (ADR 0030): its
  // partitions left the engine, its records may be forgotten any time.
  if (r.selected) {
    const config::shard_state shards = h->runtime->shards().stored;
    std::string names;
    size_t n = 0;
    for (const auto& name : groups ? shards.released_groups : shards.released_topics) {
      if (!r.selected(name)) continue;
      if (n++ < 5) names += (names.empty() ? "" : ", ") + printable(name, 256);
    }
    if (n > 0) {
      return fail(errc::precondition,
                  "released by this straitd to another (a move between shards is under way, "
                  "docs/sharding.md#moving-a-component): " +
                      names + (n > 5 ? " and " + std::to_string(n - 5) + " more" : "") +
                      "; finish the move (straitctl shards-move), then send the call to the "
                      "straitd the plan gives them");
    }
  }
  workflow::link_workflow* wf = h->runtime->workflow();
  workflow::link_workflow::move_options o{r.selected, r.force, r.quiet_window, r.requested_by,
                                          r.dry_run};
  result<std::vector<workflow::link_workflow::change>> changes;
  switch (kind) {
    case api::move_kind::cutover_topics: {
      // The schema gate (ADR 0027) over the topics the cutover would drain
      // (a dry run of it says which), before anything moves.
      if (h->runtime->config().schemas.enabled) {
        auto would =
            wf->cutover_topics({o.selected, o.force, o.quiet_window, o.requested_by, true});
        if (!would) {
          changes = std::unexpected(would.error());  // said below, as any move's
          break;
        }
        const auto counts = h->runtime->supervisor() != nullptr
                                ? h->runtime->supervisor()->selected_topics()
                                : std::map<std::string, int>{};
        std::map<std::string, int> draining;
        for (const auto& c : *would) {
          if (c.does != workflow::link_workflow::change::effect::starts) continue;
          auto n = counts.find(c.name);
          draining[c.name] =
              n != counts.end() ? n->second : -1;  // -1: not known (the gate says so)
        }
        if (auto gate = schema_gate(h->runtime->config(), draining, o.force, o.requested_by);
            !gate) {
          return std::unexpected(gate.error());
        }
      }
      changes = wf->cutover_topics(o);
      break;
    }
    case api::move_kind::rollback_topics:
      changes = wf->rollback_topics(o);
      break;
    case api::move_kind::finalize_topics:
      changes = wf->finalize_topics(o);
      break;
    case api::move_kind::cutover_groups:
      changes = wf->cutover_groups(o);
      break;
    case api::move_kind::rollback_groups:
      changes = wf->rollback_groups(o);
      break;
    case api::move_kind::finalize_groups:
      changes = wf->finalize_groups(o);
      break;
  }
  if (!changes && changes.error().code == errc::not_found && r.over_the_set &&
      h->runtime->shards().self.count > 1) {
    // Nothing selected here: the other shards of the set get the call too.
    return std::vector<api::object_change>{};
  }
  if (!changes && changes.error().code == errc::not_found) {
    // Nothing here: was it meant for another shard of the set (ADR 0030)?
    const auto elsewhere = h->runtime->placed_elsewhere(
        groups ? config::shard_share::kind::group : config::shard_share::kind::topic, r.selected);
    if (!elsewhere.empty()) {
      const auto self = h->runtime->shards().self;
      std::string names;
      for (const auto& n : elsewhere) names += (names.empty() ? "" : ", ") + n;
      return fail(errc::precondition,
                  changes.error().message + "; this straitd is shard " +
                      std::to_string(self.ordinal) + " of " + std::to_string(self.count) +
                      ", and the link's shard assignment gives what you selected to another: " +
                      names + ". Send the call to that straitd (straitctl --server)");
    }
  }
  if (!changes) return std::unexpected(changes.error());
  std::vector<api::object_change> out;
  for (auto& c : *changes) {
    out.push_back({std::move(c.name), c.state_before, c.state, std::move(c.action),
                   std::move(c.forced_guards), c.operation_id});
  }
  return out;
}

result<migration::operation_status> api_service::operation(const std::string& link,
                                                           uint64_t id) const {
  auto h = links_.running(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->workflow()->operation(id);
}

result<std::vector<migration::operation_status>> api_service::operations(
    const std::string& link) const {
  auto h = links_.running(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->workflow()->operations();
}

result<api::ack_result> api_service::acknowledge(const partition_key& key,
                                                 const std::string& resolution_name, bool dry_run) {
  auto r = store::parse_resolution(resolution_name);
  if (!r || *r == store::resolution::none) {
    return fail(errc::invalid_argument,
                "resolution: '" + resolution_name +
                    "' is not one of retry, skip-to-log-start, accept-target, skip-record");
  }
  auto h = links_.running(key.link);
  if (!h) return std::unexpected(h.error());
  auto ticket = std::make_shared<std::atomic<int>>(0);
  auto done = h->runtime->supervisor()->acknowledge(key, *r, dry_run, ticket);
  if (done.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    int pending = 0;
    if (ticket->compare_exchange_strong(pending, 2)) {
      return fail(errc::kafka, key.to_string() +
                                   ": not applied: the link's supervisor did not take the "
                                   "request within 60 s (a cluster unreachable?); nothing "
                                   "changed, try again");
    }
    done.wait();  // taken meanwhile: its outcome is the answer
  }
  auto a = done.get();
  if (!a) return std::unexpected(a.error());
  return api::ack_result{a->was, a->detail};
}

result<api::shards_info> api_service::shards(const std::string& link) const {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->shards();
}

result<api::shards_info> api_service::apply_shards(const std::string& link,
                                                   config::shard_assignment a,
                                                   const std::string& replaces, bool dry_run,
                                                   const config::component_names& moving) {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->apply_shards(std::move(a), replaces, dry_run, moving);
}

result<api::shards_info> api_service::release_component(const std::string& link,
                                                        const config::component_names& names,
                                                        bool cancel, bool dry_run) {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  return cancel ? h->runtime->cancel_release(names, dry_run) : h->runtime->release(names, dry_run);
}

result<api::control::component_export> api_service::export_component(
    const std::string& link, const config::component_names& names) {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  auto r = h->runtime->export_component(names);
  if (!r) return std::unexpected(r.error());
  component_export out;
  out.records = r->encode();
  out.digest = component_records::digest_of(out.records);
  out.topics = r->names.topics.size();
  out.groups = r->names.groups.size();
  for (const auto& t : r->own.topics) {
    if (t.link == link) out.partitions += t.partitions.size();
  }
  out.record_count = r->record_count();
  return out;
}

result<std::string> api_service::import_component(const std::string& link, std::string_view records,
                                                  bool dry_run) {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  auto decoded = decode_component(records);
  if (!decoded) return std::unexpected(decoded.error());
  return h->runtime->import_component(*decoded, dry_run);
}

result<size_t> api_service::forget_component(const std::string& link,
                                             const config::component_names& names,
                                             const std::string& digest, bool dry_run) {
  auto h = links_.held_link(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->forget_component(names, digest, dry_run);
}

}  // namespace strait::daemon
