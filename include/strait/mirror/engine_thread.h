#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "strait/config/config.h"
#include "strait/kafka/client.h"
#include "strait/metrics/registry.h"
#include "strait/mirror/link_board.h"
#include "strait/mirror/partition_pipeline.h"
#include "strait/store/checkpoint_store.h"

namespace strait::mirror {

// What the engine publishes about a partition for the supervisor and metrics.
struct partition_snapshot {
  partition_key key;
  offsets::mirror_position position;
  bool stopped = false;
  bool idle = false;              // nothing in flight, not reconciling
  int64_t lag_records = 0;        // as strait_partition_lag_records
  double lag_seconds = 0;         // as strait_partition_lag_seconds
  double records_per_second = 0;  // mirrored, over the last snapshot interval (about 1 s)
  store::stop_reason stop_reason = store::stop_reason::none;
  std::string stop_detail;
};

// The data path of one link's share of partitions (all of them with one
// engine thread, ADR 0029): one thread that fetches from the source, writes
// to the target, handles delivery reports, applies flow control and writes
// checkpoints, with a consumer and a producer of its own. It never blocks on
// an admin request; the supervisor does those and talks to it through
// link_engine, which routes each partition to its thread.
//
// Threads: launch() starts the engine thread; every other public method is
// thread-safe.
//
// Flow control (docs/architecture.md), two levels:
//   thread: at its limits.link_inflight_bytes (link_engine gives each thread
//     an equal part of the link's) the engine stops taking records from
//     the consumer until deliveries bring it below; librdkafka's prefetch
//     queue (queued.max.messages.kbytes; its default, like the in-flight
//     budget, is the link's divided among the threads) is bounded and stops
//     fetching when full, so nothing is discarded and memory stays bounded;
//   partition: a partition whose own bytes in flight reach
//     limits.partition_inflight_bytes is paused and resumed below half, so
//     one slow target partition cannot take the whole thread's budget. A pause
//     drops that partition's prefetched records, which librdkafka refetches
//     from the position after the last record handed to the engine.
class engine_thread {
 public:
  // When the target producer fails fatally the thread tells `board` (which
  // tells link_engine's on_failure once), stops by itself and failed() is
  // true. `index` is the thread's place among board.threads().
  engine_thread(const config::link_config& cfg, store::checkpoint_store& store,
                metrics::registry& metrics, link_board& board, size_t index);
  ~engine_thread();
  engine_thread(const engine_thread&) = delete;
  engine_thread& operator=(const engine_thread&) = delete;

  // Creates the Kafka clients; launch() then starts the engine thread (so
  // link_engine starts no thread unless every thread has its clients).
  [[nodiscard]] status connect();
  void launch();
  // As link_engine's, for this thread: request_stop() tells the thread to
  // drain for up to `drain`, stop() also joins it.
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(30));
  void request_stop(std::chrono::milliseconds drain);

  // Hands a prepared partition to the engine (assigns it to the consumer
  // unless it is stopped).
  void add_partition(partition_start start);
  // Replaces a stopped partition that has nothing in flight with `start`
  // (rollback resumes forward mirroring at a new position). The new
  // checkpoint is written durably before the partition is assigned. The
  // future holds the outcome: errc::precondition when the partition runs,
  // has records in flight, or (with `only_stopped_for`) is stopped for
  // another reason: a cutover's resumption must not restart a partition an
  // incident stopped meanwhile.
  [[nodiscard]] std::future<status> replace_partition(
      partition_start start, std::optional<store::stop_reason> only_stopped_for = std::nullopt);
  // Takes a stopped partition (as `released`, or earlier for an incident)
  // out of the engine once nothing of it is in flight (ADR 0030 step 3): its
  // runs, its checkpoint (a release's as running) and the deletion of its
  // journal (what it still holds was never produced) are written fsynced,
  // then it is unassigned and its series go. The future holds the outcome:
  // OK also when the partition is not in the engine; errc::busy while
  // records are in flight (ask again); errc::precondition while it runs; a
  // store error (the partition stays, ask again).
  [[nodiscard]] std::future<status> remove_partition(const partition_key& key);
  // Stops a partition from outside the data path (gap found by the
  // supervisor, topic deleted...). A partition already stopped keeps its
  // stop, except a retention_gap given source_truncated (a recreated topic,
  // partition_pipeline::explain_stop): it takes that reason and detail, and
  // is logged and counted again under it.
  void stop_partition(const partition_key& key, store::stop_reason reason, std::string detail);
  // Watermarks the supervisor queried after taking `before` from snapshot().
  // Positions only grow, so comparing the watermarks with `before` (not with
  // the engine's newer position) is race-free:
  //   source.high < before.next_source           -> source_truncated
  //   target.high < before.next_target           -> target_truncated
  //   target.high > position, when the partition was idle in `before` and
  //   still is with the same position (so every record strait wrote is
  //   acknowledged and counted)                  -> foreign_write
  // The engine also prunes the offset map below source.low and uses
  // source.high for lag, also of a stopped partition and while the
  // consumer's cache is stale (paused, or the target down). Without `target`
  // (unreachable) only the source checks run.
  void post_watermarks(const partition_snapshot& before, kafka::watermarks source,
                       std::optional<kafka::watermarks> target);

  [[nodiscard]] std::vector<partition_snapshot> snapshot() const;
  [[nodiscard]] bool has_partition(const partition_key& key) const;
  [[nodiscard]] int64_t inflight_bytes() const { return total_inflight_.load(); }
  [[nodiscard]] int64_t max_inflight_bytes_seen() const { return max_inflight_seen_.load(); }
  // True after the target producer failed fatally; the process should exit
  // non-zero once stopped so a supervisor (systemd, Kubernetes) restarts it.
  [[nodiscard]] bool failed() const { return failed_.load(); }

  // Blocking: refreshes the target producer's metadata of `topic` so it knows
  // partitions just created. Called by the supervisor, never the engine thread.
  [[nodiscard]] status refresh_target_metadata(const std::string& topic);

 private:
  void run();
  void drain_inbox();
  void install(partition_start start);
  // Takes `p` out of the engine (replace_partition, remove_partition): its
  // outbox dropped, unassigned, its entries gone. `p` is freed.
  void uninstall(partition_pipeline* p);
  void handle_message(rd_kafka_message_t* msg);
  // Puts a record on_record() let through into its partition's outbox.
  void enqueue(partition_pipeline& p, kafka::message_ptr msg);
  // Writes what the outboxes hold beyond their journaled part to the
  // in-flight journal, in one store write (ADR 0009). Nothing is produced
  // until that write succeeded.
  void journal();
  // Hands journaled records to the producer, each partition in order, up to
  // the first one librdkafka cannot take now; trims the outboxes of stopped
  // partitions (trim_stopped_outbox).
  void send();
  void drop_outbox(partition_pipeline& p);
  // For a stopped partition: drops what its outbox holds from the record
  // that stopped it on (everything when the stop names no record).
  void trim_stopped_outbox(partition_pipeline& p);
  void drop_newest(partition_pipeline& p, size_t n);
  enum class produce_result {
    written,  // the producer has it
    later,    // queue full or partition not known yet: try again, in order
    refused,  // not written: the partition stopped, or the producer failed
  };
  produce_result produce(partition_pipeline& p, const partition_pipeline::queued_record& rec);
  void on_delivery(const rd_kafka_message_t* msg);
  // The target producer failed fatally: logs it and tells the board, once.
  void producer_failed();
  void on_stopped(partition_pipeline& p);
  // Stops `p` and, if it was running, logs and counts it (once).
  void halt(partition_pipeline& p, store::stop_reason reason, std::string detail,
            int64_t source_offset = -1);
  // Nothing queued, in flight or being reconciled.
  [[nodiscard]] static bool idle(const partition_pipeline& p) { return p.quiescent(); }
  void apply_flow_control();
  void set_paused(std::vector<partition_pipeline*>& which, bool paused);
  void checkpoint();
  void publish_metrics();
  partition_pipeline* find(const char* topic, int32_t partition);
  static void delivery_callback(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void error_callback(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  config::link_config cfg_;
  store::checkpoint_store& store_;
  metrics::registry& metrics_;
  link_board& board_;
  const size_t index_;
  kafka::handle consumer_;
  kafka::handle producer_;

  // Engine-thread state.
  std::vector<std::unique_ptr<partition_pipeline>> pipelines_;
  // By engine_id (a pipeline's index here, never reused while the engine
  // runs; null once it is gone): the pipeline a delivery report names.
  // Index 0 is none (a pipeline's engine_id before install). Grows by one
  // pointer a pipeline installed (a partition, or its restart by an
  // operator's resolution or a rollback), accepted: 8 bytes each.
  std::vector<partition_pipeline*> by_id_{nullptr};
  std::unordered_map<std::string, std::vector<partition_pipeline*>> by_topic_;
  // Pipelines whose outbox is not empty.
  std::vector<partition_pipeline*> sending_;
  std::map<partition_key, source_offset> log_starts_;  // pending prunes
  bool checkpoint_failing_ = false;
  bool prune_failing_ = false;
  bool journal_failing_ = false;
  struct {
    uint64_t iterations = 0, link_full = 0, empty_polls = 0, records = 0;
    int64_t poll_ns = 0, handle_ns = 0, dr_ns = 0;
  } loop_stats_;  // logged at debug level every 5 s
  // When apply_flow_control() has something to do: a partition crossed its
  // limit, one stopped, or one is still flow-paused (it may resume).
  bool over_partition_limit_ = false;
  bool flow_check_ = false;
  bool flow_paused_any_ = false;

  std::atomic<int64_t> total_inflight_{0};
  std::atomic<int64_t> max_inflight_seen_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> failed_{false};
  // The report of the record whose refusal failed the producer has come
  // (engine thread only; see on_delivery).
  bool fatal_cause_seen_ = false;
  std::set<std::pair<partition_pipeline*, int>> fetch_errors_logged_;
  std::chrono::milliseconds drain_{30000};
  std::thread thread_;

  mutable std::mutex mu_;  // guards inbox_ and snapshot_
  std::vector<std::function<void()>> inbox_;
  std::vector<partition_snapshot> snapshot_;
  bool snapshot_stale_ = false;  // engine thread: partitions added since the last snapshot
};

}  // namespace strait::mirror
