#pragma once

#include <string>

#include "strait/base/result.h"
#include "strait/store/checkpoint_store.h"

namespace strait::daemon {

// What a link's deletion checks and removes in the store, online
// (link_registry) and offline (straitd --delete-link) alike.

// Whether no topic or group of the link is in a cutover (a link may be
// deleted only then).
[[nodiscard]] status no_cutover_in_progress(const store::checkpoint_store& store,
                                            const std::string& link);
// Removes an API link's definition and staged names in one batch; its
// checkpoints and maps stay (a link created again under the name goes on).
[[nodiscard]] status forget_link(store::checkpoint_store& store, const std::string& link);

}  // namespace strait::daemon
