#include "strait/workflow/move_records.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <map>

#include "strait/base/big_endian.h"
#include "strait/base/digest.h"
#include "strait/base/text.h"

namespace strait::workflow {

using nlohmann::json;

namespace {

constexpr int kMoveFormat = 1;
// The latest time a straitd can have written (the year 9999): times past it
// are damage, refused so that the scorecard's arithmetic cannot overflow.
constexpr int64_t kLatestMs = 253'402'300'799'999;

store::record_key moves_prefix(const std::string& link) {
  store::record_key k(store::key_space::move);
  k.text(link);
  return k;
}

store::record_key first_mirrored_key(const std::string& link) {
  return store::record_key(store::key_space::first_mirrored).tail(link);
}

std::string to_json(const move_record& r) {
  const json j = {
      {"format", kMoveFormat},
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
      {"acl_grants", r.acl_grants},
      {"acl_fences", r.acl_fences},
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
    if (j.at("format").get<int>() != kMoveFormat) {
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
        stuck < 0 || stuck > static_cast<int>(migration::stuck_reason::fence_refused)) {
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
    // Added within format 1: records written before them have none.
    for (auto [key, count] :
         {std::pair{"acl_grants", &r.acl_grants}, {"acl_fences", &r.acl_fences}}) {
      if (!j.contains(key)) continue;
      const auto& v = j.at(key);
      if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
          v.get<int64_t>() > std::numeric_limits<int>::max()) {
        return fail(errc::corruption, what + " holds a value this straitd does not know");
      }
      *count = v.get<int>();
    }
    if (r.started_at_ms < 0 || r.finished_at_ms < r.started_at_ms || r.finished_at_ms > kLatestMs ||
        r.quiet_wait_ms < 0 || r.quiet_wait_ms > kLatestMs || r.options.quiet_window.count() < 0) {
      return fail(errc::corruption, what + " holds a time no straitd writes");
    }
    r.source_cluster_id = j.at("source_cluster_id").get<std::string>();
    r.target_cluster_id = j.at("target_cluster_id").get<std::string>();
    r.definition = j.at("definition").get<std::string>();
    return r;
  } catch (const json::exception& e) {
    return fail(errc::corruption, what + " is damaged: " + printable(e.what(), 256));
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

status store_moves(store::checkpoint_store& store, const std::string& link,
                   std::span<const move_record> records) {
  if (records.empty()) return {};
  // One record an id, the last one given (an operation a request replaced
  // while its last step ended it is given cancelled, then done).
  std::map<uint64_t, move_record> written;
  for (const auto& r : records) written[r.id] = r;
  store::checkpoint_store::write_batch batch;
  for (const auto& [id, r] : written) batch.put(moves_prefix(link).u64(id), to_json(r));
  // Every record newest first: what an object's newer records keep decides
  // for its older ones. One that does not decode is erased (nothing can
  // read it) and logged.
  std::vector<move_record> all;
  for (const auto& [id, r] : written) all.push_back(r);
  auto scanned =
      store.scan_ids_newest_first(moves_prefix(link), "a move record key of link " + link,
                                  [&](uint64_t id, std::string_view json) -> result<bool> {
                                    if (written.contains(id)) return true;
                                    auto r = decode(link, id, json);
                                    if (r) {
                                      all.push_back(std::move(*r));
                                    } else {
                                      spdlog::warn("link {}: {}; erased", link, r.error().message);
                                      batch.erase(moves_prefix(link).u64(id));
                                    }
                                    return true;
                                  });
  if (!scanned) return scanned;
  std::ranges::sort(all, [](const auto& a, const auto& b) { return a.id > b.id; });
  // Beyond the newest kKeptMoves: each object's drill under the link's
  // definition now (what the scorecard judges: the newest rollback done,
  // the newest cutover done before it, and a newer cutover done), at most
  // kKeptDrillRecords in all.
  const std::string& definition = all.front().definition;
  struct kept_roles {
    bool rollback = false, cutover_after = false, cutover_before = false;
  };
  std::map<std::pair<migration::object_kind, std::string>, kept_roles> roles;
  size_t kept_for_drills = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const move_record& r = all[i];
    bool keep = i < kKeptMoves;
    if (r.outcome == migration::op_phase::done && r.definition == definition) {
      kept_roles& k = roles[{r.kind, r.name}];
      bool* role = r.options.kind == migration::op_kind::rollback ? &k.rollback
                   : k.rollback                                   ? &k.cutover_before
                                                                  : &k.cutover_after;
      if (!*role && (keep || kept_for_drills < kKeptDrillRecords)) {
        *role = true;
        if (!keep) ++kept_for_drills;
        keep = true;
      }
    }
    if (!keep) batch.erase(moves_prefix(link).u64(r.id));
  }
  return store.commit(batch);
}

result<std::vector<move_record>> load_moves(const store::checkpoint_store& store,
                                            const std::string& link, size_t limit) {
  return store::load_newest<move_record>(
      store, moves_prefix(link), "a move record key of link " + link, limit,
      [&](uint64_t id, std::string_view json) { return decode(link, id, json); });
}

result<std::optional<move_record>> load_move(const store::checkpoint_store& store,
                                             const std::string& link, uint64_t id) {
  auto text = store.get(moves_prefix(link).u64(id));
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
  s.detail = "ended before the link's last start (a stored move record)";
  s.started_at_ms = r.started_at_ms;
  s.finished_at_ms = r.finished_at_ms;
  s.requested_by = r.requested_by;
  s.quiet_wait_ms = r.quiet_wait_ms;
  s.resumed = r.resumed;
  s.acl_grants = r.acl_grants;
  s.acl_fences = r.acl_fences;
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
  if (!r.i64(at) || !r.at_end() || at < 0 || at > kLatestMs) {
    // Evidence only: read as not known (the workflow writes it anew when it
    // loads a link that has mirrored), never a reason not to mirror.
    spdlog::error("the first-mirrored time of link {} is damaged; read as not known",
                  printable(link));
    return std::optional<int64_t>{};
  }
  return std::optional<int64_t>(at);
}

}  // namespace strait::workflow
