#include "strait/policy/topic_configs.h"

#include <gtest/gtest.h>

namespace strait::policy {
namespace {

config::topic_config defaults() {
  config::topic_config t;
  t.config_allow = {"*"};
  t.config_deny = config::default_config_deny();
  return t;
}

TEST(TopicConfigs, CopiesOnlyTopicLevelAllowedConfigs) {
  std::vector<kafka::config_entry> src = {
      {"retention.ms", "3600000", false, false},
      {"cleanup.policy", "compact", false, false},
      {"segment.bytes", "1073741824", true, false},  // broker default: not copied
      {"min.insync.replicas", "2", false, false},    // denied by default
      {"local.retention.ms", "1000", false, false},  // denied by prefix
      {"message.timestamp.type", "LogAppendTime", false, false},
      {"some.secret", "x", false, true},  // sensitive
  };
  auto got = configs_to_copy(src, defaults());
  kafka::properties want = {{"retention.ms", "3600000"}, {"cleanup.policy", "compact"}};
  EXPECT_EQ(got, want);

  auto only_retention = defaults();
  only_retention.config_allow = {"retention.*"};
  EXPECT_EQ(configs_to_copy(src, only_retention), (kafka::properties{{"retention.ms", "3600000"}}));
}

TEST(TopicConfigs, FewerTargetPartitionsIsAnErrorUnlessStraitCreatedTheTopic) {
  auto r = check_target_topic("orders", "mig.orders", 8, 4, false, "delete", "delete");
  EXPECT_EQ(r.what, target_check::action::mismatch);
  EXPECT_NE(r.message.find("mig.orders"), std::string::npos);
  EXPECT_NE(r.message.find("--partitions 8"), std::string::npos);
  auto grow = check_target_topic("orders", "mig.orders", 8, 4, true, "delete", "delete");
  EXPECT_EQ(grow.what, target_check::action::add_partitions);
  EXPECT_EQ(check_target_topic("orders", "orders", 8, 8, false, "delete", "delete").what,
            target_check::action::ok);
  EXPECT_EQ(check_target_topic("orders", "orders", 4, 8, false, std::nullopt, std::nullopt).what,
            target_check::action::ok);
}

TEST(TopicConfigs, CleanupPolicyMismatchNamesBothSides) {
  auto r = check_target_topic("users", "users", 1, 1, true, "compact", "delete");
  EXPECT_EQ(r.what, target_check::action::mismatch);
  EXPECT_NE(r.message.find("cleanup.policy=delete"), std::string::npos);
  EXPECT_NE(r.message.find("cleanup.policy=compact"), std::string::npos);
}

}  // namespace
}  // namespace strait::policy
