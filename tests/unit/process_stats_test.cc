// metrics::process_stats: the process_* figures /metrics serves.
#include "strait/metrics/process_stats.h"

#include <gtest/gtest.h>

#include <string>

namespace strait::metrics {
namespace {

// /proc/<pid>/stat as proc(5) gives it: comm may hold spaces and
// parentheses (a thread may name itself anything); fields are counted
// after the last ')'.
TEST(ProcessStats, TheStatLineIsReadAfterTheLastParenthesis) {
  // Fields 3..24: state ... utime=14 stime=15 ... starttime=22 vsize=23 rss=24.
  const std::string stat =
      "4242 (strait d) (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 12 0 "
      "5000 1073741824 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto s = parse_proc_stat(stat, 100, 4096, 1'700'000'000);
  ASSERT_TRUE(s.cpu_seconds && s.start_time_seconds && s.virtual_bytes && s.resident_bytes);
  EXPECT_DOUBLE_EQ(*s.cpu_seconds, 4.0);  // (250 + 150) ticks at 100 per second
  EXPECT_DOUBLE_EQ(*s.start_time_seconds, 1'700'000'050.0);
  EXPECT_DOUBLE_EQ(*s.virtual_bytes, 1073741824.0);
  EXPECT_DOUBLE_EQ(*s.resident_bytes, 2560.0 * 4096);
  // No boot time: no start time, the rest as before.
  EXPECT_FALSE(parse_proc_stat(stat, 100, 4096, std::nullopt).start_time_seconds);

  // Not such a line, or a field that is no number: that field is empty,
  // never a wrong number.
  for (const std::string bad : {"", "4242 strait S 1", "4242 (straitd) S 1 2 3",
                                "4242 (straitd) S 1 4242 4242 0 -1 0 0 0 "
                                "0 0 x 150 0 0 20 0 12 0 5000 1 -2"}) {
    const auto b = parse_proc_stat(bad, 100, 4096, 1'700'000'000);
    EXPECT_FALSE(b.cpu_seconds) << bad;
    EXPECT_FALSE(b.resident_bytes) << bad;
  }
  EXPECT_FALSE(parse_proc_stat(stat, 0, 4096, 0).cpu_seconds) << "no clock rate";
}

// This process: what /metrics shows of straitd, under the usual names;
// a value that cannot be read is left out, not rendered as 0.
TEST(ProcessStats, ThisProcessIsReadAndRenderedUnderTheUsualNames) {
  const auto s = read_process();
  ASSERT_TRUE(s.cpu_seconds && s.resident_bytes && s.start_time_seconds && s.open_fds);
  EXPECT_GT(*s.resident_bytes, 1 << 20);
  EXPECT_GT(*s.open_fds, 2);  // at least stdin, stdout, stderr
  registry r;
  describe_process(r);
  const std::string described = r.render();
  EXPECT_NE(described.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_EQ(described.find("\nprocess_cpu_seconds_total "), std::string::npos) << "not set yet";
  set_process(r, s);
  const std::string text = r.render();
  for (const char* name :
       {"process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_virtual_memory_bytes", "process_start_time_seconds", "process_open_fds"}) {
    EXPECT_NE(text.find(std::string("\n") + name + " "), std::string::npos) << name;
  }
  // A value a later read cannot give goes, rather than stay as it was.
  process_sample unread = s;
  unread.open_fds.reset();
  set_process(r, unread);
  EXPECT_EQ(r.render().find("\nprocess_open_fds "), std::string::npos);
}

}  // namespace
}  // namespace strait::metrics
