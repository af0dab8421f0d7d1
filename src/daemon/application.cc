#include "application.h"

#include <spdlog/spdlog.h>

#include "strait/base/clock.h"
#include "strait/base/digest.h"
#include "strait/base/text.h"
#include "strait/config/topic_filter.h"
#include "strait/kafka/client.h"
#include "strait/mirror/cluster_rules.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

namespace strait::daemon {

application::application(config::config cfg) : cfg_(std::move(cfg)) {}
application::~application() { stop(); }

namespace {

// A fatal producer error: stop the whole process the normal way (the main
// thread waits for SIGTERM), which drains every link; main exits 1.
void terminate_process() { ::kill(::getpid(), SIGTERM); }

std::optional<std::string> from_environment(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v == nullptr ? std::nullopt : std::optional<std::string>(v);
}

// Whether no topic or group of the link is in a cutover (a link may be
// deleted only then).
status no_cutover_in_progress(const store::checkpoint_store& store, const std::string& link) {
  auto states = store.migrations(link);
  if (!states) return std::unexpected(states.error());
  for (const auto& m : *states) {
    const bool busy =
        m.kind == store::migration_kind::topic
            ? (m.state == static_cast<uint8_t>(migration::topic_state::draining) ||
               m.state == static_cast<uint8_t>(migration::topic_state::cut_over) ||
               m.state == static_cast<uint8_t>(migration::topic_state::rolled_back))
            : (m.state == static_cast<uint8_t>(migration::group_state::cutting_over) ||
               m.state == static_cast<uint8_t>(migration::group_state::cut_over));
    if (busy) {
      return fail(errc::precondition,
                  "link " + link + ": " +
                      (m.kind == store::migration_kind::topic ? "topic " : "group ") + m.name +
                      " is in a cutover; finalize or roll it back before deleting the link");
    }
  }
  return {};
}

// Removes an API link's definition and staged names in one batch; its
// checkpoints and maps stay (a link created again under the name goes on).
status forget_link(store::checkpoint_store& store, const std::string& link) {
  store::checkpoint_store::write_batch b;
  b.delete_link(link);
  auto staged = store.staged(link);
  if (!staged) return std::unexpected(staged.error());
  for (const auto& [kind, name] : *staged) b.delete_staged(link, kind, name);
  return store.commit(b);
}

}  // namespace

status application::start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  auto store = store::checkpoint_store::open(cfg_.daemon.state_dir / "checkpoints");
  if (!store) return std::unexpected(store.error());
  store_ = std::move(*store);
  auto stored = store_->links();
  if (!stored) return std::unexpected(stored.error());
  std::map<std::string, store::link_record> records(stored->begin(), stored->end());
  std::vector<std::pair<std::shared_ptr<link_runtime>, bool>> runtimes;  // runtime, paused
  for (const auto& link : cfg_.links) {
    auto r = records.find(link.name);
    if (r != records.end() && r->second.from_api) {
      return fail(errc::invalid_argument,
                  "link " + link.name +
                      " is defined in the config file and was also created through the API; "
                      "rename it in the file (or remove it there to keep the API's)");
    }
    runtimes.emplace_back(
        std::make_shared<link_runtime>(link, false, *store_, metrics_, claims_, terminate_process),
        r != records.end() && r->second.paused);
  }
  for (const auto& [name, rec] : records) {
    if (!rec.from_api) continue;  // a file link's pause flag (or one since removed from the file)
    auto l = config::parse_link_yaml(rec.yaml, from_environment,
                                     config::api_link_references(cfg_.daemon.secrets_dir));
    if (!l) {
      return fail(errc::invalid_argument,
                  "link " + name +
                      " (created through the API) cannot be loaded: " + l.error().message +
                      "\nfix what it names (docs/links.md), or remove the link with straitd "
                      "--config FILE --delete-link " +
                      name + " while straitd is stopped and create it again");
    }
    api_yaml_[name] = rec.yaml;
    runtimes.emplace_back(
        std::make_shared<link_runtime>(*l, true, *store_, metrics_, claims_, terminate_process),
        rec.paused);
  }
  for (auto& [runtime, paused] : runtimes) runtime->claim_existing();
  for (auto& [runtime, paused] : runtimes) {
    if (paused) {
      spdlog::info("link {} is paused (straitctl resume-link {})", runtime->config().name,
                   runtime->config().name);
    } else if (auto s = runtime->start(); !s) {
      return s;
    }
    std::lock_guard lock(links_mu_);
    links_[runtime->config().name] = runtime;
  }
  metrics_.describe("strait_admin_handles_closing", metrics::registry::kind::gauge,
                    "librdkafka handles replaced after unanswered group requests and still "
                    "being destroyed in the background; one that stays is never closed (ADR 0012)");
  auto handler = [this](const std::string& path) -> http::http_server::response {
    if (path == "/metrics") {
      // Process-wide, read when scraped: every admin client's replaced
      // handles still being destroyed (ADR 0012).
      metrics_.set("strait_admin_handles_closing", {}, kafka::admin_client::handles_closing());
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
  std::lock_guard lifecycle(lifecycle_mu_);
  std::map<std::string, std::shared_ptr<link_runtime>> links;
  {
    std::lock_guard lock(links_mu_);
    links.swap(links_);
  }
  // All links stop at once: every control thread is asked first, then each
  // link's engines (reverse ones included) start draining, then each is
  // waited for.
  for (auto& [name, r] : links) r->request_stop();
  for (auto& [name, r] : links) r->begin_drain();
  for (auto& [name, r] : links) {
    r->stop();
    failed_ = failed_ || r->failed();
  }
  links.clear();
  store_.reset();
}

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

}  // namespace

std::shared_ptr<link_runtime> application::find(const std::string& link) const {
  std::lock_guard lock(links_mu_);
  auto it = links_.find(link);
  return it == links_.end() ? nullptr : it->second;
}

result<application::held> application::running(const std::string& link) const {
  auto r = find(link);
  if (!r) return fail(errc::not_found, "no link '" + link + "'");
  std::shared_lock lock(r->mu());
  if (r->deleted()) return fail(errc::not_found, "no link '" + link + "'");
  if (!r->running()) {
    return fail(errc::precondition,
                "link " + link + " is paused; straitctl resume-link " + link + " resumes it");
  }
  return held{std::move(r), std::move(lock)};
}

api::link_info application::info_of(const link_runtime& r) const {
  return {r.config(), r.from_api(), !r.running()};
}

std::vector<api::link_info> application::links() const {
  std::vector<std::shared_ptr<link_runtime>> all;
  {
    std::lock_guard lock(links_mu_);
    for (const auto& [name, r] : links_) all.push_back(r);
  }
  std::vector<api::link_info> out;
  for (const auto& r : all) {
    std::shared_lock lock(r->mu());
    out.push_back(info_of(*r));
  }
  return out;
}

result<api::link_view> application::link_state(const std::string& link) const {
  auto r = find(link);
  if (!r) return fail(errc::not_found, "no link '" + link + "'");
  std::shared_lock lock(r->mu());
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
  const auto topic_states = r->workflow()->topics();
  // The running operation of each topic and group.
  std::map<std::pair<bool, std::string>, migration::operation_status> running;
  for (auto& op : r->workflow()->operations()) {
    if (op.finished_at_ms == 0) running[{op.on_group, op.name}] = std::move(op);
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
  for (auto& [name, t] : topics) {
    if (auto st = topic_states.find(name); st != topic_states.end()) t.state = st->second;
    operation_of(false, name, t.operation_id, t.activity);
    std::sort(t.partitions.begin(), t.partitions.end(),
              [](const auto& a, const auto& b) { return a.partition < b.partition; });
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
                                    std::move(e.state_after), std::move(e.chain)});
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

result<verify::report> application::start_verify(const std::string& link,
                                                 const verify::selection& s) {
  auto h = running(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->workflow()->start_verify(s);
}

result<verify::report> application::verify_report(const std::string& link, uint64_t id) const {
  auto h = running(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->workflow()->verify_report(id);
}

result<std::vector<verify::report>> application::verify_reports(const std::string& link,
                                                                size_t limit) const {
  auto h = running(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->workflow()->verify_reports(limit);
}

result<std::vector<api::object_change>> application::move(const std::string& link,
                                                          api::move_kind kind,
                                                          const api::move_request& r) {
  auto h = running(link);
  if (!h) return std::unexpected(h.error());
  workflow::link_workflow* wf = h->runtime->workflow();
  workflow::link_workflow::move_options o{r.selected, r.force, r.quiet_window, r.requested_by,
                                          r.dry_run};
  result<std::vector<workflow::link_workflow::change>> changes;
  switch (kind) {
    case api::move_kind::cutover_topics:
      changes = wf->cutover_topics(o);
      break;
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
  if (!changes) return std::unexpected(changes.error());
  std::vector<api::object_change> out;
  for (auto& c : *changes) {
    out.push_back({std::move(c.name), c.state_before, c.state, std::move(c.action),
                   std::move(c.forced_guards), c.operation_id});
  }
  return out;
}

result<migration::operation_status> application::operation(const std::string& link,
                                                           uint64_t id) const {
  auto h = running(link);
  if (!h) return std::unexpected(h.error());
  return h->runtime->workflow()->operation(id);
}

result<api::ack_result> application::acknowledge(const partition_key& key,
                                                 const std::string& resolution_name, bool dry_run) {
  auto r = store::parse_resolution(resolution_name);
  if (!r || *r == store::resolution::none) {
    return fail(errc::invalid_argument,
                "resolution: '" + resolution_name +
                    "' is not one of retry, skip-to-log-start, accept-target, skip-record");
  }
  auto h = running(key.link);
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

status application::persist(const link_runtime& r, const std::string& yaml, bool paused) {
  store::checkpoint_store::write_batch b;
  b.put_link(r.config().name, {r.from_api(), paused, yaml, wall_clock_ms()});
  return store_->commit(b);
}

status application::check_new_link(const config::link_config& l) const {
  auto connect = [&](const config::cluster_config& c, const char* side) {
    return kafka::admin_client::connect(c.props, "strait-" + l.name + "-check",
                                        std::string("link.") + side + ".properties",
                                        std::chrono::seconds(10));
  };
  auto source = connect(l.source, "source");
  if (!source) return std::unexpected(source.error());
  auto target = connect(l.target, "target");
  if (!target) return std::unexpected(target.error());
  auto source_id = mirror::cluster_key((*source)->cluster_id(), l.source);
  if (!source_id) return fail(errc::kafka, "link.source: " + source_id.error().message);
  auto target_id = mirror::cluster_key((*target)->cluster_id(), l.target);
  if (!target_id) return fail(errc::kafka, "link.target: " + target_id.error().message);
  // A deleted link's checkpoints (and their cluster ids) stay; a new link of
  // its name inherits them.
  auto stored = store_->link_cluster_ids(l.name);
  if (!stored) return std::unexpected(stored.error());
  const store::cluster_ids now{*source_id, *target_id};
  if (auto why = mirror::cluster_refusal(l, *stored, now); !why.empty()) {
    return fail(*stored && **stored != now ? errc::precondition : errc::invalid_argument,
                "link " + l.name + ": " + why);
  }
  const bool same_cluster = now.source == now.target;
  // The topics the new link would select now, by their target names.
  auto listing = (*source)->list_topics();
  if (!listing) return std::unexpected(listing.error());
  auto filter = config::topic_filter::make(l.topics.include, l.topics.exclude,
                                           l.topics.exclude_internal, "link.topics");
  if (!filter) return std::unexpected(filter.error());
  std::set<std::string> targets;
  for (const auto& [name, info] : *listing) {
    if (!filter->matches(name) || mirror::is_own_copy(l, same_cluster, name)) continue;
    const std::string target = l.topics.target_name(name);
    if (auto why = mirror::target_topic_refusal(target); !why.empty()) {
      return fail(errc::invalid_argument, "link " + l.name + ": source topic " + name + ": " + why);
    }
    targets.insert(target);
  }
  for (const auto& other : links()) {
    auto h = running(other.cfg.name);
    if (!h) continue;  // paused: it selects nothing now (checked again at its resume? no: see docs)
    // Its ids as its supervisor learned them, else as its checkpoints hold
    // them; a link that has learned neither yet is compared by its
    // bootstrap.servers, as before ids were known.
    auto clusters = h->runtime->supervisor()->clusters();
    if (!clusters) {
      auto kept = store_->link_cluster_ids(other.cfg.name);
      if (kept && *kept) clusters = **kept;
    }
    const bool same_target = clusters ? clusters->target == *target_id
                                      : other.cfg.target.bootstrap() == l.target.bootstrap();
    if (!same_target) continue;
    for (const auto& [name, partitions] : h->runtime->supervisor()->selected_topics()) {
      const std::string t = other.cfg.topics.target_name(name);
      if (targets.contains(t)) {
        return fail(errc::precondition,
                    "link " + l.name + " would write target topic " + t + ", which link " +
                        other.cfg.name + " already writes on the same cluster (id " + *target_id +
                        "); exclude the topic from one of them (topics.exclude) or use another "
                        "topics.prefix");
      }
    }
  }
  return {};
}

result<api::stage_result> application::stage(
    const std::string& link, const std::function<bool(const std::string&)>& topic_selected,
    const std::function<bool(const std::string&)>& group_selected, bool dry_run) {
  auto h = running(link);
  if (!h) return std::unexpected(h.error());
  const config::link_config& cfg = h->runtime->config();
  if (group_selected && !cfg.groups.enabled) {
    return fail(errc::precondition, "link " + link +
                                        " has no groups section: group offset sync is off, so "
                                        "no group can be staged");
  }
  auto admin = kafka::admin_client::connect(cfg.source.props, "strait-" + link + "-stage",
                                            "links." + link + ".source.properties",
                                            std::chrono::seconds(10));
  if (!admin) return std::unexpected(admin.error());
  api::stage_result out;
  // What the link's own patterns select is not staged (its supervisor may
  // not have listed it yet right after a start).
  auto own_topics = config::topic_filter::make(cfg.topics.include, cfg.topics.exclude,
                                               cfg.topics.exclude_internal, "link.topics");
  if (!own_topics) return std::unexpected(own_topics.error());
  if (topic_selected) {
    auto listing = (*admin)->list_topics();
    if (!listing) return std::unexpected(listing.error());
    const auto selected = h->runtime->supervisor()->selected_topics();
    for (const auto& [name, info] : *listing) {
      if (!name.starts_with("__") && topic_selected(name) && !selected.contains(name) &&
          !own_topics->matches(name)) {
        out.topics.push_back(name);
      }
    }
  }
  if (group_selected) {
    auto listing = (*admin)->list_groups();
    if (!listing) return std::unexpected(listing.error());
    std::set<std::string> known;
    for (const auto& g : h->runtime->syncer()->groups()) known.insert(g.group);
    auto own_groups =
        config::topic_filter::make(cfg.groups.include, cfg.groups.exclude, false, "link.groups");
    if (!own_groups) return std::unexpected(own_groups.error());
    for (const auto& g : listing->groups) {
      if (group_selected(g.id) && !known.contains(g.id) && !own_groups->matches(g.id)) {
        out.groups.push_back(g.id);
      }
    }
  }
  if (out.topics.empty() && out.groups.empty()) {
    return fail(errc::precondition, "link " + link +
                                        ": no source topic or group matches that the link does "
                                        "not select already (straitctl status " +
                                        link + ")");
  }
  if (dry_run) return out;
  if (auto s = h->runtime->stage({out.topics.begin(), out.topics.end()},
                                 {out.groups.begin(), out.groups.end()});
      !s) {
    return std::unexpected(s.error());
  }
  spdlog::info("link {}: staged {} topics and {} groups", link, out.topics.size(),
               out.groups.size());
  return out;
}

result<api::link_info> application::create_link(const std::string& yaml, bool dry_run) {
  std::lock_guard lifecycle(lifecycle_mu_);
  auto l = config::parse_link_yaml(yaml, from_environment,
                                   config::api_link_references(cfg_.daemon.secrets_dir));
  if (!l) return std::unexpected(l.error());
  if (find(l->name)) {
    return fail(errc::precondition,
                "a link named " + l->name + " exists; choose another name (straitctl links)");
  }
  if (auto s = check_new_link(*l); !s) return std::unexpected(s.error());
  auto runtime =
      std::make_shared<link_runtime>(*l, true, *store_, metrics_, claims_, terminate_process);
  if (dry_run) return api::link_info{*l, true, false};
  if (auto s = persist(*runtime, yaml, false); !s) return std::unexpected(s.error());
  if (auto s = runtime->start(); !s) {
    store::checkpoint_store::write_batch b;
    b.delete_link(l->name);
    (void)store_->commit(b);
    return std::unexpected(s.error());
  }
  api_yaml_[l->name] = yaml;
  std::lock_guard lock(links_mu_);
  links_[l->name] = runtime;
  return info_of(*runtime);
}

result<api::link_info> application::delete_link(const std::string& link, bool dry_run) {
  std::lock_guard lifecycle(lifecycle_mu_);
  auto r = find(link);
  if (!r) return fail(errc::not_found, "no link '" + link + "'");
  if (!r->from_api()) {
    return fail(errc::precondition, "link " + link +
                                        " comes from the config file: remove it there and "
                                        "restart straitd");
  }
  if (auto s = no_cutover_in_progress(*store_, link); !s) return std::unexpected(s.error());
  api::link_info info;
  {
    std::shared_lock lock(r->mu());
    info = info_of(*r);
  }
  if (dry_run) return info;
  // The definition and the staged names go first: if that fails, nothing
  // changed; once it is done, a restart would not bring the link back.
  if (auto s = forget_link(*store_, link); !s) return std::unexpected(s.error());
  {
    std::unique_lock lock(r->mu());
    r->stop();
    r->mark_deleted();
    r->release_claims();
  }
  {
    std::lock_guard lock(links_mu_);
    links_.erase(link);
  }
  api_yaml_.erase(link);
  spdlog::info("link {} deleted; its offset maps, states and reports stay in the store", link);
  return info;
}

result<api::link_info> application::pause_link(const std::string& link, bool dry_run) {
  std::lock_guard lifecycle(lifecycle_mu_);
  auto r = find(link);
  if (!r) return fail(errc::not_found, "no link '" + link + "'");
  std::unique_lock lock(r->mu());
  if (dry_run) return api::link_info{r->config(), r->from_api(), true};
  // Stored first (and again when already paused): a restart keeps it paused.
  const auto yaml = api_yaml_.find(link);
  if (auto s = persist(*r, yaml == api_yaml_.end() ? "" : yaml->second, true); !s) {
    return std::unexpected(s.error());
  }
  r->stop();
  spdlog::info("link {} paused: records in flight drained and checkpointed", link);
  return info_of(*r);
}

result<api::link_info> application::resume_link(const std::string& link, bool dry_run) {
  std::lock_guard lifecycle(lifecycle_mu_);
  auto r = find(link);
  if (!r) return fail(errc::not_found, "no link '" + link + "'");
  std::unique_lock lock(r->mu());
  if (dry_run) return api::link_info{r->config(), r->from_api(), false};
  if (auto s = r->start(); !s) return std::unexpected(s.error());
  const auto yaml = api_yaml_.find(link);
  if (auto s = persist(*r, yaml == api_yaml_.end() ? "" : yaml->second, false); !s) {
    return std::unexpected(s.error());
  }
  spdlog::info("link {} resumed", link);
  return info_of(*r);
}

namespace {

// Who runs this process on the host, for the audit journal (and who ran
// sudo, if it did: informative only, the environment is the caller's).
std::string host_user() {
  const uid_t uid = ::geteuid();
  std::string who = "uid " + std::to_string(uid);
  if (const passwd* pw = ::getpwuid(uid); pw != nullptr && pw->pw_name != nullptr) {
    who = std::string(pw->pw_name) + " (" + who + ")";
  }
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') {
    who += " via sudo by " + std::string(sudo);
  }
  return who;
}

// What straitd does to its store offline (--acknowledge, --delete-link),
// journaled like the API's calls (docs/api.md#audit): "started" first,
// nothing done when that cannot be written, then the result. change()
// returns the state after.
status journaled_offline(store::checkpoint_store& store, const std::string& call,
                         const record_digest& args, const std::string& before,
                         const std::function<result<std::string>()>& change) {
  store::audit_entry entry;
  entry.at_ms = wall_clock_ms();
  entry.who = host_user();
  entry.role = "host";
  entry.call = call;
  entry.args_digest = args.hex();
  entry.state_before = before;
  entry.result = "started";
  if (auto a = store.append_audit(entry); !a) {
    return fail(a.error().code,
                "cannot write the audit journal (" + a.error().message + "); nothing changed");
  }
  auto after = change();
  entry.at_ms = wall_clock_ms();
  entry.result =
      after ? "ok" : std::string(to_string(after.error().code)) + ": " + after.error().message;
  entry.state_after = after ? *after : before;
  if (auto a = store.append_audit(entry); !a) {
    spdlog::error("cannot write the audit journal: {}", a.error().message);
  }
  if (!after) return std::unexpected(after.error());
  return {};
}

}  // namespace

status delete_link_offline(const config::config& cfg, const std::string& link) {
  auto st = store::checkpoint_store::open(cfg.daemon.state_dir / "checkpoints");
  if (!st) {
    if (st.error().code == errc::busy) {
      return fail(errc::busy, st.error().message +
                                  "; stop straitd first: --delete-link edits the store offline");
    }
    return std::unexpected(st.error());
  }
  auto links = (*st)->links();
  if (!links) return std::unexpected(links.error());
  auto it =
      std::find_if(links->begin(), links->end(), [&](const auto& l) { return l.first == link; });
  if (it == links->end() || !it->second.from_api) {
    return fail(errc::not_found, "no link '" + printable(link, 64) +
                                     "' created through the API in the store (a link of the "
                                     "config file is removed from the file)");
  }
  if (auto s = no_cutover_in_progress(**st, link); !s) return s;
  record_digest args;
  args.add(link);
  auto done = journaled_offline(**st, "DeleteLink (straitd --delete-link)", args,
                                "link " + link + " stored", [&]() -> result<std::string> {
                                  if (auto s = forget_link(**st, link); !s) {
                                    return std::unexpected(s.error());
                                  }
                                  return "link " + link + " absent";
                                });
  if (!done) return done;
  spdlog::info(
      "link {} deleted from the store; its checkpoints stay for a link created again "
      "under the name",
      link);
  return {};
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
  record_digest args;
  args.add(spec);
  args.add(resolution_name);
  const std::string before = key.to_string() + "=" + store::to_string(why);
  auto done = journaled_offline(
      **st, "Acknowledge (straitd --acknowledge)", args, before, [&]() -> result<std::string> {
        (*cp)->pending = *r;
        store::checkpoint_store::write_batch b;
        b.put_checkpoint(key, **cp);
        if (auto s = (*st)->commit(b); !s) {
          return std::unexpected(s.error());
        }
        return before + " resolution " + store::to_string(*r) + " pending";
      });
  if (!done) return done;
  spdlog::info("{}: stopped as {} ({}); resolution {} recorded, applied at the next start",
               key.to_string(), store::to_string(why), (*cp)->stop_detail, store::to_string(*r));
  return {};
}

}  // namespace strait::daemon
