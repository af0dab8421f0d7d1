// The on-disk bytes of every key space of the checkpoint store, pinned: a
// store written by one straitd release must read the same in the next
// (docs/offset-translation.md#rocksdb-layout). Each key space's owner writes
// one record through its own interface; the raw database must then hold
// exactly these keys and values. A change here is a schema change: it needs a
// new format byte that older records still decode under, never an edit of
// the expected bytes.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <map>
#include <string>

#include "link_records.h"
#include "strait/api/stored_audit_log.h"
#include "strait/groupsync/group_offset_records.h"
#include "strait/scan/report_records.h"
#include "strait/store/checkpoint_store.h"
#include "strait/verify/report_records.h"
#include "strait/workflow/grant_records.h"
#include "strait/workflow/migration_records.h"
#include "strait/workflow/move_records.h"
#include "test_util.h"

namespace strait {
namespace {

using namespace store;

std::string hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    out.push_back(kDigits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(c) & 0xf]);
  }
  return out;
}

// Every key and value of the database in `dir`, as hex, by key.
std::map<std::string, std::string> raw_contents(const std::filesystem::path& dir) {
  rocksdb::DB* raw = nullptr;
  EXPECT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir.string(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::map<std::string, std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out[hex(it->key().ToStringView())] = hex(it->value().ToStringView());
  }
  return out;
}

TEST(StoreLayout, EveryKeySpaceKeepsItsBytes) {
  testing::temp_dir dir;
  const partition_key p{"ln", "tp", partition_id(2)};
  {
    auto opened = checkpoint_store::open(dir.path());
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    checkpoint_store& st = **opened;
    checkpoint_store::write_batch b;
    b.put_checkpoint(p, {{source_offset(7), target_offset(5)},
                         stop_reason::foreign_write,
                         "why",
                         6,
                         resolution::retry});
    b.put_run(p, {source_offset(3), target_offset(1), 4});
    const inflight_entry journal[] = {{target_offset(5), source_offset(7), 0x1122},
                                      {target_offset(6), source_offset(9), 0x3344}};
    b.put_inflight(p, journal);
    b.mark_topic_created("ln", "tp");
    topic_id id;
    for (size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<uint8_t>(i);
    b.put_source_topic_id("ln", "tp", id);
    b.put_cluster_ids("ln", {"src", "tgt"});
    groupsync::put_group_offset(b, "gr", p, {source_offset(7), target_offset(5), 9});
    workflow::put_migration(b, "ln", {migration::object_kind::topic, "tp", 3, 8, ""});
    workflow::put_migration(b, "ln", {migration::object_kind::group, "gr", 2, 8, "op"});
    workflow::put_highest_operation_id(b, "ln", 0x0102030405060708);
    workflow::put_first_mirrored(b, "ln", 8);
    workflow::put_grant(b, "ln", "tp", workflow::acl_change::target_grant,
                        {"tg", {"TOPIC", "t", "LITERAL", "U", "*", "WRITE", "ALLOW"}});
    workflow::put_grant(b, "ln", "tp", workflow::acl_change::source_fence,
                        {"sc", {"TOPIC", "tp", "LITERAL", "V", "*", "WRITE", "DENY"}});
    verify::report report;
    report.id = 4;
    verify::put_report(b, "ln", report);
    daemon::put_link(b, "ln", {true, true, "y", 8});
    daemon::put_staged(b, "ln", migration::object_kind::group, "gr");
    config::shard_state shards;
    auto planned = config::shard_assignment::make(2, 3, {{{"tp"}, {"gr"}, 1, 4}}, 2);
    ASSERT_TRUE(planned.has_value()) << planned.error().message;
    shards.assignment = std::make_shared<const config::shard_assignment>(std::move(*planned));
    shards.applied_at_ms = 8;
    shards.applied_as = 1;
    daemon::put_shard_assignment(b, "ln", shards);
    daemon::put_receipt(b, "ln", config::shard_share::kind::group, "gr", "dg");
    ASSERT_TRUE(st.commit(b).has_value());
    auto log = api::stored_audit_log::open(st);
    ASSERT_TRUE(log.has_value()) << log.error().message;
    ASSERT_TRUE((*log)->remember("rq", {"Call", "dg", "resp", 8}).has_value());
    ASSERT_TRUE(
        (*log)->record({0, 8, "who", "admin", "Call", "dg", "ok", "a", "b", ""}).has_value());
    scan::report scanned;
    scanned.id = 5;
    scanned.link = "ln";
    scanned.result = scan::outcome::done;
    ASSERT_TRUE(scan::store_report(st, scanned).has_value());
    workflow::move_record move;
    move.id = 9;
    move.name = "tp";
    move.options.id = 9;
    ASSERT_TRUE(workflow::store_moves(st, "ln", {&move, 1}).has_value());
  }
  // Key -> value, hex.
  const std::map<std::string, std::string> expected = {
      {"00736368656d61", "31"},
      {"4300026c6e00027470", ""},
      {"4700026c6e000267720002747000000002", "01000000000000000700000000000000050000000000000009"},
      {"4900026c6e00027470000000020000000000000005",
       "010000000200000000000000070000000000001122010000000000003344"},
      {"4a0000000000000001",
       "0200000000000000080000000377686f0000000561646d696e0000000443616c6c000000026467000000026f6b0"
       "0000001610000000162000000403765633937336661373765333833363465363034336234366636656461383039"
       "3165323436616166303864653934333139353265363036623164643232373562"},
      {"4b6c6e", "010000000373726300000003746774"},
      {"4c6c6e", "010101000000000000000879"},
      {"4500026c6e0000000000000009",
       hex(R"({"acl_fences":0,"acl_grants":0,"definition":"","finished_at_ms":0,"force":false,)"
           R"("format":1,"id":9,"kind":1,)"
           R"("name":"tp","op_kind":1,"outcome":10,"quiet_wait_ms":0,"quiet_window_ms":5000,)"
           R"("requested_by":"","resumed":false,"source_cluster_id":"","started_at_ms":0,)"
           R"("stuck":0,"target_cluster_id":""})")},
      {"4100026c6e0002747002000273630005544f5049430002747000074c4954"
       "4552414c00015600012a00055752495445000444454e59",
       "01"},
      {"466c6e", "0000000000000008"},
      // Format 1 (no released names), 2 shards, applied as 1, scan 3, at 8,
      // one component: shard 1, 4 bytes, topic tp, group gr.
      {"486c6e",
       "0100000002000000010000000000000003000000000000000800000001000000010000000000000004000000010"
       "0"
       "0274700000000100026772"},
      {"6800026c6e016772", "6467"},
      {"4100026c6e0002747001000274670005544f50494300017400074c495445"
       "52414c00015500012a000557524954450005414c4c4f57",
       "01"},
      {"4d00026c6e0100027470", "01030000000000000008"},
      {"4d00026c6e0200026772", "020200000000000000086f70"},
      {"4f6c6e", "0102030405060708"},
      {"5000026c6e0002747000000002",
       "01000000000000000700000000000000050501000000000000000600000003776879"},
      {"517271", "0100000000000000080000000443616c6c0000000264670000000472657370"},
      {"5200026c6e00027470000000020000000000000003", "00000000000000010000000000000004"},
      {"5300026c6e026772", ""},
      {"5400026c6e00027470000000020000000000000001", "0000000000000003"},
      {"5500026c6e00027470", "000102030405060708090a0b0c0d0e0f"},
      // The report is RUNNING: its id in verify's index.
      {"5700026c6e0000000000000004", ""},
  };
  auto actual = raw_contents(dir.path());
  // The report's value is its owner's JSON (verify::to_json; its own format
  // and tests): only its key is the store's layout.
  const std::string report_key = "5600026c6e0000000000000004";
  ASSERT_TRUE(actual.contains(report_key));
  verify::report report;
  report.id = 4;
  EXPECT_EQ(actual[report_key], hex(verify::to_json(report)));
  actual.erase(report_key);
  // Scans likewise (scan::to_json): the whole one under 'N', its summary
  // under 'n', the same key.
  scan::report scanned;
  scanned.id = 5;
  scanned.link = "ln";
  scanned.result = scan::outcome::done;
  for (const char* space : {"4e", "6e"}) {
    const std::string key = std::string(space) + "00026c6e0000000000000005";
    ASSERT_TRUE(actual.contains(key)) << key;
    EXPECT_EQ(actual[key], hex(scan::to_json(scanned)));
    actual.erase(key);
  }
  EXPECT_EQ(actual, expected);
}

}  // namespace
}  // namespace strait
