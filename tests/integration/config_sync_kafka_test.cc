// Config sync on real Kafka (docs/configuration.md, topics.config_sync):
// a source topic's config change reaches the target topic strait created,
// including a config set back to its default (the target gets the source's
// default value); a target topic that existed before is left as it is with
// its drift in status and metrics, until config_sync: all. Changes are made
// and read with Kafka's own tool.
#include <gtest/gtest.h>

#include "harness.h"
#include "test_util.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using namespace integration;

using testing::contains;

void alter(const std::string& bootstrap, const std::string& topic, const std::string& change) {
  kafka_tool("run kafka.admin.ConfigCommand --bootstrap-server " + bootstrap +
             clusters->tool_auth(bootstrap) + " --entity-type topics --entity-name " + topic +
             " --alter " + change);
}

bool target_sets(const std::string& topic, const std::string& config_value) {
  return testing::wait_for(
      [&] { return contains(own_configs(clusters->target, topic), " " + config_value + " "); }, 60s,
      500ms);
}

TEST(ConfigSyncKafka, SourceChangesReachTopicsStraitCreatedAndDriftOfOthersIsShown) {
  create_topic(clusters->source, "cfs-made", 1, "retention.ms=3600000,segment.ms=7200000");
  create_topic(clusters->source, "cfs-pre", 1, "retention.ms=3600000");
  create_topic(clusters->target, "cfs-pre", 1, "retention.ms=1000000");
  {
    testing::temp_dir dir;
    straitd d(dir, "cfs-.*", "", "", "", 500, "config_sync_interval_ms: 1000");
    d.start();
    ASSERT_TRUE(target_sets("cfs-made", "retention.ms=3600000")) << d.log();

    // Changed on the source, and one config set back to its default there.
    alter(clusters->source, "cfs-made", "--add-config retention.ms=7200000");
    alter(clusters->source, "cfs-made", "--delete-config segment.ms");
    ASSERT_TRUE(target_sets("cfs-made", "retention.ms=7200000")) << d.log();
    ASSERT_TRUE(target_sets("cfs-made", "segment.ms=604800000")) << d.log();
    EXPECT_TRUE(contains(d.log(),
                         "topic cfs-made: target topic cfs-made follows the source's "
                         "configs: retention.ms: source 7200000, target 3600000"))
        << d.log();
    EXPECT_TRUE(contains(d.log(), "segment.ms: source 604800000 (its default), target 7200000"))
        << d.log();

    // Not created by strait: left alone, its drift shown.
    std::string status;
    ASSERT_TRUE(testing::wait_for(
        [&] {
          status = d.straitctl("status it --topics cfs-pre").second;
          return contains(status, "config retention.ms: source 3600000, target 1000000");
        },
        60s, 500ms))
        << status << d.log();
    EXPECT_TRUE(contains(status, "was not created by strait")) << status;
    auto [rc, json] = d.straitctl("-o json status it --topics cfs-pre");
    ASSERT_EQ(rc, 0) << json;
    EXPECT_TRUE(contains(json, R"("name":"retention.ms","source_value":"3600000")")) << json;
    EXPECT_TRUE(contains(json, R"("target_value":"1000000")")) << json;
    EXPECT_EQ(d.metric(R"(strait_topic_drifted_configs{link="it",topic="cfs-pre"})"), 1);
    EXPECT_EQ(d.metric(R"(strait_topic_drifted_configs{link="it",topic="cfs-made"})"), 0);
    EXPECT_EQ(d.metric(R"(strait_config_sync_changes_total{link="it"})"), 2);
    EXPECT_TRUE(contains(own_configs(clusters->target, "cfs-pre"), " retention.ms=1000000 "));
    // Verification sees the same drift.
    auto [vrc, verdict] = d.straitctl("verify it --topics cfs-pre --groups none");
    EXPECT_EQ(vrc, 5) << verdict;
    EXPECT_TRUE(contains(verdict, "config retention.ms: source 3600000, target 1000000"))
        << verdict;
    EXPECT_EQ(d.stop(), 0) << d.log();
  }
  // config_sync: all changes every mirrored target topic.
  testing::temp_dir dir;
  straitd d(dir, "cfs-.*", "", "", "", 500, "config_sync: all\nconfig_sync_interval_ms: 1000");
  d.start();
  ASSERT_TRUE(target_sets("cfs-pre", "retention.ms=3600000")) << d.log();
  ASSERT_TRUE(testing::wait_for(
      [&] { return d.metric(R"(strait_topic_drifted_configs{link="it",topic="cfs-pre"})") == 0; },
      30s, 200ms))
      << d.metrics();
  EXPECT_EQ(d.stop(), 0) << d.log();
}

}  // namespace
}  // namespace strait
