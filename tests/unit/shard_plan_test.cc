// ADR 0030's placement of whole components over several straitd.
#include <gtest/gtest.h>

#include <limits>
#include <map>

#include "strait/scan/estimates.h"
#include "strait/scan/shard_plan.h"

namespace strait::scan {
namespace {

shard_component comp(std::vector<std::string> topics, int64_t bytes, std::string link = "l") {
  return {std::move(link), std::move(topics), {}, bytes};
}

TEST(ShardPlan, LargestFirstToTheLeastLoadedShardTiesToTheLowerOrdinal) {
  auto plan = plan_shards(
      {comp({"c"}, 10), comp({"a"}, 100), comp({"b"}, 60), comp({"d"}, 50), comp({"e"}, 10)}, 2);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  // a (100) -> 0; b (60) -> 1; d (50) -> 1 (60 < 100); c and e (10 each,
  // c first by name) -> 0 (100 < 110), then e -> 0 (110 = 110, the lower).
  std::vector<std::string> order;
  for (const auto& c : plan->components) order.push_back(c.topics.front());
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "d", "c", "e"}));
  EXPECT_EQ(plan->shard_of, (std::vector<int>{0, 1, 1, 0, 0}));
  EXPECT_EQ(plan->bytes_per_shard, (std::vector<int64_t>{120, 110}));
}

TEST(ShardPlan, TheSameInputInAnyOrderGivesTheSamePlan) {
  std::vector<shard_component> in = {comp({"x"}, 5), comp({"y"}, 5), comp({"z"}, 5),
                                     comp({"w"}, 5, "other")};
  auto first = plan_shards(in, 3);
  std::reverse(in.begin(), in.end());
  auto second = plan_shards(in, 3);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->components, second->components);
  EXPECT_EQ(first->shard_of, second->shard_of);
}

// A re-plan keeps placements (ADR 0030): a - e are where a fresh plan
// would move every one of them.
placement now_on(std::map<std::string, int> topics, std::map<std::string, int> groups = {}) {
  return {std::move(topics), std::move(groups)};
}
const std::vector<shard_component> kFive = {comp({"c"}, 10), comp({"a"}, 100), comp({"b"}, 60),
                                            comp({"d"}, 50), comp({"e"}, 10)};

TEST(ShardPlan, AReplanKeepsEachComponentWhereItIsWhileTheShardsAreNearlyEven) {
  const auto kept = now_on({{"a", 1}, {"b", 0}, {"d", 0}, {"c", 1}, {"e", 1}});
  auto plan = plan_shards(kFive, 2, &kept);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  // Order a, b, d, c, e: 110 and 120 bytes, within a tenth of the mean.
  EXPECT_EQ(plan->shard_of, (std::vector<int>{1, 0, 0, 1, 1}));
  EXPECT_EQ(plan->bytes_per_shard, (std::vector<int64_t>{110, 120}));
  auto fresh = plan_shards(kFive, 2);
  EXPECT_EQ(fresh->shard_of, (std::vector<int>{0, 1, 1, 0, 0})) << "a fresh plan moves all five";
}

TEST(ShardPlan, AReplanForMoreShardsMovesOnlyWhatBalanceNeeds) {
  const auto kept = now_on({{"a", 1}, {"b", 0}, {"d", 0}, {"c", 1}, {"e", 1}});
  auto plan = plan_shards(kFive, 3, &kept);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  // 110, 120, 0: a (nearest half of 120) goes to the new shard 2; then
  // 110, 20, 100: d (nearest half of 90) goes from 0 to 1; then 60, 70,
  // 100, and nothing on 2 is below its spread of 40. Two of five moved.
  EXPECT_EQ(plan->shard_of, (std::vector<int>{2, 0, 1, 1, 1}));
  EXPECT_EQ(plan->bytes_per_shard, (std::vector<int64_t>{60, 70, 100}));
}

TEST(ShardPlan, AReplanPlacesWhatIsOnNoShardItPlansAndKeepsAJoinedComponentWithMostOfIt) {
  // For two shards: names on shard 2 (being taken away) do not count; a
  // component of names on 0 and 1 stays where most of them are (ties to
  // the lower); names it was never told of are placed like a fresh plan's.
  const auto kept =
      now_on({{"a", 2}, {"x", 1}, {"y", 1}, {"z", 0}, {"p", 0}, {"q", 1}}, {{"g", 1}});
  std::vector<shard_component> in = {comp({"a"}, 40), comp({"p", "q"}, 30), comp({"new"}, 20)};
  in.push_back({"l", {"x", "y", "z"}, {"g"}, 50});
  auto plan = plan_shards(in, 2, &kept);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  // Order x (50), a (40), p (30), new (20): x-y-z-g stays on 1 (3 names of
  // 4), p-q on 0 (a tie); a then goes to 0 (30 < 50), new to 1 (70 > 50).
  EXPECT_EQ(plan->shard_of, (std::vector<int>{1, 0, 0, 1}));
  EXPECT_EQ(plan->bytes_per_shard, (std::vector<int64_t>{70, 70}));
}

TEST(ShardPlan, AReplanNeverSplitsAStoredComponent) {
  // Stored: {t1, t2, g} on 0 (component 0), {u} on 1 (component 1). The
  // group stopped reading t2, so the scan splits them; a plan moving t2
  // alone could not be carried out (a move carries stored components
  // whole): the re-plan keeps them together.
  placement kept = now_on({{"t1", 0}, {"t2", 0}, {"u", 1}}, {{"g", 0}});
  kept.topic_component = {{"t1", 0}, {"t2", 0}, {"u", 1}};
  kept.group_component = {{"g", 0}};
  std::vector<shard_component> in = {{"l", {"t1"}, {"g"}, 50}, comp({"t2"}, 40), comp({"u"}, 5)};
  auto plan = plan_shards(in, 2, &kept);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  ASSERT_EQ(plan->components.size(), 2u);
  EXPECT_EQ(plan->components[0].topics, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(plan->components[0].groups, std::vector<std::string>{"g"});
  EXPECT_EQ(plan->components[0].bytes, 90);
  EXPECT_EQ(plan->shard_of, (std::vector<int>{0, 1}));
  auto fresh = plan_shards(in, 2);
  EXPECT_EQ(fresh->components.size(), 3u) << "a fresh plan follows the scan";
}

TEST(ShardPlan, AReplanLetsAnyShardOverTheMeanGiveToAJoinedOne) {
  // 100 on 0 (one component, nothing smaller than the spread to give), 45
  // and 45 on 1, nothing on the new shard 2: shard 1 gives one of its two.
  const auto kept = now_on({{"big", 0}, {"p", 1}, {"q", 1}});
  auto plan = plan_shards({comp({"big"}, 100), comp({"p"}, 45), comp({"q"}, 45)}, 3, &kept);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->shard_of, (std::vector<int>{0, 2, 1}));
  EXPECT_EQ(plan->bytes_per_shard, (std::vector<int64_t>{100, 45, 45}));
}

TEST(ShardPlan, AReplanOfSaturatedBytesSaysTheSaturatedLoads) {
  constexpr int64_t kHuge = 9'200'000'000'000'000'000;
  const auto kept = now_on({{"a", 0}, {"b", 0}});
  auto plan = plan_shards({comp({"a"}, kHuge), comp({"b"}, kHuge)}, 2, &kept);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->bytes_per_shard, (std::vector<int64_t>{kHuge, kHuge})) << "one moved, none lost";
}

TEST(ShardPlan, OneShardTakesEverything) {
  auto plan = plan_shards({comp({"a"}, 1), comp({"b"}, 2)}, 1);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->shard_of, (std::vector<int>{0, 0}));
  EXPECT_EQ(plan->bytes_per_shard, (std::vector<int64_t>{3}));
}

TEST(ShardPlan, RefusesWhatCannotBePlacedWhole) {
  EXPECT_EQ(plan_shards({comp({"a"}, 1)}, 0).error().code, errc::invalid_argument);
  EXPECT_NE(plan_shards({comp({"a"}, 1)}, kMaxShards + 1).error().message.find("must be 1 to 64"),
            std::string::npos);
  auto twice = plan_shards({comp({"a", "b"}, 1), comp({"b"}, 1)}, 2);
  ASSERT_FALSE(twice.has_value());
  EXPECT_NE(twice.error().message.find("topic b of link l is in two components"), std::string::npos)
      << twice.error().message;
  // The same name on two links is two topics.
  EXPECT_TRUE(plan_shards({comp({"b"}, 1, "l1"), comp({"b"}, 1, "l2")}, 2).has_value());
  EXPECT_FALSE(plan_shards({comp({}, 1)}, 2).has_value());
}

// A scan's waves become components; bytes from each topic's sampled record
// size, the scan's mean for a topic nothing was sampled from.
TEST(ShardPlan, ComponentsOfAScanAreItsWavesWithBytesFromTheSample) {
  report r;
  r.link = "main";
  topic_row a, b, c;
  a.name = "a";
  a.selected = true;
  a.records = 1000;
  a.sampled_records = 4;
  a.sampled_bytes = 400;  // 100 bytes a record
  b.name = "b";
  b.selected = true;
  b.records = 10;
  b.sampled_records = 1;
  b.sampled_bytes = 1000;  // 1000 bytes a record
  c.name = "c";
  c.selected = true;
  c.records = 50;  // nothing sampled: the scan's mean, 1400 / 5 = 280
  r.topics = {a, b, c};
  group_row g;
  g.id = "billing";
  g.topics = {"a", "c"};
  r.waves = plan_waves(r.topics, {g});
  auto components = components_of(r);
  ASSERT_EQ(components.size(), 2u);
  const auto& ac = components[0].topics.size() == 2 ? components[0] : components[1];
  const auto& bc = components[0].topics.size() == 2 ? components[1] : components[0];
  EXPECT_EQ(ac.link, "main");
  EXPECT_EQ(ac.topics, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(ac.groups, std::vector<std::string>{"billing"});
  EXPECT_EQ(ac.bytes, 1000 * 100 + 50 * 280);
  EXPECT_TRUE(ac.bytes_estimated);
  EXPECT_EQ(bc.bytes, 10 * 1000);
  EXPECT_FALSE(bc.bytes_estimated);
  auto plan = plan_shards(components, 2);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->components.front().topics, ac.topics) << "the larger first";
  EXPECT_EQ(plan->shard_of, (std::vector<int>{0, 1}));
}

TEST(ShardPlan, ComponentsOfAScanWithoutSamplesCountRecordsAndClampAbsurdOnes) {
  report r;
  r.link = "main";
  topic_row empty, big, huge;
  empty.name = "empty";
  empty.selected = true;  // no records: nothing to estimate
  big.name = "big";
  big.selected = true;
  big.records = 1000;
  huge.name = "huge";
  huge.selected = true;
  huge.records = std::numeric_limits<int64_t>::max();  // a hostile cluster's watermarks
  huge.sampled_records = 1;
  huge.sampled_bytes = 1000000;
  r.topics = {empty, big, huge};
  r.waves = {{1, {"empty"}, {}, 0, 0}, {2, {"big", "big"}, {}, 1000, 0}, {3, {"huge"}, {}, 0, 0}};
  auto components = components_of(r);
  ASSERT_EQ(components.size(), 3u);
  EXPECT_EQ(components[0].bytes, 0);
  EXPECT_FALSE(components[0].bytes_estimated) << "no records, nothing estimated";
  EXPECT_EQ(components[1].topics, std::vector<std::string>{"big"}) << "a repeated topic once";
  EXPECT_EQ(components[1].bytes, 1000 * 1000000) << "the scan's mean: huge's sample";
  EXPECT_TRUE(components[1].bytes_estimated);
  EXPECT_GT(components[2].bytes, 0) << "clamped, not wrapped";
  const int64_t most = std::numeric_limits<int64_t>::max();
  auto plan = plan_shards({comp({"a"}, most), comp({"b"}, most)}, 1);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->bytes_per_shard[0], most) << "saturates, never wraps";
  EXPECT_FALSE(plan_shards({comp({"a"}, -1)}, 1).has_value()) << "negative bytes refused";
}

}  // namespace
}  // namespace strait::scan
