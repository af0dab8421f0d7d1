#include "strait/metrics/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace strait::metrics {
namespace {

std::optional<double> number(std::string_view s) {
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return static_cast<double>(v);
}

std::string read_all(const char* path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

process_sample parse_proc_stat(std::string_view stat, double ticks_per_second, double page_bytes,
                               std::optional<double> boot_time_seconds) {
  process_sample out;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so
  // the fields are those after the last ')'; the state is field 3.
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return out;
  std::vector<std::string_view> fields;
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty()) {
    const size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const size_t end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  auto field = [&](size_t n) -> std::optional<double> {  // proc(5)'s numbering
    return n - 3 < fields.size() ? number(fields[n - 3]) : std::nullopt;
  };
  if (auto user = field(14), system = field(15); user && system) {
    out.cpu_seconds = (*user + *system) / ticks_per_second;
  }
  if (auto start = field(22); start && boot_time_seconds) {
    out.start_time_seconds = *boot_time_seconds + *start / ticks_per_second;
  }
  out.virtual_bytes = field(23);
  if (auto pages = field(24); pages && page_bytes > 0) out.resident_bytes = *pages * page_bytes;
  return out;
}

process_sample read_process() {
  // The boot time never changes: /proc/stat (large on a host of many CPUs)
  // is read once.
  static const std::optional<double> boot = [] {
    std::optional<double> btime;
    std::istringstream in(read_all("/proc/stat"));
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("btime ")) btime = number(std::string_view(line).substr(6));
    }
    return btime;
  }();
  process_sample s =
      parse_proc_stat(read_all("/proc/self/stat"), static_cast<double>(sysconf(_SC_CLK_TCK)),
                      static_cast<double>(sysconf(_SC_PAGESIZE)), boot);
  std::error_code ec;
  double fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  if (!ec) s.open_fds = fds;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    s.max_fds = static_cast<double>(limit.rlim_cur);
  }
  return s;
}

namespace {
struct family {
  const char* name;
  registry::kind kind;
  const char* help;
  std::optional<double> process_sample::*value;
};
constexpr family kFamilies[] = {
    {"process_cpu_seconds_total", registry::kind::counter,
     "User and system CPU time spent in seconds, all threads", &process_sample::cpu_seconds},
    {"process_resident_memory_bytes", registry::kind::gauge, "Resident memory size in bytes",
     &process_sample::resident_bytes},
    {"process_virtual_memory_bytes", registry::kind::gauge, "Virtual memory size in bytes",
     &process_sample::virtual_bytes},
    {"process_start_time_seconds", registry::kind::gauge,
     "Start time of the process since the Unix epoch in seconds",
     &process_sample::start_time_seconds},
    {"process_open_fds", registry::kind::gauge, "Number of open file descriptors",
     &process_sample::open_fds},
    {"process_max_fds", registry::kind::gauge, "Maximum number of open file descriptors",
     &process_sample::max_fds},
};
}  // namespace

void describe_process(registry& r) {
  for (const auto& f : kFamilies) r.describe(f.name, f.kind, f.help);
}

void set_process(registry& r, const process_sample& s) {
  for (const auto& f : kFamilies) {
    if (const auto& v = s.*f.value) {
      r.set(f.name, {}, *v);
    } else {
      r.remove(f.name, {});  // not an earlier scrape's value
    }
  }
}

}  // namespace strait::metrics
