// base/task_threads.h: tasks run on threads of their own, stop() waits for
// them, nothing runs once it was called.
#include "strait/base/task_threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace strait {
namespace {

using namespace std::chrono_literals;

TEST(TaskThreads, APostReturnsAtOnceAndStopWaitsForTheTask) {
  task_threads tasks;
  std::promise<void> release;
  auto released = release.get_future().share();
  auto result = std::make_shared<task_result<int>>();
  std::thread::id ran_on;
  ASSERT_TRUE(tasks.post("test", [&, released, result] {
    ran_on = std::this_thread::get_id();
    released.wait();
    result->set(7);
  }));
  EXPECT_FALSE(result->get()) << "the poster did not wait for the task";
  std::promise<void> stop_returned;
  auto stopped = stop_returned.get_future();
  std::thread stopper([&] {
    tasks.stop();
    stop_returned.set_value();
  });
  EXPECT_EQ(stopped.wait_for(100ms), std::future_status::timeout)
      << "stop() returned while the task still ran";
  release.set_value();
  stopper.join();
  EXPECT_EQ(result->get(), 7) << "stop() returned only once the task had ended";
  EXPECT_NE(ran_on, std::this_thread::get_id());
  EXPECT_EQ(tasks.size(), 0u);
}

TEST(TaskThreads, NothingRunsAfterStopAndEndedThreadsAreJoinedAtTheNextPost) {
  task_threads tasks;
  std::atomic<int> ran{0};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(tasks.post("test", [&] { ++ran; }));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (ran < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_EQ(ran, 3);
  // The three have ended (or end now): a post joins those that did.
  // Each task here is waited for, so at most one runs at a time.
  while (tasks.size() > 1 && std::chrono::steady_clock::now() < deadline) {
    const int want = ran + 1;
    ASSERT_TRUE(tasks.post("test", [&] { ++ran; }));
    while (ran < want && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  }
  EXPECT_EQ(tasks.size(), 1u) << "ended threads are joined, not kept";
  tasks.stop();
  const int before = ran;
  EXPECT_FALSE(tasks.post("test", [&] { ++ran; }));
  EXPECT_EQ(ran, before);
}

}  // namespace
}  // namespace strait
