#include "strait/mirror/link_engine.h"

#include <algorithm>

#include "strait/base/digest.h"

namespace strait::mirror {

size_t thread_of(const std::string& topic, int32_t partition, size_t threads) {
  if (threads <= 1) return 0;
  return static_cast<size_t>((fnv1a64(topic) + static_cast<uint32_t>(partition)) % threads);
}

namespace {

// A thread's configuration: the link's, with an equal part of its in-flight
// budget.
config::link_config thread_config(const config::link_config& link, size_t threads) {
  config::link_config cfg = link;
  cfg.limits.link_inflight_bytes =
      std::max<int64_t>(1, link.limits.link_inflight_bytes / static_cast<int64_t>(threads));
  return cfg;
}

}  // namespace

link_engine::link_engine(const config::link_config& cfg, store::checkpoint_store& store,
                         metrics::registry& metrics, std::function<void()> on_failure)
    : board_(cfg.name, static_cast<size_t>(std::max(1, cfg.limits.engine_threads)), metrics,
             std::move(on_failure)) {
  const config::link_config part = thread_config(cfg, board_.threads());
  for (size_t i = 0; i < board_.threads(); ++i) {
    threads_.push_back(std::make_unique<engine_thread>(part, store, metrics, board_, i));
  }
}

link_engine::~link_engine() { stop(std::chrono::milliseconds(0)); }

status link_engine::start() {
  // Every thread's clients first: a failure leaves no thread started and no
  // series published (the caller forgets the link's series only if it ran).
  for (auto& s : threads_) {
    if (auto st = s->connect(); !st) return st;
  }
  for (auto& s : threads_) s->launch();
  return {};
}

void link_engine::request_stop(std::chrono::milliseconds drain) {
  for (auto& s : threads_) s->request_stop(drain);
}

void link_engine::stop(std::chrono::milliseconds drain) {
  request_stop(drain);  // all drain at once; stop() below only joins
  for (auto& s : threads_) s->stop(drain);
}

engine_thread& link_engine::thread_for(const partition_key& key) const {
  return *threads_[thread_of(key.topic, key.partition.value(), threads_.size())];
}

void link_engine::add_partition(partition_start start) {
  engine_thread& thread = thread_for(start.key);
  thread.add_partition(std::move(start));
}

std::future<status> link_engine::replace_partition(
    partition_start start, std::optional<store::stop_reason> only_stopped_for) {
  engine_thread& thread = thread_for(start.key);
  return thread.replace_partition(std::move(start), only_stopped_for);
}

std::future<status> link_engine::remove_partition(const partition_key& key) {
  return thread_for(key).remove_partition(key);
}

void link_engine::stop_partition(const partition_key& key, store::stop_reason reason,
                                 std::string detail) {
  thread_for(key).stop_partition(key, reason, std::move(detail));
}

void link_engine::post_watermarks(const partition_snapshot& before, kafka::watermarks source,
                                  std::optional<kafka::watermarks> target) {
  thread_for(before.key).post_watermarks(before, source, target);
}

bool link_engine::has_partition(const partition_key& key) const {
  return thread_for(key).has_partition(key);
}

std::vector<partition_snapshot> link_engine::snapshot() const {
  std::vector<partition_snapshot> all;
  for (const auto& s : threads_) {
    auto part = s->snapshot();
    all.insert(all.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  }
  return all;
}

int64_t link_engine::inflight_bytes() const {
  int64_t sum = 0;
  for (const auto& s : threads_) sum += s->inflight_bytes();
  return sum;
}

int64_t link_engine::max_inflight_bytes_seen() const {
  int64_t sum = 0;
  for (const auto& s : threads_) sum += s->max_inflight_bytes_seen();
  return sum;
}

bool link_engine::failed() const {
  return std::ranges::any_of(threads_, [](const auto& s) { return s->failed(); });
}

status link_engine::refresh_target_metadata(const std::string& topic) {
  if (threads_.size() == 1) return threads_.front()->refresh_target_metadata(topic);
  // At once: each asks the target for up to 10 s, and the supervisor's round
  // waits for them.
  std::vector<std::future<status>> asked;
  for (auto& s : threads_) {
    asked.push_back(
        std::async(std::launch::async, [&s, &topic] { return s->refresh_target_metadata(topic); }));
  }
  status first = {};
  for (auto& a : asked) {
    if (auto st = a.get(); !st && first) first = st;
  }
  return first;
}

}  // namespace strait::mirror
