#pragma once

// The plain values of Kafka's admin answers, without librdkafka: what other
// modules keep (a scan's report) and the admin client returns (client.h).

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strait::kafka {

// A config as DescribeConfigs gives it. is_default: for a topic, the value
// is not set on the topic itself; for a broker, it is Kafka's built-in
// default (set neither in the broker's properties nor dynamically).
struct config_entry {
  std::string name;
  std::string value;
  bool is_default = true;
  bool is_sensitive = false;
  bool operator==(const config_entry&) const = default;
};

// One change of a topic's own configs (IncrementalAlterConfigs): set `name`
// to `value`, or, without a value, delete the topic's own value so that the
// broker's default applies again.
struct config_change {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const config_change&) const = default;
};

struct broker_node {
  int32_t id = -1;
  std::string host;
  int port = 0;
  std::string rack;  // empty when none
  bool operator==(const broker_node&) const = default;
};

// One ACL. The names are Kafka's (as kafka-acls prints them); a value
// librdkafka does not know is "UNKNOWN".
struct acl_binding {
  // "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN",
  // "USER" or "UNKNOWN" (librdkafka 2.14.2 reads DELEGATION_TOKEN and USER as
  // unknown).
  std::string resource_type;
  std::string resource_name;
  std::string pattern_type;  // "LITERAL", "PREFIXED", "MATCH" or "UNKNOWN"
  std::string principal;     // e.g. "User:alice"
  std::string host;          // "*" for any
  // "ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE",
  // "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE"
  // or "UNKNOWN" (librdkafka 2.14.2 reads CREATE_TOKENS, DESCRIBE_TOKENS and
  // TWO_PHASE_COMMIT as unknown).
  std::string operation;
  std::string permission;  // "ALLOW", "DENY" or "UNKNOWN"
  auto operator<=>(const acl_binding&) const = default;
};

struct scram_credential {
  std::string mechanism;  // "SCRAM-SHA-256", "SCRAM-SHA-512" or "UNKNOWN"
  int iterations = 0;
  bool operator==(const scram_credential&) const = default;
};

struct scram_user {
  std::string name;
  std::vector<scram_credential> credentials;
  bool operator==(const scram_user&) const = default;
};

}  // namespace strait::kafka
