#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strait/scan/report.h"

namespace strait::scan {

// Pure decisions of a scan, kept apart from the Kafka calls so they can be
// tested exhaustively (tests/unit/scan_test.cc).

// Groups the selected topics into waves: the connected components of the
// graph "group reads topic" (a group joins its topics' component), so that
// every group moves with all the topics it reads. A selected topic no group
// reads is a wave of its own. Waves are numbered by backlog, then records,
// then first topic name, smallest first (a small wave is the cheap
// rehearsal). Groups that read no selected topic are in no wave.
[[nodiscard]] std::vector<wave> plan_waves(const std::vector<topic_row>& topics,
                                           const std::vector<group_row>& groups);

// How long the mirror needs to catch up with `backlog` source offsets when,
// over `window_ms`, it advanced `mirrored` offsets while the source grew by
// `produced`: backlog / (mirror rate - source rate). caught_up (0 ms) when
// there is no backlog; keeping_pace when the mirror copies as fast as the
// source grows (within 5 % or half a second of mirroring: the samples'
// jitter), with the time its steady lag stands for; no_rate or falls_behind
// (-1 ms, with a note) when the mirror did not advance (not running, paused,
// stopped) or is slower than the source; unknown without a window.
struct catch_up {
  double mirror_records_per_s = 0;
  double source_records_per_s = 0;
  int64_t catch_up_ms = -1;
  catch_up_status status = catch_up_status::unknown;
  std::string note;
};
[[nodiscard]] catch_up estimate_catch_up(int64_t backlog, int64_t mirrored, int64_t produced,
                                         int64_t window_ms);

// Whether a topic's unmirrored data outlives the catch-up: data is deleted
// once older than retention.ms (as soon as its segment rolls), so the oldest
// unmirrored record (`t.oldest_unmirrored_age_ms`, the oldest of the first
// records of its partitions' backlogs) must still be there when
// the mirror reaches it, `catch_up_ms` from now (an upper bound: the mirror
// serves every topic at once).
//   red: it would be deleted first (a retention gap is coming), or no
//        catch-up time is known (no rate measured, or the mirror falls
//        behind) while the topic has a backlog and deletes by time;
//   yellow: less than a quarter of retention.ms (or less than an hour) to
//        spare, or it cannot be told (watermarks or configs not read, no
//        record read or not every partition's, retention.bytes set);
//   green: compacted only, kept for ever, no backlog, or time to spare.
struct headroom {
  rating level = rating::green;
  std::string reason;
};
[[nodiscard]] headroom retention_headroom(const topic_row& t, int64_t catch_up_ms);

}  // namespace strait::scan
