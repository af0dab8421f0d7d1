#include "strait/workflow/state_table.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "strait/base/clock.h"
#include "strait/workflow/migration_records.h"
#include "strait/workflow/move_records.h"

namespace strait::workflow {

using migration::group_state;
using migration::topic_state;

result<state_table::stored> state_table::read(const store::checkpoint_store& store,
                                              const std::string& link) {
  auto records = load_migrations(store, link);
  if (!records) return std::unexpected(records.error());
  auto highest = load_highest_operation_id(store, link);
  if (!highest) return std::unexpected(highest.error());
  stored out;
  out.highest_operation_id = *highest;
  for (const auto& r : *records) {
    if (!r.operation.empty()) {
      auto o = migration::decode_operation(r.operation);
      if (!o) {
        return fail(errc::corruption, "link " + link + ": the operation stored for '" + r.name +
                                          "': " + o.error().message);
      }
      out.running.push_back({r.kind, r.name, o->options, o->stuck});
      // (A store from before the high-water mark has only these.)
      if (o->options.id > out.highest_operation_id) {
        out.highest_operation_id = o->options.id;
        out.highest_operation_id_stored = false;
      }
    }
    // States are stored as the enum's byte; an unknown byte is a store from
    // a newer straitd or damage: refuse rather than guess.
    if (r.kind == migration::object_kind::topic &&
        r.state <= static_cast<uint8_t>(topic_state::finalized)) {
      out.topics[r.name] = static_cast<topic_state>(r.state);
    } else if (r.kind == migration::object_kind::group &&
               r.state <= static_cast<uint8_t>(group_state::finalized)) {
      out.groups[r.name] = static_cast<group_state>(r.state);
    } else {
      return fail(errc::corruption, "link " + link + ": migration state of '" + r.name +
                                        "' is unknown to this straitd");
    }
  }
  return out;
}

result<std::vector<state_table::stored_operation>> state_table::load() {
  auto s = read(store_, link_);
  if (!s) return std::unexpected(s.error());
  topics_ = std::move(s->topics);
  groups_ = std::move(s->groups);
  highest_operation_id_ = s->highest_operation_id;
  auto first = load_first_mirrored(store_, link_);  // damaged: none (written anew below)
  if (!first) return std::unexpected(first.error());
  first_mirrored_at_ms_ = *first;
  store::checkpoint_store::write_batch b;
  // Ids of a store from before the high-water mark: stored now, so that
  // they still count once their operations have ended.
  if (!s->highest_operation_id_stored) put_highest_operation_id(b, link_, highest_operation_id_);
  // A link that mirrored before first-mirrored times were stored: from now,
  // a lower bound.
  const bool mirrored =
      std::ranges::any_of(topics_, [](const auto& t) { return t.second != topic_state::staged; });
  if (!first_mirrored_at_ms_ && mirrored) {
    first_mirrored_at_ms_ = wall_clock_ms();
    put_first_mirrored(b, link_, *first_mirrored_at_ms_);
  }
  if (b.count() > 0) {
    if (auto st = store_.commit(b); !st) return std::unexpected(st.error());
  }
  return std::move(s->running);
}

status state_table::commit(const std::vector<change>& changes) {
  if (changes.empty()) return {};
  store::checkpoint_store::write_batch b;
  const int64_t now = wall_clock_ms();
  uint64_t highest = highest_operation_id_;
  bool first_mirrored = false;
  for (const auto& c : changes) {
    put_migration(b, link_, {c.kind, c.name, c.to, now, c.operation});
    highest = std::max(highest, c.operation_id);
    first_mirrored = first_mirrored || (c.kind == migration::object_kind::topic &&
                                        c.to != static_cast<uint8_t>(topic_state::staged));
  }
  first_mirrored = first_mirrored && !first_mirrored_at_ms_;
  if (highest > highest_operation_id_) put_highest_operation_id(b, link_, highest);
  if (first_mirrored) put_first_mirrored(b, link_, now);
  if (auto s = store_.commit(b); !s) return s;
  highest_operation_id_ = highest;
  if (first_mirrored) first_mirrored_at_ms_ = now;
  for (const auto& c : changes) {
    if (c.kind == migration::object_kind::topic) {
      topics_[c.name] = static_cast<topic_state>(c.to);
    } else {
      groups_[c.name] = static_cast<group_state>(c.to);
    }
    if (!c.log.empty()) spdlog::info("link {}: {}", link_, c.log);
  }
  return {};
}

template <typename State, typename Event, typename Guards>
result<migration::step<State>> state_table::apply_to(
    std::map<std::string, State>& states, migration::object_kind kind, const std::string& name,
    Event e, const Guards& g, const operation_options* starts, const char* what) {
  auto it = states.find(name);
  if (it == states.end()) return fail(errc::not_found, std::string("no ") + what + " " + name);
  auto step = migration::transition(it->second, e, g);
  if (!step || step->to == it->second) return step;
  if (auto s = commit({{kind, name, static_cast<uint8_t>(step->to),
                        starts != nullptr ? migration::encode_operation({*starts}) : std::string(),
                        std::string(what) + " " + name + ": " + to_string(it->second) + " -> " +
                            to_string(step->to) + " (" + to_string(e) + ")",
                        starts != nullptr ? starts->id : 0}});
      !s) {
    return std::unexpected(s.error());
  }
  return step;
}

result<migration::topic_step> state_table::apply(const std::string& topic, migration::topic_event e,
                                                 const migration::topic_guards& g,
                                                 const operation_options* starts) {
  return apply_to(topics_, migration::object_kind::topic, topic, e, g, starts, "topic");
}

result<migration::group_step> state_table::apply(const std::string& group, migration::group_event e,
                                                 const migration::group_guards& g,
                                                 const operation_options* starts) {
  return apply_to(groups_, migration::object_kind::group, group, e, g, starts, "group");
}

status state_table::store_operation(migration::object_kind kind, const std::string& name,
                                    const operation_options* running, stuck_reason stuck) {
  uint8_t state;
  if (kind == migration::object_kind::topic) {
    auto it = topics_.find(name);
    if (it == topics_.end()) return fail(errc::not_found, "no topic " + name);
    state = static_cast<uint8_t>(it->second);
  } else {
    auto it = groups_.find(name);
    if (it == groups_.end()) return fail(errc::not_found, "no group " + name);
    state = static_cast<uint8_t>(it->second);
  }
  return commit(
      {{kind, name, state,
        running != nullptr ? migration::encode_operation({*running, stuck}) : std::string(), "",
        running != nullptr ? running->id : 0}});
}

result<bool> state_table::observe(
    const std::map<std::string, migration::topic_observation>& topics,
    int64_t in_sync_max_lag_records,
    const std::map<std::string, migration::group_observation>& groups) {
  std::vector<change> changes;
  // New objects and observed events; the event is judged on the state the
  // object would have after this write (STAGED / TRACKED when new).
  auto advance = [&](auto& states, migration::object_kind kind, const std::string& name,
                     auto initial, auto event_of, const char* what) {
    auto it = states.find(name);
    const bool added = it == states.end();
    const auto from = added ? initial : it->second;
    auto to = from;
    std::string log = added ? std::string(what) + " " + name + " is " + to_string(from) : "";
    if (auto e = event_of(from)) {
      auto step = migration::transition(from, *e, {});
      if (!step) {
        spdlog::error("link {}: {} {}: {}", link_, what, name, step.error().message);
      } else if (step->to != from) {
        to = step->to;
        log += (log.empty() ? "" : "; then ") + std::string(what) + " " + name + ": " +
               to_string(from) + " -> " + to_string(to) + " (" + to_string(*e) + ")";
      }
    }
    if (added || to != from) changes.push_back({kind, name, static_cast<uint8_t>(to), "", log});
  };
  for (const auto& [topic, o] : topics) {
    advance(
        topics_, migration::object_kind::topic, topic, topic_state::staged,
        [&](topic_state s) { return migration::observed_event(s, o, in_sync_max_lag_records); },
        "topic");
  }
  for (const auto& [group, o] : groups) {
    advance(
        groups_, migration::object_kind::group, group, group_state::tracked,
        [&](group_state s) { return migration::observed_event(s, o); }, "group");
  }
  if (auto s = commit(changes); !s) return std::unexpected(s.error());
  return !changes.empty();
}

status state_table::verified(uint64_t report_id, const std::map<std::string, bool>& passed) {
  std::vector<change> changes;
  for (const auto& [topic, ok] : passed) {
    auto it = topics_.find(topic);
    if (it == topics_.end()) continue;
    const auto e =
        ok ? migration::topic_event::verify_passed : migration::topic_event::verify_failed;
    auto step = migration::transition(it->second, e, {});
    if (!step) {
      // E.g. MIRRORING: the comparison stands in the report, the state
      // waits until the topic is in sync.
      spdlog::info("link {}: topic {}: verification {} {}; state unchanged: {}", link_, topic,
                   report_id, ok ? "passed" : "failed", step.error().message);
      continue;
    }
    if (step->to == it->second) continue;
    changes.push_back({migration::object_kind::topic, topic, static_cast<uint8_t>(step->to), "",
                       "topic " + topic + ": " + to_string(it->second) + " -> " +
                           to_string(step->to) + " (" + to_string(e) + ", verification " +
                           std::to_string(report_id) + ")"});
  }
  return commit(changes);
}

}  // namespace strait::workflow
