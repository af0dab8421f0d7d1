#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace strait::mirror {

// Works around a fetch stall of librdkafka 2.0 (Debian 12's version): once the
// consumer's prefetch queue exceeds queued.max.messages.kbytes, every
// partition becomes "not fetchable" with an unbounded backoff, and the broker
// thread only re-decides when something wakes it, which without other
// traffic is about once a second. A mirror drains that queue at the target's
// write rate, slower than the source can be read, so it hits the threshold
// continuously and fetches in one-second bursts (measured: ~60 MB/s against a
// 240 MB/s limit). librdkafka 2.1 added fetch.queue.backoff.ms for this.
//
// wake() asks for a ListOffsets round trip to one partition per source
// broker; any request wakes that broker's thread, which then resumes
// fetching. The engine calls wake() only when it finds the prefetch queue
// empty while partitions have lag, at most every `min_interval`. ADR 0005.
//
// Threads: its own thread does the (blocking) requests; wake() and refresh()
// are thread-safe.
class fetch_waker {
 public:
  fetch_waker(rd_kafka_t* consumer, std::chrono::milliseconds min_interval);
  ~fetch_waker();
  fetch_waker(const fetch_waker&) = delete;
  fetch_waker& operator=(const fetch_waker&) = delete;

  // The consumer's assignment changed: pick the partitions to query again
  // (from rd_kafka_assignment) at the next wake.
  void refresh();
  void wake();
  [[nodiscard]] uint64_t wakes() const;

 private:
  void run();
  // One assigned partition per leader broker, from the consumer's assignment
  // and metadata (recomputed every 10 s or after refresh()).
  std::vector<std::pair<std::string, int32_t>> representatives();

  rd_kafka_t* consumer_;
  std::chrono::milliseconds min_interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
  bool stopping_ = false;
  uint64_t wakes_ = 0;
  std::vector<std::pair<std::string, int32_t>> representatives_;
  std::chrono::steady_clock::time_point representatives_at_{};
  std::thread thread_;
};

}  // namespace strait::mirror
