#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/config/topic_filter.h"
#include "strait/registry/http_client.h"
#include "strait/registry/schemas.h"

namespace strait::registry {

using target_kind = config::schemas_config::target_kind;

// What a plan says of one source subject version or compatibility level.
enum class schema_action {
  copy,     // apply writes it to the target, with its id and version
  fits,     // the target has it already: that id bound to the same schema, that version
  blocked,  // apply leaves it: `reason` says why and the fix
};
[[nodiscard]] const char* to_string(schema_action a);

struct schema_item {
  std::string subject;
  int32_t version = 0;
  int32_t id = 0;
  schema_type type = schema_type::avro;
  schema_action action = schema_action::copy;
  std::string reason;  // blocked: why and the fix; copy: a note (the target serves the id)
};

// A compatibility level of its own of a selected subject: copy where the
// target's subject has none of its own, blocked where it has another (not
// overwritten) or every version of the subject is blocked; and the
// registries' global levels where they differ (subject "": blocked, since
// the global level governs subjects outside the link: set by hand). A
// level equal to its registry's global one counts as none of its own.
struct compatibility_item {
  std::string subject;
  std::string source_level, target_level;  // target_level "": none of its own
  schema_action action = schema_action::copy;
  std::string reason;
};

struct schema_plan {
  // The source's order: by subject, then version; then its soft-deleted
  // versions (fits or blocked, never copied).
  std::vector<schema_item> versions;
  // Indices into `versions` in the order they can be written: a version
  // after every version it references.
  std::vector<size_t> order;
  std::vector<compatibility_item> compatibility;
};

// Plans a copy of `source`'s versions (the selected subjects) onto a
// target registry of `kind` whose contents (all its subjects) are
// `target` (ADR 0027). The target's ids are checked first: a version is
// blocked when the target binds its id to another schema, holds its
// schema under another id, has its subject with a version the source
// lacks or with this version under another id (histories are not merged),
// references a version that is blocked or not selected (or a cycle), or
// (kind confluent) would have to be imported into a subject that has live
// versions (IMPORT mode needs an empty subject; strait never forces it).
// The source's soft-deleted versions (if read) fit where the target serves
// their ids with the same schemas (serves(): what read_served_ids read of
// the target, a live version there or its answer by id; a target without
// served_ids serves none of them) or a version this plan copies carries the
// id with the same schema, and are blocked otherwise: strait copies live
// versions only.
// Pure: unit-tested without a registry.
[[nodiscard]] schema_plan plan_schemas(const registry_contents& source,
                                       const registry_contents& target, target_kind kind);

// What apply did with one item.
enum class write_outcome { done, failed, not_reached, would, no_action };

struct written {
  write_outcome result = write_outcome::no_action;
  std::string message;
};

struct schema_apply_result {
  std::vector<written> versions;       // one per plan version item
  std::vector<written> compatibility;  // one per plan compatibility item
};

// The clients of a link's schemas section: each registry's Confluent API,
// and an Apicurio one's root (the source's when `source_kind`, the
// target's when `kind` is apicurio; null otherwise) for its own rules and,
// the target's, its import.
struct registry_clients {
  target_kind kind = target_kind::confluent;         // the target's
  target_kind source_kind = target_kind::confluent;  // the source's
  std::unique_ptr<http_client> source, target, source_root, target_root;
};
[[nodiscard]] registry_clients connect_registries(const config::schemas_config& cfg,
                                                  std::chrono::milliseconds timeout);

// A link's two registries as plan and verify compare them, the one reading
// both share: the source's subjects `selected` accepts with their
// soft-deleted versions (read_contents, read_soft_deleted); the target's
// same subjects, or all of them when `whole_target` (a plan checks the
// target's ids first); for an Apicurio side (kind, source_kind) the selected
// subjects' levels from Apicurio's rules (read_apicurio_levels: its
// Confluent API cannot tell a subject without a rule from one pinned to
// NONE); and what the target serves for
// the source's soft-deleted ids (read_served_ids). An error names the side
// ("source registry: ..."). Within `deadline`; `cancel` between requests.
struct registries_read {
  registry_contents source, target;
};
[[nodiscard]] result<registries_read> read_registries(
    const registry_clients& clients, const config::topic_filter& selected, bool whole_target,
    std::chrono::steady_clock::time_point deadline, const std::atomic<bool>* cancel = nullptr);

// Writes the plan's copy items to the target, in the plan's order, then
// the compatibility items to copy, and reads every version written back
// through the target's Confluent API: a version the target does not serve
// with its id, version and schema is `failed` with what it serves
// instead, and no write starts after it (the rest not_reached). Kind
// confluent: IMPORT mode on each subject to copy (all empty, by the plan),
// each version with its id and version, each subject's mode put back as
// it was after. Kind apicurio: one import archive of the versions whose ids the
// target lacks (its read-back after the whole archive was posted), then,
// through the Confluent API with the target's own text of the id, the
// subjects with a version whose content the target holds already (its
// import would skip that version silently). strait never deletes or
// overwrites on a registry. No write starts once `deadline` passed (the
// read-backs of an archive posted are not cut short: what was written is
// said); a registry whose mode is not READWRITE or IMPORT is not written.
// `dry_run`: each copy `would`. `source`: the contents the plan was made
// of (the schema texts); an item it lacks fails.
[[nodiscard]] schema_apply_result apply_schemas(const schema_plan& plan,
                                                const registry_contents& source,
                                                const registry_clients& clients, bool dry_run,
                                                std::chrono::steady_clock::time_point deadline,
                                                int64_t now_ms);

}  // namespace strait::registry
