#include "strait/workflow/move_records.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "strait/base/big_endian.h"
#include "strait/base/digest.h"

namespace strait::workflow {

using nlohmann::json;

namespace {

constexpr int kFormat = 1;

store::record_key link_prefix(const std::string& link) {
  store::record_key k(store::key_space::move);
  k.text(link);
  return k;
}

store::record_key first_mirrored_key(const std::string& link) {
  return store::record_key(store::key_space::first_mirrored).tail(link);
}

std::string to_json(const move_record& r) {
  const json j = {
      {"format", kFormat},
      {"id", r.id},
      {"kind", static_cast<int>(r.kind)},
      {"name", r.name},
      {"op_kind", static_cast<int>(r.options.kind)},
      {"quiet_window_ms", r.options.quiet_window.count()},
      {"force", r.options.force},
      {"outcome", static_cast<int>(r.outcome)},
      {"stuck", static_cast<int>(r.stuck)},
      {"requested_by", r.requested_by},
      {"started_at_ms", r.started_at_ms},
      {"finished_at_ms", r.finished_at_ms},
      {"quiet_wait_ms", r.quiet_wait_ms},
      {"resumed", r.resumed},
      {"source_cluster_id", r.source_cluster_id},
      {"target_cluster_id", r.target_cluster_id},
      {"definition", r.definition},
  };
  // Names from Kafka may hold any bytes: replaced, not refused, so that the
  // record is always written (the key keeps the id exact).
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The record stored under `id`; errc::corruption for anything this straitd
// cannot read as one (a newer format, a value out of range, another id).
result<move_record> decode(const std::string& link, uint64_t id, std::string_view text) {
  const std::string what =
      "the move record of operation " + std::to_string(id) + " of link " + link;
  try {
    const json j = json::parse(text);
    if (j.at("format").get<int>() != kFormat) {
      return fail(errc::corruption, what + " has a format this straitd does not know");
    }
    move_record r;
    r.id = j.at("id").get<uint64_t>();
    const auto kind = migration::object_kind_from(j.at("kind").get<uint8_t>());
    const int op_kind = j.at("op_kind").get<int>();
    const int outcome = j.at("outcome").get<int>();
    const int stuck = j.at("stuck").get<int>();
    if (r.id != id || !kind ||
        (op_kind != static_cast<int>(migration::op_kind::cutover) &&
         op_kind != static_cast<int>(migration::op_kind::rollback)) ||
        (outcome != static_cast<int>(migration::op_phase::done) &&
         outcome != static_cast<int>(migration::op_phase::cancelled)) ||
        stuck < 0 || stuck > static_cast<int>(migration::stuck_reason::topic_finalized)) {
      return fail(errc::corruption, what + " holds a value this straitd does not know");
    }
    r.kind = *kind;
    r.name = j.at("name").get<std::string>();
    r.options.kind = static_cast<migration::op_kind>(op_kind);
    r.options.quiet_window = std::chrono::milliseconds(j.at("quiet_window_ms").get<int64_t>());
    r.options.force = j.at("force").get<bool>();
    r.options.id = r.id;
    r.outcome = static_cast<migration::op_phase>(outcome);
    r.stuck = static_cast<migration::stuck_reason>(stuck);
    r.requested_by = j.at("requested_by").get<std::string>();
    r.started_at_ms = j.at("started_at_ms").get<int64_t>();
    r.finished_at_ms = j.at("finished_at_ms").get<int64_t>();
    r.quiet_wait_ms = j.at("quiet_wait_ms").get<int64_t>();
    r.resumed = j.at("resumed").get<bool>();
    r.source_cluster_id = j.at("source_cluster_id").get<std::string>();
    r.target_cluster_id = j.at("target_cluster_id").get<std::string>();
    r.definition = j.at("definition").get<std::string>();
    return r;
  } catch (const json::exception& e) {
    return fail(errc::corruption, what + " is damaged: " + e.what());
  }
}

}  // namespace

std::string definition_digest(const config::link_config& link, const store::cluster_ids& clusters) {
  record_digest d;
  // Each list with its length, so that moving a pattern from one list to the
  // next changes the digest.
  auto add_list = [&](const std::vector<std::string>& patterns) {
    d.add_int(static_cast<int64_t>(patterns.size()));
    for (const auto& p : patterns) d.add(p);
  };
  add_list(link.topics.include);
  add_list(link.topics.exclude);
  d.add_int(link.topics.exclude_internal ? 1 : 0);
  d.add(link.topics.prefix);
  d.add_int(link.groups.enabled ? 1 : 0);
  add_list(link.groups.include);
  add_list(link.groups.exclude);
  d.add(clusters.source);
  d.add(clusters.target);
  return d.hex();
}

status store_move(store::checkpoint_store& store, const std::string& link, const move_record& r) {
  store::checkpoint_store::write_batch batch;
  batch.put(link_prefix(link).u64(r.id), to_json(r));
  size_t seen = 0;
  auto scanned = store.scan_ids_newest_first(link_prefix(link), "a move record key of link " + link,
                                             [&](uint64_t id, std::string_view) -> result<bool> {
                                               if (id == r.id) return true;
                                               // `r` is the newest (ids grow): kKeptMoves - 1 older
                                               // ones stay.
                                               if (++seen >= kKeptMoves)
                                                 batch.erase(link_prefix(link).u64(id));
                                               return true;
                                             });
  if (!scanned) return scanned;
  return store.commit(batch);
}

result<std::vector<move_record>> load_moves(const store::checkpoint_store& store,
                                            const std::string& link, size_t limit) {
  std::vector<move_record> out;
  if (limit == 0) return out;
  auto scanned =
      store.scan_ids_newest_first(link_prefix(link), "a move record key of link " + link,
                                  [&](uint64_t id, std::string_view json) -> result<bool> {
                                    auto r = decode(link, id, json);
                                    if (!r) return std::unexpected(r.error());
                                    out.push_back(std::move(*r));
                                    return out.size() < limit;
                                  });
  if (!scanned) return std::unexpected(scanned.error());
  std::reverse(out.begin(), out.end());
  return out;
}

result<std::optional<move_record>> load_move(const store::checkpoint_store& store,
                                             const std::string& link, uint64_t id) {
  auto text = store.get(link_prefix(link).u64(id));
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<move_record>{};
  auto r = decode(link, id, **text);
  if (!r) return std::unexpected(r.error());
  return std::optional<move_record>(std::move(*r));
}

migration::operation_status status_of(const move_record& r) {
  migration::operation_status s;
  s.id = r.id;
  s.on_group = r.kind == migration::object_kind::group;
  s.name = r.name;
  s.options = r.options;
  s.phase = r.outcome;
  s.stuck = r.stuck;
  s.detail = "ended before straitd's last start (a stored move record)";
  s.started_at_ms = r.started_at_ms;
  s.finished_at_ms = r.finished_at_ms;
  s.requested_by = r.requested_by;
  s.quiet_wait_ms = r.quiet_wait_ms;
  return s;
}

void put_first_mirrored(store::checkpoint_store::write_batch& batch, const std::string& link,
                        int64_t at_ms) {
  std::string v;
  append_big_endian(v, static_cast<uint64_t>(at_ms), 8);
  batch.put(first_mirrored_key(link), v);
}

result<std::optional<int64_t>> load_first_mirrored(const store::checkpoint_store& store,
                                                   const std::string& link) {
  auto v = store.get(first_mirrored_key(link));
  if (!v) return std::unexpected(v.error());
  if (!*v) return std::optional<int64_t>{};
  store::field_reader r(**v, 0);
  int64_t at = 0;
  if (!r.i64(at) || !r.at_end()) {
    return fail(errc::corruption, "the first-mirrored time of link " + link + " is damaged");
  }
  return std::optional<int64_t>(at);
}

}  // namespace strait::workflow
