#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strait/base/result.h"
#include "strait/config/config.h"
#include "strait/migration/operation.h"
#include "strait/store/checkpoint_store.h"

namespace strait::workflow {

// migration::move_record (the evidence a move leaves once it has ended, ADR
// 0026) as the workflow stores it.
using migration::move_record;

// Which topics and groups a link moves between which clusters, as 16 hex
// digits: the topic and group selection (patterns, prefix, internal topics)
// and the cluster ids. Pause and resume, limits, intervals and credentials do
// not change it; evidence gathered under another digest is stale (ADR 0026).
[[nodiscard]] std::string definition_digest(const config::link_config& link,
                                            const store::cluster_ids& clusters);

// The 'E' key space of the checkpoint store (store/key_space.h), owned by the
// workflow: a link's move records by operation id, as JSON with a "format"
// field (1). Kept: the newest kKeptMoves, and beyond them, of each topic and
// group, the records of its drill under the link's definition now: the
// newest rollback that ended done, the newest cutover done before it, and a
// newer cutover done (so a drill per object outlives a long migration's
// other moves), at most kKeptDrillRecords of those. A record that does not
// decode is erased by the next write.
//
// Key: 'E', link (u16-length text), operation id (u64).
inline constexpr size_t kKeptMoves = 256;
inline constexpr size_t kKeptDrillRecords = 30'000;  // 10,000 objects' drills

// Stores `records` (one an id: the last given) and erases what the rule
// above no longer keeps, in one batch (one scan of the link's records:
// callers batch their records).
[[nodiscard]] status store_moves(store::checkpoint_store& store, const std::string& link,
                                 std::span<const move_record> records);
// Every move record of the link, oldest first (the newest `limit`).
// errc::corruption, naming the operation, for a record that does not decode.
[[nodiscard]] result<std::vector<move_record>> load_moves(const store::checkpoint_store& store,
                                                          const std::string& link,
                                                          size_t limit = SIZE_MAX);
// Operation `id`'s record; nullopt when none is stored.
[[nodiscard]] result<std::optional<move_record>> load_move(const store::checkpoint_store& store,
                                                           const std::string& link, uint64_t id);

// As the API shows an ended operation (detail says it is a stored record).
[[nodiscard]] migration::operation_status status_of(const move_record& r);

// The 'F' key space, the workflow's too: when the link's first topic left
// STAGED (mirroring ran on all its partitions), in ms since the epoch. Written once,
// in the batch of that transition; for a link that had mirrored before this
// record existed, when straitd first loaded it (a lower bound of the time it
// has mirrored). Key: 'F' + the link's name as it is; value: i64.
void put_first_mirrored(store::checkpoint_store::write_batch& batch, const std::string& link,
                        int64_t at_ms);
// nullopt when none is stored, or it is damaged (logged); an error when the
// store cannot be read.
[[nodiscard]] result<std::optional<int64_t>> load_first_mirrored(
    const store::checkpoint_store& store, const std::string& link);

}  // namespace strait::workflow
