// The registry module's pure parts (ADR 0027): normal forms, the plan's
// rules, the import archive. Against real registries:
// tests/integration/registry_test.cc.
#include <gtest/gtest.h>

#include <algorithm>

#include "strait/registry/apicurio_import.h"
#include "strait/registry/confluent_api.h"
#include "strait/registry/id_gate.h"
#include "strait/registry/schema_plan.h"

namespace strait::registry {
namespace {

using kind_t = target_kind;

TEST(SchemaNormalForm, ARegistrysOwnFormOfTheSameSchemaIsTheSame) {
  // Apicurio serves {"type":"string"} as "string"; members in any order, any whitespace.
  EXPECT_EQ(normal_form(schema_type::avro, R"({"type": "string"})"),
            normal_form(schema_type::avro, R"("string")"));
  EXPECT_EQ(normal_form(schema_type::avro, R"({"type":"record","name":"R","fields":[]})"),
            normal_form(schema_type::avro, R"({ "name" : "R", "fields":[], "type":"record" })"));
  EXPECT_EQ(normal_form(schema_type::avro, R"({"type":"array","items":{"type":"long"}})"),
            normal_form(schema_type::avro, R"({"type":"array","items":"long"})"));
  // Not the same: a name, an attribute beside the type, a logical type.
  EXPECT_NE(normal_form(schema_type::avro, R"({"type":"record","name":"R","fields":[]})"),
            normal_form(schema_type::avro, R"({"type":"record","name":"S","fields":[]})"));
  EXPECT_NE(normal_form(schema_type::avro, R"({"type":"int","logicalType":"date"})"),
            normal_form(schema_type::avro, R"("int")"));
  // JSON Schema: parsed, but {"type":"string"} is not Avro's shorthand there.
  EXPECT_EQ(normal_form(schema_type::json, R"({"type" : "string"})"),
            normal_form(schema_type::json, R"({"type":"string"})"));
  EXPECT_NE(normal_form(schema_type::json, R"({"type":"string"})"),
            normal_form(schema_type::json, R"("string")"));
  // Protobuf: line ends and trailing blanks only (a comment ends at its line's end).
  EXPECT_EQ(normal_form(schema_type::protobuf, "message M {\r\n  int32 a = 1;  \r\n}\n\n"),
            normal_form(schema_type::protobuf, "message M {\n  int32 a = 1;\n}"));
  EXPECT_NE(normal_form(schema_type::protobuf, "message M {\n // note\n int32 a = 1;\n}"),
            normal_form(schema_type::protobuf, "message M {\n // note int32 a = 1;\n}"));
  EXPECT_NE(normal_form(schema_type::protobuf, "message M { int32 a = 1; }"),
            normal_form(schema_type::protobuf, "message M { int32 a = 2; }"));
  // Numbers beyond 64-bit integers would parse alike: compared as written.
  EXPECT_NE(normal_form(schema_type::json, R"({"maximum":18446744073709551616})"),
            normal_form(schema_type::json, R"({"maximum":18446744073709551617})"));
  // Text that does not parse, or nests deeper than a schema does, stays text.
  EXPECT_EQ(normal_form(schema_type::avro, "{not json"), "{not json");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(normal_form(schema_type::json, deep), deep);
  // Bytes that are not UTF-8 are compared as text, never thrown on.
  EXPECT_EQ(normal_form(schema_type::json, "\"\xff\""), "\"\xff\"");
  // References and type are part of the schema.
  schema_body a{schema_type::avro, R"("string")", {}};
  schema_body b = a;
  EXPECT_TRUE(same_schema(a, b));
  b.type = schema_type::json;
  EXPECT_FALSE(same_schema(a, b));
  b = a;
  b.references.push_back({"x", "s", 1});
  EXPECT_FALSE(same_schema(a, b));
}

schema_version version(const std::string& subject, int32_t v, int32_t id, std::string schema,
                       std::vector<schema_reference> refs = {}) {
  return {subject, v, id, {schema_type::avro, std::move(schema), std::move(refs)}};
}

const schema_item& item(const schema_plan& p, const std::string& subject, int32_t v) {
  for (const auto& i : p.versions) {
    if (i.subject == subject && i.version == v) return i;
  }
  static const schema_item none;
  ADD_FAILURE() << "no item " << subject << " v" << v;
  return none;
}

TEST(SchemaPlan, TheTargetsIdsAreCheckedFirst) {
  registry_contents source, target;
  source.versions = {version("a", 1, 10, R"("string")"),  // new: copy
                     version("b", 1, 11, R"("int")"),     // id 11 is another schema there
                     version("c", 1, 12, R"("long")"),    // the target holds it as id 5
                     version("d", 1, 13, R"("bytes")"),   // there already: fits
                     version("e", 1, 13, R"("bytes")")};  // same id, new subject: copy
  target.versions = {version("x", 1, 11, R"("double")"), version("y", 1, 5, R"({"type":"long"})"),
                     version("d", 1, 13, R"({"type": "bytes"})")};
  const auto p = plan_schemas(source, target, kind_t::apicurio);
  ASSERT_EQ(p.versions.size(), 5u);
  EXPECT_EQ(item(p, "a", 1).action, schema_action::copy);
  EXPECT_EQ(item(p, "b", 1).action, schema_action::blocked);
  EXPECT_NE(item(p, "b", 1).reason.find("binds id 11 to another schema ('x' version 1)"),
            std::string::npos)
      << item(p, "b", 1).reason;
  EXPECT_EQ(item(p, "c", 1).action, schema_action::blocked);
  EXPECT_NE(item(p, "c", 1).reason.find("holds this schema as id 5 ('y' version 1)"),
            std::string::npos)
      << item(p, "c", 1).reason;
  EXPECT_EQ(item(p, "d", 1).action, schema_action::fits);
  EXPECT_EQ(item(p, "e", 1).action, schema_action::copy);
  EXPECT_NE(item(p, "e", 1).reason.find("serves id 13 already"), std::string::npos);
}

TEST(SchemaPlan, AReferencedVersionIsWrittenFirstWhereverTheRegistryListsIt) {
  registry_contents source, target;
  // "a" references "b", which the registry lists after it; "x" and "y" reference each other.
  source.versions = {version("a", 1, 1, R"("string")", {{"B", "b", 1}}),
                     version("b", 1, 2, R"("int")"),
                     version("x", 1, 3, R"("long")", {{"Y", "y", 1}}),
                     version("y", 1, 4, R"("float")", {{"X", "x", 1}})};
  const auto p = plan_schemas(source, target, kind_t::confluent);
  EXPECT_EQ(item(p, "a", 1).action, schema_action::copy) << item(p, "a", 1).reason;
  EXPECT_EQ(item(p, "b", 1).action, schema_action::copy);
  ASSERT_EQ(p.order.size(), 4u);
  const auto at = [&](size_t i) {
    return std::find(p.order.begin(), p.order.end(), i) - p.order.begin();
  };
  EXPECT_LT(at(1), at(0));  // b before a
  const bool cycle_blocked = item(p, "x", 1).action == schema_action::blocked ||
                             item(p, "y", 1).action == schema_action::blocked;
  EXPECT_TRUE(cycle_blocked);
  EXPECT_EQ(item(p, "x", 1).action, schema_action::blocked);
  EXPECT_EQ(item(p, "y", 1).action, schema_action::blocked);
}

TEST(SchemaPlan, HistoriesAreNotMergedAndReferencesComeFirst) {
  registry_contents source, target;
  source.versions = {
      version("a", 1, 1, R"("string")"),
      version("a", 2, 2, R"("int")"),
      version("b", 1, 3, R"("long")"),
      version("r", 1, 4, R"({"type":"record","name":"O","fields":[]})", {{"X", "a", 2}}),
      version("q", 1, 5, R"("float")", {{"Y", "b", 1}}),
      version("z", 1, 6, R"("null")", {{"Z", "unselected", 1}})};
  // The target's "a" has version 1 only (an apply that stopped): the
  // rest is copied (apicurio); its "b" has a version the source lacks.
  target.versions = {version("a", 1, 1, R"("string")"), version("b", 7, 9, R"("boolean")")};
  const auto p = plan_schemas(source, target, kind_t::apicurio);
  EXPECT_EQ(item(p, "a", 1).action, schema_action::fits);
  EXPECT_EQ(item(p, "a", 2).action, schema_action::copy);
  EXPECT_EQ(item(p, "b", 1).action, schema_action::blocked);
  EXPECT_NE(item(p, "b", 1).reason.find("'b' version 7, which the source lacks"), std::string::npos)
      << item(p, "b", 1).reason;
  EXPECT_EQ(item(p, "r", 1).action, schema_action::copy);
  EXPECT_EQ(item(p, "q", 1).action, schema_action::blocked);
  EXPECT_NE(item(p, "q", 1).reason.find("references 'b' version 1, which is blocked"),
            std::string::npos);
  EXPECT_EQ(item(p, "z", 1).action, schema_action::blocked);
  EXPECT_NE(item(p, "z", 1).reason.find("not among the versions the link selects"),
            std::string::npos);
  // Confluent's IMPORT mode needs an empty subject: "a" version 2 waits for the operator.
  const auto c = plan_schemas(source, target, kind_t::confluent);
  EXPECT_EQ(item(c, "a", 1).action, schema_action::fits);
  EXPECT_EQ(item(c, "a", 2).action, schema_action::blocked);
  EXPECT_NE(item(c, "a", 2).reason.find("IMPORT mode needs an empty subject"), std::string::npos);
  // A version the target has under another id.
  target.versions = {version("a", 1, 7, R"("string")")};
  const auto moved = plan_schemas(source, target, kind_t::apicurio);
  EXPECT_EQ(item(moved, "a", 1).action, schema_action::blocked);
  EXPECT_NE(item(moved, "a", 1).reason.find("as id 7 ('a' version 1), not as id 1"),
            std::string::npos)
      << item(moved, "a", 1).reason;
}

TEST(SchemaPlan, ASubjectsOwnCompatibilityIsAddedButNothingIsOverwritten) {
  registry_contents source, target;
  source.versions = {version("a", 1, 1, R"("string")"), version("b", 1, 2, R"("int")"),
                     version("c", 1, 3, R"("long")"), version("d", 1, 4, R"("null")")};
  target.versions = {version("x", 1, 4, R"("double")")};  // d's id is another schema there
  source.global_compatibility = "BACKWARD";
  target.global_compatibility = "NONE";
  source.compatibility = {{"a", "FULL"}, {"b", "FORWARD"}, {"c", "FORWARD"}, {"d", "FULL"}};
  target.compatibility = {{"b", "FORWARD"}, {"c", "FULL"}};
  const auto p = plan_schemas(source, target, kind_t::confluent);
  ASSERT_EQ(p.compatibility.size(), 4u);
  // The global level is the target's own (it governs subjects outside the link).
  EXPECT_EQ(p.compatibility[0].subject, "");
  EXPECT_EQ(p.compatibility[0].action, schema_action::blocked);
  EXPECT_NE(p.compatibility[0].reason.find("set it by hand"), std::string::npos);
  EXPECT_EQ(p.compatibility[1].subject, "a");
  EXPECT_EQ(p.compatibility[1].action, schema_action::copy);
  EXPECT_EQ(p.compatibility[2].subject, "c");  // b: the same level there
  EXPECT_EQ(p.compatibility[2].action, schema_action::blocked);
  EXPECT_NE(p.compatibility[2].reason.find("level of its own"), std::string::npos);
  EXPECT_EQ(p.compatibility[3].subject, "d");
  EXPECT_EQ(p.compatibility[3].action, schema_action::blocked);
  EXPECT_NE(p.compatibility[3].reason.find("every version of the subject is blocked"),
            std::string::npos);
  // A level equal to its registry's global one is none of its own (Apicurio
  // answers NONE for a subject without a rule): on either side.
  source.compatibility = {{"a", "BACKWARD"}, {"b", "FULL"}};
  target.compatibility = {{"b", "NONE"}};
  const auto q = plan_schemas(source, target, kind_t::confluent);
  ASSERT_EQ(q.compatibility.size(), 2u);  // the global one, and b
  EXPECT_EQ(q.compatibility[1].subject, "b");
  EXPECT_EQ(q.compatibility[1].action, schema_action::copy);
  EXPECT_EQ(q.compatibility[1].target_level, "");
  // A subject's level equal to the target's global one, where the target's
  // subject has none of its own: the same level there, nothing to copy
  // (else each apply would set it again and the plan never converge).
  source.compatibility = {{"c", "NONE"}};
  target.compatibility = {};
  const auto r = plan_schemas(source, target, kind_t::confluent);
  ASSERT_EQ(r.compatibility.size(), 1u);  // the global one only
  EXPECT_EQ(r.compatibility[0].subject, "");
}

// A soft-deleted version's id still serves records that carry it: fine where
// the target serves that id with the same schema, blocked (never copied)
// otherwise, and named where the source would not even serve it.
TEST(SchemaPlan, SoftDeletedVersionsAreNeverCopiedAndBlockedUnlessTheTargetServesThem) {
  registry_contents source, target;
  source.versions = {version("a", 2, 2, R"("int")")};
  source.soft_deleted = {version("a", 1, 1, R"("string")"), version("b", 1, 3, R"("long")"),
                         version("c", 4, 0, "")};
  target.versions = {version("x", 1, 3, R"("long")")};  // b's id, the same schema
  // What read_served_ids reads for the source's soft-deleted ids.
  target.served_ids[3] = target.versions[0].body;
  const auto p = plan_schemas(source, target, kind_t::apicurio);
  ASSERT_EQ(p.versions.size(), 4u);
  EXPECT_EQ(p.order, std::vector<size_t>{0});  // only the live version is written
  EXPECT_EQ(item(p, "a", 2).action, schema_action::copy);
  EXPECT_EQ(item(p, "a", 1).action, schema_action::blocked);
  EXPECT_NE(item(p, "a", 1).reason.find("soft-deleted on the source, which still serves id 1"),
            std::string::npos)
      << item(p, "a", 1).reason;
  EXPECT_EQ(item(p, "b", 1).action, schema_action::fits);
  EXPECT_EQ(item(p, "c", 4).action, schema_action::blocked);
  EXPECT_NE(item(p, "c", 4).reason.find("does not serve it"), std::string::npos);
  // Copied while it was live: still the subject's history, so the live
  // version after it is not taken for a merge of histories.
  target.versions.push_back(version("a", 1, 1, R"("string")"));
  target.served_ids[1] = target.versions.back().body;
  const auto q = plan_schemas(source, target, kind_t::apicurio);
  EXPECT_EQ(item(q, "a", 1).action, schema_action::fits);
  EXPECT_EQ(item(q, "a", 2).action, schema_action::copy) << item(q, "a", 2).reason;
  // Another version 1 there is no such history: histories are not merged.
  target.versions.back() = version("a", 1, 9, R"("float")");
  target.served_ids.erase(1);
  const auto r = plan_schemas(source, target, kind_t::apicurio);
  EXPECT_EQ(item(r, "a", 2).action, schema_action::blocked);
  EXPECT_NE(item(r, "a", 2).reason.find("does not merge histories"), std::string::npos);
}

// A schema registered again after its soft delete keeps its id: the live
// version the plan copies carries it, so the soft-deleted one is covered.
TEST(SchemaPlan, ASoftDeletedIdCarriedByACopiedVersionFits) {
  registry_contents source, target;
  source.versions = {version("a", 2, 5, R"("int")")};
  source.soft_deleted = {version("a", 1, 5, R"("int")")};
  const auto p = plan_schemas(source, target, kind_t::apicurio);
  EXPECT_EQ(item(p, "a", 2).action, schema_action::copy);
  EXPECT_EQ(item(p, "a", 1).action, schema_action::fits);
  EXPECT_NE(item(p, "a", 1).reason.find("which this plan copies"), std::string::npos)
      << item(p, "a", 1).reason;
}

TEST(SchemaPlan, ASubjectNameWithAPathSeparatorIsNotPutInAnApicurioArchive) {
  registry_contents source, target;
  source.versions = {version("../etc", 1, 1, R"("string")"), version("a/b", 1, 2, R"("int")"),
                     version("..", 1, 3, R"("long")")};
  const auto p = plan_schemas(source, target, kind_t::apicurio);
  EXPECT_EQ(item(p, "../etc", 1).action, schema_action::blocked);
  EXPECT_EQ(item(p, "a/b", 1).action, schema_action::blocked);
  EXPECT_EQ(item(p, "..", 1).action, schema_action::blocked);
  EXPECT_EQ(plan_schemas(source, target, kind_t::confluent).versions[1].action,
            schema_action::copy);
}

TEST(ImportArchive, IsAZipOfStoredEntriesWithTheirChecksums) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the CRC-32 check value
  zip_writer zip;
  ASSERT_TRUE(zip.add("a.txt", "hello").has_value());
  const std::string archive = zip.finish();
  // A local header, the data, one central entry, the end record.
  EXPECT_EQ(archive.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_NE(archive.find("hello"), std::string::npos);
  EXPECT_EQ(archive.size(), 30u + 5 + 5 + 46 + 5 + 22);
  EXPECT_EQ(archive.substr(archive.size() - 22, 4), std::string("PK\x05\x06", 4));

  std::vector<import_entry> versions = {{version("s", 1, 42, R"("string")"), false},
                                        {version("s", 2, 43, R"("int")", {{"R", "t", 1}}), false},
                                        {version("t", 1, 42, R"("string")"), true}};
  auto a = apicurio_import_archive(versions, 0);
  ASSERT_TRUE(a.has_value());
  // One Content per id (42 once), an Artifact per subject the target
  // lacks, a version per version and a branch per subject.
  const auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = a->find(what); at != std::string::npos; at = a->find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(".Content.json"), 2u * 2);  // each name twice: local header, directory
  EXPECT_EQ(count("MetaData.Artifact.json"), 1u * 2);
  EXPECT_EQ(count(".ArtifactVersion.json"), 3u * 2);
  EXPECT_EQ(count("latest.Branch.json"), 2u * 2);
  EXPECT_NE(a->find(R"({"artifactType":"AVRO","canonicalHash":null,"contentHash")"),
            std::string::npos);
  EXPECT_NE(a->find(R"("contentId":43,"contentType")"), std::string::npos);
  EXPECT_NE(a->find(R"(\"artifactId\":\"t\")"), std::string::npos);  // the reference
}

TEST(WireFormat, AnIdIsTheFourBytesAfterAZeroMagicByte) {
  EXPECT_EQ(wire_format_id(std::string("\0\0\0\0\x2a", 5)), 42);
  EXPECT_EQ(wire_format_id(std::string("\0\x01\x02\x03\x04rest", 9)), 0x01020304);
  EXPECT_EQ(wire_format_id(std::string("\0\0\0\0", 4)), std::nullopt);        // too short
  EXPECT_EQ(wire_format_id(std::string("\x01\0\0\0\x2a", 5)), std::nullopt);  // magic byte
  EXPECT_EQ(wire_format_id(std::string("\0\0\0\0\0", 5)), std::nullopt);      // id 0
  EXPECT_EQ(wire_format_id(std::string("\0\x80\0\0\0", 5)), std::nullopt);    // above 2^31-1
  EXPECT_EQ(wire_format_id(""), std::nullopt);
}

TEST(RegistryPaths, SubjectsArePercentEncoded) {
  EXPECT_EQ(path_segment("orders-value"), "orders-value");
  EXPECT_EQ(path_segment("a/b c?%"), "a%2Fb%20c%3F%25");
  EXPECT_EQ(path_segment("\xff"), "%FF");
}

}  // namespace
}  // namespace strait::registry
