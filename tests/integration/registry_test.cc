// Schema copy against real Apicurio Registry 3 instances (scripts/registry,
// ADR 0027): the registry module reads, plans and writes; curl, an
// independent client, registers the source's schemas and reads the target
// back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "process.h"
#include "strait/config/config.h"
#include "strait/config/topic_filter.h"
#include "strait/registry/confluent_api.h"
#include "strait/registry/schema_plan.h"

namespace strait::registry {
namespace {

using nlohmann::json;
using testing::run_command;

const std::string kRoot = STRAIT_SOURCE_DIR;

// The instances of this run live in a state directory of its own.
class registries : public ::testing::Environment {
 public:
  void SetUp() override {
    char dir[] = "/tmp/strait-registry-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    state_ = dir;
    setenv("STRAIT_REGISTRY_STATE", state_.c_str(), 1);
  }
  void TearDown() override {
    (void)std::system((kRoot + "/scripts/registry stop-all >/dev/null 2>&1").c_str());
    std::filesystem::remove_all(state_);
  }
  static std::string start(const std::string& name) {
    return run_command(kRoot + "/scripts/registry start " + name + " 2>/dev/null");
  }
  static void stop(const std::string& name) {
    (void)std::system((kRoot + "/scripts/registry stop " + name + " >/dev/null 2>&1").c_str());
  }

 private:
  std::string state_;
};

json call(const std::string& method, const std::string& url, const json& body = nullptr) {
  return json::parse(testing::curl(method, url, body.is_null() ? "" : body.dump()), nullptr, false);
}

int register_schema(const std::string& ccompat, const std::string& subject, const json& body) {
  const json answer = call("POST", ccompat + "/subjects/" + subject + "/versions", body);
  if (!answer.contains("id")) ADD_FAILURE() << subject << ": " << answer.dump();
  return answer.value("id", -1);
}

json avro(const json& schema) { return {{"schema", schema.dump()}}; }

config::schemas_config schemas_section(const std::string& source_url, const std::string& target_url,
                                       const std::string& kind,
                                       const std::string& source_kind = "confluent") {
  auto link = config::parse_link_yaml(
      "name: reg\nsource: {properties: {bootstrap.servers: a:9092}}\n"
      "target: {properties: {bootstrap.servers: b:9092}}\ntopics: {include: [\"x\"]}\n"
      "schemas: {source: {url: \"" +
          source_url + "\", kind: " + source_kind + "}, target: {url: \"" + target_url +
          "\", kind: " + kind + "}, include: [\"s-.*\"]}\n",
      [](const std::string&) { return std::nullopt; }, config::reference_policy{});
  EXPECT_TRUE(link.has_value()) << link.error().message;
  return link ? link->schemas : config::schemas_config{};
}

struct planned {
  registry_contents source, target;
  schema_plan plan;
};

planned read_and_plan(const config::schemas_config& cfg, const registry_clients& c) {
  planned p;
  auto filter = config::topic_filter::make(cfg.include, cfg.exclude, false, "schemas");
  EXPECT_TRUE(filter.has_value());
  if (!filter) return p;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto both = read_registries(c, *filter, true, deadline);
  EXPECT_TRUE(both.has_value()) << both.error().message;
  if (!both) return p;
  p.source = both->source;
  p.target = both->target;
  p.plan = plan_schemas(p.source, p.target, cfg.kind);
  return p;
}

const schema_item* item_of(const schema_plan& plan, const std::string& subject, int version) {
  for (const auto& i : plan.versions) {
    if (i.subject == subject && i.version == version) return &i;
  }
  return nullptr;
}

// The source's schemas, registered with curl: a record and its evolution,
// the same record under a second subject (one id, two subjects), a
// primitive, JSON and Protobuf schemas, a schema referencing the record,
// a subject-level compatibility. Returns the source's ccompat URL.
struct source_ids {
  int first = 0, rec1 = 0, rec2 = 0, str = 0, json_schema = 0, proto = 0, ref = 0;
};

json record() {
  return {{"type", "record"},
          {"name", "R"},
          {"namespace", "com.example"},
          {"doc", "a record"},
          {"fields", {{{"name", "a"}, {"type", "int"}}}}};
}

source_ids fill_source(const std::string& ccompat) {
  source_ids ids;
  ids.first = register_schema(ccompat, "s-first",
                              avro(json{{"type", "enum"}, {"name", "E"}, {"symbols", {"A", "B"}}}));
  const json rec = record();
  ids.rec1 = register_schema(ccompat, "s-rec", avro(rec));
  json rec2 = rec;
  rec2["fields"].push_back({{"name", "b"}, {"type", "string"}, {"default", ""}});
  ids.rec2 = register_schema(ccompat, "s-rec", avro(rec2));
  EXPECT_EQ(register_schema(ccompat, "s-rec-copy", avro(rec)), ids.rec1);
  ids.str = register_schema(ccompat, "s-str", avro(json{{"type", "string"}}));
  ids.json_schema =
      register_schema(ccompat, "s-json",
                      {{"schemaType", "JSON"},
                       {"schema", R"({"type":"object","properties":{"a":{"type":"integer"}}})"}});
  ids.proto = register_schema(
      ccompat, "s-proto",
      {{"schemaType", "PROTOBUF"},
       {"schema", "syntax = \"proto3\";\npackage x;\n\nmessage M {\n  int32 a = 1;\n}\n"}});
  ids.ref = register_schema(
      ccompat, "s-ref",
      {{"schema", json{{"type", "record"},
                       {"name", "Outer"},
                       {"fields", {{{"name", "r"}, {"type", "com.example.R"}}}}}
                      .dump()},
       {"references", {{{"name", "com.example.R"}, {"subject", "s-rec"}, {"version", 1}}}}});
  EXPECT_EQ(call("PUT", ccompat + "/config/s-rec", {{"compatibility", "FULL"}})
                .value("compatibility", ""),
            "FULL");
  return ids;
}

TEST(SchemaCopy, AnApicurioTargetKeepsIdsVersionsReferencesAndCompatibility) {
  const std::string source_root = registries::start("copy-src");
  const std::string target_root = registries::start("copy-dst");
  const std::string source = source_root + "/apis/ccompat/v7";
  const std::string target = target_root + "/apis/ccompat/v7";
  // The target has a schema of its own under the id the source's first
  // one has: that one is blocked, named with both.
  const int own =
      register_schema(target, "t-own", avro(json{{"type", "fixed"}, {"name", "F"}, {"size", 4}}));
  const source_ids ids = fill_source(source);
  ASSERT_EQ(own, ids.first);

  const auto cfg = schemas_section(source, target_root, "apicurio");
  const auto clients = connect_registries(cfg, std::chrono::seconds(10));
  planned p = read_and_plan(cfg, clients);
  ASSERT_EQ(p.plan.versions.size(), 8u);
  const schema_item* first = item_of(p.plan, "s-first", 1);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->action, schema_action::blocked);
  EXPECT_NE(first->reason.find("binds id " + std::to_string(ids.first) + " to another schema"),
            std::string::npos)
      << first->reason;
  EXPECT_NE(first->reason.find("'t-own' version 1"), std::string::npos) << first->reason;
  for (const auto& i : p.plan.versions) {
    if (i.subject != "s-first") {
      EXPECT_EQ(i.action, schema_action::copy) << i.subject << i.reason;
    }
  }

  // A dry run writes nothing.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto dry = apply_schemas(p.plan, p.source, clients, true, deadline, 0);
  for (size_t i = 0; i < dry.versions.size(); ++i) {
    const auto want = p.plan.versions[i].action == schema_action::copy ? write_outcome::would
                                                                       : write_outcome::no_action;
    EXPECT_EQ(dry.versions[i].result, want) << p.plan.versions[i].subject;
  }
  EXPECT_EQ(call("GET", target + "/subjects"), json::array({"t-own"}));

  auto r = apply_schemas(p.plan, p.source, clients, false, deadline, 0);
  for (size_t i = 0; i < r.versions.size(); ++i) {
    const auto want = p.plan.versions[i].action == schema_action::copy ? write_outcome::done
                                                                       : write_outcome::no_action;
    EXPECT_EQ(r.versions[i].result, want)
        << p.plan.versions[i].subject << " v" << p.plan.versions[i].version << ": "
        << r.versions[i].message;
  }
  // s-rec's own level is added; the registries' global levels are left as they are.
  ASSERT_FALSE(p.plan.compatibility.empty());
  for (size_t i = 0; i < r.compatibility.size(); ++i) {
    const auto& c = p.plan.compatibility[i];
    EXPECT_EQ(r.compatibility[i].result,
              c.action == schema_action::copy ? write_outcome::done : write_outcome::no_action)
        << c.subject << ": " << r.compatibility[i].message;
  }

  // Read back with curl: every id, version, schema and reference as on the source.
  for (const auto& [subject, version, id] :
       std::vector<std::tuple<std::string, int, int>>{{"s-rec", 1, ids.rec1},
                                                      {"s-rec", 2, ids.rec2},
                                                      {"s-rec-copy", 1, ids.rec1},
                                                      {"s-str", 1, ids.str},
                                                      {"s-json", 1, ids.json_schema},
                                                      {"s-proto", 1, ids.proto},
                                                      {"s-ref", 1, ids.ref}}) {
    const json got =
        call("GET", target + "/subjects/" + subject + "/versions/" + std::to_string(version));
    const json want =
        call("GET", source + "/subjects/" + subject + "/versions/" + std::to_string(version));
    EXPECT_EQ(got.value("id", -1), id) << subject << ": " << got.dump();
    EXPECT_EQ(got.value("schema", ""), want.value("schema", "")) << subject;
    EXPECT_EQ(got.value("references", json()), want.value("references", json())) << subject;
    EXPECT_EQ(call("GET", target + "/schemas/ids/" + std::to_string(id)).value("schema", ""),
              want.value("schema", ""))
        << subject;
  }
  EXPECT_EQ(call("GET", target + "/config/s-rec").value("compatibilityLevel", ""), "FULL");
  // The target's own schema is untouched, and its next id comes after the copied ones.
  EXPECT_EQ(call("GET", target + "/subjects/t-own/versions/1").value("id", -1), own);
  const int next =
      register_schema(target, "t-new", avro(json{{"type", "fixed"}, {"name", "G"}, {"size", 8}}));
  EXPECT_GT(next, ids.ref);

  // Planned again: everything copied fits; apply again does nothing.
  planned again = read_and_plan(cfg, clients);
  for (const auto& i : again.plan.versions) {
    const auto want = i.subject == "s-first" ? schema_action::blocked : schema_action::fits;
    EXPECT_EQ(i.action, want) << i.subject << " v" << i.version << ": " << i.reason;
  }
  for (const auto& c : again.plan.compatibility) {
    EXPECT_NE(c.action, schema_action::copy) << c.subject << " " << c.source_level;
  }

  // Apicurio's Confluent API answers NONE for a subject without a rule;
  // its own rules tell the two apart (read_target). With the target's
  // global level FULL, s-str (no rule there) already follows a source
  // level FULL: nothing to copy, nothing taken for a level of its own.
  call("PUT", target + "/config", {{"compatibility", "FULL"}});
  call("PUT", source + "/config/s-str", {{"compatibility", "FULL"}});
  ASSERT_EQ(
      call("GET", target + "/config/s-str?defaultToGlobal=false").value("compatibilityLevel", ""),
      "NONE")
      << "what its Confluent API answers";
  planned pinned = read_and_plan(cfg, clients);
  EXPECT_FALSE(pinned.target.compatibility.contains("s-str"));
  EXPECT_EQ(pinned.target.compatibility["s-rec"], "FULL");
  for (const auto& c : pinned.plan.compatibility) {
    EXPECT_NE(c.subject, "s-str") << c.source_level << " / " << c.target_level << ": " << c.reason;
  }
  // The same on the source: with both globals FULL, its subjects without a
  // rule follow FULL, but its Confluent API answers NONE for each. Read as
  // kind confluent, each looks pinned to NONE, to copy; read as kind
  // apicurio (its rules), none has a level of its own.
  call("PUT", source + "/config/s-str", {{"compatibility", "NONE"}});
  call("PUT", source + "/config", {{"compatibility", "FULL"}});
  const auto copies_level_of = [](const schema_plan& plan, const std::string& subject) {
    return std::any_of(plan.compatibility.begin(), plan.compatibility.end(), [&](const auto& c) {
      return c.subject == subject && c.action == schema_action::copy;
    });
  };
  planned as_confluent = read_and_plan(cfg, clients);
  EXPECT_TRUE(copies_level_of(as_confluent.plan, "s-json")) << "taken for a NONE of its own";
  const auto by_rules = schemas_section(source_root, target_root, "apicurio", "apicurio");
  planned as_apicurio =
      read_and_plan(by_rules, connect_registries(by_rules, std::chrono::seconds(10)));
  EXPECT_FALSE(as_apicurio.source.compatibility.contains("s-json"));
  EXPECT_FALSE(copies_level_of(as_apicurio.plan, "s-json"));
  EXPECT_FALSE(copies_level_of(as_apicurio.plan, "s-first"));
  // A level of its own, read from its rule, is copied.
  call("PUT", source + "/config/s-rec", {{"compatibility", "BACKWARD"}});
  planned with_own =
      read_and_plan(by_rules, connect_registries(by_rules, std::chrono::seconds(10)));
  EXPECT_EQ(with_own.source.compatibility["s-rec"], "BACKWARD");
  EXPECT_TRUE(copies_level_of(with_own.plan, "s-rec"));
  call("PUT", source + "/config/s-rec", {{"compatibility", "FULL"}});
  call("PUT", source + "/config", {{"compatibility", "NONE"}});
  call("PUT", target + "/config", {{"compatibility", "NONE"}});

  // A new subject on the source with a schema the target serves already:
  // its version is added under the id the target has (the archive carries
  // no content for it).
  // (Registered as first written: Apicurio serves Avro in its own form,
  // which as a new text would get an id of its own.)
  ASSERT_EQ(register_schema(source, "s-late", avro(record())), ids.rec1);
  planned late = read_and_plan(cfg, clients);
  const schema_item* added = item_of(late.plan, "s-late", 1);
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->action, schema_action::copy) << added->reason;
  auto r2 = apply_schemas(late.plan, late.source, clients, false, deadline, 0);
  for (size_t i = 0; i < r2.versions.size(); ++i) {
    if (late.plan.versions[i].subject == "s-late") {
      EXPECT_EQ(r2.versions[i].result, write_outcome::done) << r2.versions[i].message;
    }
  }
  EXPECT_EQ(call("GET", target + "/subjects/s-late/versions/1").value("id", -1), ids.rec1);

  // A new version of a subject the target has (an archive without its
  // Artifact): added after the others with its id. Apicurio does not make
  // it the subject's latest (its import leaves a branch it has, and no call
  // may change that system branch): plan and apply say so.
  json rec3 = record();
  rec3["fields"].push_back({{"name", "c"}, {"type", "long"}, {"default", 0}});
  const int id3 = register_schema(source, "s-rec", avro(rec3));
  planned grown = read_and_plan(cfg, clients);
  const schema_item* third = item_of(grown.plan, "s-rec", 3);
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->action, schema_action::copy) << third->reason;
  EXPECT_NE(third->reason.find("its latest version stays"), std::string::npos) << third->reason;
  auto r3 = apply_schemas(grown.plan, grown.source, clients, false, deadline, 0);
  for (size_t i = 0; i < r3.versions.size(); ++i) {
    if (grown.plan.versions[i].action == schema_action::copy) {
      EXPECT_EQ(r3.versions[i].result, write_outcome::done) << r3.versions[i].message;
    }
  }
  EXPECT_EQ(call("GET", target + "/subjects/s-rec/versions"), json::array({1, 2, 3}));
  EXPECT_EQ(call("GET", target + "/subjects/s-rec/versions/3").value("id", -1), id3);
  EXPECT_EQ(call("GET", target + "/schemas/ids/" + std::to_string(id3)).value("schema", ""),
            call("GET", source + "/schemas/ids/" + std::to_string(id3)).value("schema", ""));
  for (size_t i = 0; i < r3.versions.size(); ++i) {
    if (grown.plan.versions[i].subject == "s-rec" && grown.plan.versions[i].version == 3) {
      EXPECT_NE(r3.versions[i].message.find("its latest version stays"), std::string::npos);
    }
  }
  // What the limit is: the target's latest of the subject is still version 2.
  EXPECT_EQ(call("GET", target + "/subjects/s-rec/versions/latest").value("version", -1), 2);

  // A soft-deleted version: its id still serves records on the source, but
  // strait copies live versions only: blocked, named; the live one copied.
  const int gone1 = register_schema(
      source, "s-gone", avro(json{{"type", "enum"}, {"name", "E"}, {"symbols", {"A", "B"}}}));
  const int gone2 = register_schema(
      source, "s-gone", avro(json{{"type", "enum"}, {"name", "E"}, {"symbols", {"A", "B", "C"}}}));
  testing::curl("DELETE", source + "/subjects/s-gone/versions/1", "");
  planned soft = read_and_plan(cfg, clients);
  const schema_item* deleted = item_of(soft.plan, "s-gone", 1);
  ASSERT_NE(deleted, nullptr);
  EXPECT_EQ(deleted->id, gone1);
  EXPECT_EQ(deleted->action, schema_action::blocked);
  EXPECT_NE(deleted->reason.find("soft-deleted on the source, which still serves id " +
                                 std::to_string(gone1)),
            std::string::npos)
      << deleted->reason;
  const schema_item* live = item_of(soft.plan, "s-gone", 2);
  ASSERT_NE(live, nullptr);
  EXPECT_EQ(live->id, gone2);
  EXPECT_EQ(live->action, schema_action::copy) << live->reason;
  registries::stop("copy-src");
  registries::stop("copy-dst");
}

// Apicurio's Confluent API ignores the ids it is given: addressed as kind
// confluent, apply registers the first version, reads it back, finds
// another id, and stops: nothing after it is written.
TEST(SchemaCopy, ARegistryThatIgnoresIdsStopsApplyAtTheFirstVersion) {
  const std::string source_root = registries::start("ids-src");
  const std::string target_root = registries::start("ids-dst");
  const std::string source = source_root + "/apis/ccompat/v7";
  const std::string target = target_root + "/apis/ccompat/v7";
  // Ids on the source above the target's next one, so an id it picks differs.
  for (int i = 0; i < 3; ++i) {
    register_schema(source, "pad-" + std::to_string(i),
                    avro(json{{"type", "fixed"}, {"name", "P"}, {"size", i + 1}}));
  }
  const source_ids ids = fill_source(source);

  const auto cfg = schemas_section(source, target, "confluent");
  const auto clients = connect_registries(cfg, std::chrono::seconds(10));
  planned p = read_and_plan(cfg, clients);
  ASSERT_EQ(p.plan.versions.size(), 8u);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto r = apply_schemas(p.plan, p.source, clients, false, deadline, 0);
  ASSERT_EQ(r.versions[0].result, write_outcome::failed);
  EXPECT_NE(
      r.versions[0].message.find("'s-first' version 1 as id 1, not " + std::to_string(ids.first)),
      std::string::npos)
      << r.versions[0].message;
  EXPECT_NE(r.versions[0].message.find("kind: apicurio"), std::string::npos);
  for (size_t i = 1; i < r.versions.size(); ++i) {
    EXPECT_EQ(r.versions[i].result, write_outcome::not_reached) << i;
  }
  for (size_t i = 0; i < r.compatibility.size(); ++i) {
    if (p.plan.compatibility[i].action == schema_action::copy) {
      EXPECT_EQ(r.compatibility[i].result, write_outcome::not_reached);
    }
  }
  EXPECT_EQ(call("GET", target + "/subjects"), json::array({"s-first"}));
  registries::stop("ids-src");
  registries::stop("ids-dst");
}

}  // namespace
}  // namespace strait::registry

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new strait::registry::registries);
  return RUN_ALL_TESTS();
}
