#include "strait/mirror/engine_thread.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <set>

#include "strait/base/clock.h"
#include "strait/base/invariant.h"
#include "strait/base/text.h"
#include "strait/base/thread_name.h"
#include "strait/kafka/record.h"

namespace strait::mirror {

namespace {

using clock = std::chrono::steady_clock;

// Defaults a user may override, then the user's properties, then strait's
// own settings, which correctness depends on (config.cc rejects a user value
// for those with a message naming the field).
kafka::properties with_defaults(const kafka::properties& defaults, const kafka::properties& user) {
  kafka::properties all = defaults;
  all.insert(all.end(), user.begin(), user.end());
  return all;
}

metrics::labels partition_labels(const partition_key& k) {
  return {{"link", k.link}, {"topic", k.topic}, {"partition", std::to_string(k.partition.value())}};
}

}  // namespace

engine_thread::engine_thread(const config::link_config& cfg, store::checkpoint_store& store,
                             metrics::registry& metrics, link_board& board, size_t index)
    : cfg_(cfg), store_(store), metrics_(metrics), board_(board), index_(index) {
  metrics_.describe("strait_partition_lag_records", metrics::registry::kind::gauge,
                    "Source records not yet mirrored (source end offset minus mirrored position)");
  metrics_.describe("strait_partition_lag_seconds", metrics::registry::kind::gauge,
                    "Age of the last mirrored record while lag_records > 0, else 0");
  metrics_.describe("strait_records_mirrored_total", metrics::registry::kind::counter,
                    "Records acknowledged by the target since start");
  metrics_.describe("strait_bytes_mirrored_total", metrics::registry::kind::counter,
                    "Estimated bytes (key, value, headers, plus a per-record framing allowance) "
                    "acknowledged by the target since start");
  metrics_.describe("strait_partition_stopped", metrics::registry::kind::gauge,
                    "1 while a partition is stopped waiting for an operator, by reason");
}

engine_thread::~engine_thread() { stop(std::chrono::milliseconds(0)); }

status engine_thread::connect() {
  // librdkafka refuses a fetch.max.bytes below message.max.bytes: a source
  // configured for large records gets fetches of that size.
  int64_t fetch_max_bytes = 2LL << 20;
  for (const auto& [k, v] : cfg_.source.props) {
    if (k == "message.max.bytes") {
      fetch_max_bytes = std::max<int64_t>(fetch_max_bytes, std::strtoll(v.c_str(), nullptr, 10));
    }
  }
  // The prefetch queue and one fetch response are the memory outside
  // strait's in-flight accounting: a response is limited in bytes only, and
  // each record fetched costs librdkafka about 300 bytes, so 2 MiB of 16-byte
  // records is ~25 MB (docs/architecture.md#flow-control). The link's
  // prefetch is split over its threads like its in-flight budget.
  const auto threads = static_cast<int64_t>(board_.threads());
  const kafka::properties consumer_defaults = {
      {"queued.max.messages.kbytes", std::to_string(std::max<int64_t>(1024, 16384 / threads))},
      {"queued.min.messages", std::to_string(std::max<int64_t>(1000, 10000 / threads))},
      {"fetch.max.bytes", std::to_string(fetch_max_bytes)},
      // librdkafka's and Kafka's default; how often an idle link fetches (ADR 0014).
      {"fetch.wait.max.ms", "500"},
      // A full prefetch queue postpones the partition's next fetch by this much (librdkafka's
      // default is 1 s, which made the mirror fetch in bursts; ADR 0005, ADR 0011).
      {"fetch.queue.backoff.ms", "10"},
      {"client.id", "strait-" + cfg_.name + "-source"},
  };
  const kafka::properties consumer_forced = {
      {"group.id", "strait-" + cfg_.name},  // never joined: partitions are assigned
      {"enable.auto.commit", "false"},       {"enable.auto.offset.store", "false"},
      {"isolation.level", "read_committed"}, {"auto.offset.reset", "error"},
      {"enable.partition.eof", "false"},
  };
  auto cconf = kafka::make_conf(with_defaults(consumer_defaults, cfg_.source.props),
                                consumer_forced, "links." + cfg_.name + ".source.properties");
  if (!cconf) return std::unexpected(cconf.error());
  rd_kafka_conf_set_error_cb(cconf->get(), &engine_thread::error_callback);
  rd_kafka_conf_set_opaque(cconf->get(), this);
  auto consumer = kafka::make_client(RD_KAFKA_CONSUMER, std::move(*cconf), "source");
  if (!consumer) return std::unexpected(consumer.error());

  const kafka::properties producer_defaults = {
      {"linger.ms", "20"},  // fuller batches: less target broker CPU per byte (bench)
      {"batch.size", "1000000"},
      {"queue.buffering.max.kbytes", "1048576"},
      {"queue.buffering.max.messages", "1000000"},
      {"client.id", "strait-" + cfg_.name + "-target"},
  };
  const kafka::properties producer_forced = {
      {"acks", "all"},
      {"enable.idempotence", "true"},
      {"max.in.flight.requests.per.connection", "5"},
      {"message.timeout.ms", "0"},  // infinite: never drop a record while the target is down
      // A refused batch must not be followed by later batches of the same
      // partition: librdkafka raises a fatal error instead (see on_delivery).
      {"enable.gapless.guarantee", "true"},
  };
  auto pconf = kafka::make_conf(with_defaults(producer_defaults, cfg_.target.props),
                                producer_forced, "links." + cfg_.name + ".target.properties");
  if (!pconf) return std::unexpected(pconf.error());
  rd_kafka_conf_set_dr_msg_cb(pconf->get(), &engine_thread::delivery_callback);
  rd_kafka_conf_set_error_cb(pconf->get(), &engine_thread::error_callback);
  rd_kafka_conf_set_opaque(pconf->get(), this);
  auto producer = kafka::make_client(RD_KAFKA_PRODUCER, std::move(*pconf), "target");
  if (!producer) return std::unexpected(producer.error());

  consumer_ = std::move(*consumer);
  producer_ = std::move(*producer);
  (void)rd_kafka_poll_set_consumer(consumer_.get());
  return {};
}

void engine_thread::launch() {
  thread_ = std::thread([this] {
    // eng:<link> alone, eng<i>:<link> with several threads.
    set_thread_name("eng" + (board_.threads() > 1 ? std::to_string(index_) : "") + ":" + cfg_.name);
    run();
  });
}

void engine_thread::request_stop(std::chrono::milliseconds drain) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    drain_ = drain;  // written before stopping_, which the engine thread reads first
  }
  stopping_ = true;
}

void engine_thread::stop(std::chrono::milliseconds drain) {
  request_stop(drain);
  if (thread_.joinable()) thread_.join();
}

void engine_thread::add_partition(partition_start start) {
  std::lock_guard lock(mu_);
  inbox_.push_back([this, s = std::move(start)]() mutable { install(std::move(s)); });
}

std::future<status> engine_thread::replace_partition(
    partition_start start, std::optional<store::stop_reason> only_stopped_for) {
  auto done = std::make_shared<std::promise<status>>();
  auto result = done->get_future();
  std::lock_guard lock(mu_);
  inbox_.push_back([this, done, s = std::move(start), only_stopped_for]() mutable {
    partition_pipeline* old = find(s.key.topic.c_str(), s.key.partition.value());
    if (old == nullptr || !old->is_stopped() || !idle(*old)) {
      done->set_value(fail(errc::precondition, s.key.to_string() +
                                                   " is not a stopped partition without records in "
                                                   "flight; it cannot be restarted"));
      return;
    }
    if (only_stopped_for && old->stop_reason() != *only_stopped_for) {
      done->set_value(fail(errc::precondition, s.key.to_string() + " is stopped (" +
                                                   store::to_string(old->stop_reason()) +
                                                   "), not " + store::to_string(*only_stopped_for) +
                                                   "; it is not restarted"));
      return;
    }
    // Durable before anything is fetched: after a crash the store must not
    // say stopped at the old position while the target has new records. The
    // old pipeline's journal goes with it: its predictions (records it never
    // produced) would collide with the new pipeline's target offsets.
    store::checkpoint_store::write_batch b;
    b.put_checkpoint(s.key, s.checkpoint);
    if (auto cleared = store_.clear_inflight(s.key, b); !cleared) {
      done->set_value(std::unexpected(cleared.error()));
      return;
    }
    if (auto st = store_.commit(b); !st) {
      done->set_value(std::unexpected(st.error()));
      return;
    }
    // Its stop is over (acknowledged, resumed after a rollback): the series
    // saying so goes, or it would say stopped for good.
    metrics_.remove("strait_partition_stopped", partition_labels(old->key()));
    uninstall(old);
    install(std::move(s));
    // The caller (an acknowledgement, a rollback) reads snapshot() next: it
    // must show the partition as it runs now, not as of the last metrics round.
    publish_metrics();
    done->set_value(status{});
  });
  return result;
}

std::future<status> engine_thread::remove_partition(const partition_key& key) {
  auto done = std::make_shared<std::promise<status>>();
  auto result = done->get_future();
  std::lock_guard lock(mu_);
  inbox_.push_back([this, done, key] {
    partition_pipeline* p = find(key.topic.c_str(), key.partition.value());
    if (p == nullptr) {
      done->set_value(status{});
      return;
    }
    if (!p->is_stopped()) {
      done->set_value(fail(errc::precondition,
                           key.to_string() + " runs; stop it (as released) before removing it"));
      return;
    }
    if (!idle(*p)) {
      done->set_value(fail(errc::busy, key.to_string() + " has " +
                                           std::to_string(p->inflight_records()) +
                                           " records in flight; ask again once they landed"));
      return;
    }
    // Everything it produced landed: the position accounts for it. Durable
    // before the export reads it. A release is stored as running, and what
    // its journal still holds was never produced (send() drops a stopped
    // partition's outbox): deleted. A stop for an incident stays as stored
    // (with an operator's resolution and the journal that is its evidence:
    // the straitd that takes the partition over starts it stopped).
    store::checkpoint_store::write_batch b;
    for (const auto& run : p->unpersisted_runs()) b.put_run(key, run);
    if (p->stop_reason() == store::stop_reason::released) {
      b.put_checkpoint(key, p->checkpoint());
      if (auto cleared = store_.clear_inflight(key, b); !cleared) {
        done->set_value(std::unexpected(cleared.error()));
        return;
      }
    } else {
      auto stored = store_.load(key);
      if (!stored) {
        done->set_value(std::unexpected(stored.error()));
        return;
      }
      store::partition_checkpoint cp = p->checkpoint();
      if (*stored) cp.pending = (*stored)->pending;
      b.put_checkpoint(key, cp);
      for (target_offset first : p->covered_journal_batches()) b.delete_inflight(key, first);
    }
    if (auto st = store_.commit(b, store::durability::fsynced); !st) {
      done->set_value(std::unexpected(st.error()));
      return;
    }
    spdlog::info(
        "{}: left this straitd's engine at source offset {} (target offset {}), {}: another "
        "straitd of the set goes on from here",
        key.to_string(), p->position().next_source.value(), p->position().next_target.value(),
        p->stop_reason() == store::stop_reason::released
            ? std::string("released")
            : "stopped as " + std::string(store::to_string(p->stop_reason())));
    uninstall(p);
    metrics_.remove_everywhere(partition_labels(key));
    // The caller reads has_partition() and snapshot() next.
    publish_metrics();
    done->set_value(status{});
  });
  return result;
}

void engine_thread::uninstall(partition_pipeline* p) {
  snapshot_stale_ = true;
  drop_outbox(*p);
  kafka::partition_list list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), p->key().topic.c_str(), p->key().partition.value());
  if (rd_kafka_error_t* err = rd_kafka_incremental_unassign(consumer_.get(), list.get())) {
    rd_kafka_error_destroy(err);  // not assigned (it never ran): nothing to undo
  }
  std::erase_if(fetch_errors_logged_, [p](const auto& e) { return e.first == p; });
  std::erase(sending_, p);
  log_starts_.erase(p->key());
  if (auto slots = by_topic_.find(p->key().topic); slots != by_topic_.end()) {
    const auto index = static_cast<size_t>(p->key().partition.value());
    if (index < slots->second.size() && slots->second[index] == p) slots->second[index] = nullptr;
  }
  by_id_[p->engine_id] = nullptr;
  std::erase_if(pipelines_, [p](const auto& owned) { return owned.get() == p; });
}

void engine_thread::install(partition_start s) {
  snapshot_stale_ = true;
  {
    const bool stopped_at_start = s.stopped_at_start;
    auto p = std::make_unique<partition_pipeline>(std::move(s));
    partition_pipeline* raw = p.get();
    raw->engine_id = static_cast<uint32_t>(by_id_.size());
    by_id_.push_back(raw);
    auto& slots = by_topic_[raw->key().topic];
    const auto index = static_cast<size_t>(raw->key().partition.value());
    if (slots.size() <= index) slots.resize(index + 1);
    slots[index] = raw;
    pipelines_.push_back(std::move(p));
    if (raw->is_stopped()) {
      raw->consumer_paused = true;  // never assigned
      if (stopped_at_start) {
        on_stopped(*raw);  // found now: logged and counted like any new stop
      } else if (raw->stop_reason() == store::stop_reason::handed_over) {
        spdlog::info("{}: cut over; the target is primary ({})", raw->key().to_string(),
                     raw->stop_detail());
      } else {
        spdlog::warn(
            "{}: stays stopped ({}): {}; acknowledge it with straitctl acknowledge (straitd "
            "--acknowledge while straitd is down)",
            raw->key().to_string(), store::to_string(raw->stop_reason()), raw->stop_detail());
      }
      return;
    }
    kafka::partition_list list(rd_kafka_topic_partition_list_new(1));
    auto* tp = rd_kafka_topic_partition_list_add(list.get(), raw->key().topic.c_str(),
                                                 raw->key().partition.value());
    tp->offset = raw->next_fetch().value();
    rd_kafka_error_t* err = rd_kafka_incremental_assign(consumer_.get(), list.get());
    if (err != nullptr) {
      halt(*raw, store::stop_reason::delivery_failed,
           std::string("cannot assign the source partition: ") + rd_kafka_error_string(err));
      rd_kafka_error_destroy(err);
      return;
    }
    // A partition that ran before (replace_partition) may still carry the
    // pause of its stop.
    (void)rd_kafka_resume_partitions(consumer_.get(), list.get());
    spdlog::info("{}: mirroring to {} from source offset {} (target offset {}{})",
                 raw->key().to_string(), raw->target_topic(), raw->next_fetch().value(),
                 raw->position().next_target.value(),
                 raw->reconciling() ? ", reconciling records found past the checkpoint" : "");
  }
}

void engine_thread::stop_partition(const partition_key& key, store::stop_reason reason,
                                   std::string detail) {
  std::lock_guard lock(mu_);
  inbox_.push_back([this, key, reason, d = std::move(detail)]() mutable {
    partition_pipeline* p = find(key.topic.c_str(), key.partition.value());
    if (p == nullptr) return;
    if (p->explain_stop(reason, d)) {
      // The same incident under its cause: logged and counted again as such.
      auto was = partition_labels(key);
      was.emplace_back("reason", store::to_string(store::stop_reason::retention_gap));
      metrics_.remove("strait_partition_stopped", was);
      on_stopped(*p);
      return;
    }
    halt(*p, reason, std::move(d));
  });
}

void engine_thread::post_watermarks(const partition_snapshot& before, kafka::watermarks source,
                                    std::optional<kafka::watermarks> target) {
  std::lock_guard lock(mu_);
  inbox_.push_back([this, before, source, target] {
    const partition_key& key = before.key;
    partition_pipeline* p = find(key.topic.c_str(), key.partition.value());
    if (p == nullptr) return;
    p->known_source_high = std::max(p->known_source_high, source.high);
    if (p->is_stopped()) return;
    const int64_t previous_low = p->known_source_low;
    // The map below the log start is pruned once per move of the log start
    // (and once after a start): every round would cost a store seek per
    // partition for nothing.
    if (source.low > previous_low) log_starts_[key] = source_offset(source.low);
    p->known_source_low = std::max(p->known_source_low, source.low);
    const auto& was = before.position;
    const std::string where = p->target_topic() + "/" + std::to_string(key.partition.value());
    if (previous_low >= 0 && source.low < previous_low) {
      halt(*p, store::stop_reason::source_truncated,
           "the source partition's log start went back from " + std::to_string(previous_low) +
               " to " + std::to_string(source.low) + ": the topic was deleted and recreated");
    } else if (source.high < was.next_source.value()) {
      halt(*p, store::stop_reason::source_truncated,
           "the source partition ends at offset " + std::to_string(source.high) +
               " but strait already mirrored up to " + std::to_string(was.next_source.value()) +
               ": the topic was probably deleted and recreated");
    } else if (!target) {
      return;  // the target's checks wait for it to answer
    } else if (target->high < was.next_target.value()) {
      halt(*p, store::stop_reason::target_truncated,
           "the target partition " + where + " ends at offset " + std::to_string(target->high) +
               " but strait wrote up to " + std::to_string(was.next_target.value()) +
               ": the target topic was probably deleted or recreated");
    } else if (before.idle && idle(*p) && p->position() == was &&
               target->high > was.next_target.value()) {
      halt(*p, store::stop_reason::foreign_write,
           "the target partition " + where + " ends at offset " + std::to_string(target->high) +
               " but strait wrote only up to " + std::to_string(was.next_target.value()) +
               ": another producer wrote to it; acknowledge with --resolution "
               "accept-target to keep those records and continue after them");
    }
  });
}

status engine_thread::refresh_target_metadata(const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(producer_.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(producer_.get(), 0, rkt, &md, 10000);
  if (md != nullptr) rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  if (err)
    return fail(errc::kafka, "metadata of target topic " + topic + ": " + kafka::err_text(err));
  return {};
}

std::vector<partition_snapshot> engine_thread::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

bool engine_thread::has_partition(const partition_key& key) const {
  std::lock_guard lock(mu_);
  for (const auto& s : snapshot_) {
    if (s.key == key) return true;
  }
  return false;
}

partition_pipeline* engine_thread::find(const char* topic, int32_t partition) {
  auto it = by_topic_.find(topic);
  if (it == by_topic_.end() || partition < 0 ||
      static_cast<size_t>(partition) >= it->second.size()) {
    return nullptr;
  }
  return it->second[partition];
}

void engine_thread::drain_inbox() {
  std::vector<std::function<void()>> work;
  {
    std::lock_guard lock(mu_);
    work.swap(inbox_);
  }
  for (auto& w : work) w();
}

void engine_thread::run() {
  auto next_checkpoint = clock::now() + cfg_.checkpoint_interval;
  auto next_metrics = clock::now();
  auto next_stats = clock::now() + std::chrono::seconds(5);
  while (!stopping_ && !failed_) {
    drain_inbox();
    // Link limit: stop taking records from the consumer (its own prefetch
    // queue is bounded by queued.max.messages.kbytes and stops fetching when
    // full), so nothing fetched is thrown away, and wait for deliveries.
    const bool link_full = total_inflight_.load() >= cfg_.limits.link_inflight_bytes;
    ++loop_stats_.iterations;
    if (link_full) ++loop_stats_.link_full;
    if (!link_full) {
      int timeout = total_inflight_.load() > 0 ? 2 : 50;
      // Timing for the debug statistics is taken per iteration, not per
      // record: the first poll is the only one that may wait.
      auto t0 = clock::now();
      rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer_.get(), timeout);
      auto t1 = clock::now();
      loop_stats_.poll_ns += (t1 - t0).count();
      if (msg == nullptr) ++loop_stats_.empty_polls;
      // Up to 5000 records per iteration; a record is polled only when it
      // will be handled.
      for (int handled = 0; msg != nullptr;) {
        ++loop_stats_.records;
        handle_message(msg);
        // Check limits per record, so bytes in flight overshoot by at most one.
        if (total_inflight_.load() >= cfg_.limits.link_inflight_bytes) break;
        if (over_partition_limit_) apply_flow_control();
        if (++handled == 5000) break;
        msg = rd_kafka_consumer_poll(consumer_.get(), 0);
      }
      loop_stats_.handle_ns += (clock::now() - t1).count();
    }
    // The round's records reach the journal in one write, then the producer.
    journal();
    send();
    auto t2 = clock::now();
    rd_kafka_poll(producer_.get(), link_full ? 5 : 0);
    loop_stats_.dr_ns += (clock::now() - t2).count();
    // Only when something can change (a partition over its limit, paused, with
    // records the producer refused, or just stopped): the walk over every partition stays off
    // the hot path of a link with thousands of partitions.
    if (flow_check_ || over_partition_limit_ || flow_paused_any_) {
      apply_flow_control();
    }
    auto now = clock::now();
    if (now >= next_checkpoint) {
      checkpoint();
      next_checkpoint = now + cfg_.checkpoint_interval;
    }
    // Also right after partitions were added: status must not show a link
    // without the partitions it already mirrors.
    if (now >= next_metrics || snapshot_stale_) {
      publish_metrics();
      snapshot_stale_ = false;
      next_metrics = now + std::chrono::seconds(1);
    }
    if (now >= next_stats) {
      spdlog::debug(
          "link {}: engine loop: {} iterations, {} waiting at the link limit, {} empty "
          "polls, {} records, {} bytes in flight; ms in poll {} handle {} deliveries "
          "{}",
          cfg_.name, loop_stats_.iterations, loop_stats_.link_full, loop_stats_.empty_polls,
          loop_stats_.records, total_inflight_.load(), loop_stats_.poll_ns / 1000000,
          loop_stats_.handle_ns / 1000000, loop_stats_.dr_ns / 1000000);
      loop_stats_ = {};
      next_stats = now + std::chrono::seconds(5);
    }
  }

  // Drain: fetch nothing more, wait for what is in flight, checkpoint it.
  drain_inbox();
  // Never written: fetched again after the restart. Their journal entries
  // stay; recovery maps only what the target holds.
  for (partition_pipeline* p : sending_) drop_outbox(*p);
  sending_.clear();
  std::chrono::milliseconds drain;
  {
    std::lock_guard lock(mu_);
    drain = drain_;
  }
  auto deadline = clock::now() + drain;
  if (failed_) {
    // After a fatal error librdkafka may queue a failed partition's later
    // batches for a retry that never comes; purged, they are reported now
    // (on_purged) instead of holding the drain to its deadline.
    (void)rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE);
  }
  while (rd_kafka_outq_len(producer_.get()) > 0 && clock::now() < deadline) {
    rd_kafka_poll(producer_.get(), 50);
  }
  checkpoint();
  int left = rd_kafka_outq_len(producer_.get());
  if (left > 0) {
    spdlog::warn(
        "link {}: {} records still unacknowledged at shutdown; they are not "
        "checkpointed and will be reconciled on the next start",
        cfg_.name, left);
  }
  // Deliveries after the final checkpoint must not change state; what was
  // not acknowledged is no longer in flight here (gauges drop to 0).
  pipelines_.clear();
  by_id_.assign(1, nullptr);
  total_inflight_ = 0;
  by_topic_.clear();
  (void)rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(producer_.get(), 0);
  (void)rd_kafka_consumer_close(consumer_.get());
  publish_metrics();
}

void engine_thread::handle_message(rd_kafka_message_t* raw) {
  kafka::message_ptr msg(raw);
  if (msg->err) {
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
    if (msg->rkt != nullptr) {
      partition_pipeline* p = find(rd_kafka_topic_name(msg->rkt), msg->partition);
      if (p != nullptr && (msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
                           msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)) {
        halt(*p, store::stop_reason::retention_gap,
             "source offset " + std::to_string(p->next_fetch().value()) +
                 " no longer exists on the source (deleted by retention before strait "
                 "mirrored it, or the topic was recreated); acknowledge with "
                 "--resolution skip-to-log-start to accept the loss",
             p->next_fetch().value());
        return;
      }
      metrics_.add("strait_errors_total", {{"link", cfg_.name}, {"kind", "fetch"}}, 1);
      if (p != nullptr && fetch_errors_logged_.emplace(p, static_cast<int>(msg->err)).second) {
        // Once per partition and error: lag grows while it persists.
        spdlog::warn("link {}: fetching {}/{} fails: {}; retrying", cfg_.name,
                     rd_kafka_topic_name(msg->rkt), msg->partition, kafka::err_text(msg->err));
      }
      return;
    }
    metrics_.add("strait_errors_total", {{"link", cfg_.name}, {"kind", "source"}}, 1);
    return;
  }
  // A load, not an exchange, on the per-record path: the flag is rarely set.
  if (board_.down(true)) board_.answered(true);
  partition_pipeline* p = find(rd_kafka_topic_name(msg->rkt), msg->partition);
  if (p == nullptr) return;  // not (or no longer) ours
  switch (p->on_record(msg.get())) {
    case partition_pipeline::verdict::produce:
      enqueue(*p, std::move(msg));
      break;
    case partition_pipeline::verdict::stopped:
      on_stopped(*p);
      break;
    case partition_pipeline::verdict::reconciled:
    case partition_pipeline::verdict::drop:
      break;
  }
}

void engine_thread::enqueue(partition_pipeline& p, kafka::message_ptr msg) {
  rd_kafka_timestamp_type_t ts_type;
  const int64_t ts = std::max<int64_t>(0, rd_kafka_message_timestamp(msg.get(), &ts_type));
  const int64_t bytes = inflight_cost(msg.get());
  const source_offset source(msg->offset);
  const partition_pipeline::queue_slot q = p.on_queued(source, bytes, ts);
  const uint64_t fingerprint = kafka::fingerprint_of(msg.get());
  if (p.outbox.empty()) sending_.push_back(&p);
  p.outbox.push_back({std::move(msg),
                      {q.lands_at, source, fingerprint},
                      delivery_ticket{p.engine_id, q.ticket}.to_opaque()});
  if (p.inflight_bytes() >= cfg_.limits.partition_inflight_bytes) over_partition_limit_ = true;
  int64_t total = total_inflight_.fetch_add(bytes) + bytes;
  // Only the engine thread writes it; others only read.
  if (total > max_inflight_seen_.load(std::memory_order_relaxed)) {
    max_inflight_seen_.store(total, std::memory_order_relaxed);
  }
}

void engine_thread::journal() {
  store::checkpoint_store::write_batch batch;
  std::vector<store::inflight_entry> entries;
  for (partition_pipeline* p : sending_) {
    if (p->outbox_journaled == p->outbox.size()) continue;
    entries.clear();
    for (size_t i = p->outbox_journaled; i < p->outbox.size(); ++i) {
      entries.push_back(p->outbox[i].entry);
    }
    batch.put_inflight(p->key(), entries);
  }
  if (batch.count() == 0) return;
  if (auto s = store_.commit(batch); !s) {
    // Nothing unjournaled is produced: the outboxes wait (fetching pauses at
    // the limits) and the write is tried again next round.
    if (!journal_failing_) {
      spdlog::error("link {}: cannot write the in-flight journal, retrying: {}", cfg_.name,
                    s.error().message);
    }
    journal_failing_ = true;
    metrics_.add("strait_errors_total", {{"link", cfg_.name}, {"kind", "checkpoint"}}, 1);
    return;
  }
  if (journal_failing_) spdlog::info("link {}: in-flight journal written again", cfg_.name);
  journal_failing_ = false;
  for (partition_pipeline* p : sending_) {
    if (p->outbox_journaled == p->outbox.size()) continue;
    p->journaled(p->outbox[p->outbox_journaled].entry.target,
                 static_cast<int64_t>(p->outbox.size() - p->outbox_journaled));
    p->outbox_journaled = p->outbox.size();
  }
}

void engine_thread::send() {
  for (size_t i = 0; i < sending_.size();) {
    partition_pipeline& p = *sending_[i];
    p.outbox_refused = false;
    for (;;) {
      // Also after each record: produce() may have stopped the partition.
      if (p.is_stopped()) trim_stopped_outbox(p);
      if (p.outbox_journaled == 0) break;
      const produce_result r = produce(p, p.outbox.front());
      if (r == produce_result::later) {
        p.outbox_refused = true;
        flow_check_ = true;  // pauses its fetching until the outbox drains
      }
      if (r != produce_result::written) break;
      p.outbox.pop_front();
      --p.outbox_journaled;
    }
    if (p.outbox.empty()) {
      sending_[i] = sending_.back();
      sending_.pop_back();
    } else {
      ++i;
    }
  }
}

void engine_thread::drop_outbox(partition_pipeline& p) { drop_newest(p, p.outbox.size()); }

void engine_thread::trim_stopped_outbox(partition_pipeline& p) {
  // Records queued before the one that stopped the partition are written
  // (an operator's skip-record continues after that one record, so they
  // must not be left out); the ones from it on, or all when the stop names
  // no record, are fetched again after a resolution.
  const int64_t stop_at = p.stop_source_offset();
  size_t n = 0;
  while (n < p.outbox.size() &&
         (stop_at < 0 || p.outbox[p.outbox.size() - 1 - n].entry.source.value() >= stop_at)) {
    ++n;
  }
  drop_newest(p, n);
}

void engine_thread::drop_newest(partition_pipeline& p, size_t n) {
  const size_t kept = p.outbox.size() - n;
  p.outbox_journaled = std::min(p.outbox_journaled, kept);
  total_inflight_.fetch_sub(p.drop_queued(n));
  p.outbox.resize(kept);
  if (p.outbox.empty()) p.outbox_refused = false;
}

engine_thread::produce_result engine_thread::produce(partition_pipeline& p,
                                                     const partition_pipeline::queued_record& rec) {
  const kafka::message_ptr& msg = rec.msg;
  rd_kafka_headers_t* src_headers = nullptr;
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(msg.get(), &src_headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      src_headers != nullptr) {
    headers = rd_kafka_headers_copy(src_headers);
  }
  rd_kafka_timestamp_type_t ts_type;
  int64_t ts = rd_kafka_message_timestamp(msg.get(), &ts_type);
  if (ts < 0) ts = 0;  // not available: the target stamps it
  // RD_KAFKA_V_HEADERS(nullptr) means "no headers"; on success the producer
  // owns `headers`.
  rd_kafka_resp_err_t err = rd_kafka_producev(
      producer_.get(), RD_KAFKA_V_TOPIC(p.target_topic().c_str()),
      RD_KAFKA_V_PARTITION(p.key().partition.value()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_VALUE(msg->payload, msg->len), RD_KAFKA_V_KEY(msg->key, msg->key_len),
      RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(rec.opaque),
      RD_KAFKA_V_END);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return produce_result::written;
  if (headers != nullptr) rd_kafka_headers_destroy(headers);
  // The producer has failed as a whole (another partition's refused batch):
  // this record was not written and has no position; it is fetched again
  // after the restart. The first failure that is not a purge names the
  // culprit (on_delivery), so this partition must not be stopped here.
  if (err == RD_KAFKA_RESP_ERR__FATAL) return produce_result::refused;
  // Transient: the producer queue is full, or its metadata does not know a
  // partition created moments ago. The record stays first in its outbox.
  if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
      err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
    return produce_result::later;
  }
  bool too_large = err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE;
  halt(p, too_large ? store::stop_reason::oversized_record : store::stop_reason::delivery_failed,
       "cannot write the record from source offset " + std::to_string(msg->offset) + ": " +
           kafka::err_text(err) +
           (too_large ? "; raise message.max.bytes of the target producer and "
                        "max.message.bytes of the topic, then --resolution retry"
                      : ""),
       msg->offset);
  return produce_result::refused;
}

void engine_thread::delivery_callback(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  static_cast<engine_thread*>(opaque)->on_delivery(msg);
}

void engine_thread::on_delivery(const rd_kafka_message_t* msg) {
  if (pipelines_.empty()) return;  // after the final checkpoint
  const auto ticket = delivery_ticket::from_opaque(msg->_private);
  partition_pipeline* p = ticket.pipeline < by_id_.size() ? by_id_[ticket.pipeline] : nullptr;
  if (p == nullptr) {
    // A pipeline is replaced only once nothing of it is in flight: a report
    // for one that is gone (or never was) is a breach, and nothing it could
    // say is mapped.
    STRAIT_BUG("link " + cfg_.name + ": a delivery report for no partition (pipeline " +
               std::to_string(ticket.pipeline) + ", " + rd_kafka_err2name(msg->err) + ")");
    return;
  }
  const int64_t before = p->inflight_bytes();
  bool stopped = false;
  if (msg->err && rd_kafka_fatal_error(producer_.get(), nullptr, 0)) {
    // The producer failed as a whole (enable.gapless.guarantee): the link
    // drains and stops. The records still queued are purged, often reported
    // before the batch the broker refused (see record_ticket), whose
    // report, the first failure that is not a purge, names the cause: its
    // partition stops and stays stopped. The other failed records keep their
    // positions and are fetched again after the restart this triggers.
    // _PURGE_INFLIGHT comes only from strait's own purge at shutdown, after
    // the pipelines are gone; it is listed for safety, and a healthy record
    // of the refused batch (_INVALID_DIFFERENT_RECORD) is no cause either.
    producer_failed();
    const bool purged = msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
                        msg->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT ||
                        msg->err == RD_KAFKA_RESP_ERR__INVALID_DIFFERENT_RECORD;
    if (!purged && !fatal_cause_seen_) {
      fatal_cause_seen_ = true;
      stopped = p->on_delivered(ticket.record, msg->err, msg->offset);
    } else {
      stopped = p->on_purged(ticket.record);
    }
  } else {
    stopped = p->on_delivered(ticket.record, msg->err, msg->offset);
    if (!msg->err && board_.down(false)) board_.answered(false);
  }
  total_inflight_.fetch_sub(before - p->inflight_bytes());
  if (stopped) on_stopped(*p);
}

void engine_thread::producer_failed() {
  if (failed_.exchange(true)) return;
  std::array<char, 512> reason{};
  const rd_kafka_resp_err_t fatal =
      rd_kafka_fatal_error(producer_.get(), reason.data(), reason.size());
  spdlog::critical(
      "link {}: the target producer failed ({}: {}); the partition of the refused record "
      "stops, the link drains and stops",
      cfg_.name, rd_kafka_err2name(fatal), printable(reason.data()));
  board_.report_failure();
}

void engine_thread::error_callback(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<engine_thread*>(opaque);
  bool is_target = rd_kafka_type(rk) == RD_KAFKA_PRODUCER;
  const char* side = is_target ? "target" : "source";
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    self->board_.unreachable(!is_target, reason);
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
    self->board_.authentication_failed(!is_target, printable(reason));
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf, sizeof(buf));
    spdlog::error("link {}: fatal {} client error {}: {}", self->cfg_.name, side,
                  rd_kafka_err2name(orig), printable(buf));
    self->metrics_.add("strait_errors_total", {{"link", self->cfg_.name}, {"kind", "fatal"}}, 1);
    // Also when no record's report fails (a fatal error raised while
    // nothing was queued): produce() would be refused forever otherwise.
    // Served by rd_kafka_poll on the engine thread, like the reports.
    if (is_target) self->producer_failed();
    return;
  }
  spdlog::debug("link {}: {} client: {} ({})", self->cfg_.name, side,
                rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

void engine_thread::halt(partition_pipeline& p, store::stop_reason reason, std::string detail,
                         int64_t source_offset) {
  if (p.stop(reason, std::move(detail), source_offset)) on_stopped(p);
}

void engine_thread::on_stopped(partition_pipeline& p) {
  if (p.stop_reason() == store::stop_reason::handed_over ||
      p.stop_reason() == store::stop_reason::released) {
    // A cutover or a move to another straitd, not an incident.
    spdlog::info("{}: {}: {}", p.key().to_string(), store::to_string(p.stop_reason()),
                 p.stop_detail());
  } else {
    spdlog::error("{}: partition stopped ({}): {}", p.key().to_string(),
                  store::to_string(p.stop_reason()), p.stop_detail());
    metrics_.add("strait_errors_total",
                 {{"link", cfg_.name}, {"kind", store::to_string(p.stop_reason())}}, 1);
  }
  flow_check_ = true;  // pause its fetching; send() drops its outbox
}

void engine_thread::set_paused(std::vector<partition_pipeline*>& which, bool paused) {
  if (which.empty()) return;
  kafka::partition_list list(rd_kafka_topic_partition_list_new(static_cast<int>(which.size())));
  for (auto* p : which) {
    rd_kafka_topic_partition_list_add(list.get(), p->key().topic.c_str(),
                                      p->key().partition.value());
    p->consumer_paused = paused;
  }
  if (paused) {
    (void)rd_kafka_pause_partitions(consumer_.get(), list.get());
  } else {
    (void)rd_kafka_resume_partitions(consumer_.get(), list.get());
  }
}

void engine_thread::apply_flow_control() {
  const int64_t part_limit = cfg_.limits.partition_inflight_bytes;
  flow_check_ = false;
  over_partition_limit_ = false;
  flow_paused_any_ = false;
  std::vector<partition_pipeline*> pause, resume;
  for (auto& up : pipelines_) {
    partition_pipeline& p = *up;
    const bool refused = p.outbox_refused;
    if (!p.flow_paused && (p.inflight_bytes() >= part_limit || refused)) p.flow_paused = true;
    if (p.flow_paused && p.inflight_bytes() <= part_limit / 2 && !refused) {
      p.flow_paused = false;
    }
    flow_paused_any_ = flow_paused_any_ || p.flow_paused;
    bool want = p.is_stopped() || p.flow_paused;
    if (want && !p.consumer_paused) pause.push_back(&p);
    if (!want && p.consumer_paused) resume.push_back(&p);
  }
  set_paused(pause, true);
  set_paused(resume, false);
}

void engine_thread::checkpoint() {
  store::checkpoint_store::write_batch batch;
  // A prune stays pending until a checkpoint that holds it is committed
  // (the log start may not move again for a long time). One that cannot read
  // the map is dropped (logged when pruning starts and stops failing); the
  // next move of the log start asks again. Pruning only saves space: the map
  // below the log start is never asked for a translation that matters.
  std::vector<partition_key> pruned;
  for (auto it = log_starts_.begin(); it != log_starts_.end();) {
    auto r = store_.prune_below(it->first, it->second, batch);
    if (!r && !prune_failing_) {
      spdlog::warn("{}: cannot prune the offset map below the source log start: {}",
                   it->first.to_string(), r.error().message);
    } else if (r && prune_failing_) {
      spdlog::info("link {}: the offset map is pruned again", cfg_.name);
    }
    prune_failing_ = !r;
    if (r && *r > 0) {
      pruned.push_back(it->first);
      ++it;
    } else {
      it = log_starts_.erase(it);  // nothing below it, or unreadable: done
    }
  }
  std::vector<partition_pipeline*> written;
  for (auto& p : pipelines_) {
    if (!p->dirty()) continue;
    for (const auto& run : p->unpersisted_runs()) batch.put_run(p->key(), run);
    for (target_offset first : p->covered_journal_batches()) batch.delete_inflight(p->key(), first);
    batch.put_checkpoint(p->key(), p->checkpoint());
    written.push_back(p.get());
  }
  if (batch.count() == 0) return;
  if (auto s = store_.commit(batch); !s) {
    // Nothing is marked persisted: the same runs are written with the next
    // checkpoint. The store stays behind the target, never ahead.
    if (!checkpoint_failing_) {
      spdlog::error("link {}: checkpoint failed, retrying: {}", cfg_.name, s.error().message);
    }
    checkpoint_failing_ = true;
    metrics_.add("strait_errors_total", {{"link", cfg_.name}, {"kind", "checkpoint"}}, 1);
    return;
  }
  if (checkpoint_failing_) spdlog::info("link {}: checkpoints written again", cfg_.name);
  checkpoint_failing_ = false;
  for (auto* p : written) p->mark_persisted();
  for (const auto& key : pruned) log_starts_.erase(key);
}

void engine_thread::publish_metrics() {
  std::vector<partition_snapshot> snap;
  int64_t stopped = 0;
  size_t inflight_records = 0;
  int64_t now = wall_clock_ms();
  // Adopt consumer positions past transaction markers (and aborted records)
  // for idle partitions. The consumer's position can be past the mirrored
  // position only where the log goes on past it, so only those partitions
  // are asked (a caught-up link asks none).
  // Sized for the few that are usually behind (librdkafka grows it): this
  // runs every second for every partition.
  kafka::partition_list positions(rd_kafka_topic_partition_list_new(8));
  for (auto& p : pipelines_) {
    int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(consumer_.get(), p->key().topic.c_str(),
                                       p->key().partition.value(), &low, &high) == 0) {
      p->known_source_high = std::max(p->known_source_high, high);
    }
    if (!p->is_stopped() && idle(*p) && p->known_source_high > p->position().next_source.value()) {
      rd_kafka_topic_partition_list_add(positions.get(), p->key().topic.c_str(),
                                        p->key().partition.value());
    }
  }
  if (positions->cnt > 0 && rd_kafka_position(consumer_.get(), positions.get()) == 0) {
    for (int i = 0; i < positions->cnt; ++i) {
      const auto& tp = positions->elems[i];
      partition_pipeline* p = find(tp.topic, tp.partition);
      if (p != nullptr && tp.offset >= 0) p->adopt_fetch_position(source_offset(tp.offset));
    }
  }
  for (auto& p : pipelines_) {
    std::optional<metrics::labels> labels;  // rendered only for a series that changed
    auto set = [&](const char* name, double& published, double value) {
      if (value == published) return;
      if (!labels) labels = partition_labels(p->key());
      metrics_.set(name, *labels, value);
      published = value;
    };
    int64_t lag = 0;
    if (p->known_source_high >= 0) {
      lag = std::max<int64_t>(0, p->known_source_high - p->position().next_source.value());
    }
    double lag_seconds = 0;
    if (lag > 0 && p->last_mirrored_timestamp_ms() > 0) {
      lag_seconds = std::max<double>(0, (now - p->last_mirrored_timestamp_ms()) / 1000.0);
    }
    auto& published = p->published;
    set("strait_partition_lag_records", published.lag_records, static_cast<double>(lag));
    set("strait_partition_lag_seconds", published.lag_seconds, lag_seconds);
    inflight_records += p->inflight_records();
    set("strait_records_mirrored_total", published.records_mirrored,
        static_cast<double>(p->records_mirrored()));
    set("strait_bytes_mirrored_total", published.bytes_mirrored,
        static_cast<double>(p->bytes_mirrored()));
    if (p->is_stopped()) {
      // A handed-over partition (cutover) is not an incident to alert on.
      if (p->stop_reason() != store::stop_reason::handed_over &&
          p->stop_reason() != store::stop_reason::released) {
        ++stopped;
      }
      auto with_reason = partition_labels(p->key());
      with_reason.emplace_back("reason", store::to_string(p->stop_reason()));
      metrics_.set("strait_partition_stopped", with_reason, 1);
    }
    double rate = 0;
    if (p->sampled_at_ms > 0 && now > p->sampled_at_ms) {
      rate = static_cast<double>(p->records_mirrored() - p->sampled_records) * 1000.0 /
             static_cast<double>(now - p->sampled_at_ms);
    }
    p->sampled_records = p->records_mirrored();
    p->sampled_at_ms = now;
    snap.push_back({p->key(), p->position(), p->is_stopped(), idle(*p), lag, lag_seconds, rate,
                    p->stop_reason(), p->stop_detail()});
  }
  board_.publish(index_, {stopped, total_inflight_.load(), static_cast<int64_t>(inflight_records)});
  std::lock_guard lock(mu_);
  snapshot_ = std::move(snap);
}

}  // namespace strait::mirror
