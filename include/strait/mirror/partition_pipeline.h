#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "strait/base/types.h"
#include "strait/offsets/offset_run.h"
#include "strait/store/checkpoint_store.h"

namespace strait::mirror {

// A record found on the target past the checkpoint after a crash: it must be
// the next source record, which is then mapped instead of written again.
struct landed_record {
  target_offset offset;
  uint64_t digest = 0;
  bool with_timestamp = true;
};

// Everything the engine needs to run a partition; prepared by the supervisor
// (which may block on Kafka and the store) and handed to the engine thread.
struct partition_start {
  partition_key key;
  std::string target_topic;
  store::partition_checkpoint checkpoint;
  std::optional<offsets::offset_run> tail;  // last stored run
  std::vector<landed_record> landed;        // target records past the checkpoint
  int64_t target_max_record_bytes = 0;      // 0: unknown (the broker decides)
};

// One source partition mirrored to its target partition. Owned and used by
// the engine thread only; no locking.
//
// Lifecycle: running -> (stop) -> stopped; a stopped pipeline fetches nothing
// new but still records deliveries of what was already in flight (that is the
// truth of what the target holds).
class partition_pipeline {
 public:
  explicit partition_pipeline(partition_start start);

  enum class verdict {
    produce,     // write the record to the target
    reconciled,  // already on the target (crash recovery): mapped, not written
    drop,        // duplicate fetch or partition stopped: ignore
    stopped,     // this record stopped the partition (see stop_reason())
  };
  // Decides what to do with a fetched record and advances the fetch position.
  [[nodiscard]] verdict on_record(const rd_kafka_message_t* msg);

  // The engine wrote the record at `s` (of `bytes` bytes) to the producer.
  void on_produced(source_offset s, int64_t bytes, int64_t timestamp_ms);
  // Delivery report for the oldest in-flight record (librdkafka's idempotent
  // producer reports in order per partition). Returns true when it stopped
  // the partition.
  bool on_delivered(rd_kafka_resp_err_t err, int64_t target_offset_or_negative);

  // The oldest in-flight record was not written because the producer failed
  // as a whole (a fatal error caused by another record). Nothing changes but
  // the in-flight accounting; the record is fetched again after a restart.
  void forget_oldest_inflight();

  // Stops the partition; returns false if it was already stopped (so the
  // caller logs and counts only once).
  bool stop(store::stop_reason reason, std::string detail, int64_t source_offset = -1);

  // When nothing is in flight, the consumer's position may be past the last
  // mirrored record (transaction markers, aborted records): adopt it so lag
  // reaches zero. Never moves backwards.
  void adopt_fetch_position(source_offset consumer_position);

  // Checkpoint support: the runs not yet in the store (completed runs plus the
  // current tail) and whether anything changed. mark_persisted() after the
  // store committed them; until then they are offered again.
  [[nodiscard]] bool dirty() const { return dirty_; }
  [[nodiscard]] std::vector<offsets::offset_run> unpersisted_runs() const;
  void mark_persisted();
  [[nodiscard]] store::partition_checkpoint checkpoint() const;

  [[nodiscard]] const partition_key& key() const { return key_; }
  [[nodiscard]] const std::string& target_topic() const { return target_topic_; }
  [[nodiscard]] const offsets::mirror_position& position() const { return pos_; }
  [[nodiscard]] source_offset next_fetch() const { return next_fetch_; }
  [[nodiscard]] bool is_stopped() const { return stop_reason_ != store::stop_reason::none; }
  [[nodiscard]] store::stop_reason stop_reason() const { return stop_reason_; }
  [[nodiscard]] const std::string& stop_detail() const { return stop_detail_; }
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

  // Flow control state, managed by the engine.
  bool flow_paused = false;
  bool consumer_paused = false;

  // Throughput sampling by the engine's metrics round: the count and time
  // of the previous sample.
  uint64_t sampled_records = 0;
  int64_t sampled_at_ms = 0;

 private:
  struct inflight_record {
    source_offset source;
    int64_t bytes;
    int64_t timestamp_ms;
  };

  partition_key key_;
  std::string target_topic_;
  offsets::mirror_position pos_;
  std::optional<offsets::offset_run> tail_;
  std::vector<offsets::offset_run> completed_runs_;  // finished since last checkpoint
  bool tail_dirty_ = false;
  bool dirty_ = false;
  source_offset next_fetch_;
  std::deque<inflight_record> inflight_;
  int64_t inflight_bytes_ = 0;
  std::vector<landed_record> landed_;
  size_t landed_next_ = 0;
  store::stop_reason stop_reason_ = store::stop_reason::none;
  std::string stop_detail_;
  int64_t stop_source_offset_ = -1;
  int64_t target_max_record_bytes_ = 0;
  int64_t last_timestamp_ms_ = 0;
  uint64_t records_mirrored_ = 0;
  uint64_t bytes_mirrored_ = 0;

  void record_landed(source_offset s, target_offset t, int64_t bytes, int64_t ts);
};

// Bytes a record occupies in the producer (payload, key, headers).
[[nodiscard]] int64_t record_bytes(const rd_kafka_message_t* msg);

}  // namespace strait::mirror
