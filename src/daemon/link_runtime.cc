#include "link_runtime.h"

#include "acl_grants.h"
#include "link_records.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <set>
#include <string>

#include "strait/base/clock.h"
#include "strait/base/text.h"
#include "strait/groupsync/group_offset_records.h"
#include "strait/verify/report_records.h"
#include "strait/workflow/move_records.h"
#include "strait/workflow/state_table.h"

namespace strait::daemon {

link_runtime::link_runtime(config::link_config cfg, bool from_api, store::checkpoint_store& store,
                           metrics::registry& metrics, mirror::target_claims& claims,
                           std::function<void()> on_failure, std::chrono::milliseconds drain,
                           config::shard_identity shard)
    : cfg_(std::move(cfg)),
      from_api_(from_api),
      store_(store),
      metrics_(metrics),
      claims_(claims),
      on_failure_(std::move(on_failure)),
      drain_(drain),
      share_(shard),
      scans_(std::make_unique<scan::scan_runner>(cfg_, store_, &staged_topics_, &staged_groups_)) {}

void link_runtime::claim_existing(std::span<link_runtime* const> runtimes) {
  for (auto* r : runtimes) r->claim_existing(claim_kind::written);
  for (auto* r : runtimes) r->claim_existing(claim_kind::created);
}

void link_runtime::claim_existing(claim_kind kind) {
  // On the target cluster the link's store is of (claims are by cluster id).
  // The supervisor reports store errors itself.
  auto clusters = store_.link_cluster_ids(cfg_.name);
  if (!clusters || !*clusters) return;
  std::set<std::string> topics;
  if (kind == claim_kind::written) {
    auto parts = store_.partitions(cfg_.name);
    if (!parts) return;
    for (const auto& key : *parts) topics.insert(key.topic);
  } else {
    auto created = store_.created_topics(cfg_.name);
    if (!created) return;
    topics.insert(created->begin(), created->end());
  }
  for (const auto& topic : topics) {
    const std::string target = cfg_.topics.target_name(topic);
    std::string holder;
    if (!claims_.claim((*clusters)->target, target, cfg_.name, holder)) {
      spdlog::warn(
          "link {}: target topic {} (which strait {} for this link) is link {}'s, claimed first; "
          "this link will not write it (docs/links.md, one writer per target topic)",
          cfg_.name, printable(target), kind == claim_kind::written ? "wrote" : "created",
          printable(holder));
    }
  }
}

void link_runtime::release_claims() { claims_.release(cfg_.name); }

status link_runtime::load_shards() {
  const config::shard_identity& self = share_.identity();
  auto stored = load_shard_assignment(store_, cfg_.name, self);
  if (!stored) return std::unexpected(stored.error());
  if (!stored->problem.empty()) {
    // Not in force: said in the log and by GetShards, never dropped
    // silently; this straitd mirrors nothing of the link meanwhile.
    spdlog::error("{}", stored->problem);
  } else if (!stored->assignment && self.count > 1) {
    auto held = held_names();
    if (!held) return std::unexpected(held.error());
    held->first.insert(stored->received_topics.begin(), stored->received_topics.end());
    held->second.insert(stored->received_groups.begin(), stored->received_groups.end());
    if ((!held->first.empty() || !held->second.empty()) && self.ordinal > 0) {
      // Imported by a move whose plan was not stored here yet.
      spdlog::error(
          "link {}: this straitd (shard {} of {}) holds the state of {} topics and {} groups "
          "of the link but no shard assignment, so it mirrors nothing of it: a move to it "
          "stopped before the plan was stored here; run the same straitctl shards-move "
          "again over the whole set (docs/sharding.md#moving-a-component)",
          cfg_.name, self.ordinal, self.count, held->first.size(), held->second.size());
    } else if (!held->first.empty() || !held->second.empty()) {
      // Mirrored by this straitd alone before the count grew: nobody
      // mirrors it now, and a plan for the new count must start from where
      // it is (ADR 0030 step 4).
      spdlog::error(
          "link {}: this straitd (shard {} of {}) holds the state of {} topics and {} groups "
          "of the link but no shard assignment, so it mirrors nothing of it: was it the only "
          "straitd? Apply a plan for 1 shard on it alone (straitctl shards-plan {} --shards 1 "
          "--output FILE; straitctl --server THIS shards-apply {} --file FILE), then move "
          "components to the others with a plan for {} (straitctl shards-move; "
          "docs/sharding.md#changing-the-count)",
          cfg_.name, self.ordinal, self.count, held->first.size(), held->second.size(), cfg_.name,
          cfg_.name, self.count);
    } else {
      spdlog::warn(
          "link {}: no shard assignment is stored, so this straitd (shard {} of {}) mirrors "
          "nothing of it: straitctl shards-plan {} --shards {} --output FILE, then "
          "straitctl shards-apply {} --file FILE on every shard; or, when it joins a set "
          "that mirrors already, straitctl shards-move {} --file FILE over all of them "
          "(docs/sharding.md)",
          cfg_.name, self.ordinal, self.count, cfg_.name, self.count, cfg_.name, cfg_.name);
    }
  }
  share_.set(std::move(*stored));
  return {};
}

std::vector<std::string> link_runtime::placed_elsewhere(
    config::shard_share::kind k, const std::function<bool(const std::string&)>& selected,
    size_t limit) const {
  std::vector<std::string> out;
  const config::shard_state s = share_.state();
  if (!s.in_force() || !selected) return out;
  for (const auto& c : s.assignment->components) {
    if (c.shard == share_.identity().ordinal) continue;
    for (const auto& name : k == config::shard_share::kind::topic ? c.topics : c.groups) {
      if (out.size() == limit) return out;
      if (selected(name)) {
        out.push_back(printable(name, 256) + " (shard " + std::to_string(c.shard) + ")");
      }
    }
  }
  return out;
}

api::shards_info link_runtime::shards() const { return {share_.identity(), share_.state()}; }

result<std::pair<std::set<std::string>, std::set<std::string>>> link_runtime::held_names() const {
  std::set<std::string> topics, groups;
  auto parts = store_.partitions(cfg_.name);
  if (!parts) return std::unexpected(parts.error());
  for (const auto& key : *parts) topics.insert(key.topic);
  auto created = store_.created_topics(cfg_.name);
  if (!created) return std::unexpected(created.error());
  topics.insert(created->begin(), created->end());
  if (supervisor_) {
    for (const auto& [name, partitions] : supervisor_->selected_topics()) topics.insert(name);
  }
  auto written = groupsync::load_group_offsets(store_, cfg_.name);
  if (!written) return std::unexpected(written.error());
  for (const auto& r : *written) groups.insert(r.group);
  auto states = workflow::state_table::read(store_, cfg_.name);
  if (!states) return std::unexpected(states.error());
  for (const auto& [name, state] : states->topics) topics.insert(name);
  for (const auto& [name, state] : states->groups) groups.insert(name);
  return std::pair{std::move(topics), std::move(groups)};
}

result<api::shards_info> link_runtime::apply_shards(config::shard_assignment next,
                                                    const std::string& replaces, bool dry_run,
                                                    const config::component_names& moving) {
  std::lock_guard lock(apply_shards_mu_);
  const config::shard_state stored = share_.state();
  const std::string stored_digest = stored.assignment ? stored.assignment->digest : "";
  if (replaces != stored_digest) {
    return fail(errc::precondition,
                "link " + cfg_.name + ": the request replaces assignment '" +
                    printable(replaces, 64) + "', but this straitd holds " +
                    (stored_digest.empty() ? std::string("none") : stored_digest) +
                    ": another plan was applied meanwhile, or the shards hold different ones "
                    "(straitctl shards on each); apply to every shard in one straitctl "
                    "shards-apply --server A,B,...");
  }
  auto held = held_names();
  if (!held) return std::unexpected(held.error());
  using kind = config::shard_share::kind;
  const uint32_t self = share_.identity().ordinal;
  const uint32_t count = share_.identity().count;
  // A received name counts as held where `next` places it: it came in an
  // import, with its records or with none (its old owner held none). Placed
  // elsewhere, its receipt carries no state and ends with this store.
  for (const auto& [k, names, now] :
       {std::tuple{kind::topic, &stored.received_topics, &held->first},
        std::tuple{kind::group, &stored.received_groups, &held->second}}) {
    for (const auto& name : *names) {
      if (config::owner_under(&next, k, name, count) == self) now->insert(name);
    }
  }
  if (!moving.topics.empty() || !moving.groups.empty()) {
    if (!dry_run) {
      return fail(errc::invalid_argument,
                  "moving: only in a dry run; a store counts what this straitd received in "
                  "imports (ImportComponent)");
    }
    // As it will be after the moves: received where `next` places them,
    // forgotten where the stored assignment gave them.
    for (const auto& [k, names, now] : {std::tuple{kind::topic, &moving.topics, &held->first},
                                        std::tuple{kind::group, &moving.groups, &held->second}}) {
      for (const auto& name : *names) {
        if (config::owner_under(&next, k, name, count) == self) {
          now->insert(name);
        } else if (config::owner_under(stored.assignment.get(), k, name, count) == self) {
          now->erase(name);
        }
      }
    }
    spdlog::info("link {}: checking assignment {} (dry run) as after {} topics and {} groups move",
                 cfg_.name, next.digest, moving.topics.size(), moving.groups.size());
  }
  if (auto s = config::check_replacement(share_.identity(), stored.assignment.get(),
                                         stored.applied_as, next, held->first, held->second);
      !s) {
    return fail(s.error().code, "link " + cfg_.name + ": " + s.error().message);
  }
  config::shard_state applied{std::make_shared<const config::shard_assignment>(std::move(next)),
                              wall_clock_ms(), share_.identity().ordinal, ""};
  // A release ends with the plan that places the name on another shard (its
  // move is done); until then the name stays released, also under a plan
  // that places it here again (its records may be on their way: only an
  // import back gives it to this straitd again, ADR 0030 step 3). Every
  // receipt ends: its name is placed here now, or carried nothing.
  const auto still_released = [&](const std::set<std::string>& names, kind k) {
    std::set<std::string> out;
    for (const auto& n : names) {
      if (config::owner_under(applied.assignment.get(), k, n, share_.identity().count) ==
          share_.identity().ordinal) {
        out.insert(n);
      }
    }
    return out;
  };
  applied.released_topics = still_released(stored.released_topics, kind::topic);
  applied.released_groups = still_released(stored.released_groups, kind::group);
  if (dry_run) return api::shards_info{share_.identity(), std::move(applied)};
  store::checkpoint_store::write_batch b;
  put_shard_assignment(b, cfg_.name, applied);
  for (const auto& t : stored.received_topics) erase_receipt(b, cfg_.name, kind::topic, t);
  for (const auto& g : stored.received_groups) erase_receipt(b, cfg_.name, kind::group, g);
  if (auto s = store_.commit(b); !s) return std::unexpected(s.error());
  spdlog::info(
      "link {}: shard assignment {} applied ({} components; this straitd is shard {} of {})",
      cfg_.name, applied.assignment->digest, applied.assignment->components.size(),
      share_.identity().ordinal, share_.identity().count);
  share_.set(applied);
  // The caller holds mu() shared: start and stop wait, so running() stays.
  if (running()) publish_shards(applied);
  return api::shards_info{share_.identity(), std::move(applied)};
}

result<api::shards_info> link_runtime::release(const component_names& names, bool dry_run) {
  std::lock_guard lock(apply_shards_mu_);
  const config::shard_identity& self = share_.identity();
  config::shard_state next = share_.state();
  auto refused = [&](const std::string& why) -> result<api::shards_info> {
    return fail(errc::precondition, "nothing released: " + why);
  };
  if (self.count <= 1 || !next.in_force()) {
    return refused(
        "a release hands components to another straitd of the set: it needs several "
        "(daemon.shards.count) and an assignment in force here (straitctl shards)");
  }
  if (names.topics.empty() && names.groups.empty()) return refused("no topic or group named");
  // Whole components of this shard: a group's topics never split.
  for (const auto& c : next.assignment->components) {
    size_t named = 0;
    for (const auto& t : c.topics) named += names.topics.contains(t) ? 1 : 0;
    for (const auto& g : c.groups) named += names.groups.contains(g) ? 1 : 0;
    if (named == 0) continue;
    const std::string first = printable(c.topics.front(), 256);
    if (c.shard != self.ordinal) {
      return refused("the component of topic " + first + " is shard " + std::to_string(c.shard) +
                     "'s, not this one's (shard " + std::to_string(self.ordinal) +
                     "): release it there");
    }
    if (named != c.topics.size() + c.groups.size()) {
      return refused("name the whole component of topic " + first + " (" +
                     std::to_string(c.topics.size()) + " topics, " +
                     std::to_string(c.groups.size()) +
                     " groups; straitctl shards lists them): a group and its topics move together");
    }
  }
  // A name no component places (a topic created after the plan) is this
  // shard's by its hash: it moves too, into the component a newer plan
  // places it in (straitctl shards-move names that component whole).
  using kind = config::shard_share::kind;
  const config::shard_assignment& a = *next.assignment;
  for (const auto& [k, named] :
       {std::pair{kind::topic, &names.topics}, std::pair{kind::group, &names.groups}}) {
    for (const auto& name : *named) {
      if ((k == kind::topic ? a.topic_owner(name) : a.group_owner(name)).has_value()) continue;
      const auto owner = config::owner_under(&a, k, name, self.count);
      if (owner != self.ordinal) {
        return refused(printable(name, 256) +
                       " is in no component of the stored assignment, and its hash gives it to "
                       "shard " +
                       std::to_string(owner.value_or(0)) + ", not this one (shard " +
                       std::to_string(self.ordinal) + "): release it there");
      }
    }
  }
  if (auto movable = check_movable(store_, cfg_, names); !movable) {
    return fail(movable.error().code, movable.error().message + "; nothing released");
  }
  next.released_topics.insert(names.topics.begin(), names.topics.end());
  next.released_groups.insert(names.groups.begin(), names.groups.end());
  if (next.released_topics.size() + next.released_groups.size() >
      config::shard_assignment::kMaxNames) {
    return refused("more than " + std::to_string(config::shard_assignment::kMaxNames) +
                   " names would be released at once: finish the moves under way first");
  }
  if (dry_run) return api::shards_info{self, std::move(next)};
  store::checkpoint_store::write_batch b;
  put_shard_assignment(b, cfg_.name, next);
  if (auto s = store_.commit(b, store::durability::fsynced); !s) return std::unexpected(s.error());
  spdlog::info(
      "link {}: released {} topics and {} groups for another straitd to import; their "
      "partitions leave the engine once nothing of them is in flight",
      cfg_.name, names.topics.size(), names.groups.size());
  share_.set(next);
  if (running()) publish_shards(next);
  return api::shards_info{self, std::move(next)};
}

result<std::vector<partition_key>> link_runtime::partitions_in_engine(
    const std::set<std::string>& topics) const {
  std::vector<partition_key> out;
  if (!engine_) return out;
  auto parts = store_.partitions(cfg_.name);
  if (!parts) return std::unexpected(parts.error());
  for (auto& key : *parts) {
    if (topics.contains(key.topic) && engine_->has_partition(key)) out.push_back(std::move(key));
  }
  return out;
}

namespace {
// The names of `names` that `s` does not hold released, escaped, at most 5.
std::string not_released(const config::shard_state& s, const component_names& names) {
  std::string out;
  size_t n = 0;
  auto check = [&](const std::set<std::string>& released, const std::set<std::string>& named) {
    for (const auto& name : named) {
      if (released.contains(name)) continue;
      if (n++ < 5) out += (out.empty() ? "" : ", ") + printable(name, 256);
    }
  };
  check(s.released_topics, names.topics);
  check(s.released_groups, names.groups);
  if (n > 5) out += " and " + std::to_string(n - 5) + " more";
  return out;
}
}  // namespace

status link_runtime::paused_for(const char* what) const {
  if (!running()) return {};
  return fail(errc::precondition,
              std::string("link ") + cfg_.name +
                  " runs on this straitd: pause it first (straitctl pause-link " + cfg_.name +
                  ") and resume it after the " + what +
                  " (straitctl shards-move pauses and resumes it for you)");
}

result<component_records> link_runtime::export_component(const component_names& names) const {
  if (auto s = paused_for("export"); !s) return std::unexpected(s.error());
  if (auto missing = not_released(share_.state(), names); !missing.empty()) {
    return fail(errc::precondition, "nothing exported: not released by this straitd: " + missing +
                                        " (release the component first)");
  }
  return daemon::export_component(store_, cfg_, names);
}

result<std::string> link_runtime::import_component(const component_records& records, bool dry_run) {
  std::lock_guard lock(apply_shards_mu_);  // one look at the assignment with the write
  if (auto s = paused_for("import"); !s) return std::unexpected(s.error());
  auto refused = [&](const std::string& why) -> result<std::string> {
    return fail(errc::precondition, "nothing imported: " + why);
  };
  const config::shard_state state = share_.state();
  const uint32_t self = share_.identity().ordinal;
  for (const auto& [k, set, released] :
       {std::tuple{config::shard_share::kind::topic, &records.names.topics, &state.released_topics},
        std::tuple{config::shard_share::kind::group, &records.names.groups,
                   &state.released_groups}}) {
    for (const auto& name : *set) {
      if (released->contains(name) || share_.owner(k, name) == self) {
        return refused(printable(name, 256) +
                       " is this straitd's (owned or released here): import on the straitd the "
                       "component moves to");
      }
    }
  }
  const std::string digest = records.digest();
  // Imported already (a move run again after its answer was lost): this
  // store holds exactly these records of the names. The cluster ids of the
  // link and its reverse and the definition are this store's own, which
  // may hold ids the exporter did not (import_topics checks those agree).
  // Or an export of nothing, of names all received here: their old owner
  // forgot them after an earlier run imported them. (One of nothing
  // received first is checked and imported like any: only its receipts.)
  bool already_imported = false;
  if (records.record_count() > 0) {
    if (auto held = daemon::export_component(store_, cfg_, records.names); held) {
      held->own.clusters = records.own.clusters;
      held->definition = records.definition;
      already_imported = held->digest() == digest;
    }
  } else {
    const auto all_in = [](const std::set<std::string>& names, const std::set<std::string>& in) {
      return std::ranges::all_of(names, [&](const auto& n) { return in.contains(n); });
    };
    already_imported = all_in(records.names.topics, state.received_topics) &&
                       all_in(records.names.groups, state.received_groups);
  }
  // Checked either way (import_component checks, and then adds the
  // records): of this link and definition, naming only the component, so
  // that a foreign export never rewrites receipts.
  store::checkpoint_store::write_batch b;
  if (auto s = already_imported ? daemon::check_importable(store_, cfg_, records)
                                : daemon::import_component(store_, cfg_, records, b);
      !s) {
    return std::unexpected(s.error());
  }
  // The receipts, in the same batch: what ApplyShards counts as held here
  // (also a name that came with no record). Bounded like releases.
  config::shard_state next = state;
  next.received_topics.insert(records.names.topics.begin(), records.names.topics.end());
  next.received_groups.insert(records.names.groups.begin(), records.names.groups.end());
  if (next.received_topics.size() + next.received_groups.size() >
      config::shard_assignment::kMaxNames) {
    return refused("more than " + std::to_string(config::shard_assignment::kMaxNames) +
                   " names would be received and not yet placed by a stored plan: store the "
                   "plan of the moves under way first (straitctl shards-apply over the set)");
  }
  if (dry_run) return digest;
  for (const auto& t : records.names.topics) {
    put_receipt(b, cfg_.name, config::shard_share::kind::topic, t, digest);
  }
  for (const auto& g : records.names.groups) {
    put_receipt(b, cfg_.name, config::shard_share::kind::group, g, digest);
  }
  if (auto s = store_.commit(b, store::durability::fsynced); !s) return std::unexpected(s.error());
  share_.set(std::move(next));
  if (already_imported) {
    spdlog::info("link {}: export {} is imported already", cfg_.name, digest);
  } else {
    spdlog::info(
        "link {}: imported {} topics and {} groups ({} records) from another straitd (export {})",
        cfg_.name, records.names.topics.size(), records.names.groups.size(), records.record_count(),
        digest);
  }
  return digest;
}

result<size_t> link_runtime::forget_component(const component_names& names,
                                              const std::string& exported_digest, bool dry_run) {
  std::lock_guard lock(apply_shards_mu_);
  if (auto s = paused_for("forget"); !s) return std::unexpected(s.error());
  if (auto missing = not_released(share_.state(), names); !missing.empty()) {
    return fail(errc::precondition, "nothing forgotten: not released by this straitd: " + missing);
  }
  store::checkpoint_store::write_batch b;
  auto erased = daemon::forget_component(store_, cfg_, names, exported_digest, b);
  if (!erased || dry_run) return erased;
  if (auto s = store_.commit(b, store::durability::fsynced); !s) return std::unexpected(s.error());
  staged_topics_.remove(names.topics);
  staged_groups_.remove(names.groups);
  spdlog::info("link {}: forgot {} records of {} topics and {} groups another straitd imported",
               cfg_.name, *erased, names.topics.size(), names.groups.size());
  return erased;
}

result<api::shards_info> link_runtime::cancel_release(const component_names& names, bool dry_run) {
  std::lock_guard lock(apply_shards_mu_);
  config::shard_state next = share_.state();
  auto refused = [&](const std::string& why) -> result<api::shards_info> {
    return fail(errc::precondition, "no release cancelled: " + why);
  };
  if (names.topics.empty() && names.groups.empty()) return refused("no topic or group named");
  if (auto missing = not_released(next, names); !missing.empty()) {
    return refused("not released by this straitd: " + missing);
  }
  // The records must be here still: once forgotten, another straitd holds
  // them, and owning the names again would mirror from nothing. A forget
  // erases all of them in one batch, so any one here (an offset map, a
  // group's offsets, a state) shows it did not run. A topic that never
  // started and a group never synced have none either: with nothing but
  // such names, nothing tells, and the release stays.
  auto held = daemon::export_component(store_, cfg_, names);
  if (!held) return std::unexpected(held.error());
  const bool records_here =
      std::ranges::any_of(
          held->own.topics,
          [&](const auto& t) { return t.link == cfg_.name && !t.partitions.empty(); }) ||
      !held->group_offsets.empty() || !held->migrations.empty();
  if (!records_here) {
    return refused(
        "none of its records is here (forgotten: another straitd imported them; or it never "
        "mirrored nor synced any of the names here): finish the move (straitctl shards-move)");
  }
  for (const auto& t : names.topics) next.released_topics.erase(t);
  for (const auto& g : names.groups) next.released_groups.erase(g);
  if (dry_run) return api::shards_info{share_.identity(), std::move(next)};
  store::checkpoint_store::write_batch b;
  put_shard_assignment(b, cfg_.name, next);
  if (auto s = store_.commit(b, store::durability::fsynced); !s) return std::unexpected(s.error());
  spdlog::info(
      "link {}: release of {} topics and {} groups cancelled: this straitd owns them again",
      cfg_.name, names.topics.size(), names.groups.size());
  share_.set(next);
  if (running()) publish_shards(next);
  return api::shards_info{share_.identity(), std::move(next)};
}

status link_runtime::stage(const std::set<std::string>& topics,
                           const std::set<std::string>& groups) {
  store::checkpoint_store::write_batch b;
  for (const auto& t : topics) put_staged(b, cfg_.name, migration::object_kind::topic, t);
  for (const auto& g : groups) put_staged(b, cfg_.name, migration::object_kind::group, g);
  if (auto s = store_.commit(b); !s) return s;
  staged_topics_.add(topics);
  staged_groups_.add(groups);
  return {};
}

namespace {
constexpr std::chrono::milliseconds kPlanAdminTimeout{10'000};
constexpr std::chrono::milliseconds kApplyBudget{5'000};
}  // namespace

result<plan::prepared_plan> link_runtime::plan_topics(
    const plan::metadata_planner::filter& f, bool running,
    const plan::metadata_planner::filter& on_target, bool with_fence) {
  std::unique_lock lock(planning_, std::try_to_lock);
  if (!lock) {
    return fail(errc::busy,
                "a plan of link " + cfg_.name + " is being made; try again when it is done");
  }
  auto s = selections();
  if (!s) return std::unexpected(s.error());
  return plan::metadata_planner(cfg_, store_, claims_, kPlanAdminTimeout)
      .prepare(s->topics, s->groups ? &*s->groups : nullptr, f, running, on_target, with_fence);
}

result<plan::prepared_plan> link_runtime::plan_acls() const {
  auto s = selections();
  if (!s) return std::unexpected(s.error());
  return plan::metadata_planner(cfg_, store_, claims_, kPlanAdminTimeout)
      .prepare_acls(s->topics, s->groups ? &*s->groups : nullptr);
}

result<link_runtime::link_selections> link_runtime::selections() const {
  std::optional<error> failed;
  link_selections s{config::name_selection::topics(cfg_, &staged_topics_, &share_, failed),
                    std::nullopt};
  if (cfg_.groups.enabled) {
    s.groups = config::name_selection::groups(cfg_, &staged_groups_, &share_, failed);
  }
  if (failed) return std::unexpected(*failed);
  return s;
}

result<plan::apply_result> link_runtime::apply_plan(const plan::prepared_plan& p, bool dry_run) {
  return plan::metadata_planner(cfg_, store_, claims_, kPlanAdminTimeout)
      .apply(p, dry_run, kApplyBudget);
}

link_runtime::~link_runtime() {
  scans_->stop();
  stop();
}

status link_runtime::start() {
  if (running()) return {};
  // Staged names of earlier runs.
  auto staged = load_staged(store_, cfg_.name);
  if (!staged) return std::unexpected(staged.error());
  for (const auto& [kind, name] : *staged) {
    (kind == migration::object_kind::topic ? staged_topics_ : staged_groups_).add({name});
  }
  auto engine = std::make_unique<mirror::link_engine>(cfg_, store_, metrics_, on_failure_);
  if (auto s = engine->start(); !s) {
    forget_series();
    return s;
  }
  auto supervisor = std::make_unique<mirror::link_supervisor>(cfg_, store_, *engine, metrics_,
                                                              &claims_, &staged_topics_, &share_);
  if (auto s = supervisor->start(); !s) {
    engine->stop();
    forget_series();
    return s;
  }
  std::unique_ptr<groupsync::group_syncer> syncer;
  if (cfg_.groups.enabled) {
    syncer = std::make_unique<groupsync::group_syncer>(
        cfg_, store_, metrics_, &staged_topics_, &staged_groups_,
        [s = supervisor.get()] { return s->clusters(); },
        [s = supervisor.get()] { return s->source_watermarks(); }, &share_);
    if (auto s = syncer->start(); !s) {
      supervisor->stop();
      engine->stop();
      forget_series();
      return s;
    }
  }
  auto ports = workflow::straitd_ports(cfg_, store_, *engine, *supervisor, syncer.get(), metrics_,
                                       on_failure_);
  if (cfg_.acls.enabled) {
    ports.grants = make_acl_grants(
        cfg_, [this] { return plan_acls(); }, kPlanAdminTimeout);
  }
  if (cfg_.fence.enabled) ports.fence = make_source_fence(cfg_, kPlanAdminTimeout);
  auto wf = std::make_unique<workflow::link_workflow>(cfg_, store_, std::move(ports));
  if (auto s = wf->start(); !s) {
    if (syncer) syncer->stop();
    supervisor->stop();
    engine->stop();
    forget_series();
    return s;
  }
  engine_ = std::move(engine);
  supervisor_ = std::move(supervisor);
  syncer_ = std::move(syncer);
  workflow_ = std::move(wf);
  publish_shards(share_.state());
  spdlog::info("link {}: {} -> {}", cfg_.name, cfg_.source.bootstrap(), cfg_.target.bootstrap());
  return {};
}

void link_runtime::publish_shards(const config::shard_state& s) {
  metrics_.describe("strait_shard_owns_its_part", metrics::registry::kind::gauge,
                    "1 while this straitd mirrors its part of the link (one straitd: all of it; "
                    "several: what the stored shard assignment gives it), 0 while it owns "
                    "nothing of it (no assignment applied, the stored one is not in force, or "
                    "it was planned for fewer shards than this one's ordinal)");
  metrics_.describe("strait_shard_count", metrics::registry::kind::gauge,
                    "How many straitd share the link (daemon.shards.count)");
  metrics_.describe("strait_shard_released_names", metrics::registry::kind::gauge,
                    "Topics and groups this straitd released to another and no plan placed "
                    "elsewhere yet: mirrored by nobody until their move ends (ADR 0030)");
  metrics_.describe("strait_shard_info", metrics::registry::kind::gauge,
                    "1, with this straitd's shard ordinal and count and the digest of the "
                    "link's stored shard assignment (empty: none)");
  const config::shard_identity& self = share_.identity();
  // A plan for fewer shards than the set gives the ordinals over its count
  // nothing (ADR 0030 step 4).
  const bool over_the_plan = s.assignment && self.ordinal >= s.assignment->shards;
  metrics_.set("strait_shard_owns_its_part", {{"link", cfg_.name}},
               s.owns_a_part(self.count) && !over_the_plan ? 1 : 0);
  metrics_.set("strait_shard_count", {{"link", cfg_.name}}, self.count);
  metrics_.set("strait_shard_released_names", {{"link", cfg_.name}},
               static_cast<double>(s.released_topics.size() + s.released_groups.size()));
  metrics_.remove("strait_shard_info", {{"link", cfg_.name}});
  metrics_.set("strait_shard_info",
               {{"link", cfg_.name},
                {"shard", std::to_string(self.ordinal)},
                {"shards", std::to_string(self.count)},
                {"digest", s.assignment ? s.assignment->digest : ""}},
               1);
}

void link_runtime::request_stop() {
  // Control threads may be in the middle of an admin request: let them all
  // (every link's) finish theirs at the same time.
  scans_->cancel();
  if (workflow_) workflow_->request_stop();
  if (syncer_) syncer_->request_stop();
  if (supervisor_) supervisor_->request_stop();
}

void link_runtime::begin_drain() {
  request_stop();
  if (workflow_) workflow_->begin_stop(drain_);  // reverse mirroring starts draining
  if (syncer_) syncer_->stop();
  if (supervisor_) supervisor_->stop();
  if (engine_) engine_->request_stop(drain_);
}

void link_runtime::stop() {
  // Only a runtime that ran owns the link's series: a stopped one (destroyed
  // late, e.g. after a plan call kept it) must not take a new runtime's.
  const bool ran = engine_ != nullptr;
  begin_drain();
  if (engine_) {
    engine_->stop();
    failed_ = failed_ || engine_->failed();
  }
  if (workflow_) workflow_->stop();  // waits for reverse mirroring's drain
  // Users before what they use: the workflow reads the engine and syncer.
  workflow_.reset();
  syncer_.reset();
  supervisor_.reset();
  engine_.reset();
  if (ran) forget_series();
  // Claims stay: a paused link keeps its target topics (released on delete).
}

void link_runtime::forget_series() {
  // A stopped link (paused, deleted, straitd stopping) is watched by nothing:
  // its series would show its last values for good, and a deleted link's
  // would never go (docs/architecture.md#metrics).
  metrics_.remove_everywhere({{"link", cfg_.name}});
  metrics_.remove_everywhere({{"link", config::reverse_link_name(cfg_.name)}});
}

result<scorecard::link_evidence> link_runtime::scorecard_evidence() const {
  scorecard::link_evidence d;
  d.link = cfg_.name;
  auto ids = store_.link_cluster_ids(cfg_.name);
  if (!ids) return std::unexpected(ids.error());
  const store::cluster_ids clusters = *ids ? **ids : store::cluster_ids{};
  d.source_cluster_id = clusters.source;
  d.target_cluster_id = clusters.target;
  d.definition = workflow::definition_digest(cfg_, clusters);
  auto first = workflow::load_first_mirrored(store_, cfg_.name);
  if (!first) return std::unexpected(first.error());
  d.first_mirrored_at_ms = *first;
  auto moves = workflow::load_moves(store_, cfg_.name);
  if (!moves) return std::unexpected(moves.error());
  d.moves = std::move(*moves);
  auto reports = verify::load_reports(
      store_, cfg_.name, kScorecardReports,
      [](const verify::report& r) { return !verify::is_tail_verification(r); },
      kScorecardReportsLookedAt);
  if (!reports) return std::unexpected(reports.error());
  d.reports = std::move(*reports);
  return d;
}

result<scorecard::live_state> link_runtime::stored_state() const {
  auto stored = workflow::state_table::read(store_, cfg_.name);
  if (!stored) return std::unexpected(stored.error());
  scorecard::live_state live;
  live.paused = true;
  live.topics = std::move(stored->topics);
  live.groups = std::move(stored->groups);
  for (const auto& op : stored->running) {
    if (op.stuck == migration::stuck_reason::none) continue;
    live.operations_stuck.push_back({op.options.id, op.kind, op.name, op.stuck});
  }
  return live;
}

}  // namespace strait::daemon
