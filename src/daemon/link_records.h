#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "strait/base/result.h"
#include "strait/config/shards.h"
#include "strait/migration/state_machine.h"
#include "strait/store/checkpoint_store.h"

namespace strait::daemon {

// The daemon's key spaces of the checkpoint store (store/key_space.h), and
// what a link's deletion checks and removes there, online (link_registry)
// and offline (straitd --delete-link) alike.
//
// 'L': key 'L' + the link's name as it is; value [1][from_api u8][paused u8]
// [updated_at_ms u64], then the definition's YAML text to the end.
// 'S': key 'S', link (u16-length text), kind (u8), then the name as it is;
// empty value.
// 'H': key 'H' + the link's name as it is; value [1][shards u32][applied_as
// u32][scan_id u64][applied_at_ms u64][components u32], then per component
// [shard u32]
// [bytes u64][topics u32] topic texts [groups u32] group texts (u16-length
// text each); format 2 then the released topics and groups the same way.
// 'h': key 'h', link (u16-length text), kind (u8: 0 topic, 1 group), then
// the name as it is (the kind's byte is shard_share::kind's, not the 'S'
// space's object_kind); value the digest of the last export it came in.

// What the store keeps of a link (docs/links.md): for a link of the config
// file only whether it is paused; for a link created through the API also its
// definition (a links[] entry as YAML text, secrets only as references).
struct link_record {
  bool from_api = false;
  bool paused = false;
  std::string yaml;  // API links: the definition; empty for file links
  int64_t updated_at_ms = 0;
};

void put_link(store::checkpoint_store::write_batch& batch, const std::string& name,
              const link_record& r);
// Every link record, by name.
[[nodiscard]] result<std::vector<std::pair<std::string, link_record>>> load_links(
    const store::checkpoint_store& store);

// A topic or group an operator staged on a link (the API's Stage).
void put_staged(store::checkpoint_store::write_batch& batch, const std::string& link,
                migration::object_kind kind, const std::string& name);
void erase_staged(store::checkpoint_store::write_batch& batch, const std::string& link,
                  migration::object_kind kind, const std::string& name);
// The link's staged topics and groups, by kind and name.
[[nodiscard]] result<std::vector<std::pair<migration::object_kind, std::string>>> load_staged(
    const store::checkpoint_store& store, const std::string& link);

// The link's shard assignment (ADR 0030, `s.assignment` set), replacing the
// one stored.
void put_shard_assignment(store::checkpoint_store::write_batch& batch, const std::string& link,
                          const config::shard_state& s);
// What is stored, checked again (shard_assignment::make, for its own
// count): nothing stored is an empty state; one that does not decode, was
// planned for more shards than `self`'s count (fewer is in force: ADR 0030
// step 4), or applied when this store was
// another ordinal's, is stored but not in force (`problem` says why and
// what to do). With the receipts (received_*), also when no assignment is
// stored. An error only when the store cannot be read or a receipt's key
// is damaged.
[[nodiscard]] result<config::shard_state> load_shard_assignment(
    const store::checkpoint_store& store, const std::string& link,
    const config::shard_identity& self);

// A receipt (ADR 0030, "Receipts"): `name` came to this straitd in an
// import (its records, or none when its old owner held none). The plan
// check counts it as held where the plan places it; every stored plan
// erases all receipts. `digest`: the last import's export, for diagnosis
// only (nothing reads it).
void put_receipt(store::checkpoint_store::write_batch& batch, const std::string& link,
                 config::shard_share::kind kind, const std::string& name,
                 const std::string& digest);
void erase_receipt(store::checkpoint_store::write_batch& batch, const std::string& link,
                   config::shard_share::kind kind, const std::string& name);

// Whether no topic or group of the link is in a cutover
// (migration::in_cutover) or has an operation stored, such as a group
// cutover waiting for its members: a link may be deleted only then. The
// states are read by the workflow's state_table::read (one this straitd
// does not know is an error).
// `among` (optional) limits the check to the names it accepts, `fix` is what
// the refusal tells the operator to do (ADR 0030's moves check their names).
[[nodiscard]] status no_cutover_in_progress(
    const store::checkpoint_store& store, const std::string& link,
    const std::function<bool(migration::object_kind, const std::string&)>& among = {},
    const std::string& fix = "finalize or roll it back before deleting the link");
// Removes an API link's definition, staged names, shard assignment and
// receipts in one batch; its checkpoints and maps stay (a link created
// again under the name goes on). Nothing at all when the staged names or
// the receipts cannot be read.
[[nodiscard]] status forget_link(store::checkpoint_store& store, const std::string& link);
// Removes only the definition: a link whose creation failed after it was
// stored (it has no staged names yet).
[[nodiscard]] status forget_link_definition(store::checkpoint_store& store,
                                            const std::string& link);

}  // namespace strait::daemon
