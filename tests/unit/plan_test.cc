#include "strait/plan/planner.h"

#include <gtest/gtest.h>

#include "strait/plan/metadata_planner.h"

namespace strait::plan {
namespace {

using mode = config::topic_config::config_sync_mode;

config::topic_config defaults() {
  config::topic_config t;
  t.config_allow = {"*"};
  t.config_deny = config::default_config_deny();
  return t;
}

// A source topic with 4 partitions and retention.ms set, its target with
// the same and the same configs.
topic_facts fitting() {
  topic_facts t;
  t.source = "orders";
  t.target = "mig.orders";
  t.source_partitions = 4;
  t.target_partitions = 4;
  t.configs_read = true;
  t.source_configs = {{"retention.ms", "3600000", false, false},
                      {"cleanup.policy", "delete", true, false},
                      {"max.message.bytes", "1048588", true, false}};
  t.target_configs = t.source_configs;
  t.strait_created = true;
  return t;
}

TEST(Plan, ATopicThatFitsNeedsNothing) {
  auto items = plan_topic(defaults(), true, fitting());
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::nothing);
  EXPECT_EQ(items[0].topic, "orders");
  EXPECT_EQ(items[0].target, "mig.orders");
}

TEST(Plan, AMissingTargetIsCreatedWithTheSourcesPartitionsAndCopiedConfigs) {
  auto t = fitting();
  t.target_partitions.reset();
  t.target_configs.clear();
  t.strait_created = false;
  auto items = plan_topic(defaults(), false, t);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::create);
  EXPECT_EQ(items[0].partitions, 4);
  EXPECT_EQ(items[0].configs, (kafka::properties{{"retention.ms", "3600000"}}));
  EXPECT_FALSE(items[0].by_link) << "a paused link creates nothing itself";
  EXPECT_NE(items[0].reason.find("retention.ms=3600000"), std::string::npos);
  EXPECT_TRUE(plan_topic(defaults(), true, t)[0].by_link);

  auto no_create = defaults();
  no_create.create = false;
  items = plan_topic(no_create, true, t);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::blocked);
  EXPECT_NE(items[0].blocker.find("topics.create is false"), std::string::npos);
  EXPECT_NE(items[0].blocker.find("4 partitions"), std::string::npos);
}

TEST(Plan, ARefusedTargetOrUnreadConfigsBlockTheTopicAlone) {
  auto t = fitting();
  t.target_partitions.reset();
  t.refusal = "target topic __x is Kafka's own";
  auto items = plan_topic(defaults(), true, t);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::blocked);
  EXPECT_EQ(items[0].blocker, t.refusal);

  t = fitting();
  t.configs_read = false;
  t.configs_error = "target: timed out";
  items = plan_topic(defaults(), true, t);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::blocked);
  EXPECT_NE(items[0].blocker.find("target: timed out"), std::string::npos);
}

TEST(Plan, PartitionsGrowOnlyOnTopicsStraitCreated) {
  auto t = fitting();
  t.source_partitions = 6;
  auto items = plan_topic(defaults(), true, t);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::add_partitions);
  EXPECT_EQ(items[0].partitions, 6);
  EXPECT_TRUE(items[0].by_link);

  t.strait_created = false;
  items = plan_topic(defaults(), true, t);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::blocked);
  EXPECT_NE(items[0].blocker.find("--partitions 6"), std::string::npos);

  // Without config checks the counts are still compared, and nothing grows.
  auto unchecked = defaults();
  unchecked.check_configs = false;
  t.configs_read = false;
  t.strait_created = true;
  items = plan_topic(unchecked, true, t);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::blocked);
  t.source_partitions = 4;
  EXPECT_EQ(plan_topic(unchecked, true, t)[0].what, action::nothing);
}

TEST(Plan, AnotherCleanupPolicyOnTheTargetBlocksTheTopic) {
  auto t = fitting();
  t.target_configs[1] = {"cleanup.policy", "compact", false, false};
  auto items = plan_topic(defaults(), true, t);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::blocked);
  EXPECT_NE(items[0].blocker.find("cleanup.policy=compact"), std::string::npos);
}

TEST(Plan, DriftIsAChangeTheRunningLinkMakesOnlyWhereConfigSyncFollows) {
  auto t = fitting();
  t.target_configs[0].value = "604800000";
  auto items = plan_topic(defaults(), true, t);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::change_configs);
  ASSERT_EQ(items[0].drift.size(), 1u);
  EXPECT_EQ(items[0].drift[0].name, "retention.ms");
  EXPECT_EQ(items[0].drift[0].source, "3600000");
  EXPECT_TRUE(items[0].by_link) << "config_sync: created follows a topic strait created";

  t.strait_created = false;
  EXPECT_FALSE(plan_topic(defaults(), true, t)[0].by_link)
      << "config_sync: created leaves a topic strait did not create to apply";
  auto all = defaults();
  all.config_sync = mode::all;
  EXPECT_TRUE(plan_topic(all, true, t)[0].by_link);
  EXPECT_FALSE(plan_topic(all, false, t)[0].by_link) << "a paused link changes nothing";
  auto off = defaults();
  off.config_sync = mode::off;
  t.strait_created = true;
  items = plan_topic(off, true, t);
  EXPECT_EQ(items[0].what, action::change_configs) << "apply changes what config sync does not";
  EXPECT_FALSE(items[0].by_link);
}

TEST(Plan, AChangeThatCouldRefuseRecordsWaitsUntilTheTopicCaughtUp) {
  auto t = fitting();
  t.source_configs[2] = {"max.message.bytes", "1000", false, false};
  t.source_configs[0].value = "1";  // retention.ms too: not held back
  for (std::optional<bool> caught_up : {std::optional<bool>(), std::optional<bool>(false)}) {
    t.caught_up = caught_up;
    auto items = plan_topic(defaults(), true, t);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].what, action::change_configs);
    ASSERT_EQ(items[0].drift.size(), 1u);
    EXPECT_EQ(items[0].drift[0].name, "retention.ms");
    EXPECT_EQ(items[1].what, action::blocked);
    ASSERT_EQ(items[1].drift.size(), 1u);
    EXPECT_EQ(items[1].drift[0].name, "max.message.bytes");
    EXPECT_NE(items[1].blocker.find(caught_up ? "has a lag" : "lag is unknown"), std::string::npos);
  }
  t.caught_up = true;
  auto items = plan_topic(defaults(), true, t);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::change_configs);
  EXPECT_EQ(items[0].drift.size(), 2u);
}

TEST(Plan, ATopicHandedOverGetsNoConfigChanges) {
  auto t = fitting();
  t.target_configs[0].value = "604800000";
  t.handed_over = true;
  auto items = plan_topic(defaults(), true, t);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, action::nothing);
  EXPECT_NE(items[0].reason.find("handed over"), std::string::npos);
}

}  // namespace
}  // namespace strait::plan

namespace strait::plan {
namespace {

group_facts group_reading(std::vector<std::string> topics, std::vector<std::string> unmirrored) {
  group_facts g;
  g.group = "billing";
  g.type = "classic";
  g.topics = std::move(topics);
  g.unmirrored = std::move(unmirrored);
  return g;
}

TEST(GroupPlan, AGroupOfMirroredTopicsIsSyncedByTheRunningLink) {
  auto items = plan_group(true, group_reading({"orders", "payments"}, {}));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, group_action::sync);
  EXPECT_TRUE(items[0].by_link);
  EXPECT_NE(items[0].reason.find("its 2 mirrored topic(s)"), std::string::npos) << items[0].reason;
  const auto paused = plan_group(false, group_reading({"orders"}, {}));
  EXPECT_FALSE(paused[0].by_link);
  EXPECT_NE(paused[0].reason.find("once the link is resumed"), std::string::npos);
}

TEST(GroupPlan, TopicsTheLinkDoesNotMirrorAndMembersOnTheTargetBlock) {
  auto items = plan_group(true, group_reading({"orders", "audit"}, {"audit"}));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].what, group_action::blocked);
  EXPECT_NE(items[0].blocker.find("1 topic(s) the link does not mirror (audit)"), std::string::npos)
      << items[0].blocker;
  EXPECT_EQ(items[1].what, group_action::sync);
  // Only unmirrored topics: nothing is synced.
  items = plan_group(true, group_reading({"audit"}, {"audit"}));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, group_action::blocked);
  auto active = group_reading({"orders"}, {});
  active.target_state = "stable";
  active.target_has_members = true;
  items = plan_group(true, active);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].what, group_action::blocked);
  EXPECT_NE(items[0].blocker.find("the target group billing has members (stable)"),
            std::string::npos)
      << items[0].blocker;
}

TEST(GroupPlan, ACutOverGroupOrOneWithoutOffsetsHasNothingAndUnreadOffsetsBlock) {
  auto cut = group_reading({"orders"}, {});
  cut.on_target = true;
  cut.target_has_members = true;
  EXPECT_EQ(plan_group(true, cut)[0].what, group_action::nothing);
  EXPECT_EQ(plan_group(true, group_reading({}, {}))[0].what, group_action::nothing);
  auto unread = group_reading({}, {});
  unread.offsets_error = "GROUP_AUTHORIZATION_FAILED\x1b[2J";
  auto items = plan_group(true, unread);
  EXPECT_EQ(items[0].what, group_action::blocked);
  EXPECT_EQ(items[0].blocker.find('\x1b'), std::string::npos) << "made single-line";
}

policy::acl_item acl_to_create(const std::string& topic, const std::string& permission) {
  policy::acl_item i;
  i.what = policy::acl_action::create;
  i.target = {"TOPIC", topic, "LITERAL", "User:app", "*", "READ", permission};
  i.source = i.target;
  return i;
}

// Every DENY is created before any ALLOW, in requests of their own; at most
// kAclsPerRequest bindings a request; items that are no action get none.
TEST(AclApply, DeniesGoFirstInRequestsOfTheirOwnAndRequestsAreBounded) {
  std::vector<policy::acl_item> items;
  for (size_t n = 0; n < kAclsPerRequest + 5; ++n) {
    items.push_back(acl_to_create("allow-" + std::to_string(n), "ALLOW"));
  }
  items.push_back(acl_to_create("deny", "DENY"));
  items.push_back(acl_to_create("fits", "ALLOW"));
  items.back().what = policy::acl_action::nothing;
  std::vector<std::vector<kafka::acl_binding>> requests;
  apply_result r;
  create_acl_items(
      items, false, std::chrono::steady_clock::now() + std::chrono::hours(1),
      [&](const std::vector<kafka::acl_binding>& b) {
        requests.push_back(b);
        return std::vector<status>(b.size());
      },
      r);
  ASSERT_EQ(requests.size(), 3u);
  ASSERT_EQ(requests[0].size(), 1u);
  EXPECT_EQ(requests[0][0].permission, "DENY");
  EXPECT_EQ(requests[1].size(), kAclsPerRequest);
  EXPECT_EQ(requests[2].size(), 5u);
  EXPECT_EQ(r.done, static_cast<int>(kAclsPerRequest) + 6);
  ASSERT_EQ(r.acls.size(), items.size());
  EXPECT_EQ(r.acls.back().result, outcome::no_action);
}

// An ALLOW alone could grant more than the source: when a DENY of the plan
// was not created, no ALLOW is asked for.
TEST(AclApply, AFailedDenyHoldsBackEveryAllow) {
  const std::vector<policy::acl_item> items = {acl_to_create("a", "ALLOW"),
                                               acl_to_create("d", "DENY")};
  int calls = 0;
  apply_result r;
  create_acl_items(
      items, false, std::chrono::steady_clock::now() + std::chrono::hours(1),
      [&](const std::vector<kafka::acl_binding>& b) {
        ++calls;
        return std::vector<status>(b.size(), fail(errc::kafka, "refused"));
      },
      r);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.acls[1].result, outcome::failed);
  EXPECT_EQ(r.acls[1].message, "refused");
  EXPECT_EQ(r.acls[0].result, outcome::not_reached);
  EXPECT_EQ(r.failed, 1);
  EXPECT_EQ(r.not_reached, 1);
}

TEST(AclApply, ADryRunAsksNothingAndAPassedDeadlineStartsNothing) {
  const std::vector<policy::acl_item> items = {acl_to_create("a", "ALLOW"),
                                               acl_to_create("d", "DENY")};
  int calls = 0;
  const acl_creator count = [&](const std::vector<kafka::acl_binding>& b) {
    ++calls;
    return std::vector<status>(b.size());
  };
  apply_result dry;
  create_acl_items(items, true, std::chrono::steady_clock::now() + std::chrono::hours(1), count,
                   dry);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(dry.acls[0].result, outcome::would);
  EXPECT_EQ(dry.acls[1].result, outcome::would);
  apply_result late;
  create_acl_items(items, false, std::chrono::steady_clock::now() - std::chrono::seconds(1), count,
                   late);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(late.not_reached, 2);
}

}  // namespace
}  // namespace strait::plan
