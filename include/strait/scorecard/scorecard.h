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

// The readiness scorecard of a link (ADR 0026, docs/planning.md#scorecard):
// per area a level (0 untested, 1 shown, 2 proven on a production-like
// workload with rollback evidence) and a colour, each computed from the
// evidence straitd stores and sees, never entered. score() is pure: the
// daemon gathers the evidence, the tests hand-write it.

// What "production-like" and "stale" mean: configuration, printed with the
// card so that a looser setting is visible to a reviewer.
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

// The drills that count: the link's own, or a rehearsal link's
// (`straitctl scorecard LINK --rehearsal OTHER`), told apart by their
// clusters, which the card prints side by side.
struct drill_evidence {
  std::string link;
  std::string source_cluster_id, target_cluster_id;  // empty: not known yet
  std::string definition;                            // the link's digest now
  std::optional<int64_t> first_mirrored_at_ms;
  std::vector<migration::move_record> moves;  // oldest first
  std::vector<verify::report> reports;        // oldest first
};

// What straitd sees now.
struct live_state {
  bool paused = false;                                   // nothing of the live state is known
  std::map<std::string, migration::topic_state> topics;  // selected, with a state
  std::map<std::string, migration::group_state> groups;
  std::vector<std::string> stopped_partitions;  // "orders/0 (retention_gap)"
  // Group skips that are findings, in words: red (partition_stopped, or
  // target_group_active outside a consumer cutover) and yellow
  // (topic_not_mirrored).
  std::vector<std::string> group_reds, group_yellows;
  // Topics whose target configs differ and that strait does not follow.
  std::vector<std::string> drift_not_followed;
  std::vector<std::string> operations_stuck;  // "topic orders: tail_verification_failed"
  bool metrics_endpoint = false;
};

// A plan of the link's topics read live from both clusters (plan module).
struct live_plan {
  bool read = false;
  std::string error;  // why it could not be made
  int64_t made_at_ms = 0;
  int items = 0;
  std::vector<std::string> blocked;  // "orders: <blocker>"
  std::vector<std::string> drift;    // config changes apply would make, not by the link
};

struct evidence {
  std::string link;
  std::string source_cluster_id, target_cluster_id;  // the link's, as stored; empty: none yet
  int64_t now_ms = 0;
  thresholds limits;
  std::optional<scan::report> scan;     // the link's newest scan that ended DONE
  std::vector<verify::report> reports;  // the link's newest, oldest first
  drill_evidence drills;
  bool drills_from_rehearsal = false;  // drills.link is another link
  live_state live;
  live_plan plan;
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
