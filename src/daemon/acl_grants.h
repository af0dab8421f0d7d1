#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "strait/config/config.h"
#include "strait/plan/metadata_planner.h"
#include "strait/workflow/ports.h"

namespace strait::daemon {

// straitd's ACL ports of a link's workflow (ADR 0023), each with an
// administrator's credential, each admin request waiting at most
// `admin_timeout`; the workflow's thread only. A create or delete uses a
// client connected anew at each plan() / read() (or at its first call),
// and first compares the cluster it reaches with the one named (the
// grant's or fence's record).

// The target's (acls.target_admin): the link's ACL plan as `straitctl plan`
// makes it (`plan_acls`: plan::metadata_planner::prepare_acls over the
// link's selection and staged names).
[[nodiscard]] std::unique_ptr<workflow::grant_port> make_acl_grants(
    const config::link_config& cfg, std::function<result<plan::prepared_plan>()> plan_acls,
    std::chrono::milliseconds admin_timeout);

// The source's (fence.source_admin laid over source.properties): every
// binding of the source (DescribeAcls fails without an authorizer; the
// authorizer's class is not checked), at most plan::kMaxAclBindings.
[[nodiscard]] std::unique_ptr<workflow::fence_port> make_source_fence(
    const config::link_config& cfg, std::chrono::milliseconds admin_timeout);

}  // namespace strait::daemon
