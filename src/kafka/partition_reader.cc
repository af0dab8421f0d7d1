#include "strait/kafka/partition_reader.h"

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
                 {"fetch.wait.max.ms", "10"}},
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
  if (from >= to) return from;
  rd_kafka_t* rk = rk_.get();
  const std::string where = topic + "/" + std::to_string(partition);
  partition_list list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = from;
  if (auto e = rd_kafka_assign(rk, list.get())) {
    return fail(errc::kafka, "cannot read " + where + ": " + err_text(e));
  }
  struct unassign {
    rd_kafka_t* rk;
    ~unassign() { (void)rd_kafka_assign(rk, nullptr); }
  } unassign_at_exit{rk};
  int64_t next = from;
  std::string last_error;
  auto deadline = std::chrono::steady_clock::now() + idle_timeout;
  while (next < to) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail(errc::kafka,
                  "reading " + where + " made no progress for " +
                      std::to_string(idle_timeout.count()) + " ms at offset " +
                      std::to_string(next) +
                      (last_error.empty() ? " (cluster unreachable?)" : ": " + last_error));
    }
    message_ptr m(rd_kafka_consumer_poll(rk, 200));
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return next;
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
          m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
        return fail(errc::kafka, "cannot read " + where + " at offset " + std::to_string(next) +
                                     ": " + err_text(m->err) +
                                     " (deleted by retention while reading?)");
      }
      last_error = err_text(m->err);
      continue;  // transient fetch errors are retried by librdkafka
    }
    if (m->offset < next) continue;  // a refetch after a transient error
    if (m->offset >= to) return to;
    on_record(*m);
    next = m->offset + 1;
    deadline = std::chrono::steady_clock::now() + idle_timeout;
  }
  return next;
}

}  // namespace strait::kafka
