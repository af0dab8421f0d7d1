#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "strait/config/config.h"
#include "strait/scan/report.h"
#include "strait/store/checkpoint_store.h"

namespace strait::scan {

// Scans a link's two clusters (docs/planning.md): reads the inventory
// through each cluster's admin APIs, samples the source's watermarks and
// the link's checkpoints twice, `window` apart, reads a few records at the
// start of each selected topic's backlog, and computes the catch-up time,
// each topic's retention headroom and the waves (estimates.h). Writes
// nothing, to Kafka or to the store.
//
// Threads: run() blocks (the window, admin requests of `admin_timeout` each,
// record reads of 5 s without a record); `cancel` is looked at between steps
// and ends the window at once. Its Kafka clients live for one run.
class scanner {
 public:
  struct selection {
    // Whether the link mirrors a source topic, syncs a source group (its
    // patterns and what was staged on it).
    std::function<bool(const std::string&)> topic;
    std::function<bool(const std::string&)> group;
  };
  // `admin_timeout`: each admin request's (straitd: 10 s).
  scanner(const config::link_config& cfg, const store::checkpoint_store& store, selection selected,
          std::chrono::milliseconds admin_timeout);

  // Fills `r` (whose id, link, requested_by, started_at_ms and window_ms the
  // caller set) and sets its outcome: done, failed (the source could not be
  // scanned) or interrupted (cancelled). `publish` is called with the report
  // so far after each step, for a caller that shows a running scan.
  void run(report& r, const std::atomic<bool>& cancel,
           const std::function<void(const report&)>& publish) const;

 private:
  const config::link_config& cfg_;
  const store::checkpoint_store& store_;
  selection selected_;
  std::chrono::milliseconds admin_timeout_;
};

// The notes every scan carries: what this client library cannot read.
[[nodiscard]] std::vector<std::string> library_limits();

}  // namespace strait::scan
