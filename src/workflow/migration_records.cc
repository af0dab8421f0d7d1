#include "strait/workflow/migration_records.h"

#include "strait/base/big_endian.h"

namespace strait::workflow {

namespace {

constexpr uint8_t kFormat = 1;
constexpr uint8_t kWithOperationFormat = 2;

store::key link_prefix(const std::string& link) {
  store::key k(store::key_space::migration);
  k.text(link);
  return k;
}

}  // namespace

void put_migration(store::checkpoint_store::write_batch& batch, const std::string& link,
                   const migration_record& r) {
  store::key k = link_prefix(link);
  k.u8(static_cast<uint8_t>(r.kind)).text(r.name);
  std::string v(1, static_cast<char>(r.operation.empty() ? kFormat : kWithOperationFormat));
  v.push_back(static_cast<char>(r.state));
  append_big_endian(v, static_cast<uint64_t>(r.updated_at_ms), 8);
  v.append(r.operation);
  batch.put(k, v);
}

result<std::vector<migration_record>> stored_migrations(const store::checkpoint_store& store,
                                                        const std::string& link) {
  const store::key prefix = link_prefix(link);
  std::vector<migration_record> out;
  auto scanned = store.scan(prefix, [&](std::string_view k, std::string_view v) -> result<bool> {
    const auto format = v.empty() ? 0 : static_cast<uint8_t>(v[0]);
    const bool well_formed =
        (format == kFormat && v.size() == 10) || (format == kWithOperationFormat && v.size() > 10);
    migration_record r;
    store::key_reader reader(k, prefix.bytes().size());
    uint8_t kind = 0;
    if (!well_formed || !reader.u8(kind) || !reader.text(r.name) || !reader.at_end() ||
        (kind != static_cast<uint8_t>(migration::object_kind::topic) &&
         kind != static_cast<uint8_t>(migration::object_kind::group))) {
      return fail(errc::corruption, "migration record of link " + link + " is damaged");
    }
    r.kind = static_cast<migration::object_kind>(kind);
    r.state = static_cast<uint8_t>(v[1]);
    r.updated_at_ms = static_cast<int64_t>(read_big_endian(v, 2, 8));
    r.operation = std::string(v.substr(10));
    out.push_back(std::move(r));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

}  // namespace strait::workflow
