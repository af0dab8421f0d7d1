#pragma once

#include "link_registry.h"
#include "strait/api/status.h"
#include "strait/scan/report.h"

namespace strait::daemon {

// What the strait.v1 API asks of straitd (api::state_provider, control; its
// audit_log is api::stored_audit_log), answered from the links
// (link_registry): views of a link's state for GetStatus, and
// the calls, each forwarded to the link's workflow or supervisor or to the
// registry. No rule of its own: it translates between the API's plain types
// and the modules'. Thread-safe (the API server's threads), as what it
// forwards to is.
class api_service final : public api::state_provider, public api::control {
 public:
  // `links` must outlive this.
  explicit api_service(link_registry& links) : links_(links) {}

  // api::state_provider (reads snapshots only).
  [[nodiscard]] std::vector<api::link_info> links() const override { return links_.links(); }
  [[nodiscard]] result<api::link_view> link_state(const std::string& link) const override;

  // api::control.
  [[nodiscard]] result<verify::report> start_verify(const std::string& link,
                                                    const verify::selection& s) override;
  [[nodiscard]] result<verify::report> verify_report(const std::string& link,
                                                     uint64_t id) const override;
  [[nodiscard]] result<std::vector<verify::report>> verify_reports(const std::string& link,
                                                                   size_t limit) const override;
  [[nodiscard]] result<scan::report> start_scan(const std::string& link, int64_t window_ms,
                                                const std::string& requested_by) override;
  [[nodiscard]] result<scan::report> scan_report(const std::string& link,
                                                 uint64_t id) const override;
  [[nodiscard]] result<std::vector<scan::report>> scan_reports(const std::string& link,
                                                               size_t limit) const override;
  [[nodiscard]] result<plan::prepared_plan> plan_topics(
      const std::string& link, const std::function<bool(const std::string&)>& topics,
      plan_use use) override;
  // plan_topics; `shown`: also the link's groups and what each cutover
  // would fence (apply's and the scorecard's plans read neither).
  [[nodiscard]] result<plan::prepared_plan> plan_of(
      const std::string& link, const std::function<bool(const std::string&)>& topics, bool shown);
  [[nodiscard]] result<plan::apply_result> apply_plan(const std::string& link,
                                                      const plan::prepared_plan& p,
                                                      bool dry_run) override;
  [[nodiscard]] result<scorecard::card> scorecard(const std::string& link,
                                                  const std::string& rehearsal) override;
  [[nodiscard]] result<std::vector<api::object_change>> move(const std::string& link,
                                                             api::move_kind kind,
                                                             const api::move_request& r) override;
  [[nodiscard]] result<migration::operation_status> operation(const std::string& link,
                                                              uint64_t id) const override;
  [[nodiscard]] result<std::vector<migration::operation_status>> operations(
      const std::string& link) const override;
  [[nodiscard]] result<api::ack_result> acknowledge(const partition_key& key,
                                                    const std::string& resolution,
                                                    bool dry_run) override;
  [[nodiscard]] result<api::stage_result> stage(
      const std::string& link, const std::function<bool(const std::string&)>& topic_selected,
      const std::function<bool(const std::string&)>& group_selected, bool dry_run) override {
    return links_.stage(link, topic_selected, group_selected, dry_run);
  }
  [[nodiscard]] result<api::shards_info> shards(const std::string& link) const override;
  [[nodiscard]] result<api::shards_info> apply_shards(
      const std::string& link, config::shard_assignment a, const std::string& replaces,
      bool dry_run, const config::component_names& moving) override;
  [[nodiscard]] result<api::shards_info> release_component(const std::string& link,
                                                           const config::component_names& names,
                                                           bool cancel, bool dry_run) override;
  [[nodiscard]] result<component_export> export_component(
      const std::string& link, const config::component_names& names) override;
  [[nodiscard]] result<std::string> import_component(const std::string& link,
                                                     std::string_view records,
                                                     bool dry_run) override;
  [[nodiscard]] result<size_t> forget_component(const std::string& link,
                                                const config::component_names& names,
                                                const std::string& digest, bool dry_run) override;
  [[nodiscard]] result<api::link_info> create_link(const std::string& yaml, bool dry_run) override {
    return links_.create(yaml, dry_run);
  }
  [[nodiscard]] result<api::link_info> delete_link(const std::string& link, bool dry_run) override {
    return links_.remove(link, dry_run);
  }
  [[nodiscard]] result<api::link_info> pause_link(const std::string& link, bool dry_run) override {
    return links_.pause(link, dry_run);
  }
  [[nodiscard]] result<api::link_info> resume_link(const std::string& link, bool dry_run) override {
    return links_.resume(link, dry_run);
  }

 private:
  link_registry& links_;
};

}  // namespace strait::daemon
