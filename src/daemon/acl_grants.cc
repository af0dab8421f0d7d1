#include "acl_grants.h"

#include "strait/base/text.h"
#include "strait/kafka/client.h"
#include "strait/mirror/cluster_rules.h"

namespace strait::daemon {

namespace {

class acl_grants final : public workflow::grant_port {
 public:
  acl_grants(const config::link_config& cfg, std::function<result<plan::prepared_plan>()> plan_acls,
             std::chrono::milliseconds admin_timeout)
      : cfg_(cfg), plan_acls_(std::move(plan_acls)), admin_timeout_(admin_timeout) {}

  result<workflow::acl_grant_plan> plan() override {
    auto p = plan_acls_();
    if (!p) return std::unexpected(p.error());
    if (!p->plan.acls_error.empty()) return fail(errc::precondition, p->plan.acls_error);
    admin_ = p->acl_admin;
    return workflow::acl_grant_plan{p->plan.target_cluster, std::move(p->plan.acls)};
  }

  status create(const kafka::acl_binding& binding) override {
    if (admin_ == nullptr) return fail(errc::precondition, "no ACL plan was read yet");
    auto results = admin_->create_acls({binding});
    return results.empty() ? fail(errc::kafka, "CreateAcls answered nothing") : results.front();
  }

  result<size_t> remove(const std::string& cluster, const kafka::acl_binding& binding) override {
    auto admin = kafka::admin_client::connect(
        config::overlay(cfg_.target.props, cfg_.acls.target_admin), "strait-" + cfg_.name + "-acls",
        "links." + cfg_.name + ".acls.target_admin.properties", admin_timeout_);
    if (!admin) return std::unexpected(admin.error());
    auto key = mirror::cluster_key((*admin)->cluster_id(), cfg_.target);
    if (!key) return std::unexpected(key.error());
    if (*key != cluster) {
      return fail(errc::precondition, "acls.target_admin reaches cluster " + printable(*key, 128) +
                                          ", not " + printable(cluster, 128));
    }
    return (*admin)->delete_acl(binding);
  }

 private:
  const config::link_config& cfg_;
  std::function<result<plan::prepared_plan>()> plan_acls_;
  std::chrono::milliseconds admin_timeout_;
  std::shared_ptr<const kafka::admin_client> admin_;  // the last plan's
};

}  // namespace

std::unique_ptr<workflow::grant_port> make_acl_grants(
    const config::link_config& cfg, std::function<result<plan::prepared_plan>()> plan_acls,
    std::chrono::milliseconds admin_timeout) {
  return std::make_unique<acl_grants>(cfg, std::move(plan_acls), admin_timeout);
}

}  // namespace strait::daemon
