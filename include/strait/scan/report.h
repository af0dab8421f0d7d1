#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strait/base/result.h"
#include "strait/kafka/types.h"

namespace strait::scan {

// A scan of a link's two clusters (docs/planning.md): the inventory a
// migration is planned from, and what strait computes from it. Read-only:
// a scan writes nothing to Kafka. Stored in the checkpoint store as JSON
// (to_json / report_from_json) and returned by the API.

// How a topic's data fares against its retention while the mirror catches
// up (estimates.h, retention_headroom).
enum class rating { unknown, green, yellow, red };
[[nodiscard]] const char* to_string(rating r);

// What a cluster is, as far as its admin APIs say. ACLs and SCRAM users are
// nullopt, with the reason in `acls_error` / `users_error`, when they could
// not be read (no authorizer, no DESCRIBE on the cluster, an old broker).
struct cluster_inventory {
  std::string cluster_id;
  int32_t controller_id = -1;
  std::vector<kafka::broker_node> brokers;
  int topics = 0;      // every topic the cluster lists, internal ones included
  int partitions = 0;  // of those topics
  std::optional<std::vector<kafka::acl_binding>> acls;
  bool acls_truncated = false;  // more than kMaxAcls: the first ones only
  std::string acls_error;
  std::optional<std::vector<kafka::scram_user>> users;  // names, mechanisms, iterations
  std::string users_error;
  // The broker configs a migration depends on (kBrokerLimits), of one broker.
  std::vector<kafka::config_entry> limits;
  std::string limits_error;
  // What could not be read of the cluster's identity: DescribeCluster's
  // error, or why the cluster could not be scanned at all (then no topics).
  std::string error;
  bool operator==(const cluster_inventory&) const = default;
};

// One source topic.
struct topic_row {
  std::string name;
  bool selected = false;  // the link mirrors it (its patterns, or staged)
  int partitions = 0;
  // The configs that matter, as the topic has them (its own or the broker's
  // default); -1 for a number the cluster did not give.
  std::string cleanup_policy;
  int64_t retention_ms = -1;  // -1 also means "kept for ever", as in Kafka
  int64_t retention_bytes = -1;
  int64_t max_message_bytes = -1;
  std::string timestamp_type;
  std::string configs_error;  // the configs could not be read
  // Offsets held (high - low over the partitions) and those added during the
  // sampling window; records_per_s = window_records / window seconds.
  int64_t records = 0;
  int64_t window_records = 0;
  double records_per_s = 0;
  bool idle = false;  // nothing written during the window
  // Partitions whose watermarks were missing from either sample: the
  // topic's records, rate and backlog leave them out (unknown, not zero).
  int unread_partitions = 0;
  // Selected topics only. backlog: source offsets the link has not mirrored
  // yet (high - max(checkpoint, low)); sampled_*: the first record of each
  // partition's backlog, read to estimate bytes and the age of the oldest
  // unmirrored record (ms before the scan, the oldest of those read; -1 when
  // none was read); unsampled_partitions: partitions with a backlog whose
  // first record was not read (cut, or the read failed).
  int64_t backlog = 0;
  int64_t sampled_records = 0;
  int64_t sampled_bytes = 0;
  int64_t oldest_unmirrored_age_ms = -1;
  int unsampled_partitions = 0;
  // Partitions a producer cutover handed over (the target is primary): no
  // backlog of theirs is counted.
  int handed_over_partitions = 0;
  int target_partitions = -1;  // -1: the target has no such topic yet
  std::string target_topic;
  rating headroom = rating::green;
  std::string headroom_reason;
  bool operator==(const topic_row&) const = default;
};

// One source consumer group.
struct group_row {
  std::string id;
  bool selected = false;  // the link syncs it (groups section, or staged)
  std::string type;       // kafka::to_string(group_type)
  std::string state;      // kafka::to_string(group_state)
  int members = 0;
  std::vector<std::string> client_ids;  // distinct, at most kMaxDistinct
  std::vector<std::string> hosts;       // distinct, at most kMaxDistinct
  // Topics it reads: those it has committed offsets of, and those assigned
  // to its members.
  std::vector<std::string> topics;
  // Of those, the ones the link does not mirror: the group cannot cut over
  // until they are selected.
  std::vector<std::string> unselected_topics;
  std::string note;  // what could not be read
  bool operator==(const group_row&) const = default;
};

// Topics that move together: every group that reads one of them reads only
// topics of the same wave, so a group cuts over with all its topics.
struct wave {
  int number = 0;  // 1, 2, ...: smallest backlog first
  std::vector<std::string> topics;
  std::vector<std::string> groups;
  int64_t records = 0;  // offsets held over its topics
  int64_t backlog = 0;
  bool operator==(const wave&) const = default;
};

// Whether and how the catch-up time was estimated (estimates.h,
// estimate_catch_up): caught_up (no backlog), estimated, keeping_pace (the
// mirror copies as fast as the source grows: a steady lag, the time it
// stands for), no_rate (the mirror did not advance during the window:
// paused, not started, stopped), falls_behind (the source grows faster than
// the mirror copies), unknown (the backlog or the window could not be
// measured, or a value this build does not know).
enum class catch_up_status { unknown, caught_up, estimated, no_rate, falls_behind, keeping_pace };
[[nodiscard]] const char* to_string(catch_up_status s);

// unknown: a stored value this build does not know (a newer straitd's).
enum class outcome { unknown, running, done, failed, interrupted };
[[nodiscard]] const char* to_string(outcome o);

struct report {
  uint64_t id = 0;
  std::string link;
  std::string requested_by;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;         // 0 while running
  outcome result = outcome::running;  // stored ones are never RUNNING
  std::string error;                  // why it failed or was interrupted
  int64_t window_ms = 0;              // the sampling window asked for
  int64_t measured_ms = 0;            // the window as measured between the two samples
  cluster_inventory source;
  cluster_inventory target;
  std::vector<topic_row> topics;  // every source topic, by name (internal ones left out)
  std::vector<group_row> groups;  // every source group, by id
  std::string groups_error;       // the groups could not be listed (or not all)
  std::vector<wave> waves;        // selected topics only
  // The link as a whole, over its selected topics: offsets still to mirror,
  // the rate the mirror advanced and the source grew during the window, and
  // the time to catch up at those rates (-1 unless `catch_up` is estimated
  // or caught_up).
  int64_t backlog = 0;
  double mirror_records_per_s = 0;
  double source_records_per_s = 0;
  int64_t catch_up_ms = -1;
  catch_up_status catch_up = catch_up_status::unknown;
  std::string catch_up_note;
  int64_t bytes_to_copy_estimate = -1;  // backlog x sampled record size; -1: nothing sampled
  // What the scan could not read with this client library or these rights,
  // said plainly (quotas, transactions, broker versions...).
  std::vector<std::string> notes;
  bool operator==(const report&) const = default;
};

// Bounds: a scan of a huge or hostile cluster stays a bounded report.
inline constexpr size_t kMaxAcls = 10000;              // per cluster
inline constexpr size_t kMaxGroups = 10000;            // described; more are listed by id only
inline constexpr size_t kMaxDistinct = 16;             // client ids and hosts kept per group
inline constexpr size_t kMaxSampledPartitions = 2000;  // one record each

// The broker configs a scan reads from one broker of each cluster.
inline constexpr std::string_view kBrokerLimits[] = {
    "message.max.bytes",
    "auto.create.topics.enable",
    "default.replication.factor",
    "min.insync.replicas",
    "num.partitions",
    "log.retention.ms",
    "log.retention.hours",
    "log.message.timestamp.type",
    "offsets.retention.minutes",
    "group.consumer.max.size",
    "group.max.size",
    "inter.broker.protocol.version",
};

// `r` with every text made valid UTF-8 (an invalid sequence becomes U+FFFD),
// as its JSON form has it: names and texts from Kafka may hold any bytes,
// and the API's strings must be UTF-8 (a proto3 client refuses the answer
// otherwise).
[[nodiscard]] report with_valid_utf8(const report& r);

// JSON: the stored and returned form (format 1).
[[nodiscard]] std::string to_json(const report& r);
[[nodiscard]] result<report> report_from_json(std::string_view text);

}  // namespace strait::scan
