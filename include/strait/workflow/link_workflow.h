#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "strait/base/backoff.h"
#include "strait/base/clock.h"
#include "strait/base/periodic_thread.h"
#include "strait/base/task_threads.h"
#include "strait/config/config.h"
#include "strait/migration/operation.h"
#include "strait/migration/state_machine.h"
#include "strait/offsets/run_list.h"
#include "strait/store/checkpoint_store.h"
#include "strait/verify/verifier.h"
#include "strait/workflow/grant_records.h"
#include "strait/workflow/move_records.h"
#include "strait/workflow/ports.h"
#include "strait/workflow/state_table.h"

namespace strait::workflow {

// The migration state of one link's topics and groups (docs/state-machine.md).
// Loaded from the checkpoint store at start; once a second advanced by what
// the daemon observes (migration::observed_event: mirroring started, caught
// up, fell behind, group offsets synced); every change persisted and logged.
//
// Operator transitions (docs/cutover.md): cutover_topics / rollback_topics /
// finalize_topics and the same for groups check state and guards at the
// call and either fail, changing nothing, or store the operation (with a
// topic's first transition; a group's come in its steps), whose id each
// change names, and leave the rest to it: the thread advances it every 250 ms
// (drain and hand over, reverse mirroring, read-backs). Every step is
// idempotent and derived from stored state, so after a crash the thread
// resumes each stored operation (topics DRAINING or ROLLED_BACK, groups
// CUTTING_OVER, or SYNCING / CUT_OVER with one stored) under its id, with
// the options the operator gave (migration/operation.h).
//
// A topic selected for the first time enters STAGED and moves to MIRRORING
// once the engine runs all its partitions; a group the syncer reports for the
// first time enters TRACKED. States
// of topics and groups no longer selected stay in the store.
//
// Verification (docs/verification.md): start_verify() runs a verify::verifier
// on a thread of its own, one at a time per link; the report is stored when
// it starts, as it progresses (about once a second) and when it ends. A
// finished report moves each compared topic: verify_passed or verify_failed
// where its state allows it. A report still RUNNING in the store at start()
// was cut short by a stop or crash and is marked INTERRUPTED.
//
// What it asks of mirroring, the clusters, the group syncer, verification
// and the clock goes through `ports` (ports.h): straitd_ports in straitd,
// fakes in the unit tests.
//
// Threads: its own (periodic_thread), the verification's, and the tasks of
// the operations' long calls (a tail verification, a restart of reverse
// mirroring; ports.h's task_port, ADR 0019), whose results later rounds
// read, so one move never holds the others; every public method is
// thread-safe.
class link_workflow {
 public:
  static constexpr size_t kEndedOperationsKept = 256;
  // Tail verifications of a link at once (ADR 0019); a cutover past them
  // waits (each opens admin clients and readers on both clusters).
  static constexpr size_t kTailVerificationsAtOnce = 4;
  // `store` must outlive this.
  link_workflow(const config::link_config& cfg, store::checkpoint_store& store, ports p);
  ~link_workflow();
  link_workflow(const link_workflow&) = delete;
  link_workflow& operator=(const link_workflow&) = delete;

  // Loads the states and resumes the operations they imply; then, with
  // `own_thread`, starts the thread that runs a round (run_round) after
  // next_round_in (50 ms, 250 ms or 1 s). Without it the caller runs the
  // rounds (the unit tests, which step a fake clock).
  [[nodiscard]] status start(bool own_thread = true);
  // One round: observe, then advance each operation by one step.
  void run_round();
  // Asks the thread and a running verification to end; returns at once.
  void request_stop();
  // request_stop(), waits for the workflow's thread and verification, then
  // asks reverse mirroring to drain for at most `drain`, without waiting for
  // it or for a task (a restart of reverse mirroring may be draining), so
  // that straitd's links drain at once, reverse engines included; stop()
  // waits for the tasks and the drain.
  void begin_stop(std::chrono::milliseconds drain);
  void stop();

  [[nodiscard]] std::map<std::string, migration::topic_state> topics() const;
  // The ACL bindings the link's cutovers made and still own (a source fence,
  // a target grant), by topic: what status shows. A snapshot of the records
  // (read at start() and again after a round that changed them), not a read
  // of the store per call: straitctl follows a move with a status call
  // every 200 ms.
  [[nodiscard]] result<std::vector<recorded_grant>> acl_changes() const {
    std::lock_guard lock(mu_);
    return acl_records_;
  }
  // Drift of those bindings, by topic (find_acl_drift, acl_drift.h), as
  // the last check found it, and why a topic's could not be compared:
  // every topics.refresh_interval, at least kAclDriftEvery apart (from a
  // check's end; kAclDriftRetry after a failed read), in a round with no
  // cutover or rollback under way, for the topics with records that are
  // DRAINING, CUT_OVER or ROLLED_BACK.
  [[nodiscard]] std::map<std::string, std::vector<std::string>> acl_drift() const {
    std::lock_guard lock(mu_);
    return acl_drift_;
  }
  [[nodiscard]] std::map<std::string, migration::group_state> groups() const;
  // The groups group sync leaves alone: a consumer cutover made the target
  // primary (CUTTING_OVER, CUT_OVER, FINALIZED) or one is in flight.
  [[nodiscard]] std::set<std::string> held_groups() const;

  // An operator's request to move topics or groups (cutover, rollback,
  // finalize).
  struct move_options {
    std::function<bool(const std::string&)> selected;  // topic or group names
    bool force = false;  // override the overridable guards (audited by the caller)
    std::chrono::milliseconds quiet_window = kDefaultQuietWindow;  // the watched cluster unchanged
    std::string requested_by;
    bool dry_run = false;  // check and report; change nothing
  };
  // What a move did, or would do (dry run), to one topic or group.
  struct change {
    std::string name;
    migration::any_state state_before;
    migration::any_state state;  // after the call (the operation may move it further)
    std::string action;          // in words: "draining started", "would drain", ...
    std::vector<std::string> forced_guards;
    // The operation that carries the move on (started, or already running
    // with its own options); 0 when none does (done at the call, dry run,
    // a cancelled group cutover).
    uint64_t operation_id = 0;
    // What the call does to the object; `action` says it in words.
    enum class effect : uint8_t {
      starts,   // a transition or an operation (or both)
      nothing,  // already there, or already on its way
      cancels,  // ends the running operation (a group cutover not started yet)
    } does = effect::starts;
  };
  // Each fails with errc::precondition, changing nothing, when a selected
  // object's state does not allow the move or (cutover) a guard fails; the
  // message names every refused object and why; errc::not_found when
  // nothing is selected. Topics: the link's topics with a state;
  // groups: those with a state (the syncer has seen them).
  [[nodiscard]] result<std::vector<change>> cutover_topics(const move_options& o);
  [[nodiscard]] result<std::vector<change>> rollback_topics(const move_options& o);
  [[nodiscard]] result<std::vector<change>> finalize_topics(const move_options& o);
  [[nodiscard]] result<std::vector<change>> cutover_groups(const move_options& o);
  [[nodiscard]] result<std::vector<change>> rollback_groups(const move_options& o);
  [[nodiscard]] result<std::vector<change>> finalize_groups(const move_options& o);
  // Operation `id`: running, or among the newest kEndedOperationsKept that
  // ended since the link started (straitd's start, or the link's resume);
  // errc::not_found otherwise.
  [[nodiscard]] result<operation_status> operation(uint64_t id) const;
  // The running operations, then those that ended (newest last).
  [[nodiscard]] std::vector<operation_status> operations() const { return operations(true); }
  // The running ones only (what status shows, without copying the ended).
  [[nodiscard]] std::vector<operation_status> running_operations() const {
    return operations(false);
  }
  // Partitions reverse mirroring runs (for status).
  [[nodiscard]] std::vector<mirror::partition_snapshot> reverse_snapshot() const {
    return ports_.reverse->snapshot();
  }

  // Starts a verification of the selected topics (those the supervisor
  // mirrors) and groups (those on the source the syncer follows) and returns
  // its report as it starts (RUNNING); with dry_run, the plan (id 0).
  // errc::precondition when one is running on the link, or nothing matched.
  [[nodiscard]] result<verify::report> start_verify(const verify::selection& o);
  // Report `id`, or the newest with id 0; errc::not_found when there is none.
  [[nodiscard]] result<verify::report> verify_report(uint64_t id) const;
  // The newest `limit` reports, oldest first.
  [[nodiscard]] result<std::vector<verify::report>> verify_reports(size_t limit) const;

  // How long the thread waits after a round: 50 ms while a hand-over's
  // checkpoints are awaited or for a second after the engine was asked to
  // resume partitions, 250 ms while an operation runs, 1 s otherwise.
  // The thread's (start); public for the unit tests, which run the rounds.
  [[nodiscard]] std::chrono::milliseconds next_round_in() const;

 private:
  void observe();
  void run_verify(verify::request req, verify::report r);
  // Runs a verification into `r` (ports.verify), concludes it (INTERRUPTED
  // with its error, else PASSED or FAILED) and stores it.
  void run_report(const verify::request& req, verify::report& r,
                  const std::function<void(const verify::report&)>& progress,
                  const std::atomic<bool>& cancel);
  // Posts `fn` as a task (ports.tasks) whose value goes into `into`, then
  // wakes the thread, whose next round reads it.
  template <typename T, typename Fn>
  void run_task(std::string name, std::shared_ptr<task_result<T>> into, Fn fn) {
    auto result = into;
    if (!ports_.tasks->post(std::move(name),
                            [this, into = std::move(into), fn = std::move(fn)]() mutable {
                              into->set(fn());
                              thread_.wake();
                            })) {
      result->set(T(fail(errc::busy, "the link is stopping")));
    }
  }
  // Gives `r` the link's next report id and stores it (RUNNING); mu_ held,
  // so two verifications never take the same id (each is stored at once).
  [[nodiscard]] result<uint64_t> begin_report(verify::report& r);
  void store_report(const verify::report& r);
  void conclude_verify(const verify::report& r);

  // A cutover's tail verification, running in a task (ADR 0019): its
  // result once it ended, its own cancel flag (set when the result would no
  // longer count: the source moved, the operation was replaced, the link
  // stops), and the source's end offsets it set out to cover (the
  // workflow's thread only).
  struct tail_check {
    task_result<result<verify::report>> done;
    std::atomic<bool> cancel{false};
    std::map<int32_t, int64_t> ends;
  };

  // A forward partition the engine was asked to resume at `at`, and its
  // answer (link_engine::replace_partition).
  struct resumption {
    int32_t partition = 0;
    offsets::mirror_position at;
    std::shared_future<strait::status> answer;
  };
  // An operation's requests to the engine to resume forward mirroring
  // (resume_forward), with their answers to come: the rounds look at them
  // (resumed) and never wait, so an engine slow to answer holds only this
  // operation. Rounds come every 50 ms for the first second after `since`,
  // then every 250 ms. Moved as a unit: an operation replacing another
  // takes over the requests it made.
  struct pending_resumptions {
    std::vector<resumption> asked;
    std::chrono::steady_clock::time_point since{};  // when `asked` stopped being empty
    bool late_logged = false;                       // the engine's silence or refusals were logged
  };

  // Operations (cutover.cc). `status` is what the API shows of one (its id
  // and options are stored with the object's state, migration/operation.h); the rest
  // is the thread's progress, rebuilt after a restart.
  struct topic_op {
    operation_status status;
    std::map<int32_t, int64_t> last_high;  // the watched cluster's ends, to see them still
    std::chrono::steady_clock::time_point quiet_since{};
    uint64_t generation = 0;   // a newer request for the object replaces the op
    bool tail_passed = false;  // cutover: the tail re-verification passed
    // Cutover: its tail verification, running or ended (null when none).
    std::shared_ptr<tail_check> tail;
    // Rollback: everything is copied back; reverse mirroring of the topic
    // is to end (reconcile_reverse_mirroring) before forward mirroring
    // resumes.
    bool copied_back = false;
    // Rollback: the ACL bindings the topic's cutover granted are removed
    // (release_grants).
    bool grants_released = false;
    // Cutover: the source fence is in place (fence_source).
    bool fenced = false;
    // Cutover: partitions stopped for the hand-over, their checkpoints not
    // all written at the last round (the next comes after 50 ms).
    bool awaiting_checkpoints = false;
    pending_resumptions resumptions;
    bool stuck_stored = false;  // status.stuck is in the store (store_if_stuck)
    // count_quiet_wait: when the current wait for a quiet window began
    // (epoch: not waiting), and the waits that ended before it.
    std::chrono::steady_clock::time_point quiet_wait_began{};
    int64_t quiet_waited_before_ms = 0;
  };
  struct group_op {
    operation_status status;
    uint64_t generation = 0;
    bool stuck_stored = false;
  };
  // A new topic_op or group_op with the link's next generation and, unless
  // `options` has one (a resumed operation), a new id (mu_ held).
  template <typename Op>
  [[nodiscard]] Op new_op(bool on_group, const std::string& name, operation_options options,
                          std::string detail) {
    Op op;
    if (options.id == 0) options.id = next_operation_id();
    last_operation_id_ = std::max(last_operation_id_, options.id);
    op.status = {options.id,        on_group,           name,
                 options,           op_phase::starting, stuck_reason::none,
                 std::move(detail), wall_clock_ms(),    0};
    op.generation = ++generation_;
    return op;
  }
  // Unique in the link across restarts: above every id this process gave
  // and the wall clock in µs (mu_ held).
  [[nodiscard]] uint64_t next_operation_id();
  // Keeps an ended operation for operation() (mu_ held); the newest
  // kEndedOperationsKept.
  void finished(operation_status s, op_phase how);
  // Queues its move record (move_records.h) for flush_move_records (mu_
  // held): the store is written outside mu_, once a round for all.
  void record_move(const operation_status& s);
  // Writes the queued move records with the link's cluster ids and
  // definition digest, in one batch; a failed write is logged (mu_ not
  // held). At the end of each round and when the thread has stopped.
  void flush_move_records();
  // After a step of `op` that began at `step_began`: status.quiet_wait_ms
  // counts the time spent in waiting_for_quiet, to the end of the step that
  // left it.
  void count_quiet_wait(topic_op& op, std::chrono::steady_clock::time_point step_began);
  // Stores that `op` waits for the operator, if it does, so that a restart
  // keeps it waiting; true once stored (mu_ held).
  [[nodiscard]] bool store_if_stuck(migration::object_kind kind, const std::string& name,
                                    operation_status& op);
  // Whether `op` is still the operation of its object: a request made while
  // its step ran (a rollback cancelling a cutover) replaced it (mu_ held).
  template <typename Op>
  [[nodiscard]] static bool is_current(const std::map<std::string, Op>& ops,
                                       const std::string& name, const Op& op) {
    auto it = ops.find(name);
    return it != ops.end() && it->second.generation == op.generation;
  }
  // Starts an operation on topic c.name with a new id: its transition `e`
  // (or, when the state stays, the options alone) stored with `options`; it
  // replaces (cancels) one running on the topic. Sets c.operation_id (mu_
  // held). `requested_by`: the caller, for status and the move record.
  [[nodiscard]] status start_topic_op(change& c, migration::topic_event e,
                                      const migration::topic_guards& g, operation_options options,
                                      const std::string& requested_by);
  // Makes `options` (stored, with its id) the operation of c.name in `ops`,
  // cancelling the one it replaces; sets c.operation_id (mu_ held).
  template <typename Op>
  void replace_op(std::map<std::string, Op>& ops, bool on_group, change& c,
                  const operation_options& options, const std::string& requested_by);
  // The same for a group, whose transition comes later (in its operation's
  // steps): the options are stored alone, with the state as it is, so a
  // restart resumes the operation under its id.
  [[nodiscard]] status start_group_op(change& c, operation_options options,
                                      const std::string& requested_by);
  [[nodiscard]] status connect_admins();
  [[nodiscard]] std::vector<operation_status> operations(bool with_ended) const;
  // One round of the operations: each steps (step_operations, on copies
  // merged back unless a request replaced the operation meanwhile), then
  // reverse mirroring follows the states (reconcile_reverse_mirroring).
  void advance_operations();
  // The gauges of the link's migration: states, operations, verification
  // (docs/architecture.md#metrics); looked at once a round, written when
  // they changed.
  void publish_metrics();
  void step_operations(std::map<std::string, topic_op>& tops,
                       std::map<std::string, group_op>& gops);
  void step_topic_cutover(const std::string& topic, topic_op& op);
  void step_topic_rollback(const std::string& topic, topic_op& op);
  // ACL changes of a producer cutover and a rollback (ADR 0023,
  // docs/cutover.md#acl-grants and #the-source-fence): each returns true once
  // done; otherwise op's detail says why (a refusal makes op stuck), and the
  // next round tries again.
  // grant_writes: the topic's producers' rights on the target (the plan's
  // DENYs that reach it first, then its LITERAL at_cutover bindings,
  // recorded); release_grants: deletes what grant_writes recorded.
  [[nodiscard]] bool grant_writes(const std::string& topic, topic_op& op);
  [[nodiscard]] bool release_grants(const std::string& topic, topic_op& op);
  // fence_source: DENY WRITE on the source topic for each of its other
  // writers (policy::plan_fence; refused unless forced), recorded, then,
  // with `check_write` (not once the hand-over began: a stop then would
  // leave some partitions handed over), a check that strait's own source
  // credential may still write it;
  // lift_fence: deletes what fence_source recorded.
  [[nodiscard]] bool fence_source(const std::string& topic, bool check_write, topic_op& op);
  [[nodiscard]] bool lift_fence(const std::string& topic, topic_op& op);
  // A rollback's first step: lifts the fence at once when reverse mirroring
  // of the topic was never seeded or strait may not write the source topic;
  // false (op's detail says why) while that cannot be told.
  [[nodiscard]] bool lift_fence_early(const std::string& topic, int partitions, topic_op& op);
  // Whether strait's own source credential may still write the topic
  // (reverse mirroring does); if not, lifts the fence and makes op stuck
  // (fence_refused).
  [[nodiscard]] bool fence_spares_strait(const std::string& topic, topic_op& op);
  // Whether that credential may write the topic now (an error, its message
  // for the operation's detail, when it cannot be told).
  [[nodiscard]] result<bool> source_writable(const std::string& topic);
  // Reads the link's ACL records into acl_records_ (the workflow's thread,
  // or start()).
  void refresh_acl_records();
  // Compares the records with the clusters (acl_drift()); a round's last
  // step, at most every kAclDriftEvery (each read is a DescribeAcls of a
  // whole cluster, on the workflow's thread).
  void check_acl_drift();
  static constexpr std::chrono::seconds kAclDriftEvery{10};
  static constexpr std::chrono::seconds kAclDriftRetry{60};
  // op's count of `kind` (operation_status::acl_grants or acl_fences).
  [[nodiscard]] static int& acl_count(topic_op& op, acl_change kind);
  // Records each of `bindings` the topic has no `kind` record of (op's
  // count: the topic's records of `kind` then), then creates each on
  // `cluster` with `writer` (`side`: "target" or "source", for messages).
  [[nodiscard]] bool create_recorded(const std::string& topic, acl_change kind,
                                     const std::string& cluster,
                                     const std::vector<kafka::acl_binding>& bindings,
                                     acl_writer& writer, const std::string& side, topic_op& op);
  // Deletes each binding of `kind` recorded for the topic, then its record
  // (one made on a cluster the credential no longer reaches: logged, its
  // record erased); op's count: a rollback's, those deleted, a cutover's,
  // those it still owns. Without `writer` (the link's section was removed)
  // the records and bindings stay, logged.
  [[nodiscard]] bool delete_recorded(const std::string& topic, acl_change kind, acl_writer* writer,
                                     const std::string& side, topic_op& op);
  void step_group_cutover(const std::string& group, group_op& op);
  void step_group_rollback(const std::string& group, group_op& op);
  // table_.apply (mu_ held by the caller); for a group, the syncer's held
  // set follows its new state.
  [[nodiscard]] status apply(const std::string& topic, migration::topic_event e,
                             const migration::topic_guards& g,
                             const operation_options* starts = nullptr);
  [[nodiscard]] status apply(const std::string& group, migration::group_event e,
                             const migration::group_guards& g,
                             const operation_options* starts = nullptr);
  // The topics reverse mirroring should run for: CUT_OVER ones, and
  // ROLLED_BACK ones it may still copy back (copying_back).
  [[nodiscard]] std::set<std::string> reverse_topics() const;
  // A ROLLED_BACK topic whose records reverse mirroring may still copy back
  // (every forward partition handed over, reverse mirroring seeded); false
  // too when that cannot be told (copy_back_known).
  [[nodiscard]] bool copying_back(const std::string& topic) const;
  // The same, an error when it cannot be told: the topic's partitions are
  // not known yet (right after a start) or a checkpoint cannot be read.
  [[nodiscard]] result<bool> copy_back_known(const std::string& topic) const;
  // Whether the engine runs every partition of the topic (not yet, right
  // after a start: op's detail says so).
  [[nodiscard]] bool partitions_running(const std::string& topic, int partitions,
                                        topic_op& op) const;
  // Asks the engine to restart forward mirroring of a partition stopped for
  // its hand-over at `pos`; its answer joins op.resumptions. A request made
  // while none is pending starts op.resumptions' clock; ask_to_resume asks
  // without that (a refused request asked again keeps its clock).
  [[nodiscard]] status resume_forward(const std::string& topic, int32_t partition,
                                      const offsets::mirror_position& pos, topic_op& op);
  [[nodiscard]] status ask_to_resume(const std::string& topic, int32_t partition,
                                     const offsets::mirror_position& pos, topic_op& op);
  // Whether the engine resumed every partition `op` asked it to (true when
  // none, or when a refused one runs by now). False while an answer is
  // missing (op's detail says which), or when the engine refused one that
  // is still stopped for its hand-over: then it is asked again at once, at
  // the same position, and op's detail says why it was refused. Either for
  // kEngineAnswerLate: logged once, and said in the detail. A refused one
  // stopped for an incident meanwhile makes `op` wait for the operator
  // (stuck_reason::partition_stopped).
  [[nodiscard]] bool resumed(const std::string& topic, topic_op& op);
  static constexpr std::chrono::seconds kEngineAnswerLate{30};
  void hold_groups();
  [[nodiscard]] std::set<std::string> held_locked() const;  // held_groups() under mu_
  // Exact map of a partition in both directions (forward and reverse runs).
  [[nodiscard]] result<offsets::run_list> merged_map(const std::string& topic,
                                                     int32_t partition) const;
  [[nodiscard]] int partitions_of(const std::string& topic) const;
  // Starts verifying the newest records of `topic` (cutover), whose source
  // ends at `ends`, in a task; the report is stored (RUNNING now, concluded
  // when the task ends). Null when kTailVerificationsAtOnce run already;
  // one already ended with the error when the report cannot be stored.
  [[nodiscard]] std::shared_ptr<tail_check> start_tail_verification(
      const std::string& topic, const std::map<int32_t, int64_t>& ends);
  // Makes reverse mirroring run for reverse_topics() but the topics whose
  // rollback copied everything back: one restart at a time, in a task; the
  // next round looks at how it ended (the workflow's thread).
  void reconcile_reverse_mirroring();
  // Takes the result of the restart under way once it ended (at the start
  // of a round too, so a rollback waiting for it sees it that round).
  void take_reverse_restart();
  // Whether reverse mirroring runs without `topic` (its partitions drained
  // and checkpointed) and no restart under way brings it back.
  [[nodiscard]] bool reverse_stopped_for(const std::string& topic) const;
  // "; the last restart of reverse mirroring failed: ..." for an
  // operation's detail, empty when it did not fail.
  [[nodiscard]] std::string reverse_failure() const;

  config::link_config cfg_;
  store::checkpoint_store& store_;
  ports ports_;
  std::unique_ptr<cluster_port> source_admin_, target_admin_;  // the thread's
  // A read of ACLs for the round's cutovers (the thread's): made once a
  // round for every topic that needs it, and after a failure at most once
  // per kAclRetry.
  static constexpr std::chrono::seconds kAclRetry{5};
  template <typename T>
  struct acl_read {
    std::optional<result<T>> value;
    std::chrono::steady_clock::time_point read_at{};
    const result<T>& get(const std::function<result<T>()>& read,
                         std::chrono::steady_clock::time_point now);
    void reset();  // at each round: a success is read again, a failure kept until kAclRetry
  };
  acl_read<acl_grant_plan> acl_plan_;  // the link's ACL plan (grant_writes)
  acl_read<cluster_acls> fence_read_;  // the source's ACLs (fence_source)
  // Reverse mirroring (the thread's): the restart under way (its topics and
  // result), the topics it runs for (none at start, and none after a
  // restart failed: reverse_mirror::run_for stops the old engine first),
  // and why the last restart failed (empty when it did not).
  struct reverse_restart {
    std::set<std::string> topics;
    std::shared_ptr<task_result<status>> done;
  };
  std::optional<reverse_restart> reverse_restart_;
  std::set<std::string> reverse_running_;
  std::string reverse_error_;
  // After a failed restart, the next waits: 1 s, doubling up to 30 s.
  backoff reverse_backoff_{std::chrono::seconds(1), std::chrono::seconds(30)};
  std::chrono::steady_clock::time_point reverse_retry_at_{};
  mutable std::mutex mu_;  // guards the table and the operations (the thread's and the API's)
  state_table table_;
  std::map<std::string, topic_op> topic_ops_;  // guarded by mu_
  std::map<std::string, group_op> group_ops_;  // guarded by mu_
  uint64_t generation_ = 0;                    // guarded by mu_
  uint64_t last_operation_id_ = 0;             // guarded by mu_
  std::deque<operation_status> finished_;      // guarded by mu_; oldest first
  std::vector<move_record> pending_moves_;     // mu_; flush_move_records writes them
  // What acl_changes() returns (mu_), and whether a round changed the
  // records since it was read (the workflow's thread only).
  result<std::vector<recorded_grant>> acl_records_ = std::vector<recorded_grant>{};
  bool acl_records_changed_ = false;
  std::map<std::string, std::vector<std::string>> acl_drift_;  // mu_
  // The thread's: when the next check is due, and the lines logged (by
  // topic) while their topics stay held.
  std::chrono::steady_clock::time_point acl_drift_due_{};
  std::set<std::pair<std::string, std::string>> acl_drift_logged_;
  // What publish_metrics last wrote (the thread's; none before the first).
  struct migration_counts {
    std::map<migration::topic_state, int> topics;
    std::map<migration::group_state, int> groups;
    std::map<std::pair<bool, migration::op_kind>, int> running;  // (on a group, kind)
    int waiting = 0;
    bool verifying = false;
    bool operator==(const migration_counts&) const = default;
  };
  std::optional<migration_counts> published_;
  std::vector<std::shared_ptr<tail_check>> tails_;  // running tail verifications; mu_
  // The running verification: its report (guarded by mu_) and thread.
  std::optional<verify::report> verifying_;
  std::atomic<bool> cancel_verify_{false};
  std::thread verify_thread_;
  periodic_thread thread_;  // last: stopped before the members it uses go
};

}  // namespace strait::workflow
