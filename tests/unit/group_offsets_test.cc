// The group offset-sync rule (policy::decide) and the translation it rests
// on, at every edge, in both directions, against a brute-force reference.
#include "strait/policy/group_offsets.h"

#include <gtest/gtest.h>

#include <optional>
#include <utility>
#include <vector>

#include "strait/offsets/offset_map.h"

namespace strait::policy {
namespace {

source_offset S(int64_t v) { return source_offset(v); }
target_offset T(int64_t v) { return target_offset(v); }

// A source partition as a consumer sees it, 0..29:
//   0..4   records
//   5      commit marker of a transaction
//   6..9   records of an aborted transaction, 10 its abort marker
//   11..14 records
//   15..19 removed by compaction
//   20..22 records
//   23..25 removed by compaction; and on the target three foreign records
//          an operator accepted (accept-target) before 26's copy
//   26..27 records, 28..29 transaction markers
const std::vector<int64_t> kMirroredSources = {0, 1, 2, 3, 4, 11, 12, 13, 14, 20, 21, 22, 26, 27};

struct layout {
  offsets::offset_map map;
  std::vector<std::pair<int64_t, int64_t>> pairs;  // (source, target) of every mirrored record
};

layout build() {
  layout l{offsets::offset_map({S(0), T(0)}), {}};
  int64_t t = 0;
  for (int64_t s : kMirroredSources) {
    if (s == 26) {
      EXPECT_TRUE(l.map.skip_target_to(T(t + 3)).has_value());  // accepted foreign records
      t += 3;
    }
    EXPECT_TRUE(l.map.append(S(s), T(t)).has_value());
    l.pairs.emplace_back(s, t);
    ++t;
  }
  EXPECT_TRUE(l.map.skip_source_to(S(30)).has_value());  // 28, 29: markers after the last record
  return l;
}

// The definition, by brute force.
int64_t reference_to_target(const layout& l, int64_t committed) {
  for (auto [s, t] : l.pairs) {
    if (s >= committed) return t;
  }
  return l.map.position().next_target.value();
}
int64_t reference_to_source(const layout& l, int64_t committed) {
  for (auto [s, t] : l.pairs) {
    if (t >= committed) return s;
  }
  return l.map.position().next_source.value();
}

// The store's view of the map around `committed`, as checkpoint_store::slice gives it.
store::map_slice slice_of(const offsets::offset_map& m, source_offset committed,
                          store::stop_reason stopped = store::stop_reason::none) {
  store::map_slice out;
  out.checkpoint.position = m.position();
  out.checkpoint.stopped = stopped;
  for (const auto& r : m.runs()) {
    if (r.source_start <= committed) out.floor = r;
    if (r.source_start > committed && !out.ceil) out.ceil = r;
  }
  return out;
}

TEST(Translation, EveryOffsetBothWaysMatchesTheDefinition) {
  layout l = build();
  for (int64_t o = 0; o <= 35; ++o) {
    EXPECT_EQ(l.map.to_target(S(o)).value(), reference_to_target(l, o)) << "source " << o;
    EXPECT_EQ(l.map.to_source(T(o)).value(), reference_to_source(l, o)) << "target " << o;
  }
}

TEST(Translation, ConsumerMovedEitherWayReadsNoDuplicateAndNoGap) {
  layout l = build();
  // A consumer at source offset o has still to read every mirrored record
  // with source >= o; after the move it reads every target record >= the
  // translation. The two sets must be the same records.
  for (int64_t o = 0; o <= 30; ++o) {
    const int64_t t = l.map.to_target(S(o)).value();
    std::vector<int64_t> want, got;
    for (auto [s, tt] : l.pairs) {
      if (s >= o) want.push_back(s);
      if (tt >= t) got.push_back(s);
    }
    EXPECT_EQ(got, want) << "source " << o;
    // Rollback: from the target position back to the source reads the same.
    const int64_t back = l.map.to_source(T(t)).value();
    std::vector<int64_t> after_rollback;
    for (auto [s, tt] : l.pairs) {
      if (s >= back) after_rollback.push_back(s);
    }
    EXPECT_EQ(after_rollback, want) << "rollback from target " << t;
  }
}

TEST(GroupOffsets, TranslatesEveryOffsetLikeTheMap) {
  layout l = build();
  for (int64_t o = 0; o <= 35; ++o) {
    decision d = decide({S(o), S(0), slice_of(l.map, S(o)), std::nullopt});
    ASSERT_EQ(d.what, action::write) << o;
    EXPECT_EQ(d.target.value(), reference_to_target(l, o)) << "source " << o;
    EXPECT_FALSE(d.rewind);
    EXPECT_EQ(d.ahead, o > 30) << "source " << o;
  }
}

TEST(GroupOffsets, NotMirroredYetIsSkipped) {
  decision d = decide({S(5), std::nullopt, std::nullopt, std::nullopt});
  EXPECT_EQ(d.what, action::skip);
  EXPECT_EQ(d.reason, skip_reason::not_mirrored_yet);
}

TEST(GroupOffsets, ExpiredOffsetIsSkippedNotGuessed) {
  layout l = build();
  l.map.prune_below(S(11));
  decision d = decide({S(3), S(11), slice_of(l.map, S(3)), std::nullopt});
  EXPECT_EQ(d.what, action::skip);
  EXPECT_EQ(d.reason, skip_reason::offset_expired);
  // At the log start itself it is translated.
  d = decide({S(11), S(11), slice_of(l.map, S(11)), std::nullopt});
  ASSERT_EQ(d.what, action::write);
  EXPECT_EQ(d.target, T(5));
}

TEST(GroupOffsets, GroupAheadOfMirroringGetsTheEndAndIsAdvancedLater) {
  offsets::offset_map m({S(0), T(0)});
  for (int64_t i = 0; i < 10; ++i) ASSERT_TRUE(m.append(S(i), T(i)).has_value());
  // The group committed 50; only 0..9 are mirrored: never ahead of the truth.
  decision d = decide({S(50), S(0), slice_of(m, S(50)), std::nullopt});
  ASSERT_EQ(d.what, action::write);
  EXPECT_EQ(d.target, T(10));
  EXPECT_TRUE(d.ahead) << "a lower bound, and said so";
  // Exactly at the end of mirrored data is exact: the next record lands there.
  EXPECT_FALSE(decide({S(10), S(0), slice_of(m, S(10)), std::nullopt}).ahead);
  offsets::group_offset written{S(50), T(10), 0};
  // Same commit, nothing new mirrored: nothing to write.
  d = decide({S(50), S(0), slice_of(m, S(50)), written});
  EXPECT_EQ(d.what, action::unchanged);
  // Mirroring catches up: the same commit now translates further.
  for (int64_t i = 10; i < 60; ++i) ASSERT_TRUE(m.append(S(i), T(i)).has_value());
  d = decide({S(50), S(0), slice_of(m, S(50)), written});
  ASSERT_EQ(d.what, action::write);
  EXPECT_EQ(d.target, T(50));
  EXPECT_FALSE(d.rewind);
  EXPECT_FALSE(d.ahead);
}

TEST(GroupOffsets, RewindOnTheSourceIsFollowed) {
  layout l = build();
  offsets::group_offset written{S(21), T(10), 0};
  decision d = decide({S(12), S(0), slice_of(l.map, S(12)), written});
  ASSERT_EQ(d.what, action::write);
  EXPECT_TRUE(d.rewind);
  EXPECT_EQ(d.target, T(6));
  // A rewind inside a hole that translates to the same target offset is
  // still written (idempotent) and reported.
  written = {S(20), T(9), 0};
  d = decide({S(16), S(0), slice_of(l.map, S(16)), written});
  ASSERT_EQ(d.what, action::write);
  EXPECT_TRUE(d.rewind);
  EXPECT_EQ(d.target, T(9));
}

TEST(GroupOffsets, ForwardMovesWriteAndMovesInsideAHoleDoNot) {
  layout l = build();
  offsets::group_offset written{S(11), T(5), 0};
  EXPECT_EQ(decide({S(13), S(0), slice_of(l.map, S(13)), written}).what, action::write);
  // 5..11 are a marker and an aborted transaction: 6 translates like 11.
  written = {S(6), T(5), 0};
  EXPECT_EQ(decide({S(11), S(0), slice_of(l.map, S(11)), written}).what, action::unchanged);
}

TEST(GroupOffsets, NeverMovesTheTargetBackOnItsOwn) {
  // The store lost its newest checkpoints (power loss): the map ends at 14
  // but strait had already written the translation of 22.
  offsets::offset_map behind({S(0), T(0)});
  int64_t t = 0;
  for (int64_t s : {0, 1, 2, 3, 4, 11, 12, 13, 14}) {
    ASSERT_TRUE(behind.append(S(s), T(t++)).has_value());
  }
  offsets::group_offset written{S(22), T(12), 0};
  decision d = decide({S(22), S(0), slice_of(behind, S(22)), written});
  EXPECT_EQ(d.what, action::skip);
  EXPECT_EQ(d.reason, skip_reason::map_behind);
}

TEST(GroupOffsets, StoppedPartitionTranslatesOnlyWhatIsMirrored) {
  layout l = build();
  // Inside mirrored data: exact, so written.
  decision d = decide(
      {S(12), S(0), slice_of(l.map, S(12), store::stop_reason::foreign_write), std::nullopt});
  ASSERT_EQ(d.what, action::write);
  EXPECT_EQ(d.target, T(6));
  // Past it: the end of mirrored data may be followed by someone else's
  // records, so it is not a safe place for the group.
  d = decide(
      {S(28), S(0), slice_of(l.map, S(28), store::stop_reason::foreign_write), std::nullopt});
  EXPECT_EQ(d.what, action::skip);
  EXPECT_EQ(d.reason, skip_reason::partition_stopped);
}

}  // namespace
}  // namespace strait::policy
