#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "strait/base/result.h"

namespace strait::kafka {

// librdkafka properties (name, value) in order; values may be secrets.
using properties = std::vector<std::pair<std::string, std::string>>;

struct handle_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using handle = std::unique_ptr<rd_kafka_t, handle_deleter>;

struct message_deleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using message_ptr = std::unique_ptr<rd_kafka_message_t, message_deleter>;

struct conf_deleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;

struct partition_list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using partition_list = std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_deleter>;

// Builds a configuration from the user's properties, then strait's own
// (`forced`, which win). `field` prefixes error messages, e.g.
// "links[0].source.properties"; a rejected sensitive value is never echoed.
[[nodiscard]] result<conf_ptr> make_conf(const properties& user, const properties& forced,
                                         const std::string& field);

// Creates a client; takes ownership of `conf`.
[[nodiscard]] result<handle> make_client(rd_kafka_type_t type, conf_ptr conf,
                                         const std::string& what);

[[nodiscard]] std::string err_text(rd_kafka_resp_err_t err);

struct watermarks {
  int64_t low = 0;
  int64_t high = 0;
};

struct config_entry {
  std::string name;
  std::string value;
  bool is_default = true;  // true when the value is not set on the topic itself
  bool is_sensitive = false;
};

struct topic_info {
  int partitions = 0;
};

// Blocking administrative calls, for the control thread only (never the data
// path). One instance per cluster; thread-compatible.
class admin_client {
 public:
  // `rk` may be any client handle of that cluster; admin_client borrows it.
  explicit admin_client(rd_kafka_t* rk, std::chrono::milliseconds timeout)
      : rk_(rk), timeout_(timeout) {}

  // Every topic of the cluster with its partition count.
  [[nodiscard]] result<std::map<std::string, topic_info>> list_topics() const;
  // Topic configs; only topics that were found are in the result.
  [[nodiscard]] result<std::map<std::string, std::vector<config_entry>>> describe_topic_configs(
      const std::vector<std::string>& topics) const;
  [[nodiscard]] status create_topic(const std::string& topic, int partitions,
                                    int replication_factor, const properties& configs) const;
  [[nodiscard]] status create_partitions(const std::string& topic, int total) const;
  [[nodiscard]] result<watermarks> query_watermarks(const std::string& topic,
                                                    int32_t partition) const;

 private:
  rd_kafka_t* rk_;
  std::chrono::milliseconds timeout_;
};

}  // namespace strait::kafka
