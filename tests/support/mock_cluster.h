// librdkafka's in-process mock cluster for component tests: fault injection
// (errors, round trips, brokers down, coordinators placed) without admin APIs.
#pragma once

// clang-format off
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
// clang-format on

#include <string>

namespace strait::testing {

// `brokers` brokers with one topic of `partitions` partitions (replication 1),
// kept alive by the handle that owns it.
class mock_cluster {
 public:
  mock_cluster(int brokers, const std::string& topic, int partitions) {
    char err[256];
    rd_kafka_conf_t* c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "log_level", "0", err, sizeof(err));
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
    mc_ = rd_kafka_mock_cluster_new(rk_, brokers);
    rd_kafka_mock_topic_create(mc_, topic.c_str(), partitions, 1);
  }
  ~mock_cluster() {
    rd_kafka_mock_cluster_destroy(mc_);
    rd_kafka_destroy(rk_);
  }
  mock_cluster(const mock_cluster&) = delete;
  mock_cluster& operator=(const mock_cluster&) = delete;
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(mc_); }
  rd_kafka_mock_cluster_t* get() { return mc_; }

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mc_ = nullptr;
};

}  // namespace strait::testing
