// Config sync's decisions for one topic against a target that answers as
// the test says (mirror/config_sync.h).
#include "strait/mirror/config_sync.h"

#include <gtest/gtest.h>

namespace strait::mirror {
namespace {

using policy::config_difference;

const config_difference kRetention{"retention.ms", "3600000", false, "604800000"};
const config_difference kSegment{"segment.ms", "604800000", true, "1000"};
const config_difference kCleanup{"cleanup.policy", "compact", false, "delete"};

// A target that refuses the configs in `refused` (by value) and records
// every request.
struct fake_target {
  std::set<std::string> refused;
  std::optional<errc> whole_request;  // refuses or fails every request so
  std::vector<std::vector<kafka::config_change>> requests;
  alter_configs alter() {
    return [this](const std::vector<kafka::config_change>& changes) -> status {
      requests.push_back(changes);
      if (whole_request) return fail(*whole_request, "refused whatever it holds");
      for (const auto& c : changes) {
        if (refused.contains(c.name))
          return fail(errc::invalid_argument, c.name + ": INVALID_CONFIG");
      }
      return {};
    };
  }
};

TEST(ConfigSync, ChangesEverythingInOneRequest) {
  fake_target t;
  auto step = follow_source({kRetention, kSegment}, {}, true, t.alter());
  EXPECT_EQ(step.changed, (std::vector{kRetention, kSegment}));
  EXPECT_TRUE(step.left.empty());
  EXPECT_EQ(step.reason, "");
  ASSERT_EQ(t.requests.size(), 1u);
  EXPECT_EQ(t.requests[0], (std::vector<kafka::config_change>{{"retention.ms", "3600000"},
                                                              {"segment.ms", "604800000"}}));
  EXPECT_EQ(step.memory.changed, (std::vector{kRetention, kSegment}));
}

TEST(ConfigSync, ARefusedValueDoesNotHoldBackTheOthersAndIsNotAskedAgain) {
  fake_target t;
  t.refused = {"segment.ms"};
  auto step = follow_source({kRetention, kSegment}, {}, true, t.alter());
  EXPECT_EQ(step.changed, std::vector{kRetention});
  EXPECT_EQ(step.left, std::vector{kSegment});
  EXPECT_NE(step.reason.find("the target refused the change: segment.ms: INVALID_CONFIG"),
            std::string::npos)
      << step.reason;
  EXPECT_EQ(t.requests.size(), 3u);  // both, then each alone
  EXPECT_FALSE(step.unanswered);

  // The next sync asks nothing about it, and says why it stays.
  t.requests.clear();
  auto next = follow_source({kSegment}, step.memory, true, t.alter());
  EXPECT_TRUE(t.requests.empty());
  EXPECT_EQ(next.left, std::vector{kSegment});
  EXPECT_EQ(next.reason, step.reason);
  // Once the source's value changes, it is a new difference: asked again.
  config_difference other = kSegment;
  other.source = "3600000";
  t.refused.clear();
  auto after = follow_source({other}, next.memory, true, t.alter());
  EXPECT_EQ(after.changed, std::vector{other});
  EXPECT_EQ(t.requests.size(), 1u);
}

TEST(ConfigSync, AValueBackAsItWasAfterAChangeIsNotChangedEveryInterval) {
  fake_target t;
  auto first = follow_source({kRetention}, {}, true, t.alter());
  ASSERT_EQ(first.changed, std::vector{kRetention});
  // The target answered yes but still has its value (it rewrites it).
  auto second = follow_source({kRetention}, first.memory, true, t.alter());
  EXPECT_TRUE(second.changed.empty());
  EXPECT_EQ(second.left, std::vector{kRetention});
  EXPECT_NE(second.reason.find("kept its values"), std::string::npos) << second.reason;
  EXPECT_EQ(t.requests.size(), 1u);
  EXPECT_EQ(second.memory.changed, std::vector{kRetention});  // still remembered
}

TEST(ConfigSync, ACleanupPolicyChangeWaitsUntilTheTopicHasCaughtUp) {
  fake_target t;
  auto behind = follow_source({kCleanup, kRetention}, {}, false, t.alter());
  EXPECT_EQ(behind.changed, std::vector{kRetention});
  EXPECT_EQ(behind.left, std::vector{kCleanup});
  EXPECT_NE(behind.reason.find("once the topic has caught up"), std::string::npos);
  auto caught_up = follow_source({kCleanup}, behind.memory, true, t.alter());
  EXPECT_EQ(caught_up.changed, std::vector{kCleanup});
}

TEST(ConfigSync, ARequestRefusedWhateverItHoldsIsNotSplitAndAskedAgainNextTime) {
  fake_target t;
  t.whole_request = errc::precondition;  // e.g. no AlterConfigs permission
  auto step = follow_source({kRetention, kSegment}, {}, true, t.alter());
  EXPECT_EQ(t.requests.size(), 1u);
  EXPECT_EQ(step.left, (std::vector{kRetention, kSegment}));
  EXPECT_NE(step.reason.find("refused whatever it holds"), std::string::npos) << step.reason;
  EXPECT_FALSE(step.unanswered);
  EXPECT_TRUE(step.memory.refused.empty());  // permissions get fixed: asked again
}

TEST(ConfigSync, NoAnswerEndsThePass) {
  fake_target t;
  t.whole_request = errc::kafka;  // timed out
  auto step = follow_source({kRetention, kSegment}, {}, true, t.alter());
  EXPECT_EQ(t.requests.size(), 1u);
  ASSERT_TRUE(step.unanswered);
  EXPECT_EQ(step.left, (std::vector{kRetention, kSegment}));
  EXPECT_NE(step.reason.find("did not answer"), std::string::npos) << step.reason;
  // A single change that gets no answer: the same.
  t.requests.clear();
  auto one = follow_source({kRetention}, {}, true, t.alter());
  EXPECT_TRUE(one.unanswered);
  EXPECT_EQ(t.requests.size(), 1u);
}

}  // namespace
}  // namespace strait::mirror
