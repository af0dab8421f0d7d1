// Shared by the API component tests.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "strait/api/status.h"
#include "strait/plan/metadata_planner.h"
#include "strait/scan/report.h"
#include "strait/scorecard/scorecard.h"

namespace strait::api {

// A tokens file as an operator would write it: readable by straitd only.
inline void write_tokens(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
  std::filesystem::permissions(
      p, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// The audit journal in memory, for servers under test.
class memory_audit : public audit_log {
 public:
  std::atomic<bool> broken{false};  // every record() fails

  status record(const audit_record& r) override {
    std::lock_guard lock(mu_);
    if (broken) return fail(errc::io, "disk full (test)");
    entries_.push_back(r);
    entries_.back().seq = entries_.size();
    return {};
  }
  result<std::vector<audit_record>> list(uint64_t after, size_t limit) const override {
    std::lock_guard lock(mu_);
    std::vector<audit_record> out;
    for (const auto& e : entries_) {
      if (e.seq > after && out.size() < limit) out.push_back(e);
    }
    return out;
  }
  result<std::optional<request_record>> recall(const std::string& id) const override {
    std::lock_guard lock(mu_);
    auto it = requests_.find(id);
    if (it == requests_.end()) return std::optional<request_record>();
    return std::optional<request_record>(it->second);
  }
  status remember(const std::string& id, const request_record& r) override {
    std::lock_guard lock(mu_);
    requests_[id] = r;
    return {};
  }

 private:
  mutable std::mutex mu_;
  std::vector<audit_record> entries_;
  std::map<std::string, request_record> requests_;
};

// The daemon's side of the mutating calls, in memory: link "main" with
// topics orders and payments and group billing. Each started verification
// gets the next id and finishes at once, passed.
class fake_control : public control {
 public:
  result<verify::report> start_verify(const std::string& link,
                                      const verify::selection& s) override {
    std::lock_guard lock(mu_);
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    verify::report r;
    r.link = link;
    r.sample_records = s.sample_records;
    r.requested_by = s.requested_by;
    for (const char* t : {"orders", "payments"}) {
      if (s.topic_selected(t)) r.topics.push_back({t, std::string("mig.") + t});
    }
    if (s.group_selected("billing")) r.groups.push_back({"billing"});
    if (r.topics.empty() && r.groups.empty()) {
      return fail(errc::not_found, "no mirrored topic or synced group matches");
    }
    if (s.dry_run) return r;
    r.id = reports_.size() + 1;
    r.conclude(1);
    reports_.push_back(r);
    ++started;
    return r;
  }
  result<verify::report> verify_report(const std::string& link, uint64_t id) const override {
    std::lock_guard lock(mu_);
    if (link != "main") return fail(errc::not_found, "no link");
    if (reports_.empty()) return fail(errc::not_found, "no verification yet");
    if (id == 0) return reports_.back();
    if (id > reports_.size()) return fail(errc::not_found, "no such verification");
    return reports_[id - 1];
  }
  result<std::vector<verify::report>> verify_reports(const std::string&, size_t) const override {
    std::lock_guard lock(mu_);
    return reports_;
  }
  // Scans: each started one gets the next id and is done at once, with one
  // topic whose name holds control characters (as a hostile cluster's may).
  result<scan::report> start_scan(const std::string& link, int64_t window_ms,
                                  const std::string& requested_by) override {
    std::lock_guard lock(mu_);
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    scan::report r;
    r.id = scans_.size() + 1;
    r.link = link;
    r.window_ms = window_ms;
    r.requested_by = requested_by;
    r.result = scan::outcome::done;
    scan::topic_row t;
    t.name = "orders\x1b[31m";
    t.selected = true;
    t.records = 100;
    t.sampled_records = 2;
    t.sampled_bytes = 50;
    r.topics.push_back(t);
    r.waves.push_back({1, {t.name}, {"billing"}, t.records, 0});
    scans_.push_back(r);
    return r;
  }
  // A scan as given (one that failed, one of several waves), with the next id.
  void add_scan(scan::report r) {
    std::lock_guard lock(mu_);
    r.id = scans_.size() + 1;
    scans_.push_back(std::move(r));
  }
  // Plans: one topic to create, with a config value holding control
  // characters (as a hostile broker's may), and one that fits; apply does
  // the first. With plan_fails the clusters "cannot be read".
  // With `topics_to_create` > 0, instead: topics t1..tN, those not created
  // yet to create (the others fit), of which an apply does at most
  // `actions_per_apply` (the rest NOT_REACHED, as straitd's 5 s budget leaves
  // them), or, with `actions_fail`, fails each it starts (and goes on, as
  // straitd's apply does).
  std::atomic<bool> plan_fails{false};
  std::atomic<int> plans{0};       // plans made (the clusters "read")
  std::atomic<int> scorecards{0};  // scorecards made
  std::atomic<int> topics_to_create{0};
  std::atomic<int> actions_per_apply{0};
  std::atomic<bool> actions_fail{false};
  result<plan::prepared_plan> plan_topics(const std::string& link,
                                          const std::function<bool(const std::string&)>& topics,
                                          plan_use) override {
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    ++plans;
    if (plan_fails) return fail(errc::precondition, "target: cannot be read");
    plan::prepared_plan p;
    p.plan.link = link;
    if (const int n_topics = topics_to_create; n_topics > 0) {
      std::lock_guard lock(mu_);
      for (int n = 1; n <= n_topics; ++n) {
        plan::item i;
        i.topic = i.target = "t" + std::to_string(n);
        if (topics && !topics(i.topic)) continue;
        i.what = created_.contains(i.topic) ? plan::action::nothing : plan::action::create;
        i.partitions = 1;
        p.plan.items.push_back(i);
      }
      return p;
    }
    if (topics && !topics("orders")) return p;
    plan::item fits;
    fits.topic = fits.target = "users";
    fits.what = plan::action::nothing;
    p.plan.items.push_back(fits);
    plan::item i;
    i.topic = "orders";
    i.target = "orders";
    i.what = plan::action::create;
    i.partitions = 3;
    i.configs = {{"retention.ms", "1\x1b[31m"}};
    p.plan.items.push_back(i);
    // An ACL of a hostile principal (not UTF-8, an escape sequence).
    p.plan.acls_enabled = true;
    policy::acl_item a;
    a.source = {"TOPIC", "orders", "LITERAL", "User:\xff\x1b[31mevil", "*", "READ", "ALLOW"};
    a.target = {"TOPIC", "orders", "LITERAL", "User:app2", "*", "READ", "ALLOW"};
    a.what = policy::acl_action::create;
    a.reason = "the target lacks it";
    p.plan.acls.push_back(a);
    // A group id from Kafka: not UTF-8, an escape sequence.
    p.plan.groups_enabled = true;
    p.plan.groups.push_back({.group = "billing\xff\x1b[31m",
                             .type = "classic",
                             .what = plan::group_action::sync,
                             .reason = "group sync writes it",
                             .by_link = true});
    // The fence of a hostile topic for a hostile principal.
    p.plan.fence_enabled = true;
    p.plan.fence.push_back(
        {"orders\xff\x1b[31m",
         {{{"TOPIC", "orders\xff\x1b[31m", "LITERAL", "User:\x1b]0;x\x07", "*", "WRITE", "DENY"}},
          {"a refusal naming \x1b[2Jorders"}}});
    // A registry's hostile subject, blocked with a reason that names it,
    // and a hostile compatibility level.
    p.plan.schemas_enabled = true;
    p.plan.schemas.versions.push_back(
        {"orders\xff\x1b[31m-value", 1, 7, registry::schema_type::avro,
         registry::schema_action::blocked, "the target binds id 7 to \x1b]0;x\x07 another"});
    p.plan.schemas.order = {0};
    p.plan.schemas.compatibility.push_back(
        {"orders\xff\x1b[31m-value", "FULL\x1b[2J", "", registry::schema_action::copy, ""});
    return p;
  }
  result<plan::apply_result> apply_plan(const std::string& link, const plan::prepared_plan& p,
                                        bool dry_run) override {
    if (link != "main") return fail(errc::not_found, "no link");
    plan::apply_result r;
    const bool limited = topics_to_create > 0;
    const int budget = actions_per_apply;
    const bool fails = limited && actions_fail;
    std::lock_guard lock(mu_);
    for (const auto& i : p.plan.items) {
      if (!plan::is_action(i.what)) {
        r.items.push_back({plan::outcome::no_action, {}});
        continue;
      }
      if (dry_run) {
        r.items.push_back({plan::outcome::would, {}});
      } else if (limited && r.done + r.failed >= budget) {
        r.items.push_back({plan::outcome::not_reached, {}});
        ++r.not_reached;
      } else if (fails) {
        r.items.push_back({plan::outcome::failed, "the target refused: policy violation"});
        ++r.failed;
      } else {
        r.items.push_back({plan::outcome::done, {}});
        ++r.done;
        created_.insert(i.topic);
      }
    }
    for (const auto& a : p.plan.acls) {
      if (a.what != policy::acl_action::create) {
        r.acls.push_back({plan::outcome::no_action, {}});
      } else if (dry_run) {
        r.acls.push_back({plan::outcome::would, {}});
      } else {
        r.acls.push_back({plan::outcome::done, {}});
        ++r.done;
      }
    }
    ++applies_;
    return r;
  }
  int applies() const {
    std::lock_guard lock(mu_);
    return applies_;
  }
  result<scan::report> scan_report(const std::string& link, uint64_t id) const override {
    std::lock_guard lock(mu_);
    if (link != "main") return fail(errc::not_found, "no link");
    if (scans_.empty()) return fail(errc::not_found, "no scan yet");
    if (id == 0) return scans_.back();
    if (id > scans_.size()) return fail(errc::not_found, "no such scan");
    return scans_[id - 1];
  }
  // A card from evidence of its own: a verification passed; a group id
  // with a terminal escape has a member on the target before its cutover
  // (red); 150 topics lack a drill (yellows past the answer's 100). Counted
  // on entry: the server refuses unknown links before it asks.
  result<scorecard::card> scorecard(const std::string& link,
                                    const std::string& rehearsal) override {
    ++scorecards;
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    scorecard::evidence e;
    e.now_ms = 1'800'000'000'000;
    e.link.link = link;
    e.link.source_cluster_id = "src";
    e.link.target_cluster_id = "tgt";
    if (!rehearsal.empty()) {
      e.rehearsal = e.link;
      e.rehearsal->link = rehearsal;
      e.rehearsal->target_cluster_id = "staging";
    }
    verify::report r;
    r.id = 7;
    r.outcome = verify::verdict::passed;
    r.started_at_ms = r.finished_at_ms = e.now_ms - 1000;
    r.topics.push_back({"t0", "t0", 1, 1, {}, {}});  // compared, passed: the data's evidence
    e.link.reports = {r};
    for (int i = 0; i < 150; ++i) {
      e.live.topics["t" + std::to_string(i)] = migration::topic_state::in_sync;
    }
    e.live.group_skips = {{"g\x1b[2J", {{"target_group_active", 1}}}};
    e.plan.error = "not read (test)";
    return scorecard::score(e);
  }
  result<std::vector<scan::report>> scan_reports(const std::string&, size_t) const override {
    std::lock_guard lock(mu_);
    return scans_;
  }
  result<std::vector<object_change>> move(const std::string& link, move_kind kind,
                                          const move_request& r) override {
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    if (throw_in_move) throw std::runtime_error("bug (test)");
    const bool groups = kind == move_kind::cutover_groups || kind == move_kind::rollback_groups ||
                        kind == move_kind::finalize_groups;
    std::vector<object_change> out;
    for (const char* n : groups ? std::vector<const char*>{"billing", "audit"}
                                : std::vector<const char*>{"orders", "payments"}) {
      if (r.selected(n)) {
        // A topic cutover from VERIFIED to DRAINING, a group's from SYNCING
        // to CUTTING_OVER (whatever the kind: the server passes them on).
        const migration::any_state before =
            groups ? migration::any_state{migration::group_state::syncing}
                   : migration::any_state{migration::topic_state::verified};
        const migration::any_state after =
            r.dry_run ? before
            : groups  ? migration::any_state{migration::group_state::cutting_over}
                      : migration::any_state{migration::topic_state::draining};
        out.push_back(
            {n, before, after, "moved",
             r.force ? std::vector<std::string>{"verified"} : std::vector<std::string>{}});
      }
    }
    if (out.empty()) return fail(errc::not_found, "nothing matches");
    if (!r.dry_run) {
      ++moves;
      // Each object's operation: running, and done at its second look.
      std::lock_guard lock(mu_);
      for (auto& c : out) {
        c.operation_id = ++last_operation_;
        migration::operation_status op;
        op.id = c.operation_id;
        op.on_group = groups;
        op.name = c.name;
        op.options.quiet_window = r.quiet_window;
        op.phase = migration::op_phase::waiting_for_quiet;
        op.detail = "waiting for the source to be quiet";
        if (c.name == stuck_topic) {  // its tail verification fails
          op.phase = migration::op_phase::verifying_tail;
          op.stuck = migration::stuck_reason::tail_verification_failed;
          op.detail = "tail verification 3 FAILED (straitctl report main 3)";
        }
        operations_[op.id] = op;
      }
    }
    return out;
  }
  result<migration::operation_status> operation(const std::string& link,
                                                uint64_t id) const override {
    std::lock_guard lock(mu_);
    if (link != "main") return fail(errc::not_found, "no link");
    if (!operations_.contains(id)) return fail(errc::not_found, "no operation");
    return look(id);
  }
  // Operation `id` as it is now; at its second look, one not stuck is done
  // (mu_ held).
  migration::operation_status look(uint64_t id) const {
    auto it = operations_.find(id);
    migration::operation_status now = it->second;
    if (++looks_[id] >= 2 && operations_end && now.stuck == migration::stuck_reason::none) {
      it->second.phase = migration::op_phase::done;
      it->second.detail.clear();
    }
    return now;
  }
  result<std::vector<migration::operation_status>> operations(
      const std::string& link) const override {
    std::lock_guard lock(mu_);
    if (link != "main") return fail(errc::not_found, "no link");
    std::vector<migration::operation_status> out;
    for (const auto& [id, op] : operations_) out.push_back(look(id));  // each look counts
    return out;
  }
  result<ack_result> acknowledge(const partition_key& key, const std::string& resolution,
                                 bool dry_run) override {
    if (key.link != "main") return fail(errc::not_found, "no link");
    if (resolution == "frobnicate") return fail(errc::invalid_argument, "resolution: unknown");
    if (!dry_run) ++acks;
    return ack_result{store::stop_reason::foreign_write, "detail"};
  }
  result<stage_result> stage(const std::string& link,
                             const std::function<bool(const std::string&)>& topic_selected,
                             const std::function<bool(const std::string&)>&, bool) override {
    if (link != "main") return fail(errc::not_found, "no link");
    stage_result r;
    if (topic_selected && topic_selected("orders")) r.topics.push_back("orders");
    return r;
  }
  // Shards: this straitd is shard_self; an apply stores the assignment
  // (unless dry), or fails with shards_refusal when that is set.
  result<shards_info> shards(const std::string& link) const override {
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    std::lock_guard lock(mu_);
    config::shard_state s{shards_, 1234, shard_self.ordinal, ""};
    s.received_topics = received;
    return shards_info{shard_self, std::move(s)};
  }
  result<shards_info> apply_shards(const std::string& link, config::shard_assignment a,
                                   const std::string& replaces, bool dry_run,
                                   const config::component_names& moving) override {
    if (!moving.topics.empty() || !moving.groups.empty()) ++checks_with_moves;
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    if (!shards_refusal.empty()) return fail(errc::precondition, shards_refusal);
    if (!dry_run && fail_shards_store) return fail(errc::io, "the store cannot be written");
    auto stored = std::make_shared<const config::shard_assignment>(std::move(a));
    std::lock_guard lock(mu_);
    if (replaces != (shards_ ? shards_->digest : "")) {
      return fail(errc::precondition, "replaces: not the stored digest");
    }
    if (!dry_run) {
      shards_ = stored;
      ++shard_applies;
    }
    return shards_info{shard_self, {stored, 1234, shard_self.ordinal, ""}};
  }
  // Component moves: a release adds to `released`; an export is the
  // released names' "records" (their names joined), refused for a name
  // not released; an import keeps the bytes it was given (`imported`) and
  // answers their size as the digest; a forget counts the names.
  result<shards_info> release_component(const std::string& link,
                                        const config::component_names& names, bool cancel,
                                        bool dry_run) override {
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    std::lock_guard lock(mu_);
    if (!dry_run && cancel) {
      for (const auto& t : names.topics) released.erase(t);
    } else if (!dry_run) {
      released.insert(names.topics.begin(), names.topics.end());
    }
    config::shard_state s{shards_, 1234, shard_self.ordinal, ""};
    s.released_topics = released;
    return shards_info{shard_self, s};
  }
  result<component_export> export_component(const std::string& link,
                                            const config::component_names& names) override {
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    std::lock_guard lock(mu_);
    component_export out;
    for (const auto& t : names.topics) {
      if (!released.contains(t)) return fail(errc::precondition, "not released: " + t);
      out.records += t + ";";
    }
    out.records.append(export_padding, 'x');
    out.digest = std::to_string(out.records.size());
    out.topics = names.topics.size();
    out.partitions = 3 * names.topics.size();
    out.record_count = 4 * names.topics.size();
    return out;
  }
  result<std::string> import_component(const std::string& link, std::string_view records,
                                       bool dry_run) override {
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    if (records.empty()) return fail(errc::invalid_argument, "component export: the header");
    std::lock_guard lock(mu_);
    if (!import_refusal.empty()) return fail(errc::precondition, import_refusal);
    if (!dry_run) imported = std::string(records);
    return std::to_string(records.size());
  }
  result<size_t> forget_component(const std::string& link, const config::component_names& names,
                                  const std::string& digest, bool dry_run) override {
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    if (digest.empty()) return fail(errc::precondition, "the records changed");
    std::lock_guard lock(mu_);
    if (!dry_run) {
      for (const auto& t : names.topics) released.erase(t);
    }
    return names.topics.size() + names.groups.size();
  }
  std::set<std::string> released;  // mu_
  std::set<std::string> received;  // mu_: what GetShards lists as received (imports)
  std::string imported;            // mu_
  std::string import_refusal;      // set between calls: imports are refused with it
  size_t export_padding = 0;       // bytes added to each export
  config::shard_identity shard_self{0, 2, false};
  std::string shards_refusal;
  std::atomic<bool> fail_shards_store{false};
  std::atomic<int> shard_applies{0};
  std::atomic<int> checks_with_moves{0};  // ApplyShards dry runs naming what moves
  // The topic whose move's operation waits for the operator; whether the
  // others end (at their second look) or run on. Set before a move.
  std::string stuck_topic = "payments";
  bool operations_end = true;
  result<link_info> create_link(const std::string& yaml, bool) override {
    if (yaml.find("name:") == std::string::npos) {
      return fail(errc::invalid_argument, "link.name: missing");
    }
    return link_info{};
  }
  result<link_info> delete_link(const std::string& link, bool) override { return paused(link); }
  result<link_info> pause_link(const std::string& link, bool) override { return paused(link); }
  result<link_info> resume_link(const std::string& link, bool) override { return paused(link); }
  std::atomic<int> started{0};
  std::atomic<int> moves{0};
  std::atomic<bool> throw_in_move{false};
  std::atomic<int> acks{0};

 private:
  static result<link_info> paused(const std::string& link) {
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    link_info i;
    i.cfg.name = link;
    i.paused = true;
    return i;
  }
  mutable std::mutex mu_;
  std::shared_ptr<const config::shard_assignment> shards_;
  std::vector<verify::report> reports_;
  std::vector<scan::report> scans_;
  int applies_ = 0;
  std::set<std::string> created_;  // topics "created" by apply (topics_to_create mode)
  uint64_t last_operation_ = 0;
  mutable std::map<uint64_t, migration::operation_status> operations_;
  mutable std::map<uint64_t, int> looks_;
};

// One link "main" with two topics and two groups, for servers under test.
class fake_state : public state_provider {
 public:
  fake_state() {
    config::link_config l;
    l.name = "main";
    l.source.props = {{"bootstrap.servers", "src:9092"}, {"sasl.password", "s3cret"}};
    l.target.props = {{"bootstrap.servers", "dst:9092"}};
    l.topics.include = {"orders.*"};
    l.topics.prefix = "mig.";
    l.groups.enabled = true;
    l.groups.include = {".*"};
    links_.push_back(l);
  }
  std::vector<link_info> links() const override {
    std::vector<link_info> out;
    for (const auto& l : links_) out.push_back({l, false, link_paused});
    return out;
  }
  std::atomic<bool> link_paused{false};  // what GetLink answers of every link
  result<link_view> link_state(const std::string& link) const override {
    ++calls;
    if (link != "main") return fail(errc::not_found, "no link '" + link + "'");
    link_view v;
    v.link = "main";
    v.inflight_bytes = 42;
    using migration::group_state;
    using migration::topic_state;
    using store::stop_reason;
    v.topics = {topic_view{"orders",
                           "mig.orders",
                           topic_state::mirroring,
                           {{0, 10, 10, 5, 1.5, stop_reason::none, "", 120.5},
                            {1, 7, 6, 0, 0, stop_reason::foreign_write, "detail", 0.5}}},
                topic_view{"payments",
                           "mig.payments",
                           topic_state::in_sync,
                           {{0, 3, 3, 0, 0, stop_reason::none, ""}},
                           {},
                           7,
                           "waiting for the source to be quiet"}};
    // A fence binding strait owns, of a hostile principal from Kafka.
    v.topics[0].source_fence = {
        {"TOPIC", "orders", "LITERAL", "User:\xff\x1b[31mevil", "*", "WRITE", "DENY"}};
    v.topics[0].owned_bindings_left_out = 2;
    v.groups = {group_view{"billing", group_state::syncing, true, 0.2, 2, 0, {}},
                group_view{"audit", group_state::tracked, false, 30, 0, 1, {{"offset_expired", 1}}},
                group_view{"new", std::nullopt, true, -1, 0, 0, {}}};
    return v;
  }
  mutable std::atomic<int> calls{0};

 private:
  std::vector<config::link_config> links_;
};

}  // namespace strait::api
