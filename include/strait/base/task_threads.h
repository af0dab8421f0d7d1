#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "strait/base/thread_name.h"

namespace strait {

// Runs each task posted on a thread of its own, for an owner thread that
// must never wait for one (link_workflow: a cutover's tail verification, a
// restart of reverse mirroring). Threads are few by construction (an owner
// posts one per long call in flight), so none is pooled; a finished one is
// joined at the next post or at stop().
class task_threads {
 public:
  task_threads() = default;
  ~task_threads() { stop(); }
  task_threads(const task_threads&) = delete;
  task_threads& operator=(const task_threads&) = delete;

  // Starts `task` on a new thread named `name` (set_thread_name) and returns
  // at once. False, running nothing, once stop() was called.
  [[nodiscard]] bool post(std::string name, std::function<void()> task) {
    std::lock_guard lock(mu_);
    if (stopped_) return false;
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    threads_.push_back({std::thread([name = std::move(name), task = std::move(task), done] {
                          set_thread_name(name);
                          task();
                          done->store(true);
                        }),
                        done});
    return true;
  }

  // Refuses further posts, then waits for every task posted to end (a task
  // that must end early watches a cancel flag of its owner's).
  void stop() {
    std::list<slot> running;
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      running.swap(threads_);
    }
    for (auto& s : running) s.thread.join();
  }

  // Threads not joined yet (running, or ended since the last post).
  [[nodiscard]] size_t size() const {
    std::lock_guard lock(mu_);
    return threads_.size();
  }

 private:
  struct slot {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  mutable std::mutex mu_;
  bool stopped_ = false;
  std::list<slot> threads_;
};

// What a task returns to the thread that posted it, which looks at it in a
// later round without waiting: empty until the task sets it (once).
template <typename T>
class task_result {
 public:
  void set(T value) {
    std::lock_guard lock(mu_);
    value_ = std::move(value);
  }
  [[nodiscard]] std::optional<T> get() const {
    std::lock_guard lock(mu_);
    return value_;
  }
  [[nodiscard]] bool ready() const {
    std::lock_guard lock(mu_);
    return value_.has_value();
  }

 private:
  mutable std::mutex mu_;
  std::optional<T> value_;
};

}  // namespace strait
