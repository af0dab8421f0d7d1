#include "strait/registry/schemas.h"

#include <nlohmann/json.hpp>

#include <set>

namespace strait::registry {

const char* to_string(schema_type t) {
  switch (t) {
    case schema_type::avro:
      return "AVRO";
    case schema_type::json:
      return "JSON";
    case schema_type::protobuf:
      return "PROTOBUF";
  }
  return "AVRO";
}

namespace {

// Avro's primitive types: {"type":"int"} and "int" are the same schema.
bool avro_primitive(const std::string& name) {
  static const std::set<std::string> kPrimitives = {"null",  "boolean", "int",   "long",
                                                    "float", "double",  "bytes", "string"};
  return kPrimitives.contains(name);
}

// Depth-bounded: a hostile schema nested thousands deep is compared as text.
bool avro_normalize(nlohmann::json& j, int depth) {
  if (depth > 256) return false;
  if (j.is_object()) {
    if (j.size() == 1 && j.contains("type") && j["type"].is_string() &&
        avro_primitive(j["type"].get<std::string>())) {
      j = j["type"].get<std::string>();
      return true;
    }
    for (auto& [key, value] : j.items()) {
      if (!avro_normalize(value, depth + 1)) return false;
    }
  } else if (j.is_array()) {
    for (auto& value : j) {
      if (!avro_normalize(value, depth + 1)) return false;
    }
  }
  return true;
}

bool nesting_within(std::string_view text, int max_depth) {
  int depth = 0;
  for (char c : text) {
    if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

}  // namespace

std::string normal_form(schema_type type, std::string_view text) {
  if (type == schema_type::protobuf) {
    std::string out;
    bool space = false;
    for (char c : text) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        space = true;
        continue;
      }
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
    return out;
  }
  // nlohmann's parser recurses per level: a text nested deeper than a
  // schema ever is stays text.
  if (!nesting_within(text, 200)) return std::string(text);
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::string(text);
  if (type == schema_type::avro && !avro_normalize(j, 0)) return std::string(text);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool same_schema(const schema_body& a, const schema_body& b) {
  return a.type == b.type && a.references == b.references &&
         normal_form(a.type, a.schema) == normal_form(b.type, b.schema);
}

}  // namespace strait::registry
