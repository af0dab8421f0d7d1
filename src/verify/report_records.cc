#include "strait/verify/report_records.h"

#include <algorithm>
#include <functional>
#include <map>

namespace strait::verify {

namespace {

store::record_key link_prefix(const std::string& link) {
  store::record_key k(store::key_space::report);
  k.text(link);
  return k;
}

// The report stored under `id`; corruption when its JSON says another id
// (the key is what orders reports and numbers the next one).
result<report> decode(const std::string& link, uint64_t id, std::string_view json) {
  auto r = report_from_json(json);
  if (!r) {
    return fail(r.error().code, "verification " + std::to_string(id) + " of link " + link + ": " +
                                    r.error().message);
  }
  if (r->id != id) {
    return fail(errc::corruption, "verification " + std::to_string(id) + " of link " + link +
                                      " is stored with another id inside (" +
                                      std::to_string(r->id) + ")");
  }
  return r;
}

store::record_key running_prefix(const std::string& link) {
  store::record_key k(store::key_space::running_reports);
  k.text(link);
  return k;
}

store::record_key running_key(const std::string& link, uint64_t id) {
  return running_prefix(link).u64(id);
}

}  // namespace

void put_report(store::checkpoint_store::write_batch& batch, const std::string& link,
                const report& r) {
  batch.put(link_prefix(link).u64(r.id), to_json(r));
  if (r.outcome == verdict::running) {
    batch.put(running_key(link, r.id), "");
  } else {
    batch.erase(running_key(link, r.id));
  }
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

result<std::vector<report>> load_reports(const store::checkpoint_store& store,
                                         const std::string& link, size_t limit) {
  return load_reports(store, link, limit, {}, limit);
}

result<std::vector<report>> load_reports(const store::checkpoint_store& store,
                                         const std::string& link, size_t limit,
                                         const std::function<bool(const report&)>& keep,
                                         size_t look_at) {
  return store::load_newest<report>(
      store, link_prefix(link), "a verification report key of link " + link, limit,
      [&](uint64_t id, std::string_view json) { return decode(link, id, json); }, keep, look_at);
}

result<std::vector<report>> load_running_reports(const store::checkpoint_store& store,
                                                 const std::string& link) {
  std::map<uint64_t, report> running;
  // The index of running reports...
  const store::record_key prefix = running_prefix(link);
  auto indexed = store.scan(prefix, [&](std::string_view k, std::string_view) -> result<bool> {
    store::field_reader key(k, prefix.bytes().size());
    uint64_t id = 0;
    if (!key.u64(id) || !key.at_end()) {
      return fail(errc::corruption,
                  "the index of running verifications of link " + link + " is damaged");
    }
    auto r = load_report(store, link, id);
    if (!r) return std::unexpected(r.error());
    if (*r && (*r)->outcome == verdict::running) running.emplace(id, std::move(**r));
    return true;
  });
  if (!indexed) return std::unexpected(indexed.error());
  // ...and the newest 16, for reports stored before the index was.
  auto newest = load_reports(store, link, 16);
  if (!newest) return std::unexpected(newest.error());
  for (auto& r : *newest) {
    if (r.outcome == verdict::running) running.emplace(r.id, std::move(r));
  }
  std::vector<report> out;
  for (auto& [id, r] : running) out.push_back(std::move(r));
  return out;
}

result<uint64_t> last_report_id(const store::checkpoint_store& store, const std::string& link) {
  return store.newest_id(link_prefix(link), "a verification report key of link " + link);
}

}  // namespace strait::verify
