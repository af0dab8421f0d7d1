#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strait/registry/http_client.h"

namespace strait::registry {

// The schema id a record's key or value carries in Confluent's wire format
// (a magic byte 0, then the id as a 4-byte big-endian integer), or nullopt.
// A value that merely starts with byte 0 is only a candidate: the gate
// takes it for an id when the source registry serves that id.
[[nodiscard]] std::optional<int32_t> wire_format_id(std::string_view bytes);

// Where a sampled record carried an id (its first sighting).
struct id_sighting {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

// What the cutover gate (ADR 0027) found for the ids of sampled records.
struct id_check {
  std::vector<std::string> problems;  // an id the target does not serve as the source does
  int ids_checked = 0;                // ids the source serves, all checked on the target
  int not_ids = 0;   // candidates the source does not serve: not taken for schema ids
  int left_out = 0;  // distinct candidates past the check's bound, not checked
};

// Distinct candidate ids checked at most per gate (two requests each).
inline constexpr size_t kMaxGateIds = 1000;

// For each candidate id: when the source registry serves it, the target
// must serve it with the same schema (same_schema), else a problem naming
// the id and where a record carried it. A registry that cannot be asked is
// an error (the gate cannot tell).
[[nodiscard]] result<id_check> check_ids(const http_client& source, const http_client& target,
                                         const std::map<int32_t, id_sighting>& candidates);

}  // namespace strait::registry
