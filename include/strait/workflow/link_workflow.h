#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "strait/base/periodic_thread.h"
#include "strait/config/config.h"
#include "strait/groupsync/group_syncer.h"
#include "strait/migration/state_machine.h"
#include "strait/mirror/link_engine.h"
#include "strait/mirror/link_supervisor.h"
#include "strait/store/checkpoint_store.h"

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
// Threads: its own (periodic_thread); topics()/groups() are thread-safe.
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
  void request_stop() { thread_.request_stop(); }
  void stop() { thread_.stop(); }

  [[nodiscard]] std::map<std::string, migration::topic_state> topics() const;
  [[nodiscard]] std::map<std::string, migration::group_state> groups() const;

 private:
  std::chrono::steady_clock::duration round_and_wait();
  void observe();

  config::link_config cfg_;
  store::checkpoint_store& store_;
  const mirror::link_engine& engine_;
  const mirror::link_supervisor& supervisor_;
  const groupsync::group_syncer* syncer_;
  mutable std::mutex mu_;  // guards the two maps (written by the thread, read by the API)
  std::map<std::string, migration::topic_state> topics_;
  std::map<std::string, migration::group_state> groups_;
  periodic_thread thread_;  // last: stopped before the members it uses go
};

}  // namespace strait::workflow
