#pragma once

#include <optional>
#include <string_view>

#include "strait/metrics/registry.h"

// The process's own CPU, memory, file descriptors and start time, read from
// /proc when /metrics is scraped, under the names Prometheus' client
// libraries give them (process_*), so that the dashboards and alerts made
// for those apply to straitd too.
namespace strait::metrics {

struct process_sample {
  std::optional<double> cpu_seconds;         // user + system, all threads
  std::optional<double> resident_bytes;      // RSS
  std::optional<double> virtual_bytes;       // address space
  std::optional<double> start_time_seconds;  // since the Unix epoch
  std::optional<double> open_fds;
  std::optional<double> max_fds;  // the soft limit
};

// The fields of /proc/<pid>/stat's text (proc(5)), with the clock's ticks
// per second, the page size and the boot time (/proc/stat's btime) to
// scale them; a field it cannot read, or text that is not such a line,
// leaves its value empty. Pure.
[[nodiscard]] process_sample parse_proc_stat(std::string_view stat, double ticks_per_second,
                                             double page_bytes,
                                             std::optional<double> boot_time_seconds);

// This process, now (Linux: from /proc, and the file limit from
// getrlimit; a value it cannot read is empty).
[[nodiscard]] process_sample read_process();

// Describes the process_* families in `r`; set_process sets the values a
// sample holds and removes the others (left out, not rendered as 0 nor as
// an earlier scrape's value).
void describe_process(registry& r);
void set_process(registry& r, const process_sample& s);

}  // namespace strait::metrics
