#include "acl_grants.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "strait/base/text.h"
#include "strait/kafka/client.h"
#include "strait/mirror/cluster_rules.h"
#include "strait/policy/acl_rules.h"

namespace strait::daemon {

namespace {

using connector =
    std::function<result<std::unique_ptr<kafka::admin_client>>(std::chrono::milliseconds)>;

// Creates and deletes bindings with a client `connect` makes, once its
// cluster key (of `cluster`'s config) is the one the caller names.
template <typename Port>
class admin_acls : public Port {
 public:
  // `label` names the side and credential in errors ("source
  // (fence.source_admin)").
  admin_acls(const config::cluster_config& cluster, connector connect,
             std::chrono::milliseconds timeout, std::string label)
      : cluster_(cluster),
        connect_(std::move(connect)),
        timeout_(timeout),
        label_(std::move(label)) {}

  result<workflow::cluster_acls> read() override {
    auto a = connected();  // kept while it answers (a failure connects again)
    if (!a) return fail(errc::precondition, label_ + ": " + a.error().message);
    auto bindings = plan::read_acl_bindings(**a, label_);
    if (!bindings) {
      forget_client();
      return std::unexpected(bindings.error());
    }
    return workflow::cluster_acls{key_, std::move(*bindings)};
  }

  status create(const std::string& cluster, const kafka::acl_binding& binding) override {
    auto admin = admin_of(cluster);
    if (!admin) return std::unexpected(admin.error());
    if (*admin == nullptr) {
      return fail(errc::precondition,
                  "the credential reaches another cluster than " + printable(cluster, 128));
    }
    auto results = (*admin)->create_acls({binding});
    status s = results.empty() ? fail(errc::kafka, "CreateAcls answered nothing") : results.front();
    if (!s) forget_client();  // connect again next time
    return s;
  }

  result<workflow::acl_removal> remove(const std::string& cluster,
                                       const kafka::acl_binding& binding) override {
    auto admin = admin_of(cluster);
    if (!admin) return std::unexpected(admin.error());
    if (*admin == nullptr) return workflow::acl_removal{true, 0};
    auto deleted = (*admin)->delete_acl(binding);
    if (!deleted) {
      forget_client();
      return std::unexpected(deleted.error());
    }
    if (*deleted > 1) {
      // A filter naming all seven fields matches one binding: a broker that
      // says otherwise is lying or other than Kafka's authorizer.
      spdlog::error("DeleteAcls of {} deleted {} bindings (one expected)",
                    policy::describe(binding), *deleted);
    }
    return workflow::acl_removal{false, *deleted};
  }

 protected:
  // The client, connected once and kept while it answers; null when it
  // reaches a cluster other than `cluster`. A connection that failed is
  // not tried again for kRetry (each try may wait the admin timeout on the
  // workflow's thread, once per topic).
  static constexpr std::chrono::seconds kRetry{5};
  result<const kafka::admin_client*> admin_of(const std::string& cluster) {
    auto a = connected();
    if (!a) return std::unexpected(a.error());
    if (key_ != cluster) return nullptr;
    return *a;
  }
  // The client (key_ its cluster key), connected if it is not.
  result<const kafka::admin_client*> connected() {
    if (admin_ == nullptr) {
      if (connect_error_ && std::chrono::steady_clock::now() - failed_at_ < kRetry) {
        return std::unexpected(*connect_error_);
      }
      auto a = connect_(timeout_);
      auto key = a ? mirror::cluster_key((*a)->cluster_id(), cluster_)
                   : result<std::string>(std::unexpected(a.error()));
      if (!key) {
        connect_error_ = key.error();
        // From the failure's end: a try that waited the whole timeout is
        // not followed by another at once.
        failed_at_ = std::chrono::steady_clock::now();
        return std::unexpected(key.error());
      }
      connect_error_.reset();
      admin_ = std::move(*a);
      key_ = *key;
    }
    return admin_.get();
  }
  void forget_client() { admin_.reset(); }

  const config::cluster_config& cluster_;
  connector connect_;
  std::chrono::milliseconds timeout_;
  std::string label_;
  std::unique_ptr<kafka::admin_client> admin_;
  std::string key_;                     // admin_'s cluster key
  std::optional<error> connect_error_;  // the last connection's, until one succeeds
  std::chrono::steady_clock::time_point failed_at_{};
};

class acl_grants final : public admin_acls<workflow::grant_port> {
 public:
  acl_grants(const config::link_config& cfg, std::function<result<plan::prepared_plan>()> plan_acls,
             std::chrono::milliseconds timeout)
      : admin_acls(
            cfg.target, [&cfg](auto t) { return plan::connect_acl_admin(cfg, t); }, timeout,
            "target (acls.target_admin)"),
        plan_acls_(std::move(plan_acls)) {}

  result<workflow::acl_grant_plan> plan() override {
    forget_client();  // a new round: connect again (credentials may have changed)
    auto p = plan_acls_();
    if (!p) return std::unexpected(p.error());
    if (!p->plan.acls_error.empty()) return fail(errc::precondition, p->plan.acls_error);
    return workflow::acl_grant_plan{p->plan.target_cluster, std::move(p->plan.acls)};
  }

 private:
  std::function<result<plan::prepared_plan>()> plan_acls_;
};

class source_fence final : public admin_acls<workflow::fence_port> {
 public:
  source_fence(const config::link_config& cfg, std::chrono::milliseconds timeout)
      : admin_acls(
            cfg.source, [&cfg](auto t) { return plan::connect_fence_admin(cfg, t); }, timeout,
            "source (fence.source_admin)") {}
};

}  // namespace

std::unique_ptr<workflow::grant_port> make_acl_grants(
    const config::link_config& cfg, std::function<result<plan::prepared_plan>()> plan_acls,
    std::chrono::milliseconds admin_timeout) {
  return std::make_unique<acl_grants>(cfg, std::move(plan_acls), admin_timeout);
}

std::unique_ptr<workflow::fence_port> make_source_fence(const config::link_config& cfg,
                                                        std::chrono::milliseconds admin_timeout) {
  return std::make_unique<source_fence>(cfg, admin_timeout);
}

}  // namespace strait::daemon
