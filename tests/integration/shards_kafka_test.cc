// Two straitd sharing one link on real Kafka (ADR 0030, docs/sharding.md):
// each with its own store and ordinal, the plan made on one and applied on
// both through straitctl; each mirrors and syncs only its component, and one
// cuts its topic and group over while the other mirrors on. Nothing lost,
// nothing written twice.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness.h"
#include "kafka_records.h"
#include "test_util.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using namespace integration;

using testing::contains;

// The plan of two shards in `file` with every component on the other
// shard, written to `out`; its path.
std::string swapped_plan(const std::string& file, const std::filesystem::path& out) {
  std::ifstream in(file);
  std::string text(std::istreambuf_iterator<char>(in), {});
  for (size_t at = text.find("\"shard\":"); at != std::string::npos;
       at = text.find("\"shard\":", at + 1)) {
    const size_t digit = text.find_first_of("01", at + 8);
    text[digit] = text[digit] == '0' ? '1' : '0';
  }
  std::ofstream(out) << text;
  return out.string();
}

// The API addresses of `set`, for straitctl --server.
std::string addresses(const std::vector<straitd*>& set) {
  std::string out;
  for (const auto* d : set) out += (out.empty() ? "" : ",") + d->api_address();
  return out;
}

// Starts `set` as the shards of one set (each its ordinal of set.size()),
// scans the link on the first, plans it for the set's count into `dir` and
// applies the plan on all (straitctl shards-apply); the plan file's path,
// or "" after a failure (reported).
std::string start_planned(const std::vector<straitd*>& set, const std::filesystem::path& dir) {
  const int count = static_cast<int>(set.size());
  for (int i = 0; i < count; ++i) {
    set[i]->shard(i, count);
    set[i]->start();
  }
  straitd& first = *set.front();
  if (!testing::wait_for([&] { return first.straitctl("shards it").first == 0; }, 30s, 200ms) ||
      first.straitctl("scan it --window 1").first != 0) {
    ADD_FAILURE() << first.log();
    return "";
  }
  const std::string file = (dir / "shards.json").string();
  auto [planned, plan] =
      first.straitctl("shards-plan it --shards " + std::to_string(count) + " --output " + file);
  auto [applied, out] = first.straitctl_on(addresses(set), "shards-apply it --file " + file);
  if (planned != 0 || applied != 0) {
    ADD_FAILURE() << plan << out << first.straitctl_errors();
    return "";
  }
  return file;
}

TEST(ShardsKafka, TwoStraitdShareALinkAndOneCutsOverItsGroupWhileTheOtherMirrors) {
  create_topic(clusters->source, "sh-orders", 2);
  create_topic(clusters->source, "sh-audit", 2);
  {
    testing::test_producer p(clusters->source);
    for (int i = 0; i < 600; ++i) p.send("sh-orders", i % 2, make_record(i));
    for (int i = 0; i < 300; ++i) p.send("sh-audit", i % 2, make_record(i));
  }
  testing::commit_offset(clusters->source, "sh-billing", "sh-orders", 0, 200, "");
  testing::commit_offset(clusters->source, "sh-auditors", "sh-audit", 0, 100, "");
  const std::string groups = "groups:\n  include: [\"sh-.*\"]\n  sync_interval_ms: 200\n";
  testing::temp_dir dir0, dir1;
  straitd zero(dir0, "sh-.*", groups, "mig."), one(dir1, "sh-.*", groups, "mig.");
  zero.shard(0, 2);
  one.shard(1, 2);
  zero.start();
  one.start();

  // Before an assignment neither mirrors anything, and says so.
  ASSERT_TRUE(testing::wait_for([&] { return zero.straitctl("shards it").first == 0; }, 30s, 200ms))
      << zero.log();
  auto [rc, shown] = one.straitctl("shards it");
  EXPECT_EQ(rc, 0) << shown;
  EXPECT_TRUE(contains(shown, "this straitd is shard 1 of 2")) << shown;
  EXPECT_TRUE(contains(shown, "no assignment: this shard mirrors nothing")) << shown;

  // The plan from a scan on one; the same file applied on both.
  ASSERT_EQ(zero.straitctl("scan it --window 1").first, 0) << zero.log();
  const std::string file = (dir0.path() / "shards.json").string();
  auto [planned, plan] = zero.straitctl("shards-plan it --shards 2 --output " + file);
  ASSERT_EQ(planned, 0) << plan << zero.straitctl_errors();
  EXPECT_TRUE(contains(plan, "shard 0: ")) << plan;
  EXPECT_TRUE(contains(plan, "topics sh-orders; groups sh-billing")) << plan;
  EXPECT_TRUE(contains(plan, "topics sh-audit; groups sh-auditors")) << plan;
  const std::string both = zero.api_address() + "," + one.api_address();
  auto [applied, out] = zero.straitctl_on(both, "shards-apply it --file " + file);
  ASSERT_EQ(applied, 0) << out << zero.straitctl_errors();
  EXPECT_TRUE(contains(out, "== " + one.api_address())) << out;
  auto [same, shards] = zero.straitctl_on(both, "shards it");
  EXPECT_EQ(same, 0) << shards << zero.straitctl_errors();
  EXPECT_TRUE(contains(shards, "every straitd holds the same assignment")) << shards;
  EXPECT_TRUE(contains(shards, "this straitd is shard 1 of 2")) << shards;

  // Each mirrors its topic and syncs its group, the other's not at all.
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return total_high(clusters->target, "mig.sh-orders", 2) == 600 &&
               total_high(clusters->target, "mig.sh-audit", 2) == 300;
      },
      60s, 200ms))
      << zero.log() << one.log();
  ASSERT_TRUE(target_offset_becomes("sh-billing", "mig.sh-orders", 200)) << zero.log();
  ASSERT_TRUE(target_offset_becomes("sh-auditors", "mig.sh-audit", 100)) << one.log();
  const std::string status0 = zero.straitctl("status it").second;
  const std::string status1 = one.straitctl("status it").second;
  EXPECT_TRUE(contains(status0, "sh-orders") && !contains(status0, "sh-audit")) << status0;
  EXPECT_TRUE(contains(status1, "sh-audit") && !contains(status1, "sh-orders")) << status1;
  EXPECT_TRUE(contains(status0, "sh-billing")) << status0;
  EXPECT_TRUE(contains(status1, "sh-auditors") && !contains(status1, "sh-billing"))
      << "each group synced by one straitd only: " << status1;

  // A move sent to the wrong straitd names the one that owns it.
  EXPECT_EQ(one.straitctl("cutover it --topics sh-orders --no-wait").first, 4);
  EXPECT_TRUE(
      contains(one.straitctl_errors(), "gives what you selected to another: sh-orders (shard 0)"))
      << one.straitctl_errors();
  // A plan that would move what each mirrors is refused by the first that
  // checks it, before any stores it.
  const std::string swapped = swapped_plan(file, dir0.path() / "swapped.json");
  EXPECT_EQ(zero.straitctl_on(both, "shards-apply it --file " + swapped).first, 4);
  EXPECT_TRUE(contains(zero.straitctl_errors(),
                       "topic sh-orders (held here, shard 0, given to "
                       "shard 1)"))
      << zero.straitctl_errors();
  EXPECT_TRUE(contains(zero.straitctl_errors(), "nothing was stored on any straitd"))
      << zero.straitctl_errors();
  EXPECT_TRUE(contains(zero.straitctl_on(both, "shards it").second,
                       "every straitd holds the same assignment"));

  // Shard 0 cuts sh-orders and its group over while shard 1 mirrors on.
  ASSERT_TRUE(testing::wait_for(
      [&] { return contains(zero.straitctl("status it").second, "IN_SYNC"); }, 60s, 200ms))
      << zero.straitctl("status it").second;
  // Verified over the set: each straitd compares what it owns.
  auto [verified, report] = zero.straitctl_on(both, "verify it");
  ASSERT_EQ(verified, 0) << report << zero.straitctl_errors() << zero.log() << one.log();
  EXPECT_TRUE(contains(report, "== " + zero.api_address()) &&
              contains(report, "== " + one.api_address()))
      << report;
  ASSERT_TRUE(testing::wait_for(
      [&] { return contains(zero.straitctl("status it").second, "VERIFIED"); }, 60s, 200ms))
      << zero.straitctl("status it").second << zero.log();
  // A cutover sent to the set: the straitd that owns sh-orders cuts it
  // over; the other, owning nothing it selects, has no part.
  auto [cut, cut_out] =
      zero.straitctl_on(both, "cutover it --topics sh-orders --quiet-window 1000");
  ASSERT_EQ(cut, 0) << cut_out << zero.straitctl_errors() << zero.log();
  EXPECT_TRUE(contains(cut_out, "== " + zero.api_address())) << cut_out;
  EXPECT_FALSE(contains(cut_out, "== " + one.api_address())) << cut_out;
  EXPECT_EQ(zero.straitctl_on(both, "cutover it --topics nothing-such --dry-run").first, 3);
  {
    testing::test_producer p(clusters->source);
    for (int i = 300; i < 500; ++i) p.send("sh-audit", i % 2, make_record(i));
  }
  const int64_t end0 = testing::high_watermark(clusters->source, "sh-orders", 0);
  testing::commit_offset(clusters->source, "sh-billing", "sh-orders", 0, end0, "m");
  auto [gcut, gcut_out] = zero.straitctl("cutover it --groups sh-billing");
  ASSERT_EQ(gcut, 0) << gcut_out << zero.straitctl_errors() << zero.log();
  EXPECT_EQ(testing::committed(clusters->target, "sh-billing", "mig.sh-orders", 0).offset,
            testing::high_watermark(clusters->target, "mig.sh-orders", 0));
  ASSERT_TRUE(testing::wait_for(
      [&] { return total_high(clusters->target, "mig.sh-audit", 2) == 500; }, 60s, 200ms))
      << one.log();
  expect_same_records("sh-orders", "mig.sh-orders", 2);
  expect_same_records("sh-audit", "mig.sh-audit", 2);
  EXPECT_EQ(zero.stop(), 0) << zero.log();
  EXPECT_EQ(one.stop(), 0) << one.log();
}

// A re-plan that swaps the two components moves each, with its offset map,
// checkpoints and group offsets, to the other straitd (straitctl
// shards-move: release, export, import, forget, then the plan on both),
// which mirrors and syncs on from where the first stopped: every record
// once, the groups' offsets translated by the new owner's map.
TEST(ShardsKafka, ComponentsSwapStraitdWithTheirOffsetMapsAndMirrorOnWithoutAGap) {
  create_topic(clusters->source, "mv-orders", 2);
  create_topic(clusters->source, "mv-audit", 2);
  auto produce = [](int from, int to) {
    testing::test_producer p(clusters->source);
    for (int i = from; i < to; ++i) {
      p.send("mv-orders", i % 2, make_record(i));
      p.send("mv-audit", i % 2, make_record(i));
    }
  };
  produce(0, 400);
  testing::commit_offset(clusters->source, "mv-billing", "mv-orders", 0, 150, "");
  testing::commit_offset(clusters->source, "mv-auditors", "mv-audit", 1, 120, "");
  const std::string groups = "groups:\n  include: [\"mv-.*\"]\n  sync_interval_ms: 200\n";
  testing::temp_dir dir0, dir1;
  straitd zero(dir0, "mv-.*", groups, "mig."), one(dir1, "mv-.*", groups, "mig.");
  const std::string file = start_planned({&zero, &one}, dir0.path());
  ASSERT_FALSE(file.empty());
  const std::string both = addresses({&zero, &one});
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return total_high(clusters->target, "mig.mv-orders", 2) == 400 &&
               total_high(clusters->target, "mig.mv-audit", 2) == 400;
      },
      60s, 200ms))
      << zero.log() << one.log();
  ASSERT_TRUE(target_offset_becomes("mv-billing", "mig.mv-orders", 150));
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return testing::committed(clusters->target, "mv-auditors", "mig.mv-audit", 1).offset == 120;
      },
      30s, 200ms));
  // Which straitd has which topic now.
  const bool orders_on_zero = contains(zero.straitctl("status it").second, "mv-orders");
  straitd& orders_before = orders_on_zero ? zero : one;
  straitd& orders_after = orders_on_zero ? one : zero;

  // The swapped plan: every component to the other shard.
  const std::string swapped = swapped_plan(file, dir0.path() / "swapped.json");
  // Refused by shards-apply (it would move what each holds); shown by a dry
  // run of shards-move, which moves nothing.
  EXPECT_EQ(zero.straitctl_on(both, "shards-apply it --file " + swapped).first, 4);
  auto [dry, dry_out] = zero.straitctl_on(both, "shards-move it --dry-run --file " + swapped);
  ASSERT_EQ(dry, 0) << dry_out << zero.straitctl_errors();
  EXPECT_TRUE(contains(dry_out, "would move the component of topic mv-orders (1 topics, 1 groups)"))
      << dry_out;
  EXPECT_TRUE(contains(orders_before.straitctl("status it").second, "mv-orders"));

  auto [moved, moved_out] = zero.straitctl_on(both, "shards-move it --file " + swapped);
  ASSERT_EQ(moved, 0) << moved_out << zero.straitctl_errors() << zero.log() << one.log();
  EXPECT_TRUE(contains(moved_out, "moving the component of topic mv-orders")) << moved_out;
  EXPECT_TRUE(contains(moved_out, "imported on " + orders_after.api_address())) << moved_out;
  EXPECT_TRUE(contains(moved_out, "forgotten on " + orders_before.api_address())) << moved_out;
  auto [same, shards] = zero.straitctl_on(both, "shards it");
  EXPECT_EQ(same, 0) << shards;
  EXPECT_TRUE(contains(shards, "every straitd holds the same assignment")) << shards;

  // Each mirrors on from where the other stopped, and syncs the group.
  produce(400, 700);
  testing::commit_offset(clusters->source, "mv-billing", "mv-orders", 0, 300, "");
  testing::commit_offset(clusters->source, "mv-auditors", "mv-audit", 1, 330, "");
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return total_high(clusters->target, "mig.mv-orders", 2) == 700 &&
               total_high(clusters->target, "mig.mv-audit", 2) == 700;
      },
      60s, 200ms))
      << zero.log() << one.log();
  ASSERT_TRUE(target_offset_becomes("mv-billing", "mig.mv-orders", 300)) << orders_after.log();
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return testing::committed(clusters->target, "mv-auditors", "mig.mv-audit", 1).offset == 330;
      },
      30s, 200ms))
      << orders_before.log();
  const std::string status_after = orders_after.straitctl("status it").second;
  EXPECT_TRUE(contains(status_after, "mv-orders") && contains(status_after, "mv-billing") &&
              !contains(status_after, "mv-audit"))
      << status_after;
  expect_same_records("mv-orders", "mig.mv-orders", 2);
  expect_same_records("mv-audit", "mig.mv-audit", 2);
  EXPECT_EQ(zero.stop(), 0) << zero.log();
  EXPECT_EQ(one.stop(), 0) << one.log();
}

// The shard a plan file of shards-plan --output places topic `topic` on.
int placed_on(const std::string& file, const std::string& topic) {
  std::ifstream in(file);
  const std::string text(std::istreambuf_iterator<char>(in), {});
  const size_t at = text.find("\"shard\":", text.find("\"" + topic + "\""));
  return at == std::string::npos ? -1 : text[text.find_first_of("0123456789", at)] - '0';
}

// A change of the shard count moves whole components (ADR 0030 step 4).
// Two straitd grow to three: the first two restart as two of three and
// mirror on under their plan for two (no name changes owner), the third
// joins holding none, and shards-move of the plan for three gives it a
// component with its offset map. Then the set shrinks to two: at the count
// of three a plan for two moves the third's component off, and the count
// goes down. Mirroring goes on through each change: every record once,
// each group's offsets written by its component's owner. A topic created
// after the first plan (gr-d, mirrored by its hash owner, shard 1: FNV-1a
// mod 2) moves from there when a newer plan places it elsewhere.
TEST(ShardsKafka, TheSetGrowsToThreeAndShrinksToTwoMovingWholeComponents) {
  const std::vector<std::string> topics = {"gr-a", "gr-b", "gr-c"};
  for (const auto& t : topics) create_topic(clusters->source, t, 2);
  int produced = 0;  // per topic
  auto produce = [&](int n) {
    testing::test_producer p(clusters->source);
    for (int i = produced; i < produced + n; ++i) {
      for (const auto& t : topics) p.send(t, i % 2, make_record(i));
    }
    produced += n;
  };
  // Each topic's group (its component) has read partition 0 up to `at`.
  auto commit = [&](int64_t at) {
    for (const auto& t : topics) {
      testing::commit_offset(clusters->source, t + "-readers", t, 0, at, "");
    }
  };
  auto mirrored = [&](int64_t at) {
    return testing::wait_for(
        [&] {
          for (const auto& t : topics) {
            if (total_high(clusters->target, "mig." + t, 2) != produced ||
                testing::committed(clusters->target, t + "-readers", "mig." + t, 0).offset != at) {
              return false;
            }
          }
          return true;
        },
        60s, 200ms);
  };
  // How many topics `d`'s status shows, each with its group (a topic's
  // name is in its group's: the group alone does not count); -1 when a
  // topic shows without its group.
  auto mirrored_by = [&](straitd& d) {
    const std::string status = d.straitctl("status it").second;
    int n = 0;
    for (const auto& t : topics) {
      if (contains(status, t + "-readers") != contains(status, t + " ")) return -1;
      n += contains(status, t + "-readers") ? 1 : 0;
    }
    return n;
  };
  auto comes_to = [&](straitd& d, int want) {
    return testing::wait_for([&] { return mirrored_by(d) == want; }, 30s, 200ms);
  };
  produce(300);
  commit(100);
  const std::string groups = "groups:\n  include: [\"gr-.*\"]\n  sync_interval_ms: 200\n";
  testing::temp_dir dir0, dir1, dir2;
  straitd zero(dir0, "gr-.*", groups, "mig."), one(dir1, "gr-.*", groups, "mig."),
      two(dir2, "gr-.*", groups, "mig.");
  ASSERT_FALSE(start_planned({&zero, &one}, dir0.path()).empty());
  ASSERT_TRUE(mirrored(100)) << zero.log() << one.log();
  // gr-d: in no component, mirrored by its hash owner (shard 1 of 2).
  create_topic(clusters->source, "gr-d", 2);
  auto produce_late = [](int from, int to) {
    testing::test_producer p(clusters->source);
    for (int i = from; i < to; ++i) p.send("gr-d", i % 2, make_record(i));
  };
  produce_late(0, 50);
  ASSERT_TRUE(testing::wait_for([&] { return total_high(clusters->target, "mig.gr-d", 2) == 50; },
                                60s, 200ms))
      << one.log();
  EXPECT_TRUE(contains(one.straitctl("status it").second, "gr-d"));
  EXPECT_FALSE(contains(zero.straitctl("status it").second, "gr-d"));
  // gr-late: a group that began to read gr-a (shard 0's) after the plan;
  // its hash gives it to shard 1, which cannot sync it (its topic is on
  // another shard). The newer plan puts it in gr-a's component.
  testing::commit_offset(clusters->source, "gr-late", "gr-a", 0, 120, "");
  auto answer = [&](std::vector<straitd*> set) {
    return testing::wait_for(
        [&] {
          for (auto* d : set) {
            if (d->straitctl("shards it").first != 0) return false;
          }
          return true;
        },
        30s, 200ms);
  };

  // Grow: the first two restart as two of three, the third joins.
  EXPECT_EQ(zero.stop(), 0) << zero.log();
  EXPECT_EQ(one.stop(), 0) << one.log();
  zero.shard(0, 3);
  one.shard(1, 3);
  two.shard(2, 3);
  zero.start();
  one.start();
  two.start();
  ASSERT_TRUE(answer({&zero, &one, &two})) << zero.log() << two.log();
  const std::string three = addresses({&zero, &one, &two});
  auto [differ, shown] = zero.straitctl_on(three, "shards it");
  EXPECT_EQ(differ, 5) << shown;
  EXPECT_TRUE(contains(shown, "planned for 2 shards of the 3")) << shown;
  EXPECT_TRUE(contains(zero.straitctl_errors(), "a straitd that joined the set holds none"))
      << zero.straitctl_errors();
  EXPECT_TRUE(contains(two.log(), "mirrors nothing of it")) << two.log();
  produce(100);
  commit(150);
  ASSERT_TRUE(mirrored(150)) << zero.log() << one.log();  // under the plan for two
  EXPECT_EQ(mirrored_by(two), 0) << two.straitctl("status it").second;

  // A newer scan: the plan for three places gr-d in a component.
  ASSERT_EQ(zero.straitctl("scan it --window 1").first, 0) << zero.log();
  const std::string for_three = (dir0.path() / "three.json").string();
  ASSERT_EQ(zero.straitctl("shards-plan it --shards 3 --output " + for_three).first, 0)
      << zero.straitctl_errors();
  const int late_on = placed_on(for_three, "gr-d");
  // The smallest component goes to the least loaded shard, the first of
  // three equal ones: 0. Not 1, so a component of names in no component
  // moves from its hash owner.
  EXPECT_NE(late_on, 1) << "gr-d would not move: the test would not show it";
  ASSERT_GE(late_on, 0);
  auto [grown, grown_out] = zero.straitctl_on(three, "shards-move it --file " + for_three);
  ASSERT_EQ(grown, 0) << grown_out << zero.straitctl_errors() << zero.log() << two.log();
  EXPECT_TRUE(contains(grown_out, "imported on " + two.api_address())) << grown_out;
  // gr-late moves from its hash owner, with what it wrote of the group
  // (its state; or nothing, when that straitd had not seen it yet: then
  // imported as a receipt only), and the plan is stored all the same.
  const auto late = grown_out.find("moving group gr-late (0 topics, 1 groups): shard 1 -> shard 0");
  ASSERT_NE(late, std::string::npos) << grown_out;
  const std::string late_steps = grown_out.substr(late, grown_out.find("\nmoving ", late) - late);
  EXPECT_TRUE(contains(late_steps, "imported on " + zero.api_address())) << grown_out;
  EXPECT_TRUE(target_offset_becomes("gr-late", "mig.gr-a", 120)) << zero.log();
  EXPECT_EQ(contains(grown_out,
                     "moving the component of topic gr-d (1 topics, 0 groups): shard 1 "
                     "-> shard " +
                         std::to_string(late_on)),
            late_on != 1)
      << grown_out;
  auto [same, same_out] = zero.straitctl_on(three, "shards it");
  EXPECT_EQ(same, 0) << same_out << zero.straitctl_errors();
  ASSERT_TRUE(comes_to(two, 1)) << "the plan for three gives the third one component: "
                                << two.straitctl("status it").second;
  produce(100);
  produce_late(50, 100);
  commit(200);
  ASSERT_TRUE(mirrored(200)) << zero.log() << one.log() << two.log();
  ASSERT_TRUE(testing::wait_for([&] { return total_high(clusters->target, "mig.gr-d", 2) == 100; },
                                60s, 200ms));

  // Shrink: at the count of three, a plan for two moves the third's
  // component off; then the first two restart as two of two.
  const std::string for_two = (dir0.path() / "two.json").string();
  ASSERT_EQ(zero.straitctl("shards-plan it --shards 2 --output " + for_two).first, 0)
      << zero.straitctl_errors();
  auto [shrunk, shrunk_out] = zero.straitctl_on(three, "shards-move it --file " + for_two);
  ASSERT_EQ(shrunk, 0) << shrunk_out << zero.straitctl_errors() << zero.log() << two.log();
  EXPECT_TRUE(contains(shrunk_out, "forgotten on " + two.api_address())) << shrunk_out;
  EXPECT_TRUE(comes_to(two, 0)) << two.straitctl("status it").second;
  EXPECT_TRUE(contains(two.straitctl("shards it").second, "planned for 2 shards of the 3"));
  EXPECT_EQ(two.stop(), 0) << two.log();
  EXPECT_EQ(zero.stop(), 0) << zero.log();
  EXPECT_EQ(one.stop(), 0) << one.log();
  zero.shard(0, 2);
  one.shard(1, 2);
  zero.start();
  one.start();
  ASSERT_TRUE(answer({&zero, &one})) << zero.log() << one.log();
  auto [back, back_out] = zero.straitctl_on(addresses({&zero, &one}), "shards it");
  EXPECT_EQ(back, 0) << back_out << zero.straitctl_errors();
  EXPECT_TRUE(contains(back_out, "every straitd holds the same assignment")) << back_out;
  produce(100);
  commit(250);
  ASSERT_TRUE(mirrored(250)) << zero.log() << one.log();
  EXPECT_EQ(mirrored_by(zero) + mirrored_by(one), 3)
      << zero.straitctl("status it").second << one.straitctl("status it").second;
  for (const auto& t : topics) expect_same_records(t, "mig." + t, 2);
  expect_same_records("gr-d", "mig.gr-d", 2);
  EXPECT_EQ(zero.stop(), 0) << zero.log();
  EXPECT_EQ(one.stop(), 0) << one.log();
}

}  // namespace
}  // namespace strait
