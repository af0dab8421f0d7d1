#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "strait/base/result.h"
#include "strait/config/config.h"
#include "strait/groupsync/group_offset_records.h"
#include "strait/migration/state_machine.h"
#include "strait/store/checkpoint_store.h"
#include "strait/workflow/grant_records.h"
#include "strait/workflow/migration_records.h"

namespace strait::daemon {

// Moving a component of a link (its topics and groups) from one straitd's
// store to another's (ADR 0030 step 3): every record that makes the new
// owner go on where the old one stopped, and nothing of the old owner's
// history (move records, reports, scans, the audit journal stay).
//
// The caller keeps the names still meanwhile (released on the old owner:
// nothing mirrored, synced or cut over), and holds the link's definition
// and clusters equal on both sides.

using config::component_names;

struct component_records {
  std::string link;
  // The link's definition digest on the exporting straitd
  // (workflow::definition_digest): an import into a link that selects or
  // connects otherwise is refused.
  std::string definition;
  component_names names;  // what was exported
  // The store's own records: the link's topics (source names) and the
  // reverse link's (target names: what a cutover and a rollback mirrored
  // back, which verification and group translation still read).
  store::own_records own;
  // Group offsets written (the link's and the reverse link's), migration
  // states of the topics and groups (no operation in any), the ACL
  // bindings strait made at a cutover (a rollback deletes them), the
  // staged names.
  std::vector<groupsync::group_offset_record> group_offsets;
  std::vector<workflow::migration_record> migrations;
  std::vector<workflow::recorded_grant> grants;
  std::vector<std::pair<migration::object_kind, std::string>> staged;
  // Every field as field_codec fields, headed by a magic text and a format
  // number: the export that travels from the old owner to the new one
  // through the operator's hands (straitctl). decode_component reads it.
  [[nodiscard]] std::string encode() const;
  // SHA-256 of encode(), in hex: what the old owner compares with the new
  // owner's before it forgets (digest_of(encode())).
  [[nodiscard]] std::string digest() const;
  // The digest of bytes encode() wrote, for a caller that holds them.
  [[nodiscard]] static std::string digest_of(std::string_view encoded);
  // How many records (partitions, created markers, topic ids, group
  // offsets, states, grants, staged names): 0 when there is nothing to
  // carry (none was written, or a forget erased them; still imported, as
  // receipts only).
  [[nodiscard]] size_t record_count() const;
};
// Reads component_records::encode()'s bytes back. errc::invalid_argument,
// naming the field, for bytes that are not an export of this format, cut
// short, with more than the records, or with a field no record holds (a
// kind, a partition number). Whether the records may be imported is
// import_component's to check.
[[nodiscard]] result<component_records> decode_component(std::string_view bytes);

// errc::precondition, naming the name and the fix, while any of the names
// is in a cutover (its reverse mirroring is live) or has an operation
// stored: what a release and an export refuse.
[[nodiscard]] status check_movable(const store::checkpoint_store& store,
                                   const config::link_config& link, const component_names& names);
// Reads the component's records from `store` (refused as check_movable),
// with the link's cluster ids where the store holds them, also for a
// component of groups only.
[[nodiscard]] result<component_records> export_component(const store::checkpoint_store& store,
                                                         const config::link_config& link,
                                                         const component_names& names);
// import_component's checks of `records` themselves, none of what `store`
// holds of the names: of this link, the same definition, every record of
// the component (a group's offsets on any topic of the link or its
// reverse), the reverse link's cluster ids the link's the other way round,
// ACL records only of the shapes a cutover records
// (policy::made_at_cutover, made_by_fence) on the link's cluster of their
// side.
[[nodiscard]] status check_importable(const store::checkpoint_store& store,
                                      const config::link_config& link,
                                      const component_records& records);
// check_importable, then adds the writing of `records` (of the component records.names) to
// `batch` (commit it fsynced). errc::precondition when `store` holds any
// record of the names already but staged names (an import never mixes with
// what this straitd wrote), or `link` has another definition here
// (workflow::definition_digest, with this store's cluster ids or else the
// export's); errc::invalid_argument when a record is inconsistent
// (store::checkpoint_store::import_topics) or fails check_importable.
[[nodiscard]] status import_component(const store::checkpoint_store& store,
                                      const config::link_config& link,
                                      const component_records& records,
                                      store::checkpoint_store::write_batch& batch);
// Adds the deletion of every record export_component reads to `batch`;
// returns how many. errc::precondition, adding nothing, unless the records
// are still those exported (`exported_digest`, component_records::digest):
// what changed since would be lost with them. That another straitd stored
// the export is the caller's to know (ImportComponent answered its digest,
// not in a dry run).
[[nodiscard]] result<size_t> forget_component(const store::checkpoint_store& store,
                                              const config::link_config& link,
                                              const component_names& names,
                                              const std::string& exported_digest,
                                              store::checkpoint_store::write_batch& batch);

}  // namespace strait::daemon
