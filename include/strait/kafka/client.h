#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "strait/base/result.h"
#include "strait/base/types.h"
#include "strait/kafka/types.h"

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
// The release alone, e.g. "2.14.2".
[[nodiscard]] std::string library_release();

// Refuses a library older than kMinLibraryVersion (a stale LD_LIBRARY_PATH or
// an old system copy found instead of the one strait was built with).
[[nodiscard]] status check_library_version();

struct watermarks {
  int64_t low = 0;
  int64_t high = 0;
};

struct topic_info {
  int partitions = 0;
};

// A consumer group's state as its coordinator reports it.
enum class group_state { unknown, preparing_rebalance, completing_rebalance, stable, dead, empty };
[[nodiscard]] const char* to_string(group_state s);
// Whether a group in state `s` has members (neither empty nor dead).
[[nodiscard]] inline bool has_members(group_state s) {
  return s != group_state::empty && s != group_state::dead;
}

// A group's protocol. librdkafka knows the classic and the consumer (KIP-848)
// protocol. Its ListConsumerGroups keeps only groups of the protocol types ""
// (offsets only) and "consumer": share, streams, Connect and other groups are
// never listed (not even with an unknown type). unknown is what a broker
// without ListGroups v5 (no KIP-848) answers for every group.
enum class group_type { unknown, classic, consumer };
[[nodiscard]] const char* to_string(group_type t);  // "unknown", "classic", "consumer"

struct group_listing {
  std::string id;
  group_state state = group_state::unknown;
  group_type type = group_type::unknown;
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

struct cluster_description {
  std::string cluster_id;            // printable, as cluster_id() makes it
  int32_t controller_id = -1;        // -1 when not known
  std::vector<broker_node> brokers;  // by id
};

struct group_member {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::string group_instance_id;            // empty when none
  std::vector<topic_partition> assignment;  // sorted
};

struct group_description {
  std::string id;
  group_type type = group_type::unknown;
  group_state state = group_state::unknown;
  bool simple = false;       // a simple consumer group (no protocol: offsets only)
  std::string assignor;      // partition assignor; empty when none
  int32_t coordinator = -1;  // broker id
  std::vector<group_member> members;
};

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
  // Topic configs (DescribeConfigs, 500 topics a request); only topics that
  // were found and described without an error are in the result.
  [[nodiscard]] result<std::map<std::string, std::vector<config_entry>>> describe_topic_configs(
      const std::vector<std::string>& topics) const;
  // The id of each topic (DescribeTopics, 500 topics a request, each waiting
  // at most `timeout`); topics that were not found, or that the cluster
  // described with an error, are missing from the result.
  [[nodiscard]] result<std::map<std::string, topic_id>> describe_topic_ids(
      const std::vector<std::string>& topics, std::chrono::milliseconds timeout) const;
  // True when this request created the topic; false when it existed
  // already (someone else's, or created meanwhile): not strait's to own.
  [[nodiscard]] result<bool> create_topic(const std::string& topic, int partitions,
                                          int replication_factor, const properties& configs) const;
  [[nodiscard]] status create_partitions(const std::string& topic, int total) const;
  // Changes a topic's own configs (IncrementalAlterConfigs, one request, the
  // changes applied together or not at all). Errors name the topic and the
  // broker's reason: errc::invalid_argument when the broker refuses a value
  // or config (INVALID_CONFIG, POLICY_VIOLATION, ...); errc::precondition
  // when it refuses the request whatever it holds (no permission, a broker
  // without the API, no such topic); errc::kafka when no answer came.
  [[nodiscard]] status alter_topic_configs(const std::string& topic,
                                           const std::vector<config_change>& changes) const;
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

  // The cluster's id, controller and brokers (librdkafka's DescribeCluster,
  // a metadata request). A KRaft cluster names one of its brokers as the
  // controller (clients cannot reach the quorum). errc::not_found when the
  // cluster answers but names no cluster id: librdkafka 2.14.2 crashes on
  // such an answer, so it is not asked.
  [[nodiscard]] result<cluster_description> describe_cluster() const;
  // The configs of one broker (DescribeConfigs on a BROKER resource, sent to
  // that broker), e.g. the target's message.max.bytes. is_default is true
  // for Kafka's built-in default (set neither in the broker's properties nor
  // dynamically); a sensitive value is empty.
  [[nodiscard]] result<std::vector<config_entry>> describe_broker_configs(int32_t broker_id) const;
  // Every ACL of the cluster (DescribeAcls with a filter matching any),
  // sorted. Errors: errc::precondition when the cluster has no authorizer
  // (SECURITY_DISABLED); a message saying the client's principal lacks
  // DESCRIBE on the CLUSTER resource (CLUSTER_AUTHORIZATION_FAILED);
  // otherwise the error text. librdkafka 2.14.2 drops DescribeAcls' error
  // and answers no ACL instead, so an empty answer is checked: the cluster
  // operations the principal may perform (metadata) and the broker's
  // authorizer.class.name (DescribeConfigs), within the same timeout.
  [[nodiscard]] result<std::vector<acl_binding>> describe_acls() const;
  // Creates the bindings (one CreateAcls request; the caller bounds its
  // size): one status per binding, in order. A binding that exists already
  // is created again without error and nothing changes (Kafka's
  // authorizer). A binding librdkafka cannot build (a resource type,
  // pattern, operation or permission it has no code for) fails alone,
  // errc::invalid_argument; a request that fails fails every binding.
  [[nodiscard]] std::vector<status> create_acls(const std::vector<acl_binding>& bindings) const;
  // Deletes `binding` alone (DeleteAcls with a filter naming each of its
  // fields, never ANY or MATCH): the number of bindings the broker deleted
  // (0 when there was none, 1 when there was). errc::invalid_argument for a
  // binding librdkafka cannot build; errc::kafka for a refusal (a message
  // saying the principal lacks ALTER on the CLUSTER resource) or no answer.
  [[nodiscard]] result<size_t> delete_acl(const acl_binding& binding) const;
  // The operations the client's principal may perform on `topic` (Kafka's
  // names, e.g. "WRITE"; DescribeTopics with authorized operations,
  // KIP-430). errc::not_found for a topic the broker does not describe
  // (missing, or not described to this principal); errc::kafka when the
  // broker does not say.
  [[nodiscard]] result<std::set<std::string>> topic_operations(const std::string& topic) const;
  // Every SCRAM user of the cluster (DescribeUserScramCredentials naming no
  // user), sorted by name: mechanisms and iterations only, credentials cannot
  // be read back. Errors as describe_acls for CLUSTER_AUTHORIZATION_FAILED;
  // errc::precondition when the cluster does not support the API
  // (UNSUPPORTED_VERSION, or a broker older than 2.7). A request-level error
  // from the broker costs a few hundred bytes that are never freed: freeing
  // that answer aborts with librdkafka 2.14.2.
  [[nodiscard]] result<std::vector<scram_user>> describe_scram_users() const;

  // Every consumer group of the cluster with its state and type (ListGroups
  // on every broker, of every type: librdkafka sends no type filter unless
  // asked; see group_type for the groups it leaves out).
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
  // Describes each group (DescribeConsumerGroups: ConsumerGroupDescribe, then
  // DescribeGroups for a classic group), one result per group. Coordinator
  // requests, under the rule of list_group_offsets (ADR 0012). One group per
  // request: librdkafka splits a request into one per group anyway and
  // answers only when all are answered, so a slow coordinator would fail its
  // whole batch. A group its coordinator describes with an error is an error
  // naming the group and the error. errc::not_found for GROUP_ID_NOT_FOUND
  // and for the state dead, which is how a group that does not exist comes
  // back (librdkafka asks DescribeGroups v5 at most, whose answer for it is
  // dead, no error): so do share and streams groups, which librdkafka cannot
  // describe. A Connect group (protocol "connect") is an error as well.
  [[nodiscard]] std::map<std::string, result<group_description>> describe_groups(
      const std::vector<std::string>& groups);
  // How often a call ended with requests unanswered and replaced the handle.
  [[nodiscard]] int handles_replaced() const { return handles_replaced_; }
  // Replaced handles of every admin client still being destroyed (in the
  // background: librdkafka can take long, or forever, to end their threads).
  [[nodiscard]] static int handles_closing();

 private:
  // Sends one request per group (`issue(group, opaque, queue)`), waits for
  // the answers until the deadline and replaces the handle if any is missing.
  // `answer_of(event, group)` reads the group's value or error from a result
  // event of `type`: std::optional<result<Value>>, empty when the event holds
  // no answer for the group.
  template <typename Value, typename Issue, typename Answer>
  std::map<std::string, result<Value>> group_requests(const std::vector<std::string>& groups,
                                                      rd_kafka_event_type_t type,
                                                      const std::string& what, Issue issue,
                                                      Answer answer_of);
  [[nodiscard]] static result<handle> new_handle(const properties& user,
                                                 const std::string& client_id,
                                                 const std::string& field);

  // One DescribeConfigs request (describe_topic_configs splits large lists).
  [[nodiscard]] result<std::map<std::string, std::vector<config_entry>>>
  describe_topic_configs_once(const std::vector<std::string>& topics) const;
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
