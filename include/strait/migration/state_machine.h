#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "strait/base/result.h"

// The migration workflow as two pure state machines: one per mirrored topic,
// one per consumer group. Each has ONE transition function; the caller (the
// workflow module) owns the state, persists it, gathers the guard facts
// and does the work around each transition. Table, guards and what the daemon
// does: docs/state-machine.md.
//
//   topic:  STAGED -> MIRRORING -> IN_SYNC -> VERIFIED -> DRAINING -> CUT_OVER -> FINALIZED
//                         ^                                   |          |
//                         +------------ ROLLED_BACK <---------+----------+
//
//   group:  TRACKED -> SYNCING -> (source group EMPTY) -> CUTTING_OVER -> CUT_OVER -> FINALIZED
//                                                                            |
//                                                          ROLLED_BACK <-----+
//   (and CUTTING_OVER -> SYNCING on cutover_aborted, ROLLED_BACK -> SYNCING on resumed)
//
// Contract of transition():
//   - an event not allowed in the state, or a failed guard, fails with
//     errc::precondition; the message names the machine's state, the event,
//     and what is allowed or which guard failed and how to proceed;
//   - FINALIZED (both machines) is terminal and accepts no event;
//   - self-loops, the only events that are no-ops when repeated: caught_up in
//     IN_SYNC and VERIFIED, fell_behind in MIRRORING and VERIFIED (lag is an
//     observation; a VERIFIED topic stays VERIFIED and lag is a cutover guard
//     instead), verify_passed in VERIFIED, verify_failed in IN_SYNC. The group
//     machine has none. Any other repeated event fails;
//   - guards are consulted only by cutover_started (both machines); for other
//     events they are ignored, so `{}` may be passed;
//   - `force` overrides a failed guard only where force_overrides(guard) says
//     so, and reports each overridden guard in step::overridden for the caller
//     to audit. It never makes an event legal in a state that does not allow it.
// Pure: no I/O, no clock, no globals.
namespace strait::migration {

// What a migration state belongs to: a topic or a consumer group. Stored as
// its byte (workflow/migration_records.h, the daemon's staged records).
enum class object_kind : uint8_t { topic = 1, group = 2 };
// The kind a stored byte names; nullopt for any other byte.
constexpr std::optional<object_kind> object_kind_from(uint8_t b) {
  if (b == static_cast<uint8_t>(object_kind::topic)) return object_kind::topic;
  if (b == static_cast<uint8_t>(object_kind::group)) return object_kind::group;
  return std::nullopt;
}

enum class topic_state : uint8_t {
  staged,       // selected for migration, not mirrored yet
  mirroring,    // mirroring source -> target, lag above the threshold
  in_sync,      // lag at or under the threshold
  verified,     // a verification passed (lag is re-checked by the cutover guard)
  draining,     // producer cutover: the source is being drained into the target
  cut_over,     // the target is primary; reverse mirroring target -> source runs
  rolled_back,  // the source is primary again, forward mirroring not yet resumed
  finalized,    // terminal: the migration of the topic is done
};
inline constexpr topic_state kAllTopicStates[] = {topic_state::staged,      topic_state::mirroring,
                                                  topic_state::in_sync,     topic_state::verified,
                                                  topic_state::draining,    topic_state::cut_over,
                                                  topic_state::rolled_back, topic_state::finalized};

enum class topic_event : uint8_t {
  mirroring_started,  // STAGED -> MIRRORING
  caught_up,          // lag at or under the threshold: MIRRORING -> IN_SYNC
  fell_behind,        // lag over the threshold: IN_SYNC -> MIRRORING
  verify_passed,      // IN_SYNC, VERIFIED -> VERIFIED
  verify_failed,      // IN_SYNC, VERIFIED -> IN_SYNC
  cutover_started,    // VERIFIED (or IN_SYNC with force) -> DRAINING; guards: topic_guards
  drained,            // source quiet, tail mirrored and re-verified, target primary,
                      // reverse mirroring on: DRAINING -> CUT_OVER
  rollback_started,   // DRAINING, CUT_OVER -> ROLLED_BACK; the caller has drained
                      // reverse mirroring first
  resumed,            // ROLLED_BACK -> MIRRORING
  finalized,          // CUT_OVER -> FINALIZED
};
inline constexpr topic_event kAllTopicEvents[] = {
    topic_event::mirroring_started, topic_event::caught_up,        topic_event::fell_behind,
    topic_event::verify_passed,     topic_event::verify_failed,    topic_event::cutover_started,
    topic_event::drained,           topic_event::rollback_started, topic_event::resumed,
    topic_event::finalized};

enum class group_state : uint8_t {
  tracked,       // selected for migration, offsets not synced yet
  syncing,       // offsets synced source -> target (groupsync)
  cutting_over,  // final offsets being translated, written and read back
  cut_over,      // the group consumes on the target
  rolled_back,   // the group consumes on the source again
  finalized,     // terminal
};
inline constexpr group_state kAllGroupStates[] = {
    group_state::tracked,  group_state::syncing,     group_state::cutting_over,
    group_state::cut_over, group_state::rolled_back, group_state::finalized};

enum class group_event : uint8_t {
  sync_started,      // TRACKED -> SYNCING
  cutover_started,   // SYNCING -> CUTTING_OVER; guards: group_guards
  cutover_aborted,   // CUTTING_OVER -> SYNCING
  offsets_verified,  // final offsets written to the target and read back equal:
                     // CUTTING_OVER -> CUT_OVER
  rollback_started,  // CUT_OVER -> ROLLED_BACK
  resumed,           // ROLLED_BACK -> SYNCING
  finalized,         // CUT_OVER -> FINALIZED
};
inline constexpr group_event kAllGroupEvents[] = {
    group_event::sync_started,     group_event::cutover_started,  group_event::cutover_aborted,
    group_event::offsets_verified, group_event::rollback_started, group_event::resumed,
    group_event::finalized};

// A condition cutover_started requires. Named for what must hold.
enum class guard : uint8_t {
  verified,                 // topic: the state is VERIFIED (from IN_SYNC it fails)
  lag_within_threshold,     // topic
  no_foreign_write,         // topic; force never overrides it
  no_stopped_partition,     // topic
  source_group_empty,       // group; force never overrides it
  none_ahead_of_mirroring,  // group; force never overrides it
  topics_cut_over,          // group
};
inline constexpr guard kAllGuards[] = {guard::verified,           guard::lag_within_threshold,
                                       guard::no_foreign_write,   guard::no_stopped_partition,
                                       guard::source_group_empty, guard::none_ahead_of_mirroring,
                                       guard::topics_cut_over};

// Whether `force` overrides the guard when it fails. Not: no_foreign_write
// (someone else writes to the target: cutting over would interleave their
// records with the producers'), source_group_empty (offsets of a group with
// members are not final), none_ahead_of_mirroring (the translation is only a
// lower bound). The last two clear by waiting; see docs/state-machine.md.
[[nodiscard]] bool force_overrides(guard g);

// Facts for topic cutover_started, gathered by the caller. Every field is
// false by default, so a caller that forgets one fails closed.
struct topic_guards {
  bool lag_within_threshold = false;  // every partition's lag at or under the threshold
  bool no_foreign_write = false;      // no target partition has an uncleared foreign write
  bool no_stopped_partition = false;  // no partition of the topic is stopped
  bool force = false;                 // override the overridable guards (audited)
};

// Facts for group cutover_started, gathered by the caller; false by default.
struct group_guards {
  bool source_group_empty = false;       // the source group has no members
  bool none_ahead_of_mirroring = false;  // no committed partition is ahead of mirroring
  bool topics_cut_over = false;          // every topic it commits on is CUT_OVER or FINALIZED
  bool force = false;                    // override topics_cut_over (audited)
};

// The outcome of a legal transition.
template <typename State>
struct step {
  State to;
  // The guards that failed and `force` overrode, in kAllGuards order. The
  // caller records them (who forced what, when) before acting.
  std::vector<guard> overridden;
  [[nodiscard]] bool forced_guard_used() const { return !overridden.empty(); }
};
using topic_step = step<topic_state>;
using group_step = step<group_state>;

[[nodiscard]] result<topic_step> transition(topic_state from, topic_event e, const topic_guards& g);
[[nodiscard]] result<group_step> transition(group_state from, group_event e, const group_guards& g);

// Whether the state is inside a cutover: from its start until it is
// finalized or back to mirroring (a topic: DRAINING, CUT_OVER,
// ROLLED_BACK) or syncing (a group: CUTTING_OVER, CUT_OVER, ROLLED_BACK).
// A link is not deleted while one of its objects is.
[[nodiscard]] bool in_cutover(topic_state s);
[[nodiscard]] bool in_cutover(group_state s);
// Whether a consumer cutover made the group's target group primary or is
// making it so (CUTTING_OVER, CUT_OVER, FINALIZED): group sync leaves it.
[[nodiscard]] bool target_is_primary(group_state s);

// The events the state allows, guards aside (topic IN_SYNC lists
// cutover_started: it is allowed with force), in enum order. Empty for
// FINALIZED. For CLI help and error messages.
[[nodiscard]] std::vector<topic_event> allowed_events(topic_state from);
[[nodiscard]] std::vector<group_event> allowed_events(group_state from);

// Names as the API and CLI show them: states UPPER_SNAKE ("IN_SYNC"), events
// and guards lower_snake ("cutover_started"). parse_* accept them in any
// case; anything else fails with errc::invalid_argument listing the names.
[[nodiscard]] const char* to_string(topic_state s);
[[nodiscard]] const char* to_string(topic_event e);
[[nodiscard]] const char* to_string(group_state s);
[[nodiscard]] const char* to_string(group_event e);
[[nodiscard]] const char* to_string(guard g);
// A topic's or a group's state, where one value carries either (a move's
// change of either kind).
using any_state = std::variant<topic_state, group_state>;
[[nodiscard]] const char* to_string(const any_state& s);
[[nodiscard]] result<topic_state> parse_topic_state(std::string_view text);
[[nodiscard]] result<topic_event> parse_topic_event(std::string_view text);
[[nodiscard]] result<group_state> parse_group_state(std::string_view text);
[[nodiscard]] result<group_event> parse_group_event(std::string_view text);

}  // namespace strait::migration
