#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "strait/base/result.h"
#include "strait/migration/state_machine.h"

namespace strait::migration {

// What an operator asked of one topic's or group's move: the part of an
// operation that must outlive a restart. It is stored with the object's
// migration state, in the same write as the transition that starts the
// operation (or alone, when a request starts again an operation that stopped
// on an error, in the same state), so an operation resumed after a crash
// keeps the operator's quiet window and force instead of defaults.
enum class op_kind : uint8_t { cutover = 1, rollback = 2 };

inline constexpr std::chrono::milliseconds kDefaultQuietWindow{5000};

struct operation_options {
  op_kind kind = op_kind::cutover;
  // Topics: how long the watched cluster's end offsets must stay unchanged
  // before the hand-over. Unused by groups.
  std::chrono::milliseconds quiet_window = kDefaultQuietWindow;
  bool force = false;  // the operator overrode the overridable guards
  // The operation's id (the API's operation_id): unique in the link, kept
  // across restarts; 0 in a record of a straitd that stored none (format 1:
  // the resumed operation gets a new one).
  uint64_t id = 0;
  friend bool operator==(const operation_options&, const operation_options&) = default;
};

// Where an operation is. Each move goes through some of these in order
// (docs/cutover.md); a step that fails and is retried keeps its phase.
enum class op_phase : uint8_t {
  starting = 0,               // asked for; its first step has not run
  waiting_for_quiet = 1,      // topic: the watched cluster's ends must stay still (stop producers)
  mirroring_tail = 2,         // topic cutover: the source's last records are mirrored
  verifying_tail = 3,         // topic cutover: the newest records are verified again
  handing_over = 4,           // topic cutover: partitions stopped, their checkpoints awaited
  copying_back = 5,           // topic rollback: reverse mirroring copies the target's records back
  resuming = 6,               // topic rollback: forward mirroring restarts
  waiting_for_members = 7,    // group: the group must have no members on the cluster it leaves
  waiting_for_mirroring = 8,  // group: it committed past what was mirrored (or copied back)
  writing_offsets = 9,        // group: translated offsets written and read back
  done = 10,                  // ended where the move leads
  cancelled = 11,             // replaced by another request (a rollback, a new cutover)
};
// Why an operation waits for the operator (none: it goes on by itself,
// retrying what failed). A stuck operation stays until the operator rolls
// back, or asks for the move again.
enum class stuck_reason : uint8_t {
  none = 0,
  partition_stopped = 1,         // a partition of the topic stopped on an incident
  tail_verification_failed = 2,  // the tail re-verification found differences
  foreign_records = 3,           // a cluster holds records strait did not write
  state_not_stored = 4,          // a transition could not be stored
  topic_finalized = 5,           // group rollback: it read past what a FINALIZED topic copied back
  fence_refused = 6,             // cutover: the source fence cannot stop every writer
};
[[nodiscard]] const char* to_string(op_kind k);  // "cutover", "rollback"
[[nodiscard]] const char* to_string(op_phase p);
[[nodiscard]] const char* to_string(stuck_reason r);

// An operation as stored with its object's migration state: what the
// operator asked, and why it waits for the operator, if it does (so a
// restart does not take a stuck operation on by itself).
struct operation_record {
  operation_options options;
  stuck_reason stuck = stuck_reason::none;
  friend bool operator==(const operation_record&, const operation_record&) = default;
};

// The stored form: a format byte, then fixed-width fields. decode_operation
// refuses anything else (errc::corruption, naming what is wrong) rather than
// resume an operation with options nobody asked for. Writes format 2 (with
// the id), or format 3 (format 2 and the stuck reason) for a stuck
// operation, so a straitd that reads only 1 and 2 refuses just a stuck one;
// reads 1, 2 and 3.
[[nodiscard]] std::string encode_operation(const operation_record& r);
[[nodiscard]] result<operation_record> decode_operation(std::string_view stored);

// One operation as the API shows it.
struct operation_status {
  uint64_t id = 0;
  bool on_group = false;  // the object is a group (else a topic)
  std::string name;       // the topic or group
  operation_options options;
  op_phase phase = op_phase::starting;
  stuck_reason stuck = stuck_reason::none;
  std::string detail;  // what it is doing or waits for, in words
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;  // 0 while it runs
  std::string requested_by;    // empty when resumed after a restart
  bool resumed = false;        // resumed after a restart (started_at_ms: when)
  // A topic's: how long it has waited for the watched cluster's ends to
  // stand still (while in waiting_for_quiet, up to the last round).
  int64_t quiet_wait_ms = 0;
  // A topic's ACL bindings (ADR 0023): a cutover's, those strait owns for
  // the topic as it goes on (target grants, source-fence DENYs, counted from
  // the records); a rollback's, those it deleted (this straitd's run).
  int acl_grants = 0, acl_fences = 0;
  [[nodiscard]] bool running() const { return finished_at_ms == 0; }
};

// The evidence a move leaves once it has ended (ADR 0026): what the
// readiness scorecard counts as a drill, and what the API shows of an
// operation that ended before straitd's last start. One record a cutover or
// rollback operation of one topic or group, written by the workflow
// (workflow/move_records.h) when it ends: done, or cancelled (replaced by
// another request, or its group finalized). A finalize is no operation and
// leaves none (its state stays).
struct move_record {
  uint64_t id = 0;  // the operation's id
  object_kind kind = object_kind::topic;
  std::string name;  // the topic or group
  operation_options options;
  op_phase outcome = op_phase::done;  // done or cancelled
  // What it waited for when it was cancelled (none when it ended done).
  stuck_reason stuck = stuck_reason::none;
  std::string requested_by;   // empty: resumed after a restart, the caller unknown
  int64_t started_at_ms = 0;  // when it started, or this straitd resumed it
  int64_t finished_at_ms = 0;
  // A topic's: how long it waited for the watched cluster's end offsets to
  // stand still (the time producers had to be stopped).
  int64_t quiet_wait_ms = 0;
  bool resumed = false;  // it was resumed after a restart
  // A topic's ACL bindings as operation_status counts them: what a cutover
  // granted on the target and fenced on the source, what a rollback deleted.
  int acl_grants = 0, acl_fences = 0;
  // The link's cluster ids as stored when it ended (empty: none stored),
  // and its definition digest then (workflow::definition_digest).
  std::string source_cluster_id, target_cluster_id;
  std::string definition;
  friend bool operator==(const move_record&, const move_record&) = default;
};

}  // namespace strait::migration
