// The engine threads' shared board and the partition-to-thread rule (ADR 0029).
#include <gtest/gtest.h>

#include <set>

#include "strait/mirror/link_board.h"
#include "strait/mirror/link_engine.h"

namespace strait::mirror {
namespace {

TEST(ThreadOf, OneThreadTakesEverything) {
  EXPECT_EQ(thread_of("orders", 0, 1), 0u);
  EXPECT_EQ(thread_of("orders", 12345, 1), 0u);
  EXPECT_EQ(thread_of("", 0, 0), 0u) << "no threads is treated as one";
}

TEST(ThreadOf, IsStableAndInRange) {
  for (size_t n = 2; n <= 8; ++n) {
    for (int32_t p = 0; p < 100; ++p) {
      const size_t s = thread_of("payments.eu", p, n);
      EXPECT_LT(s, n);
      EXPECT_EQ(s, thread_of("payments.eu", p, n)) << "computed again, the same";
    }
  }
  // Fixed by the rule (FNV-1a of the topic plus the partition), not by the
  // process: a change would move partitions between threads on an upgrade.
  // Figures computed outside strait.
  EXPECT_EQ(thread_of("orders", 0, 7), 4u);
  EXPECT_EQ(thread_of("orders", 3, 7), 0u);
  EXPECT_EQ(thread_of("orders", 0, 2), 0u);
  EXPECT_EQ(thread_of("orders", 1, 2), 1u);
}

TEST(ThreadOf, ConsecutivePartitionsOfATopicGoToEveryThread) {
  for (size_t n : {2u, 3u, 8u}) {
    std::set<size_t> used;
    for (int32_t p = 0; p < static_cast<int32_t>(n); ++p) used.insert(thread_of("clicks", p, n));
    EXPECT_EQ(used.size(), n) << n << " partitions over " << n << " threads";
  }
}

TEST(LinkBoard, GaugesAreTheSumsOverTheThreads) {
  metrics::registry m;
  link_board board("l", 3, m, {});
  board.publish(0, {1, 100, 10});
  board.publish(2, {2, 50, 5});
  EXPECT_EQ(m.value("strait_partitions_stopped", {{"link", "l"}}), 3);
  EXPECT_EQ(m.value("strait_link_inflight_bytes", {{"link", "l"}}), 150);
  EXPECT_EQ(m.value("strait_link_inflight_records", {{"link", "l"}}), 15);
  EXPECT_EQ(m.value("strait_engine_thread_inflight_bytes", {{"link", "l"}, {"thread", "0"}}), 100);
  EXPECT_EQ(m.value("strait_engine_thread_inflight_bytes", {{"link", "l"}, {"thread", "2"}}), 50);
  board.publish(0, {});  // a stopped thread zeroes its part
  EXPECT_EQ(m.value("strait_engine_thread_inflight_bytes", {{"link", "l"}, {"thread", "0"}}), 0);
  EXPECT_EQ(m.value("strait_partitions_stopped", {{"link", "l"}}), 2);
  EXPECT_EQ(m.value("strait_link_inflight_bytes", {{"link", "l"}}), 50);
  EXPECT_EQ(m.value("strait_cluster_reachable", {{"link", "l"}, {"cluster", "source"}}), 1);
}

TEST(LinkBoard, AClusterIsDownForTheLinkAndCountedOnceAReason) {
  metrics::registry m;
  link_board board("l", 2, m, {});
  board.unreachable(false, "all brokers down");
  board.unreachable(false, "all brokers down");  // the other thread's producer
  EXPECT_TRUE(board.down(false));
  EXPECT_FALSE(board.health(false).reachable);
  EXPECT_TRUE(board.health(true).reachable);
  board.authentication_failed(true, "broker 1: SASL authentication error: bad password");
  board.authentication_failed(true, "broker 1: SASL authentication error: bad password");
  board.authentication_failed(true, "broker 2: SASL authentication error: bad password");
  EXPECT_EQ(m.value("strait_errors_total", {{"link", "l"}, {"kind", "authentication"}}), 1)
      << "one refusal, however many clients and brokers report it";
  EXPECT_EQ(board.health(true).authentication_error,
            "broker 2: SASL authentication error: bad password");
  board.publish(1, {});
  EXPECT_EQ(m.value("strait_cluster_reachable", {{"link", "l"}, {"cluster", "target"}}), 0);
  EXPECT_EQ(m.value("strait_cluster_authentication_failed", {{"link", "l"}, {"cluster", "source"}}),
            1);
  board.answered(true);
  board.answered(false);
  EXPECT_TRUE(board.health(true).reachable);
  EXPECT_TRUE(board.health(true).authentication_error.empty());
  board.publish(1, {});
  EXPECT_EQ(m.value("strait_cluster_reachable", {{"link", "l"}, {"cluster", "target"}}), 1);
  EXPECT_EQ(m.value("strait_cluster_authentication_failed", {{"link", "l"}, {"cluster", "source"}}),
            0);
  board.authentication_failed(true, "broker 1: SASL authentication error: bad password");
  EXPECT_EQ(m.value("strait_errors_total", {{"link", "l"}, {"kind", "authentication"}}), 2)
      << "refused again after an answer: counted again";
}

TEST(LinkBoard, TheLinksFailureIsToldOnce) {
  metrics::registry m;
  int told = 0;
  link_board board("l", 2, m, [&] { ++told; });
  board.report_failure();
  board.report_failure();  // the second thread's producer
  EXPECT_EQ(told, 1);
}

}  // namespace
}  // namespace strait::mirror
