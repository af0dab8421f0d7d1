// The monitoring the repository ships (deploy/monitoring) against a real
// straitd: every strait_* metric its alert rules and dashboard use is a
// family /metrics serves, so a rename breaks this test, not a user's alert.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "harness.h"
#include "monitoring_files.h"
#include "test_util.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using namespace integration;

std::set<std::string> families(const std::string& metrics) {
  std::set<std::string> out;
  std::istringstream lines(metrics);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    out.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  return out;
}

TEST(MonitoringKafka, EveryMetricTheRulesAndTheDashboardUseIsServed) {
  testing::temp_dir dir;
  create_topic(clusters->source, "mon-orders", 1);
  {
    testing::test_producer p(clusters->source);
    for (int i = 0; i < 5; ++i) p.send("mon-orders", 0, make_record(i));
  }
  // Groups too: their families are described by the link's group sync.
  straitd d(dir, "mon-.*", "groups:\n  include: [\"mon-.*\"]\n  sync_interval_ms: 200\n");
  d.start();
  ASSERT_TRUE(testing::wait_for(
      [&] { return testing::high_watermark(clusters->target, "mon-orders", 0) == 5; }, 60s, 200ms))
      << d.log();
  // The workflow's gauges come with its first round.
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return d.metric("strait_migration_topics{link=\"it\",state=\"MIRRORING\"}") +
                   d.metric("strait_migration_topics{link=\"it\",state=\"IN_SYNC\"}") ==
               1;
      },
      30s, 200ms))
      << d.metrics();
  const std::string metrics = d.metrics();
  const auto served = families(metrics);
  auto queries = testing::alert_queries(STRAIT_SOURCE_DIR);
  const auto panels = testing::dashboard_queries(STRAIT_SOURCE_DIR);
  queries.insert(queries.end(), panels.begin(), panels.end());
  const auto used = testing::metrics_used(queries);
  ASSERT_GT(used.size(), 20u);
  for (const auto& m : used) {
    EXPECT_TRUE(served.contains(m)) << m << " is used by deploy/monitoring but straitd serves no "
                                    << "such family:\n"
                                    << metrics;
  }
  ASSERT_EQ(d.stop(), 0);
}

}  // namespace
}  // namespace strait
