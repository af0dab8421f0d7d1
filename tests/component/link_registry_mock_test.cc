// Component tests: daemon::link_registry, the owner of straitd's links,
// running whole links (engine, supervisor, workflow and its tasks) against
// librdkafka's mock clusters, for what straitd's shutdown relies on.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "../support/mock_link.h"
#include "../support/test_util.h"
#include "link_registry.h"
#include "link_runtime.h"
#include "strait/mirror/target_claims.h"
#include "strait/store/checkpoint_store.h"

namespace strait {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 2;
const std::string kTopic = "orders";

// Two links, each with records in flight to a target that is down, stopped
// with a 3 s drain: stop_all asks every link's control threads, then every
// engine to drain, then waits; so straitd's shutdown takes one drain, not
// one per link (issue 12: the application stopped one link after another).
TEST(LinkRegistryMock, StopAllDrainsEveryLinkAtOnce) {
  // Made before any thread logs (reverse_mock_test.cc says why).
  (void)spdlog::default_logger();
  testing::temp_dir dir;
  auto st = store::checkpoint_store::open(dir.path() / "checkpoints");
  ASSERT_TRUE(st.has_value()) << st.error().message;
  metrics::registry metrics;
  // Each link its own clusters: two links may not write one target topic.
  std::vector<std::unique_ptr<testing::mock_cluster>> sources, targets;
  config::config cfg;
  for (const char* name : {"one", "two"}) {
    sources.push_back(std::make_unique<testing::mock_cluster>(1, kTopic, kPartitions));
    targets.push_back(std::make_unique<testing::mock_cluster>(1, kTopic, kPartitions));
    auto l = testing::mock_link(name, *sources.back(), *targets.back(), {kTopic});
    // One supervisor round, before the target goes down: the test measures
    // the engines' drains, not a round's admin calls to a dead cluster.
    l.topics.refresh_interval = 1h;
    l.checkpoint_interval = 20ms;
    cfg.links.push_back(l);
  }
  bool fatal = false;
  daemon::link_registry links(
      cfg, **st, metrics, [&] { fatal = true; }, 3s);
  ASSERT_TRUE(links.load().has_value());

  for (size_t i = 0; i < sources.size(); ++i) {
    auto r = links.find(cfg.links[i].name);
    ASSERT_NE(r, nullptr);
    ASSERT_TRUE(testing::wait_for(
        [&] { return r->engine()->snapshot().size() == static_cast<size_t>(kPartitions); }, 30s))
        << cfg.links[i].name << ": every partition runs";
    rd_kafka_mock_broker_set_down(targets[i]->get(), 1);
    testing::produce_filler(*sources[i], kTopic, kPartitions, 2000);
    ASSERT_TRUE(testing::wait_for([&] { return r->engine()->inflight_bytes() > 0; }, 30s))
        << cfg.links[i].name << ": records in flight to the target that is down";
  }

  const auto began = std::chrono::steady_clock::now();
  links.stop_all();
  const auto stopped = std::chrono::steady_clock::now() - began;
  EXPECT_GE(stopped, 3s) << "each link waited for its records in flight";
  EXPECT_LT(stopped, 5500ms) << "the two links drained at once";
  EXPECT_TRUE(links.links().empty());
  EXPECT_FALSE(fatal);
  EXPECT_FALSE(links.failed());
}

// After a restart a link keeps the target topics it wrote (checkpoints) and
// those strait created for it while it was paused (straitctl apply: created
// flags, no checkpoints yet), so another link cannot take them; on the
// target cluster its store is of, under the topic's target name. A topic one
// link wrote stays that link's though another, loaded first, has it marked
// created (straitd before this version let a second link write the topics a
// paused link's apply created).
TEST(LinkRuntime, TopicsItWroteOrCreatedAreClaimedAgainWhenItIsLoaded) {
  testing::temp_dir dir;
  auto st = store::checkpoint_store::open(dir.path() / "checkpoints");
  ASSERT_TRUE(st.has_value()) << st.error().message;
  {
    store::checkpoint_store::write_batch b;
    b.put_cluster_ids("one", {"source-id", "target-id"});
    b.put_checkpoint({"one", "written", partition_id(0)}, {});
    b.mark_topic_created("one", "created");
    b.mark_topic_created("one", "taken-over");
    b.put_cluster_ids("two", {"source-id", "target-id"});
    b.put_checkpoint({"two", "taken-over", partition_id(0)}, {});
    b.mark_topic_created("two", "of-another-link");
    ASSERT_TRUE((*st)->commit(b).has_value());
  }
  testing::mock_cluster source(1, kTopic, kPartitions), target(1, kTopic, kPartitions);
  metrics::registry metrics;
  mirror::target_claims claims;
  auto one = testing::mock_link("one", source, target, {kTopic});
  auto two = testing::mock_link("two", source, target, {kTopic});
  one.topics.prefix = two.topics.prefix = "copy.";
  daemon::link_runtime first(
      one, false, **st, metrics, claims, [] {}, 1s);
  daemon::link_runtime second(
      two, false, **st, metrics, claims, [] {}, 1s);
  std::vector<daemon::link_runtime*> loaded{&first, &second};  // "one" first
  daemon::link_runtime::claim_existing(loaded);
  EXPECT_EQ(claims.holder("target-id", "copy.written"), "one");
  EXPECT_EQ(claims.holder("target-id", "copy.created"), "one");
  EXPECT_EQ(claims.holder("target-id", "copy.taken-over"), "two") << "the link that wrote it";
  EXPECT_EQ(claims.holder("target-id", "copy.of-another-link"), "two");
  EXPECT_EQ(claims.holder("source-id", "copy.created"), "") << "claims are of the target cluster";
}

}  // namespace
}  // namespace strait
