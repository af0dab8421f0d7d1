#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/scan/report.h"
#include "strait/store/checkpoint_store.h"

namespace strait::scan {

// The 'N' key space of the checkpoint store (store/key_space.h): a link's
// scans by id, as JSON (to_json / report_from_json), written once when the
// scan ends (a running scan lives in memory only: a crash forgets it, and
// nothing of it needs resuming). The newest kKeptScans are kept.
//
// Key: 'N', link (u16-length text), id (u64); value: the JSON text.
// And the 'n' key space: the same key, the JSON of its summary (no topics,
// groups, waves, ACLs or users), so that listing scans never decodes whole
// ones (a large estate's scan is megabytes).
inline constexpr size_t kKeptScans = 32;

// Stores `r` and its summary and erases the link's scans older than the
// newest kKeptScans (counting `r`), in one batch.
[[nodiscard]] status store_report(store::checkpoint_store& store, const report& r);

// `r` without its topics, groups, waves, ACLs and users (whether those were
// read stays: an empty list, not none).
[[nodiscard]] report summary_of(const report& r);

// Scan `id` of the link; nullopt when there is none.
[[nodiscard]] result<std::optional<report>> load_report(const store::checkpoint_store& store,
                                                        const std::string& link, uint64_t id);

// The summaries of the link's newest `limit` scans, oldest first.
[[nodiscard]] result<std::vector<report>> load_summaries(const store::checkpoint_store& store,
                                                         const std::string& link, size_t limit);

// The id of the link's newest stored scan (from its key alone); 0 when none.
[[nodiscard]] result<uint64_t> last_report_id(const store::checkpoint_store& store,
                                              const std::string& link);

}  // namespace strait::scan
