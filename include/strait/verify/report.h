#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "strait/base/result.h"

namespace strait::verify {

// A verification report (docs/verification.md): what was compared, what
// differed. Stored in the checkpoint store as JSON (to_json/from_json) and
// returned by the API.

// One partition: the source range compared and its image on the target
// through the offset map.
struct partition_result {
  int32_t partition = 0;
  int64_t source_from = 0, source_to = 0;  // [from, to) on the source
  int64_t target_from = 0, target_to = 0;  // its translation
  int64_t records_compared = 0;            // source records looked at
  int64_t mismatched = 0;         // the map's target record differs (key, value, headers, time)
  int64_t missing_on_target = 0;  // the map points where the target has no record
  int64_t unmapped_source = 0;    // a source record the offset map does not cover
  int64_t unexpected_target = 0;  // a target record no source record maps to
  std::string first_difference;   // the first difference, in words; empty when none
  std::string note;               // e.g. "sampled: 10 windows", "stopped: foreign_write"
  std::string error;              // could not compare (read failed...); counts as failed
  [[nodiscard]] bool passed() const {
    return error.empty() && mismatched == 0 && missing_on_target == 0 && unmapped_source == 0 &&
           unexpected_target == 0;
  }
};

struct topic_result {
  std::string topic;         // source name
  std::string target_topic;  // target name
  int source_partitions = 0;
  int target_partitions = 0;
  std::vector<std::string> differences;  // topic level: partition count, configs
  std::vector<partition_result> partitions;
  [[nodiscard]] bool passed() const;
};

struct group_partition_result {
  std::string topic;
  int32_t partition = 0;
  int64_t source_committed = -1;  // the source group's committed offset
  int64_t expected_target = -1;   // its translation through the map
  int64_t target_committed = -1;  // what the target group has (-1: nothing)
};

struct group_result {
  std::string group;
  std::string source_state;  // the source group's state (Empty, Stable, ...)
  int partitions_checked = 0;
  std::vector<group_partition_result> differences;  // target != translation
  std::string note;                                 // e.g. why a difference may be transient
  std::string error;                                // could not compare
  [[nodiscard]] bool passed() const { return error.empty() && differences.empty(); }
};

// The link's schema registries (a link with a `schemas` section, ADR 0027):
// every version of the selected source subjects is on the target under the
// same subject, version and id with the same schema (type, normal form,
// references), and each subject's own compatibility level is there too
// (verify::compare_registries). Versions only on the target are counted,
// not differences (producers register there after their cutover).
struct schema_result {
  // A dry run's plan: they would be compared (the link copies schemas). A
  // stored report: the comparison ran (a report cut short before it: false).
  bool compared = false;
  int64_t subjects = 0;                  // selected source subjects
  int64_t versions_compared = 0;         // their versions
  int64_t differing = 0;                 // differences found, listed or not
  int64_t only_on_target = 0;            // versions of those subjects the source lacks
  std::vector<std::string> differences;  // the first kMaxListed, in words
  std::string note;                      // e.g. the registries' global levels differ
  std::string error;                     // a registry could not be read; counts as failed
  static constexpr size_t kMaxListed = 100;
  [[nodiscard]] bool passed() const { return error.empty() && differing == 0; }
};

enum class verdict { running, passed, failed, interrupted };
[[nodiscard]] const char* to_string(verdict v);

struct report {
  uint64_t id = 0;
  std::string link;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;  // 0 while running
  verdict outcome = verdict::running;
  int64_t sample_records = 0;  // per partition; 0 = every record
  std::string requested_by;
  int64_t records_planned = 0;  // progress: source records to compare
  int64_t records_done = 0;
  std::vector<topic_result> topics;  // ordered by topic
  std::vector<group_result> groups;  // ordered by group
  schema_result schemas;             // compared: false when not asked for
  std::string error;                 // why it was interrupted

  // passed/failed from the results (call when every result is in).
  void conclude(int64_t now_ms);
};

// Who asked for a cutover's tail re-verification of `topic` (the workflow
// stores it like any report): it compares the newest records only, so it
// proves nothing of the topic's whole content (the readiness scorecard
// leaves it out).
[[nodiscard]] std::string tail_requester(const std::string& topic);
[[nodiscard]] bool is_tail_verification(const report& r);

// Which of a link's topics and groups an operator asked to verify, and how.
struct selection {
  std::function<bool(const std::string&)> topic_selected;  // source topic name
  std::function<bool(const std::string&)> group_selected;  // group id
  int64_t sample_records = 0;  // per partition; 0 = every record (see request)
  std::string requested_by;
  bool dry_run = false;  // report the plan (topics, groups, schemas) without comparing
  bool schemas = true;   // compare the registries, if the link has a schemas section
};

[[nodiscard]] std::string to_json(const report& r);
// errc::corruption when `text` is not a report this straitd wrote.
[[nodiscard]] result<report> report_from_json(std::string_view text);

}  // namespace strait::verify
