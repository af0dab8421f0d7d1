#include "strait/mirror/recovery.h"

#include <gtest/gtest.h>

namespace strait::mirror {
namespace {

using offsets::mirror_position;
using offsets::offset_run;
using store::inflight_entry;

inflight_entry entry(int64_t target, int64_t source, uint64_t fp) {
  return {target_offset(target), source_offset(source), fp};
}
landed_record landed(int64_t target, uint64_t fp) {
  return {target_offset(target), /*digest=*/0, /*with_timestamp=*/true, fp};
}
mirror_position pos(int64_t s, int64_t t) { return {source_offset(s), target_offset(t)}; }
offset_run run(int64_t s, int64_t t, int64_t n) { return {source_offset(s), target_offset(t), n}; }

// The source compacted 12 and 14 away before the restart: the journal still
// knows which source records landed at target 10..13, no source read needed.
TEST(RecoverFromJournal, MapsLandedRecordsWhateverTheSourceHoldsNow) {
  std::vector<inflight_entry> journal = {entry(10, 11, 1), entry(11, 12, 2), entry(12, 14, 3),
                                         entry(13, 15, 4), entry(14, 16, 5)};
  std::vector<landed_record> on_target = {landed(10, 1), landed(11, 2), landed(12, 3),
                                          landed(13, 4)};  // 14 was still in flight
  auto r = recover_from_journal(pos(11, 10), run(5, 4, 6), journal, on_target);
  EXPECT_TRUE(r.mismatch.empty());
  EXPECT_EQ(r.recovered, 4u);
  EXPECT_EQ(r.position, pos(16, 14));
  // 11, 12 extend the stored tail [5, 11) -> [4, 10); 14, 15 start a run.
  EXPECT_EQ(r.runs, (std::vector<offset_run>{run(5, 4, 8), run(14, 12, 2)}));
  EXPECT_EQ(r.tail, run(14, 12, 2));
}

TEST(RecoverFromJournal, ADifferentRecordIsAMismatchAndEndsRecoveryThere) {
  std::vector<inflight_entry> journal = {entry(0, 0, 1), entry(1, 1, 2), entry(2, 2, 3)};
  auto r = recover_from_journal(pos(0, 0), std::nullopt, journal,
                                std::vector<landed_record>{landed(0, 1), landed(1, 99)});
  EXPECT_EQ(r.recovered, 1u);
  EXPECT_EQ(r.position, pos(1, 1));
  EXPECT_NE(r.mismatch.find("offset 1"), std::string::npos) << r.mismatch;
  EXPECT_NE(r.mismatch.find("source offset 1"), std::string::npos) << r.mismatch;
  EXPECT_NE(r.mismatch.find("someone else wrote"), std::string::npos) << r.mismatch;
}

TEST(RecoverFromJournal, RecordsPastTheJournalAreLeftToTheSourceComparison) {
  std::vector<inflight_entry> journal = {entry(3, 30, 1)};
  auto r = recover_from_journal(pos(30, 3), std::nullopt, journal,
                                std::vector<landed_record>{landed(3, 1), landed(4, 2)});
  EXPECT_TRUE(r.mismatch.empty());
  EXPECT_EQ(r.recovered, 1u);
  EXPECT_EQ(r.position, pos(31, 4));
}

TEST(RecoverFromJournal, NoJournalRecoversNothing) {
  auto r =
      recover_from_journal(pos(7, 3), run(0, 0, 3), {}, std::vector<landed_record>{landed(3, 1)});
  EXPECT_EQ(r.recovered, 0u);
  EXPECT_EQ(r.position, pos(7, 3));
  EXPECT_TRUE(r.runs.empty());
  EXPECT_EQ(r.tail, run(0, 0, 3));
  EXPECT_TRUE(r.mismatch.empty());
}

TEST(RecoverFromJournal, EntriesTheCheckpointAlreadyCoversAreIgnored) {
  // A batch straddling the checkpoint: its first two records are checkpointed.
  std::vector<inflight_entry> journal = {entry(8, 8, 1), entry(9, 9, 2), entry(10, 10, 3)};
  auto r = recover_from_journal(pos(10, 10), run(0, 0, 10), journal,
                                std::vector<landed_record>{landed(10, 3)});
  EXPECT_EQ(r.recovered, 1u);
  EXPECT_EQ(r.position, pos(11, 11));
  EXPECT_EQ(r.runs, (std::vector<offset_run>{run(0, 0, 11)}));
}

// The target compacted 21 away before it was read back: 22 matching its own
// entry proves 21 landed too (in-order delivery), so 21 is mapped as well.
TEST(RecoverFromJournal, RecordsTheTargetCompactedAwayAreMappedWhenALaterOneMatches) {
  std::vector<inflight_entry> journal = {entry(20, 50, 1), entry(21, 51, 2), entry(22, 52, 3)};
  auto r = recover_from_journal(pos(50, 20), std::nullopt, journal,
                                std::vector<landed_record>{landed(20, 1), landed(22, 3)});
  EXPECT_EQ(r.recovered, 3u);
  EXPECT_EQ(r.position, pos(53, 23));
  EXPECT_EQ(r.runs, (std::vector<offset_run>{run(50, 20, 3)}));
}

TEST(RecoverFromJournal, AJournalBehindTheCheckpointIsReportedNotApplied) {
  // Damaged: the entry at target 5 claims source 2, below next_source 9.
  std::vector<inflight_entry> journal = {entry(5, 2, 1)};
  auto r = recover_from_journal(pos(9, 5), std::nullopt, journal,
                                std::vector<landed_record>{landed(5, 1)});
  EXPECT_EQ(r.recovered, 0u);
  EXPECT_EQ(r.position, pos(9, 5));
  EXPECT_NE(r.mismatch.find("behind the checkpoint"), std::string::npos) << r.mismatch;
  EXPECT_TRUE(r.damaged) << "a damaged store, not a foreign write";
}

TEST(RecoverFromJournal, AMismatchAfterRecordsTheTargetCompactedMapsNoneOfThem) {
  std::vector<inflight_entry> journal = {entry(20, 50, 1), entry(21, 51, 2), entry(22, 52, 3)};
  auto r = recover_from_journal(pos(50, 20), std::nullopt, journal,
                                std::vector<landed_record>{landed(20, 1), landed(22, 9)});
  EXPECT_EQ(r.recovered, 1u) << "21 is not proven: the record after it is not strait's";
  EXPECT_EQ(r.position, pos(51, 21));
  EXPECT_FALSE(r.mismatch.empty());
  EXPECT_FALSE(r.damaged);
}

read_back_record rec(int64_t offset, uint64_t content, int64_t ts, bool create_time = true) {
  return {offset, content * 31 + static_cast<uint64_t>(ts), content, create_time};
}

TEST(CompareThroughRun, SameRecordsAreTheSameSource) {
  // Source 10..12 were mirrored to target 100..102.
  auto v = compare_through_run(run(10, 100, 3), {{rec(11, 1, 5), rec(12, 2, 6)}},
                               {{rec(101, 1, 5), rec(102, 2, 6)}});
  EXPECT_EQ(v.verdict, same_source::yes);
}

// The topic was deleted, recreated and written again (as many records or
// more): the record at a mirrored offset is another one.
TEST(CompareThroughRun, AnotherRecordAtAMirroredOffsetIsARecreatedTopic) {
  auto v = compare_through_run(run(10, 100, 3), {{rec(11, 1, 5), rec(12, 9, 6)}},
                               {{rec(101, 1, 5), rec(102, 2, 6)}});
  EXPECT_EQ(v.verdict, same_source::no);
  EXPECT_EQ(v.source, source_offset(12));
  EXPECT_EQ(v.target, target_offset(102));
  // The same content written again later differs in its timestamp.
  v = compare_through_run(run(10, 100, 3), {{rec(12, 2, 999)}}, {{rec(102, 2, 6)}});
  EXPECT_EQ(v.verdict, same_source::no);
}

TEST(CompareThroughRun, LogAppendTimeOnTheTargetComparesContentOnly) {
  auto v = compare_through_run(run(0, 0, 1), {{rec(0, 7, 5)}}, {{rec(0, 7, 77, false)}});
  EXPECT_EQ(v.verdict, same_source::yes);
}

TEST(CompareThroughRun, NothingComparableIsUnknown) {
  // Compacted on the target, outside the run on the source.
  auto v =
      compare_through_run(run(10, 100, 3), {{rec(11, 1, 5), rec(13, 2, 6)}}, {{rec(100, 1, 5)}});
  EXPECT_EQ(v.verdict, same_source::unknown);
  EXPECT_EQ(compare_through_run(run(0, 0, 2), {}, {}).verdict, same_source::unknown);
}

TEST(CompareThroughRun, ASourceRecordWithoutTimestampIsComparedWithoutIt) {
  // The copy was stamped when it was written: only content can be compared.
  read_back_record untimed = rec(0, 7, 0);
  untimed.timestamp_kept = false;
  EXPECT_EQ(compare_through_run(run(0, 0, 1), {{untimed}}, {{rec(0, 7, 1234)}}).verdict,
            same_source::yes);
}

TEST(IdentityWindows, OldestHeldRecordsAndTheNewestOnes) {
  // Runs [0, 100) -> [0, 100) and [200, 300) -> [100, 200); retention took
  // the source below 40 and the target below 30.
  auto w = identity_windows(run(0, 0, 100), run(200, 100, 100), 40, 30, 8);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].run, run(0, 0, 100));
  EXPECT_EQ(w[0].from, 40);
  EXPECT_EQ(w[0].to, 48);
  EXPECT_EQ(w[1].run, run(200, 100, 100));
  EXPECT_EQ(w[1].from, 292);
  EXPECT_EQ(w[1].to, 300);
}

// A topic recreated while straitd ran: the engine appended the new topic's
// records to the old run, so only the run's first records are old ones.
TEST(IdentityWindows, OneRunIsComparedAtItsStartAndItsEnd) {
  auto w = identity_windows(run(0, 0, 1000), run(0, 0, 1000), 0, 0, 8);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].from, 0);
  EXPECT_EQ(w[0].to, 8);
  EXPECT_EQ(w[1].from, 992);
  EXPECT_EQ(w[1].to, 1000);
  // Short: one window over all of it.
  w = identity_windows(run(0, 0, 12), run(0, 0, 12), 0, 0, 8);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].from, 0);
  EXPECT_EQ(w[0].to, 12);
}

TEST(IdentityWindows, TheTargetsLogStartCountsThroughTheRunsShift) {
  // Source [10, 20) landed on target [110, 120); the target deleted below 115.
  auto w = identity_windows(std::nullopt, run(10, 110, 10), 0, 115, 8);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].from, 15);
  EXPECT_EQ(w[0].to, 20);
  EXPECT_TRUE(identity_windows(std::nullopt, run(10, 110, 10), 0, 120, 8).empty())
      << "nothing held on the target";
  EXPECT_TRUE(identity_windows(std::nullopt, run(10, 110, 10), 20, 0, 8).empty())
      << "nothing held on the source";
}

}  // namespace
}  // namespace strait::mirror
