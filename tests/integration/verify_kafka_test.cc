// Verification on real Kafka through straitctl: records compared through the
// offset map (full and sampled), topic configs, group offsets; reports stored
// and listed; the topic's migration state follows the verdict
// (docs/verification.md).
#include <gtest/gtest.h>

#include "harness.h"
#include "kafka_records.h"
#include "test_util.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using namespace integration;

using testing::contains;

TEST(VerifyKafka, ComparesRecordsConfigsAndGroupsAndMovesTheTopicState) {
  testing::temp_dir dir;
  create_topic(clusters->source, "vfy-orders", 2, "retention.ms=604800000");
  {
    testing::test_producer p(clusters->source);
    for (int i = 0; i < 2000; ++i) p.send("vfy-orders", i % 2, make_record(i));
  }
  testing::commit_offset(clusters->source, "vfy-billing", "vfy-orders", 0, 500, "");
  // No config sync: the config changed on the source below stays different.
  straitd d(dir, "vfy-.*", "groups:\n  include: [\"vfy-.*\"]\n  sync_interval_ms: 200\n", "mig.",
            "", 1000, "config_sync: off");
  d.start();
  ASSERT_TRUE(target_offset_becomes("vfy-billing", "mig.vfy-orders", 500)) << d.log();
  auto state_is = [&](const std::string& state) {
    return testing::wait_for(
        [&] {
          auto [rc, out] = d.straitctl("-o json status it --topics vfy-orders");
          return rc == 0 && contains(out, "\"state\":\"" + state + "\"");
        },
        30s, 200ms);
  };
  ASSERT_TRUE(state_is("IN_SYNC")) << d.log();

  // A dry run names what would be compared and stores nothing.
  auto [rc0, plan] = d.straitctl("verify it --dry-run");
  ASSERT_EQ(rc0, 0) << plan;
  EXPECT_TRUE(contains(plan, "topic vfy-orders -> mig.vfy-orders")) << plan;
  EXPECT_TRUE(contains(plan, "group vfy-billing")) << plan;

  // Every record, through the map; the group's offsets translate.
  auto [rc1, full] = d.straitctl("verify it");
  ASSERT_EQ(rc1, 0) << full << d.log();
  EXPECT_TRUE(contains(full, "verification 1 of link it: PASSED")) << full;
  EXPECT_TRUE(contains(full, "2000 of 2000 records compared")) << full;
  EXPECT_TRUE(contains(full, "vfy-billing")) << full;
  ASSERT_TRUE(state_is("VERIFIED")) << d.log();

  // Sampled: two windows of 100 offsets per partition (start and newest).
  auto [rc2, sampled] = d.straitctl("-o json verify it --sample 100");
  ASSERT_EQ(rc2, 0) << sampled;
  EXPECT_TRUE(contains(sampled, "\"records_done\":\"400\"")) << sampled;
  EXPECT_TRUE(contains(sampled, "sampled: 2 windows of 100 offsets")) << sampled;

  // A config changed on the source only: a difference, exit 5, and the topic
  // is no longer VERIFIED.
  kafka_tool(
      "run kafka.admin.ConfigCommand --bootstrap-server " + clusters->source +
      " --entity-type topics --entity-name vfy-orders --alter --add-config retention.ms=86400000");
  auto [rc3, differs] = d.straitctl("verify it --topics vfy-orders --groups none");
  EXPECT_EQ(rc3, 5) << differs;
  EXPECT_TRUE(contains(differs, "FAILED")) << differs;
  EXPECT_TRUE(contains(differs, "config retention.ms: source 86400000, target 604800000"))
      << differs;
  ASSERT_TRUE(state_is("IN_SYNC")) << d.log();
  // config_sync: off reads no configs for drift: no series at all.
  EXPECT_EQ(d.metric(R"(strait_topic_drifted_configs{link="it",topic="vfy-orders"})"), -1)
      << d.metrics();

  // Stored and listed (the dry run is not); one report by id.
  auto [rc4, list] = d.straitctl("reports it");
  ASSERT_EQ(rc4, 0) << list;
  EXPECT_EQ(std::count(list.begin(), list.end(), '\n'), 4) << list;  // header + 3
  EXPECT_TRUE(contains(list, "vfy-orders")) << list;
  auto [rc5, first] = d.straitctl("report it 1");
  EXPECT_EQ(rc5, 0) << first;
  EXPECT_TRUE(contains(first, "PASSED")) << first;
  EXPECT_EQ(d.straitctl("report it 99").first, 3);
  EXPECT_EQ(d.straitctl("verify it --topics '('").first, 2);

  // Each call is in the audit journal with the topic's state.
  auto [rc6, journal] = d.straitctl("-o json audit");
  ASSERT_EQ(rc6, 0);
  EXPECT_TRUE(contains(journal, "\"call\":\"Verify (dry run)\"")) << journal;
  EXPECT_TRUE(contains(journal, "\"state_before\":\"vfy-orders=VERIFIED\"")) << journal;
  EXPECT_EQ(d.stop(), 0) << d.log();
}

}  // namespace
}  // namespace strait
