#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/kafka/client.h"

namespace strait::kafka {

// Reads ranges of partitions in offset order: read-backs after a crash,
// verification. Never the data path: blocking. Joins no group and commits
// nothing. Thread-compatible.
class partition_reader {
 public:
  // `read_committed`: skip aborted transactional records and markers (what
  // the mirror engine reads from the source); otherwise read every record.
  // `field` names the properties in errors, as for make_conf.
  [[nodiscard]] static result<std::unique_ptr<partition_reader>> connect(
      const properties& user, const std::string& client_id, const std::string& field,
      bool read_committed);

  // Calls `on_record` for each record with from <= offset < to, in order.
  // Returns the offset after the last record delivered, or `to` — or less
  // when the partition ends earlier (its end, or its last stable offset when
  // reading committed). Fails with errc::kafka when a fetch fails, or when no
  // record arrives for `idle_timeout` before the range or the partition end.
  [[nodiscard]] result<int64_t> read(
      const std::string& topic, int32_t partition, int64_t from, int64_t to,
      const std::function<void(const rd_kafka_message_t&)>& on_record,
      std::chrono::milliseconds idle_timeout);

  // One range of one partition, for read_many.
  struct range {
    std::string topic;
    int32_t partition = 0;
    int64_t from = 0;
    int64_t to = 0;
  };
  // read() for many ranges at once, each of another partition: one
  // assignment, so the fetches of all of them share round trips (one range
  // at a time waits a round trip or more per range). `on_record(i, record)`
  // gets range i's records in order; the ranges interleave. The result has
  // one entry per range, as read() returns it; `idle_timeout` counts from
  // the last record of any range.
  [[nodiscard]] std::vector<result<int64_t>> read_many(
      const std::vector<range>& ranges,
      const std::function<void(size_t, const rd_kafka_message_t&)>& on_record,
      std::chrono::milliseconds idle_timeout);

 private:
  explicit partition_reader(handle rk) : rk_(std::move(rk)) {}
  // Before reading a topic this handle has not seen: one metadata request for
  // every topic of the cluster (at most one per 10 s while some topic read is
  // not in the answer: deleted, not authorized, not ready). A topic new to
  // the handle otherwise starts fetching only after librdkafka's next topic
  // scan, about a second later (librdkafka 2.14: 1.0 s against 0.02 s per
  // topic of 400 records), which made a full verify of 200 topics take
  // seconds per batch. The request waits at most min(timeout, 10 s), before
  // the read's own idle timeout starts; when it fails, the read goes ahead.
  void learn_topics(const std::vector<range>& ranges, std::chrono::milliseconds timeout);
  handle rk_;
  std::set<std::string> known_topics_;  // in the cluster's metadata when last asked
  std::chrono::steady_clock::time_point topics_asked_at_{};
};

}  // namespace strait::kafka
