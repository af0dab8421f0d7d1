// Integration tests on real-shaped clusters: two 3-node KRaft clusters with
// SASL_SSL (SCRAM-SHA-512) and the StandardAuthorizer (scripts/kafka start
// --brokers 3 --security sasl_ssl --acls; RF 3, min.insync.replicas 2).
// straitd logs in as user strait with exactly the permissions
// docs/security.md lists; the test's own clients and the Kafka tools log in
// as the super user admin.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "strait/store/checkpoint_store.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using namespace integration;

const std::string kTopic = "sec-orders";
const std::string kGroup = "sec-billing";
constexpr int kPartitions = 3;
const char* kGroups = "groups:\n  include: [\"sec-.*\"]\n  sync_interval_ms: 200\n";

void grant(const std::string& bootstrap, const std::string& what) {
  kafka("acls --bootstrap-server " + bootstrap + clusters->tool_auth(bootstrap) +
        " --add --allow-principal User:strait " + what);
}

// docs/security.md's table for the topics and groups of one test: source
// topics and groups named `prefix`..., target topics `target_prefix` +
// `prefix`...; `reverse`: also what a cutover's reverse mirroring and a
// group rollback need ("after a cutover, both: the same the other way round").
void grant_documented_permissions(const std::string& prefix, const std::string& target_prefix,
                                  bool reverse) {
  const std::string source_topics = " --resource-pattern-type prefixed --topic " + prefix;
  const std::string target_topics =
      " --resource-pattern-type prefixed --topic " + target_prefix + prefix;
  const std::string groups = " --resource-pattern-type prefixed --group " + prefix;
  grant(clusters->source, "--operation Describe --operation DescribeConfigs --operation Read" +
                              std::string(reverse ? " --operation Write" : "") + source_topics);
  grant(clusters->source,
        "--operation Describe" + std::string(reverse ? " --operation Read" : "") + groups);
  grant(clusters->source, "--operation Describe" +
                              std::string(reverse ? " --operation IdempotentWrite" : "") +
                              " --cluster");
  grant(clusters->target,
        "--operation Describe --operation DescribeConfigs --operation Create --operation Alter "
        "--operation Write --operation Read" +
            target_topics);
  grant(clusters->target, "--operation Describe --operation Read" + groups);
  grant(clusters->target, "--operation IdempotentWrite --operation Describe --cluster");
}

// Moves the leaders of the topic's partitions: each partition's replica list
// rotated by one (a reassignment among the same brokers), then a preferred
// leader election makes the new first replica the leader.
void move_leaders(const std::string& bootstrap, const std::string& topic, int partitions,
                  const std::filesystem::path& dir) {
  const std::string auth = clusters->tool_auth(bootstrap);
  std::string json = "{\"version\":1,\"partitions\":[";
  for (int p = 0; p < partitions; ++p) {
    const int first = 1 + (p + 1) % 3;  // a rotation that differs from the creation order
    json += std::string(p ? "," : "") + "{\"topic\":\"" + topic +
            "\",\"partition\":" + std::to_string(p) + ",\"replicas\":[" + std::to_string(first) +
            "," + std::to_string(1 + first % 3) + "," + std::to_string(1 + (first + 1) % 3) + "]}";
  }
  json += "]}";
  const auto file = dir / ("reassign-" + topic + ".json");
  std::ofstream(file) << json;
  kafka("run org.apache.kafka.tools.reassign.ReassignPartitionsCommand --bootstrap-server " +
        bootstrap + auth + " --reassignment-json-file " + file.string() + " --execute");
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return kafka(
                   "run org.apache.kafka.tools.reassign.ReassignPartitionsCommand "
                   "--bootstrap-server " +
                   bootstrap + auth + " --reassignment-json-file " + file.string() + " --verify")
                   .find("is still in progress") == std::string::npos;
      },
      60s, 500ms));
  kafka("run org.apache.kafka.tools.LeaderElectionCommand --bootstrap-server " + bootstrap + auth +
        " --election-type PREFERRED --all-topic-partitions");
}

// A scan with the documented permissions (docs/planning.md): the ACLs and
// SCRAM users of both clusters are read (Describe on the cluster); the
// broker limits are not (no DescribeConfigs on the cluster), and the scan
// says so instead of showing none.
void expect_scan_reads_acls_and_users(straitd& d) {
  auto [rc, out] = d.straitctl("-o json scan it --window 1");
  ASSERT_EQ(rc, 0) << out << d.straitctl_errors();
  const auto scan = nlohmann::json::parse(out);
  EXPECT_EQ(scan["outcome"], "DONE") << out;
  for (const char* side : {"source", "target"}) {
    const auto& c = scan[side];
    EXPECT_EQ(c["brokers"].size(), 3u) << side;
    ASSERT_TRUE(c["acls_read"].get<bool>()) << side << ": " << c["acls_error"];
    bool strait_acl = false;
    for (const auto& a : c["acls"]) {
      strait_acl = strait_acl || (a["principal"] == "User:strait" && a["permission"] == "ALLOW");
    }
    EXPECT_TRUE(strait_acl) << side << ": " << c["acls"].dump();
    ASSERT_TRUE(c["users_read"].get<bool>()) << side << ": " << c["users_error"];
    std::map<std::string, std::string> users;
    for (const auto& u : c["users"]) users[u["name"]] = u["mechanisms"].dump();
    EXPECT_NE(users["strait"].find("SCRAM-SHA-512/"), std::string::npos) << c["users"].dump();
    EXPECT_TRUE(users.contains("admin")) << c["users"].dump();
    EXPECT_EQ(out.find(".password"), std::string::npos) << "no credential, no password file";
    EXPECT_FALSE(c["limits_error"].get<std::string>().empty()) << c.dump();
  }
  bool group_seen = false;
  for (const auto& g : scan["groups"]) {
    if (g["id"] != kGroup) continue;
    group_seen = true;
    EXPECT_TRUE(g["selected"].get<bool>());
    EXPECT_NE(g["topics"].dump().find(kTopic), std::string::npos) << g.dump();
  }
  EXPECT_TRUE(group_seen) << out;
}

using SecureKafka = ::testing::Test;

// Mirroring and group sync over SCRAM-SHA-512 on TLS on both sides, through
// a broker killed -9 and restarted on each side and leaders moved on each
// side (a reassignment on the target): every record once, in order, the map
// exact, the group's offset translated.
TEST_F(SecureKafka, MirrorsAndSyncsGroupsThroughBrokerKillsAndLeaderMoves) {
  testing::temp_dir dir;
  create_topic(clusters->source, kTopic, kPartitions);
  int next = 0;
  auto produce = [&](int n) {
    testing::test_producer p(clusters->source);
    for (int i = next; i < next + n; ++i) p.send(kTopic, i % kPartitions, make_record(i));
    p.flush();
    next += n;
  };
  produce(3000);
  const int64_t committed =
      testing::consume_and_commit(clusters->source, kGroup, kTopic, 0, 400, "billing-meta");

  straitd d(dir, "sec-.*", kGroups);
  d.start();
  auto mirrored = [&](int64_t n) {
    return testing::wait_for([&] { return total_high(clusters->target, kTopic, kPartitions) >= n; },
                             180s, 250ms);
  };
  // What a failed wait leaves to read: each side's end offsets, the link's
  // status and metrics, and the log (which says if straitd died).
  auto stall_report = [&] {
    std::string out = "end offsets (source -> target):";
    for (int p = 0; p < kPartitions; ++p) {
      out += " " + std::to_string(p) + ": " +
             std::to_string(testing::high_watermark(clusters->source, kTopic, p)) + " -> " +
             std::to_string(testing::high_watermark(clusters->target, kTopic, p));
    }
    auto [rc, status] = d.straitctl("status it");
    std::string metrics;
    std::istringstream lines(d.metrics());
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("strait_admin_") ||
          (line.starts_with("strait_") && line.find("link=\"it\"") != std::string::npos)) {
        metrics += line + "\n";
      }
    }
    return out + "\nstraitctl status it (exit " + std::to_string(rc) + "):\n" + status + "\n" +
           metrics + d.log();
  };
  ASSERT_TRUE(mirrored(3000)) << stall_report();

  const std::string& src = clusters->source_name;
  const std::string& dst = clusters->target_name;
  kafka("kill-node " + src + " 2");
  produce(1000);  // acks=all with 2 of 3 replicas in sync
  kafka("start-node " + src + " 2");
  kafka("kill-node " + dst + " 3");
  produce(1000);
  ASSERT_TRUE(mirrored(5000)) << stall_report();
  kafka("start-node " + dst + " 3");
  move_leaders(clusters->target, kTopic, kPartitions, dir.path());
  move_leaders(clusters->source, kTopic, kPartitions, dir.path());
  produce(1000);
  ASSERT_TRUE(mirrored(6000)) << stall_report();
  ASSERT_TRUE(target_offset_becomes(kGroup, kTopic, committed)) << stall_report();
  EXPECT_EQ(testing::committed(clusters->target, kGroup, kTopic, 0).metadata, "billing-meta");
  EXPECT_EQ(d.straitctl("status it").first, 0) << d.straitctl("status it").second;
  expect_scan_reads_acls_and_users(d);
  ASSERT_EQ(d.stop(), 0) << d.log();

  auto st = store::checkpoint_store::open(d.store_dir());
  ASSERT_TRUE(st.has_value()) << st.error().message;
  for (int p = 0; p < kPartitions; ++p) {
    auto source = testing::read_partition(clusters->source, kTopic, p, true);
    auto target = testing::read_partition(clusters->target, kTopic, p, false);
    ASSERT_EQ(target.size(), source.size()) << "partition " << p << ": lost or duplicated";
    for (size_t i = 0; i < source.size(); ++i) {
      ASSERT_TRUE(source[i].same_content(target[i])) << "partition " << p << " record " << i;
      auto t = (*st)->to_target({"it", kTopic, partition_id(p)}, source_offset(source[i].offset));
      ASSERT_TRUE(t.has_value()) << "partition " << p << " offset " << source[i].offset;
      EXPECT_EQ(t->value(), target[i].offset);
    }
  }
}

// A wrong password is an error that names the cluster and authentication in
// the log, /metrics and straitctl status (exit 7); with the right one, after
// a restart, mirroring goes on from where it was.
TEST_F(SecureKafka, AWrongPasswordIsNamedInTheLogMetricsAndStatus) {
  testing::temp_dir dir;
  const std::string topic = "sec-auth";
  create_topic(clusters->source, topic, 1);
  {
    testing::test_producer p(clusters->source);
    for (int i = 0; i < 50; ++i) p.send(topic, 0, make_record(i));
  }
  straitd d(dir, topic);
  // The target's password file replaced by one with a wrong password.
  const auto yaml_path = dir.path() / "straitd.yaml";
  std::string yaml;
  {
    std::ifstream in(yaml_path);
    yaml.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto wrong = dir.path() / "wrong.password";
  std::ofstream(wrong) << "not-the-password";
  const std::string target_line = "    target: {properties: {";
  const auto at = yaml.find(target_line);
  ASSERT_NE(at, std::string::npos) << yaml;
  const auto ref = yaml.find("${file:", at);
  ASSERT_NE(ref, std::string::npos) << yaml;
  const auto ref_end = yaml.find('}', ref);
  const std::string right_ref = yaml.substr(ref, ref_end + 1 - ref);
  yaml.replace(ref, ref_end + 1 - ref, "${file:" + wrong.string() + "}");
  std::ofstream(yaml_path) << yaml;

  d.start();
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return d.metric("strait_cluster_authentication_failed{link=\"it\",cluster=\"target\"}") ==
               1;
      },
      60s, 250ms))
      << d.log();
  EXPECT_NE(d.log().find("link it: the target cluster refuses authentication"), std::string::npos)
      << d.log();
  EXPECT_EQ(d.log().find("not-the-password"), std::string::npos) << "a secret in the log";
  auto [rc, status] = d.straitctl("status it");
  EXPECT_EQ(rc, 7) << status;
  EXPECT_NE(status.find("target cluster: authentication failed"), std::string::npos) << status;
  EXPECT_EQ(testing::high_watermark(clusters->target, topic, 0), -1) << "nothing was written";

  ASSERT_EQ(d.stop(), 0) << d.log();
  yaml.replace(yaml.find("${file:" + wrong.string() + "}"),
               ("${file:" + wrong.string() + "}").size(), right_ref);
  std::ofstream(yaml_path) << yaml;
  d.start();
  ASSERT_TRUE(testing::wait_for(
      [&] { return testing::high_watermark(clusters->target, topic, 0) == 50; }, 120s, 250ms))
      << d.log();
  ASSERT_TRUE(testing::wait_for([&] { return d.straitctl("status it").first == 0; }, 30s, 250ms))
      << d.straitctl("status it").second;
  EXPECT_EQ(d.metric("strait_cluster_authentication_failed{link=\"it\",cluster=\"target\"}"), 0);
}

}  // namespace

// Granted once, after the clusters started and before any test: the secure
// binary also runs the cutover tests (cutover_kafka_test.cc: "cut-" and
// "kil-" topics and groups, target prefix "mig.") on these clusters.
void integration::grant_suite_permissions() {
  grant_documented_permissions("sec-", "", false);
  grant_documented_permissions("cut-", "mig.", true);
  grant_documented_permissions("kil-", "mig.", true);
}

}  // namespace strait
