#include "strait/workflow/state_table.h"

#include <gtest/gtest.h>

#include "strait/base/clock.h"
#include "strait/workflow/migration_records.h"
#include "strait/workflow/move_records.h"
#include "test_util.h"

namespace strait::workflow {
namespace {

using migration::group_event;
using migration::group_state;
using migration::topic_event;
using migration::topic_state;
using strait::testing::temp_dir;

class StateTable : public ::testing::Test {
 protected:
  StateTable() {
    auto s = store::checkpoint_store::open(dir_.path() / "state");
    EXPECT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  // What a restart would load.
  state_table reloaded() {
    state_table t("L", *store_);
    EXPECT_TRUE(t.load());
    return t;
  }
  temp_dir dir_;
  std::unique_ptr<store::checkpoint_store> store_;
};

TEST_F(StateTable, ObservationsAddObjectsAndMoveThemInOneWrite) {
  state_table t("L", *store_);
  ASSERT_TRUE(t.load());
  migration::topic_observation in_sync{true, 0, false};
  auto changed = t.observe({{"orders", in_sync}, {"payments", {}}}, 1000, {{"g", {true}}});
  ASSERT_TRUE(changed);
  EXPECT_TRUE(*changed);
  // New and mirroring: STAGED, then MIRRORING in the same write (IN_SYNC
  // takes another observation, as before).
  EXPECT_EQ(t.topics().at("orders"), topic_state::mirroring);
  EXPECT_EQ(t.topics().at("payments"), topic_state::staged);
  EXPECT_EQ(t.groups().at("g"), group_state::syncing);
  EXPECT_EQ(reloaded().topics(), t.topics());
  EXPECT_EQ(reloaded().groups(), t.groups());
  ASSERT_TRUE(t.observe({{"orders", in_sync}}, 1000, {}));
  EXPECT_EQ(t.topics().at("orders"), topic_state::in_sync);
  auto again = t.observe({{"orders", in_sync}}, 1000, {});
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again) << "nothing changed, nothing written";
}

TEST_F(StateTable, TheFirstTopicMirroredIsStoredOnceWithItsTransition) {
  state_table t("L", *store_);
  ASSERT_TRUE(t.load());
  ASSERT_TRUE(t.observe({{"payments", {}}}, 1000, {}));
  EXPECT_FALSE(t.first_mirrored_at_ms()) << "STAGED is not mirrored";
  EXPECT_FALSE(*load_first_mirrored(*store_, "L"));
  const int64_t before = wall_clock_ms();
  ASSERT_TRUE(t.observe({{"orders", {true, 0, false}}}, 1000, {}));
  ASSERT_TRUE(t.first_mirrored_at_ms());
  const int64_t first = *t.first_mirrored_at_ms();
  EXPECT_GE(first, before);
  EXPECT_EQ(*load_first_mirrored(*store_, "L"), first);
  // Later topics, and restarts, keep it.
  ASSERT_TRUE(t.observe({{"payments", {true, 0, false}}}, 1000, {}));
  EXPECT_EQ(reloaded().first_mirrored_at_ms(), first);
  EXPECT_EQ(*load_first_mirrored(*store_, "L"), first);
}

TEST_F(StateTable, ALinkThatMirroredBeforeTheFirstMirroredTimeGetsItsLoadTime) {
  {
    store::checkpoint_store::write_batch b;
    put_migration(b, "L",
                  {migration::object_kind::topic, "orders",
                   static_cast<uint8_t>(topic_state::in_sync), 5, ""});
    put_migration(b, "M",
                  {migration::object_kind::topic, "staged",
                   static_cast<uint8_t>(topic_state::staged), 5, ""});
    ASSERT_TRUE(store_->commit(b));
  }
  const int64_t before = wall_clock_ms();
  auto first = reloaded().first_mirrored_at_ms();
  ASSERT_TRUE(first);
  EXPECT_GE(*first, before) << "a lower bound: when this straitd first saw it";
  EXPECT_EQ(reloaded().first_mirrored_at_ms(), first) << "stored once";
  state_table m("M", *store_);
  ASSERT_TRUE(m.load());
  EXPECT_FALSE(m.first_mirrored_at_ms()) << "nothing of link M left STAGED";
  // A damaged one is evidence lost, not a link that cannot start.
  {
    store::checkpoint_store::write_batch b;
    b.put(store::record_key(store::key_space::first_mirrored).tail("L"), "bad");
    ASSERT_TRUE(store_->commit(b));
  }
  auto again = reloaded().first_mirrored_at_ms();
  ASSERT_TRUE(again);
  EXPECT_GE(*again, before);
  EXPECT_EQ(*load_first_mirrored(*store_, "L"), again) << "written anew";
}

TEST_F(StateTable, ATransitionStoresTheOperationItStartsAndTheNextDropsIt) {
  state_table t("L", *store_);
  ASSERT_TRUE(t.load());
  migration::topic_observation in_sync{true, 0, false};
  ASSERT_TRUE(t.observe({{"orders", in_sync}}, 1000, {}));
  ASSERT_TRUE(t.observe({{"orders", in_sync}}, 1000, {}));
  ASSERT_TRUE(t.verified(7, {{"orders", true}}));
  EXPECT_EQ(t.topics().at("orders"), topic_state::verified);

  const operation_options o{op_kind::cutover, std::chrono::milliseconds(60000), false};
  auto step = t.apply("orders", topic_event::cutover_started, {true, true, true, false}, &o);
  ASSERT_TRUE(step) << step.error().message;
  EXPECT_EQ(step->to, topic_state::draining);
  {
    state_table r("L", *store_);
    auto running = r.load();
    ASSERT_TRUE(running);
    ASSERT_EQ(running->size(), 1U);
    EXPECT_EQ(running->at(0).name, "orders");
    EXPECT_EQ(running->at(0).options, o);
    EXPECT_EQ(r.topics().at("orders"), topic_state::draining);
  }
  ASSERT_TRUE(t.apply("orders", topic_event::drained, {}));
  state_table r("L", *store_);
  auto running = r.load();
  ASSERT_TRUE(running);
  EXPECT_TRUE(running->empty()) << "CUT_OVER ends the cutover's operation";
  EXPECT_EQ(r.topics().at("orders"), topic_state::cut_over);
}

TEST_F(StateTable, AnIllegalOrUnknownMoveChangesNothing) {
  state_table t("L", *store_);
  ASSERT_TRUE(t.load());
  ASSERT_TRUE(t.observe({{"orders", {}}}, 1000, {}));
  auto refused = t.apply("orders", topic_event::drained, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(t.topics().at("orders"), topic_state::staged);
  EXPECT_EQ(reloaded().topics().at("orders"), topic_state::staged);
  auto unknown = t.apply("nope", group_event::sync_started, {});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, errc::not_found);
  EXPECT_FALSE(t.store_operation(migration::object_kind::group, "nope", nullptr));
}

TEST_F(StateTable, AFailedVerificationOfATopicNotInSyncLeavesItsState) {
  state_table t("L", *store_);
  ASSERT_TRUE(t.load());
  ASSERT_TRUE(t.observe({{"orders", {true, 5000, false}}}, 1000, {}));
  EXPECT_EQ(t.topics().at("orders"), topic_state::mirroring);
  ASSERT_TRUE(t.verified(3, {{"orders", true}, {"unknown", false}}));
  EXPECT_EQ(t.topics().at("orders"), topic_state::mirroring);
}

TEST_F(StateTable, AnOperationStoredAgainKeepsTheState) {
  state_table t("L", *store_);
  ASSERT_TRUE(t.load());
  ASSERT_TRUE(t.observe({}, 1000, {{"g", {true}}}));
  const operation_options o{op_kind::cutover, std::chrono::milliseconds(5000), true};
  ASSERT_TRUE(t.store_operation(migration::object_kind::group, "g", &o));
  state_table r("L", *store_);
  auto running = r.load();
  ASSERT_TRUE(running);
  ASSERT_EQ(running->size(), 1U);
  EXPECT_TRUE(running->at(0).options.force);
  EXPECT_EQ(r.groups().at("g"), group_state::syncing);
}

// A stuck operation is stored as such, and a request that starts again
// stores it without.
TEST_F(StateTable, AStuckOperationIsStoredAsStuckUntilStoredAgainWithout) {
  state_table t("L", *store_);
  ASSERT_TRUE(t.load());
  ASSERT_TRUE(t.observe({}, 1000, {{"g", {true}}}));
  const operation_options o{op_kind::cutover, std::chrono::milliseconds(5000), false, 9};
  ASSERT_TRUE(
      t.store_operation(migration::object_kind::group, "g", &o, stuck_reason::foreign_records));
  auto running = reloaded().load();
  ASSERT_TRUE(running);
  ASSERT_EQ(running->size(), 1U);
  EXPECT_EQ(running->at(0).stuck, stuck_reason::foreign_records);
  EXPECT_EQ(running->at(0).options, o);
  ASSERT_TRUE(t.store_operation(migration::object_kind::group, "g", &o));
  running = reloaded().load();
  ASSERT_TRUE(running);
  EXPECT_EQ(running->at(0).stuck, stuck_reason::none);
}

// The highest operation id stored stays, so ids stay unique across restarts
// whatever the clock does: an operation that ended leaves its id behind.
TEST_F(StateTable, TheHighestOperationIdOutlivesTheOperations) {
  state_table t("L", *store_);
  ASSERT_TRUE(t.load());
  EXPECT_EQ(t.highest_operation_id(), 0u);
  ASSERT_TRUE(t.observe({}, 1000, {{"g", {true}}}));
  const operation_options high{op_kind::cutover, std::chrono::milliseconds(5000), false, 900};
  const operation_options low{op_kind::cutover, std::chrono::milliseconds(5000), false, 5};
  ASSERT_TRUE(t.store_operation(migration::object_kind::group, "g", &high));
  ASSERT_TRUE(t.store_operation(migration::object_kind::group, "g", &low));
  ASSERT_TRUE(t.store_operation(migration::object_kind::group, "g", nullptr));  // ended
  state_table r("L", *store_);
  auto running = r.load();
  ASSERT_TRUE(running);
  EXPECT_TRUE(running->empty());
  EXPECT_EQ(r.highest_operation_id(), 900u);
  state_table other("other", *store_);
  ASSERT_TRUE(other.load());
  EXPECT_EQ(other.highest_operation_id(), 0u) << "per link";
}

TEST_F(StateTable, AStateThisStraitdDoesNotKnowFailsTheLoad) {
  store::checkpoint_store::write_batch b;
  put_migration(b, "L", {migration::object_kind::topic, "orders", 200, 0, ""});
  ASSERT_TRUE(store_->commit(b));
  state_table t("L", *store_);
  auto loaded = t.load();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, errc::corruption);
  EXPECT_TRUE(strait::testing::contains(loaded.error().message, "'orders'"));
}

}  // namespace
}  // namespace strait::workflow
