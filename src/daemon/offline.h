#pragma once

#include <string>

#include "strait/base/result.h"
#include "strait/config/config.h"

namespace strait::daemon {

// straitd --delete-link: removes a link created through the API from the
// store while straitd is stopped (e.g. one that no longer loads), unless one
// of its topics or groups is in a cutover; journaled.
[[nodiscard]] status delete_link_offline(const config::config& cfg, const std::string& link);

// straitd --acknowledge: records an operator's resolution for a stopped
// partition in the store; the daemon applies it when it next starts.
[[nodiscard]] status acknowledge(const config::config& cfg, const std::string& partition_spec,
                                 const std::string& resolution_name);

}  // namespace strait::daemon
