#include "strait/migration/state_machine.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <span>
#include <string>
#include <utility>

namespace strait::migration {
namespace {

using ts = topic_state;
using te = topic_event;
using gs = group_state;
using ge = group_event;

// Names in enum order (the kAll* arrays of the header).
constexpr const char* kTopicStateNames[] = {"STAGED",   "MIRRORING", "IN_SYNC",     "VERIFIED",
                                            "DRAINING", "CUT_OVER",  "ROLLED_BACK", "FINALIZED"};
constexpr const char* kTopicEventNames[] = {
    "mirroring_started", "caught_up", "fell_behind",      "verify_passed", "verify_failed",
    "cutover_started",   "drained",   "rollback_started", "resumed",       "finalized"};
constexpr const char* kGroupStateNames[] = {"TRACKED",  "SYNCING",     "CUTTING_OVER",
                                            "CUT_OVER", "ROLLED_BACK", "FINALIZED"};
constexpr const char* kGroupEventNames[] = {
    "sync_started",     "cutover_started", "cutover_aborted", "offsets_verified",
    "rollback_started", "resumed",         "finalized"};
constexpr const char* kGuardNames[] = {
    "verified",           "lag_within_threshold",    "no_foreign_write", "no_stopped_partition",
    "source_group_empty", "none_ahead_of_mirroring", "topics_cut_over"};
static_assert(std::size(kTopicStateNames) == std::size(kAllTopicStates));
static_assert(std::size(kTopicEventNames) == std::size(kAllTopicEvents));
static_assert(std::size(kGroupStateNames) == std::size(kAllGroupStates));
static_assert(std::size(kGroupEventNames) == std::size(kAllGroupEvents));
static_assert(std::size(kGuardNames) == std::size(kAllGuards));

template <typename Enum, size_t N>
const char* name(Enum v, const char* const (&names)[N]) {
  const auto i = static_cast<size_t>(v);
  return i < N ? names[i] : "unknown";
}

template <typename State, typename Event>
struct row {
  State from;
  Event event;
  State to;
};

// Every legal transition; anything not listed fails. Guards: transition().
constexpr row<ts, te> kTopicRows[] = {
    {ts::staged, te::mirroring_started, ts::mirroring},
    {ts::mirroring, te::caught_up, ts::in_sync},
    {ts::mirroring, te::fell_behind, ts::mirroring},  // no-op
    {ts::in_sync, te::caught_up, ts::in_sync},        // no-op
    {ts::in_sync, te::fell_behind, ts::mirroring},
    {ts::in_sync, te::verify_passed, ts::verified},
    {ts::in_sync, te::verify_failed, ts::in_sync},     // no-op
    {ts::in_sync, te::cutover_started, ts::draining},  // guard `verified` fails: force only
    {ts::verified, te::caught_up, ts::verified},       // no-op
    {ts::verified, te::fell_behind, ts::verified},     // no-op: lag is a cutover guard
    {ts::verified, te::verify_passed, ts::verified},   // no-op (re-verify)
    {ts::verified, te::verify_failed, ts::in_sync},
    {ts::verified, te::cutover_started, ts::draining},
    {ts::draining, te::drained, ts::cut_over},
    {ts::draining, te::rollback_started, ts::rolled_back},
    {ts::cut_over, te::rollback_started, ts::rolled_back},
    {ts::cut_over, te::finalized, ts::finalized},
    {ts::rolled_back, te::resumed, ts::mirroring},
};

constexpr row<gs, ge> kGroupRows[] = {
    {gs::tracked, ge::sync_started, gs::syncing},
    {gs::syncing, ge::cutover_started, gs::cutting_over},
    {gs::cutting_over, ge::cutover_aborted, gs::syncing},
    {gs::cutting_over, ge::offsets_verified, gs::cut_over},
    {gs::cut_over, ge::rollback_started, gs::rolled_back},
    {gs::cut_over, ge::finalized, gs::finalized},
    {gs::rolled_back, ge::resumed, gs::syncing},
};

std::span<const row<ts, te>> rows_of(ts /*unused*/) { return kTopicRows; }
std::span<const row<gs, ge>> rows_of(gs /*unused*/) { return kGroupRows; }
const char* machine(ts /*unused*/) { return "topic"; }
const char* machine(gs /*unused*/) { return "group"; }

// How to reach a state where the event is allowed, beyond naming the states.
const char* hint(te e) {
  switch (e) {
    case te::verify_passed:
    case te::verify_failed:
      return " (verify runs once mirroring has caught up)";
    case te::cutover_started:
      return " (run verify first; from IN_SYNC only with --force)";
    case te::drained:
      return " (start the cutover first)";
    case te::finalized:
      return " (finish the cutover first)";
    default:
      return "";
  }
}
const char* hint(ge e) {
  switch (e) {
    case ge::rollback_started:
      return " (a cutover in progress is undone with cutover_aborted)";
    case ge::finalized:
      return " (finish the cutover first)";
    default:
      return "";
  }
}

// What a failed guard means and how to proceed.
const char* failure(guard g) {
  switch (g) {
    case guard::verified:
      return "verify has not passed; run verify until it passes";
    case guard::lag_within_threshold:
      return "lag is above the threshold; wait until mirroring catches up";
    case guard::no_foreign_write:
      return "a target partition has a foreign write; find and stop the writer, see "
             "runbooks/incident-foreign-write.md";
    case guard::no_stopped_partition:
      return "a partition is stopped; resolve it with straitd --acknowledge";
    case guard::source_group_empty:
      return "the source group has members; stop its consumers on the source";
    case guard::none_ahead_of_mirroring:
      return "a committed offset is ahead of mirroring, so its translation is only a lower "
             "bound; wait until mirroring catches up";
    case guard::topics_cut_over:
      return "not all of the group's topics are cut over; cut them over first";
  }
  return "unknown guard";
}

template <typename T>
std::string join(const std::vector<T>& items, std::string_view last_sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? last_sep : std::string_view(", ");
    out += to_string(items[i]);
  }
  return out;
}

template <typename State, typename Event>
std::vector<Event> allowed(State from) {
  std::vector<Event> out;
  for (const auto& r : rows_of(from)) {
    if (r.from == from) out.push_back(r.event);
  }
  std::ranges::sort(out);
  return out;
}

template <typename State, typename Event>
std::string not_allowed(State from, Event e) {
  std::string m = std::string(machine(from)) + " is " + to_string(from) + "; " + to_string(e) +
                  " is not allowed";
  const std::vector<Event> ok = allowed<State, Event>(from);
  if (ok.empty()) return m + ": " + to_string(from) + " is terminal and accepts no event";
  std::vector<State> needs;
  for (const auto& r : rows_of(from)) {
    if (r.event == e && std::ranges::find(needs, r.from) == needs.end()) needs.push_back(r.from);
  }
  std::ranges::sort(needs);
  return m + ": it needs " + join(needs, " or ") + hint(e) + "; allowed in " + to_string(from) +
         ": " + join(ok, ", ");
}

// Looks the transition up, then applies the failed guards (empty: none) and force.
template <typename State, typename Event>
result<step<State>> decide(State from, Event e, std::vector<guard> failed, bool force) {
  const auto rows = rows_of(from);
  const auto r =
      std::ranges::find_if(rows, [&](const auto& x) { return x.from == from && x.event == e; });
  if (r == rows.end()) return fail(errc::precondition, not_allowed(from, e));
  if (failed.empty()) return step<State>{r->to, {}};
  if (force) {
    if (std::ranges::all_of(failed, force_overrides)) return step<State>{r->to, std::move(failed)};
    std::erase_if(failed, force_overrides);  // name only what blocks
  }
  std::string m = std::string(machine(from)) + " is " + to_string(from) + "; " + to_string(e) +
                  (force ? " blocked even with --force:" : " blocked:");
  for (size_t i = 0; i < failed.size(); ++i) {
    m += i == 0 ? " " : ", ";
    m += std::string("guard ") + to_string(failed[i]) + " (" + failure(failed[i]) + "; --force " +
         (force_overrides(failed[i]) ? "overrides it" : "never overrides it") + ")";
  }
  return fail(errc::precondition, m);
}

template <typename Enum, size_t N>
result<Enum> parse(std::string_view text, const Enum (&all)[N], const char* what) {
  for (Enum v : all) {
    const std::string_view name = to_string(v);
    if (std::ranges::equal(text, name, [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return fail(errc::invalid_argument,
              std::string("unknown ") + what + " '" + std::string(text) + "'; expected one of: " +
                  join(std::vector<Enum>(std::begin(all), std::end(all)), ", "));
}

}  // namespace

bool force_overrides(guard g) {
  return g != guard::no_foreign_write && g != guard::source_group_empty &&
         g != guard::none_ahead_of_mirroring;
}

result<topic_step> transition(topic_state from, topic_event e, const topic_guards& g) {
  std::vector<guard> failed;
  if (e == te::cutover_started) {
    if (from != ts::verified) failed.push_back(guard::verified);
    if (!g.lag_within_threshold) failed.push_back(guard::lag_within_threshold);
    if (!g.no_foreign_write) failed.push_back(guard::no_foreign_write);
    if (!g.no_stopped_partition) failed.push_back(guard::no_stopped_partition);
  }
  return decide(from, e, std::move(failed), g.force);
}

result<group_step> transition(group_state from, group_event e, const group_guards& g) {
  std::vector<guard> failed;
  if (e == ge::cutover_started) {
    if (!g.source_group_empty) failed.push_back(guard::source_group_empty);
    if (!g.none_ahead_of_mirroring) failed.push_back(guard::none_ahead_of_mirroring);
    if (!g.topics_cut_over) failed.push_back(guard::topics_cut_over);
  }
  return decide(from, e, std::move(failed), g.force);
}

bool in_cutover(topic_state s) {
  switch (s) {
    case topic_state::draining:
    case topic_state::cut_over:
    case topic_state::rolled_back:
      return true;
    case topic_state::staged:
    case topic_state::mirroring:
    case topic_state::in_sync:
    case topic_state::verified:
    case topic_state::finalized:
      return false;
  }
  return false;
}

bool target_is_primary(group_state s) {
  return s == group_state::cutting_over || s == group_state::cut_over ||
         s == group_state::finalized;
}

bool in_cutover(group_state s) {
  switch (s) {
    case group_state::cutting_over:
    case group_state::cut_over:
    case group_state::rolled_back:
      return true;
    case group_state::tracked:
    case group_state::syncing:
    case group_state::finalized:
      return false;
  }
  return false;
}

std::vector<topic_event> allowed_events(topic_state from) { return allowed<ts, te>(from); }
std::vector<group_event> allowed_events(group_state from) { return allowed<gs, ge>(from); }

const char* to_string(topic_state s) { return name(s, kTopicStateNames); }
const char* to_string(topic_event e) { return name(e, kTopicEventNames); }
const char* to_string(group_state s) { return name(s, kGroupStateNames); }
const char* to_string(group_event e) { return name(e, kGroupEventNames); }
const char* to_string(guard g) { return name(g, kGuardNames); }
const char* to_string(const any_state& s) {
  return std::visit([](auto state) { return to_string(state); }, s);
}

result<topic_state> parse_topic_state(std::string_view text) {
  return parse(text, kAllTopicStates, "topic state");
}
result<topic_event> parse_topic_event(std::string_view text) {
  return parse(text, kAllTopicEvents, "topic event");
}
result<group_state> parse_group_state(std::string_view text) {
  return parse(text, kAllGroupStates, "group state");
}
result<group_event> parse_group_event(std::string_view text) {
  return parse(text, kAllGroupEvents, "group event");
}

}  // namespace strait::migration
