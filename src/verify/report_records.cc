#include "strait/verify/report_records.h"

#include <algorithm>

#include "strait/base/big_endian.h"

namespace strait::verify {

namespace {

store::key link_prefix(const std::string& link) {
  store::key k(store::key_space::report);
  k.text(link);
  return k;
}

}  // namespace

void put_report(store::checkpoint_store::write_batch& batch, const std::string& link,
                const report& r) {
  batch.put(link_prefix(link).u64(r.id), to_json(r));
}

result<std::optional<report>> stored_report(const store::checkpoint_store& store,
                                            const std::string& link, uint64_t id) {
  auto text = store.get(link_prefix(link).u64(id));
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<report>{};
  auto r = report_from_json(**text);
  if (!r) return std::unexpected(r.error());
  return std::optional<report>(std::move(*r));
}

result<std::vector<report>> stored_reports(const store::checkpoint_store& store,
                                           const std::string& link, size_t limit) {
  const store::key prefix = link_prefix(link);
  std::vector<report> out;
  if (limit == 0) return out;
  // Newest first from the end of the link's range, then reversed.
  auto scanned = store.scan(
      prefix,
      [&](std::string_view k, std::string_view v) -> result<bool> {
        if (k.size() != prefix.bytes().size() + 8) {
          return fail(errc::corruption, "verification report key of link " + link + " is damaged");
        }
        auto r = report_from_json(v);
        if (!r) return std::unexpected(r.error());
        out.push_back(std::move(*r));
        return out.size() < limit;
      },
      store::checkpoint_store::direction::backward);
  if (!scanned) return std::unexpected(scanned.error());
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace strait::verify
