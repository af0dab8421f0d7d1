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
// `kind` and what `held` (the cluster the records' kind lives on, read now)
// holds, per topic, each as a printable line:
// - a recorded binding the cluster no longer holds ("missing on the
//   source: DENY WRITE TOPIC:LITERAL:orders User:app@*"): ACL tooling
//   reconciled it away, or an operator removed it;
// - with `fence` (kind source_fence): a writer plan_fence would fence now
//   that no record names (granted since the fence was built), and each of
//   its refusals (a wildcard writer since).
// Only the records of `topics` are compared (those a cutover or rollback
// holds: DRAINING, CUT_OVER, ROLLED_BACK), and only those made on `held`'s
// cluster. Pure: unit-tested without a cluster. strait changes nothing
// for drift; it shows it.
[[nodiscard]] std::map<std::string, std::vector<std::string>> find_acl_drift(
    const std::vector<recorded_grant>& records, acl_change kind, const cluster_acls& held,
    const config::fence_config* fence, const std::set<std::string>& topics);

}  // namespace strait::workflow
