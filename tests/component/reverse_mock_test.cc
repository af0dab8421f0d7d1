// Component tests: reverse mirroring (workflow::reverse_mirror, the engine a
// producer cutover starts target -> source) against librdkafka's mock
// clusters, for what straitd's shutdown relies on.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "../support/mock_link.h"
#include "../support/test_util.h"
#include "strait/store/checkpoint_store.h"
#include "strait/workflow/reverse_mirror.h"

namespace strait {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 2;
const std::string kTopic = "orders";

// Two links' reverse mirroring, each with records in flight to a source
// that is down, asked to stop with a 3 s drain: both drain at once, so
// straitd's shutdown takes one drain, not one per link (issue 12: they
// drained one link after another, up to 30 s each).
TEST(ReverseMock, ReverseMirroringDrainsInTheBackgroundSoLinksStopAtOnce) {
  // spdlog's registry is made before any thread logs (as straitd's main
  // does): Debian's spdlog is not built with TSan, whose pass saw its lazy
  // construction race with the first log line of a supervisor thread.
  (void)spdlog::default_logger();
  testing::temp_dir dir;
  auto st = store::checkpoint_store::open(dir.path() / "checkpoints");
  ASSERT_TRUE(st.has_value()) << st.error().message;
  metrics::registry metrics;
  testing::mock_cluster source(1, kTopic, kPartitions);
  testing::mock_cluster target(1, kTopic, kPartitions);

  std::vector<std::unique_ptr<workflow::reverse_mirror>> links;
  for (const char* name : {"one", "two"}) {
    auto cfg = testing::mock_link(name, source, target);
    // One supervisor round, before the source goes down: the test measures
    // the engines' drains, not a round's admin calls to a dead cluster.
    cfg.topics.refresh_interval = 1h;
    cfg.checkpoint_interval = 20ms;
    // The second with two engine threads (ADR 0029): its partitions on two
    // shards, which drain at once too.
    if (std::string(name) == "two") cfg.limits.engine_threads = 2;
    auto r = std::make_unique<workflow::reverse_mirror>(cfg, **st, metrics, [] {});
    for (int p = 0; p < kPartitions; ++p) {
      ASSERT_TRUE(r->seed(kTopic, p, {source_offset(0), target_offset(0)}).has_value());
    }
    ASSERT_TRUE(r->run_for({kTopic}).has_value());
    links.push_back(std::move(r));
  }
  for (const auto& r : links) {
    ASSERT_TRUE(testing::wait_for(
        [&] { return r->snapshot().size() == static_cast<size_t>(kPartitions); }, 30s))
        << "every partition runs";
  }
  rd_kafka_mock_broker_set_down(source.get(), 1);  // reverse mirroring writes here
  testing::produce_filler(target, kTopic, kPartitions, 2000);
  for (const auto& r : links) {
    ASSERT_TRUE(testing::wait_for([&] { return r->inflight_bytes() > 0; }, 30s))
        << "records in flight to the source that is down";
  }

  const auto began = std::chrono::steady_clock::now();
  for (const auto& r : links) r->request_stop(3s);
  const auto requested = std::chrono::steady_clock::now() - began;
  for (const auto& r : links) r->stop();
  const auto stopped = std::chrono::steady_clock::now() - began;
  EXPECT_LT(requested, 2s) << "asking does not wait for the drain";
  EXPECT_GE(stopped, 3s) << "each waited for its records in flight";
  EXPECT_LT(stopped, 5500ms) << "the two drains overlapped";
}

// Asked to stop (straitd's shutdown, begin_stop) while the workflow's task
// may still restart it: the restart starts no engine.
TEST(ReverseMock, AReverseMirrorAskedToStopStartsNoEngine) {
  testing::temp_dir dir;
  auto st = store::checkpoint_store::open(dir.path() / "checkpoints");
  ASSERT_TRUE(st.has_value()) << st.error().message;
  metrics::registry metrics;
  testing::mock_cluster source(1, kTopic, kPartitions);
  testing::mock_cluster target(1, kTopic, kPartitions);
  workflow::reverse_mirror r(testing::mock_link("one", source, target), **st, metrics, [] {});
  r.request_stop(1s);
  auto started = r.run_for({kTopic});
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, errc::busy);
  EXPECT_TRUE(r.snapshot().empty());
  EXPECT_EQ(r.inflight_bytes(), 0);
}

}  // namespace
}  // namespace strait
