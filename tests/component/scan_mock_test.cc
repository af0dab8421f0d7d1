// A link's scans (scan::scan_runner) on librdkafka's mock clusters: one at
// a time, followed while it runs, stored when it ends, interrupted when
// cancelled. The mock has no admin APIs beyond metadata and offsets: what it
// cannot answer must show as not read, never as empty or as fine.
#include <gtest/gtest.h>

#include "mock_link.h"
#include "strait/scan/report_records.h"
#include "strait/scan/scan_runner.h"
#include "test_util.h"

namespace strait {
namespace {

using namespace std::chrono_literals;

scan::outcome outcome_of(const scan::scan_runner& runner, uint64_t id) {
  auto r = runner.get(id);
  return r ? r->result : scan::outcome::unknown;
}

TEST(ScanRunner, OneScanAtATimeStoredWhenItEndsInterruptedWhenCancelled) {
  testing::mock_cluster source(1, "orders", 2), target(1, "elsewhere", 1);
  testing::produce_filler(source, "orders", 2, 50);
  testing::temp_dir dir;
  auto st = store::checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value()) << st.error().message;
  const config::link_config cfg = testing::mock_link("m", source, target, {"orders"});
  config::staged_names staged_topics, staged_groups;
  // The mock has no controller: every admin call that needs one times out.
  scan::scan_runner runner(cfg, **st, &staged_topics, &staged_groups, 1s);

  auto started = runner.start(1000, "tester");
  ASSERT_TRUE(started.has_value()) << started.error().message;
  EXPECT_EQ(started->id, 1u);
  EXPECT_EQ(started->result, scan::outcome::running);
  auto second = runner.start(1000, "tester");
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, errc::precondition);
  EXPECT_NE(second.error().message.find("scan 1 of link m is running"), std::string::npos)
      << second.error().message;
  ASSERT_TRUE(testing::wait_for([&] { return outcome_of(runner, 1) != scan::outcome::running; },
                                120s, 50ms));

  auto done = runner.get(0);
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_EQ(done->id, 1u);
  EXPECT_EQ(done->result, scan::outcome::done) << done->error;
  ASSERT_EQ(done->topics.size(), 1u);
  const scan::topic_row& orders = done->topics.front();
  EXPECT_EQ(orders.name, "orders");
  EXPECT_TRUE(orders.selected);
  EXPECT_EQ(orders.records, 50);
  EXPECT_EQ(orders.backlog, 50) << "nothing mirrored: no checkpoint";
  EXPECT_EQ(orders.sampled_records, 2) << "the first record of each partition's backlog";
  EXPECT_EQ(done->catch_up, scan::catch_up_status::no_rate) << scan::to_json(*done);
  // What the mock cannot answer is not read, and not fine.
  EXPECT_FALSE(orders.configs_error.empty());
  EXPECT_EQ(orders.headroom, scan::rating::yellow) << orders.headroom_reason;
  EXPECT_FALSE(done->source.acls.has_value());
  EXPECT_FALSE(done->source.acls_error.empty());

  // Stored, listed as a summary.
  auto stored = scan::load_report(**st, "m", 1);
  ASSERT_TRUE(stored.has_value() && stored->has_value());
  EXPECT_TRUE(**stored == *done);
  auto listed = runner.list(10);
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE(listed->front().topics.empty());

  // A long window, cancelled: interrupted at once, stored, and the next scan
  // may start.
  ASSERT_TRUE(runner.start(600'000, "tester").has_value());
  runner.cancel();
  ASSERT_TRUE(testing::wait_for([&] { return outcome_of(runner, 2) != scan::outcome::running; },
                                60s, 50ms));
  EXPECT_EQ(outcome_of(runner, 2), scan::outcome::interrupted);
  EXPECT_EQ(runner.list(10)->size(), 2u);
  EXPECT_TRUE(runner.start(1000, "tester").has_value());
  runner.stop();
  EXPECT_EQ(runner.start(1000, "tester").error().code, errc::precondition) << "stopped for good";
  EXPECT_NE(outcome_of(runner, 3), scan::outcome::running);
}

}  // namespace
}  // namespace strait
