// link_workflow's moves on fakes of everything but the store
// (tests/support/workflow_fakes.h): every round is driven by the test, with
// a clock it moves, so quiet windows, hand-overs, crashes between rounds and
// requests racing operations are exact.
#include <gtest/gtest.h>

#include <future>

#include "strait/base/task_threads.h"
#include "strait/groupsync/group_offset_records.h"
#include "strait/verify/report_records.h"
#include "strait/workflow/acl_drift.h"
#include "strait/workflow/grant_records.h"
#include "strait/workflow/link_workflow.h"
#include "strait/workflow/move_records.h"
#include "test_util.h"
#include "workflow_fakes.h"

namespace strait {
namespace {

using migration::group_state;
using migration::topic_state;
using testing::contains;
using testing::fake_world;
using testing::temp_dir;
using namespace std::chrono_literals;

constexpr auto kRound = 250ms;  // the thread's period while an operation runs

config::link_config link_config() {
  config::link_config c;
  c.name = "L";
  c.topics.prefix = "t.";  // target names differ from source names
  return c;
}

std::function<bool(const std::string&)> only(const std::string& name) {
  return [name](const std::string& n) { return n == name; };
}

class Moves : public ::testing::Test {
 protected:
  Moves() : cfg_(link_config()), store_(open_store()), world_(cfg_, *store_) {
    world_.add_topic("orders", 2);
  }

  std::unique_ptr<store::checkpoint_store> open_store() {
    auto s = store::checkpoint_store::open(dir_.path() / "state");
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
  }

  void start() { start_with(world_.ports()); }
  void start_with(workflow::ports ports) {
    wf_ = std::make_unique<workflow::link_workflow>(cfg_, *store_, std::move(ports));
    ASSERT_TRUE(wf_->start(/*own_thread=*/false));
  }

  // A kill -9 of straitd: the workflow's memory is gone, the engines
  // restart from their checkpoints; the clusters and the store remain.
  void crash_and_restart() {
    wf_.reset();
    world_.restart_engines();
    start();
  }

  // The engines' work, a workflow round, then the clock's period.
  void round() {
    world_.tick();
    wf_->run_round();
    world_.clock.advance(kRound);
  }
  // Rounds until `done` holds; false after `max` rounds.
  bool rounds_until(const std::function<bool()>& done, int max = 200) {
    for (int i = 0; i < max; ++i) {
      if (done()) return true;
      round();
    }
    return done();
  }

  topic_state topic(const std::string& name = "orders") { return wf_->topics().at(name); }
  std::string activity(const std::string& key = "topic orders") {
    for (const auto& op : wf_->running_operations()) {
      if ((op.on_group ? "group " : "topic ") + op.name == key) {
        return op.detail;
      }
    }
    return "(no operation)";
  }

  // Mirrors `n` records per partition and verifies the topic: VERIFIED.
  void verified_with(int64_t n) {
    for (int p = 0; p < 2; ++p) world_.source.produce({"orders", p}, n);
    ASSERT_TRUE(rounds_until(
        [&] { return wf_->topics().contains("orders") && topic() == topic_state::in_sync; }));
    verify::selection s{only("orders"), [](const std::string&) { return false; }, 0, "test"};
    ASSERT_TRUE(wf_->start_verify(s));
    ASSERT_TRUE(testing::wait_for([&] { return topic() == topic_state::verified; }, 10s));
  }

  // Starts the workflow and a cutover of a VERIFIED topic whose tail
  // verification fails: the operation's id, once it waits for the operator.
  uint64_t stuck_cutover() {
    start();
    verified_with(10);
    world_.tail_outcome = verify::verdict::failed;
    auto started = cutover(500ms);
    EXPECT_TRUE(started);
    const uint64_t id = started ? started->at(0).operation_id : 0;
    EXPECT_TRUE(rounds_until([&] {
      auto op = wf_->operation(id);
      return op && op->stuck == workflow::stuck_reason::tail_verification_failed;
    }));
    return id;
  }

  // A kill -9 at the `n`th write from now: `move` (the operator's call),
  // then rounds until `done`, while the store refuses that write and every
  // later one (the round that met the refusal runs out in memory, as with a
  // disk gone); then straitd restarts with a store that works. True when a
  // write was refused (false: the move needed fewer than `n` + 1 writes).
  bool crash_at_write(int n, const std::function<void()>& move, const std::function<bool()>& done) {
    const uint64_t from = store_->writes();
    store_->fail_writes_after(n);
    auto refused = [&] { return store_->writes() > from + n; };
    move();
    for (int i = 0; i < 100 && !refused() && !done(); ++i) round();
    store_->fail_writes_after(std::nullopt);
    if (!refused()) return false;
    crash_and_restart();
    return true;
  }
  // Whether an operation runs on `key` ("topic orders", "group g").
  bool moving(const std::string& key) { return activity(key) != "(no operation)"; }

  // Starts the workflow and a cutover of a VERIFIED topic, until the
  // hand-over's checkpoints are written and no round has looked at them.
  void hand_over_checkpointed() {
    start();
    verified_with(10);
    ASSERT_TRUE(cutover(500ms));
    ASSERT_TRUE(
        rounds_until([&] { return world_.stopped("orders", 0) != store::stop_reason::none; }));
    world_.tick();
  }
  // The hand-over checkpointed, a producer writes 3 records to partition 0
  // (10 before): the cutover must resume mirroring, with the engine holding
  // its answers when `engine_holds`.
  void source_moves_after_hand_over(bool engine_holds) {
    ASSERT_NO_FATAL_FAILURE(hand_over_checkpointed());
    world_.hold_replacements = engine_holds;
    world_.source.produce({"orders", 0}, 3);
  }
  // The cutover ends with every record of partition 0 on the target.
  void cuts_over_with_all_13_records() {
    ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
    EXPECT_EQ(target_end(0), source_end(0));
    EXPECT_EQ(source_end(0), 13);
  }

  result<std::vector<workflow::link_workflow::change>> cutover(
      std::chrono::milliseconds window = 2000ms, bool force = false) {
    return wf_->cutover_topics({only("orders"), force, window, "test", false});
  }
  result<std::vector<workflow::link_workflow::change>> rollback(
      std::chrono::milliseconds window = 2000ms) {
    return wf_->rollback_topics({only("orders"), false, window, "test", false});
  }

  // Group `g`, synced by the syncer: SYNCING.
  void syncing_group() {
    world_.syncer_groups = {{"g", true, 0, 2, 0, {}}};
    ASSERT_TRUE(rounds_until([&] {
      auto gs = wf_->groups();
      return gs.contains("g") && gs.at("g") == group_state::syncing;
    }));
  }
  group_state group() { return wf_->groups().at("g"); }
  result<std::vector<workflow::link_workflow::change>> cutover_group(bool force = false) {
    return wf_->cutover_groups({only("g"), force, {}, "test", false});
  }
  result<std::vector<workflow::link_workflow::change>> rollback_group() {
    return wf_->rollback_groups({only("g"), false, {}, "test", false});
  }
  void cut_over_topic() {
    ASSERT_TRUE(cutover(500ms));
    ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  }
  int64_t committed(testing::fake_cluster& c, const std::string& topic, int p) {
    for (const auto& o : c.committed["g"]) {
      if (o.topic == topic && o.partition == p) return o.offset;
    }
    return -1;
  }

  int64_t source_end(int p) { return world_.source.ends[{"orders", p}]; }
  int64_t target_end(int p) { return world_.target.ends[{"t.orders", p}]; }
  store::partition_checkpoint forward_checkpoint(int p) {
    auto cp = store_->load({"L", "orders", partition_id(p)});
    EXPECT_TRUE(cp && *cp);
    return **cp;
  }

  temp_dir dir_;
  config::link_config cfg_;
  std::unique_ptr<store::checkpoint_store> store_;
  fake_world world_;
  std::unique_ptr<workflow::link_workflow> wf_;
};

// ------------------------------------------------------------ topic cutover

TEST_F(Moves, CutoverHandsOverOnlyAfterTheSourceIsQuietForTheWholeWindow) {
  start();
  verified_with(100);
  ASSERT_TRUE(cutover(2000ms));
  EXPECT_EQ(topic(), topic_state::draining);

  // A producer still writes one second in: the window starts again.
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "quiet for 1.0 s of 2.0 s"); }));
  world_.source.produce({"orders", 1}, 5);
  round();
  EXPECT_TRUE(contains(activity(), "its end offsets still move")) << activity();
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "quiet for 1.5 s of 2.0 s"); }));
  EXPECT_EQ(topic(), topic_state::draining);

  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  EXPECT_EQ(activity(), "(no operation)");
  for (int p = 0; p < 2; ++p) {
    EXPECT_EQ(forward_checkpoint(p).stopped, store::stop_reason::handed_over);
    EXPECT_EQ(target_end(p), source_end(p)) << "every source record is on the target";
    auto rev = store_->load({"L.reverse", "t.orders", partition_id(p)});
    ASSERT_TRUE(rev && *rev);
    EXPECT_EQ((*rev)->position.next_source.value(), target_end(p)) << "seeded at the target end";
    EXPECT_EQ((*rev)->position.next_target.value(), source_end(p));
  }
  // Reverse mirroring starts for it after the round (a restart, in a task).
  ASSERT_TRUE(
      rounds_until([&] { return world_.reverse_topics() == std::set<std::string>{"orders"}; }, 1));
  EXPECT_EQ(world_.verifications, 2) << "the operator's verification and the tail's";
}

// The migration's gauges (docs/architecture.md#metrics): states with their
// zeros, the operation under way, the verifications that ended.
TEST_F(Moves, TheMigrationGaugesFollowStatesOperationsAndVerifications) {
  start();
  verified_with(10);
  round();
  const auto& m = world_.metrics;
  auto topics_in = [&](const char* state) {
    return m.value("strait_migration_topics", {{"link", "L"}, {"state", state}});
  };
  const metrics::labels cutovers{{"link", "L"}, {"object", "topic"}, {"kind", "cutover"}};
  EXPECT_EQ(topics_in("VERIFIED"), 1);
  EXPECT_EQ(topics_in("DRAINING"), 0);
  EXPECT_NE(m.render().find("strait_migration_topics{link=\"L\",state=\"DRAINING\"} 0"),
            std::string::npos)
      << "every state has its series";
  EXPECT_EQ(m.value("strait_verifications_total", {{"link", "L"}, {"outcome", "PASSED"}}), 1);
  EXPECT_EQ(m.value("strait_verification_running", {{"link", "L"}}), 0);
  EXPECT_EQ(m.value("strait_operations_running", cutovers), 0);
  ASSERT_TRUE(cutover(2000ms));
  round();
  EXPECT_EQ(topics_in("DRAINING"), 1);
  EXPECT_EQ(topics_in("VERIFIED"), 0);
  EXPECT_EQ(m.value("strait_operations_running", cutovers), 1);
  EXPECT_EQ(m.value("strait_operations_waiting_for_operator", {{"link", "L"}}), 0);
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  round();
  EXPECT_EQ(topics_in("CUT_OVER"), 1);
  EXPECT_EQ(m.value("strait_operations_running", cutovers), 0);
  EXPECT_EQ(m.value("strait_migration_groups", {{"link", "L"}, {"state", "SYNCING"}}), 0);
}

TEST_F(Moves, CutoverWaitsForTheHandOverCheckpointsWithoutBlockingTheRound) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(500ms));
  // Rounds without the engines' turn: the partitions are stopped but their
  // checkpoints are not written. The round returns (it used to wait up to
  // 10 s on the workflow's thread).
  ASSERT_TRUE(
      rounds_until([&] { return world_.stopped("orders", 0) != store::stop_reason::none; }));
  wf_->run_round();
  EXPECT_EQ(activity(), "waiting for the hand-over checkpoints");
  EXPECT_EQ(topic(), topic_state::draining);
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }, 3));
}

TEST_F(Moves, ASourceThatMovesDuringTheHandOverResumesMirroringAndLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(source_moves_after_hand_over(false));
  wf_->run_round();
  EXPECT_TRUE(contains(activity(), "the source moved during the hand-over")) << activity();
  EXPECT_EQ(world_.stopped("orders", 0), store::stop_reason::none) << "mirroring resumed";
  ASSERT_NO_FATAL_FAILURE(cuts_over_with_all_13_records());
}

// The engine takes its time to resume the partitions: no round waits for
// it, and none hands a partition over again before it runs.
TEST_F(Moves, ASourceThatMovesDuringTheHandOverWaitsForTheEngineToResumeMirroring) {
  ASSERT_NO_FATAL_FAILURE(source_moves_after_hand_over(true));
  for (int i = 0; i < 8; ++i) round();
  EXPECT_EQ(activity(), "waiting for the mirror engine to resume partition 0, 1");
  EXPECT_EQ(world_.replacements, 2) << "asked once per partition";
  EXPECT_EQ(topic(), topic_state::draining);
  world_.hold_replacements = false;
  ASSERT_NO_FATAL_FAILURE(cuts_over_with_all_13_records());
  EXPECT_EQ(world_.replacements, 2);
}

// One partition of the two is refused (records still in flight, say): it is
// asked again at once, not left stopped while the drain starts over.
TEST_F(Moves, ASourceThatMovesDuringTheHandOverAsksAgainForAPartitionTheEngineRefused) {
  ASSERT_NO_FATAL_FAILURE(source_moves_after_hand_over(true));
  world_.refuse_replacements = 1;
  wf_->run_round();
  ASSERT_EQ(world_.replacements, 2);
  world_.hold_replacements = false;
  round();
  EXPECT_EQ(activity(), "cannot resume partition 0: fake: records in flight (asked again)");
  EXPECT_EQ(world_.replacements, 3);
  round();
  EXPECT_EQ(world_.stopped("orders", 0), store::stop_reason::none) << "resumed the round after";
  ASSERT_NO_FATAL_FAILURE(cuts_over_with_all_13_records());
  EXPECT_EQ(world_.replacements, 3);
}

// A refused resumption of a partition that is no longer stopped for its
// hand-over but for an incident is not asked again for ever: the move
// waits for the operator, the other partition resumed.
TEST_F(Moves, AResumptionRefusedForAnIncidentWaitsForTheOperator) {
  ASSERT_NO_FATAL_FAILURE(source_moves_after_hand_over(true));
  wf_->run_round();
  ASSERT_EQ(world_.replacements, 2);
  world_.stop_again("orders", 0, store::stop_reason::foreign_write,
                    "a record strait did not write");
  world_.hold_replacements = false;
  round();
  auto ops = wf_->running_operations();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].stuck, workflow::stuck_reason::partition_stopped);
  EXPECT_EQ(ops[0].detail,
            "partition 0 is stopped (foreign_write): a record strait did not write; resolve it, "
            "then ask for the cutover again");
  EXPECT_EQ(world_.stopped("orders", 1), store::stop_reason::none) << "partition 1 resumed";
  for (int i = 0; i < 10; ++i) round();
  EXPECT_EQ(world_.replacements, 2) << "not asked again";
  EXPECT_EQ(topic(), topic_state::draining);
}

// The engine stopped before it answered (its inbox dropped): a refusal
// like any other, not a crash; asked again. An engine silent for long is
// said in the detail; the rounds slow down from 50 to 250 ms after a
// second.
TEST_F(Moves, AnEngineThatNeverAnsweredIsAskedAgainAndItsSilenceIsShown) {
  ASSERT_NO_FATAL_FAILURE(source_moves_after_hand_over(true));
  wf_->run_round();
  EXPECT_EQ(wf_->next_round_in(), 50ms);
  world_.clock.advance(1s);
  EXPECT_EQ(wf_->next_round_in(), 250ms);
  world_.clock.advance(30s);
  wf_->run_round();
  EXPECT_EQ(activity(), "waiting for the mirror engine to resume partition 0, 1 (for 31.0 s)");
  world_.drop_replacements();
  wf_->run_round();
  EXPECT_EQ(activity(),
            "cannot resume partition 0: the mirror engine stopped before it answered; partition 1: "
            "the mirror engine stopped before it answered (asked again) (for 31.0 s)");
  world_.hold_replacements = false;
  ASSERT_NO_FATAL_FAILURE(cuts_over_with_all_13_records());
  EXPECT_EQ(world_.replacements, 4);
}

// A rollback replacing a cutover whose resumptions the engine has not
// answered waits for those answers: no second request for a partition.
TEST_F(Moves, ARollbackReplacingACutoverWaitsForTheResumptionsItAskedFor) {
  ASSERT_NO_FATAL_FAILURE(source_moves_after_hand_over(true));
  wf_->run_round();
  ASSERT_EQ(world_.replacements, 2);
  ASSERT_TRUE(rollback(500ms));
  for (int i = 0; i < 4; ++i) round();
  EXPECT_EQ(activity(), "waiting for the mirror engine to resume partition 0, 1");
  world_.hold_replacements = false;
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_EQ(world_.replacements, 2);
  round();
  EXPECT_EQ(target_end(0), source_end(0));
}

// The guards at the call: IN_SYNC needs force (VERIFIED does not), a
// topic with a stopped partition is refused even forced. A dry run says
// what would happen, with the guards it would force, and changes nothing.
TEST_F(Moves, ACutoverChecksItsGuardsAtTheCallAndADryRunChangesNothing) {
  start();
  for (int p = 0; p < 2; ++p) world_.source.produce({"orders", p}, 10);
  ASSERT_TRUE(rounds_until(
      [&] { return wf_->topics().contains("orders") && topic() == topic_state::in_sync; }));
  auto refused = cutover(500ms);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::precondition);
  EXPECT_TRUE(contains(refused.error().message, "verified")) << refused.error().message;

  auto dry = wf_->cutover_topics({only("orders"), true, 500ms, "test", /*dry_run=*/true});
  ASSERT_TRUE(dry) << dry.error().message;
  EXPECT_EQ(dry->at(0).forced_guards, std::vector<std::string>{"verified"});
  EXPECT_EQ(dry->at(0).operation_id, 0u);
  crash_and_restart();  // nothing was stored
  EXPECT_EQ(topic(), topic_state::in_sync);
  EXPECT_EQ(activity(), "(no operation)");

  // A foreign write stops a partition: the topic falls behind, and even
  // forced the move is refused (the state machine's tests check that force
  // never overrides no_foreign_write itself).
  world_.stop("orders", 1, store::stop_reason::foreign_write);
  round();
  auto forced = wf_->cutover_topics({only("orders"), true, 500ms, "test", false});
  ASSERT_FALSE(forced);
  EXPECT_EQ(forced.error().code, errc::precondition) << forced.error().message;
  EXPECT_EQ(activity(), "(no operation)");
  EXPECT_EQ(world_.stopped("orders", 0), store::stop_reason::none);
}

// Records someone else wrote to the target before the hand-over ended: the
// cutover waits for the operator, never starts reverse mirroring on them.
TEST_F(Moves, RecordsSomeoneElseWroteToTheTargetStopTheHandOverForTheOperator) {
  ASSERT_NO_FATAL_FAILURE(hand_over_checkpointed());
  world_.target.produce({"t.orders", 0}, 2);
  wf_->run_round();
  auto ops = wf_->running_operations();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].stuck, workflow::stuck_reason::foreign_records);
  EXPECT_TRUE(contains(ops[0].detail, "someone else wrote to it")) << ops[0].detail;
  for (int i = 0; i < 10; ++i) round();
  EXPECT_EQ(topic(), topic_state::draining);
  EXPECT_TRUE(world_.reverse_topics().empty());
}

// CUT_OVER cannot be stored (the disk fails at that write): the cutover
// waits for the operator, and that it waits is stored as soon as the store
// takes writes again (retried every round), so a restart keeps it waiting.
TEST_F(Moves, AStateThatCannotBeStoredWaitsForTheOperatorAndIsStoredAsSuchOnceItCan) {
  ASSERT_NO_FATAL_FAILURE(hand_over_checkpointed());
  store_->fail_writes_after(2);  // the two reverse seeds land, CUT_OVER does not
  wf_->run_round();
  auto ops = wf_->running_operations();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].stuck, workflow::stuck_reason::state_not_stored);
  EXPECT_TRUE(contains(ops[0].detail, "(not stored yet: ")) << ops[0].detail;
  round();
  EXPECT_TRUE(contains(activity(), "(not stored yet: ")) << "tried again, refused again";
  store_->fail_writes_after(std::nullopt);
  round();
  EXPECT_FALSE(contains(activity(), "(not stored yet")) << activity();
  EXPECT_EQ(topic(), topic_state::draining);
  crash_and_restart();
  ops = wf_->running_operations();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].stuck, workflow::stuck_reason::state_not_stored);
  ASSERT_TRUE(cutover(500ms));  // the operator asks again
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  EXPECT_EQ(target_end(0), source_end(0));
}

// The hand-over began (partitions stopped) and a producer writes before the
// checkpoints land, which takes longer than the quiet window: the drain
// starts over once they land (the source moved), rather than a new tail
// verification finding the target short and stopping for the operator.
TEST_F(Moves, ASourceThatMovesBeforeTheHandOverCheckpointsLandStartsTheDrainOver) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(500ms));
  ASSERT_TRUE(
      rounds_until([&] { return world_.stopped("orders", 0) != store::stop_reason::none; }));
  world_.source.produce({"orders", 0}, 3);
  for (int i = 0; i < 8; ++i) {  // rounds, no engine turn: no checkpoint
    wf_->run_round();
    world_.clock.advance(kRound);
  }
  ASSERT_NO_FATAL_FAILURE(cuts_over_with_all_13_records());
}

TEST_F(Moves, AStoppedPartitionStopsTheCutoverForTheOperator) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(2000ms));
  round();
  world_.stop("orders", 1, store::stop_reason::foreign_write);
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "is stopped (foreign_write)"); }));
  for (int i = 0; i < 20; ++i) round();
  EXPECT_EQ(topic(), topic_state::draining) << "never handed over";
  EXPECT_EQ(world_.stopped("orders", 0), store::stop_reason::none);
}

TEST_F(Moves, AFailedTailVerificationNeedsTheOperatorAnInterruptedOneIsRetried) {
  start();
  verified_with(10);
  world_.tail_outcome = verify::verdict::interrupted;
  ASSERT_TRUE(cutover(500ms));
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "INTERRUPTED"); }));
  const int tried = world_.verifications;
  world_.tail_outcome = verify::verdict::failed;
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "FAILED"); }));
  EXPECT_GT(world_.verifications, tried) << "tried again after another quiet window";
  const int failed_at = world_.verifications;
  for (int i = 0; i < 20; ++i) round();
  EXPECT_EQ(world_.verifications, failed_at) << "a failed one waits for the operator";
  EXPECT_EQ(topic(), topic_state::draining);
  // The operator fixed it and asks again: the drain starts again.
  world_.tail_outcome = verify::verdict::passed;
  auto again = cutover(500ms);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at(0).action, "draining again");
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
}

// A verification that was running when straitd stopped is INTERRUPTED at
// the start, however many reports started after it.
TEST_F(Moves, EveryVerificationCutShortByAStopIsMarkedInterrupted) {
  store::checkpoint_store::write_batch b;
  for (uint64_t id = 1; id <= 30; ++id) {
    verify::report r;
    r.id = id;
    r.link = "L";
    r.outcome = id == 1 ? verify::verdict::running : verify::verdict::passed;
    verify::put_report(b, "L", r);
  }
  ASSERT_TRUE(store_->commit(b));
  start();
  auto first = wf_->verify_report(1);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->outcome, verify::verdict::interrupted);
  EXPECT_TRUE(contains(first->error, "straitd stopped before the verification ended"));
  EXPECT_EQ(wf_->verify_report(30)->outcome, verify::verdict::passed);
}

// What waits for the operator is stored with the operation: a restart is no
// answer, and does not verify again and hand over by itself.
TEST_F(Moves, AnOperationWaitingForTheOperatorStillWaitsAfterARestart) {
  const uint64_t id = stuck_cutover();
  ASSERT_FALSE(HasFailure());
  world_.tail_outcome = verify::verdict::passed;
  crash_and_restart();
  auto resumed = wf_->operation(id);
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(resumed->stuck, workflow::stuck_reason::tail_verification_failed);
  EXPECT_TRUE(contains(resumed->detail,
                       "waited for the operator when straitd stopped (tail_verification_failed)"))
      << resumed->detail;
  EXPECT_EQ(resumed->options.quiet_window, 500ms);
  const int verified_before = world_.verifications;
  for (int i = 0; i < 20; ++i) round();
  EXPECT_EQ(topic(), topic_state::draining) << "never handed over by itself";
  EXPECT_EQ(world_.verifications, verified_before);
  EXPECT_EQ(world_.metrics.value("strait_operations_waiting_for_operator", {{"link", "L"}}), 1);
  // Asked again, it goes on; the stored operation no longer waits: a
  // restart before the hand-over resumes it, and it cuts over.
  auto again = cutover(500ms);
  ASSERT_TRUE(again);
  crash_and_restart();
  auto after = wf_->operation(again->at(0).operation_id);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->stuck, workflow::stuck_reason::none);
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
}

TEST_F(Moves, ARunningCutoverAskedAgainKeepsItsWindow) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(60000ms));
  round();
  auto again = cutover(500ms);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at(0).action, "already draining (quiet window 60.0 s)");
  for (int i = 0; i < 40; ++i) round();  // 10 s
  EXPECT_EQ(topic(), topic_state::draining);
}

// The fake's tasks, but a restart of reverse mirroring posted once `hold`
// is set runs on a thread of its own and waits there until `release` is
// set (a restart draining its old engine for long, as in straitd).
class held_restarts final : public workflow::task_port {
 public:
  explicit held_restarts(std::unique_ptr<workflow::task_port> fake) : fake_(std::move(fake)) {}
  bool post(std::string name, std::function<void()> task) override {
    if (!hold || !name.starts_with("rev:")) return fake_->post(std::move(name), std::move(task));
    ++held;
    return threads_.post(std::move(name), [this, task = std::move(task)] {
      release_.wait();
      task();
      ++ran;
    });
  }
  void stop() override {
    threads_.stop();
    fake_->stop();
  }
  void release() { release_promise_.set_value(); }

  bool hold = false;
  std::atomic<int> held{0};  // restarts posted and held
  std::atomic<int> ran{0};   // held ones that ran since

 private:
  std::unique_ptr<workflow::task_port> fake_;
  std::promise<void> release_promise_;
  std::shared_future<void> release_ = release_promise_.get_future().share();
  task_threads threads_;
};

// straitd's shutdown asks every link's engines to drain before it waits for
// any: a restart of reverse mirroring under way (draining its old engine)
// must not hold begin_stop (it held the link's forward engine and every
// other link's drain, up to 30 s each); once asked to stop, the restart
// starts no engine; stop() waits for it.
TEST_F(Moves, ARestartOfReverseMirroringUnderWayDoesNotHoldTheLinksDrain) {
  auto ports = world_.ports();
  auto* tasks = new held_restarts(std::move(ports.tasks));
  ports.tasks.reset(tasks);
  start_with(std::move(ports));
  verified_with(10);
  tasks->hold = true;  // the restart that CUT_OVER asks for, to run "orders"
  cut_over_topic();
  ASSERT_TRUE(rounds_until([&] { return tasks->held == 1; }));

  auto began = std::async(std::launch::async, [&] { wf_->begin_stop(1s); });
  const bool returned = began.wait_for(10s) == std::future_status::ready;
  tasks->release();
  began.wait();
  EXPECT_TRUE(returned) << "begin_stop waited for the restart under way";
  ASSERT_TRUE(testing::wait_for([&] { return tasks->ran == 1; }, 10s));
  EXPECT_TRUE(world_.reverse_topics().empty()) << "a restart asked to stop started an engine";
  wf_->stop();
}

// A kill -9 after round N of the cutover: the restarted workflow ends the
// cutover with the stored window, and no record is lost or copied twice.
class MovesCrash : public Moves, public ::testing::WithParamInterface<int> {};

TEST_P(MovesCrash, ACutoverCrashedAfterAnyRoundEndsTheSameAfterTheRestart) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(1000ms));
  for (int i = 0; i < GetParam() && topic() != topic_state::cut_over; ++i) round();
  // While straitd is down a producer not yet moved writes once more (after
  // CUT_OVER none writes to the source: reverse mirroring would not carry it).
  if (topic() == topic_state::draining) world_.source.produce({"orders", 1}, 1);
  crash_and_restart();
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  for (int p = 0; p < 2; ++p) {
    EXPECT_EQ(target_end(p), source_end(p));
    EXPECT_EQ(forward_checkpoint(p).position.next_target.value(), target_end(p));
  }
}

INSTANTIATE_TEST_SUITE_P(AfterRound, MovesCrash, ::testing::Range(0, 12));

// The same for a rollback after the cutover, with records to copy back.
TEST_P(MovesCrash, ARollbackCrashedAfterAnyRoundEndsTheSameAfterTheRestart) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(500ms));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  world_.target.produce({"t.orders", 0}, 4);
  ASSERT_TRUE(rollback(1000ms));
  for (int i = 0; i < GetParam() && topic() != topic_state::mirroring; ++i) round();
  crash_and_restart();
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  world_.source.produce({"orders", 0}, 2);
  round();
  EXPECT_EQ(source_end(0), 16) << "the target's 4 records copied back once";
  EXPECT_EQ(target_end(0), 16) << "the source's 2 new records mirrored once";
  EXPECT_EQ(target_end(1), source_end(1));
}

// A kill -9 at any write of a topic's cutover or rollback (the engines'
// checkpoints included): the restarted workflow ends the move (asked
// again when the call itself was cut), and no record is lost or copied
// twice. The last parameter needs no crash: the range covers every write
// (a cutover makes 13 here, a rollback 10).
class MovesCrashAtWrite : public Moves, public ::testing::WithParamInterface<int> {};
constexpr int kMoveWrites = 16;

TEST_P(MovesCrashAtWrite, ACutoverKilledAtAnyWriteEndsTheSameAfterTheRestart) {
  start();
  verified_with(10);
  const bool crashed = crash_at_write(
      GetParam(), [&] { (void)cutover(1000ms); }, [&] { return topic() == topic_state::cut_over; });
  EXPECT_TRUE(GetParam() < kMoveWrites || !crashed) << "a write the range does not reach";
  if (topic() == topic_state::verified && !moving("topic orders")) {
    ASSERT_TRUE(cutover(1000ms));  // the call's own write was cut
  }
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  for (int p = 0; p < 2; ++p) {
    EXPECT_EQ(target_end(p), source_end(p)) << p;
    EXPECT_EQ(forward_checkpoint(p).position.next_target.value(), target_end(p)) << p;
  }
  ASSERT_TRUE(
      rounds_until([&] { return world_.reverse_topics() == std::set<std::string>{"orders"}; }));
}

TEST_P(MovesCrashAtWrite, ARollbackKilledAtAnyWriteEndsTheSameAfterTheRestart) {
  start();
  verified_with(10);
  cut_over_topic();
  world_.target.produce({"t.orders", 0}, 4);
  const bool crashed = crash_at_write(
      GetParam(), [&] { (void)rollback(1000ms); },
      [&] { return topic() == topic_state::mirroring; });
  EXPECT_TRUE(GetParam() < kMoveWrites || !crashed) << "a write the range does not reach";
  if (topic() == topic_state::cut_over && !moving("topic orders")) {
    ASSERT_TRUE(rollback(1000ms));  // the call's own write was cut
  }
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  world_.source.produce({"orders", 0}, 2);
  round();
  EXPECT_EQ(source_end(0), 16) << "the target's 4 records copied back once";
  EXPECT_EQ(target_end(0), 16) << "the source's 2 new records mirrored once";
  EXPECT_EQ(target_end(1), source_end(1));
}

INSTANTIATE_TEST_SUITE_P(AtWrite, MovesCrashAtWrite, ::testing::Range(0, kMoveWrites + 1));

// ------------------------------------------------------------- operations

TEST_F(Moves, AMoveReturnsAnOperationWhosePhasesCanBeFollowedById) {
  {
    store::checkpoint_store::write_batch b;
    b.put_cluster_ids("L", {"src-id", "tgt-id"});
    ASSERT_TRUE(store_->commit(b));
  }
  start();
  verified_with(10);
  auto started = cutover(1000ms);
  ASSERT_TRUE(started);
  const uint64_t id = started->at(0).operation_id;
  ASSERT_NE(id, 0U);
  auto op = wf_->operation(id);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->phase, workflow::op_phase::starting);
  EXPECT_EQ(op->name, "orders");
  EXPECT_FALSE(op->on_group);
  EXPECT_EQ(op->options.quiet_window, 1000ms);
  std::set<workflow::op_phase> seen;
  ASSERT_TRUE(rounds_until([&] {
    seen.insert(wf_->operation(id)->phase);
    return wf_->operation(id)->phase == workflow::op_phase::done;
  }));
  EXPECT_TRUE(seen.contains(workflow::op_phase::waiting_for_quiet));
  EXPECT_TRUE(seen.contains(workflow::op_phase::handing_over));
  EXPECT_EQ(topic(), topic_state::cut_over);
  EXPECT_GT(wf_->operation(id)->finished_at_ms, 0);
  EXPECT_EQ(wf_->operation(id)->requested_by, "test");
  // The quiet window of 1 s, counted in rounds of 250 ms: at least the
  // window, at most the rounds it took to see it.
  const int64_t waited = wf_->operation(id)->quiet_wait_ms;
  EXPECT_GE(waited, 1000);
  EXPECT_LE(waited, 1500);
  // Asked again while running: the same operation carries it on.
  auto rollback_started = rollback(60000ms);
  ASSERT_TRUE(rollback_started);
  const uint64_t rid = rollback_started->at(0).operation_id;
  EXPECT_GT(rid, id);
  auto again = rollback(1000ms);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at(0).operation_id, rid);
  // A kill -9: the operation resumes under its id.
  crash_and_restart();
  auto resumed = wf_->operation(rid);
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(resumed->options.quiet_window, 60000ms);
  EXPECT_TRUE(resumed->resumed);
  EXPECT_EQ(resumed->requested_by, "") << "the caller of a resumed operation is not known";
  // Ended before the restart: its move record (ADR 0026).
  auto ended = wf_->operation(id);
  ASSERT_TRUE(ended) << ended.error().message;
  EXPECT_EQ(ended->phase, workflow::op_phase::done);
  EXPECT_EQ(ended->requested_by, "test");
  EXPECT_EQ(ended->quiet_wait_ms, waited);
  EXPECT_TRUE(contains(ended->detail, "stored move record")) << ended->detail;
  auto records = workflow::load_moves(*store_, "L", 10);
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 1u) << "the rollback runs on";
  const auto& r = records->front();
  EXPECT_EQ(r.id, id);
  EXPECT_EQ(r.name, "orders");
  EXPECT_EQ(r.kind, migration::object_kind::topic);
  EXPECT_EQ(r.options.kind, workflow::op_kind::cutover);
  EXPECT_EQ(r.outcome, workflow::op_phase::done);
  EXPECT_FALSE(r.resumed);
  EXPECT_EQ(r.source_cluster_id, "src-id");
  EXPECT_EQ(r.target_cluster_id, "tgt-id");
  EXPECT_EQ(r.definition, workflow::definition_digest(cfg_, {"src-id", "tgt-id"}));
  EXPECT_LE(r.started_at_ms, r.finished_at_ms);
  // The rollback ends under the resumed straitd (its quiet window is a
  // minute of 250 ms rounds): a second record.
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }, 400));
  records = workflow::load_moves(*store_, "L", 10);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ(records->back().id, rid);
  EXPECT_EQ(records->back().options.kind, workflow::op_kind::rollback);
  EXPECT_TRUE(records->back().resumed);
}

TEST_F(Moves, AnOperationWaitingForTheOperatorSaysWhyAndARollbackCancelsIt) {
  const uint64_t id = stuck_cutover();
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(wf_->operation(id)->phase, workflow::op_phase::verifying_tail);
  auto rolled = rollback(500ms);
  ASSERT_TRUE(rolled);
  EXPECT_EQ(wf_->operation(id)->phase, workflow::op_phase::cancelled);
  EXPECT_FALSE(*workflow::load_move(*store_, "L", id)) << "written by the next round, not the call";
  const uint64_t rid = rolled->at(0).operation_id;
  ASSERT_TRUE(rounds_until([&] { return wf_->operation(rid)->phase == workflow::op_phase::done; }));
  // Its record says what it waited for when the rollback replaced it.
  auto record = workflow::load_move(*store_, "L", id);
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->outcome, workflow::op_phase::cancelled);
  EXPECT_EQ((*record)->stuck, workflow::stuck_reason::tail_verification_failed);
  EXPECT_EQ(topic(), topic_state::mirroring);
  auto missing = wf_->operation(12345);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::not_found);
}

// ----------------------------------------------------------- topic rollback

TEST_F(Moves, ARollbackDuringTheDrainResumesMirroringWhereItStopped) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(60000ms));
  round();
  ASSERT_TRUE(rollback(500ms));
  EXPECT_EQ(topic(), topic_state::rolled_back);
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  world_.source.produce({"orders", 0}, 4);
  round();
  EXPECT_EQ(target_end(0), source_end(0));
  EXPECT_EQ(world_.reverse_topics(), std::set<std::string>{});
}

// A rollback asked while the hand-over's checkpoints are still being
// written: a partition stopped for the hand-over but not yet checkpointed
// as such must be resumed too, once its checkpoint is there (it was taken
// for running and left stopped for good, the topic MIRRORING).
TEST_F(Moves, ARollbackDuringTheHandOverResumesEveryPartitionItStopped) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(500ms));
  ASSERT_TRUE(
      rounds_until([&] { return world_.stopped("orders", 0) != store::stop_reason::none; }));
  wf_->run_round();  // still no checkpoint: the engine has not had its turn
  ASSERT_EQ(activity(), "waiting for the hand-over checkpoints");
  ASSERT_TRUE(rollback(500ms));
  wf_->run_round();
  EXPECT_EQ(topic(), topic_state::rolled_back) << "not resumed while a stop is not checkpointed";
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  for (int p = 0; p < 2; ++p) {
    EXPECT_EQ(world_.stopped("orders", p), store::stop_reason::none) << p;
    EXPECT_EQ(forward_checkpoint(p).stopped, store::stop_reason::none) << p;
  }
  world_.source.produce({"orders", 1}, 3);
  round();
  EXPECT_EQ(target_end(1), source_end(1));
}

TEST_F(Moves, ARollbackAfterTheCutoverCopiesTheTargetsRecordsBackFirst) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(500ms));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  // Producers moved to the target and wrote there.
  world_.target.produce({"t.orders", 0}, 7);
  ASSERT_TRUE(rollback(1000ms));
  EXPECT_EQ(topic(), topic_state::rolled_back);
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_EQ(source_end(0), 17) << "the target's 7 records were copied back";
  EXPECT_EQ(world_.reverse_topics(), std::set<std::string>{});
  // Forward mirroring resumed after what was copied back: records written
  // on the source now reach the target once.
  world_.source.produce({"orders", 0}, 2);
  round();
  EXPECT_EQ(source_end(0), 19);
  EXPECT_EQ(target_end(0), 19);
  EXPECT_EQ(forward_checkpoint(0).position.next_source.value(), 19);
}

// ------------------------------------------------------------ ACL grants

// A link with an acls section whose plan has, for orders (t.orders on the
// target): a WRITE to grant at the cutover, a READ that apply creates, and a
// PREFIXED WRITE whose LITERAL copy on t.orders is that same WRITE (granted
// once).
class Grants : public Moves {
 protected:
  Grants() {
    world_.acls = true;
    world_.acl_items = {
        item(write_on("t.orders"), policy::acl_action::at_cutover),
        item(topic_binding("t.orders", "READ"), policy::acl_action::create),
        item(topic_binding("t.", "WRITE", "PREFIXED"), policy::acl_action::at_cutover),
        item(write_on("t.other"), policy::acl_action::at_cutover)};
  }
  static kafka::acl_binding topic_binding(const std::string& name, const std::string& op,
                                          const std::string& pattern = "LITERAL") {
    return {"TOPIC", name, pattern, "User:app", "*", op, "ALLOW"};
  }
  static kafka::acl_binding write_on(const std::string& name) {
    return topic_binding(name, "WRITE");
  }
  static policy::acl_item item(const kafka::acl_binding& target, policy::acl_action what) {
    return {target, target, what, "", ""};
  }
  std::vector<workflow::owned_grant> owned(
      workflow::acl_change kind = workflow::acl_change::target_grant) {
    auto g = workflow::load_grants(*store_, "L", "orders", kind);
    EXPECT_TRUE(g) << g.error().message;
    return g ? *g : std::vector<workflow::owned_grant>{};
  }
  void store_cluster_ids(const std::string& source, const std::string& target) {
    store::checkpoint_store::write_batch b;
    b.put_cluster_ids("L", {source, target});
    ASSERT_TRUE(store_->commit(b));
  }
};

TEST_F(Grants, TheDeniesThatLimitAGrantGoFirstAndStayAfterARollback) {
  const kafka::acl_binding deny{"TOPIC", "t.orders", "LITERAL", "User:app", "*", "DELETE", "DENY"};
  world_.acl_items.push_back(item(deny, policy::acl_action::create));  // apply never ran
  start();
  verified_with(10);
  cut_over_topic();
  EXPECT_EQ(world_.target.acls, (std::set<kafka::acl_binding>{deny, write_on("t.orders")}));
  EXPECT_EQ(owned().size(), 1u) << "the DENY is apply's, not recorded";
  ASSERT_TRUE(rollback(500ms));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_EQ(world_.target.acls, std::set<kafka::acl_binding>{deny});
}

// A create whose answer was lost may have happened: its record stays, so
// that the rollback deletes what strait may have created (never a grant
// left on the target, nor a fence on the source, without a record).
TEST_F(Grants, ACreateWhoseAnswerWasLostKeepsItsRecordAndTheRollbackDeletesIt) {
  world_.fence = true;
  cfg_.fence = {true, "User:strait", {}};
  const kafka::acl_binding fence{"TOPIC", "orders", "LITERAL", "User:app", "*", "WRITE", "DENY"};
  world_.source.acls = {{"TOPIC", "orders", "LITERAL", "User:app", "*", "WRITE", "ALLOW"}};
  start();
  verified_with(10);
  world_.source.acl_creates_time_out = true;
  world_.target.acl_creates_time_out = true;
  ASSERT_TRUE(cutover(500ms));
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "fake: CreateAcls timed out"); }));
  EXPECT_TRUE(world_.source.acls.contains(fence));
  EXPECT_EQ(owned(workflow::acl_change::source_fence).size(), 1u);
  world_.source.acl_creates_time_out = false;
  ASSERT_TRUE(rounds_until([&] {
    return contains(activity(), "fake: CreateAcls timed out") &&
           world_.target.acls.contains(write_on("t.orders"));
  }));
  EXPECT_EQ(owned().size(), 1u);
  world_.target.acl_creates_time_out = false;
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  ASSERT_TRUE(rollback(500ms));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_TRUE(world_.target.acls.empty());
  EXPECT_FALSE(world_.source.acls.contains(fence));
  EXPECT_TRUE(owned().empty());
  EXPECT_TRUE(owned(workflow::acl_change::source_fence).empty());
}

TEST_F(Grants, ACredentialOnAnotherClusterIsAMistakeUntilTheLinkMovedThere) {
  ASSERT_NO_FATAL_FAILURE(store_cluster_ids("src", "tgt"));
  start();
  verified_with(10);
  cut_over_topic();
  world_.target.acl_cluster = "tgt2";  // acls.target_admin now reaches another cluster
  ASSERT_TRUE(rollback(500ms));
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "reaches another cluster"); }));
  EXPECT_EQ(owned().size(), 1u) << "kept: the binding is still on the link's target";
  // The link's target is that other cluster now: the binding on the old one
  // is the operator's to remove (logged), its record goes.
  ASSERT_NO_FATAL_FAILURE(store_cluster_ids("src", "tgt2"));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_TRUE(owned().empty());
  EXPECT_EQ(world_.target.acls, std::set<kafka::acl_binding>{write_on("t.orders")});
}

TEST_F(Grants, ARollbackIsNotHeldByAnAclsSectionRemovedSince) {
  start();
  verified_with(10);
  cut_over_topic();
  world_.acls = false;  // the section removed, straitd restarted
  crash_and_restart();
  ASSERT_TRUE(rollback(500ms));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_EQ(owned().size(), 1u) << "the records stay with the binding (logged)";
  EXPECT_EQ(world_.target.acls, std::set<kafka::acl_binding>{write_on("t.orders")});
}

// ------------------------------------------------------------ source fence

// A link with a fence section: on the source, app writes orders, strait
// (reverse mirroring) too, a reader reads it.
class Fence : public Grants {
 protected:
  Fence() {
    world_.acls = false;
    world_.fence = true;
    cfg_.fence = {true, "User:strait", {}};
    world_.source.acls = {source_acl("User:app", "WRITE"), source_acl("User:strait", "WRITE"),
                          source_acl("User:reader", "READ")};
  }
  static kafka::acl_binding source_acl(const std::string& principal, const std::string& op,
                                       const std::string& permission = "ALLOW") {
    return {"TOPIC", "orders", "LITERAL", principal, "*", op, permission};
  }
  bool fenced(const std::string& principal) {
    return world_.source.acls.contains(source_acl(principal, "WRITE", "DENY"));
  }
  // Rounds until operation `id` waits for the operator with fence_refused:
  // its detail.
  std::string refused(uint64_t id) {
    EXPECT_TRUE(rounds_until([&] {
      auto op = wf_->operation(id);
      return op && op->stuck == workflow::stuck_reason::fence_refused;
    }));
    auto op = wf_->operation(id);
    return op ? op->detail : "";
  }
  // Starts a cutover that waits for the operator with fence_refused: its
  // detail.
  std::string refused_cutover() {
    auto started = cutover(500ms);
    EXPECT_TRUE(started);
    return started ? refused(started->at(0).operation_id) : "";
  }
};

TEST_F(Fence, ACutoverFencesTheSourcesOtherWritersAndARollbackLiftsItOnceMirroring) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(1000ms));
  round();
  EXPECT_EQ(topic(), topic_state::draining);
  EXPECT_TRUE(fenced("User:app")) << "from the drain on";
  EXPECT_FALSE(fenced("User:strait")) << "reverse mirroring writes with it";
  EXPECT_FALSE(fenced("User:reader"));
  EXPECT_EQ(owned(workflow::acl_change::source_fence).size(), 1u);
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  EXPECT_TRUE(fenced("User:app"));
  // What status shows: the link's records, by topic and kind.
  auto changes = wf_->acl_changes();
  ASSERT_TRUE(changes) << changes.error().message;
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ(changes->at(0).topic, "orders");
  EXPECT_EQ(changes->at(0).kind, workflow::acl_change::source_fence);
  EXPECT_EQ(changes->at(0).grant.binding, source_acl("User:app", "WRITE", "DENY"));

  world_.target.produce({"t.orders", 0}, 2);
  ASSERT_TRUE(rollback(500ms));
  ASSERT_TRUE(rounds_until(
      [&] { return contains(activity(), "copying") || contains(activity(), "quiet"); }));
  EXPECT_TRUE(fenced("User:app")) << "producers go back only once MIRRORING";
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_FALSE(fenced("User:app"));
  EXPECT_TRUE(owned(workflow::acl_change::source_fence).empty());
  EXPECT_TRUE(wf_->acl_changes()->empty());
  EXPECT_EQ(source_end(0), 12) << "what producers wrote to the target was copied back";
  // The move records count what the cutover fenced and the rollback lifted
  // (the scorecard's drill of the security area).
  round();
  auto records = workflow::load_moves(*store_, "L", 10);
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ(records->front().acl_fences, 1);
  EXPECT_EQ(records->back().options.kind, workflow::op_kind::rollback);
  EXPECT_EQ(records->back().acl_fences, 1);
  EXPECT_EQ(records->back().acl_grants, 0);
}

// Drift (docs/cutover.md#acl-drift): a DENY strait made and someone removed,
// and a writer granted after the fence, show in status (and the gauge)
// within the check's period; strait changes nothing for them.
TEST_F(Fence, ADenyRemovedAndAWriterGrantedSinceShowAsDrift) {
  start();
  verified_with(10);
  cut_over_topic();
  ASSERT_TRUE(fenced("User:app"));
  const int reads = world_.source.acl_reads;
  ASSERT_TRUE(rounds_until([&] { return world_.source.acl_reads > reads; }, 60)) << "checked";
  EXPECT_TRUE(wf_->acl_drift().empty());
  const metrics::labels link{{"link", "L"}};
  EXPECT_EQ(world_.metrics.value("strait_acl_drift_bindings", link), 0);
  world_.source.acls.erase(source_acl("User:app", "WRITE", "DENY"));
  world_.source.acls.insert(source_acl("User:late", "WRITE"));
  ASSERT_TRUE(rounds_until([&] { return !wf_->acl_drift().empty(); }, 60));
  const auto drift = wf_->acl_drift();
  ASSERT_EQ(drift.size(), 1u);
  const auto& lines = drift.at("orders");
  ASSERT_EQ(lines.size(), 2u) << lines[0];
  EXPECT_TRUE(contains(lines[0],
                       "missing on the source: DENY WRITE TOPIC:LITERAL:orders "
                       "User:app@* (strait made it; it was removed since)"))
      << lines[0];
  EXPECT_TRUE(contains(lines[1], "a writer the fence does not stop: User:late")) << lines[1];
  EXPECT_EQ(world_.metrics.value("strait_acl_drift_bindings", link), 2);
  EXPECT_FALSE(fenced("User:app")) << "shown, not mended";
  EXPECT_FALSE(fenced("User:late"));
  // Mended by hand: the next check finds nothing.
  world_.source.acls.insert(source_acl("User:app", "WRITE", "DENY"));
  world_.source.acls.insert(source_acl("User:late", "WRITE", "DENY"));
  ASSERT_TRUE(rounds_until([&] { return wf_->acl_drift().empty(); }, 60));
  // A source that cannot be read: said, per topic.
  world_.source.acl_error = "fake: DescribeAcls refused";
  ASSERT_TRUE(rounds_until([&] { return !wf_->acl_drift().empty(); }, 60));
  EXPECT_TRUE(contains(wf_->acl_drift().at("orders").at(0),
                       "cannot compare the ACL bindings strait made with the cluster: fake: "
                       "DescribeAcls refused"));
  EXPECT_EQ(world_.metrics.value("strait_acl_drift_bindings", link), 0) << "not drift";
  EXPECT_EQ(world_.metrics.value("strait_acl_drift_not_compared", link), 1);
  // Not read again for a minute after a failure.
  world_.source.acl_error.clear();
  const int failed_at = world_.source.acl_reads;
  for (int i = 0; i < 200; ++i) round();  // 50 s
  EXPECT_EQ(world_.source.acl_reads, failed_at);
  ASSERT_TRUE(rounds_until([&] { return wf_->acl_drift().empty(); }, 60));
}

// The comparison itself (pure): grants missing on the target, records made
// on another cluster, topics not held, and the fence's writers.
TEST(AclDrift, NamesWhatIsMissingWhatIsNotStoppedAndWhatCannotBeCompared) {
  const kafka::acl_binding grant{"TOPIC", "t.orders", "LITERAL", "User:app", "*", "WRITE", "ALLOW"};
  const kafka::acl_binding deny{"TOPIC", "orders", "LITERAL", "User:app", "*", "WRITE", "DENY"};
  const std::vector<workflow::recorded_grant> records = {
      {"orders", workflow::acl_change::target_grant, {"tgt", grant}},
      {"orders", workflow::acl_change::source_fence, {"src", deny}},
      {"old", workflow::acl_change::target_grant, {"tgt-before", grant}},
      {"done", workflow::acl_change::target_grant, {"tgt", grant}}};
  const std::set<std::string> held{"orders", "old"};  // "done" is finalized
  auto g = workflow::find_acl_drift(records, workflow::acl_change::target_grant, {"tgt", {}},
                                    nullptr, held);
  ASSERT_EQ(g.found.size(), 1u);
  EXPECT_EQ(g.found.at("orders"),
            std::vector<std::string>{"missing on the target: ALLOW WRITE TOPIC:LITERAL:t.orders "
                                     "User:app@* (strait made it; it was removed since)"});
  EXPECT_EQ(g.not_compared.size(), 1u);
  EXPECT_TRUE(contains(g.not_compared.at("old"), "cluster tgt-before")) << g.not_compared.at("old");
  EXPECT_TRUE(workflow::find_acl_drift(records, workflow::acl_change::target_grant,
                                       {"tgt", {grant}}, nullptr, held)
                  .found.empty());
  // The fence: its DENY there, and a writer granted since. A wildcard
  // writer (a refusal) is not drift: a forced cutover would show it for
  // good.
  config::fence_config fence{true, "User:strait", {}};
  const kafka::acl_binding late{"TOPIC", "orders", "LITERAL", "User:late", "*", "WRITE", "ALLOW"};
  const kafka::acl_binding anyone{"TOPIC", "orders", "LITERAL", "User:*", "*", "WRITE", "ALLOW"};
  auto f = workflow::find_acl_drift(records, workflow::acl_change::source_fence,
                                    {"src", {deny, late, anyone}}, &fence, held);
  ASSERT_EQ(f.found.at("orders").size(), 1u);
  EXPECT_TRUE(contains(f.found.at("orders")[0], "a writer the fence does not stop: User:late"))
      << f.found.at("orders")[0];
}

TEST_F(Fence, ARollbackOfADrainLiftsTheFenceFirstProducersNeverMoved) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(60s));
  round();
  ASSERT_TRUE(fenced("User:app"));
  ASSERT_TRUE(rollback(500ms));
  round();
  EXPECT_FALSE(fenced("User:app")) << "nothing was copied back: no need to wait";
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_TRUE(owned(workflow::acl_change::source_fence).empty());
}

TEST_F(Fence, ARollbackRightAfterARestartKeepsTheFenceUntilItKnowsWhetherRecordsComeBack) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(500ms));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  world_.target.produce({"t.orders", 0}, 2);  // producers moved
  ASSERT_TRUE(rounds_until([&] { return source_end(0) == 12; }));
  // straitd restarts; the supervisor has not listed the topics yet: that is
  // not "nothing was copied back".
  world_.topics_listed = false;
  crash_and_restart();
  ASSERT_TRUE(rollback(500ms));
  for (int i = 0; i < 5; ++i) round();
  EXPECT_TRUE(fenced("User:app")) << activity();
  EXPECT_TRUE(contains(activity(), "not running yet")) << activity();
  // Nor is a source that cannot say what strait may do.
  world_.topics_listed = true;
  world_.source.reachable = false;
  for (int i = 0; i < 5; ++i) round();
  EXPECT_TRUE(fenced("User:app")) << activity();
  world_.source.reachable = true;
  ASSERT_TRUE(rounds_until(
      [&] { return contains(activity(), "copying") || contains(activity(), "quiet"); }));
  EXPECT_TRUE(fenced("User:app")) << "producers go back only once MIRRORING";
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_FALSE(fenced("User:app"));
}

TEST_F(Fence, AWriterItCannotNameStopsTheCutoverForTheOperatorUnlessForced) {
  world_.source.acls.insert(source_acl("User:*", "WRITE"));
  start();
  verified_with(10);
  const std::string detail = refused_cutover();
  EXPECT_TRUE(contains(detail, "every principal may write the topic")) << detail;
  EXPECT_FALSE(fenced("User:app")) << "nothing is created before a refusal";
  EXPECT_EQ(topic(), topic_state::draining);
  // Forced: what can be named is fenced.
  ASSERT_TRUE(cutover(500ms, /*force=*/true));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  EXPECT_TRUE(fenced("User:app"));
}

TEST_F(Fence, StraitsWriteOnTheSourceIsCheckedAgainBeforeTheHandOver) {
  // Nobody but strait writes the topic: nothing to fence.
  world_.source.acls = {source_acl("User:strait", "WRITE")};
  start();
  verified_with(10);
  auto started = cutover(500ms);
  ASSERT_TRUE(started);
  round();
  ASSERT_EQ(topic(), topic_state::draining);
  // Meanwhile someone takes strait's WRITE away: reverse mirroring could
  // not copy back what producers write to the target after CUT_OVER.
  world_.source.acls.insert(source_acl("User:strait", "WRITE", "DENY"));
  const std::string detail = refused(started->at(0).operation_id);
  EXPECT_TRUE(contains(detail, "lacks WRITE on the topic")) << detail;
  EXPECT_TRUE(contains(detail, "nothing was fenced")) << detail;
  EXPECT_EQ(world_.stopped("orders", 0), store::stop_reason::none) << "not handed over";
  EXPECT_EQ(topic(), topic_state::draining);
}

TEST_F(Fence, AFenceIsLiftedWhenStraitLosesWriteDuringTheDrain) {
  start();
  verified_with(10);
  auto started = cutover(500ms);
  ASSERT_TRUE(started);
  round();
  ASSERT_TRUE(fenced("User:app"));
  world_.source.acls.insert(source_acl("User:strait", "WRITE", "DENY"));
  const std::string detail = refused(started->at(0).operation_id);
  EXPECT_TRUE(contains(detail, "the fence was lifted")) << detail;
  EXPECT_FALSE(fenced("User:app"));
  EXPECT_TRUE(owned(workflow::acl_change::source_fence).empty());
  EXPECT_EQ(world_.stopped("orders", 0), store::stop_reason::none) << "not handed over";
}

TEST_F(Fence, ARestartDuringTheHandOverFencesAgainButDoesNotStopHalfway) {
  ASSERT_NO_FATAL_FAILURE(hand_over_checkpointed());
  ASSERT_TRUE(fenced("User:app"));
  // Strait loses WRITE while straitd is down: stopping now would leave the
  // partition handed over; reverse mirroring's own errors show it later.
  world_.source.acls.insert(source_acl("User:strait", "WRITE", "DENY"));
  crash_and_restart();
  // Status shows the fence from the start, before any round.
  auto shown = wf_->acl_changes();
  ASSERT_TRUE(shown) << shown.error().message;
  EXPECT_EQ(shown->size(), 1u);
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; })) << activity();
  EXPECT_TRUE(fenced("User:app"));
  EXPECT_EQ(owned(workflow::acl_change::source_fence).size(), 1u);
  // The resumed cutover made nothing new (the DENY is on the source), and
  // its record still counts the fence it owns (the scorecard's drill).
  round();
  auto records = workflow::load_moves(*store_, "L", 10);
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 1u);
  EXPECT_TRUE(records->front().resumed);
  EXPECT_EQ(records->front().acl_fences, 1);
}

TEST_F(Fence, ARollbackWithNothingFencedDoesNotWaitForTheSource) {
  world_.source.acls = {source_acl("User:strait", "WRITE")};  // no writer to fence
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(500ms));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  ASSERT_TRUE(owned(workflow::acl_change::source_fence).empty());
  // The source cannot say what strait may do there: nothing to lift, so
  // nothing to ask.
  world_.source.reachable = false;
  ASSERT_TRUE(rollback(500ms));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; })) << activity();
}

TEST_F(Fence, AFenceThatWouldDenyStraitItselfIsLiftedAndStopsTheCutover) {
  cfg_.fence.source_principal = "User:someone-else";  // not strait's principal
  start();
  verified_with(10);
  auto started = cutover(500ms);
  ASSERT_TRUE(started);
  const uint64_t id = started->at(0).operation_id;
  const std::string detail = refused(id);
  EXPECT_TRUE(contains(detail, "the fence was lifted")) << detail;
  EXPECT_FALSE(fenced("User:strait"));
  EXPECT_FALSE(fenced("User:app"));
  EXPECT_TRUE(owned(workflow::acl_change::source_fence).empty());
  // The operation owns no fence DENY now (made one, lifted it).
  auto op = wf_->operation(id);
  ASSERT_TRUE(op) << op.error().message;
  EXPECT_EQ(op->acl_fences, 0);
}

TEST_F(Grants, ACutoverGrantsTheTopicsWriteBeforeCutOverAndARollbackRemovesIt) {
  start();
  verified_with(10);
  // The ACL plan cannot be read: the drain ends, but producers get no
  // target to write to until it can.
  world_.target.acl_error = "fake: DescribeAcls timed out";
  ASSERT_TRUE(cutover(500ms));
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "cannot grant"); }));
  EXPECT_TRUE(contains(activity(), "fake: DescribeAcls timed out")) << activity();
  for (int i = 0; i < 5; ++i) round();
  EXPECT_EQ(topic(), topic_state::draining);
  EXPECT_TRUE(world_.target.acls.empty());

  world_.target.acl_error.clear();
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  // Its own LITERAL WRITE only (the PREFIXED one's copy is the same): not
  // apply's READ, not the PREFIXED binding, not another topic's.
  EXPECT_EQ(world_.target.acls, std::set<kafka::acl_binding>{write_on("t.orders")});
  EXPECT_EQ(owned(), (std::vector<workflow::owned_grant>{{"tgt", write_on("t.orders")}}));

  // A rollback removes it first: the target is refused to producers left
  // behind while it drains; its record goes with it.
  world_.target.produce({"t.orders", 0}, 3);
  world_.target.acl_writes_fail = true;
  ASSERT_TRUE(rollback(500ms));
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "cannot delete"); }));
  EXPECT_TRUE(contains(activity(), "ALLOW WRITE TOPIC:LITERAL:t.orders User:app@*")) << activity();
  EXPECT_EQ(world_.reverse_topics(), std::set<std::string>{"orders"}) << "still copying back";
  world_.target.acl_writes_fail = false;
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_TRUE(world_.target.acls.empty());
  EXPECT_TRUE(owned().empty());
  EXPECT_EQ(source_end(0), 13) << "what producers wrote to the target was copied back";
}

// A PREFIXED right reaches topics maybe not cut over: the cutover grants
// the topic its LITERAL copy, recorded as the topic's own, and the
// rollback deletes it with the others.
TEST_F(Grants, APrefixedRightIsGrantedAsTheTopicsLiteralCopyAndDeletedAtItsRollback) {
  const kafka::acl_binding batch{"TOPIC", "t.", "PREFIXED", "User:batch", "*", "WRITE", "ALLOW"};
  auto copy = batch;
  copy.resource_name = "t.orders";
  copy.pattern_type = "LITERAL";
  world_.acl_items.push_back(item(batch, policy::acl_action::at_cutover));
  start();
  verified_with(10);
  cut_over_topic();
  EXPECT_EQ(world_.target.acls, (std::set<kafka::acl_binding>{copy, write_on("t.orders")}));
  EXPECT_EQ(owned(),
            (std::vector<workflow::owned_grant>{{"tgt", write_on("t.orders")}, {"tgt", copy}}));
  ASSERT_TRUE(rollback(500ms));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_TRUE(world_.target.acls.empty());
  EXPECT_TRUE(owned().empty());
  // Counted in the move records: granted two, deleted two.
  round();
  auto records = workflow::load_moves(*store_, "L", 10);
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ(records->front().acl_grants, 2);
  EXPECT_EQ(records->back().acl_grants, 2);
}

TEST_F(Grants, ABindingTheTargetHadBeforeTheCutoverIsTheOperatorsAndStays) {
  world_.target.acls.insert(write_on("t.orders"));
  start();
  verified_with(10);
  cut_over_topic();
  EXPECT_TRUE(owned().empty()) << "not strait's: no record";
  ASSERT_TRUE(rollback(500ms));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_EQ(world_.target.acls, std::set<kafka::acl_binding>{write_on("t.orders")});
}

TEST_F(Grants, ManyCutoversInOneRoundReadTheAclPlanOnceAndAFailedReadWaitsFiveSeconds) {
  world_.add_topic("other", 1);
  start();
  for (int p = 0; p < 2; ++p) world_.source.produce({"orders", p}, 10);
  world_.source.produce({"other", 0}, 4);
  auto both = [&](topic_state want) {
    auto states = wf_->topics();
    return states.contains("orders") && states.at("orders") == want && states.contains("other") &&
           states.at("other") == want;
  };
  ASSERT_TRUE(rounds_until([&] { return both(topic_state::in_sync); }));
  auto all = [](const std::string&) { return true; };
  ASSERT_TRUE(wf_->start_verify({all, [](const std::string&) { return false; }, 0, "test"}));
  ASSERT_TRUE(testing::wait_for([&] { return both(topic_state::verified); }, 10s));
  // Both reach the grant in the same round while the plan fails; the plan
  // is read once a round, not once a topic.
  world_.target.acl_error = "fake: slow";
  ASSERT_TRUE(
      wf_->cutover_topics({[](const std::string& n) { return n == "orders" || n == "other"; },
                           false, 500ms, "test", false}));
  ASSERT_TRUE(rounds_until([&] {
    return contains(activity(), "cannot grant") &&
           contains(activity("topic other"), "cannot grant");
  }));
  // Both waited on one read; a failed read is not made again for 5 s (a
  // failing plan opens clients and waits on the workflow's thread).
  EXPECT_EQ(world_.target.acl_reads, 1);
  for (int i = 0; i < 19; ++i) round();  // 4.75 s
  EXPECT_EQ(world_.target.acl_reads, 1);
  round();
  EXPECT_EQ(world_.target.acl_reads, 2);
  world_.target.acl_error.clear();
  ASSERT_TRUE(rounds_until([&] { return both(topic_state::cut_over); }));
  EXPECT_EQ(world_.target.acls,
            (std::set<kafka::acl_binding>{write_on("t.orders"), write_on("t.other")}));
}

// Killed at any write of a cutover and of the rollback after it (with a
// source fence and a grant: 2 more writes each): what strait created is
// recorded (the record is written first), what it recorded is removed by
// the rollback, nothing is left.
constexpr int kAclMoveWrites = 20;
class GrantsCrashAtWrite : public Grants, public ::testing::WithParamInterface<int> {
 protected:
  GrantsCrashAtWrite() {
    world_.fence = true;
    cfg_.fence = {true, "User:strait", {}};
    world_.source.acls = {{"TOPIC", "orders", "LITERAL", "User:app", "*", "WRITE", "ALLOW"}};
  }
};

TEST_P(GrantsCrashAtWrite, NoGrantOrFenceIsLeftBehindOrUnrecorded) {
  const kafka::acl_binding fence{"TOPIC", "orders", "LITERAL", "User:app", "*", "WRITE", "DENY"};
  start();
  verified_with(10);
  const bool cut = crash_at_write(
      GetParam(), [&] { (void)cutover(1000ms); }, [&] { return topic() == topic_state::cut_over; });
  if (topic() == topic_state::verified && !moving("topic orders")) {
    ASSERT_TRUE(cutover(1000ms));  // the call's own write was cut
  }
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  EXPECT_EQ(world_.target.acls, std::set<kafka::acl_binding>{write_on("t.orders")});
  EXPECT_EQ(owned().size(), 1u);
  EXPECT_TRUE(world_.source.acls.contains(fence));
  EXPECT_EQ(owned(workflow::acl_change::source_fence).size(), 1u);
  const bool back = crash_at_write(
      GetParam(), [&] { (void)rollback(1000ms); },
      [&] { return topic() == topic_state::mirroring; });
  if (topic() == topic_state::cut_over && !moving("topic orders")) {
    ASSERT_TRUE(rollback(1000ms));  // the call's own write was cut
  }
  EXPECT_TRUE(GetParam() < kAclMoveWrites || (!cut && !back)) << "a write the range does not reach";
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_TRUE(world_.target.acls.empty());
  EXPECT_TRUE(owned().empty());
  EXPECT_FALSE(world_.source.acls.contains(fence));
  EXPECT_TRUE(owned(workflow::acl_change::source_fence).empty());
}

INSTANTIATE_TEST_SUITE_P(AtWrite, GrantsCrashAtWrite, ::testing::Range(0, kAclMoveWrites + 1));

TEST_F(Moves, APartitionTheEngineRefusesToResumeIsAskedAgain) {
  start();
  verified_with(10);
  cut_over_topic();
  world_.refuse_replacements = 1;
  world_.hold_replacements = true;  // to see the refusal's round
  ASSERT_TRUE(rollback(500ms));
  ASSERT_TRUE(rounds_until([&] { return world_.replacements == 2; }));
  world_.hold_replacements = false;
  round();
  EXPECT_EQ(activity(), "cannot resume partition 0: fake: records in flight (asked again)");
  EXPECT_EQ(topic(), topic_state::rolled_back);
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_EQ(world_.replacements, 3) << "partition 1 ran already";
  world_.source.produce({"orders", 0}, 2);
  round();
  EXPECT_EQ(target_end(0), source_end(0));
  EXPECT_EQ(forward_checkpoint(0).position.next_source.value(), 12);
}

// The engine refuses for long (its store writes fail, say): the rollback
// asks again every round, says so in its detail and logs it once; it goes
// on once the engine takes the partition.
TEST_F(Moves, AResumptionRefusedForLongIsSaidAndStillAskedAgain) {
  start();
  verified_with(10);
  cut_over_topic();
  world_.refuse_replacements = 1000;
  ASSERT_TRUE(rollback(500ms));
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "(for 3"); }));
  EXPECT_TRUE(contains(activity(), "cannot resume partition 0: fake: records in flight"))
      << activity();
  const int asked = world_.replacements;
  round();
  EXPECT_EQ(world_.replacements, asked + 2) << "both partitions asked again";
  world_.refuse_replacements = 0;
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
}

TEST_F(Moves, ARollbackWaitsForTheTargetToBeQuiet) {
  start();
  verified_with(10);
  ASSERT_TRUE(cutover(500ms));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  ASSERT_TRUE(rollback(2000ms));
  for (int i = 0; i < 6; ++i) {  // a producer still on the target, every round
    world_.target.produce({"t.orders", 1}, 1);
    round();
  }
  EXPECT_EQ(topic(), topic_state::rolled_back);
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_EQ(source_end(1), 16);
  EXPECT_EQ(target_end(1), 16);
}

// --------------------------------------------------- two topics at once

// More topics of one partition each next to "orders" (two), all mirrored
// and VERIFIED.
class TwoTopics : public Moves {
 protected:
  void SetUp() override { with_topics({"payments"}); }
  void with_topics(const std::vector<std::string>& others) {
    for (const auto& t : others) world_.add_topic(t, 1);
    start();
    for (int p = 0; p < 2; ++p) world_.source.produce({"orders", p}, 10);
    for (const auto& t : others) world_.source.produce({t, 0}, 10);
    auto all_in = [&](topic_state want) {
      auto states = wf_->topics();
      if (!states.contains("orders") || states.at("orders") != want) return false;
      return std::all_of(others.begin(), others.end(),
                         [&](const auto& t) { return states.contains(t) && states.at(t) == want; });
    };
    ASSERT_TRUE(rounds_until([&] { return all_in(topic_state::in_sync); }));
    auto all = [](const std::string&) { return true; };
    ASSERT_TRUE(wf_->start_verify({all, [](const std::string&) { return false; }, 0, "test"}));
    ASSERT_TRUE(testing::wait_for([&] { return all_in(topic_state::verified); }, 10s));
  }
  result<std::vector<workflow::link_workflow::change>> move(bool cutover, const std::string& name) {
    workflow::link_workflow::move_options o{only(name), false, 500ms, "test", false};
    return cutover ? wf_->cutover_topics(o) : wf_->rollback_topics(o);
  }
  int64_t payments_source_end() { return world_.source.ends[{"payments", 0}]; }
  int64_t payments_target_end() { return world_.target.ends[{"t.payments", 0}]; }
};

TEST_F(TwoTopics, ATailVerificationInProgressHoldsOnlyItsOwnTopicsCutover) {
  world_.hold_task = [](const std::string& name) { return name == "vfy:L/orders"; };
  auto orders = move(true, "orders");
  ASSERT_TRUE(orders);
  const uint64_t orders_op = orders->at(0).operation_id;
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "verifying the newest records"); }));
  ASSERT_TRUE(move(true, "payments"));
  ASSERT_TRUE(rounds_until([&] { return topic("payments") == topic_state::cut_over; }));
  EXPECT_EQ(topic(), topic_state::draining);
  EXPECT_EQ(wf_->operation(orders_op)->phase, workflow::op_phase::verifying_tail);
  ASSERT_TRUE(rounds_until(
      [&] { return world_.reverse_topics() == std::set<std::string>{"payments"}; }, 3));

  // A producer writes to orders while its verification runs: the result,
  // which may not have read the new records, no longer counts.
  world_.source.produce({"orders", 0}, 4);
  round();
  EXPECT_TRUE(contains(activity(), "its end offsets still move")) << activity();
  world_.hold_task = [](const std::string&) { return false; };
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  EXPECT_EQ(world_.verifications, 4)
      << "the operator's, payments' tail, orders' held one and orders' again";
  EXPECT_EQ(world_.verifications_cancelled, 1) << "the held one was cancelled, not used";
  EXPECT_EQ(target_end(0), source_end(0));
  ASSERT_TRUE(rounds_until(
      [&] {
        return world_.reverse_topics() == std::set<std::string>{"orders", "payments"};
      },
      1));
}

TEST_F(TwoTopics, AReverseMirroringDrainInProgressHoldsOnlyItsOwnTopicsRollback) {
  ASSERT_TRUE(move(true, "payments"));
  ASSERT_TRUE(rounds_until([&] {
    return topic("payments") == topic_state::cut_over &&
           world_.reverse_topics() == std::set<std::string>{"payments"};
  }));
  world_.target.produce({"t.payments", 0}, 5);  // producers moved to the target
  // The restart of reverse mirroring without payments drains for long.
  world_.hold_task = [](const std::string& name) { return name == "rev:L"; };
  ASSERT_TRUE(move(false, "payments"));
  ASSERT_TRUE(rounds_until(
      [&] { return contains(activity("topic payments"), "stopping reverse mirroring"); }));
  EXPECT_EQ(payments_source_end(), 15) << "copied back before reverse mirroring of it ends";

  ASSERT_TRUE(move(true, "orders"));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  EXPECT_EQ(topic("payments"), topic_state::rolled_back);
  EXPECT_EQ(world_.reverse_topics(), std::set<std::string>{"payments"}) << "still draining";
  world_.target.produce({"t.orders", 0}, 3);  // orders' producers moved: copied back later

  world_.hold_task = [](const std::string&) { return false; };
  ASSERT_TRUE(rounds_until([&] { return topic("payments") == topic_state::mirroring; }));
  ASSERT_TRUE(
      rounds_until([&] { return world_.reverse_topics() == std::set<std::string>{"orders"}; }, 3));
  ASSERT_TRUE(rounds_until([&] { return source_end(0) == target_end(0); }, 2))
      << "orders' records on the target were copied back once its reverse mirroring ran";
  // Forward mirroring of payments resumed after what was copied back.
  world_.source.produce({"payments", 0}, 2);
  round();
  EXPECT_EQ(payments_source_end(), 17);
  EXPECT_EQ(payments_target_end(), 17);
}

TEST_F(TwoTopics, AnEngineSlowToResumeAPartitionHoldsOnlyItsOwnTopicsRollback) {
  ASSERT_TRUE(move(true, "payments"));
  ASSERT_TRUE(rounds_until([&] {
    return topic("payments") == topic_state::cut_over &&
           world_.reverse_topics() == std::set<std::string>{"payments"};
  }));
  world_.hold_replacements = true;
  ASSERT_TRUE(move(false, "payments"));
  ASSERT_TRUE(rounds_until([&] {
    return activity("topic payments") == "waiting for the mirror engine to resume partition 0";
  }));
  ASSERT_TRUE(move(true, "orders"));
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::cut_over; }));
  EXPECT_EQ(topic("payments"), topic_state::rolled_back);
  EXPECT_EQ(world_.replacements, 1) << "asked once, not every round";

  world_.hold_replacements = false;
  ASSERT_TRUE(rounds_until([&] { return topic("payments") == topic_state::mirroring; }));
  world_.source.produce({"payments", 0}, 2);
  round();
  EXPECT_EQ(payments_source_end(), 12);
  EXPECT_EQ(payments_target_end(), 12);
}

TEST_F(TwoTopics, ARollbackReplacingACutoverCancelsItsTailVerification) {
  world_.hold_task = [](const std::string& name) { return name == "vfy:L/orders"; };
  ASSERT_TRUE(move(true, "orders"));
  ASSERT_TRUE(rounds_until([&] { return contains(activity(), "verifying the newest records"); }));
  ASSERT_TRUE(move(false, "orders"));
  world_.hold_task = [](const std::string&) { return false; };
  ASSERT_TRUE(rounds_until([&] { return topic() == topic_state::mirroring; }));
  EXPECT_EQ(world_.verifications_cancelled, 1) << "its result would have counted for nothing";
  EXPECT_EQ(world_.stopped("orders", 0), store::stop_reason::none);
}

TEST_F(TwoTopics, AFailedRestartOfReverseMirroringNeitherStrandsARollbackNorStopsRetrying) {
  ASSERT_TRUE(move(true, "orders"));
  ASSERT_TRUE(move(true, "payments"));
  ASSERT_TRUE(rounds_until([&] {
    return topic() == topic_state::cut_over && topic("payments") == topic_state::cut_over &&
           world_.reverse_topics() == std::set<std::string>{"orders", "payments"};
  }));
  world_.fail_reverse_restarts = true;
  ASSERT_TRUE(move(false, "payments"));
  // Its restart without payments fails: nothing runs any more (as with
  // reverse_mirror), so payments' copy-back has ended and forward
  // mirroring resumes.
  ASSERT_TRUE(rounds_until([&] { return topic("payments") == topic_state::mirroring; }));
  EXPECT_TRUE(world_.reverse_topics().empty());
  world_.target.produce({"t.orders", 1}, 4);  // not copied back while restarts fail
  for (int i = 0; i < 4; ++i) round();
  EXPECT_EQ(source_end(1) + 4, target_end(1));
  world_.fail_reverse_restarts = false;  // tried again every round
  ASSERT_TRUE(
      rounds_until([&] { return world_.reverse_topics() == std::set<std::string>{"orders"}; }, 3));
  ASSERT_TRUE(rounds_until([&] { return source_end(1) == target_end(1); }, 2));
}

class ManyTopics : public TwoTopics {
 protected:
  void SetUp() override { with_topics({"a", "b", "c", "d"}); }
};

TEST_F(ManyTopics, TailVerificationsRunAtMostFourAtOnce) {
  static_assert(workflow::link_workflow::kTailVerificationsAtOnce == 4);
  world_.hold_task = [](const std::string& name) { return name.starts_with("vfy:"); };
  ASSERT_TRUE(
      wf_->cutover_topics({[](const std::string&) { return true; }, false, 500ms, "test", false}));
  ASSERT_TRUE(rounds_until([&] { return world_.tasks_waiting() == 4; }));
  for (int i = 0; i < 4; ++i) round();
  int waiting = 0;
  for (const auto& op : wf_->operations()) {
    if (contains(op.detail, "waiting for one of the link's 4 tail verifications")) ++waiting;
  }
  EXPECT_EQ(waiting, 1);
  EXPECT_EQ(world_.tasks_waiting(), 4u) << "no fifth while four run";
  world_.hold_task = [](const std::string&) { return false; };
  for (const char* t : {"orders", "a", "b", "c", "d"}) {
    ASSERT_TRUE(rounds_until([&] { return topic(t) == topic_state::cut_over; })) << t;
  }
}

// ---------------------------------------------------------------- groups

// The target already had 3 records on partition 0 when mirroring started,
// so source offset N is target offset N + 3 there: a translation that
// forgot the map would be seen.
class GroupMoves : public Moves {
 protected:
  void SetUp() override {
    world_.target.produce({"t.orders", 0}, 3);
    start();
    verified_with(10);
    syncing_group();
    world_.source.committed["g"] = {{"orders", 0, 6, "m"}, {"orders", 1, 10, ""}};
  }

  // A group cut over with its topic, the topic then FINALIZED with records
  // the group read on the target not copied back: a rollback of the group,
  // asked for, waits for the operator. Its operation's id.
  uint64_t rollback_past_a_finalized_topic() {
    cut_over_topic();
    world_.source.committed.erase("g");  // it never committed on the source
    EXPECT_TRUE(cutover_group());
    EXPECT_TRUE(rounds_until([&] { return group() == group_state::cut_over; }));
    EXPECT_TRUE(wf_->finalize_topics({only("orders"), false, {}, "test", false}));
    // Reverse mirroring of the topic stops (a restart, in a task).
    EXPECT_TRUE(rounds_until([&] { return world_.reverse_topics().empty(); }, 2));
    world_.target.produce({"t.orders", 0}, 5);  // not copied back
    world_.target.committed["g"] = {{"t.orders", 0, 18, ""}};
    auto started = rollback_group();
    EXPECT_TRUE(started) << started.error().message;
    const uint64_t id = started ? started->at(0).operation_id : 0;
    EXPECT_TRUE(rounds_until([&] {
      auto op = wf_->operation(id);
      return op && op->stuck == workflow::stuck_reason::topic_finalized;
    }));
    return id;
  }
};

// The same for a group's cutover and rollback: offsets written once,
// translated the same, whatever write the kill cut.
class GroupMovesCrashAtWrite : public GroupMoves, public ::testing::WithParamInterface<int> {};

TEST_P(GroupMovesCrashAtWrite, ACutoverKilledAtAnyWriteEndsTheSameAfterTheRestart) {
  cut_over_topic();
  const bool crashed = crash_at_write(
      GetParam(), [&] { (void)cutover_group(); }, [&] { return group() == group_state::cut_over; });
  EXPECT_TRUE(GetParam() < kMoveWrites || !crashed) << "a write the range does not reach";
  if (group() == group_state::syncing && !moving("group g")) {
    ASSERT_TRUE(cutover_group());  // the call's own write was cut
  }
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::cut_over; }));
  EXPECT_EQ(committed(world_.target, "t.orders", 0), 9) << "6 translated through the map";
  EXPECT_EQ(committed(world_.target, "t.orders", 1), 10);
  EXPECT_TRUE(world_.held_groups.contains("g"));
}

TEST_P(GroupMovesCrashAtWrite, ARollbackKilledAtAnyWriteEndsTheSameAfterTheRestart) {
  cut_over_topic();
  ASSERT_TRUE(cutover_group());
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::cut_over; }));
  world_.target.produce({"t.orders", 0}, 5);
  world_.target.committed["g"] = {{"t.orders", 0, 18, ""}};
  const bool crashed = crash_at_write(
      GetParam(), [&] { (void)rollback_group(); }, [&] { return group() == group_state::syncing; });
  EXPECT_TRUE(GetParam() < kMoveWrites || !crashed) << "a write the range does not reach";
  if (group() == group_state::cut_over && !moving("group g")) {
    ASSERT_TRUE(rollback_group());  // the call's own write was cut
  }
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::syncing; }));
  EXPECT_EQ(committed(world_.source, "orders", 0), 15) << "after the 5 copied back";
  EXPECT_EQ(source_end(0), 15);
}

INSTANTIATE_TEST_SUITE_P(AtWrite, GroupMovesCrashAtWrite, ::testing::Range(0, kMoveWrites + 1));

TEST_F(GroupMoves, ACutoverWaitsForTheSourceGroupToEmptyEvenWhenForced) {
  world_.source.group_states["g"] = kafka::group_state::stable;
  ASSERT_TRUE(cutover_group(/*force=*/true)) << "topics not cut over: forced";
  for (int i = 0; i < 8; ++i) round();
  EXPECT_EQ(group(), group_state::syncing) << "force never overrides source_group_empty";
  EXPECT_TRUE(contains(activity("group g"), "waiting for the source group to have no members"))
      << activity("group g");
  EXPECT_EQ(world_.target.commits, 0);
  world_.source.group_states["g"] = kafka::group_state::empty;
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::cut_over; }));
  EXPECT_EQ(committed(world_.target, "t.orders", 0), 9) << "6 translated through the map";
  EXPECT_EQ(committed(world_.target, "t.orders", 1), 10);
  EXPECT_EQ(world_.target.committed["g"][0].metadata, "m");
  EXPECT_TRUE(world_.held_groups.contains("g")) << "the syncer leaves it alone";
  // Its move record, written at the end of the round that ended it.
  auto records = workflow::load_moves(*store_, "L");
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(records->front().kind, migration::object_kind::group);
  EXPECT_EQ(records->front().name, "g");
  EXPECT_TRUE(records->front().options.force);
  EXPECT_EQ(records->front().requested_by, "test");
  EXPECT_EQ(records->front().quiet_wait_ms, 0) << "a group waits for no quiet window";
}

TEST_F(GroupMoves, ACutoverDoesNotTakeAnIncompleteListingForAnEmptyGroup) {
  cut_over_topic();
  world_.source.group_states["g"] = kafka::group_state::stable;
  world_.source.unanswered = {"g"};  // its coordinator did not answer ListGroups
  ASSERT_TRUE(cutover_group());
  for (int i = 0; i < 8; ++i) round();
  EXPECT_EQ(group(), group_state::syncing);
  EXPECT_TRUE(contains(activity("group g"), "cannot tell whether the source group has members"))
      << activity("group g");
  EXPECT_EQ(world_.target.commits, 0);
  world_.source.unanswered.clear();
  world_.source.group_states["g"] = kafka::group_state::empty;
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::cut_over; }));
}

TEST_F(GroupMoves, ACutoverWaitsForMirroringToReachWhatTheGroupCommittedEvenWhenForced) {
  world_.forward_paused = true;
  world_.source.produce({"orders", 0}, 5);
  world_.source.committed["g"] = {{"orders", 0, 12, ""}};
  ASSERT_TRUE(cutover_group(/*force=*/true));
  for (int i = 0; i < 8; ++i) round();
  EXPECT_EQ(group(), group_state::syncing) << "force never overrides none_ahead_of_mirroring";
  EXPECT_EQ(activity("group g"), "waiting: the group committed 12 on orders/0, mirrored up to 10");
  world_.forward_paused = false;
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::cut_over; }));
  EXPECT_EQ(committed(world_.target, "t.orders", 0), 15);
}

TEST_F(GroupMoves, ACutoverIsRefusedWhileItsTopicsAreNotCutOverUnlessForced) {
  world_.syncer_groups = {{"g", true, 0, 2, 0, {}}};
  store::checkpoint_store::write_batch b;  // what the syncer stored for it
  groupsync::put_group_offset(b, "g", {"L", "orders", partition_id(0)},
                              {source_offset(6), target_offset(9), 0});
  ASSERT_TRUE(store_->commit(b));
  auto refused = cutover_group();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::precondition);
  EXPECT_TRUE(contains(refused.error().message, "topics_cut_over")) << refused.error().message;
  auto forced = cutover_group(/*force=*/true);
  ASSERT_TRUE(forced) << forced.error().message;
  EXPECT_EQ(forced->at(0).forced_guards, std::vector<std::string>{"topics_cut_over"});
}

// Consumers that read on the target records producers wrote there are
// rolled back only once reverse mirroring copied those records back:
// translated earlier, their offset would be the end of what was copied, and
// they would read the rest again on the source (the demo read 182 twice).
TEST_F(GroupMoves, ARollbackWaitsUntilReverseMirroringCopiedBackWhatTheGroupCommitted) {
  cut_over_topic();
  ASSERT_TRUE(cutover_group());
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::cut_over; }));
  // On the target: producers write 5, consumers read them and commit.
  world_.reverse_paused = true;
  world_.target.produce({"t.orders", 0}, 5);
  world_.target.committed["g"] = {{"t.orders", 0, 18, ""}};
  ASSERT_TRUE(rollback_group());
  for (int i = 0; i < 8; ++i) round();
  EXPECT_EQ(group(), group_state::cut_over);
  EXPECT_EQ(activity("group g"),
            "waiting: the group committed 18 on t.orders/0, copied back up to 13");
  EXPECT_EQ(world_.source.commits, 0);
  world_.reverse_paused = false;
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::syncing; }));
  EXPECT_EQ(committed(world_.source, "orders", 0), 15) << "after the 5 copied back, not 10";
  EXPECT_EQ(source_end(0), 15);
}

TEST_F(GroupMoves, ARollbackIsRefusedWhenATopicItReadsIsFinalized) {
  cut_over_topic();
  ASSERT_TRUE(cutover_group());
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::cut_over; }));
  ASSERT_TRUE(wf_->finalize_topics({only("orders"), false, {}, "test", false}));
  auto refused = rollback_group();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::precondition);
  EXPECT_TRUE(
      contains(refused.error().message, "group g: it reads topic orders, which is FINALIZED"))
      << refused.error().message;
  EXPECT_EQ(group(), group_state::cut_over);
}

// A group's operation is stored at the call, before its first transition:
// a restart while it waits for the members resumes it under its id (it was
// dropped, and the group went back to periodic sync).
TEST_F(GroupMoves, ACutoverWaitingForMembersAndARollbackResumeAfterACrashUnderTheirIds) {
  cut_over_topic();
  world_.source.group_states["g"] = kafka::group_state::stable;
  auto started = cutover_group();
  ASSERT_TRUE(started);
  const uint64_t id = started->at(0).operation_id;
  for (int i = 0; i < 4; ++i) round();
  ASSERT_EQ(group(), group_state::syncing);
  crash_and_restart();
  auto resumed = wf_->operation(id);
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_TRUE(world_.held_groups.contains("g")) << "periodic sync still leaves it alone";
  world_.source.group_states["g"] = kafka::group_state::empty;
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::cut_over; }));
  EXPECT_EQ(committed(world_.target, "t.orders", 0), 9);

  world_.target.group_states["g"] = kafka::group_state::stable;
  auto back = rollback_group();
  ASSERT_TRUE(back);
  const uint64_t rid = back->at(0).operation_id;
  for (int i = 0; i < 4; ++i) round();
  crash_and_restart();
  ASSERT_TRUE(wf_->operation(rid)) << "the rollback resumed";
  world_.target.group_states["g"] = kafka::group_state::empty;
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::syncing; }));
  EXPECT_EQ(committed(world_.source, "orders", 0), 6);
  crash_and_restart();
  EXPECT_TRUE(wf_->operations().empty()) << "nothing left to resume";
}

TEST_F(GroupMoves, ACancelledCutoverIsNotResumed) {
  world_.source.group_states["g"] = kafka::group_state::stable;
  ASSERT_TRUE(cutover_group(/*force=*/true));
  auto cancelled = rollback_group();
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->at(0).action, "cutover cancelled; the group stays on the source");
  crash_and_restart();
  EXPECT_TRUE(wf_->operations().empty());
  EXPECT_FALSE(world_.held_groups.contains("g"));
}

// The call refuses a group that the syncer saw read a FINALIZED topic; one
// that read it only on the target (nothing stored) is found by the
// operation, which then waits for the operator instead of for ever; a
// finalize of the group then ends it.
TEST_F(GroupMoves, ARollbackPastWhatAFinalizedTopicCopiedBackWaitsForTheOperator) {
  const uint64_t id = rollback_past_a_finalized_topic();
  ASSERT_FALSE(HasFailure());
  EXPECT_TRUE(contains(wf_->operation(id)->detail, "topic orders is FINALIZED"));
  EXPECT_EQ(world_.source.commits, 0);
  auto finalized = wf_->finalize_groups({only("g"), false, {}, "test", false});
  ASSERT_TRUE(finalized) << finalized.error().message;
  EXPECT_EQ(group(), group_state::finalized);
  EXPECT_EQ(wf_->operation(id)->phase, workflow::op_phase::cancelled);
  auto again = wf_->finalize_groups({only("g"), false, {}, "test", false});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->at(0).action, "already finalized");
  auto topic_again = wf_->finalize_topics({only("orders"), false, {}, "test", false});
  ASSERT_TRUE(topic_again) << topic_again.error().message;
  EXPECT_EQ(topic_again->at(0).action, "already finalized");
}

TEST_F(GroupMoves, ARollbackWaitingForTheOperatorStillWaitsAfterARestart) {
  const uint64_t id = rollback_past_a_finalized_topic();
  ASSERT_FALSE(HasFailure());
  crash_and_restart();
  auto resumed = wf_->operation(id);
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(resumed->stuck, workflow::stuck_reason::topic_finalized);
  EXPECT_TRUE(contains(resumed->detail, "start its consumers on the target")) << resumed->detail;
  for (int i = 0; i < 8; ++i) round();
  EXPECT_EQ(group(), group_state::cut_over);
  EXPECT_EQ(world_.source.commits, 0);
}

// A cutover in CUTTING_OVER whose offsets cannot be written (the target
// group has members) can be cancelled: it was stranded there.
TEST_F(GroupMoves, ACutoverInCuttingOverIsCancelledByARollback) {
  cut_over_topic();
  world_.target.group_states["g"] = kafka::group_state::stable;
  ASSERT_TRUE(cutover_group());
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::cutting_over; }));
  for (int i = 0; i < 4; ++i) round();
  EXPECT_EQ(group(), group_state::cutting_over);
  EXPECT_TRUE(contains(activity("group g"), "the target group has members")) << activity("group g");
  auto cancelled = rollback_group();
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->at(0).action, "cutover cancelled; the group stays on the source");
  EXPECT_EQ(group(), group_state::syncing);
  EXPECT_FALSE(world_.held_groups.contains("g")) << "periodic sync resumes";
  crash_and_restart();
  EXPECT_EQ(group(), group_state::syncing);
  EXPECT_TRUE(wf_->operations().empty());
}

TEST_F(GroupMoves, ACutoverResumedAfterACrashInCuttingOverEnds) {
  cut_over_topic();
  world_.target.reachable = false;  // the offsets cannot be written
  ASSERT_TRUE(cutover_group());
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::cutting_over; }));
  crash_and_restart();
  EXPECT_EQ(group(), group_state::cutting_over);
  EXPECT_TRUE(world_.held_groups.contains("g")) << "held again at the start";
  world_.target.reachable = true;
  ASSERT_TRUE(rounds_until([&] { return group() == group_state::cut_over; }));
  EXPECT_EQ(committed(world_.target, "t.orders", 0), 9);
}

}  // namespace
}  // namespace strait
