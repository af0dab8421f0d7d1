#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strait/base/result.h"
#include "strait/config/shards.h"

namespace strait::config {

// librdkafka properties, in file order, with ${env:NAME} / ${file:PATH}
// references already replaced. Values may be secrets: never log them; use
// redacted() for display.
using properties = std::vector<std::pair<std::string, std::string>>;

struct cluster_config {
  properties props;
  [[nodiscard]] std::string bootstrap() const;  // for logs: bootstrap.servers only
  // bootstrap.servers as a set of lower-case host:port entries (a listener
  // scheme such as "SASL_SSL://" dropped).
  [[nodiscard]] std::set<std::string> brokers() const;
};

struct topic_config {
  std::vector<std::string> include;  // RE2, full match
  std::vector<std::string> exclude;
  bool exclude_internal = true;  // topics whose names start with "__"
  std::string prefix;            // target name = prefix + source name
  // Not read from the file: set only on the reverse-mirroring link of a
  // cutover, whose source names carry the forward prefix, so that the target
  // name is prefix + (source name without strip_prefix).
  std::string strip_prefix;
  [[nodiscard]] std::string target_name(const std::string& source_topic) const {
    std::string_view n(source_topic);
    if (!strip_prefix.empty() && n.starts_with(strip_prefix)) n.remove_prefix(strip_prefix.size());
    return prefix + std::string(n);
  }
  // The inverse of target_name() for a forward link: the source topic a
  // target topic mirrors, or nullopt when the name lacks the prefix.
  [[nodiscard]] std::optional<std::string> source_name(const std::string& target_topic) const {
    if (!target_topic.starts_with(prefix)) return std::nullopt;
    return target_topic.substr(prefix.size());
  }
  int replication_factor = -1;  // -1: the target broker's default
  bool create = true;           // create missing target topics
  // Use DescribeConfigs: copy topic configs to new target topics, compare
  // partitions and cleanup.policy, learn max.message.bytes. Turn off only for
  // clusters without admin APIs; new target topics then get no configs.
  bool check_configs = true;
  // Which non-default source topic configs are copied: a name is copied when
  // it matches an allow pattern and no deny pattern ("x.*" matches a prefix).
  std::vector<std::string> config_allow;
  std::vector<std::string> config_deny;
  std::chrono::milliseconds refresh_interval{5000};
  // Config sync (ADR 0022): which target topics follow the source's configs
  // as they change (the configs configs_to_copy picks). Drift is reported
  // for every other compared topic (not for topics in error or cut over).
  // Needs check_configs (config_sync given with check_configs: false is a
  // config error).
  //   created: target topics strait created (it changes nothing else);
  //   all:     every mirrored target topic, also ones that existed before;
  //   off:     none, and drift is not read either.
  enum class config_sync_mode { created, all, off };
  config_sync_mode config_sync = config_sync_mode::created;
  std::chrono::milliseconds config_sync_interval{30000};
};

// Flow control. Fetching of a partition pauses when its bytes in flight (read
// from the source, not yet acknowledged by the target) reach
// partition_inflight_bytes and resumes below half of it; at
// link_inflight_bytes the engine stops taking records from the consumer until
// the total is below the limit again.
struct limits_config {
  // A quarter of link_inflight_bytes unless set (also when only the link
  // limit is set), or an engine thread's part of it when that is less: the
  // link limit should bind before partitions pause.
  int64_t partition_inflight_bytes = 16LL << 20;
  int64_t link_inflight_bytes = 64LL << 20;
  // Engine threads of the link, 1 to kMaxEngineThreads; each gets
  // an equal part of link_inflight_bytes (ADR 0029).
  int engine_threads = 1;
  static constexpr int kMaxEngineThreads = 8;
};

// Consumer-group offset sync (docs/offset-translation.md). Off unless the
// link has a `groups` section: writing offsets on the target is opt-in.
struct group_config {
  bool enabled = false;
  std::vector<std::string> include;  // RE2 over group ids, full match
  std::vector<std::string> exclude;
  // How often committed offsets are read on the source and written to the
  // target; a source commit reaches the target within about this interval.
  std::chrono::milliseconds sync_interval{500};
};

// ACL sync (docs/planning.md#acls, ADR 0023). Off unless the link has an
// `acls` section. A source principal maps to a target principal by the first
// rule that matches it; a topic or group binding of a principal no rule maps
// is planned as blocked, never copied under its source name.
struct principal_rule {
  std::string source;        // a whole principal ("User:alice"); or
  std::string source_regex;  // RE2 over the whole principal (never matches "User:*")
  std::string target;        // the target principal; \1..\9 with source_regex; a
                             // wildcard ("User:*") only when `source` is that same one
};

struct acl_config {
  bool enabled = false;
  // strait's own principal on the target (the one mirroring writes with):
  // its bindings are never copied over, and a resource is granted to
  // others only where strait keeps its own access (ADR 0023).
  std::string target_principal;
  // Laid over target.props for ACL reads and writes on the target (an
  // administrator's credential: CreateAcls needs ALTER on the cluster), so
  // that mirroring's own credential stays least-privileged.
  properties target_admin;
  std::vector<principal_rule> principals;
};

// The source fence (docs/cutover.md#the-source-fence, ADR 0023). Off unless
// the link has a `fence` section: then every producer cutover of the link
// denies the topic's other writers WRITE on the source while it drains and
// after, until a rollback has resumed mirroring.
struct fence_config {
  bool enabled = false;
  // strait's own principal on the source: reverse mirroring writes to the
  // source with it, so it is never fenced.
  std::string source_principal;
  // Laid over source.props for ACL reads and writes on the source (an
  // administrator's credential).
  properties source_admin;
};

// A schema registry's HTTP API (docs/planning.md#schemas, ADR 0027),
// parsed from its URL: http(s)://host[:port][/path]; no user info, query
// or fragment.
struct registry_endpoint {
  std::string url;  // as written, for logs and errors (it holds no secret)
  bool tls = false;
  std::string host;       // a name or an IP literal (IPv6 without brackets)
  uint16_t port = 0;      // 80 / 443 when the URL gives none
  std::string base_path;  // "" or "/path" without a trailing '/'
  // "user:password" for HTTP basic auth (Confluent Cloud: key:secret), or
  // empty. A secret: never logged or echoed.
  std::string credentials;
  // https: the CA bundle (PEM) the server is verified with; empty: the
  // system's CAs. The host name is always verified.
  std::filesystem::path ca_file;
};

// Schema copy (ADR 0027). Off unless the link has a `schemas` section.
struct schemas_config {
  bool enabled = false;
  // A registry's kind. The target's says how schemas are written with their
  // ids kept: a Confluent registry's IMPORT mode, or Apicurio Registry 3's
  // own import (its Confluent API ignores ids); the source's, how it is
  // read (below). Never guessed from answers.
  enum class target_kind { confluent, apicurio };
  // Read through the Confluent API (for source_kind apicurio, below its root).
  registry_endpoint source;
  registry_endpoint target;  // read through the Confluent API; written per `kind`
  target_kind kind = target_kind::confluent;
  // The source's kind (optional, default confluent): for apicurio, `source`
  // is its root URL, read through `…/apis/ccompat/v7`, and its subjects'
  // compatibility levels from Apicurio's own rules (its Confluent API
  // answers NONE for a subject without a rule, whatever the global level).
  target_kind source_kind = target_kind::confluent;
  std::vector<std::string> include;  // RE2 over subject names, full match (default: all)
  std::vector<std::string> exclude;
};

// The migration workflow of a link (docs/state-machine.md).
struct migration_config {
  // A topic is IN_SYNC while its lag (records, summed over its partitions) is
  // at or under this and no partition is stopped.
  int64_t in_sync_max_lag_records = 1000;
};

struct link_config {
  std::string name;
  cluster_config source;
  cluster_config target;
  topic_config topics;
  limits_config limits;
  group_config groups;
  migration_config migration;
  acl_config acls;
  fence_config fence;
  schemas_config schemas;
  std::chrono::milliseconds checkpoint_interval{100};
};

// A Kafka principal as ACLs name it: "Type:name", both parts non-empty, at
// most 1024 bytes, no control characters (a rule's rewrite or a cluster's
// binding may hold anything).
[[nodiscard]] bool valid_principal(const std::string& s);

// `base` with each of `over`'s properties replacing the one of its name, or
// added after them.
[[nodiscard]] properties overlay(const properties& base, const properties& over);

// Security of the strait.v1 API (docs/api.md#security). Paths are read when
// the daemon starts.
struct api_security_config {
  std::filesystem::path cert_file;       // server certificate chain (PEM); empty: plaintext
  std::filesystem::path key_file;        // its private key (PEM)
  std::filesystem::path client_ca_file;  // CA of client certificates: mTLS; empty: no client certs
  std::filesystem::path tokens_file;     // "ROLE NAME TOKEN" per line; empty: no tokens
  // Off: a non-loopback TLS API needs client_ca_file or tokens_file, since
  // without them every caller is the administrator `local`.
  bool allow_anonymous_admin = false;
};

struct daemon_config {
  std::filesystem::path state_dir;
  // Where ${file:} references of links created through the API may point;
  // empty: such links may use ${env:STRAIT_SECRET_*} only.
  std::filesystem::path secrets_dir;
  std::string http_listen = "127.0.0.1:9644";  // host:port; port 0 = any free port
  std::string api_listen = "127.0.0.1:9645";   // gRPC control plane (strait.v1), same rules
  api_security_config api_security;
  std::string log_level = "info";
  // Several straitd sharing one migration (ADR 0030): this one's ordinal
  // and the set's size. The ordinal may be read from the host name at start.
  shard_identity shards;
};

struct config {
  daemon_config daemon;
  std::vector<link_config> links;
};

// Default deny list of topic configs (documented in docs/configuration.md).
[[nodiscard]] const std::vector<std::string>& default_config_deny();

// Reads a secret reference: returns the variable's value or nullopt.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

// Where the ${env:NAME} and ${file:/path} references of a link's
// properties may point. A file must be a regular file of at most 64 KiB.
struct reference_policy {
  std::string env_prefix;  // NAME must start with it ("": any name)
  // PATH must lie in this directory after symlinks are resolved; nullopt:
  // anywhere; an empty path: no ${file:} reference at all.
  std::optional<std::filesystem::path> file_dir;
  bool whole_value = false;  // a credential is exactly one reference, nothing around it
  // References only in credential properties (base/secret_property.h),
  // whose values straitd never echoes.
  bool credentials_only = false;
};

// The policy for links created through the API (their YAML is stored, and
// their author is an API caller, not the host's operator): references only
// in credential properties, ${env:} names start with STRAIT_SECRET_,
// ${file:} paths lie in daemon.secrets_dir, and a credential is one
// reference. parse_link_yaml() also refuses properties that run code on the
// host and paths outside daemon.secrets_dir.
[[nodiscard]] reference_policy api_link_references(const std::filesystem::path& secrets_dir);

// Parses and validates YAML text. On failure the error lists every problem,
// one per line, each naming the field ("links[0].topics.include[1]: ...")
// and the fix; secret values never appear in it.
[[nodiscard]] result<config> parse(const std::string& yaml_text, const env_lookup& env);
[[nodiscard]] result<config> load_file(const std::filesystem::path& path);

// Parses and validates one link given as YAML text, with exactly the fields
// and rules of a `links[]` entry of the file (links created through the
// API), its references resolved under `policy` (api_link_references()).
// Errors name fields as "link.topics.include[0]". Credential properties
// must be references: such a link is stored in the checkpoint store, which
// must never hold a secret.
[[nodiscard]] result<link_config> parse_link_yaml(const std::string& yaml_text,
                                                  const env_lookup& env,
                                                  const reference_policy& policy);

// The name of the link that mirrors a link's cut-over topics back
// (workflow::reverse_mirror); never a valid configured name (it has a '.').
[[nodiscard]] inline std::string reverse_link_name(const std::string& forward_link) {
  return forward_link + ".reverse";
}

// True when `name` matches `pattern`, where a trailing '*' matches any suffix.
[[nodiscard]] bool matches_config_pattern(std::string_view pattern, std::string_view name);

}  // namespace strait::config
