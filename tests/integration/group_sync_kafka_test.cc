// Consumer-group offset sync on two real Kafka clusters. A group reads part
// of a topic on the source and commits; after the sync, the Kafka
// distribution's Java console consumer, in the same group on the target,
// must read exactly the records the group had not read: no duplicate, no gap.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "harness.h"
#include "kafka_records.h"
#include "strait/groupsync/group_offset_records.h"
#include "strait/store/checkpoint_store.h"
#include "test_util.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using namespace integration;
using testing::record;

record value_record(const std::string& value, std::optional<std::string> key = std::nullopt) {
  record r;
  r.key = std::move(key);
  r.value = value;
  r.timestamp = kBaseTimestamp;
  return r;
}

// The translation by its definition, computed from the source alone: the
// target holds the source's committed records contiguously from offset 0, so
// the target offset of the first record at or after `committed` is the
// number of records before it.
int64_t expected_target(const std::vector<record>& source, int64_t committed) {
  int64_t n = 0;
  for (const auto& r : source) n += r.offset < committed ? 1 : 0;
  return n;
}

// Values per partition, in order, read by the Java console consumer in
// `group` on the target, starting from the group's committed offsets.
std::map<int, std::vector<std::string>> java_consume(const std::string& topic,
                                                     const std::string& group) {
  std::string out = kafka_tool("console-consumer --bootstrap-server " + clusters->target +
                               " --topic " + topic + " --group " + group +
                               " --timeout-ms 8000 --property print.partition=true"
                               " --consumer-property isolation.level=read_committed 2>/dev/null");
  std::map<int, std::vector<std::string>> by_partition;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    // "Partition:N<TAB>value"
    auto tab = line.find('\t');
    if (line.rfind("Partition:", 0) != 0 || tab == std::string::npos) continue;
    by_partition[std::stoi(line.substr(10, tab - 10))].push_back(line.substr(tab + 1));
  }
  return by_partition;
}

std::string group_series(const std::string& name, const std::string& group,
                         const std::string& reason = "") {
  std::string s = name + "{link=\"it\",group=\"" + group + "\"";
  if (!reason.empty()) s += ",reason=\"" + reason + "\"";
  return s + "}";
}

// Records prefix-from .. prefix-(to-1) to partition 0 of the source topic.
void produce_numbered(const std::string& topic, const std::string& prefix, int from, int to) {
  testing::test_producer p(clusters->source);
  for (int i = from; i < to; ++i) p.send(topic, 0, value_record(prefix + std::to_string(i)));
}

// Waits until `group` has joined members on the target (state Stable).
bool target_group_stable(const std::string& group) {
  return testing::wait_for(
      [&] {
        return kafka_tool("consumer-groups --bootstrap-server " + clusters->target +
                          " --describe --group " + group + " --state 2>/dev/null")
                   .find("Stable") != std::string::npos;
      },
      60s, 500ms);
}

// Waits until the group sync reports the group's partition skipped because
// the target group has members.
bool skipped_as_active(straitd& d, const std::string& group) {
  return testing::wait_for(
      [&] {
        return d.metric(group_series("strait_group_partitions_skipped", group,
                                     "target_group_active")) == 1;
      },
      30s, 200ms);
}

const char* kGroups = "groups:\n  include: [\"g-.*\"]\n  sync_interval_ms: 200\n";

TEST(GroupSyncKafka, GroupResumesOnTheTargetExactlyWhereItStoppedOnTheSource) {
  testing::temp_dir dir;
  create_topic(clusters->source, "gs-plain", 2);
  create_topic(clusters->source, "gs-txn", 1);
  create_topic(clusters->source, "gs-compact", 1,
               "cleanup.policy=compact,segment.ms=100,min.cleanable.dirty.ratio=0.01");
  create_topic(clusters->source, "gs-unmirrored", 1);
  {
    testing::test_producer p(clusters->source);
    for (int i = 0; i < 600; ++i) {
      p.send("gs-plain", i % 2, value_record("plain-" + std::to_string(i)));
    }
    p.send("gs-unmirrored", 0, value_record("x"));
    p.send("gs-unmirrored", 0, value_record("y"));
    p.flush();
  }
  {
    // Aborted transactions and markers leave holes in the source offsets.
    testing::test_producer tp(clusters->source, {{"transactional.id", "gs-txn"}});
    ASSERT_EQ(rd_kafka_init_transactions(tp.handle(), 30000), nullptr);
    for (int t = 0; t < 30; ++t) {
      ASSERT_EQ(rd_kafka_begin_transaction(tp.handle()), nullptr);
      for (int i = 0; i < 10; ++i) {
        tp.send("gs-txn", 0, value_record("txn-" + std::to_string(t) + "-" + std::to_string(i)));
      }
      tp.flush();  // librdkafka 2.0 can fail EndTxn with INVALID_TXN_STATE otherwise (#4849)
      rd_kafka_error_t* e = (t % 3 == 1) ? rd_kafka_abort_transaction(tp.handle(), 30000)
                                         : rd_kafka_commit_transaction(tp.handle(), 30000);
      ASSERT_EQ(e, nullptr) << rd_kafka_error_string(e);
    }
  }
  {
    // Keys written again and again until the source's cleaner has removed
    // older copies: the mirror then sees holes where compaction struck.
    // Segments roll by record time (segment.ms), so timestamps must advance.
    testing::test_producer p(clusters->source);
    int i = 0;
    bool compacted = testing::wait_for(
        [&] {
          for (int n = 0; n < 50; ++n, ++i) {
            record r = value_record("c-" + std::to_string(i), "k" + std::to_string(i % 20));
            r.timestamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
            p.send("gs-compact", 0, r);
          }
          p.flush();
          auto recs = testing::read_partition(clusters->source, "gs-compact", 0, true);
          return !recs.empty() && recs.back().offset + 1 != static_cast<int64_t>(recs.size());
        },
        90s, 300ms);
    ASSERT_TRUE(compacted) << "the source never compacted gs-compact";
    // No more compaction from here on, on either side (strait copies the
    // setting to the target topic it creates): the expected records must not
    // change under the test. A cleaning pass in progress may still finish,
    // so wait until two reads a second apart agree.
    kafka_tool("run kafka.admin.ConfigCommand --bootstrap-server " + clusters->source +
               " --alter --entity-type topics --entity-name gs-compact"
               " --add-config min.cleanable.dirty.ratio=1.0 >/dev/null");
    std::vector<record> before;
    ASSERT_TRUE(testing::wait_for(
        [&] {
          auto now = testing::read_partition(clusters->source, "gs-compact", 0, true);
          bool stable = now.size() == before.size() &&
                        std::equal(now.begin(), now.end(), before.begin(),
                                   [](const record& a, const record& b) {
                                     return a.offset == b.offset && a.same_content(b);
                                   });
          before = std::move(now);
          return stable;
        },
        60s, 1000ms));
  }

  struct case_t {
    std::string topic;
    int partitions;
  };
  const std::vector<case_t> cases = {{"gs-plain", 2}, {"gs-txn", 1}, {"gs-compact", 1}};
  std::map<std::pair<std::string, int>, std::vector<record>> source;
  std::map<std::pair<std::string, int>, int64_t> committed_on_source;
  for (const auto& c : cases) {
    for (int p = 0; p < c.partitions; ++p) {
      auto recs = testing::read_partition(clusters->source, c.topic, p, true);
      ASSERT_GT(recs.size(), 10u);
      committed_on_source[{c.topic, p}] = testing::consume_and_commit(
          clusters->source, "g-" + c.topic, c.topic, p, recs.size() * 2 / 5, "meta-" + c.topic);
      source[{c.topic, p}] = std::move(recs);
    }
  }
  testing::commit_offset(clusters->source, "g-gs-plain", "gs-unmirrored", 0, 1, "");

  straitd d(dir, "gs-plain|gs-txn|gs-compact", kGroups);
  d.start();
  for (const auto& [tp, recs] : source) {
    const std::string group = "g-" + tp.first;
    const int64_t want = expected_target(recs, committed_on_source[tp]);
    testing::committed_position got;
    ASSERT_TRUE(testing::wait_for(
        [&] {
          got = testing::committed(clusters->target, group, tp.first, tp.second);
          return got.offset == want;
        },
        60s, 200ms))
        << group << " " << tp.first << "/" << tp.second << ": target has " << got.offset
        << ", want " << want << " (source committed " << committed_on_source[tp] << ")\n"
        << d.log();
    EXPECT_EQ(got.metadata, "meta-" + tp.first) << "commit metadata is kept";
  }
  EXPECT_EQ(
      d.metric(group_series("strait_group_partitions_skipped", "g-gs-plain", "topic_not_mirrored")),
      1);
  EXPECT_LT(d.metric(group_series("strait_group_sync_age_seconds", "g-gs-plain")), 5);

  // The independent client reads exactly what the group had not read yet.
  for (const auto& c : cases) {
    auto read = java_consume(c.topic, "g-" + c.topic);
    for (int p = 0; p < c.partitions; ++p) {
      std::vector<std::string> want;
      for (const auto& r : source[{c.topic, p}]) {
        if (r.offset >= committed_on_source[{c.topic, p}]) want.push_back(*r.value);
      }
      EXPECT_EQ(read[p], want) << c.topic << "/" << p;
    }
  }
  EXPECT_EQ(d.stop(), 0) << d.log();
}

TEST(GroupSyncKafka, ActiveTargetGroupIsNotOverwrittenUntilItIsEmpty) {
  testing::temp_dir dir;
  create_topic(clusters->source, "gs-active", 1);
  {
    testing::test_producer p(clusters->source);
    for (int i = 0; i < 200; ++i) p.send("gs-active", 0, value_record("a-" + std::to_string(i)));
  }
  testing::commit_offset(clusters->source, "g-active", "gs-active", 0, 50, "");
  straitd d(dir, "gs-active", kGroups);
  d.start();
  ASSERT_TRUE(target_offset_becomes("g-active", "gs-active", 50)) << d.log();

  // A member joins the group on the target and commits nothing.
  testing::child_process member(
      {kRoot + "/scripts/kafka", "console-consumer", "--bootstrap-server", clusters->target,
       "--topic", "gs-active", "--group", "g-active", "--timeout-ms", "120000",
       "--consumer-property", "enable.auto.commit=false"},
      (dir.path() / "member.log").string());
  ASSERT_TRUE(target_group_stable("g-active"));
  testing::commit_offset(clusters->source, "g-active", "gs-active", 0, 120, "");
  ASSERT_TRUE(skipped_as_active(d, "g-active")) << d.log();
  EXPECT_EQ(testing::committed(clusters->target, "g-active", "gs-active", 0).offset, 50);

  // The member leaves: the group is empty, and the sync catches up.
  member.signal(SIGTERM);
  member.wait();
  ASSERT_TRUE(target_offset_becomes("g-active", "gs-active", 120)) << d.log();
  EXPECT_EQ(d.stop(), 0) << d.log();
}

// Issue 13, part 5: a consumer-protocol group (KIP-848, group.protocol=
// consumer) on both clusters. Its offsets are synced like a classic group's;
// on the target, a consumer-protocol member makes the group active (not
// overwritten) and its leaving makes it empty again (synced).
TEST(GroupSyncKafka, ConsumerProtocolGroupsAreSyncedAndTheirMembersRespected) {
  testing::temp_dir dir;
  create_topic(clusters->source, "gs-848", 1);
  {
    testing::test_producer p(clusters->source);
    for (int i = 0; i < 100; ++i) p.send("gs-848", 0, value_record("k-" + std::to_string(i)));
  }
  // On the source: a consumer-protocol member reads some records (10 a poll,
  // 40 in all), commits its position on leaving, and the group is empty.
  {
    testing::child_process reader(
        {kRoot + "/scripts/kafka", "console-consumer", "--bootstrap-server", clusters->source,
         "--topic", "gs-848", "--group", "g-848", "--from-beginning", "--max-messages", "40",
         "--timeout-ms", "120000", "--consumer-property", "group.protocol=consumer",
         "--consumer-property", "max.poll.records=10"},
        (dir.path() / "source-member.log").string());
    ASSERT_EQ(reader.wait(), 0);
  }
  const int64_t read = testing::committed(clusters->source, "g-848", "gs-848", 0).offset;
  ASSERT_GE(read, 40);
  ASSERT_LT(read, 70);
  const std::string types =
      kafka_tool("consumer-groups --bootstrap-server " + clusters->source + " --list --type");
  EXPECT_TRUE(std::regex_search(types, std::regex("g-848 +Consumer"))) << types;
  straitd d(dir, "gs-848", kGroups);
  d.start();
  ASSERT_TRUE(target_offset_becomes("g-848", "gs-848", read)) << d.log();

  // On the target: a consumer-protocol member joins and stays; a commit on
  // the source is not written over it.
  testing::child_process member(
      {kRoot + "/scripts/kafka", "console-consumer", "--bootstrap-server", clusters->target,
       "--topic", "gs-848", "--group", "g-848", "--timeout-ms", "120000", "--consumer-property",
       "enable.auto.commit=false", "--consumer-property", "group.protocol=consumer"},
      (dir.path() / "target-member.log").string());
  ASSERT_TRUE(target_group_stable("g-848"));
  const std::string target_types =
      kafka_tool("consumer-groups --bootstrap-server " + clusters->target + " --list --type");
  EXPECT_TRUE(std::regex_search(target_types, std::regex("g-848 +Consumer"))) << target_types;
  testing::commit_offset(clusters->source, "g-848", "gs-848", 0, 70, "");
  ASSERT_TRUE(skipped_as_active(d, "g-848")) << d.log();
  EXPECT_EQ(testing::committed(clusters->target, "g-848", "gs-848", 0).offset, read);

  // It leaves: the group is empty, and the sync catches up.
  member.signal(SIGTERM);
  member.wait();
  ASSERT_TRUE(target_offset_becomes("g-848", "gs-848", 70)) << d.log();
  EXPECT_EQ(d.stop(), 0) << d.log();
}

// With a topic prefix: the group's offsets land on the prefixed target topic.
TEST(GroupSyncKafka, RewindIsFollowedPersistedAndNotRewrittenAfterRestart) {
  testing::temp_dir dir;
  create_topic(clusters->source, "gs-rewind", 1);
  {
    testing::test_producer p(clusters->source);
    for (int i = 0; i < 200; ++i) p.send("gs-rewind", 0, value_record("r-" + std::to_string(i)));
  }
  testing::commit_offset(clusters->source, "g-rewind", "gs-rewind", 0, 150, "");
  straitd d(dir, "gs-rewind", kGroups, "mig.");
  d.start();
  auto target_at = [](int64_t want) {
    return target_offset_becomes("g-rewind", "mig.gs-rewind", want);
  };
  ASSERT_TRUE(target_at(150)) << d.log();
  // The group is reset backwards on the source (an operator replays data).
  testing::commit_offset(clusters->source, "g-rewind", "gs-rewind", 0, 40, "");
  ASSERT_TRUE(target_at(40)) << d.log();
  EXPECT_NE(d.log().find("group g-rewind rewound gs-rewind/0 on the source from 150 to 40"),
            std::string::npos)
      << d.log();
  ASSERT_EQ(d.stop(), 0) << d.log();
  {
    auto st = store::checkpoint_store::open(d.store_dir());
    ASSERT_TRUE(st.has_value()) << st.error().message;
    auto stored = groupsync::load_group_offsets(**st, "it");
    ASSERT_TRUE(stored.has_value());
    ASSERT_EQ(stored->size(), 1u);
    EXPECT_EQ((*stored)[0].group, "g-rewind");
    EXPECT_EQ((*stored)[0].offset.source, source_offset(40));
    EXPECT_EQ((*stored)[0].offset.target, target_offset(40));
  }

  // After a restart the stored offsets are current: nothing is written again.
  d.start();
  ASSERT_TRUE(testing::wait_for(
      [&] { return d.metric(group_series("strait_group_partitions_synced", "g-rewind")) == 1; },
      60s, 200ms))
      << d.log();
  EXPECT_LE(d.metric(group_series("strait_group_offset_writes_total", "g-rewind")), 0);

  // The group is deleted on the source: its target offsets stay.
  kafka_tool("consumer-groups --bootstrap-server " + clusters->source +
             " --delete --group g-rewind >/dev/null 2>&1");
  ASSERT_TRUE(testing::wait_for(
      [&] { return d.metric(group_series("strait_group_on_source", "g-rewind")) == 0; }, 30s,
      200ms))
      << d.log();
  EXPECT_EQ(testing::committed(clusters->target, "g-rewind", "mig.gs-rewind", 0).offset, 40);
  // Nothing syncs it now: no age that would only grow (and alert).
  ASSERT_TRUE(testing::wait_for(
      [&] { return d.metric(group_series("strait_group_sync_age_seconds", "g-rewind")) < 0; }, 10s,
      200ms))
      << d.metrics();
  EXPECT_EQ(d.stop(), 0) << d.log();
}

// A group committed past the mirrored data gets the end of the mirrored data
// on the target, then the exact translation once mirroring catches up: the
// syncer must notice the offset map grow although the group's committed
// offset stays the same (checkpoint_store::map_version).
TEST(GroupSyncKafka, GroupAheadOfMirroringFollowsTheMapAsItGrows) {
  testing::temp_dir dir;
  create_topic(clusters->source, "gs-ahead", 1);
  auto produce = [](int from, int to) { produce_numbered("gs-ahead", "a-", from, to); };
  produce(0, 100);
  straitd d(dir, "gs-ahead", kGroups);
  d.start();
  ASSERT_TRUE(testing::wait_for(
      [&] { return testing::high_watermark(clusters->target, "gs-ahead", 0) >= 100; }, 60s, 200ms))
      << d.log();
  testing::commit_offset(clusters->source, "g-ahead", "gs-ahead", 0, 150, "");
  auto on_target = [] {
    return testing::committed(clusters->target, "g-ahead", "gs-ahead", 0).offset;
  };
  ASSERT_TRUE(testing::wait_for([&] { return on_target() == 100; }, 60s, 200ms))
      << "target offset " << on_target() << "\n"
      << d.log();
  // Several rounds with nothing new: the decision is kept, the offset stays.
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return d.metric(group_series("strait_group_partitions_ahead_of_mirroring", "g-ahead")) == 1;
      },
      60s, 200ms))
      << d.log();
  EXPECT_EQ(on_target(), 100);
  produce(100, 200);
  ASSERT_TRUE(testing::wait_for([&] { return on_target() == 150; }, 60s, 200ms))
      << "target offset " << on_target() << "\n"
      << d.log();
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return d.metric(group_series("strait_group_partitions_ahead_of_mirroring", "g-ahead")) == 0;
      },
      60s, 200ms))
      << d.log();
  EXPECT_EQ(d.stop(), 0) << d.log();
}

// Records deleted on the source before they were mirrored: a group pointing
// below the log start is not translated (offset_expired); a group past the
// mirrored data of the now stopped partition is not written either
// (partition_stopped). (Offsets inside the mirrored data of a stopped
// partition are still written: unit-tested, group_offsets_test.cc.)
TEST(GroupSyncKafka, ExpiredOffsetsAndStoppedPartitionsAreSkippedWithTheirReason) {
  testing::temp_dir dir;
  create_topic(clusters->source, "gs-gap", 1);
  auto produce = [](int from, int to) { produce_numbered("gs-gap", "g-", from, to); };
  produce(0, 100);
  straitd d(dir, "gs-gap", kGroups);
  d.start();
  ASSERT_TRUE(testing::wait_for(
      [&] { return testing::high_watermark(clusters->target, "gs-gap", 0) >= 100; }, 60s, 200ms))
      << d.log();
  ASSERT_EQ(d.stop(), 0) << d.log();
  produce(100, 200);
  std::ofstream(dir.path() / "delete.json")
      << R"({"partitions":[{"topic":"gs-gap","partition":0,"offset":150}],"version":1})";
  kafka_tool("run org.apache.kafka.tools.DeleteRecordsCommand --bootstrap-server " +
             clusters->source + " --offset-json-file " + (dir.path() / "delete.json").string() +
             " >/dev/null");
  d.start();
  // The commits come after the stop is known: before it, a group past the
  // mirrored data is "ahead of mirroring" and gets the end of mirrored data
  // (a lower bound), which is not what this test is about.
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return d.metric(
                   "strait_partition_stopped{link=\"it\",topic=\"gs-gap\",partition=\"0\","
                   "reason=\"retention_gap\"}") == 1;
      },
      60s, 200ms))
      << d.log();
  testing::commit_offset(clusters->source, "g-gap-expired", "gs-gap", 0, 120, "");
  testing::commit_offset(clusters->source, "g-gap-past", "gs-gap", 0, 160, "");
  auto skipped = [&](const std::string& group, const std::string& reason) {
    return d.metric(group_series("strait_group_partitions_skipped", group, reason));
  };
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return skipped("g-gap-expired", "offset_expired") == 1 &&
               skipped("g-gap-past", "partition_stopped") == 1;
      },
      60s, 200ms))
      << d.log();
  EXPECT_EQ(testing::committed(clusters->target, "g-gap-expired", "gs-gap", 0).offset, -1);
  EXPECT_EQ(testing::committed(clusters->target, "g-gap-past", "gs-gap", 0).offset, -1);
  EXPECT_EQ(d.stop(), 0) << d.log();
}

}  // namespace
}  // namespace strait
