#include "strait/mirror/partition_pipeline.h"

#include <gtest/gtest.h>

#include "strait/base/invariant.h"

namespace strait::mirror {
namespace {

partition_pipeline at(int64_t next_source, int64_t next_target) {
  partition_start s;
  s.key = {"main", "orders", partition_id(0)};
  s.target_topic = "orders";
  s.checkpoint.position = {source_offset(next_source), target_offset(next_target)};
  return partition_pipeline(std::move(s));
}

constexpr rd_kafka_resp_err_t kWritten = RD_KAFKA_RESP_ERR_NO_ERROR;

// ADR 0009: a queued record's target offset is predicted before it is
// produced: the position plus what is queued or in flight before it, which
// stays true as deliveries move the position.
// ADR 0030 step 3: a release is stored as running at the exact position;
// an incident found while a release waits for its records in flight takes
// its place (it travels with the partition, for its operator), and a
// release never hides an earlier incident.
TEST(PartitionPipeline, AReleaseIsStoredAsRunningAndYieldsToAnIncident) {
  auto p = at(10, 20);
  ASSERT_TRUE(p.stop(store::stop_reason::released, "to shard 1"));
  EXPECT_EQ(p.checkpoint().stopped, store::stop_reason::none);
  EXPECT_EQ(p.checkpoint().position.next_source, source_offset(10));
  EXPECT_FALSE(p.stop(store::stop_reason::released, "again")) << "already released";
  ASSERT_TRUE(p.stop(store::stop_reason::foreign_write, "someone wrote target offset 20", 10));
  EXPECT_EQ(p.checkpoint().stopped, store::stop_reason::foreign_write);
  EXPECT_EQ(p.checkpoint().stop_source_offset, 10);

  auto q = at(10, 20);
  ASSERT_TRUE(q.stop(store::stop_reason::retention_gap, "records 3-9 deleted"));
  EXPECT_FALSE(q.stop(store::stop_reason::released, "to shard 1"));
  EXPECT_EQ(q.checkpoint().stopped, store::stop_reason::retention_gap);
}

TEST(PartitionPipeline, QueuedRecordsArePredictedOnConsecutiveTargetOffsets) {
  auto p = at(10, 100);
  auto first = p.on_queued(source_offset(10), 300, 1);
  EXPECT_EQ(first.lands_at, target_offset(100));
  EXPECT_EQ(p.on_queued(source_offset(12), 300, 2).lands_at, target_offset(101));  // source gap
  EXPECT_FALSE(p.on_delivered(first.ticket, kWritten, 100));
  EXPECT_EQ(p.on_queued(source_offset(13), 300, 3).lands_at, target_offset(102));
  EXPECT_EQ(p.inflight_records(), 2u);
  EXPECT_EQ(p.inflight_bytes(), 600);
  // Delivered bytes count without the in-flight overhead.
  EXPECT_EQ(p.bytes_mirrored(), static_cast<uint64_t>(300 - kInflightRecordOverhead));
}

TEST(PartitionPipeline, DroppingQueuedRecordsTakesTheNewestOnly) {
  auto p = at(0, 0);
  auto oldest = p.on_queued(source_offset(0), 100, 0);
  (void)p.on_queued(source_offset(1), 200, 0);
  (void)p.on_queued(source_offset(2), 400, 0);
  EXPECT_EQ(p.drop_queued(2), 600);
  EXPECT_EQ(p.inflight_records(), 1u);
  EXPECT_EQ(p.inflight_bytes(), 100);
  // The oldest one's ticket is still valid.
  EXPECT_FALSE(p.on_delivered(oldest.ticket, kWritten, 0));
  EXPECT_EQ(p.position().next_source, source_offset(1));
  EXPECT_TRUE(p.quiescent());
  // Dropping more than is queued is harmless.
  EXPECT_EQ(p.drop_queued(5), 0);
}

TEST(PartitionPipeline, ACheckpointCoversOnlyJournalBatchesBelowItsPosition) {
  auto p = at(0, 0);
  std::vector<record_ticket> tickets;
  for (int i = 0; i < 5; ++i) tickets.push_back(p.on_queued(source_offset(i), 100, 0).ticket);
  p.journaled(target_offset(0), 2);  // [0, 2)
  p.journaled(target_offset(2), 3);  // [2, 5)
  EXPECT_TRUE(p.covered_journal_batches().empty());
  for (int t = 0; t < 3; ++t) EXPECT_FALSE(p.on_delivered(tickets[t], kWritten, t));
  EXPECT_EQ(p.covered_journal_batches(), std::vector<target_offset>{target_offset(0)});
  p.mark_persisted();
  EXPECT_TRUE(p.covered_journal_batches().empty()) << "deleted with that checkpoint";
  for (int t = 3; t < 5; ++t) EXPECT_FALSE(p.on_delivered(tickets[t], kWritten, t));
  EXPECT_EQ(p.covered_journal_batches(), std::vector<target_offset>{target_offset(2)});
}

// The CI failure of 2026-12-04: a fatal producer error purges the queued
// records (reported first, as _PURGE_QUEUE) while the older ones in flight
// are still answered as written. Matching reports by order mapped source 197
// to target 100; each report names its own record.
TEST(PartitionPipeline, ReportsOutOfOrderMapEachRecordToWhereItLanded) {
  auto p = at(100, 100);
  std::vector<record_ticket> tickets;
  for (int i = 0; i < 6; ++i) {
    tickets.push_back(p.on_queued(source_offset(100 + i), 300, 0).ticket);
  }
  // 103..105 purged before 100..102 are answered.
  for (int i = 5; i >= 3; --i) p.on_purged(tickets[i]);
  EXPECT_EQ(p.position().next_source, source_offset(100)) << "nothing settled in order yet";
  EXPECT_EQ(p.inflight_records(), 6u);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(p.on_delivered(tickets[i], kWritten, 100 + i));
  EXPECT_FALSE(p.is_stopped()) << "purged records are fetched again, not a stop";
  EXPECT_EQ(p.position().next_source, source_offset(103));
  EXPECT_EQ(p.position().next_target, target_offset(103));
  EXPECT_TRUE(p.quiescent());
  EXPECT_EQ(p.inflight_bytes(), 0);
  const auto runs = p.unpersisted_runs();
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ(runs.back().source_start, source_offset(100));
  EXPECT_EQ(runs.back().target_start, target_offset(100));
  EXPECT_EQ(runs.back().length, 3);
}

TEST(PartitionPipeline, ALaterReportWaitsForTheOlderOnesBeforeItIsMapped) {
  auto p = at(0, 0);
  auto a = p.on_queued(source_offset(0), 100, 0);
  auto b = p.on_queued(source_offset(1), 100, 0);
  EXPECT_FALSE(p.on_delivered(b.ticket, kWritten, 1));
  EXPECT_EQ(p.position().next_source, source_offset(0));
  EXPECT_FALSE(p.quiescent());
  EXPECT_FALSE(p.on_delivered(a.ticket, kWritten, 0));
  EXPECT_EQ(p.position().next_source, source_offset(2));
  EXPECT_EQ(p.position().next_target, target_offset(2));
}

TEST(PartitionPipeline, ARefusedRecordStopsItsPartitionAtThatRecord) {
  auto p = at(0, 0);
  auto a = p.on_queued(source_offset(0), 100, 0);
  auto b = p.on_queued(source_offset(1), 100, 0);
  auto c = p.on_queued(source_offset(2), 100, 0);
  EXPECT_FALSE(p.on_delivered(a.ticket, kWritten, 0));
  EXPECT_TRUE(p.on_delivered(b.ticket, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, -1));
  EXPECT_EQ(p.stop_reason(), store::stop_reason::oversized_record);
  EXPECT_EQ(p.stop_source_offset(), 1);
  EXPECT_FALSE(p.on_purged(c.ticket));
  EXPECT_EQ(p.position().next_source, source_offset(1)) << "retry fetches the refused one again";
  EXPECT_TRUE(p.quiescent());
}

// Gap-less writing is librdkafka's promise, not strait's assumption: a
// record written after one whose place no report confirmed is not mapped
// (the position would pass that one); the partition stops naming both.
TEST(PartitionPipeline, ARecordWrittenAfterOneThatWasNotIsNotMapped) {
  auto p = at(0, 0);
  auto a = p.on_queued(source_offset(0), 100, 0);
  auto b = p.on_queued(source_offset(1), 100, 0);
  EXPECT_FALSE(p.on_purged(a.ticket));
  EXPECT_FALSE(p.is_stopped());
  EXPECT_TRUE(p.on_delivered(b.ticket, kWritten, 0));
  EXPECT_EQ(p.stop_reason(), store::stop_reason::delivery_failed);
  EXPECT_NE(p.stop_detail().find("source offset 1"), std::string::npos) << p.stop_detail();
  EXPECT_NE(p.stop_detail().find("source offset 0"), std::string::npos) << p.stop_detail();
  EXPECT_EQ(p.position().next_source, source_offset(0));
  EXPECT_EQ(p.position().next_target, target_offset(0));
  // Also when the report of the later record comes first.
  auto q = at(0, 0);
  auto c = q.on_queued(source_offset(0), 100, 0);
  auto d = q.on_queued(source_offset(1), 100, 0);
  EXPECT_FALSE(q.on_delivered(d.ticket, kWritten, 0));
  EXPECT_TRUE(q.on_purged(c.ticket)) << "the stop is reported, so it is logged and counted";
  EXPECT_EQ(q.stop_reason(), store::stop_reason::delivery_failed);
  EXPECT_EQ(q.position().next_source, source_offset(0));
}

// The size pre-check stops at record 2 while 0 and 1 are in flight; 0 is
// then purged: skip-record would pass it too, so only retry applies.
TEST(PartitionPipeline, AStopNamingALaterRecordThanOneNotOnTheTargetCannotBeSkipped) {
  auto p = at(0, 0);
  auto a = p.on_queued(source_offset(0), 100, 0);
  auto b = p.on_queued(source_offset(1), 100, 0);
  ASSERT_TRUE(p.stop(store::stop_reason::oversized_record, "record 2 is too big", 2));
  EXPECT_TRUE(store::resolution_applies(p.stop_reason(), store::resolution::skip_record,
                                        p.stop_source_offset()));
  EXPECT_FALSE(p.on_purged(a.ticket));
  EXPECT_FALSE(p.on_purged(b.ticket));
  EXPECT_EQ(p.stop_source_offset(), -1);
  EXPECT_FALSE(store::resolution_applies(p.stop_reason(), store::resolution::skip_record,
                                         p.stop_source_offset()));
  EXPECT_NE(p.stop_detail().find("retry first"), std::string::npos) << p.stop_detail();
  EXPECT_EQ(p.position().next_source, source_offset(0));
}

// A healthy record of a batch refused for another record's sake is reported
// with _INVALID_DIFFERENT_RECORD: no record for skip-record to drop.
TEST(PartitionPipeline, AnInnocentRecordOfARefusedBatchIsNoRecordToSkip) {
  auto p = at(0, 0);
  auto a = p.on_queued(source_offset(0), 100, 0);
  EXPECT_TRUE(p.on_delivered(a.ticket, RD_KAFKA_RESP_ERR__INVALID_DIFFERENT_RECORD, -1));
  EXPECT_EQ(p.stop_reason(), store::stop_reason::delivery_failed);
  EXPECT_EQ(p.stop_source_offset(), -1);
}

TEST(PartitionPipeline, ADeliveryElsewhereThanPredictedIsAForeignWrite) {
  auto p = at(0, 0);
  auto a = p.on_queued(source_offset(0), 100, 0);
  EXPECT_TRUE(p.on_delivered(a.ticket, kWritten, 3));
  EXPECT_EQ(p.stop_reason(), store::stop_reason::foreign_write);
  EXPECT_EQ(p.position().next_target, target_offset(4)) << "the truth of what the target holds";
}

// base/invariant.h: what only a bug can cause stops the partition as an
// internal error (counted, not acknowledgeable as a data incident); what a
// cluster can cause keeps its own reason.
TEST(PartitionPipeline, ASecondReportWhileTheRecordWaitsIsAnInternalError) {
  auto p = at(0, 0);
  (void)p.on_queued(source_offset(0), 100, 0);
  auto second = p.on_queued(source_offset(1), 100, 0);
  const uint64_t before = internal_errors_total();
  // Settled, and still in the queue behind the first record's awaited report.
  EXPECT_FALSE(p.on_delivered(second.ticket, kWritten, 1));
  EXPECT_TRUE(p.on_delivered(second.ticket, kWritten, 1));
  EXPECT_EQ(p.stop_reason(), store::stop_reason::internal_error);
  EXPECT_EQ(internal_errors_total(), before + 1);
  EXPECT_FALSE(store::resolution_applies(p.stop_reason(), store::resolution::accept_target, -1));
  EXPECT_FALSE(store::resolution_applies(p.stop_reason(), store::resolution::skip_record, 0));
  EXPECT_TRUE(store::resolution_applies(p.stop_reason(), store::resolution::retry, -1));
}

// A ticket is looked up, never dereferenced: a second report for a record
// already settled (gone from the queue), or a ticket no record in flight
// has, stops the partition and maps nothing.
TEST(PartitionPipeline, AReportForARecordNoLongerInFlightIsAnInternalError) {
  auto p = at(0, 0);
  auto first = p.on_queued(source_offset(0), 100, 0);
  auto second = p.on_queued(source_offset(1), 100, 0);
  EXPECT_FALSE(p.on_delivered(first.ticket, kWritten, 0));  // settled: out of the queue
  const uint64_t before = internal_errors_total();
  EXPECT_TRUE(p.on_delivered(first.ticket, kWritten, 5));
  EXPECT_EQ(p.stop_reason(), store::stop_reason::internal_error);
  EXPECT_NE(p.stop_detail().find("no record in flight"), std::string::npos) << p.stop_detail();
  EXPECT_EQ(internal_errors_total(), before + 1);
  EXPECT_EQ(p.position().next_source, source_offset(1));  // the stale report moved nothing
  // Reported once: a further breach neither stops again nor repeats the line.
  EXPECT_FALSE(p.on_purged(second.ticket + 7));
  EXPECT_EQ(internal_errors_total(), before + 1);
  // The record still in flight is still mapped where it landed.
  EXPECT_FALSE(p.on_delivered(second.ticket, kWritten, 1));
  EXPECT_EQ(p.position().next_source, source_offset(2));
  EXPECT_EQ(p.position().next_target, target_offset(2));
}

// Tickets are never given twice: a report for a record drop_queued took
// back (never given to the producer) finds no record and maps nothing.
TEST(PartitionPipeline, AReportForADroppedRecordFindsNoRecord) {
  auto p = at(0, 0);
  auto a = p.on_queued(source_offset(0), 100, 0);
  auto b = p.on_queued(source_offset(1), 100, 0);
  (void)p.on_queued(source_offset(2), 100, 0);
  EXPECT_EQ(p.drop_queued(2), 200);
  EXPECT_TRUE(p.on_delivered(b.ticket, kWritten, 1));
  EXPECT_EQ(p.stop_reason(), store::stop_reason::internal_error);
  EXPECT_FALSE(p.on_delivered(a.ticket, kWritten, 0));
  EXPECT_EQ(p.position().next_source, source_offset(1));
  EXPECT_EQ(p.inflight_bytes(), 0);
}

// Tickets wrap at 2^32; the opaque carries a pipeline id and a ticket whole.
TEST(DeliveryTicket, WrapsAndRoundTripsThroughTheOpaque) {
  EXPECT_EQ(ticket_index(0, 0xffffffffu), 1u);
  EXPECT_EQ(ticket_index(5, 0xfffffffeu), 7u);
  EXPECT_EQ(ticket_index(3, 3), 0u);
  EXPECT_GE(ticket_index(2, 3), size_t{0xffffffffu});  // older than the queue: never in it
  for (const delivery_ticket t : {delivery_ticket{1, 0}, delivery_ticket{0xffffffffu, 0xffffffffu},
                                  delivery_ticket{77, 0x80000001u}}) {
    const auto back = delivery_ticket::from_opaque(t.to_opaque());
    EXPECT_EQ(back.pipeline, t.pipeline);
    EXPECT_EQ(back.record, t.record);
  }
  EXPECT_NE(delivery_ticket({1, 0}).to_opaque(), nullptr);  // pipeline ids start at 1
}

TEST(PartitionPipeline, ADeliveryBelowWhatWasWrittenIsATruncatedTargetNotABug) {
  auto p = at(0, 10);
  auto a = p.on_queued(source_offset(0), 100, 0);
  const uint64_t before = internal_errors_total();
  EXPECT_TRUE(p.on_delivered(a.ticket, kWritten, 4));
  EXPECT_EQ(p.stop_reason(), store::stop_reason::target_truncated);
  EXPECT_EQ(internal_errors_total(), before) << "the target's doing, not strait's";
  EXPECT_EQ(p.position().next_target, target_offset(10)) << "never moved back";
}

TEST(PartitionPipeline, AnAcknowledgementWithoutAnOffsetIsNeitherMappedNorABug) {
  auto p = at(0, 10);
  auto a = p.on_queued(source_offset(0), 100, 0);
  const uint64_t before = internal_errors_total();
  EXPECT_TRUE(p.on_delivered(a.ticket, kWritten, -1));
  EXPECT_EQ(p.stop_reason(), store::stop_reason::delivery_failed);
  EXPECT_EQ(internal_errors_total(), before);
  EXPECT_EQ(p.position().next_target, target_offset(10));
  EXPECT_EQ(p.position().next_source, source_offset(0)) << "not mapped: retry reads the target";
  EXPECT_FALSE(store::resolution_applies(p.stop_reason(), store::resolution::skip_record,
                                         p.stop_source_offset()));
}

// ADR 0010: the consumer may meet a recreated topic's end before its id is
// read; the stop it made (a retention gap in its eyes) then takes the cause.
TEST(PartitionPipeline, OnlyARetentionGapIsExplainedAsARecreatedTopic) {
  auto gap = at(100, 100);
  ASSERT_TRUE(
      gap.stop(store::stop_reason::retention_gap, "source offset 100 no longer exists", 100));
  gap.mark_persisted();
  EXPECT_FALSE(gap.explain_stop(store::stop_reason::recovery_mismatch, "other"));
  EXPECT_FALSE(gap.dirty());
  EXPECT_TRUE(gap.explain_stop(store::stop_reason::source_truncated, "recreated"));
  EXPECT_TRUE(gap.dirty()) << "the new reason reaches the store at the next checkpoint";
  EXPECT_EQ(gap.stop_reason(), store::stop_reason::source_truncated);
  EXPECT_EQ(gap.stop_detail(), "recreated");
  EXPECT_FALSE(gap.explain_stop(store::stop_reason::source_truncated, "again"));

  auto other = at(0, 0);
  EXPECT_FALSE(other.explain_stop(store::stop_reason::source_truncated, "running"))
      << "a running partition is stopped by stop(), not explained";
  ASSERT_TRUE(other.stop(store::stop_reason::oversized_record, "big", 3));
  EXPECT_FALSE(other.explain_stop(store::stop_reason::source_truncated, "recreated"));
  EXPECT_EQ(other.stop_reason(), store::stop_reason::oversized_record);
}

}  // namespace
}  // namespace strait::mirror
