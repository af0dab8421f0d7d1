#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/kafka/types.h"

namespace strait::plan {

// The pure decisions of an ACL plan (docs/planning.md#acls, ADR 0023): which
// of the source's ACL bindings the target gets, under which principal and
// name, and which it does not and why. Made from both clusters' bindings as
// read; unit-tested without Kafka (tests/unit/acl_planner_test.cc).

// Maps source principals to target principals by a link's rules
// (config::acl_config::principals): the first rule that matches wins; a
// source_regex rule never matches "User:*" (a wildcard principal is mapped
// only by a rule that names it).
class principal_mapper {
 public:
  explicit principal_mapper(const std::vector<config::principal_rule>& rules);
  ~principal_mapper();
  principal_mapper(const principal_mapper&) = delete;
  principal_mapper& operator=(const principal_mapper&) = delete;
  // The target principal, or nullopt when no rule maps `source`.
  [[nodiscard]] std::optional<std::string> map(const std::string& source) const;

 private:
  struct compiled;
  std::vector<compiled> rules_;
};

// What was read for an ACL plan.
struct acl_facts {
  std::vector<kafka::acl_binding> source, target;  // every binding of each cluster
  std::vector<std::string> source_topics;          // every topic of the source
  std::vector<std::string> source_groups;          // every group of the source
  // The source topics the plan covers (the link's selection and the plan's
  // filter), and the groups the link syncs (null: none; no groups section).
  std::function<bool(const std::string&)> topic_selected, group_selected;
};

enum class acl_action {
  create,      // create `target` on the target cluster (apply)
  at_cutover,  // a right to change the topic (WRITE, ALL, ...): not before its producer cutover
  nothing,     // the target has `target` already
  blocked,     // not copied: `blocker` says why and the fix
};
[[nodiscard]] const char* to_string(acl_action a);

struct acl_item {
  kafka::acl_binding source;
  kafka::acl_binding target;  // the binding on the target; empty fields when not mapped
  acl_action what = acl_action::nothing;
  std::string reason;   // what and why, printable
  std::string blocker;  // blocked: why, and the fix; printable
};

struct acl_plan {
  // DENY bindings first (apply creates them before any ALLOW), then by
  // resource type, name, pattern, principal and operation.
  std::vector<acl_item> items;
  // Source bindings the link does not cover: of topics and groups it does
  // not select, of CLUSTER and TRANSACTIONAL_ID resources for principals no
  // rule maps.
  int not_covered = 0;
};

// The plan of the source's bindings (ADR 0023):
// - TOPIC resources of selected topics get topics.prefix (a LITERAL "*"
//   becomes PREFIXED on the prefix, blocked without one); a PREFIXED one is
//   copied only when every source topic it reaches is selected;
// - GROUP resources of groups the link syncs, the same way (no prefix);
// - CLUSTER resources except administrators' rights (ALTER, ALTER_CONFIGS,
//   CLUSTER_ACTION, CREATE, ALL), and TRANSACTIONAL_ID resources, for
//   principals a rule maps;
// - the principal mapped by `acls.principals`, never to
//   `acls.target_principal`; only host "*";
// - a topic's ALLOW of anything but READ, DESCRIBE and DESCRIBE_CONFIGS
//   waits for the topic's producer cutover (at_cutover);
// - a create on a TOPIC or GROUP resource that has no binding on the target
//   yet, where the target does not grant strait's own principal its access
//   (WRITE on a topic, READ on a group), is blocked: the first binding makes
//   the resource deny-by-default for every principal without one.
[[nodiscard]] acl_plan plan_acls(const config::acl_config& acls, const config::topic_config& topics,
                                 const acl_facts& facts);

// The binding in one line, names made printable:
// "ALLOW READ on TOPIC LITERAL orders for User:app from *".
[[nodiscard]] std::string describe(const kafka::acl_binding& b);

}  // namespace strait::plan
