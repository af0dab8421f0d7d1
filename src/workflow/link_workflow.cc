#include "strait/workflow/link_workflow.h"

#include <spdlog/spdlog.h>

#include "strait/base/clock.h"
#include "strait/base/thread_name.h"
#include "strait/migration/observe.h"
#include "strait/verify/report_records.h"

namespace strait::workflow {

link_workflow::link_workflow(const config::link_config& cfg, store::checkpoint_store& store,
                             ports p)
    : cfg_(cfg), store_(store), ports_(std::move(p)), table_(cfg.name, store) {
  if (ports_.metrics != nullptr) {
    ports_.metrics->describe("strait_acl_drift_bindings", metrics::registry::kind::gauge,
                             "ACL drift of the link's cutovers: bindings strait made that are "
                             "missing, writers the source fence does not stop");
    ports_.metrics->describe("strait_acl_drift_not_compared", metrics::registry::kind::gauge,
                             "topics whose ACL bindings strait made could not be compared with "
                             "the cluster at the last check");
    ports_.metrics->describe("strait_migration_topics", metrics::registry::kind::gauge,
                             "The link's topics in each migration state");
    ports_.metrics->describe("strait_migration_groups", metrics::registry::kind::gauge,
                             "The link's consumer groups in each migration state");
    ports_.metrics->describe("strait_operations_running", metrics::registry::kind::gauge,
                             "Cutover and rollback operations under way, by object (topic, "
                             "group) and kind");
    ports_.metrics->describe("strait_operations_waiting_for_operator",
                             metrics::registry::kind::gauge,
                             "Operations under way that wait for the operator (straitctl status "
                             "says why)");
    ports_.metrics->describe("strait_verification_running", metrics::registry::kind::gauge,
                             "1 while a verification of the link runs");
    ports_.metrics->describe("strait_verifications_total", metrics::registry::kind::counter,
                             "Verifications the operator started that ended since the link "
                             "started, by outcome (PASSED, FAILED, INTERRUPTED)");
  }
}

link_workflow::~link_workflow() { stop(); }

void link_workflow::request_stop() {
  cancel_verify_ = true;
  {
    std::lock_guard lock(mu_);
    for (const auto& t : tails_) t->cancel = true;
  }
  thread_.request_stop();
}

void link_workflow::begin_stop(std::chrono::milliseconds drain) {
  request_stop();
  thread_.stop();
  if (verify_thread_.joinable()) verify_thread_.join();
  flush_move_records();  // those a request ended since the last round
  // Not waiting for the tasks: a restart of reverse mirroring under way
  // may drain its old engine for up to 30 s, and the link's forward engine
  // and straitd's other links must start their drains meanwhile. It starts
  // no new engine from now on.
  ports_.reverse->request_stop(drain);
}

void link_workflow::stop() {
  begin_stop(std::chrono::seconds(30));
  // A tail verification ends at once (cancelled); a restart of reverse
  // mirroring once its old engine drained.
  ports_.tasks->stop();
  ports_.reverse->stop();
  // Its series go with the link's (link_runtime).
}

namespace {

// What a stuck operation resumed after a restart says: the detail it had
// named the partition or report; the store kept only the reason.
std::string waiting_since_restart(stuck_reason r) {
  std::string why;
  switch (r) {
    case stuck_reason::none:
      return "";
    case stuck_reason::partition_stopped:
      why =
          "a partition of the topic is stopped (straitctl status shows which and why); roll "
          "back, resolve it, then cut over again";
      break;
    case stuck_reason::tail_verification_failed:
      why =
          "its tail verification FAILED (straitctl reports lists it); roll back, or fix what "
          "differs and cut over again";
      break;
    case stuck_reason::foreign_records:
      why =
          "a partition holds records strait did not write (producers moved too early?); roll "
          "back or stop the writer (runbooks/incident-foreign-write.md), then ask again";
      break;
    case stuck_reason::state_not_stored:
      why = "a migration state could not be stored; ask for the move again";
      break;
    case stuck_reason::topic_finalized:
      why =
          "a topic the group read on the target is FINALIZED and was not copied back as far "
          "as the group read: the group cannot be rolled back; start its consumers on the "
          "target, or finalize the group";
      break;
    case stuck_reason::fence_refused:
      why =
          "the source fence cannot stop every writer of the topic, or would stop strait (the "
          "detail says which, docs/cutover.md#the-source-fence); fix the source's ACLs or "
          "fence.source_principal and cut over again, cut over with --force to fence the "
          "writers it can name (not when it would stop strait), or roll back";
      break;
  }
  return "waited for the operator when straitd stopped (" + std::string(to_string(r)) + "): " + why;
}

}  // namespace

status link_workflow::start(bool own_thread) {
  auto running = table_.load();
  if (!running) return std::unexpected(running.error());
  // Ids stay unique across restarts, whatever the wall clock did meanwhile.
  last_operation_id_ = std::max(last_operation_id_, table_.highest_operation_id());
  // The options of the operations to resume: a record without any (written
  // by a straitd before they were stored) resumes with the defaults.
  std::map<std::pair<migration::object_kind, std::string>, state_table::stored_operation>
      stored_options;
  for (const auto& r : *running) stored_options[{r.kind, r.name}] = r;
  // A verification cut short by a stop or a crash: say so, never leave it
  // RUNNING (nothing resumes it; the operator runs it again).
  auto cut_short = verify::load_running_reports(store_, cfg_.name);
  if (!cut_short) return std::unexpected(cut_short.error());
  for (auto& r : *cut_short) {
    r.outcome = verify::verdict::interrupted;
    r.error = "straitd stopped before the verification ended; run it again";
    store_report(r);
  }
  // Operations cut short by a stop or crash resume from the stored states,
  // with the stored options; reverse mirroring restarts for CUT_OVER topics
  // in the first round.
  auto options_of = [&](migration::object_kind kind, const std::string& name,
                        op_kind resumed) -> result<operation_options> {
    auto it = stored_options.find({kind, name});
    if (it == stored_options.end()) return operation_options{.kind = resumed};
    if (it->second.options.kind != resumed) {
      return fail(errc::corruption, "link " + cfg_.name + ": '" + name +
                                        "' has a stored operation of another kind than its state");
    }
    return it->second.options;
  };
  // Resumes an operation under its stored id; one stored without an id (by
  // a straitd before ids) gets one, stored now so that it stays the same.
  // One that waited for the operator still does: a restart is not an answer.
  auto resume = [&](migration::object_kind kind, const std::string& name, const char* state,
                    const operation_options& o) -> status {
    auto stored = stored_options.find({kind, name});
    const stuck_reason stuck =
        stored != stored_options.end() ? stored->second.stuck : stuck_reason::none;
    const std::string detail =
        stuck == stuck_reason::none ? "resuming" : waiting_since_restart(stuck);
    operation_status* st = nullptr;
    if (kind == migration::object_kind::topic) {
      topic_op& op = topic_ops_[name] = new_op<topic_op>(false, name, o, detail);
      op.stuck_stored = true;
      st = &op.status;
    } else {
      group_op& op = group_ops_[name] = new_op<group_op>(true, name, o, detail);
      op.stuck_stored = true;
      st = &op.status;
    }
    st->stuck = stuck;
    st->resumed = true;
    spdlog::info(
        "link {}: {} {} is {}: resuming its operation {} ({}, quiet window {} ms{}){}", cfg_.name,
        kind == migration::object_kind::topic ? "topic" : "group", name, state, st->id,
        to_string(o.kind), o.quiet_window.count(), o.force ? ", forced" : "",
        stuck == stuck_reason::none ? "" : std::string("; it waits for the operator: ") + detail);
    if (o.id != 0) return {};
    return table_.store_operation(kind, name, &st->options, stuck);
  };
  for (const auto& [topic, state] : table_.topics()) {
    if (state != migration::topic_state::draining && state != migration::topic_state::rolled_back) {
      continue;
    }
    auto o = options_of(
        migration::object_kind::topic, topic,
        state == migration::topic_state::draining ? op_kind::cutover : op_kind::rollback);
    if (!o) return std::unexpected(o.error());
    if (auto s = resume(migration::object_kind::topic, topic, to_string(state), *o); !s) return s;
  }
  for (const auto& [group, state] : table_.groups()) {
    using migration::group_state;
    // CUTTING_OVER always has a cutover running; a SYNCING group has one
    // (waiting for its members) and a CUT_OVER group a rollback only when
    // one is stored: the call stores it before the group's transition.
    const bool stored = stored_options.contains({migration::object_kind::group, group});
    std::optional<op_kind> running;
    if (state == group_state::cutting_over || (state == group_state::syncing && stored)) {
      running = op_kind::cutover;
    } else if (state == group_state::cut_over && stored) {
      running = op_kind::rollback;
    }
    if (running) {
      auto o = options_of(migration::object_kind::group, group, *running);
      if (!o) return std::unexpected(o.error());
      if (auto s = resume(migration::object_kind::group, group, to_string(state), *o); !s) return s;
    } else if (state == group_state::rolled_back) {
      // Stopped between its rollback's two transitions: its source offsets
      // were written and read back before the first.
      if (auto s = apply(group, migration::group_event::resumed, {}); !s) {
        return std::unexpected(s.error());
      }
    }
  }
  hold_groups();
  refresh_acl_records();
  if (own_thread) {
    thread_.start("wf:" + cfg_.name, [this] {
      run_round();
      return next_round_in();
    });
  }
  return {};
}

result<verify::report> link_workflow::start_verify(const verify::selection& o) {
  std::lock_guard lock(mu_);
  if (verifying_) {
    return fail(errc::precondition, "verification " + std::to_string(verifying_->id) + " of link " +
                                        cfg_.name + " is running; wait for it (straitctl report " +
                                        cfg_.name + " " + std::to_string(verifying_->id) + ")");
  }
  verify::request req;
  req.sample_records = o.sample_records;
  for (const auto& [topic, partitions] : ports_.forward->selected_topics()) {
    if (o.topic_selected(topic)) req.topics.push_back(topic);
  }
  if (ports_.groups) {
    for (const auto& g : ports_.groups->groups()) {
      if (g.on_source && o.group_selected(g.group)) req.groups.push_back(g.group);
    }
  }
  // The registries come with what was selected, never alone: a filter that
  // matches nothing is the operator's mistake, said as before.
  req.schemas = o.schemas && cfg_.schemas.enabled;
  if (req.topics.empty() && req.groups.empty()) {
    return fail(errc::not_found, "link " + cfg_.name +
                                     ": no mirrored topic or synced group matches; "
                                     "straitctl status " +
                                     cfg_.name + " lists them");
  }
  verify::report r;
  r.link = cfg_.name;
  r.started_at_ms = wall_clock_ms();
  r.sample_records = o.sample_records;
  r.requested_by = o.requested_by;
  for (const auto& t : req.topics) r.topics.push_back({t, cfg_.topics.target_name(t)});
  for (const auto& g : req.groups) r.groups.push_back({g});
  r.schemas.compared = req.schemas;
  if (o.dry_run) return r;  // id 0: nothing stored
  auto id = begin_report(r);
  if (!id) return std::unexpected(id.error());
  if (verify_thread_.joinable()) verify_thread_.join();  // the previous one, finished
  verifying_ = r;
  verify_thread_ = std::thread([this, req = std::move(req), r]() mutable {
    set_thread_name("vfy:" + cfg_.name);
    run_verify(std::move(req), std::move(r));
  });
  return *verifying_;
}

void link_workflow::run_verify(verify::request req, verify::report r) {
  r.topics.clear();
  r.groups.clear();
  r.schemas = {};  // compared once verify_schemas ran: a report cut short claims no comparison
  auto last_stored = std::chrono::steady_clock::now();
  run_report(
      req, r,
      [&](const verify::report& now) {
        {
          std::lock_guard lock(mu_);
          verifying_ = now;
        }
        if (std::chrono::steady_clock::now() - last_stored > std::chrono::seconds(1)) {
          store_report(now);
          last_stored = std::chrono::steady_clock::now();
        }
      },
      cancel_verify_);
  if (ports_.metrics != nullptr) {
    ports_.metrics->add("strait_verifications_total",
                        {{"link", cfg_.name}, {"outcome", verify::to_string(r.outcome)}}, 1);
  }
  if (r.outcome == verify::verdict::interrupted) {
    spdlog::warn("link {}: verification {} interrupted: {}", cfg_.name, r.id, r.error);
  } else {
    spdlog::info("link {}: verification {} {}: {} topics, {} groups, {} records compared",
                 cfg_.name, r.id, verify::to_string(r.outcome), r.topics.size(), r.groups.size(),
                 r.records_done);
    conclude_verify(r);
  }
  std::lock_guard lock(mu_);
  verifying_.reset();
}

void link_workflow::run_report(const verify::request& req, verify::report& r,
                               const std::function<void(const verify::report&)>& progress,
                               const std::atomic<bool>& cancel) {
  ports_.verify(req, r, progress, cancel);
  if (!r.error.empty()) {
    r.outcome = verify::verdict::interrupted;
    r.finished_at_ms = wall_clock_ms();
  } else {
    r.conclude(wall_clock_ms());
  }
  store_report(r);
}

void link_workflow::conclude_verify(const verify::report& r) {
  std::map<std::string, bool> passed;
  for (const auto& t : r.topics) passed[t.topic] = t.passed();
  std::lock_guard lock(mu_);
  if (auto s = table_.verified(r.id, passed); !s) {
    spdlog::error("link {}: cannot store migration states: {}", cfg_.name, s.error().message);
  }
}

result<uint64_t> link_workflow::begin_report(verify::report& r) {
  auto last = verify::last_report_id(store_, cfg_.name);
  if (!last) return std::unexpected(last.error());
  r.id = *last + 1;
  store_report(r);
  return r.id;
}

void link_workflow::store_report(const verify::report& r) {
  store::checkpoint_store::write_batch b;
  verify::put_report(b, cfg_.name, r);
  if (auto s = store_.commit(b); !s) {
    spdlog::error("link {}: cannot store verification {}: {}", cfg_.name, r.id, s.error().message);
  }
}

result<verify::report> link_workflow::verify_report(uint64_t id) const {
  {
    std::lock_guard lock(mu_);
    if (verifying_ && (id == 0 || id == verifying_->id)) return *verifying_;
  }
  std::optional<verify::report> stored;
  if (id == 0) {
    auto last = verify::load_reports(store_, cfg_.name, 1);
    if (!last) return std::unexpected(last.error());
    if (!last->empty()) stored = std::move(last->back());
  } else {
    auto one = verify::load_report(store_, cfg_.name, id);
    if (!one) return std::unexpected(one.error());
    stored = std::move(*one);
  }
  if (!stored) {
    return fail(errc::not_found,
                id == 0 ? "link " + cfg_.name + " has no verification yet; straitctl verify " +
                              cfg_.name + " runs one"
                        : "link " + cfg_.name + " has no verification " + std::to_string(id) +
                              "; straitctl reports " + cfg_.name + " lists them");
  }
  return std::move(*stored);
}

result<std::vector<verify::report>> link_workflow::verify_reports(size_t limit) const {
  auto out = verify::load_reports(store_, cfg_.name, limit);
  if (!out) return std::unexpected(out.error());
  // The running one is newer in memory than in the store.
  std::lock_guard lock(mu_);
  for (auto& r : *out) {
    if (verifying_ && r.id == verifying_->id) r = *verifying_;
  }
  return out;
}

std::map<std::string, migration::topic_state> link_workflow::topics() const {
  std::lock_guard lock(mu_);
  return table_.topics();
}

std::map<std::string, migration::group_state> link_workflow::groups() const {
  std::lock_guard lock(mu_);
  return table_.groups();
}

void link_workflow::run_round() {
  observe();
  advance_operations();
  flush_move_records();
  publish_metrics();
}

void link_workflow::publish_metrics() {
  if (ports_.metrics == nullptr) return;
  migration_counts now;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, s] : table_.topics()) ++now.topics[s];
    for (const auto& [name, s] : table_.groups()) ++now.groups[s];
    auto count = [&](const migration::operation_status& st) {
      ++now.running[{st.on_group, st.options.kind}];
      if (st.stuck != migration::stuck_reason::none) ++now.waiting;
    };
    for (const auto& [name, op] : topic_ops_) count(op.status);
    for (const auto& [name, op] : group_ops_) count(op.status);
    now.verifying = verifying_.has_value();
  }
  // Rounds come every 50 ms during a hand-over: the registry is written only
  // when something changed (the series live until the link stops).
  if (published_ && *published_ == now) return;
  auto& m = *ports_.metrics;
  const std::string& link = cfg_.name;
  // Every state and kind, zeros included: a dashboard's series do not come
  // and go with the states.
  for (auto s : migration::kAllTopicStates) {
    m.set("strait_migration_topics", {{"link", link}, {"state", migration::to_string(s)}},
          now.topics[s]);
  }
  for (auto s : migration::kAllGroupStates) {
    m.set("strait_migration_groups", {{"link", link}, {"state", migration::to_string(s)}},
          now.groups[s]);
  }
  for (bool on_group : {false, true}) {
    for (auto kind : {migration::op_kind::cutover, migration::op_kind::rollback}) {
      m.set("strait_operations_running",
            {{"link", link},
             {"object", on_group ? "group" : "topic"},
             {"kind", migration::to_string(kind)}},
            now.running[{on_group, kind}]);
    }
  }
  m.set("strait_operations_waiting_for_operator", {{"link", link}}, now.waiting);
  m.set("strait_verification_running", {{"link", link}}, now.verifying ? 1 : 0);
  if (!published_) {
    // Each outcome's counter from 0, so that increase() sees the first one.
    for (auto v :
         {verify::verdict::passed, verify::verdict::failed, verify::verdict::interrupted}) {
      m.add("strait_verifications_total", {{"link", link}, {"outcome", verify::to_string(v)}}, 0);
    }
  }
  published_ = std::move(now);
}

std::chrono::milliseconds link_workflow::next_round_in() const {
  std::lock_guard lock(mu_);
  for (const auto& [topic, op] : topic_ops_) {
    const bool engine_answering_soon =
        op.awaiting_checkpoints || (!op.resumptions.asked.empty() &&
                                    ports_.now() - op.resumptions.since < std::chrono::seconds(1));
    if (engine_answering_soon && op.status.stuck == stuck_reason::none) {
      return std::chrono::milliseconds(50);
    }
  }
  return topic_ops_.empty() && group_ops_.empty() ? std::chrono::milliseconds(1000)
                                                  : std::chrono::milliseconds(250);
}

void link_workflow::observe() {
  // A topic is mirroring when the engine runs every partition the source
  // has: lag summed over some of them would call a half-started topic in
  // sync. Topics no longer selected (e.g. deleted on the source) keep their
  // state as it was.
  const std::map<std::string, int> selected = ports_.forward->selected_topics();
  std::map<std::string, migration::topic_observation> seen;
  std::map<std::string, int> running;
  for (const auto& p : ports_.forward->snapshot()) {
    if (!selected.contains(p.key.topic)) continue;
    auto& o = seen[p.key.topic];
    ++running[p.key.topic];
    o.lag_records += p.lag_records;
    o.any_stopped = o.any_stopped || p.stopped;
  }
  for (const auto& [topic, partitions] : selected) {
    seen[topic].mirroring = running[topic] >= partitions;
  }
  std::map<std::string, migration::group_observation> seen_groups;
  if (ports_.groups) {
    for (const auto& g : ports_.groups->groups()) {
      seen_groups[g.group].synced = g.partitions_synced > 0;
    }
  }

  std::lock_guard lock(mu_);
  if (auto s = table_.observe(seen, cfg_.migration.in_sync_max_lag_records, seen_groups); !s) {
    spdlog::error("link {}: cannot store migration states: {}", cfg_.name, s.error().message);
  }
}

}  // namespace strait::workflow
