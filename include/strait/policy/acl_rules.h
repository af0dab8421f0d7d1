#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/kafka/types.h"

namespace strait::policy {

// The pure ACL rules of a link (docs/planning.md#acls, ADR 0023): which of
// the source's ACL bindings the target gets, under which principal and name,
// and which it does not and why. Made from both clusters' bindings as read;
// used by plan / apply (plan::metadata_planner), and the rules a cutover's
// WRITE grants will follow. Unit-tested without Kafka
// (tests/unit/acl_rules_test.cc).

// Maps source principals to target principals by a link's rules
// (config::acl_config::principals): the first rule that matches wins; a
// source_regex rule matches the whole principal and never "User:*" (a
// wildcard principal is mapped only by a rule that names it).
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

// Whether binding `b` applies to resource `name` of its type: a LITERAL "*",
// a LITERAL of that name, or a PREFIXED one whose prefix starts it.
[[nodiscard]] bool reaches(const kafka::acl_binding& b, const std::string& name);

// What was read for an ACL plan.
struct acl_facts {
  std::vector<kafka::acl_binding> source, target;  // every binding of each cluster
  std::vector<std::string> source_topics;          // every topic of the source
  std::vector<std::string> source_groups;          // every group of the source
  std::vector<std::string> target_topics;          // every topic of the target
  std::vector<std::string> target_groups;          // every group of the target
  // The source topics the plan covers (the link's selection and the plan's
  // filter), and the groups the link syncs (null: none; no groups section).
  std::function<bool(const std::string&)> topic_selected, group_selected;
  // Why the link may not write a selected source topic's target topic
  // (another link's, a name Kafka keeps for itself); empty when it may.
  // Null: none is refused.
  std::function<std::string(const std::string&)> topic_refusal;
};

enum class acl_action {
  create,      // create `target` on the target cluster (apply)
  at_cutover,  // a right to change the topic (WRITE, ALL, ...): not before its producer cutover
  nothing,     // the target has `target` already
  blocked,     // not copied: `blocker` says why and the fix
};

struct acl_item {
  kafka::acl_binding source;
  kafka::acl_binding target;  // the binding on the target; empty fields when not mapped
  acl_action what = acl_action::nothing;
  std::string reason;   // what and why, printable
  std::string blocker;  // blocked: why, and the fix; printable
  // A PREFIXED at_cutover item: the target topics it reaches that have its
  // LITERAL copy already (the operator's): a cutover grants that copy on
  // every other (grants_at_cutover).
  std::set<std::string> literal_on_target;
};

struct acl_plan {
  // DENY bindings first (apply creates them before any ALLOW), then by
  // resource type, name, pattern, principal and operation.
  std::vector<acl_item> items;
  // Source bindings the link does not cover: of topics and groups it does
  // not select, of CLUSTER, TRANSACTIONAL_ID and other resources for
  // principals no rule maps.
  int not_covered = 0;
};

// The plan of the source's bindings (ADR 0023):
// - TOPIC resources of selected topics get topics.prefix (a LITERAL "*"
//   becomes PREFIXED on the prefix, blocked without one); a PREFIXED one is
//   copied only when every source topic it reaches is selected and every
//   target topic the copy would reach mirrors one of them; a topic whose
//   target the link may not write (`topic_refusal`) blocks it;
// - GROUP resources of groups the link syncs, the same way (no prefix);
// - CLUSTER resources except administrators' rights (ALTER, ALTER_CONFIGS,
//   CLUSTER_ACTION, CREATE, ALL), and TRANSACTIONAL_ID resources, for
//   principals a rule maps;
// - the principal mapped by `acls.principals`, never to
//   `acls.target_principal`, and a DENY never to "User:*" (it would deny
//   strait too); only host "*";
// - a topic's ALLOW of anything but READ, DESCRIBE and DESCRIBE_CONFIGS
//   waits for the topic's producer cutover (at_cutover);
// - an ALLOW that a source DENY limits, where that DENY is not copied
//   (blocked, or not covered), is blocked: alone it would grant more on the
//   target than the source grants;
// - a create on a TOPIC, GROUP or CLUSTER resource that no target binding
//   covers yet is blocked: the first binding makes the resource
//   deny-by-default for every principal without one, strait's own included.
[[nodiscard]] acl_plan plan_acls(const config::acl_config& acls, const config::topic_config& topics,
                                 const acl_facts& facts);

// Whether source binding `b` is a right to change its topic (an ALLOW on a
// topic of anything but READ, DESCRIBE, DESCRIBE_CONFIGS), which the target
// gets only at the topic's producer cutover (ADR 0023).
[[nodiscard]] bool waits_for_cutover(const kafka::acl_binding& b);

// Whether `b` is of the shape a producer cutover records as its own, so
// that a rollback deletes it: on the target, an at_cutover grant (an ALLOW
// LITERAL, host *, on the topic's target name `target_topic`, of a right to
// change it, for another principal than strait's own, acls.target_principal);
// on the source, a fence (a DENY WRITE LITERAL, host *, on the source
// topic's name, for another principal than fence.source_principal).
[[nodiscard]] bool made_at_cutover(const kafka::acl_binding& b, const std::string& target_topic,
                                   const config::acl_config& acls);
[[nodiscard]] bool made_by_fence(const kafka::acl_binding& b, const std::string& source_topic,
                                 const config::fence_config& fence);

// The names on which `target` holds the LITERAL copy of PREFIXED binding
// `prefixed` (the same resource type, principal, host, operation and
// permission, on a name under its prefix).
[[nodiscard]] std::set<std::string> literal_copies_on_target(
    const kafka::acl_binding& prefixed, const std::set<kafka::acl_binding>& target);

// What a producer cutover of source topic `source_topic`, named
// `target_topic` on the target, creates there, of a plan's items:
// - `denies`: the DENYs on topics that apply would create and that reach
//   the topic, created first (an ALLOW never goes before the DENY that
//   limits it; like apply's, they are kept after a rollback);
// - `grants`: the at_cutover bindings LITERAL on the topic's name, and the
//   LITERAL copy on it of each PREFIXED at_cutover one that reaches it
//   (unless the target has that copy: the operator's). A PREFIXED one
//   reaches other topics, maybe not cut over, so it is never created
//   itself: each topic gets its own copy at its own cutover, and a rollback
//   deletes the topic's alone;
// - `left`: the topic's rights to change it that the plan blocks; the
//   operator's, as the plan says.
struct cutover_grants {
  std::vector<kafka::acl_binding> denies, grants;
  std::vector<std::string> left;  // describe() of each source binding
};
[[nodiscard]] cutover_grants grants_at_cutover(const std::vector<acl_item>& items,
                                               const std::string& source_topic,
                                               const std::string& target_topic);

// A producer cutover's source fence of `topic` (ADR 0023,
// docs/cutover.md#the-source-fence), from the source's bindings: a DENY of
// WRITE on the topic (LITERAL, host "*") for each principal an ALLOW of WRITE
// or ALL reaches it with (LITERAL, LITERAL "*" or PREFIXED; any host), but
// fence.source_principal (reverse mirroring writes with it), leaving out
// those the source denies already (not strait's to delete). Refused, each
// reason in `refusals` (a cutover then waits for the operator, or fences
// what it can when forced): no binding reaches the topic (under
// allow.everyone.if.no.acl.found anyone may write), a wildcard principal
// may write it (its DENY would deny strait too). Administrators (ALTER on
// the cluster, super users) can delete a fence; they are not refused (the
// fence's own admin credential is one): the fence stops forgotten
// producers, not administrators.
struct fence_plan {
  std::vector<kafka::acl_binding> denies;
  std::vector<std::string> refusals;  // printable
};
[[nodiscard]] fence_plan plan_fence(const config::fence_config& fence, const std::string& topic,
                                    const std::vector<kafka::acl_binding>& source);

// The binding in one line, names made single-line (as straitctl prints it):
// "ALLOW READ TOPIC:LITERAL:orders User:app@*".
[[nodiscard]] std::string describe(const kafka::acl_binding& b);

}  // namespace strait::policy
