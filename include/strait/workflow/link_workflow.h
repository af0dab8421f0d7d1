#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "strait/base/periodic_thread.h"
#include "strait/config/config.h"
#include "strait/groupsync/group_syncer.h"
#include "strait/migration/state_machine.h"
#include "strait/mirror/link_engine.h"
#include "strait/mirror/link_supervisor.h"
#include "strait/store/checkpoint_store.h"
#include "strait/verify/verifier.h"

namespace strait::workflow {

// The migration state of one link's topics and groups (docs/state-machine.md).
// Loaded from the checkpoint store at start; once a second advanced by what
// the daemon observes (migration::observed_event: mirroring started, caught
// up, fell behind, group offsets synced); every change persisted and logged.
// The operator's transitions (stage, verify, cutover, rollback, finalize)
// will go through here too.
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
// Threads: its own (periodic_thread) and the verification's; every public
// method is thread-safe.
class link_workflow {
 public:
  // `syncer` may be null (no group sync on the link). All must outlive this.
  link_workflow(const config::link_config& cfg, store::checkpoint_store& store,
                const mirror::link_engine& engine, const mirror::link_supervisor& supervisor,
                const groupsync::group_syncer* syncer);
  ~link_workflow();
  link_workflow(const link_workflow&) = delete;
  link_workflow& operator=(const link_workflow&) = delete;

  [[nodiscard]] status start();
  // Asks the thread and a running verification to end; returns at once.
  void request_stop();
  void stop();

  [[nodiscard]] std::map<std::string, migration::topic_state> topics() const;
  [[nodiscard]] std::map<std::string, migration::group_state> groups() const;

  // Starts a verification of the selected topics (those the supervisor
  // mirrors) and groups (those on the source the syncer follows) and returns
  // its report as it starts (RUNNING); with dry_run, the plan (id 0).
  // errc::precondition when one is running on the link, or nothing matched.
  [[nodiscard]] result<verify::report> start_verify(const verify::selection& o);
  // Report `id`, or the newest with id 0; errc::not_found when there is none.
  [[nodiscard]] result<verify::report> verify_report(uint64_t id) const;
  // The newest `limit` reports, oldest first.
  [[nodiscard]] result<std::vector<verify::report>> verify_reports(size_t limit) const;

 private:
  std::chrono::steady_clock::duration round_and_wait();
  void observe();
  void run_verify(verify::request req, verify::report r);
  void store_report(const verify::report& r);
  void conclude_verify(const verify::report& r);

  config::link_config cfg_;
  store::checkpoint_store& store_;
  const mirror::link_engine& engine_;
  const mirror::link_supervisor& supervisor_;
  const groupsync::group_syncer* syncer_;
  mutable std::mutex mu_;  // guards the two maps (written by the thread, read by the API)
  std::map<std::string, migration::topic_state> topics_;
  std::map<std::string, migration::group_state> groups_;
  // The running verification: its report (guarded by mu_) and thread.
  std::optional<verify::report> verifying_;
  std::atomic<bool> cancel_verify_{false};
  std::thread verify_thread_;
  periodic_thread thread_;  // last: stopped before the members it uses go
};

}  // namespace strait::workflow
