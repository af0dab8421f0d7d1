#pragma once

#include <stdio.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <nlohmann/json.hpp>
#include <string>

// What the deploy/ tests share: running a tool, and comparing YAML trees.
namespace strait::testing {

struct command_result {
  int status = -1;
  std::string output;  // stdout and stderr, unless the command redirects them
};
inline command_result run(const std::string& cmd) {
  command_result r;
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (f == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) r.output.append(buf.data(), n);
  const int rc = pclose(f);
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return r;
}

// A YAML tree as JSON, scalars as their text: two files' trees compare
// equal when they say the same, whatever their layout.
inline nlohmann::json as_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : n) out[kv.first.as<std::string>()] = as_json(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : n) out.push_back(as_json(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      return n.as<std::string>();
    default:
      return nullptr;
  }
}

}  // namespace strait::testing
