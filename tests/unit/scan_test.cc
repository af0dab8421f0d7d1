// The pure parts of a scan (estimates.h): waves, catch-up, retention
// headroom; and the stored form of a scan (report.h, report_records.h).
#include <gtest/gtest.h>

#include "strait/scan/estimates.h"
#include "strait/scan/report_records.h"
#include "test_util.h"

namespace strait::scan {
namespace {

topic_row topic(const std::string& name, int64_t backlog, bool selected = true) {
  topic_row t;
  t.name = name;
  t.selected = selected;
  t.backlog = backlog;
  t.records = backlog * 2;
  return t;
}

group_row group(const std::string& id, std::vector<std::string> topics) {
  group_row g;
  g.id = id;
  g.topics = std::move(topics);
  return g;
}

// ---- waves ----

TEST(ScanWaves, AGroupMovesWithEveryTopicItReadsAndSharedTopicsJoinGroups) {
  // g1 reads a and b, g2 reads b and c: a, b, c are one wave with both.
  // g3 reads d: a wave of its own. e is read by nobody: alone.
  auto waves =
      plan_waves({topic("a", 10), topic("b", 10), topic("c", 10), topic("d", 5), topic("e", 1)},
                 {group("g1", {"a", "b"}), group("g2", {"b", "c"}), group("g3", {"d"})});
  ASSERT_EQ(waves.size(), 3u);
  // Smallest backlog first.
  EXPECT_EQ(waves[0].topics, (std::vector<std::string>{"e"}));
  EXPECT_TRUE(waves[0].groups.empty());
  EXPECT_EQ(waves[1].topics, (std::vector<std::string>{"d"}));
  EXPECT_EQ(waves[1].groups, (std::vector<std::string>{"g3"}));
  EXPECT_EQ(waves[2].topics, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(waves[2].groups, (std::vector<std::string>{"g1", "g2"}));
  EXPECT_EQ(waves[2].backlog, 30);
  EXPECT_EQ(waves[2].records, 60);
  for (size_t i = 0; i < waves.size(); ++i) EXPECT_EQ(waves[i].number, static_cast<int>(i + 1));
}

TEST(ScanWaves, TopicsTheLinkDoesNotMirrorAreInNoWaveAndDoNotJoinOthers) {
  // x is not selected: g1 reading a and x, g2 reading x and b must not put
  // a and b together (the link moves neither x nor its readers' x).
  auto waves = plan_waves({topic("a", 1), topic("b", 2), topic("x", 3, false)},
                          {group("g1", {"a", "x"}), group("g2", {"x", "b"}), group("g3", {"x"})});
  ASSERT_EQ(waves.size(), 2u);
  EXPECT_EQ(waves[0].topics, (std::vector<std::string>{"a"}));
  EXPECT_EQ(waves[0].groups, (std::vector<std::string>{"g1"}));
  EXPECT_EQ(waves[1].topics, (std::vector<std::string>{"b"}));
  EXPECT_EQ(waves[1].groups, (std::vector<std::string>{"g2"}));
}

TEST(ScanWaves, NothingSelectedIsNoWave) {
  EXPECT_TRUE(plan_waves({topic("a", 1, false)}, {group("g", {"a"})}).empty());
  EXPECT_TRUE(plan_waves({}, {}).empty());
}

TEST(ScanWaves, AChainOfGroupsJoinsEveryTopicInOneWave) {
  // g_i reads t_i and t_{i+1}: one component however the union-find links.
  std::vector<topic_row> topics;
  std::vector<group_row> groups;
  for (int i = 0; i < 200; ++i) topics.push_back(topic("t" + std::to_string(1000 + i), 1));
  for (int i = 199; i > 0; --i) {
    groups.push_back(group("g" + std::to_string(i),
                           {"t" + std::to_string(1000 + i), "t" + std::to_string(999 + i)}));
  }
  auto waves = plan_waves(topics, groups);
  ASSERT_EQ(waves.size(), 1u);
  EXPECT_EQ(waves[0].topics.size(), 200u);
  EXPECT_EQ(waves[0].groups.size(), 199u);
}

// ---- catch-up ----

TEST(ScanCatchUp, BacklogOverTheNetRate) {
  // 10 s window: the mirror advanced 5000 (500/s), the source grew 1000
  // (100/s): 4000 records at 400/s net is 10 s.
  auto c = estimate_catch_up(4000, 5000, 1000, 10'000);
  EXPECT_DOUBLE_EQ(c.mirror_records_per_s, 500);
  EXPECT_DOUBLE_EQ(c.source_records_per_s, 100);
  EXPECT_EQ(c.catch_up_ms, 10'000);
  EXPECT_EQ(c.status, catch_up_status::estimated);
}

TEST(ScanCatchUp, AMirrorAsFastAsTheSourceKeepsPaceWithASteadyLag) {
  // 100 records/s each way, a lag of 100 records: a second behind.
  auto even = estimate_catch_up(100, 1000, 1000, 10'000);
  EXPECT_EQ(even.status, catch_up_status::keeping_pace);
  EXPECT_EQ(even.catch_up_ms, 1000);
  EXPECT_NE(even.note.find("keeping pace"), std::string::npos) << even.note;
  // The samples' jitter: 4 % short of the source is still keeping pace...
  EXPECT_EQ(estimate_catch_up(100, 960, 1000, 10'000).status, catch_up_status::keeping_pace);
  // ... 10 % short is not.
  EXPECT_EQ(estimate_catch_up(100, 900, 1000, 10'000).status, catch_up_status::falls_behind);
}

TEST(ScanCatchUp, NoBacklogIsCaughtUpEvenWithoutARate) {
  EXPECT_EQ(estimate_catch_up(0, 0, 0, 10'000).catch_up_ms, 0);
  EXPECT_EQ(estimate_catch_up(0, 0, 0, 10'000).status, catch_up_status::caught_up);
}

TEST(ScanCatchUp, AMirrorThatDidNotMoveOrFallsBehindHasNoEstimate) {
  auto idle = estimate_catch_up(100, 0, 0, 10'000);
  EXPECT_EQ(idle.catch_up_ms, -1);
  EXPECT_EQ(idle.status, catch_up_status::no_rate);
  EXPECT_NE(idle.note.find("did not advance"), std::string::npos) << idle.note;
  auto behind = estimate_catch_up(100, 500, 1000, 10'000);
  EXPECT_EQ(behind.catch_up_ms, -1);
  EXPECT_EQ(behind.status, catch_up_status::falls_behind);
  EXPECT_NE(behind.note.find("falls behind"), std::string::npos) << behind.note;
  EXPECT_EQ(estimate_catch_up(100, 10, 0, 0).catch_up_ms, -1);
  EXPECT_EQ(estimate_catch_up(100, 10, 0, 0).status, catch_up_status::unknown);
}

// ---- retention headroom ----

topic_row deleting(int64_t retention_ms, int64_t oldest_age_ms, int64_t backlog = 100) {
  topic_row t = topic("t", backlog);
  t.cleanup_policy = "delete";
  t.retention_ms = retention_ms;
  t.oldest_unmirrored_age_ms = oldest_age_ms;
  return t;
}

constexpr int64_t kHour = 3'600'000;

TEST(ScanHeadroom, RedWhenTheOldestUnmirroredRecordIsDeletedBeforeTheMirrorGetsThere) {
  // Retention 24 h, the oldest unmirrored record is 20 h old, catch-up 5 h.
  auto h = retention_headroom(deleting(24 * kHour, 20 * kHour), 5 * kHour);
  EXPECT_EQ(h.level, rating::red) << h.reason;
  EXPECT_NE(h.reason.find("deleted before"), std::string::npos) << h.reason;
}

TEST(ScanHeadroom, YellowWithLittleToSpareGreenWithPlenty) {
  // 24 h: 20 h old + 2 h catch-up leaves 2 h (< 6 h, a quarter): yellow.
  EXPECT_EQ(retention_headroom(deleting(24 * kHour, 20 * kHour), 2 * kHour).level, rating::yellow);
  // 1 h old + 1 h catch-up leaves 22 h: green.
  EXPECT_EQ(retention_headroom(deleting(24 * kHour, kHour), kHour).level, rating::green);
  // Under an hour to spare is yellow whatever the retention: 2 h retention,
  // 0.5 h + 1 h leaves 0.5 h.
  EXPECT_EQ(retention_headroom(deleting(2 * kHour, kHour / 2), kHour).level, rating::yellow);
}

TEST(ScanHeadroom, RedWhenTheMirrorDoesNotCatchUpYellowWhenTheAgeIsUnknown) {
  EXPECT_EQ(retention_headroom(deleting(24 * kHour, kHour), -1).level, rating::red);
  // A steady lag of a second, a week's retention: green.
  EXPECT_EQ(retention_headroom(deleting(168 * kHour, 2000), 1000).level, rating::green);
  EXPECT_EQ(retention_headroom(deleting(24 * kHour, -1), kHour).level, rating::yellow);
}

TEST(ScanHeadroom, GreenWithoutBacklogCompactedOrKeptForEver) {
  EXPECT_EQ(retention_headroom(deleting(kHour, 10 * kHour, 0), -1).level, rating::green);
  topic_row compacted = deleting(kHour, 10 * kHour);
  compacted.cleanup_policy = "compact";
  EXPECT_EQ(retention_headroom(compacted, -1).level, rating::green);
  topic_row both = compacted;
  both.cleanup_policy = "compact,delete";
  EXPECT_EQ(retention_headroom(both, kHour).level, rating::red);
  EXPECT_EQ(retention_headroom(deleting(-1, 10 * kHour), -1).level, rating::green);
  topic_row other = deleting(kHour, 10 * kHour);
  other.selected = false;
  EXPECT_EQ(retention_headroom(other, -1).level, rating::green);
}

TEST(ScanHeadroom, RetentionBytesIsNeverGreenWithABacklog) {
  topic_row by_size = deleting(-1, kHour);
  by_size.retention_bytes = 1 << 30;
  EXPECT_EQ(retention_headroom(by_size, kHour).level, rating::yellow);
  topic_row both = deleting(100 * kHour, kHour);
  both.retention_bytes = 1 << 30;
  EXPECT_EQ(retention_headroom(both, kHour).level, rating::yellow);
}

TEST(ScanHeadroom, ATopicCutOverHasNoBacklogToFear) {
  topic_row t = deleting(kHour, 10 * kHour, 0);
  t.partitions = 2;
  t.handed_over_partitions = 2;
  auto h = retention_headroom(t, -1);
  EXPECT_EQ(h.level, rating::green);
  EXPECT_EQ(h.reason, "cut over: the target is primary");
}

TEST(ScanHeadroom, WhatCouldNotBeReadIsYellowNeverGreen) {
  // Configs not read: cleanup_policy empty and retention -1 would read as
  // "kept for ever".
  topic_row no_configs = topic("t", 100);
  no_configs.configs_error = "not authorized";
  auto h = retention_headroom(no_configs, kHour);
  EXPECT_EQ(h.level, rating::yellow) << h.reason;
  EXPECT_NE(h.reason.find("not authorized"), std::string::npos) << h.reason;
  // Watermarks missing: the backlog of 0 is not known to be 0.
  topic_row unread = topic("t", 0);
  unread.unread_partitions = 2;
  EXPECT_EQ(retention_headroom(unread, kHour).level, rating::yellow);
  // Plenty to spare on the partitions read, one partition not read.
  topic_row partly = deleting(24 * kHour, kHour);
  EXPECT_EQ(retention_headroom(partly, kHour).level, rating::green);
  partly.unsampled_partitions = 1;
  EXPECT_EQ(retention_headroom(partly, kHour).level, rating::yellow);
  // A red one stays red.
  topic_row late = deleting(24 * kHour, 23 * kHour);
  late.unsampled_partitions = 1;
  EXPECT_EQ(retention_headroom(late, 2 * kHour).level, rating::red);
}

// ---- the stored form ----

report sample_report(uint64_t id) {
  report r;
  r.id = id;
  r.link = "main";
  r.result = outcome::done;
  r.window_ms = 10'000;
  r.source.cluster_id = "src";
  r.source.brokers = {{1, "b1", 9092, "rack-a"}};
  r.source.acls = std::vector<kafka::acl_binding>{
      {"TOPIC", "orders", "LITERAL", "User:app", "*", "READ", "ALLOW"}};
  r.source.users_error = "no DESCRIBE on the cluster";
  r.source.limits = {{"message.max.bytes", "1048588", true, false}};
  topic_row t = topic("orders\x01", 5);  // a name from Kafka may hold anything
  t.headroom = rating::yellow;
  r.topics = {t};
  r.groups = {group("billing", {"orders"})};
  r.waves = plan_waves(r.topics, r.groups);
  r.catch_up_ms = 1234;
  r.notes = {"client quotas: not read"};
  return r;
}

// Every field set to something other than its default: a field left out of
// the JSON (report.cc's field lists) comes back as its default and differs.
report every_field_set() {
  report r;
  r.id = 7;
  r.link = "main";
  r.requested_by = "alice";
  r.started_at_ms = 1;
  r.finished_at_ms = 2;
  r.result = outcome::interrupted;
  r.error = "e";
  r.window_ms = 3;
  r.measured_ms = 4;
  for (cluster_inventory* c : {&r.source, &r.target}) {
    c->cluster_id = "id";
    c->controller_id = 5;
    c->brokers = {{1, "b1", 9092, "rack-a"}};
    c->topics = 6;
    c->partitions = 7;
    c->acls = std::vector<kafka::acl_binding>{
        {"TOPIC", "orders", "PREFIXED", "User:app", "10.0.0.1", "READ", "DENY"}};
    c->acls_truncated = true;
    c->acls_error = "a";
    c->users = std::vector<kafka::scram_user>{{"app", {{"SCRAM-SHA-512", 8192}}}};
    c->users_error = "u";
    c->limits = {{"message.max.bytes", "1048588", false, true}};
    c->limits_error = "l";
    c->error = "x";
  }
  r.target.acls.reset();
  topic_row t;
  t.name = "orders\x01";  // a name from Kafka may hold anything
  t.selected = true;
  t.partitions = 3;
  t.cleanup_policy = "compact,delete";
  t.retention_ms = 9;
  t.retention_bytes = 10;
  t.max_message_bytes = 11;
  t.timestamp_type = "LogAppendTime";
  t.configs_error = "c";
  t.records = 12;
  t.window_records = 13;
  t.records_per_s = 1.5;
  t.idle = true;
  t.unread_partitions = 14;
  t.backlog = 15;
  t.sampled_records = 16;
  t.sampled_bytes = 17;
  t.oldest_unmirrored_age_ms = 18;
  t.unsampled_partitions = 19;
  t.handed_over_partitions = 26;
  t.target_partitions = 20;
  t.target_topic = "mig.orders";
  t.headroom = rating::red;
  t.headroom_reason = "r";
  r.topics = {t};
  group_row g = group("billing", {"orders"});
  g.selected = true;
  g.type = "consumer";
  g.state = "stable";
  g.members = 2;
  g.client_ids = {"c1"};
  g.hosts = {"/10.0.0.2"};
  g.unselected_topics = {"orders"};
  g.note = "n";
  r.groups = {g};
  r.groups_error = "ge";
  r.waves = {{1, {"orders"}, {"billing"}, 21, 22}};
  r.backlog = 23;
  r.mirror_records_per_s = 2.5;
  r.source_records_per_s = 3.5;
  r.catch_up_ms = 24;
  r.catch_up = catch_up_status::falls_behind;
  r.catch_up_note = "cn";
  r.bytes_to_copy_estimate = 25;
  r.notes = {"client quotas: not read"};
  return r;
}

TEST(ScanRecords, AScanRoundTripsThroughItsJsonFieldForField) {
  const report r = every_field_set();
  auto back = report_from_json(to_json(r));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(to_json(*back), to_json(r));
  EXPECT_TRUE(back->source == r.source);
  EXPECT_TRUE(back->target == r.target);
  EXPECT_TRUE(back->topics == r.topics);
  EXPECT_TRUE(back->groups == r.groups);
  EXPECT_TRUE(back->waves == r.waves);
  EXPECT_TRUE(back->notes == r.notes);
  EXPECT_TRUE(*back == r) << to_json(*back);
  EXPECT_FALSE(back->target.acls.has_value()) << "not read stays not read, not an empty list";
  EXPECT_TRUE(with_valid_utf8(r) == r);
}

TEST(ScanRecords, TextsFromKafkaAreMadeValidUtf8) {
  report r = sample_report(1);
  r.groups.front().client_ids = {std::string("app\xff\xfe-1")};
  const report clean = with_valid_utf8(r);
  EXPECT_EQ(clean.groups.front().client_ids.front(), "app\xef\xbf\xbd\xef\xbf\xbd-1");
  EXPECT_EQ(clean.topics.front().name, r.topics.front().name) << "valid text is kept";
}

TEST(ScanRecords, DamagedOrForeignJsonIsCorruptionNotAnEmptyScan) {
  EXPECT_EQ(report_from_json("{").error().code, errc::corruption);
  EXPECT_EQ(report_from_json(R"({"format":1})").error().code, errc::corruption) << "no result";
  // A value of a newer format version decodes as unknown, never as another.
  auto newer = report_from_json(R"({"format":1,"result":"PAUSED","topics":[{"headroom":"BLUE"}]})");
  ASSERT_TRUE(newer.has_value()) << newer.error().message;
  EXPECT_EQ(newer->result, outcome::unknown);
  EXPECT_EQ(newer->topics.front().headroom, rating::unknown);
  EXPECT_EQ(report_from_json(R"({"format":2})").error().code, errc::corruption);
  EXPECT_EQ(report_from_json(R"({"format":1,"topics":7})").error().code, errc::corruption);
}

TEST(ScanRecords, TheNewestScansAreKeptPerLinkAndOlderOnesErased) {
  testing::temp_dir dir;
  auto st = store::checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value());
  auto& store = **st;
  EXPECT_EQ(*last_report_id(store, "main"), 0u);
  for (uint64_t id = 1; id <= kKeptScans + 3; ++id) {
    ASSERT_TRUE(store_report(store, sample_report(id)).has_value());
  }
  report other = sample_report(1);
  other.link = "main2";  // a longer name sharing the prefix
  ASSERT_TRUE(store_report(store, other).has_value());
  EXPECT_EQ(*last_report_id(store, "main"), kKeptScans + 3);
  auto all = load_summaries(store, "main", 1000);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), kKeptScans);
  EXPECT_EQ(all->front().id, 4u);
  EXPECT_EQ(all->back().id, kKeptScans + 3);
  EXPECT_FALSE(load_report(store, "main", 3)->has_value());
  auto one = load_report(store, "main", 5);
  ASSERT_TRUE(one.has_value() && one->has_value());
  EXPECT_EQ((*one)->id, 5u);
  auto newest = load_summaries(store, "main", 2);
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ(newest->front().id, kKeptScans + 2);
  EXPECT_EQ(load_summaries(store, "main2", 10)->size(), 1u);
  // Summaries: no topics, groups or ACLs; whether ACLs were read stays.
  EXPECT_TRUE(newest->front().topics.empty());
  EXPECT_TRUE(newest->front().groups.empty());
  ASSERT_TRUE(newest->front().source.acls.has_value());
  EXPECT_TRUE(newest->front().source.acls->empty());
  EXPECT_EQ((*one)->topics.size(), 1u) << "the whole scan by id";
}

TEST(ScanRecords, AStoredScanStillRunningOrOfAnUnknownOutcomeIsCorruption) {
  testing::temp_dir dir;
  auto st = store::checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value());
  report running = sample_report(1);
  running.result = outcome::running;
  ASSERT_TRUE(store_report(**st, running).has_value());
  EXPECT_EQ(load_report(**st, "main", 1).error().code, errc::corruption);
  EXPECT_EQ(load_summaries(**st, "main", 5).error().code, errc::corruption);
}

TEST(ScanRecords, AScanStoredUnderAnotherIdIsCorruption) {
  testing::temp_dir dir;
  auto st = store::checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value());
  store::checkpoint_store::write_batch b;
  b.put(store::record_key(store::key_space::scan).text("main").u64(9), to_json(sample_report(8)));
  ASSERT_TRUE((*st)->commit(b).has_value());
  auto r = load_report(**st, "main", 9);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::corruption);
}

}  // namespace
}  // namespace strait::scan
