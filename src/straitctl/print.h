#pragma once
// straitctl's tables: what each command prints in the default output
// (-o table). Every text from straitd goes through safe(): names from Kafka
// and from other callers' requests are on one line and harmless to a
// terminal, so no row can be forged.
#include <cstdint>
#include <string>

#include "strait.pb.h"
#include "strait/base/text.h"

namespace straitctl {

namespace pb = ::strait::v1;

[[nodiscard]] std::string safe(const std::string& text);
// Times as UTC (base/text.h).
using strait::utc_time;

void print_links(const pb::ListLinksResponse& r);
void print_audit(const pb::ListAuditResponse& r);
// Whether every cluster of the link is reachable and without error.
[[nodiscard]] bool clusters_healthy(const pb::LinkStatus& st);
void print_status(const pb::LinkStatus& st);
void print_report(const pb::VerifyReport& r);
void print_changes(const pb::MoveResponse& r, bool dry_run);
void print_reports(const pb::ListVerifyReportsResponse& r);
void print_scan(const pb::ScanReport& r);
void print_scans(const pb::ListScansResponse& r);
void print_shard_plan(const pb::ShardPlan& r);
// The count of shards the assignment `r` holds was planned for (a straitd
// older than that field answers 0: then its own count).
uint32_t planned_shards(const pb::ShardAssignment& r);
void print_shards(const pb::ShardAssignment& r);
// A plan, or what an apply did (`applied`); `all`: also the topics that fit.
void print_plan(const pb::TopicPlan& p, bool applied, bool all);
// The groups of a plan (a link with a groups section); print_plan calls it.
void print_group_plan(const pb::TopicPlan& p, bool all);
// The ACL part of a plan (a link with an acls section); print_plan calls it.
void print_acl_plan(const pb::TopicPlan& p, bool applied, bool all);
// The source fence part of a plan (a link with a fence section).
void print_fence_plan(const pb::TopicPlan& p, bool all);
// The schema items of a plan (the link's schemas section): each subject
// version to copy or blocked (with --all also those that fit), the
// compatibility levels.
void print_schema_plan(const pb::TopicPlan& p, bool applied, bool all);
void print_scorecard(const pb::Scorecard& c, bool details);

}  // namespace straitctl
