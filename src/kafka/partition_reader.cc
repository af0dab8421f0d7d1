#include "strait/kafka/partition_reader.h"

#include <algorithm>
#include <map>

namespace strait::kafka {

result<std::unique_ptr<partition_reader>> partition_reader::connect(const properties& user,
                                                                    const std::string& client_id,
                                                                    const std::string& field,
                                                                    bool read_committed) {
  // group.id is required by librdkafka's consumer even when only assign()
  // is used; nothing is committed under it.
  auto conf =
      make_conf(user,
                {{"client.id", client_id},
                 {"group.id", client_id},
                 {"enable.auto.commit", "false"},
                 {"enable.auto.offset.store", "false"},
                 {"auto.offset.reset", "error"},
                 {"isolation.level", read_committed ? "read_committed" : "read_uncommitted"},
                 {"enable.partition.eof", "true"},
                 // Reads are of ranges that exist: a fetch left waiting for
                 // new data at the end of one range delays the next range's
                 // first fetch by as much (500 ms by default: verify read
                 // about 300 records/s on 100 partitions; bench/estate_bench).
                 {"fetch.wait.max.ms", "10"},
                 // read_many assigns hundreds of partitions: librdkafka's
                 // defaults would prefetch up to 64 MB per reader (50 MB per
                 // fetch); verify held 221 MB at 2,082 partitions. Each
                 // prefetched record also costs librdkafka ~300 bytes, so
                 // the count is bounded too; a full queue is fetched again
                 // 10 ms after it drains (librdkafka's 1 s backoff made a
                 // verify 5x slower).
                 {"queued.max.messages.kbytes", "4096"},
                 {"queued.min.messages", "10000"},
                 {"fetch.queue.backoff.ms", "10"},
                 {"fetch.max.bytes", "4194304"}},
                field);
  if (!conf) return std::unexpected(conf.error());
  auto rk = make_client(RD_KAFKA_CONSUMER, std::move(*conf), client_id);
  if (!rk) return std::unexpected(rk.error());
  (void)rd_kafka_poll_set_consumer(rk->get());
  return std::unique_ptr<partition_reader>(new partition_reader(std::move(*rk)));
}

result<int64_t> partition_reader::read(
    const std::string& topic, int32_t partition, int64_t from, int64_t to,
    const std::function<void(const rd_kafka_message_t&)>& on_record,
    std::chrono::milliseconds idle_timeout) {
  return read_many(
             {{topic, partition, from, to}},
             [&](size_t, const rd_kafka_message_t& m) { on_record(m); }, idle_timeout)
      .front();
}

std::vector<result<int64_t>> partition_reader::read_many(
    const std::vector<range>& ranges,
    const std::function<void(size_t, const rd_kafka_message_t&)>& on_record,
    std::chrono::milliseconds idle_timeout) {
  rd_kafka_t* rk = rk_.get();
  auto where = [&](size_t i) {
    return ranges[i].topic + "/" + std::to_string(ranges[i].partition);
  };
  std::vector<result<int64_t>> out;
  std::vector<int64_t> next;
  std::map<std::pair<std::string, int32_t>, size_t> index;
  partition_list list(rd_kafka_topic_partition_list_new(static_cast<int>(ranges.size())));
  size_t open = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const range& r = ranges[i];
    out.emplace_back(r.from);
    next.push_back(r.from);
    if (r.from >= r.to) continue;
    if (!index.emplace(std::pair{r.topic, r.partition}, i).second) {
      out[i] = fail(errc::invalid_argument, "cannot read " + where(i) + " twice at once");
      continue;
    }
    rd_kafka_topic_partition_list_add(list.get(), r.topic.c_str(), r.partition)->offset = r.from;
    ++open;
  }
  if (open == 0) return out;
  learn_topics(ranges, idle_timeout);
  if (auto e = rd_kafka_assign(rk, list.get())) {
    for (const auto& [tp, i] : index) {
      out[i] = fail(errc::kafka, "cannot read " + where(i) + ": " + err_text(e));
    }
    return out;
  }
  struct unassign {
    rd_kafka_t* rk;
    ~unassign() { (void)rd_kafka_assign(rk, nullptr); }
  } unassign_at_exit{rk};
  std::vector<bool> done(ranges.size(), false);
  auto finish = [&](size_t i, result<int64_t> r) {
    if (done[i]) return;
    done[i] = true;
    out[i] = std::move(r);
    --open;
  };
  std::string last_error;
  auto deadline = std::chrono::steady_clock::now() + idle_timeout;
  while (open > 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      for (const auto& [tp, i] : index) {
        finish(i, fail(errc::kafka,
                       "reading " + where(i) + " made no progress for " +
                           std::to_string(idle_timeout.count()) + " ms at offset " +
                           std::to_string(next[i]) +
                           (last_error.empty() ? " (cluster unreachable?)" : ": " + last_error)));
      }
      break;
    }
    message_ptr m(rd_kafka_consumer_poll(rk, 200));
    if (!m) continue;
    size_t i = ranges.size();
    if (m->rkt != nullptr) {
      auto it = index.find({rd_kafka_topic_name(m->rkt), m->partition});
      if (it != index.end()) i = it->second;
    }
    if (m->err) {
      if (i == ranges.size()) {
        last_error = err_text(m->err);  // not about one partition: the cluster
        continue;
      }
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        finish(i, next[i]);
      } else if (m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
                 m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
        finish(i, fail(errc::kafka, "cannot read " + where(i) + " at offset " +
                                        std::to_string(next[i]) + ": " + err_text(m->err) +
                                        " (deleted by retention while reading?)"));
      } else {
        last_error = err_text(m->err);  // transient fetch errors are retried by librdkafka
      }
      continue;
    }
    if (i == ranges.size() || done[i]) continue;  // another partition, or a range already read
    if (m->offset < next[i]) continue;            // a refetch after a transient error
    if (m->offset >= ranges[i].to) {
      finish(i, ranges[i].to);
      continue;
    }
    on_record(i, *m);
    next[i] = m->offset + 1;
    if (next[i] >= ranges[i].to) finish(i, ranges[i].to);
    deadline = std::chrono::steady_clock::now() + idle_timeout;
  }
  return out;
}

void partition_reader::learn_topics(const std::vector<range>& ranges,
                                    std::chrono::milliseconds timeout) {
  const bool all_known = std::all_of(ranges.begin(), ranges.end(), [&](const range& r) {
    return r.from >= r.to || known_topics_.contains(r.topic);
  });
  const auto now = std::chrono::steady_clock::now();
  if (all_known || now - topics_asked_at_ < std::chrono::seconds(10)) return;
  topics_asked_at_ = now;
  const rd_kafka_metadata_t* md = nullptr;
  const int ms = static_cast<int>(
      std::min<std::chrono::milliseconds>(timeout, std::chrono::seconds(10)).count());
  if (rd_kafka_metadata(rk_.get(), 1, nullptr, &md, ms) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  known_topics_.clear();
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) known_topics_.insert(md->topics[i].topic);
  }
  rd_kafka_metadata_destroy(md);
}

}  // namespace strait::kafka
