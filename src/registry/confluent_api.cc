#include "strait/registry/confluent_api.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <map>
#include <set>

#include "strait/base/text.h"

namespace strait::registry {

using nlohmann::json;

namespace {

constexpr std::string_view kJson = "application/vnd.schemaregistry.v1+json";

// `v` when it is an integer from 1 to 2^31-1 (ids and versions); a larger
// one would be cut to another id by a plain conversion.
std::optional<int32_t> positive_int32(const json& v) {
  if (!v.is_number_integer()) return std::nullopt;
  if (v.is_number_unsigned() ? v.get<uint64_t>() > INT32_MAX
                             : (v.get<int64_t>() < 1 || v.get<int64_t>() > INT32_MAX)) {
    return std::nullopt;
  }
  const auto n = static_cast<int32_t>(v.get<int64_t>());
  return n >= 1 ? std::optional<int32_t>(n) : std::nullopt;
}

// j[key], as positive_int32.
std::optional<int32_t> positive_int32(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return std::nullopt;
  return positive_int32(j[key]);
}

result<json> parse_answer(const http_client& c, std::string_view path, const http_answer& a) {
  auto j = json::parse(a.body, nullptr, false);
  if (j.is_discarded()) {
    return fail(errc::registry, "schema registry " + c.url() + " " + printable(path, 200) +
                                    ": the answer is not JSON (" + answer_excerpt(a) + ")");
  }
  return j;
}

status refused(const http_client& c, std::string_view what, const http_answer& a) {
  return fail(errc::registry,
              "schema registry " + c.url() + ": " + std::string(what) + ": " + answer_excerpt(a));
}

result<schema_type> parse_type(const json& j) {
  if (!j.contains("schemaType") || j["schemaType"].is_null()) return schema_type::avro;
  if (!j["schemaType"].is_string()) return fail(errc::registry, "schemaType is not a string");
  const auto t = j["schemaType"].get<std::string>();
  if (t == "AVRO") return schema_type::avro;
  if (t == "JSON") return schema_type::json;
  if (t == "PROTOBUF") return schema_type::protobuf;
  return fail(errc::registry, "schemaType '" + printable(t, 40) +
                                  "' is not one strait knows "
                                  "(AVRO, JSON, PROTOBUF)");
}

// A schema body from an answer holding schema, schemaType and references.
result<schema_body> parse_body(const json& j) {
  schema_body b;
  if (!j.is_object() || !j.contains("schema") || !j["schema"].is_string()) {
    return fail(errc::registry, "the answer has no schema text");
  }
  auto type = parse_type(j);
  if (!type) return std::unexpected(type.error());
  b.type = *type;
  b.schema = j["schema"].get<std::string>();
  if (j.contains("references") && !j["references"].is_null()) {
    if (!j["references"].is_array()) return fail(errc::registry, "references is not a list");
    for (const auto& r : j["references"]) {
      if (!r.is_object() || !r.contains("name") || !r["name"].is_string() ||
          !r.contains("subject") || !r["subject"].is_string() || !positive_int32(r, "version")) {
        return fail(errc::registry, "a reference lacks its name, subject or version (1 or more)");
      }
      b.references.push_back({r["name"].get<std::string>(), r["subject"].get<std::string>(),
                              *positive_int32(r, "version")});
    }
  }
  return b;
}

result<http_answer> get(const http_client& c, const std::string& path, size_t max_body) {
  return c.request(http_method::get, path, {}, {}, max_body);
}

// The compatibility level an answer of GET /config names (Confluent:
// compatibilityLevel; some registries: compatibility).
std::string level_of(const json& j) {
  for (const char* key : {"compatibilityLevel", "compatibility"}) {
    if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  }
  return {};
}

}  // namespace

std::string path_segment(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

result<std::vector<int32_t>> list_versions(const http_client& c, const std::string& subject,
                                           bool deleted) {
  const std::string path =
      "/subjects/" + path_segment(subject) + "/versions" + (deleted ? "?deleted=true" : "");
  auto a = get(c, path, 8u << 20);
  if (!a) return std::unexpected(a.error());
  if (a->status == 404) return std::vector<int32_t>{};
  if (!a->ok()) {
    return std::unexpected(
        refused(c, "listing the versions of " + printable(subject, 200), *a).error());
  }
  auto j = parse_answer(c, path, *a);
  if (!j) return std::unexpected(j.error());
  std::vector<int32_t> out;
  std::set<int32_t> seen;
  if (j->is_array()) {
    for (const auto& n : *j) {
      const auto v = positive_int32(n);
      if (!v || !seen.insert(*v).second) break;
      out.push_back(*v);
    }
  }
  if (!j->is_array() || out.size() != j->size()) {
    return fail(errc::registry, "schema registry " + c.url() + " " + printable(path, 200) +
                                    ": not a list of distinct version numbers (1 or more)");
  }
  return out;
}

result<std::optional<schema_version>> read_version(const http_client& c, const std::string& subject,
                                                   int32_t version, bool deleted) {
  const std::string path = "/subjects/" + path_segment(subject) + "/versions/" +
                           std::to_string(version) + (deleted ? "?deleted=true" : "");
  auto a = get(c, path, kMaxSchemaBytes);
  if (!a) return std::unexpected(a.error());
  if (a->status == 404) return std::nullopt;
  if (!a->ok()) return std::unexpected(refused(c, "reading " + printable(path, 200), *a).error());
  auto j = parse_answer(c, path, *a);
  if (!j) return std::unexpected(j.error());
  auto body = parse_body(*j);
  const auto where = "schema registry " + c.url() + " " + printable(path, 200) + ": ";
  if (!body) return fail(errc::registry, where + body.error().message);
  const auto id = positive_int32(*j, "id");
  if (!id) return fail(errc::registry, where + "the answer has no schema id from 1 to 2^31-1");
  // A registry that answers for another subject or version than asked is not believed.
  if ((j->contains("subject") && (*j)["subject"] != subject) ||
      (j->contains("version") && (*j)["version"] != version)) {
    return fail(errc::registry, where + "the answer is of another subject or version");
  }
  schema_version v;
  v.subject = subject;
  v.version = version;
  v.id = *id;
  v.body = std::move(*body);
  return v;
}

result<std::optional<schema_body>> read_schema_by_id(const http_client& c, int32_t id) {
  const std::string path = "/schemas/ids/" + std::to_string(id);
  auto a = get(c, path, kMaxSchemaBytes);
  if (!a) return std::unexpected(a.error());
  if (a->status == 404) return std::nullopt;
  if (!a->ok()) return std::unexpected(refused(c, "reading " + path, *a).error());
  auto j = parse_answer(c, path, *a);
  if (!j) return std::unexpected(j.error());
  auto body = parse_body(*j);
  if (!body) {
    return fail(errc::registry,
                "schema registry " + c.url() + " " + path + ": " + body.error().message);
  }
  return std::optional<schema_body>(std::move(*body));
}

namespace {

// The registry's subject names (GET /subjects, with ?deleted=true when
// `deleted`: the soft-deleted ones too), bounded before they are parsed;
// a name listed twice is an error.
result<std::vector<std::string>> list_subjects(const http_client& c, bool deleted) {
  const std::string path = deleted ? "/subjects?deleted=true" : "/subjects";
  auto a = get(c, path, 32u << 20);
  if (!a) return std::unexpected(a.error());
  if (!a->ok()) return std::unexpected(refused(c, "listing its subjects", *a).error());
  // Every element but the last ends at a comma.
  if (static_cast<size_t>(std::count(a->body.begin(), a->body.end(), ',')) >= kMaxSubjects) {
    return fail(errc::precondition, "schema registry " + c.url() +
                                        " lists more subjects than strait reads (" +
                                        std::to_string(kMaxSubjects) + ")");
  }
  auto subjects = parse_answer(c, path, *a);
  if (!subjects) return std::unexpected(subjects.error());
  if (!subjects->is_array()) {
    return fail(errc::registry, "schema registry " + c.url() + " " + path + ": not a list");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& n : *subjects) {
    if (!n.is_string()) {
      return fail(errc::registry,
                  "schema registry " + c.url() + " " + path + ": a name is not text");
    }
    auto subject = n.get<std::string>();
    if (!seen.insert(subject).second) {
      return fail(errc::registry, "schema registry " + c.url() + " " + path + ": '" +
                                      printable(subject, 200) + "' is listed twice");
    }
    out.push_back(std::move(subject));
  }
  return out;
}

// What a version counts against kMaxContentsBytes.
size_t version_cost(const schema_version& v) {
  size_t n = v.body.schema.size() + 64;
  for (const auto& r : v.body.references) n += r.name.size() + r.subject.size() + 16;
  return n;
}

}  // namespace

status in_time(const http_client& c, std::chrono::steady_clock::time_point deadline,
               const std::atomic<bool>* cancel) {
  if (cancel != nullptr && cancel->load()) {
    return fail(errc::precondition, "schema registry " + c.url() + ": reading it was cancelled");
  }
  if (std::chrono::steady_clock::now() < deadline) return {};
  return fail(errc::precondition, "schema registry " + c.url() +
                                      ": reading it took longer than the call allows; nothing "
                                      "of it was used");
}

result<registry_contents> read_contents(const http_client& c, const config::topic_filter* selected,
                                        std::chrono::steady_clock::time_point deadline,
                                        const std::atomic<bool>* cancel) {
  registry_contents out;
  if (auto st = in_time(c, deadline, cancel); !st) return std::unexpected(st.error());
  auto subjects = list_subjects(c, false);
  if (!subjects) return std::unexpected(subjects.error());
  auto global = get(c, "/config", 64 * 1024);
  if (!global) return std::unexpected(global.error());
  if (!global->ok()) {
    return std::unexpected(refused(c, "reading its global compatibility", *global).error());
  }
  auto gj = parse_answer(c, "/config", *global);
  if (!gj) return std::unexpected(gj.error());
  out.global_compatibility = level_of(*gj);
  size_t bytes = 0;
  for (const auto& subject : *subjects) {
    if (selected != nullptr && !selected->matches(subject)) continue;
    if (auto st = in_time(c, deadline, cancel); !st) return std::unexpected(st.error());
    auto versions = list_versions(c, subject);
    if (!versions) return std::unexpected(versions.error());
    if (versions->empty()) continue;  // deleted meanwhile
    for (const int32_t n : *versions) {
      if (out.versions.size() >= kMaxVersions) {
        return fail(errc::precondition, "schema registry " + c.url() +
                                            ": the selected subjects have more than " +
                                            std::to_string(kMaxVersions) + " versions");
      }
      if (auto st = in_time(c, deadline, cancel); !st) return std::unexpected(st.error());
      auto v = read_version(c, subject, n);
      if (!v) return std::unexpected(v.error());
      if (!*v) {
        return fail(errc::precondition,
                    "schema registry " + c.url() + ": '" + printable(subject, 200) + "' version " +
                        std::to_string(n) +
                        " was listed but is gone (deleted while read): plan again");
      }
      bytes += version_cost(**v);
      if (bytes > kMaxContentsBytes) {
        return fail(errc::precondition, "schema registry " + c.url() +
                                            ": the selected schemas are more than " +
                                            std::to_string(kMaxContentsBytes >> 20) + " MiB");
      }
      out.versions.push_back(std::move(**v));
    }
    const std::string cpath = "/config/" + path_segment(subject) + "?defaultToGlobal=false";
    auto ca = get(c, cpath, 64 * 1024);
    if (!ca) return std::unexpected(ca.error());
    if (ca->ok()) {
      auto cj = parse_answer(c, cpath, *ca);
      if (!cj) return std::unexpected(cj.error());
      if (const auto level = level_of(*cj); !level.empty()) out.compatibility[subject] = level;
    } else if (ca->status != 404) {  // 404: no level of its own
      return std::unexpected(
          refused(c, "reading the compatibility of " + printable(subject, 200), *ca).error());
    }
  }
  return out;
}

status read_soft_deleted(const http_client& c, const config::topic_filter* selected,
                         registry_contents& contents,
                         std::chrono::steady_clock::time_point deadline,
                         const std::atomic<bool>* cancel) {
  if (auto st = in_time(c, deadline, cancel); !st) return st;
  auto subjects = list_subjects(c, true);
  if (!subjects) return std::unexpected(subjects.error());
  std::map<std::string, std::set<int32_t>> live;
  size_t bytes = 0;  // one bound with what read_contents read
  for (const auto& v : contents.versions) {
    live[v.subject].insert(v.version);
    bytes += version_cost(v);
  }
  std::vector<schema_version> found;  // all or nothing
  for (const auto& subject : *subjects) {
    if (selected != nullptr && !selected->matches(subject)) continue;
    if (auto st = in_time(c, deadline, cancel); !st) return st;
    auto all = list_versions(c, subject, true);
    if (!all) return std::unexpected(all.error());
    const auto& kept = live[subject];
    for (const int32_t n : *all) {
      if (kept.contains(n)) continue;
      if (contents.versions.size() + found.size() >= kMaxVersions) {
        return fail(errc::precondition,
                    "schema registry " + c.url() + ": the selected subjects have more than " +
                        std::to_string(kMaxVersions) + " versions, the soft-deleted ones counted");
      }
      if (auto st = in_time(c, deadline, cancel); !st) return st;
      auto v = read_version(c, subject, n, true);
      if (!v) return std::unexpected(v.error());
      schema_version out;
      if (*v) {
        out = std::move(**v);
      } else {
        out.subject = subject;  // listed, not served: id 0
        out.version = n;
      }
      bytes += version_cost(out);
      if (bytes > kMaxContentsBytes) {
        return fail(errc::precondition, "schema registry " + c.url() +
                                            ": the selected schemas are more than " +
                                            std::to_string(kMaxContentsBytes >> 20) + " MiB");
      }
      found.push_back(std::move(out));
    }
  }
  std::ranges::sort(found, {}, [](const schema_version& v) {
    return std::pair<const std::string&, int32_t>(v.subject, v.version);
  });
  contents.soft_deleted = std::move(found);
  return {};
}

status read_served_ids(const http_client& c, const registry_contents& source,
                       registry_contents& contents, std::chrono::steady_clock::time_point deadline,
                       const std::atomic<bool>* cancel) {
  std::map<int32_t, const schema_body*> listed;
  for (const auto& v : contents.versions) listed.emplace(v.id, &v.body);
  std::map<int32_t, schema_body> served;
  for (const auto& v : source.soft_deleted) {
    if (v.id == 0 || served.contains(v.id)) continue;
    if (auto l = listed.find(v.id); l != listed.end()) {
      served.emplace(v.id, *l->second);  // one lookup later (serves), not a scan
      continue;
    }
    if (auto st = in_time(c, deadline, cancel); !st) return st;
    auto body = read_schema_by_id(c, v.id);
    if (!body) return std::unexpected(body.error());
    if (*body) served.emplace(v.id, std::move(**body));
  }
  contents.served_ids = std::move(served);
  return {};
}

status set_mode(const http_client& c, const std::string& subject, const std::string& mode) {
  const json body = {{"mode", mode}};
  auto a = c.request(http_method::put, "/mode/" + path_segment(subject), body.dump(), kJson);
  if (!a) return std::unexpected(a.error());
  if (!a->ok()) return refused(c, "setting mode " + mode + " on " + printable(subject, 200), *a);
  return {};
}

namespace {

// The mode an answer of GET /mode names.
result<std::string> mode_at(const http_client& c, const std::string& path) {
  auto a = get(c, path, 64 * 1024);
  if (!a) return std::unexpected(a.error());
  if (a->status == 404) return std::string();
  if (!a->ok()) {
    return std::unexpected(
        refused(c, "reading the mode (" + printable(path, 200) + ")", *a).error());
  }
  auto j = parse_answer(c, path, *a);
  if (!j) return std::unexpected(j.error());
  if (!j->is_object() || !j->contains("mode") || !(*j)["mode"].is_string()) {
    return fail(errc::registry, "schema registry " + c.url() + " " + printable(path, 200) +
                                    ": the answer names no mode");
  }
  return (*j)["mode"].get<std::string>();
}

}  // namespace

result<std::string> registry_mode(const http_client& c) {
  auto m = mode_at(c, "/mode");
  if (m && m->empty()) return std::string("READWRITE");
  return m;
}

result<std::string> subject_mode(const http_client& c, const std::string& subject) {
  return mode_at(c, "/mode/" + path_segment(subject) + "?defaultToGlobal=false");
}

status delete_mode(const http_client& c, const std::string& subject) {
  auto a = c.request(http_method::del, "/mode/" + path_segment(subject));
  if (!a) return std::unexpected(a.error());
  // 404: the subject has no mode of its own (anymore).
  if (!a->ok() && a->status != 404) {
    return refused(c, "removing the mode of " + printable(subject, 200), *a);
  }
  return {};
}

namespace {

result<int32_t> post_version(const http_client& c, const schema_version& v, bool with_id) {
  json body = {{"schema", v.body.schema}, {"schemaType", to_string(v.body.type)}};
  if (with_id) {
    body["id"] = v.id;
    body["version"] = v.version;
  }
  if (!v.body.references.empty()) {
    json refs = json::array();
    for (const auto& r : v.body.references) {
      refs.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
    }
    body["references"] = refs;
  }
  const std::string path = "/subjects/" + path_segment(v.subject) + "/versions";
  auto a = c.request(http_method::post, path,
                     body.dump(-1, ' ', false, json::error_handler_t::replace), kJson);
  if (!a) return std::unexpected(a.error());
  const std::string what = "registering " + printable(v.subject, 200) + " version " +
                           std::to_string(v.version) +
                           (with_id ? " as id " + std::to_string(v.id) : std::string());
  if (!a->ok()) return std::unexpected(refused(c, what, *a).error());
  auto j = parse_answer(c, path, *a);
  if (!j) return std::unexpected(j.error());
  const auto id = positive_int32(*j, "id");
  if (!id) {
    return fail(errc::registry, "schema registry " + c.url() + ": " + what +
                                    ": the answer names no id (" + answer_excerpt(*a) + ")");
  }
  return *id;
}

}  // namespace

result<int32_t> register_with_id(const http_client& c, const schema_version& v) {
  return post_version(c, v, true);
}

result<int32_t> register_schema(const http_client& c, const schema_version& v) {
  return post_version(c, v, false);
}

status set_compatibility(const http_client& c, const std::string& subject,
                         const std::string& level) {
  const json body = {{"compatibility", level}};
  const std::string path = subject.empty() ? "/config" : "/config/" + path_segment(subject);
  auto a = c.request(http_method::put, path, body.dump(), kJson);
  if (!a) return std::unexpected(a.error());
  if (!a->ok()) {
    return refused(c,
                   "setting compatibility " + printable(level, 40) + " on " +
                       (subject.empty() ? std::string("the registry") : printable(subject, 200)),
                   *a);
  }
  return {};
}

}  // namespace strait::registry
