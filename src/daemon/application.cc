#include "application.h"

#include <spdlog/spdlog.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

namespace strait::daemon {

application::application(config::config cfg) : cfg_(std::move(cfg)) {}
application::~application() { stop(); }

status application::start() {
  auto store = store::checkpoint_store::open(cfg_.daemon.state_dir / "checkpoints");
  if (!store) return std::unexpected(store.error());
  store_ = std::move(*store);
  for (const auto& link : cfg_.links) {
    // A fatal producer error: stop the whole process the normal way (the main
    // thread waits for SIGTERM), which drains every link; main exits 1.
    auto engine = std::make_unique<mirror::link_engine>(link, *store_, metrics_,
                                                        [] { ::kill(::getpid(), SIGTERM); });
    if (auto s = engine->start(); !s) return s;
    auto supervisor = std::make_unique<mirror::link_supervisor>(link, *store_, *engine, metrics_);
    if (auto s = supervisor->start(); !s) return s;
    if (link.groups.enabled) {
      auto syncer = std::make_unique<groupsync::group_syncer>(link, *store_, metrics_);
      if (auto s = syncer->start(); !s) return s;
      syncer_of_link_[link.name] = syncer.get();
      group_syncers_.push_back(std::move(syncer));
    }
    auto syncer = syncer_of_link_.find(link.name);
    auto wf = std::make_unique<workflow::link_workflow>(
        link, *store_, *engine, *supervisor,
        syncer == syncer_of_link_.end() ? nullptr : syncer->second, metrics_,
        [] { ::kill(::getpid(), SIGTERM); });
    if (auto s = wf->start(); !s) return s;
    workflows_.push_back(std::move(wf));
    spdlog::info("link {}: {} -> {}", link.name, link.source.bootstrap(), link.target.bootstrap());
    engines_.push_back(std::move(engine));
    supervisors_.push_back(std::move(supervisor));
  }
  auto handler = [this](const std::string& path) -> http::http_server::response {
    if (path == "/metrics") {
      return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render()};
    }
    if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
    return {404, "text/plain; charset=utf-8", "not found; try /metrics or /healthz\n"};
  };
  if (auto s = http_.start(cfg_.daemon.http_listen, handler); !s) return s;
  if (auto s = api_.start(cfg_.daemon.api_listen, cfg_.daemon.api_security, *this, *this, *this);
      !s)
    return s;
  // Tests and scripts bound to port 0 read the addresses from here.
  std::ofstream(cfg_.daemon.state_dir / "http.address") << http_.address() << "\n";
  std::ofstream(cfg_.daemon.state_dir / "api.address") << api_.address() << "\n";
  spdlog::info("serving http://{}/metrics and /healthz, strait.v1 API on {}", http_.address(),
               api_.address());
  return {};
}

void application::stop() {
  api_.stop();
  http_.stop();
  // Control threads may be in the middle of an admin request: let them all
  // finish theirs at the same time.
  for (auto& w : workflows_) w->request_stop();
  for (auto& g : group_syncers_) g->request_stop();
  for (auto& s : supervisors_) s->request_stop();
  for (auto& w : workflows_) w->stop();
  for (auto& g : group_syncers_) g->stop();
  for (auto& s : supervisors_) s->stop();
  for (auto& e : engines_) e->request_stop(std::chrono::seconds(30));  // drain in parallel
  for (auto& e : engines_) {
    e->stop();
    failed_ = failed_ || e->failed();
  }
  // Users before what they use: workflows read engines and syncers.
  workflows_.clear();
  syncer_of_link_.clear();
  group_syncers_.clear();
  supervisors_.clear();
  engines_.clear();
  store_.reset();
}

result<api::link_view> application::link_state(const std::string& link) const {
  for (size_t i = 0; i < cfg_.links.size() && i < workflows_.size(); ++i) {
    if (cfg_.links[i].name != link) continue;
    api::link_view v;
    v.link = link;
    v.inflight_bytes = engines_[i]->inflight_bytes();
    std::map<std::string, api::topic_view> topics;
    for (const auto& p : engines_[i]->snapshot()) {
      api::topic_view& t = topics[p.key.topic];
      t.topic = p.key.topic;
      t.target_topic = cfg_.links[i].topics.target_name(p.key.topic);
      t.partitions.push_back(api::partition_view{
          p.key.partition.value(), p.position.next_source.value(), p.position.next_target.value(),
          p.lag_records, p.lag_seconds,
          p.stop_reason == store::stop_reason::none ? "" : store::to_string(p.stop_reason),
          p.stop_detail, p.records_per_second});
    }
    const auto topic_states = workflows_[i]->topics();
    const auto activities = workflows_[i]->activities();
    for (const auto& p : workflows_[i]->reverse_snapshot()) {
      // Reverse partitions are keyed by target topic names.
      const std::string& prefix = cfg_.links[i].topics.prefix;
      const std::string source =
          p.key.topic.substr(p.key.topic.starts_with(prefix) ? prefix.size() : 0);
      topics[source].reverse_partitions.push_back(api::partition_view{
          p.key.partition.value(), p.position.next_target.value(), p.position.next_source.value(),
          p.lag_records, p.lag_seconds,
          p.stop_reason == store::stop_reason::none ? "" : store::to_string(p.stop_reason),
          p.stop_detail, p.records_per_second});
    }
    for (auto& [name, t] : topics) {
      if (auto st = topic_states.find(name); st != topic_states.end()) {
        t.state = migration::to_string(st->second);
      }
      if (auto a = activities.find("topic " + name); a != activities.end()) t.activity = a->second;
      std::sort(t.partitions.begin(), t.partitions.end(),
                [](const auto& a, const auto& b) { return a.partition < b.partition; });
      v.topics.push_back(std::move(t));
    }
    if (auto it = syncer_of_link_.find(link); it != syncer_of_link_.end()) {
      const auto group_states = workflows_[i]->groups();
      for (auto& g : it->second->groups()) {
        auto st = group_states.find(g.group);
        auto a = activities.find("group " + g.group);
        v.groups.push_back(api::group_view{
            g.group, st == group_states.end() ? "" : migration::to_string(st->second), g.on_source,
            g.sync_age_seconds, g.partitions_synced, g.partitions_ahead,
            std::move(g.partitions_skipped), a == activities.end() ? "" : a->second});
      }
    }
    return v;
  }
  return fail(errc::not_found, "no link '" + link + "'");
}

status application::record(const api::audit_record& r) {
  auto seq = store_->append_audit(
      {r.at_ms, r.who, r.role, r.call, r.args_digest, r.result, r.state_before, r.state_after});
  if (!seq) return std::unexpected(seq.error());
  return {};
}

result<std::vector<api::audit_record>> application::list(uint64_t after, size_t limit) const {
  auto entries = store_->audit(after, limit);
  if (!entries) return std::unexpected(entries.error());
  std::vector<api::audit_record> out;
  for (auto& [seq, e] : *entries) {
    out.push_back(api::audit_record{seq, e.at_ms, std::move(e.who), std::move(e.role),
                                    std::move(e.call), std::move(e.args_digest),
                                    std::move(e.result), std::move(e.state_before),
                                    std::move(e.state_after)});
  }
  return out;
}

result<std::optional<store::request_record>> application::recall(
    const std::string& request_id) const {
  return store_->request(request_id);
}

status application::remember(const std::string& request_id, const store::request_record& r) {
  store::checkpoint_store::write_batch b;
  b.put_request(request_id, r);
  return store_->commit(b);
}

result<workflow::link_workflow*> application::workflow_of(const std::string& link) const {
  for (size_t i = 0; i < cfg_.links.size() && i < workflows_.size(); ++i) {
    if (cfg_.links[i].name == link) return workflows_[i].get();
  }
  return fail(errc::not_found, "no link '" + link + "'");
}

result<verify::report> application::start_verify(const std::string& link,
                                                 const verify::selection& s) {
  auto wf = workflow_of(link);
  if (!wf) return std::unexpected(wf.error());
  return (*wf)->start_verify(s);
}

result<verify::report> application::verify_report(const std::string& link, uint64_t id) const {
  auto wf = workflow_of(link);
  if (!wf) return std::unexpected(wf.error());
  return (*wf)->verify_report(id);
}

result<std::vector<verify::report>> application::verify_reports(const std::string& link,
                                                                size_t limit) const {
  auto wf = workflow_of(link);
  if (!wf) return std::unexpected(wf.error());
  return (*wf)->verify_reports(limit);
}

result<std::vector<api::object_change>> application::move(const std::string& link,
                                                          api::move_kind kind,
                                                          const api::move_request& r) {
  auto wf = workflow_of(link);
  if (!wf) return std::unexpected(wf.error());
  workflow::link_workflow::move_options o{r.selected, r.force, r.quiet_window, r.requested_by,
                                          r.dry_run};
  result<std::vector<workflow::link_workflow::change>> changes;
  switch (kind) {
    case api::move_kind::cutover_topics:
      changes = (*wf)->cutover_topics(o);
      break;
    case api::move_kind::rollback_topics:
      changes = (*wf)->rollback_topics(o);
      break;
    case api::move_kind::finalize_topics:
      changes = (*wf)->finalize_topics(o);
      break;
    case api::move_kind::cutover_groups:
      changes = (*wf)->cutover_groups(o);
      break;
    case api::move_kind::rollback_groups:
      changes = (*wf)->rollback_groups(o);
      break;
    case api::move_kind::finalize_groups:
      changes = (*wf)->finalize_groups(o);
      break;
  }
  if (!changes) return std::unexpected(changes.error());
  std::vector<api::object_change> out;
  for (auto& c : *changes) {
    out.push_back({std::move(c.name), std::move(c.state_before), std::move(c.state),
                   std::move(c.action), std::move(c.forced_guards)});
  }
  return out;
}

result<api::ack_result> application::acknowledge(const partition_key& key,
                                                 const std::string& resolution_name, bool dry_run) {
  auto r = store::parse_resolution(resolution_name);
  if (!r || *r == store::resolution::none) {
    return fail(errc::invalid_argument,
                "resolution: '" + resolution_name +
                    "' is not one of retry, skip-to-log-start, accept-target, skip-record");
  }
  for (size_t i = 0; i < cfg_.links.size() && i < supervisors_.size(); ++i) {
    if (cfg_.links[i].name != key.link) continue;
    auto done = supervisors_[i]->acknowledge(key, *r, dry_run);
    if (done.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      return fail(errc::busy, key.to_string() +
                                  ": the link's supervisor did not answer within 60 s (a "
                                  "cluster unreachable?); it applies the resolution when it can");
    }
    auto a = done.get();
    if (!a) return std::unexpected(a.error());
    return api::ack_result{store::to_string(a->was), a->detail};
  }
  return fail(errc::not_found, "no link '" + key.link + "'");
}

status acknowledge(const config::config& cfg, const std::string& spec,
                   const std::string& resolution_name) {
  // LINK/TOPIC/PARTITION; topic names cannot contain '/'.
  auto first = spec.find('/');
  auto last = spec.rfind('/');
  if (first == std::string::npos || first == last) {
    return fail(errc::invalid_argument,
                "--acknowledge: expected LINK/TOPIC/PARTITION, e.g. main/orders/3");
  }
  partition_key key{spec.substr(0, first), spec.substr(first + 1, last - first - 1),
                    partition_id(0)};
  try {
    key.partition = partition_id(std::stoi(spec.substr(last + 1)));
  } catch (const std::exception&) {
    return fail(errc::invalid_argument, "--acknowledge: partition must be a number");
  }
  auto r = store::parse_resolution(resolution_name);
  if (!r) {
    return fail(errc::invalid_argument,
                "--resolution: must be one of retry, skip-to-log-start, accept-target, "
                "skip-record");
  }
  auto st = store::checkpoint_store::open(cfg.daemon.state_dir / "checkpoints");
  if (!st) {
    if (st.error().code == errc::busy) {
      return fail(errc::busy, st.error().message +
                                  "; stop straitd first: --acknowledge edits the store offline");
    }
    return std::unexpected(st.error());
  }
  auto cp = (*st)->load(key);
  if (!cp) return std::unexpected(cp.error());
  if (!*cp) return fail(errc::not_found, "no mirrored partition " + key.to_string());
  if ((*cp)->stopped == store::stop_reason::none) {
    return fail(errc::precondition, key.to_string() + " is not stopped; nothing to acknowledge");
  }
  const store::stop_reason why = (*cp)->stopped;
  if (why == store::stop_reason::handed_over) {
    return fail(errc::precondition,
                key.to_string() +
                    " was cut over (the target is primary); straitctl rollback ends that, not "
                    "--acknowledge");
  }
  if (!store::resolution_applies(why, *r, (*cp)->stop_source_offset)) {
    return fail(errc::invalid_argument, std::string("--resolution ") + store::to_string(*r) +
                                            " does not apply to a partition stopped as " +
                                            store::to_string(why));
  }
  (*cp)->pending = *r;
  store::checkpoint_store::write_batch b;
  b.put_checkpoint(key, **cp);
  if (auto s = (*st)->commit(b); !s) return s;
  spdlog::info("{}: stopped as {} ({}); resolution {} recorded, applied at the next start",
               key.to_string(), store::to_string(why), (*cp)->stop_detail, store::to_string(*r));
  return {};
}

}  // namespace strait::daemon
