// The record and registry comparisons of a verification and the stored
// report format.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "strait/registry/schema_plan.h"
#include "strait/verify/compare.h"
#include "strait/verify/report.h"

namespace strait::verify {
namespace {

using ::testing::HasSubstr;

record_seen rec(int64_t offset, uint64_t digest, int64_t ts = 1000, bool create_time = true) {
  return {offset, digest, ts, create_time};
}

TEST(CompareWindow, EqualRecordsThroughAShiftedMapPass) {
  // Source 10..12 landed on target 100..102.
  std::vector<expected_record> expected{{100, rec(10, 7)}, {101, rec(11, 8)}, {102, rec(12, 9)}};
  std::vector<record_seen> landed{rec(100, 7), rec(101, 8), rec(102, 9)};
  partition_result out;
  compare_window(expected, landed, "orders/0", out);
  EXPECT_TRUE(out.passed());
  EXPECT_EQ(out.first_difference, "");
}

TEST(CompareWindow, EachKindOfDifferenceIsCountedAndTheFirstIsNamed) {
  std::vector<expected_record> expected{
      {100, rec(10, 7)},     // equal
      {101, rec(11, 8)},     // content differs
      {102, rec(12, 9, 5)},  // timestamp differs, both CreateTime
      {103, rec(13, 1, 5)},  // timestamp differs, target LogAppendTime: fine
      {105, rec(15, 2)},     // nothing at 105 on the target
  };
  std::vector<record_seen> landed{rec(100, 7), rec(101, 99), rec(102, 9, 6), rec(103, 1, 9, false),
                                  rec(104, 3),   // nobody's
                                  rec(106, 4)};  // nobody's
  partition_result out;
  compare_window(expected, landed, "orders/0", out);
  EXPECT_EQ(out.mismatched, 2);
  EXPECT_EQ(out.missing_on_target, 1);
  EXPECT_EQ(out.unexpected_target, 2);
  EXPECT_FALSE(out.passed());
  EXPECT_EQ(out.first_difference,
            "source orders/0@11 and target offset 101 differ in key, value or headers");
}

TEST(CompareWindow, EmptySidesAreAllMissingOrAllUnexpected) {
  partition_result a;
  compare_window({{5, rec(1, 1)}, {6, rec(2, 2)}}, {}, "t/1", a);
  EXPECT_EQ(a.missing_on_target, 2);
  EXPECT_EQ(a.first_difference, "source t/1@1 maps to target offset 5, which holds no record");
  partition_result b;
  compare_window({}, {rec(5, 1)}, "t/1", b);
  EXPECT_EQ(b.unexpected_target, 1);
  partition_result c;
  compare_window({}, {}, "t/1", c);
  EXPECT_TRUE(c.passed());
}

TEST(ForgiveCompaction, OneSidedRecordsMoveToTheNoteButMismatchesStay) {
  partition_result out;
  out.missing_on_target = 2;
  out.unexpected_target = 1;
  out.first_difference = "whatever";
  forgive_compaction(out);
  EXPECT_TRUE(out.passed());
  EXPECT_EQ(out.first_difference, "");
  EXPECT_NE(out.note.find("3 records on one side only"), std::string::npos) << out.note;

  partition_result bad;
  bad.mismatched = 1;
  bad.unexpected_target = 1;
  bad.first_difference = "differ";
  forgive_compaction(bad);
  EXPECT_FALSE(bad.passed());
  EXPECT_EQ(bad.first_difference, "differ");
}

TEST(Report, ConcludesFromItsResultsAndRoundTripsThroughJson) {
  report r;
  r.id = 3;
  r.link = "main";
  r.started_at_ms = 10;
  r.topics.push_back({"orders", "mig.orders", 2, 2, {}, {}});
  r.topics[0].partitions.push_back({});
  r.groups.push_back({"billing", "empty", 2, {}, "", ""});
  r.conclude(20);
  EXPECT_EQ(r.outcome, verdict::passed);
  r.topics[0].partitions[0].error = "cannot read";
  r.conclude(21);
  EXPECT_EQ(r.outcome, verdict::failed);
  r.groups[0].differences.push_back({"orders", 1, 50, 40, 38});

  auto back = report_from_json(to_json(r));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(to_json(*back), to_json(r));
  EXPECT_EQ(back->outcome, verdict::failed);
  EXPECT_EQ(back->groups[0].differences[0].expected_target, 40);

  EXPECT_FALSE(report_from_json("{").has_value());
  EXPECT_FALSE(report_from_json("{\"format\": 2}").has_value());
  auto wrong = report_from_json("{\"format\": 1, \"id\": \"x\"}");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, errc::corruption);
}

TEST(Report, SchemasAreStoredWhenComparedAndFailItWhenTheyDiffer) {
  report r;
  r.id = 4;
  r.conclude(5);
  EXPECT_EQ(r.outcome, verdict::passed);
  // Not compared: no `schemas` member, as in reports stored before it.
  EXPECT_EQ(to_json(r).find("\"schemas\""), std::string::npos);
  auto old = report_from_json(to_json(r));
  ASSERT_TRUE(old.has_value()) << old.error().message;
  EXPECT_FALSE(old->schemas.compared);

  r.schemas.compared = true;
  r.schemas.versions_compared = 3;
  r.schemas.differing = 1;
  r.schemas.differences = {"subject 'a' version 1 (id 1) is not on the target"};
  r.conclude(6);
  EXPECT_EQ(r.outcome, verdict::failed);
  auto back = report_from_json(to_json(r));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(to_json(*back), to_json(r));
  EXPECT_TRUE(back->schemas.compared);
  EXPECT_EQ(back->schemas.differences, r.schemas.differences);

  r.schemas.differing = 0;
  r.schemas.error = "target registry: refused";  // unread counts as failed
  r.conclude(7);
  EXPECT_EQ(r.outcome, verdict::failed);
}

registry::schema_version version(const std::string& subject, int32_t v, int32_t id,
                                 std::string schema,
                                 registry::schema_type type = registry::schema_type::avro) {
  return {subject, v, id, {type, std::move(schema), {}}};
}

TEST(CompareRegistries, TheSameVersionsInAnotherFormPass) {
  registry::registry_contents source, target;
  source.versions = {version("a", 1, 10, R"({"type":"string"})"),
                     version("a", 2, 11, R"({"type":"record","name":"r","fields":[]})")};
  // Apicurio serves its own form; a version registered on the target since.
  target.versions = {version("a", 1, 10, R"("string")"),
                     version("a", 2, 11, R"({"fields":[],"name":"r","type":"record"})"),
                     version("a", 3, 12, R"("int")")};
  // A reference to a subject the selection leaves out: said, not compared.
  source.versions[1].body.references = target.versions[1].body.references = {{"L", "lib", 1}};
  source.global_compatibility = target.global_compatibility = "BACKWARD";
  schema_result out;
  compare_registries(source, target, out);
  EXPECT_TRUE(out.passed()) << (out.differences.empty() ? "" : out.differences[0]);
  EXPECT_EQ(out.subjects, 1);
  EXPECT_EQ(out.versions_compared, 2);
  EXPECT_EQ(out.only_on_target, 1);
  EXPECT_THAT(out.note, HasSubstr("1 version(s) of these subjects only on the target"));
  EXPECT_THAT(out.note, HasSubstr("1 reference(s) to subjects outside the selection"));
}

TEST(CompareRegistries, EachKindOfDifferenceIsNamed) {
  registry::registry_contents source, target;
  source.versions = {version("a", 1, 1, R"("string")"), version("b", 1, 2, R"("int")"),
                     version("c", 1, 3, R"("long")"),
                     version("d", 1, 4, R"({"type":"object"})", registry::schema_type::json),
                     version("e", 1, 5, R"("null")")};
  target.versions = {version("b", 1, 7, R"("int")"),  // another id
                     version("c", 1, 3, R"("double")"),
                     version("d", 1, 4, R"({"type":"object"})"),  // AVRO there
                     version("e", 1, 5, R"("null")")};
  target.versions[3].body.references = {{"x", "x-value", 1}};
  source.global_compatibility = "BACKWARD";
  target.global_compatibility = "NONE";
  schema_result out;
  compare_registries(source, target, out);
  EXPECT_FALSE(out.passed());
  ASSERT_EQ(out.differing, 6);
  ASSERT_EQ(out.differences.size(), 6u);
  EXPECT_EQ(out.differences[0], "subject 'a' version 1 (id 1) is not on the target");
  EXPECT_EQ(out.differences[1], "subject 'b' version 1 (id 2) has id 7 on the target");
  EXPECT_THAT(out.differences[2], HasSubstr("its schema text differs"));
  EXPECT_THAT(out.differences[3], HasSubstr("schema type JSON on the source, AVRO on the target"));
  EXPECT_THAT(out.differences[4], HasSubstr("its references differ"));
  // The global levels: the subjects without a level of their own follow them.
  EXPECT_THAT(out.differences[5],
              HasSubstr("global compatibility levels differ (source BACKWARD, target "
                        "NONE)"));
}

TEST(CompareRegistries, ASubjectsOwnLevelMustBeOnTheTarget) {
  registry::registry_contents source, target;
  for (const char* s : {"a", "b", "c", "d", "e"}) {
    source.versions.push_back(version(s, 1, static_cast<int32_t>(s[0]), R"("string")"));
  }
  target.versions = source.versions;
  source.global_compatibility = target.global_compatibility = "FULL";
  source.compatibility = {{"a", "BACKWARD"},  // none of its own there
                          {"b", "FORWARD"},   // none there
                          {"c", "NONE"},      // another there
                          {"d", "NONE"},      // the same there
                          {"e", "FULL"}};     // the source's global: none of its own
  target.compatibility = {{"a", "FULL"}, {"c", "FORWARD"}, {"d", "NONE"}};  // a: the global
  schema_result out;
  compare_registries(source, target, out);
  ASSERT_EQ(out.differences.size(), 3u);
  EXPECT_EQ(out.differences[0],
            "subject 'a': compatibility BACKWARD on the source, none of its own on the target "
            "(its global level: FULL)");
  EXPECT_EQ(out.differences[1],
            "subject 'b': compatibility FORWARD on the source, none of its own on the target "
            "(its global level: FULL)");
  EXPECT_EQ(out.differences[2],
            "subject 'c': compatibility NONE on the source, FORWARD on the "
            "target");
  // The same rule as the plan's: a plan with no level to copy here has
  // nothing but a, b and c to copy or block.
  EXPECT_EQ(
      registry::plan_schemas(source, target, registry::target_kind::confluent).compatibility.size(),
      3u);
}

// A soft-deleted version's id still serves records on the source: the
// target must serve it too, under any subject (asked by id), or it differs.
TEST(CompareRegistries, ASoftDeletedVersionsIdMustBeServedByTheTarget) {
  registry::registry_contents source, target;
  source.versions = {version("a", 2, 2, R"("int")")};
  source.soft_deleted = {version("a", 1, 1, R"("string")"), version("b", 1, 3, R"("long")"),
                         version("c", 1, 4, R"("bytes")"), version("d", 1, 0, "")};
  target.versions = {version("a", 2, 2, R"("int")"), version("x", 1, 4, R"("bytes")")};
  // What read_served_ids reads: x's id 4 (c's, the same schema), and asked
  // by id b's id 3 (another schema).
  target.served_ids[4] = target.versions[1].body;
  target.served_ids[3] = {registry::schema_type::avro, R"("double")", {}};
  schema_result out;
  compare_registries(source, target, out);
  EXPECT_EQ(out.versions_compared, 5);  // a v2, and the four soft-deleted ones
  ASSERT_EQ(out.differences.size(), 3u);
  EXPECT_THAT(out.differences[0],
              HasSubstr("subject 'a' version 1 (id 1) is soft-deleted on the source"));
  EXPECT_THAT(out.differences[0], HasSubstr("the target does not serve it"));
  EXPECT_THAT(out.differences[1], HasSubstr("the target serves id 3 with another schema"));
  // Listed, not served by the source: its id cannot be checked (the plan
  // blocks it too).
  EXPECT_THAT(out.differences[2],
              HasSubstr("subject 'd' version 1 (id 0) is soft-deleted on the source, "
                        "which lists it but does not serve it"));
}

TEST(CompareRegistries, ListsAtMostAHundredDifferencesButCountsAll) {
  registry::registry_contents source, target;
  for (int32_t i = 1; i <= 150; ++i) {
    source.versions.push_back(version("s\x1b[2J", i, i, R"("string")"));
  }
  schema_result out;
  compare_registries(source, target, out);
  EXPECT_EQ(out.differing, 150);
  EXPECT_EQ(out.differences.size(), schema_result::kMaxListed);
  // A hostile subject name is not printed raw.
  EXPECT_EQ(out.differences[0].find('\x1b'), std::string::npos) << out.differences[0];
}

}  // namespace
}  // namespace strait::verify
