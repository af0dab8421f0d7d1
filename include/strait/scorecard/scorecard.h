#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strait/migration/operation.h"
#include "strait/migration/state_machine.h"
#include "strait/scan/report.h"
#include "strait/verify/report.h"

namespace strait::scorecard {

// The readiness scorecard of a link (ADR 0026,
// docs/planning.md#the-readiness-scorecard):
// per area a level (0 untested, 1 shown, 2 proven on a production-like
// workload with rollback evidence) and a colour, each computed from the
// evidence straitd stores and sees, never entered. score() is pure: the
// daemon gathers the evidence, the tests hand-write it.

// What "production-like" and "stale" mean, printed with the card so that a
// reviewer sees what "proven" meant (fixed in this release).
struct thresholds {
  // A drill's verification compared at least min(this, the records of the
  // range it verified) records of each topic: every record of a small
  // topic, this many of a large one.
  int64_t min_records_compared = 10'000;
  // The drill's link had mirrored this long before the drill.
  int64_t min_mirrored_ms = 24LL * 3600 * 1000;
  // Evidence older than this is stale (yellow).
  int64_t max_age_ms = 7LL * 24 * 3600 * 1000;
};

// What the store holds of one link that the card reads: its own, and a
// rehearsal link's (`straitctl scorecard LINK --rehearsal OTHER`), whose
// drills then count instead; the card prints both links' clusters side by
// side.
struct link_evidence {
  std::string link;
  std::string source_cluster_id, target_cluster_id;  // empty: not known yet
  std::string definition;                            // the link's digest now
  std::optional<int64_t> first_mirrored_at_ms;
  std::vector<migration::move_record> moves;  // oldest first
  // Oldest first; never a cutover's tail re-verification (it compares the
  // newest records only).
  std::vector<verify::report> reports;
};

// What straitd sees of the link now (for a paused link: the states as
// stored, nothing else).
struct live_state {
  bool paused = false;
  std::map<std::string, migration::topic_state> topics;  // selected, with a state
  std::map<std::string, migration::group_state> groups;
  // Per group, its partitions skipped by group sync, by reason
  // (policy::to_string(skip_reason)).
  std::map<std::string, std::map<std::string, int>> group_skips;
  // Partitions stopped for an incident (not handed over): "orders/0 (retention_gap)".
  std::vector<std::string> stopped_partitions;
  // Topics whose target configs differ from the source's, with why.
  std::vector<std::string> drift;
  // Per topic whose ACL bindings a cutover made differ now, or could not be
  // compared (workflow::find_acl_drift): "<topic>: N line(s), the first: ...".
  std::vector<std::string> acl_drift;
  // Operations waiting for the operator.
  struct stuck_operation {
    uint64_t id = 0;
    migration::object_kind kind = migration::object_kind::topic;
    std::string name;
    migration::stuck_reason reason = migration::stuck_reason::none;
  };
  std::vector<stuck_operation> operations_stuck;
};

// A plan of the link's topics read live from both clusters (plan module).
struct live_plan {
  bool read = false;
  std::string error;  // why it could not be made
  int64_t made_at_ms = 0;
  std::vector<std::string> blocked;  // "orders: <blocker>"
  std::vector<std::string> changes;  // config changes apply would make (not the link)
  // ACL sync (the link's acls section): what the plan's ACL part says, or
  // why it was not made (`acls_error`).
  bool acls_enabled = false;
  std::string acls_error;
  std::vector<std::string> acls_to_create;  // bindings apply would create
  std::vector<std::string> acls_blocked;    // "<binding>: <blocker>"
  int acls_at_cutover = 0;                  // WRITE-like bindings left for the cutover
  // Source bindings of a right to change a topic (policy::waits_for_cutover)
  // that the plan copies: at cutover, or on the target already.
  int acls_write_like = 0;
  int acls_fit = 0;            // bindings the target has
  bool fence_enabled = false;  // the link has a fence section
  // Schema copy (the link's schemas section): what the plan's schema part
  // says, or why the registries were not read (`schemas_error`).
  bool schemas_enabled = false;
  std::string schemas_error;
  std::vector<std::string> schemas_to_copy;  // "orders-value version 2 (id 7)"
  std::vector<std::string> schemas_blocked;  // "<version>: <reason>"
  std::vector<std::string> levels_to_copy;   // compatibility apply would add
  int schemas_fit = 0;                       // versions the target serves with their ids
};

struct evidence {
  int64_t now_ms = 0;
  thresholds limits;
  link_evidence link;                      // the link scored
  std::optional<link_evidence> rehearsal;  // its drills count instead of the link's
  std::optional<scan::report> scan;        // the link's newest scan that ended DONE
  live_state live;
  live_plan plan;
  [[nodiscard]] const link_evidence& drills() const { return rehearsal ? *rehearsal : link; }
};

enum class colour { green, yellow, red };
[[nodiscard]] const char* to_string(colour c);

struct area {
  std::string name;  // compatibility, data, offsets and groups, ...
  int level = 0;
  colour rating = colour::yellow;
  std::string summary;                // why this level, in words
  std::vector<std::string> evidence;  // what it rests on, each with its id and time
  std::vector<std::string> reds;      // what turns it red
  std::vector<std::string> yellows;   // what keeps it from green
  std::string next;                   // what would raise it, as a command; empty at 2
};

struct card {
  std::string link;
  std::string drill_link;  // the link whose drills count (link itself when no rehearsal)
  std::string source_cluster_id, target_cluster_id;              // of link
  std::string drill_source_cluster_id, drill_target_cluster_id;  // of drill_link
  int64_t made_at_ms = 0;
  thresholds limits;
  std::vector<area> areas;  // in a fixed order
};

// Red wins over any level; green needs level 2 and nothing yellow; else yellow.
[[nodiscard]] card score(const evidence& e);

}  // namespace strait::scorecard
