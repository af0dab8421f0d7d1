#include "strait/store/checkpoint_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "strait/offsets/offset_map.h"
#include "test_util.h"

namespace strait::store {
namespace {

namespace fs = std::filesystem;

using testing::temp_dir;

partition_key key(int p = 0) { return {"main", "orders", partition_id(p)}; }

// Writes the runs of an in-memory map to the store.
void persist(checkpoint_store& st, const partition_key& k, const offsets::offset_map& m) {
  checkpoint_store::write_batch b;
  for (const auto& r : m.runs()) b.put_run(k, r);
  b.put_checkpoint(k, {m.position(), stop_reason::none, "", -1, resolution::none});
  ASSERT_TRUE(st.commit(b).has_value());
}

TEST(CheckpointStore, StoredMapTranslatesLikeTheInMemoryMap) {
  temp_dir dir;
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value()) << st.error().message;
  offsets::offset_map m({source_offset(3), target_offset(10)});
  int64_t t = 10;
  for (int64_t s : {3, 4, 5, 9, 10, 12, 13, 14, 20}) {
    ASSERT_TRUE(m.append(source_offset(s), target_offset(t++)).has_value());
  }
  persist(**st, key(), m);
  for (int64_t s = 0; s <= 25; ++s) {
    auto got = (*st)->to_target(key(), source_offset(s));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, m.to_target(source_offset(s))) << "source " << s;
  }
  for (int64_t tt = 0; tt <= 25; ++tt) {
    auto got = (*st)->to_source(key(), target_offset(tt));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, m.to_source(target_offset(tt))) << "target " << tt;
  }
  // Other partitions are not mixed in.
  EXPECT_FALSE((*st)->to_target(key(1), source_offset(0)).has_value());
}

// What link_runtime::claim_existing claims after a restart besides the
// topics with checkpoints: those apply created for a paused link.
TEST(CheckpointStore, CreatedTopicsAreListedPerLinkAndNotAnotherLinkWhoseNameStartsAlike) {
  temp_dir dir;
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value());
  checkpoint_store::write_batch b;
  b.mark_topic_created("main", "payments");
  b.mark_topic_created("main", "orders");
  b.mark_topic_created("mainline", "audit");
  b.mark_topic_created("mai", "other");
  ASSERT_TRUE((*st)->commit(b).has_value());
  auto created = (*st)->created_topics("main");
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(*created, (std::vector<std::string>{"orders", "payments"}));
  auto none = (*st)->created_topics("nobody");
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST(CheckpointStore, SurvivesReopenAndExtendsRunsInPlace) {
  temp_dir dir;
  {
    auto st = checkpoint_store::open(dir.path());
    ASSERT_TRUE(st.has_value());
    checkpoint_store::write_batch b;
    b.put_run(key(), {source_offset(0), target_offset(0), 2});
    b.put_run(key(), {source_offset(0), target_offset(0), 5});  // extended
    partition_checkpoint cp{{source_offset(5), target_offset(5)},
                            stop_reason::foreign_write,
                            "detail text",
                            42,
                            resolution::accept_target};
    b.put_checkpoint(key(), cp);
    b.mark_topic_created("main", "orders");
    ASSERT_TRUE((*st)->commit(b).has_value());
  }
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value());
  auto runs = (*st)->runs(key());
  ASSERT_TRUE(runs.has_value());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].length, 5);
  auto cp = (*st)->load(key());
  ASSERT_TRUE(cp.has_value() && cp->has_value());
  EXPECT_EQ((*cp)->position.next_source, source_offset(5));
  EXPECT_EQ((*cp)->stopped, stop_reason::foreign_write);
  EXPECT_EQ((*cp)->stop_detail, "detail text");
  EXPECT_EQ((*cp)->pending, resolution::accept_target);
  EXPECT_EQ((*cp)->stop_source_offset, 42);
  EXPECT_TRUE(*(*st)->topic_created("main", "orders"));
  EXPECT_FALSE(*(*st)->topic_created("main", "other"));
  auto parts = (*st)->partitions("main");
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0], key());
  auto last = (*st)->last_run(key());
  ASSERT_TRUE(last.has_value() && last->has_value());
  EXPECT_EQ((*last)->length, 5);
}

TEST(CheckpointStore, SourceTopicIdsRoundTripPerLinkAndTopic) {
  temp_dir dir;
  topic_id id;
  for (size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<uint8_t>(0xf0 + i);
  {
    auto st = checkpoint_store::open(dir.path());
    ASSERT_TRUE(st.has_value());
    EXPECT_FALSE((*st)->source_topic_id("main", "orders")->has_value());
    checkpoint_store::write_batch b;
    b.put_source_topic_id("main", "orders", id);
    ASSERT_TRUE((*st)->commit(b).has_value());
  }
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ((*st)->source_topic_id("main", "orders")->value_or(topic_id{}), id);
  EXPECT_FALSE((*st)->source_topic_id("other", "orders")->has_value());
  EXPECT_FALSE((*st)->source_topic_id("main", "order")->has_value());
}

TEST(CheckpointStore, ClusterIdsRoundTripPerLinkAndADamagedRecordIsCorruption) {
  temp_dir dir;
  {
    auto st = checkpoint_store::open(dir.path());
    ASSERT_TRUE(st.has_value());
    EXPECT_FALSE((*st)->link_cluster_ids("main")->has_value());
    checkpoint_store::write_batch b;
    b.put_cluster_ids("main", {"src-Id_1", "tgt-Id_2"});
    b.put_cluster_ids("mai", {"x", "y"});
    ASSERT_TRUE((*st)->commit(b).has_value());
    auto ids = (*st)->link_cluster_ids("main");
    ASSERT_TRUE(ids.has_value() && ids->has_value());
    EXPECT_EQ(**ids, (cluster_ids{"src-Id_1", "tgt-Id_2"}));
    EXPECT_EQ((*st)->link_cluster_ids("mai")->value_or(cluster_ids{}).source, "x");
    EXPECT_FALSE((*st)->link_cluster_ids("main2")->has_value());
  }
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir.path().string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::string v;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), "Kmain", &v).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "Kmain", v.substr(0, v.size() - 1)).ok());
  }
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value());
  auto ids = (*st)->link_cluster_ids("main");
  ASSERT_FALSE(ids.has_value());
  EXPECT_EQ(ids.error().code, errc::corruption);
  EXPECT_NE(ids.error().message.find("cluster ids of link main are damaged"), std::string::npos);
}

// Kafka prints topic ids in URL-safe base64 without padding.
TEST(TopicId, PrintsAsKafkaDoes) {
  EXPECT_EQ(topic_id{}.to_string(), "AAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_FALSE(topic_id{}.known());
  topic_id id;
  id.bytes = {0xfb, 0xff, 0xbf, 0x00, 0x10, 0x83, 0x10, 0x51,
              0x87, 0x20, 0x92, 0x8b, 0x30, 0xd3, 0x8f, 0x41};
  EXPECT_TRUE(id.known());
  EXPECT_EQ(id.to_string(), "-_-_ABCDEFGHIJKLMNOPQQ");
}

TEST(CheckpointStore, InflightJournalRoundTripsPerPartitionAndIsDeletedByBatch) {
  temp_dir dir;
  {
    auto st = checkpoint_store::open(dir.path());
    ASSERT_TRUE(st.has_value()) << st.error().message;
    // Source gaps (compaction, markers), a large gap, and another partition.
    std::vector<inflight_entry> first = {{target_offset(100), source_offset(7), 0xdeadbeefull},
                                         {target_offset(101), source_offset(8), 1},
                                         {target_offset(102), source_offset(40), ~0ull},
                                         {target_offset(103), source_offset(1LL << 40), 0}};
    std::vector<inflight_entry> second = {{target_offset(104), source_offset((1LL << 40) + 1), 5}};
    std::vector<inflight_entry> other = {{target_offset(0), source_offset(0), 9}};
    checkpoint_store::write_batch b;
    b.put_inflight(key(0), first);
    b.put_inflight(key(0), second);
    b.put_inflight(key(1), other);
    ASSERT_TRUE((*st)->commit(b).has_value());
    auto all = first;
    all.insert(all.end(), second.begin(), second.end());
    EXPECT_EQ(*(*st)->inflight(key(0)), all);
    EXPECT_EQ(*(*st)->inflight(key(1)), other);
    EXPECT_TRUE((*st)->inflight(key(2))->empty());

    checkpoint_store::write_batch d;
    d.delete_inflight(key(0), target_offset(100));
    ASSERT_TRUE((*st)->commit(d).has_value());
    EXPECT_EQ(*(*st)->inflight(key(0)), second);
  }
  // Survives a reopen; clear_inflight removes one partition's journal only.
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ((*st)->inflight(key(0))->size(), 1u);
  checkpoint_store::write_batch c;
  EXPECT_EQ((*st)->clear_inflight(key(0), c).value_or(99), 1u);
  EXPECT_EQ((*st)->clear_inflight(key(3), c).value_or(99), 0u) << "nothing to delete";
  ASSERT_TRUE((*st)->commit(c).has_value());
  EXPECT_TRUE((*st)->inflight(key(0))->empty());
  EXPECT_EQ((*st)->inflight(key(1))->size(), 1u);
}

TEST(CheckpointStore, DamagedInflightJournalIsAnErrorNotAnEmptyJournal) {
  temp_dir dir;
  {
    auto st = checkpoint_store::open(dir.path());
    ASSERT_TRUE(st.has_value());
    checkpoint_store::write_batch b;
    std::vector<inflight_entry> e = {{target_offset(5), source_offset(5), 1},
                                     {target_offset(6), source_offset(6), 2}};
    b.put_inflight(key(), e);
    ASSERT_TRUE((*st)->commit(b).has_value());
  }
  {
    // Truncate the value behind the store's back.
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir.path().string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() > 0 && it->key()[0] == 'I') {
        std::string v = it->value().ToString();
        ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), it->key(), v.substr(0, v.size() - 3)).ok());
      }
    }
  }
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value());
  auto j = (*st)->inflight(key());
  ASSERT_FALSE(j.has_value());
  EXPECT_EQ(j.error().code, errc::corruption);
  EXPECT_NE(j.error().message.find("in-flight journal"), std::string::npos);
}

TEST(CheckpointStore, PruneDeletesOnlyRunsBelowLogStart) {
  temp_dir dir;
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value());
  offsets::offset_map m;
  int64_t t = 0;
  for (int64_t s : {0, 1, 2, 4, 5, 7, 8, 11}) {
    ASSERT_TRUE(m.append(source_offset(s), target_offset(t++)).has_value());
  }
  persist(**st, key(), m);
  checkpoint_store::write_batch b;
  auto n = (*st)->prune_below(key(), source_offset(5), b);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 1u);
  ASSERT_TRUE((*st)->commit(b).has_value());
  EXPECT_EQ((*st)->runs(key())->size(), 3u);
  EXPECT_EQ(*(*st)->to_target(key(), source_offset(5)), target_offset(4));
  // The target index entry of the pruned run is gone too.
  EXPECT_EQ(*(*st)->to_source(key(), target_offset(0)), source_offset(4));
}

TEST(CheckpointStore, SecondOpenIsRefusedAsBusy) {
  temp_dir dir;
  auto first = checkpoint_store::open(dir.path());
  ASSERT_TRUE(first.has_value());
  auto second = checkpoint_store::open(dir.path());
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, errc::busy);
  EXPECT_NE(second.error().message.find("another process"), std::string::npos);
}

TEST(CheckpointStore, DamagedStoreIsRefusedNotReset) {
  temp_dir dir;
  {
    auto st = checkpoint_store::open(dir.path());
    ASSERT_TRUE(st.has_value());
    checkpoint_store::write_batch b;
    b.put_run(key(), {source_offset(0), target_offset(0), 5});
    ASSERT_TRUE((*st)->commit(b).has_value());
  }
  // Destroy every file RocksDB needs to find its data.
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().filename().string().starts_with("MANIFEST") || e.path().filename() == "CURRENT") {
      std::ofstream(e.path(), std::ios::trunc) << "garbage";
    }
  }
  auto st = checkpoint_store::open(dir.path());
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message.find("never resets"), std::string::npos) << st.error().message;
}

TEST(CheckpointStore, OtherSchemaVersionIsRefused) {
  temp_dir dir;
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.path().string(), &db).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), rocksdb::Slice("\x00schema", 7), "99").ok());
    delete db;
  }
  auto st = checkpoint_store::open(dir.path());
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, errc::corruption);
  EXPECT_NE(st.error().message.find("schema version 99"), std::string::npos) << st.error().message;
}

TEST(CheckpointStore, DatabaseWithoutSchemaKeyIsRefused) {
  temp_dir dir;
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.path().string(), &db).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "some-key", "v").ok());
    delete db;
  }
  auto st = checkpoint_store::open(dir.path());
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, errc::corruption);
  EXPECT_NE(st.error().message.find("no schema version"), std::string::npos);
}

TEST(CheckpointStore, SliceGivesCheckpointAndNeighbouringRuns) {
  temp_dir dir;
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value()) << st.error().message;
  offsets::offset_map m;
  int64_t t = 0;
  for (int64_t s : {0, 1, 2, 5, 6, 9}) ASSERT_TRUE(m.append(source_offset(s), target_offset(t++)));
  persist(**st, key(), m);
  auto sl = (*st)->slice(key(), source_offset(4));
  ASSERT_TRUE(sl.has_value() && sl->has_value());
  EXPECT_EQ((*sl)->checkpoint.position, m.position());
  EXPECT_EQ((*sl)->floor, (offsets::offset_run{source_offset(0), target_offset(0), 3}));
  EXPECT_EQ((*sl)->ceil, (offsets::offset_run{source_offset(5), target_offset(3), 2}));
  auto none = (*st)->slice(key(7), source_offset(4));
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST(CheckpointStore, MapVersionChangesWithEveryCommittedCheckpointOrRunOfThePartition) {
  temp_dir dir;
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value()) << st.error().message;
  checkpoint_store& s = **st;
  EXPECT_EQ(s.map_version(key(0)), 0u);
  const offsets::offset_run run{source_offset(0), target_offset(0), 3};
  std::vector<uint64_t> seen{s.map_version(key(0))};
  auto changed = [&](const char* what) {
    const uint64_t v = s.map_version(key(0));
    EXPECT_EQ(std::count(seen.begin(), seen.end(), v), 0) << what << ": version " << v;
    seen.push_back(v);
  };
  checkpoint_store::write_batch b;
  b.put_checkpoint(key(0), partition_checkpoint{});
  EXPECT_EQ(s.map_version(key(0)), 0u) << "not before the commit";
  ASSERT_TRUE(s.commit(b).has_value());
  changed("checkpoint");
  b.put_run(key(0), run);
  ASSERT_TRUE(s.commit(b).has_value());
  changed("run");
  b.delete_run(key(0), run);
  ASSERT_TRUE(s.commit(b).has_value());
  changed("deleted run");
  b.put_run(key(0), run);
  ASSERT_TRUE(s.commit(b).has_value());
  auto pruned = s.prune_below(key(0), source_offset(10), b);
  ASSERT_TRUE(pruned.has_value());
  ASSERT_EQ(*pruned, 1u);
  seen.push_back(s.map_version(key(0)));
  ASSERT_TRUE(s.commit(b).has_value());
  changed("pruned");

  // Other partitions and the journal leave it alone (other modules' key
  // spaces cannot write a checkpoint or a run).
  const uint64_t before = s.map_version(key(0));
  b.put_checkpoint(key(1), partition_checkpoint{});
  const inflight_entry e{target_offset(3), source_offset(3), 7};
  b.put_inflight(key(0), std::span(&e, 1));
  ASSERT_TRUE(s.commit(b).has_value());
  EXPECT_EQ(s.map_version(key(0)), before);
  EXPECT_NE(s.map_version(key(1)), 0u);
}

TEST(CheckpointStore, MapGenerationChangesWhenAnyMapVersionDoesAndOnlyThen) {
  temp_dir dir;
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value()) << st.error().message;
  checkpoint_store& s = **st;
  checkpoint_store::write_batch b;
  const uint64_t start = s.map_generation();
  const inflight_entry e{target_offset(3), source_offset(3), 7};
  b.put_inflight(key(0), std::span(&e, 1));
  ASSERT_TRUE(s.commit(b).has_value());
  EXPECT_EQ(s.map_generation(), start) << "no map changed";
  b.put_checkpoint(key(1), partition_checkpoint{});
  EXPECT_EQ(s.map_generation(), start) << "not before the commit";
  ASSERT_TRUE(s.commit(b).has_value());
  const uint64_t after_checkpoint = s.map_generation();
  EXPECT_NE(after_checkpoint, start);
  b.put_run(key(2), offsets::offset_run{source_offset(0), target_offset(0), 3});
  ASSERT_TRUE(s.commit(b).has_value());
  EXPECT_NE(s.map_generation(), after_checkpoint);
}

TEST(CheckpointStore, UnknownPartitionIsNotFound) {
  temp_dir dir;
  auto st = checkpoint_store::open(dir.path());
  ASSERT_TRUE(st.has_value());
  EXPECT_FALSE((*st)->load(key()).value().has_value());
  EXPECT_EQ((*st)->to_target(key(), source_offset(0)).error().code, errc::not_found);
}

// ADR 0030 step 3: a topic's own records move from one store to another.

// Two partitions of main/orders (one stopped, a journal past one
// checkpoint in two batches), created, with an id; beside them the
// records export must leave: main/orders-x, other/orders, main/ordersx.
void write_a_topic(checkpoint_store& st) {
  checkpoint_store::write_batch b;
  const partition_key p0{"main", "orders", partition_id(0)};
  const partition_key p1{"main", "orders", partition_id(1)};
  b.put_run(p0, {source_offset(0), target_offset(0), 5});
  b.put_run(p0, {source_offset(7), target_offset(5), 3});
  b.put_checkpoint(
      p0, {{source_offset(12), target_offset(8)}, stop_reason::none, "", -1, resolution::none});
  const std::vector<inflight_entry> first = {{target_offset(8), source_offset(12), 11},
                                             {target_offset(9), source_offset(14), 12}};
  const std::vector<inflight_entry> second = {{target_offset(11), source_offset(15), 13}};
  b.put_inflight(p0, first);
  b.put_inflight(p0, second);
  b.put_run(p1, {source_offset(100), target_offset(40), 2});
  b.put_checkpoint(p1, {{source_offset(103), target_offset(42)},
                        stop_reason::oversized_record,
                        "record 102 is 9 MB",
                        102,
                        resolution::retry});
  b.mark_topic_created("main", "orders");
  topic_id id;
  id.bytes[0] = 7;
  id.bytes[15] = 9;
  b.put_source_topic_id("main", "orders", id);
  b.put_cluster_ids("main", {"src-cluster", "dst-cluster"});
  for (const auto& other : {partition_key{"main", "orders-x", partition_id(0)},
                            partition_key{"other", "orders", partition_id(0)},
                            partition_key{"main", "ordersx", partition_id(0)}}) {
    b.put_run(other, {source_offset(0), target_offset(0), 1});
    b.put_checkpoint(
        other, {{source_offset(1), target_offset(1)}, stop_reason::none, "", -1, resolution::none});
    b.mark_topic_created(other.link, other.topic);
  }
  ASSERT_TRUE(st.commit(b).has_value());
}

const std::vector<link_topic> kOrders = {{"main", "orders"}};

TEST(CheckpointStore, TopicsExportedImportTheSameAndTheExporterForgetsThemAlone) {
  temp_dir a_dir, b_dir;
  auto a = checkpoint_store::open(a_dir.path());
  auto b = checkpoint_store::open(b_dir.path());
  ASSERT_TRUE(a.has_value() && b.has_value());
  write_a_topic(**a);

  auto exported = (*a)->export_topics(kOrders);
  ASSERT_TRUE(exported.has_value()) << exported.error().message;
  ASSERT_EQ(exported->topics.size(), 1u);
  const topic_records& t = exported->topics[0];
  EXPECT_TRUE(t.created);
  ASSERT_TRUE(t.id.has_value());
  EXPECT_EQ(t.id->bytes[15], 9);
  ASSERT_EQ(t.partitions.size(), 2u);
  EXPECT_EQ(t.partitions[0].runs.size(), 2u);
  EXPECT_EQ(t.partitions[0].journal.size(), 3u);
  EXPECT_EQ(t.partitions[1].checkpoint.stop_detail, "record 102 is 9 MB");
  ASSERT_EQ(exported->clusters.size(), 1u);
  EXPECT_EQ(exported->clusters[0].second.source, "src-cluster");

  const partition_key p0{"main", "orders", partition_id(0)};
  const uint64_t version_before = (*b)->map_version(p0);
  checkpoint_store::write_batch in;
  ASSERT_TRUE((*b)->import_topics(*exported, in).has_value());
  ASSERT_TRUE((*b)->commit(in, durability::fsynced).has_value());
  EXPECT_NE((*b)->map_version(p0), version_before) << "a group syncer must not keep old answers";

  auto again = (*b)->export_topics(kOrders);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *exported);
  EXPECT_EQ(again->encode(), exported->encode());
  auto decoded = store::decode_own_records(exported->encode());
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(*decoded, *exported);
  // The target index was rebuilt: translations agree both ways.
  for (int64_t o = 0; o <= 14; ++o) {
    EXPECT_EQ(*(*b)->to_target(p0, source_offset(o)), *(*a)->to_target(p0, source_offset(o))) << o;
    EXPECT_EQ(*(*b)->to_source(p0, target_offset(o)), *(*a)->to_source(p0, target_offset(o))) << o;
  }

  // The exporter forgets them, and nothing else.
  const uint64_t a_version = (*a)->map_version(p0);
  checkpoint_store::write_batch out;
  auto erased = (*a)->forget_topics(kOrders, out);
  ASSERT_TRUE(erased.has_value());
  // P x2, R x3 and T x3, I x2, C, U.
  EXPECT_EQ(*erased, 12u);
  ASSERT_TRUE((*a)->commit(out).has_value());
  EXPECT_NE((*a)->map_version(p0), a_version);
  auto gone = (*a)->export_topics(kOrders);
  ASSERT_TRUE(gone.has_value());
  EXPECT_EQ(gone->topics[0], (topic_records{"main", "orders", false, std::nullopt, {}}));
  EXPECT_FALSE((*a)->load(p0)->has_value());
  for (const auto& [link, topic] : std::vector<std::pair<std::string, std::string>>{
           {"main", "orders-x"}, {"other", "orders"}, {"main", "ordersx"}}) {
    EXPECT_TRUE((*a)->load({link, topic, partition_id(0)})->has_value()) << link << "/" << topic;
    EXPECT_TRUE(*(*a)->topic_created(link, topic)) << link << "/" << topic;
  }
  EXPECT_TRUE((*a)->link_cluster_ids("main")->has_value()) << "the link's clusters stay";
  // And may take them back (a move undone).
  checkpoint_store::write_batch back;
  ASSERT_TRUE((*a)->import_topics(*again, back).has_value());
  ASSERT_TRUE((*a)->commit(back, durability::fsynced).has_value());
  EXPECT_EQ(*(*a)->export_topics(kOrders), *exported);
}

TEST(CheckpointStore, AnImportThatWouldMixOrBreakTheMapIsRefusedAndAddsNothing) {
  temp_dir a_dir, b_dir;
  auto a = checkpoint_store::open(a_dir.path());
  auto b = checkpoint_store::open(b_dir.path());
  ASSERT_TRUE(a.has_value() && b.has_value());
  write_a_topic(**a);
  auto exported = (*a)->export_topics(kOrders);
  ASSERT_TRUE(exported.has_value());

  auto refused = [&](checkpoint_store& st, const own_records& r, errc code,
                     const std::string& says) {
    checkpoint_store::write_batch batch;
    auto s = st.import_topics(r, batch);
    ASSERT_FALSE(s.has_value()) << says;
    EXPECT_EQ(s.error().code, code) << s.error().message;
    EXPECT_NE(s.error().message.find(says), std::string::npos) << s.error().message;
    EXPECT_EQ(batch.count(), 0u) << says;
  };
  // Into the store that holds them: it would mix two histories.
  refused(**a, *exported, errc::precondition, "holds records of main/orders");
  // Into a store whose link came from other clusters.
  {
    checkpoint_store::write_batch k;
    k.put_cluster_ids("main", {"src-cluster", "another-target"});
    ASSERT_TRUE((*b)->commit(k).has_value());
    refused(**b, *exported, errc::precondition, "other clusters");
  }
  auto broken = [&](const std::function<void(topic_records&)>& change) {
    own_records r = *exported;
    r.clusters.clear();
    change(r.topics[0]);
    return r;
  };
  refused(**b,
          broken([](topic_records& t) { t.partitions[0].runs[1].source_start = source_offset(4); }),
          errc::invalid_argument, "runs overlap");
  refused(**b, broken([](topic_records& t) { t.partitions[0].runs[1].length = 9; }),
          errc::invalid_argument, "ends past the checkpoint");
  refused(**b, broken([](topic_records& t) { t.partitions[0].runs[0].length = 0; }),
          errc::invalid_argument, "impossible values");
  refused(**b, broken([](topic_records& t) {
    std::swap(t.partitions[0].journal[0], t.partitions[0].journal[1]);
  }),
          errc::invalid_argument, "journal is out of order");
  refused(**b, broken([](topic_records& t) { t.partitions[1].partition = partition_id(0); }),
          errc::invalid_argument, "listed twice");
  refused(**b, broken([](topic_records& t) { t.topic.clear(); }), errc::invalid_argument,
          "without a link or a name");
  {
    own_records twice = broken([](topic_records&) {});
    twice.topics.push_back(twice.topics[0]);
    refused(**b, twice, errc::invalid_argument, "main/orders listed twice");
  }
  // The hostile name is printed escaped.
  refused(**b, broken([](topic_records& t) {
    t.topic = "evil\x1b[2J";
    t.partitions[0].runs[0].length = 0;
  }),
          errc::invalid_argument, "evil\\x1b[2J");
  // Nothing of any of it reached b.
  auto none = (*b)->export_topics(kOrders);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->topics[0].partitions.empty());
}

}  // namespace
}  // namespace strait::store
