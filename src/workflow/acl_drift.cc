#include "strait/workflow/acl_drift.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "strait/base/text.h"
#include "strait/policy/acl_rules.h"
#include "strait/workflow/link_workflow.h"

namespace strait::workflow {

std::map<std::string, std::vector<std::string>> find_acl_drift(
    const std::vector<recorded_grant>& records, acl_change kind, const cluster_acls& held,
    const config::fence_config* fence, const std::set<std::string>& topics) {
  const std::string side = kind == acl_change::source_fence ? "source" : "target";
  const std::set<kafka::acl_binding> now(held.bindings.begin(), held.bindings.end());
  std::map<std::string, std::set<kafka::acl_binding>> owned;  // by topic, on held's cluster
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& r : records) {
    if (r.kind != kind || r.grant.cluster != held.cluster || !topics.contains(r.topic)) continue;
    owned[r.topic].insert(r.grant.binding);
    if (!now.contains(r.grant.binding)) {
      out[r.topic].push_back("missing on the " + side + ": " + policy::describe(r.grant.binding) +
                             " (strait made it; it was removed since)");
    }
  }
  if (fence == nullptr) return out;
  for (const auto& [topic, mine] : owned) {
    const auto plan = policy::plan_fence(*fence, topic, held.bindings);
    for (const auto& d : plan.denies) {
      if (mine.contains(d)) continue;  // its own, missing: said above
      out[topic].push_back("a writer the fence does not stop: " + printable(d.principal, 256) +
                           " (granted since the fence was built; " + policy::describe(d) +
                           " would fence it)");
    }
    for (const auto& r : plan.refusals) {
      out[topic].push_back("the fence cannot stop every writer now: " + r);
    }
  }
  return out;
}

void link_workflow::check_acl_drift() {
  const auto now = ports_.now();
  const auto every =
      std::max<std::chrono::milliseconds>(cfg_.topics.refresh_interval, kAclDriftEvery);
  if (acl_drift_read_at_ != std::chrono::steady_clock::time_point{} &&
      now - acl_drift_read_at_ < every) {
    return;
  }
  acl_drift_read_at_ = now;
  std::vector<recorded_grant> records;
  std::set<std::string> held;  // the topics a cutover or rollback holds
  {
    std::lock_guard lock(mu_);
    if (acl_records_) records = *acl_records_;
    for (const auto& [topic, state] : table_.topics()) {
      if (state == migration::topic_state::draining || state == migration::topic_state::cut_over ||
          state == migration::topic_state::rolled_back) {
        held.insert(topic);
      }
    }
  }
  std::map<std::string, std::vector<std::string>> drift;
  for (const acl_change kind : {acl_change::target_grant, acl_change::source_fence}) {
    acl_writer* port = kind == acl_change::target_grant
                           ? static_cast<acl_writer*>(ports_.grants.get())
                           : ports_.fence.get();
    const bool compared = std::any_of(records.begin(), records.end(), [&](const auto& r) {
      return r.kind == kind && held.contains(r.topic);
    });
    if (port == nullptr || !compared) continue;  // no section: the rollback says what stays
    auto read = port->read();
    if (!read) {
      for (const auto& r : records) {
        if (r.kind != kind || !held.contains(r.topic)) continue;
        auto& lines = drift[r.topic];
        const std::string line =
            "cannot compare the ACL bindings strait owns with the cluster: " + read.error().message;
        if (std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(line);
      }
      continue;
    }
    for (auto& [topic, lines] :
         find_acl_drift(records, kind, *read,
                        kind == acl_change::source_fence ? &cfg_.fence : nullptr, held)) {
      auto& all = drift[topic];
      all.insert(all.end(), lines.begin(), lines.end());
    }
  }
  size_t count = 0;
  for (const auto& [topic, lines] : drift) count += lines.size();
  if (ports_.metrics != nullptr) {
    ports_.metrics->set("strait_acl_drift_bindings", {{"link", cfg_.name}},
                        static_cast<double>(count));
  }
  std::lock_guard lock(mu_);
  // Logged once, when it is found (the check runs every few seconds).
  for (const auto& [topic, lines] : drift) {
    const auto before = acl_drift_.find(topic);
    for (const auto& l : lines) {
      if (before == acl_drift_.end() ||
          std::find(before->second.begin(), before->second.end(), l) == before->second.end()) {
        spdlog::warn("link {}: topic {}: ACL drift: {}", cfg_.name, printable(topic, 256), l);
      }
    }
  }
  acl_drift_ = std::move(drift);
}

}  // namespace strait::workflow
