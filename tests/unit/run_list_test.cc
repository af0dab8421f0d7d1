// One map out of both mirroring directions of a cutover (offsets::run_list).
#include <gtest/gtest.h>

#include "strait/offsets/run_list.h"

namespace strait::offsets {
namespace {

offset_run run(int64_t s, int64_t t, int64_t n) { return {source_offset(s), target_offset(t), n}; }

// Forward mirrored source [0,100) -> target [0,100); after the cutover
// producers wrote target [100,150), reverse mirroring copied it to source
// [100,150); after a rollback forward mirroring resumed at source 150 ->
// target 150 with 20 records, the first 5 of them aborted on the source
// (a hole: source 150..154 not mirrored).
run_list cycle() {
  auto m =
      run_list::merge({run(0, 0, 100), run(155, 150, 15)}, {source_offset(170), target_offset(165)},
                      {run(100, 100, 50)}, {source_offset(150), target_offset(150)});
  EXPECT_TRUE(m.has_value()) << m.error().message;
  return *m;
}

TEST(RunList, MergedDirectionsTranslateEveryOffsetBothWays) {
  const run_list m = cycle();
  ASSERT_EQ(m.runs().size(), 3u);
  EXPECT_EQ(m.position().next_source, source_offset(170));
  EXPECT_EQ(m.position().next_target, target_offset(165));
  // Forward part, reverse part, the hole, the resumed part, the end.
  EXPECT_EQ(m.to_target(source_offset(42)), target_offset(42));
  EXPECT_EQ(m.to_target(source_offset(120)), target_offset(120));
  EXPECT_EQ(m.to_target(source_offset(150)), target_offset(150));  // next mirrored record
  EXPECT_EQ(m.to_target(source_offset(156)), target_offset(151));
  EXPECT_EQ(m.to_target(source_offset(170)), target_offset(165));
  EXPECT_EQ(m.to_target(source_offset(999)), target_offset(165));  // end of mirrored data
  EXPECT_EQ(m.to_source(target_offset(120)), source_offset(120));
  EXPECT_EQ(m.to_source(target_offset(150)), source_offset(155));
  EXPECT_EQ(m.to_source(target_offset(165)), source_offset(170));
  EXPECT_NE(m.holding(source_offset(149)), nullptr);
  EXPECT_EQ(m.holding(source_offset(152)), nullptr);
}

TEST(RunList, EveryTranslationRoundTripsOnMirroredRecords) {
  const run_list m = cycle();
  for (const auto& r : m.runs()) {
    for (int64_t i = 0; i < r.length; ++i) {
      const source_offset s(r.source_start.value() + i);
      EXPECT_EQ(m.to_source(m.to_target(s)), s) << s.value();
    }
  }
}

TEST(RunList, NoReverseRunsIsTheForwardMap) {
  auto m = run_list::merge({run(0, 10, 5)}, {source_offset(5), target_offset(15)}, {}, {});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->position().next_target, target_offset(15));
  EXPECT_EQ(m->to_target(source_offset(3)), target_offset(13));
}

TEST(RunList, OverlappingDirectionsAreCorruptionNotGuessed) {
  // Reverse claims source [90,110), which forward mirroring already covers.
  auto m = run_list::merge({run(0, 0, 100)}, {source_offset(100), target_offset(100)},
                           {run(100, 90, 20)}, {source_offset(120), target_offset(110)});
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, errc::corruption);
  EXPECT_NE(m.error().message.find("overlap"), std::string::npos);
}

}  // namespace
}  // namespace strait::offsets
