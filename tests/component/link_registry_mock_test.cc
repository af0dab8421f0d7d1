// Component tests: daemon::link_registry, the owner of straitd's links,
// running whole links (engine, supervisor, workflow and its tasks) against
// librdkafka's mock clusters, for what straitd's shutdown relies on.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "../support/mock_link.h"
#include "../support/test_util.h"
#include "api_service.h"
#include "link_records.h"
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

// Two straitd share a link (ADR 0030), each with its own store and ordinal:
// before an assignment neither mirrors anything; after the same one is
// applied to both, each mirrors only its component's topic, every record
// once; an assignment that would move a topic a shard holds is refused;
// after a restart the stored one is in force again.
// Two straitd, shards 0 and 1 of 2, each with its store and registry, of
// link main over orders and payments (mock clusters).
struct two_shards {
  testing::mock_cluster source{1, "orders", kPartitions};
  testing::mock_cluster target{1, "orders", kPartitions};
  config::link_config link;
  testing::temp_dir dirs[2];
  std::unique_ptr<store::checkpoint_store> stores[2];
  config::config cfgs[2];
  metrics::registry metrics[2];
  std::unique_ptr<daemon::link_registry> shards[2];  // after what they use: destroyed first

  // Loads both registries (their links start).
  void start() {
    (void)spdlog::default_logger();
    for (auto* c : {&source, &target}) {
      ASSERT_EQ(rd_kafka_mock_topic_create(c->get(), "payments", kPartitions, 1),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    link = testing::mock_link("main", source, target, {"orders", "payments"});
    link.topics.refresh_interval = 100ms;
    link.checkpoint_interval = 20ms;
    for (uint32_t i = 0; i < 2; ++i) {
      auto st = store::checkpoint_store::open(dirs[i].path() / "checkpoints");
      ASSERT_TRUE(st.has_value()) << st.error().message;
      stores[i] = std::move(*st);
      cfgs[i].daemon.shards = {i, 2, false};
      cfgs[i].links.push_back(link);
      shards[i] = std::make_unique<daemon::link_registry>(
          cfgs[i], *stores[i], metrics[i], [] {}, 1s);
      ASSERT_TRUE(shards[i]->load().has_value());
    }
  }
  auto parts() { return std::tie(source, target, link, stores, cfgs, metrics, shards); }
};

TEST(LinkRegistryMock, ShardsMirrorOnlyWhatTheirAssignmentGivesThem) {
  two_shards f;
  ASSERT_NO_FATAL_FAILURE(f.start());
  auto [source, target, link, stores, cfgs, metrics, shards] = f.parts();  // references
  auto runtime = [&](int i) { return shards[i]->find("main"); };
  auto topics_of = [&](int i) {
    std::set<std::string> topics;
    for (const auto& p : runtime(i)->engine()->snapshot()) topics.insert(p.key.topic);
    return topics;
  };
  // A round of each supervisor chose its topics, and chose none: no
  // assignment yet.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(testing::wait_for([&] { return runtime(i)->supervisor()->selections() > 0; }, 30s));
    EXPECT_TRUE(runtime(i)->supervisor()->selected_topics().empty()) << "shard " << i;
    EXPECT_TRUE(topics_of(i).empty()) << "shard " << i;
    EXPECT_FALSE(runtime(i)->shards().stored.assignment);
    EXPECT_NE(metrics[i].render().find("strait_shard_owns_its_part{link=\"main\"} 0"),
              std::string::npos)
        << metrics[i].render();
  }

  auto plan = [](uint32_t orders_on, uint32_t payments_on) {
    return *config::shard_assignment::make(
        2, 1, {{{"orders"}, {}, orders_on, 10}, {{"payments"}, {}, payments_on, 10}}, 2);
  };
  for (int i = 0; i < 2; ++i) {
    auto dry = runtime(i)->apply_shards(plan(0, 1), "", true);
    ASSERT_TRUE(dry.has_value()) << dry.error().message;
    EXPECT_FALSE(runtime(i)->shards().stored.assignment) << "a dry run stores nothing";
    auto stale = runtime(i)->apply_shards(plan(0, 1), "0123456789abcdef", false);
    ASSERT_FALSE(stale.has_value()) << "none is stored: it replaces nothing";
    EXPECT_NE(stale.error().message.find("replaces assignment '0123456789abcdef', but this "
                                         "straitd holds none"),
              std::string::npos)
        << stale.error().message;
    auto applied = runtime(i)->apply_shards(plan(0, 1), "", false);
    ASSERT_TRUE(applied.has_value()) << applied.error().message;
    EXPECT_EQ(applied->stored.assignment->digest, plan(0, 1).digest);
    EXPECT_EQ(metrics[i].value("strait_shard_owns_its_part", {{"link", "main"}}), 1);
    EXPECT_EQ(metrics[i].value("strait_shard_info", {{"link", "main"},
                                                     {"shard", std::to_string(i)},
                                                     {"shards", "2"},
                                                     {"digest", plan(0, 1).digest}}),
              1);
  }
  testing::produce_filler(source, "orders", kPartitions, 200);
  testing::produce_filler(source, "payments", kPartitions, 300);
  auto mirrored = [&](int i, int64_t records) {
    int64_t done = 0;
    for (const auto& p : runtime(i)->engine()->snapshot()) {
      done += p.position.next_target.value();
    }
    return done == records;
  };
  ASSERT_TRUE(testing::wait_for([&] { return mirrored(0, 200) && mirrored(1, 300); }, 30s));
  EXPECT_EQ(topics_of(0), std::set<std::string>{"orders"});
  EXPECT_EQ(topics_of(1), std::set<std::string>{"payments"});

  // Shard 0 mirrors orders and the other one payments: a plan that swaps
  // them is refused by both, naming the topics.
  for (int i = 0; i < 2; ++i) {
    auto swapped = runtime(i)->apply_shards(plan(1, 0), plan(0, 1).digest, false);
    ASSERT_FALSE(swapped.has_value()) << "shard " << i;
    EXPECT_EQ(swapped.error().code, errc::precondition);
    EXPECT_NE(swapped.error().message.find(i == 0 ? "topic orders (held here, shard 0, given to "
                                                    "shard 1)"
                                                  : "topic payments (held here, shard 1, given "
                                                    "to shard 0)"),
              std::string::npos)
        << swapped.error().message;
    EXPECT_EQ(runtime(i)->shards().stored.assignment->digest, plan(0, 1).digest) << "unchanged";
  }

  // A restart of shard 0: the stored assignment is in force again.
  shards[0]->stop_all();
  shards[0] = std::make_unique<daemon::link_registry>(
      cfgs[0], *stores[0], metrics[0], [] {}, 1s);
  ASSERT_TRUE(shards[0]->load().has_value());
  ASSERT_TRUE(runtime(0)->shards().stored.assignment);
  EXPECT_EQ(runtime(0)->shards().stored.assignment->digest, plan(0, 1).digest);
  testing::produce_filler(source, "orders", kPartitions, 100);
  ASSERT_TRUE(testing::wait_for([&] { return mirrored(0, 300); }, 30s));
  EXPECT_EQ(topics_of(0), std::set<std::string>{"orders"});

  // Shard 1 restarted as the only straitd (count 1): the assignment it
  // stores is for 2, so it is not in force and shard 1 owns nothing (the
  // topics shard 0 mirrored are not started again from nothing here).
  shards[1]->stop_all();
  cfgs[1].daemon.shards = {0, 1, false};
  shards[1] = std::make_unique<daemon::link_registry>(
      cfgs[1], *stores[1], metrics[1], [] {}, 1s);
  ASSERT_TRUE(shards[1]->load().has_value());
  const auto held = runtime(1)->shards().stored;
  EXPECT_FALSE(held.in_force());
  EXPECT_NE(held.problem.find("the stored shard assignment was applied when this store was "
                              "shard 1, and daemon.shards.ordinal is 0 now"),
            std::string::npos)
      << held.problem;
  const uint64_t before = runtime(1)->supervisor()->selections();
  ASSERT_TRUE(
      testing::wait_for([&] { return runtime(1)->supervisor()->selections() > before; }, 30s));
  EXPECT_TRUE(runtime(1)->supervisor()->selected_topics().empty());
  EXPECT_TRUE(topics_of(1).empty());
  // A plan for one shard that gives it orders, which shard 0 owned under
  // the stored document, is refused: shard 1 (now ordinal 0) does not hold
  // it.
  auto alone = config::shard_assignment::make(1, 2, {{{"orders", "payments"}, {}, 0, 20}}, 1);
  ASSERT_TRUE(alone.has_value());
  auto taken = runtime(1)->apply_shards(*alone, plan(0, 1).digest, true);
  ASSERT_FALSE(taken.has_value());
  EXPECT_NE(taken.error().message.find("topic orders (from shard 0 to this straitd, now shard 0)"),
            std::string::npos)
      << taken.error().message;
  for (auto& s : shards) s->stop_all();
}

// ADR 0030 step 3 at the link's level: shard 0 releases the component of
// orders (its partitions leave the engine at their exact positions), its
// records move to shard 1's store (export, import, forget), a plan that
// gives orders to shard 1 is then accepted by both, and shard 1 mirrors on
// from the imported checkpoints: every record on the target once.
TEST(LinkRegistryMock, AComponentMovesToAnotherShardWithItsOffsetMap) {
  two_shards f;
  ASSERT_NO_FATAL_FAILURE(f.start());
  auto [source, target, link, stores, cfgs, metrics, shards] = f.parts();  // references
  auto runtime = [&](int i) { return shards[i]->find("main"); };
  auto plan = [](uint32_t orders_on, uint32_t payments_on) {
    return *config::shard_assignment::make(
        2, 1, {{{"orders"}, {}, orders_on, 10}, {{"payments"}, {}, payments_on, 10}}, 2);
  };
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(runtime(i)->apply_shards(plan(0, 1), "", false).has_value());
  }
  testing::produce_filler(source, "orders", kPartitions, 200);
  testing::produce_filler(source, "payments", kPartitions, 300);
  auto on_target = [&](const std::string& topic) {
    int64_t n = 0;
    for (int p = 0; p < kPartitions; ++p)
      n += testing::high_watermark(target.bootstrap(), topic, p);
    return n;
  };
  ASSERT_TRUE(testing::wait_for(
      [&] { return on_target("orders") == 200 && on_target("payments") == 300; }, 30s));

  const daemon::component_names orders{{"orders"}, {}};
  // A release is given back (cancel) only while a record of the component
  // is here: a forget erases them all in one batch. A topic that never
  // started here (refunds, hashed here: FNV-1a("refunds") mod 2 is 0) has
  // none and shows nothing; with such names alone the release stays.
  {
    const daemon::component_names refunds{{"refunds"}, {}};
    const daemon::component_names both{{"orders", "refunds"}, {}};
    ASSERT_TRUE(runtime(0)->release(refunds, false).has_value());
    auto alone = runtime(0)->cancel_release(refunds, true);
    ASSERT_FALSE(alone.has_value());
    EXPECT_NE(alone.error().message.find("none of its records is here"), std::string::npos)
        << alone.error().message;
    ASSERT_TRUE(runtime(0)->release(orders, false).has_value());
    auto back = runtime(0)->cancel_release(both, false);
    ASSERT_TRUE(back.has_value()) << "orders' offset maps are here: " << back.error().message;
    EXPECT_TRUE(runtime(0)->shards().stored.released_topics.empty());
  }
  // Refused: another shard's component, nothing, a name no plan placed
  // that its hash gives another shard (FNV-1a("invoices") mod 2 is 1).
  auto refused = [&](int i, const daemon::component_names& names, const std::string& says) {
    auto r = runtime(i)->release(names, false);
    ASSERT_FALSE(r.has_value()) << says;
    EXPECT_EQ(r.error().code, errc::precondition);
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
    EXPECT_TRUE(runtime(i)->shards().stored.released_topics.empty());
  };
  refused(0, {{"payments"}, {}}, "is shard 1's, not this one's");
  refused(0, {}, "no topic or group named");
  refused(0, {{"orders", "invoices"}, {}},
          "invoices is in no component of the stored assignment, and its hash gives it to "
          "shard 1");
  // One its hash gives this shard (FNV-1a("refunds") mod 2 is 0) moves too
  // (ADR 0030 step 4: a topic created after the plan).
  auto hashed_here = runtime(0)->release({{"orders", "refunds"}, {}}, true);
  ASSERT_TRUE(hashed_here.has_value()) << hashed_here.error().message;
  EXPECT_EQ(hashed_here->stored.released_topics, (std::set<std::string>{"orders", "refunds"}));
  auto dry = runtime(0)->release(orders, true);
  ASSERT_TRUE(dry.has_value()) << dry.error().message;
  EXPECT_TRUE(runtime(0)->shards().stored.released_topics.empty()) << "a dry run stores nothing";

  auto released = runtime(0)->release(orders, false);
  ASSERT_TRUE(released.has_value()) << released.error().message;
  EXPECT_EQ(released->stored.released_topics, std::set<std::string>{"orders"});
  EXPECT_EQ(metrics[0].value("strait_shard_released_names", {{"link", "main"}}), 1);
  // The plan that gives orders to shard 1, checked before the move: each
  // side refuses it, and accepts it checked as after the move
  // (ApplyShardsRequest.moving, a dry run's only: a store counts what was
  // received).
  {
    const daemon::component_names moving{{"orders"}, {}};
    auto expect_refused = [](const result<api::shards_info>& r, const std::string& says) {
      ASSERT_FALSE(r.has_value()) << says;
      EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
    };
    expect_refused(runtime(0)->apply_shards(plan(1, 1), plan(0, 1).digest, true),
                   "topic orders (held here, shard 0, given to shard 1)");
    expect_refused(runtime(1)->apply_shards(plan(1, 1), plan(0, 1).digest, true),
                   "topic orders (from shard 0 to this straitd");
    for (int i = 0; i < 2; ++i) {
      auto after = runtime(i)->apply_shards(plan(1, 1), plan(0, 1).digest, true, moving);
      EXPECT_TRUE(after.has_value()) << "shard " << i << ": " << after.error().message;
    }
    auto asserted = runtime(1)->apply_shards(plan(1, 1), plan(0, 1).digest, false, moving);
    expect_refused(asserted, "moving: only in a dry run");
    EXPECT_EQ(asserted.error().code, errc::invalid_argument);
    expect_refused(runtime(0)->apply_shards(plan(1, 1), plan(0, 1).digest, false),
                   "topic orders (held here, shard 0, given to shard 1)");
  }
  ASSERT_TRUE(testing::wait_for(
      [&] {
        auto left = runtime(0)->partitions_in_engine({"orders"});
        return left.has_value() && left->empty();
      },
      30s));
  // Records produced meanwhile wait for the new owner.
  testing::produce_filler(source, "orders", kPartitions, 100);
  // A release may be cancelled while its records are here (a dry run
  // says so; after the forget, below, it is refused).
  auto cancel = runtime(0)->cancel_release(orders, true);
  ASSERT_TRUE(cancel.has_value()) << cancel.error().message;
  EXPECT_TRUE(cancel->stored.released_topics.empty());
  EXPECT_EQ(runtime(0)->shards().stored.released_topics, std::set<std::string>{"orders"});
  // No cutover of what is moving away.
  daemon::api_service api0(*shards[0]);
  auto cut =
      api0.move("main", api::move_kind::cutover_topics,
                {[](const std::string& t) { return t == "orders"; }, false, 1000ms, "test", true});
  ASSERT_FALSE(cut.has_value());
  EXPECT_EQ(cut.error().code, errc::precondition);
  EXPECT_NE(cut.error().message.find("released by this straitd to another"), std::string::npos)
      << cut.error().message;

  // The records move, each step on a paused link (straitctl shards-move
  // chains them): export, import (fsynced, the export's digest), forget.
  auto refused_move = [&](const auto& r, const std::string& says) {
    ASSERT_FALSE(r.has_value()) << says;
    EXPECT_EQ(r.error().code, errc::precondition);
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  };
  refused_move(runtime(0)->export_component(orders), "pause it first (straitctl pause-link main)");
  ASSERT_TRUE(shards[0]->pause("main", false).has_value());
  refused_move(runtime(0)->export_component({{"payments"}, {}}),
               "not released by this straitd: payments");
  auto exported = runtime(0)->export_component(orders);
  ASSERT_TRUE(exported.has_value()) << exported.error().message;
  EXPECT_EQ(exported->own.topics[0].partitions.size(), static_cast<size_t>(kPartitions));
  EXPECT_FALSE(exported->definition.empty());
  auto travelled = daemon::decode_component(exported->encode());
  ASSERT_TRUE(travelled.has_value()) << travelled.error().message;
  refused_move(runtime(1)->import_component(*travelled, false), "pause it first");
  refused_move(runtime(0)->import_component(*travelled, false),
               "orders is this straitd's (owned or released here)");
  ASSERT_TRUE(shards[1]->pause("main", false).has_value());
  auto other = *travelled;
  other.definition = "0123456789abcdef";
  refused_move(runtime(1)->import_component(other, false), "otherwise here than on the straitd");
  auto dry_import = runtime(1)->import_component(*travelled, true);
  ASSERT_TRUE(dry_import.has_value()) << dry_import.error().message;
  EXPECT_TRUE(daemon::export_component(*stores[1], link, orders)->own.topics[0].partitions.empty())
      << "a dry run stores nothing";
  auto imported = runtime(1)->import_component(*travelled, false);
  ASSERT_TRUE(imported.has_value()) << imported.error().message;
  EXPECT_EQ(*imported, exported->digest());
  auto again = runtime(1)->import_component(*travelled, false);
  ASSERT_TRUE(again.has_value()) << "imported already: answered again, " << again.error().message;
  EXPECT_EQ(*again, *imported);
  EXPECT_EQ(daemon::export_component(*stores[1], link, orders)->digest(), exported->digest());
  EXPECT_EQ(runtime(1)->shards().stored.received_topics, std::set<std::string>{"orders"});
  refused_move(runtime(0)->forget_component(orders, std::string(64, '0'), false),
               "the records changed since they were exported");
  auto forgot = runtime(0)->forget_component(orders, *imported, false);
  ASSERT_TRUE(forgot.has_value()) << forgot.error().message;
  EXPECT_GT(*forgot, static_cast<size_t>(kPartitions));
  refused_move(runtime(0)->cancel_release(orders, false), "none of its records is here (forgotten");
  // A run again after the forget: the old owner's export holds no record
  // now, and the new owner, which holds the records and their receipts,
  // answers it as imported (an import would be refused: it holds them).
  auto after_forget = runtime(0)->export_component(orders);
  ASSERT_TRUE(after_forget.has_value()) << after_forget.error().message;
  EXPECT_EQ(after_forget->record_count(), 0U);
  auto rerun_empty = runtime(1)->import_component(*after_forget, false);
  ASSERT_TRUE(rerun_empty.has_value()) << rerun_empty.error().message;
  EXPECT_EQ(daemon::export_component(*stores[1], link, orders)->digest(), exported->digest())
      << "nothing rewritten";
  // Now both accept the plan that gives orders to shard 1, and go on.
  for (int i = 0; i < 2; ++i) {
    auto moved = runtime(i)->apply_shards(plan(1, 1), plan(0, 1).digest, false);
    ASSERT_TRUE(moved.has_value()) << "shard " << i << ": " << moved.error().message;
    ASSERT_TRUE(shards[i]->resume("main", false).has_value());
  }
  // The plan that places orders elsewhere ends its release, and the one
  // that places it here its receipt.
  EXPECT_TRUE(runtime(0)->shards().stored.released_topics.empty());
  EXPECT_TRUE(runtime(1)->shards().stored.received_topics.empty());
  EXPECT_EQ(metrics[0].value("strait_shard_released_names", {{"link", "main"}}), 0);
  ASSERT_TRUE(testing::wait_for([&] { return on_target("orders") == 300; }, 30s))
      << on_target("orders");
  ASSERT_TRUE(testing::wait_for(
      [&] {
        auto there = runtime(1)->partitions_in_engine({"orders"});
        return there.has_value() && there->size() == static_cast<size_t>(kPartitions);
      },
      30s));
  EXPECT_TRUE(runtime(0)->partitions_in_engine({"orders"})->empty());

  // A name with nothing to carry moves too (ADR 0030 step 4): a group its
  // hash owner, shard 0, never synced. Its import is a receipt only, which
  // is what lets shard 1 store the plan that places it there.
  std::string quiet = "quiet";
  for (int i = 0; config::hashed_owner(quiet, 2) != 0; ++i) quiet = "quiet-" + std::to_string(i);
  const auto plan_quiet = *config::shard_assignment::make(
      2, 1, {{{"orders"}, {}, 1, 10}, {{"payments"}, {quiet}, 1, 10}}, 2);
  const daemon::component_names group_only{{}, {quiet}};
  ASSERT_TRUE(runtime(0)->release(group_only, false).has_value());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(shards[i]->pause("main", false).has_value());
  auto nothing = runtime(0)->export_component(group_only);
  ASSERT_TRUE(nothing.has_value()) << nothing.error().message;
  EXPECT_EQ(nothing->record_count(), 0U);
  refused_move(runtime(1)->apply_shards(plan_quiet, plan(1, 1).digest, false),
               "group " + quiet + " (from shard 0 to this straitd");
  auto receipt = runtime(1)->import_component(*daemon::decode_component(nothing->encode()), false);
  ASSERT_TRUE(receipt.has_value()) << receipt.error().message;
  EXPECT_EQ(runtime(1)->shards().stored.received_groups, std::set<std::string>{quiet});
  // Receipts are bounded like releases: 100,000 names received and not yet
  // placed by a stored plan (here one more than that), also in a dry run.
  // Groups of shard 0 (by their hash), as the importer, shard 1, owns none.
  auto flood = *daemon::decode_component(nothing->encode());
  for (int i = 0; flood.names.groups.size() < 100'001; ++i) {
    if (const std::string g = "flood-" + std::to_string(i); config::hashed_owner(g, 2) == 0) {
      flood.names.groups.insert(g);
    }
  }
  for (bool dry_run : {true, false}) {
    auto refused = runtime(1)->import_component(flood, dry_run);
    ASSERT_FALSE(refused.has_value()) << "dry run " << dry_run;
    EXPECT_EQ(refused.error().code, errc::precondition);
    EXPECT_NE(refused.error().message.find("more than 100000 names would be received"),
              std::string::npos)
        << refused.error().message;
  }
  EXPECT_EQ(runtime(1)->shards().stored.received_groups.size(), 1U) << "nothing received";
  auto reloaded = daemon::load_shard_assignment(*stores[1], "main", runtime(1)->shards().self);
  ASSERT_TRUE(reloaded.has_value()) << reloaded.error().message;
  EXPECT_EQ(reloaded->received_groups, std::set<std::string>{quiet}) << "kept across a restart";
  EXPECT_EQ(runtime(0)->forget_component(group_only, *receipt, false).value_or(99), 0U);
  auto rerun = runtime(1)->import_component(*daemon::decode_component(nothing->encode()), false);
  ASSERT_TRUE(rerun.has_value()) << "received already: answered again, " << rerun.error().message;
  for (int i = 0; i < 2; ++i) {
    auto stored = runtime(i)->apply_shards(plan_quiet, plan(1, 1).digest, false);
    ASSERT_TRUE(stored.has_value()) << "shard " << i << ": " << stored.error().message;
    ASSERT_TRUE(shards[i]->resume("main", false).has_value());
  }
  EXPECT_TRUE(runtime(0)->shards().stored.released_groups.empty());
  EXPECT_TRUE(runtime(1)->shards().stored.received_groups.empty());
  reloaded = daemon::load_shard_assignment(*stores[1], "main", runtime(1)->shards().self);
  ASSERT_TRUE(reloaded.has_value()) << reloaded.error().message;
  EXPECT_TRUE(reloaded->received_groups.empty()) << "the store ended the receipt";

  for (auto& s : shards) s->stop_all();
  // Every orders record once on the target, translated by shard 1's map.
  for (int p = 0; p < kPartitions; ++p) {
    auto src = testing::read_partition(source.bootstrap(), "orders", p, true);
    auto tgt = testing::read_partition(target.bootstrap(), "orders", p, false);
    ASSERT_EQ(tgt.size(), src.size()) << "partition " << p;
    for (size_t i = 0; i < src.size(); ++i) {
      ASSERT_TRUE(src[i].same_content(tgt[i])) << "partition " << p << " record " << i;
      auto t =
          stores[1]->to_target({"main", "orders", partition_id(p)}, source_offset(src[i].offset));
      ASSERT_TRUE(t.has_value()) << t.error().message;
      EXPECT_EQ(t->value(), tgt[i].offset);
    }
  }
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
  daemon::link_runtime first(one, false, **st, metrics, claims, [] {}, 1s, {});
  daemon::link_runtime second(two, false, **st, metrics, claims, [] {}, 1s, {});
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
