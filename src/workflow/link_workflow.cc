#include "strait/workflow/link_workflow.h"

#include <spdlog/spdlog.h>

#include "strait/base/clock.h"
#include "strait/migration/observe.h"

namespace strait::workflow {

link_workflow::link_workflow(const config::link_config& cfg, store::checkpoint_store& store,
                             const mirror::link_engine& engine,
                             const mirror::link_supervisor& supervisor,
                             const groupsync::group_syncer* syncer)
    : cfg_(cfg), store_(store), engine_(engine), supervisor_(supervisor), syncer_(syncer) {}

link_workflow::~link_workflow() { stop(); }

status link_workflow::start() {
  auto records = store_.migrations(cfg_.name);
  if (!records) return std::unexpected(records.error());
  for (const auto& r : *records) {
    // States are stored as the enum's byte; an unknown byte is a store from
    // a newer straitd or damage: refuse rather than guess.
    if (r.kind == store::migration_kind::topic &&
        r.state <= static_cast<uint8_t>(migration::topic_state::finalized)) {
      topics_[r.name] = static_cast<migration::topic_state>(r.state);
    } else if (r.kind == store::migration_kind::group &&
               r.state <= static_cast<uint8_t>(migration::group_state::finalized)) {
      groups_[r.name] = static_cast<migration::group_state>(r.state);
    } else {
      return fail(errc::corruption, "link " + cfg_.name + ": migration state of '" + r.name +
                                        "' is unknown to this straitd");
    }
  }
  thread_.start([this] { return round_and_wait(); });
  return {};
}

std::map<std::string, migration::topic_state> link_workflow::topics() const {
  std::lock_guard lock(mu_);
  return topics_;
}

std::map<std::string, migration::group_state> link_workflow::groups() const {
  std::lock_guard lock(mu_);
  return groups_;
}

std::chrono::steady_clock::duration link_workflow::round_and_wait() {
  observe();
  return std::chrono::seconds(1);
}

void link_workflow::observe() {
  // A topic is mirroring when the engine runs every partition the source
  // has: lag summed over some of them would call a half-started topic in
  // sync. Topics no longer selected (e.g. deleted on the source) keep their
  // state as it was.
  const std::map<std::string, int> selected = supervisor_.selected_topics();
  std::map<std::string, migration::topic_observation> seen;
  std::map<std::string, int> running;
  for (const auto& p : engine_.snapshot()) {
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
  if (syncer_ != nullptr) {
    for (const auto& g : syncer_->groups()) {
      seen_groups[g.group].synced = g.partitions_synced > 0;
    }
  }

  store::checkpoint_store::write_batch batch;
  const int64_t now = wall_clock_ms();
  auto advance = [&](auto& states, const std::string& name, auto initial, auto event_of,
                     store::migration_kind kind, const char* what) {
    auto [it, added] = states.try_emplace(name, initial);
    bool changed = added;
    if (added) spdlog::info("link {}: {} {} is {}", cfg_.name, what, name, to_string(initial));
    if (auto e = event_of(it->second)) {
      auto step = migration::transition(it->second, *e, {});
      if (!step) {
        spdlog::error("link {}: {} {}: {}", cfg_.name, what, name, step.error().message);
      } else if (step->to != it->second) {
        spdlog::info("link {}: {} {}: {} -> {} ({})", cfg_.name, what, name, to_string(it->second),
                     to_string(step->to), to_string(*e));
        it->second = step->to;
        changed = true;
      }
    }
    if (changed) {
      batch.put_migration(cfg_.name, {kind, name, static_cast<uint8_t>(it->second), now});
    }
  };
  {
    std::lock_guard lock(mu_);
    for (const auto& [topic, o] : seen) {
      advance(
          topics_, topic, migration::topic_state::staged,
          [&](migration::topic_state s) {
            return migration::observed_event(s, o, cfg_.migration.in_sync_max_lag_records);
          },
          store::migration_kind::topic, "topic");
    }
    for (const auto& [group, o] : seen_groups) {
      advance(
          groups_, group, migration::group_state::tracked,
          [&](migration::group_state s) { return migration::observed_event(s, o); },
          store::migration_kind::group, "group");
    }
  }
  if (batch.count() > 0) {
    if (auto s = store_.commit(batch); !s) {
      spdlog::error("link {}: cannot store migration states: {}", cfg_.name, s.error().message);
    }
  }
}

}  // namespace strait::workflow
