#include "strait/registry/apicurio_import.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "strait/base/digest.h"
#include "strait/base/text.h"
#include "strait/registry/confluent_api.h"

namespace strait::registry {

using nlohmann::json;

namespace {

void put16(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}
void put32(std::string& out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

constexpr uint32_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01: no clock in the archive
constexpr uint32_t kUtf8Names = 0x0800;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

const char* content_type(schema_type t) {
  return t == schema_type::protobuf ? "application/x-protobuf" : "application/json";
}

}  // namespace

uint32_t crc32(std::string_view data) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = kTable[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

status zip_writer::add(const std::string& name, const std::string& data) {
  if (entries_.size() >= 0xffff || name.size() > 0xffff ||
      body_.size() + 30 + name.size() + data.size() > 0xffffffffULL) {
    return fail(errc::precondition,
                "the import archive would need ZIP64 (more than 65,535 entries or 4 GiB); "
                "select fewer subjects per apply");
  }
  entry e{name, crc32(data), static_cast<uint32_t>(data.size()),
          static_cast<uint32_t>(body_.size())};
  put32(body_, 0x04034b50);
  put16(body_, 10);  // version needed: stored
  put16(body_, kUtf8Names);
  put16(body_, 0);  // stored
  put16(body_, 0);  // time
  put16(body_, kDosDate);
  put32(body_, e.crc);
  put32(body_, e.size);
  put32(body_, e.size);
  put16(body_, static_cast<uint32_t>(name.size()));
  put16(body_, 0);
  body_ += name;
  body_ += data;
  entries_.push_back(std::move(e));
  return {};
}

std::string zip_writer::finish() const {
  std::string out = body_;
  const auto directory_at = static_cast<uint32_t>(out.size());
  for (const entry& e : entries_) {
    put32(out, 0x02014b50);
    put16(out, 20);  // made by
    put16(out, 10);  // needed
    put16(out, kUtf8Names);
    put16(out, 0);
    put16(out, 0);
    put16(out, kDosDate);
    put32(out, e.crc);
    put32(out, e.size);
    put32(out, e.size);
    put16(out, static_cast<uint32_t>(e.name.size()));
    put16(out, 0);  // extra
    put16(out, 0);  // comment
    put16(out, 0);  // disk
    put16(out, 0);  // internal attributes
    put32(out, 0);  // external attributes
    put32(out, e.offset);
    out += e.name;
  }
  const auto directory_size = static_cast<uint32_t>(out.size() - directory_at);
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<uint32_t>(entries_.size()));
  put16(out, static_cast<uint32_t>(entries_.size()));
  put32(out, directory_size);
  put32(out, directory_at);
  put16(out, 0);
  return out;
}

result<std::string> apicurio_import_archive(const std::vector<import_entry>& versions,
                                            int64_t now_ms) {
  // Entity names carry subjects: a name Apicurio's reader would take for
  // a path of its own is kept out by the caller (plan blocks such subjects).
  std::vector<std::pair<std::string, std::string>> entries;
  entries.emplace_back("manifest-strait.Manifest.json",
                       dump({{"systemVersion", "3"},
                             {"systemName", "strait"},
                             {"systemDescription", "schemas copied by strait"},
                             {"exportVersion", "3.0"},
                             {"exportedOn", now_ms},
                             {"exportedBy", "strait"}}));
  std::map<int32_t, bool> contents_written;
  for (const auto& v : versions) {
    const schema_version& s = v.version;
    if (contents_written.contains(s.id)) continue;
    contents_written[s.id] = true;
    json refs = nullptr;
    if (!s.body.references.empty()) {
      refs = json::array();
      for (const auto& r : s.body.references) {
        refs.push_back({{"groupId", nullptr},
                        {"artifactId", r.subject},
                        {"version", std::to_string(r.version)},
                        {"name", r.name}});
      }
    }
    const std::string hash = hex(sha256(s.body.schema));
    entries.emplace_back(
        "content/" + hash + ".Content.json",
        dump({{"contentId", s.id},
              {"canonicalHash", nullptr},
              {"contentHash", hash},
              {"artifactType", to_string(s.body.type)},
              {"contentType", content_type(s.body.type)},
              {"serializedReferences", refs.is_null() ? json(nullptr) : json(dump(refs))}}));
    entries.emplace_back("content/" + hash + ".Content.data", s.body.schema);
  }
  // Subjects in first-seen order, each with its versions in order.
  std::vector<std::string> subjects;
  std::map<std::string, std::vector<const import_entry*>> of_subject;
  for (const auto& v : versions) {
    auto& list = of_subject[v.version.subject];
    if (list.empty()) subjects.push_back(v.version.subject);
    list.push_back(&v);
  }
  const auto base = [](const std::string& subject) {
    return "groups/default/artifacts/" + subject + "/";
  };
  for (const auto& subject : subjects) {
    const import_entry& first = *of_subject[subject].front();
    if (first.artifact_exists) continue;
    entries.emplace_back(base(subject) + "MetaData.Artifact.json",
                         dump({{"groupId", nullptr},
                               {"artifactId", subject},
                               {"artifactType", to_string(first.version.body.type)},
                               {"name", nullptr},
                               {"description", nullptr},
                               {"labels", nullptr},
                               {"owner", "strait"},
                               {"createdOn", now_ms},
                               {"modifiedBy", "strait"},
                               {"modifiedOn", now_ms}}));
  }
  int64_t global_id = 0;
  for (const auto& subject : subjects) {
    for (const import_entry* v : of_subject[subject]) {
      const schema_version& s = v->version;
      entries.emplace_back(
          base(subject) + "versions/" + std::to_string(s.version) + ".ArtifactVersion.json",
          dump({{"globalId", ++global_id},  // not kept: Apicurio assigns
                {"groupId", nullptr},
                {"artifactId", subject},
                {"version", std::to_string(s.version)},
                {"versionOrder", s.version},
                {"state", "ENABLED"},
                {"name", nullptr},
                {"description", nullptr},
                {"owner", "strait"},
                {"labels", nullptr},
                {"createdOn", now_ms},
                {"modifiedBy", "strait"},
                {"modifiedOn", now_ms},
                {"contentId", s.id}}));
    }
  }
  for (const auto& subject : subjects) {
    json list = json::array();
    for (const import_entry* v : of_subject[subject]) {
      list.push_back(std::to_string(v->version.version));
    }
    entries.emplace_back(base(subject) + "branches/latest.Branch.json",
                         dump({{"groupId", nullptr},
                               {"artifactId", subject},
                               {"branchId", "latest"},
                               {"description", nullptr},
                               {"systemDefined", true},
                               {"owner", "strait"},
                               {"createdOn", now_ms},
                               {"modifiedBy", "strait"},
                               {"modifiedOn", now_ms},
                               {"versions", list}}));
  }
  zip_writer zip;
  for (const auto& [name, data] : entries) {
    if (auto st = zip.add(name, data); !st) return std::unexpected(st.error());
  }
  return zip.finish();
}

result<std::string> apicurio_version_checked(const http_client& root) {
  auto a = root.request(http_method::get, "/apis/registry/v3/system/info", {}, {}, 64 * 1024);
  if (!a) return std::unexpected(a.error());
  auto j = json::parse(a->body, nullptr, false);
  std::string version;
  if (a->ok() && j.is_object() && j.contains("version") && j["version"].is_string()) {
    version = j["version"].get<std::string>();
  }
  if (version.empty()) {
    return fail(errc::precondition,
                "schema registry " + root.url() +
                    " does not answer as Apicurio Registry 3 (/apis/registry/v3/system/info: " +
                    answer_excerpt(*a) +
                    "); give the registry's root URL, or kind: confluent for another registry");
  }
  if (!version.starts_with("3.")) {
    return fail(errc::precondition,
                "schema registry " + root.url() + " is Apicurio Registry " +
                    printable(version, 40) +
                    "; strait writes the import format of Apicurio Registry 3.x only");
  }
  return version;
}

status read_apicurio_levels(const http_client& root, registry_contents& contents,
                            const config::topic_filter* levels_of,
                            std::chrono::steady_clock::time_point deadline,
                            const std::atomic<bool>* cancel) {
  // Its rules are Apicurio 3's API (a 2.x, or only its Confluent API behind
  // a proxy, would answer 404 for every subject).
  if (auto v = apicurio_version_checked(root); !v) return std::unexpected(v.error());
  std::set<std::string> subjects;
  for (const auto& v : contents.versions) {
    if (levels_of == nullptr || levels_of->matches(v.subject)) subjects.insert(v.subject);
  }
  std::map<std::string, std::string> levels;
  for (const auto& subject : subjects) {
    if (auto st = in_time(root, deadline, cancel); !st) return st;
    const std::string rules =
        "/apis/registry/v3/groups/default/artifacts/" + path_segment(subject) + "/rules";
    auto a = root.request(http_method::get, rules, {}, {}, 64 * 1024);
    if (!a) return std::unexpected(a.error());
    if (a->status == 404) {
      return fail(errc::precondition,
                  "schema registry " + root.url() + ": subject '" + printable(subject, 200) +
                      "' is no artifact of its default group, so strait cannot read its "
                      "compatibility rule (" +
                      answer_excerpt(*a) +
                      "): leave it out (schemas.exclude), or plan again if it was deleted just "
                      "now");
    }
    auto list = json::parse(a->body, nullptr, false);
    if (!a->ok() || !list.is_array()) {
      return fail(errc::registry, "schema registry " + root.url() + ": the rules of '" +
                                      printable(subject, 200) + "': " + answer_excerpt(*a));
    }
    if (std::find(list.begin(), list.end(), json("COMPATIBILITY")) == list.end()) continue;
    auto r = root.request(http_method::get, rules + "/COMPATIBILITY", {}, {}, 64 * 1024);
    if (!r) return std::unexpected(r.error());
    auto rule = json::parse(r->body, nullptr, false);
    if (!r->ok() || !rule.is_object() || !rule.contains("config") || !rule["config"].is_string()) {
      return fail(errc::registry, "schema registry " + root.url() +
                                      ": the compatibility rule of '" + printable(subject, 200) +
                                      "': " + answer_excerpt(*r));
    }
    levels[subject] = rule["config"].get<std::string>();
  }
  contents.compatibility = std::move(levels);
  return {};
}

status apicurio_import(const http_client& root, const std::string& archive) {
  auto a = root.request(
      http_method::post, "/apis/registry/v3/admin/import?requireEmptyRegistry=false", archive,
      "application/zip", 64 * 1024,
      {{"X-Registry-Preserve-ContentId", "true"}, {"X-Registry-Preserve-GlobalId", "false"}});
  if (!a) return std::unexpected(a.error());
  if (!a->ok()) {
    return fail(errc::registry, "schema registry " + root.url() +
                                    ": its import refused the archive: " + answer_excerpt(*a));
  }
  return {};
}

}  // namespace strait::registry
