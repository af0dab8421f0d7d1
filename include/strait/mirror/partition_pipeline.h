#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "strait/base/types.h"
#include "strait/kafka/client.h"
#include "strait/mirror/recovery.h"
#include "strait/offsets/offset_run.h"
#include "strait/store/checkpoint_store.h"

namespace strait::mirror {

// Everything the engine needs to run a partition; prepared by the supervisor
// (which may block on Kafka and the store) and handed to the engine thread.
struct partition_start {
  partition_key key;
  std::string target_topic;
  store::partition_checkpoint checkpoint;
  std::optional<offsets::offset_run> tail;  // last stored run
  // Target records past the checkpoint that the in-flight journal did not
  // account for: matched against the next source records (ADR 0002).
  std::vector<landed_record> landed;
  int64_t target_max_record_bytes = 0;  // 0: unknown (the broker decides)
  // The supervisor stopped it while preparing this start (not a stop carried
  // over from an earlier run): reported like any new stop.
  bool stopped_at_start = false;
};

// Whether a partition in this state takes source_truncated when its topic
// turns out to be recreated: a running one, and one stopped as retention_gap
// (the consumer met the new topic's end, which is no gap). Other stops keep
// their reason. One rule for the supervisor's start checks and the engine.
[[nodiscard]] inline bool yields_to_recreated_topic(store::stop_reason current) {
  return current == store::stop_reason::none || current == store::stop_reason::retention_gap;
}

// Which record in flight of a pipeline a delivery report answers: a number
// the pipeline gives each record it queues, one more than the last (modulo
// 2^32; the records in flight are far fewer), never given twice. A report is
// matched to its record by it, not by order: when the producer fails
// fatally, librdkafka fails the records still queued (_PURGE_QUEUE: its
// rd_kafka_set_fatal_error0 purges the queues, not the requests in flight)
// before the requests already sent are answered, so one partition's reports
// can come newest first.
using record_ticket = uint32_t;

// Where the record with `ticket` sits in an in-flight queue of consecutive
// tickets whose oldest is `oldest` (modulo 2^32: the numbers wrap).
[[nodiscard]] constexpr size_t ticket_index(record_ticket ticket, record_ticket oldest) {
  return static_cast<record_ticket>(ticket - oldest);
}

// What the producer carries with a record (its opaque) and hands back in the
// record's delivery report: the engine's id of the record's pipeline and the
// pipeline's ticket of the record, packed into the pointer-sized opaque. Both
// are looked up, never dereferenced: a report that names no pipeline or no
// record in flight is caught.
struct delivery_ticket {
  uint32_t pipeline = 0;
  record_ticket record = 0;
  static_assert(sizeof(uintptr_t) >= sizeof(uint64_t), "the opaque holds both");
  [[nodiscard]] void* to_opaque() const {
    return reinterpret_cast<void*>(static_cast<uintptr_t>(pipeline) << 32 | record);
  }
  [[nodiscard]] static delivery_ticket from_opaque(const void* opaque) {
    const auto v = reinterpret_cast<uintptr_t>(opaque);
    return {static_cast<uint32_t>(v >> 32), static_cast<record_ticket>(v & 0xffffffffu)};
  }
};

// One source partition mirrored to its target partition. Owned and used by
// the engine thread only; no locking.
//
// Lifecycle: running -> (stop) -> stopped; a stopped pipeline fetches nothing
// new but still maps deliveries of what was already in flight (that is the
// truth of what the target holds), up to the first record whose report did
// not confirm its target offset.
class partition_pipeline {
 public:
  explicit partition_pipeline(partition_start start);
  // One record in flight, one ticket: a copy would answer reports twice.
  partition_pipeline(const partition_pipeline&) = delete;
  partition_pipeline& operator=(const partition_pipeline&) = delete;

  enum class verdict {
    produce,     // write the record to the target
    reconciled,  // already on the target (crash recovery): mapped, not written
    drop,        // duplicate fetch or partition stopped: ignore
    stopped,     // this record stopped the partition (see stop_reason())
  };
  // Decides what to do with a fetched record and advances the fetch position.
  [[nodiscard]] verdict on_record(const rd_kafka_message_t* msg);

  // The engine queued the record at `s` (costing `bytes` in memory: its
  // record_bytes() plus kInflightRecordOverhead) for the producer. Returns
  // the target offset it will land on (the position's next target plus the
  // records queued or in flight before it: strait is the only writer and the
  // idempotent producer writes in order) and the ticket its delivery report brings
  // back. It counts as in flight from here on.
  struct queue_slot {
    target_offset lands_at;
    record_ticket ticket;
  };
  [[nodiscard]] queue_slot on_queued(source_offset s, int64_t bytes, int64_t timestamp_ms);
  // The newest `n` queued records will not be produced (the partition
  // stopped, or the engine shuts down): they leave the in-flight accounting
  // and are fetched again when the partition restarts; their tickets are
  // not given again (a report for one finds no record). Called on a stopped
  // partition or at shutdown only: nothing is queued after it. Returns their
  // bytes.
  int64_t drop_queued(size_t n);
  // The delivery report of the record `ticket` was issued for. Reports of
  // one partition may come out of order (see record_ticket); the position
  // still moves in source order, over the oldest records whose reports have
  // come. Returns true when it stopped the partition. Each record is
  // reported once (librdkafka's contract): a second report, or one whose
  // ticket names no record in flight, stops the partition as an
  // internal_error and changes nothing else.
  bool on_delivered(record_ticket ticket, rd_kafka_resp_err_t err,
                    int64_t target_offset_or_negative);
  // The record `ticket` was issued for was purged because the producer
  // failed as a whole (a fatal error another record caused): it is not
  // mapped, and is fetched again after the restart. Returns true when that
  // stopped the partition (a record after it was answered as written).
  bool on_purged(record_ticket ticket);

  // Stops the partition; returns false if it was already stopped (so the
  // caller logs and counts only once).
  bool stop(store::stop_reason reason, std::string detail, int64_t source_offset = -1);
  // A partition stopped as retention_gap whose cause is now known to be a
  // recreated source topic (source_truncated) takes that reason and detail
  // and is persisted again; returns false, changing nothing, for any other
  // pair (see yields_to_recreated_topic).
  bool explain_stop(store::stop_reason reason, const std::string& detail);

  // When nothing is in flight, the consumer's position may be past the last
  // mirrored record (transaction markers, aborted records): adopt it so lag
  // reaches zero. Never moves backwards.
  void adopt_fetch_position(source_offset consumer_position);

  // Checkpoint support: the runs not yet in the store (completed runs plus the
  // current tail), the in-flight journal batches the position has passed,
  // and whether anything changed. mark_persisted() after the store committed
  // them; until then they are offered again.
  [[nodiscard]] bool dirty() const { return dirty_; }
  [[nodiscard]] std::vector<offsets::offset_run> unpersisted_runs() const;
  [[nodiscard]] std::vector<target_offset> covered_journal_batches() const;
  void mark_persisted();
  // A journal batch of `count` records from target offset `first` was written.
  void journaled(target_offset first, int64_t count);
  [[nodiscard]] store::partition_checkpoint checkpoint() const;

  [[nodiscard]] const partition_key& key() const { return key_; }
  [[nodiscard]] const std::string& target_topic() const { return target_topic_; }
  [[nodiscard]] const offsets::mirror_position& position() const { return pos_; }
  [[nodiscard]] source_offset next_fetch() const { return next_fetch_; }
  [[nodiscard]] bool is_stopped() const { return stop_reason_ != store::stop_reason::none; }
  [[nodiscard]] store::stop_reason stop_reason() const { return stop_reason_; }
  [[nodiscard]] const std::string& stop_detail() const { return stop_detail_; }
  // The source record that stopped the partition, or -1.
  [[nodiscard]] int64_t stop_source_offset() const { return stop_source_offset_; }
  [[nodiscard]] bool reconciling() const { return landed_next_ < landed_.size(); }
  // Nothing in flight and not reconciling: the position accounts for every
  // record this pipeline put on the target.
  [[nodiscard]] bool quiescent() const { return inflight_.empty() && !reconciling(); }
  [[nodiscard]] int64_t inflight_bytes() const { return inflight_bytes_; }
  [[nodiscard]] size_t inflight_records() const { return inflight_.size(); }
  [[nodiscard]] int64_t last_mirrored_timestamp_ms() const { return last_timestamp_ms_; }
  [[nodiscard]] uint64_t records_mirrored() const { return records_mirrored_; }
  [[nodiscard]] uint64_t bytes_mirrored() const { return bytes_mirrored_; }
  [[nodiscard]] int64_t target_max_record_bytes() const { return target_max_record_bytes_; }

  // Highest source end offset seen (consumer cache or supervisor query); the
  // consumer's cache goes stale while the partition is paused.
  int64_t known_source_high = -1;
  // Highest source log start seen; it never decreases unless the topic was
  // deleted and recreated.
  int64_t known_source_low = -1;

  // The engine's id of this pipeline, which its records' delivery reports
  // carry (engine_thread's delivery_ticket); set by the engine.
  uint32_t engine_id = 0;

  // Flow control state, managed by the engine.
  bool flow_paused = false;
  bool consumer_paused = false;

  // Records on_record() let through, in source order, managed by the engine:
  // each is written to the in-flight journal (ADR 0009) before the producer
  // gets it. The first `outbox_journaled` are in the journal; `outbox_refused`
  // while the producer refuses the front one (queue full, partition not
  // known yet), which pauses fetching.
  struct queued_record {
    kafka::message_ptr msg;
    store::inflight_entry entry;
    void* opaque;  // the producer's opaque for this record (the engine's ticket)
  };
  std::deque<queued_record> outbox;
  size_t outbox_journaled = 0;
  bool outbox_refused = false;

  // Throughput sampling by the engine's metrics round: the count and time
  // of the previous sample.
  uint64_t sampled_records = 0;
  int64_t sampled_at_ms = 0;
  // What the engine's metrics round last gave the registry for this
  // partition: a series whose value is unchanged is not set again (at
  // thousands of caught-up partitions, rendering their labels every second
  // was the engine's main idle cost). -1: never set.
  struct published_values {
    double lag_records = -1;
    double lag_seconds = -1;
    double records_mirrored = -1;
    double bytes_mirrored = -1;
  };
  published_values published;

 private:
  // Queued or in flight, oldest first, their tickets consecutive (entries
  // are only added at the back and removed at either end, and nothing is
  // queued after drop_queued), so a ticket's entry is at ticket_index(); the
  // entry found is checked to carry the ticket. A record whose report came
  // while an older one's has not stays here, settled, until the older ones
  // settle.
  enum class delivery : uint8_t { awaited, landed, unmapped };
  struct inflight_record {
    record_ticket ticket;
    source_offset source;
    int64_t bytes;
    int64_t timestamp_ms;
    delivery outcome = delivery::awaited;
    int64_t landed_at = -1;  // target offset, when landed
  };

  partition_key key_;
  std::string target_topic_;
  offsets::mirror_position pos_;
  offsets::run_appender runs_;  // the map's tail and the runs not checkpointed yet
  bool dirty_ = false;
  source_offset next_fetch_;
  std::deque<inflight_record> inflight_;
  record_ticket next_ticket_ = 0;
  int64_t inflight_bytes_ = 0;
  // The first record since this pipeline was created whose report did not
  // confirm where it landed (refused, purged, acknowledged without an
  // offset), or -1: a later one that landed would move the position past it,
  // so it is not mapped.
  int64_t first_unmapped_source_ = -1;
  std::vector<landed_record> landed_;
  size_t landed_next_ = 0;
  store::stop_reason stop_reason_ = store::stop_reason::none;
  std::string stop_detail_;
  int64_t stop_source_offset_ = -1;
  int64_t target_max_record_bytes_ = 0;
  int64_t last_timestamp_ms_ = 0;
  uint64_t records_mirrored_ = 0;
  uint64_t bytes_mirrored_ = 0;

  // Journal batches written since the last checkpoint that covered them:
  // first target offset and end (exclusive).
  std::deque<std::pair<target_offset, target_offset>> journal_batches_;

  void record_landed(source_offset s, target_offset t, int64_t bytes, int64_t ts);
  // Moves the position over the oldest records whose reports have come;
  // returns true when that stopped the partition.
  bool settle_oldest();
  bool land(const inflight_record& rec);
  // The record `ticket` names, awaiting its report; null when no record in
  // flight has that ticket or its report came already: the partition stops
  // as internal_error (`stopped_now` when that stopped it).
  inflight_record* awaiting(record_ticket ticket, bool& stopped_now);
};

// Bytes of a record as the target counts them, about: payload, key, headers
// and a framing allowance. The size checked against max.message.bytes and
// counted in strait_bytes_mirrored_total.
[[nodiscard]] int64_t record_bytes(const rd_kafka_message_t* msg);

// What a record in flight costs in memory beyond record_bytes(): librdkafka's
// message and queue structures and strait's own bookkeeping. With the target
// down, bench/memory_bench measured 230-350 bytes of RSS per in-flight
// 16-byte record in all, against 80 for record_bytes(). Flow control counts
// record_bytes() + this, so the limits bound memory for small records too.
constexpr int64_t kInflightRecordOverhead = 192;

// What flow control counts for a record in flight: record_bytes() plus
// kInflightRecordOverhead (on_queued() takes it; deliveries count the
// record_bytes() part as mirrored).
[[nodiscard]] inline int64_t inflight_cost(const rd_kafka_message_t* msg) {
  return record_bytes(msg) + kInflightRecordOverhead;
}

}  // namespace strait::mirror
