#include "strait/verify/report.h"

#include <nlohmann/json.hpp>

namespace strait::verify {

using nlohmann::json;

bool topic_result::passed() const {
  if (!differences.empty()) return false;
  for (const auto& p : partitions) {
    if (!p.passed()) return false;
  }
  return true;
}

const char* to_string(verdict v) {
  switch (v) {
    case verdict::running:
      return "RUNNING";
    case verdict::passed:
      return "PASSED";
    case verdict::failed:
      return "FAILED";
    case verdict::interrupted:
      return "INTERRUPTED";
  }
  return "UNKNOWN";
}

void report::conclude(int64_t now_ms) {
  finished_at_ms = now_ms;
  bool ok = true;
  for (const auto& t : topics) ok = ok && t.passed();
  for (const auto& g : groups) ok = ok && g.passed();
  ok = ok && schemas.passed();
  outcome = ok ? verdict::passed : verdict::failed;
}

// The JSON field names are the report's format version 1; a change that
// renames or drops one needs a new version.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(partition_result, partition, source_from, source_to, target_from,
                                   target_to, records_compared, mismatched, missing_on_target,
                                   unmapped_source, unexpected_target, first_difference, note,
                                   error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(topic_result, topic, target_topic, source_partitions,
                                   target_partitions, differences, partitions)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(group_partition_result, topic, partition, source_committed,
                                   expected_target, target_committed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(group_result, group, source_state, partitions_checked,
                                   differences, note, error)
// With defaults: a member added later leaves the reports stored before it
// readable.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(schema_result, compared, subjects,
                                                versions_compared, differing, only_on_target,
                                                differences, note, error)
NLOHMANN_JSON_SERIALIZE_ENUM(verdict, {{verdict::running, "RUNNING"},
                                       {verdict::passed, "PASSED"},
                                       {verdict::failed, "FAILED"},
                                       {verdict::interrupted, "INTERRUPTED"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(report, id, link, started_at_ms, finished_at_ms, outcome,
                                   sample_records, requested_by, records_planned, records_done,
                                   topics, groups, error)

namespace {
constexpr std::string_view kTailRequester = "cutover of ";
}  // namespace

std::string tail_requester(const std::string& topic) { return std::string(kTailRequester) + topic; }

bool is_tail_verification(const report& r) { return r.requested_by.starts_with(kTailRequester); }

// `schemas` is optional in format 1: reports stored before it have none (and
// a straitd that predates it ignores it).
std::string to_json(const report& r) {
  json j = r;
  j["format"] = 1;
  if (r.schemas.compared) j["schemas"] = r.schemas;
  return j.dump();
}

result<report> report_from_json(std::string_view text) {
  try {
    json j = json::parse(text);
    if (j.value("format", 0) != 1) {
      return fail(errc::corruption, "verification report of an unknown format");
    }
    auto r = j.get<report>();
    if (j.contains("schemas")) r.schemas = j.at("schemas").get<schema_result>();
    return r;
  } catch (const json::exception& e) {
    return fail(errc::corruption, std::string("verification report is damaged: ") + e.what());
  }
}

}  // namespace strait::verify
