// straitd's ports of link_workflow: thin adapters, no logic of their own.
#include "strait/workflow/ports.h"

#include "strait/base/task_threads.h"
#include "strait/workflow/reverse_mirror.h"

namespace strait::workflow {

namespace {

constexpr std::chrono::milliseconds kAdminTimeout{10000};

class admin_cluster final : public cluster_port {
 public:
  explicit admin_cluster(std::unique_ptr<kafka::admin_client> admin) : admin_(std::move(admin)) {}
  result<std::map<kafka::topic_partition, kafka::watermarks>> list_watermarks(
      const std::vector<kafka::topic_partition>& partitions) override {
    return admin_->list_watermarks(partitions);
  }
  result<kafka::group_list> list_groups() override { return admin_->list_groups(); }
  result<std::vector<kafka::committed_offset>> group_offsets(const std::string& group) override {
    return admin_->list_group_offsets({group}).at(group);
  }
  result<std::vector<kafka::refused_partition>> commit_group_offsets(
      const std::string& group, const std::vector<kafka::committed_offset>& offsets) override {
    return admin_->alter_group_offsets({{group, offsets}}).at(group);
  }
  result<std::set<std::string>> topic_operations(const std::string& topic) override {
    return admin_->topic_operations(topic);
  }

 private:
  std::unique_ptr<kafka::admin_client> admin_;
};

class engine_forward final : public forward_port {
 public:
  engine_forward(mirror::link_engine& engine, const mirror::link_supervisor& supervisor)
      : engine_(engine), supervisor_(supervisor) {}
  std::map<std::string, int> selected_topics() const override {
    return supervisor_.selected_topics();
  }
  std::vector<mirror::partition_snapshot> snapshot() const override { return engine_.snapshot(); }
  bool has_partition(const partition_key& key) const override { return engine_.has_partition(key); }
  void stop_partition(const partition_key& key, store::stop_reason reason,
                      std::string detail) override {
    engine_.stop_partition(key, reason, std::move(detail));
  }
  std::future<status> resume_handed_over(mirror::partition_start start) override {
    return engine_.replace_partition(std::move(start), store::stop_reason::handed_over);
  }

 private:
  mirror::link_engine& engine_;
  const mirror::link_supervisor& supervisor_;
};

class syncer_groups final : public group_port {
 public:
  explicit syncer_groups(groupsync::group_syncer& syncer) : syncer_(syncer) {}
  std::vector<groupsync::group_status> groups() const override { return syncer_.groups(); }
  void hold(std::set<std::string> groups) override { syncer_.hold(std::move(groups)); }

 private:
  groupsync::group_syncer& syncer_;
};

class threads_for_tasks final : public task_port {
 public:
  bool post(std::string name, std::function<void()> task) override {
    return threads_.post(std::move(name), std::move(task));
  }
  void stop() override { threads_.stop(); }

 private:
  task_threads threads_;
};

}  // namespace

ports straitd_ports(const config::link_config& cfg, store::checkpoint_store& store,
                    mirror::link_engine& engine, const mirror::link_supervisor& supervisor,
                    groupsync::group_syncer* syncer, metrics::registry& metrics,
                    std::function<void()> on_failure) {
  ports p;
  p.forward = std::make_unique<engine_forward>(engine, supervisor);
  p.reverse = std::make_unique<reverse_mirror>(cfg, store, metrics, std::move(on_failure));
  if (syncer != nullptr) p.groups = std::make_unique<syncer_groups>(*syncer);
  p.tasks = std::make_unique<threads_for_tasks>();
  p.metrics = &metrics;
  p.connect = [cfg](bool source) -> result<std::unique_ptr<cluster_port>> {
    const auto& cluster = source ? cfg.source : cfg.target;
    auto a = kafka::admin_client::connect(
        cluster.props, "strait-" + cfg.name + "-workflow",
        "links." + cfg.name + (source ? ".source" : ".target") + ".properties", kAdminTimeout);
    if (!a) return std::unexpected(a.error());
    return std::make_unique<admin_cluster>(std::move(*a));
  };
  p.verify = [cfg, &store](const verify::request& req, verify::report& r,
                           const std::function<void(const verify::report&)>& progress,
                           const std::atomic<bool>& cancel) {
    verify::verifier v(cfg, store);
    v.run(req, r, progress, cancel);
  };
  p.now = [] { return std::chrono::steady_clock::now(); };
  return p;
}

}  // namespace strait::workflow
