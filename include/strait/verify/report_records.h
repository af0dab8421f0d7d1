#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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
// overwriting it. And the 'W' key space: the ids of the reports stored
// RUNNING, written and erased by put_report in the report's batch.
//
// 'V' key: 'V', link (u16-length text), id (u64); value: the JSON text.
// 'W' key: 'W', link (u16-length text), id (u64); empty value.
void put_report(store::checkpoint_store::write_batch& batch, const std::string& link,
                const report& r);

// Report `id` of the link; nullopt when there is none.
[[nodiscard]] result<std::optional<report>> load_report(const store::checkpoint_store& store,
                                                        const std::string& link, uint64_t id);

// The link's newest `limit` reports, oldest first. Each is decoded (a
// report that is not its owner's JSON, or whose JSON carries another id than
// its key, is an error).
[[nodiscard]] result<std::vector<report>> load_reports(const store::checkpoint_store& store,
                                                       const std::string& link, size_t limit);
// The same, of the reports `keep` accepts, looking at no more than `look_at`
// reports (newest first).
[[nodiscard]] result<std::vector<report>> load_reports(
    const store::checkpoint_store& store, const std::string& link, size_t limit,
    const std::function<bool(const report&)>& keep, size_t look_at);

// Every report of the link still RUNNING as stored, by id: after a crash,
// the ones to mark INTERRUPTED. Found through the 'W' index put_report keeps
// (and among the newest 16, for reports stored before it was).
[[nodiscard]] result<std::vector<report>> load_running_reports(const store::checkpoint_store& store,
                                                               const std::string& link);

// The id of the link's newest report, read from its key alone (no JSON
// decoded); 0 when there is none.
[[nodiscard]] result<uint64_t> last_report_id(const store::checkpoint_store& store,
                                              const std::string& link);

}  // namespace strait::verify
