#include "strait/config/config.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "strait/base/secret_property.h"
#include "strait/config/topic_filter.h"
#include "test_util.h"

namespace strait::config {
namespace {

const std::map<std::string, std::string> kEnv = {{"SRC_PASS", "s3cret-value"},
                                                 {"STRAIT_SECRET_SRC", "s3cret-value"},
                                                 {"REG_CRED", "alice:s3cret-value"},
                                                 {"STRAIT_SECRET_REG", "alice:s3cret-value"}};

result<config> parse_text(const std::string& text) {
  return parse(text, [](const std::string& name) -> std::optional<std::string> {
    auto it = kEnv.find(name);
    if (it == kEnv.end()) return std::nullopt;
    return it->second;
  });
}

const char* kValid = R"(
daemon:
  state_dir: /tmp/strait
links:
  - name: main
    source:
      properties:
        bootstrap.servers: a:9092
        sasl.password: ${env:SRC_PASS}
    target:
      properties:
        bootstrap.servers: b:9092
    topics:
      include: ["orders\\..*", "payments"]
      exclude: ["orders\\.tmp.*"]
      prefix: "mig."
    groups:
      include: ["billing-.*"]
      exclude: ["billing-test"]
    limits:
      partition_inflight_bytes: 4MiB
      link_inflight_bytes: 32MiB
)";

TEST(Config, ValidFileParsesWithDefaults) {
  auto c = parse_text(kValid);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  ASSERT_EQ(c->links.size(), 1u);
  const auto& l = c->links[0];
  EXPECT_EQ(l.name, "main");
  EXPECT_EQ(l.source.bootstrap(), "a:9092");
  EXPECT_EQ(l.source.props[1].second, "s3cret-value");
  EXPECT_EQ(l.topics.prefix, "mig.");
  EXPECT_EQ(l.topics.replication_factor, -1);
  EXPECT_EQ(l.limits.partition_inflight_bytes, 4 << 20);
  EXPECT_EQ(l.limits.link_inflight_bytes, 32 << 20);
  EXPECT_EQ(l.topics.refresh_interval.count(), 5000);
  EXPECT_EQ(c->daemon.http_listen, "127.0.0.1:9644");
  EXPECT_EQ(l.topics.config_deny, default_config_deny());
  EXPECT_TRUE(l.groups.enabled);
  EXPECT_EQ(l.groups.include, std::vector<std::string>{"billing-.*"});
  EXPECT_EQ(l.groups.sync_interval.count(), 500);
  EXPECT_EQ(l.migration.in_sync_max_lag_records, 1000);
  EXPECT_EQ(c->daemon.api_listen, "127.0.0.1:9645");
}

// ADR 0011: unless set, the partition limit is a quarter of the link limit,
// so a config that lowers only the link limit stays valid.
TEST(Config, PartitionLimitDefaultsToAQuarterOfTheLinkLimit) {
  std::string text = kValid;
  text.replace(text.find("      partition_inflight_bytes: 4MiB\n"),
               std::string("      partition_inflight_bytes: 4MiB\n").size(), "");
  auto c = parse_text(text);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->links[0].limits.partition_inflight_bytes, 8 << 20);
  text.replace(text.find("link_inflight_bytes: 32MiB"), 26, "link_inflight_bytes: 8MiB");
  c = parse_text(text);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->links[0].limits.partition_inflight_bytes, 2 << 20);
}

// ADR 0029: engine threads share the link's budget; the partition limit's
// default is a thread's part when a quarter of the link's is more.
TEST(Config, EngineThreadsShareTheLinkBudget) {
  std::string text = kValid;
  text.replace(text.find("      partition_inflight_bytes: 4MiB\n"),
               std::string("      partition_inflight_bytes: 4MiB\n").size(), "");
  auto c = parse_text(text);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->links[0].limits.engine_threads, 1);
  text.replace(text.find("link_inflight_bytes: 32MiB"), 26,
               "link_inflight_bytes: 32MiB\n      engine_threads: 2");
  c = parse_text(text);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->links[0].limits.engine_threads, 2);
  EXPECT_EQ(c->links[0].limits.partition_inflight_bytes, 8 << 20);
  text.replace(text.find("engine_threads: 2"), 17, "engine_threads: 8");
  c = parse_text(text);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->links[0].limits.partition_inflight_bytes, 4 << 20);
}

TEST(Config, ShardsDefaultToOneAndTakeAnOrdinalOrTheHostName) {
  auto c = parse_text(kValid);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->daemon.shards.count, 1u);
  EXPECT_EQ(c->daemon.shards.ordinal, 0u);
  std::string text = kValid;
  text.replace(text.find("  state_dir: /tmp/strait\n"), 25,
               "  state_dir: /tmp/strait\n  shards: {count: 3, ordinal: 2}\n");
  c = parse_text(text);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->daemon.shards.count, 3u);
  EXPECT_EQ(c->daemon.shards.ordinal, 2u);
  EXPECT_FALSE(c->daemon.shards.ordinal_from_hostname);
  text.replace(text.find("ordinal: 2"), 10, "ordinal: hostname");
  c = parse_text(text);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_TRUE(c->daemon.shards.ordinal_from_hostname);
}

TEST(Config, MigrationSectionIsAccepted) {
  std::string text = kValid;
  text.replace(text.find("    limits:"), 0, "    migration: {in_sync_max_lag_records: 50}\n");
  auto c = parse_text(text);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->links[0].migration.in_sync_max_lag_records, 50);
}

TEST(Config, GroupSyncIsOffWithoutAGroupsSection) {
  std::string text = kValid;
  auto at = text.find("    groups:");
  text.erase(at, text.find("    limits:") - at);
  auto c = parse_text(text);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_FALSE(c->links[0].groups.enabled);
}

// The acls section of kValid's link, appended after its limits.
const char* kAcls = R"yaml(    acls:
      target_principal: "User:strait"
      target_admin:
        properties:
          sasl.username: admin
          sasl.password: ${env:SRC_PASS}
      principals:
        - {source: "User:app", target: "User:app-new"}
        - {source_regex: "User:(team-.*)", target: "User:\\1"}
)yaml";

TEST(Config, AnAclsSectionTurnsAclSyncOnWithItsRulesAndAdminCredential) {
  auto plain = parse_text(kValid);
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  EXPECT_FALSE(plain->links[0].acls.enabled);
  auto c = parse_text(std::string(kValid) + kAcls);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  const acl_config& a = c->links[0].acls;
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.target_principal, "User:strait");
  ASSERT_EQ(a.principals.size(), 2u);
  EXPECT_EQ(a.principals[0].source, "User:app");
  EXPECT_EQ(a.principals[1].source_regex, "User:(team-.*)");
  EXPECT_EQ(a.principals[1].target, "User:\\1");
  const properties want{{"sasl.username", "admin"}, {"sasl.password", "s3cret-value"}};
  EXPECT_EQ(a.target_admin, want);
  // Laid over the target's properties: its bootstrap stays, a key replaced.
  const properties admin =
      overlay({{"bootstrap.servers", "b:9092"}, {"sasl.username", "strait"}}, a.target_admin);
  const properties merged{{"bootstrap.servers", "b:9092"},
                          {"sasl.username", "admin"},
                          {"sasl.password", "s3cret-value"}};
  EXPECT_EQ(admin, merged);
}

TEST(Config, AclsErrorsNameTheFieldAndNeverEchoTheAdminSecret) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"y(target_principal: "User:strait")y", "target_principal: \"strait\""},
      {R"y(target_principal: "User:strait")y", "target_prinsipal: x"},
      {"        properties:\n          sasl.username: admin",
       "        properties:\n          bootstrap.servers: elsewhere:9092\n          "
       "sasl.username: admin"},
      {R"y({source: "User:app", target: "User:app-new"})y", R"y({source: "User:app"})y"},
      {R"y({source: "User:app", target: "User:app-new"})y",
       R"y({source: "User:app", source_regex: "x", target: "User:y"})y"},
      {R"y(source_regex: "User:(team-.*)")y", R"y(source_regex: "User:(team-.*")y"},
      {R"y(target: "User:\\1"})y", R"y(target: "User:\\2"})y"},
      {R"y({source: "User:app", target: "User:app-new"})y",
       R"y({source: "app", target: "User:x"})y"},
      {R"y({source: "User:app", target: "User:app-new"})y",
       R"y({source: "User:app", target: "User:*"})y"},
  };
  const std::vector<std::string> fields = {"links[0].acls.target_principal",
                                           "links[0].acls.target_prinsipal",
                                           "acls.target_admin.properties.bootstrap.servers",
                                           "links[0].acls.principals[0].target",
                                           "links[0].acls.principals[0]",
                                           "links[0].acls.principals[1].source_regex",
                                           "links[0].acls.principals[1].target",
                                           "links[0].acls.principals[0].source",
                                           "links[0].acls.principals[0].target"};
  ASSERT_EQ(cases.size(), fields.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string acls = kAcls;
    auto at = acls.find(cases[i].first);
    ASSERT_NE(at, std::string::npos) << cases[i].first;
    acls.replace(at, cases[i].first.size(), cases[i].second);
    auto c = parse_text(std::string(kValid) + acls);
    ASSERT_FALSE(c.has_value()) << "accepted: " << acls;
    EXPECT_NE(c.error().message.find(fields[i]), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.find("s3cret-value"), std::string::npos) << c.error().message;
  }
  // Without target_admin's properties (an administrator's credential).
  std::string acls = kAcls;
  acls.erase(acls.find("      target_admin:"),
             acls.find("      principals:") - acls.find("      target_admin:"));
  auto c = parse_text(std::string(kValid) + acls);
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("links[0].acls.target_admin.properties"), std::string::npos)
      << c.error().message;
}

// A fence section (docs/cutover.md#the-source-fence): strait's own source
// principal and an administrator's credential on the source.
const char* kFence = R"yaml(    fence:
      source_principal: "User:strait"
      source_admin:
        properties:
          sasl.username: admin
          sasl.password: ${env:SRC_PASS}
)yaml";

TEST(Config, AFenceSectionTurnsTheSourceFenceOnWithItsAdminCredential) {
  auto plain = parse_text(kValid);
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  EXPECT_FALSE(plain->links[0].fence.enabled);
  auto c = parse_text(std::string(kValid) + kFence);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  const fence_config& f = c->links[0].fence;
  EXPECT_TRUE(f.enabled);
  EXPECT_EQ(f.source_principal, "User:strait");
  const properties want{{"sasl.username", "admin"}, {"sasl.password", "s3cret-value"}};
  EXPECT_EQ(f.source_admin, want);
}

TEST(Config, FenceErrorsNameTheFieldAndNeverEchoTheAdminSecret) {
  const std::string admin_section =
      "      source_admin:\n        properties:\n          sasl.username: admin\n"
      "          sasl.password: ${env:SRC_PASS}\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"y(source_principal: "User:strait")y", R"y(source_principal: "User:*")y"},
      {R"y(source_principal: "User:strait")y", "source_prinsipal: x"},
      {"          sasl.username: admin",
       "          metadata.broker.list: elsewhere:9092\n          sasl.username: admin"},
      {admin_section, ""},
  };
  const std::vector<std::string> fields = {
      "links[0].fence.source_principal", "links[0].fence.source_prinsipal",
      "links[0].fence.source_admin.properties.metadata.broker.list",
      "links[0].fence.source_admin.properties"};
  ASSERT_EQ(cases.size(), fields.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string fence = kFence;
    auto at = fence.find(cases[i].first);
    ASSERT_NE(at, std::string::npos) << cases[i].first;
    fence.replace(at, cases[i].first.size(), cases[i].second);
    auto c = parse_text(std::string(kValid) + fence);
    ASSERT_FALSE(c.has_value()) << "accepted: " << fence;
    EXPECT_NE(c.error().message.find(fields[i]), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.find("s3cret-value"), std::string::npos) << c.error().message;
  }
}

// Each broken field gets its own message naming it.
struct bad_case {
  std::string from, to, field;
};

class ConfigErrors : public ::testing::TestWithParam<bad_case> {};

TEST_P(ConfigErrors, NamesTheField) {
  std::string text = kValid;
  auto at = text.find(GetParam().from);
  ASSERT_NE(at, std::string::npos) << GetParam().from;
  text.replace(at, GetParam().from.size(), GetParam().to);
  auto c = parse_text(text);
  ASSERT_FALSE(c.has_value()) << "accepted: " << text;
  EXPECT_EQ(c.error().code, errc::invalid_argument);
  EXPECT_NE(c.error().message.find(GetParam().field), std::string::npos)
      << "message: " << c.error().message;
  // A secret never appears in an error.
  EXPECT_EQ(c.error().message.find("s3cret-value"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, ConfigErrors,
    ::testing::Values(
        bad_case{"  state_dir: /tmp/strait\n", "  log_level: info\n", "daemon.state_dir: missing"},
        bad_case{"- name: main", "- name: 'bad name!'", "links[0].name"},
        bad_case{"bootstrap.servers: a:9092", "bootstrapservers: a:9092",
                 "links[0].source.properties.bootstrap.servers: missing"},
        bad_case{"${env:SRC_PASS}", "${env:MISSING_VAR}",
                 "links[0].source.properties.sasl.password: environment variable MISSING_VAR"},
        bad_case{"${env:SRC_PASS}", "${file:/nonexistent/secret}",
                 "secret file cannot read /nonexistent/secret (No such file"},
        bad_case{"${env:SRC_PASS}", "${vault:x}", "unknown reference"},
        bad_case{"bootstrap.servers: b:9092", "bootstrap.servers: b:9092\n        acks: '1'",
                 "links[0].target.properties.acks: set by strait"},
        bad_case{"bootstrap.servers: a:9092",
                 "bootstrap.servers: a:9092\n        isolation.level: read_uncommitted",
                 "links[0].source.properties.isolation.level"},
        bad_case{"include: [\"orders\\\\..*\", \"payments\"]", "include: [\"orders(\"]",
                 "links[0].topics.include[0]: invalid regex"},
        bad_case{"include: [\"orders\\\\..*\", \"payments\"]", "include: []",
                 "links[0].topics.include: at least one regex"},
        bad_case{"exclude: [\"orders\\\\.tmp.*\"]", "exclude: [\"[z-a]\"]",
                 "links[0].topics.exclude[0]: invalid regex"},
        bad_case{"prefix: \"mig.\"", "prefix: \"mig/\"", "links[0].topics.prefix"},
        // A link from a cluster to itself without a prefix: the same broker,
        // in another case and with a listener scheme, among others.
        bad_case{
            "bootstrap.servers: b:9092\n    topics:\n      include: [\"orders\\\\..*\", "
            "\"payments\"]\n"
            "      exclude: [\"orders\\\\.tmp.*\"]\n      prefix: \"mig.\"",
            "bootstrap.servers: c:1, PLAINTEXT://A:9092\n    topics:\n      include: [x]",
            "links[0].target.properties.bootstrap.servers: names a:9092, a broker of the source"},
        bad_case{"prefix: \"mig.\"", "prefix: \"mig.\"\n      inclde: [x]",
                 "links[0].topics.inclde: unknown field"},
        bad_case{"partition_inflight_bytes: 4MiB", "partition_inflight_bytes: lots",
                 "links[0].limits.partition_inflight_bytes: must be a positive size"},
        bad_case{"link_inflight_bytes: 32MiB", "link_inflight_bytes: 1MiB",
                 "links[0].limits.link_inflight_bytes: must be at least"},
        bad_case{
            "  state_dir: /tmp/strait\n", "  state_dir: /tmp/strait\n  shards: {count: 2}\n",
            "daemon.shards.ordinal: missing; give this straitd's ordinal, 0 to 1, or hostname"},
        bad_case{"  state_dir: /tmp/strait\n",
                 "  state_dir: /tmp/strait\n  shards: {count: 2, ordinal: 2}\n",
                 "daemon.shards.ordinal: must be 0 to 1 (daemon.shards.count is 2), got 2"},
        bad_case{"  state_dir: /tmp/strait\n",
                 "  state_dir: /tmp/strait\n  shards: {count: 2, ordinal: pod-1}\n",
                 "daemon.shards.ordinal: must be a number, 0 to 1, or hostname (a StatefulSet pod "
                 "NAME-i), got 'pod-1'"},
        bad_case{"  state_dir: /tmp/strait\n",
                 "  state_dir: /tmp/strait\n  shards: {count: 65, ordinal: 0}\n",
                 "daemon.shards.count: must be 1 to 64, got 65"},
        bad_case{"  state_dir: /tmp/strait\n", "  state_dir: /tmp/strait\n  shards: 2\n",
                 "daemon.shards: must be a map with count and ordinal"},
        bad_case{"  state_dir: /tmp/strait\n",
                 "  state_dir: /tmp/strait\n  shards: {count: 2, ordinal: 0, ordnial: 1}\n",
                 "daemon.shards.ordnial: unknown field"},
        bad_case{"link_inflight_bytes: 32MiB",
                 "link_inflight_bytes: 32MiB\n      engine_threads: 0",
                 "links[0].limits.engine_threads: must be 1 to 8"},
        bad_case{"link_inflight_bytes: 32MiB",
                 "link_inflight_bytes: 32MiB\n      engine_threads: 9",
                 "links[0].limits.engine_threads: must be 1 to 8"},
        bad_case{"link_inflight_bytes: 32MiB",
                 "link_inflight_bytes: 32MiB\n      engine_threads: two",
                 "links[0].limits.engine_threads"},
        // 4MiB per partition does not fit a 16MiB link's eighth.
        bad_case{"link_inflight_bytes: 32MiB",
                 "link_inflight_bytes: 16MiB\n      engine_threads: 8",
                 "links[0].limits.partition_inflight_bytes: must be at most "
                 "limits.link_inflight_bytes / limits.engine_threads (2097152 bytes)"},
        bad_case{"prefix: \"mig.\"", "prefix: \"mig.\"\n      replication_factor: 0",
                 "links[0].topics.replication_factor"},
        bad_case{"prefix: \"mig.\"", "prefix: \"mig.\"\n      refresh_interval_ms: 60000",
                 "links[0].topics.refresh_interval_ms"},
        bad_case{"prefix: \"mig.\"", "prefix: \"mig.\"\n      config_sync: always",
                 "links[0].topics.config_sync: must be created"},
        bad_case{"prefix: \"mig.\"", "prefix: \"mig.\"\n      config_sync_interval_ms: 10",
                 "links[0].topics.config_sync_interval_ms: must be between 1000 and 86400000"},
        bad_case{"include: [\"billing-.*\"]", "include: [\"billing-(\"]",
                 "links[0].groups.include[0]: invalid regex"},
        bad_case{"include: [\"billing-.*\"]", "include: []",
                 "links[0].groups.include: at least one regex"},
        bad_case{"exclude: [\"billing-test\"]", "sync_interval_ms: 0",
                 "links[0].groups.sync_interval_ms"},
        bad_case{"exclude: [\"billing-test\"]", "groupz: [x]", "links[0].groups.groupz"},
        bad_case{"exclude: [\"billing-test\"]",
                 "exclude: [\"billing-test\"]\n    migration: {in_sync_max_lag_records: -1}",
                 "links[0].migration.in_sync_max_lag_records"},
        // Issue 11: 8589934592GiB overflowed int64 and passed; mirroring stalled.
        bad_case{"partition_inflight_bytes: 4MiB", "partition_inflight_bytes: 8589934592GiB",
                 "links[0].limits.partition_inflight_bytes: '8589934592GiB' is more than 1 TiB"},
        bad_case{"link_inflight_bytes: 32MiB", "link_inflight_bytes: 9223372036854775807",
                 "links[0].limits.link_inflight_bytes: '9223372036854775807' is more than 1 TiB"},
        // Issue 11: a key given twice was accepted (YAML kept one silently).
        bad_case{"sasl.password: ${env:SRC_PASS}",
                 "sasl.password: ${env:SRC_PASS}\n        sasl.password: other",
                 "links[0].source.properties.sasl.password: given twice"},
        bad_case{"daemon:\n", "daemon:\n  log_level: info\n  log_level: debug\n",
                 "daemon.log_level: given twice"},
        bad_case{"daemon:\n", "daemon:\n  api_listen: nowhere\n", "daemon.api_listen"},
        bad_case{"daemon:\n", "daemon:\n  api_listen: 0.0.0.0:9645\n",
                 "daemon.api_listen: '0.0.0.0:9645' is not a loopback address"},
        // Issue 11: TLS alone on a public address made every caller admin.
        bad_case{"daemon:\n",
                 "daemon:\n  api_listen: 0.0.0.0:9645\n  api_security: {cert_file: /c, "
                 "key_file: /k}\n",
                 "daemon.api_security: the API listens on '0.0.0.0:9645' with neither "
                 "client_ca_file nor tokens_file"},
        bad_case{"daemon:\n",
                 "daemon:\n  api_listen: 0.0.0.0:9645\n  api_security: {cert_file: /c, "
                 "key_file: /k, tokens_file: /t, allow_anonymous_admin: maybe}\n",
                 "daemon.api_security.allow_anonymous_admin"},
        bad_case{"  state_dir: /tmp/strait\n", "  state_dir: \"\"\n", "daemon.state_dir: empty"},
        bad_case{"daemon:\n", "daemon:\n  api_security: {cert_file: /c}\n",
                 "daemon.api_security.key_file"},
        bad_case{"daemon:\n", "daemon:\n  api_security: {client_ca_file: /ca}\n",
                 "daemon.api_security.client_ca_file"},
        bad_case{"daemon:\n", "daemon:\n  log_level: loud\n", "daemon.log_level"},
        bad_case{"daemon:\n", "daemon:\n  http_listen: nowhere\n", "daemon.http_listen"},
        bad_case{"links:\n",
                 "links:\n  - name: main\n    source: {properties: "
                 "{bootstrap.servers: x}}\n    target: {properties: "
                 "{bootstrap.servers: y}}\n    topics: {include: [a]}\n",
                 "is used by another link"}));

TEST(Config, APublicTlsApiMayServeAnonymousAdminsOnlyWhenSaidSo) {
  for (const char* who :
       {"client_ca_file: /ca", "tokens_file: /t", "allow_anonymous_admin: true"}) {
    auto c = parse_text(std::string(kValid).replace(
        std::string(kValid).find("daemon:\n"), 8,
        std::string("daemon:\n  api_listen: 0.0.0.0:9645\n  api_security: {cert_file: /c, "
                    "key_file: /k, ") +
            who + "}\n"));
    ASSERT_TRUE(c.has_value()) << who << ": " << c.error().message;
    EXPECT_EQ(c->daemon.api_security.allow_anonymous_admin,
              std::string_view(who).starts_with("allow"));
  }
}

TEST(Config, AliasBombsAreRefusedQuickly) {
  // 10^8 nodes once aliases are expanded, from a few hundred bytes.
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 8; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) text += (j ? ", " : "") + prev;
    text += "]\n";
  }
  auto c = parse_text(text + kValid);
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("more than 200000 nodes"), std::string::npos)
      << c.error().message;
}

// Found by fuzz_config: an alias inside its own anchor overflowed the stack.
TEST(Config, AnAliasThatContainsItselfIsRefused) {
  auto c = parse_text(std::string(kValid) + "a0: &a [x, *a]\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("nested deeper than 64 levels"), std::string::npos)
      << c.error().message;
}

TEST(Config, ReportsEveryProblemAtOnce) {
  auto c = parse_text("daemon: {}\nlinks: [{name: x, topics: {include: ['(']}}]\n");
  ASSERT_FALSE(c.has_value());
  for (const char* field :
       {"daemon.state_dir", "links[0].source", "links[0].target", "links[0].topics.include[0]"}) {
    EXPECT_NE(c.error().message.find(field), std::string::npos) << c.error().message;
  }
}

TEST(Config, InvalidYamlGivesLine) {
  auto c = parse_text("daemon:\n  state_dir: [unclosed\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("line"), std::string::npos);
}

TEST(Config, AFileWithoutLinksIsValidLinksMayComeFromTheApi) {
  for (const char* links : {"", "links: []\n"}) {
    auto c = parse_text(std::string("daemon:\n  state_dir: /tmp/strait\n") + links);
    ASSERT_TRUE(c.has_value()) << c.error().message;
    EXPECT_TRUE(c->links.empty());
  }
  auto bad = parse_text("daemon:\n  state_dir: /tmp/strait\nlinks: main\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("links: must be a list"), std::string::npos);
}

TEST(Config, ApiLinkHasTheFileRulesAndKeepsNoSecret) {
  auto env = [](const std::string& name) -> std::optional<std::string> {
    auto it = kEnv.find(name);
    if (it == kEnv.end()) return std::nullopt;
    return it->second;
  };
  const std::string ok =
      "name: side\nsource: {properties: {bootstrap.servers: a:9092, sasl.password: "
      "\"${env:STRAIT_SECRET_SRC}\"}}\ntarget: {properties: {bootstrap.servers: b:9092}}\n"
      "topics: {include: [\"x.*\"], prefix: \"side.\"}\n";
  const reference_policy api = api_link_references("");
  auto l = parse_link_yaml(ok, env, api);
  ASSERT_TRUE(l.has_value()) << l.error().message;
  EXPECT_EQ(l->name, "side");
  EXPECT_EQ(l->source.props[1].second, "s3cret-value");
  EXPECT_EQ(l->topics.target_name("x1"), "side.x1");

  for (const char* key : {"sasl.password", "ssl.key.password", "sasl.jaas.config",
                          "ssl.keystore.key", "sasl.oauthbearer.client.secret",
                          "sasl.oauthbearer.config", "sasl.username", "ssl.key.pem"}) {
    auto literal = parse_link_yaml(
        "name: side\nsource: {properties: {bootstrap.servers: a:9092, " + std::string(key) +
            ": hunter2}}\ntarget: {properties: {bootstrap.servers: b:9092}}\n"
            "topics: {include: [\"x\"]}\n",
        env, api);
    ASSERT_FALSE(literal.has_value()) << key;
    EXPECT_NE(literal.error().message.find(std::string("link.source.properties.") + key),
              std::string::npos)
        << literal.error().message;
    EXPECT_EQ(literal.error().message.find("hunter2"), std::string::npos) << "never echoed";
  }
  auto bad = parse_link_yaml("name: 'bad name'\nsource: {}\n", env, api);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("link.name"), std::string::npos);
  EXPECT_NE(bad.error().message.find("link.target"), std::string::npos) << "every problem";
}

std::optional<std::string> test_env(const std::string& name) {
  auto it = kEnv.find(name);
  if (it == kEnv.end()) return std::nullopt;
  return it->second;
}

// A link whose source has `key: value` (YAML-quoted), checked under `policy`.
result<link_config> link_with(const std::string& key, const std::string& value,
                              const reference_policy& policy) {
  return parse_link_yaml("name: side\nsource: {properties: {bootstrap.servers: a:9092, " + key +
                             ": \"" + value +
                             "\"}}\ntarget: {properties: {bootstrap.servers: b:9092}}\n"
                             "topics: {include: [\"x\"]}\n",
                         test_env, policy);
}

std::string error_of(const result<link_config>& l) {
  return l.has_value() ? std::string("(accepted)") : l.error().message;
}

// Issue 11: an admin read any file or variable of straitd's host through a
// reference in a property whose value librdkafka or ListLinks echoes.
TEST(Config, ApiLinksResolveReferencesOnlyInCredentialProperties) {
  const reference_policy api = api_link_references("");
  for (const char* key : {"compression.type", "bootstrap.servers", "client.id"}) {
    auto l = link_with(key, "${env:STRAIT_SECRET_SRC}", api);
    ASSERT_FALSE(l.has_value()) << key;
    EXPECT_NE(l.error().message.find("resolved only in credential properties"), std::string::npos)
        << l.error().message;
    EXPECT_EQ(l.error().message.find("s3cret"), std::string::npos);
  }
  for (const char* key : {"sasl.password", "sasl.username", "ssl.key.password", "ssl.key.pem",
                          "sasl.oauthbearer.config", "sasl.oauthbearer.client.secret"}) {
    EXPECT_TRUE(is_secret_property(key)) << key;
    EXPECT_TRUE(link_with(key, "${env:STRAIT_SECRET_SRC}", api).has_value()) << key;
  }
  for (const char* key :
       {"ssl.key.location", "ssl.keystore.location", "bootstrap.servers", "compression.type",
        "security.protocol", "sasl.mechanism", "sasl.oauthbearer.token.endpoint.url"}) {
    EXPECT_FALSE(is_secret_property(key)) << key;
  }
}

// The config file is the host operator's own: references anywhere, and a
// credential may combine references and text.
TEST(Config, FileLinksResolveReferencesInAnyProperty) {
  std::string text = kValid;
  text.replace(text.find("sasl.password: ${env:SRC_PASS}"), 30,
               "sasl.oauthbearer.config: \"principal=x secret=${env:SRC_PASS}\"");
  text.replace(text.find("bootstrap.servers: a:9092"), 25, "bootstrap.servers: ${env:BOOT}");
  auto c = parse(text, [](const std::string& name) -> std::optional<std::string> {
    if (name == "BOOT") return "a:9092";
    return test_env(name);
  });
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->links[0].source.bootstrap(), "a:9092");
  EXPECT_EQ(c->links[0].source.props[1].second, "principal=x secret=s3cret-value");
}

// Review of issue 11: an API admin ran a command on straitd's host through
// sasl.kerberos.kinit.cmd, and could point librdkafka at any file.
TEST(Config, ApiLinksRunNoCodeAndReadNoFileOutsideTheSecretsDirectory) {
  testing::temp_dir secrets;
  std::ofstream(secrets.path() / "ca.pem") << "x";
  const reference_policy api = api_link_references(secrets.path());
  for (const char* key : {"sasl.kerberos.kinit.cmd", "plugin.library.paths", "ssl.engine.location",
                          "ssl.providers"}) {
    const std::string msg = error_of(link_with(key, "touch /tmp/pwned", api));
    EXPECT_NE(msg.find("runs a command or loads code"), std::string::npos) << key << ": " << msg;
  }
  EXPECT_NE(error_of(link_with("ssl.ca.location", "/etc/ssl/private/host.key", api))
                .find("only files in daemon.secrets_dir"),
            std::string::npos);
  EXPECT_NE(error_of(link_with("sasl.kerberos.keytab", "/etc/krb5.keytab", api))
                .find("only files in daemon.secrets_dir"),
            std::string::npos);
  auto ok = link_with("ssl.ca.location", (secrets.path() / "ca.pem").string(), api);
  EXPECT_TRUE(ok.has_value()) << ok.error().message;
  // Without a usable daemon.secrets_dir the error says what is wrong with it.
  EXPECT_NE(error_of(link_with("ssl.ca.location", "/etc/ssl/ca.pem", api_link_references("")))
                .find("(which is not set)"),
            std::string::npos);
  EXPECT_NE(error_of(link_with("ssl.ca.location", (secrets.path() / "gone/ca.pem").string(),
                               api_link_references(secrets.path() / "gone")))
                .find("(which is unreadable ("),
            std::string::npos);
}

// Review of issue 13 (ACL sync): acls.target_admin's properties of an API
// link are checked as the clusters' are: no plaintext credential stored, no
// command run, no file outside the secrets directory.
TEST(Config, ApiLinksCheckTheAclAdminsPropertiesAsTheClusters) {
  const reference_policy api = api_link_references("");
  auto with_admin = [&](const std::string& props) {
    return parse_link_yaml(
        "name: side\nsource: {properties: {bootstrap.servers: a:9092}}\n"
        "target: {properties: {bootstrap.servers: b:9092}}\ntopics: {include: [\"x\"]}\n"
        "acls: {target_principal: \"User:strait\", target_admin: {properties: {" +
            props + "}}}\n",
        test_env, api);
  };
  EXPECT_TRUE(with_admin("sasl.password: \"${env:STRAIT_SECRET_SRC}\"").has_value());
  const std::string plain = error_of(with_admin("sasl.password: \"plain-pw\""));
  EXPECT_NE(plain.find("link.acls.target_admin.properties.sasl.password"), std::string::npos)
      << plain;
  EXPECT_NE(plain.find("stores no secret"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("plain-pw"), std::string::npos) << plain;
  EXPECT_NE(error_of(with_admin("sasl.kerberos.kinit.cmd: \"touch /tmp/pwned\""))
                .find("runs a command or loads code"),
            std::string::npos);
  EXPECT_NE(error_of(with_admin("metadata.broker.list: \"elsewhere:9092\""))
                .find("acls.target_admin.properties.metadata.broker.list"),
            std::string::npos);
  // The fence's source admin alike.
  const std::string fence = error_of(parse_link_yaml(
      "name: side\nsource: {properties: {bootstrap.servers: a:9092}}\n"
      "target: {properties: {bootstrap.servers: b:9092}}\ntopics: {include: [\"x\"]}\n"
      "fence: {source_principal: \"User:strait\", source_admin: {properties: {sasl.password: "
      "\"plain-pw\", sasl.kerberos.kinit.cmd: \"touch /tmp/pwned\"}}}\n",
      test_env, api));
  EXPECT_NE(fence.find("link.fence.source_admin.properties.sasl.password"), std::string::npos)
      << fence;
  EXPECT_NE(fence.find("runs a command or loads code"), std::string::npos) << fence;
  EXPECT_EQ(fence.find("plain-pw"), std::string::npos) << fence;
}

TEST(Config, SecretFilesAreRegularBoundedAndNeverBlock) {
  testing::temp_dir dir;
  const reference_policy any;
  const auto fifo = dir.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto big = dir.path() / "big";
  std::ofstream(big) << std::string(64 * 1024 + 1, 'x');
  const auto ok = dir.path() / "ok";
  std::ofstream(ok) << "pw\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {fifo.string(), "is not a regular file"},  // once: blocked CreateLink for good
      {"/dev/zero", "is not a regular file"},    // once: 2.1 GB of straitd's memory
      {dir.path().string(), "is not a regular file"},
      {big.string(), "is larger than 65536 bytes"},
      {"relative/path", "must be absolute"},
      {(dir.path() / "missing").string(), "secret file cannot read"},
  };
  for (const auto& [path, why] : cases) {
    const std::string msg = error_of(link_with("sasl.password", "${file:" + path + "}", any));
    EXPECT_NE(msg.find("link.source.properties.sasl.password"), std::string::npos) << msg;
    EXPECT_NE(msg.find(why), std::string::npos) << path << ": " << msg;
  }
  auto l = link_with("sasl.password", "${file:" + ok.string() + "}", any);
  ASSERT_TRUE(l.has_value()) << l.error().message;
  EXPECT_EQ(l->source.props[1].second, "pw");
}

TEST(Config, ApiLinksReadOnlyTheirSecretsDirectoryAndPrefixedVariables) {
  testing::temp_dir secrets;
  testing::temp_dir elsewhere;
  std::ofstream(secrets.path() / "source-password") << "pw\n";
  std::ofstream(elsewhere.path() / "host-secret") << "not yours\n";
  std::filesystem::create_symlink(elsewhere.path() / "host-secret", secrets.path() / "link");
  std::filesystem::create_directory(secrets.path() / "sub");
  const reference_policy api = api_link_references(secrets.path());

  auto l = link_with("sasl.password",
                     "${file:" + (secrets.path() / "source-password").string() + "}", api);
  ASSERT_TRUE(l.has_value()) << l.error().message;
  EXPECT_EQ(l->source.props[1].second, "pw");
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"${file:" + (elsewhere.path() / "host-secret").string() + "}", "outside daemon.secrets_dir"},
      {"${file:" + (secrets.path() / "link").string() + "}", "outside daemon.secrets_dir"},
      {"${file:" + (secrets.path() / "sub/../../").string() + elsewhere.path().filename().string() +
           "/host-secret}",
       "outside daemon.secrets_dir"},
      {"${file:/etc/passwd}", "outside daemon.secrets_dir"},
      // The same answer whether a path outside exists or not: no probing.
      {"${file:/nonexistent-dir/x}", "outside daemon.secrets_dir"},
      {"${env:SRC_PASS}", "only variables named STRAIT_SECRET_*"},
      {"${env:STRAIT_SECRET_SRC}literal", "exactly one reference"},
      {"x${env:STRAIT_SECRET_SRC}", "exactly one reference"},
      {"${env:STRAIT_SECRET_SRC}${env:STRAIT_SECRET_SRC}", "exactly one reference"},
  };
  for (const auto& [value, why] : refused) {
    const std::string msg = error_of(link_with("sasl.password", value, api));
    EXPECT_NE(msg.find(why), std::string::npos) << value << ": " << msg;
    EXPECT_EQ(msg.find("not yours"), std::string::npos);
  }
  EXPECT_TRUE(link_with("sasl.password", "${env:STRAIT_SECRET_SRC}", api).has_value());
  // Without daemon.secrets_dir, no file at all.
  const std::string msg = error_of(
      link_with("sasl.password", "${file:" + (secrets.path() / "source-password").string() + "}",
                api_link_references("")));
  EXPECT_NE(msg.find("daemon.secrets_dir, which is not set"), std::string::npos) << msg;
}

TEST(TopicFilter, IncludeExcludeAndInternal) {
  auto f = topic_filter::make({"orders\\..*", "payments"}, {"orders\\.tmp.*"}, true, "t");
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->matches("orders.eu"));
  EXPECT_TRUE(f->matches("payments"));
  EXPECT_FALSE(f->matches("payments2"));  // full match, not substring
  EXPECT_FALSE(f->matches("orders.tmp1"));
  EXPECT_FALSE(f->matches("other"));
  auto all = topic_filter::make({".*"}, {}, true, "t");
  EXPECT_FALSE(all->matches("__consumer_offsets"));
  auto with_internal = topic_filter::make({".*"}, {}, false, "t");
  EXPECT_TRUE(with_internal->matches("__consumer_offsets"));
}

// Issue 11: a group id may hold any byte; ".*" must select one with a
// newline (a staged group's check against the excludes used ".*").
TEST(TopicFilter, DotMatchesEveryCharacterANewlineToo) {
  auto all = topic_filter::make({".*"}, {"tmp\\..*"}, false, "g");
  ASSERT_TRUE(all.has_value());
  EXPECT_TRUE(all->matches("billing\nforged line"));
  EXPECT_TRUE(all->matches(std::string("nul\0inside", 11)));
  EXPECT_FALSE(all->matches("tmp.x\ny")) << "excludes match across the newline too";
  // Hostile review: RE2's '.' never matches bytes that are not UTF-8; ".*"
  // still selects such a name.
  EXPECT_TRUE(all->matches("g\xff"));
  auto prefix = topic_filter::make({"g.*"}, {}, false, "g");
  EXPECT_FALSE(prefix->matches("g\xff")) << "other patterns match UTF-8 text only (documented)";
}

TEST(TopicFilter, PathologicalPatternRunsInLinearTime) {
  // Catastrophic for backtracking engines; RE2 answers at once.
  auto f = topic_filter::make({"(a+)+$"}, {}, true, "t");
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->matches(std::string(5000, 'a') + "!"));
}

TEST(ConfigPattern, PrefixWildcard) {
  EXPECT_TRUE(matches_config_pattern("local.retention.*", "local.retention.ms"));
  EXPECT_FALSE(matches_config_pattern("local.retention.*", "retention.ms"));
  EXPECT_TRUE(matches_config_pattern("*", "anything"));
  EXPECT_TRUE(matches_config_pattern("retention.ms", "retention.ms"));
  EXPECT_FALSE(matches_config_pattern("retention.ms", "retention.bytes"));
}

// A schemas section (ADR 0027): two registries, the target's kind, the
// subjects; the credentials only by reference and never echoed.
const char* kSchemas = R"yaml(    schemas:
      source:
        url: https://src-registry.example.com:8081/base/
        credentials: ${env:REG_CRED}
      target:
        url: http://127.0.0.1:8080
        kind: apicurio
      exclude: ["_.*"]
)yaml";

TEST(Config, ASchemasSectionNamesBothRegistriesAndTheTargetsKind) {
  auto plain = parse_text(kValid);
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  EXPECT_FALSE(plain->links[0].schemas.enabled);
  auto c = parse_text(std::string(kValid) + kSchemas);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  const schemas_config& s = c->links[0].schemas;
  EXPECT_TRUE(s.enabled);
  EXPECT_TRUE(s.source.tls);
  EXPECT_EQ(s.source.host, "src-registry.example.com");
  EXPECT_EQ(s.source.port, 8081);
  EXPECT_EQ(s.source.base_path, "/base");
  EXPECT_EQ(s.source.credentials, "alice:s3cret-value");
  EXPECT_FALSE(s.target.tls);
  EXPECT_EQ(s.target.host, "127.0.0.1");
  EXPECT_EQ(s.target.port, 8080);
  EXPECT_EQ(s.target.base_path, "");
  EXPECT_EQ(s.kind, schemas_config::target_kind::apicurio);
  EXPECT_EQ(s.source_kind, schemas_config::target_kind::confluent) << "the source's default";
  EXPECT_EQ(s.include, std::vector<std::string>{".*"});
  EXPECT_EQ(s.exclude, std::vector<std::string>{"_.*"});
  // An Apicurio source is read by its rules too.
  std::string apicurio_source = std::string(kValid) + kSchemas;
  apicurio_source.replace(apicurio_source.find("        credentials:"), 0,
                          "        kind: apicurio\n");
  auto a = parse_text(apicurio_source);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->links[0].schemas.source_kind, schemas_config::target_kind::apicurio);
}

TEST(Config, SchemasErrorsNameTheFieldAndNeverEchoTheCredential) {
  struct change {
    std::string from, to, field, says;
  };
  const std::vector<change> cases = {
      {"kind: apicurio", "kind: karapace", "links[0].schemas.target.kind", "is not a kind"},
      {"        kind: apicurio\n", "", "links[0].schemas.target.kind", "missing"},
      {"        credentials:", "        kind: karapace\n        credentials:",
       "links[0].schemas.source.kind", "is not a kind"},
      {"http://127.0.0.1:8080", "http://127.0.0.1:8080/apis/ccompat/v7/",
       "links[0].schemas.target.url", "give the registry's root URL"},
      {"http://127.0.0.1:8080", "http://registry.example.com", "links[0].schemas.target.url",
       "allow_plaintext"},
      {"http://127.0.0.1:8080", "ftp://x", "links[0].schemas.target.url", "https://"},
      {"http://127.0.0.1:8080", "https://user:pw@x", "links[0].schemas.target.url",
       "user information"},
      {"http://127.0.0.1:8080", "https://x:99999", "links[0].schemas.target.url", "port"},
      {"http://127.0.0.1:8080", "\"https://x:\"", "links[0].schemas.target.url", "empty port"},
      // A name that starts like a loopback address is not one.
      {"http://127.0.0.1:8080", "http://127.0.0.1.example.com:8080", "links[0].schemas.target.url",
       "allow_plaintext"},
      {"        kind: apicurio\n", "        kind: apicurio\n        ca_file: /etc/ca.pem\n",
       "links[0].schemas.target.ca_file", "plain http"},
      {"http://127.0.0.1:8080", "https://x/?a=b", "links[0].schemas.target.url", "query"},
      {"http://127.0.0.1:8080", "https://src-registry.example.com:8081/base",
       "links[0].schemas.target.url", "the source registry's URL"},
      {"${env:REG_CRED}", "alice:plain", "links[0].schemas.source.credentials",
       "must be a reference"},
      {"${env:REG_CRED}", "${env:NOPE}", "links[0].schemas.source.credentials", "not set"},
      {"exclude: [\"_.*\"]", "exclude: [\"(\"]", "links[0].schemas.exclude[0]", "invalid regex"},
      {"exclude: [\"_.*\"]", "subjects: [x]", "links[0].schemas.subjects", "unknown"},
      {"        kind: apicurio\n", "        kind: apicurio\n        ca_file: relative.pem\n",
       "links[0].schemas.target.ca_file", "absolute"},
  };
  for (const auto& k : cases) {
    std::string schemas = kSchemas;
    const auto at = schemas.find(k.from);
    ASSERT_NE(at, std::string::npos) << k.from;
    schemas.replace(at, k.from.size(), k.to);
    auto c = parse_text(std::string(kValid) + schemas);
    ASSERT_FALSE(c.has_value()) << "accepted: " << schemas;
    EXPECT_NE(c.error().message.find(k.field), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find(k.says), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.find("s3cret-value"), std::string::npos) << c.error().message;
  }
  // A credential that is not "user:password" is refused without echoing it.
  auto c = parse(std::string(kValid) + kSchemas,
                 [](const std::string&) { return std::optional<std::string>("no-colon-s3cret"); });
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("user:password"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("no-colon-s3cret"), std::string::npos) << c.error().message;
  // Plain http to another host when the operator says the network is trusted.
  std::string trusted = kSchemas;
  trusted.replace(trusted.find("http://127.0.0.1:8080"), 21,
                  "http://registry.internal\n        allow_plaintext: true");
  auto ok = parse_text(std::string(kValid) + trusted);
  EXPECT_TRUE(ok.has_value()) << ok.error().message;
}

// A link created through the API: the CA file in the secrets directory, the
// credential a STRAIT_SECRET_ reference.
TEST(Config, ApiLinksKeepTheRegistriesFilesInTheSecretsDirectory) {
  testing::temp_dir secrets;
  std::ofstream(secrets.path() / "ca.pem") << "x";
  const reference_policy api = api_link_references(secrets.path());
  auto link = [&](const std::string& source) {
    return parse_link_yaml(
        "name: side\nsource: {properties: {bootstrap.servers: a:9092}}\n"
        "target: {properties: {bootstrap.servers: b:9092}}\ntopics: {include: [\"x\"]}\n"
        "schemas: {source: {" +
            source + "}, target: {url: \"https://t\", kind: confluent}}\n",
        test_env, api);
  };
  auto ok = link("url: \"https://s\", credentials: \"${env:STRAIT_SECRET_REG}\", ca_file: \"" +
                 (secrets.path() / "ca.pem").string() + "\"");
  EXPECT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_NE(error_of(link("url: \"https://s\", ca_file: /etc/ssl/certs/ca.pem"))
                .find("link.schemas.source.ca_file: a link created through the API may name "
                      "only files in daemon.secrets_dir"),
            std::string::npos);
  EXPECT_NE(
      error_of(link("url: \"https://s\", credentials: \"${env:REG_CRED}\"")).find("STRAIT_SECRET_"),
      std::string::npos);
}

}  // namespace
}  // namespace strait::config
