#include "strait/workflow/migration_records.h"

#include "strait/base/big_endian.h"
#include "strait/base/text.h"

namespace strait::workflow {

namespace {

constexpr uint8_t kFormat = 1;
constexpr uint8_t kWithOperationFormat = 2;

store::record_key link_prefix(const std::string& link) {
  store::record_key k(store::key_space::migration);
  k.text(link);
  return k;
}

store::record_key migration_key(const std::string& link, migration::object_kind kind,
                                const std::string& name) {
  store::record_key k = link_prefix(link);
  k.u8(static_cast<uint8_t>(kind)).text(name);
  return k;
}

store::record_key highest_operation_id_key(const std::string& link) {
  return store::record_key(store::key_space::operation_ids).tail(link);
}

}  // namespace

void erase_migration(store::checkpoint_store::write_batch& batch, const std::string& link,
                     migration::object_kind kind, const std::string& name) {
  batch.erase(migration_key(link, kind, name));
}

void put_migration(store::checkpoint_store::write_batch& batch, const std::string& link,
                   const migration_record& r) {
  const store::record_key k = migration_key(link, r.kind, r.name);
  std::string v(1, static_cast<char>(r.operation.empty() ? kFormat : kWithOperationFormat));
  v.push_back(static_cast<char>(r.state));
  append_big_endian(v, static_cast<uint64_t>(r.updated_at_ms), 8);
  v.append(r.operation);
  batch.put(k, v);
}

void put_highest_operation_id(store::checkpoint_store::write_batch& batch, const std::string& link,
                              uint64_t id) {
  std::string v;
  append_big_endian(v, id, 8);
  batch.put(highest_operation_id_key(link), v);
}

result<uint64_t> load_highest_operation_id(const store::checkpoint_store& store,
                                           const std::string& link) {
  auto v = store.get(highest_operation_id_key(link));
  if (!v) return std::unexpected(v.error());
  if (!*v) return uint64_t{0};
  store::field_reader r(**v, 0);
  uint64_t id = 0;
  if (!r.u64(id) || !r.at_end()) {
    return fail(errc::corruption, "the highest operation id of link " + link + " is damaged");
  }
  return id;
}

result<std::vector<migration_record>> load_migrations(const store::checkpoint_store& store,
                                                      const std::string& link) {
  const store::record_key prefix = link_prefix(link);
  std::vector<migration_record> out;
  auto scanned = store.scan(prefix, [&](std::string_view k, std::string_view v) -> result<bool> {
    migration_record r;
    store::field_reader key(k, prefix.bytes().size());
    store::field_reader value(v, 0);
    uint8_t kind = 0, format = 0;
    const bool well_formed = key.u8(kind) && key.text(r.name) && key.at_end() &&
                             migration::object_kind_from(kind) && value.u8(format) &&
                             value.u8(r.state) && value.i64(r.updated_at_ms) &&
                             ((format == kFormat && value.at_end()) ||
                              (format == kWithOperationFormat && !value.at_end()));
    if (!well_formed) {
      return fail(errc::corruption, "the stored migration state of link " + link + " ('" +
                                        printable(r.name, 256) +
                                        "') is damaged; restore the store from a backup");
    }
    r.kind = *migration::object_kind_from(kind);
    r.operation = std::string(value.tail());
    out.push_back(std::move(r));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

}  // namespace strait::workflow
