#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/workflow/grant_records.h"
#include "strait/workflow/ports.h"

namespace strait::workflow {

// Drift of the ACL bindings a producer cutover made (ADR 0023,
// docs/cutover.md#acl-drift): what differs now between the records of
// `kind` and what `held` (the cluster that kind lives on, read now) holds.
struct acl_drift_found {
  // Per topic, printable lines:
  // - a recorded binding the cluster no longer holds ("missing on the
  //   source: DENY WRITE TOPIC:LITERAL:orders User:app@* ..."): ACL tooling
  //   reconciled it away, or an operator removed it;
  // - with a fence (kind source_fence): a writer plan_fence would fence now
  //   that no record names (its WRITE granted since, or a DENY of the
  //   operator's that covered it removed). Refusals are not drift: one the
  //   cutover was forced past would show for good.
  std::map<std::string, std::vector<std::string>> found;
  // Per topic, why its records could not be compared: they name another
  // cluster than the one the credential reaches now.
  std::map<std::string, std::string> not_compared;
};
// Only the records of `topics` are compared (those a cutover or rollback
// holds, none with an operation under way). Pure: unit-tested without a
// cluster. strait changes nothing for drift; it shows it.
[[nodiscard]] acl_drift_found find_acl_drift(const std::vector<recorded_grant>& records,
                                             acl_change kind, const cluster_acls& held,
                                             const config::fence_config* fence,
                                             const std::set<std::string>& topics);

}  // namespace strait::workflow
