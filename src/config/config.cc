#include "strait/config/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "strait/base/secret_property.h"
#include "strait/base/small_file.h"
#include "strait/base/text.h"
#include "strait/config/topic_filter.h"

namespace strait::config {

namespace {

// Collects every problem so an operator fixes a file in one pass.
class problems {
 public:
  void add(const std::string& field, const std::string& what) {
    text_ += field + ": " + what + "\n";
  }
  [[nodiscard]] bool empty() const { return text_.empty(); }
  [[nodiscard]] std::string text() const { return text_.substr(0, text_.size() - 1); }

 private:
  std::string text_;
};

void check_known_keys(const YAML::Node& map, const std::string& field,
                      const std::set<std::string>& known, problems& p) {
  for (const auto& kv : map) {
    auto key = kv.first.as<std::string>();
    if (!known.contains(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      p.add(field + "." + key, "unknown field (known fields: " + list + ")");
    }
  }
}

// Reports every key given twice in one map (YAML keeps one of them
// silently) and refuses documents of more than kMaxNodes nodes or nested
// deeper than kMaxDepth (aliases can make a small text a huge tree, or a
// cycle: `a: &a [*a]`). `budget` counts the nodes left.
constexpr int kMaxNodes = 200000;
constexpr int kMaxDepth = 64;
void check_duplicate_keys(const YAML::Node& n, const std::string& field, int depth, int& budget,
                          problems& p) {
  if (budget < 0) return;
  if (budget-- == 0 || depth > kMaxDepth) {
    p.add(field.empty() ? "config" : field,
          depth > kMaxDepth ? "nested deeper than 64 levels (a YAML alias that contains itself?)"
                            : "the document has more than 200000 nodes (YAML aliases?); write it "
                              "out plainly");
    budget = -1;
    return;
  }
  if (n.IsMap()) {
    std::set<std::string> seen;
    for (const auto& kv : n) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      const std::string at = (field.empty() ? "" : field + ".") + printable(key, 128);
      if (!seen.insert(key).second) p.add(at, "given twice; keep one");
      check_duplicate_keys(kv.second, at, depth + 1, budget, p);
      if (budget < 0) return;
    }
  } else if (n.IsSequence()) {
    for (size_t i = 0; i < n.size() && budget >= 0; ++i) {
      check_duplicate_keys(n[i], field + "[" + std::to_string(i) + "]", depth + 1, budget, p);
    }
  }
}

std::optional<std::string> scalar(const YAML::Node& n, const std::string& field, problems& p) {
  if (!n.IsScalar()) {
    p.add(field, "must be a single value");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<int64_t> parse_int(const YAML::Node& n, const std::string& field, problems& p) {
  auto s = scalar(n, field, p);
  if (!s) return std::nullopt;
  try {
    size_t used = 0;
    int64_t v = std::stoll(*s, &used);
    if (used == s->size()) return v;
  } catch (const std::exception&) {
  }
  p.add(field, "must be an integer, got '" + *s + "'");
  return std::nullopt;
}

// An optional duration in milliseconds within [min, max]; `why` says what it
// governs. Leaves `out` as it is when the key is absent or the value is bad.
void parse_ms(const YAML::Node& parent, const char* key, const std::string& field, int64_t min,
              int64_t max, const std::string& why, std::chrono::milliseconds& out, problems& p) {
  if (!parent[key]) return;
  const std::string f = field + "." + key;
  auto ms = parse_int(parent[key], f, p);
  if (!ms) return;
  if (*ms < min || *ms > max) {
    p.add(f, "must be between " + std::to_string(min) + " and " + std::to_string(max) + why);
    return;
  }
  out = std::chrono::milliseconds(*ms);
}

// Accepts a byte count with an optional KiB / MiB / GiB suffix, at most
// 1 TiB (every size strait takes is a buffer or batch bound; larger values
// are typos, and products of larger ones would overflow).
constexpr int64_t kMaxBytes = 1LL << 40;
std::optional<int64_t> parse_bytes(const YAML::Node& n, const std::string& field, problems& p) {
  auto s = scalar(n, field, p);
  if (!s) return std::nullopt;
  static const std::vector<std::pair<std::string, int64_t>> kUnits = {
      {"GiB", 1LL << 30}, {"MiB", 1LL << 20}, {"KiB", 1LL << 10}, {"B", 1}};
  std::string num = *s;
  int64_t mult = 1;
  for (const auto& [suffix, m] : kUnits) {
    if (num.size() > suffix.size() && num.ends_with(suffix)) {
      num = num.substr(0, num.size() - suffix.size());
      while (!num.empty() && num.back() == ' ') num.pop_back();
      mult = m;
      break;
    }
  }
  try {
    size_t used = 0;
    int64_t v = std::stoll(num, &used);
    if (used == num.size() && v > 0 && v <= kMaxBytes / mult) return v * mult;
    if (used == num.size() && v > 0) {
      p.add(field, "'" + printable(*s, 64) + "' is more than 1 TiB; give a real size");
      return std::nullopt;
    }
  } catch (const std::exception&) {
  }
  p.add(field, "must be a positive size such as 8388608, '512KiB', '8MiB' or '1GiB', got '" +
                   printable(*s, 64) + "'");
  return std::nullopt;
}

std::optional<bool> parse_bool(const YAML::Node& n, const std::string& field, problems& p) {
  auto s = scalar(n, field, p);
  if (!s) return std::nullopt;
  if (*s == "true") return true;
  if (*s == "false") return false;
  p.add(field, "must be true or false, got '" + *s + "'");
  return std::nullopt;
}

std::vector<std::string> parse_string_list(const YAML::Node& n, const std::string& field,
                                           problems& p) {
  std::vector<std::string> out;
  if (!n.IsSequence()) {
    p.add(field, "must be a list of strings, e.g. [\"orders\\\\..*\"]");
    return out;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    auto s = scalar(n[i], field + "[" + std::to_string(i) + "]", p);
    if (s) out.push_back(*s);
  }
  return out;
}

// How a link's references are resolved: the environment and the policy.
struct references {
  references(const env_lookup& e, const reference_policy& p) : env(e), policy(p) {
    if (p.file_dir && !p.file_dir->empty()) {
      std::error_code ec;
      real_file_dir = std::filesystem::canonical(*p.file_dir, ec);
      if (ec) file_dir_problem = "unreadable (" + ec.message() + ")";
    } else if (p.file_dir) {
      file_dir_problem = "not set";
    }
  }
  const env_lookup& env;
  const reference_policy& policy;
  // policy.file_dir with its symlinks resolved, once per parse; empty when
  // it is unset or unreadable, file_dir_problem then says which.
  std::filesystem::path real_file_dir;
  std::string file_dir_problem;
};

constexpr size_t kMaxSecretFileBytes = 64 * 1024;

// Whether `p` is `dir` or lies below it (both absolute and normalized).
bool lies_in(const std::filesystem::path& p, const std::filesystem::path& dir) {
  const auto rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

// The content of a ${file:} reference: a regular file of at most 64 KiB
// (base/small_file.h: never a FIFO, a device or a directory), within
// policy.file_dir when one is set. That is checked on the path as written
// (without touching the file system, so a path outside tells nothing about
// what exists there) and again on where the opened file really is (so no
// symlink, in the path or swapped in meanwhile, leads out).
std::optional<std::string> read_secret_file(const std::string& path, const references& refs,
                                            const std::string& field, problems& p) {
  const reference_policy& policy = refs.policy;
  const std::string ref = "${file:" + printable(path, 200) + "}";
  if (path.empty() || path.front() != '/') {
    p.add(field, ref + ": the path must be absolute");
    return std::nullopt;
  }
  const std::filesystem::path& dir = refs.real_file_dir;
  if (policy.file_dir) {
    if (dir.empty()) {
      p.add(field, ref + ": this link may read files only in daemon.secrets_dir, which is " +
                       refs.file_dir_problem + "; set it, or use ${env:STRAIT_SECRET_NAME}");
      return std::nullopt;
    }
    const std::filesystem::path written = std::filesystem::path(path).lexically_normal();
    if (!lies_in(written, policy.file_dir->lexically_normal()) && !lies_in(written, dir)) {
      p.add(field, ref + ": is outside daemon.secrets_dir; put the secret there");
      return std::nullopt;
    }
  }
  auto file = read_small_file(path, kMaxSecretFileBytes);
  if (!file) {
    p.add(field, "secret file " + file.error().message);
    return std::nullopt;
  }
  if (policy.file_dir && !lies_in(file->real_path, dir)) {
    p.add(field, ref + ": is outside daemon.secrets_dir; put the secret there");
    return std::nullopt;
  }
  std::string content = std::move(file->content);
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
    content.pop_back();
  }
  return content;
}

// Replaces the ${env:NAME} and ${file:PATH} references in the value of
// property `key`. Error messages name the reference, never the value it
// resolves to.
std::optional<std::string> resolve_references(const std::string& key, const std::string& value,
                                              const std::string& field, const references& refs,
                                              problems& p) {
  if (value.find("${") == std::string::npos) return value;
  if (refs.policy.credentials_only && !is_secret_property(key)) {
    p.add(field,
          "${...} references are resolved only in credential properties (sasl.username, "
          "sasl.password, ssl.key.password, ... see docs/configuration.md#secrets); write this "
          "property's value itself");
    return std::nullopt;
  }
  if (refs.policy.whole_value &&
      (!value.starts_with("${") || value.find('}') + 1 != value.size())) {
    p.add(field, "must be exactly one reference, ${env:NAME} or ${file:/path}, nothing around it");
    return std::nullopt;
  }
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    size_t start = value.find("${", i);
    if (start == std::string::npos) {
      out.append(value, i, std::string::npos);
      break;
    }
    out.append(value, i, start - i);
    size_t end = value.find('}', start);
    if (end == std::string::npos) {
      p.add(field, "unterminated '${' reference; write ${env:NAME} or ${file:/path}");
      return std::nullopt;
    }
    std::string ref = value.substr(start + 2, end - start - 2);
    if (ref.starts_with("env:")) {
      std::string name = ref.substr(4);
      const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      });
      if (!valid) {
        p.add(field, "${env:" + printable(name, 64) + "}: not a variable name ([A-Za-z0-9_])");
        return std::nullopt;
      }
      if (!name.starts_with(refs.policy.env_prefix)) {
        p.add(field, "${env:" + name + "}: this link may read only variables named " +
                         refs.policy.env_prefix + "*");
        return std::nullopt;
      }
      auto v = refs.env(name);
      if (!v) {
        p.add(field, "environment variable " + name + " is not set");
        return std::nullopt;
      }
      out += *v;
    } else if (ref.starts_with("file:")) {
      auto content = read_secret_file(ref.substr(5), refs, field, p);
      if (!content) return std::nullopt;
      out += *content;
    } else {
      p.add(field, "unknown reference '${" + printable(ref, 64) +
                       "}'; write ${env:NAME} or ${file:/path}");
      return std::nullopt;
    }
    i = end + 1;
  }
  return out;
}

// Properties strait sets itself because correctness depends on them.
struct reserved {
  const char* name;
  const char* why;
};
const std::vector<reserved> kReservedSource = {
    {"isolation.level",
     "strait reads with read_committed so aborted transactions never reach the "
     "target"},
    {"enable.auto.commit", "strait keeps its positions in the checkpoint store, not in Kafka"},
    {"enable.auto.offset.store", "strait keeps its positions in the checkpoint store"},
    {"auto.offset.reset", "strait never resets a position on its own (a gap stops the partition)"},
    {"group.id", "strait derives it from the link name and never joins a group"},
    {"enable.partition.eof", "strait's fetch loop depends on its setting"},
};
const std::vector<reserved> kReservedTarget = {
    {"acks", "strait always writes with acks=all"},
    {"enable.idempotence", "strait always uses the idempotent producer"},
    {"transactional.id", "strait uses the idempotent producer, not transactions (ADR 0002)"},
    {"message.timeout.ms",
     "strait retries until delivered so nothing is lost while the target "
     "is down"},
    {"max.in.flight.requests.per.connection", "ordering depends on strait's setting"},
    {"enable.gapless.guarantee", "strait needs it so a refused batch leaves no gap"},
};

cluster_config parse_cluster(const YAML::Node& n, const std::string& field, bool is_source,
                             const references& refs, problems& p) {
  cluster_config c;
  if (!n || !n.IsMap()) {
    p.add(field, "missing; it needs properties with at least bootstrap.servers");
    return c;
  }
  check_known_keys(n, field, {"properties"}, p);
  const YAML::Node props = n["properties"];
  if (!props || !props.IsMap()) {
    p.add(field + ".properties", "missing; give librdkafka properties, at least bootstrap.servers");
    return c;
  }
  bool has_bootstrap = false;
  for (const auto& kv : props) {
    auto key = kv.first.as<std::string>();
    std::string kfield = field + ".properties." + key;
    for (const auto& r : is_source ? kReservedSource : kReservedTarget) {
      if (key == r.name) p.add(kfield, std::string("set by strait (") + r.why + "); remove it");
    }
    auto raw = scalar(kv.second, kfield, p);
    if (!raw) continue;
    auto value = resolve_references(key, *raw, kfield, refs, p);
    if (!value) continue;
    if (key == "bootstrap.servers") {
      has_bootstrap = !value->empty();
    }
    c.props.emplace_back(key, *value);
  }
  if (!has_bootstrap) {
    p.add(field + ".properties.bootstrap.servers", "missing; give host:port[,host:port...]");
  }
  return c;
}

bool valid_link_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

// Kafka topic names: [a-zA-Z0-9._-], at most 249 characters.
bool valid_topic_prefix(const std::string& prefix) {
  if (prefix.size() > 200) return false;
  for (char c : prefix) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

// Compiles the regexes once to report every invalid one, each by its field.
void check_filter(const std::vector<std::string>& include, const std::vector<std::string>& exclude,
                  bool exclude_internal, const std::string& field, problems& p) {
  auto filter = topic_filter::make(include, exclude, exclude_internal, field);
  if (!filter) {
    std::stringstream lines(filter.error().message);
    for (std::string line; std::getline(lines, line);) {
      auto colon = line.find(": ");
      p.add(line.substr(0, colon), line.substr(colon + 2));
    }
  }
}

topic_config parse_topics(const YAML::Node& n, const std::string& field, problems& p) {
  topic_config t;
  t.config_allow = {"*"};
  t.config_deny = default_config_deny();
  if (!n || !n.IsMap()) {
    p.add(field, "missing; give at least include: [\"regex\", ...] (use \".*\" for every topic)");
    return t;
  }
  check_known_keys(n, field,
                   {"include", "exclude", "exclude_internal", "prefix", "replication_factor",
                    "create", "check_configs", "config_allow", "config_deny", "refresh_interval_ms",
                    "config_sync", "config_sync_interval_ms"},
                   p);
  if (n["include"]) t.include = parse_string_list(n["include"], field + ".include", p);
  if (t.include.empty()) {
    p.add(field + ".include", "at least one regex is required (use \".*\" to mirror every topic)");
  }
  if (n["exclude"]) t.exclude = parse_string_list(n["exclude"], field + ".exclude", p);
  if (n["exclude_internal"]) {
    t.exclude_internal =
        parse_bool(n["exclude_internal"], field + ".exclude_internal", p).value_or(true);
  }
  if (n["prefix"]) {
    t.prefix = scalar(n["prefix"], field + ".prefix", p).value_or("");
    if (!valid_topic_prefix(t.prefix)) {
      p.add(field + ".prefix",
            "may only contain letters, digits, '.', '_' and '-' (Kafka topic "
            "name rules), at most 200 characters");
    }
  }
  if (n["replication_factor"]) {
    auto rf = parse_int(n["replication_factor"], field + ".replication_factor", p);
    if (rf && (*rf == 0 || *rf < -1 || *rf > 32767)) {
      p.add(field + ".replication_factor",
            "must be -1 (the target broker's default) or a positive number");
    } else if (rf) {
      t.replication_factor = static_cast<int>(*rf);
    }
  }
  if (n["create"]) t.create = parse_bool(n["create"], field + ".create", p).value_or(true);
  if (n["check_configs"]) {
    t.check_configs = parse_bool(n["check_configs"], field + ".check_configs", p).value_or(true);
  }
  if (n["config_allow"]) {
    t.config_allow = parse_string_list(n["config_allow"], field + ".config_allow", p);
  }
  if (n["config_deny"]) {
    t.config_deny = parse_string_list(n["config_deny"], field + ".config_deny", p);
  }
  parse_ms(n, "refresh_interval_ms", field, 100, 10000,
           " (new topics and partitions are picked up within it)", t.refresh_interval, p);
  if (n["config_sync"]) {
    using mode = topic_config::config_sync_mode;
    static const std::map<std::string, mode> kModes = {
        {"created", mode::created}, {"all", mode::all}, {"off", mode::off}};
    const auto v = scalar(n["config_sync"], field + ".config_sync", p);
    if (auto it = v ? kModes.find(*v) : kModes.end(); it != kModes.end()) {
      t.config_sync = it->second;
    } else if (v) {
      p.add(field + ".config_sync",
            "must be created (target topics strait created follow the source's configs), all "
            "(every mirrored target topic does) or off");
    }
  }
  if (n["config_sync"] && t.config_sync != topic_config::config_sync_mode::off &&
      !t.check_configs) {
    p.add(field + ".config_sync",
          "needs check_configs: true (config sync reads topic configs with DescribeConfigs); "
          "set config_sync: off or check_configs: true");
  }
  parse_ms(n, "config_sync_interval_ms", field, 1000, 86400000,
           " (a source topic's config change reaches the target within it)", t.config_sync_interval,
           p);
  check_filter(t.include, t.exclude, t.exclude_internal, field, p);
  return t;
}

group_config parse_groups(const YAML::Node& n, const std::string& field, problems& p) {
  group_config g;
  if (!n.IsMap()) {
    p.add(field, "must be a map with include: [\"regex\", ...] (use \".*\" for every group)");
    return g;
  }
  g.enabled = true;
  check_known_keys(n, field, {"include", "exclude", "sync_interval_ms"}, p);
  if (n["include"]) g.include = parse_string_list(n["include"], field + ".include", p);
  if (g.include.empty()) {
    p.add(field + ".include",
          "at least one regex is required (use \".*\" to sync every group; remove the groups "
          "section to sync none)");
  }
  if (n["exclude"]) g.exclude = parse_string_list(n["exclude"], field + ".exclude", p);
  parse_ms(n, "sync_interval_ms", field, 50, 60000,
           " (a source commit reaches the target within it)", g.sync_interval, p);
  check_filter(g.include, g.exclude, false, field, p);
  return g;
}

// An administrator's credential on the cluster `side` ("source" or
// "target"): `admin`'s properties, laid over that cluster's own.
properties parse_admin(const YAML::Node& admin, const std::string& field, const std::string& side,
                       const references& refs, problems& p) {
  properties out;
  if (!admin || !admin.IsMap() || !admin["properties"] || !admin["properties"].IsMap()) {
    p.add(field + ".properties",
          "missing; give the properties of an administrator's credential on the " + side +
              " (laid over " + side +
              ".properties; ACL changes need ALTER on the cluster), e.g. sasl.username and "
              "sasl.password");
    return out;
  }
  check_known_keys(admin, field, {"properties"}, p);
  for (const auto& kv : admin["properties"]) {
    const auto key = kv.first.as<std::string>();
    const std::string kfield = field + ".properties." + key;
    if (key == "bootstrap.servers" || key == "metadata.broker.list") {
      p.add(kfield, "names brokers, which are the " + side + "'s own (" + side +
                        ".properties); remove it here");
      continue;
    }
    auto raw = scalar(kv.second, kfield, p);
    if (!raw) continue;
    if (auto value = resolve_references(key, *raw, kfield, refs, p)) out.emplace_back(key, *value);
  }
  return out;
}

fence_config parse_fence(const YAML::Node& n, const std::string& field, const references& refs,
                         problems& p) {
  fence_config f;
  if (!n.IsMap()) {
    p.add(field, "must be a map with source_principal and source_admin");
    return f;
  }
  f.enabled = true;
  check_known_keys(n, field, {"source_principal", "source_admin"}, p);
  if (!n["source_principal"]) {
    p.add(field + ".source_principal",
          "missing; give the principal strait's source credential logs in as, e.g. "
          "\"User:strait\" (reverse mirroring writes to the source with it: it is never "
          "fenced)");
  } else if (auto v = scalar(n["source_principal"], field + ".source_principal", p)) {
    f.source_principal = *v;
    if (!valid_principal(*v) || v->ends_with(":*")) {
      p.add(field + ".source_principal",
            "is not valid (one principal as Kafka's ACLs name it, \"User:name\", not a "
            "wildcard)");
    }
  }
  f.source_admin = parse_admin(n["source_admin"], field + ".source_admin", "source", refs, p);
  return f;
}

acl_config parse_acls(const YAML::Node& n, const std::string& field, const references& refs,
                      problems& p) {
  acl_config a;
  if (!n.IsMap()) {
    p.add(field, "must be a map with target_principal, target_admin and principals");
    return a;
  }
  a.enabled = true;
  check_known_keys(n, field, {"target_principal", "target_admin", "principals"}, p);
  const std::string principal_hint = R"( (a principal as Kafka's ACLs name it, "User:name"))";
  if (!n["target_principal"]) {
    p.add(field + ".target_principal",
          "missing; give the principal strait's target credential logs in as, e.g. "
          "\"User:strait\" (its bindings are never copied, and nothing is granted where it "
          "would lose its own access)");
  } else if (auto v = scalar(n["target_principal"], field + ".target_principal", p)) {
    a.target_principal = *v;
    if (!valid_principal(*v)) p.add(field + ".target_principal", "is not valid" + principal_hint);
  }
  a.target_admin = parse_admin(n["target_admin"], field + ".target_admin", "target", refs, p);
  const YAML::Node rules = n["principals"];
  if (rules && !rules.IsSequence()) {
    p.add(field + ".principals",
          R"(must be a list of rules, e.g. [{source: "User:app", target: "User:app"}])");
    return a;
  }
  for (size_t i = 0; rules && i < rules.size(); ++i) {
    const std::string f = field + ".principals[" + std::to_string(i) + "]";
    const YAML::Node r = rules[i];
    if (!r.IsMap()) {
      p.add(f, "must be a map with source (or source_regex) and target");
      continue;
    }
    check_known_keys(r, f, {"source", "source_regex", "target"}, p);
    principal_rule rule;
    if (r["source"]) rule.source = scalar(r["source"], f + ".source", p).value_or("");
    if (r["source_regex"]) {
      rule.source_regex = scalar(r["source_regex"], f + ".source_regex", p).value_or("");
    }
    if (r["target"]) rule.target = scalar(r["target"], f + ".target", p).value_or("");
    if (rule.source.empty() == rule.source_regex.empty()) {
      p.add(f, "give exactly one of source (a whole principal) and source_regex");
      continue;
    }
    if (!rule.source.empty() && !valid_principal(rule.source)) {
      p.add(f + ".source", "is not valid" + principal_hint);
    }
    if (rule.target.empty()) {
      p.add(f + ".target", "missing; give the target principal" + principal_hint);
      continue;
    }
    if (!rule.source_regex.empty()) {
      re2::RE2::Options opts;
      opts.set_log_errors(false);
      const re2::RE2 re(rule.source_regex, opts);
      std::string why;
      if (!re.ok()) {
        p.add(f + ".source_regex", "is not a valid RE2 regex: " + re.error());
        continue;
      }
      if (!re.CheckRewriteString(rule.target, &why)) {
        p.add(f + ".target", "does not fit source_regex: " + why);
        continue;
      }
    } else if (!valid_principal(rule.target)) {
      p.add(f + ".target", "is not valid" + principal_hint);
    }
    if (rule.target.ends_with(":*") && rule.source != rule.target) {
      p.add(f + ".target",
            "is a wildcard principal (every principal of its type): only a rule whose source is "
            "that same wildcard may map to it");
      continue;
    }
    a.principals.push_back(std::move(rule));
  }
  return a;
}

// A file a link created through the API names (refs.policy.file_dir set):
// it must lie in daemon.secrets_dir, as written and after symlinks.
void check_api_link_file(const std::string& value, const references& refs, const std::string& field,
                         problems& p) {
  const std::filesystem::path dir = refs.policy.file_dir.value_or(std::filesystem::path());
  const std::filesystem::path& real_dir = refs.real_file_dir;
  std::error_code ec;
  const auto real = std::filesystem::weakly_canonical(value, ec);
  if (real_dir.empty() || ec || value.empty() || value.front() != '/' ||
      !lies_in(std::filesystem::path(value).lexically_normal(), dir.lexically_normal()) ||
      !lies_in(real, real_dir)) {
    p.add(field,
          "a link created through the API may name only files in daemon.secrets_dir" +
              (real_dir.empty() ? " (which is " + refs.file_dir_problem + ")" : std::string()) +
              "; put the file there");
  }
}

// Parses a registry URL into `e` (registry_endpoint's rules). Plain http
// only to loopback unless `allow_plaintext`: credentials and schemas would
// cross the network in clear text.
void parse_registry_url(const std::string& url, const std::string& field, bool allow_plaintext,
                        registry_endpoint& e, problems& p) {
  e.url = url;
  const std::string hint = "; give e.g. https://registry.example.com:8081";
  std::string_view rest(url);
  const bool printable_ascii =
      std::all_of(rest.begin(), rest.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (rest.size() > 2048 || !printable_ascii) {
    p.add(field, "is not a URL (at most 2048 printable ASCII characters)" + hint);
    return;
  }
  if (rest.starts_with("https://")) {
    e.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    p.add(field, "'" + url + "' must start with https:// or http://" + hint);
    return;
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    p.add(field,
          "holds user information; give the credential as credentials: ${file:/path} "
          "(\"user:password\" in the file), never in the URL");
    return;
  }
  if (url.find_first_of("?#") != std::string::npos) {
    p.add(field, "'" + url + "' has a query or fragment; give the registry's base URL" + hint);
    return;
  }
  std::string_view port;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      p.add(field, "'" + url + "' has an unterminated [IPv6] host" + hint);
      return;
    }
    e.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) {
      p.add(field, "'" + url + "': expected ':port' after the [IPv6] host" + hint);
      return;
    }
    if (!after.empty()) port = after.substr(1);
  } else {
    const size_t colon = authority.rfind(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (e.host.empty()) {
    p.add(field, "'" + url + "' names no host" + hint);
    return;
  }
  e.port = e.tls ? 443 : 80;
  const bool colon_without_port =
      port.empty() && (authority.ends_with(":") || authority.ends_with("]:"));
  if (colon_without_port) {
    p.add(field, "'" + url + "' has an empty port" + hint);
    return;
  }
  if (!port.empty()) {
    int v = 0;
    const bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
                          return c >= '0' && c <= '9';
                        });
    if (digits) v = std::stoi(std::string(port));
    if (!digits || v < 1 || v > 65535) {
      p.add(field, "'" + url + "' has an invalid port (1-65535)" + hint);
      return;
    }
    e.port = static_cast<uint16_t>(v);
  }
  while (path.ends_with("/")) path.remove_suffix(1);
  e.base_path = std::string(path);
  // An address of 127.0.0.0/8 or ::1, or the name localhost: no other name
  // (127.0.0.1.example.com is one) counts as loopback.
  in_addr v4{};
  in6_addr v6{};
  const bool loopback =
      e.host == "localhost" ||
      (inet_pton(AF_INET, e.host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127) ||
      (inet_pton(AF_INET6, e.host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6));
  if (!e.tls && !loopback && !allow_plaintext) {
    p.add(field, "'" + url +
                     "' is plain http to a host that is not loopback: its credential and "
                     "schemas would cross the network in clear text; use https, or set "
                     "allow_plaintext: true beside it if the network is trusted");
  }
}

constexpr const char* kRegistryKinds =
    "kind: apicurio (Apicurio Registry 3) or kind: confluent (a registry with Confluent's "
    "IMPORT mode)";

// One registry of a schemas section (its kind: parse_schemas).
registry_endpoint parse_registry(const YAML::Node& n, const std::string& field, bool target,
                                 const references& refs, problems& p) {
  registry_endpoint e;
  if (!n || !n.IsMap()) {
    p.add(field, std::string("missing or not a map; give url") +
                     (target ? std::string(" and ") + kRegistryKinds : "") +
                     ", e.g. {url: https://registry:8081}");
    return e;
  }
  std::set<std::string> keys = {"url", "credentials", "ca_file", "allow_plaintext", "kind"};
  check_known_keys(n, field, keys, p);
  bool allow_plaintext = false;
  if (n["allow_plaintext"]) {
    allow_plaintext =
        parse_bool(n["allow_plaintext"], field + ".allow_plaintext", p).value_or(false);
  }
  if (!n["url"]) {
    p.add(field + ".url", "missing; give the registry's base URL, e.g. https://registry:8081");
  } else if (auto url = scalar(n["url"], field + ".url", p)) {
    parse_registry_url(*url, field + ".url", allow_plaintext, e, p);
  }
  if (n["credentials"]) {
    const std::string f = field + ".credentials";
    if (auto raw = scalar(n["credentials"], f, p)) {
      if (!raw->starts_with("${")) {
        p.add(f,
              "must be a reference, ${file:/path} or ${env:NAME}, to \"user:password\" "
              "(never the credential itself in the config)");
      } else if (auto v = resolve_references("credentials", *raw, f, refs, p)) {
        if (v->find(':') == std::string::npos || v->front() == ':' ||
            v->find_first_of("\r\n") != std::string::npos) {
          p.add(f, "must resolve to one line \"user:password\" (HTTP basic auth)");
        } else {
          e.credentials = *v;
        }
      }
    }
  }
  if (n["ca_file"]) {
    const std::string f = field + ".ca_file";
    if (auto v = scalar(n["ca_file"], f, p)) {
      e.ca_file = *v;
      if (!e.ca_file.is_absolute()) p.add(f, "must be an absolute path to a PEM CA bundle");
      if (!e.url.empty() && !e.tls) p.add(f, "is for https URLs; this URL is plain http");
      if (refs.policy.file_dir) check_api_link_file(*v, refs, f, p);
    }
  }
  return e;
}

schemas_config parse_schemas(const YAML::Node& n, const std::string& field, const references& refs,
                             problems& p) {
  schemas_config s;
  if (!n.IsMap()) {
    p.add(field, "must be a map with source and target registries");
    return s;
  }
  s.enabled = true;
  check_known_keys(n, field, {"source", "target", "include", "exclude"}, p);
  s.source = parse_registry(n["source"], field + ".source", false, refs, p);
  s.target = parse_registry(n["target"], field + ".target", true, refs, p);
  // A registry's kind: required of the target (how ids are kept), optional
  // for the source (how it is read).
  auto kind_of = [&](const char* side, bool required, schemas_config::target_kind& out) {
    const YAML::Node r = n[side];
    if (!r || !r.IsMap()) return;
    const std::string f = field + "." + side + ".kind";
    const std::string kinds =
        required ? kRegistryKinds
                 : "kind: apicurio (Apicurio Registry 3, url its root) or kind: confluent "
                   "(Confluent's API, the default)";
    if (!r["kind"]) {
      if (required) p.add(f, "missing; give " + kinds);
    } else if (auto k = scalar(r["kind"], f, p)) {
      if (*k == "apicurio") {
        out = schemas_config::target_kind::apicurio;
      } else if (*k == "confluent") {
        out = schemas_config::target_kind::confluent;
      } else {
        p.add(f, "'" + printable(*k, 64) + "' is not a kind; give " + kinds);
      }
    }
  };
  kind_of("target", true, s.kind);
  kind_of("source", false, s.source_kind);
  // An Apicurio registry is given by its root: strait appends its APIs.
  for (const auto& [side, e, k] :
       {std::tuple{"source", &s.source, s.source_kind}, std::tuple{"target", &s.target, s.kind}}) {
    if (k == schemas_config::target_kind::apicurio &&
        (e->base_path.ends_with("/apis/ccompat/v7") ||
         e->base_path.ends_with("/apis/ccompat/v6"))) {
      p.add(field + "." + side + ".url",
            "is Apicurio's Confluent API; with kind: apicurio give the registry's root URL "
            "(without /apis/ccompat/...): strait uses the APIs below it");
    }
  }
  if (n["include"]) s.include = parse_string_list(n["include"], field + ".include", p);
  if (!n["include"]) s.include = {".*"};
  if (s.include.empty()) {
    p.add(field + ".include", "at least one regex over subject names is required (\".*\": all)");
  }
  if (n["exclude"]) s.exclude = parse_string_list(n["exclude"], field + ".exclude", p);
  check_filter(s.include, s.exclude, false, field, p);
  if (!s.source.host.empty() && s.source.host == s.target.host && s.source.port == s.target.port &&
      s.source.base_path == s.target.base_path) {
    p.add(field + ".target.url", "is the source registry's URL; give the target registry");
  }
  return s;
}

link_config parse_link(const YAML::Node& n, const std::string& field, const references& refs,
                       problems& p) {
  link_config l;
  if (!n.IsMap()) {
    p.add(field, "must be a map with name, source, target and topics");
    return l;
  }
  check_known_keys(n, field,
                   {"name", "source", "target", "topics", "groups", "migration", "limits", "acls",
                    "fence", "schemas", "checkpoint_interval_ms"},
                   p);
  if (!n["name"]) {
    p.add(field + ".name", "missing; give a short name such as \"main\"");
  } else {
    l.name = scalar(n["name"], field + ".name", p).value_or("");
    if (!valid_link_name(l.name)) {
      p.add(field + ".name", "'" + l.name + "' is not valid: use 1-64 letters, digits, '-' or '_'");
    }
  }
  l.source = parse_cluster(n["source"], field + ".source", true, refs, p);
  l.target = parse_cluster(n["target"], field + ".target", false, refs, p);
  l.topics = parse_topics(n["topics"], field + ".topics", p);
  // What the configuration alone shows; straitd compares the clusters' ids
  // when it connects (another name for the same broker is caught there).
  if (l.topics.prefix.empty()) {
    const auto source = l.source.brokers();
    for (const auto& server : l.target.brokers()) {
      if (!source.contains(server)) continue;
      p.add(field + ".target.properties.bootstrap.servers",
            "names " + server +
                ", a broker of the source: a link from a cluster to itself "
                "would write every record back into the topic it reads; give topics.prefix or "
                "another target");
      break;
    }
  }
  if (const YAML::Node groups = n["groups"]) l.groups = parse_groups(groups, field + ".groups", p);
  if (const YAML::Node acls = n["acls"]) l.acls = parse_acls(acls, field + ".acls", refs, p);
  if (const YAML::Node fence = n["fence"]) l.fence = parse_fence(fence, field + ".fence", refs, p);
  if (const YAML::Node schemas = n["schemas"]) {
    l.schemas = parse_schemas(schemas, field + ".schemas", refs, p);
  }
  if (const YAML::Node m = n["migration"]) {
    check_known_keys(m, field + ".migration", {"in_sync_max_lag_records"}, p);
    if (m["in_sync_max_lag_records"]) {
      auto v =
          parse_int(m["in_sync_max_lag_records"], field + ".migration.in_sync_max_lag_records", p);
      if (v && *v < 0) {
        p.add(field + ".migration.in_sync_max_lag_records",
              "must be 0 or more (records of lag at which a topic counts as in sync)");
      } else if (v) {
        l.migration.in_sync_max_lag_records = *v;
      }
    }
  }
  if (const YAML::Node lim = n["limits"]) {
    auto& limits = l.limits;
    check_known_keys(lim, field + ".limits",
                     {"partition_inflight_bytes", "link_inflight_bytes", "engine_threads"}, p);
    if (lim["engine_threads"]) {
      auto v = parse_int(lim["engine_threads"], field + ".limits.engine_threads", p);
      if (v && (*v < 1 || *v > limits_config::kMaxEngineThreads)) {
        p.add(field + ".limits.engine_threads",
              "must be 1 to " + std::to_string(limits_config::kMaxEngineThreads) +
                  " (engine threads of the link; each needs a consumer and a producer)");
      } else if (v) {
        limits.engine_threads = static_cast<int>(*v);
      }
    }
    if (lim["link_inflight_bytes"]) {
      if (auto v =
              parse_bytes(lim["link_inflight_bytes"], field + ".limits.link_inflight_bytes", p)) {
        limits.link_inflight_bytes = *v;
      }
    }
    // An engine thread's part of the link's budget.
    const int64_t part = limits.link_inflight_bytes / limits.engine_threads;
    if (lim["partition_inflight_bytes"]) {
      if (auto v = parse_bytes(lim["partition_inflight_bytes"],
                               field + ".limits.partition_inflight_bytes", p)) {
        limits.partition_inflight_bytes = *v;
      }
    } else {
      // Unset, the partition limit is a quarter of the link's (or a
      // thread's part when less), so the link limit binds before partitions
      // pause (a pause refetches; ADR 0011).
      limits.partition_inflight_bytes =
          std::max<int64_t>(1, std::min(limits.link_inflight_bytes / 4, part));
    }
    if (limits.link_inflight_bytes < limits.partition_inflight_bytes) {
      p.add(field + ".limits.link_inflight_bytes",
            "must be at least limits.partition_inflight_bytes");
    } else if (part < limits.partition_inflight_bytes) {
      p.add(field + ".limits.partition_inflight_bytes",
            "must be at most limits.link_inflight_bytes / limits.engine_threads (" +
                std::to_string(part) +
                " bytes): each engine thread gets an equal part of the link's budget, and a "
                "partition's limit must fit in its thread's part; lower it, raise "
                "link_inflight_bytes or use fewer engine_threads");
    }
  }
  parse_ms(n, "checkpoint_interval_ms", field, 10, 60000, "", l.checkpoint_interval, p);
  return l;
}

// daemon.shards (ADR 0030): `count` 1 to shard_identity::kMaxShards, and
// this straitd's `ordinal`, a number below it or `hostname` (a StatefulSet
// pod's NAME-i, read when the daemon starts); needed when count > 1.
void parse_shards(const YAML::Node& n, shard_identity& out, problems& p) {
  if (!n.IsMap()) {
    p.add("daemon.shards", "must be a map with count and ordinal");
    return;
  }
  check_known_keys(n, "daemon.shards", {"count", "ordinal"}, p);
  if (n["count"]) {
    auto v = parse_int(n["count"], "daemon.shards.count", p);
    if (v && (*v < 1 || *v > shard_identity::kMaxShards)) {
      p.add("daemon.shards.count", "must be 1 to " + std::to_string(shard_identity::kMaxShards) +
                                       ", got " + std::to_string(*v));
    } else if (v) {
      out.count = static_cast<uint32_t>(*v);
    }
  }
  const YAML::Node o = n["ordinal"];
  if (!o) {
    if (out.count > 1) {
      p.add("daemon.shards.ordinal", "missing; give this straitd's ordinal, 0 to " +
                                         std::to_string(out.count - 1) +
                                         ", or hostname (a StatefulSet pod NAME-i)");
    }
    return;
  }
  if (o.IsScalar() && o.Scalar() == "hostname") {
    out.ordinal_from_hostname = true;
    return;
  }
  const bool digits = o.IsScalar() && !o.Scalar().empty() && o.Scalar().size() <= 9 &&
                      std::ranges::all_of(o.Scalar(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    p.add("daemon.shards.ordinal",
          "must be a number, 0 to " + std::to_string(out.count - 1) +
              ", or hostname (a StatefulSet pod NAME-i)" +
              (o.IsScalar() ? ", got '" + printable(o.Scalar(), 64) + "'" : std::string()));
    return;
  }
  auto v = parse_int(o, "daemon.shards.ordinal", p);
  if (v && (*v < 0 || *v >= out.count)) {
    p.add("daemon.shards.ordinal", "must be 0 to " + std::to_string(out.count - 1) +
                                       " (daemon.shards.count is " + std::to_string(out.count) +
                                       "), got " + std::to_string(*v));
  } else if (v) {
    out.ordinal = static_cast<uint32_t>(*v);
  }
}

}  // namespace

std::set<std::string> cluster_config::brokers() const {
  std::set<std::string> out;
  std::stringstream in(bootstrap());
  for (std::string entry; std::getline(in, entry, ',');) {
    entry.erase(0, entry.find_first_not_of(" \t"));
    entry.erase(entry.find_last_not_of(" \t") + 1);
    std::transform(entry.begin(), entry.end(), entry.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (auto scheme = entry.find("://"); scheme != std::string::npos) entry.erase(0, scheme + 3);
    if (!entry.empty()) out.insert(entry);
  }
  return out;
}

bool valid_principal(const std::string& s) {
  const auto colon = s.find(':');
  if (s.size() > 1024 || colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
    return false;
  }
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

properties overlay(const properties& base, const properties& over) {
  properties out = base;
  for (const auto& [key, value] : over) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == key; });
    if (it == out.end()) {
      out.emplace_back(key, value);
    } else {
      it->second = value;
    }
  }
  return out;
}

std::string cluster_config::bootstrap() const {
  for (const auto& [k, v] : props) {
    if (k == "bootstrap.servers") return v;
  }
  return "";
}

const std::vector<std::string>& default_config_deny() {
  // Replication and placement settings of the source make no sense on another
  // cluster (least of all a shared-storage one); timestamp type is kept as
  // CreateTime so the target keeps the source's timestamps, which must not be
  // bounded either (docs/configuration.md).
  static const std::vector<std::string> kDeny = {
      "min.insync.replicas",
      "unclean.leader.election.enable",
      "leader.replication.throttled.replicas",
      "follower.replication.throttled.replicas",
      "message.timestamp.type",
      // Bounds on how old or new a record's timestamp may be when written:
      // the mirror writes records as old as its lag, which such a bound
      // would refuse.
      "message.timestamp.difference.max.ms",
      "message.timestamp.before.max.ms",
      "message.timestamp.after.max.ms",
      "message.downconversion.enable",
      "remote.storage.enable",
      "local.retention.*",
      "confluent.*",
      "automq.*",
  };
  return kDeny;
}

bool matches_config_pattern(std::string_view pattern, std::string_view name) {
  if (pattern.ends_with("*")) return name.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == name;
}

reference_policy api_link_references(const std::filesystem::path& secrets_dir) {
  return {"STRAIT_SECRET_", secrets_dir, true, true};
}

result<config> parse(const std::string& yaml_text, const env_lookup& env) {
  const reference_policy file_links;  // the operator's own file: any variable, any file
  const references refs{env, file_links};
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return fail(errc::invalid_argument, "configuration is not valid YAML: " + e.msg + " (line " +
                                            std::to_string(e.mark.line + 1) + ", column " +
                                            std::to_string(e.mark.column + 1) + ")");
  }
  problems p;
  config c;
  int budget = kMaxNodes;
  check_duplicate_keys(root, "", 0, budget, p);
  if (budget < 0) return fail(errc::invalid_argument, p.text());
  try {
    if (!root.IsMap()) {
      return fail(errc::invalid_argument,
                  "configuration must be a map with the sections daemon and links");
    }
    check_known_keys(root, "config", {"daemon", "links"}, p);
    const YAML::Node d = root["daemon"];
    if (!d || !d.IsMap()) {
      p.add("daemon", "missing; it needs at least state_dir");
    } else {
      check_known_keys(d, "daemon",
                       {"state_dir", "secrets_dir", "http_listen", "api_listen", "api_security",
                        "log_level", "shards"},
                       p);
      if (!d["state_dir"]) {
        p.add("daemon.state_dir", "missing; give a directory for the checkpoint store");
      } else {
        auto dir = scalar(d["state_dir"], "daemon.state_dir", p);
        if (dir && dir->empty()) {
          p.add("daemon.state_dir", "empty; give a directory for the checkpoint store");
        }
        c.daemon.state_dir = dir.value_or("");
      }
      if (d["secrets_dir"]) {
        c.daemon.secrets_dir = scalar(d["secrets_dir"], "daemon.secrets_dir", p).value_or("");
        if (!c.daemon.secrets_dir.is_absolute()) {
          p.add("daemon.secrets_dir", "must be an absolute path, e.g. /etc/strait/secrets");
        }
      }
      auto listen = [&](const char* key, const char* example, std::string& out) {
        if (!d[key]) return;
        const std::string field = std::string("daemon.") + key;
        out = scalar(d[key], field, p).value_or("");
        auto colon = out.rfind(':');
        if (colon == std::string::npos || colon + 1 == out.size()) {
          p.add(field, std::string("must be host:port, e.g. ") + example + " (port 0 = any)");
        }
      };
      listen("http_listen", "127.0.0.1:9644", c.daemon.http_listen);
      listen("api_listen", "127.0.0.1:9645", c.daemon.api_listen);
      auto& sec = c.daemon.api_security;
      if (const YAML::Node a = d["api_security"]) {
        check_known_keys(
            a, "daemon.api_security",
            {"cert_file", "key_file", "client_ca_file", "tokens_file", "allow_anonymous_admin"}, p);
        auto path = [&](const char* key, std::filesystem::path& out) {
          if (a[key])
            out = scalar(a[key], std::string("daemon.api_security.") + key, p).value_or("");
        };
        path("cert_file", sec.cert_file);
        path("key_file", sec.key_file);
        path("client_ca_file", sec.client_ca_file);
        path("tokens_file", sec.tokens_file);
        if (a["allow_anonymous_admin"]) {
          sec.allow_anonymous_admin =
              parse_bool(a["allow_anonymous_admin"], "daemon.api_security.allow_anonymous_admin", p)
                  .value_or(false);
        }
        if (sec.cert_file.empty() != sec.key_file.empty()) {
          p.add("daemon.api_security.key_file",
                "cert_file and key_file go together: give both for TLS, or neither");
        }
        if (!sec.client_ca_file.empty() && sec.cert_file.empty()) {
          p.add("daemon.api_security.client_ca_file",
                "client certificates need TLS: give cert_file and key_file too");
        }
      }
      // Without TLS the API (and any token) travels in clear text: only on loopback.
      const std::string api_host = c.daemon.api_listen.substr(0, c.daemon.api_listen.rfind(':'));
      const bool loopback =
          api_host == "127.0.0.1" || api_host == "[::1]" || api_host == "localhost";
      if (sec.cert_file.empty() && !loopback) {
        p.add("daemon.api_listen",
              "'" + c.daemon.api_listen +
                  "' is not a loopback address: set daemon.api_security.cert_file and key_file "
                  "(TLS), or listen on 127.0.0.1");
      } else if (!loopback && sec.client_ca_file.empty() && sec.tokens_file.empty() &&
                 !sec.allow_anonymous_admin) {
        // TLS alone authenticates the server, not the caller: everyone who
        // reaches the port would be the administrator.
        p.add("daemon.api_security",
              "the API listens on '" + c.daemon.api_listen +
                  "' with neither client_ca_file nor tokens_file, so every caller would be an "
                  "admin: give one of them, listen on 127.0.0.1, or set "
                  "allow_anonymous_admin: true if a network policy already limits who connects");
      }
      if (d["log_level"]) {
        c.daemon.log_level = scalar(d["log_level"], "daemon.log_level", p).value_or("info");
        static const std::set<std::string> kLevels = {"trace", "debug", "info",
                                                      "warn",  "error", "critical"};
        if (!kLevels.contains(c.daemon.log_level)) {
          p.add("daemon.log_level", "must be one of trace, debug, info, warn, error, critical");
        }
      }
      if (const YAML::Node sh = d["shards"]) parse_shards(sh, c.daemon.shards, p);
    }
    // Links may also be created through the API (docs/links.md), so the
    // file may have none; a `links` key that is there must be a list.
    const YAML::Node links = root["links"];
    if (links && !links.IsSequence() && !links.IsNull()) {
      p.add("links", "must be a list of links (name, source, target, topics)");
    } else if (links && links.IsSequence()) {
      std::set<std::string> names;
      for (size_t i = 0; i < links.size(); ++i) {
        std::string field = "links[" + std::to_string(i) + "]";
        link_config l = parse_link(links[i], field, refs, p);
        if (!l.name.empty() && !names.insert(l.name).second) {
          p.add(field + ".name", "'" + l.name + "' is used by another link; names must be unique");
        }
        c.links.push_back(std::move(l));
      }
    }
  } catch (const YAML::Exception& e) {
    p.add("config", std::string("unexpected structure: ") + e.msg);
  }
  if (!p.empty()) return fail(errc::invalid_argument, p.text());
  return c;
}

namespace {

// librdkafka properties that run a command or load code on straitd's host:
// an API caller must not set them (a config file link may).
const std::set<std::string> kHostCodeProperties = {
    "sasl.kerberos.kinit.cmd", "plugin.library.paths", "ssl.engine.location",
    "ssl.engine.id",           "ssl.providers",        "ssl.ca.certificate.stores"};

// What a link created through the API may not set: code on the host, and
// files outside daemon.secrets_dir (paths librdkafka reads: *.location,
// sasl.kerberos.keytab).
void check_api_link_property(const std::string& key, const std::string& value,
                             const references& refs, const std::string& field, problems& p) {
  if (kHostCodeProperties.contains(key)) {
    p.add(field,
          "not allowed in a link created through the API (it runs a command or loads code on "
          "straitd's host); define the link in the config file instead");
    return;
  }
  if (!key.ends_with(".location") && key != "sasl.kerberos.keytab") return;
  check_api_link_file(value, refs, field, p);
}

}  // namespace

result<link_config> parse_link_yaml(const std::string& yaml_text, const env_lookup& env,
                                    const reference_policy& policy) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return fail(errc::invalid_argument, "link: not valid YAML: " + e.msg + " (line " +
                                            std::to_string(e.mark.line + 1) + ")");
  }
  problems p;
  link_config l;
  int budget = kMaxNodes;
  check_duplicate_keys(root, "link", 0, budget, p);
  if (budget < 0) return fail(errc::invalid_argument, p.text());
  try {
    const references refs(env, policy);
    l = parse_link(root, "link", refs, p);
    // Stored in the checkpoint store: secrets only by reference; every set
    // of client properties (the clusters', the ACL admin's) alike.
    const auto admin_properties = [&](const char* section, const char* admin) {
      const YAML::Node s = root[section];
      return s && s.IsMap() && s[admin] && s[admin].IsMap() ? s[admin]["properties"] : YAML::Node();
    };
    const std::vector<std::pair<std::string, YAML::Node>> property_sets = {
        {"source", root["source"] ? root["source"]["properties"] : YAML::Node()},
        {"target", root["target"] ? root["target"]["properties"] : YAML::Node()},
        {"acls.target_admin", admin_properties("acls", "target_admin")},
        {"fence.source_admin", admin_properties("fence", "source_admin")}};
    for (const auto& [side, props] : property_sets) {
      if (!props || !props.IsMap()) continue;
      for (const auto& kv : props) {
        const auto key = kv.first.as<std::string>();
        const auto value = kv.second.IsScalar() ? kv.second.as<std::string>() : std::string();
        const std::string field = "link." + side + ".properties." + key;
        if (is_secret_property(key) && !value.starts_with("${")) {
          p.add(field,
                "a link created through the API is stored by straitd, which stores no secret: "
                "write ${env:STRAIT_SECRET_NAME} or ${file:/path in daemon.secrets_dir} "
                "(resolved on straitd's host)");
        }
        check_api_link_property(key, value, refs, field, p);
      }
    }
  } catch (const YAML::Exception& e) {
    p.add("link", std::string("unexpected structure: ") + e.msg);
  }
  if (!p.empty()) return fail(errc::invalid_argument, p.text());
  return l;
}

result<config> load_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return fail(errc::invalid_argument,
                "cannot read configuration file " + path.string() + " (check the --config path)");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  auto c = parse(ss.str(), env);
  if (!c) return fail(c.error().code, path.string() + ":\n" + c.error().message);
  return c;
}

}  // namespace strait::config
