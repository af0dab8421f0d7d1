// The store's prefix scan, and each module's key space over it: what one
// owner writes, it reads back, per link and in key order, across a reopen;
// a record it cannot decode is corruption, never skipped. (Their bytes:
// store_layout_test.cc.)
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <limits>
#include <set>
#include <string>
#include <vector>

#include "link_records.h"
#include "strait/api/stored_audit_log.h"
#include "strait/base/audit_chain.h"
#include "strait/base/invariant.h"
#include "strait/groupsync/group_offset_records.h"
#include "strait/migration/operation.h"
#include "strait/store/checkpoint_store.h"
#include "strait/verify/report_records.h"
#include "strait/workflow/grant_records.h"
#include "strait/workflow/migration_records.h"
#include "strait/workflow/move_records.h"
#include "test_util.h"

namespace strait {
namespace {

using migration::object_kind;
using store::checkpoint_store;
using store::key_space;
using store::record_key;
using store::scan_direction;
using testing::contains;
using testing::temp_dir;

std::unique_ptr<checkpoint_store> open_store(const temp_dir& dir) {
  auto st = checkpoint_store::open(dir.path());
  EXPECT_TRUE(st.has_value()) << st.error().message;
  return st ? std::move(*st) : nullptr;
}

// Writes `value` under `raw_key` behind the store's back (it must be closed).
void write_raw(const temp_dir& dir, const std::string& raw_key, const std::string& value) {
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir.path().string(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), raw_key, value).ok());
}

// ---- the prefix scan ----

// Link "a" holds ids 1, 2, 3, 256; link "ab" (a longer name sharing the
// first byte) and the next key space hold others.
std::unique_ptr<checkpoint_store> store_for_scans(const temp_dir& dir) {
  auto st = open_store(dir);
  checkpoint_store::write_batch b;
  for (uint64_t id : {1, 2, 3, 256}) b.put(record_key(key_space::report).text("a").u64(id), "a");
  b.put(record_key(key_space::report).text("ab").u64(1), "ab");
  b.put(record_key(key_space::request).tail("a"), "Q");
  b.put(record_key(key_space::staged).text("a").u8(1).tail("x"), "S");
  EXPECT_TRUE(st->commit(b).has_value());
  return st;
}

std::vector<uint64_t> ids_of(const checkpoint_store& st, scan_direction d,
                             const record_key* from = nullptr, size_t limit = 100) {
  const record_key prefix = record_key(key_space::report).text("a");
  std::vector<uint64_t> out;
  auto scanned = st.scan(
      prefix,
      [&](std::string_view k, std::string_view) -> result<bool> {
        store::field_reader r(k, prefix.bytes().size());
        uint64_t id = 0;
        EXPECT_TRUE(r.u64(id) && r.at_end());
        out.push_back(id);
        return out.size() < limit;
      },
      d, from);
  EXPECT_TRUE(scanned.has_value()) << scanned.error().message;
  return out;
}

TEST(StoreScan, VisitsExactlyThePrefixInKeyOrderBothWays) {
  temp_dir dir;
  auto st = store_for_scans(dir);
  using d = scan_direction;
  EXPECT_EQ(ids_of(*st, d::forward), (std::vector<uint64_t>{1, 2, 3, 256}));
  EXPECT_EQ(ids_of(*st, d::backward), (std::vector<uint64_t>{256, 3, 2, 1}));
  EXPECT_EQ(ids_of(*st, d::backward, nullptr, 2), (std::vector<uint64_t>{256, 3})) << "stops";
  const record_key from = record_key(key_space::report).text("a").u64(3);
  EXPECT_EQ(ids_of(*st, d::forward, &from), (std::vector<uint64_t>{3, 256}));
  EXPECT_EQ(ids_of(*st, d::backward, &from), (std::vector<uint64_t>{3, 2, 1}));
  const record_key between = record_key(key_space::report).text("a").u64(100);
  EXPECT_EQ(ids_of(*st, d::forward, &between), (std::vector<uint64_t>{256}));
  EXPECT_EQ(ids_of(*st, d::backward, &between), (std::vector<uint64_t>{3, 2, 1}));
}

TEST(StoreScan, AnEmptyKeySpaceAndTheLastOneAreScannedToTheirEnds) {
  temp_dir dir;
  auto st = store_for_scans(dir);
  int seen = 0;
  auto count = [&](std::string_view, std::string_view) -> result<bool> {
    ++seen;
    return true;
  };
  ASSERT_TRUE(st->scan(record_key(key_space::migration), count).has_value());
  EXPECT_EQ(seen, 0);
  // 'V' is the greatest tag this store holds: backward from the end of the
  // database.
  ASSERT_TRUE(st->scan(record_key(key_space::report), count, scan_direction::backward).has_value());
  EXPECT_EQ(seen, 5);
}

TEST(StoreScan, AVisitorsErrorEndsTheScanWithIt) {
  temp_dir dir;
  auto st = store_for_scans(dir);
  int seen = 0;
  auto s = st->scan(record_key(key_space::report).text("a"),
                    [&](std::string_view, std::string_view) -> result<bool> {
                      if (++seen == 2) return fail(errc::corruption, "record 2 is damaged");
                      return true;
                    });
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message, "record 2 is damaged");
  EXPECT_EQ(seen, 2);
}

TEST(StoreScan, AScanFromAKeyOutsideItsPrefixIsRefused) {
  temp_dir dir;
  auto st = store_for_scans(dir);
  const record_key other = record_key(key_space::report).text("ab").u64(1);
  auto s = st->scan(
      record_key(key_space::report).text("a"),
      [](std::string_view, std::string_view) -> result<bool> { return true; },
      scan_direction::forward, &other);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, errc::invalid_argument);
}

TEST(StoreScan, GetAndAppendReadAndWriteOneRecordAndAnAppendNeverReplaces) {
  temp_dir dir;
  auto st = open_store(dir);
  const record_key k = record_key(key_space::audit).u64(1);
  EXPECT_FALSE(st->get(k)->has_value());
  ASSERT_TRUE(st->append_durable(k, std::string("v\0w", 3)).has_value());
  EXPECT_EQ(*st->get(k), std::optional<std::string>(std::string("v\0w", 3)));
  auto again = st->append_durable(k, "other");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, errc::precondition);
  EXPECT_EQ(*st->get(k), std::optional<std::string>(std::string("v\0w", 3)));
}

// The audit journal is append-only: a batch cannot write or delete in it
// (an internal error, base/invariant.h).
TEST(StoreScan, ABatchNeverWritesTheAuditJournal) {
  temp_dir dir;
  auto st = open_store(dir);
  const record_key k = record_key(key_space::audit).u64(1);
  ASSERT_TRUE(st->append_durable(k, "entry").has_value());
  const uint64_t breaches = internal_errors_total();
  checkpoint_store::write_batch b;
  b.put(record_key(key_space::request).tail("r"), "goes with the batch");
  b.put(record_key(key_space::audit).u64(2), "forged");
  b.erase(k);
  EXPECT_EQ(internal_errors_total(), breaches + 2);
  auto committed = st->commit(b);
  ASSERT_FALSE(committed.has_value()) << "atomic or nothing";
  EXPECT_EQ(*st->get(k), std::optional<std::string>("entry"));
  EXPECT_FALSE(st->get(record_key(key_space::audit).u64(2))->has_value());
  EXPECT_FALSE(st->get(record_key(key_space::request).tail("r"))->has_value());
  // The batch is empty again, and usable.
  b.put(record_key(key_space::request).tail("r"), "v");
  ASSERT_TRUE(st->commit(b).has_value());
  EXPECT_TRUE(st->get(record_key(key_space::request).tail("r"))->has_value());
}

// The tests' kill -9 at write N (workflow_moves_test.cc): the writes
// before it land, it and every later one write nothing.
TEST(StoreFaults, WritesFromTheNthOnFailAndWriteNothingUntilCleared) {
  temp_dir dir;
  auto st = open_store(dir);
  const record_key a = record_key(key_space::request).tail("a");
  const record_key b = record_key(key_space::request).tail("b");
  const record_key j = record_key(key_space::audit).u64(1);
  st->fail_writes_after(1);
  const uint64_t before = st->writes();
  checkpoint_store::write_batch first;
  first.put(a, "1");
  ASSERT_TRUE(st->commit(first).has_value());
  checkpoint_store::write_batch second;
  second.put(b, "2");
  auto refused = st->commit(second);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, errc::io);
  EXPECT_FALSE(st->append_durable(j, "x").has_value());
  EXPECT_EQ(st->writes(), before + 3);
  EXPECT_TRUE(st->get(a)->has_value());
  EXPECT_FALSE(st->get(b)->has_value());
  EXPECT_FALSE(st->get(j)->has_value());
  st->fail_writes_after(std::nullopt);
  checkpoint_store::write_batch again;
  again.put(b, "2");
  ASSERT_TRUE(st->commit(again).has_value());
  EXPECT_TRUE(st->append_durable(j, "x").has_value());
}

TEST(FieldReader, ReadsWhatAKeyWroteAndReadsNothingFromTooFewBytes) {
  const record_key k =
      record_key(key_space::migration).text("link").u8(2).u32(7).u64(9).tail("rest");
  store::field_reader r(k.bytes(), 1);
  std::string text;
  uint8_t b = 0;
  uint32_t n32 = 0;
  uint64_t n64 = 0;
  ASSERT_TRUE(r.text(text) && r.u8(b) && r.u32(n32) && r.u64(n64));
  EXPECT_EQ(text, "link");
  EXPECT_EQ(b, 2);
  EXPECT_EQ(n32, 7u);
  EXPECT_EQ(n64, 9u);
  EXPECT_EQ(r.tail(), "rest");
  EXPECT_TRUE(r.at_end());
  EXPECT_FALSE(r.u8(b));
  // A length past the end of the key.
  // (A reader reads the bytes it is given: they must outlive it.)
  const std::string text_past_the_end("M\x00\x09link", 7);
  store::field_reader short_text(text_past_the_end, 1);
  EXPECT_FALSE(short_text.text(text));
  const std::string number_past_the_end("M\x00\x01", 3);
  store::field_reader short_number(number_past_the_end, 1);
  EXPECT_FALSE(short_number.u32(n32));
  ASSERT_TRUE(short_number.u8(b)) << "the failed read took nothing";
  EXPECT_EQ(b, 0);
  // Values: append_fields' u32-length strings.
  std::string v;
  const std::string one = "one", two = "";
  store::append_fields(v, {&one, &two});
  std::string a, c;
  EXPECT_TRUE(store::read_fields(v, 0, {&a, &c}));
  EXPECT_EQ(a, "one");
  EXPECT_FALSE(store::read_fields(v + "x", 0, {&a, &c})) << "bytes left over";
  EXPECT_FALSE(store::read_fields(v.substr(0, v.size() - 1), 0, {&a, &c}));
}

// ---- groupsync: 'G' ----

partition_key key_of(int p) { return {"main", "orders", partition_id(p)}; }

TEST(GroupOffsetRecords, SurviveReopenPerLinkAndGroupAndTheLastWriteWins) {
  using groupsync::load_group_offsets;
  using groupsync::put_group_offset;
  temp_dir dir;
  {
    auto st = open_store(dir);
    checkpoint_store::write_batch b;
    put_group_offset(b, "billing", key_of(0), {source_offset(40), target_offset(38), 1000});
    put_group_offset(b, "billing", key_of(1), {source_offset(7), target_offset(7), 1001});
    put_group_offset(b, "audit", key_of(0), {source_offset(1), target_offset(1), 1002});
    put_group_offset(b, "billing", {"other-link", "orders", partition_id(0)},
                     {source_offset(9), target_offset(9), 1003});
    ASSERT_TRUE(st->commit(b).has_value());
    put_group_offset(b, "billing", key_of(0), {source_offset(45), target_offset(43), 2000});
    ASSERT_TRUE(st->commit(b).has_value());
  }
  auto st = open_store(dir);
  auto g = load_group_offsets(*st, "main");
  ASSERT_TRUE(g.has_value()) << g.error().message;
  ASSERT_EQ(g->size(), 3u);
  EXPECT_EQ((*g)[0].group, "audit");
  EXPECT_EQ((*g)[1].group, "billing");
  EXPECT_EQ((*g)[1].partition, key_of(0));
  EXPECT_EQ((*g)[1].offset, (offsets::group_offset{source_offset(45), target_offset(43), 2000}));
  EXPECT_EQ((*g)[2].partition, key_of(1));
  EXPECT_EQ(load_group_offsets(*st, "other-link")->size(), 1u);
  EXPECT_TRUE(load_group_offsets(*st, "nope")->empty());
  EXPECT_TRUE(load_group_offsets(*st, "mai")->empty()) << "a prefix of a link is another link";
}

TEST(GroupOffsetRecords, ADamagedRecordIsCorruption) {
  const record_key good_key =
      record_key(key_space::group_offset).text("main").text("g").text("t").u32(0);
  const std::string good_value = "\x01" + std::string(24, '\x00');
  for (const auto& [k, v] : {std::pair{good_key.bytes(), good_value.substr(0, 24)},  // short
                             std::pair{good_key.bytes(), good_value + "x"},          // long
                             std::pair{good_key.bytes(), "\x02" + good_value.substr(1)},
                             std::pair{good_key.bytes() + "x", good_value}}) {  // key too long
    temp_dir dir;
    open_store(dir).reset();
    write_raw(dir, k, v);
    auto g = groupsync::load_group_offsets(*open_store(dir), "main");
    ASSERT_FALSE(g.has_value());
    EXPECT_EQ(g.error().code, errc::corruption);
  }
  temp_dir dir;
  open_store(dir).reset();
  write_raw(dir, good_key.bytes(), good_value);
  EXPECT_EQ(groupsync::load_group_offsets(*open_store(dir), "main")->size(), 1u);
}

// ---- workflow: 'M' ----

TEST(MigrationRecords, PerLinkKindAndName) {
  using workflow::load_migrations;
  using workflow::put_migration;
  temp_dir dir;
  auto st = open_store(dir);
  checkpoint_store::write_batch b;
  put_migration(b, "main", {object_kind::group, "billing", 1, 10});
  put_migration(b, "main", {object_kind::topic, "orders", 2, 11});
  put_migration(b, "main", {object_kind::topic, "orders", 3, 12});  // overwrites
  put_migration(b, "mainx", {object_kind::topic, "other", 1, 13});
  ASSERT_TRUE(st->commit(b).has_value());
  auto m = load_migrations(*st, "main");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].kind, object_kind::topic);
  EXPECT_EQ((*m)[0].name, "orders");
  EXPECT_EQ((*m)[0].state, 3);
  EXPECT_EQ((*m)[0].updated_at_ms, 12);
  EXPECT_EQ((*m)[1].name, "billing");
  EXPECT_TRUE((*m)[1].operation.empty());
  EXPECT_EQ(load_migrations(*st, "mainx")->size(), 1u);
}

TEST(MigrationRecords, ARecordKeepsItsOperationAndDropsItWhenRewrittenWithout) {
  using workflow::load_migrations;
  using workflow::put_migration;
  temp_dir dir;
  auto st = open_store(dir);
  checkpoint_store::write_batch b;
  put_migration(b, "main", {object_kind::topic, "orders", 5, 10, std::string("\x01\x00op", 4)});
  ASSERT_TRUE(st->commit(b).has_value());
  auto m = load_migrations(*st, "main");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].state, 5);
  EXPECT_EQ((*m)[0].updated_at_ms, 10);
  EXPECT_EQ((*m)[0].operation, std::string("\x01\x00op", 4));
  put_migration(b, "main", {object_kind::topic, "orders", 6, 11});
  ASSERT_TRUE(st->commit(b).has_value());
  m = load_migrations(*st, "main");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ((*m)[0].state, 6);
  EXPECT_TRUE((*m)[0].operation.empty());
}

// A record without an operation keeps format 1 (what a straitd before format
// 2 reads); format 2 without operation bytes, format 1 with more bytes, or a
// kind that is neither topic nor group, is damage.
TEST(MigrationRecords, FormatsAreExact) {
  const std::string state_and_time("\x05\x00\x00\x00\x00\x00\x00\x00\x0a", 9);
  const std::string orders =
      record_key(key_space::migration).text("main").u8(1).text("orders").bytes();
  const std::string bad_kind =
      record_key(key_space::migration).text("main").u8(3).text("orders").bytes();
  for (const auto& [k, v] : {std::pair{orders, std::string(1, '\x02') + state_and_time},
                             std::pair{orders, std::string(1, '\x01') + state_and_time + "x"},
                             std::pair{bad_kind, std::string(1, '\x01') + state_and_time}}) {
    temp_dir dir;
    open_store(dir).reset();
    write_raw(dir, k, v);
    auto m = workflow::load_migrations(*open_store(dir), "main");
    ASSERT_FALSE(m.has_value()) << ::testing::PrintToString(v);
    EXPECT_EQ(m.error().code, errc::corruption);
  }
}

// ---- verify: 'V' ----

verify::report report_of(uint64_t id, const std::string& link, const std::string& error) {
  verify::report r;
  r.id = id;
  r.link = link;
  r.error = error;
  return r;
}

TEST(ReportRecords, PerLinkNewestLastSurviveReopenAndOrderByIdNotText) {
  temp_dir dir;
  {
    auto st = open_store(dir);
    checkpoint_store::write_batch b;
    for (uint64_t id : {1, 2, 256}) verify::put_report(b, "main", report_of(id, "main", "first"));
    verify::put_report(b, "mainx", report_of(1, "mainx", "other link"));
    ASSERT_TRUE(st->commit(b).has_value());
    verify::put_report(b, "main", report_of(2, "main", "second, finished"));
    ASSERT_TRUE(st->commit(b).has_value());
  }
  auto st = open_store(dir);
  auto last_two = verify::load_reports(*st, "main", 2);
  ASSERT_TRUE(last_two.has_value()) << last_two.error().message;
  ASSERT_EQ(last_two->size(), 2u);
  EXPECT_EQ((*last_two)[0].id, 2u);
  EXPECT_EQ((*last_two)[0].error, "second, finished");
  EXPECT_EQ((*last_two)[1].id, 256u);
  EXPECT_EQ(verify::load_reports(*st, "main", 100)->size(), 3u);
  EXPECT_TRUE(verify::load_reports(*st, "main", 0)->empty());
  EXPECT_TRUE(verify::load_reports(*st, "mai", 100)->empty());
  auto one = verify::load_report(*st, "main", 1);
  ASSERT_TRUE(one.has_value() && one->has_value());
  EXPECT_EQ((*one)->link, "main");
  EXPECT_FALSE(verify::load_report(*st, "main", 3)->has_value());
}

// The scorecard's read: a cutover's tail re-verifications left out, and no
// more than `look_at` reports read however many there are.
TEST(ReportRecords, AFilteredReadKeepsWhatItAcceptsAndLooksAtABoundedNumber) {
  temp_dir dir;
  auto st = open_store(dir);
  checkpoint_store::write_batch b;
  for (uint64_t id = 1; id <= 10; ++id) {
    verify::report r = report_of(id, "main", "");
    r.requested_by = id % 2 == 0 ? verify::tail_requester("orders") : "alice";
    verify::put_report(b, "main", r);
  }
  ASSERT_TRUE(st->commit(b).has_value());
  auto not_tail = [](const verify::report& r) { return !verify::is_tail_verification(r); };
  auto kept = verify::load_reports(*st, "main", 3, not_tail, 100);
  ASSERT_TRUE(kept.has_value()) << kept.error().message;
  std::vector<uint64_t> ids;
  for (const auto& r : *kept) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<uint64_t>{5, 7, 9}))
      << "the newest 3 that are not tails, oldest first";
  auto bounded = verify::load_reports(*st, "main", 100, not_tail, 4);
  ASSERT_TRUE(bounded.has_value());
  EXPECT_EQ(bounded->size(), 2u) << "10, 9, 8, 7 looked at";
  EXPECT_FALSE(verify::is_tail_verification(report_of(1, "main", "")));
}

TEST(ReportRecords, AReportThatIsNotJsonOrCarriesAnotherIdIsAnError) {
  for (const std::string& json :
       {std::string("{not json"), verify::to_json(report_of(2, "main", ""))}) {
    temp_dir dir;
    open_store(dir).reset();
    write_raw(dir, record_key(key_space::report).text("main").u64(1).bytes(), json);
    auto st = open_store(dir);
    EXPECT_FALSE(verify::load_reports(*st, "main", 10).has_value());
    auto one = verify::load_report(*st, "main", 1);
    ASSERT_FALSE(one.has_value());
    EXPECT_TRUE(contains(one.error().message, "verification 1 of link main"))
        << one.error().message;
    // The next id comes from the key alone.
    EXPECT_EQ(*verify::last_report_id(*st, "main"), 1u);
  }
}

TEST(ReportRecords, TheLastIdIsTheGreatestKeyOfTheLink) {
  temp_dir dir;
  auto st = open_store(dir);
  EXPECT_EQ(*verify::last_report_id(*st, "main"), 0u);
  checkpoint_store::write_batch b;
  for (uint64_t id : {1, 256, 3}) verify::put_report(b, "main", report_of(id, "main", ""));
  verify::put_report(b, "mainx", report_of(900, "mainx", ""));
  ASSERT_TRUE(st->commit(b).has_value());
  EXPECT_EQ(*verify::last_report_id(*st, "main"), 256u);
}

// A report as a straitd of 2026-12 stored it (the layout test's, its JSON
// written out): later straitds must still read it, whatever fields they add.
TEST(ReportRecords, AReportStoredByAnEarlierStraitdStillDecodes) {
  temp_dir dir;
  open_store(dir).reset();
  write_raw(dir, record_key(key_space::report).text("ln").u64(4).bytes(),
            R"({"error":"","finished_at_ms":0,"format":1,"groups":[],"id":4,"link":"",)"
            R"("outcome":"RUNNING","records_done":0,"records_planned":0,"requested_by":"",)"
            R"("sample_records":0,"started_at_ms":0,"topics":[]})");
  auto r = verify::load_report(*open_store(dir), "ln", 4);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->id, 4u);
  EXPECT_EQ((*r)->outcome, verify::verdict::running);
}

// After a crash every RUNNING report is found, however many reports came
// after it (the workflow marks them INTERRUPTED).
TEST(ReportRecords, EveryRunningReportIsFoundHoweverOld) {
  temp_dir dir;
  auto st = open_store(dir);
  checkpoint_store::write_batch b;
  for (uint64_t id = 1; id <= 40; ++id) {
    verify::report r = report_of(id, "main", "");
    r.outcome = id == 2 || id == 39 ? verify::verdict::running : verify::verdict::passed;
    verify::put_report(b, "main", r);
  }
  ASSERT_TRUE(st->commit(b).has_value());
  // Report 39 ended meanwhile: out of the index.
  const record_key indexed_39 = record_key(key_space::running_reports).text("main").u64(39);
  EXPECT_TRUE(st->get(indexed_39)->has_value());
  verify::report ended = report_of(39, "main", "");
  ended.outcome = verify::verdict::failed;
  verify::put_report(b, "main", ended);
  ASSERT_TRUE(st->commit(b).has_value());
  EXPECT_FALSE(st->get(indexed_39)->has_value());
  st.reset();
  // One stored RUNNING before the index was: among the newest 16.
  verify::report old = report_of(41, "main", "");
  old.outcome = verify::verdict::running;
  write_raw(dir, record_key(key_space::report).text("main").u64(41).bytes(), verify::to_json(old));
  st = open_store(dir);
  auto running = verify::load_running_reports(*st, "main");
  ASSERT_TRUE(running.has_value()) << running.error().message;
  ASSERT_EQ(running->size(), 2u);
  EXPECT_EQ((*running)[0].id, 2u);
  EXPECT_EQ((*running)[1].id, 41u);
}

// ---- api: 'J' and 'Q' ----

// ---- move records (workflow) ----

workflow::move_record move_of(uint64_t id, const std::string& name) {
  workflow::move_record r;
  r.id = id;
  r.kind = object_kind::group;
  r.name = name;
  r.options = {migration::op_kind::rollback, std::chrono::milliseconds(1500), true, id};
  r.outcome = migration::op_phase::cancelled;
  r.stuck = migration::stuck_reason::topic_finalized;
  r.requested_by = "alice";
  r.started_at_ms = 1000;
  r.finished_at_ms = 2000;
  r.quiet_wait_ms = 700;
  r.resumed = true;
  r.acl_grants = 2;
  r.acl_fences = 1;
  r.source_cluster_id = "src-id";
  r.target_cluster_id = "tgt-id";
  r.definition = "00112233aabbccdd";
  return r;
}

TEST(MoveRecords, SurviveReopenPerLinkNewestLastAndOnlyTheNewestAreKept) {
  temp_dir dir;
  {
    auto st = open_store(dir);
    for (uint64_t id = 1; id <= workflow::kKeptMoves + 3; ++id) {
      const auto r = move_of(id, "g" + std::to_string(id));
      ASSERT_TRUE(workflow::store_moves(*st, "main", {&r, 1}));
    }
    const auto other = move_of(7, "other link");
    ASSERT_TRUE(workflow::store_moves(*st, "mainx", {&other, 1}));
  }
  auto st = open_store(dir);
  auto all = workflow::load_moves(*st, "main", 1000);
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), workflow::kKeptMoves);
  EXPECT_EQ(all->front().id, 4u);  // 1, 2 and 3 (cancelled) were erased
  EXPECT_EQ(all->back(), move_of(workflow::kKeptMoves + 3, "g259"));
  auto newest_two = workflow::load_moves(*st, "main", 2);
  ASSERT_EQ(newest_two->size(), 2u);
  EXPECT_EQ((*newest_two)[0].id, workflow::kKeptMoves + 2);
  EXPECT_TRUE(workflow::load_moves(*st, "main", 0)->empty());
  EXPECT_TRUE(workflow::load_moves(*st, "mai", 10)->empty());
  EXPECT_EQ(**workflow::load_move(*st, "mainx", 7), move_of(7, "other link"));
  EXPECT_FALSE(workflow::load_move(*st, "main", 1)->has_value());
  // As `straitctl operation` shows it after a restart.
  const auto shown = workflow::status_of(move_of(7, "g"));
  EXPECT_EQ(shown.id, 7u);
  EXPECT_TRUE(shown.on_group);
  EXPECT_EQ(shown.phase, migration::op_phase::cancelled);
  EXPECT_EQ(shown.stuck, migration::stuck_reason::topic_finalized);
  EXPECT_EQ(shown.requested_by, "alice");
  EXPECT_TRUE(shown.resumed);
  EXPECT_EQ(shown.finished_at_ms, 2000);
  EXPECT_FALSE(shown.running());
}

// A drill per object outlives a long migration's other moves: beyond the
// newest kKeptMoves, each object's newest cutover and rollback done, and the
// newest cutover done before that rollback, stay.
TEST(MoveRecords, EachObjectKeepsItsNewestDrillBeyondTheNewestRecords) {
  temp_dir dir;
  auto st = open_store(dir);
  auto done = [](uint64_t id, migration::op_kind kind, const std::string& name) {
    workflow::move_record r = move_of(id, name);
    r.kind = object_kind::topic;
    r.options.kind = kind;
    r.outcome = migration::op_phase::done;
    r.stuck = migration::stuck_reason::none;
    return r;
  };
  using migration::op_kind;
  // orders: cutover 1, cutover 2, rollback 3, cutover 4, and a cancelled 5;
  // then 300 moves of other topics, written 100 at a time.
  std::vector<workflow::move_record> first = {
      done(1, op_kind::cutover, "orders"), done(2, op_kind::cutover, "orders"),
      done(3, op_kind::rollback, "orders"), done(4, op_kind::cutover, "orders"),
      move_of(5, "orders")};
  ASSERT_TRUE(workflow::store_moves(*st, "main", first));
  for (uint64_t batch = 0; batch < 3; ++batch) {
    std::vector<workflow::move_record> rs;
    for (uint64_t i = 0; i < 100; ++i) {
      const uint64_t id = 10 + batch * 100 + i;
      rs.push_back(done(id, op_kind::cutover, "t" + std::to_string(id)));
    }
    ASSERT_TRUE(workflow::store_moves(*st, "main", rs));
  }
  auto all = workflow::load_moves(*st, "main");
  ASSERT_TRUE(all.has_value()) << all.error().message;
  std::vector<uint64_t> of_orders;
  for (const auto& r : *all) {
    if (r.name == "orders") of_orders.push_back(r.id);
  }
  EXPECT_EQ(of_orders, (std::vector<uint64_t>{2, 3, 4}));
  // The others: the newest 256 of them (the topics are all different, so
  // each one's only cutover stays too).
  EXPECT_EQ(all->size(), 303u);
}

// The write of ended operations never fails for what is stored already: a
// damaged record is erased; an id given twice (cancelled, then done) is
// stored once, as last given; drills of another definition are not kept
// beyond the newest records.
TEST(MoveRecords, AWriteErasesADamagedRecordStoresAnIdOnceAndKeepsDrillsOfTheDefinitionNow) {
  temp_dir dir;
  open_store(dir).reset();
  write_raw(dir, record_key(key_space::move).text("main").u64(1).bytes(), "{damaged");
  auto st = open_store(dir);
  EXPECT_FALSE(workflow::load_moves(*st, "main").has_value());
  workflow::move_record cancelled = move_of(2, "g");
  workflow::move_record done = cancelled;
  done.outcome = migration::op_phase::done;
  done.stuck = migration::stuck_reason::none;
  std::vector<workflow::move_record> twice = {cancelled, done};
  ASSERT_TRUE(workflow::store_moves(*st, "main", twice));
  auto all = workflow::load_moves(*st, "main");
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 1u) << "the damaged one erased";
  EXPECT_EQ(all->front(), done);

  // A drill under definition "old", then 300 other moves under "new".
  auto drill_move = [](uint64_t id, migration::op_kind kind, const std::string& name,
                       const std::string& definition) {
    workflow::move_record r = move_of(id, name);
    r.kind = object_kind::topic;
    r.options.kind = kind;
    r.outcome = migration::op_phase::done;
    r.stuck = migration::stuck_reason::none;
    r.definition = definition;
    return r;
  };
  std::vector<workflow::move_record> rs = {
      drill_move(10, migration::op_kind::cutover, "old-topic", "old"),
      drill_move(11, migration::op_kind::rollback, "old-topic", "old")};
  for (uint64_t id = 100; id < 400; ++id) {
    rs.push_back(drill_move(id, migration::op_kind::cutover, "t", "new"));
  }
  ASSERT_TRUE(workflow::store_moves(*st, "main", rs));
  all = workflow::load_moves(*st, "main");
  ASSERT_TRUE(all.has_value());
  for (const auto& r : *all) EXPECT_NE(r.name, "old-topic") << r.id;
  // t's newest cutover is within the newest 256; the rest beyond them went.
  EXPECT_EQ(all->size(), workflow::kKeptMoves);
}

TEST(MoveRecords, ARecordThatDoesNotDecodeIsCorruptionNamingItsOperation) {
  const std::string good = R"({"definition":"","finished_at_ms":2,"force":false,"format":1,)"
                           R"("id":5,"kind":1,"name":"t","op_kind":1,"outcome":10,)"
                           R"("quiet_wait_ms":0,"quiet_window_ms":5000,"requested_by":"",)"
                           R"("resumed":false,"source_cluster_id":"","started_at_ms":1,)"
                           R"("stuck":0,"target_cluster_id":""})";
  {
    temp_dir dir;
    open_store(dir).reset();
    write_raw(dir, record_key(key_space::move).text("main").u64(5).bytes(), good);
    auto r = workflow::load_move(*open_store(dir), "main", 5);
    ASSERT_TRUE(r.has_value() && r->has_value()) << (r ? "none" : r.error().message);
    EXPECT_EQ((*r)->options.kind, migration::op_kind::cutover);
    EXPECT_EQ((*r)->outcome, migration::op_phase::done);
    EXPECT_EQ((*r)->acl_grants, 0) << "written before the ACL counts: none";
  }
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  for (const std::string& bad :
       {std::string("{not json"), replace("\"id\":5", "\"id\":6"),
        replace("\"format\":1", "\"format\":2"), replace("\"outcome\":10", "\"outcome\":3"),
        replace("\"op_kind\":1", "\"op_kind\":9"), replace("\"kind\":1", "\"kind\":0"),
        replace("\"stuck\":0", "\"stuck\":99"), replace("\"name\":\"t\",", ""),
        replace("\"started_at_ms\":1", "\"started_at_ms\":-9223372036854775807"),
        replace("\"finished_at_ms\":2", "\"finished_at_ms\":0"),
        replace("{", "{\"acl_grants\":-1,"), replace("{", "{\"acl_fences\":\"1\","),
        replace("{", "{\"acl_fences\":1.5,"), replace("{", "{\"acl_grants\":true,"),
        replace("{", "{\"acl_grants\":4294967297,")}) {
    temp_dir dir;
    open_store(dir).reset();
    write_raw(dir, record_key(key_space::move).text("main").u64(5).bytes(), bad);
    auto st = open_store(dir);
    auto one = workflow::load_move(*st, "main", 5);
    ASSERT_FALSE(one.has_value()) << bad;
    EXPECT_EQ(one.error().code, errc::corruption);
    EXPECT_TRUE(contains(one.error().message, "operation 5 of link main")) << one.error().message;
    EXPECT_FALSE(workflow::load_moves(*st, "main", 10).has_value()) << bad;
  }
}

TEST(MoveRecords, TheDefinitionDigestFollowsSelectionsAndClustersNotTuning) {
  config::link_config link;
  link.topics.include = {"orders.*"};
  link.groups.enabled = true;
  const store::cluster_ids ids{"src", "tgt"};
  const std::string base = workflow::definition_digest(link, ids);
  EXPECT_EQ(base.size(), 16u);
  EXPECT_EQ(workflow::definition_digest(link, ids), base);
  auto changed = [&](auto edit, store::cluster_ids c) {
    config::link_config l = link;
    edit(l);
    return workflow::definition_digest(l, c);
  };
  // Tuning and credentials do not change it.
  EXPECT_EQ(changed([](auto& l) { l.topics.refresh_interval = std::chrono::seconds(9); }, ids),
            base);
  EXPECT_EQ(changed([](auto& l) { l.source.props.push_back({"sasl.password", "x"}); }, ids), base);
  // What is moved, and between which clusters, does.
  EXPECT_NE(changed([](auto&) {}, {"src", "other"}), base);
  EXPECT_NE(changed([](auto& l) { l.topics.prefix = "mig."; }, ids), base);
  EXPECT_NE(changed([](auto& l) { l.topics.exclude = {"orders.*"}; }, ids), base);
  EXPECT_NE(changed([](auto& l) { l.groups.include = {"g"}; }, ids), base);
  // A pattern moved from one list to the next.
  EXPECT_NE(changed(
                [](auto& l) {
                  l.topics.include = {};
                  l.topics.exclude = {"orders.*"};
                },
                ids),
            changed(
                [](auto& l) {
                  l.topics.include = {"orders.*"};
                  l.topics.exclude = {};
                },
                ids));
}

TEST(MoveRecords, TheFirstMirroredTimeIsPerLink) {
  temp_dir dir;
  auto st = open_store(dir);
  EXPECT_FALSE(workflow::load_first_mirrored(*st, "main")->has_value());
  checkpoint_store::write_batch b;
  workflow::put_first_mirrored(b, "main", 1234);
  ASSERT_TRUE(st->commit(b).has_value());
  EXPECT_EQ(**workflow::load_first_mirrored(*st, "main"), 1234);
  EXPECT_FALSE(workflow::load_first_mirrored(*st, "mai")->has_value());
}

TEST(GrantRecords, AreATopicsOwnOfOneKindAndEraseOneByOne) {
  constexpr auto kGrant = workflow::acl_change::target_grant;
  temp_dir dir;
  auto st = open_store(dir);
  const workflow::owned_grant a{"tgt",
                                {"TOPIC", "t.o", "LITERAL", "User:a", "*", "WRITE", "ALLOW"}};
  const workflow::owned_grant b{"tgt", {"TOPIC", "t.o", "LITERAL", "User:b", "*", "ALL", "ALLOW"}};
  checkpoint_store::write_batch w;
  workflow::put_grant(w, "main", "o", kGrant, a);
  workflow::put_grant(w, "main", "o", kGrant, b);
  workflow::put_grant(w, "main", "o2", kGrant, a);  // another topic's: not in o's scan
  workflow::put_grant(w, "other", "o", kGrant, a);
  ASSERT_TRUE(st->commit(w).has_value());
  EXPECT_EQ(*workflow::load_grants(*st, "main", "o", kGrant),
            (std::vector<workflow::owned_grant>{a, b}));
  checkpoint_store::write_batch e;
  workflow::erase_grant(e, "main", "o", kGrant, a);
  ASSERT_TRUE(st->commit(e).has_value());
  EXPECT_EQ(*workflow::load_grants(*st, "main", "o", kGrant),
            std::vector<workflow::owned_grant>{b});
  EXPECT_EQ(workflow::load_grants(*st, "main", "o2", kGrant)->size(), 1u);
  EXPECT_TRUE(workflow::load_grants(*st, "mai", "o", kGrant)->empty());
  EXPECT_TRUE(workflow::load_grants(*st, "main", "o", workflow::acl_change::source_fence)->empty());
}

TEST(StoredAuditLog, AppendsInOrderChainedAndContinuesAfterReopen) {
  temp_dir dir;
  {
    auto st = open_store(dir);
    auto log = api::stored_audit_log::open(*st);
    ASSERT_TRUE(log.has_value()) << log.error().message;
    ASSERT_TRUE(
        (*log)->record({0, 1, "alice", "admin", "Cutover", "ab12", "ok", "A", "B"}).has_value());
    ASSERT_TRUE((*log)
                    ->record({0, 2, "bob", "viewer", "ListAudit", "cd34",
                              "PERMISSION_DENIED: needs operator", "", ""})
                    .has_value());
  }
  auto st = open_store(dir);
  auto log = api::stored_audit_log::open(*st);
  ASSERT_TRUE(log.has_value()) << log.error().message;
  ASSERT_TRUE((*log)->record({0, 3, "carol", "operator", "Stage", "", "ok", "", ""}).has_value());
  auto all = (*log)->list(0, 100);
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].seq, 1u);
  EXPECT_EQ((*all)[0].who, "alice");
  EXPECT_EQ((*all)[0].state_after, "B");
  EXPECT_EQ((*all)[1].result, "PERMISSION_DENIED: needs operator");
  EXPECT_EQ((*all)[2].seq, 3u) << "numbering goes on after a reopen";
  auto page = (*log)->list(1, 1);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].seq, 2u);
  EXPECT_TRUE((*log)->list(3, 10)->empty());
  EXPECT_TRUE((*log)->list(0, 0)->empty());
  // Issue 11: after = 2^64-1 listed from the start (after + 1 wrapped).
  EXPECT_TRUE((*log)->list(std::numeric_limits<uint64_t>::max(), 10)->empty());

  // Each entry's chain follows from the one before, across the reopen; a
  // changed field gives another value.
  std::string previous;
  for (const auto& e : *all) {
    ASSERT_EQ(e.chain.size(), 64u) << e.seq;
    EXPECT_EQ(e.chain, audit_chain_next(previous, e.seq, e.at_ms,
                                        {e.who, e.role, e.call, e.args_digest, e.result,
                                         e.state_before, e.state_after}))
        << e.seq;
    EXPECT_NE(e.chain, audit_chain_next(previous, e.seq, e.at_ms,
                                        {e.who + "x", e.role, e.call, e.args_digest, e.result,
                                         e.state_before, e.state_after}));
    previous = e.chain;
  }
}

TEST(StoredAuditLog, FieldsAreStoredOnOneLineAndBounded) {
  temp_dir dir;
  auto st = open_store(dir);
  auto log = api::stored_audit_log::open(*st);
  ASSERT_TRUE(log.has_value());
  ASSERT_TRUE((*log)
                  ->record({0, 1, "mallory\n\x1b[2J" + std::string(500, 'x'), "admin", "Stage", "",
                            std::string(10'000, 'r'), "", ""})
                  .has_value());
  auto all = (*log)->list(0, 10);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].who.find('\n'), std::string::npos);
  EXPECT_EQ((*all)[0].who.find('\x1b'), std::string::npos);
  EXPECT_LE((*all)[0].who.size(), 128u + 16u);
  EXPECT_LE((*all)[0].result.size(), 2048u + 16u);
}

TEST(StoredAuditLog, ADamagedEntryIsAnErrorNotASkipAndNamesItsNumber) {
  temp_dir dir;
  open_store(dir).reset();
  write_raw(dir, record_key(key_space::audit).u64(1).bytes(), "\x02short");
  auto st = open_store(dir);
  auto log = api::stored_audit_log::open(*st);
  ASSERT_TRUE(log.has_value()) << "a damaged last entry restarts the chain";
  auto all = (*log)->list(0, 10);
  ASSERT_FALSE(all.has_value());
  EXPECT_EQ(all.error().code, errc::corruption);
  EXPECT_EQ(all.error().message, "audit journal entry 1 is damaged");
  ASSERT_TRUE((*log)->record({0, 2, "alice", "admin", "Stage", "", "ok", "", ""}).has_value());
  auto after = (*log)->list(1, 10);
  ASSERT_TRUE(after.has_value()) << after.error().message;
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].seq, 2u) << "numbering goes on after the damaged entry";
}

// A second log on the same store finds the next number taken: it refuses,
// never overwrites an entry.
TEST(StoredAuditLog, ASecondLogOnTheStoreNeverOverwritesAnEntry) {
  temp_dir dir;
  auto st = open_store(dir);
  auto first = api::stored_audit_log::open(*st);
  auto second = api::stored_audit_log::open(*st);
  ASSERT_TRUE(first.has_value() && second.has_value());
  ASSERT_TRUE((*first)->record({0, 1, "alice", "admin", "Stage", "", "ok", "", ""}).has_value());
  auto refused = (*second)->record({0, 2, "bob", "admin", "Stage", "", "ok", "", ""});
  ASSERT_FALSE(refused.has_value());
  auto all = (*first)->list(0, 10);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].who, "alice");
}

TEST(StoredAuditLog, ADamagedRequestRecordIsAnError) {
  temp_dir dir;
  open_store(dir).reset();
  write_raw(dir, record_key(key_space::request).tail("req-1").bytes(), "\x01short");
  auto st = open_store(dir);
  auto log = api::stored_audit_log::open(*st);
  ASSERT_TRUE(log.has_value());
  auto r = (*log)->recall("req-1");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::corruption);
}

TEST(StoredAuditLog, RequestsAreRecalledByIdAcrossAReopen) {
  temp_dir dir;
  {
    auto st = open_store(dir);
    auto log = api::stored_audit_log::open(*st);
    ASSERT_TRUE(log.has_value());
    ASSERT_TRUE((*log)
                    ->remember("req-1", {"Verify", "ab12",
                                         "\x01"
                                         "bytes",
                                         7})
                    .has_value());
  }
  auto st = open_store(dir);
  auto log = api::stored_audit_log::open(*st);
  ASSERT_TRUE(log.has_value());
  auto req = (*log)->recall("req-1");
  ASSERT_TRUE(req.has_value() && req->has_value());
  EXPECT_EQ((*req)->call, "Verify");
  EXPECT_EQ((*req)->args_digest, "ab12");
  EXPECT_EQ((*req)->response,
            "\x01"
            "bytes");
  EXPECT_EQ((*req)->at_ms, 7);
  EXPECT_FALSE((*log)->recall("req-2")->has_value());
  EXPECT_FALSE((*log)->recall("req-")->has_value());
}

// ---- daemon: 'L' and 'S' ----

TEST(LinkRecords, LinksAndStagedNamesAreKeptPerLinkAndForgottenTogether) {
  temp_dir dir;
  auto st = open_store(dir);
  checkpoint_store::write_batch b;
  daemon::put_link(b, "main", {true, false, "name: main", 5});
  daemon::put_link(b, "mainx", {false, true, "", 6});
  daemon::put_staged(b, "main", object_kind::topic, "orders");
  daemon::put_staged(b, "main", object_kind::group, "billing");
  daemon::put_staged(b, "mainx", object_kind::topic, "other");
  // Receipts (ADR 0030 step 4): loaded with the shard state, also when no
  // assignment is stored; the link's own only.
  using shard_kind = config::shard_share::kind;
  daemon::put_receipt(b, "main", shard_kind::topic, "orders", "d1");
  daemon::put_receipt(b, "main", shard_kind::group, "billing", "d1");
  daemon::put_receipt(b, "mainx", shard_kind::topic, "other", "d2");
  ASSERT_TRUE(st->commit(b).has_value());
  const config::shard_identity self{1, 2, false};
  auto shards = daemon::load_shard_assignment(*st, "main", self);
  ASSERT_TRUE(shards.has_value()) << shards.error().message;
  EXPECT_FALSE(shards->assignment);
  EXPECT_EQ(shards->received_topics, std::set<std::string>{"orders"});
  EXPECT_EQ(shards->received_groups, std::set<std::string>{"billing"});
  auto links = daemon::load_links(*st);
  ASSERT_TRUE(links.has_value()) << links.error().message;
  ASSERT_EQ(links->size(), 2u);
  EXPECT_EQ((*links)[0].first, "main");
  EXPECT_TRUE((*links)[0].second.from_api);
  EXPECT_EQ((*links)[0].second.yaml, "name: main");
  EXPECT_TRUE((*links)[1].second.paused);
  auto staged = daemon::load_staged(*st, "main");
  ASSERT_TRUE(staged.has_value()) << staged.error().message;
  EXPECT_EQ(*staged, (std::vector<std::pair<object_kind, std::string>>{
                         {object_kind::topic, "orders"}, {object_kind::group, "billing"}}));

  ASSERT_TRUE(daemon::forget_link(*st, "main").has_value());
  links = daemon::load_links(*st);
  ASSERT_EQ(links->size(), 1u);
  EXPECT_EQ((*links)[0].first, "mainx");
  EXPECT_TRUE(daemon::load_staged(*st, "main")->empty());
  EXPECT_EQ(daemon::load_staged(*st, "mainx")->size(), 1u);
  shards = daemon::load_shard_assignment(*st, "main", self);
  EXPECT_TRUE(shards->received_topics.empty() && shards->received_groups.empty());
  EXPECT_EQ(daemon::load_shard_assignment(*st, "mainx", self)->received_topics.size(), 1u);
}

TEST(LinkRecords, DamagedLinkAndStagedRecordsAreErrorsAndNothingOfTheLinkIsForgotten) {
  temp_dir dir;
  open_store(dir).reset();
  write_raw(dir, record_key(key_space::link).tail("bad").bytes(), "\x01\x01");
  write_raw(dir, record_key(key_space::staged).text("main").u8(7).tail("x").bytes(), "");
  write_raw(dir, record_key(key_space::shard_receipt).text("main").u8(9).tail("x").bytes(), "");
  {
    auto st = open_store(dir);
    auto links = daemon::load_links(*st);
    ASSERT_FALSE(links.has_value());
    EXPECT_EQ(links.error().code, errc::corruption);
    EXPECT_TRUE(contains(links.error().message, "link bad")) << links.error().message;
    auto staged = daemon::load_staged(*st, "main");
    ASSERT_FALSE(staged.has_value());
    EXPECT_EQ(staged.error().code, errc::corruption);
    auto receipts = daemon::load_shard_assignment(*st, "main", {0, 2, false});
    ASSERT_FALSE(receipts.has_value());
    EXPECT_TRUE(contains(receipts.error().message, "a shard receipt of link main is damaged"))
        << receipts.error().message;
    checkpoint_store::write_batch b;
    daemon::put_link(b, "main", {true, false, "name: main", 5});
    ASSERT_TRUE(st->commit(b).has_value());
    // The staged names cannot be read: nothing is deleted, and the error
    // says so.
    auto forgotten = daemon::forget_link(*st, "main");
    ASSERT_FALSE(forgotten.has_value());
    EXPECT_TRUE(contains(forgotten.error().message, "nothing of link main was deleted"))
        << forgotten.error().message;
    EXPECT_TRUE(st->get(record_key(key_space::link).tail("main"))->has_value());
    // A link whose creation failed has only its definition to forget.
    ASSERT_TRUE(daemon::forget_link_definition(*st, "main").has_value());
    EXPECT_FALSE(st->get(record_key(key_space::link).tail("main"))->has_value());
  }
}

// Deleting a link waits for its moves: an object in a cutover, or one with
// a move stored (a group cutover waiting for its members, in SYNCING).
TEST(LinkRecords, ALinkIsNotDeletedWhileAnObjectIsInACutoverOrHasAMoveRunning) {
  using workflow::put_migration;
  temp_dir dir;
  auto st = open_store(dir);
  auto put = [&](object_kind kind, const std::string& name, uint8_t state,
                 std::string operation = "") {
    checkpoint_store::write_batch b;
    put_migration(b, "main", {kind, name, state, 10, std::move(operation)});
    ASSERT_TRUE(st->commit(b).has_value());
  };
  put(object_kind::topic, "orders", static_cast<uint8_t>(migration::topic_state::finalized));
  put(object_kind::group, "billing", static_cast<uint8_t>(migration::group_state::syncing));
  EXPECT_TRUE(daemon::no_cutover_in_progress(*st, "main").has_value());

  migration::operation_record waiting;
  waiting.options.id = 42;
  put(object_kind::group, "billing", static_cast<uint8_t>(migration::group_state::syncing),
      migration::encode_operation(waiting));
  auto refused = daemon::no_cutover_in_progress(*st, "main");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, errc::precondition);
  EXPECT_EQ(refused.error().message,
            "link main: group billing has a move running (operation 42); finalize or roll it "
            "back before deleting the link");

  put(object_kind::group, "billing", static_cast<uint8_t>(migration::group_state::rolled_back));
  refused = daemon::no_cutover_in_progress(*st, "main");
  ASSERT_FALSE(refused.has_value());
  EXPECT_TRUE(contains(refused.error().message, "group billing is in a cutover (ROLLED_BACK)"))
      << refused.error().message;

  put(object_kind::group, "billing", static_cast<uint8_t>(migration::group_state::syncing));
  put(object_kind::topic, "orders", static_cast<uint8_t>(migration::topic_state::draining));
  refused = daemon::no_cutover_in_progress(*st, "main");
  ASSERT_FALSE(refused.has_value());
  EXPECT_TRUE(contains(refused.error().message, "topic orders is in a cutover (DRAINING)"))
      << refused.error().message;

  put(object_kind::topic, "orders", 200);  // a state this straitd does not know
  refused = daemon::no_cutover_in_progress(*st, "main");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, errc::corruption);
  EXPECT_TRUE(daemon::no_cutover_in_progress(*st, "other").has_value());
}

}  // namespace
}  // namespace strait
