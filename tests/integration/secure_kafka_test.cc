// Integration tests on real-shaped clusters: two 3-node KRaft clusters with
// SASL_SSL (SCRAM-SHA-512) and the StandardAuthorizer (scripts/kafka start
// --brokers 3 --security sasl_ssl --acls; RF 3, min.insync.replicas 2).
// straitd logs in as user strait with exactly the permissions
// docs/security.md lists; the test's own clients and the Kafka tools log in
// as the super user admin; scripts/kafka's third user, app, plays an
// application whose rights the ACL tests move.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
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
  kafka_tool("acls --bootstrap-server " + bootstrap + clusters->tool_auth(bootstrap) +
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
  kafka_tool("run org.apache.kafka.tools.reassign.ReassignPartitionsCommand --bootstrap-server " +
             bootstrap + auth + " --reassignment-json-file " + file.string() + " --execute");
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return kafka_tool(
                   "run org.apache.kafka.tools.reassign.ReassignPartitionsCommand "
                   "--bootstrap-server " +
                   bootstrap + auth + " --reassignment-json-file " + file.string() + " --verify")
                   .find("is still in progress") == std::string::npos;
      },
      60s, 500ms));
  kafka_tool("run org.apache.kafka.tools.LeaderElectionCommand --bootstrap-server " + bootstrap +
             auth + " --election-type PREFERRED --all-topic-partitions");
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
  kafka_tool("kill-node " + src + " 2");
  produce(1000);  // acks=all with 2 of 3 replicas in sync
  kafka_tool("start-node " + src + " 2");
  kafka_tool("kill-node " + dst + " 3");
  produce(1000);
  ASSERT_TRUE(mirrored(5000)) << stall_report();
  kafka_tool("start-node " + dst + " 3");
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

// The bindings on `bootstrap` (kafka-acls --list, the Kafka distribution's
// own client) of one principal, as it prints them.
std::string listed_acls(const std::string& bootstrap, const std::string& principal) {
  return kafka_tool("acls --bootstrap-server " + bootstrap + clusters->tool_auth(bootstrap) +
                    " --list --principal " + principal);
}

// A link's acls section: strait is User:strait on the target, the admin
// user writes the ACLs there; `rules`: the principals' list items.
std::string acls_section(const std::string& rules) {
  return "acls:\n  target_principal: \"User:strait\"\n"
         "  target_admin: {properties: {" +
         clusters->admin_credential(clusters->target) + "}}\n  principals:\n" + rules;
}

// listed_acls as "NAME PATTERN OPERATION PERMISSION" lines, one a binding.
std::set<std::string> listed_bindings(const std::string& bootstrap, const std::string& principal) {
  std::set<std::string> out;
  std::istringstream lines(listed_acls(bootstrap, principal));
  std::string resource;  // "NAME PATTERN" of the block the line is in
  auto field = [](const std::string& line, const std::string& key) {
    const auto at = line.find(key + "=");
    if (at == std::string::npos) return std::string();
    const auto from = at + key.size() + 1;
    return line.substr(from, line.find_first_of(",)", from) - from);
  };
  for (std::string line; std::getline(lines, line);) {
    if (line.find("ResourcePattern(") != std::string::npos) {
      resource = field(line, "name") + " " + field(line, "patternType");
    } else if (line.find("operation=") != std::string::npos) {
      out.insert(resource + " " + field(line, "operation") + " " + field(line, "permissionType"));
    }
  }
  return out;
}

// The plan's ACL item of a source binding (principal, operation, resource
// name, permission), or null.
const nlohmann::json* acl_item(const nlohmann::json& plan, const std::string& principal,
                               const std::string& op, const std::string& name,
                               const std::string& permission = "ALLOW") {
  for (const auto& i : plan["acls"]) {
    const auto& s = i["source"];
    if (s["principal"] == principal && s["operation"] == op && s["resource_name"] == name &&
        s["permission"] == permission) {
      return &i;
    }
  }
  return nullptr;
}

// ACL sync by plan / apply (docs/planning.md#acls): the source's bindings of
// the link's topics and groups reach the target under the mapped principals
// with an administrator's credential (acls.target_admin) while straitd
// mirrors with its own least-privileged one; a WRITE waits for the cutover;
// a principal without a rule and a PREFIXED binding that reaches topics the
// link does not mirror are blocked; a dry run creates nothing; apply
// creates the rest once, and the next plan finds them in place.
TEST_F(SecureKafka, PlanAndApplyCopyTheSourcesAclsThroughThePrincipalMapping) {
  testing::temp_dir dir;
  const std::string topic = "sec-acl-orders";
  create_topic(clusters->source, topic, 1);
  create_topic(clusters->source, "sec-aclx", 1);  // not mirrored: "sec-acl-.*" only
  const std::string src = "acls --bootstrap-server " + clusters->source +
                          clusters->tool_auth(clusters->source) + " --add ";
  kafka_tool(src + "--allow-principal User:app --operation Read --operation Write --topic " +
             topic);
  kafka_tool(src + "--allow-principal User:app --operation Read --group sec-acl-billing");
  kafka_tool(src +
             "--allow-principal User:app --operation Describe --resource-pattern-type prefixed "
             "--topic sec-acl-");
  kafka_tool(src +
             "--allow-principal User:app --operation Describe --resource-pattern-type prefixed "
             "--topic sec-acl");
  kafka_tool(src + "--deny-principal User:intruder-1 --operation Read --topic " + topic);
  kafka_tool(src + "--allow-principal User:nobody --operation Read --topic " + topic);
  // A DENY from one host is not copied (hosts differ between clusters), so
  // the ALLOW it limits on the source is not copied either.
  create_topic(clusters->source, "sec-acl-limited", 1);
  kafka_tool(src +
             "--deny-principal User:app --deny-host 10.1.1.1 --operation Read --topic "
             "sec-acl-limited");
  kafka_tool(src + "--allow-principal User:app --operation Read --topic sec-acl-limited");
  // Transactional ids (LITERAL and PREFIXED) and the cluster: copied ahead
  // for a mapped principal (the target cluster has bindings: strait's own).
  kafka_tool(src +
             "--allow-principal User:app --operation Write --operation Describe "
             "--transactional-id sec-acl-tx");
  kafka_tool(src +
             "--allow-principal User:app --operation Describe --resource-pattern-type prefixed "
             "--transactional-id sec-acl-txp-");
  kafka_tool(src + "--allow-principal User:app --operation IdempotentWrite --cluster");

  const std::string acls = "groups:\n  include: [\"sec-acl-.*\"]\n" +
                           acls_section(
                               "    - {source: \"User:app\", target: \"User:app2\"}\n"
                               "    - {source_regex: \"User:(intruder-.*)\", target: "
                               "\"User:moved-\\\\1\"}\n");
  straitd d(dir, "sec-acl-.*", acls);
  d.start();

  auto plan_json = [&] {
    auto [rc, out] = d.straitctl("-o json plan it");
    EXPECT_EQ(rc, 0) << out << d.straitctl_errors();
    return nlohmann::json::parse(out);
  };
  const auto plan = plan_json();
  ASSERT_TRUE(plan["acls_enabled"].get<bool>()) << plan.dump();
  ASSERT_EQ(plan["acls_error"], "") << plan.dump();
  const auto* read = acl_item(plan, "User:app", "READ", topic);
  ASSERT_NE(read, nullptr) << plan.dump();
  EXPECT_EQ((*read)["action"], "ACL_ACTION_CREATE") << read->dump();
  EXPECT_EQ((*read)["target"]["principal"], "User:app2");
  EXPECT_EQ((*read)["target"]["resource_name"], topic);
  const auto* write = acl_item(plan, "User:app", "WRITE", topic);
  ASSERT_NE(write, nullptr) << plan.dump();
  EXPECT_EQ((*write)["action"], "ACL_ACTION_AT_CUTOVER");
  const auto* group = acl_item(plan, "User:app", "READ", "sec-acl-billing");
  ASSERT_NE(group, nullptr) << plan.dump();
  EXPECT_EQ((*group)["action"], "ACL_ACTION_CREATE") << group->dump();
  const auto* prefixed = acl_item(plan, "User:app", "DESCRIBE", "sec-acl-");
  ASSERT_NE(prefixed, nullptr) << plan.dump();
  EXPECT_EQ((*prefixed)["action"], "ACL_ACTION_CREATE") << prefixed->dump();
  const auto* wide = acl_item(plan, "User:app", "DESCRIBE", "sec-acl");
  ASSERT_NE(wide, nullptr) << plan.dump();
  EXPECT_EQ((*wide)["action"], "ACL_ACTION_BLOCKED");
  EXPECT_NE((*wide)["blocker"].get<std::string>().find("sec-aclx"), std::string::npos)
      << wide->dump();
  const auto* deny = acl_item(plan, "User:intruder-1", "READ", topic, "DENY");
  ASSERT_NE(deny, nullptr) << plan.dump();
  EXPECT_EQ((*deny)["action"], "ACL_ACTION_CREATE");
  EXPECT_EQ((*deny)["target"]["principal"], "User:moved-intruder-1");
  EXPECT_EQ(plan["acls"][0]["source"]["permission"], "DENY") << "DENY first";
  const auto* limited = acl_item(plan, "User:app", "READ", "sec-acl-limited");
  ASSERT_NE(limited, nullptr) << plan.dump();
  EXPECT_EQ((*limited)["action"], "ACL_ACTION_BLOCKED");
  EXPECT_NE(
      (*limited)["blocker"].get<std::string>().find(
          "the source limits it with DENY READ TOPIC:LITERAL:sec-acl-limited User:app@10.1.1.1"),
      std::string::npos)
      << limited->dump();
  const auto* nobody = acl_item(plan, "User:nobody", "READ", topic);
  ASSERT_NE(nobody, nullptr) << plan.dump();
  EXPECT_EQ((*nobody)["action"], "ACL_ACTION_BLOCKED");
  EXPECT_GT(plan["acls_not_covered"].get<int>(), 0) << "strait's own CLUSTER bindings";
  for (const auto& [operation, name] :
       std::vector<std::pair<std::string, std::string>>{{"WRITE", "sec-acl-tx"},
                                                        {"DESCRIBE", "sec-acl-tx"},
                                                        {"DESCRIBE", "sec-acl-txp-"},
                                                        {"IDEMPOTENT_WRITE", "kafka-cluster"}}) {
    const auto* i = acl_item(plan, "User:app", operation, name);
    ASSERT_NE(i, nullptr) << operation << " " << name << plan.dump();
    EXPECT_EQ((*i)["action"], "ACL_ACTION_CREATE") << i->dump();
    EXPECT_EQ((*i)["target"]["principal"], "User:app2") << i->dump();
  }

  auto [trc, text] = d.straitctl("plan it");
  ASSERT_EQ(trc, 0) << text;
  EXPECT_NE(text.find("ACLs:"), std::string::npos) << text;
  EXPECT_NE(text.find("8 to create, 1 at cutover"), std::string::npos) << text;

  auto [drc, dry] = d.straitctl("apply it --dry-run");
  ASSERT_EQ(drc, 0) << dry << d.straitctl_errors();
  EXPECT_NE(dry.find("would do: create"), std::string::npos) << dry;
  EXPECT_EQ(listed_acls(clusters->target, "User:app2").find("sec-acl"), std::string::npos)
      << "a dry run creates nothing";

  auto [arc, applied] = d.straitctl("apply it");
  ASSERT_EQ(arc, 0) << applied << d.straitctl_errors() << d.log();
  const std::string app2 = listed_acls(clusters->target, "User:app2");
  const auto app2_bindings = listed_bindings(clusters->target, "User:app2");
  EXPECT_NE(app2.find("name=sec-acl-orders, patternType=LITERAL"), std::string::npos) << app2;
  EXPECT_NE(app2.find("name=sec-acl-billing, patternType=LITERAL"), std::string::npos) << app2;
  EXPECT_NE(app2.find("name=sec-acl-, patternType=PREFIXED"), std::string::npos) << app2;
  for (const char* b :
       {"sec-acl-tx LITERAL WRITE ALLOW", "sec-acl-tx LITERAL DESCRIBE ALLOW",
        "sec-acl-txp- PREFIXED DESCRIBE ALLOW", "kafka-cluster LITERAL IDEMPOTENT_WRITE ALLOW"}) {
    EXPECT_TRUE(app2_bindings.contains(b)) << b << "\n" << app2;
  }
  EXPECT_FALSE(app2_bindings.contains("sec-acl-orders LITERAL WRITE ALLOW"))
      << "WRITE on a topic waits for its cutover";
  EXPECT_EQ(app2.find("name=sec-acl, patternType=PREFIXED"), std::string::npos) << app2;
  EXPECT_EQ(app2.find("name=sec-acl-limited"), std::string::npos) << "its DENY was not copied";
  const std::string moved = listed_acls(clusters->target, "User:moved-intruder-1");
  EXPECT_NE(moved.find("operation=READ, permissionType=DENY"), std::string::npos) << moved;
  EXPECT_EQ(listed_acls(clusters->target, "User:nobody").find("sec-acl"), std::string::npos);

  const auto again = plan_json();
  for (const auto* i : {acl_item(again, "User:app", "READ", topic),
                        acl_item(again, "User:app", "READ", "sec-acl-billing"),
                        acl_item(again, "User:intruder-1", "READ", topic, "DENY")}) {
    ASSERT_NE(i, nullptr) << again.dump();
    EXPECT_EQ((*i)["action"], "ACL_ACTION_NOTHING") << i->dump();
  }
  // The scorecard's security area rests on the live ACL plan: nothing left
  // to create, the blocked ones and the WRITE left for the cutover yellow.
  ASSERT_EQ(d.straitctl("scan it --window 1").first, 0) << d.straitctl_errors();
  auto [crc, card_text] = d.straitctl("-o json scorecard it");
  ASSERT_EQ(crc, 0) << card_text << d.straitctl_errors();
  const auto card = nlohmann::json::parse(card_text);
  bool seen = false;
  for (const auto& a : card["areas"]) {
    if (a["name"] != "security and ACLs") continue;
    seen = true;
    EXPECT_EQ(a["level"], 1) << a.dump();
    // (How many are blocked depends on the suite's other tests: strait's
    // own PREFIXED "sec-" bindings reach their topics and groups too.)
    EXPECT_NE(a["evidence"].dump().find(" 0 to create, "), std::string::npos) << a.dump();
    EXPECT_NE(a["evidence"].dump().find(" blocked, 1 at cutover"), std::string::npos) << a.dump();
    EXPECT_NE(a["yellows"].dump().find(
                  "ACL blocked: ALLOW READ TOPIC:LITERAL:sec-acl-orders User:nobody@*"),
              std::string::npos)
        << a.dump();
  }
  EXPECT_TRUE(seen) << card_text;
  EXPECT_EQ(d.log().find(".password"), std::string::npos) << "no credential file in the log";
}

// A producer cutover grants the target the WRITE bindings of the topic's
// producers (mapped, LITERAL on the target name) once the topic goes
// CUT_OVER, and a rollback deletes what strait created, never a binding
// the target had before (docs/cutover.md, ADR 0023).
TEST_F(SecureKafka, ACutoverGrantsTheProducersWriteAndARollbackRemovesOnlyWhatItGranted) {
  testing::temp_dir dir;
  const std::string topic = "gra-orders", target = "mig.gra-orders";
  create_topic(clusters->source, topic, 1);
  {
    testing::test_producer p(clusters->source);
    for (int i = 0; i < 50; ++i) p.send(topic, 0, make_record(i));
  }
  const std::string auth = clusters->tool_auth(clusters->source);
  kafka_tool(
      "acls --bootstrap-server " + clusters->source + auth +
      " --add --allow-principal User:app --allow-principal User:app-b --operation Write --topic " +
      topic);
  // A PREFIXED right to write (it reaches gra-orders only): the cutover
  // grants its LITERAL copy on the topic, never the PREFIXED binding.
  kafka_tool("acls --bootstrap-server " + clusters->source + auth +
             " --add --allow-principal User:batch --operation Write --resource-pattern-type "
             "prefixed --topic gra-ord");
  // The operator granted app-b's copy on the target already: it is theirs.
  kafka_tool("acls --bootstrap-server " + clusters->target + clusters->tool_auth(clusters->target) +
             " --add --allow-principal User:app3 --operation Write --topic " + target);
  const std::string acls = acls_section(
      "    - {source: \"User:app\", target: \"User:app2\"}\n"
      "    - {source: \"User:app-b\", target: \"User:app3\"}\n"
      "    - {source: \"User:batch\", target: \"User:batch2\"}\n");
  straitd d(dir, "gra-orders", acls, "mig.");
  d.start();
  auto state_is = [&](const std::string& state) {
    return testing::wait_for(
        [&] {
          auto [rc, out] = d.straitctl("status it");
          return rc == 0 && out.find(topic) != std::string::npos &&
                 out.find(state) != std::string::npos;
        },
        60s, 200ms);
  };
  ASSERT_TRUE(state_is("IN_SYNC")) << d.log();
  auto [prc, plan] = d.straitctl("-o json plan it");
  ASSERT_EQ(prc, 0) << plan << d.straitctl_errors();
  const auto planned = nlohmann::json::parse(plan);
  const auto* write = acl_item(planned, "User:app", "WRITE", topic);
  ASSERT_NE(write, nullptr) << plan;
  EXPECT_EQ((*write)["action"], "ACL_ACTION_AT_CUTOVER") << write->dump();
  const auto* batch = acl_item(planned, "User:batch", "WRITE", "gra-ord");
  ASSERT_NE(batch, nullptr) << plan;
  EXPECT_EQ((*batch)["action"], "ACL_ACTION_AT_CUTOVER") << batch->dump();
  EXPECT_EQ(listed_acls(clusters->target, "User:app2").find(target), std::string::npos)
      << "not before the cutover";
  EXPECT_TRUE(listed_bindings(clusters->target, "User:batch2").empty());

  ASSERT_EQ(d.straitctl("verify it").first, 0) << d.log();
  ASSERT_TRUE(state_is("VERIFIED")) << d.log();
  auto [crc, cut] = d.straitctl("cutover it --topics " + topic + " --quiet-window 1000");
  ASSERT_EQ(crc, 0) << cut << d.straitctl_errors() << d.log();
  ASSERT_TRUE(state_is("CUT_OVER")) << d.log();
  const std::string granted = listed_acls(clusters->target, "User:app2");
  EXPECT_NE(granted.find("name=" + target + ", patternType=LITERAL"), std::string::npos) << granted;
  EXPECT_NE(granted.find("principal=User:app2, host=*, operation=WRITE, permissionType=ALLOW"),
            std::string::npos)
      << granted;
  EXPECT_NE(d.log().find("granted on the target for its producers: ALLOW WRITE TOPIC:LITERAL:" +
                         target + " User:app2@*"),
            std::string::npos)
      << d.log();
  EXPECT_EQ(listed_bindings(clusters->target, "User:batch2"),
            std::set<std::string>{target + " LITERAL WRITE ALLOW"});
  // Counted in the operation (not app3's: the operator's).
  EXPECT_NE(d.straitctl_errors().find(topic + ": done (ACL bindings: 2 granted on the target, 0 "
                                              "fence DENY(s) on the source)"),
            std::string::npos)
      << d.straitctl_errors();
  auto [status_rc, status] = d.straitctl("status it");
  EXPECT_EQ(status_rc, 0) << status << d.straitctl_errors();
  EXPECT_NE(
      status.find("granted on the target: ALLOW WRITE TOPIC:LITERAL:" + target + " User:app2@*"),
      std::string::npos)
      << status;
  EXPECT_NE(
      status.find("granted on the target: ALLOW WRITE TOPIC:LITERAL:" + target + " User:batch2@*"),
      std::string::npos)
      << status;

  // Bindings of the same principal that differ in one field only: the
  // rollback's DeleteAcls names all seven, so they stay.
  const std::string tgt = "acls --bootstrap-server " + clusters->target +
                          clusters->tool_auth(clusters->target) +
                          " --add --allow-principal User:app2 ";
  kafka_tool(tgt + "--operation Describe --topic " + target);
  kafka_tool(tgt + "--operation Write --resource-pattern-type prefixed --topic " + target);
  auto [rrc, back] = d.straitctl("rollback it --topics " + topic + " --quiet-window 1000");
  ASSERT_EQ(rrc, 0) << back << d.straitctl_errors() << d.log();
  ASSERT_TRUE(state_is("MIRRORING")) << d.log();
  std::tie(status_rc, status) = d.straitctl("status it");
  EXPECT_EQ(status_rc, 0) << status << d.straitctl_errors();
  EXPECT_EQ(status.find("granted on the target"), std::string::npos) << status;
  const auto after = listed_bindings(clusters->target, "User:app2");
  EXPECT_FALSE(after.contains(target + " LITERAL WRITE ALLOW")) << "strait's grant is removed";
  EXPECT_TRUE(after.contains(target + " LITERAL DESCRIBE ALLOW"));
  EXPECT_TRUE(after.contains(target + " PREFIXED WRITE ALLOW"));
  EXPECT_TRUE(listed_bindings(clusters->target, "User:batch2").empty())
      << "the PREFIXED right's copy goes with the topic's rollback";
  EXPECT_NE(d.straitctl_errors().find(topic + ": done (ACL bindings: 2 grant(s) deleted from the "
                                              "target, 0 fence DENY(s) lifted on the source)"),
            std::string::npos)
      << d.straitctl_errors();
  const std::string kept = listed_acls(clusters->target, "User:app3");
  EXPECT_NE(kept.find("name=" + target + ", patternType=LITERAL"), std::string::npos)
      << "the operator's binding stays: " << kept;
}

// One record produced to partition 0 of `topic` as scripts/kafka's user
// `user`, by a producer of its own (no metadata cached): the delivery's
// error (RD_KAFKA_RESP_ERR_NO_ERROR once written).
rd_kafka_resp_err_t produce_as(const std::string& bootstrap, const std::string& user,
                               const std::string& topic) {
  auto props = clusters->user_properties(bootstrap, user);
  props.insert(props.end(),
               {{"enable.idempotence", "false"}, {"acks", "all"}, {"message.timeout.ms", "15000"}});
  rd_kafka_conf_t* conf = testing::client_conf(bootstrap, props);
  rd_kafka_resp_err_t delivered = RD_KAFKA_RESP_ERR__TIMED_OUT;
  rd_kafka_conf_set_opaque(conf, &delivered);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    *static_cast<rd_kafka_resp_err_t*>(opaque) = m->err;
  });
  std::array<char, 512> err{};
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size());
  if (rk == nullptr) throw std::runtime_error(std::string("producer: ") + err.data());
  const std::string value = "from " + user;
  rd_kafka_resp_err_t e = rd_kafka_producev(
      rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END);
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_flush(rk, 20000);
    e = delivered;
  }
  rd_kafka_destroy(rk);
  return e;
}

// The source fence (docs/cutover.md#the-source-fence): from the drain on, a
// producer the operator forgot on the source gets an authorization error
// instead of writing records nobody mirrors, while strait's reverse
// mirroring still writes there; a rollback lifts it once the topic is
// MIRRORING, and the producer writes again.
TEST_F(SecureKafka, TheSourceFenceStopsAForgottenProducerUntilARollback) {
  testing::temp_dir dir;
  const std::string topic = "gra-fence-orders", target = "mig.gra-fence-orders";
  create_topic(clusters->source, topic, 1);
  kafka_tool("acls --bootstrap-server " + clusters->source + clusters->tool_auth(clusters->source) +
             " --add --allow-principal User:app --operation Write --operation Describe --topic " +
             topic);
  ASSERT_EQ(produce_as(clusters->source, "app", topic), RD_KAFKA_RESP_ERR_NO_ERROR);
  const std::string fence =
      "fence:\n  source_principal: \"User:strait\"\n"
      "  source_admin: {properties: {" +
      clusters->admin_credential(clusters->source) + "}}\n";
  straitd d(dir, topic, fence, "mig.");
  d.start();
  auto state_is = [&](const std::string& state) {
    return testing::wait_for(
        [&] {
          auto [rc, out] = d.straitctl("status it");
          return rc == 0 && out.find(state) != std::string::npos;
        },
        60s, 200ms);
  };
  ASSERT_TRUE(state_is("IN_SYNC")) << d.log();
  ASSERT_EQ(d.straitctl("verify it").first, 0) << d.log();
  ASSERT_TRUE(state_is("VERIFIED")) << d.log();
  // The plan says beforehand what the cutover will fence.
  const std::string fence_of_app =
      "deny                       DENY WRITE TOPIC:LITERAL:" + topic + " User:app@*";
  auto [prc, planned] = d.straitctl("plan it --topics " + topic);
  ASSERT_EQ(prc, 0) << planned << d.straitctl_errors() << d.log();
  EXPECT_NE(planned.find(fence_of_app), std::string::npos) << planned;
  EXPECT_NE(planned.find("1 topics to fence, 0 refused"), std::string::npos) << planned;
  auto [crc, cut] = d.straitctl("cutover it --topics " + topic + " --quiet-window 1000");
  ASSERT_EQ(crc, 0) << cut << d.straitctl_errors() << d.log();
  ASSERT_TRUE(state_is("CUT_OVER")) << d.log();
  EXPECT_TRUE(
      listed_bindings(clusters->source, "User:app").contains(topic + " LITERAL WRITE DENY"));
  EXPECT_NE(d.straitctl_errors().find(topic + ": done (ACL bindings: 0 granted on the target, 1 "
                                              "fence DENY(s) on the source)"),
            std::string::npos)
      << d.straitctl_errors();
  std::tie(prc, planned) = d.straitctl("plan it --all --topics " + topic);
  EXPECT_EQ(prc, 0) << planned << d.straitctl_errors();
  EXPECT_NE(planned.find("nothing                    " + topic + ": no writer to fence"),
            std::string::npos)
      << "fenced already: " << planned;
  for (const auto& b : listed_bindings(clusters->source, "User:strait")) {
    EXPECT_EQ(b.find("DENY"), std::string::npos) << b;
  }
  EXPECT_EQ(produce_as(clusters->source, "app", topic),
            RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  EXPECT_NE(d.log().find("fenced on the source: DENY WRITE TOPIC:LITERAL:" + topic + " User:app@*"),
            std::string::npos)
      << d.log();
  auto [status_rc, status] = d.straitctl("status it");
  EXPECT_EQ(status_rc, 0) << status << d.straitctl_errors();
  EXPECT_NE(status.find("fenced on the source: DENY WRITE TOPIC:LITERAL:" + topic + " User:app@*"),
            std::string::npos)
      << status;

  // ACL tooling removes the fence behind strait's back: status says so
  // within the drift check's period (docs/cutover.md#acl-drift); strait
  // changes nothing; put back by hand, the drift goes.
  const std::string fence_cmd = "acls --bootstrap-server " + clusters->source +
                                clusters->tool_auth(clusters->source) +
                                " --deny-principal User:app --operation Write --topic " + topic;
  kafka_tool(fence_cmd + " --remove --force");
  const std::string missing =
      "ACL drift: missing on the source: DENY WRITE TOPIC:LITERAL:" + topic + " User:app@*";
  ASSERT_TRUE(testing::wait_for(
      [&] { return d.straitctl("status it").second.find(missing) != std::string::npos; }, 60s,
      500ms))
      << d.straitctl("status it").second << d.log();
  kafka_tool(fence_cmd + " --add");
  ASSERT_TRUE(testing::wait_for(
      [&] {
        auto [rc, out] = d.straitctl("status it");
        return rc == 0 && out.find(topic) != std::string::npos &&
               out.find("ACL drift") == std::string::npos;
      },
      60s, 500ms))
      << d.straitctl("status it").second;

  // Producers moved to the target: reverse mirroring still writes to the
  // fenced source topic.
  const int64_t before = total_high(clusters->source, topic, 1);
  {
    testing::test_producer p(clusters->target);
    for (int i = 0; i < 5; ++i) p.send(target, 0, make_record(i));
  }
  ASSERT_TRUE(testing::wait_for(
      [&] { return total_high(clusters->source, topic, 1) == before + 5; }, 60s, 200ms))
      << d.log();

  auto [rrc, back] = d.straitctl("rollback it --topics " + topic + " --quiet-window 1000");
  ASSERT_EQ(rrc, 0) << back << d.straitctl_errors() << d.log();
  ASSERT_TRUE(state_is("MIRRORING")) << d.log();
  EXPECT_FALSE(
      listed_bindings(clusters->source, "User:app").contains(topic + " LITERAL WRITE DENY"));
  EXPECT_NE(d.straitctl_errors().find(topic + ": done (ACL bindings: 0 grant(s) deleted from the "
                                              "target, 1 fence DENY(s) lifted on the source)"),
            std::string::npos)
      << d.straitctl_errors();
  EXPECT_EQ(produce_as(clusters->source, "app", topic), RD_KAFKA_RESP_ERR_NO_ERROR);
}

}  // namespace

// Granted once, after the clusters started and before any test: the secure
// binary also runs the cutover tests (cutover_kafka_test.cc: "cut-" and
// "kil-" topics and groups, target prefix "mig.") on these clusters, and
// the ACL grants' ("gra-", above).
void integration::grant_suite_permissions() {
  grant_documented_permissions("sec-", "", false);
  grant_documented_permissions("cut-", "mig.", true);
  grant_documented_permissions("kil-", "mig.", true);
  grant_documented_permissions("gra-", "mig.", true);
}

}  // namespace strait
