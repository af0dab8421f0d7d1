#include "strait/mirror/cluster_rules.h"

#include <gtest/gtest.h>

namespace strait::mirror {
namespace {

config::link_config link(const std::string& prefix, const std::string& strip_prefix = "") {
  config::link_config l;
  l.name = "main";
  l.topics.prefix = prefix;
  l.topics.strip_prefix = strip_prefix;
  return l;
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

TEST(ClusterRules, TwoClustersWithoutHistoryMayBeWritten) {
  EXPECT_EQ(cluster_refusal(link(""), std::nullopt, {"a", "b"}), "");
  EXPECT_EQ(cluster_refusal(link(""), store::cluster_ids{"a", "b"}, {"a", "b"}), "");
}

TEST(ClusterRules, CheckpointsOfOtherClustersRefuseTheLinkNamingBothPairs) {
  auto why = cluster_refusal(link("m."), store::cluster_ids{"a", "b"}, {"a", "c"});
  EXPECT_TRUE(contains(why, "checkpoints are of source cluster a and target cluster b")) << why;
  EXPECT_TRUE(contains(why, "now reach source cluster a and target cluster c")) << why;
  // The source moved instead: refused as well.
  EXPECT_FALSE(cluster_refusal(link(""), store::cluster_ids{"a", "b"}, {"z", "b"}).empty());
}

TEST(ClusterRules, OneClusterIsALoopUnlessNamesChange) {
  EXPECT_TRUE(contains(cluster_refusal(link(""), std::nullopt, {"a", "a"}), "same cluster (id a)"));
  EXPECT_EQ(cluster_refusal(link("m."), std::nullopt, {"a", "a"}), "");
  // The reverse link of a cutover on one cluster reads m.t and writes t.
  EXPECT_EQ(cluster_refusal(link("", "m."), std::nullopt, {"a", "a"}), "");
}

TEST(ClusterRules, OwnCopiesAreOnlyThePrefixedTopicsOfOneCluster) {
  EXPECT_TRUE(is_own_copy(link("m."), true, "m.orders"));
  EXPECT_FALSE(is_own_copy(link("m."), true, "orders"));
  EXPECT_FALSE(is_own_copy(link("m."), false, "m.orders"));  // two clusters: a source topic
  EXPECT_FALSE(is_own_copy(link(""), true, "orders"));       // no prefix: no copies to skip
}

TEST(ClusterRules, KafkasInternalTopicsAreNeverWritten) {
  EXPECT_TRUE(contains(target_topic_refusal("__consumer_offsets"), "internal to Kafka"));
  EXPECT_FALSE(target_topic_refusal("__transaction_state").empty());
  EXPECT_EQ(target_topic_refusal("m.__consumer_offsets"), "");
  EXPECT_EQ(target_topic_refusal("_single"), "");
}

}  // namespace
}  // namespace strait::mirror

namespace strait::mirror {
namespace {

TEST(ClusterRules, AClusterWithoutAnIdIsKeyedByItsBrokers) {
  config::cluster_config c;
  c.props = {{"bootstrap.servers", "B:9092, SASL_SSL://a:9093"}};
  EXPECT_EQ(*cluster_key(std::string("abc"), c), "abc");
  EXPECT_EQ(*cluster_key(fail(errc::not_found, "no id"), c), "bootstrap:a:9093,b:9092");
  auto down = cluster_key(fail(errc::kafka, "unreachable"), c);
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().code, errc::kafka);
}

}  // namespace
}  // namespace strait::mirror
