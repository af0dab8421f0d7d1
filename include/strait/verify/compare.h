#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strait/registry/schemas.h"
#include "strait/verify/report.h"

// The record-by-record comparison of a verification, apart from Kafka so it
// can be tested exhaustively.
namespace strait::verify {

// A record reduced to what is compared.
struct record_seen {
  int64_t offset = 0;
  uint64_t digest = 0;  // key, value and headers (kafka::digest_of without the timestamp)
  int64_t timestamp = 0;
  bool create_time = false;  // the producer set the timestamp (else the broker did)
};

// A source record and the target offset the offset map gives it.
struct expected_record {
  int64_t target_offset = 0;
  record_seen source;
};

// Compares one window: `expected` (ascending target offsets) against
// `landed`, the target records of the window's translation (ascending), and
// adds to out's counters, keeping its first difference:
//   same offset, different digest, or different timestamps when both are
//     CreateTime                              -> mismatched
//   expected offset without a target record   -> missing_on_target
//   target record nothing maps to             -> unexpected_target
// `where` names the source partition in messages ("orders/3").
void compare_window(const std::vector<expected_record>& expected,
                    const std::vector<record_seen>& landed, const std::string& where,
                    partition_result& out);

// On a compacted topic each cluster compacts on its own schedule, so records
// on one side only are expected: they move from the counters to the note.
// Mismatched records (same offset pair, different content) still count.
void forgive_compaction(partition_result& out);

// Compares the selected subjects of a link's source registry with the same
// subjects on its target (what the schema copy promises, ADR 0027), into
// `out` (its counters, differences and note):
//   a source version absent from the target (same subject and version)
//   a version under another id on the target
//   a version whose schema differs (type, normal form, references)
//   a subject's own compatibility level (registry::own_level) that the
//     target's subject does not follow (registry::target_follows_level: the
//     rule the plan copies by).
// The registries' global levels differing is a difference too (the subjects
// without a level of their own follow them; strait sets none, the plan shows
// it blocked); versions only on the target are counted, references to
// subjects outside the selection noted. A soft-deleted source version (its
// id still serves records) differs, as the plan blocks it, when the target
// serves its id (registry::serves: a read version, or asked by id) with
// another schema or not at all, or when the source does not serve it (id 0).
void compare_registries(const registry::registry_contents& source,
                        const registry::registry_contents& target, schema_result& out);

}  // namespace strait::verify
