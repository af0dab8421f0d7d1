#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "strait/metrics/registry.h"

namespace strait::mirror {

// What the engine's clients last heard from one cluster.
struct cluster_health {
  bool reachable = true;
  // Why not, when the cluster refuses strait's credentials (librdkafka's
  // authentication error, made printable); empty otherwise.
  std::string authentication_error;
};

// What the engine threads of one link share (ADR 0029): the clusters' health
// as any thread's clients last heard it (one flag per cluster: the last
// client to hear it, down or answered, sets it), the link's failure, and the
// link's gauges combined over the threads. One board per link, so a cluster that
// goes down is logged, counted and shown once, not once per thread.
//
// Thread-safe: the engine threads, librdkafka's callback threads and the
// supervisor call it.
class link_board {
 public:
  // `on_failure` as link_engine's: called once, by the first thread whose
  // producer fails.
  // Describes the link gauges it writes.
  link_board(std::string link, size_t threads, metrics::registry& metrics,
             std::function<void()> on_failure);

  [[nodiscard]] const std::string& link() const { return link_; }
  [[nodiscard]] size_t threads() const { return figures_.size(); }

  // librdkafka reports every broker of the cluster down (logged once until
  // it answers again).
  void unreachable(bool source, const char* reason);
  // The cluster refuses strait's credentials for `why`: also unreachable;
  // logged and counted once per distinct reason.
  void authentication_failed(bool source, const std::string& why);
  // A client of the cluster was answered: reachable, credentials accepted.
  void answered(bool source);
  // Cheap enough for the per-record path (a relaxed load).
  [[nodiscard]] bool down(bool source) const {
    return (source ? source_down_ : target_down_).load(std::memory_order_relaxed);
  }
  [[nodiscard]] cluster_health health(bool source) const;

  // A thread's producer failed fatally: calls on_failure the first time.
  void report_failure();

  // One thread's share of the link's gauges.
  struct figures {
    int64_t partitions_stopped = 0;
    int64_t inflight_bytes = 0;
    int64_t inflight_records = 0;
  };
  // Records thread `thread`'s figures and writes the link's gauges: the sums
  // over the threads, and the clusters' health. Every writer writes the
  // combined value under one lock, so the series never show one thread's part.
  void publish(size_t thread, figures f);

 private:
  const std::string link_;
  metrics::registry& metrics_;
  std::function<void()> on_failure_;
  std::atomic<bool> failed_{false};
  std::atomic<bool> source_down_{false};
  std::atomic<bool> target_down_{false};
  mutable std::mutex mu_;
  std::string source_auth_error_;  // guarded by mu_
  std::string target_auth_error_;  // guarded by mu_
  std::vector<figures> figures_;   // by thread; guarded by mu_
};

}  // namespace strait::mirror
