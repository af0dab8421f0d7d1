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

// Waits for the result event of one admin request.
result<event_ptr> wait_result(rd_kafka_queue_t* q, rd_kafka_event_type_t type,
                              std::chrono::milliseconds timeout, const std::string& what) {
  event_ptr ev(rd_kafka_queue_poll(q, static_cast<int>(timeout.count()) + 1000));
  if (!ev)
    return fail(errc::kafka, what + ": timed out after " + std::to_string(timeout.count()) + " ms");
  if (rd_kafka_event_type(ev.get()) != type) {
    return fail(errc::kafka, what + ": unexpected event " + rd_kafka_event_name(ev.get()));
  }
  if (rd_kafka_event_error(ev.get())) {
    return fail(errc::kafka, what + ": " + rd_kafka_event_error_string(ev.get()));
  }
  return ev;
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

std::string library_version() { return std::string("librdkafka ") + rd_kafka_version_str(); }

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
  std::map<std::string, std::vector<config_entry>> out;
  if (topics.empty()) return out;
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
    std::vector<config_entry> entries;
    size_t m = 0;
    const rd_kafka_ConfigEntry_t** es = rd_kafka_ConfigResource_configs(rs[i], &m);
    for (size_t j = 0; j < m; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(es[j]);
      entries.push_back(config_entry{
          rd_kafka_ConfigEntry_name(es[j]), value ? value : "",
          rd_kafka_ConfigEntry_source(es[j]) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG,
          rd_kafka_ConfigEntry_is_sensitive(es[j]) != 0});
    }
    out[rd_kafka_ConfigResource_name(rs[i])] = std::move(entries);
  }
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

status admin_client::create_topic(const std::string& topic, int partitions, int replication_factor,
                                  const properties& configs) const {
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
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* s = rd_kafka_topic_result_error_string(tr[i]);
      return fail(errc::kafka, "cannot create target topic " + topic + ": " + err_text(e) +
                                   (s ? std::string(": ") + s : ""));
    }
  }
  return {};
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
  rd_kafka_ListConsumerGroups(rk_, opts.get(), q.get());
  auto ev = wait_result(q.get(), RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, timeout_,
                        "ListConsumerGroups");
  if (!ev) return std::unexpected(ev.error());
  const auto* r = rd_kafka_event_ListConsumerGroups_result(ev->get());
  group_list out;
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** valid = rd_kafka_ListConsumerGroups_result_valid(r, &n);
  for (size_t i = 0; i < n; ++i) {
    group_listing g{rd_kafka_ConsumerGroupListing_group_id(valid[i]), group_state::unknown};
    switch (rd_kafka_ConsumerGroupListing_state(valid[i])) {
      case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE:
        g.state = group_state::preparing_rebalance;
        break;
      case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE:
        g.state = group_state::completing_rebalance;
        break;
      case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE:
        g.state = group_state::stable;
        break;
      case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD:
        g.state = group_state::dead;
        break;
      case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY:
        g.state = group_state::empty;
        break;
      default:
        break;
    }
    out.groups.push_back(std::move(g));
  }
  size_t m = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(r, &m);
  if (m > 0) {
    out.complete = false;
    out.error = rd_kafka_error_string(errors[0]);
  }
  return out;
}

template <typename Value, typename Issue, typename Results>
std::map<std::string, result<Value>> admin_client::group_requests(
    const std::vector<std::string>& groups, rd_kafka_event_type_t type, const std::string& what,
    Issue issue, Results groups_of, Value (*convert)(const rd_kafka_topic_partition_list_t*)) {
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
    size_t n = 0;
    const rd_kafka_group_result_t** rs = groups_of(ev.get(), &n);
    for (size_t i = 0; i < n; ++i) {
      if (rd_kafka_group_result_name(rs[i]) != group) continue;  // one group per request
      if (const rd_kafka_error_t* e = rd_kafka_group_result_error(rs[i])) {
        out.insert_or_assign(group, fail(errc::kafka, what + " of group " + group + ": " +
                                                          rd_kafka_error_string(e)));
      } else {
        out.insert_or_assign(group, convert(rd_kafka_group_result_partitions(rs[i])));
      }
    }
    if (!out.contains(group)) {
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
  auto groups_of = [](rd_kafka_event_t* ev, size_t* n) {
    return rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev), n);
  };
  return group_requests(groups, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT,
                        "ListConsumerGroupOffsets", issue, groups_of, &to_committed);
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
  auto groups_of = [](rd_kafka_event_t* ev, size_t* n) {
    return rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev), n);
  };
  auto out = group_requests(groups, RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT, what, issue,
                            groups_of, &to_refused);
  out.merge(refused_here);
  return out;
}

}  // namespace strait::kafka
