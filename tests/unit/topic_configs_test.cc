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

TEST(TopicConfigs, DriftIsWhatTheSourceSetsDifferentlyAndWhatOnlyTheTargetSets) {
  std::vector<kafka::config_entry> src = {
      {"retention.ms", "3600000", false, false},       // set, the target differs
      {"cleanup.policy", "compact", false, false},     // set, equal on the target
      {"max.message.bytes", "2000000", false, false},  // set, the target's default is equal
      {"segment.ms", "604800000", true, false},        // default; the target sets 1000
      {"segment.bytes", "1073741824", true, false},    // default; the target sets the same
      {"min.insync.replicas", "2", false, false},      // denied
      {"flush.ms", "1000", false, false},              // set, missing on the target
      {"x.password", "", false, true},                 // sensitive on the source: never compared
      {"retention.bytes", "-1", true, false},          // both defaults, of other values: not drift
  };
  std::vector<kafka::config_entry> tgt = {
      {"retention.ms", "604800000", true, false},
      {"cleanup.policy", "compact", false, false},
      {"max.message.bytes", "2000000", true, false},
      {"segment.ms", "1000", false, false},
      {"segment.bytes", "1073741824", false, false},
      {"min.insync.replicas", "1", false, false},
      {"file.delete.delay.ms", "5", false, false},  // unknown to the source: not drift
      {"x.password", "", false, true},
      {"retention.bytes", "1000", true, false},
  };
  auto got = config_differences(src, tgt, defaults());
  std::vector<config_difference> want = {
      {"flush.ms", "1000", false, std::nullopt},
      {"retention.ms", "3600000", false, "604800000"},
      {"segment.ms", "604800000", true, "1000"},
  };
  EXPECT_EQ(got, want);
  // Ended by the source's values, also for its defaults (the target's
  // brokers may have another default than the source's).
  std::vector<kafka::config_change> changes = {
      {"flush.ms", "1000"}, {"retention.ms", "3600000"}, {"segment.ms", "604800000"}};
  EXPECT_EQ(changes_for(got), changes);
  EXPECT_EQ(describe(got[1]), "retention.ms: source 3600000, target 604800000");
  EXPECT_EQ(describe(got[2]), "segment.ms: source 604800000 (its default), target 1000");
  EXPECT_EQ(describe(got[0]), "flush.ms: source 1000, target (no value)");
  EXPECT_EQ(describe(got), describe(got[0]) + "; " + describe(got[1]) + "; " + describe(got[2]));

  // Denied and not allowed configs are no drift, either way.
  auto only_retention = defaults();
  only_retention.config_allow = {"retention.*"};
  EXPECT_EQ(config_differences(src, tgt, only_retention),
            (std::vector<config_difference>{{"retention.ms", "3600000", false, "604800000"}}));
  EXPECT_TRUE(config_differences(src, src, defaults()).empty());
}

TEST(TopicConfigs, ChangesThatCouldRefuseTheBacklogWaitForCatchUp) {
  EXPECT_TRUE(waits_for_catch_up({"cleanup.policy", "compact", false, "delete"}));
  EXPECT_TRUE(waits_for_catch_up({"max.message.bytes", "1000", false, "2000"}));
  EXPECT_FALSE(waits_for_catch_up({"max.message.bytes", "3000", false, "2000"}));
  EXPECT_TRUE(waits_for_catch_up({"max.message.bytes", "lots", false, "2000"}));
  EXPECT_FALSE(waits_for_catch_up({"retention.ms", "1", false, "604800000"}));
}

TEST(TopicConfigs, TheTargetsRecordLimitIsAPositiveWholeNumberOrNoCheck) {
  EXPECT_EQ(record_limit({}), std::nullopt);
  EXPECT_EQ(record_limit({{"max.message.bytes", "1048588", true, false}}), 1048588);
  EXPECT_EQ(record_limit({{"max.message.bytes", "-5", true, false}}), 0);
  EXPECT_EQ(record_limit({{"max.message.bytes", "12x", true, false}}), 0);
  EXPECT_EQ(whole_number(""), std::nullopt);
  EXPECT_EQ(whole_number("-7"), -7);
}

TEST(TopicConfigs, DriftTextFromABrokerIsPrintable) {
  EXPECT_EQ(describe({"a\nb", "\x1b[2J", false, std::nullopt}),
            "a\\x0ab: source \\x1b[2J, target (no value)");
}

}  // namespace
}  // namespace strait::policy
