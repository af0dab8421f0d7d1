#pragma once

#include <set>
#include <string>
#include <vector>

// The monitoring the repository ships (deploy/monitoring): its alert rules
// and Grafana dashboard, read for the tests that check them against promtool
// (tests/deploy) and against a running straitd's /metrics
// (tests/integration).
namespace strait::testing {

struct monitoring_query {
  std::string where;  // "alert StraitDown", "panel 7 (Lag in records, per topic) target A"
  std::string expr;   // PromQL; a dashboard's with its variables as Grafana leaves them
};

// deploy/monitoring under `source_dir`.
std::string monitoring_dir(const std::string& source_dir);
// Every alert's expression in strait.rules.yml. Throws on a file that
// cannot be read or parsed.
std::vector<monitoring_query> alert_queries(const std::string& source_dir);
// Every panel target's and template variable's query in the dashboard.
std::vector<monitoring_query> dashboard_queries(const std::string& source_dir);
// The metric names the queries use: strait_* and process_*.
std::set<std::string> metrics_used(const std::vector<monitoring_query>& queries);

}  // namespace strait::testing
