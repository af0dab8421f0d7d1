#include "strait/registry/id_gate.h"

#include "strait/base/text.h"
#include "strait/registry/confluent_api.h"

namespace strait::registry {

std::optional<int32_t> wire_format_id(std::string_view bytes) {
  if (bytes.size() < 5 || bytes[0] != '\0') return std::nullopt;
  uint32_t id = 0;
  for (size_t i = 1; i < 5; ++i) id = (id << 8) | static_cast<unsigned char>(bytes[i]);
  if (id == 0 || id > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(id);
}

result<id_check> check_ids(const http_client& source, const http_client& target,
                           const std::map<int32_t, id_sighting>& candidates) {
  id_check out;
  size_t asked = 0;
  for (const auto& [id, seen] : candidates) {
    if (asked++ >= kMaxGateIds) {
      ++out.left_out;
      continue;
    }
    auto on_source = read_schema_by_id(source, id);
    if (!on_source) return std::unexpected(on_source.error());
    if (!*on_source) {
      ++out.not_ids;
      continue;
    }
    ++out.ids_checked;
    auto on_target = read_schema_by_id(target, id);
    if (!on_target) return std::unexpected(on_target.error());
    const std::string where =
        printable(seen.topic, 200) + " partition " + std::to_string(seen.partition) + " offset " +
        std::to_string(seen.offset) + " carries schema id " + std::to_string(id);
    if (!*on_target) {
      out.problems.push_back(where + ", which the target registry does not serve");
    } else if (!same_schema(**on_target, **on_source)) {
      out.problems.push_back(where + ", which the target registry binds to another schema");
    }
  }
  return out;
}

}  // namespace strait::registry
