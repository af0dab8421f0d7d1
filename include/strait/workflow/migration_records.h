#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/migration/state_machine.h"
#include "strait/store/checkpoint_store.h"

namespace strait::workflow {

// The 'M' key space of the checkpoint store (store/key_space.h): the
// migration state of each topic and group of a link, with the operation
// running on it. Written only by state_table; read by it at start and by the
// daemon before it deletes a link.
//
// Key: 'M', link (u16-length text), kind (u8), name (u16-length text).
// Value, format 1: [1][state u8][updated_at_ms u64]; format 2: the same and
// the operation's bytes (migration::encode_operation). A record without an
// operation is written as format 1, so an older straitd reads every record
// but one of an operation in flight.
struct migration_record {
  migration::object_kind kind = migration::object_kind::topic;
  std::string name;   // source topic or group id
  uint8_t state = 0;  // migration::topic_state or group_state, as its byte
  int64_t updated_at_ms = 0;
  std::string operation;  // encoded; empty when none runs
};

void put_migration(store::checkpoint_store::write_batch& batch, const std::string& link,
                   const migration_record& r);
// Erases one (a topic or group moving to another straitd, ADR 0030).
void erase_migration(store::checkpoint_store::write_batch& batch, const std::string& link,
                     migration::object_kind kind, const std::string& name);

// The 'O' key space, the workflow's too: the highest operation id the link's
// workflow gave, so that ids stay unique across restarts whatever the wall
// clock does (an id is at least the clock in µs). Key: 'O' + the link's name
// as it is; value: the id (u64). Written in the batch that stores an
// operation with a higher id, and at load when records from before 'O'
// hold a higher one.
void put_highest_operation_id(store::checkpoint_store::write_batch& batch, const std::string& link,
                              uint64_t id);
// 0 when none is stored.
[[nodiscard]] result<uint64_t> load_highest_operation_id(const store::checkpoint_store& store,
                                                         const std::string& link);

// Every migration record of the link, ordered by kind and name.
// errc::corruption for a record that does not decode (a state byte is
// checked by the reader, which knows the states).
[[nodiscard]] result<std::vector<migration_record>> load_migrations(
    const store::checkpoint_store& store, const std::string& link);

}  // namespace strait::workflow
