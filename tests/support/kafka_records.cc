#include "kafka_records.h"

#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

namespace strait::testing {

namespace {
std::mutex cluster_props_mu;
std::map<std::string, std::vector<std::pair<std::string, std::string>>> cluster_props;
}  // namespace

void set_cluster_properties(const std::string& bootstrap,
                            std::vector<std::pair<std::string, std::string>> props) {
  std::lock_guard lock(cluster_props_mu);
  cluster_props[bootstrap] = std::move(props);
}

rd_kafka_conf_t* client_conf(const std::string& bootstrap,
                             const std::vector<std::pair<std::string, std::string>>& extra) {
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(c, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      throw std::runtime_error(k + ": " + err);
    }
  };
  set("bootstrap.servers", bootstrap);
  {
    std::lock_guard lock(cluster_props_mu);
    if (auto it = cluster_props.find(bootstrap); it != cluster_props.end()) {
      for (const auto& [k, v] : it->second) set(k, v);
    }
  }
  for (const auto& [k, v] : extra) set(k, v);
  return c;
}

namespace {
rd_kafka_t* group_consumer(const std::string& bootstrap, const std::string& group) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER,
                                client_conf(bootstrap, {{"group.id", group},
                                                        {"enable.auto.commit", "false"},
                                                        {"isolation.level", "read_committed"}}),
                                err, sizeof(err));
  if (rk == nullptr) throw std::runtime_error(err);
  rd_kafka_poll_set_consumer(rk);
  return rk;
}

void commit_with(rd_kafka_t* rk, const std::string& topic, int32_t partition, int64_t offset,
                 const std::string& metadata) {
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_add(l, topic.c_str(), partition);
  p->offset = offset;
  if (!metadata.empty()) {
    p->metadata = rd_kafka_mem_malloc(nullptr, metadata.size());
    std::memcpy(p->metadata, metadata.data(), metadata.size());
    p->metadata_size = metadata.size();
  }
  rd_kafka_resp_err_t e = rd_kafka_commit(rk, l, 0);
  rd_kafka_topic_partition_list_destroy(l);
  if (e) throw std::runtime_error(std::string("commit: ") + rd_kafka_err2str(e));
}

void close_consumer(rd_kafka_t* rk) {
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}
}  // namespace

test_producer::test_producer(const std::string& bootstrap,
                             const std::vector<std::pair<std::string, std::string>>& extra) {
  auto all = extra;
  bool has_idem = false;
  for (auto& [k, v] : all) has_idem |= k == "enable.idempotence" || k == "transactional.id";
  if (!has_idem) all.emplace_back("enable.idempotence", "true");
  all.emplace_back("linger.ms", "5");
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, client_conf(bootstrap, all), err, sizeof(err));
  if (rk_ == nullptr) throw std::runtime_error(err);
}

test_producer::~test_producer() {
  rd_kafka_flush(rk_, 10000);
  rd_kafka_destroy(rk_);
}

void test_producer::send(const std::string& topic, int32_t partition, const record& r) {
  rd_kafka_headers_t* h = nullptr;
  if (!r.headers.empty()) {
    h = rd_kafka_headers_new(r.headers.size());
    for (const auto& [n, v] : r.headers) {
      rd_kafka_header_add(h, n.c_str(), -1, v ? v->data() : nullptr, v ? v->size() : 0);
    }
  }
  void* value = r.value ? const_cast<char*>(r.value->data()) : nullptr;
  size_t value_len = r.value ? r.value->size() : 0;
  const void* key = r.key ? r.key->data() : nullptr;
  size_t key_len = r.key ? r.key->size() : 0;
  while (true) {
    rd_kafka_resp_err_t e =
        rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_VALUE(value, value_len), RD_KAFKA_V_KEY(key, key_len),
                          RD_KAFKA_V_TIMESTAMP(r.timestamp), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_, 50);
      continue;
    }
    if (e) {
      if (h) rd_kafka_headers_destroy(h);
      throw std::runtime_error(std::string("produce: ") + rd_kafka_err2str(e));
    }
    break;
  }
  rd_kafka_poll(rk_, 0);
}

void test_producer::flush() {
  if (rd_kafka_flush(rk_, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("test producer flush timed out");
  }
}

std::pair<int64_t, int64_t> watermarks(const std::string& bootstrap, const std::string& topic,
                                       int32_t partition) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, client_conf(bootstrap, {}), err, sizeof(err));
  if (rk == nullptr) return {-1, -1};
  int64_t lo = -1, hi = -1;
  rd_kafka_resp_err_t e =
      rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &lo, &hi, 10000);
  rd_kafka_destroy(rk);
  if (e) return {-1, -1};
  return {lo, hi};
}

int64_t high_watermark(const std::string& bootstrap, const std::string& topic, int32_t partition) {
  return watermarks(bootstrap, topic, partition).second;
}

std::vector<record> read_partition(const std::string& bootstrap, const std::string& topic,
                                   int32_t partition, bool read_committed,
                                   std::chrono::milliseconds deadline, int64_t from) {
  int64_t end = high_watermark(bootstrap, topic, partition);
  std::vector<record> out;
  if (from >= 0 && end <= from) return out;
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(
      RD_KAFKA_CONSUMER,
      client_conf(bootstrap,
                  {{"group.id", "strait-test-reader"},
                   {"enable.auto.commit", "false"},
                   {"enable.partition.eof", "true"},
                   {"auto.offset.reset", "earliest"},  // `from` below the log start
                   {"isolation.level", read_committed ? "read_committed" : "read_uncommitted"}}),
      err, sizeof(err));
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, topic.c_str(), partition)->offset = from;
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  auto stop_at = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < stop_at) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    bool eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && m->offset >= end - 1;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // EOF carries the next offset; with transactions the HWM may be past
      // the last readable record, so EOF at any offset >= end ends the read.
      rd_kafka_message_destroy(m);
      if (eof) break;
      continue;
    }
    if (!m->err) {
      record r;
      r.offset = m->offset;
      if (m->key) r.key = std::string(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) r.value = std::string(static_cast<const char*>(m->payload), m->len);
      rd_kafka_timestamp_type_t tt;
      r.timestamp = rd_kafka_message_timestamp(m, &tt);
      rd_kafka_headers_t* h = nullptr;
      if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* n;
        const void* v;
        size_t sz;
        for (size_t i = 0; rd_kafka_header_get_all(h, i, &n, &v, &sz) == 0; ++i) {
          r.headers.emplace_back(
              n, v ? std::optional<std::string>(std::string(static_cast<const char*>(v), sz))
                   : std::nullopt);
        }
      }
      out.push_back(std::move(r));
      bool done = m->offset >= end - 1;
      rd_kafka_message_destroy(m);
      if (done) break;
      continue;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

int64_t consume_and_commit(const std::string& bootstrap, const std::string& group,
                           const std::string& topic, int32_t partition, size_t count,
                           const std::string& metadata) {
  rd_kafka_t* rk = group_consumer(bootstrap, group);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, topic.c_str(), partition)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  int64_t last = -1;
  size_t read = 0;
  auto stop_at = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (read < count && std::chrono::steady_clock::now() < stop_at) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (!m->err) {
      last = m->offset;
      ++read;
    }
    rd_kafka_message_destroy(m);
  }
  if (read < count) {
    close_consumer(rk);
    throw std::runtime_error("consume_and_commit: read only " + std::to_string(read) + " of " +
                             std::to_string(count) + " records of " + topic);
  }
  commit_with(rk, topic, partition, last + 1, metadata);
  close_consumer(rk);
  return last + 1;
}

void commit_offset(const std::string& bootstrap, const std::string& group, const std::string& topic,
                   int32_t partition, int64_t offset, const std::string& metadata) {
  rd_kafka_t* rk = group_consumer(bootstrap, group);
  commit_with(rk, topic, partition, offset, metadata);
  close_consumer(rk);
}

committed_position committed(const std::string& bootstrap, const std::string& group,
                             const std::string& topic, int32_t partition) {
  rd_kafka_t* rk = group_consumer(bootstrap, group);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, topic.c_str(), partition);
  committed_position out;
  if (rd_kafka_committed(rk, l, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR && !l->elems[0].err) {
    out.offset = l->elems[0].offset < 0 ? -1 : l->elems[0].offset;  // INVALID: none
    if (l->elems[0].metadata) {
      out.metadata =
          std::string(static_cast<const char*>(l->elems[0].metadata), l->elems[0].metadata_size);
    }
  }
  rd_kafka_topic_partition_list_destroy(l);
  close_consumer(rk);
  return out;
}

}  // namespace strait::testing
