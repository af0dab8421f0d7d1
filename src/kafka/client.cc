#include "strait/kafka/client.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

#include "strait/base/secret_property.h"
#include "strait/base/text.h"

namespace strait::kafka {

namespace {

struct event_deleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using event_ptr = std::unique_ptr<rd_kafka_event_t, event_deleter>;
struct admin_options_deleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};

// Waits for the result event of one admin request, whatever its error (for
// callers that read the error's code).
result<event_ptr> wait_event(rd_kafka_queue_t* q, rd_kafka_event_type_t type,
                             std::chrono::milliseconds timeout, const std::string& what) {
  event_ptr ev(rd_kafka_queue_poll(q, static_cast<int>(timeout.count()) + 1000));
  if (!ev)
    return fail(errc::kafka, what + ": timed out after " + std::to_string(timeout.count()) + " ms");
  if (rd_kafka_event_type(ev.get()) != type) {
    return fail(errc::kafka, what + ": unexpected event " + rd_kafka_event_name(ev.get()));
  }
  return ev;
}

// Waits for the result event of one admin request; its error is an error.
result<event_ptr> wait_result(rd_kafka_queue_t* q, rd_kafka_event_type_t type,
                              std::chrono::milliseconds timeout, const std::string& what) {
  auto ev = wait_event(q, type, timeout, what);
  if (ev && rd_kafka_event_error(ev->get())) {
    return fail(errc::kafka, what + ": " + rd_kafka_event_error_string(ev->get()));
  }
  return ev;
}

// What is left of `timeout` until `deadline` (zero or less when none).
std::chrono::milliseconds left_until(std::chrono::steady_clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                               std::chrono::steady_clock::now());
}

std::unique_ptr<rd_kafka_AdminOptions_t, admin_options_deleter> admin_options(
    rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout) {
  std::unique_ptr<rd_kafka_AdminOptions_t, admin_options_deleter> o(
      rd_kafka_AdminOptions_new(rk, op));
  std::array<char, 256> err{};
  (void)rd_kafka_AdminOptions_set_request_timeout(o.get(), static_cast<int>(timeout.count()),
                                                  err.data(), err.size());
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) {
    (void)rd_kafka_AdminOptions_set_operation_timeout(o.get(), static_cast<int>(timeout.count()),
                                                      err.data(), err.size());
  }
  return o;
}

// The longest request timeout librdkafka accepts for an admin request. Group
// requests get it so that librdkafka's own timer never fires before the
// coordinator request is sent (the abort of ADR 0012); strait keeps its own,
// shorter deadline and destroys the handle of requests it did not get back.
constexpr std::chrono::milliseconds kLibraryGroupRequestTimeout{3600 * 1000};

uint64_t request_id_of(rd_kafka_event_t* ev) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(rd_kafka_event_opaque(ev)));
}

void* opaque_of(uint64_t id) { return reinterpret_cast<void*>(static_cast<uintptr_t>(id)); }

std::vector<committed_offset> to_committed(const rd_kafka_topic_partition_list_t* l) {
  std::vector<committed_offset> out;
  for (int i = 0; l && i < l->cnt; ++i) {
    const auto& p = l->elems[i];
    if (p.err || p.offset < 0) continue;  // nothing committed for this partition
    out.push_back(committed_offset{
        p.topic, p.partition, p.offset,
        p.metadata ? std::string(static_cast<const char*>(p.metadata), p.metadata_size) : ""});
  }
  return out;
}

std::vector<refused_partition> to_refused(const rd_kafka_topic_partition_list_t* l) {
  std::vector<refused_partition> out;
  for (int i = 0; l && i < l->cnt; ++i) {
    const auto& p = l->elems[i];
    if (p.err) out.push_back(refused_partition{p.topic, p.partition, p.err});
  }
  return out;
}

// The answer for `group` among the group results of a ListConsumerGroupOffsets
// or AlterConsumerGroupOffsets event: its partitions converted, or its error;
// empty when the event has none for it.
template <typename Value>
std::optional<result<Value>> partitions_answer(
    const rd_kafka_group_result_t** rs, size_t n, const std::string& group, const std::string& what,
    Value (*convert)(const rd_kafka_topic_partition_list_t*)) {
  std::optional<result<Value>> out;
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_group_result_name(rs[i]) != group) continue;  // one group per request
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(rs[i])) {
      out.emplace(fail(errc::kafka, what + " of group " + group + ": " + rd_kafka_error_string(e)));
    } else {
      out.emplace(convert(rd_kafka_group_result_partitions(rs[i])));
    }
  }
  return out;
}

// A string librdkafka may give as NULL.
std::string text_of(const char* s) { return s ? s : ""; }

group_state state_of(rd_kafka_consumer_group_state_t s) {
  switch (s) {
    case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE:
      return group_state::preparing_rebalance;
    case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE:
      return group_state::completing_rebalance;
    case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE:
      return group_state::stable;
    case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD:
      return group_state::dead;
    case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY:
      return group_state::empty;
    default:
      // Among others the states of consumer (KIP-848) groups librdkafka
      // 2.14.2 does not name: Assigning, Reconciling.
      return group_state::unknown;
  }
}

group_type type_of(rd_kafka_consumer_group_type_t t) {
  switch (t) {
    case RD_KAFKA_CONSUMER_GROUP_TYPE_CLASSIC:
      return group_type::classic;
    case RD_KAFKA_CONSUMER_GROUP_TYPE_CONSUMER:
      return group_type::consumer;
    default:
      return group_type::unknown;
  }
}

// The entries of a DescribeConfigs result resource; `is_default(source)`
// tells whether a value is not the resource's own.
std::vector<config_entry> entries_of(const rd_kafka_ConfigResource_t* r,
                                     bool (*is_default)(rd_kafka_ConfigSource_t)) {
  std::vector<config_entry> entries;
  size_t m = 0;
  const rd_kafka_ConfigEntry_t** es = rd_kafka_ConfigResource_configs(r, &m);
  for (size_t j = 0; j < m; ++j) {
    entries.push_back(config_entry{text_of(rd_kafka_ConfigEntry_name(es[j])),
                                   text_of(rd_kafka_ConfigEntry_value(es[j])),
                                   is_default(rd_kafka_ConfigEntry_source(es[j])),
                                   rd_kafka_ConfigEntry_is_sensitive(es[j]) != 0});
  }
  return entries;
}

// Kafka's names of ACL fields (org.apache.kafka.common.acl, .resource), by
// code: librdkafka's own names differ for the resource type (its enum, shared
// with configs, calls Kafka's CLUSTER code BROKER), and its parser reads a
// code it does not know (DELEGATION_TOKEN, USER, CREATE_TOKENS,
// DESCRIBE_TOKENS, TWO_PHASE_COMMIT in 2.14.2) as UNKNOWN.
constexpr std::array<const char*, 8> kAclResourceTypes = {
    "UNKNOWN",          "UNKNOWN",          "TOPIC", "GROUP", "CLUSTER",
    "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER"};
constexpr std::array<const char*, 5> kAclPatternTypes = {"UNKNOWN", "UNKNOWN", "MATCH", "LITERAL",
                                                         "PREFIXED"};
constexpr std::array<const char*, 4> kAclPermissions = {"UNKNOWN", "UNKNOWN", "DENY", "ALLOW"};

const char* acl_resource_type_name(int code) {
  return code >= 0 && code < static_cast<int>(kAclResourceTypes.size()) ? kAclResourceTypes[code]
                                                                        : "UNKNOWN";
}

const char* acl_pattern_type_name(int code) {
  return code >= 0 && code < static_cast<int>(kAclPatternTypes.size()) ? kAclPatternTypes[code]
                                                                       : "UNKNOWN";
}

constexpr std::array<const char*, 16> kAclOperations = {"UNKNOWN",
                                                        "UNKNOWN",
                                                        "ALL",
                                                        "READ",
                                                        "WRITE",
                                                        "CREATE",
                                                        "DELETE",
                                                        "ALTER",
                                                        "DESCRIBE",
                                                        "CLUSTER_ACTION",
                                                        "DESCRIBE_CONFIGS",
                                                        "ALTER_CONFIGS",
                                                        "IDEMPOTENT_WRITE",
                                                        "CREATE_TOKENS",
                                                        "DESCRIBE_TOKENS",
                                                        "TWO_PHASE_COMMIT"};

const char* acl_operation_name(int code) {
  return code >= 0 && code < static_cast<int>(kAclOperations.size()) ? kAclOperations[code]
                                                                     : "UNKNOWN";
}

const char* acl_permission_name(int code) {
  return code >= 0 && code < static_cast<int>(kAclPermissions.size()) ? kAclPermissions[code]
                                                                      : "UNKNOWN";
}

// The code of a Kafka name in one of the tables above, or 0 (librdkafka's
// UNKNOWN) when it is none of them.
static_assert(RD_KAFKA_RESOURCE_TOPIC == 2 && RD_KAFKA_RESOURCE_BROKER == 4 &&
              RD_KAFKA_RESOURCE_TRANSACTIONAL_ID == 5);
static_assert(RD_KAFKA_RESOURCE_PATTERN_MATCH == 2 && RD_KAFKA_RESOURCE_PATTERN_PREFIXED == 4);
static_assert(RD_KAFKA_ACL_OPERATION_ALL == 2 && RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE == 12);
static_assert(RD_KAFKA_ACL_PERMISSION_TYPE_DENY == 2 && RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW == 3);

template <size_t N>
int code_of(const std::array<const char*, N>& names, const std::string& name) {
  for (size_t i = 2; i < N; ++i) {
    if (name == names[i]) return static_cast<int>(i);
  }
  return 0;
}

// The error of a cluster-wide read that needs DESCRIBE on the CLUSTER
// resource (DescribeAcls, DescribeUserScramCredentials).
error cluster_read_error(const std::string& what, rd_kafka_resp_err_t code,
                         const std::string& text) {
  switch (code) {
    case RD_KAFKA_RESP_ERR_SECURITY_DISABLED:
      return {errc::precondition, what + ": the cluster has no authorizer (SECURITY_DISABLED)"};
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return {errc::kafka, what +
                               ": the client's principal lacks DESCRIBE on the CLUSTER resource "
                               "(CLUSTER_AUTHORIZATION_FAILED)"};
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
      return {errc::precondition, what + ": the cluster does not support it: " + err_text(code)};
    default:
      return {errc::kafka, what + ": " + (text.empty() ? err_text(code) : text)};
  }
}

// The DescribeCluster result event (`authorized_operations`: with the
// cluster operations the client's principal may perform). Only for a cluster
// that names its id: librdkafka 2.14.2 copies the id of the answer with
// strdup, which crashes on one that has none (rd_kafka_ClusterDescription_new).
result<event_ptr> describe_cluster_event(rd_kafka_t* rk, std::chrono::milliseconds timeout,
                                         bool authorized_operations) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Known from the handle's metadata; waits for its first metadata if none yet.
  char* id = rd_kafka_clusterid(rk, static_cast<int>(timeout.count()));
  const bool named = id != nullptr;
  if (named) rd_kafka_mem_free(rk, id);
  const auto left = left_until(deadline);
  if (left.count() <= 0) {
    return fail(errc::kafka,
                "DescribeCluster: timed out after " + std::to_string(timeout.count()) + " ms");
  }
  if (!named) {  // metadata came, without an id
    return fail(errc::not_found,
                "DescribeCluster: the cluster answers but tells no cluster id (not asked further: "
                "librdkafka 2.14.2 crashes on such an answer)");
  }
  queue_ptr q(rd_kafka_queue_new(rk));
  auto opts = admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECLUSTER, left);
  if (authorized_operations) {
    if (rd_kafka_error_t* e =
            rd_kafka_AdminOptions_set_include_authorized_operations(opts.get(), 1))
      rd_kafka_error_destroy(e);  // cannot fail for this request type
  }
  rd_kafka_DescribeCluster(rk, opts.get(), q.get());
  return wait_result(q.get(), RD_KAFKA_EVENT_DESCRIBECLUSTER_RESULT, left, "DescribeCluster");
}

// A broker's error with its message (made printable), for an error text.
std::string answer_text(rd_kafka_resp_err_t e, const char* message) {
  return err_text(e) + (message && *message ? ": " + printable(message, 512) : "");
}

bool not_set_on_broker(rd_kafka_ConfigSource_t source) {
  return source == RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG;
}

// The configs of broker `broker_id` (DescribeConfigs, sent to that broker).
result<std::vector<config_entry>> broker_configs(rd_kafka_t* rk, int32_t broker_id,
                                                 std::chrono::milliseconds timeout) {
  const std::string what = "DescribeConfigs of broker " + std::to_string(broker_id);
  if (broker_id < 0) return fail(errc::invalid_argument, what + ": not a broker id");
  rd_kafka_ConfigResource_t* res =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, std::to_string(broker_id).c_str());
  queue_ptr q(rd_kafka_queue_new(rk));
  auto opts = admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout);
  rd_kafka_DescribeConfigs(rk, &res, 1, opts.get(), q.get());
  rd_kafka_ConfigResource_destroy(res);
  auto ev = wait_result(q.get(), RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, timeout, what);
  if (!ev) return std::unexpected(ev.error());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(ev->get()), &n);
  if (n != 1) return fail(errc::kafka, what + ": an answer without the broker");
  if (const auto e = rd_kafka_ConfigResource_error(rs[0])) {
    return fail(errc::kafka,
                what + ": " + answer_text(e, rd_kafka_ConfigResource_error_string(rs[0])));
  }
  return entries_of(rs[0], &not_set_on_broker);
}

// librdkafka 2.14.2 drops the error of a DescribeAcls answer
// (rd_kafka_DescribeAclsResponse_parse reads it into a local variable) and
// gives its empty list of ACLs instead: a cluster without an authorizer
// (SECURITY_DISABLED) and a principal without DESCRIBE on the cluster
// (CLUSTER_AUTHORIZATION_FAILED) look like a cluster without ACLs. Tells
// which, by then: success when the cluster does have an authorizer that let
// the principal describe its ACLs.
status check_no_acls(rd_kafka_t* rk, std::chrono::steady_clock::time_point deadline,
                     const std::string& what) {
  const std::string unsure =
      what + ": answered no ACL, which librdkafka 2.14.2 also answers when the request failed; ";
  auto left = left_until(deadline);
  if (left.count() <= 0) return fail(errc::kafka, unsure + "no time was left to tell");
  auto ev = describe_cluster_event(rk, left, true);
  if (!ev) return fail(errc::kafka, unsure + "telling failed: " + ev.error().message);
  const auto* r = rd_kafka_event_DescribeCluster_result(ev->get());
  size_t n_ops = 0;
  const rd_kafka_AclOperation_t* ops =
      rd_kafka_DescribeCluster_result_authorized_operations(r, &n_ops);
  auto may = [&](rd_kafka_AclOperation_t op) {
    return std::find(ops, ops + n_ops, op) != ops + n_ops ||
           std::find(ops, ops + n_ops, RD_KAFKA_ACL_OPERATION_ALL) != ops + n_ops;
  };
  // Without an authorizer a broker grants every operation; with one, those
  // of the principal, none at all without DESCRIBE (KIP-430). NULL when the
  // broker did not say (older than 2.3).
  if (ops != nullptr && !may(RD_KAFKA_ACL_OPERATION_DESCRIBE)) {
    return std::unexpected(
        cluster_read_error(what, RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, ""));
  }
  if (ops != nullptr && !may(RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS)) return {};  // an authorizer
  // Whether there is an authorizer at all: a broker's authorizer.class.name.
  size_t n_nodes = 0;
  const rd_kafka_Node_t** nodes = rd_kafka_DescribeCluster_result_nodes(r, &n_nodes);
  if (n_nodes == 0) return fail(errc::kafka, unsure + "the cluster named no broker to ask");
  left = left_until(deadline);
  if (left.count() <= 0) return fail(errc::kafka, unsure + "no time was left to tell");
  auto configs = broker_configs(rk, rd_kafka_Node_id(nodes[0]), left);
  if (!configs) return fail(errc::kafka, unsure + "telling failed: " + configs.error().message);
  for (const auto& c : *configs) {
    if (c.name == "authorizer.class.name" && c.value.empty()) {
      return std::unexpected(cluster_read_error(what, RD_KAFKA_RESP_ERR_SECURITY_DISABLED, ""));
    }
  }
  // An authorizer, or a server that does not name it (not Apache Kafka):
  // the answer stands.
  return {};
}

// One group of a DescribeConsumerGroups result.
result<group_description> describe_group(const rd_kafka_ConsumerGroupDescription_t* d,
                                         const std::string& group, const std::string& what) {
  const std::string prefix = what + " of group " + group + ": ";
  if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(d)) {
    const rd_kafka_resp_err_t code = rd_kafka_error_code(e);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string message = prefix + err_text(code);
      // The text of librdkafka's own errors says more, e.g. "GroupId g is
      // not a consumer group (connect)."; that of a broker's error only
      // repeats the code.
      if (code < 0) message += ": " + text_of(rd_kafka_error_string(e));
      return fail(code == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND ? errc::not_found : errc::kafka,
                  message);
    }
  }
  group_description out;
  out.id = group;
  out.type = type_of(rd_kafka_ConsumerGroupDescription_type(d));
  out.state = state_of(rd_kafka_ConsumerGroupDescription_state(d));
  if (out.state == group_state::dead) {
    // What DescribeGroups up to v5 answers for a group that does not exist,
    // or is of a type it does not describe (share, streams).
    return fail(errc::not_found,
                prefix +
                    "no such group (its coordinator describes it as dead; share and streams "
                    "groups, which librdkafka cannot describe, come back so too)");
  }
  out.simple = rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(d) != 0;
  out.assignor = text_of(rd_kafka_ConsumerGroupDescription_partition_assignor(d));
  if (const rd_kafka_Node_t* coordinator = rd_kafka_ConsumerGroupDescription_coordinator(d)) {
    out.coordinator = rd_kafka_Node_id(coordinator);
  }
  const size_t n = rd_kafka_ConsumerGroupDescription_member_count(d);
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(d, i);
    if (m == nullptr) continue;
    group_member member{text_of(rd_kafka_MemberDescription_consumer_id(m)),
                        text_of(rd_kafka_MemberDescription_client_id(m)),
                        text_of(rd_kafka_MemberDescription_host(m)),
                        text_of(rd_kafka_MemberDescription_group_instance_id(m)),
                        {}};
    const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m);
    const rd_kafka_topic_partition_list_t* l =
        a ? rd_kafka_MemberAssignment_partitions(a) : nullptr;
    for (int j = 0; l && j < l->cnt; ++j) {
      member.assignment.emplace_back(text_of(l->elems[j].topic), l->elems[j].partition);
    }
    std::sort(member.assignment.begin(), member.assignment.end());
    out.members.push_back(std::move(member));
  }
  return out;
}

const char* scram_mechanism_name(rd_kafka_ScramMechanism_t m) {
  switch (m) {
    case RD_KAFKA_SCRAM_MECHANISM_SHA_256:
      return "SCRAM-SHA-256";
    case RD_KAFKA_SCRAM_MECHANISM_SHA_512:
      return "SCRAM-SHA-512";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

const char* to_string(group_state s) {
  switch (s) {
    case group_state::unknown:
      return "unknown";
    case group_state::preparing_rebalance:
      return "preparing_rebalance";
    case group_state::completing_rebalance:
      return "completing_rebalance";
    case group_state::stable:
      return "stable";
    case group_state::dead:
      return "dead";
    case group_state::empty:
      return "empty";
  }
  return "unknown";
}

const char* to_string(group_type t) {
  switch (t) {
    case group_type::unknown:
      return "unknown";
    case group_type::classic:
      return "classic";
    case group_type::consumer:
      return "consumer";
  }
  return "unknown";
}

bool is_group_active_error(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
         err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
         err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
         err == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID;
}

bool is_transient_coordinator_error(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
         err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR || err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT;
}

static_assert(RD_KAFKA_VERSION >= kMinLibraryVersion, "librdkafka headers older than 2.8.0");

std::string library_release() { return rd_kafka_version_str(); }
std::string library_version() { return "librdkafka " + library_release(); }

status check_library_version() {
  if (rd_kafka_version() >= kMinLibraryVersion) return {};
  auto text = [](int v) {  // 0xMMmmrrpp
    return std::to_string((v >> 24) & 0xff) + "." + std::to_string((v >> 16) & 0xff) + "." +
           std::to_string((v >> 8) & 0xff);
  };
  return fail(errc::precondition,
              "running with " + library_version() + " (built against " + text(RD_KAFKA_VERSION) +
                  "); straitd needs " + text(kMinLibraryVersion) +
                  " or newer: use the library scripts/librdkafka builds (docs/adr/0011)");
}

std::string err_text(rd_kafka_resp_err_t err) {
  return std::string(rd_kafka_err2name(err)) + " (" + rd_kafka_err2str(err) + ")";
}

result<conf_ptr> make_conf(const properties& user, const properties& forced,
                           const std::string& field) {
  conf_ptr conf(rd_kafka_conf_new());
  std::array<char, 512> err{};
  auto apply = [&](const properties& props, const std::string& where) -> status {
    for (const auto& [k, v] : props) {
      if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err.data(), err.size()) !=
          RD_KAFKA_CONF_OK) {
        std::string msg = where + "." + k + ": rejected by librdkafka";
        // librdkafka's message quotes the value; keep it out for secrets.
        if (!is_secret_property(k)) msg += ": " + std::string(err.data());
        return fail(errc::invalid_argument,
                    msg + " (see librdkafka CONFIGURATION.md for valid names and values)");
      }
    }
    return {};
  };
  if (auto s = apply(user, field); !s) return std::unexpected(s.error());
  if (auto s = apply(forced, "strait's own setting"); !s) return std::unexpected(s.error());
  return conf;
}

result<handle> make_client(rd_kafka_type_t type, conf_ptr conf, const std::string& what) {
  std::array<char, 512> err{};
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err.data(), err.size());
  if (rk == nullptr) {
    return fail(errc::invalid_argument, "cannot create the " + what + " client: " + err.data());
  }
  (void)conf.release();  // owned by rk now
  return handle(rk);
}

namespace {
std::atomic<int> g_handles_closing{0};

// rd_kafka_destroy waits for every thread of the handle, and librdkafka
// 2.14.2 can keep a broker thread of a handle whose group requests were cut
// short alive for good (ADR 0012): the caller, a group sync round, does not
// wait for it. A handle that never closes costs its threads and sockets until
// straitd exits; closers are detached, not joined at exit.
void close_in_background(handle h) {
  g_handles_closing.fetch_add(1);
  // Shared, so that the fallback below still has the handle when making the
  // thread fails.
  auto shared = std::make_shared<handle>(std::move(h));
  try {
    std::thread([shared] {
      shared->reset();
      g_handles_closing.fetch_sub(1);
    }).detach();
  } catch (const std::system_error&) {
    // No thread to be had (resource limits): destroyed here, as before.
    shared->reset();
    g_handles_closing.fetch_sub(1);
  }
}
}  // namespace

int admin_client::handles_closing() { return g_handles_closing.load(); }

result<handle> admin_client::new_handle(const properties& user, const std::string& client_id,
                                        const std::string& field) {
  auto conf = make_conf(user, {{"client.id", client_id}}, field);
  if (!conf) return std::unexpected(conf.error());
  return make_client(RD_KAFKA_PRODUCER, std::move(*conf), field);
}

result<std::unique_ptr<admin_client>> admin_client::connect(const properties& user,
                                                            const std::string& client_id,
                                                            const std::string& field,
                                                            std::chrono::milliseconds timeout) {
  auto rk = new_handle(user, client_id, field);
  if (!rk) return std::unexpected(rk.error());
  return std::unique_ptr<admin_client>(
      new admin_client(user, client_id, field, std::move(*rk), timeout));
}

admin_client::admin_client(properties user, std::string client_id, std::string field, handle rk,
                           std::chrono::milliseconds timeout)
    : user_(std::move(user)),
      client_id_(std::move(client_id)),
      field_(std::move(field)),
      owned_(std::move(rk)),
      rk_(owned_.get()),
      timeout_(timeout) {}

result<std::string> admin_client::cluster_id() const {
  char* id = rd_kafka_clusterid(rk_, static_cast<int>(timeout_.count()));
  if (id == nullptr) {
    // No id: either no metadata yet (unreachable), or a broker that names
    // none (pre-KIP-78 brokers, some proxies and Kafka-compatible servers).
    if (auto md = list_topics(); !md) return std::unexpected(md.error());
    return fail(errc::not_found, "the cluster answers but tells no cluster id");
  }
  std::string out = printable(id, 128);  // from the broker: shown in logs and errors
  rd_kafka_mem_free(rk_, id);
  return out;
}

result<std::map<std::string, topic_info>> admin_client::list_topics() const {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk_, 1, nullptr, &md, static_cast<int>(timeout_.count()));
  if (err) return fail(errc::kafka, "metadata request failed: " + err_text(err));
  std::map<std::string, topic_info> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err) continue;  // being created or deleted: picked up next round
    out[t.topic] = topic_info{t.partition_cnt};
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

result<std::map<std::string, std::vector<config_entry>>> admin_client::describe_topic_configs(
    const std::vector<std::string>& topics) const {
  // The answer holds every config of every topic asked: 500 topics a
  // request keep it to a few MB on any estate.
  constexpr size_t kTopicsPerRequest = 500;
  std::map<std::string, std::vector<config_entry>> out;
  for (size_t at = 0; at < topics.size(); at += kTopicsPerRequest) {
    auto part = describe_topic_configs_once(
        {topics.begin() + at, topics.begin() + std::min(topics.size(), at + kTopicsPerRequest)});
    if (!part) return std::unexpected(part.error());
    out.merge(*part);
  }
  return out;
}

result<std::map<std::string, std::vector<config_entry>>> admin_client::describe_topic_configs_once(
    const std::vector<std::string>& topics) const {
  std::map<std::string, std::vector<config_entry>> out;
  std::vector<rd_kafka_ConfigResource_t*> res;
  for (const auto& t : topics) {
    res.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
  }
  queue_ptr q(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_);
  rd_kafka_DescribeConfigs(rk_, res.data(), res.size(), opts.get(), q.get());
  rd_kafka_ConfigResource_destroy_array(res.data(), res.size());
  auto ev =
      wait_result(q.get(), RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, timeout_, "DescribeConfigs");
  if (!ev) return std::unexpected(ev.error());
  const auto* r = rd_kafka_event_DescribeConfigs_result(ev->get());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(r, &n);
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_ConfigResource_error(rs[i])) continue;
    out[rd_kafka_ConfigResource_name(rs[i])] =
        entries_of(rs[i], [](rd_kafka_ConfigSource_t source) {
          return source != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG;
        });
  }
  return out;
}

result<std::vector<config_entry>> admin_client::describe_broker_configs(int32_t broker_id) const {
  return broker_configs(rk_, broker_id, timeout_);
}

result<cluster_description> admin_client::describe_cluster() const {
  auto ev = describe_cluster_event(rk_, timeout_, false);
  if (!ev) return std::unexpected(ev.error());
  const auto* r = rd_kafka_event_DescribeCluster_result(ev->get());
  cluster_description out;
  out.cluster_id = printable(text_of(rd_kafka_DescribeCluster_result_cluster_id(r)), 128);
  if (const rd_kafka_Node_t* controller = rd_kafka_DescribeCluster_result_controller(r)) {
    out.controller_id = rd_kafka_Node_id(controller);
  }
  size_t n = 0;
  const rd_kafka_Node_t** nodes = rd_kafka_DescribeCluster_result_nodes(r, &n);
  for (size_t i = 0; i < n; ++i) {
    out.brokers.push_back(
        broker_node{rd_kafka_Node_id(nodes[i]), text_of(rd_kafka_Node_host(nodes[i])),
                    rd_kafka_Node_port(nodes[i]), text_of(rd_kafka_Node_rack(nodes[i]))});
  }
  std::sort(out.brokers.begin(), out.brokers.end(),
            [](const broker_node& a, const broker_node& b) { return a.id < b.id; });
  return out;
}

result<std::vector<acl_binding>> admin_client::describe_acls() const {
  const std::string what = "DescribeAcls";
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::array<char, 256> err{};
  std::unique_ptr<rd_kafka_AclBindingFilter_t, decltype(&rd_kafka_AclBinding_destroy)> filter(
      rd_kafka_AclBindingFilter_new(RD_KAFKA_RESOURCE_ANY, nullptr, RD_KAFKA_RESOURCE_PATTERN_ANY,
                                    nullptr, nullptr, RD_KAFKA_ACL_OPERATION_ANY,
                                    RD_KAFKA_ACL_PERMISSION_TYPE_ANY, err.data(), err.size()),
      &rd_kafka_AclBinding_destroy);
  if (!filter) return fail(errc::kafka, what + ": " + err.data());
  queue_ptr q(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_DESCRIBEACLS, timeout_);
  rd_kafka_DescribeAcls(rk_, filter.get(), opts.get(), q.get());  // copies the filter
  auto ev = wait_event(q.get(), RD_KAFKA_EVENT_DESCRIBEACLS_RESULT, timeout_, what);
  if (!ev) return std::unexpected(ev.error());
  if (const auto code = rd_kafka_event_error(ev->get())) {
    return std::unexpected(
        cluster_read_error(what, code, text_of(rd_kafka_event_error_string(ev->get()))));
  }
  size_t n = 0;
  const rd_kafka_AclBinding_t** acls =
      rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev->get()), &n);
  std::vector<acl_binding> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(acl_binding{
        acl_resource_type_name(static_cast<int>(rd_kafka_AclBinding_restype(acls[i]))),
        text_of(rd_kafka_AclBinding_name(acls[i])),
        acl_pattern_type_name(static_cast<int>(rd_kafka_AclBinding_resource_pattern_type(acls[i]))),
        text_of(rd_kafka_AclBinding_principal(acls[i])), text_of(rd_kafka_AclBinding_host(acls[i])),
        acl_operation_name(static_cast<int>(rd_kafka_AclBinding_operation(acls[i]))),
        acl_permission_name(static_cast<int>(rd_kafka_AclBinding_permission_type(acls[i])))});
  }
  if (out.empty()) {
    ev->reset();
    if (auto s = check_no_acls(rk_, deadline, what); !s) return std::unexpected(s.error());
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// librdkafka's binding of `b`, or (`as_filter`) a filter that names every
// field of it, so that it matches `b` alone; errc::invalid_argument, `what`
// first, for one librdkafka cannot build.
result<rd_kafka_AclBinding_t*> build_acl(const acl_binding& b, bool as_filter,
                                         const std::string& what) {
  const int type = code_of(kAclResourceTypes, b.resource_type);
  const int pattern = code_of(kAclPatternTypes, b.pattern_type);
  const int op = code_of(kAclOperations, b.operation);
  const int permission = code_of(kAclPermissions, b.permission);
  // librdkafka 2.14.2 builds bindings of the resource types up to
  // TRANSACTIONAL_ID and operations up to IDEMPOTENT_WRITE only; MATCH is a
  // filter's pattern, never a binding's (and a filter of it would match
  // others). The name tables above hold Kafka's codes, which are
  // librdkafka's enum values.
  if (type == 0 || type > RD_KAFKA_RESOURCE_TRANSACTIONAL_ID || pattern == 0 ||
      pattern == RD_KAFKA_RESOURCE_PATTERN_MATCH || op == 0 ||
      op > RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE || permission == 0) {
    return fail(errc::invalid_argument, what + ": a binding librdkafka cannot build");
  }
  std::array<char, 256> err{};
  auto* make = as_filter ? &rd_kafka_AclBindingFilter_new : &rd_kafka_AclBinding_new;
  rd_kafka_AclBinding_t* made =
      make(static_cast<rd_kafka_ResourceType_t>(type), b.resource_name.c_str(),
           static_cast<rd_kafka_ResourcePatternType_t>(pattern), b.principal.c_str(),
           b.host.c_str(), static_cast<rd_kafka_AclOperation_t>(op),
           static_cast<rd_kafka_AclPermissionType_t>(permission), err.data(), err.size());
  if (made == nullptr) return fail(errc::invalid_argument, what + ": " + err.data());
  return made;
}

}  // namespace

std::vector<status> admin_client::create_acls(const std::vector<acl_binding>& bindings) const {
  std::vector<status> out(bindings.size());
  std::vector<rd_kafka_AclBinding_t*> made;
  std::vector<size_t> index;  // made[k] is bindings[index[k]]
  auto destroy = [&] {
    for (auto* b : made) rd_kafka_AclBinding_destroy(b);
  };
  for (size_t i = 0; i < bindings.size(); ++i) {
    auto nb = build_acl(bindings[i], false, "CreateAcls");
    if (!nb) {
      out[i] = std::unexpected(nb.error());
      continue;
    }
    made.push_back(*nb);
    index.push_back(i);
  }
  if (made.empty()) return out;
  queue_ptr q(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_CREATEACLS, timeout_);
  rd_kafka_CreateAcls(rk_, made.data(), made.size(), opts.get(), q.get());  // copies them
  destroy();
  auto ev = wait_result(q.get(), RD_KAFKA_EVENT_CREATEACLS_RESULT, timeout_, "CreateAcls");
  if (!ev) {
    for (size_t k : index) out[k] = std::unexpected(ev.error());
    return out;
  }
  size_t n = 0;
  const rd_kafka_acl_result_t** results =
      rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev->get()), &n);
  for (size_t k = 0; k < index.size(); ++k) {
    if (k >= n) {
      out[index[k]] = fail(errc::kafka, "CreateAcls: the broker answered fewer results than asked");
    } else if (const rd_kafka_error_t* e = rd_kafka_acl_result_error(results[k])) {
      const auto code = rd_kafka_error_code(e);
      out[index[k]] =
          fail(errc::kafka,
               code == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED
                   ? std::string("CreateAcls: the client's principal lacks ALTER on the CLUSTER "
                                 "resource (CLUSTER_AUTHORIZATION_FAILED)")
                   : "CreateAcls: " + printable(text_of(rd_kafka_error_string(e)), 512));
    }
  }
  return out;
}

result<size_t> admin_client::delete_acl(const acl_binding& binding) const {
  const std::string what = "DeleteAcls";
  auto filter = build_acl(binding, true, what);
  if (!filter) return std::unexpected(filter.error());
  queue_ptr q(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_DELETEACLS, timeout_);
  rd_kafka_DeleteAcls(rk_, &*filter, 1, opts.get(), q.get());  // copies the filter
  rd_kafka_AclBinding_destroy(*filter);
  auto ev = wait_result(q.get(), RD_KAFKA_EVENT_DELETEACLS_RESULT, timeout_, what);
  if (!ev) return std::unexpected(ev.error());
  size_t n = 0;
  const rd_kafka_DeleteAcls_result_response_t** responses =
      rd_kafka_DeleteAcls_result_responses(rd_kafka_event_DeleteAcls_result(ev->get()), &n);
  if (n != 1)
    return fail(errc::kafka,
                what + ": the broker answered " + std::to_string(n) + " results to one filter");
  if (const rd_kafka_error_t* e = rd_kafka_DeleteAcls_result_response_error(responses[0])) {
    return fail(errc::kafka,
                rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED
                    ? what +
                          ": the client's principal lacks ALTER on the CLUSTER resource "
                          "(CLUSTER_AUTHORIZATION_FAILED)"
                    : what + ": " + printable(text_of(rd_kafka_error_string(e)), 512));
  }
  size_t matched = 0;
  rd_kafka_DeleteAcls_result_response_matching_acls(responses[0], &matched);
  return matched;
}

result<std::vector<scram_user>> admin_client::describe_scram_users() const {
  const std::string what = "DescribeUserScramCredentials";
  queue_ptr q(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_DESCRIBEUSERSCRAMCREDENTIALS, timeout_);
  rd_kafka_DescribeUserScramCredentials(rk_, nullptr, 0, opts.get(), q.get());  // every user
  auto ev = wait_event(q.get(), RD_KAFKA_EVENT_DESCRIBEUSERSCRAMCREDENTIALS_RESULT, timeout_, what);
  if (!ev) return std::unexpected(ev.error());
  if (const auto code = rd_kafka_event_error(ev->get())) {
    if (code > 0) {
      // An error of the broker's answer. librdkafka 2.14.2 keeps its text in
      // the event as a pointer to a constant or to the stack of its parser
      // (rd_kafka_DescribeUserScramCredentialsResponse_parse) and frees it
      // with the event: destroying the event aborts, and the text is not to
      // be read. So the event is left alone (a few hundred bytes, once per
      // failed call) and only the code is used. librdkafka's own errors
      // (negative: timeout, unsupported API) carry a text it allocated.
      (void)ev->release();
      return std::unexpected(cluster_read_error(what, code, ""));
    }
    return std::unexpected(
        cluster_read_error(what, code, text_of(rd_kafka_event_error_string(ev->get()))));
  }
  size_t n = 0;
  const rd_kafka_UserScramCredentialsDescription_t** ds =
      rd_kafka_DescribeUserScramCredentials_result_descriptions(
          rd_kafka_event_DescribeUserScramCredentials_result(ev->get()), &n);
  std::vector<scram_user> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    scram_user u{text_of(rd_kafka_UserScramCredentialsDescription_user(ds[i])), {}};
    // Every description carries an error object, NO_ERROR when fine. Only its
    // code is read: librdkafka formats its text from a string of the answer
    // that is not terminated.
    if (const rd_kafka_error_t* e = rd_kafka_UserScramCredentialsDescription_error(ds[i]);
        e != nullptr && rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return fail(errc::kafka, what + ": user " + u.name + ": " + err_text(rd_kafka_error_code(e)));
    }
    const size_t m = rd_kafka_UserScramCredentialsDescription_scramcredentialinfo_count(ds[i]);
    for (size_t j = 0; j < m; ++j) {
      const rd_kafka_ScramCredentialInfo_t* c =
          rd_kafka_UserScramCredentialsDescription_scramcredentialinfo(ds[i], j);
      u.credentials.push_back(
          scram_credential{scram_mechanism_name(rd_kafka_ScramCredentialInfo_mechanism(c)),
                           static_cast<int>(rd_kafka_ScramCredentialInfo_iterations(c))});
    }
    out.push_back(std::move(u));
  }
  std::sort(out.begin(), out.end(),
            [](const scram_user& a, const scram_user& b) { return a.name < b.name; });
  return out;
}

result<std::map<std::string, topic_id>> admin_client::describe_topic_ids(
    const std::vector<std::string>& topics, std::chrono::milliseconds timeout) const {
  std::map<std::string, topic_id> out;
  // Requests of at most 500 topics, each with its own timeout: an estate's
  // thousands of topics in one request would time out on a busy cluster.
  constexpr size_t kTopicsPerRequest = 500;
  for (size_t first = 0; first < topics.size(); first += kTopicsPerRequest) {
    const size_t n = std::min(kTopicsPerRequest, topics.size() - first);
    auto part =
        describe_topic_ids_once({topics.begin() + first, topics.begin() + first + n}, timeout);
    if (!part) return std::unexpected(part.error());
    out.merge(*part);
  }
  return out;
}

result<std::map<std::string, topic_id>> admin_client::describe_topic_ids_once(
    const std::vector<std::string>& topics, std::chrono::milliseconds timeout) const {
  std::map<std::string, topic_id> out;
  std::vector<const char*> names;
  names.reserve(topics.size());
  for (const auto& t : topics) names.push_back(t.c_str());
  std::unique_ptr<rd_kafka_TopicCollection_t, decltype(&rd_kafka_TopicCollection_destroy)>
      collection(rd_kafka_TopicCollection_of_topic_names(names.data(), names.size()),
                 &rd_kafka_TopicCollection_destroy);
  queue_ptr q(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_DESCRIBETOPICS, timeout);
  rd_kafka_DescribeTopics(rk_, collection.get(), opts.get(), q.get());
  auto ev = wait_result(q.get(), RD_KAFKA_EVENT_DESCRIBETOPICS_RESULT, timeout, "DescribeTopics");
  if (!ev) return std::unexpected(ev.error());
  size_t n = 0;
  const rd_kafka_TopicDescription_t** ds =
      rd_kafka_DescribeTopics_result_topics(rd_kafka_event_DescribeTopics_result(ev->get()), &n);
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_error_code(rd_kafka_TopicDescription_error(ds[i]))) continue;
    const rd_kafka_Uuid_t* uuid = rd_kafka_TopicDescription_topic_id(ds[i]);
    if (uuid == nullptr) continue;
    topic_id id;
    const auto hi = static_cast<uint64_t>(rd_kafka_Uuid_most_significant_bits(uuid));
    const auto lo = static_cast<uint64_t>(rd_kafka_Uuid_least_significant_bits(uuid));
    for (int b = 0; b < 8; ++b) {
      id.bytes[b] = static_cast<uint8_t>(hi >> (56 - 8 * b));
      id.bytes[8 + b] = static_cast<uint8_t>(lo >> (56 - 8 * b));
    }
    out[rd_kafka_TopicDescription_name(ds[i])] = id;
  }
  return out;
}

result<std::set<std::string>> admin_client::topic_operations(const std::string& topic) const {
  const std::string what = "DescribeTopics";
  const char* name = topic.c_str();
  std::unique_ptr<rd_kafka_TopicCollection_t, decltype(&rd_kafka_TopicCollection_destroy)>
      collection(rd_kafka_TopicCollection_of_topic_names(&name, 1),
                 &rd_kafka_TopicCollection_destroy);
  queue_ptr q(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_DESCRIBETOPICS, timeout_);
  if (rd_kafka_error_t* e = rd_kafka_AdminOptions_set_include_authorized_operations(opts.get(), 1))
    rd_kafka_error_destroy(e);  // cannot fail for this request type
  rd_kafka_DescribeTopics(rk_, collection.get(), opts.get(), q.get());
  auto ev = wait_result(q.get(), RD_KAFKA_EVENT_DESCRIBETOPICS_RESULT, timeout_, what);
  if (!ev) return std::unexpected(ev.error());
  size_t n = 0;
  const rd_kafka_TopicDescription_t** ds =
      rd_kafka_DescribeTopics_result_topics(rd_kafka_event_DescribeTopics_result(ev->get()), &n);
  if (n != 1 || rd_kafka_error_code(rd_kafka_TopicDescription_error(ds[0]))) {
    return fail(errc::not_found, what + ": topic " + printable(topic, 256) + " is not described");
  }
  size_t count = 0;
  const rd_kafka_AclOperation_t* ops =
      rd_kafka_TopicDescription_authorized_operations(ds[0], &count);
  if (ops == nullptr) {
    return fail(errc::kafka, what + ": the broker does not say what the client may do on " +
                                 printable(topic, 256));
  }
  std::set<std::string> out;
  for (size_t i = 0; i < count; ++i) out.insert(acl_operation_name(static_cast<int>(ops[i])));
  return out;
}

result<bool> admin_client::create_topic(const std::string& topic, int partitions,
                                        int replication_factor, const properties& configs) const {
  std::array<char, 512> err{};
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, err.data(), err.size());
  if (nt == nullptr) return fail(errc::invalid_argument, "topic " + topic + ": " + err.data());
  for (const auto& [k, v] : configs) (void)rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  queue_ptr q(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_);
  rd_kafka_CreateTopics(rk_, &nt, 1, opts.get(), q.get());
  rd_kafka_NewTopic_destroy(nt);
  auto ev =
      wait_result(q.get(), RD_KAFKA_EVENT_CREATETOPICS_RESULT, timeout_, "CreateTopics " + topic);
  if (!ev) return std::unexpected(ev.error());
  size_t n = 0;
  const rd_kafka_topic_result_t** tr =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev->get()), &n);
  bool created = true;
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
    if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      created = false;
    } else if (e) {
      const char* s = rd_kafka_topic_result_error_string(tr[i]);
      return fail(errc::kafka, "cannot create target topic " + topic + ": " + err_text(e) +
                                   (s ? std::string(": ") + s : ""));
    }
  }
  return created;
}

status admin_client::create_partitions(const std::string& topic, int total) const {
  std::array<char, 512> err{};
  rd_kafka_NewPartitions_t* np =
      rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(total), err.data(), err.size());
  if (np == nullptr) return fail(errc::invalid_argument, "topic " + topic + ": " + err.data());
  queue_ptr q(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout_);
  rd_kafka_CreatePartitions(rk_, &np, 1, opts.get(), q.get());
  rd_kafka_NewPartitions_destroy(np);
  auto ev = wait_result(q.get(), RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT, timeout_,
                        "CreatePartitions " + topic);
  if (!ev) return std::unexpected(ev.error());
  size_t n = 0;
  const rd_kafka_topic_result_t** tr = rd_kafka_CreatePartitions_result_topics(
      rd_kafka_event_CreatePartitions_result(ev->get()), &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
    if (e && e != RD_KAFKA_RESP_ERR_INVALID_PARTITIONS) {
      return fail(errc::kafka,
                  "cannot add partitions to target topic " + topic + ": " + err_text(e));
    }
  }
  return {};
}

status admin_client::alter_topic_configs(const std::string& topic,
                                         const std::vector<config_change>& changes) const {
  if (changes.empty()) return {};
  const std::string what = "IncrementalAlterConfigs of topic " + topic;
  rd_kafka_ConfigResource_t* res =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  for (const auto& c : changes) {
    rd_kafka_error_t* e = rd_kafka_ConfigResource_add_incremental_config(
        res, c.name.c_str(),
        c.value ? RD_KAFKA_ALTER_CONFIG_OP_TYPE_SET : RD_KAFKA_ALTER_CONFIG_OP_TYPE_DELETE,
        c.value ? c.value->c_str() : nullptr);
    if (e != nullptr) {
      std::string text = rd_kafka_error_string(e);
      rd_kafka_error_destroy(e);
      rd_kafka_ConfigResource_destroy(res);
      return fail(errc::invalid_argument,
                  what + ": config " + printable(c.name, 256) + ": " + text);
    }
  }
  queue_ptr q(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_INCREMENTALALTERCONFIGS, timeout_);
  rd_kafka_IncrementalAlterConfigs(rk_, &res, 1, opts.get(), q.get());
  rd_kafka_ConfigResource_destroy(res);
  auto ev = wait_event(q.get(), RD_KAFKA_EVENT_INCREMENTALALTERCONFIGS_RESULT, timeout_, what);
  if (!ev) return std::unexpected(ev.error());
  auto refused = [&](rd_kafka_resp_err_t e, const char* message) {
    // The broker answered. Whatever the request holds, it refuses: no
    // permission, a broker without the API, no such topic; otherwise it
    // refuses a value or config (INVALID_CONFIG, POLICY_VIOLATION, ...).
    const bool any_request = e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                             e == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED ||
                             e == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION ||
                             e == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
                             e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    return fail(any_request ? errc::precondition : errc::invalid_argument,
                what + ": " + answer_text(e, message));
  };
  if (const auto e = rd_kafka_event_error(ev->get())) {
    // librdkafka's own errors (negative: a timeout, no broker up, ...) are
    // no answer, but for a broker without the API; a broker's error code is
    // its answer.
    if (e < 0 && e != RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE) {
      return fail(errc::kafka, what + ": " + rd_kafka_event_error_string(ev->get()));
    }
    return refused(e, rd_kafka_event_error_string(ev->get()));
  }
  size_t n = 0;
  const rd_kafka_ConfigResource_t** rs = rd_kafka_IncrementalAlterConfigs_result_resources(
      rd_kafka_event_IncrementalAlterConfigs_result(ev->get()), &n);
  if (n != 1) return fail(errc::kafka, what + ": an answer without the topic");
  if (const auto e = rd_kafka_ConfigResource_error(rs[0])) {
    return refused(e, rd_kafka_ConfigResource_error_string(rs[0]));
  }
  return {};
}

result<watermarks> admin_client::query_watermarks(const std::string& topic,
                                                  int32_t partition) const {
  watermarks w;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      rk_, topic.c_str(), partition, &w.low, &w.high, static_cast<int>(timeout_.count()));
  if (err) {
    return fail(errc::kafka,
                "offsets of " + topic + "/" + std::to_string(partition) + ": " + err_text(err));
  }
  return w;
}

result<std::map<topic_partition, int64_t>> admin_client::offsets_at(
    const std::vector<topic_partition>& partitions, int64_t which, const char* what) const {
  // librdkafka matches every partition of a call against the partitions
  // already sorted by leader, and the answers against the call, with linear
  // searches: one call costs O(n^2) string compares (at 10,000 partitions in
  // one call, most of a core per estate-wide round; in calls of 500, still
  // the largest part of an idle link's admin CPU). Calls of at most
  // kOffsetsPerCall partitions keep that small and linear in n. Up to
  // kConcurrentCalls of them are in flight at once (each blocks its thread
  // for a round trip), so a cluster far away costs a few round trips per
  // round, not one per call. All share one deadline.
  constexpr size_t kOffsetsPerCall = 100;
  constexpr size_t kConcurrentCalls = 8;
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  const size_t calls = (partitions.size() + kOffsetsPerCall - 1) / kOffsetsPerCall;
  std::mutex mu;
  std::map<topic_partition, int64_t> out;  // guarded by mu
  std::string error;                       // of a call that failed; guarded by mu
  std::atomic<size_t> next_call{0};
  auto worker = [&] {
    for (size_t call = next_call++; call < calls; call = next_call++) {
      const size_t first = call * kOffsetsPerCall;
      const size_t end = std::min(partitions.size(), first + kOffsetsPerCall);
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        std::lock_guard lock(mu);
        error = err_text(RD_KAFKA_RESP_ERR__TIMED_OUT);
        return;
      }
      partition_list l(rd_kafka_topic_partition_list_new(static_cast<int>(end - first)));
      for (size_t i = first; i < end; ++i) {
        // ListOffsets with the timestamp -2 (-1) answers the earliest (latest)
        // offset, as rd_kafka_query_watermark_offsets asks it, one request per leader.
        rd_kafka_topic_partition_list_add(l.get(), partitions[i].first.c_str(),
                                          partitions[i].second)
            ->offset = which;
      }
      const auto err = rd_kafka_offsets_for_times(rk_, l.get(), static_cast<int>(left.count()));
      std::lock_guard lock(mu);
      if (err) {
        error = err_text(err);  // these partitions are missing; the others may still answer
        continue;
      }
      for (int i = 0; i < l->cnt; ++i) {
        const auto& p = l->elems[i];
        if (!p.err && p.offset >= 0) out[{p.topic, p.partition}] = p.offset;
      }
    }
  };
  {
    std::vector<std::jthread> helpers;
    for (size_t i = 1; i < std::min(calls, kConcurrentCalls); ++i) {
      try {
        helpers.emplace_back(worker);
      } catch (const std::system_error&) {
        break;  // no thread to be had: fewer calls at once, this one does the rest
      }
    }
    worker();
  }  // joined: every call has returned
  if (out.empty() && !error.empty()) return fail(errc::kafka, std::string(what) + ": " + error);
  return out;
}

result<std::map<topic_partition, int64_t>> admin_client::log_start_offsets(
    const std::vector<topic_partition>& partitions) const {
  return offsets_at(partitions, RD_KAFKA_OFFSET_BEGINNING, "log start offsets");
}

result<std::map<topic_partition, watermarks>> admin_client::list_watermarks(
    const std::vector<topic_partition>& partitions) const {
  auto low = offsets_at(partitions, RD_KAFKA_OFFSET_BEGINNING, "log start offsets");
  if (!low) return std::unexpected(low.error());
  auto high = offsets_at(partitions, RD_KAFKA_OFFSET_END, "end offsets");
  if (!high) return std::unexpected(high.error());
  std::map<topic_partition, watermarks> out;
  for (const auto& [tp, l] : *low) {
    if (auto h = high->find(tp); h != high->end()) out[tp] = watermarks{l, h->second};
  }
  return out;
}

result<group_list> admin_client::list_groups() const {
  queue_ptr q(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_);
  // No state or type filter: librdkafka sends none unless asked, so every
  // broker lists its groups of every type; librdkafka itself then keeps those
  // of the protocol types "" and "consumer" (see group_type).
  rd_kafka_ListConsumerGroups(rk_, opts.get(), q.get());
  auto ev = wait_result(q.get(), RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, timeout_,
                        "ListConsumerGroups");
  if (!ev) return std::unexpected(ev.error());
  const auto* r = rd_kafka_event_ListConsumerGroups_result(ev->get());
  group_list out;
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** valid = rd_kafka_ListConsumerGroups_result_valid(r, &n);
  for (size_t i = 0; i < n; ++i) {
    out.groups.push_back(group_listing{rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                                       state_of(rd_kafka_ConsumerGroupListing_state(valid[i])),
                                       type_of(rd_kafka_ConsumerGroupListing_type(valid[i]))});
  }
  size_t m = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(r, &m);
  if (m > 0) {
    out.complete = false;
    out.error = rd_kafka_error_string(errors[0]);
  }
  return out;
}

template <typename Value, typename Issue, typename Answer>
std::map<std::string, result<Value>> admin_client::group_requests(
    const std::vector<std::string>& groups, rd_kafka_event_type_t type, const std::string& what,
    Issue issue, Answer answer_of) {
  std::map<std::string, result<Value>> out;
  if (groups.empty()) return out;
  queue_ptr q(rd_kafka_queue_new(rk_));
  // By request id (the event's opaque): a request-level failure names no group.
  std::map<uint64_t, std::string> waiting;
  for (const auto& g : groups) {
    const uint64_t id = waiting.size() + 1;
    issue(g, opaque_of(id), q.get());
    waiting.emplace(id, g);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (!waiting.empty()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    event_ptr ev(rd_kafka_queue_poll(q.get(), static_cast<int>(left.count())));
    if (!ev) continue;
    auto it = waiting.find(request_id_of(ev.get()));
    if (it == waiting.end()) continue;
    const std::string group = it->second;
    waiting.erase(it);
    if (rd_kafka_event_type(ev.get()) != type) {
      out.emplace(group, fail(errc::kafka, what + " of group " + group + ": unexpected event " +
                                               rd_kafka_event_name(ev.get())));
      continue;
    }
    if (std::optional<result<Value>> answer = answer_of(ev.get(), group)) {
      out.insert_or_assign(group, std::move(*answer));
    } else {
      const char* why = rd_kafka_event_error(ev.get()) ? rd_kafka_event_error_string(ev.get())
                                                       : "an answer without the group";
      out.emplace(group, fail(errc::kafka, what + " of group " + group + ": " + why));
    }
  }
  if (waiting.empty()) return out;
  for (const auto& [id, g] : waiting) {
    out.emplace(g, fail(errc::kafka, what + " of group " + g + ": no answer within " +
                                         std::to_string(timeout_.count()) +
                                         " ms (its coordinator is slow or unavailable)"));
  }
  // librdkafka still holds those requests, and would abort when their timer
  // fired before their coordinator is found (ADR 0012): destroying the handle
  // (on a thread of its own) fails them through its termination path, which
  // frees each once.
  q.reset();
  if (auto rk = new_handle(user_, client_id_, field_)) {
    close_in_background(std::move(owned_));
    owned_ = std::move(*rk);
    rk_ = owned_.get();
    ++handles_replaced_;
  }  // else cannot happen: the same properties made the first handle
  return out;
}

std::map<std::string, result<std::vector<committed_offset>>> admin_client::list_group_offsets(
    const std::vector<std::string>& groups) {
  auto opts =
      admin_options(rk_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, kLibraryGroupRequestTimeout);
  auto issue = [&](const std::string& g, void* opaque, rd_kafka_queue_t* q) {
    rd_kafka_AdminOptions_set_opaque(opts.get(), opaque);
    // No partition list: every partition the group has committed.
    rd_kafka_ListConsumerGroupOffsets_t* req =
        rd_kafka_ListConsumerGroupOffsets_new(g.c_str(), nullptr);
    rd_kafka_ListConsumerGroupOffsets(rk_, &req, 1, opts.get(), q);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
  };
  const std::string what = "ListConsumerGroupOffsets";
  auto answer_of = [&](rd_kafka_event_t* ev, const std::string& g) {
    size_t n = 0;
    const rd_kafka_group_result_t** rs = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
    return partitions_answer(rs, n, g, what, &to_committed);
  };
  return group_requests<std::vector<committed_offset>>(
      groups, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, what, issue, answer_of);
}

std::map<std::string, result<std::vector<refused_partition>>> admin_client::alter_group_offsets(
    const std::map<std::string, std::vector<committed_offset>>& offsets) {
  const std::string what = "AlterConsumerGroupOffsets";
  std::map<std::string, result<std::vector<refused_partition>>> refused_here;
  std::vector<std::string> groups;
  for (const auto& [g, list] : offsets) {
    // librdkafka cannot send these, and fails such a request on a path that
    // frees it twice (ADR 0012): refused before they reach it.
    if (list.empty()) {
      refused_here.emplace(
          g, fail(errc::invalid_argument, what + " of group " + g + ": no offsets to write"));
      continue;
    }
    auto negative =
        std::find_if(list.begin(), list.end(), [](const auto& c) { return c.offset < 0; });
    if (negative != list.end()) {
      refused_here.emplace(
          g, fail(errc::invalid_argument,
                  what + " of group " + g + ": offset " + std::to_string(negative->offset) +
                      " of " + negative->topic + "/" + std::to_string(negative->partition) +
                      " is negative; offsets to write are 0 or more"));
      continue;
    }
    groups.push_back(g);
  }
  auto opts =
      admin_options(rk_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, kLibraryGroupRequestTimeout);
  auto issue = [&](const std::string& g, void* opaque, rd_kafka_queue_t* q) {
    rd_kafka_AdminOptions_set_opaque(opts.get(), opaque);
    const auto& list = offsets.at(g);
    partition_list l(rd_kafka_topic_partition_list_new(static_cast<int>(list.size())));
    for (const auto& c : list) {
      auto* p = rd_kafka_topic_partition_list_add(l.get(), c.topic.c_str(), c.partition);
      p->offset = c.offset;
      if (!c.metadata.empty()) {
        // Freed by librdkafka with the list, so allocated by its allocator.
        p->metadata = rd_kafka_mem_malloc(nullptr, c.metadata.size());
        std::memcpy(p->metadata, c.metadata.data(), c.metadata.size());
        p->metadata_size = c.metadata.size();
      }
    }
    rd_kafka_AlterConsumerGroupOffsets_t* req =
        rd_kafka_AlterConsumerGroupOffsets_new(g.c_str(), l.get());
    rd_kafka_AlterConsumerGroupOffsets(rk_, &req, 1, opts.get(), q);
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
  };
  auto answer_of = [&](rd_kafka_event_t* ev, const std::string& g) {
    size_t n = 0;
    const rd_kafka_group_result_t** rs = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
    return partitions_answer(rs, n, g, what, &to_refused);
  };
  auto out = group_requests<std::vector<refused_partition>>(
      groups, RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT, what, issue, answer_of);
  out.merge(refused_here);
  return out;
}

std::map<std::string, result<group_description>> admin_client::describe_groups(
    const std::vector<std::string>& groups) {
  const std::string what = "DescribeConsumerGroups";
  auto opts =
      admin_options(rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, kLibraryGroupRequestTimeout);
  auto issue = [&](const std::string& g, void* opaque, rd_kafka_queue_t* q) {
    rd_kafka_AdminOptions_set_opaque(opts.get(), opaque);
    // One group a call: librdkafka sends one coordinator request per group
    // whatever the call holds, but gives the call's result only when all of
    // them are answered, so a batch would share the fate of its slowest
    // coordinator (and fail whole at the deadline).
    const char* name = g.c_str();
    rd_kafka_DescribeConsumerGroups(rk_, &name, 1, opts.get(), q);
  };
  auto answer_of = [&](rd_kafka_event_t* ev,
                       const std::string& g) -> std::optional<result<group_description>> {
    size_t n = 0;
    const rd_kafka_ConsumerGroupDescription_t** ds = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      if (text_of(rd_kafka_ConsumerGroupDescription_group_id(ds[i])) == g) {
        return describe_group(ds[i], g, what);
      }
    }
    return std::nullopt;
  };
  return group_requests<group_description>(groups, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT,
                                           what, issue, answer_of);
}

}  // namespace strait::kafka
