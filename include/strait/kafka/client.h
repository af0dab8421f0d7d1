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
#include "strait/base/types.h"

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

struct queue_deleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;

// Builds a configuration from the user's properties, then strait's own
// (`forced`, which win). `field` prefixes error messages, e.g.
// "links[0].source.properties"; a rejected sensitive value is never echoed.
[[nodiscard]] result<conf_ptr> make_conf(const properties& user, const properties& forced,
                                         const std::string& field);

// Creates a client; takes ownership of `conf`.
[[nodiscard]] result<handle> make_client(rd_kafka_type_t type, conf_ptr conf,
                                         const std::string& what);

[[nodiscard]] std::string err_text(rd_kafka_resp_err_t err);

// The oldest librdkafka strait runs with (ADR 0011): SCRAM against Kafka 4,
// DescribeTopics with topic ids. CMakeLists.txt asks pkg-config for the same
// floor (rdkafka>=2.8.0) and client.cc asserts the headers against it; this is
// the floor for the library found at run time.
inline constexpr int kMinLibraryVersion = 0x020800ff;  // 2.8.0, as RD_KAFKA_VERSION

// "librdkafka 2.14.2" of the library loaded at run time.
[[nodiscard]] std::string library_version();

// Refuses a library older than kMinLibraryVersion (a stale LD_LIBRARY_PATH or
// an old system copy found instead of the one strait was built with).
[[nodiscard]] status check_library_version();

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

// A consumer group's state as its coordinator reports it.
enum class group_state { unknown, preparing_rebalance, completing_rebalance, stable, dead, empty };
[[nodiscard]] const char* to_string(group_state s);

struct group_listing {
  std::string id;
  group_state state = group_state::unknown;
};

struct group_list {
  std::vector<group_listing> groups;
  // False when some broker did not answer: a group missing from `groups` may
  // still exist, so nothing may be concluded from its absence.
  bool complete = true;
  std::string error;  // why it is incomplete
};

// A committed offset of a consumer group: `offset` is the next record the
// group will read; `metadata` is the free-form string committed with it.
struct committed_offset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  std::string metadata;
  auto operator<=>(const committed_offset&) const = default;
};

// A partition the group coordinator refused to commit, and why.
struct refused_partition {
  std::string topic;
  int32_t partition = 0;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
};

// True for the errors a coordinator returns when an offset commit without a
// member id meets a group that has members (it never overwrites a live group).
[[nodiscard]] bool is_group_active_error(rd_kafka_resp_err_t err);

// True for errors that go away by themselves when retried: the group's
// coordinator is loading, moving or not yet known.
[[nodiscard]] bool is_transient_coordinator_error(rd_kafka_resp_err_t err);

using topic_partition = std::pair<std::string, int32_t>;

// Blocking administrative calls, for the control thread only (never the data
// path). One instance per cluster; thread-compatible.
//
// Group offsets go through librdkafka's coordinator requests, which abort the
// process when an admin request times out before its coordinator is found
// (librdkafka 2.14.2 and older: rd_kafka_admin_coord_request frees the request
// it then fails again; docs/adr/0012). So those requests are handed to
// librdkafka with the longest timeout it takes (1 h), strait keeps its own
// deadline, and a call that ends with requests unanswered replaces the
// client's librdkafka handle: destroying a handle fails its requests safely,
// so no group request ever outlives the call that sent it.
class admin_client {
 public:
  // Creates its own client of the cluster (a producer handle: it joins no
  // group and fetches nothing). `field` names the properties in errors, as
  // for make_conf; every call waits at most `timeout`.
  [[nodiscard]] static result<std::unique_ptr<admin_client>> connect(
      const properties& user, const std::string& client_id, const std::string& field,
      std::chrono::milliseconds timeout);
  admin_client(const admin_client&) = delete;
  admin_client& operator=(const admin_client&) = delete;

  // The cluster's id (from metadata; KRaft and ZooKeeper clusters have one),
  // made printable; errc::not_found when the cluster answers without one.
  [[nodiscard]] result<std::string> cluster_id() const;
  // Every topic of the cluster with its partition count.
  [[nodiscard]] result<std::map<std::string, topic_info>> list_topics() const;
  // Topic configs; only topics that were found are in the result.
  [[nodiscard]] result<std::map<std::string, std::vector<config_entry>>> describe_topic_configs(
      const std::vector<std::string>& topics) const;
  // The id of each topic (DescribeTopics, 500 topics a request, each waiting
  // at most `timeout`); topics that were not found, or that the cluster
  // described with an error, are missing from the result.
  [[nodiscard]] result<std::map<std::string, topic_id>> describe_topic_ids(
      const std::vector<std::string>& topics, std::chrono::milliseconds timeout) const;
  [[nodiscard]] status create_topic(const std::string& topic, int partitions,
                                    int replication_factor, const properties& configs) const;
  [[nodiscard]] status create_partitions(const std::string& topic, int total) const;
  [[nodiscard]] result<watermarks> query_watermarks(const std::string& topic,
                                                    int32_t partition) const;
  // The log start offset of each partition: one ListOffsets(earliest) request
  // per leader and 100 partitions (up to 8 at once), all within the client's
  // timeout.
  // Partitions that failed are missing from the result; an error when none
  // answered.
  [[nodiscard]] result<std::map<topic_partition, int64_t>> log_start_offsets(
      const std::vector<topic_partition>& partitions) const;
  // query_watermarks for many partitions at once: two ListOffsets requests
  // per leader and 100 partitions instead of two per partition (each of the
  // two within the client's timeout). Partitions that failed are missing from
  // the result.
  [[nodiscard]] result<std::map<topic_partition, watermarks>> list_watermarks(
      const std::vector<topic_partition>& partitions) const;

  // Every consumer group of the cluster with its state (ListGroups on every broker).
  [[nodiscard]] result<group_list> list_groups() const;
  // Every committed offset of each group. librdkafka takes one group per
  // request, so the requests run concurrently; each group gets its own result.
  [[nodiscard]] std::map<std::string, result<std::vector<committed_offset>>> list_group_offsets(
      const std::vector<std::string>& groups);
  // Commits offsets (with their metadata) for each group without joining it.
  // The coordinator refuses partitions of a group that has members
  // (is_group_active_error); the result lists the refused partitions per group.
  // A group whose list is empty or holds a negative offset is refused here.
  // A commit that got no answer may still land.
  [[nodiscard]] std::map<std::string, result<std::vector<refused_partition>>> alter_group_offsets(
      const std::map<std::string, std::vector<committed_offset>>& offsets);
  // How often a call ended with requests unanswered and replaced the handle.
  [[nodiscard]] int handles_replaced() const { return handles_replaced_; }
  // Replaced handles of every admin client still being destroyed (in the
  // background: librdkafka can take long, or forever, to end their threads).
  [[nodiscard]] static int handles_closing();

 private:
  // Sends one request per group (`issue(group, opaque, queue)`), waits for
  // the answers until the deadline and replaces the handle if any is missing.
  template <typename Value, typename Issue, typename Results>
  std::map<std::string, result<Value>> group_requests(
      const std::vector<std::string>& groups, rd_kafka_event_type_t type, const std::string& what,
      Issue issue, Results groups_of, Value (*convert)(const rd_kafka_topic_partition_list_t*));
  [[nodiscard]] static result<handle> new_handle(const properties& user,
                                                 const std::string& client_id,
                                                 const std::string& field);

  // One DescribeTopics request (describe_topic_ids splits large lists).
  [[nodiscard]] result<std::map<std::string, topic_id>> describe_topic_ids_once(
      const std::vector<std::string>& topics, std::chrono::milliseconds timeout) const;
  // ListOffsets(`which`: RD_KAFKA_OFFSET_BEGINNING or _END) for each partition.
  [[nodiscard]] result<std::map<topic_partition, int64_t>> offsets_at(
      const std::vector<topic_partition>& partitions, int64_t which, const char* what) const;

  admin_client(properties user, std::string client_id, std::string field, handle rk,
               std::chrono::milliseconds timeout);

  // What connect was given, to build a replacement handle.
  properties user_;
  std::string client_id_;
  std::string field_;
  handle owned_;
  rd_kafka_t* rk_;  // owned_.get(), replaced with it
  std::chrono::milliseconds timeout_;
  int handles_replaced_ = 0;
};

}  // namespace strait::kafka
