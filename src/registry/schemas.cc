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
// False where the parsed form could hide a difference: a number that is
// not an integer of 64 bits (two written differently may parse the same).
bool normalize(nlohmann::json& j, int depth, bool avro) {
  if (depth > 256 || j.is_number_float()) return false;
  if (j.is_object()) {
    if (avro && j.size() == 1 && j.contains("type") && j["type"].is_string() &&
        avro_primitive(j["type"].get<std::string>())) {
      j = j["type"].get<std::string>();
      return true;
    }
    for (auto& [key, value] : j.items()) {
      if (!normalize(value, depth + 1, avro)) return false;
    }
  } else if (j.is_array()) {
    for (auto& value : j) {
      if (!normalize(value, depth + 1, avro)) return false;
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
    // Whitespace inside a line may matter (a comment ends at the line's
    // end; a string keeps its spaces): only line ends and trailing blanks
    // are made one form, the rest compared as written.
    std::string out;
    size_t line_start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      if (i < text.size() && text[i] != '\n') continue;
      std::string_view line = text.substr(line_start, i - line_start);
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
        line.remove_suffix(1);
      }
      out.append(line);
      out.push_back('\n');
      line_start = i + 1;
    }
    while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
      out.pop_back();
    }
    return out;
  }
  // nlohmann's parser recurses per level: a text nested deeper than a
  // schema ever is stays text.
  if (!nesting_within(text, 200)) return std::string(text);
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::string(text);
  if (!normalize(j, 0, type == schema_type::avro)) return std::string(text);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string schema_identity(const schema_body& b) {
  // Lengths before the parts: no name can make two identities collide.
  std::string key = to_string(b.type);
  const auto part = [&key](const std::string& s) {
    key += ':' + std::to_string(s.size()) + ':' + s;
  };
  part(normal_form(b.type, b.schema));
  for (const auto& r : b.references) {
    part(r.name);
    part(r.subject);
    key += ':' + std::to_string(r.version);
  }
  return key;
}

bool same_schema(const schema_body& a, const schema_body& b) {
  return schema_identity(a) == schema_identity(b);
}

std::string own_level(const registry_contents& c, const std::string& subject) {
  auto it = c.compatibility.find(subject);
  return it == c.compatibility.end() || it->second == c.global_compatibility ? "" : it->second;
}

bool target_follows_level(const registry_contents& target, const std::string& subject,
                          const std::string& level) {
  const std::string own = own_level(target, subject);
  return own == level || (own.empty() && target.global_compatibility == level);
}

const schema_body* serves(const registry_contents& c, int32_t id) {
  auto it = c.served_ids.find(id);
  return it == c.served_ids.end() ? nullptr : &it->second;
}

bool kept_as_history(const schema_version& soft_deleted, const schema_version& on_target) {
  return soft_deleted.id > 0 && soft_deleted.id == on_target.id &&
         same_schema(soft_deleted.body, on_target.body);
}

}  // namespace strait::registry
