// Shared by the integration suites: two real Kafka clusters started by
// scripts/kafka for the whole run, the real straitd binary as a child
// process, and helpers around the Kafka distribution's Java tools.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kafka_records.h"
#include "process.h"
#include "strait/base/types.h"
#include "test_util.h"

namespace strait::integration {

extern const std::string kRoot;

// Runs scripts/kafka with `args`; returns its stdout, throws on failure.
std::string kafka_tool(const std::string& args);

// Two KRaft clusters for the whole run. The source's log cleaner looks for
// work every second so compaction tests need not wait 15 s.
class clusters_env : public ::testing::Environment {
 public:
  // `start_options`: scripts/kafka start options of both clusters; empty
  // for one PLAINTEXT node each (the main suite). With security, straitd and
  // the test clients log in as user strait, the Kafka tools as admin.
  explicit clusters_env(std::string start_options = "") : options_(std::move(start_options)) {}
  void SetUp() override;
  void TearDown() override;
  std::string source, target;
  std::string source_name, target_name;  // for scripts/kafka (kill-node, start-node)
  // straitd's extra properties for each (flow YAML: `key: "value", ...`; the
  // password as a ${file:} reference); empty without security.
  std::string source_props, target_props;
  // Arguments a Kafka tool needs for the cluster at `bootstrap`
  // (" --command-config FILE" of the admin), or "".
  [[nodiscard]] std::string tool_auth(const std::string& bootstrap) const;
  // The super user admin's credential for straitd (flow YAML: sasl.username
  // and sasl.password as a ${file:} reference) on the cluster at
  // `bootstrap`, e.g. for acls.target_admin; "" without security.
  [[nodiscard]] std::string admin_credential(const std::string& bootstrap) const;
  // librdkafka properties that log in as `user` (scripts/kafka's users:
  // admin, strait, app) on the cluster at `bootstrap`, laid over the test
  // clients' own; empty without security.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> user_properties(
      const std::string& bootstrap, const std::string& user) const;

 private:
  // Reads `scripts/kafka client NAME USER`: {properties, password file}.
  std::pair<std::vector<std::pair<std::string, std::string>>, std::string> client_of(
      const std::string& name, const std::string& user) const;
  void secure(const std::string& name, const std::string& bootstrap, std::string& straitd_props);
  std::string options_;
  std::string suffix_;
  std::map<std::string, std::string> admin_config_;      // bootstrap -> Java client file
  std::map<std::string, std::string> admin_credential_;  // bootstrap -> straitd's flow YAML
};
extern clusters_env* clusters;

// The secure suite's permissions for user strait (secure_kafka_test.cc),
// granted after the clusters started.
void grant_suite_permissions();

// The topic's id as strait's admin client reads it (DescribeTopics); throws
// unless the Kafka distribution's kafka-topics prints the same id.
topic_id topic_id_of(const std::string& bootstrap, const std::string& topic);

// `configs`: "key=value[,key=value...]".
void create_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                  const std::string& configs = "");

// The configs a topic sets itself, as kafka-configs --describe prints them
// (" name=value " each).
std::string own_configs(const std::string& bootstrap, const std::string& topic);

// straitd with one link "it" from clusters->source to clusters->target.
class straitd {
 public:
  // `extra_link_yaml` is appended to the link (e.g. a groups section),
  // indented by four spaces; `prefix` is topics.prefix; `source_props` are
  // more source properties in flow YAML (`key: "value", ...`);
  // `refresh_ms` is topics.refresh_interval_ms; `topics_yaml` is appended to
  // the link's topics (e.g. "config_sync: off"), one field a line.
  straitd(const testing::temp_dir& dir, const std::string& topics_regex,
          const std::string& extra_link_yaml = "", const std::string& prefix = "",
          const std::string& source_props = "", int refresh_ms = 1000,
          const std::string& topics_yaml = "");
  // Makes it shard `ordinal` of `count` (daemon.shards, docs/sharding.md);
  // before start(), or between a stop() and a start().
  void shard(int ordinal, int count);
  void start();
  int stop(int sig = SIGTERM);
  int run_once(const std::vector<std::string>& extra);
  std::string metrics();
  // The value of one metric series (full name with labels); -1 when absent.
  double metric(const std::string& series);
  std::string log();
  // straitctl against this straitd's API (--server from state/api.address),
  // optionally run under `wrapper` (e.g. "timeout 1"); returns {exit code, stdout}.
  std::pair<int, std::string> straitctl(const std::string& args, const std::string& wrapper = "");
  // The same against `servers` (straitctl --server A,B,...), its output kept
  // with this straitd's.
  std::pair<int, std::string> straitctl_on(const std::string& servers, const std::string& args,
                                           const std::string& wrapper = "");
  // This run's API address (waits up to 30 s for straitd to write it).
  [[nodiscard]] std::string api_address() const;
  // Everything straitctl() printed on standard error so far, oldest first
  // (refusals and errors go there, not to stdout).
  [[nodiscard]] std::string straitctl_errors() const;
  [[nodiscard]] std::filesystem::path store_dir() const {
    return dir_.path() / "state" / "checkpoints";
  }

 private:
  const testing::temp_dir& dir_;
  std::unique_ptr<testing::child_process> proc_;
};

// Timestamps near now: the broker's default retention (7 days) would delete
// older records, which strait (rightly) reports as a retention gap.
extern const int64_t kBaseTimestamp;

testing::record make_record(int i);

// Waits (60 s at most) until the group's committed offset of partition 0 of
// `topic` on the target is `want`.
bool target_offset_becomes(const std::string& group, const std::string& topic, int64_t want);

// Both clusters hold the same records, partition by partition, in order
// (gtest failures otherwise).
void expect_same_records(const std::string& topic, const std::string& target_topic, int partitions);

// Sum of the partitions' high watermarks; -1 while any cannot be read.
int64_t total_high(const std::string& bootstrap, const std::string& topic, int partitions);

}  // namespace strait::integration
