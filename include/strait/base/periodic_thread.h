#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "strait/base/thread_name.h"

namespace strait {

// A thread that runs `round` again and again until stop(): each call
// returns how long to wait before the next one. stop() wakes the wait at
// once; a round in progress finishes first. For control loops (topic sync,
// group sync) whose rounds block on network requests.
class periodic_thread {
 public:
  using round_fn = std::function<std::chrono::steady_clock::duration()>;

  periodic_thread() = default;
  ~periodic_thread() { stop(); }
  periodic_thread(const periodic_thread&) = delete;
  periodic_thread& operator=(const periodic_thread&) = delete;

  // `name`: the thread's name in top -H, ps and perf (set_thread_name).
  void start(std::string name, round_fn round) {
    thread_ = std::thread([this, name = std::move(name), round = std::move(round)] {
      set_thread_name(name);
      while (true) {
        const auto wait = round();
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; }) && stopping_) return;
        woken_ = false;
      }
    });
  }

  // Asks the thread to end after the round in progress; returns at once.
  void request_stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

  // Ends the current wait early (the next round starts at once); returns at
  // once. A wake during a round makes the wait after it zero.
  void wake() {
    {
      std::lock_guard lock(mu_);
      woken_ = true;
    }
    cv_.notify_all();
  }

  // request_stop(), then waits for the thread to end.
  void stop() {
    request_stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace strait
