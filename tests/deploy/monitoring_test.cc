// deploy/monitoring (the alert rules, their PrometheusRule, the Grafana
// dashboard) checked as a user's Prometheus and Grafana would take them:
// promtool runs the rules' unit tests and parses every dashboard query.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "deploy_util.h"
#include "monitoring_files.h"
#include "process.h"
#include "test_util.h"

namespace strait::testing {
namespace {

const std::string kSource = STRAIT_SOURCE_DIR;

// promtool as scripts/tools installed it (STRAIT_PROMTOOL overrides).
std::string promtool() {
  if (const char* p = std::getenv("STRAIT_PROMTOOL"); p != nullptr && *p != '\0') return p;
  return run_command("'" + kSource + "/scripts/tools' path promtool");
}

nlohmann::json dashboard() {
  std::ifstream in(monitoring_dir(kSource) + "/strait-dashboard.json");
  return nlohmann::json::parse(in);
}

TEST(Monitoring, ThePrometheusRuleCarriesThePlainRules) {
  const auto plain = YAML::LoadFile(monitoring_dir(kSource) + "/strait.rules.yml");
  const auto rule = YAML::LoadFile(monitoring_dir(kSource) + "/prometheusrule.yaml");
  EXPECT_EQ(rule["apiVersion"].as<std::string>(), "monitoring.coreos.com/v1");
  EXPECT_EQ(rule["kind"].as<std::string>(), "PrometheusRule");
  EXPECT_EQ(as_json(rule["spec"]["groups"]), as_json(plain["groups"]))
      << "prometheusrule.yaml's spec.groups must be strait.rules.yml's groups";
}

// The alerts the issue asked for exist, and every alert says how bad it is,
// what it means and where its runbook is (a file of the repository).
TEST(Monitoring, EveryAlertHasASeveritySummaryAndARunbookThatExists) {
  const auto plain = YAML::LoadFile(monitoring_dir(kSource) + "/strait.rules.yml");
  std::set<std::string> alerts;
  for (const auto& group : plain["groups"]) {
    for (const auto& rule : group["rules"]) {
      const std::string name = rule["alert"].as<std::string>();
      alerts.insert(name);
      const std::string severity = rule["labels"]["severity"].as<std::string>("");
      EXPECT_TRUE(severity == "critical" || severity == "warning") << name << ": " << severity;
      EXPECT_FALSE(rule["annotations"]["summary"].as<std::string>("").empty()) << name;
      std::string runbook = rule["annotations"]["runbook"].as<std::string>("");
      runbook = runbook.substr(0, runbook.find('#'));
      EXPECT_FALSE(runbook.empty()) << name;
      EXPECT_TRUE(std::filesystem::is_regular_file(kSource + "/" + runbook))
          << name << ": runbook " << runbook << " is not in the repository";
    }
  }
  for (const char* wanted :
       {"StraitDown", "StraitInternalError", "StraitPartitionStopped", "StraitLagGrowing",
        "StraitGroupSyncStale", "StraitClusterUnreachable"}) {
    EXPECT_TRUE(alerts.contains(wanted)) << wanted;
  }
}

TEST(Monitoring, TheAlertRulesPassTheirPromtoolTests) {
  const auto r = run("cd '" + monitoring_dir(kSource) + "' && '" + promtool() +
                     "' test rules strait.rules.test.yml");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("SUCCESS"), std::string::npos) << r.output;
}

// Every panel's and variable's query is PromQL that Prometheus accepts,
// with Grafana's variables as a user's Grafana fills them in: each one
// checked by promtool as a recording rule's expression.
TEST(Monitoring, EveryDashboardQueryParses) {
  const auto queries = dashboard_queries(kSource);
  ASSERT_GT(queries.size(), 20u);
  const std::map<std::string, std::string> filled = {{"$__rate_interval", "2m"},
                                                     {"$__interval", "1m"},
                                                     {"$__range", "6h"},
                                                     {"$link", "main|side"},
                                                     {"$topic", ".*"}};
  nlohmann::json rules = nlohmann::json::array();
  for (size_t i = 0; i < queries.size(); ++i) {
    std::string expr = queries[i].expr;
    for (const auto& [var, value] : filled) {
      for (size_t at = expr.find(var); at != std::string::npos; at = expr.find(var, at)) {
        expr.replace(at, var.size(), value);
        at += value.size();
      }
    }
    EXPECT_EQ(expr.find('$'), std::string::npos)
        << queries[i].where << ": a variable the dashboard does not define: " << queries[i].expr;
    rules.push_back({{"record", "dashboard_query_" + std::to_string(i)}, {"expr", expr}});
  }
  temp_dir dir;
  const auto file = dir.path() / "dashboard-queries.json";  // JSON is YAML to promtool
  std::ofstream(file) << nlohmann::json{{"groups", {{{"name", "dashboard"}, {"rules", rules}}}}};
  const auto r = run("'" + promtool() + "' check rules '" + file.string() + "'");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("SUCCESS: " + std::to_string(queries.size()) + " rules found"),
            std::string::npos)
      << r.output;
}

// What Grafana needs to import it anywhere: a datasource variable every
// query uses, unique panel ids, panels on the 24-column grid without
// overlaps, the link and topic variables.
TEST(Monitoring, TheDashboardImportsAnywhere) {
  const auto d = dashboard();
  std::set<std::string> variables;
  for (const auto& v : d.at("templating").at("list")) variables.insert(v.at("name"));
  EXPECT_EQ(variables, (std::set<std::string>{"datasource", "link", "topic"}));
  std::set<int> ids;
  std::vector<std::array<int, 4>> cells;  // x, y, w, h
  for (const auto& p : d.at("panels")) {
    const int id = p.at("id");
    EXPECT_TRUE(ids.insert(id).second) << "panel id " << id << " twice";
    const auto& g = p.at("gridPos");
    const std::array<int, 4> cell{g.at("x"), g.at("y"), g.at("w"), g.at("h")};
    EXPECT_LE(cell[0] + cell[2], 24) << "panel " << id;
    for (const auto& o : cells) {
      const bool apart = cell[0] >= o[0] + o[2] || o[0] >= cell[0] + cell[2] ||
                         cell[1] >= o[1] + o[3] || o[1] >= cell[1] + cell[3];
      EXPECT_TRUE(apart) << "panel " << id << " overlaps another";
    }
    cells.push_back(cell);
    if (p.at("type") == "row") continue;
    EXPECT_FALSE(p.at("title").get<std::string>().empty()) << "panel " << id;
    ASSERT_FALSE(p.at("targets").empty()) << "panel " << id;
    for (const auto& t : p.at("targets")) {
      EXPECT_EQ(t.at("datasource").at("uid"), "${datasource}") << "panel " << id;
    }
  }
}

// Every strait_* metric the rules and the dashboard use is documented
// (docs/architecture.md#metrics, docs/offset-translation.md#metrics).
TEST(Monitoring, EveryMetricUsedIsDocumented) {
  std::string docs;
  for (const char* f : {"/docs/architecture.md", "/docs/offset-translation.md"}) {
    std::ifstream in(kSource + f);
    docs.append(std::istreambuf_iterator<char>(in), {});
  }
  auto queries = alert_queries(kSource);
  const auto panels = dashboard_queries(kSource);
  queries.insert(queries.end(), panels.begin(), panels.end());
  const auto used = metrics_used(queries);
  EXPECT_GT(used.size(), 20u);
  for (const auto& m : used) {
    const bool listed = docs.find("`" + m + "`") != std::string::npos ||
                        docs.find("`" + m + "{") != std::string::npos;  // with its labels
    EXPECT_TRUE(listed) << m << " is not documented";
  }
}

}  // namespace
}  // namespace strait::testing
