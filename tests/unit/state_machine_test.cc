// The migration state machines (migration::transition): every state x every
// event against the tables below, every guard alone, force, names.
#include "strait/migration/state_machine.h"

#include <gtest/gtest.h>

#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace strait::migration {
namespace {

constexpr size_t kTopicStates = std::size(kAllTopicStates);
constexpr size_t kTopicEvents = std::size(kAllTopicEvents);
constexpr size_t kGroupStates = std::size(kAllGroupStates);
constexpr size_t kGroupEvents = std::size(kAllGroupEvents);

// The expected topic table: row = from state, column = event (enum order),
// cell = next state, or `no` when the event is not allowed.
constexpr std::optional<topic_state> no = std::nullopt;
constexpr auto MIR = topic_state::mirroring, INS = topic_state::in_sync,
               VER = topic_state::verified, DRN = topic_state::draining,
               CUT = topic_state::cut_over, RBK = topic_state::rolled_back,
               FIN = topic_state::finalized;
const std::optional<topic_state> kTopicTable[kTopicStates][kTopicEvents] = {
    // mirroring_started caught_up fell_behind verify_passed verify_failed
    //   cutover_started drained rollback_started resumed finalized
    /* STAGED      */ {MIR, no, no, no, no, no, no, no, no, no},
    /* MIRRORING   */ {no, INS, MIR, no, no, no, no, no, no, no},
    /* IN_SYNC     */ {no, INS, MIR, VER, INS, DRN, no, no, no, no},  // cutover: force only
    /* VERIFIED    */ {no, VER, VER, VER, INS, DRN, no, no, no, no},
    /* DRAINING    */ {no, no, no, no, no, no, CUT, RBK, no, no},
    /* CUT_OVER    */ {no, no, no, no, no, no, no, RBK, no, FIN},
    /* ROLLED_BACK */ {no, no, no, no, no, no, no, no, MIR, no},
    /* FINALIZED   */ {no, no, no, no, no, no, no, no, no, no},
};

constexpr std::optional<group_state> gno = std::nullopt;
constexpr auto SYN = group_state::syncing, CTG = group_state::cutting_over,
               GCT = group_state::cut_over, GRB = group_state::rolled_back,
               GFN = group_state::finalized;
const std::optional<group_state> kGroupTable[kGroupStates][kGroupEvents] = {
    // sync_started cutover_started cutover_aborted offsets_verified
    //   rollback_started resumed finalized
    /* TRACKED      */ {SYN, gno, gno, gno, gno, gno, gno},
    /* SYNCING      */ {gno, CTG, gno, gno, gno, gno, gno},
    /* CUTTING_OVER */ {gno, gno, SYN, GCT, gno, gno, gno},
    /* CUT_OVER     */ {gno, gno, gno, gno, GRB, gno, GFN},
    /* ROLLED_BACK  */ {gno, gno, gno, gno, gno, SYN, gno},
    /* FINALIZED    */ {gno, gno, gno, gno, gno, gno, gno},
};

constexpr topic_guards kTopicPass{true, true, true, false};
constexpr group_guards kGroupPass{true, true, true, false};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(TopicMachine, EveryStateTimesEveryEventMatchesTheTable) {
  for (size_t s = 0; s < kTopicStates; ++s) {
    for (size_t e = 0; e < kTopicEvents; ++e) {
      const topic_state from = kAllTopicStates[s];
      const topic_event ev = kAllTopicEvents[e];
      const std::optional<topic_state> want = kTopicTable[s][e];
      const std::string where = std::string(to_string(from)) + " x " + to_string(ev);
      const bool force_only = from == topic_state::in_sync && ev == topic_event::cutover_started;
      for (bool force : {false, true}) {
        topic_guards g = kTopicPass;
        g.force = force;
        auto r = transition(from, ev, g);
        if (want && (force || !force_only)) {
          ASSERT_TRUE(r.has_value()) << where << ": " << r.error().message;
          EXPECT_EQ(r->to, *want) << where;
          if (force_only) {
            EXPECT_EQ(r->overridden, std::vector<guard>{guard::verified}) << where;
          } else {
            EXPECT_FALSE(r->forced_guard_used()) << where;
          }
        } else {
          ASSERT_FALSE(r.has_value()) << where << " force=" << force;
          EXPECT_EQ(r.error().code, errc::precondition) << where;
          EXPECT_TRUE(contains(r.error().message, std::string("topic is ") + to_string(from)))
              << r.error().message;
          EXPECT_TRUE(contains(r.error().message, to_string(ev))) << r.error().message;
        }
      }
    }
  }
}

TEST(GroupMachine, EveryStateTimesEveryEventMatchesTheTable) {
  for (size_t s = 0; s < kGroupStates; ++s) {
    for (size_t e = 0; e < kGroupEvents; ++e) {
      const group_state from = kAllGroupStates[s];
      const group_event ev = kAllGroupEvents[e];
      const std::optional<group_state> want = kGroupTable[s][e];
      const std::string where = std::string(to_string(from)) + " x " + to_string(ev);
      for (bool force : {false, true}) {
        group_guards g = kGroupPass;
        g.force = force;
        auto r = transition(from, ev, g);
        if (want) {
          ASSERT_TRUE(r.has_value()) << where << ": " << r.error().message;
          EXPECT_EQ(r->to, *want) << where;
          EXPECT_FALSE(r->forced_guard_used()) << where;
        } else {
          ASSERT_FALSE(r.has_value()) << where << " force=" << force;
          EXPECT_EQ(r.error().code, errc::precondition) << where;
          EXPECT_TRUE(contains(r.error().message, std::string("group is ") + to_string(from)))
              << r.error().message;
          EXPECT_TRUE(contains(r.error().message, to_string(ev))) << r.error().message;
        }
      }
    }
  }
}

TEST(Machines, AllowedEventsAreTheTablesLegalCells) {
  for (size_t s = 0; s < kTopicStates; ++s) {
    std::vector<topic_event> want;
    for (size_t e = 0; e < kTopicEvents; ++e) {
      if (kTopicTable[s][e]) want.push_back(kAllTopicEvents[e]);
    }
    EXPECT_EQ(allowed_events(kAllTopicStates[s]), want) << to_string(kAllTopicStates[s]);
  }
  for (size_t s = 0; s < kGroupStates; ++s) {
    std::vector<group_event> want;
    for (size_t e = 0; e < kGroupEvents; ++e) {
      if (kGroupTable[s][e]) want.push_back(kAllGroupEvents[e]);
    }
    EXPECT_EQ(allowed_events(kAllGroupStates[s]), want) << to_string(kAllGroupStates[s]);
  }
  EXPECT_TRUE(allowed_events(topic_state::finalized).empty());
  EXPECT_TRUE(allowed_events(group_state::finalized).empty());
}

TEST(Machines, MessagesSayWhatIsAllowedAndHowToProceed) {
  auto r = transition(topic_state::mirroring, topic_event::cutover_started, kTopicPass);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "topic is MIRRORING; cutover_started is not allowed: it needs IN_SYNC or VERIFIED "
            "(run verify first; from IN_SYNC only with --force); allowed in MIRRORING: "
            "caught_up, fell_behind");
  r = transition(topic_state::finalized, topic_event::resumed, kTopicPass);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "topic is FINALIZED; resumed is not allowed: FINALIZED is terminal and accepts no "
            "event");
  auto g = transition(group_state::cutting_over, group_event::rollback_started, kGroupPass);
  ASSERT_FALSE(g.has_value());
  EXPECT_TRUE(contains(g.error().message, "cutover_aborted")) << g.error().message;
}

TEST(Machines, GuardsAreIgnoredByOtherEvents) {
  auto r = transition(topic_state::mirroring, topic_event::caught_up, topic_guards{});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->to, topic_state::in_sync);
  auto g = transition(group_state::cutting_over, group_event::offsets_verified, group_guards{});
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->to, group_state::cut_over);
}

// One guard failing at a time, from VERIFIED (verified: from IN_SYNC).
struct topic_case {
  guard failing;
  topic_state from;
  topic_guards g;
};
std::vector<topic_case> topic_cases() {
  std::vector<topic_case> out;
  out.push_back({guard::verified, topic_state::in_sync, kTopicPass});
  topic_guards g = kTopicPass;
  g.lag_within_threshold = false;
  out.push_back({guard::lag_within_threshold, topic_state::verified, g});
  g = kTopicPass;
  g.no_foreign_write = false;
  out.push_back({guard::no_foreign_write, topic_state::verified, g});
  g = kTopicPass;
  g.no_stopped_partition = false;
  out.push_back({guard::no_stopped_partition, topic_state::verified, g});
  return out;
}

TEST(TopicMachine, EachGuardAloneBlocksAndForceOverridesAllButForeignWrite) {
  for (topic_case c : topic_cases()) {
    const std::string name = to_string(c.failing);
    auto r = transition(c.from, topic_event::cutover_started, c.g);
    ASSERT_FALSE(r.has_value()) << name;
    EXPECT_EQ(r.error().code, errc::precondition);
    EXPECT_TRUE(contains(r.error().message, "guard " + name)) << r.error().message;
    EXPECT_TRUE(contains(r.error().message, to_string(c.from))) << r.error().message;
    c.g.force = true;
    r = transition(c.from, topic_event::cutover_started, c.g);
    if (c.failing == guard::no_foreign_write) {
      ASSERT_FALSE(r.has_value()) << "force never overrides a foreign write";
      EXPECT_TRUE(contains(r.error().message, "even with --force")) << r.error().message;
      EXPECT_TRUE(contains(r.error().message, "never overrides")) << r.error().message;
      EXPECT_FALSE(force_overrides(c.failing));
    } else {
      ASSERT_TRUE(r.has_value()) << name << ": " << r.error().message;
      EXPECT_EQ(r->to, topic_state::draining);
      EXPECT_TRUE(r->forced_guard_used());
      EXPECT_EQ(r->overridden, std::vector<guard>{c.failing});
      EXPECT_TRUE(force_overrides(c.failing));
    }
  }
}

TEST(TopicMachine, ForceReportsEveryOverriddenGuardButNeverPassesAForeignWrite) {
  topic_guards g{false, true, false, true};  // lag high, partition stopped, forced
  auto r = transition(topic_state::in_sync, topic_event::cutover_started, g);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->overridden, (std::vector<guard>{guard::verified, guard::lag_within_threshold,
                                               guard::no_stopped_partition}));
  g.no_foreign_write = false;
  r = transition(topic_state::in_sync, topic_event::cutover_started, g);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(contains(r.error().message, "guard no_foreign_write")) << r.error().message;
  EXPECT_FALSE(contains(r.error().message, "guard lag_within_threshold"))
      << "with force only what blocks is named: " << r.error().message;
  // Without force every failed guard is named.
  g.force = false;
  r = transition(topic_state::in_sync, topic_event::cutover_started, g);
  ASSERT_FALSE(r.has_value());
  for (guard x : {guard::verified, guard::lag_within_threshold, guard::no_foreign_write,
                  guard::no_stopped_partition}) {
    EXPECT_TRUE(contains(r.error().message, std::string("guard ") + to_string(x)))
        << r.error().message;
  }
}

TEST(GroupMachine, EachGuardAloneBlocksAndForceOverridesOnlyTopicsCutOver) {
  for (guard failing :
       {guard::source_group_empty, guard::none_ahead_of_mirroring, guard::topics_cut_over}) {
    group_guards g = kGroupPass;
    if (failing == guard::source_group_empty) g.source_group_empty = false;
    if (failing == guard::none_ahead_of_mirroring) g.none_ahead_of_mirroring = false;
    if (failing == guard::topics_cut_over) g.topics_cut_over = false;
    auto r = transition(group_state::syncing, group_event::cutover_started, g);
    ASSERT_FALSE(r.has_value()) << to_string(failing);
    EXPECT_EQ(r.error().code, errc::precondition);
    EXPECT_TRUE(contains(r.error().message, std::string("guard ") + to_string(failing)))
        << r.error().message;
    EXPECT_TRUE(contains(r.error().message, "group is SYNCING")) << r.error().message;
    g.force = true;
    r = transition(group_state::syncing, group_event::cutover_started, g);
    if (failing == guard::topics_cut_over) {
      ASSERT_TRUE(r.has_value()) << r.error().message;
      EXPECT_EQ(r->to, group_state::cutting_over);
      EXPECT_EQ(r->overridden, std::vector<guard>{guard::topics_cut_over});
      EXPECT_TRUE(force_overrides(failing));
    } else {
      ASSERT_FALSE(r.has_value()) << to_string(failing) << " is not overridable";
      EXPECT_TRUE(contains(r.error().message, "even with --force")) << r.error().message;
      EXPECT_FALSE(force_overrides(failing));
    }
  }
}

TEST(Names, AreAsDocumentedAndRoundTrip) {
  const std::vector<std::string> topic_states = {"STAGED",      "MIRRORING", "IN_SYNC",
                                                 "VERIFIED",    "DRAINING",  "CUT_OVER",
                                                 "ROLLED_BACK", "FINALIZED"};
  const std::vector<std::string> topic_events = {
      "mirroring_started", "caught_up", "fell_behind",      "verify_passed", "verify_failed",
      "cutover_started",   "drained",   "rollback_started", "resumed",       "finalized"};
  const std::vector<std::string> group_states = {"TRACKED",  "SYNCING",     "CUTTING_OVER",
                                                 "CUT_OVER", "ROLLED_BACK", "FINALIZED"};
  const std::vector<std::string> group_events = {
      "sync_started",     "cutover_started", "cutover_aborted", "offsets_verified",
      "rollback_started", "resumed",         "finalized"};
  ASSERT_EQ(topic_states.size(), kTopicStates);
  ASSERT_EQ(topic_events.size(), kTopicEvents);
  ASSERT_EQ(group_states.size(), kGroupStates);
  ASSERT_EQ(group_events.size(), kGroupEvents);
  for (size_t i = 0; i < kTopicStates; ++i) {
    EXPECT_EQ(to_string(kAllTopicStates[i]), topic_states[i]);
    EXPECT_EQ(parse_topic_state(topic_states[i]).value(), kAllTopicStates[i]);
  }
  for (size_t i = 0; i < kTopicEvents; ++i) {
    EXPECT_EQ(to_string(kAllTopicEvents[i]), topic_events[i]);
    EXPECT_EQ(parse_topic_event(topic_events[i]).value(), kAllTopicEvents[i]);
  }
  for (size_t i = 0; i < kGroupStates; ++i) {
    EXPECT_EQ(to_string(kAllGroupStates[i]), group_states[i]);
    EXPECT_EQ(parse_group_state(group_states[i]).value(), kAllGroupStates[i]);
  }
  for (size_t i = 0; i < kGroupEvents; ++i) {
    EXPECT_EQ(to_string(kAllGroupEvents[i]), group_events[i]);
    EXPECT_EQ(parse_group_event(group_events[i]).value(), kAllGroupEvents[i]);
  }
  const std::vector<std::string> guards = {
      "verified",           "lag_within_threshold",    "no_foreign_write", "no_stopped_partition",
      "source_group_empty", "none_ahead_of_mirroring", "topics_cut_over"};
  ASSERT_EQ(guards.size(), std::size(kAllGuards));
  for (size_t i = 0; i < guards.size(); ++i) EXPECT_EQ(to_string(kAllGuards[i]), guards[i]);
}

TEST(Names, ParseIgnoresCaseAndRejectsUnknownNamesListingTheValidOnes) {
  EXPECT_EQ(parse_topic_state("in_sync").value(), topic_state::in_sync);
  EXPECT_EQ(parse_topic_event("CUTOVER_STARTED").value(), topic_event::cutover_started);
  EXPECT_EQ(parse_group_state("Cutting_Over").value(), group_state::cutting_over);
  auto r = parse_topic_state("SYNCED");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_TRUE(contains(r.error().message, "'SYNCED'")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "STAGED, MIRRORING")) << r.error().message;
  EXPECT_FALSE(parse_group_event("").has_value());
  EXPECT_FALSE(parse_topic_event("caught_up ").has_value());
  // A topic state name is not a group state name.
  EXPECT_FALSE(parse_group_state("VERIFIED").has_value());
}

// A link is not deleted while one of these is: exactly the states between a
// move's start and its end.
TEST(InCutover, ExactlyTheStatesBetweenAMovesStartAndItsEnd) {
  std::vector<topic_state> topics;
  for (auto s : kAllTopicStates) {
    if (in_cutover(s)) topics.push_back(s);
  }
  EXPECT_EQ(topics, (std::vector<topic_state>{topic_state::draining, topic_state::cut_over,
                                              topic_state::rolled_back}));
  std::vector<group_state> groups;
  for (auto s : kAllGroupStates) {
    if (in_cutover(s)) groups.push_back(s);
  }
  EXPECT_EQ(groups, (std::vector<group_state>{group_state::cutting_over, group_state::cut_over,
                                              group_state::rolled_back}));
}

}  // namespace
}  // namespace strait::migration
