#include "strait/groupsync/group_syncer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "strait/base/clock.h"
#include "strait/groupsync/group_offset_records.h"

namespace strait::groupsync {

namespace {

// Shorter than the supervisor's: a round is due every sync interval, and
// shutdown waits for a round in progress.
constexpr std::chrono::milliseconds kAdminTimeout{5000};

// Coordinator states in which a group has (or is gaining) members. Unknown
// states (e.g. those of KIP-848 groups, which kafka::group_state does not
// name yet) count as active: never write to a group that might have members.
}  // namespace

group_syncer::group_syncer(const config::link_config& cfg, store::checkpoint_store& store,
                           metrics::registry& metrics, const config::staged_names* staged_topics,
                           const config::staged_names* staged_groups,
                           std::function<std::optional<store::cluster_ids>()> clusters,
                           source_marks_fn source_marks, const config::shard_share* share)
    : cfg_(cfg),
      store_(store),
      metrics_(metrics),
      group_selection_(config::name_selection::groups(cfg, staged_groups, share, filter_error_)),
      topic_selection_(config::name_selection::topics(cfg, staged_topics, share, filter_error_)),
      clusters_(std::move(clusters)),
      source_marks_(std::move(source_marks)) {}

group_syncer::~group_syncer() { stop(); }

status group_syncer::start() {
  if (filter_error_) return std::unexpected(*filter_error_);
  auto connect = [&](const config::cluster_config& c, const char* side) {
    return kafka::admin_client::connect(c.props, "strait-" + cfg_.name + "-groups",
                                        "links." + cfg_.name + "." + side + ".properties",
                                        kAdminTimeout);
  };
  auto s = connect(cfg_.source, "source");
  if (!s) return std::unexpected(s.error());
  auto t = connect(cfg_.target, "target");
  if (!t) return std::unexpected(t.error());
  source_ = std::move(*s);
  target_ = std::move(*t);

  auto stored = groupsync::load_group_offsets(store_, cfg_.name);
  if (!stored) return std::unexpected(stored.error());
  for (const auto& g : *stored) {
    groups_[g.group].written[{g.partition.topic, g.partition.partition.value()}] = g.offset;
  }

  using metrics::registry;
  metrics_.describe("strait_group_sync_age_seconds", registry::kind::gauge,
                    "Seconds since the group's offsets were last read on the source and every "
                    "due write to the target succeeded; absent while the group's cutover holds "
                    "it and once it is gone from the source");
  metrics_.describe("strait_group_partitions_synced", registry::kind::gauge,
                    "Partitions of the group whose target offset is the translation of the "
                    "source group's committed offset");
  metrics_.describe("strait_group_partitions_ahead_of_mirroring", registry::kind::gauge,
                    "Partitions where the source group is past the mirrored data: the target "
                    "has the end of mirrored data, raised as mirroring catches up");
  metrics_.describe("strait_group_partitions_skipped", registry::kind::gauge,
                    "Partitions of the group not written to the target, by reason");
  metrics_.describe("strait_group_offset_writes_total", registry::kind::counter,
                    "Partition offsets written to the target group");
  metrics_.describe("strait_group_errors_total", registry::kind::counter,
                    "Failed reads of the source group or writes to the target group, by kind");
  metrics_.describe("strait_group_on_source", registry::kind::gauge,
                    "1 while the group exists on the source; 0 once it vanished (its target "
                    "offsets are kept as last written)");
  spdlog::info(
      "link {}: syncing consumer-group offsets every {} ms ({} groups known from the store)",
      cfg_.name, cfg_.groups.sync_interval.count(), groups_.size());
  thread_.start("grp:" + cfg_.name, [this] { return round_and_wait(); });
  return {};
}

void group_syncer::stop() { thread_.stop(); }

std::vector<group_status> group_syncer::groups() const {
  std::lock_guard lock(status_mu_);
  std::vector<group_status> out;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [group, entry] : status_) {
    const auto& [st, synced_at] = entry;
    out.push_back(st);
    if (synced_at != std::chrono::steady_clock::time_point{}) {
      out.back().sync_age_seconds = std::chrono::duration<double>(now - synced_at).count();
    }
  }
  return out;
}

std::chrono::steady_clock::duration group_syncer::round_and_wait() {
  const auto began = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(held_mu_);
    held_this_round_ = held_;
  }
  const bool reached = cycle();
  // Every synced group's age, also when the round could not even list the
  // groups: an outage must show as a growing age, not a frozen one. A group
  // held by its cutover or gone from the source is synced by nobody: an age
  // would only grow, and an alert on it would be false. So is one this
  // straitd no longer selects (released to another, ADR 0030).
  for (auto& [group, g] : groups_) {
    if (g.gone || held_this_round_.contains(group) || !group_selected(group)) {
      if (g.age_published) {  // once, not every round
        metrics_.remove("strait_group_sync_age_seconds", {{"link", cfg_.name}, {"group", group}});
        g.age_published = false;
      }
    } else {
      publish_age(group, g);
    }
  }
  {
    std::lock_guard lock(status_mu_);
    for (const auto& [group, g] : groups_) {
      group_status st = g.counts;
      st.group = group;
      st.on_source = g.on_source;
      status_[group] = {std::move(st), g.last_synced};
    }
  }
  if (!reached)
    return std::max<std::chrono::steady_clock::duration>(cfg_.groups.sync_interval, retry_.next());
  retry_.reset();
  // The interval runs from start to start, so a slow round does not stretch
  // the delay from a source commit to the target.
  return std::max<std::chrono::steady_clock::duration>(
      cfg_.groups.sync_interval - (std::chrono::steady_clock::now() - began), {});
}

void group_syncer::set_reachable(const char* side, bool& flag, bool reachable,
                                 const std::string& why) {
  if (flag == reachable) return;
  flag = reachable;
  if (reachable) {
    spdlog::info("link {}: group sync reaches the {} cluster again", cfg_.name, side);
  } else {
    spdlog::warn("link {}: group sync cannot reach the {} cluster ({}); retrying with backoff",
                 cfg_.name, side, why);
  }
}

void group_syncer::note_group_presence(const kafka::group_list& listing,
                                       const std::set<std::string>& selected) {
  for (const auto& id : selected) {
    group_state& g = groups_[id];
    if (g.gone) {
      spdlog::info("link {}: group {} is back on the source; syncing its offsets", cfg_.name, id);
      g.gone = false;
    }
    g.on_source = true;
    metrics_.set("strait_group_on_source", {{"link", cfg_.name}, {"group", id}}, 1);
  }
  if (!listing.complete) {
    // Absence from an incomplete listing proves nothing.
    if (!listing_incomplete_) {
      spdlog::warn(
          "link {}: group sync: a source broker did not list its groups ({}); groups it "
          "coordinates are not synced until it answers",
          cfg_.name, listing.error);
    }
    listing_incomplete_ = true;
    return;
  }
  listing_incomplete_ = false;
  for (auto& [id, g] : groups_) {
    // Known from this run or from the store, still selected, not listed: gone.
    if (selected.contains(id) || g.gone || !group_selected(id)) continue;
    spdlog::warn(
        "link {}: group {} is not on the source (deleted, or its offsets expired); its target "
        "offsets stay as last written",
        cfg_.name, id);
    g.gone = true;
    g.on_source = false;
    g.decisions.clear();
    metrics_.set("strait_group_on_source", {{"link", cfg_.name}, {"group", id}}, 0);
  }
}

std::optional<source_offset> group_syncer::log_start_of(const partition& p) const {
  if (round_marks_) {
    if (auto m = round_marks_->find(p); m != round_marks_->end())
      return source_offset(m->second.low);
  }
  if (auto ls = log_starts_.find(p); ls != log_starts_.end()) return source_offset(ls->second);
  return std::nullopt;
}

void group_syncer::refresh_log_starts(
    const std::map<std::string, result<std::vector<kafka::committed_offset>>>& offsets) {
  std::set<partition> wanted;
  bool new_partition = false;
  for (const auto& [group, r] : offsets) {
    if (!r) continue;
    for (const auto& c : *r) {
      if (place_of(c.topic) != topic_place::here) continue;
      partition p{c.topic, c.partition};
      if (round_marks_ && round_marks_->contains(p)) continue;  // the supervisor read it
      new_partition = log_starts_asked_.insert(p).second || new_partition;
      wanted.insert(std::move(p));
    }
  }
  const auto now = std::chrono::steady_clock::now();
  // The log start only moves forward, so a cached value is a safe lower
  // bound between refreshes: an offset below it is certainly expired.
  // Partitions that could not be read are asked again at the next refresh,
  // not every round.
  if (wanted.empty() || (!new_partition && now - log_starts_at_ < cfg_.topics.refresh_interval)) {
    return;
  }
  log_starts_at_ = now;
  auto r = source_->log_start_offsets({wanted.begin(), wanted.end()});
  if (!r) {
    if (!log_starts_failing_) {
      spdlog::warn(
          "link {}: group sync cannot read source log start offsets ({}); expired offsets are "
          "recognised only against the last values read",
          cfg_.name, r.error().message);
    }
    log_starts_failing_ = true;
    return;
  }
  log_starts_failing_ = false;
  for (const auto& [p, offset] : *r) log_starts_[p] = offset;
}

void group_syncer::report_skip(const std::string& group, const partition& p, policy::skip_reason r,
                               source_offset committed) {
  group_state& g = groups_[group];
  auto it = g.skipped.find(p);
  if (it != g.skipped.end() && it->second == r) return;
  g.skipped[p] = r;
  auto level =
      (r == policy::skip_reason::not_mirrored_yet || r == policy::skip_reason::topic_not_mirrored)
          ? spdlog::level::debug
          : spdlog::level::warn;
  spdlog::log(level, "link {}: group {}: {}/{} (committed {}) not written to the target: {}",
              cfg_.name, group, p.first, p.second, committed.value(), to_string(r));
}

void group_syncer::publish_counts(const std::string& group, const group_status& counts) {
  const metrics::labels l = {{"link", cfg_.name}, {"group", group}};
  metrics_.set("strait_group_partitions_synced", l, counts.partitions_synced);
  metrics_.set("strait_group_partitions_ahead_of_mirroring", l, counts.partitions_ahead);
  const auto& skipped = counts.partitions_skipped;
  for (policy::skip_reason why : policy::kAllSkipReasons) {
    auto it = skipped.find(to_string(why));
    metrics::labels lr = l;
    lr.emplace_back("reason", to_string(why));
    metrics_.set("strait_group_partitions_skipped", lr, it == skipped.end() ? 0 : it->second);
  }
}

void group_syncer::publish_age(const std::string& group, group_state& g) {
  if (g.last_synced == std::chrono::steady_clock::time_point{}) return;
  g.age_published = true;
  metrics_.set(
      "strait_group_sync_age_seconds", {{"link", cfg_.name}, {"group", group}},
      std::chrono::duration<double>(std::chrono::steady_clock::now() - g.last_synced).count());
}

void group_syncer::hold(std::set<std::string> groups) {
  std::lock_guard lock(held_mu_);
  held_ = std::move(groups);
}

bool group_syncer::cycle() {
  if (clusters_) {
    auto clusters = clusters_();
    std::string why;
    if (!clusters) {
      why = "group sync waits until the link has checked its clusters' ids (see its topics)";
    } else if (clusters->source == clusters->target) {
      why =
          "group sync is off: source and target are the same cluster, where a group is one "
          "group (remove the link's groups section)";
    }
    if (why != clusters_logged_ && !why.empty()) {
      spdlog::warn("link {}: {}", cfg_.name, why);
    }
    clusters_logged_ = why;
    if (!why.empty()) return clusters.has_value();  // not yet: retried with the backoff
  }
  auto listing = source_->list_groups();
  if (!listing) {
    set_reachable("source", source_reachable_, false, listing.error().message);
    return false;
  }
  set_reachable("source", source_reachable_, true, "");
  std::set<std::string> selected;
  for (const auto& g : listing->groups) {
    if (g.state != kafka::group_state::dead && group_selected(g.id)) selected.insert(g.id);
  }
  note_group_presence(*listing, selected);
  std::erase_if(selected, [this](const std::string& g) { return held_this_round_.contains(g); });
  if (selected.empty()) return true;

  topic_places_.clear();
  round_map_generation_ = store_.map_generation();  // before any map_version of the round
  round_marks_ = source_marks_ ? source_marks_() : nullptr;
  auto offsets = source_->list_group_offsets({selected.begin(), selected.end()});
  refresh_log_starts(offsets);
  ++round_;

  round r;
  for (const auto& [group, committed] : offsets) {
    group_round& gr = r.groups[group];
    if (!committed) {
      fail_group(gr, group, "read_source", committed.error().message);
      continue;
    }
    gr.read = true;
    for (const auto& c : *committed) plan(r, group, c);
    // Partitions the group no longer commits (topic deleted, offsets
    // expired or deleted) are forgotten.
    std::erase_if(groups_[group].decisions,
                  [this](const auto& entry) { return entry.second.round != round_; });
  }
  const bool target_reached = write_planned(r);
  if (r.batch.count() > 0) {
    if (auto s = store_.commit(r.batch); !s) {
      // The target has the offsets; only our record of them is missing, so
      // the next round may write the same values again (harmless).
      for (auto& [group, gr] : r.groups) {
        if (gr.read) fail_group(gr, group, "store", s.error().message);
      }
    }
  }
  const auto now = std::chrono::steady_clock::now();
  for (const auto& group : selected) {
    group_state& g = groups_[group];
    const group_round& gr = r.groups[group];
    if (g.warned && !gr.failed) {
      spdlog::info("link {}: group {} syncs again", cfg_.name, group);
      g.warned = false;
    }
    g.failing = gr.failed;
    // Synced = read, and every due write done (a group active on the target
    // is not: its age grows until the write happens).
    if (!gr.failed && !gr.write_blocked) g.last_synced = now;
    if (gr.read) {
      g.counts = gr.counts;
      publish_counts(group, gr.counts);
    }
  }
  return target_reached;
}

void group_syncer::fail_group(group_round& gr, const std::string& group, const char* kind,
                              const std::string& message, bool transient) {
  group_state& g = groups_[group];
  if (!g.failing && !gr.failed) {
    spdlog::log(transient ? spdlog::level::debug : spdlog::level::warn, "link {}: group {}: {}",
                cfg_.name, group, message);
    g.warned = g.warned || !transient;
  }
  gr.failed = true;
  metrics_.add("strait_group_errors_total", {{"link", cfg_.name}, {"group", group}, {"kind", kind}},
               1);
}

void group_syncer::skip(group_round& gr, const std::string& group, const partition& p,
                        policy::skip_reason why, source_offset committed) {
  ++gr.counts.partitions_skipped[to_string(why)];
  if (why == policy::skip_reason::target_group_active) gr.write_blocked = true;
  report_skip(group, p, why, committed);
}

void group_syncer::plan(round& r, const std::string& group, const kafka::committed_offset& c) {
  group_state& g = groups_[group];
  group_round& gr = r.groups[group];
  const partition p{c.topic, c.partition};
  const source_offset o(c.offset);
  if (const topic_place where = place_of(c.topic); where != topic_place::here) {
    return skip(gr, group, p,
                where == topic_place::another_shard ? policy::skip_reason::topic_on_another_shard
                                                    : policy::skip_reason::topic_not_mirrored,
                o);
  }
  const partition_key key{cfg_.name, c.topic, partition_id(c.partition)};
  auto known = g.decisions.find(p);
  const bool map_unchanged =
      known != g.decisions.end() && known->second.map_generation == round_map_generation_;
  decision_inputs inputs{o,
                         map_unchanged ? known->second.inputs.map_version : store_.map_version(key),
                         log_start_of(p), std::nullopt};
  if (auto w = g.written.find(p); w != g.written.end()) inputs.last_written = w->second;
  if (known == g.decisions.end() || known->second.inputs != inputs) {
    auto slice = store_.slice(key, o);
    if (!slice) return fail_group(gr, group, "store", slice.error().message);
    const policy::decision fresh = policy::decide(
        policy::partition_facts{o, inputs.log_start, std::move(*slice), inputs.last_written});
    known = g.decisions.insert_or_assign(p, decided{inputs, fresh, 0, 0}).first;
  }
  known->second.round = round_;
  known->second.map_generation = round_map_generation_;
  const policy::decision& d = known->second.d;
  const std::optional<offsets::group_offset>& last_written = known->second.inputs.last_written;
  if (d.what != policy::action::skip && d.ahead) ++gr.counts.partitions_ahead;
  switch (d.what) {
    case policy::action::skip:
      return skip(gr, group, p, d.reason, o);
    case policy::action::unchanged:
      g.skipped.erase(p);
      ++gr.counts.partitions_synced;
      // Remember a move inside a hole, so that a later rewind is recognised.
      if (last_written->source != o) {
        g.written[p].source = o;
        put_group_offset(r.batch, group, key, g.written[p]);
      }
      return;
    case policy::action::write:
      if (d.rewind) {
        spdlog::info(
            "link {}: group {} rewound {}/{} on the source from {} to {}; following it: target "
            "offset {}",
            cfg_.name, group, c.topic, c.partition, last_written->source.value(), o.value(),
            d.target.value());
      }
      gr.writes.push_back(
          planned_write{p, c.metadata, offsets::group_offset{o, d.target, wall_clock_ms()}});
      return;
  }
}

bool group_syncer::write_planned(round& r) {
  const bool any = std::any_of(r.groups.begin(), r.groups.end(),
                               [](const auto& entry) { return !entry.second.writes.empty(); });
  if (!any) return true;
  // Checked before writing so the skip has a reason; the target's coordinator
  // enforces the same rule atomically (is_group_active_error below).
  auto listing = target_->list_groups();
  if (!listing) {
    set_reachable("target", target_reachable_, false, listing.error().message);
    for (auto& [group, gr] : r.groups) {
      if (!gr.writes.empty()) fail_group(gr, group, "write_target", listing.error().message);
    }
    return false;
  }
  set_reachable("target", target_reachable_, true, "");
  std::set<std::string> active;
  for (const auto& g : listing->groups) {
    if (kafka::has_members(g.state)) active.insert(g.id);
  }
  std::map<std::string, std::vector<kafka::committed_offset>> requests;
  for (auto& [group, gr] : r.groups) {
    if (active.contains(group)) {
      for (const auto& w : gr.writes) {
        skip(gr, group, w.source, policy::skip_reason::target_group_active, w.offset.source);
      }
      gr.writes.clear();
    }
    for (const auto& w : gr.writes) {
      requests[group].push_back(kafka::committed_offset{cfg_.topics.prefix + w.source.first,
                                                        w.source.second, w.offset.target.value(),
                                                        w.metadata});
    }
  }

  // A failed group is that group's problem (an ACL, its coordinator): it is
  // counted and retried next round without slowing the other groups down.
  for (const auto& [group, result] : target_->alter_group_offsets(requests)) {
    group_round& gr = r.groups[group];
    if (!result) {
      fail_group(gr, group, "write_target", result.error().message);
      continue;
    }
    std::map<partition, rd_kafka_resp_err_t> refused;
    for (const auto& rp : *result) {
      refused[{rp.topic.substr(cfg_.topics.prefix.size()), rp.partition}] = rp.err;
    }
    group_state& g = groups_[group];
    int written = 0;
    for (const auto& w : gr.writes) {
      if (auto it = refused.find(w.source); it != refused.end()) {
        if (kafka::is_group_active_error(it->second)) {
          skip(gr, group, w.source, policy::skip_reason::target_group_active, w.offset.source);
        } else {
          // A coordinator that is loading or moving is retried next round
          // without alarming anyone; anything else is an error worth a line.
          fail_group(gr, group, "write_target",
                     "the target refused offset " + std::to_string(w.offset.target.value()) +
                         " for " + w.source.first + "/" + std::to_string(w.source.second) + ": " +
                         kafka::err_text(it->second),
                     kafka::is_transient_coordinator_error(it->second));
        }
        continue;
      }
      g.skipped.erase(w.source);
      g.written[w.source] = w.offset;
      put_group_offset(r.batch, group,
                       partition_key{cfg_.name, w.source.first, partition_id(w.source.second)},
                       w.offset);
      ++written;
      ++gr.counts.partitions_synced;
    }
    metrics_.add("strait_group_offset_writes_total", {{"link", cfg_.name}, {"group", group}},
                 written);
  }
  return true;
}

}  // namespace strait::groupsync
