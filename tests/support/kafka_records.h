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

// Reads [from, end) of a partition (end = high watermark at call time).
std::vector<record> read_partition(const std::string& bootstrap, const std::string& topic,
                                   int32_t partition, bool read_committed,
                                   std::chrono::milliseconds deadline = std::chrono::seconds(60));

// High watermark of a partition; -1 while it does not exist or cannot be read.
int64_t high_watermark(const std::string& bootstrap, const std::string& topic, int32_t partition);

}  // namespace strait::testing
