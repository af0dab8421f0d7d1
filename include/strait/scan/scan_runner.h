#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/base/task_threads.h"
#include "strait/config/config.h"
#include "strait/config/selection.h"
#include "strait/config/staged.h"
#include "strait/scan/report.h"
#include "strait/store/checkpoint_store.h"

namespace strait::scan {

// A link's scans: at most one running (on a thread of its own, `scn:<link>`),
// the finished ones stored (report_records.h). Owned by the daemon's link
// runtime for as long as the link exists, running or paused.
//
// Thread-safe: the API's threads call start / get / list; the scan's thread
// publishes its progress under the same mutex.
class scan_runner {
 public:
  // The link's selection is its patterns and what was staged on it
  // (config::name_selection, the supervisor's and the group syncer's rule;
  // the staged names must outlive this).
  // `admin_timeout`: each admin request's.
  scan_runner(const config::link_config& cfg, store::checkpoint_store& store,
              const config::staged_names* staged_topics, const config::staged_names* staged_groups,
              std::chrono::milliseconds admin_timeout = std::chrono::seconds(10));
  ~scan_runner();
  scan_runner(const scan_runner&) = delete;
  scan_runner& operator=(const scan_runner&) = delete;

  // Starts a scan sampling for `window_ms` and returns it RUNNING.
  // errc::precondition while one runs (or ends) and after stop().
  [[nodiscard]] result<report> start(int64_t window_ms, const std::string& requested_by);
  // Scan `id` (0: the newest, running or stored); errc::not_found if none.
  [[nodiscard]] result<report> get(uint64_t id) const;
  // The newest `limit`, oldest first, the running one last.
  [[nodiscard]] result<std::vector<report>> list(size_t limit) const;
  // Cancels a running scan, without waiting: its report ends INTERRUPTED
  // and is stored (a paused link, straitd stopping). A later start() runs.
  void cancel();
  // Cancels, waits for the scan's thread and refuses new scans for good.
  void stop();

 private:
  void run(report r);
  [[nodiscard]] result<uint64_t> next_id();

  const config::link_config& cfg_;
  store::checkpoint_store& store_;
  std::optional<error> filter_error_;  // before the selections it is filled by
  config::name_selection topics_;
  config::name_selection groups_;
  std::chrono::milliseconds admin_timeout_;
  std::atomic<bool> cancel_{false};
  mutable std::mutex mu_;
  bool stopped_ = false;
  uint64_t last_id_ = 0;            // 0: not read from the store yet
  std::optional<report> running_;   // the scan in progress, as last published
  std::optional<report> unstored_;  // the last one, when storing it failed
  task_threads threads_;
};

}  // namespace strait::scan
