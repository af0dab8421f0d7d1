#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace strait::testing {

// A record as a test compares it across clusters.
struct record {
  int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt = tombstone
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  int64_t timestamp = 0;

  bool same_content(const record& o) const {
    return key == o.key && value == o.value && headers == o.headers && timestamp == o.timestamp;
  }
};

// librdkafka producer for test data; idempotent unless properties say otherwise.
class test_producer {
 public:
  explicit test_producer(const std::string& bootstrap,
                         const std::vector<std::pair<std::string, std::string>>& extra = {});
  ~test_producer();
  void send(const std::string& topic, int32_t partition, const record& r);
  void flush();
  rd_kafka_t* handle() { return rk_; }

 private:
  rd_kafka_t* rk_ = nullptr;
};

// Properties every test client of the cluster at `bootstrap` gets (security:
// protocol, mechanism, user, password, CA), before its own; set once by the
// suite that starts a secured cluster.
void set_cluster_properties(const std::string& bootstrap,
                            std::vector<std::pair<std::string, std::string>> props);

// A client configuration for `bootstrap` with the cluster's properties and
// `extra` properties; throws on a property librdkafka refuses.
rd_kafka_conf_t* client_conf(const std::string& bootstrap,
                             const std::vector<std::pair<std::string, std::string>>& extra);

// Reads [from, end) of a partition (end = high watermark at call time; from
// the log start when `from` is below it).
std::vector<record> read_partition(const std::string& bootstrap, const std::string& topic,
                                   int32_t partition, bool read_committed,
                                   std::chrono::milliseconds deadline = std::chrono::seconds(60),
                                   int64_t from = RD_KAFKA_OFFSET_BEGINNING);

// {log start, high watermark} of a partition; {-1, -1} while it does not
// exist or cannot be read.
std::pair<int64_t, int64_t> watermarks(const std::string& bootstrap, const std::string& topic,
                                       int32_t partition);

// High watermark of a partition; -1 while it does not exist or cannot be read.
int64_t high_watermark(const std::string& bootstrap, const std::string& topic, int32_t partition);

// A consumer in `group` (assigned, not subscribed) reads the first `count`
// committed records of the partition and commits the offset after the last,
// with `metadata`. Returns the committed offset.
int64_t consume_and_commit(const std::string& bootstrap, const std::string& group,
                           const std::string& topic, int32_t partition, size_t count,
                           const std::string& metadata);

// Commits `offset` for `group` without joining it (the group must be empty).
void commit_offset(const std::string& bootstrap, const std::string& group, const std::string& topic,
                   int32_t partition, int64_t offset, const std::string& metadata);

struct committed_position {
  int64_t offset = -1;  // -1: nothing committed
  std::string metadata;
};
// The group's committed offset of the partition (OffsetFetch; joins nothing).
committed_position committed(const std::string& bootstrap, const std::string& group,
                             const std::string& topic, int32_t partition);

}  // namespace strait::testing
