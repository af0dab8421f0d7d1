#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/kafka/client.h"
#include "strait/kafka/partition_reader.h"
#include "strait/store/checkpoint_store.h"
#include "strait/verify/report.h"

namespace strait::verify {

// What to verify on one link.
struct request {
  std::vector<std::string> topics;  // source topic names
  std::vector<std::string> groups;  // group ids
  // Per partition: 0 compares every mirrored record; N > 0 compares about N
  // records in evenly spaced windows, always including the newest records.
  int64_t sample_records = 0;
  // With sample_records N: only the newest N offsets of each partition (the
  // tail re-verification of a producer cutover).
  bool tail_only = false;
  // Compare the link's schema registries (its schemas section).
  bool schemas = false;
};

// Compares the two clusters of a link (docs/verification.md):
//   topics: partition counts equal; the configs strait copies are equal;
//   partitions: the mirrored source range [start, checkpoint) read from the
//     source (committed records only, as mirrored) and its translation read
//     from the target, pair by pair through the stored offset map: same key,
//     value, headers, and timestamp (when both are CreateTime). Records on
//     one side only are counted (on compacted topics they are expected:
//     compaction runs on each cluster on its own schedule);
//   groups: each source group's committed offsets translate (the group sync
//     rule, policy::decide) to what the target group has committed;
//   schemas: the selected subjects' versions and levels (compare_registries).
// Reads only; never writes to Kafka or the store. Blocking; one thread.
class verifier {
 public:
  verifier(const config::link_config& cfg, const store::checkpoint_store& store);
  ~verifier();

  // Fills r.topics and r.groups in order and keeps r.records_planned /
  // r.records_done current, calling `progress(r)` after each step. Stops
  // early when `cancel` becomes true (r.error says so). Failures to reach a
  // cluster or read a partition are recorded in the result they concern.
  void run(const request& req, report& r, const std::function<void(const report&)>& progress,
           const std::atomic<bool>& cancel);

 private:
  struct partition_plan;
  struct topic_plan;
  [[nodiscard]] status connect();
  [[nodiscard]] std::vector<topic_plan> plan_topics(const request& req, report& r);
  // Compares the planned windows of every partition, many partitions of
  // any topics at once (one read per side for a batch of windows).
  void compare(std::vector<topic_plan>& plans, report& r,
               const std::function<void(const report&)>& progress, const std::atomic<bool>& cancel);
  [[nodiscard]] group_result verify_group(const std::string& group, const std::string& state,
                                          const result<std::vector<kafka::committed_offset>>& src,
                                          const result<std::vector<kafka::committed_offset>>& tgt);
  void verify_groups(const request& req, report& r);
  void verify_schemas(report& r, const std::atomic<bool>& cancel);

  config::link_config cfg_;
  const store::checkpoint_store& store_;
  std::unique_ptr<kafka::admin_client> source_admin_, target_admin_;
  std::unique_ptr<kafka::partition_reader> source_reader_, target_reader_;
};

}  // namespace strait::verify
