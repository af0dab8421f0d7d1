// The operator's moves of link_workflow: producer cutover with drain and
// reverse mirroring, consumer cutover, rollback and finalize
// (docs/cutover.md). State checks happen at the call; the work is done by
// operations the workflow thread advances.
#include <spdlog/spdlog.h>

#include "strait/base/clock.h"
#include "strait/base/text.h"
#include "strait/groupsync/group_offset_records.h"
#include "strait/workflow/link_workflow.h"

namespace strait::workflow {

namespace {

using migration::group_event;
using migration::group_state;
using migration::topic_event;
using migration::topic_state;

constexpr int64_t kTailRecords = 1000;  // newest offsets per partition re-verified at cutover

std::string seconds(std::chrono::steady_clock::duration d) {
  return seconds_text(std::chrono::duration<double>(d).count());
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

bool is_cut_over(topic_state s) {
  return s == topic_state::cut_over || s == topic_state::finalized;
}

// Whether the end offsets of `topic`'s `n` partitions on one cluster are the
// same as at the last call (recorded in `last_high`, reset `quiet_since` when
// they moved). False, with `activity` saying why, when they moved or could
// not be read. `side`: "source" or "target", whose producers must stop.
bool ends_unchanged(cluster_port& admin, const std::string& topic, int n, const std::string& side,
                    std::chrono::steady_clock::time_point now,
                    std::map<int32_t, int64_t>& last_high,
                    std::chrono::steady_clock::time_point& quiet_since, std::string& activity) {
  std::vector<kafka::topic_partition> parts;
  for (int p = 0; p < n; ++p) parts.emplace_back(topic, p);
  auto wm = admin.list_watermarks(parts);
  if (!wm || wm->size() != parts.size()) {
    activity = "cannot read the " + side + "'s end offsets; retrying";
    return false;
  }
  bool moved = last_high.empty();
  for (int p = 0; p < n; ++p) {
    const int64_t high = wm->at({topic, p}).high;
    if (last_high[p] != high) moved = true;
    last_high[p] = high;
  }
  if (moved) {
    quiet_since = now;
    activity = "waiting for the " + side + " to be quiet: its end offsets still move (stop the " +
               "producers on the " + side + ")";
  }
  return !moved;
}

// Whether `group` has members on the cluster of `admin` (`side`: "source"
// or "target"): the state of a group with members, nothing for an empty,
// dead or absent one; an error in words (for the operation's activity)
// when that cannot be told, e.g. from a listing a broker did not answer
// without the group (its coordinator may be that broker).
result<std::optional<kafka::group_state>> members_of(cluster_port& admin, const std::string& group,
                                                     const std::string& side) {
  auto listing = admin.list_groups();
  if (!listing) {
    return fail(errc::kafka, "cannot list the " + side + "'s groups: " + listing.error().message);
  }
  auto listed = std::find_if(listing->groups.begin(), listing->groups.end(),
                             [&](const auto& g) { return g.id == group; });
  if (listed == listing->groups.end()) {
    if (listing->complete) return std::nullopt;
    return fail(errc::kafka, "cannot tell whether the " + side + " group has members (" +
                                 listing->error + "); retrying");
  }
  if (listed->state == kafka::group_state::empty || listed->state == kafka::group_state::dead) {
    return std::nullopt;
  }
  return listed->state;
}

// Commits `offsets` for `group` (which must have no members there) and reads
// them back. Empty when every offset is there; otherwise what went wrong, in
// words for the operation's activity (`side`: "source" or "target").
std::string commit_and_read_back(cluster_port& admin, const std::string& group,
                                 const std::vector<kafka::committed_offset>& offsets,
                                 const std::string& side) {
  if (offsets.empty()) return "";
  auto res = admin.commit_group_offsets(group, offsets);
  if (!res) return "cannot write the " + side + " group's offsets: " + res.error().message;
  if (!res->empty()) {
    return "the " + side + " group has members, which strait never overwrites: stop its " +
           "consumers on the " + side;
  }
  auto back = admin.group_offsets(group);
  if (!back) return "cannot read the " + side + " group's offsets back: " + back.error().message;
  for (const auto& want : offsets) {
    auto it = std::find_if(back->begin(), back->end(), [&](const auto& b) {
      return b.topic == want.topic && b.partition == want.partition;
    });
    if (it == back->end() || it->offset != want.offset) {
      return "read back " + want.topic + "/" + std::to_string(want.partition) + " on the " + side +
             ": " + (it == back->end() ? std::string("missing") : std::to_string(it->offset)) +
             ", wrote " + std::to_string(want.offset) + "; writing again";
    }
  }
  return "";
}

}  // namespace

status link_workflow::connect_admins() {
  if (!source_admin_) {
    auto a = ports_.connect(true);
    if (!a) return std::unexpected(a.error());
    source_admin_ = std::move(*a);
  }
  if (!target_admin_) {
    auto a = ports_.connect(false);
    if (!a) return std::unexpected(a.error());
    target_admin_ = std::move(*a);
  }
  return {};
}

int link_workflow::partitions_of(const std::string& topic) const {
  const auto selected = ports_.forward->selected_topics();
  if (auto it = selected.find(topic); it != selected.end()) return it->second;
  int n = 0;
  for (const auto& p : ports_.forward->snapshot()) {
    if (p.key.topic == topic) n = std::max(n, p.key.partition.value() + 1);
  }
  return n;
}

std::set<std::string> link_workflow::reverse_topics() const {
  std::set<std::string> out;
  for (const auto& [topic, state] : table_.topics()) {
    if (state == topic_state::cut_over ||
        (state == topic_state::rolled_back && copying_back(topic))) {
      out.insert(topic);
    }
  }
  return out;
}

bool link_workflow::copying_back(const std::string& topic) const {
  // For reverse_topics: a topic that cannot be told this round is left out
  // of reverse mirroring until it can (the engine restarts without it; its
  // checkpoints stay, and it is copied on from them).
  auto known = copy_back_known(topic);
  return known && *known;
}

result<bool> link_workflow::copy_back_known(const std::string& topic) const {
  // Once a forward partition runs again, reverse mirroring of the topic must
  // never run (the two directions would copy each other's records); before
  // reverse mirroring was seeded, nothing was copied back and producers had
  // not moved (they move after CUT_OVER).
  const int n = partitions_of(topic);
  if (n == 0) return fail(errc::precondition, "the topic's partitions are not known yet");
  for (int p = 0; p < n; ++p) {
    auto fwd = store_.load({cfg_.name, topic, partition_id(p)});
    if (!fwd) return std::unexpected(fwd.error());
    if (!*fwd || (*fwd)->stopped != store::stop_reason::handed_over) return false;
    auto rev = store_.load(
        {config::reverse_link_name(cfg_.name), cfg_.topics.target_name(topic), partition_id(p)});
    if (!rev) return std::unexpected(rev.error());
    // The reverse link's "source" offsets are target-cluster offsets.
    if (!*rev || (*rev)->position.next_source.value() < (*fwd)->position.next_target.value()) {
      return false;
    }
  }
  return true;
}

bool link_workflow::partitions_running(const std::string& topic, int partitions,
                                       topic_op& op) const {
  // Right after a start the supervisor may not have listed the topic or
  // handed its partitions to the engine yet.
  for (int p = 0; p < std::max(partitions, 1); ++p) {
    if (partitions == 0 || !ports_.forward->has_partition({cfg_.name, topic, partition_id(p)})) {
      op.status.detail = "waiting: the topic's partitions are not running yet";
      return false;
    }
  }
  return true;
}

std::set<std::string> link_workflow::held_locked() const {
  std::set<std::string> held;
  for (const auto& [group, state] : table_.groups()) {
    if (migration::target_is_primary(state)) held.insert(group);
  }
  for (const auto& [group, op] : group_ops_) {
    if (op.status.options.kind == op_kind::cutover) held.insert(group);
  }
  return held;
}

std::set<std::string> link_workflow::held_groups() const {
  std::lock_guard lock(mu_);
  return held_locked();
}

void link_workflow::hold_groups() {
  if (!ports_.groups) return;
  ports_.groups->hold(held_locked());
}

status link_workflow::apply(const std::string& topic, topic_event e,
                            const migration::topic_guards& g, const operation_options* starts) {
  auto step = table_.apply(topic, e, g, starts);
  if (!step) return std::unexpected(step.error());
  return {};
}

status link_workflow::apply(const std::string& group, group_event e,
                            const migration::group_guards& g, const operation_options* starts) {
  auto step = table_.apply(group, e, g, starts);
  if (!step) return std::unexpected(step.error());
  hold_groups();
  return {};
}

result<offsets::run_list> link_workflow::merged_map(const std::string& topic,
                                                    int32_t partition) const {
  const partition_key fwd{cfg_.name, topic, partition_id(partition)};
  const partition_key rev{config::reverse_link_name(cfg_.name), cfg_.topics.target_name(topic),
                          partition_id(partition)};
  auto fcp = store_.load(fwd);
  if (!fcp) return std::unexpected(fcp.error());
  if (!*fcp)
    return fail(errc::not_found, topic + "/" + std::to_string(partition) + " is not mirrored");
  auto fruns = store_.runs(fwd);
  if (!fruns) return std::unexpected(fruns.error());
  auto rcp = store_.load(rev);
  if (!rcp) return std::unexpected(rcp.error());
  std::vector<offsets::offset_run> rruns;
  offsets::mirror_position rpos;
  if (*rcp) {
    auto r = store_.runs(rev);
    if (!r) return std::unexpected(r.error());
    rruns = std::move(*r);
    rpos = (*rcp)->position;
  }
  return offsets::run_list::merge(std::move(*fruns), (*fcp)->position, rruns, rpos);
}

std::shared_ptr<link_workflow::tail_check> link_workflow::start_tail_verification(
    const std::string& topic, const std::map<int32_t, int64_t>& ends) {
  auto check = std::make_shared<tail_check>();
  check->ends = ends;
  verify::report r;
  {
    std::lock_guard lock(mu_);
    std::erase_if(tails_, [](const auto& t) { return t->done.ready(); });
    if (tails_.size() >= kTailVerificationsAtOnce) return nullptr;
    // request_stop sets cancel_verify_ before it takes mu_ to cancel those
    // in tails_: one started in the round that ends the thread is too.
    check->cancel = cancel_verify_.load();
    r.link = cfg_.name;
    r.started_at_ms = wall_clock_ms();
    r.sample_records = kTailRecords;
    r.requested_by = verify::tail_requester(topic);
    if (auto id = begin_report(r); !id) {
      check->done.set(std::unexpected(id.error()));
      return check;
    }
    tails_.push_back(check);
  }
  // The result's pointer shares the check's ownership (aliasing), so the
  // check lives as long as the task.
  std::shared_ptr<task_result<result<verify::report>>> done(check, &check->done);
  run_task("vfy:" + cfg_.name + "/" + topic, std::move(done), [this, topic, r, check]() mutable {
    run_report(
        {{topic}, {}, kTailRecords, true}, r, [](const verify::report&) {}, check->cancel);
    return result<verify::report>(std::move(r));
  });
  return check;
}

uint64_t link_workflow::next_operation_id() {
  const uint64_t now_us = static_cast<uint64_t>(wall_clock_ms()) * 1000;
  last_operation_id_ = std::max(last_operation_id_ + 1, now_us);
  return last_operation_id_;
}

void link_workflow::finished(operation_status s, op_phase how) {
  s.phase = how;
  s.finished_at_ms = wall_clock_ms();
  record_move(s);
  // An operation a request replaced while its last step ended it: it ended
  // done, not cancelled.
  for (auto& f : finished_) {
    if (f.id == s.id) {
      f = std::move(s);
      return;
    }
  }
  finished_.push_back(std::move(s));
  while (finished_.size() > kEndedOperationsKept) finished_.pop_front();
}

void link_workflow::record_move(const operation_status& s) {
  // Ended twice (cancelled by a request, then done by the step that was
  // running): the last word stands, as in finished_.
  std::erase_if(pending_moves_, [&](const move_record& r) { return r.id == s.id; });
  pending_moves_.push_back(
      {.id = s.id,
       .kind = s.on_group ? migration::object_kind::group : migration::object_kind::topic,
       .name = s.name,
       .options = s.options,
       .outcome = s.phase,
       .stuck = s.phase == op_phase::done ? stuck_reason::none : s.stuck,
       .requested_by = s.requested_by,
       .started_at_ms = s.started_at_ms,
       .finished_at_ms = s.finished_at_ms,
       .quiet_wait_ms = s.quiet_wait_ms,
       .resumed = s.resumed,
       .acl_grants = s.acl_grants,
       .acl_fences = s.acl_fences});
}

void link_workflow::flush_move_records() {
  std::vector<move_record> records;
  {
    std::lock_guard lock(mu_);
    records.swap(pending_moves_);
  }
  if (records.empty()) return;
  // Evidence, not state: records that cannot be written are logged, and the
  // moves stand (the scorecard then lacks them, and says what it lacks).
  auto ids = store_.link_cluster_ids(cfg_.name);
  const store::cluster_ids clusters = ids && *ids ? **ids : store::cluster_ids{};
  const std::string definition = definition_digest(cfg_, clusters);
  for (auto& r : records) {
    r.source_cluster_id = clusters.source;
    r.target_cluster_id = clusters.target;
    r.definition = definition;
  }
  status stored =
      ids ? store_moves(store_, cfg_.name, records) : status(std::unexpected(ids.error()));
  if (!stored) {
    spdlog::error(
        "link {}: the records of {} ended operation(s) (the first {}) were not stored: {}",
        cfg_.name, records.size(), records.front().id, stored.error().message);
  }
}

status link_workflow::start_topic_op(change& c, topic_event e, const migration::topic_guards& g,
                                     operation_options options, const std::string& requested_by) {
  options.id = next_operation_id();
  if (auto s = c.state_before != c.state
                   ? apply(c.name, e, g, &options)
                   : table_.store_operation(migration::object_kind::topic, c.name, &options);
      !s) {
    return s;
  }
  replace_op(topic_ops_, false, c, options, requested_by);
  return {};
}

template <typename Op>
void link_workflow::replace_op(std::map<std::string, Op>& ops, bool on_group, change& c,
                               const operation_options& options, const std::string& requested_by) {
  Op op = new_op<Op>(on_group, c.name, options, "starting");
  op.status.requested_by = requested_by;
  if (auto old = ops.find(c.name); old != ops.end()) {
    if constexpr (std::is_same_v<Op, topic_op>) {
      if (old->second.tail) old->second.tail->cancel = true;  // its result would count for none
      // Resumptions the engine has not answered belong to the topic: the
      // new operation waits for them before it looks at the partitions.
      op.resumptions = old->second.resumptions;
    }
    finished(old->second.status, op_phase::cancelled);
  }
  ops[c.name] = std::move(op);
  c.operation_id = options.id;
}

status link_workflow::start_group_op(change& c, operation_options options,
                                     const std::string& requested_by) {
  options.id = next_operation_id();
  if (auto s = table_.store_operation(migration::object_kind::group, c.name, &options); !s) {
    return s;
  }
  replace_op(group_ops_, true, c, options, requested_by);
  return {};
}

// ---------------------------------------------------------------- the calls

namespace {

// Runs `check` on each object `selected` picks; fails naming every refusal,
// or when none is selected.
template <typename State, typename Change>
result<std::vector<Change>> pick(
    const std::map<std::string, State>& states,
    const std::function<bool(const std::string&)>& selected, const std::string& what,
    const std::string& link,
    const std::function<result<Change>(const std::string&, State)>& check) {
  std::vector<Change> out;
  std::vector<std::string> refused;
  for (const auto& [name, state] : states) {
    if (!selected(name)) continue;
    auto c = check(name, state);
    if (!c) {
      refused.push_back(what + " " + name + ": " + c.error().message);
    } else {
      out.push_back(std::move(*c));
    }
  }
  if (!refused.empty()) return fail(errc::precondition, join(refused) + "; nothing was changed");
  if (out.empty()) {
    return fail(errc::not_found, "link " + link + ": no " + what + " matches (straitctl status " +
                                     link + " lists them)");
  }
  return out;
}

}  // namespace

result<std::vector<link_workflow::change>> link_workflow::cutover_topics(const move_options& o) {
  std::lock_guard lock(mu_);
  std::map<std::string, migration::topic_guards> facts;
  std::map<std::string, int> reported;  // partitions of each topic in the snapshot
  for (const auto& p : ports_.forward->snapshot()) {
    ++reported[p.key.topic];
    auto [it, added] = facts.try_emplace(p.key.topic);
    migration::topic_guards& g = it->second;
    if (added) g = {true, true, true, o.force};
    g.lag_within_threshold =
        g.lag_within_threshold && p.lag_records <= cfg_.migration.in_sync_max_lag_records;
    if (p.stopped) {
      g.no_stopped_partition = false;
      if (p.stop_reason == store::stop_reason::foreign_write) g.no_foreign_write = false;
    }
  }
  const operation_options wanted{op_kind::cutover, o.quiet_window, o.force};
  auto picked = pick<topic_state, change>(
      table_.topics(), o.selected, "topic", cfg_.name,
      [&](const std::string& topic, topic_state state) -> result<change> {
        change c{topic, state, state, "", {}};
        if (state == topic_state::cut_over) {
          c.action = "already cut over";
          c.does = change::effect::nothing;
          return c;
        }
        if (state == topic_state::draining) {
          auto op = topic_ops_.find(topic);
          if (op != topic_ops_.end() && op->second.status.stuck == stuck_reason::none) {
            // A running operation keeps its options: it may be handing over
            // right now, which a replacement must not race.
            c.action = "already draining (quiet window " +
                       seconds(op->second.status.options.quiet_window) + ")";
            c.operation_id = op->second.status.id;
            c.does = change::effect::nothing;
          } else {
            c.action = o.dry_run ? "would try the drain again" : "draining again";
          }
          return c;
        }
        // The guards need every partition's facts. Right after a start or
        // a resume the engine has not reported them all yet: say so rather
        // than judge the topic by some or none of its partitions (issue 11:
        // every guard failed, "foreign write" included, for ~3 s). A move
        // that is refused whatever the facts says why first.
        const int expected = partitions_of(topic);
        const int seen = reported.contains(topic) ? reported[topic] : 0;
        if (seen == 0 || seen < expected) {
          if (auto legal = migration::transition(state, topic_event::cutover_started,
                                                 {true, true, true, o.force});
              !legal) {
            return std::unexpected(legal.error());
          }
          const std::string how_many = seen == 0
                                           ? std::string("none of its partitions has")
                                           : std::to_string(seen) + " of its " +
                                                 std::to_string(expected) + " partitions have";
          return fail(errc::precondition,
                      how_many +
                          " reported since the link started or was resumed; try again in a few "
                          "seconds (straitctl status " +
                          cfg_.name + " shows a partition that does not start, and why)");
        }
        auto step = migration::transition(state, topic_event::cutover_started, facts[topic]);
        if (!step) return std::unexpected(step.error());
        c.state = step->to;
        c.action = o.dry_run ? "would drain the source and cut over" : "draining started";
        for (auto gd : step->overridden) c.forced_guards.push_back(to_string(gd));
        return c;
      });
  if (!picked || o.dry_run) return picked;
  for (auto& c : *picked) {
    if (c.does == change::effect::nothing) continue;
    if (auto s =
            start_topic_op(c, topic_event::cutover_started, facts[c.name], wanted, o.requested_by);
        !s) {
      return std::unexpected(s.error());
    }
    if (!c.forced_guards.empty()) {
      spdlog::warn("link {}: topic {}: cutover forced by {} past guards: {}", cfg_.name, c.name,
                   o.requested_by, join(c.forced_guards));
    }
  }
  thread_.wake();  // its first step now, not at the next round (up to 1 s)
  return picked;
}

result<std::vector<link_workflow::change>> link_workflow::rollback_topics(const move_options& o) {
  std::lock_guard lock(mu_);
  const operation_options wanted{op_kind::rollback, o.quiet_window, false};
  auto picked = pick<topic_state, change>(
      table_.topics(), o.selected, "topic", cfg_.name,
      [&](const std::string& topic, topic_state state) -> result<change> {
        change c{topic, state, topic_state::rolled_back, "", {}};
        auto op = topic_ops_.find(topic);
        if (state == topic_state::rolled_back && op != topic_ops_.end() &&
            op->second.status.stuck == stuck_reason::none) {
          c.action = "already rolling back (quiet window " +
                     seconds(op->second.status.options.quiet_window) + ")";
          c.operation_id = op->second.status.id;
          c.does = change::effect::nothing;
          return c;
        }
        if (state != topic_state::rolled_back) {
          auto step = migration::transition(state, topic_event::rollback_started, {});
          if (!step) return std::unexpected(step.error());
        }
        c.action = o.dry_run ? "would copy the target's new records back, then resume "
                               "mirroring to the target"
                             : "rolling back: waiting for the target to be quiet";
        return c;
      });
  if (!picked || o.dry_run) return picked;
  for (auto& c : *picked) {
    if (c.does == change::effect::nothing) continue;
    // ROLLED_BACK at once (stored): a restart resumes the rollback; a
    // cutover operation of the topic is replaced.
    if (auto s = start_topic_op(c, topic_event::rollback_started, {}, wanted, o.requested_by); !s) {
      return std::unexpected(s.error());
    }
  }
  thread_.wake();  // its first step now, not at the next round (up to 1 s)
  return picked;
}

result<std::vector<link_workflow::change>> link_workflow::finalize_topics(const move_options& o) {
  std::lock_guard lock(mu_);
  auto picked = pick<topic_state, change>(
      table_.topics(), o.selected, "topic", cfg_.name,
      [&](const std::string& topic, topic_state state) -> result<change> {
        change c{topic, state, state, "", {}};
        if (state == topic_state::finalized) {
          c.action = "already finalized";
          c.does = change::effect::nothing;
          return c;
        }
        if (topic_ops_.contains(topic)) {
          return fail(errc::precondition, "an operation on it is in progress (" +
                                              topic_ops_[topic].status.detail +
                                              "); wait for it or roll back first");
        }
        auto step = migration::transition(state, topic_event::finalized, {});
        if (!step) return std::unexpected(step.error());
        c.state = step->to;
        c.action = o.dry_run ? "would stop reverse mirroring; the map and reports stay"
                             : "reverse mirroring stops; the map and reports stay";
        return c;
      });
  if (!picked || o.dry_run) return picked;
  for (const auto& c : *picked) {
    if (c.does == change::effect::nothing) continue;
    if (auto s = apply(c.name, topic_event::finalized, {}); !s) return std::unexpected(s.error());
  }
  thread_.wake();  // reverse mirroring of the topic stops now, not at the next round
  return picked;
}

result<std::vector<link_workflow::change>> link_workflow::cutover_groups(const move_options& o) {
  std::lock_guard lock(mu_);
  auto stored = groupsync::load_group_offsets(store_, cfg_.name);
  if (!stored) return std::unexpected(stored.error());
  auto picked = pick<group_state, change>(
      table_.groups(), o.selected, "group", cfg_.name,
      [&](const std::string& group, group_state state) -> result<change> {
        change c{group, state, state, "", {}};
        if (state == group_state::cutting_over || state == group_state::cut_over ||
            (state == group_state::syncing && group_ops_.contains(group) &&
             group_ops_[group].status.options.kind == op_kind::cutover)) {
          c.action = "already cutting over";
          c.does = change::effect::nothing;
          if (auto op = group_ops_.find(group); op != group_ops_.end()) {
            c.operation_id = op->second.status.id;
          }
          return c;
        }
        // Members and mirroring lag are waited for by the operation; the
        // topics are checked now.
        migration::group_guards g{true, true, true, o.force};
        std::vector<std::string> behind;
        for (const auto& s : *stored) {
          if (s.group != group) continue;
          auto t = table_.topics().find(s.partition.topic);
          if (t != table_.topics().end() && !is_cut_over(t->second)) {
            g.topics_cut_over = false;
            behind.push_back(s.partition.topic);
          }
        }
        auto step = migration::transition(state, group_event::cutover_started, g);
        if (!step) return std::unexpected(step.error());
        for (auto gd : step->overridden) c.forced_guards.push_back(to_string(gd));
        c.action = o.dry_run ? "would wait for the source group to have no members, then write "
                               "its translated offsets to the target and read them back"
                             : "cutover started: waiting for the source group to have no members";
        return c;
      });
  if (!picked || o.dry_run) return picked;
  for (auto& c : *picked) {
    if (c.does == change::effect::nothing) continue;
    if (auto s =
            start_group_op(c, {op_kind::cutover, kDefaultQuietWindow, o.force}, o.requested_by);
        !s) {
      return std::unexpected(s.error());
    }
    if (!c.forced_guards.empty()) {
      spdlog::warn("link {}: group {}: cutover forced by {} past guards: {}", cfg_.name, c.name,
                   o.requested_by, join(c.forced_guards));
    }
  }
  hold_groups();
  thread_.wake();  // its first step now, not at the next round (up to 1 s)
  return picked;
}

result<std::vector<link_workflow::change>> link_workflow::rollback_groups(const move_options& o) {
  std::lock_guard lock(mu_);
  auto stored = groupsync::load_group_offsets(store_, cfg_.name);
  if (!stored) return std::unexpected(stored.error());
  auto picked = pick<group_state, change>(
      table_.groups(), o.selected, "group", cfg_.name,
      [&](const std::string& group, group_state state) -> result<change> {
        change c{group, state, state, "", {}};
        if (auto op = group_ops_.find(group); op != group_ops_.end() &&
                                              op->second.status.options.kind == op_kind::rollback &&
                                              op->second.status.stuck == stuck_reason::none) {
          c.action = "already rolling back";
          c.operation_id = op->second.status.id;
          c.does = change::effect::nothing;
          return c;
        }
        // A cutover whose target offsets are not all written and read back
        // yet (its consumers must not have started on the target) is
        // cancelled: the group stays on the source, periodic sync resumes.
        if ((state == group_state::syncing && group_ops_.contains(group)) ||
            state == group_state::cutting_over) {
          c.action = "cutover cancelled; the group stays on the source";
          c.state = group_state::syncing;
          c.does = change::effect::cancels;
          return c;
        }
        if (auto step = migration::transition(state, group_event::rollback_started, {}); !step) {
          return std::unexpected(step.error());
        }
        // What the group read on the target goes back through reverse
        // mirroring, which a FINALIZED topic no longer has: the operation
        // would wait for ever.
        for (const auto& s : *stored) {
          auto t = table_.topics().find(s.partition.topic);
          if (s.group == group && t != table_.topics().end() &&
              t->second == topic_state::finalized) {
            return fail(errc::precondition,
                        "it reads topic " + s.partition.topic +
                            ", which is FINALIZED: its records are no longer copied back to the "
                            "source, so the group's offsets cannot be translated back");
          }
        }
        c.action = o.dry_run ? "would wait for the target group to have no members, then write "
                               "its offsets translated back to the source group"
                             : "rollback started: waiting for the target group to have no members";
        return c;
      });
  if (!picked || o.dry_run) return picked;
  for (auto& c : *picked) {
    if (c.does == change::effect::nothing) continue;
    if (c.does == change::effect::cancels) {
      if (auto s = table_.groups().at(c.name) == group_state::cutting_over
                       ? apply(c.name, group_event::cutover_aborted, {})
                       : table_.store_operation(migration::object_kind::group, c.name, nullptr);
          !s) {
        return std::unexpected(s.error());
      }
      finished(group_ops_[c.name].status, op_phase::cancelled);
      group_ops_.erase(c.name);
      continue;
    }
    if (auto s = start_group_op(c, {op_kind::rollback, kDefaultQuietWindow, false}, o.requested_by);
        !s) {
      return std::unexpected(s.error());
    }
  }
  hold_groups();
  thread_.wake();  // its first step now, not at the next round (up to 1 s)
  return picked;
}

result<std::vector<link_workflow::change>> link_workflow::finalize_groups(const move_options& o) {
  std::lock_guard lock(mu_);
  auto picked = pick<group_state, change>(
      table_.groups(), o.selected, "group", cfg_.name,
      [&](const std::string& group, group_state state) -> result<change> {
        change c{group, state, state, "", {}};
        if (state == group_state::finalized) {
          c.action = "already finalized";
          c.does = change::effect::nothing;
          return c;
        }
        // A rollback waiting for the operator (it cannot end) gives way.
        if (auto op = group_ops_.find(group);
            op != group_ops_.end() && op->second.status.stuck == stuck_reason::none) {
          return fail(errc::precondition, "an operation on it is in progress (" +
                                              op->second.status.detail + "); wait for it first");
        }
        auto step = migration::transition(state, group_event::finalized, {});
        if (!step) return std::unexpected(step.error());
        c.state = step->to;
        c.action = o.dry_run ? "would stop following the group" : "no longer followed";
        return c;
      });
  if (!picked || o.dry_run) return picked;
  for (const auto& c : *picked) {
    if (c.does == change::effect::nothing) continue;
    if (auto s = apply(c.name, group_event::finalized, {}); !s) return std::unexpected(s.error());
    if (auto op = group_ops_.find(c.name); op != group_ops_.end()) {
      finished(op->second.status, op_phase::cancelled);
      group_ops_.erase(op);
    }
  }
  hold_groups();
  return picked;
}

namespace {

// At most kListed of `items`, joined, and how many more there are.
std::string listed(const std::vector<std::string>& items) {
  constexpr size_t kListed = 5;
  std::string out;
  for (size_t i = 0; i < items.size() && i < kListed; ++i) out += (i ? "; " : "") + items[i];
  if (items.size() > kListed) out += " (and " + std::to_string(items.size() - kListed) + " more)";
  return out;
}

std::vector<std::string> described(const std::vector<kafka::acl_binding>& bindings) {
  std::vector<std::string> out;
  for (const auto& b : bindings) out.push_back(policy::describe(b));
  return out;
}

}  // namespace

template <typename T>
const result<T>& link_workflow::acl_read<T>::get(const std::function<result<T>()>& read,
                                                 std::chrono::steady_clock::time_point now) {
  // Read anew each round (reset), but after a failure not before the
  // retry interval: a failing read opens clients and waits for answers on
  // the workflow's thread.
  if (!value || (!*value && now - read_at >= kAclRetry)) {
    value = read();
    read_at = now;
  }
  return *value;
}

template <typename T>
void link_workflow::acl_read<T>::reset() {
  if (value && *value) value.reset();
}

int& link_workflow::acl_count(topic_op& op, acl_change kind) {
  return kind == acl_change::target_grant ? op.status.acl_grants : op.status.acl_fences;
}

bool link_workflow::create_recorded(const std::string& topic, acl_change kind,
                                    const std::string& cluster,
                                    const std::vector<kafka::acl_binding>& bindings,
                                    acl_writer& writer, const std::string& side, topic_op& op) {
  auto owned = load_grants(store_, cfg_.name, topic, kind);
  if (!owned) {
    op.status.detail = "cannot read the topic's ACL records: " + owned.error().message;
    return false;
  }
  // Resumed after a restart, a cutover may have nothing left to make (a
  // fence's DENYs are on the source already): it owns what it made before.
  acl_count(op, kind) = static_cast<int>(owned->size());
  if (bindings.empty()) return true;
  // Recorded before created: a binding strait created never lacks its
  // record (one the cluster had already is not recorded, and never
  // deleted).
  store::checkpoint_store::write_batch batch;
  int added = 0;
  for (const auto& b : bindings) {
    const owned_grant g{cluster, b};
    if (std::find(owned->begin(), owned->end(), g) == owned->end()) {
      put_grant(batch, cfg_.name, topic, kind, g);
      ++added;
    }
  }
  if (auto s = store_.commit(batch); !s) {
    op.status.detail = "cannot record the topic's ACL changes: " + s.error().message;
    return false;
  }
  acl_records_changed_ = acl_records_changed_ || added > 0;
  acl_count(op, kind) = static_cast<int>(owned->size()) + added;
  for (size_t i = 0; i < bindings.size(); ++i) {
    if (auto s = writer.create(cluster, bindings[i]); !s) {
      // The record stays: a request that timed out may have created the
      // binding, and one strait created must never be left without its
      // record (a DENY left on the source would fence producers for good).
      op.status.detail = "cannot create " + policy::describe(bindings[i]) + " on the " + side +
                         ": " + s.error().message + "; retrying";
      return false;
    }
  }
  return true;
}

bool link_workflow::delete_recorded(const std::string& topic, acl_change kind, acl_writer* writer,
                                    const std::string& side, topic_op& op) {
  auto owned = load_grants(store_, cfg_.name, topic, kind);
  if (!owned) {
    op.status.detail = "cannot read the topic's ACL records: " + owned.error().message;
    return false;
  }
  if (owned->empty()) return true;
  if (writer == nullptr) {
    // The link's section was removed since: a rollback is never held by it.
    spdlog::warn(
        "link {}: topic {}: strait created {} on the {} at its cutover, but the link has no "
        "{} section now: they stay; remove them by hand, or put the section back before the "
        "next rollback",
        cfg_.name, printable(topic, 256), listed(described([&] {
          std::vector<kafka::acl_binding> b;
          for (const auto& g : *owned) b.push_back(g.binding);
          return b;
        }())),
        side, kind == acl_change::target_grant ? "acls" : "fence");
    return true;
  }
  for (const auto& g : *owned) {
    auto removed = writer->remove(g.cluster, g.binding);
    if (!removed) {
      op.status.detail = "cannot delete " + policy::describe(g.binding) + " from the " + side +
                         ": " + removed.error().message + "; retrying";
      return false;
    }
    if (removed->other_cluster) {
      // A credential that reaches another cluster while the link still
      // mirrors the one the binding is on is a mistake to fix, not a
      // binding to forget.
      auto ids = store_.link_cluster_ids(cfg_.name);
      if (!ids || !*ids) {
        op.status.detail = "cannot read the link's cluster ids; retrying";
        return false;
      }
      const bool grant = kind == acl_change::target_grant;
      if ((grant ? (*ids)->target : (*ids)->source) == g.cluster) {
        op.status.detail = "cannot delete " + policy::describe(g.binding) + " from the " + side +
                           ": the link's " + (grant ? "acls.target_admin" : "fence.source_admin") +
                           " credential reaches another cluster than the link's " + side + " (" +
                           printable(g.cluster, 128) + "); fix it; retrying";
        return false;
      }
      spdlog::warn(
          "link {}: topic {}: {} was created on cluster {}, which the {} is not now: remove it "
          "there by hand",
          cfg_.name, printable(topic, 256), policy::describe(g.binding), printable(g.cluster, 128),
          side);
    } else {
      spdlog::info("link {}: topic {}: deleted {} from the {} ({} deleted)", cfg_.name,
                   printable(topic, 256), policy::describe(g.binding), side, removed->deleted);
    }
    store::checkpoint_store::write_batch batch;
    erase_grant(batch, cfg_.name, topic, kind, g);
    if (auto s = store_.commit(batch); !s) {
      op.status.detail = "cannot erase the record of an ACL change: " + s.error().message;
      return false;
    }
    acl_records_changed_ = true;
    // A rollback counts what it deleted; a cutover (a fence lifted again:
    // strait could not write the source) what it still owns.
    int& count = acl_count(op, kind);
    if (op.status.options.kind == op_kind::cutover) {
      count = std::max(0, count - 1);
    } else if (!removed->other_cluster && removed->deleted > 0) {
      ++count;  // not one gone before (the drill would not show it deleted)
    }
  }
  return true;
}

bool link_workflow::grant_writes(const std::string& topic, topic_op& op) {
  const auto& plan = acl_plan_.get([&] { return ports_.grants->plan(); }, ports_.now());
  if (!plan) {
    op.status.detail =
        "cannot grant the topic's producers their rights on the target: " + plan.error().message +
        "; retrying (fix the link's acls section)";
    return false;
  }
  const auto g = policy::grants_at_cutover(plan->items, topic, cfg_.topics.target_name(topic));
  // The DENYs apply would create that reach the topic first (an ALLOW never
  // goes before the DENY that limits it); like apply's, not recorded.
  for (const auto& d : g.denies) {
    if (auto s = ports_.grants->create(plan->target_cluster, d); !s) {
      op.status.detail = "cannot create " + policy::describe(d) +
                         " on the target (before the grants it limits): " + s.error().message +
                         "; retrying";
      return false;
    }
  }
  if (!create_recorded(topic, acl_change::target_grant, plan->target_cluster, g.grants,
                       *ports_.grants, "target", op)) {
    return false;
  }
  spdlog::info(
      "link {}: topic {}: granted on the target for its producers: {}{}", cfg_.name,
      printable(topic, 256), g.grants.empty() ? "nothing" : listed(described(g.grants)),
      g.left.empty() ? "" : "; left to the operator (straitctl plan says why): " + listed(g.left));
  return true;
}

bool link_workflow::release_grants(const std::string& topic, topic_op& op) {
  return delete_recorded(topic, acl_change::target_grant, ports_.grants.get(), "target", op);
}

bool link_workflow::fence_source(const std::string& topic, bool check_write, topic_op& op) {
  const auto& read = fence_read_.get([&] { return ports_.fence->read(); }, ports_.now());
  if (!read) {
    op.status.detail = "cannot read the source's ACLs to fence the topic: " + read.error().message +
                       "; retrying (fix the link's fence section)";
    return false;
  }
  const auto plan = policy::plan_fence(cfg_.fence, topic, read->bindings);
  if (!plan.refusals.empty() && !op.status.options.force) {
    op.status.detail =
        "the source fence cannot stop every writer of the topic: " + listed(plan.refusals);
    op.status.stuck = stuck_reason::fence_refused;
    return false;
  }
  if (!create_recorded(topic, acl_change::source_fence, read->cluster, plan.denies, *ports_.fence,
                       "source", op)) {
    return false;
  }
  if (check_write && !fence_spares_strait(topic, op)) return false;
  if (!plan.refusals.empty()) {
    spdlog::warn(
        "link {}: topic {}: forced (by {}): the source is NOT fenced against: {}", cfg_.name,
        printable(topic, 256),
        printable(op.status.requested_by.empty() ? std::string("a cutover resumed after a restart")
                                                 : op.status.requested_by,
                  256),
        listed(plan.refusals));
  }
  spdlog::info("link {}: topic {}: fenced on the source: {}", cfg_.name, printable(topic, 256),
               plan.denies.empty() ? "no writer but strait" : listed(described(plan.denies)));
  return true;
}

bool link_workflow::fence_spares_strait(const std::string& topic, topic_op& op) {
  // Reverse mirroring writes to the source topic with the link's own
  // credential: the fence must not stop it (a wrong fence.source_principal).
  auto writable = source_writable(topic);
  if (!writable) {
    op.status.detail = writable.error().message;
    return false;
  }
  if (*writable) return true;
  auto fenced = load_grants(store_, cfg_.name, topic, acl_change::source_fence);
  if (fenced && fenced->empty()) {
    op.status.detail =
        "strait's own source credential lacks WRITE on the topic (reverse mirroring writes "
        "there after CUT_OVER; nothing was fenced): grant it (docs/security.md), then run the "
        "cutover again";
  } else {
    const bool lifted = lift_fence(topic, op);
    op.status.detail =
        "strait's own source credential may not write the topic with the fence in place "
        "(reverse mirroring writes there after CUT_OVER): fence.source_principal " +
        printable(cfg_.fence.source_principal, 256) +
        " is not its principal, or it lacks WRITE on the topic (docs/security.md); " +
        (lifted ? "the fence was lifted" : "the fence is still there: " + op.status.detail);
  }
  op.status.stuck = stuck_reason::fence_refused;
  return false;
}

result<bool> link_workflow::source_writable(const std::string& topic) {
  auto ops = source_admin_->topic_operations(topic);
  if (!ops) {
    return fail(ops.error().code, "cannot tell whether strait may still write the source topic: " +
                                      ops.error().message + "; retrying");
  }
  return ops->contains("WRITE");
}

bool link_workflow::lift_fence_early(const std::string& topic, int partitions, topic_op& op) {
  if (!partitions_running(topic, partitions, op)) return false;
  auto copying = copy_back_known(topic);
  if (!copying) {
    op.status.detail =
        "cannot tell whether records are copied back to the source: " + copying.error().message +
        "; retrying";
    return false;
  }
  bool fence_stays = *copying;
  if (fence_stays) {
    auto writable = source_writable(topic);
    if (!writable) {
      op.status.detail = writable.error().message;
      return false;
    }
    fence_stays = *writable;
  }
  return fence_stays || lift_fence(topic, op);
}

bool link_workflow::lift_fence(const std::string& topic, topic_op& op) {
  return delete_recorded(topic, acl_change::source_fence, ports_.fence.get(), "source", op);
}

result<operation_status> link_workflow::operation(uint64_t id) const {
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, op] : topic_ops_) {
      if (op.status.id == id) return op.status;
    }
    for (const auto& [name, op] : group_ops_) {
      if (op.status.id == id) return op.status;
    }
    for (const auto& s : finished_) {
      if (s.id == id) return s;
    }
  }
  // One that ended before this start (or more than kEndedOperationsKept
  // ago): its move record, read outside mu_. (Not running at the look
  // above, it cannot end meanwhile.)
  auto stored = load_move(store_, cfg_.name, id);
  if (!stored) return std::unexpected(stored.error());
  if (*stored) return status_of(**stored);
  return fail(errc::not_found, "link " + cfg_.name + " has no operation " + std::to_string(id) +
                                   " (straitd keeps the records of the newest " +
                                   std::to_string(kKeptMoves) +
                                   " cutovers and rollbacks that ended; straitctl status " +
                                   cfg_.name + " shows the states)");
}

std::vector<operation_status> link_workflow::operations(bool with_ended) const {
  std::lock_guard lock(mu_);  // one look: an operation is running or ended, never both
  std::vector<operation_status> out;
  for (const auto& [name, op] : topic_ops_) out.push_back(op.status);
  for (const auto& [name, op] : group_ops_) out.push_back(op.status);
  if (with_ended) out.insert(out.end(), finished_.begin(), finished_.end());
  return out;
}

std::string link_workflow::reverse_failure() const {
  return reverse_error_.empty()
             ? std::string()
             : "; the last restart of reverse mirroring failed: " + reverse_error_;
}

// ---------------------------------------------------------- the operations

void link_workflow::advance_operations() {
  take_reverse_restart();
  acl_plan_.reset();
  fence_read_.reset();
  std::map<std::string, topic_op> tops;
  std::map<std::string, group_op> gops;
  {
    std::lock_guard lock(mu_);
    tops = topic_ops_;
    gops = group_ops_;
  }
  if (!tops.empty() || !gops.empty()) {
    if (auto s = connect_admins(); !s) {
      // A stuck operation keeps what the operator must do.
      std::lock_guard lock(mu_);
      for (auto& [n, op] : topic_ops_) {
        if (op.status.stuck == stuck_reason::none) {
          op.status.detail = "cannot reach the clusters: " + s.error().message;
        }
      }
      for (auto& [n, op] : group_ops_) {
        if (op.status.stuck == stuck_reason::none) {
          op.status.detail = "cannot reach the clusters: " + s.error().message;
        }
      }
    } else {
      step_operations(tops, gops);
    }
  }
  reconcile_reverse_mirroring();
  if (acl_records_changed_) refresh_acl_records();
  check_acl_drift();
}

void link_workflow::refresh_acl_records() {
  auto records = load_link_grants(store_, cfg_.name);  // outside mu_
  acl_records_changed_ = !records;                     // a failed read is tried again next round
  std::lock_guard lock(mu_);
  acl_records_ = std::move(records);
}

void link_workflow::take_reverse_restart() {
  if (!reverse_restart_) return;
  auto ended = reverse_restart_->done->get();
  if (!ended) return;
  if (*ended) {
    reverse_running_ = reverse_restart_->topics;
    reverse_error_.clear();
    reverse_backoff_.reset();
  } else {
    // run_for stopped the old engine before the new one failed to start.
    reverse_running_.clear();
    reverse_error_ = ended->error().message;
    const auto delay = reverse_backoff_.next();
    reverse_retry_at_ = ports_.now() + delay;
    spdlog::error("link {}: cannot start reverse mirroring (tried again in {} ms): {}", cfg_.name,
                  delay.count(), reverse_error_);
  }
  reverse_restart_.reset();
}

void link_workflow::reconcile_reverse_mirroring() {
  take_reverse_restart();
  if (reverse_restart_) return;  // one restart at a time
  std::set<std::string> want;
  {
    std::lock_guard lock(mu_);
    want = reverse_topics();
    for (const auto& [topic, op] : topic_ops_) {
      if (op.copied_back) want.erase(topic);
    }
  }
  if (reverse_running_ == want && reverse_error_.empty()) return;
  // After a failure, not before the backoff (an engine that cannot start
  // fails in milliseconds: no spinning, no flood of clients).
  if (!reverse_error_.empty() && ports_.now() < reverse_retry_at_) return;
  reverse_restart_ = reverse_restart{want, std::make_shared<task_result<status>>()};
  run_task("rev:" + cfg_.name, reverse_restart_->done,
           [this, want] { return ports_.reverse->run_for(want); });
}

bool link_workflow::reverse_stopped_for(const std::string& topic) const {
  return !reverse_running_.contains(topic) &&
         !(reverse_restart_ && reverse_restart_->topics.contains(topic));
}

void link_workflow::step_operations(std::map<std::string, topic_op>& tops,
                                    std::map<std::string, group_op>& gops) {
  for (auto& [name, op] : tops) {
    // A stuck operation waits for the operator; it is only stored as stuck
    // (again, while that fails).
    if (op.status.stuck != stuck_reason::none && op.stuck_stored) continue;
    if (op.status.stuck == stuck_reason::none) {
      const auto step_began = ports_.now();
      if (op.status.options.kind == op_kind::cutover) {
        step_topic_cutover(name, op);
      } else {
        step_topic_rollback(name, op);
      }
      count_quiet_wait(op, step_began);
    }
    std::lock_guard lock(mu_);
    auto it = topic_ops_.find(name);
    if (it == topic_ops_.end() || it->second.generation != op.generation) {
      // Replaced while this step ran: a verification it started counts for
      // none; the resumptions pending are the replacement's to wait for
      // (it took those pending before the step, replace_op; this thread has
      // not stepped it since).
      if (op.tail) op.tail->cancel = true;
      if (it != topic_ops_.end()) it->second.resumptions = op.resumptions;
      if (op.status.phase == op_phase::done) finished(op.status, op_phase::done);
      continue;
    }
    if (op.status.phase == op_phase::done) {
      finished(op.status, op_phase::done);
      topic_ops_.erase(it);
    } else {
      op.stuck_stored = store_if_stuck(migration::object_kind::topic, name, op.status);
      it->second = op;
    }
  }
  for (auto& [name, op] : gops) {
    if (op.status.stuck != stuck_reason::none && op.stuck_stored) continue;
    if (op.status.stuck == stuck_reason::none) {
      if (op.status.options.kind == op_kind::cutover) {
        step_group_cutover(name, op);
      } else {
        step_group_rollback(name, op);
      }
    }
    std::lock_guard lock(mu_);
    auto it = group_ops_.find(name);
    if (it == group_ops_.end() || it->second.generation != op.generation) {
      if (op.status.phase == op_phase::done) finished(op.status, op_phase::done);
      continue;
    }
    if (op.status.phase == op_phase::done) {
      finished(op.status, op_phase::done);
      group_ops_.erase(it);
      hold_groups();
    } else {
      op.stuck_stored = store_if_stuck(migration::object_kind::group, name, op.status);
      it->second = op;
    }
  }
}

void link_workflow::count_quiet_wait(topic_op& op,
                                     std::chrono::steady_clock::time_point step_began) {
  const auto now = ports_.now();
  const bool waiting = op.status.phase == op_phase::waiting_for_quiet;
  if (waiting && op.quiet_wait_began == std::chrono::steady_clock::time_point{}) {
    op.quiet_wait_began = step_began;  // the step that entered the phase
  }
  if (op.quiet_wait_began == std::chrono::steady_clock::time_point{}) return;
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - op.quiet_wait_began).count();
  op.status.quiet_wait_ms = op.quiet_waited_before_ms + ms;
  if (!waiting) {  // left it (a cutover's tail re-verification may send it back)
    op.quiet_waited_before_ms = op.status.quiet_wait_ms;
    op.quiet_wait_began = {};
  }
}

bool link_workflow::store_if_stuck(migration::object_kind kind, const std::string& name,
                                   operation_status& op) {
  if (op.stuck == stuck_reason::none) return false;
  const std::string not_stored = " (not stored yet: ";
  if (auto at = op.detail.find(not_stored); at != std::string::npos) op.detail.resize(at);
  if (auto s = table_.store_operation(kind, name, &op.options, op.stuck); !s) {
    // It waits all the same; tried again every round, as a restart would
    // take it on by itself meanwhile.
    spdlog::error("link {}: cannot store that the operation on {} waits for the operator: {}",
                  cfg_.name, name, s.error().message);
    op.detail += not_stored + s.error().message + ")";
    return false;
  }
  return true;
}

void link_workflow::step_topic_cutover(const std::string& topic, topic_op& op) {
  op.awaiting_checkpoints = false;
  // Mirroring resumed after the source moved during the hand-over (below):
  // not before the engine answered, or the next hand-over would stop a
  // partition it has not restarted yet.
  if (!resumed(topic, op)) return;
  const int n = partitions_of(topic);
  if (n == 0) {
    op.status.detail = "waiting: the topic's partitions are not known yet";
    return;
  }
  const std::string target = cfg_.topics.target_name(topic);
  std::vector<kafka::topic_partition> sp, tp;
  for (int p = 0; p < n; ++p) {
    sp.emplace_back(topic, p);
    tp.emplace_back(target, p);
  }
  auto load_all = [&](std::vector<store::partition_checkpoint>& out) -> bool {
    out.clear();
    for (int p = 0; p < n; ++p) {
      auto cp = store_.load({cfg_.name, topic, partition_id(p)});
      if (!cp || !*cp) {
        op.status.detail = "waiting: partition " + std::to_string(p) + " has no checkpoint yet";
        return false;
      }
      out.push_back(**cp);
    }
    return true;
  };
  auto handed = [](const store::partition_checkpoint& c) {
    return c.stopped == store::stop_reason::handed_over;
  };
  std::vector<store::partition_checkpoint> cps;
  if (!load_all(cps)) return;
  const bool all_handed = std::all_of(cps.begin(), cps.end(), handed);
  // A partition of the topic stopped for the hand-over (checkpointed or
  // not yet).
  auto hand_over_begun = [&] {
    if (std::any_of(cps.begin(), cps.end(), handed)) return true;
    const auto snap = ports_.forward->snapshot();
    return std::any_of(snap.begin(), snap.end(), [&](const auto& s) {
      return s.key.topic == topic && s.stopped && s.stop_reason == store::stop_reason::handed_over;
    });
  };
  // The source fence first: a producer it does not stop would keep the
  // drain from ever ending. (Made again after a restart: op.fenced is not
  // stored; what exists is kept.)
  if (ports_.fence != nullptr && !op.fenced) {
    if (!fence_source(topic, !hand_over_begun(), op)) return;
    op.fenced = true;
  }
  const auto now = ports_.now();
  if (!all_handed) {
    op.status.phase = op_phase::waiting_for_quiet;
    const auto ends_before = op.last_high;
    if (!ends_unchanged(*source_admin_, topic, n, "source", now, op.last_high, op.quiet_since,
                        op.status.detail)) {
      // New records: a pass no longer covers the newest ones, nor will the
      // verification under way (cancelled; dropped below).
      if (op.last_high != ends_before) {
        if (op.tail) op.tail->cancel = true;
        // Before the hand-over began; after, `moved_since` resumes
        // mirroring and starts the drain over.
        if (!hand_over_begun()) op.tail_passed = false;
      }
      return;
    }
    for (const auto& s : ports_.forward->snapshot()) {
      if (s.key.topic != topic || s.key.partition.value() >= n ||
          handed(cps[s.key.partition.value()])) {
        continue;
      }
      const int64_t high = op.last_high[s.key.partition.value()];
      // Stopped by this operation's hand-over in an earlier round; its
      // checkpoint is being written (below).
      if (s.stopped && s.stop_reason == store::stop_reason::handed_over) continue;
      if (s.stopped) {
        op.status.detail = "partition " + std::to_string(s.key.partition.value()) +
                           " is stopped (" + store::to_string(s.stop_reason) +
                           "): " + s.stop_detail + "; roll back, resolve it, then cut over again";
        op.status.stuck = stuck_reason::partition_stopped;
        return;
      }
      if (s.position.next_source.value() < high || !s.idle) {
        op.status.phase = op_phase::mirroring_tail;
        op.status.detail =
            "mirroring the last records: partition " + std::to_string(s.key.partition.value()) +
            " at " + std::to_string(s.position.next_source.value()) + " of " + std::to_string(high);
        return;
      }
    }
    if (now - op.quiet_since < op.status.options.quiet_window) {
      op.status.phase = op_phase::waiting_for_quiet;
      op.status.detail = "the source is quiet for " + seconds(now - op.quiet_since) + " of " +
                         seconds(op.status.options.quiet_window) + "; everything is mirrored";
      return;
    }
    if (!op.tail_passed) {
      // In a task: the rounds of the link's other moves go on meanwhile.
      op.status.phase = op_phase::verifying_tail;
      // A verification that set out before the source's last records came
      // may not have read them: it no longer counts.
      if (op.tail && op.tail->ends != op.last_high) {
        op.tail->cancel = true;
        op.tail.reset();
      }
      if (!op.tail) op.tail = start_tail_verification(topic, op.last_high);
      if (!op.tail) {
        op.status.detail = "waiting for one of the link's " +
                           std::to_string(kTailVerificationsAtOnce) +
                           " tail verifications at once to end";
        return;
      }
      auto tail = op.tail->done.get();
      if (!tail) {
        op.status.detail = "verifying the newest records of every partition";
        return;
      }
      op.tail.reset();
      if (!*tail || (*tail)->outcome != verify::verdict::passed) {
        const auto& t = *tail;
        op.status.detail = t ? "tail verification " + std::to_string(t->id) + " " +
                                   verify::to_string(t->outcome) + " (straitctl report " +
                                   cfg_.name + " " + std::to_string(t->id) +
                                   "); roll back, or fix and run cutover again"
                             : "tail verification could not run: " + t.error().message;
        // FAILED needs the operator; INTERRUPTED (a cluster unreachable) is
        // tried again after another quiet window.
        if (t && t->outcome == verify::verdict::failed) {
          op.status.stuck = stuck_reason::tail_verification_failed;
        }
        op.last_high.clear();
        return;
      }
      op.tail_passed = true;
    }
    // Reverse mirroring must still write to the source after the hand-over:
    // checked again before it (brokers apply a new binding a little later
    // than CreateAcls answers).
    // Not once partitions are stopped for it: stuck halfway, some would
    // stay handed over until a rollback.
    if (ports_.fence != nullptr && !hand_over_begun() && !fence_spares_strait(topic, op)) return;
    for (int p = 0; p < n; ++p) {
      if (handed(cps[p])) continue;
      ports_.forward->stop_partition(
          {cfg_.name, topic, partition_id(p)}, store::stop_reason::handed_over,
          "cut over: the target is primary; reverse mirroring copies its new "
          "records to the source");
    }
    // The engine checkpoints within checkpoint_interval_ms: look again in
    // the next (short) round rather than wait here, where other moves of
    // the link would wait too.
    op.status.phase = op_phase::handing_over;
    if (!load_all(cps) || !std::all_of(cps.begin(), cps.end(), handed)) {
      op.status.detail = "waiting for the hand-over checkpoints";
      op.awaiting_checkpoints = true;
      return;
    }
  }
  op.status.phase = op_phase::handing_over;
  // Handed over (now, or before a restart). A record that reached the source
  // after the quiet window would be lost to target consumers: if the source
  // moved, forward mirroring resumes and the drain starts over.
  auto again = source_admin_->list_watermarks(sp);
  if (!again || again->size() != sp.size()) {
    op.status.detail = "cannot read the source's end offsets; retrying";
    return;
  }
  bool moved_since = false;
  for (int p = 0; p < n; ++p) {
    moved_since = moved_since || again->at({topic, p}).high != cps[p].position.next_source.value();
  }
  if (moved_since) {
    // Whatever the resumption's outcome: the records that came are not
    // verified yet.
    op.last_high.clear();
    op.tail_passed = false;
    for (int p = 0; p < n; ++p) {
      if (auto s = resume_forward(topic, p, cps[p].position, op); !s) {
        op.status.detail = s.error().message;
        return;
      }
    }
    op.status.phase = op_phase::waiting_for_quiet;
    op.status.detail =
        "the source moved during the hand-over (a producer still writes): mirroring "
        "resumes; waiting for the source to be quiet again";
    return;
  }
  // Hand-over done. The target must end exactly where strait stopped
  // writing, or reverse mirroring would start on someone else's records.
  auto twm = target_admin_->list_watermarks(tp);
  if (!twm || twm->size() != tp.size()) {
    op.status.detail = "cannot read the target's end offsets; retrying";
    return;
  }
  for (int p = 0; p < n; ++p) {
    const int64_t high = twm->at({target, p}).high;
    if (high != cps[p].position.next_target.value()) {
      op.status.detail =
          "target partition " + target + "/" + std::to_string(p) + " ends at " +
          std::to_string(high) + " but strait wrote up to " +
          std::to_string(cps[p].position.next_target.value()) +
          ": someone else wrote to it (producers moved before CUT_OVER?); roll back, "
          "see runbooks/incident-foreign-write.md";
      op.status.stuck = stuck_reason::foreign_records;
      return;
    }
  }
  for (int p = 0; p < n; ++p) {
    if (auto s = ports_.reverse->seed(topic, p, cps[p].position); !s) {
      op.status.detail = "cannot seed reverse mirroring: " + s.error().message;
      return;
    }
  }
  // Producers may write to the target once it is CUT_OVER: their WRITE
  // bindings first.
  if (ports_.grants != nullptr && !grant_writes(topic, op)) return;
  {
    std::lock_guard lock(mu_);
    if (!is_current(topic_ops_, topic, op)) return;
    if (auto s = apply(topic, topic_event::drained, {}); !s) {
      op.status.detail = s.error().message;
      op.status.stuck = stuck_reason::state_not_stored;
      return;
    }
  }
  // Reverse mirroring starts for it at the end of this round (reconcile_reverse_mirroring).
  spdlog::info("link {}: topic {} cut over: the target is primary, reverse mirroring starts",
               cfg_.name, topic);
  op.status.detail.clear();
  op.status.phase = op_phase::done;
}

void link_workflow::step_topic_rollback(const std::string& topic, topic_op& op) {
  // First the target's WRITE bindings the cutover granted: while the
  // target drains, a producer left behind is refused instead of writing
  // after the quiet window.
  const int n = partitions_of(topic);
  if (!op.grants_released) {
    if (!release_grants(topic, op)) return;
    // The source fence goes at the end (producers back on the source while
    // reverse mirroring still copies there would write under it), unless
    // nothing was copied back (the producers never moved: they may write
    // to the source at once) or it stops strait itself. Which one is told
    // only once the partitions run (right after a start they are unknown,
    // which is not "nothing copied back"); with no fence recorded there is
    // nothing to decide.
    if (ports_.fence != nullptr) {
      auto fenced = load_grants(store_, cfg_.name, topic, acl_change::source_fence);
      if (!fenced) {
        op.status.detail = "cannot read the topic's ACL records: " + fenced.error().message;
        return;
      }
      if (!fenced->empty() && !lift_fence_early(topic, n, op)) return;
    }
    op.grants_released = true;
  }
  if (!resumed(topic, op)) return;  // asked in an earlier round (below)
  if (!partitions_running(topic, n, op)) return;
  const std::string target = cfg_.topics.target_name(topic);
  std::vector<kafka::topic_partition> tp;
  for (int p = 0; p < n; ++p) tp.emplace_back(target, p);
  const auto now = ports_.now();
  const std::string rev_link = config::reverse_link_name(cfg_.name);
  bool copying;
  {
    std::lock_guard lock(mu_);
    copying = reverse_topics().contains(topic);
  }
  if (copying && !op.copied_back) {
    // Everything producers wrote to the target must be back on the source
    // before forward mirroring resumes.
    op.status.phase = op_phase::waiting_for_quiet;
    if (!ends_unchanged(*target_admin_, target, n, "target", now, op.last_high, op.quiet_since,
                        op.status.detail)) {
      return;
    }
    const auto snap = ports_.reverse->snapshot();
    for (int p = 0; p < n; ++p) {
      auto it = std::find_if(snap.begin(), snap.end(), [&](const auto& s) {
        return s.key.topic == target && s.key.partition.value() == p;
      });
      if (it == snap.end()) {
        op.status.detail = "waiting for reverse mirroring to run partition " + std::to_string(p) +
                           reverse_failure();
        return;
      }
      if (it->stopped) {
        op.status.detail = "reverse mirroring of partition " + std::to_string(p) + " is stopped (" +
                           store::to_string(it->stop_reason) + "): " + it->stop_detail;
        return;
      }
      if (it->position.next_source.value() < op.last_high[p] || !it->idle) {
        op.status.phase = op_phase::copying_back;
        op.status.detail = "copying the target's last records back: partition " +
                           std::to_string(p) + " at " +
                           std::to_string(it->position.next_source.value()) + " of " +
                           std::to_string(op.last_high[p]);
        return;
      }
    }
    if (now - op.quiet_since < op.status.options.quiet_window) {
      op.status.phase = op_phase::waiting_for_quiet;
      op.status.detail = "the target is quiet for " + seconds(now - op.quiet_since) + " of " +
                         seconds(op.status.options.quiet_window) + "; everything is copied back";
      return;
    }
    // Reverse mirroring of the topic ends (drained and checkpointed) at the
    // end of this round, in a task; it must have stored exactly the
    // target's end, or records reached the target meanwhile: then it runs
    // again and the wait restarts (below).
    op.copied_back = true;
  }
  op.status.phase = op_phase::resuming;
  // Whatever `copying` said this round: forward mirroring of a partition
  // never resumes while reverse mirroring may still copy it.
  if (!reverse_stopped_for(topic)) {
    op.status.detail =
        "stopping reverse mirroring of the topic (its partitions drain and checkpoint)" +
        reverse_failure();
    return;
  }
  auto twm = target_admin_->list_watermarks(tp);
  if (!twm || twm->size() != tp.size()) {
    op.status.detail = "cannot read the target's end offsets; retrying";
    return;
  }
  // A partition a cutover stopped for its hand-over whose checkpoint does
  // not say so yet is not running: wait for the checkpoint, then resume it
  // with the others (taken for running, it stayed stopped for good).
  for (const auto& s : ports_.forward->snapshot()) {
    if (s.key.topic != topic || !s.stopped || s.stop_reason != store::stop_reason::handed_over) {
      continue;
    }
    auto cp = store_.load(s.key);
    if (!cp || !*cp || (*cp)->stopped != store::stop_reason::handed_over) {
      op.status.detail = "waiting for the hand-over checkpoint of partition " +
                         std::to_string(s.key.partition.value()) + " to resume it";
      return;
    }
  }
  // Where forward mirroring resumes: after the last record reverse mirroring
  // copied back, or where it stopped when nothing was copied back.
  std::vector<std::optional<offsets::mirror_position>> resume(n);
  for (int p = 0; p < n; ++p) {
    auto cp = store_.load({cfg_.name, topic, partition_id(p)});
    if (!cp || !*cp) {
      op.status.detail = "cannot read the checkpoint of partition " + std::to_string(p);
      return;
    }
    if ((*cp)->stopped != store::stop_reason::handed_over) continue;  // runs already
    offsets::mirror_position pos = (*cp)->position;
    auto rev = store_.load({rev_link, target, partition_id(p)});
    if (rev && *rev && (*rev)->position.next_source.value() >= pos.next_target.value()) {
      pos = {source_offset((*rev)->position.next_target.value()),
             target_offset((*rev)->position.next_source.value())};
    }
    const int64_t high = twm->at({target, p}).high;
    if (high != pos.next_target.value()) {
      op.last_high.clear();
      op.copied_back = false;
      op.status.detail = "target partition " + target + "/" + std::to_string(p) + " ends at " +
                         std::to_string(high) + ", reverse mirroring copied up to " +
                         std::to_string(pos.next_target.value()) +
                         (copying ? ": records arrived meanwhile; copying them back too"
                                  : ": records were written to it that are not on the source "
                                    "(producers moved before CUT_OVER?); stop the writer");
      if (!copying) op.status.stuck = stuck_reason::foreign_records;
      return;
    }
    resume[p] = pos;
  }
  for (int p = 0; p < n; ++p) {
    if (!resume[p]) continue;
    if (auto s = resume_forward(topic, p, *resume[p], op); !s) {
      op.status.detail = s.error().message;
      return;
    }
  }
  if (!resumed(topic, op)) return;  // the engine answers from its own loop
  // Producers go back to the source once it is MIRRORING: the fence goes
  // first.
  if (!lift_fence(topic, op)) return;
  {
    std::lock_guard lock(mu_);
    if (!is_current(topic_ops_, topic, op)) return;
    if (auto s = apply(topic, topic_event::resumed, {}); !s) {
      op.status.detail = s.error().message;
      op.status.stuck = stuck_reason::state_not_stored;
      return;
    }
  }
  spdlog::info(
      "link {}: topic {} rolled back: the source is primary, mirroring to the target "
      "resumed",
      cfg_.name, topic);
  op.status.detail.clear();
  op.status.phase = op_phase::done;
}

status link_workflow::resume_forward(const std::string& topic, int32_t partition,
                                     const offsets::mirror_position& pos, topic_op& op) {
  if (op.resumptions.asked.empty()) {  // none pending: the clock starts
    op.resumptions.since = ports_.now();
    op.resumptions.late_logged = false;
  }
  return ask_to_resume(topic, partition, pos, op);
}

status link_workflow::ask_to_resume(const std::string& topic, int32_t partition,
                                    const offsets::mirror_position& pos, topic_op& op) {
  const partition_key key{cfg_.name, topic, partition_id(partition)};
  store::partition_checkpoint cp;
  cp.position = pos;
  auto tail_run = store_.last_run(key);
  if (!tail_run) return std::unexpected(tail_run.error());
  mirror::partition_start start{key, cfg_.topics.target_name(topic), cp, *tail_run, {}, 0};
  op.resumptions.asked.push_back(
      {partition, pos, ports_.forward->resume_handed_over(std::move(start)).share()});
  return {};
}

bool link_workflow::resumed(const std::string& topic, topic_op& op) {
  auto& pending = op.resumptions;
  // An engine silent (or refusing) for long is said once in the log and
  // in the detail at every round; the requests go on.
  auto late = [&](const std::string& what) {
    const auto waited = ports_.now() - pending.since;
    if (waited < kEngineAnswerLate) return;
    op.status.detail += " (for " + seconds(waited) + ")";
    if (!pending.late_logged) {
      spdlog::error("link {}: topic {}: {} for {}", cfg_.name, topic, what, seconds(waited));
      pending.late_logged = true;
    }
  };
  std::string waiting;
  for (const auto& r : pending.asked) {
    if (r.answer.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      waiting += (waiting.empty() ? "" : ", ") + std::to_string(r.partition);
    }
  }
  if (!waiting.empty()) {
    op.status.detail = "waiting for the mirror engine to resume partition " + waiting;
    late("the mirror engine has not answered whether it resumed partition " + waiting);
    return false;
  }
  std::string refused;
  std::vector<resumption> refusals;
  for (auto& r : pending.asked) {
    status s;
    try {
      s = r.answer.get();
    } catch (const std::future_error&) {  // its request was dropped
      s = fail(errc::busy, "the mirror engine stopped before it answered");
    }
    if (!s) {
      refused += (refused.empty() ? "cannot resume partition " : "; partition ") +
                 std::to_string(r.partition) + ": " + s.error().message;
      refusals.push_back(std::move(r));
    }
  }
  pending.asked.clear();
  // Refused (records still in flight, a store write that failed, a request
  // dropped): a partition still stopped for its hand-over (or not listed)
  // is asked again at once, as it was; one the engine runs needs nothing
  // more (the move works out the rest from the store); one stopped for an
  // incident meanwhile waits for the operator.
  const auto snapshot = ports_.forward->snapshot();
  std::vector<resumption> again;
  for (auto& r : refusals) {
    const auto s = std::find_if(snapshot.begin(), snapshot.end(), [&](const auto& p) {
      return p.key.topic == topic && p.key.partition.value() == r.partition;
    });
    if (s != snapshot.end() && !s->stopped) continue;
    if (s != snapshot.end() && s->stop_reason != store::stop_reason::handed_over) {
      op.status.detail = "partition " + std::to_string(r.partition) + " is stopped (" +
                         store::to_string(s->stop_reason) + "): " + s->stop_detail +
                         "; resolve it, then ask for the " + to_string(op.status.options.kind) +
                         " again";
      op.status.stuck = stuck_reason::partition_stopped;
      return false;
    }
    again.push_back(std::move(r));
  }
  if (again.empty()) return true;
  // Asked again, the clock runs on from the first request.
  op.status.detail = refused + " (asked again)";
  for (const auto& r : again) {
    if (auto s = ask_to_resume(topic, r.partition, r.at, op); !s) {
      op.status.detail += "; " + s.error().message;
    }
  }
  late(refused);
  return false;
}

void link_workflow::step_group_cutover(const std::string& group, group_op& op) {
  group_state state;
  {
    std::lock_guard lock(mu_);
    state = table_.groups().at(group);
  }
  // The facts of the guards force never overrides, gathered every round
  // (also in CUTTING_OVER: a consumer that joined the source group since
  // would commit past the offsets written to the target).
  migration::group_guards facts{true, true, true, op.status.options.force};
  std::vector<std::string> waiting;  // why, for each fact that fails
  auto members = members_of(*source_admin_, group, "source");
  if (!members) {
    op.status.detail = members.error().message;
    return;
  }
  if (*members) {
    facts.source_group_empty = false;
    waiting.push_back(std::string("waiting for the source group to have no members (it is ") +
                      kafka::to_string(**members) + "): stop its consumers on the source");
  }
  auto committed = source_admin_->group_offsets(group);
  if (!committed) {
    op.status.detail = "cannot read the source group's offsets: " + committed.error().message;
    return;
  }
  std::vector<kafka::committed_offset> final_offsets;
  std::vector<std::pair<partition_key, offsets::group_offset>> written;
  std::vector<std::string> behind;  // topics not cut over
  for (const auto& c : *committed) {
    topic_state ts;
    {
      std::lock_guard lock(mu_);
      auto t = table_.topics().find(c.topic);
      if (t == table_.topics().end()) continue;  // a topic this link does not mirror
      ts = t->second;
    }
    if (!is_cut_over(ts)) behind.push_back(c.topic + " is " + to_string(ts));
    auto m = merged_map(c.topic, c.partition);
    if (!m) {
      op.status.detail = "cannot translate " + c.topic + "/" + std::to_string(c.partition) + ": " +
                         m.error().message;
      return;
    }
    if (c.offset > m->position().next_source.value()) {
      if (facts.none_ahead_of_mirroring) {
        waiting.push_back("waiting: the group committed " + std::to_string(c.offset) + " on " +
                          c.topic + "/" + std::to_string(c.partition) + ", mirrored up to " +
                          std::to_string(m->position().next_source.value()));
      }
      facts.none_ahead_of_mirroring = false;
      continue;
    }
    const target_offset t = m->to_target(source_offset(c.offset));
    final_offsets.push_back({cfg_.topics.target_name(c.topic), c.partition, t.value(), c.metadata});
    written.emplace_back(partition_key{cfg_.name, c.topic, partition_id(c.partition)},
                         offsets::group_offset{source_offset(c.offset), t, wall_clock_ms()});
  }
  // topics_cut_over guards the transition to CUTTING_OVER only: a topic
  // rolled back after it does not strand the group there (forward
  // mirroring feeds the target again), as forcing it past the guard would.
  facts.topics_cut_over = behind.empty() || state != group_state::syncing;
  if (!facts.topics_cut_over && !facts.force) waiting.push_back("waiting: " + join(behind));
  // The state machine decides, here as at the call; a fact that fails
  // clears by waiting (docs/state-machine.md), so the operation waits.
  if (auto allowed =
          migration::transition(group_state::syncing, group_event::cutover_started, facts);
      !allowed) {
    op.status.phase = !facts.source_group_empty        ? op_phase::waiting_for_members
                      : !facts.none_ahead_of_mirroring ? op_phase::waiting_for_mirroring
                                                       : op_phase::starting;
    op.status.detail = join(waiting);
    return;
  }
  // A request made meanwhile (a rollback cancelling this cutover) wins.
  if (state == group_state::syncing) {
    std::lock_guard lock(mu_);
    if (!is_current(group_ops_, group, op)) return;
    if (auto s = apply(group, group_event::cutover_started, facts, &op.status.options); !s) {
      op.status.detail = s.error().message;
      return;
    }
  }
  // Nothing committed on the link's topics: nothing to write, nothing to check.
  op.status.phase = op_phase::writing_offsets;
  if (auto problem = commit_and_read_back(*target_admin_, group, final_offsets, "target");
      !problem.empty()) {
    op.status.detail = problem;
    return;
  }
  store::checkpoint_store::write_batch b;
  for (const auto& [key, offset] : written) groupsync::put_group_offset(b, group, key, offset);
  if (auto s = store_.commit(b); !s) {
    op.status.detail = "cannot store the written offsets: " + s.error().message;
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (!is_current(group_ops_, group, op)) return;
    if (auto s = apply(group, group_event::offsets_verified, {}); !s) {
      op.status.detail = s.error().message;
      return;
    }
  }
  spdlog::info("link {}: group {} cut over: {} offsets written to the target and read back",
               cfg_.name, group, final_offsets.size());
  op.status.detail.clear();
  op.status.phase = op_phase::done;
}

void link_workflow::step_group_rollback(const std::string& group, group_op& op) {
  auto members = members_of(*target_admin_, group, "target");
  if (!members) {
    op.status.detail = members.error().message;
    return;
  }
  if (*members) {
    op.status.phase = op_phase::waiting_for_members;
    op.status.detail = std::string("waiting for the target group to have no members (it is ") +
                       kafka::to_string(**members) + "): stop its consumers on the target";
    return;
  }
  auto committed = target_admin_->group_offsets(group);
  if (!committed) {
    op.status.detail = "cannot read the target group's offsets: " + committed.error().message;
    return;
  }
  std::vector<kafka::committed_offset> back_offsets;
  for (const auto& c : *committed) {
    const auto source = cfg_.topics.source_name(c.topic);
    if (!source) continue;
    const std::string& topic = *source;
    bool finalized;
    {
      std::lock_guard lock(mu_);
      auto t = table_.topics().find(topic);
      if (t == table_.topics().end()) continue;
      finalized = t->second == topic_state::finalized;
    }
    auto m = merged_map(topic, c.partition);
    if (!m) {
      op.status.detail = "cannot translate " + c.topic + "/" + std::to_string(c.partition) + ": " +
                         m.error().message;
      return;
    }
    // Records the group read on the target that reverse mirroring has not
    // copied back yet have no source offset: translated now, the group would
    // get the end of what was copied and read them again on the source.
    // Wait for them, as the cutover waits for forward mirroring; of a
    // FINALIZED topic (reverse mirroring stopped) they never come.
    if (c.offset > m->position().next_target.value() && finalized) {
      op.status.stuck = stuck_reason::topic_finalized;
      op.status.detail = "the group committed " + std::to_string(c.offset) + " on " + c.topic +
                         "/" + std::to_string(c.partition) + ", but topic " + topic +
                         " is FINALIZED and its records were copied back only up to " +
                         std::to_string(m->position().next_target.value()) +
                         ": the group cannot be rolled back; start its consumers on the target";
      return;
    }
    if (c.offset > m->position().next_target.value()) {
      op.status.phase = op_phase::waiting_for_mirroring;
      op.status.detail = "waiting: the group committed " + std::to_string(c.offset) + " on " +
                         c.topic + "/" + std::to_string(c.partition) + ", copied back up to " +
                         std::to_string(m->position().next_target.value());
      return;
    }
    back_offsets.push_back(
        {topic, c.partition, m->to_source(target_offset(c.offset)).value(), c.metadata});
  }
  op.status.phase = op_phase::writing_offsets;
  if (auto problem = commit_and_read_back(*source_admin_, group, back_offsets, "source");
      !problem.empty()) {
    op.status.detail = problem;
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (!is_current(group_ops_, group, op)) return;
    if (table_.groups().at(group) == group_state::cut_over) {
      if (auto s = apply(group, group_event::rollback_started, {}); !s) {
        op.status.detail = s.error().message;
        return;
      }
    }
    if (auto s = apply(group, group_event::resumed, {}); !s) {
      op.status.detail = s.error().message;
      return;
    }
  }
  spdlog::info(
      "link {}: group {} rolled back: {} offsets translated back to the source and read "
      "back; offset sync resumes",
      cfg_.name, group, back_offsets.size());
  op.status.detail.clear();
  op.status.phase = op_phase::done;
}

}  // namespace strait::workflow
