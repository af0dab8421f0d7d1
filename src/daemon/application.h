#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

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
// services in dependency order and stops them in reverse.
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
  [[nodiscard]] const std::vector<config::link_config>& links() const override {
    return cfg_.links;
  }
  [[nodiscard]] result<api::link_view> link_state(const std::string& link) const override;

  // api::audit_log, on the checkpoint store (durable, append-only).
  [[nodiscard]] status record(const api::audit_record& r) override;
  [[nodiscard]] result<std::vector<api::audit_record>> list(uint64_t after,
                                                            size_t limit) const override;
  [[nodiscard]] result<std::optional<store::request_record>> recall(
      const std::string& request_id) const override;
  [[nodiscard]] status remember(const std::string& request_id,
                                const store::request_record& r) override;

  // api::control, forwarded to the link's workflow.
  [[nodiscard]] result<verify::report> start_verify(const std::string& link,
                                                    const verify::selection& s) override;
  [[nodiscard]] result<verify::report> verify_report(const std::string& link,
                                                     uint64_t id) const override;
  [[nodiscard]] result<std::vector<verify::report>> verify_reports(const std::string& link,
                                                                   size_t limit) const override;
  [[nodiscard]] result<std::vector<api::object_change>> move(const std::string& link,
                                                             api::move_kind kind,
                                                             const api::move_request& r) override;
  [[nodiscard]] result<api::ack_result> acknowledge(const partition_key& key,
                                                    const std::string& resolution,
                                                    bool dry_run) override;
  // True when a link's target producer failed fatally (see link_engine).
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  config::config cfg_;
  metrics::registry metrics_;
  std::unique_ptr<store::checkpoint_store> store_;
  std::vector<std::unique_ptr<mirror::link_engine>> engines_;
  std::vector<std::unique_ptr<mirror::link_supervisor>> supervisors_;
  std::vector<std::unique_ptr<groupsync::group_syncer>> group_syncers_;
  std::map<std::string, groupsync::group_syncer*> syncer_of_link_;
  std::vector<std::unique_ptr<workflow::link_workflow>> workflows_;  // in link order
  http::http_server http_;
  api::api_server api_;
  bool failed_ = false;

  [[nodiscard]] result<workflow::link_workflow*> workflow_of(const std::string& link) const;
};

// straitd --acknowledge: records an operator's resolution for a stopped
// partition in the store; the daemon applies it when it next starts.
[[nodiscard]] status acknowledge(const config::config& cfg, const std::string& partition_spec,
                                 const std::string& resolution_name);

}  // namespace strait::daemon
