#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/migration/observe.h"
#include "strait/migration/operation.h"
#include "strait/migration/state_machine.h"
#include "strait/store/checkpoint_store.h"

namespace strait::workflow {

// The operations' vocabulary is the migration's (migration/operation.h),
// which the API shares.
using migration::kDefaultQuietWindow;
using migration::op_kind;
using migration::op_phase;
using migration::operation_options;
using migration::operation_status;
using migration::stuck_reason;

// The migration states of one link's topics and groups
// (docs/state-machine.md) with the options of the operations they run, as
// the checkpoint store keeps them ('M' records). The only writer of those
// records. Every change is checked by migration::transition, written, and
// only then made in memory and logged: what a reader sees was durable first,
// and a write that fails changes nothing (a state shown is never one a
// restart would take back).
//
// Not thread-safe: its owner (link_workflow) guards it with its mutex.
class state_table {
 public:
  state_table(std::string link, store::checkpoint_store& store)
      : link_(std::move(link)), store_(store) {}

  // An operation that was running when straitd stopped: its object and the
  // options stored with the object's state.
  struct stored_operation {
    migration::object_kind kind;
    std::string name;
    operation_options options;
    stuck_reason stuck = stuck_reason::none;  // it waited for the operator
  };
  // What the store holds of a link, read only: its states, the operations
  // running, the highest operation id stored. errc::corruption, naming the
  // object, for a state or an operation this straitd does not know: never
  // guessed. (The daemon reads it to refuse deleting a link mid-cutover.)
  struct stored {
    std::map<std::string, migration::topic_state> topics;
    std::map<std::string, migration::group_state> groups;
    std::vector<stored_operation> running;
    uint64_t highest_operation_id = 0;        // of 'O' and the operations running
    bool highest_operation_id_stored = true;  // false: 'O' is below it (an older store)
  };
  [[nodiscard]] static result<stored> read(const store::checkpoint_store& store,
                                           const std::string& link);
  // Loads the stored states (read(), once, before any other call) and
  // returns the operations that were running.
  [[nodiscard]] result<std::vector<stored_operation>> load();

  // The highest operation id ever stored for the link (after load()): a
  // new id must be above it.
  [[nodiscard]] uint64_t highest_operation_id() const { return highest_operation_id_; }
  // When the link's first topic left STAGED (move_records.h); nullopt
  // while none has.
  [[nodiscard]] std::optional<int64_t> first_mirrored_at_ms() const {
    return first_mirrored_at_ms_;
  }
  [[nodiscard]] const std::map<std::string, migration::topic_state>& topics() const {
    return topics_;
  }
  [[nodiscard]] const std::map<std::string, migration::group_state>& groups() const {
    return groups_;
  }

  // Event `e` on a known topic or group. An event that leaves the state as
  // it is writes nothing. `starts`: the operation the transition starts,
  // stored in the same write; null: the record keeps none (the operation
  // that ran has ended, or goes on without its options).
  [[nodiscard]] result<migration::topic_step> apply(const std::string& topic,
                                                    migration::topic_event e,
                                                    const migration::topic_guards& g,
                                                    const operation_options* starts = nullptr);
  [[nodiscard]] result<migration::group_step> apply(const std::string& group,
                                                    migration::group_event e,
                                                    const migration::group_guards& g,
                                                    const operation_options* starts = nullptr);

  // Stores `running` (null: none) with the object's state unchanged: a
  // request that starts again, in the same state, an operation that stopped
  // on an error; `stuck`: the operation now waits for the operator, which a
  // restart keeps.
  [[nodiscard]] status store_operation(migration::object_kind kind, const std::string& name,
                                       const operation_options* running,
                                       stuck_reason stuck = stuck_reason::none);

  // What straitd observed, in one write: objects seen for the first time
  // enter STAGED / TRACKED; each then takes the event
  // migration::observed_event gives, if any. True when something changed.
  [[nodiscard]] result<bool> observe(
      const std::map<std::string, migration::topic_observation>& topics,
      int64_t in_sync_max_lag_records,
      const std::map<std::string, migration::group_observation>& groups);

  // The outcome of verification `report_id` for each compared topic (true:
  // passed), in one write, where the state allows it; elsewhere (e.g.
  // MIRRORING) the state waits and the report stands.
  [[nodiscard]] status verified(uint64_t report_id, const std::map<std::string, bool>& passed);

 private:
  // A change computed against memory; made by commit() after its write.
  struct change {
    migration::object_kind kind;
    std::string name;
    uint8_t to;
    std::string operation;      // encoded; empty: none
    std::string log;            // what the log says of it
    uint64_t operation_id = 0;  // of `operation`; 0: none
  };
  [[nodiscard]] status commit(const std::vector<change>& changes);
  template <typename State, typename Event, typename Guards>
  [[nodiscard]] result<migration::step<State>> apply_to(
      std::map<std::string, State>& states, migration::object_kind kind, const std::string& name,
      Event e, const Guards& g, const operation_options* starts, const char* what);

  std::string link_;
  store::checkpoint_store& store_;
  uint64_t highest_operation_id_ = 0;            // as stored
  std::optional<int64_t> first_mirrored_at_ms_;  // as stored
  std::map<std::string, migration::topic_state> topics_;
  std::map<std::string, migration::group_state> groups_;
};

}  // namespace strait::workflow
