#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/store/checkpoint_store.h"
#include "strait/verify/report.h"

namespace strait::verify {

// The 'V' key space of the checkpoint store (store/key_space.h): a link's
// verification reports by id, as JSON (to_json / report_from_json). The
// workflow writes a running report again as it goes, the same id
// overwriting it.
//
// Key: 'V', link (u16-length text), id (u64). Value: the JSON text.
void put_report(store::checkpoint_store::write_batch& batch, const std::string& link,
                const report& r);

// Report `id` of the link; nullopt when there is none.
[[nodiscard]] result<std::optional<report>> stored_report(const store::checkpoint_store& store,
                                                          const std::string& link, uint64_t id);

// The link's newest `limit` reports, oldest first.
[[nodiscard]] result<std::vector<report>> stored_reports(const store::checkpoint_store& store,
                                                         const std::string& link, size_t limit);

}  // namespace strait::verify
