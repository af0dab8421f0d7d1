#include "strait/mirror/partition_pipeline.h"

#include <spdlog/spdlog.h>

#include "strait/base/invariant.h"
#include "strait/kafka/record.h"

namespace strait::mirror {

int64_t record_bytes(const rd_kafka_message_t* msg) {
  // Payload, key and headers plus a per-record allowance for framing.
  int64_t n = static_cast<int64_t>(msg->len + msg->key_len) + 64;
  kafka::for_each_header(msg, [&](const char* name, const void*, size_t size) {
    n += static_cast<int64_t>(std::char_traits<char>::length(name) + size) + 8;
  });
  return n;
}

partition_pipeline::partition_pipeline(partition_start start)
    : key_(std::move(start.key)),
      target_topic_(std::move(start.target_topic)),
      pos_(start.checkpoint.position),
      runs_(start.tail),
      next_fetch_(start.checkpoint.position.next_source),
      landed_(std::move(start.landed)),
      stop_reason_(start.checkpoint.stopped),
      stop_detail_(std::move(start.checkpoint.stop_detail)),
      stop_source_offset_(start.checkpoint.stop_source_offset),
      target_max_record_bytes_(start.target_max_record_bytes) {}

partition_pipeline::verdict partition_pipeline::on_record(const rd_kafka_message_t* msg) {
  source_offset s(msg->offset);
  if (is_stopped() || s < next_fetch_) return verdict::drop;
  next_fetch_ = source_offset(s.value() + 1);
  if (reconciling()) {
    const landed_record& expect = landed_[landed_next_];
    if (kafka::digest_of(msg, expect.with_timestamp) != expect.digest) {
      stop(store::stop_reason::recovery_mismatch,
           "after a restart the target holds a record at offset " +
               std::to_string(expect.offset.value()) +
               " that strait had not yet checkpointed, but it differs from the next source "
               "record (offset " +
               std::to_string(s.value()) +
               "); someone else may have written to the target partition");
      return verdict::stopped;
    }
    rd_kafka_timestamp_type_t type;
    record_landed(s, expect.offset, record_bytes(msg), rd_kafka_message_timestamp(msg, &type));
    ++landed_next_;
    if (!reconciling()) {
      spdlog::info(
          "{}: recovered {} records that reached the target after the last checkpoint "
          "(matched against the source)",
          key_.to_string(), landed_.size());
      landed_.clear();
      landed_next_ = 0;
    }
    return verdict::reconciled;
  }
  if (target_max_record_bytes_ > 0 && record_bytes(msg) > target_max_record_bytes_) {
    stop(store::stop_reason::oversized_record,
         "source record at offset " + std::to_string(s.value()) + " is about " +
             std::to_string(record_bytes(msg)) + " bytes, more than the target topic " +
             target_topic_ + " accepts (max.message.bytes " +
             std::to_string(target_max_record_bytes_) +
             "); raise max.message.bytes on the target topic and acknowledge with "
             "--resolution retry, or drop the record with --resolution skip-record",
         s.value());
    return verdict::stopped;
  }
  return verdict::produce;
}

partition_pipeline::queue_slot partition_pipeline::on_queued(source_offset s, int64_t bytes,
                                                             int64_t timestamp_ms) {
  const target_offset lands_at(pos_.next_target.value() + static_cast<int64_t>(inflight_.size()));
  inflight_record& rec = inflight_.emplace_back();
  rec.ticket = next_ticket_++;
  rec.source = s;
  rec.bytes = bytes;
  rec.timestamp_ms = timestamp_ms;
  inflight_bytes_ += bytes;
  return {lands_at, rec.ticket};
}

int64_t partition_pipeline::drop_queued(size_t n) {
  int64_t bytes = 0;
  for (; n > 0 && !inflight_.empty(); --n) {
    bytes += inflight_.back().bytes;
    inflight_.pop_back();
  }
  inflight_bytes_ -= bytes;
  return bytes;
}

void partition_pipeline::record_landed(source_offset s, target_offset t, int64_t bytes,
                                       int64_t ts) {
  auto kind = runs_.append(pos_, s, t);
  if (!kind) {
    // Source offsets come from this pipeline's own queue, in order, and a
    // delivery below the target position was stopped for by land():
    // offsets going back here are strait's bug, not the clusters' doing.
    if (!is_stopped()) {
      STRAIT_BUG(key_.to_string() + ": " + kind.error().message);
      stop(store::stop_reason::internal_error, kind.error().message, s.value());
    }
    return;
  }
  dirty_ = true;
  last_timestamp_ms_ = ts;
  ++records_mirrored_;
  bytes_mirrored_ += static_cast<uint64_t>(bytes);
}

bool partition_pipeline::on_delivered(record_ticket ticket, rd_kafka_resp_err_t err,
                                      int64_t target_off) {
  bool stopped_now = false;
  inflight_record* found = awaiting(ticket, stopped_now);
  if (found == nullptr) return stopped_now;
  inflight_record& rec = *found;
  if (err) {
    rec.outcome = delivery::unmapped;
    bool too_large = err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
                     err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
    // A healthy record of a batch the broker refused for another record's
    // sake is no record to skip.
    const bool innocent = err == RD_KAFKA_RESP_ERR__INVALID_DIFFERENT_RECORD;
    stopped_now = stop(
        too_large ? store::stop_reason::oversized_record : store::stop_reason::delivery_failed,
        "the target refused the record from source offset " + std::to_string(rec.source.value()) +
            ": " + rd_kafka_err2name(err) + " (" + rd_kafka_err2str(err) + ")",
        innocent ? -1 : rec.source.value());
  } else if (target_off < 0) {
    // Acknowledged without an offset: librdkafka reports a retried batch the
    // broker had already written (DUPLICATE_SEQUENCE_NUMBER) as delivered
    // with no valid offset. The record is on the target, where cannot be
    // mapped from this report: stop without mapping it (nor what follows
    // it); `retry` restarts the partition, whose recovery reads the target
    // past the checkpoint and maps what it finds there (ADR 0009). No source
    // offset: skip-record does not apply.
    rec.outcome = delivery::unmapped;
    stopped_now = stop(store::stop_reason::delivery_failed,
                       "the target acknowledged the record from source offset " +
                           std::to_string(rec.source.value()) +
                           " without its offset (a retried batch it already had); acknowledge "
                           "with --resolution retry to map it from the target");
  } else {
    rec.outcome = delivery::landed;
    rec.landed_at = target_off;
  }
  return settle_oldest() || stopped_now;
}

bool partition_pipeline::on_purged(record_ticket ticket) {
  bool stopped_now = false;
  inflight_record* rec = awaiting(ticket, stopped_now);
  if (rec == nullptr) return stopped_now;
  rec->outcome = delivery::unmapped;
  return settle_oldest();
}

partition_pipeline::inflight_record* partition_pipeline::awaiting(record_ticket ticket,
                                                                  bool& stopped_now) {
  std::string breach;
  if (!inflight_.empty()) {
    const size_t index = ticket_index(ticket, inflight_.front().ticket);
    if (index < inflight_.size() && inflight_[index].ticket == ticket) {
      inflight_record& rec = inflight_[index];
      if (rec.outcome == delivery::awaited) return &rec;
      breach = "a second delivery report for the record from source offset " +
               std::to_string(rec.source.value());
    }
  }
  if (breach.empty()) {
    breach = "a delivery report for no record in flight (ticket " + std::to_string(ticket) + ", " +
             std::to_string(inflight_.size()) + " in flight)";
  }
  // Reported once per partition (later reports of the same breach would
  // only repeat the line), also when it stopped for another reason before.
  if (stop_reason_ != store::stop_reason::internal_error) {
    STRAIT_BUG(key_.to_string() + ": " + breach);
  }
  stopped_now = stop(store::stop_reason::internal_error, breach);
  return nullptr;
}

bool partition_pipeline::settle_oldest() {
  bool stopped_now = false;
  while (!inflight_.empty() && inflight_.front().outcome != delivery::awaited) {
    const inflight_record rec = inflight_.front();
    inflight_.pop_front();
    inflight_bytes_ -= rec.bytes;
    if (rec.outcome == delivery::unmapped) {
      if (first_unmapped_source_ < 0) first_unmapped_source_ = rec.source.value();
      if (stop_source_offset_ > rec.source.value()) {
        // The stop names a later record (the size pre-check stopped at it
        // while this one was in flight): skip-record would pass this one
        // too. Only retry applies now, which mirrors it and meets the named
        // record again.
        stop_detail_ += "; the record from source offset " + std::to_string(rec.source.value()) +
                        " before it did not reach the target either: acknowledge with "
                        "--resolution retry first";
        stop_source_offset_ = -1;
        dirty_ = true;
      }
      continue;
    }
    if (first_unmapped_source_ >= 0) {
      // Written after a record whose place on the target no report
      // confirmed (the gap-less guarantee should prevent a record written
      // after one that was not). Mapping it would move the position past
      // that one: the partition stops with this one unmapped, and the
      // recovery after `retry` compares what the target holds with the
      // source.
      stopped_now |= stop(
          store::stop_reason::delivery_failed,
          "the target holds the record from source offset " + std::to_string(rec.source.value()) +
              " (at target offset " + std::to_string(rec.landed_at) +
              "), but no report confirmed where the one from source offset " +
              std::to_string(first_unmapped_source_) +
              " before it landed; acknowledge with --resolution retry to compare the "
              "target with the source from the last mapped record");
      continue;
    }
    stopped_now |= land(rec);
  }
  return stopped_now;
}

bool partition_pipeline::land(const inflight_record& rec) {
  const target_offset t(rec.landed_at);
  bool stopped_now = false;
  if (t < pos_.next_target) {
    // The target answered an offset strait already wrote past: it lost
    // records (truncated, recreated) or lies; either way not a foreign write.
    stopped_now = stop(store::stop_reason::target_truncated,
                       "the record from source offset " + std::to_string(rec.source.value()) +
                           " landed at target offset " + std::to_string(t.value()) +
                           ", below what strait already wrote (up to " +
                           std::to_string(pos_.next_target.value()) + ") on " + target_topic_ +
                           "/" + std::to_string(key_.partition.value()) +
                           ": the target partition was probably truncated or recreated");
  } else if (t != pos_.next_target) {
    stopped_now =
        stop(store::stop_reason::foreign_write,
             "the record from source offset " + std::to_string(rec.source.value()) +
                 " landed at target offset " + std::to_string(t.value()) + " but strait expected " +
                 std::to_string(pos_.next_target.value()) + ": another producer wrote to " +
                 target_topic_ + "/" + std::to_string(key_.partition.value()));
  }
  // Record the truth of what the target holds even when stopping.
  record_landed(rec.source, t, rec.bytes - kInflightRecordOverhead, rec.timestamp_ms);
  return stopped_now;
}

bool partition_pipeline::stop(store::stop_reason reason, std::string detail,
                              int64_t source_offset) {
  // An incident found while a release waits for records in flight takes
  // its place: it travels with the partition to its new owner, for its
  // operator (a release is no incident).
  if (is_stopped() &&
      !(stop_reason_ == store::stop_reason::released && reason != store::stop_reason::released)) {
    return false;
  }
  stop_reason_ = reason;
  stop_detail_ = std::move(detail);
  stop_source_offset_ = source_offset;
  dirty_ = true;
  return true;
}

bool partition_pipeline::explain_stop(store::stop_reason reason, const std::string& detail) {
  if (!is_stopped() || !yields_to_recreated_topic(stop_reason_) ||
      reason != store::stop_reason::source_truncated) {
    return false;
  }
  stop_reason_ = reason;
  stop_detail_ = detail;
  stop_source_offset_ = -1;
  dirty_ = true;
  return true;
}

void partition_pipeline::adopt_fetch_position(source_offset consumer_position) {
  if (!quiescent() || is_stopped()) return;
  if (consumer_position > pos_.next_source) {
    pos_.next_source = consumer_position;
    if (next_fetch_ < consumer_position) next_fetch_ = consumer_position;
    dirty_ = true;
  }
}

std::vector<offsets::offset_run> partition_pipeline::unpersisted_runs() const {
  return runs_.unstored();
}

std::vector<target_offset> partition_pipeline::covered_journal_batches() const {
  std::vector<target_offset> out;
  for (const auto& [first, end] : journal_batches_) {
    if (end > pos_.next_target) break;
    out.push_back(first);
  }
  return out;
}

void partition_pipeline::mark_persisted() {
  runs_.stored();
  dirty_ = false;
  while (!journal_batches_.empty() && journal_batches_.front().second <= pos_.next_target) {
    journal_batches_.pop_front();
  }
}

void partition_pipeline::journaled(target_offset first, int64_t count) {
  journal_batches_.emplace_back(first, target_offset(first.value() + count));
}

store::partition_checkpoint partition_pipeline::checkpoint() const {
  // A release stops this straitd's part, not the partition's mirroring: the
  // straitd that takes it over goes on from this position.
  if (stop_reason_ == store::stop_reason::released) {
    return store::partition_checkpoint{pos_, store::stop_reason::none, "", -1,
                                       store::resolution::none};
  }
  return store::partition_checkpoint{pos_, stop_reason_, stop_detail_, stop_source_offset_,
                                     store::resolution::none};
}

}  // namespace strait::mirror
