#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "strait/base/backoff.h"
#include "strait/base/periodic_thread.h"
#include "strait/config/config.h"
#include "strait/config/selection.h"
#include "strait/config/staged.h"
#include "strait/config/topic_filter.h"
#include "strait/kafka/client.h"
#include "strait/metrics/registry.h"
#include "strait/policy/group_offsets.h"
#include "strait/store/checkpoint_store.h"

namespace strait::groupsync {

// What the syncer reports about a group after each round (for the API, via groups()).
struct group_status {
  std::string group;
  bool on_source = false;
  double sync_age_seconds = -1;  // -1 before the first successful round
  int partitions_synced = 0;
  int partitions_ahead = 0;
  std::map<std::string, int> partitions_skipped;  // by reason, non-zero only
};

// Consumer-group offset sync of one link: its own thread, which every
// groups.sync_interval
//   1. lists the groups on the source and selects them with the link's
//      include / exclude regexes;
//   2. reads every selected group's committed offsets (concurrently);
//   3. decides per partition with policy::decide() against the offset map the mirror
//      engine keeps in the checkpoint store;
//   4. writes the translations (with the commit metadata) to the same group
//      on the target, only while the group has no members there (checked
//      first, and enforced by the target's coordinator, which refuses an
//      offset commit without a member id for a group with members);
//   5. persists what it wrote, so that after a restart nothing older is
//      written over it and a rewind on the source is recognised.
// A group that vanished from the source keeps its target offsets as last
// written. It never deletes anything on either cluster.
class group_syncer {
 public:
  // `staged_topics` / `staged_groups` (optional): names selected on top of
  // the link's patterns (the API's Stage). `clusters` (optional): the link's
  // cluster ids once its supervisor has checked them (nullopt before, and
  // for a link refused for its clusters): nothing is read or written until
  // then, and nothing at all when source and target are one cluster (a
  // group there is one group). `source_marks` (optional): the source
  // watermarks the link's supervisor last read; log starts found there are
  // not asked again (only those of partitions it does not watch, e.g. handed
  // over ones). `share` (optional; none: one straitd): of the selected
  // groups and topics, only those this straitd owns are synced (ADR 0030); a
  // topic another straitd owns is skipped as topic_on_another_shard.
  using source_marks_fn =
      std::function<std::shared_ptr<const std::map<kafka::topic_partition, kafka::watermarks>>()>;
  group_syncer(const config::link_config& cfg, store::checkpoint_store& store,
               metrics::registry& metrics, const config::staged_names* staged_topics = nullptr,
               const config::staged_names* staged_groups = nullptr,
               std::function<std::optional<store::cluster_ids>()> clusters = {},
               source_marks_fn source_marks = {}, const config::shard_share* share = nullptr);
  ~group_syncer();
  group_syncer(const group_syncer&) = delete;
  group_syncer& operator=(const group_syncer&) = delete;

  [[nodiscard]] status start();
  // Asks the thread to end after its round in progress; returns at once.
  void request_stop() { thread_.request_stop(); }
  void stop();
  // The groups as of the last round; thread-safe.
  [[nodiscard]] std::vector<group_status> groups() const;
  // Groups whose offsets are no longer synced (consumer cutover took them
  // over, or is about to): from the next round on they are neither read nor
  // written; they keep their last status. Replaces the previous set;
  // thread-safe.
  void hold(std::set<std::string> groups);

 private:
  using partition = kafka::topic_partition;
  // Everything a partition's decision is made from, except the map slice,
  // which stands in by its map_version (read before the slice): the same
  // inputs again give the same decision, so a caught-up group costs no
  // store reads.
  struct decision_inputs {
    source_offset committed;
    uint64_t map_version = 0;
    std::optional<source_offset> log_start;
    std::optional<offsets::group_offset> last_written;
    bool operator==(const decision_inputs&) const = default;
  };
  struct decided {
    decision_inputs inputs;
    policy::decision d;
    uint64_t round = 0;  // the last round the group committed the partition
    // checkpoint_store::map_generation, read before inputs.map_version: while
    // it is the same, so is the partition's map_version (no lookup).
    uint64_t map_generation = 0;
  };
  struct group_state {
    std::map<partition, offsets::group_offset> written;  // mirrors the store
    // The last decision per partition the group committed in the last round
    // that read it.
    std::map<partition, decided> decisions;
    std::map<partition, policy::skip_reason>
        skipped;  // the reasons last reported, logged on change
    bool on_source = false;
    bool gone = false;     // reported as gone from the source (logged once)
    bool failing = false;  // the last round had an error (logged on change)
    bool warned = false;   // a warning was logged; "syncs again" follows recovery
    group_status counts;   // of the last round that read the group (for groups())
    std::chrono::steady_clock::time_point last_synced{};
    bool age_published = false;  // its strait_group_sync_age_seconds series exists
  };
  struct planned_write {
    partition source;
    std::string metadata;
    offsets::group_offset offset;
  };
  // What one round decided and did for one group.
  struct group_round {
    bool read = false;           // its committed offsets were read
    bool failed = false;         // an error, counted and logged by fail_group
    bool write_blocked = false;  // a due write was skipped: target_group_active
    std::vector<planned_write> writes;
    group_status counts;  // partitions synced, ahead, skipped by reason
  };
  struct round {
    std::map<std::string, group_round> groups;
    store::checkpoint_store::write_batch batch;
  };

  // One round; returns the wait until the next.
  std::chrono::steady_clock::duration round_and_wait();
  // Returns false when a cluster could not be reached (then the next round
  // backs off); a failing group is counted and logged, not a reason to back off.
  bool cycle();
  // Decides one committed offset of a group (policy::decide) into `r`.
  void plan(round& r, const std::string& group, const kafka::committed_offset& c);
  // Writes the planned offsets of groups without members on the target;
  // false when the target's groups could not be listed.
  bool write_planned(round& r);
  void skip(group_round& gr, const std::string& group, const partition& p, policy::skip_reason why,
            source_offset committed);
  // Counts an error of the group in this round; logs it when the group was
  // healthy before (at debug level when `transient`).
  void fail_group(group_round& gr, const std::string& group, const char* kind,
                  const std::string& message, bool transient = false);
  [[nodiscard]] std::optional<source_offset> log_start_of(const partition& p) const;
  void refresh_log_starts(
      const std::map<std::string, result<std::vector<kafka::committed_offset>>>& offsets);
  void note_group_presence(const kafka::group_list& listing, const std::set<std::string>& selected);
  void report_skip(const std::string& group, const partition& p, policy::skip_reason r,
                   source_offset committed);
  void publish_counts(const std::string& group, const group_status& counts);
  void publish_age(const std::string& group, group_state& g);
  void set_reachable(const char* side, bool& flag, bool reachable, const std::string& why);

  config::link_config cfg_;
  store::checkpoint_store& store_;
  metrics::registry& metrics_;
  // A filter of the validated config that did not compile (a bug; start()
  // returns it). Declared before the filters it is filled by.
  std::optional<error> filter_error_;
  config::name_selection group_selection_;
  config::name_selection topic_selection_;
  std::function<std::optional<store::cluster_ids>()> clusters_;
  source_marks_fn source_marks_;
  std::string clusters_logged_;  // what was last logged about the clusters (logged once)
  [[nodiscard]] bool group_selected(const std::string& id) const {
    return group_selection_.selects(id);
  }
  // Where a topic's offsets are synced: here, by another shard (selected by
  // the link, owned by another straitd), or nowhere.
  enum class topic_place : uint8_t { here, another_shard, not_mirrored };
  // Asked for every committed partition of every group each round: the
  // regexes run once per topic and round (cycle() clears the cache; staged
  // topics and the shard assignment may change between rounds).
  [[nodiscard]] topic_place place_of(const std::string& topic) {
    auto [it, added] = topic_places_.try_emplace(topic, topic_place::not_mirrored);
    if (added) {
      it->second = topic_selection_.selects(topic)            ? topic_place::here
                   : topic_selection_.selected_by_link(topic) ? topic_place::another_shard
                                                              : topic_place::not_mirrored;
    }
    return it->second;
  }
  std::unordered_map<std::string, topic_place> topic_places_;
  std::unique_ptr<kafka::admin_client> source_;
  std::unique_ptr<kafka::admin_client> target_;
  std::map<std::string, group_state> groups_;
  // Log starts group sync read itself, for partitions the supervisor does
  // not watch; round_marks_ (the supervisor's, taken at the round's start)
  // come first.
  std::map<partition, int64_t> log_starts_;
  std::shared_ptr<const std::map<kafka::topic_partition, kafka::watermarks>> round_marks_;
  std::set<partition> log_starts_asked_;
  std::chrono::steady_clock::time_point log_starts_at_{};
  bool log_starts_failing_ = false;
  bool listing_incomplete_ = false;
  uint64_t round_ = 0;                 // rounds begun
  uint64_t round_map_generation_ = 0;  // checkpoint_store::map_generation at the round's start
  bool source_reachable_ = true;
  bool target_reachable_ = true;

  std::mutex held_mu_;
  std::set<std::string> held_;  // guarded by held_mu_
  // held_ as of the round's start: what the round skips and publishes no
  // age for (the syncer's thread only).
  std::set<std::string> held_this_round_;

  mutable std::mutex status_mu_;
  // Guarded by status_mu_: each group's status and when it last synced (the
  // age is computed when groups() is called).
  std::map<std::string, std::pair<group_status, std::chrono::steady_clock::time_point>> status_;
  backoff retry_{std::chrono::milliseconds(500), std::chrono::seconds(30)};
  periodic_thread thread_;  // last: stopped before the members it uses go
};

}  // namespace strait::groupsync
