// Plan and apply of a link's target topics on real Kafka
// (docs/planning.md#plan-and-apply): a paused link's plan names each
// selected topic's action (create, change configs) or blocker (fewer
// partitions on a topic strait did not create, another cleanup.policy); a
// dry run changes nothing; apply creates the topic with the source's
// partitions and configs and changes the drifted config; the next plan has
// nothing left; a topic apply created is strait's (config sync follows it
// once the link runs). Topics are read with Kafka's own tools.
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "schema_gate.h"
#include "strait/config/config.h"
#include "test_util.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using namespace integration;

using testing::contains;

std::string described(const std::string& bootstrap, const std::string& topic) {
  return kafka_tool("topics --bootstrap-server " + bootstrap + clusters->tool_auth(bootstrap) +
                    " --describe --topic " + topic);
}

std::string target_topics() {
  return kafka_tool("topics --bootstrap-server " + clusters->target +
                    clusters->tool_auth(clusters->target) + " --list");
}

TEST(PlanKafka, APausedLinksPlanIsAppliedOnceAndWhatApplyCreatedIsStraits) {
  testing::temp_dir dir;
  straitd d(dir, "pln-.*", "", "", "", 500, "config_sync_interval_ms: 1000");
  d.start();
  ASSERT_EQ(d.straitctl("pause-link it").first, 0) << d.log();
  create_topic(clusters->source, "pln-new", 3, "retention.ms=3600000");
  create_topic(clusters->source, "pln-pre", 1, "retention.ms=3600000");
  create_topic(clusters->target, "pln-pre", 1, "retention.ms=1000000");
  create_topic(clusters->source, "pln-few", 4, "");
  create_topic(clusters->target, "pln-few", 2, "");
  create_topic(clusters->source, "pln-comp", 1, "cleanup.policy=compact");
  create_topic(clusters->target, "pln-comp", 1, "");

  auto [rc, plan] = d.straitctl("plan it");
  ASSERT_EQ(rc, 0) << plan << d.log();
  EXPECT_TRUE(contains(plan,
                       "pln-new: target topic pln-new does not exist: create it with 3 "
                       "partitions and configs "))
      << plan;
  EXPECT_TRUE(contains(plan, "retention.ms=3600000")) << plan;
  EXPECT_TRUE(contains(plan,
                       "pln-pre: the target topic's configs differ from the source's: "
                       "retention.ms: source 3600000, target 1000000"))
      << plan;
  EXPECT_TRUE(contains(plan,
                       "pln-few: target topic pln-few has 2 partitions but source topic "
                       "pln-few has 4"))
      << plan;
  EXPECT_TRUE(contains(plan, "pln-comp: target topic pln-comp has cleanup.policy=delete")) << plan;
  EXPECT_TRUE(contains(plan, "plan of link it (paused)")) << plan;
  EXPECT_TRUE(contains(plan, "1 to create, 0 to grow, 1 to change configs, 2 blocked, 0 fit"))
      << plan;
  EXPECT_FALSE(contains(plan, "the running link does this itself")) << plan;
  auto [jrc, json] = d.straitctl("-o json plan it --topics pln-new");
  ASSERT_EQ(jrc, 0) << json;
  EXPECT_TRUE(contains(json, R"("action":"PLAN_ACTION_CREATE","partitions":3)")) << json;
  EXPECT_FALSE(contains(json, "pln-pre")) << "--topics narrows the plan: " << json;

  auto [drc, dry] = d.straitctl("apply it --dry-run");
  ASSERT_EQ(drc, 0) << dry << d.log();
  EXPECT_TRUE(contains(dry, "would do: create")) << dry;
  const std::string listed = target_topics();
  EXPECT_TRUE(contains(listed, "pln-pre")) << listed;
  EXPECT_FALSE(contains(listed, "pln-new")) << "a dry run creates nothing: " << listed;

  auto [arc, applied] = d.straitctl("apply it");
  ASSERT_EQ(arc, 0) << applied << d.log();
  EXPECT_TRUE(contains(applied, "done: create")) << applied;
  EXPECT_TRUE(contains(applied, "done: change configs")) << applied;
  EXPECT_TRUE(contains(applied, "2 done, 0 failed, 0 not reached")) << applied;
  EXPECT_TRUE(contains(described(clusters->target, "pln-new"), "PartitionCount: 3"));
  EXPECT_TRUE(contains(own_configs(clusters->target, "pln-new"), " retention.ms=3600000 "));
  EXPECT_TRUE(contains(own_configs(clusters->target, "pln-pre"), " retention.ms=3600000 "));
  EXPECT_TRUE(contains(d.straitctl("audit").second, "Apply")) << d.straitctl("audit").second;

  std::tie(rc, plan) = d.straitctl("plan it");
  ASSERT_EQ(rc, 0) << plan;
  EXPECT_TRUE(contains(plan, "0 to create, 0 to grow, 0 to change configs, 2 blocked, 2 fit"))
      << plan;

  // The topic apply created is strait's: once the link runs, config sync
  // follows the source's change on it.
  ASSERT_EQ(d.straitctl("resume-link it").first, 0) << d.log();
  kafka_tool(
      "run kafka.admin.ConfigCommand --bootstrap-server " + clusters->source +
      clusters->tool_auth(clusters->source) +
      " --entity-type topics --entity-name pln-new --alter --add-config retention.ms=7200000");
  EXPECT_TRUE(testing::wait_for(
      [&] { return contains(own_configs(clusters->target, "pln-new"), " retention.ms=7200000 "); },
      60s, 500ms))
      << d.log();
  std::tie(rc, plan) = d.straitctl("plan it --topics pln-new --all");
  ASSERT_EQ(rc, 0) << plan;
  EXPECT_TRUE(contains(plan, "pln-new: the target topic fits")) << plan;
  EXPECT_TRUE(contains(plan, "plan of link it (running)")) << plan;
  EXPECT_EQ(d.stop(), 0) << d.log();
}

// The groups of a plan (the link's groups section): a group that commits
// only mirrored topics is synced by the running link; one that also commits
// a topic the link does not mirror gets a blocked item naming it (those
// offsets are not carried over) beside its sync; apply has nothing to do for
// groups and leaves them out.
TEST(PlanKafka, APlanSaysWhichGroupsOffsetsTheLinkCarriesOver) {
  testing::temp_dir dir;
  create_topic(clusters->source, "pgr-orders", 1);
  create_topic(clusters->source, "pgx-audit", 1);
  {
    testing::test_producer p(clusters->source);
    for (int i = 0; i < 10; ++i) {
      p.send("pgr-orders", 0, make_record(i));
      p.send("pgx-audit", 0, make_record(i));
    }
    p.flush();
  }
  testing::commit_offset(clusters->source, "pgr-one", "pgr-orders", 0, 5, "");
  testing::commit_offset(clusters->source, "pgr-both", "pgr-orders", 0, 5, "");
  testing::commit_offset(clusters->source, "pgr-both", "pgx-audit", 0, 5, "");
  testing::commit_offset(clusters->source, "pgx-other", "pgr-orders", 0, 5, "");  // not selected
  straitd d(dir, "pgr-.*", "groups:\n  include: [\"pgr-.*\"]\n");
  d.start();
  auto [rc, out] = d.straitctl("-o json plan it");
  ASSERT_EQ(rc, 0) << out << d.straitctl_errors();
  const auto plan = nlohmann::json::parse(out);
  ASSERT_TRUE(plan["groups_enabled"].get<bool>()) << out;
  EXPECT_EQ(plan["groups_note"], "") << out;
  std::map<std::string, std::vector<std::string>> actions;
  for (const auto& g : plan["groups"]) actions[g["group"]].push_back(g["action"]);
  EXPECT_EQ(actions["pgr-one"], std::vector<std::string>{"GROUP_ACTION_SYNC"}) << out;
  EXPECT_EQ(actions["pgr-both"],
            (std::vector<std::string>{"GROUP_ACTION_BLOCKED", "GROUP_ACTION_SYNC"}))
      << out;
  EXPECT_FALSE(actions.contains("pgx-other")) << "not selected: " << out;
  auto [trc, text] = d.straitctl("plan it");
  ASSERT_EQ(trc, 0) << text;
  EXPECT_TRUE(contains(text,
                       "BLOCKED                    pgr-both (classic): commits offsets for 1 "
                       "topic(s) the link does not mirror (pgx-audit)"))
      << text;
  EXPECT_TRUE(contains(text, "2 to sync, 1 blocked, 0 with nothing to carry over")) << text;
  auto [arc, applied] = d.straitctl("-o json apply it");
  ASSERT_EQ(arc, 0) << applied << d.straitctl_errors();
  EXPECT_EQ(nlohmann::json::parse(applied)["groups"].size(), 0u) << applied;
  EXPECT_EQ(d.stop(), 0) << d.log();
}

// Two real Apicurio Registry instances (scripts/registry) in the test's
// directory, stopped with it.
class registry_pair {
 public:
  explicit registry_pair(const testing::temp_dir& dir) : state_(dir.path() / "registries") {
    setenv("STRAIT_REGISTRY_STATE", state_.c_str(), 1);
    source = testing::run_command(kRoot + "/scripts/registry start src 2>/dev/null");
    target = testing::run_command(kRoot + "/scripts/registry start dst 2>/dev/null");
  }
  ~registry_pair() {
    setenv("STRAIT_REGISTRY_STATE", state_.c_str(), 1);
    (void)std::system((kRoot + "/scripts/registry stop-all >/dev/null 2>&1").c_str());
  }
  registry_pair(const registry_pair&) = delete;
  registry_pair& operator=(const registry_pair&) = delete;
  std::string source, target;  // root URLs

 private:
  std::filesystem::path state_;
};

// The link's schemas section through straitd (docs/planning.md#schemas):
// verify and the cutover's gate find the version missing on the target;
// plan lists each subject version to copy, with its id; apply copies them
// with their ids (read back with curl); the next plan has nothing left,
// verify passes and the gate lets the cutover go.
TEST(PlanKafka, PlanAndApplyCopyTheLinksSchemasWithTheirIds) {
  testing::temp_dir dir;
  registry_pair reg(dir);
  const std::string source = reg.source + "/apis/ccompat/v7";
  const std::string target = reg.target + "/apis/ccompat/v7";
  // The source's first id is taken on the target by a schema of its own, so
  // that the copied ones keep ids the target would not have given them.
  const auto id_of = [](const std::string& answer) {
    return nlohmann::json::parse(answer, nullptr, false).value("id", -1);
  };
  const std::string own = R"({"schema":"{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}"})";
  ASSERT_EQ(id_of(testing::curl("POST", target + "/subjects/t-own/versions", own)), 1);
  ASSERT_EQ(
      id_of(testing::curl("POST", source + "/subjects/pad/versions", R"({"schema":"\"int\""})")),
      1);
  const int orders = id_of(testing::curl(
      "POST", source + "/subjects/psc-orders-value/versions",
      R"({"schema":"{\"type\":\"record\",\"name\":\"O\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}"})"));
  ASSERT_EQ(orders, 2);
  create_topic(clusters->source, "psc-orders", 1);
  // Records in Confluent's wire format: one with id 2 (the source serves
  // it), one whose first bytes read as id 999 (the source serves none: not
  // taken for a schema id), one not in the format.
  {
    testing::test_producer producer(clusters->source);
    testing::record r = make_record(0);
    r.value = std::string("\0\0\0\0\x02payload", 12);
    producer.send("psc-orders", 0, r);
    r.value = std::string("\0\0\0\x03\xe7plain", 10);
    producer.send("psc-orders", 0, r);
    r.value = "text";
    producer.send("psc-orders", 0, r);
    producer.flush();
  }
  const std::string schemas_yaml = "schemas:\n  source: {url: \"" + source +
                                   "\"}\n  target: {url: \"" + reg.target +
                                   "\", kind: apicurio}\n  include: [\"psc-.*\"]\n";
  auto gate_link = config::parse_link_yaml(
      "name: it\nsource: {properties: {bootstrap.servers: \"" + clusters->source +
          "\"}}\ntarget: {properties: {bootstrap.servers: \"" + clusters->target +
          "\"}}\ntopics: {include: [\"psc-.*\"]}\n" + schemas_yaml,
      [](const std::string&) { return std::nullopt; }, config::reference_policy{});
  ASSERT_TRUE(gate_link.has_value()) << gate_link.error().message;
  // The cutover's schema gate refuses before the copy (a forced one goes on)...
  auto gate = daemon::schema_gate(*gate_link, {{"psc-orders", 1}}, false, "test");
  ASSERT_FALSE(gate.has_value());
  EXPECT_TRUE(contains(gate.error().message,
                       "psc-orders partition 0 offset 0 carries schema id 2, which the target "
                       "registry does not serve"))
      << gate.error().message;
  EXPECT_FALSE(contains(gate.error().message, "999")) << gate.error().message;
  EXPECT_TRUE(daemon::schema_gate(*gate_link, {{"psc-orders", 1}}, true, "test").has_value());
  straitd d(dir, "psc-.*", schemas_yaml);
  d.start();

  // Verify compares the registries: the records pass (the topic becomes
  // VERIFIED), the schema version is not on the target (the report fails);
  // the cutover's gate, through straitctl, refuses even its dry run.
  ASSERT_TRUE(testing::wait_for(
      [&] { return contains(d.straitctl("-o json status it").second, R"("state":"IN_SYNC")"); },
      60s, 200ms))
      << d.log();
  auto [vrc, verified] = d.straitctl("verify it");
  EXPECT_EQ(vrc, 5) << verified << d.straitctl_errors();
  EXPECT_TRUE(contains(verified, "SCHEMAS FAIL: 1 subjects, 1 versions compared, 1 differ"))
      << verified;
  EXPECT_TRUE(contains(verified,
                       "subject 'psc-orders-value' version 1 (id 2) is not on the "
                       "target"))
      << verified;
  EXPECT_TRUE(contains(verified, "psc-orders                       ok        0")) << verified;
  auto [nrc, unschemed] = d.straitctl("verify it --no-schemas");
  EXPECT_EQ(nrc, 0) << unschemed;
  EXPECT_FALSE(contains(unschemed, "SCHEMAS")) << unschemed;
  auto [grc, gated] = d.straitctl("cutover it --topics psc-orders --dry-run");
  EXPECT_EQ(grc, 4) << gated;
  EXPECT_TRUE(contains(d.straitctl_errors(),
                       "psc-orders partition 0 offset 0 carries schema id 2, which the target "
                       "registry does not serve"))
      << gated << d.straitctl_errors();

  auto [rc, plan] = d.straitctl("plan it");
  ASSERT_EQ(rc, 0) << plan << d.straitctl_errors() << d.log();
  EXPECT_TRUE(contains(plan, "copy                       psc-orders-value version 1, id 2 (AVRO)"))
      << plan;
  EXPECT_TRUE(contains(plan, "1 versions to copy, 0 blocked, 0 fit")) << plan;
  EXPECT_FALSE(contains(plan, "pad")) << "not selected: " << plan;
  EXPECT_TRUE(contains(plan, "schemas planned: client quotas are not planned yet")) << plan;
  auto [drc, dry] = d.straitctl("apply it --dry-run");
  ASSERT_EQ(drc, 0) << dry;
  EXPECT_EQ(id_of(testing::curl("GET", target + "/subjects/psc-orders-value/versions/1")), -1)
      << "a dry run wrote";
  auto [arc, applied] = d.straitctl("apply it");
  ASSERT_EQ(arc, 0) << applied << d.straitctl_errors();
  EXPECT_TRUE(contains(applied, "done: copy")) << applied;
  EXPECT_EQ(id_of(testing::curl("GET", target + "/subjects/psc-orders-value/versions/1")), orders);
  std::tie(rc, plan) = d.straitctl("-o json plan it");
  ASSERT_EQ(rc, 0) << plan;
  const auto j = nlohmann::json::parse(plan);
  EXPECT_EQ(j.value("schemas_fit", 0), 1) << plan;
  ASSERT_EQ(j["schemas"].size(), 1u) << plan;
  EXPECT_EQ(j["schemas"][0]["action"], "SCHEMA_ACTION_FITS") << plan;
  // ... and lets it go once the target serves the id; verify passes.
  gate = daemon::schema_gate(*gate_link, {{"psc-orders", 1}}, false, "test");
  EXPECT_TRUE(gate.has_value()) << gate.error().message;
  std::tie(vrc, verified) = d.straitctl("verify it");
  EXPECT_EQ(vrc, 0) << verified << d.straitctl_errors();
  EXPECT_TRUE(contains(verified, "SCHEMAS ok: 1 subjects, 1 versions compared, 0 differ"))
      << verified;
  std::tie(grc, gated) = d.straitctl("cutover it --topics psc-orders --dry-run");
  EXPECT_EQ(grc, 0) << gated << d.straitctl_errors();
  EXPECT_TRUE(contains(gated, "would drain")) << gated;
  EXPECT_EQ(d.stop(), 0) << d.log();
}

}  // namespace
}  // namespace strait
