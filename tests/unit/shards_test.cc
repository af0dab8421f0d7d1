#include "strait/config/shards.h"

#include <gtest/gtest.h>

#include "strait/config/selection.h"

namespace strait::config {
namespace {

using kind = shard_share::kind;

TEST(Shards, TheOrdinalOfAStatefulSetPodIsTheNumberAfterItsLastDash) {
  EXPECT_EQ(ordinal_from_hostname("straitd-0", 2), 0u);
  EXPECT_EQ(ordinal_from_hostname("strait-mirror-1.strait.ns.svc.cluster.local", 2), 1u);
  EXPECT_EQ(ordinal_from_hostname("straitd-63", 64), 63u);
  for (const char* bad :
       {"straitd", "straitd-", "straitd-x", "straitd-1a", "straitd-123", "", "host.example-1"}) {
    auto r = ordinal_from_hostname(bad, 64);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_NE(r.error().message.find("daemon.shards.ordinal: hostname"), std::string::npos);
    EXPECT_NE(r.error().message.find("give the ordinal as a number"), std::string::npos);
  }
  auto over = ordinal_from_hostname("straitd-2", 2);
  ASSERT_FALSE(over.has_value());
  EXPECT_NE(over.error().message.find("gives ordinal 2, but daemon.shards.count is 2"),
            std::string::npos);
  // A hostile host name is printed escaped.
  auto hostile = ordinal_from_hostname("evil\x1b[2J", 2);
  ASSERT_FALSE(hostile.has_value());
  EXPECT_EQ(hostile.error().message.find('\x1b'), std::string::npos);
}

TEST(Shards, TheHashedOwnerIsFnv1aModuloTheCount) {
  // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (computed outside strait).
  EXPECT_EQ(hashed_owner("a", 7), static_cast<uint32_t>(0xaf63dc4c8601ec8cULL % 7));
  EXPECT_EQ(hashed_owner("a", 1), 0u);
  for (const char* name : {"orders", "payments", "billing"}) {
    EXPECT_LT(hashed_owner(name, 3), 3u);
  }
}

shard_component component(std::vector<std::string> topics, std::vector<std::string> groups,
                          uint32_t shard) {
  return {std::move(topics), std::move(groups), shard, 0};
}

TEST(Shards, AnAssignmentIsCheckedSortedAndDigestedWhateverItsOrder) {
  auto a = shard_assignment::make(
      2, 7, {component({"orders", "audit"}, {"billing"}, 0), component({"payments"}, {}, 1)}, 2);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  auto b = shard_assignment::make(
      2, 9, {component({"payments"}, {}, 1), component({"audit", "orders"}, {"billing"}, 0)}, 2);
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(a->digest, b->digest);  // the same placement (the scan id is not part of it)
  EXPECT_EQ(a->digest.size(), 16u);
  EXPECT_EQ(a->components[0].topics, (std::vector<std::string>{"audit", "orders"}));
  EXPECT_EQ(a->topic_owner("orders"), 0u);
  EXPECT_EQ(a->topic_owner("payments"), 1u);
  EXPECT_EQ(a->group_owner("billing"), 0u);
  EXPECT_FALSE(a->topic_owner("billing").has_value());  // a group, not a topic
  auto moved = shard_assignment::make(
      2, 7, {component({"orders", "audit"}, {"billing"}, 1), component({"payments"}, {}, 1)}, 2);
  ASSERT_TRUE(moved.has_value());
  EXPECT_NE(moved->digest, a->digest);
}

struct bad_assignment {
  uint32_t shards;
  std::vector<shard_component> components;
  std::string message;
};

TEST(Shards, ABadAssignmentIsRefusedNamingTheField) {
  const std::vector<bad_assignment> cases = {
      {3, {component({"a"}, {}, 0)}, "shards: the assignment was planned for 3 shards"},
      {0, {component({"a"}, {}, 0)}, "shards: 0; an assignment places names on 1 or more"},
      {1, {component({"a"}, {}, 1)}, "components[0].shard: 1 is not an ordinal of the plan's 1"},
      {2,
       {component({"a"}, {}, 2)},
       "components[0].shard: 2 is not an ordinal of the plan's 2 shards"},
      {2, {component({}, {"g"}, 0)}, "components[0].topics: empty"},
      {2,
       {component({"a"}, {}, 0), component({"b", "a"}, {}, 1)},
       "components[1].topics[1]: 'a' is listed twice"},
      {2,
       {component({"a"}, {"g"}, 0), component({"b"}, {"g"}, 1)},
       "components[1].groups[0]: 'g' is listed twice"},
      {2, {component({"a", "a"}, {}, 0)}, "components[0].topics[1]: 'a' is listed twice"},
      {2, {component({""}, {}, 0)}, "components[0].topics[0]: is empty"},
      {2, {component({std::string(250, 'x')}, {}, 0)}, "is 250 bytes long; at most 249"},
      {2, {component({"a"}, {std::string(32768, 'g')}, 0)}, "is 32768 bytes long; at most 32767"},
  };
  for (const auto& c : cases) {
    auto r = shard_assignment::make(c.shards, 1, c.components, 2);
    ASSERT_FALSE(r.has_value()) << c.message;
    EXPECT_EQ(r.error().code, errc::invalid_argument);
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\x1b'), std::string::npos);
  }
  // Any bytes otherwise: a group id may hold anything; refusals escape it.
  EXPECT_TRUE(shard_assignment::make(2, 1, {component({"a"}, {"g\x1b[2J"}, 0)}, 2).has_value());
  auto twice = shard_assignment::make(
      2, 1, {component({"a"}, {"g\x1b[2J"}, 0), component({"b"}, {"g\x1b[2J"}, 1)}, 2);
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().message.find('\x1b'), std::string::npos) << twice.error().message;
  std::vector<std::string> many(shard_assignment::kMaxNames + 1, "t");
  for (size_t i = 0; i < many.size(); ++i) many[i] += std::to_string(i);
  auto r = shard_assignment::make(2, 1, {component(many, {}, 0)}, 2);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("more than 100000 topics and groups"), std::string::npos);
}

TEST(Shards, OneStraitdOwnsEverythingAndSeveralOwnNothingBeforeAnAssignment) {
  shard_share alone({0, 1, false});
  EXPECT_TRUE(alone.owns(kind::topic, "orders"));
  EXPECT_TRUE(alone.owns(kind::group, "billing"));
  // A stored assignment not in force (more shards than the count, damaged): nothing is
  // owned, even by one straitd.
  alone.set({nullptr, 1, 0, "the stored shard assignment is damaged"});
  EXPECT_FALSE(alone.owner(kind::topic, "orders").has_value());
  EXPECT_FALSE(alone.owns(kind::group, "billing"));

  shard_share first({0, 2, false}), second({1, 2, false});
  EXPECT_FALSE(first.owner(kind::topic, "orders").has_value());
  EXPECT_FALSE(first.owns(kind::topic, "orders"));
  EXPECT_FALSE(second.owns(kind::topic, "orders"));

  auto a = std::make_shared<const shard_assignment>(
      *shard_assignment::make(2, 1, {component({"orders"}, {"billing"}, 1)}, 2));
  first.set({a, 1, 0, ""});
  second.set({a, 1, 1, ""});
  EXPECT_FALSE(first.owns(kind::topic, "orders"));
  EXPECT_TRUE(second.owns(kind::topic, "orders"));
  EXPECT_TRUE(second.owns(kind::group, "billing"));
  // A name the assignment does not place goes by its hash, to exactly one.
  for (const char* name : {"new-topic", "other", "x"}) {
    EXPECT_NE(first.owns(kind::topic, name), second.owns(kind::topic, name)) << name;
    EXPECT_EQ(first.owner(kind::topic, name), hashed_owner(name, 2));
  }
}

// ADR 0030 step 4: a plan for fewer shards than the set stays in force
// (the set grew since, or shards are being taken away): the ordinals over
// its count own nothing, and names it does not place keep the owner its own
// count hashes them to, so no name changes owner when the count grows.
TEST(Shards, APlanForFewerShardsThanTheSetStaysInForceAndHashesByItsOwnCount) {
  auto two = std::make_shared<const shard_assignment>(
      *shard_assignment::make(2, 1, {component({"orders"}, {"billing"}, 1)}, 3));
  EXPECT_EQ(two->shards, 2u);
  shard_share zero({0, 3, false}), one({1, 3, false}), joined({2, 3, false});
  zero.set({two, 1, 0, ""});
  one.set({two, 1, 1, ""});
  EXPECT_TRUE(one.owns(kind::topic, "orders"));
  EXPECT_TRUE(one.owns(kind::group, "billing"));
  EXPECT_FALSE(zero.owns(kind::topic, "orders"));
  // The straitd that joined holds none: it owns nothing.
  EXPECT_FALSE(joined.owner(kind::topic, "orders").has_value());
  for (const char* name : {"new-topic", "other", "x", "y", "z", "refunds"}) {
    const auto owner = zero.owner(kind::topic, name);
    ASSERT_TRUE(owner.has_value()) << name;
    EXPECT_EQ(*owner, hashed_owner(name, 2)) << name;  // not mod 3
    EXPECT_NE(zero.owns(kind::topic, name), one.owns(kind::topic, name)) << name;
  }
  // Even a third straitd holding the plan owns nothing under it.
  joined.set({two, 1, 2, ""});
  for (const char* name : {"orders", "new-topic", "other", "x", "y", "z", "refunds"}) {
    EXPECT_FALSE(joined.owns(kind::topic, name)) << name;
  }
  // A plan for one shard gives everything to shard 0 (a straitd that was
  // alone, restarted as the first of a set).
  auto alone = std::make_shared<const shard_assignment>(
      *shard_assignment::make(1, 1, {component({"orders"}, {"billing"}, 0)}, 2));
  shard_share first({0, 2, false}), second({1, 2, false});
  first.set({alone, 1, 0, ""});
  second.set({alone, 1, 1, ""});
  for (const char* name : {"orders", "new-topic", "x"}) {
    EXPECT_TRUE(first.owns(kind::topic, name)) << name;
    EXPECT_FALSE(second.owns(kind::topic, name)) << name;
  }
  // A replacement of it by a plan for the new count: names held here that
  // the new plan hashes elsewhere are refused like any other.
  auto grown = *shard_assignment::make(3, 2, {component({"orders"}, {"billing"}, 2)}, 3);
  auto refused = check_replacement({1, 3, false}, two.get(), 1, grown, {"orders"}, {"billing"});
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("topic orders (held here, shard 1, given to shard 2)"),
            std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("straitctl shards-move"), std::string::npos);
  // Once moved (held by shard 2, nothing here), both accept it.
  EXPECT_TRUE(check_replacement({1, 3, false}, two.get(), 1, grown, {}, {}).has_value());
  EXPECT_TRUE(
      check_replacement({2, 3, false}, nullptr, 2, grown, {"orders"}, {"billing"}).has_value());
}

TEST(Shards, ASelectionWithAShareSelectsOnlyWhatThisStraitdOwns) {
  link_config cfg;
  cfg.name = "main";
  cfg.topics.include = {"orders", "payments"};
  cfg.groups.include = {"billing"};
  shard_share share({0, 2, false});
  share.set({std::make_shared<const shard_assignment>(*shard_assignment::make(
                 2, 1, {component({"orders"}, {"billing"}, 0), component({"payments"}, {}, 1)}, 2)),
             1, 0, ""});
  std::optional<error> failed;
  auto topics = name_selection::topics(cfg, nullptr, &share, failed);
  auto groups = name_selection::groups(cfg, nullptr, &share, failed);
  auto everything = name_selection::topics(cfg, nullptr, nullptr, failed);
  ASSERT_FALSE(failed.has_value());
  EXPECT_TRUE(topics.selects("orders"));
  EXPECT_FALSE(topics.selects("payments"));
  EXPECT_TRUE(topics.selected_by_link("payments"));
  EXPECT_FALSE(topics.selected_by_link("refunds"));
  EXPECT_TRUE(groups.selects("billing"));
  EXPECT_TRUE(everything.selects("payments"));  // a scan's: the link's whole selection
}

TEST(Shards, AReplacementMayNotMoveWhatAShardMayAlreadyMirror) {
  const shard_identity self{0, 2, false};
  auto first = *shard_assignment::make(
      2, 1, {component({"orders"}, {"billing"}, 0), component({"payments"}, {}, 1)}, 2);
  // Nothing stored, nothing held: anything goes.
  EXPECT_TRUE(check_replacement(self, nullptr, 0, first, {}, {}).has_value());
  // A topic held here and given to the other shard.
  auto r = check_replacement(self, nullptr, 0, first, {"payments"}, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::precondition);
  EXPECT_NE(r.error().message.find("topic payments (held here, shard 0, given to shard 1)"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("straitctl shards-move over the whole set"), std::string::npos);
  // A group held here and given away.
  auto g = check_replacement(
      self, nullptr, 0, *shard_assignment::make(2, 1, {component({"orders"}, {"billing"}, 1)}, 2),
      {}, {"billing"});
  ASSERT_FALSE(g.has_value());
  EXPECT_NE(g.error().message.find("group billing (held here"), std::string::npos);
  // The same document again, or one that adds a component: fine.
  EXPECT_TRUE(check_replacement(self, &first, 0, first, {"orders"}, {"billing"}).has_value());
  auto more = *shard_assignment::make(
      2, 1,
      {component({"orders"}, {"billing"}, 0), component({"payments"}, {}, 1),
       component({"refunds"}, {}, hashed_owner("refunds", 2))},
      2);
  EXPECT_TRUE(check_replacement(self, &first, 0, more, {"orders"}, {}).has_value());
  // A component that changes shard between two documents, held elsewhere.
  auto swapped = *shard_assignment::make(
      2, 1, {component({"orders"}, {"billing"}, 0), component({"payments"}, {}, 0)}, 2);
  auto m = check_replacement(self, &first, 0, swapped, {"orders"}, {});
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message.find("topic payments (from shard 1 to this straitd, now shard 0)"),
            std::string::npos)
      << m.error().message;
  // ... but not on shard 1, which no longer holds it (exported).
  EXPECT_TRUE(check_replacement({1, 2, false}, &first, 1, swapped, {}, {}).has_value());
  // Held here already (imported): it may come.
  EXPECT_TRUE(check_replacement(self, &first, 0, swapped, {"orders", "payments"}, {}).has_value());
  // A name that was hashed and is now placed on another shard moves too.
  const std::string hashed_elsewhere = hashed_owner("t1", 2) == 1 ? "t1" : "t2";
  ASSERT_EQ(hashed_owner(hashed_elsewhere, 2), 1u);
  auto placed = *shard_assignment::make(
      2, 1,
      {component({"orders", hashed_elsewhere}, {"billing"}, 0), component({"payments"}, {}, 1)}, 2);
  EXPECT_FALSE(check_replacement(self, &first, 0, placed, {}, {}).has_value());
  // At most 5 names, then a count.
  std::set<std::string> held;
  for (int i = 0; i < 8; ++i) held.insert("payments" + std::to_string(i));
  std::vector<std::string> given(held.begin(), held.end());
  auto all = *shard_assignment::make(2, 1, {component(given, {}, 1)}, 2);
  auto many = check_replacement(self, nullptr, 0, all, held, {});
  ASSERT_FALSE(many.has_value());
  EXPECT_NE(many.error().message.find("and 3 more"), std::string::npos);
}

}  // namespace
}  // namespace strait::config
