// The record comparison of a verification and the stored report format.
#include <gtest/gtest.h>

#include "strait/verify/compare.h"
#include "strait/verify/report.h"

namespace strait::verify {
namespace {

record_seen rec(int64_t offset, uint64_t digest, int64_t ts = 1000, bool create_time = true) {
  return {offset, digest, ts, create_time};
}

TEST(CompareWindow, EqualRecordsThroughAShiftedMapPass) {
  // Source 10..12 landed on target 100..102.
  std::vector<expected_record> expected{{100, rec(10, 7)}, {101, rec(11, 8)}, {102, rec(12, 9)}};
  std::vector<record_seen> landed{rec(100, 7), rec(101, 8), rec(102, 9)};
  partition_result out;
  compare_window(expected, landed, "orders/0", out);
  EXPECT_TRUE(out.passed());
  EXPECT_EQ(out.first_difference, "");
}

TEST(CompareWindow, EachKindOfDifferenceIsCountedAndTheFirstIsNamed) {
  std::vector<expected_record> expected{
      {100, rec(10, 7)},     // equal
      {101, rec(11, 8)},     // content differs
      {102, rec(12, 9, 5)},  // timestamp differs, both CreateTime
      {103, rec(13, 1, 5)},  // timestamp differs, target LogAppendTime: fine
      {105, rec(15, 2)},     // nothing at 105 on the target
  };
  std::vector<record_seen> landed{rec(100, 7), rec(101, 99), rec(102, 9, 6), rec(103, 1, 9, false),
                                  rec(104, 3),   // nobody's
                                  rec(106, 4)};  // nobody's
  partition_result out;
  compare_window(expected, landed, "orders/0", out);
  EXPECT_EQ(out.mismatched, 2);
  EXPECT_EQ(out.missing_on_target, 1);
  EXPECT_EQ(out.unexpected_target, 2);
  EXPECT_FALSE(out.passed());
  EXPECT_EQ(out.first_difference,
            "source orders/0@11 and target offset 101 differ in key, value or headers");
}

TEST(CompareWindow, EmptySidesAreAllMissingOrAllUnexpected) {
  partition_result a;
  compare_window({{5, rec(1, 1)}, {6, rec(2, 2)}}, {}, "t/1", a);
  EXPECT_EQ(a.missing_on_target, 2);
  EXPECT_EQ(a.first_difference, "source t/1@1 maps to target offset 5, which holds no record");
  partition_result b;
  compare_window({}, {rec(5, 1)}, "t/1", b);
  EXPECT_EQ(b.unexpected_target, 1);
  partition_result c;
  compare_window({}, {}, "t/1", c);
  EXPECT_TRUE(c.passed());
}

TEST(ForgiveCompaction, OneSidedRecordsMoveToTheNoteButMismatchesStay) {
  partition_result out;
  out.missing_on_target = 2;
  out.unexpected_target = 1;
  out.first_difference = "whatever";
  forgive_compaction(out);
  EXPECT_TRUE(out.passed());
  EXPECT_EQ(out.first_difference, "");
  EXPECT_NE(out.note.find("3 records on one side only"), std::string::npos) << out.note;

  partition_result bad;
  bad.mismatched = 1;
  bad.unexpected_target = 1;
  bad.first_difference = "differ";
  forgive_compaction(bad);
  EXPECT_FALSE(bad.passed());
  EXPECT_EQ(bad.first_difference, "differ");
}

TEST(Report, ConcludesFromItsResultsAndRoundTripsThroughJson) {
  report r;
  r.id = 3;
  r.link = "main";
  r.started_at_ms = 10;
  r.topics.push_back({"orders", "mig.orders", 2, 2, {}, {}});
  r.topics[0].partitions.push_back({});
  r.groups.push_back({"billing", "empty", 2, {}, "", ""});
  r.conclude(20);
  EXPECT_EQ(r.outcome, verdict::passed);
  r.topics[0].partitions[0].error = "cannot read";
  r.conclude(21);
  EXPECT_EQ(r.outcome, verdict::failed);
  r.groups[0].differences.push_back({"orders", 1, 50, 40, 38});

  auto back = report_from_json(to_json(r));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(to_json(*back), to_json(r));
  EXPECT_EQ(back->outcome, verdict::failed);
  EXPECT_EQ(back->groups[0].differences[0].expected_target, 40);

  EXPECT_FALSE(report_from_json("{").has_value());
  EXPECT_FALSE(report_from_json("{\"format\": 2}").has_value());
  auto wrong = report_from_json("{\"format\": 1, \"id\": \"x\"}");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, errc::corruption);
}

}  // namespace
}  // namespace strait::verify
