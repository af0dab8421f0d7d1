#include "link_registry.h"

#include "link_records.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <set>

#include "strait/base/clock.h"
#include "strait/config/topic_filter.h"
#include "strait/kafka/client.h"
#include "strait/migration/state_machine.h"
#include "strait/mirror/cluster_rules.h"

namespace strait::daemon {

namespace {

std::optional<std::string> from_environment(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v == nullptr ? std::nullopt : std::optional<std::string>(v);
}

}  // namespace

link_registry::link_registry(const config::config& cfg, store::checkpoint_store& store,
                             metrics::registry& metrics, std::function<void()> on_fatal,
                             std::chrono::milliseconds drain)
    : cfg_(cfg), store_(store), metrics_(metrics), on_fatal_(std::move(on_fatal)), drain_(drain) {}

link_registry::~link_registry() { stop_all(); }

std::shared_ptr<link_runtime> link_registry::make_runtime(const config::link_config& l,
                                                          bool from_api) {
  return std::make_shared<link_runtime>(l, from_api, store_, metrics_, claims_, on_fatal_, drain_,
                                        cfg_.daemon.shards);
}

status link_registry::load() {
  std::lock_guard lifecycle(lifecycle_mu_);
  auto stored = load_links(store_);
  if (!stored) return std::unexpected(stored.error());
  std::map<std::string, link_record> records(stored->begin(), stored->end());
  std::vector<std::pair<std::shared_ptr<link_runtime>, bool>> runtimes;  // runtime, paused
  for (const auto& link : cfg_.links) {
    auto r = records.find(link.name);
    if (r != records.end() && r->second.from_api) {
      return fail(errc::invalid_argument,
                  "link " + link.name +
                      " is defined in the config file and was also created through the API; "
                      "rename it in the file (or remove it there to keep the API's)");
    }
    runtimes.emplace_back(make_runtime(link, false), r != records.end() && r->second.paused);
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
    runtimes.emplace_back(make_runtime(*l, true), rec.paused);
  }
  std::vector<link_runtime*> loaded;
  for (auto& [runtime, paused] : runtimes) {
    if (auto s = runtime->load_shards(); !s) return s;
    loaded.push_back(runtime.get());
  }
  link_runtime::claim_existing(loaded);
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
  return {};
}

void link_registry::stop_all() {
  std::lock_guard lifecycle(lifecycle_mu_);
  std::map<std::string, std::shared_ptr<link_runtime>> links;
  {
    std::lock_guard lock(links_mu_);
    links.swap(links_);
  }
  for (auto& [name, r] : links) r->request_stop();
  for (auto& [name, r] : links) r->begin_drain();
  for (auto& [name, r] : links) {
    r->stop();
    failed_ = failed_ || r->failed();
  }
}

std::shared_ptr<link_runtime> link_registry::find(const std::string& link) const {
  std::lock_guard lock(links_mu_);
  auto it = links_.find(link);
  return it == links_.end() ? nullptr : it->second;
}

result<link_registry::held> link_registry::held_link(const std::string& link) const {
  auto r = find(link);
  if (!r) return fail(errc::not_found, "no link '" + link + "'");
  std::shared_lock lock(r->mu());
  if (r->deleted()) return fail(errc::not_found, "no link '" + link + "'");
  return held{std::move(r), std::move(lock)};
}

result<link_registry::held> link_registry::running(const std::string& link) const {
  auto h = held_link(link);
  if (h && !h->runtime->running()) {
    return fail(errc::precondition,
                "link " + link + " is paused; straitctl resume-link " + link + " resumes it");
  }
  return h;
}

api::link_info link_registry::info_of(const link_runtime& r) {
  return {r.config(), r.from_api(), !r.running()};
}

std::vector<api::link_info> link_registry::links() const {
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

status link_registry::persist(const link_runtime& r, const std::string& yaml, bool paused) {
  store::checkpoint_store::write_batch b;
  put_link(b, r.config().name, {r.from_api(), paused, yaml, wall_clock_ms()});
  return store_.commit(b);
}

status link_registry::check_new(const config::link_config& l) const {
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
  auto stored = store_.link_cluster_ids(l.name);
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
      auto kept = store_.link_cluster_ids(other.cfg.name);
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

result<api::stage_result> link_registry::stage(
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

result<api::link_info> link_registry::create(const std::string& yaml, bool dry_run) {
  std::lock_guard lifecycle(lifecycle_mu_);
  auto l = config::parse_link_yaml(yaml, from_environment,
                                   config::api_link_references(cfg_.daemon.secrets_dir));
  if (!l) return std::unexpected(l.error());
  if (find(l->name)) {
    return fail(errc::precondition,
                "a link named " + l->name + " exists; choose another name (straitctl links)");
  }
  if (auto s = check_new(*l); !s) return std::unexpected(s.error());
  auto runtime = make_runtime(*l, true);
  if (dry_run) return api::link_info{*l, true, false};
  if (auto s = persist(*runtime, yaml, false); !s) return std::unexpected(s.error());
  if (auto s = runtime->start(); !s) {
    (void)forget_link_definition(store_, l->name);
    return std::unexpected(s.error());
  }
  api_yaml_[l->name] = yaml;
  std::lock_guard lock(links_mu_);
  links_[l->name] = runtime;
  return info_of(*runtime);
}

result<api::link_info> link_registry::remove(const std::string& link, bool dry_run) {
  std::lock_guard lifecycle(lifecycle_mu_);
  auto r = find(link);
  if (!r) return fail(errc::not_found, "no link '" + link + "'");
  if (!r->from_api()) {
    return fail(errc::precondition, "link " + link +
                                        " comes from the config file: remove it there and "
                                        "restart straitd");
  }
  api::link_info info;
  {
    // Held from the check to the end: a move starts under the shared lock
    // (running), so none can be stored between the check and the delete.
    std::unique_lock lock(r->mu());
    if (auto s = no_cutover_in_progress(store_, link); !s) return std::unexpected(s.error());
    info = info_of(*r);
    if (dry_run) return info;
    // The definition and the staged names go first: if that fails, nothing
    // changed; once it is done, a restart would not bring the link back.
    if (auto s = forget_link(store_, link); !s) return std::unexpected(s.error());
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

result<api::link_info> link_registry::pause(const std::string& link, bool dry_run) {
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

result<api::link_info> link_registry::resume(const std::string& link, bool dry_run) {
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

}  // namespace strait::daemon
