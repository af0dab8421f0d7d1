#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "link_runtime.h"
#include "strait/api/api_server.h"
#include "strait/api/status.h"
#include "strait/config/config.h"
#include "strait/groupsync/group_syncer.h"
#include "strait/http/http_server.h"
#include "strait/metrics/registry.h"
#include "strait/mirror/link_engine.h"
#include "strait/mirror/link_supervisor.h"
#include "strait/store/checkpoint_store.h"
#include "strait/workflow/link_workflow.h"

namespace strait::daemon {

// The composition root: the only code that wires modules together. Builds
// services in dependency order and stops them in reverse. Links come from
// the config file and from the API (docs/links.md, ADR 0008); each runs in a
// link_runtime, which pause/resume stop and start.
class application : public api::state_provider, public api::audit_log, public api::control {
 public:
  explicit application(config::config cfg);
  ~application();

  [[nodiscard]] status start();
  // Stops supervisors, drains engines (records in flight are acknowledged
  // and checkpointed), closes the store.
  void stop();
  [[nodiscard]] std::string http_address() const { return http_.address(); }
  [[nodiscard]] std::string api_address() const { return api_.address(); }

  // api::state_provider (called from gRPC threads; reads snapshots only).
  [[nodiscard]] std::vector<api::link_info> links() const override;
  [[nodiscard]] result<api::link_view> link_state(const std::string& link) const override;

  // api::audit_log, on the checkpoint store (durable, append-only).
  [[nodiscard]] status record(const api::audit_record& r) override;
  [[nodiscard]] result<std::vector<api::audit_record>> list(uint64_t after,
                                                            size_t limit) const override;
  [[nodiscard]] result<std::optional<store::request_record>> recall(
      const std::string& request_id) const override;
  [[nodiscard]] status remember(const std::string& request_id,
                                const store::request_record& r) override;

  // api::control, forwarded to the link's workflow or supervisor.
  [[nodiscard]] result<verify::report> start_verify(const std::string& link,
                                                    const verify::selection& s) override;
  [[nodiscard]] result<verify::report> verify_report(const std::string& link,
                                                     uint64_t id) const override;
  [[nodiscard]] result<std::vector<verify::report>> verify_reports(const std::string& link,
                                                                   size_t limit) const override;
  [[nodiscard]] result<std::vector<api::object_change>> move(const std::string& link,
                                                             api::move_kind kind,
                                                             const api::move_request& r) override;
  [[nodiscard]] result<migration::operation_status> operation(const std::string& link,
                                                              uint64_t id) const override;
  [[nodiscard]] result<api::ack_result> acknowledge(const partition_key& key,
                                                    const std::string& resolution,
                                                    bool dry_run) override;
  [[nodiscard]] result<api::stage_result> stage(
      const std::string& link, const std::function<bool(const std::string&)>& topic_selected,
      const std::function<bool(const std::string&)>& group_selected, bool dry_run) override;
  [[nodiscard]] result<api::link_info> create_link(const std::string& yaml, bool dry_run) override;
  [[nodiscard]] result<api::link_info> delete_link(const std::string& link, bool dry_run) override;
  [[nodiscard]] result<api::link_info> pause_link(const std::string& link, bool dry_run) override;
  [[nodiscard]] result<api::link_info> resume_link(const std::string& link, bool dry_run) override;

  // True when a link's target producer failed fatally (see link_engine).
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  // A link's runtime held for use: its components stay while `lock` lives.
  struct held {
    std::shared_ptr<link_runtime> runtime;
    std::shared_lock<std::shared_mutex> lock;
  };
  // errc::not_found for an unknown link; errc::precondition when it is paused.
  [[nodiscard]] result<held> running(const std::string& link) const;
  [[nodiscard]] std::shared_ptr<link_runtime> find(const std::string& link) const;
  [[nodiscard]] api::link_info info_of(const link_runtime& r) const;
  [[nodiscard]] status persist(const link_runtime& r, const std::string& yaml, bool paused);
  // What CreateLink refuses before it creates anything (both clusters are
  // asked for their ids): a link whose name's checkpoints are of other
  // clusters, a loop (mirror::cluster_refusal), a target topic internal to
  // Kafka, and a target topic another running link writes on the same
  // cluster; the error names the topic, the link or the ids.
  [[nodiscard]] status check_new_link(const config::link_config& l) const;

  config::config cfg_;
  metrics::registry metrics_;
  std::unique_ptr<store::checkpoint_store> store_;
  mirror::target_claims claims_;
  std::mutex lifecycle_mu_;      // one create/delete/pause/resume (and start/stop) at a time
  mutable std::mutex links_mu_;  // guards the map (not the runtimes)
  std::map<std::string, std::shared_ptr<link_runtime>> links_;
  std::map<std::string, std::string> api_yaml_;  // definitions of API links; lifecycle_mu_
  http::http_server http_;
  api::api_server api_;
  bool failed_ = false;
};

// straitd --acknowledge: records an operator's resolution for a stopped
// partition in the store; the daemon applies it when it next starts.
// straitd --delete-link: removes a link created through the API from the
// store while straitd is stopped (e.g. one that no longer loads), unless one
// of its topics or groups is in a cutover; journaled.
[[nodiscard]] status delete_link_offline(const config::config& cfg, const std::string& link);

[[nodiscard]] status acknowledge(const config::config& cfg, const std::string& partition_spec,
                                 const std::string& resolution_name);

}  // namespace strait::daemon
