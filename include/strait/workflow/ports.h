#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/config/config.h"
#include "strait/groupsync/group_syncer.h"
#include "strait/kafka/client.h"
#include "strait/metrics/registry.h"
#include "strait/mirror/link_engine.h"
#include "strait/mirror/link_supervisor.h"
#include "strait/policy/acl_rules.h"
#include "strait/store/checkpoint_store.h"
#include "strait/verify/verifier.h"

namespace strait::workflow {

// The seams of link_workflow: everything its moves ask of the world outside
// the checkpoint store, as small interfaces. straitd plugs in the real ones
// (straitd_ports below); the unit tests plug in hand-written fakes
// (tests/support/workflow_fakes.h) to drive every branch of every move
// without Kafka.
//
// Threads: the queries (forward_port's selected_topics, snapshot and
// has_partition, reverse_port::snapshot, group_port::groups) may come from
// any thread (the API's too); everything else only from the workflow's
// thread (the operations), reverse_port's request_stop once that thread has
// ended (a run_for may still run in a task: it then starts nothing), and
// its stop once the tasks have ended too. cluster_port and grant_port: the workflow's
// thread only.
// reverse_port::run_for and the verify function run in tasks (task_port),
// one restart of reverse mirroring at a time; seed may run on the
// workflow's thread meanwhile (reverse_mirror: a store write, for a topic
// the restart does not run).

// One cluster's administrative calls, as kafka::admin_client's (which says
// what each means); one group at a time.
class cluster_port {
 public:
  virtual ~cluster_port() = default;
  [[nodiscard]] virtual result<std::map<kafka::topic_partition, kafka::watermarks>> list_watermarks(
      const std::vector<kafka::topic_partition>& partitions) = 0;
  [[nodiscard]] virtual result<kafka::group_list> list_groups() = 0;
  [[nodiscard]] virtual result<std::vector<kafka::committed_offset>> group_offsets(
      const std::string& group) = 0;
  // The partitions the coordinator refused (the group has members).
  [[nodiscard]] virtual result<std::vector<kafka::refused_partition>> commit_group_offsets(
      const std::string& group, const std::vector<kafka::committed_offset>& offsets) = 0;
  // What the link's credential may do on `topic` (kafka::admin_client's
  // topic_operations).
  [[nodiscard]] virtual result<std::set<std::string>> topic_operations(
      const std::string& topic) = 0;
};

// ACL bindings of one cluster, changed with an administrator's credential
// (ADR 0023): what a producer cutover creates and a rollback deletes
// (docs/cutover.md#acl-grants, #the-source-fence).
struct acl_removal {
  bool other_cluster = false;  // the credential reaches another cluster now: nothing deleted
  size_t deleted = 0;          // bindings the broker deleted (0: there was none)
};
struct cluster_acls {
  std::string cluster;  // the cluster's key (mirror::cluster_key)
  std::vector<kafka::acl_binding> bindings;
};
class acl_writer {
 public:
  virtual ~acl_writer() = default;
  // Every binding of the cluster the credential reaches, read now, with
  // that cluster's key.
  [[nodiscard]] virtual result<cluster_acls> read() = 0;
  // Creates `binding` on cluster `cluster` (idempotent: Kafka's
  // CreateAcls); errc::precondition when the credential reaches another
  // cluster now.
  [[nodiscard]] virtual status create(const std::string& cluster,
                                      const kafka::acl_binding& binding) = 0;
  // Deletes `binding` alone (kafka::admin_client::delete_acl) from cluster
  // `cluster`, unless the credential reaches another one now.
  [[nodiscard]] virtual result<acl_removal> remove(const std::string& cluster,
                                                   const kafka::acl_binding& binding) = 0;
};

// The link's ACLs on the target (its acls section), with
// acls.target_admin's credential.
struct acl_grant_plan {
  std::string target_cluster;           // the target's cluster key (mirror::cluster_key)
  std::vector<policy::acl_item> items;  // the link's ACL plan, as `straitctl plan` shows it
};
class grant_port : public acl_writer {
 public:
  // The link's ACL plan, read now (plan::metadata_planner::prepare_acls);
  // an error says why it cannot be made (the plan's acls_error).
  [[nodiscard]] virtual result<acl_grant_plan> plan() = 0;
};

// The source's ACLs (the link's fence section), with fence.source_admin's
// credential.
class fence_port : public acl_writer {};

// The link's forward mirroring: the topics its supervisor selected (with
// their partition counts) and its engine's partitions, as link_engine's.
class forward_port {
 public:
  virtual ~forward_port() = default;
  [[nodiscard]] virtual std::map<std::string, int> selected_topics() const = 0;
  [[nodiscard]] virtual std::vector<mirror::partition_snapshot> snapshot() const = 0;
  [[nodiscard]] virtual bool has_partition(const partition_key& key) const = 0;
  // Asynchronous: the partition drains and its checkpoint records `reason`.
  virtual void stop_partition(const partition_key& key, store::stop_reason reason,
                              std::string detail) = 0;
  // Resumes a partition stopped for its hand-over (link_engine's
  // replace_partition, refusing one stopped for any other reason).
  [[nodiscard]] virtual std::future<status> resume_handed_over(mirror::partition_start start) = 0;
};

// Reverse mirroring of the cut-over topics, as reverse_mirror's (which says
// what each means).
class reverse_port {
 public:
  virtual ~reverse_port() = default;
  [[nodiscard]] virtual status seed(const std::string& source_topic, int32_t partition,
                                    const offsets::mirror_position& forward) = 0;
  // After a failure nothing runs (the old engine is stopped first).
  [[nodiscard]] virtual status run_for(const std::set<std::string>& source_topics) = 0;
  [[nodiscard]] virtual std::vector<mirror::partition_snapshot> snapshot() const = 0;
  virtual void request_stop(std::chrono::milliseconds drain) = 0;
  virtual void stop() = 0;
};

// Runs the long calls of the operations (a cutover's tail verification, a
// restart of reverse mirroring, which drains) off the workflow's thread, so
// that one topic's move never holds the rounds of the others' (ADR 0019):
// the round posts a task and looks at its result (base/task_threads.h's
// task_result) in a later round. straitd: a thread per task
// (base/task_threads.h); the fakes: a queue the test runs.
class task_port {
 public:
  virtual ~task_port() = default;
  // Runs `task` later, `name` saying what it is (a thread's name); returns
  // at once. After stop(), runs nothing and returns false.
  [[nodiscard]] virtual bool post(std::string name, std::function<void()> task) = 0;
  // Waits for the tasks posted (or drops those not started); only once the
  // workflow's thread has ended (link_workflow::stop, not begin_stop).
  virtual void stop() = 0;
};

// The link's group syncer, as group_syncer's.
class group_port {
 public:
  virtual ~group_port() = default;
  [[nodiscard]] virtual std::vector<groupsync::group_status> groups() const = 0;
  virtual void hold(std::set<std::string> groups) = 0;
};

struct ports {
  std::unique_ptr<forward_port> forward;
  std::unique_ptr<reverse_port> reverse;
  std::unique_ptr<group_port> groups;  // null: the link syncs no groups
  std::unique_ptr<task_port> tasks;
  std::unique_ptr<grant_port> grants;  // null: the link has no acls section
  std::unique_ptr<fence_port> fence;   // null: the link has no fence section
  // Where the workflow's gauges go (strait_acl_drift_bindings); null: none.
  metrics::registry* metrics = nullptr;
  // A client of the source (`source` true) or the target cluster; called
  // again after a failure.
  std::function<result<std::unique_ptr<cluster_port>>(bool source)> connect;
  // Runs a verification (verify::verifier::run's contract).
  std::function<void(const verify::request&, verify::report&,
                     const std::function<void(const verify::report&)>& progress,
                     const std::atomic<bool>& cancel)>
      verify;
  // The clock of quiet windows.
  std::function<std::chrono::steady_clock::time_point()> now;
};

// straitd's: the link's engine and supervisor, a reverse_mirror, the group
// syncer (may be null), kafka::admin_client and verify::verifier, a thread
// per task, the steady clock. The store, engine, supervisor and syncer must outlive the ports.
[[nodiscard]] ports straitd_ports(const config::link_config& cfg, store::checkpoint_store& store,
                                  mirror::link_engine& engine,
                                  const mirror::link_supervisor& supervisor,
                                  groupsync::group_syncer* syncer, metrics::registry& metrics,
                                  std::function<void()> on_failure);

}  // namespace strait::workflow
