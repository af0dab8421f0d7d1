#include "strait/scan/report_records.h"

#include <algorithm>

namespace strait::scan {

namespace {

store::record_key link_prefix(const std::string& link,
                              store::key_space space = store::key_space::scan) {
  store::record_key k(space);
  k.text(link);
  return k;
}

store::record_key summary_prefix(const std::string& link) {
  return link_prefix(link, store::key_space::scan_summary);
}

// The scan stored under `id`; corruption when its JSON says another id or
// link (the key is what orders scans and numbers the next one).
result<report> decode(const std::string& link, uint64_t id, std::string_view json) {
  auto r = report_from_json(json);
  if (!r) {
    return fail(r.error().code,
                "scan " + std::to_string(id) + " of link " + link + ": " + r.error().message);
  }
  if (r->id != id || r->link != link) {
    return fail(errc::corruption, "scan " + std::to_string(id) + " of link " + link +
                                      " is stored with another id or link inside");
  }
  // Stored when it ended: RUNNING or a value this build does not know would
  // be followed for ever.
  if (r->result == outcome::running || r->result == outcome::unknown) {
    return fail(errc::corruption, "scan " + std::to_string(id) + " of link " + link +
                                      " is stored with the outcome " + to_string(r->result));
  }
  return r;
}

// Visits the link's scans newest first, with their ids from the key, until
// `visit` returns false.
status newest_first(const store::checkpoint_store& store, const std::string& link,
                    const store::checkpoint_store::id_visitor& visit) {
  return store.scan_ids_newest_first(link_prefix(link), "a scan key of link " + link, visit);
}

}  // namespace

report summary_of(const report& r) {
  report s = r;
  s.topics.clear();
  s.groups.clear();
  s.waves.clear();
  for (cluster_inventory* c : {&s.source, &s.target}) {
    if (c->acls) c->acls->clear();
    if (c->users) c->users->clear();
  }
  return s;
}

status store_report(store::checkpoint_store& store, const report& r) {
  store::checkpoint_store::write_batch batch;
  batch.put(link_prefix(r.link).u64(r.id), to_json(r));
  batch.put(summary_prefix(r.link).u64(r.id), to_json(summary_of(r)));
  size_t seen = 0;
  auto scanned = newest_first(store, r.link, [&](uint64_t id, std::string_view) -> result<bool> {
    if (id == r.id) return true;
    // `r` itself is the newest: kKeptScans - 1 older ones stay.
    if (++seen >= kKeptScans) {
      batch.erase(link_prefix(r.link).u64(id));
      batch.erase(summary_prefix(r.link).u64(id));
    }
    return true;
  });
  if (!scanned) return scanned;
  return store.commit(batch);
}

result<std::optional<report>> load_report(const store::checkpoint_store& store,
                                          const std::string& link, uint64_t id) {
  auto text = store.get(link_prefix(link).u64(id));
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<report>{};
  auto r = decode(link, id, **text);
  if (!r) return std::unexpected(r.error());
  return std::optional<report>(std::move(*r));
}

result<std::vector<report>> load_summaries(const store::checkpoint_store& store,
                                           const std::string& link, size_t limit) {
  return store::load_newest<report>(
      store, summary_prefix(link), "a scan summary key of link " + link, limit,
      [&](uint64_t id, std::string_view json) { return decode(link, id, json); });
}

result<uint64_t> last_report_id(const store::checkpoint_store& store, const std::string& link) {
  return store.newest_id(link_prefix(link), "a scan key of link " + link);
}

}  // namespace strait::scan
