#include "strait/scan/report.h"

#include <nlohmann/json.hpp>

#include <optional>

// std::optional as null or the value (nlohmann-json 3.11.2 has no serializer
// of its own for it).
template <typename T>
struct nlohmann::adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& o) {
    if (o) {
      j = *o;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& o) {
    if (j.is_null()) {
      o.reset();
    } else {
      o = j.get<T>();
    }
  }
};

namespace strait::kafka {

// The JSON of the Kafka types a scan report carries (format 1 of the report).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(broker_node, id, host, port, rack)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(acl_binding, resource_type, resource_name,
                                                pattern_type, principal, host, operation,
                                                permission)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(scram_credential, mechanism, iterations)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(scram_user, name, credentials)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(config_entry, name, value, is_default, is_sensitive)

}  // namespace strait::kafka

namespace strait::scan {

using nlohmann::json;

const char* to_string(rating r) {
  switch (r) {
    case rating::unknown:
      return "UNKNOWN";
    case rating::green:
      return "GREEN";
    case rating::yellow:
      return "YELLOW";
    case rating::red:
      return "RED";
  }
  return "UNKNOWN";
}

const char* to_string(catch_up_status s) {
  switch (s) {
    case catch_up_status::unknown:
      return "UNKNOWN";
    case catch_up_status::caught_up:
      return "CAUGHT_UP";
    case catch_up_status::estimated:
      return "ESTIMATED";
    case catch_up_status::no_rate:
      return "NO_RATE";
    case catch_up_status::falls_behind:
      return "FALLS_BEHIND";
    case catch_up_status::keeping_pace:
      return "KEEPING_PACE";
  }
  return "UNKNOWN";
}

const char* to_string(outcome o) {
  switch (o) {
    case outcome::unknown:
      return "UNKNOWN";
    case outcome::running:
      return "RUNNING";
    case outcome::done:
      return "DONE";
    case outcome::failed:
      return "FAILED";
    case outcome::interrupted:
      return "INTERRUPTED";
  }
  return "UNKNOWN";
}

// The JSON field names are the report's format version 1; a change that
// renames or drops one needs a new version (a new field with a default
// does not).
// A value this build does not know decodes as unknown (the first pair).
NLOHMANN_JSON_SERIALIZE_ENUM(rating, {{rating::unknown, "UNKNOWN"},
                                      {rating::green, "GREEN"},
                                      {rating::yellow, "YELLOW"},
                                      {rating::red, "RED"}})
NLOHMANN_JSON_SERIALIZE_ENUM(catch_up_status, {{catch_up_status::unknown, "UNKNOWN"},
                                               {catch_up_status::caught_up, "CAUGHT_UP"},
                                               {catch_up_status::estimated, "ESTIMATED"},
                                               {catch_up_status::no_rate, "NO_RATE"},
                                               {catch_up_status::falls_behind, "FALLS_BEHIND"},
                                               {catch_up_status::keeping_pace, "KEEPING_PACE"}})
NLOHMANN_JSON_SERIALIZE_ENUM(outcome, {{outcome::unknown, "UNKNOWN"},
                                       {outcome::running, "RUNNING"},
                                       {outcome::done, "DONE"},
                                       {outcome::failed, "FAILED"},
                                       {outcome::interrupted, "INTERRUPTED"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(cluster_inventory, cluster_id, controller_id,
                                                brokers, topics, partitions, acls, acls_truncated,
                                                acls_error, users, users_error, limits,
                                                limits_error, error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    topic_row, name, selected, partitions, cleanup_policy, retention_ms, retention_bytes,
    max_message_bytes, timestamp_type, configs_error, records, window_records, records_per_s, idle,
    unread_partitions, backlog, sampled_records, sampled_bytes, oldest_unmirrored_age_ms,
    unsampled_partitions, handed_over_partitions, target_partitions, target_topic, headroom,
    headroom_reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(group_row, id, selected, type, state, members,
                                                client_ids, hosts, topics, unselected_topics, note)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(wave, number, topics, groups, records, backlog)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(report, id, link, requested_by, started_at_ms,
                                                finished_at_ms, result, error, window_ms,
                                                measured_ms, source, target, topics, groups,
                                                groups_error, waves, backlog, mirror_records_per_s,
                                                source_records_per_s, catch_up_ms, catch_up,
                                                catch_up_note, bytes_to_copy_estimate, notes)

report with_valid_utf8(const report& r) {
  json j = r;
  return json::parse(j.dump(-1, ' ', false, json::error_handler_t::replace)).get<report>();
}

std::string to_json(const report& r) {
  json j = r;
  j["format"] = 1;
  // Names from Kafka are not UTF-8 necessarily: replace what is not, rather
  // than fail the dump (the printing side escapes control characters).
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

result<report> report_from_json(std::string_view text) {
  try {
    json j = json::parse(text);
    if (j.value("format", 0) != 1) {
      return fail(errc::corruption, "scan report of an unknown format");
    }
    // Without it the default (RUNNING) would stand for a value nobody wrote.
    if (!j.contains("result")) return fail(errc::corruption, "scan report without a result");
    return j.get<report>();
  } catch (const json::exception& e) {
    return fail(errc::corruption, std::string("scan report is damaged: ") + e.what());
  }
}

}  // namespace strait::scan
