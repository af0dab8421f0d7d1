#include "strait/mirror/link_supervisor.h"

#include <spdlog/spdlog.h>

#include "strait/base/text.h"
#include "strait/kafka/record.h"
#include "strait/mirror/cluster_rules.h"
#include "strait/mirror/config_sync.h"
#include "strait/policy/topic_configs.h"

namespace strait::mirror {

namespace {
constexpr std::chrono::milliseconds kAdminTimeout{10000};
// A topic must be missing from two consecutive listings before its
// partitions stop, so one incomplete metadata answer stops nothing.
constexpr int kMissingRoundsBeforeDeleted = 2;
// How long a target topic this supervisor created may stay out of the
// target's listing before it is taken as gone (and created again, or its
// absence reported): far more than a loaded cluster's metadata needs to
// reach every broker (one round, 50 ms later, missed it in a bench run).
constexpr std::chrono::seconds kListingLag{30};
}  // namespace

link_supervisor::link_supervisor(const config::link_config& cfg, store::checkpoint_store& store,
                                 link_engine& engine, metrics::registry& metrics,
                                 target_claims* claims, const config::staged_names* staged,
                                 const config::shard_share* share)
    : cfg_(cfg),
      store_(store),
      engine_(engine),
      metrics_(metrics),
      claims_(claims),
      selection_(config::name_selection::topics(cfg, staged, share, filter_error_)) {}

link_supervisor::~link_supervisor() { stop(); }

status link_supervisor::start() {
  if (filter_error_) return std::unexpected(*filter_error_);
  auto connect = [&](const config::cluster_config& c, const char* side) {
    return kafka::admin_client::connect(c.props, "strait-" + cfg_.name + "-admin",
                                        "links." + cfg_.name + "." + side + ".properties",
                                        kAdminTimeout);
  };
  auto s = connect(cfg_.source, "source");
  if (!s) return std::unexpected(s.error());
  auto t = connect(cfg_.target, "target");
  if (!t) return std::unexpected(t.error());
  source_ = std::move(*s);
  target_ = std::move(*t);
  metrics_.describe("strait_topic_unmirrorable", metrics::registry::kind::gauge,
                    "1 while a selected topic cannot be mirrored (see the log for why)");
  metrics_.describe("strait_topic_drifted_configs", metrics::registry::kind::gauge,
                    "Configs of the target topic that differ from the source's, as of the last "
                    "config sync (straitctl status names them)");
  metrics_.describe("strait_config_sync_changes_total", metrics::registry::kind::counter,
                    "Target topic configs config sync changed to follow the source");
  thread_.start("sup:" + cfg_.name, [this] { return round_and_wait(); });
  return {};
}

void link_supervisor::stop() {
  thread_.stop();
  std::lock_guard lock(acks_mu_);
  for (auto& a : acks_) a.done->set_value(fail(errc::busy, "straitd is stopping"));
  acks_.clear();
}

std::map<std::string, int> link_supervisor::selected_topics() const {
  std::lock_guard lock(selected_mu_);
  return selected_;
}

std::shared_ptr<const link_supervisor::watermarks_by_partition> link_supervisor::source_watermarks()
    const {
  std::lock_guard lock(selected_mu_);
  return source_marks_;
}

std::optional<store::cluster_ids> link_supervisor::clusters() const {
  std::lock_guard lock(selected_mu_);
  return clusters_;
}

std::string link_supervisor::cluster_refusal() const {
  std::lock_guard lock(selected_mu_);
  return cluster_refusal_;
}

bool link_supervisor::learn_clusters() {
  if (clusters() || !cluster_refusal().empty()) return true;
  auto src = cluster_key(source_->cluster_id(), cfg_.source);
  set_reachable("source", source_reachable_, src.has_value(), src ? "" : src.error().message);
  if (!src) return false;
  auto tgt = cluster_key(target_->cluster_id(), cfg_.target);
  set_reachable("target", target_reachable_, tgt.has_value(), tgt ? "" : tgt.error().message);
  if (!tgt) return false;
  const store::cluster_ids now{*src, *tgt};
  auto stored = store_.link_cluster_ids(cfg_.name);
  if (!stored) {
    spdlog::error("link {}: {}", cfg_.name, stored.error().message);
    metrics_.add("strait_errors_total", {{"link", cfg_.name}, {"kind", "store"}}, 1);
    return false;
  }
  std::string refusal = mirror::cluster_refusal(cfg_, *stored, now);
  if (!refusal.empty()) {
    spdlog::error("link {}: mirrors nothing: {}", cfg_.name, refusal);
    metrics_.add("strait_errors_total", {{"link", cfg_.name}, {"kind", "cluster"}}, 1);
    std::lock_guard lock(selected_mu_);
    cluster_refusal_ = std::move(refusal);
    return true;
  }
  if (!*stored) {
    store::checkpoint_store::write_batch b;
    b.put_cluster_ids(cfg_.name, now);
    if (auto s = store_.commit(b); !s) {
      spdlog::error("link {}: {}", cfg_.name, s.error().message);
      metrics_.add("strait_errors_total", {{"link", cfg_.name}, {"kind", "store"}}, 1);
      return false;
    }
  }
  if (now.source == now.target) {
    spdlog::info(
        "link {}: source and target are the same cluster ({}); topics whose names start "
        "with {} are this link's copies and are never mirrored",
        cfg_.name, now.source, cfg_.topics.prefix);
  }
  std::lock_guard lock(selected_mu_);
  clusters_ = now;
  return true;
}

std::future<result<link_supervisor::acknowledged>> link_supervisor::acknowledge(
    const partition_key& key, store::resolution r, bool dry_run,
    std::shared_ptr<std::atomic<int>> ticket) {
  auto done = std::make_shared<std::promise<result<acknowledged>>>();
  auto f = done->get_future();
  {
    std::lock_guard lock(acks_mu_);
    acks_.push_back({key, r, dry_run, std::move(ticket), std::move(done)});
  }
  thread_.wake();
  return f;
}

void link_supervisor::apply_acknowledgements() {
  std::vector<ack_request> acks;
  {
    std::lock_guard lock(acks_mu_);
    acks.swap(acks_);
  }
  for (auto& a : acks) {
    int pending = 0;
    if (!a.ticket->compare_exchange_strong(pending, 1)) {
      a.done->set_value(fail(errc::busy, "cancelled by the caller"));
      continue;
    }
    a.done->set_value(apply_acknowledgement(a.key, a.resolution, a.dry_run));
  }
}

result<link_supervisor::acknowledged> link_supervisor::apply_acknowledgement(
    const partition_key& key, store::resolution r, bool dry_run) {
  auto cp = store_.load(key);
  if (!cp) return std::unexpected(cp.error());
  if (!*cp) return fail(errc::not_found, "no mirrored partition " + key.to_string());
  store::partition_checkpoint c = **cp;
  if (c.stopped == store::stop_reason::none) {
    return fail(errc::precondition, key.to_string() + " is not stopped; nothing to acknowledge");
  }
  if (c.stopped == store::stop_reason::handed_over) {
    return fail(errc::precondition, key.to_string() +
                                        " was cut over (the target is primary); straitctl "
                                        "rollback ends that, not acknowledge");
  }
  if (!store::resolution_applies(c.stopped, r, c.stop_source_offset)) {
    return fail(errc::invalid_argument,
                std::string("resolution ") + store::to_string(r) +
                    " does not apply to a partition stopped as " + store::to_string(c.stopped) +
                    " (docs/configuration.md lists which resolutions fit which stop)");
  }
  acknowledged out{c.stopped, c.stop_detail};
  auto st = topics_.find(key.topic);
  if (st == topics_.end() || !engine_.has_partition(key)) {
    return fail(errc::precondition, key.to_string() +
                                        " is not running in this straitd (topic no longer "
                                        "selected?); straitd --acknowledge records it offline");
  }
  if (dry_run) return out;
  c.pending = r;
  store::checkpoint_store::write_batch b;
  b.put_checkpoint(key, c);
  if (auto s = store_.commit(b); !s) return std::unexpected(s.error());
  auto start = prepare(key, st->second.target, st->second.max_record_bytes);
  if (!start) return std::unexpected(start.error());  // recorded: applied at the next start
  auto replaced = engine_.replace_partition(std::move(*start));
  if (replaced.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    return fail(errc::busy, key.to_string() +
                                ": the mirror engine did not take the partition back within 30 s");
  }
  if (auto s = replaced.get(); !s) return std::unexpected(s.error());
  spdlog::info("{}: stopped as {}; resolution {} applied", key.to_string(),
               store::to_string(out.was), store::to_string(r));
  return out;
}

std::chrono::steady_clock::duration link_supervisor::round_and_wait() {
  apply_acknowledgements();
  std::chrono::milliseconds wait = cfg_.topics.refresh_interval;
  if (refresh()) {
    retry_.reset();
    // Retried soon, not a round later (start_retry_).
    if (start_pending_) {
      wait = std::min<std::chrono::milliseconds>(wait, start_retry_.next());
    } else {
      start_retry_.reset();
    }
  } else {
    wait = std::min(wait, retry_.next());
  }
  return wait;
}

void link_supervisor::note_working(bool& working, bool now, const char* side,
                                   const std::string& why, std::string_view failed,
                                   std::string_view recovered) {
  if (working == now) return;
  working = now;
  if (now) {
    spdlog::info(fmt::runtime(recovered), cfg_.name, side);
  } else {
    spdlog::warn(fmt::runtime(failed), cfg_.name, side, why);
  }
}

void link_supervisor::set_reachable(const char* side, bool& flag, bool reachable,
                                    const std::string& why) {
  note_working(flag, reachable, side, why,
               "link {}: {} cluster unreachable ({}); retrying with backoff",
               "link {}: {} cluster reachable again for admin requests");
}

bool link_supervisor::refresh() {
  const bool synced = sync_topics();
  // Also when a cluster did not answer the listing: the source's end keeps
  // lag true while the target is down (the checks that need the target wait).
  watch_partitions();
  return synced;
}

void link_supervisor::topic_error(const std::string& topic, const std::string& message) {
  auto& st = topics_[topic];
  if (st.error != message) {
    spdlog::error("link {}: topic {} is not mirrored: {}", cfg_.name, topic, message);
    metrics_.add("strait_errors_total", {{"link", cfg_.name}, {"kind", "topic_mismatch"}}, 1);
  }
  st.error = message;
  metrics_.set("strait_topic_unmirrorable", {{"link", cfg_.name}, {"topic", topic}}, 1);
}

bool link_supervisor::sync_topics() {
  start_pending_ = false;
  auto src = source_->list_topics();
  set_reachable("source", source_reachable_, src.has_value(), src ? "" : src.error().message);
  if (!src) return false;
  engine_.cluster_answered(true);
  auto tgt = target_->list_topics();
  set_reachable("target", target_reachable_, tgt.has_value(), tgt ? "" : tgt.error().message);
  if (!tgt) return false;
  engine_.cluster_answered(false);
  if (!learn_clusters()) return false;
  const std::optional<store::cluster_ids> clusters = this->clusters();
  const std::string refusal = cluster_refusal();
  const bool same_cluster = clusters && clusters->source == clusters->target;

  std::vector<std::string> selected;
  std::map<std::string, int> selected_partitions;
  for (const auto& [name, info] : *src) {
    if (!selection_.selects(name)) continue;
    if (is_own_copy(cfg_, same_cluster, name)) continue;
    selected.push_back(name);
    selected_partitions[name] = info.partitions;
  }
  {
    std::lock_guard lock(selected_mu_);
    selected_ = std::move(selected_partitions);
    ++selections_;
  }
  if (!refusal.empty()) {
    // Nothing of these clusters is read, stored or written for this link.
    for (const auto& name : selected) topic_error(name, refusal);
    publish_conditions(selected);
    return true;
  }
  check_topic_ids(selected);

  // Configs of the topics that need a decision this round.
  std::vector<std::string> need_src, need_tgt;
  for (const auto& name : selected) {
    auto& st = topics_[name];
    st.target = cfg_.topics.target_name(name);
    st.missing_rounds = 0;
    bool exists = tgt->contains(st.target);
    bool grows = exists && tgt->at(st.target).partitions < src->at(name).partitions;
    if (cfg_.topics.check_configs && (!exists || !st.checked || grows || !st.error.empty())) {
      need_src.push_back(name);
      if (exists) need_tgt.push_back(st.target);
    }
  }
  std::map<std::string, std::vector<kafka::config_entry>> src_cfg, tgt_cfg;
  if (!need_src.empty()) {
    auto r = source_->describe_topic_configs(need_src);
    if (!r) {
      spdlog::warn("link {}: cannot describe source topic configs: {}", cfg_.name,
                   r.error().message);
      return false;
    }
    src_cfg = std::move(*r);
  }
  if (!need_tgt.empty()) {
    auto r = target_->describe_topic_configs(need_tgt);
    if (!r) {
      spdlog::warn("link {}: cannot describe target topic configs: {}", cfg_.name,
                   r.error().message);
      return false;
    }
    tgt_cfg = std::move(*r);
  }

  for (const auto& name : selected) {
    auto& st = topics_[name];
    if (auto why = target_topic_refusal(st.target); !why.empty()) {
      topic_error(name, why);
      continue;
    }
    // `clusters` is set: learn_clusters returned true without a refusal.
    if (std::string holder;
        claims_ != nullptr && !claims_->claim(clusters->target, st.target, cfg_.name, holder)) {
      topic_error(name, claimed_by_another_link(st.target, holder));
      continue;
    }
    int src_parts = src->at(name).partitions;
    int tgt_parts = 0;
    auto target_it = tgt->find(st.target);
    if (target_it == tgt->end()) {
      // Created moments ago by this supervisor and not listed yet: its
      // partitions start once it is (after a while, it is taken as gone).
      if (st.created_at && std::chrono::steady_clock::now() - *st.created_at < kListingLag) {
        start_pending_ = true;
        continue;
      }
      if (!cfg_.topics.create) {
        topic_error(name, policy::not_created(st.target, src_parts));
        continue;
      }
      kafka::properties configs;
      if (src_cfg.contains(name)) configs = policy::configs_to_copy(src_cfg[name], cfg_.topics);
      auto made =
          target_->create_topic(st.target, src_parts, cfg_.topics.replication_factor, configs);
      if (!made) {
        topic_error(name, made.error().message);
        continue;
      }
      if (!*made) {
        // Created by someone else since the listing (or by straitctl apply,
        // which marks what it creates itself): not this round's to mark.
        // The next round checks it as a topic that exists.
        spdlog::warn(
            "link {}: target topic {} appeared while strait created it (someone else, or "
            "straitctl apply, created it meanwhile): this round does not mark it as strait's",
            cfg_.name, st.target);
        continue;
      }
      store::checkpoint_store::write_batch b;
      b.mark_topic_created(cfg_.name, name);
      if (auto s = store_.commit(b); !s) {
        topic_error(name, s.error().message);
        continue;
      }
      std::string list;
      for (const auto& [k, v] : configs) list += (list.empty() ? "" : ", ") + k + "=" + v;
      spdlog::info("link {}: created target topic {} with {} partitions{}{}", cfg_.name, st.target,
                   src_parts, list.empty() ? "" : " and configs ", list);
      tgt_parts = src_parts;
      st.checked = true;
      st.strait_created = true;
      st.created_at = std::chrono::steady_clock::now();
    } else {
      st.created_at.reset();  // listed: a topic deleted later is created again at once
      tgt_parts = target_it->second.partitions;
      if (cfg_.topics.check_configs && src_cfg.contains(name)) {
        auto created = store_.topic_created(cfg_.name, name);
        if (!created) {
          topic_error(name, created.error().message);
          continue;
        }
        auto check =
            policy::check_target_topic(name, st.target, src_parts, tgt_parts, *created,
                                       policy::config_value(src_cfg[name], "cleanup.policy"),
                                       policy::config_value(tgt_cfg[st.target], "cleanup.policy"));
        if (check.what == policy::target_check::action::mismatch) {
          topic_error(name, check.message);
          continue;
        }
        if (check.what == policy::target_check::action::add_partitions) {
          if (auto s = target_->create_partitions(st.target, src_parts); !s) {
            topic_error(name, s.error().message);
            continue;
          }
          spdlog::info("link {}: {}", cfg_.name, check.message);
          tgt_parts = src_parts;
        }
        if (auto limit = policy::record_limit(tgt_cfg[st.target])) st.max_record_bytes = *limit;
        st.checked = true;
      } else if (tgt_parts < src_parts) {
        topic_error(name, policy::too_few_partitions(st.target, tgt_parts, src_parts));
      }
    }
    if (!st.error.empty() && st.started < std::min(src_parts, tgt_parts)) {
      spdlog::info("link {}: topic {} can be mirrored again", cfg_.name, name);
      st.error.clear();
      metrics_.set("strait_topic_unmirrorable", {{"link", cfg_.name}, {"topic", name}}, 0);
    }
    if (st.started > 0 && st.started < std::min(src_parts, tgt_parts)) {
      // The topic grew: the engine's producer knows the old partition count
      // and must learn the new partitions before it writes to them. (A topic
      // it has not seen yet is looked up by the producer itself.)
      if (auto s = engine_.refresh_target_metadata(st.target); !s) {
        spdlog::warn("link {}: {}", cfg_.name, s.error().message);
        continue;
      }
    }
    // Every partition to start, its watermarks read in two batched requests
    // per cluster (a query per partition cost each start four round trips).
    const int to_start = std::min(src_parts, tgt_parts);
    std::vector<kafka::topic_partition> src_batch, tgt_batch;
    for (int p = st.started; p < to_start; ++p) {
      src_batch.emplace_back(name, p);
      tgt_batch.emplace_back(st.target, p);
    }
    std::map<kafka::topic_partition, kafka::watermarks> src_marks, tgt_marks;
    if (to_start - st.started > 1) {
      if (auto m = source_->list_watermarks(src_batch)) src_marks = std::move(*m);
      if (auto m = target_->list_watermarks(tgt_batch)) tgt_marks = std::move(*m);
    }
    for (int p = st.started; p < to_start; ++p) {
      partition_key key{cfg_.name, name, partition_id(p)};
      known_watermarks known;
      if (auto it = src_marks.find({name, p}); it != src_marks.end()) known.source = it->second;
      if (auto it = tgt_marks.find({st.target, p}); it != tgt_marks.end()) {
        known.target = it->second;
      }
      auto start = prepare(key, st.target, st.max_record_bytes, known);
      if (!start) {
        // A new topic needs a moment (tries 50 ms apart, doubling): said
        // once it persists, past a second.
        if (++start_failures_[key] == 6) {
          spdlog::warn("{}: cannot start yet, retrying: {}", key.to_string(),
                       start.error().message);
        }
        start_pending_ = true;
        break;  // keep partitions in order; retried soon
      }
      start_failures_.erase(key);
      engine_.add_partition(std::move(*start));
      st.started = p + 1;
    }
  }

  // Topics that vanished from the source.
  for (auto& [name, st] : topics_) {
    if (src->contains(name) || st.started == 0 || st.deleted) continue;
    if (++st.missing_rounds < kMissingRoundsBeforeDeleted) continue;
    st.deleted = true;
    for (int p = 0; p < st.started; ++p) {
      engine_.stop_partition(
          {cfg_.name, name, partition_id(p)}, store::stop_reason::source_topic_deleted,
          "source topic " + name + " was deleted; the target keeps what was mirrored");
    }
  }
  release_unowned();
  sync_configs(selected, *src, *tgt);
  publish_conditions(selected);
  return true;
}

void link_supervisor::sync_configs(const std::vector<std::string>& selected,
                                   const std::map<std::string, kafka::topic_info>& source_topics,
                                   const std::map<std::string, kafka::topic_info>& target_topics) {
  using mode = config::topic_config::config_sync_mode;
  if (cfg_.topics.config_sync == mode::off || !cfg_.topics.check_configs) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_config_sync_) return;
  // A topic whose producers moved to the target (a partition handed over)
  // has its configs owned there now: they are neither changed nor compared
  // until a rollback replaces its partitions. Which partitions are handed
  // over shows once they are in the engine: a topic with partitions not
  // started yet (e.g. just after a restart) waits. The lag decides whether
  // a change that waits_for_catch_up may be made.
  std::set<std::string> handed_over;
  std::map<std::string, int64_t> lag;
  for (const auto& p : engine_.snapshot()) {
    if (p.stop_reason == store::stop_reason::handed_over) handed_over.insert(p.key.topic);
    lag[p.key.topic] += std::max<int64_t>(p.lag_records, 0);
  }
  // Topics without an error whose target topic exists; a topic in error is
  // not compared (its error says what to fix first).
  std::vector<std::string> names, targets;
  for (const auto& name : selected) {
    auto& st = topics_[name];
    const auto src = source_topics.find(name);
    const bool all_started = src != source_topics.end() && st.started >= src->second.partitions;
    if (!all_started || handed_over.contains(name) || !st.error.empty() ||
        !target_topics.contains(st.target)) {
      st.config_memory = {};
      set_drift(name, st, {}, "");
      continue;
    }
    names.push_back(name);
    targets.push_back(st.target);
  }
  auto src_cfg = source_->describe_topic_configs(names);
  auto tgt_cfg = src_cfg ? target_->describe_topic_configs(targets) : src_cfg;
  auto retry_soon = [&](const std::string& why) {
    if (why != config_sync_failure_) {
      spdlog::warn("link {}: config sync: {}; retrying", cfg_.name, why);
    }
    config_sync_failure_ = why;
    next_config_sync_ = now + std::min<std::chrono::milliseconds>(cfg_.topics.config_sync_interval,
                                                                  kAdminTimeout * 3);
  };
  if (!src_cfg || !tgt_cfg) {
    return retry_soon("cannot read topic configs of the " +
                      std::string(!src_cfg ? "source: " + src_cfg.error().message
                                           : "target: " + tgt_cfg.error().message));
  }
  if (!config_sync_failure_.empty()) {
    spdlog::info("link {}: config sync works again", cfg_.name);
    config_sync_failure_.clear();
  }
  next_config_sync_ = now + cfg_.topics.config_sync_interval;
  // Changes wait on the target; the round's other work (watermarks,
  // acknowledgements, a stop) waits on this thread: past the budget the
  // topics left are compared in the next round, starting where this one
  // stopped (so that slow topics first in the order cannot starve the rest;
  // `names` is sorted, as the source listing it comes from).
  constexpr auto kChangeBudget = std::chrono::seconds(5);
  std::rotate(names.begin(), std::lower_bound(names.begin(), names.end(), config_sync_resume_),
              names.end());
  config_sync_resume_.clear();
  for (const auto& name : names) {
    if (std::chrono::steady_clock::now() - now > kChangeBudget) {
      config_sync_resume_ = name;
      next_config_sync_ = now;
      return;
    }
    auto& st = topics_[name];
    auto sc = src_cfg->find(name);
    auto tc = tgt_cfg->find(st.target);
    if (sc == src_cfg->end() || tc == tgt_cfg->end()) {
      // Deleted meanwhile, or described with an error (e.g. not authorized).
      set_drift(name, st, {},
                std::string("the configs of the ") + (sc == src_cfg->end() ? "source" : "target") +
                    " topic could not be read (deleted, or DescribeConfigs not allowed)");
      continue;
    }
    // The target's limit as it is now, for the partitions' size check at
    // their next start (an acknowledgement's too).
    if (auto limit = policy::record_limit(tc->second)) st.max_record_bytes = *limit;
    auto drift = policy::config_differences(sc->second, tc->second, cfg_.topics);
    if (drift.empty()) {
      st.config_memory = {};
      set_drift(name, st, {}, "");
      continue;
    }
    if (cfg_.topics.config_sync == mode::created && !st.strait_created) {
      auto created = store_.topic_created(cfg_.name, name);
      if (!created) {
        set_drift(name, st, std::move(drift), created.error().message);
        continue;
      }
      st.strait_created = *created;
      if (!*created) {
        set_drift(name, st, std::move(drift),
                  "target topic " + st.target +
                      " was not created by strait (topics.config_sync: created); change it on the "
                      "target, or set topics.config_sync: all to have strait follow the source");
        continue;
      }
    }
    auto step = follow_source(std::move(drift), st.config_memory, lag[name] == 0,
                              [&](const std::vector<kafka::config_change>& changes) {
                                return target_->alter_topic_configs(st.target, changes);
                              });
    if (!step.changed.empty()) {
      spdlog::info("link {}: topic {}: target topic {} follows the source's configs: {}", cfg_.name,
                   name, st.target, policy::describe(step.changed));
      metrics_.add("strait_config_sync_changes_total", {{"link", cfg_.name}},
                   static_cast<double>(step.changed.size()));
    }
    st.config_memory = std::move(step.memory);
    set_drift(name, st, std::move(step.left), std::move(step.reason));
    if (step.unanswered)
      return retry_soon("the target did not answer: " + step.unanswered->message);
  }
}

void link_supervisor::set_drift(const std::string& topic, topic_state& st,
                                std::vector<policy::config_difference> drift, std::string reason) {
  // A broker can report any number of configs: status and logs keep a bound.
  constexpr size_t kMaxShown = 64;
  if (drift.size() > kMaxShown) {
    reason = std::to_string(drift.size() - kMaxShown) + " more differ; " + reason;
    drift.resize(kMaxShown);
  }
  if (drift != st.drift || reason != st.drift_reason) {
    if (!drift.empty() || !reason.empty()) {
      spdlog::warn(
          "link {}: topic {}: config sync: {}{}{}", cfg_.name, topic,
          drift.empty() ? "" : "configs differ from the source: " + policy::describe(drift),
          drift.empty() || reason.empty() ? "" : "; ", reason);
      if (!drift.empty() && !reason.empty()) {
        metrics_.add("strait_errors_total", {{"link", cfg_.name}, {"kind", "config_sync"}}, 1);
      }
    } else if (!st.drift.empty() || !st.drift_reason.empty()) {
      spdlog::info("link {}: topic {}: configs follow the source again", cfg_.name, topic);
    }
  }
  st.drift = std::move(drift);
  st.drift_reason = std::move(reason);
  metrics_.set("strait_topic_drifted_configs", {{"link", cfg_.name}, {"topic", topic}},
               static_cast<double>(st.drift.size()));
}

void link_supervisor::release_unowned() {
  // Every stop and removal is posted first (the engine answers them in one
  // pass), then awaited up to a deadline: an engine that stopped answering
  // (its thread ended after a fatal producer error) must not hold up the
  // round, the link's stop or straitd's.
  struct removal {
    std::string topic;
    partition_key key;
    std::future<status> done;
  };
  std::vector<removal> removals;
  std::map<std::string, int> pending;  // per topic, partitions not out yet
  for (const auto& [name, st] : topics_) {
    if (st.started == 0 || selection_.selects(name) || !selection_.selected_by_link(name)) {
      continue;
    }
    pending[name] = st.started;
    for (int p = 0; p < st.started; ++p) {
      partition_key key{cfg_.name, name, partition_id(p)};
      // A partition stopped earlier (an incident) keeps its stop.
      engine_.stop_partition(key, store::stop_reason::released,
                             "another straitd of the set takes it over");
      auto done = engine_.remove_partition(key);
      removals.push_back({name, std::move(key), std::move(done)});
    }
  }
  if (removals.empty()) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (auto& r : removals) {
    if (r.done.wait_until(deadline) != std::future_status::ready) continue;  // next round
    const status removed = r.done.get();
    if (removed) {
      --pending[r.topic];
    } else if (removed.error().code != errc::busy) {
      spdlog::warn("link {}: {} cannot leave the engine yet, retrying: {}", cfg_.name,
                   r.key.to_string(), removed.error().message);
    }
  }
  for (const auto& [name, left] : pending) {
    if (left > 0) continue;
    spdlog::info("link {}: topic {} released: its {} partitions left this straitd's engine",
                 cfg_.name, printable(name, 256), topics_[name].started);
    for (const char* series : {"strait_topic_unmirrorable", "strait_topic_drifted_configs"}) {
      metrics_.remove(series, {{"link", cfg_.name}, {"topic", name}});
    }
    topics_.erase(name);
  }
}

void link_supervisor::publish_conditions(const std::vector<std::string>& selected) {
  std::map<std::string, topic_condition> out;
  for (const auto& name : selected) {
    auto it = topics_.find(name);
    if (it == topics_.end()) continue;
    const auto& st = it->second;
    if (st.error.empty() && st.drift.empty() && st.drift_reason.empty()) continue;
    out[name] = topic_condition{st.target, st.error, st.drift, st.drift_reason};
  }
  std::lock_guard lock(selected_mu_);
  conditions_ = std::move(out);
}

std::map<std::string, link_supervisor::topic_condition> link_supervisor::topic_conditions() const {
  std::lock_guard lock(selected_mu_);
  return conditions_;
}

void link_supervisor::check_topic_ids(const std::vector<std::string>& selected) {
  // A cluster answers in milliseconds; one that cannot (no topic ids before
  // Kafka 2.8, a controller it cannot name, a missing permission) must not
  // hold up every round: the checks pause for a minute, the content checks go on.
  constexpr std::chrono::milliseconds kTimeout{3000};
  constexpr std::chrono::seconds kPauseAfterFailure{60};
  const auto now = std::chrono::steady_clock::now();
  if (now < topic_ids_paused_until_ || selected.empty()) return;
  auto ids = source_->describe_topic_ids(selected, kTimeout);
  if (!ids) {
    if (!topic_ids_failing_) {
      spdlog::warn(
          "link {}: cannot read the source's topic ids ({}); retrying every {} s, and a "
          "recreated topic is found by comparing records meanwhile",
          cfg_.name, ids.error().message, kPauseAfterFailure.count());
    }
    topic_ids_failing_ = true;
    topic_ids_paused_until_ = now + kPauseAfterFailure;
    return;
  }
  if (topic_ids_failing_) spdlog::info("link {}: source topic ids readable again", cfg_.name);
  topic_ids_failing_ = false;
  for (const auto& name : selected) {
    auto& st = topics_[name];
    const bool described = ids->contains(name) && ids->at(name).known();
    if (!described && !st.id_unreadable) {
      spdlog::warn(
          "link {}: the source gave no topic id for {} (not authorized to describe it, or a "
          "cluster without ids); a recreated topic is found by comparing records",
          cfg_.name, name);
    }
    st.id_unreadable = !described;
  }
  store::checkpoint_store::write_batch batch;
  std::vector<std::pair<topic_state*, topic_id>> first_seen;
  for (const auto& [name, id] : *ids) {
    auto& st = topics_[name];
    if (!id.known() || st.source_id == id || !st.recreated.empty()) continue;
    auto stored = store_.source_topic_id(cfg_.name, name);
    if (!stored) {  // a damaged record: the content checks go on for this topic
      if (!st.id_damaged) {
        spdlog::error("link {}: {}; a recreated {} is found by comparing records", cfg_.name,
                      stored.error().message, name);
        metrics_.add("strait_errors_total", {{"link", cfg_.name}, {"kind", "store"}}, 1);
      }
      st.id_damaged = true;
      continue;
    }
    if (!*stored) {  // stored before any of its records is mirrored
      batch.put_source_topic_id(cfg_.name, name, id);
      first_seen.emplace_back(&st, id);
      continue;
    }
    if (**stored == id) {
      st.source_id = id;
      continue;
    }
    auto mirrored = mirrored_any(name);
    if (!mirrored) {
      spdlog::error("link {}: {}", cfg_.name, mirrored.error().message);
      continue;
    }
    if (!*mirrored) {
      // Nothing of the old topic is on the target: the new one is simply the topic.
      spdlog::info(
          "link {}: source topic {} was recreated before strait mirrored any of its records "
          "(topic id {}, now {}); mirroring the new topic",
          cfg_.name, name, (*stored)->to_string(), id.to_string());
      batch.put_source_topic_id(cfg_.name, name, id);
      first_seen.emplace_back(&st, id);
      continue;
    }
    mark_recreated(name, "the source topic " + name +
                             " was deleted and recreated (its topic id was " +
                             (*stored)->to_string() + ", it is now " + id.to_string() + ")");
  }
  if (batch.count() == 0) return;
  if (auto s = store_.commit(batch); !s) {
    spdlog::error("link {}: cannot store topic ids (tried again next round): {}", cfg_.name,
                  s.error().message);
    return;
  }
  for (auto& [st, id] : first_seen) st->source_id = id;
}

result<bool> link_supervisor::mirrored_any(const std::string& topic) const {
  auto keys = store_.partitions(cfg_.name);
  if (!keys) return std::unexpected(keys.error());
  for (const partition_key& key : *keys) {
    if (key.topic != topic) continue;
    auto run = store_.last_run(key);
    if (!run) return std::unexpected(run.error());
    if (*run) return true;
  }
  return false;
}

void link_supervisor::mark_recreated(const std::string& topic, const std::string& evidence) {
  auto& st = topics_[topic];
  st.same_source = false;
  st.recreated = evidence +
                 "; the target holds the old topic's records. Mirror the new topic with a new link "
                 "(another name, and another target topic or cluster); no resolution continues "
                 "on this one";
  // Running partitions stop; one the consumer stopped as retention_gap takes
  // this cause (link_engine::stop_partition); other stops stay as they are.
  for (int p = 0; p < st.started; ++p) {
    engine_.stop_partition({cfg_.name, topic, partition_id(p)},
                           store::stop_reason::source_truncated, st.recreated);
  }
}

result<partition_start> link_supervisor::prepare(const partition_key& key,
                                                 const std::string& target_topic,
                                                 int64_t max_record_bytes,
                                                 const known_watermarks& known) {
  auto cp = store_.load(key);
  if (!cp) return std::unexpected(cp.error());
  auto src = known.source ? result<kafka::watermarks>(*known.source)
                          : source_->query_watermarks(key.topic, key.partition.value());
  if (!src) return std::unexpected(src.error());
  auto tgt = known.target ? result<kafka::watermarks>(*known.target)
                          : target_->query_watermarks(target_topic, key.partition.value());
  if (!tgt) return std::unexpected(tgt.error());

  auto stored_tail = store_.last_run(key);
  if (!stored_tail) return std::unexpected(stored_tail.error());
  std::optional<offsets::offset_run> tail = *stored_tail;
  std::vector<offsets::offset_run> recovered_runs;
  std::vector<landed_record> landed;  // target records read back past the checkpoint
  int64_t landed_to = 0;              // ... up to this offset (exclusive)

  partition_start start;
  start.key = key;
  start.target_topic = target_topic;
  start.target_max_record_bytes = max_record_bytes;
  store::partition_checkpoint& c = start.checkpoint;
  const std::string where = target_topic + "/" + std::to_string(key.partition.value());

  // An operator's "retry" of a target_not_empty stop re-checks emptiness
  // from scratch instead of silently accepting what is there.
  const bool recheck_empty = *cp && (*cp)->stopped == store::stop_reason::target_not_empty &&
                             (*cp)->pending == store::resolution::retry;
  if (!*cp || recheck_empty) {
    // First start: mirror from the source log start; the target must be empty
    // so that everything in it from here on is strait's.
    c.position = {source_offset(src->low), target_offset(tgt->high)};
    if (tgt->high > tgt->low) {
      c.stopped = store::stop_reason::target_not_empty;
      c.stop_detail = "target partition " + where + " already holds " +
                      std::to_string(tgt->high - tgt->low) +
                      " records that strait did not write; empty it, or acknowledge with "
                      "--resolution accept-target to mirror after them";
    }
  } else {
    c = **cp;
    // Records strait wrote after its last checkpoint (a crash): the in-flight
    // journal says which source records they are, whatever the source
    // compacted or deleted since (ADR 0009). Not for a handed-over partition:
    // the target is primary and what it holds past the position is the
    // producers'. A stopped partition is only brought up to date with what
    // the journal proves; it stays stopped.
    if (c.stopped != store::stop_reason::handed_over &&
        tgt->high > c.position.next_target.value()) {
      auto journal = store_.inflight(key);
      if (!journal && journal.error().code != errc::corruption) {
        return std::unexpected(journal.error());
      }
      if (!journal) {
        // Never a wedged partition: ADR 0002's comparison with the source
        // takes over (exact unless the source dropped those records).
        journal_damaged(key, journal.error().message);
        journal = std::vector<store::inflight_entry>{};
      }
      // A stopped partition reads only as far as the journal reaches.
      int64_t read_to = tgt->high;
      if (c.stopped != store::stop_reason::none) {
        read_to = journal->empty() ? 0 : std::min(read_to, journal->back().target.value() + 1);
      }
      if (read_to > c.position.next_target.value()) {
        auto read = read_landed(target_topic, key.partition.value(), c.position.next_target.value(),
                                read_to);
        if (read) {
          landed = std::move(*read);
          landed_to = read_to;
        } else if (c.stopped == store::stop_reason::none) {
          return std::unexpected(read.error());
        } else {
          // A stopped partition still starts (visible, acknowledgeable); it
          // is brought up to date at a later start.
          spdlog::warn("{}: stays behind the target until the next start: {}", key.to_string(),
                       read.error().message);
        }
      }
      auto recovered = recover_from_journal(c.position, tail, *journal, landed);
      if (recovered.damaged) {
        journal_damaged(key, recovered.mismatch);
        recovered = recover_from_journal(c.position, tail, {}, landed);
      }
      if (recovered.recovered > 0) {
        spdlog::info(
            "{}: {} records written before the restart landed on the target after the last "
            "checkpoint; mapped from the in-flight journal (source offsets up to {})",
            key.to_string(), recovered.recovered, recovered.position.next_source.value() - 1);
        c.position = recovered.position;
        tail = recovered.tail;
        recovered_runs = std::move(recovered.runs);
      }
      if (!recovered.mismatch.empty() && c.stopped == store::stop_reason::none) {
        c.stopped = store::stop_reason::recovery_mismatch;
        c.stop_detail = recovered.mismatch +
                        "; find the writer, then acknowledge with --resolution accept-target to "
                        "keep those records and mirror after them";
      }
    }
    const store::resolution r = c.pending;
    c.pending = store::resolution::none;
    if (r != store::resolution::none) {
      // An operator lets the partition go on: its topic must still be the one
      // mirrored, whatever this start's earlier checks concluded (the stop may
      // have been a recreated topic's first sign).
      topics_[key.topic].same_source = false;
      check_topic_ids({key.topic});
      spdlog::warn("{}: applying operator resolution {} to a partition stopped as {}",
                   key.to_string(), store::to_string(r), store::to_string(c.stopped));
      if (r == store::resolution::skip_to_log_start && src->low > c.position.next_source.value()) {
        spdlog::warn(
            "{}: records [{}, {}) were lost to retention on the source before they were "
            "mirrored; continuing at {} as acknowledged",
            key.to_string(), c.position.next_source.value(), src->low, src->low);
        c.position.next_source = source_offset(src->low);
      } else if (r == store::resolution::accept_target &&
                 tgt->high > c.position.next_target.value()) {
        c.position.next_target = target_offset(tgt->high);
      } else if (r == store::resolution::skip_record && c.stop_source_offset >= 0) {
        spdlog::warn("{}: dropping the source record at offset {} as acknowledged", key.to_string(),
                     c.stop_source_offset);
        c.position.next_source =
            std::max(c.position.next_source, source_offset(c.stop_source_offset + 1));
      }
      c.stopped = store::stop_reason::none;
      c.stop_detail.clear();
      c.stop_source_offset = -1;
    }
    if (c.stopped == store::stop_reason::none) {
      const auto& pos = c.position;
      if (tgt->high < pos.next_target.value()) {
        c.stopped = store::stop_reason::target_truncated;
        c.stop_detail = "target partition " + where + " ends at " + std::to_string(tgt->high) +
                        " but strait wrote up to " + std::to_string(pos.next_target.value()) +
                        ": the target topic was probably deleted or recreated";
      } else if (src->high < pos.next_source.value()) {
        c.stopped = store::stop_reason::source_truncated;
        c.stop_detail = "the source partition ends at " + std::to_string(src->high) +
                        " but strait mirrored up to " + std::to_string(pos.next_source.value()) +
                        ": the topic was probably deleted and recreated";
      } else if (src->low > pos.next_source.value()) {
        c.stopped = store::stop_reason::retention_gap;
        c.stop_detail = "source records [" + std::to_string(pos.next_source.value()) + ", " +
                        std::to_string(src->low) +
                        ") were deleted by retention before strait mirrored them; acknowledge "
                        "with --resolution skip-to-log-start to accept the loss";
      } else if (tgt->high > pos.next_target.value()) {
        // Records past what the journal accounts for (a store written before
        // the journal existed, or a journal lost with a power failure):
        // matched one by one against the next source records (ADR 0002).
        if (landed_to < tgt->high) {
          auto read =
              read_landed(target_topic, key.partition.value(), pos.next_target.value(), tgt->high);
          if (!read) return std::unexpected(read.error());
          landed = std::move(*read);
        }
        std::erase_if(landed, [&](const landed_record& l) { return l.offset < pos.next_target; });
        start.landed = std::move(landed);
      }
      // A topic deleted and recreated with at least as many records as were
      // mirrored passes every check above: compare mirrored records with
      // their copies (once per topic and start when the answer is yes),
      // unless its topic id already told (check_topic_ids).
      auto& topic = topics_[key.topic];
      if (c.stopped == store::stop_reason::none && tail && !topic.same_source &&
          topic.recreated.empty()) {
        auto id = check_identity(key, target_topic, *tail, src->low, tgt->low);
        if (!id) return std::unexpected(id.error());
        if (id->verdict == same_source::yes) topic.same_source = true;
        if (id->verdict == same_source::no) {
          mark_recreated(key.topic, recreated_evidence(key, target_topic, *id));
        }
      }
    }
  }
  // A recreated topic stops every partition, also one starting for the first
  // time (the new topic may have more partitions than the old one), and is
  // the cause of any retention gap it shows (the new topic starts where the
  // old one's records no longer exist).
  const std::string& recreated = topics_[key.topic].recreated;
  if (!recreated.empty() && yields_to_recreated_topic(c.stopped)) {
    c.stopped = store::stop_reason::source_truncated;
    c.stop_detail = recreated;
    start.landed.clear();
  }
  const bool was_stopped = *cp && (*cp)->stopped != store::stop_reason::none &&
                           (*cp)->pending == store::resolution::none;
  // New, or restated under its cause: logged and counted.
  start.stopped_at_start =
      c.stopped != store::stop_reason::none && (!was_stopped || c.stopped != (*cp)->stopped);
  start.tail = tail;
  // The first checkpoint is durable before anything is written, so after a
  // crash the daemon knows the target end it started from. The journal
  // starts empty with it: what landed of it is mapped above, and its other
  // entries predict target offsets for records never produced, which the
  // new pipeline's own predictions would collide with.
  store::checkpoint_store::write_batch b;
  for (const auto& run : recovered_runs) b.put_run(key, run);
  b.put_checkpoint(key, c);
  if (auto cleared = store_.clear_inflight(key, b); !cleared) {
    return std::unexpected(cleared.error());
  }
  if (auto s = store_.commit(b); !s) return std::unexpected(s.error());
  return start;
}

result<std::vector<landed_record>> link_supervisor::read_landed(const std::string& target_topic,
                                                                int32_t partition, int64_t from,
                                                                int64_t to) {
  auto target_reader = reader(false);
  if (!target_reader) return std::unexpected(target_reader.error());
  std::vector<landed_record> out;
  auto next = (*target_reader)
                  ->read(
                      target_topic, partition, from, to,
                      [&](const rd_kafka_message_t& m) {
                        bool with_ts = kafka::has_create_time(&m);
                        out.push_back({target_offset(m.offset), kafka::digest_of(&m, with_ts),
                                       with_ts, kafka::fingerprint_of(&m)});
                      },
                      std::chrono::seconds(60));
  if (!next) return std::unexpected(next.error());
  if (*next < to) {
    return fail(errc::kafka, "could read back only up to offset " + std::to_string(*next) + " of " +
                                 std::to_string(to) + " in " + target_topic + "/" +
                                 std::to_string(partition));
  }
  spdlog::info(
      "{}/{}: found {} records past the checkpoint on the target; they are mapped, not "
      "written again",
      target_topic, partition, out.size());
  return out;
}

void link_supervisor::journal_damaged(const partition_key& key, const std::string& why) {
  spdlog::error(
      "{}: the in-flight journal is damaged ({}); records past the checkpoint are compared with "
      "the next source records instead (ADR 0002), and the journal is deleted",
      key.to_string(), why);
  metrics_.add("strait_errors_total", {{"link", cfg_.name}, {"kind", "journal"}}, 1);
}

result<kafka::partition_reader*> link_supervisor::reader(bool source) {
  // The source as the engine reads it (committed records only); the target
  // whole, committed or not: each record there is a place a mirrored record
  // may have landed.
  auto& slot = source ? source_reader_ : target_reader_;
  if (!slot) {
    const char* side = source ? "source" : "target";
    auto r = kafka::partition_reader::connect(
        source ? cfg_.source.props : cfg_.target.props,
        "strait-" + cfg_.name + (source ? "-identity" : "-recovery"),
        "links." + cfg_.name + "." + side + ".properties", /*read_committed=*/source);
    if (!r) return std::unexpected(r.error());
    slot = std::move(*r);
  }
  return slot.get();
}

result<identity_verdict> link_supervisor::check_identity(const partition_key& key,
                                                         const std::string& target_topic,
                                                         const offsets::offset_run& tail,
                                                         int64_t source_low, int64_t target_low) {
  // Eight records a window: one equal pair already tells the same topic (a
  // new one would have to repeat key, value, headers and timestamp at that
  // offset); a few more ride over records compacted on either side, at the
  // cost of short reads (ADR 0010).
  constexpr int64_t kIdentityRecords = 8;
  auto oldest = store_.slice(key, source_offset(source_low));
  if (!oldest) return std::unexpected(oldest.error());
  std::optional<offsets::offset_run> oldest_run;
  if (*oldest) {
    const auto& s = **oldest;
    oldest_run = (s.floor && s.floor->contains(source_offset(source_low))) ? s.floor : s.ceil;
  }
  const auto windows = identity_windows(oldest_run, tail, source_low, target_low, kIdentityRecords);
  if (windows.empty()) return identity_verdict{};  // deleted on either side: nothing to compare
  auto source_reader = reader(true);
  if (!source_reader) return std::unexpected(source_reader.error());
  auto target_reader = reader(false);
  if (!target_reader) return std::unexpected(target_reader.error());
  const auto read = [](kafka::partition_reader& reader, const std::string& topic, int32_t p,
                       int64_t begin, int64_t end) -> result<std::vector<read_back_record>> {
    std::vector<read_back_record> out;
    auto next = reader.read(
        topic, p, begin, end,
        [&](const rd_kafka_message_t& m) {
          rd_kafka_timestamp_type_t type;
          out.push_back({m.offset, kafka::digest_of(&m, true), kafka::digest_of(&m, false),
                         kafka::has_create_time(&m), rd_kafka_message_timestamp(&m, &type) > 0});
        },
        std::chrono::seconds(10));
    if (!next) return std::unexpected(next.error());
    return out;
  };
  const int32_t p = key.partition.value();
  identity_verdict verdict;
  for (const identity_window& w : windows) {
    const int64_t shift = w.run.target_start.value() - w.run.source_start.value();
    auto source = read(**source_reader, key.topic, p, w.from, w.to);
    if (!source) return std::unexpected(source.error());
    auto target = read(**target_reader, target_topic, p, w.from + shift, w.to + shift);
    if (!target) return std::unexpected(target.error());
    const identity_verdict v = compare_through_run(w.run, *source, *target);
    if (v.verdict == same_source::no) return v;
    if (v.verdict == same_source::yes) verdict = v;
  }
  return verdict;
}

std::string link_supervisor::recreated_evidence(const partition_key& key,
                                                const std::string& target_topic,
                                                const identity_verdict& v) {
  return "the source topic " + key.topic + " was deleted and recreated: its record at offset " +
         std::to_string(v.source.value()) + " of partition " +
         std::to_string(key.partition.value()) + " is not the one strait mirrored to " +
         target_topic + " offset " + std::to_string(v.target.value());
}

void link_supervisor::check_running_identities(const std::vector<partition_snapshot>& watched,
                                               const std::vector<kafka::watermarks>& source_marks,
                                               const std::vector<kafka::watermarks>& target_marks) {
  constexpr int kTopicsPerRound = 2;
  // A read that timed out (a slow or stalling broker) must not hold up every
  // round: the checks pause for a minute.
  if (std::chrono::steady_clock::now() < identity_paused_until_) return;
  // The first running partition of each topic whose watermarks both
  // clusters gave, in name order.
  std::map<std::string, size_t> candidates;
  for (size_t i = 0; i < watched.size(); ++i) {
    if (!watched[i].stopped && source_marks[i].high >= 0 && target_marks[i].high >= 0) {
      candidates.emplace(watched[i].key.topic, i);
    }
  }
  if (candidates.empty()) return;
  auto it = candidates.upper_bound(identity_cursor_);
  for (int n = 0; n < kTopicsPerRound && n < static_cast<int>(candidates.size()); ++n) {
    if (it == candidates.end()) it = candidates.begin();
    const auto& [topic, index] = *it++;
    identity_cursor_ = topic;
    const partition_key& key = watched[index].key;
    auto tail = store_.last_run(key);
    if (!tail || !*tail) continue;
    const std::string& target_topic = topics_[topic].target;
    auto id =
        check_identity(key, target_topic, **tail, source_marks[index].low, target_marks[index].low);
    if (!id) {
      spdlog::warn("{}: identity check failed, checks pause for 60 s: {}", key.to_string(),
                   id.error().message);
      identity_paused_until_ = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      return;
    }
    if (id->verdict != same_source::no) continue;
    mark_recreated(topic, recreated_evidence(key, target_topic, *id));
  }
}

void link_supervisor::watch_partitions() {
  // Snapshots first: post_watermarks compares the watermarks with them.
  // Stopped partitions too, for their lag; not handed-over ones, whose
  // source is written by reverse mirroring.
  const auto note_marks = [this](bool& readable, const char* side,
                                 const result<watermarks_by_partition>& listed) {
    note_working(readable, listed.has_value(), side, listed ? "" : listed.error().message,
                 "link {}: cannot read the {}'s watermarks ({}); lag and the stops found from "
                 "watermarks wait until they can be read (asked every round)",
                 "link {}: the {}'s watermarks are readable again");
  };
  std::vector<partition_snapshot> watched;
  std::vector<kafka::topic_partition> sources, targets;
  for (auto& snap : engine_.snapshot()) {
    if (snap.stop_reason == store::stop_reason::handed_over) continue;
    sources.emplace_back(snap.key.topic, snap.key.partition.value());
    targets.emplace_back(topics_[snap.key.topic].target, snap.key.partition.value());
    watched.push_back(std::move(snap));
  }
  if (watched.empty()) {
    publish_source_marks(nullptr);  // nothing watched: group sync asks for itself
    return;
  }
  // One batch per cluster, not two requests per partition: with thousands of
  // partitions the round must still fit in topics.refresh_interval. The
  // source's end alone still updates lag while the target is unreachable.
  auto listed = source_->list_watermarks(sources);
  note_marks(source_marks_readable_, "source", listed);
  if (!listed) return;
  // Published before the engine hears of them: a group sync round must not
  // see an older log start than the one the engine prunes the map below.
  const auto src = std::make_shared<const watermarks_by_partition>(std::move(*listed));
  publish_source_marks(src);
  auto tgt = target_->list_watermarks(targets);
  note_marks(target_marks_readable_, "target", tgt);
  std::vector<kafka::watermarks> source_marks(watched.size(), kafka::watermarks{-1, -1});
  std::vector<kafka::watermarks> target_marks = source_marks;
  for (size_t i = 0; i < watched.size(); ++i) {
    auto s = src->find(sources[i]);
    std::optional<kafka::watermarks> t;
    if (tgt) {
      if (auto found = tgt->find(targets[i]); found != tgt->end()) t = found->second;
    }
    if (s == src->end()) continue;
    source_marks[i] = s->second;
    if (t) target_marks[i] = *t;
    engine_.post_watermarks(watched[i], s->second, t);
  }
  if (tgt) check_running_identities(watched, source_marks, target_marks);
}

void link_supervisor::publish_source_marks(std::shared_ptr<const watermarks_by_partition> marks) {
  {
    std::lock_guard lock(selected_mu_);
    source_marks_.swap(marks);
  }
  // The previous map (thousands of entries) goes here, outside the lock.
}

}  // namespace strait::mirror
