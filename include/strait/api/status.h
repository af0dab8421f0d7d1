#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/config/config.h"
#include "strait/kafka/types.h"
#include "strait/migration/operation.h"
#include "strait/migration/state_machine.h"
#include "strait/store/checkpoint_store.h"
#include "strait/verify/report.h"

namespace strait::scan {
// scan/report.h: only what implements or calls control needs it whole (the
// report names Kafka types, kept out of every includer of this header).
struct report;
}  // namespace strait::scan

namespace strait::scorecard {
// scorecard/scorecard.h, for the same reason.
struct card;
}  // namespace strait::scorecard

namespace strait::plan {
// plan/metadata_planner.h, for the same reason.
struct prepared_plan;
struct apply_result;
}  // namespace strait::plan

namespace strait::api {

// Plain views of the daemon's state, filled by the daemon (the composition
// root) and turned into strait.v1 messages by the server. No gRPC types here,
// so the daemon does not pay for protobuf headers.

struct partition_view {
  int32_t partition = 0;
  int64_t next_source = 0;
  int64_t next_target = 0;
  int64_t lag_records = 0;
  double lag_seconds = 0;
  store::stop_reason stopped = store::stop_reason::none;  // none while mirroring
  std::string stop_detail;
  double records_per_second = 0;  // mirrored over about the last second
};

// A topic's ACL bindings of each kind status lists at most.
inline constexpr size_t kMaxOwnedBindingsShown = 64;

struct topic_view {
  std::string topic;
  std::string target_topic;
  std::optional<migration::topic_state> state;  // none before the workflow has seen it
  std::vector<partition_view> partitions;       // ordered by partition
  // Reverse mirroring target -> source after cutover; next_source is the
  // target offset read next, next_target the source offset written next.
  std::vector<partition_view> reverse_partitions;
  // The running cutover or rollback (0: none) and what it is doing, in words.
  uint64_t operation_id = 0;
  std::string activity;
  // Why the topic is not mirrored; empty when nothing is wrong.
  std::string error;
  // Configs that differ from the source's, and why strait leaves them
  // (empty: the next config sync changes them), or why the configs could not
  // be compared. policy::config_difference's values, made printable; api
  // does not depend on policy.
  struct drifted_config {
    std::string name;
    std::string source_value;
    bool source_default = false;  // not set on the source topic: its brokers' default
    std::optional<std::string> target_value;
  };
  std::vector<drifted_config> config_drift;
  std::string drift_reason;
  // The ACL bindings its cutover made and strait still owns
  // (docs/cutover.md#the-source-fence, #acl-grants): the DENY WRITEs of the
  // source fence, the producers' grants on the target.
  std::vector<kafka::acl_binding> source_fence;
  std::vector<kafka::acl_binding> target_grants;
  int owned_bindings_left_out = 0;  // past kMaxOwnedBindingsShown of a kind
  // What differs now between those and the clusters, or why they could not
  // be compared (workflow::find_acl_drift), printable; at most
  // kMaxOwnedBindingsShown lines, the last saying how many more.
  std::vector<std::string> acl_drift;
};

struct group_view {
  std::string group;
  std::optional<migration::group_state> state;  // none before the workflow has seen it
  bool on_source = false;
  double sync_age_seconds = -1;
  int partitions_synced = 0;
  int partitions_ahead = 0;
  std::map<std::string, int> partitions_skipped;
  // The running cutover or rollback (0: none) and what it is doing, in words.
  uint64_t operation_id = 0;
  std::string activity;
};

// One of the link's clusters as strait's clients see it.
struct cluster_view {
  std::string side;  // "source" or "target"
  bool reachable = true;
  // Why strait cannot work with it, in words (an authentication failure, a
  // link refused for its cluster ids); empty when nothing is wrong.
  std::string error;
};

struct link_view {
  std::string link;
  std::vector<cluster_view> clusters;  // source, then target; empty when paused
  std::vector<topic_view> topics;      // ordered by topic
  std::vector<group_view> groups;      // ordered by group
  int64_t inflight_bytes = 0;
  bool paused = false;  // nothing runs: no topics or groups are reported
  // Why the ACL bindings strait owns (topic_view::source_fence,
  // target_grants) could not be listed; empty when they were.
  std::string acl_records_error;
};

// A link and where it comes from (docs/links.md).
struct link_info {
  config::link_config cfg;
  bool from_api = false;  // created through the API (else the config file)
  bool paused = false;
};

// What the API server asks the daemon. Implementations are thread-safe: the
// server calls them from its own threads.
class state_provider {
 public:
  virtual ~state_provider() = default;
  // Every link, ordered by name.
  [[nodiscard]] virtual std::vector<link_info> links() const = 0;
  // errc::not_found for an unknown link.
  [[nodiscard]] virtual result<link_view> link_state(const std::string& link) const = 0;
};

// An entry of the audit journal (proto AuditEntry).
struct audit_record {
  uint64_t seq = 0;  // assigned by the journal
  int64_t at_ms = 0;
  std::string who, role, call, args_digest, result, state_before, state_after;
  std::string chain;  // set by the journal (base/audit_chain.h)
};

// A mutating API call already carried out, under the caller's request id
// (docs/api.md#idempotency): the same id again returns `response` instead of
// acting twice.
struct request_record {
  std::string call;         // API method
  std::string args_digest;  // digest of the request without its request id
  std::string response;     // the serialized response
  int64_t at_ms = 0;
};

// The append-only audit journal and the request ids of mutating calls
// (stored_audit_log.h keeps them in the checkpoint store). Thread-safe.
class audit_log {
 public:
  virtual ~audit_log() = default;
  [[nodiscard]] virtual status record(const audit_record& r) = 0;
  // Entries with seq > after, oldest first, at most `limit`.
  [[nodiscard]] virtual result<std::vector<audit_record>> list(uint64_t after,
                                                               size_t limit) const = 0;
  // The call carried out under `request_id`, if any (idempotency).
  [[nodiscard]] virtual result<std::optional<request_record>> recall(
      const std::string& request_id) const = 0;
  [[nodiscard]] virtual status remember(const std::string& request_id, const request_record& r) = 0;
};

// The moves of the migration workflow (docs/cutover.md).
enum class move_kind {
  cutover_topics,
  rollback_topics,
  finalize_topics,
  cutover_groups,
  rollback_groups,
  finalize_groups
};

struct move_request {
  std::function<bool(const std::string&)> selected;  // topic or group names
  bool force = false;
  std::chrono::milliseconds quiet_window{5000};
  std::string requested_by;
  bool dry_run = false;
  // Sent to every straitd of a set: selecting nothing here is no change,
  // not an error (MoveRequest.over_the_set).
  bool over_the_set = false;
};

// What a move did (or would do) to one topic or group.
struct object_change {
  std::string name;
  migration::any_state state_before, state;
  std::string action;
  std::vector<std::string> forced_guards;
  uint64_t operation_id = 0;  // the operation carrying it on; 0: none
};

// What a Stage call added to a link's selection.
struct stage_result {
  std::vector<std::string> topics, groups;
};

// A link's shards (ADR 0030): this straitd's place and what its store holds.
struct shards_info {
  config::shard_identity self;
  config::shard_state stored;
};

// What an acknowledgement resolved.
struct ack_result {
  store::stop_reason was_stopped = store::stop_reason::none;
  std::string stop_detail;
};

// What the API server asks the daemon to do. errc::not_found for an unknown
// link; other errors as the workflow reports them. Thread-safe.
class control {
 public:
  virtual ~control() = default;
  [[nodiscard]] virtual result<verify::report> start_verify(const std::string& link,
                                                            const verify::selection& s) = 0;
  [[nodiscard]] virtual result<verify::report> verify_report(const std::string& link,
                                                             uint64_t id) const = 0;
  [[nodiscard]] virtual result<std::vector<verify::report>> verify_reports(const std::string& link,
                                                                           size_t limit) const = 0;
  // Scans (docs/planning.md): start one (errc::precondition while one runs),
  // one by id (0: the newest), the newest `limit`. A paused link is scanned
  // too.
  [[nodiscard]] virtual result<scan::report> start_scan(const std::string& link, int64_t window_ms,
                                                        const std::string& requested_by) = 0;
  [[nodiscard]] virtual result<scan::report> scan_report(const std::string& link,
                                                         uint64_t id) const = 0;
  [[nodiscard]] virtual result<std::vector<scan::report>> scan_reports(const std::string& link,
                                                                       size_t limit) const = 0;
  // Plans of the link's target topics (docs/planning.md#plan-and-apply),
  // over the selected source topics `topics` accepts (null: all), made from
  // both clusters read now; one being made per link at a time (errc::busy).
  // errc::precondition when the link may write nothing or a cluster cannot
  // be read. apply_plan carries a plan out for at most 5 s (dry_run:
  // nothing written); errc::not_found when the link was deleted meanwhile.
  // Paused links too.
  // `use`: what the plan is for; a plan to show also holds what apply does
  // not need (the groups' plan, what each cutover would fence).
  enum class plan_use { show, apply };
  [[nodiscard]] virtual result<plan::prepared_plan> plan_topics(
      const std::string& link, const std::function<bool(const std::string&)>& topics,
      plan_use use) = 0;
  [[nodiscard]] virtual result<plan::apply_result> apply_plan(const std::string& link,
                                                              const plan::prepared_plan& p,
                                                              bool dry_run) = 0;
  // The readiness scorecard of `link` (ADR 0026, docs/planning.md), with
  // the drills of link `rehearsal` (empty: its own); reads a live plan of
  // both clusters (as plan_topics, whose errors it reports in the card).
  // Paused links too (their live state is not read).
  [[nodiscard]] virtual result<scorecard::card> scorecard(const std::string& link,
                                                          const std::string& rehearsal) = 0;
  [[nodiscard]] virtual result<std::vector<object_change>> move(const std::string& link,
                                                                move_kind kind,
                                                                const move_request& r) = 0;
  // The link's running operations, then those that ended (newest last);
  // errc::not_found for an unknown link, errc::precondition when paused.
  [[nodiscard]] virtual result<std::vector<migration::operation_status>> operations(
      const std::string& link) const = 0;
  // An operation of the link's moves, running or among the newest that
  // ended; errc::not_found otherwise.
  [[nodiscard]] virtual result<migration::operation_status> operation(const std::string& link,
                                                                      uint64_t id) const = 0;
  // Links (docs/links.md). create: the definition as YAML (a links[] entry),
  // errc::invalid_argument naming the field, errc::precondition when the
  // name is taken or a target topic another link writes would be written
  // too. delete: links created through the API only, not during a cutover.
  // pause/resume: any link; idempotent.
  [[nodiscard]] virtual result<link_info> create_link(const std::string& yaml, bool dry_run) = 0;
  [[nodiscard]] virtual result<link_info> delete_link(const std::string& link, bool dry_run) = 0;
  [[nodiscard]] virtual result<link_info> pause_link(const std::string& link, bool dry_run) = 0;
  [[nodiscard]] virtual result<link_info> resume_link(const std::string& link, bool dry_run) = 0;
  // Adds the source topics and groups the predicates accept (null: none) to
  // the link's selection (docs/links.md#staging); errc::precondition when
  // nothing new matches, or groups are asked of a link without group sync.
  [[nodiscard]] virtual result<stage_result> stage(
      const std::string& link, const std::function<bool(const std::string&)>& topic_selected,
      const std::function<bool(const std::string&)>& group_selected, bool dry_run) = 0;
  // The link's shards; paused links too.
  [[nodiscard]] virtual result<shards_info> shards(const std::string& link) const = 0;
  // Stores `a` as the link's shard assignment and puts it in force (ADR
  // 0030; dry_run: checks only). errc::precondition when `replaces` is not
  // the digest stored now ("" for none), or when it would move a topic or
  // group between shards (config::check_replacement). `moving`, in a dry
  // run only (errc::invalid_argument otherwise): what a move will carry
  // for `a` (ApplyShardsRequest.moving), checked as if it had moved.
  [[nodiscard]] virtual result<shards_info> apply_shards(const std::string& link,
                                                         config::shard_assignment a,
                                                         const std::string& replaces, bool dry_run,
                                                         const config::component_names& moving) = 0;
  // Moving a component to another straitd of the set (ADR 0030 step 3;
  // daemon::link_runtime says what each checks and refuses): release (the
  // link running or paused), and, only while it is paused, the export of
  // the released records (component_export), their import from another
  // straitd's export (returns its digest), and their forget once imported
  // (returns how many records).
  struct component_export {
    std::string records;  // daemon::component_records::encode
    std::string digest;
    size_t topics = 0, groups = 0, partitions = 0;
    size_t record_count = 0;  // 0: nothing to carry (imported all the same: receipts only)
  };
  // `cancel`: ends a release whose records are still here instead
  // (daemon::link_runtime::cancel_release).
  [[nodiscard]] virtual result<shards_info> release_component(const std::string& link,
                                                              const config::component_names& names,
                                                              bool cancel, bool dry_run) = 0;
  [[nodiscard]] virtual result<component_export> export_component(
      const std::string& link, const config::component_names& names) = 0;
  [[nodiscard]] virtual result<std::string> import_component(const std::string& link,
                                                             std::string_view records,
                                                             bool dry_run) = 0;
  [[nodiscard]] virtual result<size_t> forget_component(const std::string& link,
                                                        const config::component_names& names,
                                                        const std::string& digest,
                                                        bool dry_run) = 0;
  // errc::invalid_argument for an unknown resolution name.
  [[nodiscard]] virtual result<ack_result> acknowledge(const partition_key& key,
                                                       const std::string& resolution,
                                                       bool dry_run) = 0;
};

}  // namespace strait::api
