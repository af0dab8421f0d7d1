#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/config/selection.h"
#include "strait/mirror/target_claims.h"
#include "strait/plan/planner.h"
#include "strait/policy/acl_rules.h"
#include "strait/registry/schema_plan.h"
#include "strait/store/checkpoint_store.h"

namespace strait::kafka {
class admin_client;
}

namespace strait::plan {

// A topic's source fence as its cutover would make it now: the DENYs it
// would create (none the source has already) and why it would refuse.
struct fence_item {
  std::string topic;
  policy::fence_plan fence;
};

// A plan of the target's topics for a link: every selected source topic's
// items (planner.h), made from both clusters read live with the link's own
// credentials, and the notes of what a plan does not cover yet.
struct topic_plan {
  std::string link;
  int64_t made_at_ms = 0;
  bool running = false;                        // the link runs: items by_link happen without apply
  std::string source_cluster, target_cluster;  // cluster keys (mirror::cluster_key)
  std::vector<item> items;                     // by source topic, each topic's in order
  std::vector<std::string> notes;
  // ACL sync (the link's acls section; policy/acl_rules.h): the source's bindings
  // the link covers, or why they were not planned (`acls_error`: a cluster's
  // bindings unreadable, more than kMaxAclBindings, another authorizer).
  // The link's groups (its groups section): each selected group's items;
  // `groups_note` says why they were not planned, or which are missing.
  bool groups_enabled = false;
  std::vector<group_item> groups;
  std::string groups_note;
  bool acls_enabled = false;
  std::vector<policy::acl_item> acls;
  int acls_not_covered = 0;
  std::string acls_error;
  // The source fence (the link's fence section; policy::plan_fence): what
  // each planned topic's producer cutover would fence now, read with
  // fence.source_admin's credential (Plan only), or why it was not read
  // (`fence_error`). Topics the link may not write (topic_facts::refusal)
  // are left out.
  bool fence_enabled = false;
  std::vector<fence_item> fence;
  std::string fence_error;
  // Schema copy (the link's schemas section; ADR 0027): each selected
  // subject version of the source registry and each compatibility level
  // that differs, planned by registry::plan_schemas against the target
  // registry read now; or why the registries were not read
  // (`schemas_error`: topics are planned all the same).
  bool schemas_enabled = false;
  registry::schema_plan schemas;
  std::string schemas_error;
};

// How long apply's schema writes may start for, from when they begin
// (after the topics and ACLs, whose budget is the call's).
inline constexpr std::chrono::seconds kRegistryWriteBudget{60};

// Selected groups planned at most (one OffsetFetch each): the rest are not
// planned, and the plan says how many.
inline constexpr size_t kMaxPlannedGroups = 2000;
// More bindings than this on either cluster: ACLs are not planned (the scan's
// bound, scan::kMaxAcls).
inline constexpr size_t kMaxAclBindings = 10000;
// Bindings a CreateAcls request of apply() carries at most.
inline constexpr size_t kAclsPerRequest = 100;

// A plan and the clients it was read with, for apply(): the target's to
// write, the source's to look again whether a topic caught up. `made_by`:
// the caller's token of what the plan is of (the daemon: the link's
// runtime), so that a plan is never applied to a link deleted and made
// again meanwhile; kept alive with the plan.
struct prepared_plan {
  topic_plan plan;
  std::shared_ptr<const kafka::admin_client> source, target;
  // The target with acls.target_admin's credential: ACLs are read and
  // written with it only. Null unless ACLs were planned.
  std::shared_ptr<const kafka::admin_client> acl_admin;
  // What the schema plan was made of, for apply: the source registry's
  // contents (the schemas to write) and both registries' clients. Null
  // unless schemas were planned.
  std::shared_ptr<const registry::registry_contents> schema_source;
  std::shared_ptr<const registry::registry_clients> registries;
  std::shared_ptr<const void> made_by;
};

// What apply did with one item.
enum class outcome {
  done,         // changed on the target
  failed,       // the target refused or did not answer, or it changed meanwhile: `message`
  not_reached,  // the pass's time budget ended first: apply again
  would,        // dry run: what apply would do
  no_action,    // fits or blocked: nothing to do
};

// Per item of the plan (same order): what apply did.
struct applied {
  outcome result = outcome::no_action;
  std::string message;
};

struct apply_result {
  std::vector<applied> items;          // one per item of the prepared plan
  std::vector<applied> acls;           // one per ACL item of the prepared plan
  std::vector<applied> schemas;        // one per schema version item of the prepared plan
  std::vector<applied> compatibility;  // one per compatibility item of the prepared plan
  int done = 0, failed = 0, not_reached = 0;
};

// Creates bindings on the target: one CreateAcls request a call, a status
// per binding (kafka::admin_client::create_acls).
using acl_creator =
    std::function<std::vector<status>(const std::vector<kafka::acl_binding>& bindings)>;

// Carries out the create items of an ACL plan with `create`, into
// `r.acls` (one per item) and r's counts: every DENY first, in requests of
// their own, and an ALLOW only once each DENY of the plan was created (else
// not_reached: an ALLOW alone could grant more than the source does); at
// most kAclsPerRequest bindings a request; no request started once
// `deadline` passed (the rest not_reached); `dry_run`: each `would`, no
// request.
void create_acl_items(const std::vector<policy::acl_item>& items, bool dry_run,
                      std::chrono::steady_clock::time_point deadline, const acl_creator& create,
                      apply_result& r);

// A client of the target with the link's acls.target_admin credential laid
// over target.properties: ACLs are read and written with it only.
[[nodiscard]] result<std::unique_ptr<kafka::admin_client>> connect_acl_admin(
    const config::link_config& cfg, std::chrono::milliseconds timeout);
// A client of the source with the link's fence.source_admin credential laid
// over source.properties: the fence is read and written with it only.
[[nodiscard]] result<std::unique_ptr<kafka::admin_client>> connect_fence_admin(
    const config::link_config& cfg, std::chrono::milliseconds timeout);
// Every binding of the cluster `admin` reaches (the fence's and a cutover's
// reads, with an administrator's credential): at most kMaxAclBindings
// (errc::precondition beyond, and for a failed read; the message starts
// with `label`, the side and credential: "source (fence.source_admin)").
[[nodiscard]] result<std::vector<kafka::acl_binding>> read_acl_bindings(
    const kafka::admin_client& admin, const std::string& label);

// Makes and applies plans of one link's target topics (docs/planning.md,
// ADR 0024). prepare() connects both clusters (admin clients of the link's
// properties, each request waiting at most `admin_timeout`), reads them and
// the link's store and plans; apply() carries the plan out with those
// clients, which close with the prepared plan. Reading and writing are two
// steps so that the API can read outside its one-mutation-at-a-time lock
// and hold that lock only for the writes.
//
// Threads: blocking; any thread. Writes to the store only what the
// supervisor writes when it creates a topic (the created flag; the link's
// cluster ids when none are stored yet), to Kafka only in apply().
class metadata_planner {
 public:
  // `claims`: which link writes which target topic, shared with the
  // supervisors.
  metadata_planner(const config::link_config& cfg, store::checkpoint_store& store,
                   mirror::target_claims& claims, std::chrono::milliseconds admin_timeout);

  using filter = std::function<bool(const std::string&)>;  // source topic names; null: all

  // The plan of the source topics `selection` (the link's patterns and
  // staged names) selects and `topics` accepts. `running`: the link runs (its supervisor
  // and config sync act). With the link's groups section, also the groups
  // `groups` selects (those that commit offsets for a topic `topics`
  // accepts, when it is given). With the link's acls section, also the ACL
  // bindings of those topics, of the groups `groups` selects (null: none)
  // and of the principals the link maps, read with the link's source
  // credential and acls.target_admin's. errc::precondition when the link
  // may write nothing (mirror::cluster_refusal) or a cluster's topics cannot
  // be read (ACLs that cannot be read are topic_plan::acls_error); store
  // errors as they are.
  // `on_target`: the groups group sync leaves alone (a consumer cutover made
  // the target group primary, or one is in flight); null: groups are not
  // planned (the scorecard's plan). `with_fence`: with the link's fence
  // section, also what each topic's cutover would fence (Plan shows it;
  // apply and the scorecard do not read it).
  [[nodiscard]] result<prepared_plan> prepare(const config::name_selection& selection,
                                              const config::name_selection* groups,
                                              const filter& topics, bool running,
                                              const filter& on_target = nullptr,
                                              bool with_fence = false) const;

  // prepare's ACL plan alone (the link's acls section; errc::precondition
  // without one), over every topic `selection` selects and the groups
  // `groups` selects: no topic or group items, no topic configs or
  // checkpoints read. For the WRITE grants of a producer cutover
  // (docs/cutover.md), which must follow the same rules as apply.
  [[nodiscard]] result<prepared_plan> prepare_acls(const config::name_selection& selection,
                                                   const config::name_selection* groups) const;

  // Carries out the items that are actions (create, add partitions, change
  // configs) in the plan's order, then the ACL items to create (DENY first,
  // kAclsPerRequest a request, with acl_admin), then the schema items
  // (registry::apply_schemas: every version written read back, the first
  // that differs stops them); once `budget` has passed it starts no
  // more (the rest not_reached; an action then running may take its own
  // admin requests' time: a create one, a config change one plus one per
  // change when the broker refuses a value). Before each: the target topic
  // is claimed for the link; a change that waits for the topic to catch up
  // is made only if it still has. Idempotent: what is done fits in the next
  // plan. `dry_run`: each action `would`, nothing written. errc::precondition
  // when the link's stored cluster ids no longer allow writing.
  [[nodiscard]] result<apply_result> apply(const prepared_plan& p, bool dry_run,
                                           std::chrono::milliseconds budget) const;

 private:
  [[nodiscard]] result<prepared_plan> read_and_plan(const config::name_selection& selection,
                                                    const config::name_selection* groups,
                                                    const filter& topics, bool running,
                                                    const filter& on_target, bool topic_items,
                                                    bool with_fence) const;

  const config::link_config& cfg_;
  store::checkpoint_store& store_;
  mirror::target_claims& claims_;
  std::chrono::milliseconds admin_timeout_;
};

}  // namespace strait::plan
