#include "monitoring_files.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace strait::testing {

std::string monitoring_dir(const std::string& source_dir) {
  return source_dir + "/deploy/monitoring";
}

std::vector<monitoring_query> alert_queries(const std::string& source_dir) {
  const YAML::Node rules = YAML::LoadFile(monitoring_dir(source_dir) + "/strait.rules.yml");
  std::vector<monitoring_query> out;
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      const std::string name =
          rule["alert"] ? "alert " + rule["alert"].as<std::string>() : "a recording rule";
      out.push_back({name, rule["expr"].as<std::string>()});
    }
  }
  return out;
}

std::vector<monitoring_query> dashboard_queries(const std::string& source_dir) {
  std::ifstream in(monitoring_dir(source_dir) + "/strait-dashboard.json");
  if (!in) throw std::runtime_error("cannot read strait-dashboard.json");
  const auto dashboard = nlohmann::json::parse(in);
  std::vector<monitoring_query> out;
  // A collapsed row holds its panels itself.
  std::vector<nlohmann::json> panels;
  for (const auto& panel : dashboard.at("panels")) {
    panels.push_back(panel);
    if (panel.contains("panels")) {
      for (const auto& inner : panel.at("panels")) panels.push_back(inner);
    }
  }
  for (const auto& panel : panels) {
    if (!panel.contains("targets")) continue;
    for (const auto& t : panel.at("targets")) {
      out.push_back({"panel " + std::to_string(panel.at("id").get<int>()) + " (" +
                         panel.at("title").get<std::string>() + ") target " +
                         t.at("refId").get<std::string>(),
                     t.at("expr").get<std::string>()});
    }
  }
  for (const auto& v : dashboard.at("templating").at("list")) {
    if (v.at("type") != "query") continue;
    // label_values(SELECTOR, LABEL): the selector is the query.
    static const std::regex label_values(R"(^label_values\((.*), *[a-z_]+\)$)");
    const std::string q = v.at("query").at("query").get<std::string>();
    std::smatch m;
    if (!std::regex_match(q, m, label_values)) {
      throw std::runtime_error("variable " + v.at("name").get<std::string>() +
                               ": not label_values(SELECTOR, LABEL): " + q);
    }
    out.push_back({"variable " + v.at("name").get<std::string>(), m[1].str()});
  }
  return out;
}

std::set<std::string> metrics_used(const std::vector<monitoring_query>& queries) {
  // strait's own, and the process_* ones straitd serves under the usual
  // names (any other job's would be an error here).
  static const std::regex name(R"(\b(strait|process)_[a-z0-9_]+)");
  std::set<std::string> out;
  for (const auto& q : queries) {
    for (std::sregex_iterator it(q.expr.begin(), q.expr.end(), name), end; it != end; ++it) {
      out.insert(it->str());
    }
  }
  return out;
}

}  // namespace strait::testing
