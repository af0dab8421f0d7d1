// straitctl scan on real Kafka (docs/planning.md): the inventory of a
// link's clusters, its backlog and catch-up, retention headroom, waves;
// stored, listed, and read-only.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "kafka_records.h"
#include "strait/scan/report_records.h"
#include "strait/store/checkpoint_store.h"
#include "test_util.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using namespace integration;
using nlohmann::json;

const json* find_by(const json& list, const char* key, const std::string& value) {
  for (const auto& item : list) {
    if (item.value(key, "") == value) return &item;
  }
  return nullptr;
}

std::vector<std::string> strings(const json& list) {
  std::vector<std::string> out;
  for (const auto& s : list) out.push_back(s.get<std::string>());
  return out;
}

TEST(ScanKafka, InventoriesBacklogHeadroomAndWavesOfALinkAndStoresTheScan) {
  testing::temp_dir dir;
  create_topic(clusters->source, "scan-a", 2, "retention.ms=86400000");
  create_topic(clusters->source, "scan-b", 1, "retention.ms=-1");
  create_topic(clusters->source, "scan-other", 1);
  {
    testing::test_producer p(clusters->source);
    for (int i = 0; i < 100; ++i) p.send("scan-a", 0, make_record(i));
    for (int i = 0; i < 50; ++i) p.send("scan-b", 0, make_record(i));
    for (int i = 0; i < 10; ++i) p.send("scan-other", 0, make_record(i));
  }
  // scan-g1 reads both selected topics: one wave. scan-g2 reads a topic the
  // link does not mirror.
  testing::commit_offset(clusters->source, "scan-g1", "scan-a", 0, 10, "");
  testing::commit_offset(clusters->source, "scan-g1", "scan-b", 0, 5, "");
  testing::commit_offset(clusters->source, "scan-g2", "scan-other", 0, 3, "");
  straitd d(dir, "scan-a|scan-b", "groups:\n  include: [\"scan-.*\"]\n  sync_interval_ms: 200\n",
            "mig.");
  d.start();
  ASSERT_TRUE(target_offset_becomes("scan-g1", "mig.scan-a", 10)) << d.log();
  ASSERT_TRUE(testing::wait_for([] { return total_high(clusters->target, "mig.scan-b", 1) == 50; },
                                30s, 200ms));

  // Caught up: no backlog, every topic, group and wave as set up.
  auto [rc, out] = d.straitctl("-o json scan it --window 1");
  ASSERT_EQ(rc, 0) << out << d.straitctl_errors();
  json scan = json::parse(out);
  EXPECT_EQ(scan["outcome"], "DONE") << out;
  EXPECT_EQ(scan["id"], "1");
  EXPECT_GE(std::stoll(scan["measured_ms"].get<std::string>()), 1000);
  EXPECT_EQ(scan["backlog"], "0");
  EXPECT_EQ(scan["catch_up_ms"], "0");
  const json* a = find_by(scan["topics"], "name", "scan-a");
  ASSERT_NE(a, nullptr) << out;
  EXPECT_TRUE((*a)["selected"].get<bool>());
  EXPECT_EQ((*a)["partitions"], 2);
  EXPECT_EQ((*a)["records"], "100");
  EXPECT_EQ((*a)["retention_ms"], "86400000");
  EXPECT_EQ((*a)["cleanup_policy"], "delete");
  EXPECT_EQ((*a)["target_topic"], "mig.scan-a");
  EXPECT_EQ((*a)["target_partitions"], 2);
  EXPECT_TRUE((*a)["idle"].get<bool>());
  EXPECT_EQ((*a)["headroom"], "GREEN");
  const json* b = find_by(scan["topics"], "name", "scan-b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ((*b)["retention_ms"], "-1");
  const json* other = find_by(scan["topics"], "name", "scan-other");
  ASSERT_NE(other, nullptr);
  EXPECT_FALSE((*other)["selected"].get<bool>());
  EXPECT_EQ((*other)["target_partitions"], -1);
  EXPECT_EQ(find_by(scan["topics"], "name", "__consumer_offsets"), nullptr) << "internal";
  const json* g1 = find_by(scan["groups"], "id", "scan-g1");
  ASSERT_NE(g1, nullptr) << out;
  EXPECT_TRUE((*g1)["selected"].get<bool>());
  EXPECT_EQ(strings((*g1)["topics"]), (std::vector<std::string>{"scan-a", "scan-b"}));
  EXPECT_TRUE((*g1)["unselected_topics"].empty());
  EXPECT_EQ((*g1)["state"], "empty");
  const json* g2 = find_by(scan["groups"], "id", "scan-g2");
  ASSERT_NE(g2, nullptr);
  EXPECT_EQ(strings((*g2)["unselected_topics"]), (std::vector<std::string>{"scan-other"}));
  bool found_wave = false;
  for (const auto& w : scan["waves"]) {
    if (strings(w["topics"]) == std::vector<std::string>{"scan-a", "scan-b"}) {
      found_wave = true;
      EXPECT_EQ(strings(w["groups"]), (std::vector<std::string>{"scan-g1"}));
    }
  }
  EXPECT_TRUE(found_wave) << out;
  // Both clusters: brokers and ids; this suite's brokers have no
  // authorizer, and the scan says so instead of an empty list.
  EXPECT_FALSE(scan["source"]["cluster_id"].get<std::string>().empty());
  EXPECT_EQ(scan["source"]["brokers"].size(), 1u);
  EXPECT_FALSE(scan["source"]["acls_read"].get<bool>());
  EXPECT_FALSE(scan["source"]["acls_error"].get<std::string>().empty());
  EXPECT_FALSE(scan["target"]["cluster_id"].get<std::string>().empty());
  EXPECT_TRUE(scan["target"]["limits"].contains("message.max.bytes")) << out;
  bool says_quotas = false;
  for (const auto& n : scan["notes"]) {
    says_quotas = says_quotas || n.get<std::string>().starts_with("client quotas: not read");
  }
  EXPECT_TRUE(says_quotas) << out;

  // Paused, with records the mirror has not copied: a backlog, no rate to
  // catch up at, so the topic that deletes by time is red; the one kept for
  // ever is not.
  ASSERT_EQ(d.straitctl("pause-link it").first, 0) << d.straitctl_errors();
  {
    testing::test_producer p(clusters->source);
    for (int i = 100; i < 160; ++i) p.send("scan-a", 1, make_record(i));
    for (int i = 50; i < 70; ++i) p.send("scan-b", 0, make_record(i));
  }
  auto [rc2, table] = d.straitctl("scan it --window 1");
  ASSERT_EQ(rc2, 0) << table << d.straitctl_errors();
  EXPECT_NE(table.find("scan 2 of link it: DONE"), std::string::npos) << table;
  EXPECT_NE(table.find("backlog 80 records"), std::string::npos) << table;
  EXPECT_NE(table.find("did not advance"), std::string::npos) << table;
  EXPECT_NE(table.find("waves (a group moves with every topic it reads)"), std::string::npos);
  auto [rc3, second] = d.straitctl("-o json scan-report it 2");
  ASSERT_EQ(rc3, 0);
  scan = json::parse(second);
  a = find_by(scan["topics"], "name", "scan-a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ((*a)["backlog"], "60");
  EXPECT_EQ((*a)["headroom"], "RED") << second;
  // The first record of each partition's backlog: only partition 1 has one.
  EXPECT_EQ((*a)["sampled_records"], "1");
  EXPECT_EQ((*a)["unsampled_partitions"], 0);
  EXPECT_EQ(scan["catch_up"], "CATCH_UP_NO_RATE");
  const int64_t age = std::stoll((*a)["oldest_unmirrored_age_ms"].get<std::string>());
  EXPECT_GE(age, 0);
  EXPECT_LT(age, 24 * 3600 * 1000);
  b = find_by(scan["topics"], "name", "scan-b");
  EXPECT_EQ((*b)["backlog"], "20");
  EXPECT_EQ((*b)["headroom"], "GREEN");
  EXPECT_NE(scan["bytes_to_copy_estimate"], "-1");

  // Refusals and the list.
  EXPECT_EQ(d.straitctl("scan it --window 0.5").first, 2);
  EXPECT_EQ(d.straitctl("scan no-such-link").first, 3);
  EXPECT_EQ(d.straitctl("scan-report it 99").first, 3);
  auto [rc4, list] = d.straitctl("scans it");
  ASSERT_EQ(rc4, 0);
  EXPECT_NE(list.find("DONE"), std::string::npos) << list;
  // Read-only: the scan of a paused link left the target as it was.
  EXPECT_EQ(total_high(clusters->target, "mig.scan-a", 2), 100);
  EXPECT_EQ(d.stop(), 0) << d.log();

  // Stored: both scans, newest last.
  auto st = store::checkpoint_store::open(d.store_dir());
  ASSERT_TRUE(st.has_value()) << st.error().message;
  auto stored = scan::load_summaries(**st, "it", 10);
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ(stored->back().id, 2u);
  EXPECT_EQ(stored->back().backlog, 80);
}

}  // namespace
}  // namespace strait
