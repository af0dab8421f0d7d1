#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "strait/config/config.h"
#include "strait/plan/metadata_planner.h"
#include "strait/workflow/ports.h"

namespace strait::daemon {

// straitd's workflow::grant_port: the link's ACL plan as `straitctl plan`
// makes it (`plan_acls`: plan::metadata_planner::prepare_acls over the
// link's selection and staged names), bindings created with the client that
// read it (acls.target_admin's credential), deleted with one connected for
// the call, after its cluster key was compared with the one the grant was
// made on. Admin requests wait at most `admin_timeout` each. The workflow's
// thread only.
[[nodiscard]] std::unique_ptr<workflow::grant_port> make_acl_grants(
    const config::link_config& cfg, std::function<result<plan::prepared_plan>()> plan_acls,
    std::chrono::milliseconds admin_timeout);

}  // namespace strait::daemon
