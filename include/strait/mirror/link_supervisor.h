#pragma once

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "strait/base/backoff.h"
#include "strait/base/periodic_thread.h"
#include "strait/config/config.h"
#include "strait/config/selection.h"
#include "strait/config/staged.h"
#include "strait/config/topic_filter.h"
#include "strait/kafka/client.h"
#include "strait/kafka/partition_reader.h"
#include "strait/metrics/registry.h"
#include "strait/mirror/config_sync.h"
#include "strait/mirror/link_engine.h"
#include "strait/mirror/target_claims.h"
#include "strait/policy/topic_configs.h"
#include "strait/store/checkpoint_store.h"

namespace strait::mirror {

// The control thread of a link. Every topics.refresh_interval it:
//   1. lists source topics, selects them with the link's filter, creates or
//      grows target topics (topic sync) and reports mismatches;
//   2. prepares new partitions (checkpoint, pending operator resolution,
//      crash recovery of records past the checkpoint) and hands them to the
//      engine;
//   3. queries watermarks of running partitions and posts them to the engine
//      (pruning, truncation and foreign-write checks);
//   4. stops the partitions of a topic that vanished from the source.
// It blocks on Kafka admin requests, which is why it is not the engine thread.
// An unreachable cluster is retried with exponential backoff and logged when
// its state changes, not on every attempt.
class link_supervisor {
 public:
  // `claims` (optional) is shared by every link of the process: a topic
  // another link already writes on the same target cluster is not mirrored
  // (a topic error naming that link).
  // `staged` (optional): topics selected on top of the link's patterns.
  // `share` (optional; none: one straitd): of those, only the topics this
  // straitd owns are mirrored (ADR 0030).
  link_supervisor(const config::link_config& cfg, store::checkpoint_store& store,
                  link_engine& engine, metrics::registry& metrics, target_claims* claims = nullptr,
                  const config::staged_names* staged = nullptr,
                  const config::shard_share* share = nullptr);
  ~link_supervisor();

  [[nodiscard]] status start();
  // Asks the thread to end after its round in progress; returns at once.
  void request_stop() { thread_.request_stop(); }
  void stop();
  // The selected source topics with their partition counts, as of the last
  // topic sync; thread-safe.
  [[nodiscard]] std::map<std::string, int> selected_topics() const;
  // How many topic syncs chose the selected topics so far (selected_topics()
  // is the last one's); thread-safe.
  [[nodiscard]] uint64_t selections() const {
    std::lock_guard lock(selected_mu_);
    return selections_;
  }
  // The ids of the link's source and target clusters, once a round learned
  // them (claims on the target are by its id); thread-safe.
  [[nodiscard]] std::optional<store::cluster_ids> clusters() const;
  // The source watermarks of the watched partitions (all but handed-over
  // ones) as of the last round that read them (rounds run every
  // topics.refresh_interval, sooner while partitions start or on a retry);
  // null before the first and while none is watched; thread-safe. Group
  // sync takes its log starts from here instead of asking the source again.
  using watermarks_by_partition = std::map<kafka::topic_partition, kafka::watermarks>;
  [[nodiscard]] std::shared_ptr<const watermarks_by_partition> source_watermarks() const;
  // Why the link writes nothing (see cluster_refusal_), or empty; thread-safe.
  [[nodiscard]] std::string cluster_refusal() const;
  // A selected topic that is not mirrored (error) or whose target topic's
  // configs differ from the source's (drift, with why strait does not change
  // them; empty when it will at the next config sync).
  struct topic_condition {
    std::string target;
    std::string error;
    std::vector<policy::config_difference> drift;
    std::string drift_reason;  // also set without drift: why configs could not be compared
  };
  // The selected topics in error or with drift, as of the last round;
  // thread-safe.
  [[nodiscard]] std::map<std::string, topic_condition> topic_conditions() const;

  // An operator's resolution for a stopped partition while straitd runs (the
  // API's Acknowledge; `straitd --acknowledge` is the offline form). On the
  // supervisor's thread, woken at once: checks that the partition is stopped
  // and the resolution applies (store::resolution_applies), records it in
  // the checkpoint, prepares the partition again (which applies it, as at a
  // start) and replaces the stopped one in the engine. The future holds the
  // reason it was stopped, or errc::not_found (no such partition),
  // errc::precondition (not stopped, handed over, or not started by this
  // straitd), errc::invalid_argument (the resolution does not apply), or a
  // Kafka or store error. Thread-safe.
  struct acknowledged {
    store::stop_reason was = store::stop_reason::none;
    std::string detail;
  };
  // `ticket` lets the caller give up before the request is taken: the
  // supervisor sets it from pending (0) to taken (1) before it acts, the
  // caller from pending to cancelled (2); whoever comes second knows.
  [[nodiscard]] std::future<result<acknowledged>> acknowledge(
      const partition_key& key, store::resolution r, bool dry_run,
      std::shared_ptr<std::atomic<int>> ticket);

 private:
  // One round; returns the wait until the next.
  std::chrono::steady_clock::duration round_and_wait();
  // Returns false when a cluster could not be reached.
  bool refresh();
  bool sync_topics();
  // Config sync (topics.config_sync), every topics.config_sync_interval:
  // reads the configs of the selected topics on both clusters, records each
  // topic's drift and changes the target topics it may change.
  void sync_configs(const std::vector<std::string>& selected,
                    const std::map<std::string, kafka::topic_info>& source_topics,
                    const std::map<std::string, kafka::topic_info>& target_topics);
  // Records a topic's drift and why it stays (logged and counted when
  // either changes; its gauge every time).
  struct topic_state;
  void set_drift(const std::string& topic, topic_state& st,
                 std::vector<policy::config_difference> drift, std::string reason);
  void publish_conditions(const std::vector<std::string>& selected);
  // Learns the clusters' ids (once), checks them against the ones stored for
  // the link and against each other; false while a cluster does not tell.
  bool learn_clusters();
  void watch_partitions();
  void publish_source_marks(std::shared_ptr<const watermarks_by_partition> marks);
  // Watermarks of a partition on both clusters, read in advance for many
  // partitions at once (ListOffsets batched per leader).
  struct known_watermarks {
    std::optional<kafka::watermarks> source, target;
  };
  // `known`: the partition's watermarks if they were read for a batch of
  // starts; otherwise (or when one is missing) prepare reads them itself.
  [[nodiscard]] result<partition_start> prepare(const partition_key& key,
                                                const std::string& target_topic,
                                                int64_t max_record_bytes,
                                                const known_watermarks& known = {});
  [[nodiscard]] result<std::vector<landed_record>> read_landed(const std::string& target_topic,
                                                               int32_t partition, int64_t from,
                                                               int64_t to);
  [[nodiscard]] result<kafka::partition_reader*> reader(bool source);
  // Logs and counts a journal that cannot be used (recovery falls back to
  // ADR 0002's comparison with the source).
  void journal_damaged(const partition_key& key, const std::string& why);
  // Compares the source's topic ids with the ones stored for the link (the
  // first seen is stored); a topic whose id changed was deleted and
  // recreated: mark_recreated, unless none of its records was mirrored, when
  // the new id is stored instead (ADR 0010).
  void check_topic_ids(const std::vector<std::string>& selected);
  // Whether the source partition still holds what strait mirrored from it:
  // the last kIdentityRecords records of `tail` (the last stored run) that
  // both clusters still hold, compared with their copies (compare_through_run).
  [[nodiscard]] result<identity_verdict> check_identity(const partition_key& key,
                                                        const std::string& target_topic,
                                                        const offsets::offset_run& tail,
                                                        int64_t source_low, int64_t target_low);
  // What showed that the partition's topic was recreated (a record that is
  // not the mirrored one), for mark_recreated.
  [[nodiscard]] static std::string recreated_evidence(const partition_key& key,
                                                      const std::string& target_topic,
                                                      const identity_verdict& v);
  // The one place a topic becomes "recreated", whichever check found it: its
  // started partitions stop as source_truncated (a retention_gap stop takes
  // that cause), and partitions starting later stop in prepare.
  void mark_recreated(const std::string& topic, const std::string& evidence);
  // Topics the link selects that this straitd no longer owns (released to
  // another, ADR 0030 step 3): their started partitions stop as released
  // and leave the engine once nothing of them is in flight (a round at a
  // time); once all have, the topic is forgotten here, with its series.
  void release_unowned();
  // Whether any partition of the topic has a run in the store (records of it
  // are on the target).
  [[nodiscard]] result<bool> mirrored_any(const std::string& topic) const;
  // Each round, the identity of a few running topics in turn (one partition
  // each): a topic deleted and recreated while straitd runs stops its
  // partitions as source_truncated.
  void check_running_identities(const std::vector<partition_snapshot>& watched,
                                const std::vector<kafka::watermarks>& source_marks,
                                const std::vector<kafka::watermarks>& target_marks);
  void topic_error(const std::string& topic, const std::string& message);
  void apply_acknowledgements();
  [[nodiscard]] result<acknowledged> apply_acknowledgement(const partition_key& key,
                                                           store::resolution r, bool dry_run);
  // Logs a kind of request to one cluster going from working to failing
  // (`failed`: link, side, why) or back (`recovered`: link, side), once each
  // way; `working` is the state last logged.
  void note_working(bool& working, bool now, const char* side, const std::string& why,
                    std::string_view failed, std::string_view recovered);
  void set_reachable(const char* side, bool& flag, bool reachable, const std::string& why);

  struct topic_state {
    std::string target;
    int started = 0;  // partitions [0, started) handed to the engine
    int missing_rounds = 0;
    bool deleted = false;
    std::string error;  // last reported error, logged once
    int64_t max_record_bytes = 0;
    bool checked = false;
    // Found by an identity check since this straitd started: the source
    // topic still holds what was mirrored (no need to check its other
    // partitions at their start), or was recreated (why; every partition
    // starting stops as source_truncated).
    bool same_source = false;
    std::string recreated;
    topic_id source_id;          // as stored for the link; zero until read
    bool id_unreadable = false;  // DescribeTopics gave no id for it (logged once)
    bool id_damaged = false;     // its stored id is damaged (logged once)
    // Config sync: the drift as of the last sync and why it stays (or why
    // it could not be read); what follow_source remembers; whether strait
    // created the target topic (read from the store until it is true).
    std::vector<policy::config_difference> drift;
    std::string drift_reason;
    config_sync_memory config_memory;
    bool strait_created = false;
    // When this supervisor created the target topic: the target's listing
    // may lag the creation by a round or two (its metadata reaches every
    // broker after the answer), and the topic is not created twice.
    std::optional<std::chrono::steady_clock::time_point> created_at;
  };

  config::link_config cfg_;
  store::checkpoint_store& store_;
  link_engine& engine_;
  metrics::registry& metrics_;
  target_claims* claims_;
  // A filter of the validated config that did not compile (a bug; start()
  // returns it). Declared before the selection it is filled by.
  std::optional<error> filter_error_;
  config::name_selection selection_;  // the link's topics: patterns and staged names
  // Created on first use: crash read-backs and identity checks.
  std::unique_ptr<kafka::partition_reader> source_reader_;
  std::unique_ptr<kafka::partition_reader> target_reader_;
  std::string identity_cursor_;     // the topic checked last; the next ones follow it
  bool topic_ids_failing_ = false;  // the last DescribeTopics failed (logged once)
  // Whether the last watermark query of each cluster got any answer (one
  // that answers some partitions works: the others are asked next round).
  bool source_marks_readable_ = true;
  bool target_marks_readable_ = true;
  std::chrono::steady_clock::time_point topic_ids_paused_until_;
  std::chrono::steady_clock::time_point identity_paused_until_;
  std::unique_ptr<kafka::admin_client> source_;
  std::unique_ptr<kafka::admin_client> target_;
  std::map<std::string, topic_state> topics_;
  std::map<partition_key, int> start_failures_;
  bool start_pending_ = false;
  std::chrono::steady_clock::time_point next_config_sync_;  // now at first
  std::string config_sync_failure_;  // why the last config read failed (logged once)
  std::string config_sync_resume_;   // the topic a pass over its budget stopped at
  bool source_reachable_ = true;
  bool target_reachable_ = true;

  struct ack_request {
    partition_key key;
    store::resolution resolution;
    bool dry_run;
    std::shared_ptr<std::atomic<int>> ticket;
    std::shared_ptr<std::promise<result<acknowledged>>> done;
  };
  std::mutex acks_mu_;
  std::vector<ack_request> acks_;  // guarded by acks_mu_

  mutable std::mutex selected_mu_;
  std::map<std::string, int> selected_;         // guarded by selected_mu_
  uint64_t selections_ = 0;                     // guarded by selected_mu_
  std::optional<store::cluster_ids> clusters_;  // guarded by selected_mu_; set once
  // Why this link writes nothing at all (its clusters are not the ones of
  // its checkpoints, or it would write into the topics it reads); every
  // selected topic reports it. Guarded by selected_mu_; set once.
  std::string cluster_refusal_;
  std::shared_ptr<const watermarks_by_partition> source_marks_;  // guarded by selected_mu_
  std::map<std::string, topic_condition> conditions_;            // guarded by selected_mu_
  backoff retry_{std::chrono::milliseconds(500), std::chrono::seconds(30)};
  // A partition that could not start yet (a topic created moments ago has no
  // leader yet, typically for a few tens of ms) is tried again soon: from
  // 50 ms, doubling to 500 ms while one stays pending; from 50 ms again once
  // a round starts them all.
  backoff start_retry_{std::chrono::milliseconds(50), std::chrono::milliseconds(500)};
  periodic_thread thread_;  // last: stopped before the members it uses go
};

}  // namespace strait::mirror
