#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/mirror/engine_thread.h"
#include "strait/mirror/link_board.h"

namespace strait::mirror {

// The thread of a partition among `threads` (ADR 0029): FNV-1a of the topic
// plus the partition, modulo `threads`. Computed, never stored: a partition's
// state is keyed by partition in the store, so a restart with another count
// moves partitions between threads safely. Partitions of one topic spread over
// the threads.
[[nodiscard]] size_t thread_of(const std::string& topic, int32_t partition, size_t threads);

// The data path of one link: limits.engine_threads engine threads, each
// owning its partitions (ADR 0004's single owner per partition, ADR 0002's
// single writer per target partition), behind the API the supervisor, the
// workflow and reverse mirroring use. Calls about one partition go to its
// thread; the link's figures combine the threads'. Nothing above this class
// knows there are threads.
//
// Flow control: each thread gets an equal part of limits.link_inflight_bytes
// (config.cc checks that a part holds at least one partition's limit), so the
// link's bound stays what the operator set; see engine_thread. A thread cannot
// borrow an idle thread's part: busy partitions on one thread stall at it.
//
// A thread whose producer fails stops; the others mirror on until the owner
// stops the engine (on_failure tells it). snapshot() is taken thread by thread,
// not at one instant: each partition's entry is consistent on its own (what
// post_watermarks needs).
//
// Threads: start() launches the engine threads; every other public method
// is thread-safe.
class link_engine {
 public:
  // `on_failure` is called once, on an engine thread, when a thread's target
  // producer fails fatally; that thread then stops by itself and failed() is
  // true. The composition root decides what the process does (straitd exits
  // 1 so its service manager restarts it).
  link_engine(const config::link_config& cfg, store::checkpoint_store& store,
              metrics::registry& metrics, std::function<void()> on_failure = {});
  ~link_engine();
  link_engine(const link_engine&) = delete;
  link_engine& operator=(const link_engine&) = delete;

  // Creates every thread's Kafka clients, then starts their threads; on a
  // failure no thread is started (the clients made are freed with the
  // engine).
  [[nodiscard]] status start();
  // Stops fetching, waits up to `drain` for records in flight to be
  // acknowledged (the threads drain in parallel), writes the final
  // checkpoints and joins the threads.
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(30));
  // The first half of stop() without waiting, so several engines drain in
  // parallel; stop() then joins.
  void request_stop(std::chrono::milliseconds drain);

  // As engine_thread's (whose header states the contracts), on the
  // partition's thread.
  void add_partition(partition_start start);
  [[nodiscard]] std::future<status> replace_partition(
      partition_start start, std::optional<store::stop_reason> only_stopped_for = std::nullopt);
  [[nodiscard]] std::future<status> remove_partition(const partition_key& key);
  void stop_partition(const partition_key& key, store::stop_reason reason, std::string detail);
  void post_watermarks(const partition_snapshot& before, kafka::watermarks source,
                       std::optional<kafka::watermarks> target);
  [[nodiscard]] bool has_partition(const partition_key& key) const;

  // Every thread's partitions, thread by thread.
  [[nodiscard]] std::vector<partition_snapshot> snapshot() const;
  // The source's and the target's health as the threads' consumers and
  // producers see it.
  [[nodiscard]] cluster_health source_health() const { return board_.health(true); }
  [[nodiscard]] cluster_health target_health() const { return board_.health(false); }
  // A client of the same cluster (the supervisor's admin client, with the
  // same properties) was answered: the cluster is reachable and accepts the
  // credentials, also while no record flows to clear the flags.
  void cluster_answered(bool source) { board_.answered(source); }
  [[nodiscard]] int64_t inflight_bytes() const;
  // The sum of the threads' peaks: at least the link's own peak.
  [[nodiscard]] int64_t max_inflight_bytes_seen() const;
  // True after a thread's target producer failed fatally; the process should
  // exit non-zero once stopped so a supervisor (systemd, Kubernetes)
  // restarts it.
  [[nodiscard]] bool failed() const;
  [[nodiscard]] size_t threads() const { return threads_.size(); }

  // Blocking: refreshes every thread's producer's metadata of `topic` so it
  // knows partitions just created (any thread may own one), all at once (up
  // to 10 s); the first failure is returned. Called by the supervisor, never
  // an engine thread.
  [[nodiscard]] status refresh_target_metadata(const std::string& topic);

 private:
  [[nodiscard]] engine_thread& thread_for(const partition_key& key) const;

  link_board board_;
  std::vector<std::unique_ptr<engine_thread>> threads_;
};

}  // namespace strait::mirror
