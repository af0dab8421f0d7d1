#include "strait/mirror/fetch_waker.h"

#include <set>

namespace strait::mirror {

fetch_waker::fetch_waker(rd_kafka_t* consumer, std::chrono::milliseconds min_interval)
    : consumer_(consumer), min_interval_(min_interval), thread_([this] { run(); }) {}

fetch_waker::~fetch_waker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void fetch_waker::refresh() {
  std::lock_guard lock(mu_);
  representatives_at_ = {};  // recompute at the next wake
}

void fetch_waker::wake() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

uint64_t fetch_waker::wakes() const {
  std::lock_guard lock(mu_);
  return wakes_;
}

std::vector<std::pair<std::string, int32_t>> fetch_waker::representatives() {
  {
    std::lock_guard lock(mu_);
    if (std::chrono::steady_clock::now() - representatives_at_ < std::chrono::seconds(10)) {
      return representatives_;
    }
  }
  std::set<std::pair<std::string, int32_t>> ours;
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  if (rd_kafka_assignment(consumer_, &assigned) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < assigned->cnt; ++i) {
      ours.emplace(assigned->elems[i].topic, assigned->elems[i].partition);
    }
    rd_kafka_topic_partition_list_destroy(assigned);
  }
  std::vector<std::pair<std::string, int32_t>> reps;
  std::set<int32_t> leaders;
  // One request for the topics this client already knows (all_topics=0).
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(consumer_, 0, nullptr, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < md->topic_cnt; ++i) {
      for (int j = 0; j < md->topics[i].partition_cnt; ++j) {
        const auto& pm = md->topics[i].partitions[j];
        if (pm.leader >= 0 && ours.contains({md->topics[i].topic, pm.id}) &&
            leaders.insert(pm.leader).second) {
          reps.emplace_back(md->topics[i].topic, pm.id);
        }
      }
    }
    rd_kafka_metadata_destroy(md);
  }
  std::lock_guard lock(mu_);
  representatives_ = reps;
  representatives_at_ = std::chrono::steady_clock::now();
  return reps;
}

void fetch_waker::run() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return pending_ || stopping_; });
      if (stopping_) return;
      pending_ = false;
    }
    for (const auto& [topic, partition] : representatives()) {
      int64_t low = 0, high = 0;
      // The answer does not matter: the request wakes the broker thread.
      (void)rd_kafka_query_watermark_offsets(consumer_, topic.c_str(), partition, &low, &high,
                                             2000);
    }
    std::unique_lock lock(mu_);
    ++wakes_;
    if (cv_.wait_for(lock, min_interval_, [this] { return stopping_; })) return;
  }
}

}  // namespace strait::mirror
