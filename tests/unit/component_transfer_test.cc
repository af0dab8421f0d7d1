// ADR 0030 step 3: a component's records move from one straitd's store to
// another's (daemon/component_transfer.h).
#include "component_transfer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "link_records.h"
#include "strait/migration/operation.h"
#include "test_util.h"

namespace strait::daemon {
namespace {

using migration::object_kind;
using store::checkpoint_store;
using testing::temp_dir;

std::unique_ptr<checkpoint_store> open_store(const temp_dir& dir) {
  auto st = checkpoint_store::open(dir.path());
  EXPECT_TRUE(st.has_value()) << st.error().message;
  return st ? std::move(*st) : nullptr;
}

config::link_config main_link() {
  config::link_config l;
  l.name = "main";
  l.topics.prefix = "mig.";
  return l;
}

const component_names kComponent{{"orders"}, {"billing"}};

void mirrored(checkpoint_store::write_batch& b, const partition_key& k) {
  b.put_run(k, {source_offset(0), target_offset(0), 4});
  b.put_checkpoint(k, {{source_offset(4), target_offset(4)},
                       store::stop_reason::none,
                       "",
                       -1,
                       store::resolution::none});
}

// The component (orders read by billing, cut over once and rolled back:
// reverse records under main.reverse/mig.orders) and, beside it, payments
// read by audit.
void write_a_link(checkpoint_store& st) {
  checkpoint_store::write_batch b;
  const partition_key orders{"main", "orders", partition_id(0)};
  const partition_key back{"main.reverse", "mig.orders", partition_id(0)};
  const partition_key payments{"main", "payments", partition_id(0)};
  mirrored(b, orders);
  mirrored(b, back);
  mirrored(b, payments);
  b.mark_topic_created("main", "orders");
  b.put_source_topic_id("main", "orders",
                        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}});
  const std::vector<store::inflight_entry> handed{{target_offset(4), source_offset(4), 77}};
  b.put_inflight(orders, handed);
  b.put_cluster_ids("main", {"src", "dst"});
  b.put_cluster_ids("main.reverse", {"dst", "src"});
  groupsync::put_group_offset(b, "billing", orders, {source_offset(3), target_offset(3), 100});
  groupsync::put_group_offset(b, "billing", back, {source_offset(2), target_offset(2), 90});
  groupsync::put_group_offset(b, "audit", payments, {source_offset(1), target_offset(1), 80});
  workflow::put_migration(b, "main",
                          {object_kind::topic, "orders",
                           static_cast<uint8_t>(migration::topic_state::in_sync), 10, ""});
  workflow::put_migration(b, "main",
                          {object_kind::group, "billing",
                           static_cast<uint8_t>(migration::group_state::syncing), 11, ""});
  workflow::put_migration(b, "main",
                          {object_kind::topic, "payments",
                           static_cast<uint8_t>(migration::topic_state::in_sync), 12, ""});
  workflow::put_grant(
      b, "main", "orders", workflow::acl_change::target_grant,
      {"dst", {"TOPIC", "mig.orders", "LITERAL", "User:app", "*", "WRITE", "ALLOW"}});
  put_staged(b, "main", object_kind::topic, "orders");
  put_staged(b, "main", object_kind::group, "billing");
  put_staged(b, "main", object_kind::topic, "payments");
  ASSERT_TRUE(st.commit(b).has_value());
}

TEST(ComponentTransfer, EveryRecordOfTheComponentMovesAndNothingElse) {
  temp_dir a_dir, b_dir;
  auto a = open_store(a_dir);
  auto b = open_store(b_dir);
  write_a_link(*a);
  const auto link = main_link();

  auto exported = export_component(*a, link, kComponent);
  ASSERT_TRUE(exported.has_value()) << exported.error().message;
  ASSERT_EQ(exported->own.topics.size(), 2u) << "the link's topic and the reverse link's";
  EXPECT_EQ(exported->own.topics[1].link, "main.reverse");
  EXPECT_EQ(exported->own.topics[1].topic, "mig.orders");
  EXPECT_EQ(exported->own.topics[1].partitions.size(), 1u);
  EXPECT_EQ(exported->own.clusters.size(), 2u);
  EXPECT_EQ(exported->group_offsets.size(), 2u);
  EXPECT_EQ(exported->migrations.size(), 2u);
  EXPECT_EQ(exported->grants.size(), 1u);
  EXPECT_EQ(exported->staged.size(), 2u);

  // What travels between the two straitd: the export's bytes.
  auto travelled = decode_component(exported->encode());
  ASSERT_TRUE(travelled.has_value()) << travelled.error().message;
  EXPECT_EQ(travelled->encode(), exported->encode());
  EXPECT_EQ(travelled->names.topics, kComponent.topics);
  EXPECT_EQ(travelled->own, exported->own);
  EXPECT_EQ(travelled->grants[0].grant, exported->grants[0].grant);
  checkpoint_store::write_batch in;
  ASSERT_TRUE(import_component(*b, link, *travelled, in).has_value());
  ASSERT_TRUE(b->commit(in, store::durability::fsynced).has_value());
  auto there = export_component(*b, link, kComponent);
  ASSERT_TRUE(there.has_value());
  EXPECT_EQ(there->digest(), exported->digest());
  EXPECT_EQ(groupsync::load_group_offsets(*b, "main")->size(), 1u);
  EXPECT_EQ(groupsync::load_group_offsets(*b, "main.reverse")->size(), 1u);

  checkpoint_store::write_batch out;
  auto stale = forget_component(*a, link, kComponent, "0123456789abcdef", out);
  ASSERT_FALSE(stale.has_value()) << "records that changed since their export are not forgotten";
  EXPECT_NE(stale.error().message.find("changed since they were exported"), std::string::npos)
      << stale.error().message;
  EXPECT_EQ(out.count(), 0u);
  auto erased = forget_component(*a, link, kComponent, exported->digest(), out);
  ASSERT_TRUE(erased.has_value()) << erased.error().message;
  // Own: P, R, T of each partition (6), orders' I, C and U; G 2, M 2, A 1,
  // S 2.
  EXPECT_EQ(*erased, 16u);
  ASSERT_TRUE(a->commit(out).has_value());
  auto left = export_component(*a, link, kComponent);
  ASSERT_TRUE(left.has_value());
  EXPECT_TRUE(left->group_offsets.empty() && left->migrations.empty() && left->grants.empty() &&
              left->staged.empty());
  for (const auto& t : left->own.topics) EXPECT_TRUE(t.partitions.empty() && !t.created);
  // payments and audit stay where they were.
  EXPECT_TRUE(a->load({"main", "payments", partition_id(0)})->has_value());
  EXPECT_EQ(groupsync::load_group_offsets(*a, "main")->size(), 1u);
  EXPECT_EQ(workflow::load_migrations(*a, "main")->size(), 1u);
  EXPECT_EQ(load_staged(*a, "main")->size(), 1u);
}

// A component of groups only has no topic record to carry the link's
// cluster ids; the export carries them anyway, so a receiver that has not
// met the clusters yet computes the same definition digest (and stores them).
TEST(ComponentTransfer, AComponentOfGroupsOnlyCarriesTheClusterIdsOfItsLink) {
  temp_dir a_dir, b_dir;
  auto a = open_store(a_dir);
  auto b = open_store(b_dir);
  write_a_link(*a);
  {
    checkpoint_store::write_batch w;
    put_staged(w, "main", object_kind::group, "quiet");
    ASSERT_TRUE(a->commit(w).has_value());
  }
  const auto link = main_link();
  const component_names quiet{{}, {"quiet"}};
  auto exported = export_component(*a, link, quiet);
  ASSERT_TRUE(exported.has_value()) << exported.error().message;
  EXPECT_TRUE(exported->own.topics.empty());
  ASSERT_EQ(exported->own.clusters.size(), 1u);
  EXPECT_EQ(exported->own.clusters[0].first, "main");
  EXPECT_EQ(exported->own.clusters[0].second, (store::cluster_ids{"src", "dst"}));

  ASSERT_FALSE(b->link_cluster_ids("main")->has_value()) << "b has not met the clusters";
  checkpoint_store::write_batch in;
  auto imported = import_component(*b, link, *decode_component(exported->encode()), in);
  ASSERT_TRUE(imported.has_value()) << imported.error().message;
  ASSERT_TRUE(b->commit(in, store::durability::fsynced).has_value());
  EXPECT_EQ(b->link_cluster_ids("main")->value(), (store::cluster_ids{"src", "dst"}));
  EXPECT_EQ(load_staged(*b, "main")->size(), 1u);
}

TEST(ComponentTransfer, AComponentInACutoverOrAnImportThatWouldMixIsRefused) {
  temp_dir a_dir, b_dir;
  auto a = open_store(a_dir);
  auto b = open_store(b_dir);
  write_a_link(*a);
  const auto link = main_link();
  auto exported = export_component(*a, link, kComponent);
  ASSERT_TRUE(exported.has_value());

  auto refused_export = [&](const workflow::migration_record& m, const std::string& says) {
    checkpoint_store::write_batch w;
    workflow::put_migration(w, "main", m);
    ASSERT_TRUE(a->commit(w).has_value());
    auto r = export_component(*a, link, kComponent);
    ASSERT_FALSE(r.has_value()) << says;
    EXPECT_EQ(r.error().code, errc::precondition);
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  };
  refused_export({object_kind::topic, "orders",
                  static_cast<uint8_t>(migration::topic_state::cut_over), 20, ""},
                 "topic orders is in a cutover (CUT_OVER)");
  {
    checkpoint_store::write_batch w;
    workflow::put_migration(w, "main", exported->migrations[0]);  // in sync again
    ASSERT_TRUE(a->commit(w).has_value());
  }
  migration::operation_record op;
  op.options.id = 42;
  refused_export(
      {object_kind::group, "billing", static_cast<uint8_t>(migration::group_state::syncing), 21,
       migration::encode_operation(op)},
      "group billing has a move running (operation 42)");

  auto refused_import = [&](checkpoint_store& st, const component_names& names,
                            const component_records& r, errc code, const std::string& says) {
    checkpoint_store::write_batch w;
    component_records named = r;  // the names as the caller gives them
    named.names = names;
    auto s = import_component(st, link, named, w);
    ASSERT_FALSE(s.has_value()) << says;
    EXPECT_EQ(s.error().code, code) << s.error().message;
    EXPECT_NE(s.error().message.find(says), std::string::npos) << s.error().message;
    EXPECT_EQ(w.count(), 0u);
  };
  // Where the component's records are already.
  refused_import(*a, kComponent, *exported, errc::precondition, "holds offsets of group billing");
  // Records of names outside the component, or of another link.
  refused_import(*b, {{"orders"}, {}}, *exported, errc::invalid_argument,
                 "offsets of group billing on main/orders, outside the component");
  refused_import(*b, {{}, {"billing"}}, *exported, errc::invalid_argument,
                 "topic main/orders, outside the component");
  // Exported under another definition of the link (its selection or its
  // clusters).
  component_records redefined = *exported;
  redefined.definition = "0123456789abcdef";
  refused_import(*b, kComponent, redefined, errc::precondition,
                 "otherwise here than on the straitd that exported them");
  component_records other = *exported;
  other.link = "other";
  refused_import(*b, kComponent, other, errc::invalid_argument, "of link other");
  // Records that name what is not the component's: another link's
  // clusters, a group's offsets of another link, a grant on another topic.
  component_records clusters = *exported;
  clusters.own.clusters.push_back({"elsewhere", {"a", "b"}});
  refused_import(*b, kComponent, clusters, errc::invalid_argument,
                 "the cluster ids of link elsewhere");
  component_records offsets = *exported;
  offsets.group_offsets[0].partition.link = "elsewhere";
  refused_import(*b, kComponent, offsets, errc::invalid_argument,
                 "offsets of group billing on elsewhere/orders, outside the component");
  // The reverse link's ids must be the link's the other way round (they
  // would stop reverse mirroring at the next cutover).
  component_records reversed = *exported;
  for (auto& [l, ids] : reversed.own.clusters) {
    if (l == "main.reverse") ids = {"x", "y"};
  }
  refused_import(*b, kComponent, reversed, errc::invalid_argument,
                 "cluster ids of link main.reverse that are not the link's own the other way");
  component_records grant = *exported;
  grant.grants[0].grant.binding.resource_name = "mig.payments";
  refused_import(*b, kComponent, grant, errc::invalid_argument,
                 "a grant of topic orders on mig.payments");
  // A rollback deletes what a grant record names: only what a cutover
  // makes is taken (literal, on the topic, a fence a DENY WRITE, on the
  // link's cluster of its side).
  for (const auto& [field, value] :
       std::vector<std::pair<std::string kafka::acl_binding::*, std::string>>{
           {&kafka::acl_binding::pattern_type, "PREFIXED"},
           {&kafka::acl_binding::resource_type, "GROUP"},
           {&kafka::acl_binding::permission, "DENY"},
           {&kafka::acl_binding::operation, "READ"},
           {&kafka::acl_binding::host, "10.0.0.1"}}) {
    component_records odd_grant = *exported;
    odd_grant.grants[0].grant.binding.*field = value;
    refused_import(*b, kComponent, odd_grant, errc::invalid_argument, "that no cutover makes");
  }
  component_records elsewhere = *exported;
  elsewhere.grants[0].grant.cluster = "src";
  refused_import(*b, kComponent, elsewhere, errc::invalid_argument,
                 "that no cutover makes (ALLOW WRITE TOPIC:LITERAL on cluster src)");
  component_records fence = *exported;
  fence.grants[0].kind = workflow::acl_change::source_fence;
  fence.grants[0].grant.binding.resource_name = "orders";
  fence.grants[0].grant.cluster = "src";
  refused_import(*b, kComponent, fence, errc::invalid_argument,
                 "a fence of topic orders that no cutover makes (ALLOW WRITE");
  component_records stop = *exported;
  stop.own.topics[0].partitions[0].checkpoint.stopped = store::stop_reason::released;
  refused_import(*b, kComponent, stop, errc::invalid_argument, "no checkpoint holds");
  // A group whose state byte is not one.
  component_records odd = *exported;
  odd.migrations[0].state = 200;
  refused_import(*b, kComponent, odd, errc::invalid_argument, "unknown state");
  // Offset maps that break an invariant (import_topics names it).
  component_records broken = *exported;
  broken.own.topics[0].partitions[0].runs[0].length = 9;
  refused_import(*b, kComponent, broken, errc::invalid_argument, "ends past the checkpoint");
  // b holds the state of a group of the component: refused.
  {
    checkpoint_store::write_batch w;
    workflow::put_migration(w, "main", exported->migrations[1]);
    ASSERT_TRUE(b->commit(w).has_value());
  }
  refused_import(*b, kComponent, *exported, errc::precondition, "the state of billing");
  {
    checkpoint_store::write_batch w;
    workflow::erase_migration(w, "main", object_kind::group, "billing");
    ASSERT_TRUE(b->commit(w).has_value());
  }
  // A name staged on b too (staged over the whole set) merges.
  {
    checkpoint_store::write_batch w;
    put_staged(w, "main", object_kind::group, "billing");
    ASSERT_TRUE(b->commit(w).has_value());
  }
  // A group's offsets on a topic outside the component (one it read that
  // is no longer selected) are its state: they move with it; and a fence's
  // DENY on the source, as a cutover records it.
  component_records wider = *exported;
  wider.group_offsets.push_back(
      {"billing", {"main", "payments", partition_id(0)}, {source_offset(1), target_offset(1), 5}});
  wider.grants.push_back(
      {"orders",
       workflow::acl_change::source_fence,
       {"src", {"TOPIC", "orders", "LITERAL", "User:app", "*", "WRITE", "DENY"}}});
  checkpoint_store::write_batch w;
  auto merged = import_component(*b, link, wider, w);
  ASSERT_TRUE(merged.has_value()) << merged.error().message;
}

// An export travels as bytes through an operator's hands: anything but
// the whole of one is refused, naming what is wrong; a count larger than
// the bytes left is refused before anything is read (field_reader::count).
TEST(ComponentTransfer, AnExportCutShortDamagedOrOfAnotherFormatIsRefused) {
  temp_dir a_dir;
  auto a = open_store(a_dir);
  write_a_link(*a);
  auto exported = export_component(*a, main_link(), kComponent);
  ASSERT_TRUE(exported.has_value());
  const std::string bytes = exported->encode();
  ASSERT_TRUE(decode_component(bytes).has_value());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto cut = decode_component(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(cut.has_value()) << "cut at " << n;
    EXPECT_EQ(cut.error().code, errc::invalid_argument);
  }
  auto longer = decode_component(bytes + "x");
  ASSERT_FALSE(longer.has_value());
  EXPECT_NE(longer.error().message.find("bytes past the records"), std::string::npos)
      << longer.error().message;
  EXPECT_NE(decode_component("garbage").error().message.find("the header"), std::string::npos);
  // The format number follows the magic text (4-byte length, 23 bytes).
  std::string newer = bytes;
  newer[4 + 23 + 7] = 2;
  auto other_format = decode_component(newer);
  ASSERT_FALSE(other_format.has_value());
  EXPECT_NE(other_format.error().message.find("format 2, this straitd reads 1"), std::string::npos)
      << other_format.error().message;
  // A count that claims more elements than there are bytes: refused before
  // anything is read (the topic count is the own records' first field).
  component_records huge = *exported;
  huge.own.topics.clear();
  huge.own.clusters.clear();
  std::string lying = huge.encode();
  const std::string own_empty = store::own_records{}.encode();
  const size_t at = lying.find(own_empty);
  ASSERT_NE(at, std::string::npos);
  lying[at] = 0x7f;  // the topic count's first byte
  auto refused = decode_component(lying);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("the topic count"), std::string::npos)
      << refused.error().message;
  // A bad kind byte in a staged name (the last field's kind: 8 bytes before
  // its name's 4-byte length and bytes).
  std::string bad_kind = bytes;
  const std::string last_name = exported->staged.back().second;
  bad_kind[bytes.size() - last_name.size() - 4 - 1] = 9;
  auto kind = decode_component(bad_kind);
  ASSERT_FALSE(kind.has_value());
  EXPECT_NE(kind.error().message.find("staged name 1"), std::string::npos) << kind.error().message;
}

// fuzz_export mutates exports as straitd writes them: its corpus, written
// by tests/fuzz/make_export_corpus.py (a second encoder), must decode, or
// the mutations start from inputs refused at their first byte.
TEST(ComponentTransfer, TheFuzzCorpusOfExportsDecodes) {
  size_t files = 0;
  for (const auto& f : std::filesystem::directory_iterator(STRAIT_EXPORT_CORPUS)) {
    std::ifstream in(f.path(), std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    auto r = decode_component(bytes);
    ASSERT_TRUE(r.has_value()) << f.path() << ": " << r.error().message;
    EXPECT_EQ(r->encode(), bytes) << f.path();
    ++files;
  }
  EXPECT_GE(files, 3u);
}

// Stores `s` as link main's shard state; whether the commit succeeded.
bool store_shards(checkpoint_store& st, const config::shard_state& s) {
  checkpoint_store::write_batch b;
  put_shard_assignment(b, "main", s);
  return st.commit(b).has_value();
}

// The stored assignment keeps the names a shard released (format 2; one
// without keeps format 1), and a released name is nobody's meanwhile.
TEST(ShardRecords, ReleasedNamesSurviveAReloadAndAreOwnedByNobody) {
  temp_dir dir;
  auto st = open_store(dir);
  const config::shard_identity self{0, 2, false};
  auto a = config::shard_assignment::make(
      2, 7, {{{"orders"}, {"billing"}, 0, 10}, {{"payments"}, {}, 0, 10}}, 2);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  config::shard_state s;
  s.assignment = std::make_shared<const config::shard_assignment>(std::move(*a));
  s.applied_at_ms = 5;
  ASSERT_TRUE(store_shards(*st, s));
  auto raw = st->get(store::record_key(store::key_space::shard_assignment).tail("main"));
  ASSERT_TRUE(raw.has_value() && raw->has_value());
  EXPECT_EQ((**raw)[0], 1) << "nothing released: format 1, as before";

  s.released_topics = {"orders"};
  s.released_groups = {"billing"};
  ASSERT_TRUE(store_shards(*st, s));
  auto loaded = load_shard_assignment(*st, "main", self);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  ASSERT_TRUE(loaded->in_force()) << loaded->problem;
  EXPECT_EQ(loaded->released_topics, s.released_topics);
  EXPECT_EQ(loaded->released_groups, s.released_groups);
  config::shard_share share(self);
  share.set(*loaded);
  using kind = config::shard_share::kind;
  EXPECT_FALSE(share.owner(kind::topic, "orders").has_value());
  EXPECT_FALSE(share.owner(kind::group, "billing").has_value());
  EXPECT_EQ(share.owner(kind::topic, "payments"), 0u);

  // A released list cut short reads as damaged: not in force, owns nothing.
  raw = st->get(store::record_key(store::key_space::shard_assignment).tail("main"));
  ASSERT_TRUE(raw.has_value() && raw->has_value());
  {
    checkpoint_store::write_batch b;
    b.put(store::record_key(store::key_space::shard_assignment).tail("main"),
          std::string_view(**raw).substr(0, (**raw).size() - 3));
    ASSERT_TRUE(st->commit(b).has_value());
  }
  auto cut = load_shard_assignment(*st, "main", self);
  ASSERT_TRUE(cut.has_value());
  EXPECT_FALSE(cut->in_force());
  EXPECT_NE(cut->problem.find("released names do not decode"), std::string::npos) << cut->problem;
}

// ADR 0030 step 4: an assignment stays in force on a restart with more
// shards (the set grew), and is not in force with fewer than it was planned
// for, saying how to take shards away.
TEST(ShardRecords, AnAssignmentStaysInForceWhenTheCountGrowsAndNotWhenItShrinks) {
  temp_dir dir;
  auto st = open_store(dir);
  auto a = config::shard_assignment::make(2, 7, {{{"orders"}, {"billing"}, 1, 10}}, 2);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  config::shard_state s;
  s.assignment = std::make_shared<const config::shard_assignment>(std::move(*a));
  s.applied_as = 1;
  ASSERT_TRUE(store_shards(*st, s));
  auto grown = load_shard_assignment(*st, "main", {1, 3, false});
  ASSERT_TRUE(grown.has_value()) << grown.error().message;
  EXPECT_TRUE(grown->in_force()) << grown->problem;
  EXPECT_EQ(grown->assignment->shards, 2u);
  // A plan for three, and the count lowered to two before the shrink was
  // prepared.
  auto three = config::shard_assignment::make(3, 8, {{{"orders"}, {"billing"}, 1, 10}}, 3);
  ASSERT_TRUE(three.has_value()) << three.error().message;
  s.assignment = std::make_shared<const config::shard_assignment>(std::move(*three));
  ASSERT_TRUE(store_shards(*st, s));
  auto shrunk = load_shard_assignment(*st, "main", {1, 2, false});
  ASSERT_TRUE(shrunk.has_value()) << shrunk.error().message;
  EXPECT_FALSE(shrunk->in_force());
  EXPECT_NE(shrunk->problem.find("is for 3 shards, and daemon.shards.count is 2"),
            std::string::npos)
      << shrunk->problem;
  EXPECT_NE(shrunk->problem.find("set the count back to 3"), std::string::npos) << shrunk->problem;
  EXPECT_NE(shrunk->problem.find("shards-plan --shards 2, shards-move"), std::string::npos)
      << shrunk->problem;
  EXPECT_TRUE(load_shard_assignment(*st, "main", {1, 3, false})->in_force());
  // Applied by another ordinal: not in force whatever the count.
  auto other = load_shard_assignment(*st, "main", {0, 3, false});
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->in_force());
}

}  // namespace
}  // namespace strait::daemon
