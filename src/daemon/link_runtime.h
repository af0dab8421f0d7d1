#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <span>

#include "component_transfer.h"
#include "strait/api/status.h"
#include "strait/config/config.h"
#include "strait/config/staged.h"
#include "strait/groupsync/group_syncer.h"
#include "strait/metrics/registry.h"
#include "strait/mirror/link_engine.h"
#include "strait/mirror/link_supervisor.h"
#include "strait/plan/metadata_planner.h"
#include "strait/scan/scan_runner.h"
#include "strait/scorecard/scorecard.h"
#include "strait/store/checkpoint_store.h"
#include "strait/workflow/link_workflow.h"

namespace strait::daemon {

// Everything that runs for one link: engine, supervisor, group syncer (when
// the link has a groups section) and workflow, built in dependency order
// and stopped in reverse. Running or stopped (a paused link): start() and
// stop() may alternate; stop() drains the engine.
//
// Threads: start/stop from one thread at a time (the application's
// lifecycle mutex), holding mu() exclusively; API threads hold it shared
// while they use a component, so none goes away under them.
class link_runtime {
 public:
  // `drain`: how long a stop waits for records in flight (straitd: 30 s).
  link_runtime(config::link_config cfg, bool from_api, store::checkpoint_store& store,
               metrics::registry& metrics, mirror::target_claims& claims,
               std::function<void()> on_failure, std::chrono::milliseconds drain,
               config::shard_identity shard);
  ~link_runtime();

  [[nodiscard]] status start();
  // stop() in three steps, so that straitd's links stop at once (the
  // deferred-stop order of application::stop): request_stop() asks every
  // control thread to end and returns at once; begin_drain() waits for them
  // and asks both engines (forward and reverse) to drain for at most `drain`,
  // without waiting; stop() does what is left and waits for the drains.
  // Each step may be repeated; stop() alone does all three.
  void request_stop();
  void begin_drain();
  void stop();
  [[nodiscard]] std::shared_mutex& mu() const { return mu_; }
  // Before any link runs: claims for each of `runtimes` the target topics
  // it has checkpoints of, then those strait created for it (its supervisor,
  // or straitctl apply while it was paused), so a link keeps its topics
  // whatever the start order, and a topic one link writes stays that link's
  // even when another only has it marked created. A topic two links wrote
  // stays the first's in `runtimes`; the other's refusal is logged.
  static void claim_existing(std::span<link_runtime* const> runtimes);
  // On delete: the link's target topics are free for other links.
  void release_claims();
  // Deleted: API threads that still hold the runtime see NOT_FOUND.
  void mark_deleted() { deleted_ = true; }
  [[nodiscard]] bool deleted() const { return deleted_; }

  // Adds topics and groups to the link's selection (the API's Stage):
  // stored, and picked up by the running supervisor and group syncer at
  // their next round. Loaded from the store at construction.
  [[nodiscard]] status stage(const std::set<std::string>& topics,
                             const std::set<std::string>& groups);

  // The link's shards (ADR 0030): this straitd's identity and the stored
  // assignment, loaded at start.
  [[nodiscard]] api::shards_info shards() const;
  // The topics or groups `selected` accepts that the assignment in force
  // places on another shard, as "NAME (shard N)", escaped, at most `limit`:
  // what a move that selected nothing here was meant for.
  [[nodiscard]] std::vector<std::string> placed_elsewhere(
      config::shard_share::kind k, const std::function<bool(const std::string&)>& selected,
      size_t limit = 5) const;
  // Puts the stored assignment in force: once, when straitd loads its links
  // (link_registry::load), before the link starts. errc::corruption for a
  // damaged record; one planned for more shards than the count, or applied
  // as another ordinal, is not in force (a logged error and `problem`); one
  // held with none says how to start (ADR 0030 step 4).
  [[nodiscard]] status load_shards();
  // Stores `next` and puts it in force: the running supervisor and group
  // syncer follow it from their next round. errc::precondition when
  // `replaces` is not the digest of what is stored ("" for none: a
  // compare-and-set, so that shards keep one document), or when it would
  // move a topic or group this straitd holds (held_names) or take one
  // another shard may hold (config::check_replacement). A name received
  // here (import_component's receipts) counts as held where `next` places
  // it; a store ends every receipt. Running or paused; the caller holds
  // mu() shared. `moving`, in a dry run only (errc::invalid_argument
  // otherwise): the names straitctl shards-move will move for `next`,
  // checked before anything moves (ApplyShardsRequest.moving): held here if
  // `next` places them here, gone if the stored assignment gives them here.
  [[nodiscard]] result<api::shards_info> apply_shards(config::shard_assignment next,
                                                      const std::string& replaces, bool dry_run,
                                                      const config::component_names& moving = {});
  // ADR 0030 step 3, the first move: gives up whole components this
  // straitd owns under the stored assignment, for another to import. They
  // are stored as released (this straitd owns them no longer, whatever the
  // assignment says; kept across restarts and later assignments); the
  // supervisor takes their partitions out of the engine over its next
  // rounds (partitions_in_engine) and the group syncer stops syncing their
  // groups. Names released already are left as they are; names no
  // component places move too when their hash gives them to this shard (a
  // topic created after the plan: the new plan's component names them).
  // Refused, storing nothing: with one straitd or no assignment in force,
  // for names that are not whole components placed on this shard, or while
  // check_movable refuses. The caller holds mu() shared.
  [[nodiscard]] result<api::shards_info> release(const component_names& names, bool dry_run);
  // Ends a release of `names` (all released here) while their records are
  // still here (no forget yet): this straitd owns them again, as the
  // stored assignment says. For a move that cannot go on (its import was
  // refused). errc::precondition otherwise. The caller holds mu() shared.
  [[nodiscard]] result<api::shards_info> cancel_release(const component_names& names, bool dry_run);
  // Which partitions of `topics` this straitd's engine still runs or holds
  // (the release's tests watch them leave).
  [[nodiscard]] result<std::vector<partition_key>> partitions_in_engine(
      const std::set<std::string>& topics) const;
  // ADR 0030 step 3, the moves after a release, each only while the link is
  // paused on this straitd: nothing of it runs then (no partition in the
  // engine, no group-sync round, no verification or cutover under way), and
  // a resume builds what runs from the store, so no in-memory copy outlives
  // a record moved or forgotten. errc::precondition naming the fix while it
  // runs. The caller holds mu() shared.
  //
  // The records of names this straitd released (release), with the link's
  // definition digest; refused as check_movable refuses. Reads only, on a
  // paused link: apply_shards_mu_ is not needed.
  [[nodiscard]] result<component_records> export_component(const component_names& names) const;
  // Stores an export of another straitd of the set (fsynced), with a dry
  // run; returns its digest (the old owner's forget compares it). Refused,
  // storing nothing: for another link or definition, names this straitd
  // owns or released, records it holds any of (import_component) unless it
  // holds exactly these, or the export holds none and every name was
  // received here (imported before: answered again, no record rewritten).
  // Each name gets a receipt (put_receipt, in the same batch; also for an
  // export of no record: a name its old owner held nothing of), which
  // apply_shards counts as held here.
  [[nodiscard]] result<std::string> import_component(const component_records& records,
                                                     bool dry_run);
  // Erases the records of names this straitd released, fsynced, only while
  // a fresh export still has `exported_digest`; that another straitd holds
  // them is the caller's to know (its import answered that digest, not in
  // a dry run). Returns how many store records (would) go.
  [[nodiscard]] result<size_t> forget_component(const component_names& names,
                                                const std::string& exported_digest, bool dry_run);

  [[nodiscard]] const config::link_config& config() const { return cfg_; }
  [[nodiscard]] bool from_api() const { return from_api_; }
  [[nodiscard]] bool running() const { return workflow_ != nullptr; }
  [[nodiscard]] bool failed() const { return failed_; }
  // Null while stopped.
  [[nodiscard]] mirror::link_engine* engine() const { return engine_.get(); }
  [[nodiscard]] mirror::link_supervisor* supervisor() const { return supervisor_.get(); }
  [[nodiscard]] groupsync::group_syncer* syncer() const { return syncer_.get(); }
  [[nodiscard]] workflow::link_workflow* workflow() const { return workflow_.get(); }
  // The link's scans: there while the link exists, running or paused (a
  // pause or stop cancels a running scan).
  [[nodiscard]] scan::scan_runner& scans() const { return *scans_; }
  // Plans of the link's target topics (plan::metadata_planner, admin
  // requests of 10 s each), one being made at a time (errc::busy).
  // `running`: as running() was when the caller held mu(); `on_target`:
  // the groups a consumer cutover made primary on the target, as the caller
  // read them under mu(). plan_topics needs no lock (it reads the config, the staged names and the
  // store), so a slow cluster holds up no pause or delete. apply_plan starts no action after 5 s;
  // the caller holds mu() shared.
  [[nodiscard]] result<plan::prepared_plan> plan_topics(
      const plan::metadata_planner::filter& f, bool running,
      const plan::metadata_planner::filter& on_target = nullptr, bool with_fence = false);
  [[nodiscard]] result<plan::apply_result> apply_plan(const plan::prepared_plan& p, bool dry_run);
  // What the store holds of the link for its scorecard (ADR 0026): its
  // cluster ids, definition digest, first-mirrored time, move records and
  // newest kScorecardReports verification reports (never a cutover's tail
  // re-verification; at most kScorecardReportsLookedAt read). Running or
  // paused; no lock needed (the config does not change, the store is
  // thread-safe).
  static constexpr size_t kScorecardReports = 64;
  static constexpr size_t kScorecardReportsLookedAt = 1024;
  [[nodiscard]] result<scorecard::link_evidence> scorecard_evidence() const;
  // The link's topic and group states and stuck operations as stored: a
  // paused link's live state for its scorecard.
  [[nodiscard]] result<scorecard::live_state> stored_state() const;

 private:
  enum class claim_kind { written, created };
  // Removes the series of the link and of its reverse mirroring from the
  // registry: once it stopped, or failed to start.
  void forget_series();
  // The link's ACL plan alone, for its producer cutovers' WRITE grants
  // (acl_grants.h); not one at a time with plan_topics (a cutover never
  // waits for an operator's plan).
  [[nodiscard]] result<plan::prepared_plan> plan_acls() const;
  // The link's topic and group selections with its staged names, as its
  // supervisor and group syncer make them (groups: with a groups section).
  struct link_selections {
    config::name_selection topics;
    std::optional<config::name_selection> groups;
  };
  [[nodiscard]] result<link_selections> selections() const;
  // The link's shard series (docs/architecture.md#metrics), while it runs.
  void publish_shards(const config::shard_state& s);
  // errc::precondition while the link runs: a move's `what` (export,
  // import, forget) needs it paused.
  [[nodiscard]] status paused_for(const char* what) const;
  // The topics and groups of the link this straitd holds state of (ADR
  // 0030): checkpoints, created target topics, topics its supervisor
  // mirrors now, migration states, group offsets it wrote.
  [[nodiscard]] result<std::pair<std::set<std::string>, std::set<std::string>>> held_names() const;
  void claim_existing(claim_kind kind);

  config::link_config cfg_;
  bool from_api_;
  store::checkpoint_store& store_;
  metrics::registry& metrics_;
  mirror::target_claims& claims_;
  std::function<void()> on_failure_;
  std::chrono::milliseconds drain_;
  bool failed_ = false;
  bool deleted_ = false;  // guarded by mu_
  mutable std::shared_mutex mu_;
  config::staged_names staged_topics_;
  config::staged_names staged_groups_;
  config::shard_share share_;
  std::mutex apply_shards_mu_;  // held by apply_shards: check and store as one
  std::mutex planning_;         // held while a plan is made
  std::unique_ptr<mirror::link_engine> engine_;
  std::unique_ptr<mirror::link_supervisor> supervisor_;
  std::unique_ptr<groupsync::group_syncer> syncer_;
  std::unique_ptr<workflow::link_workflow> workflow_;
  std::unique_ptr<scan::scan_runner> scans_;  // after what it reads: destroyed first
};

}  // namespace strait::daemon
