// The transitions the daemon makes on its own (migration::observed_event).
#include "strait/migration/observe.h"

#include <gtest/gtest.h>

namespace strait::migration {
namespace {

constexpr int64_t kThreshold = 100;

std::optional<topic_event> topic(topic_state s, bool mirroring, int64_t lag, bool stopped) {
  return observed_event(s, topic_observation{mirroring, lag, stopped}, kThreshold);
}

TEST(Observe, TopicStartsCatchesUpAndFallsBehind) {
  EXPECT_EQ(topic(topic_state::staged, false, 0, false), std::nullopt);
  EXPECT_EQ(topic(topic_state::staged, true, 5000, false), topic_event::mirroring_started);
  EXPECT_EQ(topic(topic_state::mirroring, true, 101, false), std::nullopt);
  EXPECT_EQ(topic(topic_state::mirroring, true, 100, false), topic_event::caught_up);
  EXPECT_EQ(topic(topic_state::mirroring, true, 0, true), std::nullopt) << "stopped: not in sync";
  EXPECT_EQ(topic(topic_state::in_sync, true, 100, false), std::nullopt);
  EXPECT_EQ(topic(topic_state::in_sync, true, 101, false), topic_event::fell_behind);
  EXPECT_EQ(topic(topic_state::in_sync, true, 0, true), topic_event::fell_behind);
  EXPECT_EQ(topic(topic_state::in_sync, false, 0, false), topic_event::fell_behind)
      << "the topic grew: its new partitions are not running yet";
  EXPECT_EQ(topic(topic_state::mirroring, false, 0, false), std::nullopt)
      << "not every partition runs yet";
}

TEST(Observe, OperatorStatesAreNotChangedByObservation) {
  for (topic_state s : {topic_state::verified, topic_state::draining, topic_state::cut_over,
                        topic_state::rolled_back, topic_state::finalized}) {
    EXPECT_EQ(topic(s, true, 1'000'000, true), std::nullopt) << to_string(s);
    EXPECT_EQ(topic(s, true, 0, false), std::nullopt) << to_string(s);
  }
}

TEST(Observe, EveryObservedEventIsLegal) {
  for (topic_state s : kAllTopicStates) {
    for (bool stopped : {false, true}) {
      for (int64_t lag : {0, 100, 101}) {
        if (auto e = topic(s, true, lag, stopped)) {
          EXPECT_TRUE(transition(s, *e, {}).has_value()) << to_string(s) << " " << to_string(*e);
        }
      }
    }
  }
  for (group_state s : kAllGroupStates) {
    if (auto e = observed_event(s, group_observation{true})) {
      EXPECT_TRUE(transition(s, *e, {}).has_value()) << to_string(s);
    }
  }
}

TEST(Observe, GroupIsSyncingOnceItsOffsetsReachTheTarget) {
  EXPECT_EQ(observed_event(group_state::tracked, group_observation{false}), std::nullopt);
  EXPECT_EQ(observed_event(group_state::tracked, group_observation{true}),
            group_event::sync_started);
  EXPECT_EQ(observed_event(group_state::syncing, group_observation{true}), std::nullopt);
}

}  // namespace
}  // namespace strait::migration
