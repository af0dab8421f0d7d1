#include "strait/offsets/offset_map.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace strait::offsets {
namespace {

source_offset S(int64_t v) { return source_offset(v); }
target_offset T(int64_t v) { return target_offset(v); }

// Mirrors the given source offsets onto consecutive target offsets from t0.
offset_map mirrored(const std::vector<int64_t>& sources, int64_t s0 = 0, int64_t t0 = 0) {
  offset_map m({S(s0), T(t0)});
  int64_t t = t0;
  for (int64_t s : sources) EXPECT_TRUE(m.append(S(s), T(t++)).has_value());
  return m;
}

TEST(OffsetMap, ContiguousRecordsFormOneRun) {
  auto m = mirrored({0, 1, 2, 3, 4});
  ASSERT_EQ(m.run_count(), 1u);
  EXPECT_EQ(m.runs()[0], (offset_run{S(0), T(0), 5}));
  EXPECT_EQ(m.position(), (mirror_position{S(5), T(5)}));
}

TEST(OffsetMap, SourceHolesEndRuns) {
  // 3 compacted away, 6 a transaction marker, 9..10 aborted records.
  auto m = mirrored({0, 1, 2, 4, 5, 7, 8, 11});
  ASSERT_EQ(m.run_count(), 4u);
  EXPECT_EQ(m.runs()[1], (offset_run{S(4), T(3), 2}));
  EXPECT_EQ(m.runs()[3], (offset_run{S(11), T(7), 1}));
}

TEST(OffsetMap, TranslatesEveryCommittedOffsetExactly) {
  auto m = mirrored({0, 1, 2, 4, 5, 7, 8, 11});
  // A committed offset is the next record to read: its translation is the
  // target offset of the first mirrored record at or after it.
  const std::vector<std::pair<int64_t, int64_t>> expect = {
      {0, 0}, {1, 1}, {2, 2}, {3, 3},  {4, 3},  {5, 4},  {6, 5},
      {7, 5}, {8, 6}, {9, 7}, {10, 7}, {11, 7}, {12, 8}, {100, 8}};
  for (auto [src, tgt] : expect) {
    EXPECT_EQ(m.to_target(S(src)), T(tgt)) << "source " << src;
  }
}

TEST(OffsetMap, ReverseTranslationRoundTrips) {
  auto m = mirrored({0, 1, 2, 4, 5, 7, 8, 11});
  const std::vector<int64_t> mirrored_sources = {0, 1, 2, 4, 5, 7, 8, 11};
  for (size_t i = 0; i < mirrored_sources.size(); ++i) {
    EXPECT_EQ(m.to_source(T(static_cast<int64_t>(i))), S(mirrored_sources[i]));
    EXPECT_EQ(m.to_target(S(mirrored_sources[i])), T(static_cast<int64_t>(i)));
  }
  // Past the end of mirrored data: the source position strait continues from.
  EXPECT_EQ(m.to_source(T(8)), S(12));
  EXPECT_EQ(m.to_source(T(50)), S(12));
}

TEST(OffsetMap, ConsumerMovedThroughTheMapSeesNoDuplicateAndNoGap) {
  const std::vector<int64_t> sources = {3, 4, 5, 9, 10, 12, 13, 14, 20};
  auto m = mirrored(sources, 3, 100);
  for (int64_t committed = 0; committed <= 22; ++committed) {
    // What the consumer has left to read on the source...
    std::vector<int64_t> left;
    for (int64_t s : sources) {
      if (s >= committed) left.push_back(s);
    }
    // ...equals what it reads on the target from the translated offset.
    std::vector<int64_t> read;
    for (int64_t t = m.to_target(S(committed)).value(); t < m.position().next_target.value(); ++t) {
      read.push_back(sources[static_cast<size_t>(t - 100)]);
    }
    EXPECT_EQ(read, left) << "committed " << committed;
  }
}

// ADR 0009: the source compacts records after they were mirrored. The map
// keeps them; a consumer moved from any committed offset reads on the target
// every record the source still holds at or past it (none skipped), each
// once, plus copies of records compacted since (which it could have read on
// the source had it been faster), never one below its offset.
TEST(OffsetMap, SourceRecordsCompactedAfterMirroringKeepTheirTranslation) {
  const std::vector<int64_t> mirrored_sources = {0, 1, 2, 4, 5, 6, 7, 9};  // 3, 8: gone before
  auto m = mirrored(mirrored_sources);
  const std::vector<int64_t> still_on_source = {1, 5, 7, 9};  // 0, 2, 4, 6 compacted since
  for (int64_t committed = 0; committed <= 11; ++committed) {
    std::vector<int64_t> read;
    for (int64_t t = m.to_target(S(committed)).value(); t < m.position().next_target.value(); ++t) {
      read.push_back(mirrored_sources[static_cast<size_t>(t)]);
    }
    for (int64_t s : read) EXPECT_GE(s, committed) << "nothing below the committed offset";
    for (size_t i = 1; i < read.size(); ++i) EXPECT_LT(read[i - 1], read[i]) << "none twice";
    for (int64_t s : still_on_source) {
      if (s < committed) continue;
      EXPECT_NE(std::find(read.begin(), read.end(), s), read.end())
          << "committed " << committed << " skips source record " << s;
    }
  }
  // A compacted-away offset translates to its own copy; a gap to the next copy.
  EXPECT_EQ(m.to_target(S(2)), T(2));
  EXPECT_EQ(m.to_target(S(3)), T(3));  // source 4's copy
  EXPECT_EQ(m.to_target(S(8)), T(7));  // source 9's copy
}

TEST(OffsetMap, TargetHoleAfterAcceptedForeignWriteStartsNewRun) {
  auto m = mirrored({0, 1});
  ASSERT_TRUE(m.skip_target_to(T(5)).has_value());
  ASSERT_TRUE(m.append(S(2), T(5)).has_value());
  ASSERT_EQ(m.run_count(), 2u);
  EXPECT_EQ(m.to_source(T(2)), S(2));  // foreign records 2..4 map to the next mirrored one
  EXPECT_EQ(m.to_target(S(2)), T(5));
}

TEST(OffsetMap, RejectsOffsetsGoingBackwards) {
  auto m = mirrored({0, 1, 2});
  auto before = m.position();
  auto r = m.append(S(2), T(3));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::corruption);
  EXPECT_FALSE(m.append(S(3), T(2)).has_value());
  EXPECT_EQ(m.position(), before);
  EXPECT_FALSE(m.skip_source_to(S(1)).has_value());
  EXPECT_FALSE(m.skip_target_to(T(1)).has_value());
}

TEST(OffsetMap, PruneKeepsStraddlingRunAndTranslationAboveLogStart) {
  auto m = mirrored({0, 1, 2, 4, 5, 7, 8, 11});
  std::vector<target_offset> before;
  for (int64_t s = 5; s <= 12; ++s) before.push_back(m.to_target(S(s)));
  EXPECT_EQ(m.prune_below(S(5)), 1u);  // [0,3) dropped; [4,6) straddles 5 and stays
  EXPECT_EQ(m.run_count(), 3u);
  for (int64_t s = 5; s <= 12; ++s) EXPECT_EQ(m.to_target(S(s)), before[s - 5]);
  EXPECT_EQ(m.prune_below(S(100)), 3u);
  EXPECT_EQ(m.run_count(), 0u);
  // Still appendable after everything was pruned.
  EXPECT_TRUE(m.append(S(12), T(8)).has_value());
}

TEST(OffsetMap, EmptyMapTranslatesToItsStartPosition) {
  offset_map m({S(40), T(7)});
  EXPECT_EQ(m.to_target(S(0)), T(7));
  EXPECT_EQ(m.to_target(S(40)), T(7));
  EXPECT_EQ(m.to_source(T(0)), S(40));
}

TEST(OffsetMap, GroupAheadOfMirroringGetsEndOfMirroredData) {
  auto m = mirrored({0, 1, 2});
  EXPECT_EQ(m.to_target(S(10)), T(3));
}

}  // namespace
}  // namespace strait::offsets
