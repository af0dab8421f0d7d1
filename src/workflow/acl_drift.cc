#include "strait/workflow/acl_drift.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "strait/base/text.h"
#include "strait/policy/acl_rules.h"
#include "strait/workflow/link_workflow.h"

namespace strait::workflow {

acl_drift_found find_acl_drift(const std::vector<recorded_grant>& records, acl_change kind,
                               const cluster_acls& held, const config::fence_config* fence,
                               const std::set<std::string>& topics) {
  const std::string side = kind == acl_change::source_fence ? "source" : "target";
  const std::set<kafka::acl_binding> now(held.bindings.begin(), held.bindings.end());
  std::map<std::string, std::set<kafka::acl_binding>> owned;  // by topic, on held's cluster
  acl_drift_found out;
  for (const auto& r : records) {
    if (r.kind != kind || !topics.contains(r.topic)) continue;
    if (r.grant.cluster != held.cluster) {
      out.not_compared[r.topic] = "strait made its bindings on the " + side + " cluster " +
                                  printable(r.grant.cluster, 128) +
                                  ", and the credential reaches " + printable(held.cluster, 128) +
                                  " now";
      continue;
    }
    owned[r.topic].insert(r.grant.binding);
    if (!now.contains(r.grant.binding)) {
      out.found[r.topic].push_back("missing on the " + side + ": " +
                                   policy::describe(r.grant.binding) +
                                   " (strait made it; it was removed since)");
    }
  }
  if (fence == nullptr) return out;
  for (const auto& [topic, mine] : owned) {
    for (const auto& d : policy::plan_fence(*fence, topic, held.bindings).denies) {
      if (mine.contains(d)) continue;  // its own, missing: said above
      out.found[topic].push_back(
          "a writer the fence does not stop: " + printable(d.principal, 256) +
          " (its WRITE was granted since, or a DENY of yours that covered "
          "it was removed; " +
          policy::describe(d) + " would fence it)");
    }
  }
  return out;
}

void link_workflow::check_acl_drift() {
  if (ports_.now() < acl_drift_due_) return;
  std::vector<recorded_grant> records;
  std::set<std::string> held;  // the topics a cutover or rollback holds, none under way
  {
    std::lock_guard lock(mu_);
    // A round with a cutover or rollback under way spends its time on
    // them (and their own ACL reads); its records are in flux anyway.
    for (const auto& [topic, op] : topic_ops_) {
      if (op.status.stuck == stuck_reason::none) return;
    }
    if (acl_records_) records = *acl_records_;
    for (const auto& [topic, state] : table_.topics()) {
      if ((state == migration::topic_state::draining || state == migration::topic_state::cut_over ||
           state == migration::topic_state::rolled_back) &&
          !topic_ops_.contains(topic)) {
        held.insert(topic);
      }
    }
  }
  std::map<std::string, std::vector<std::string>> shown;  // per topic, findings first
  size_t found = 0, not_compared = 0;
  bool failed = false;
  for (const acl_change kind : {acl_change::target_grant, acl_change::source_fence}) {
    acl_writer* port = kind == acl_change::target_grant
                           ? static_cast<acl_writer*>(ports_.grants.get())
                           : ports_.fence.get();
    std::set<std::string> topics;
    for (const auto& r : records) {
      if (r.kind == kind && held.contains(r.topic)) topics.insert(r.topic);
    }
    if (port == nullptr || topics.empty()) continue;  // no section: the rollback says what stays
    auto read = port->read();
    if (!read) {
      failed = true;
      for (const auto& t : topics) {
        shown[t].push_back("cannot compare the ACL bindings strait made with the cluster: " +
                           read.error().message);
        ++not_compared;
      }
      continue;
    }
    auto drift = find_acl_drift(records, kind, *read,
                                kind == acl_change::source_fence ? &cfg_.fence : nullptr, held);
    for (auto& [topic, lines] : drift.found) {
      found += lines.size();
      auto& all = shown[topic];
      all.insert(all.end(), lines.begin(), lines.end());
    }
    for (auto& [topic, why] : drift.not_compared) {
      shown[topic].push_back("cannot compare the ACL bindings strait made with the cluster: " +
                             why);
      ++not_compared;
    }
  }
  // From the check's end: reads that took their whole timeout are not
  // followed by more at once; after a failure, a minute.
  acl_drift_due_ = ports_.now() + (failed ? std::chrono::milliseconds(kAclDriftRetry)
                                          : std::max<std::chrono::milliseconds>(
                                                cfg_.topics.refresh_interval, kAclDriftEvery));
  if (ports_.metrics != nullptr) {
    ports_.metrics->set("strait_acl_drift_bindings", {{"link", cfg_.name}},
                        static_cast<double>(found));
    ports_.metrics->set("strait_acl_drift_not_compared", {{"link", cfg_.name}},
                        static_cast<double>(not_compared));
  }
  // Each line logged once while its topic stays held (the check runs
  // every few seconds; a read that fails and recovers does not log all
  // again).
  std::erase_if(acl_drift_logged_, [&](const auto& l) { return !held.contains(l.first); });
  for (const auto& [topic, lines] : shown) {
    for (const auto& l : lines) {
      if (acl_drift_logged_.emplace(topic, l).second) {
        spdlog::warn("link {}: topic {}: ACL drift: {}", cfg_.name, printable(topic, 256), l);
      }
    }
  }
  std::lock_guard lock(mu_);
  acl_drift_ = std::move(shown);
}

}  // namespace strait::workflow
