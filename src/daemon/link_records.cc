#include "link_records.h"

#include "strait/base/big_endian.h"
#include "strait/migration/state_machine.h"
#include "strait/workflow/migration_records.h"

namespace strait::daemon {

namespace {

constexpr uint8_t kLinkFormat = 1;

store::key link_key(const std::string& name) {
  return store::key(store::key_space::link).tail(name);
}

store::key staged_prefix(const std::string& link) {
  store::key k(store::key_space::staged);
  k.text(link);
  return k;
}

store::key staged_key(const std::string& link, migration::object_kind kind,
                      const std::string& name) {
  return staged_prefix(link).u8(static_cast<uint8_t>(kind)).tail(name);
}

}  // namespace

void put_link(store::checkpoint_store::write_batch& batch, const std::string& name,
              const link_record& r) {
  std::string v(1, static_cast<char>(kLinkFormat));
  v.push_back(static_cast<char>(r.from_api ? 1 : 0));
  v.push_back(static_cast<char>(r.paused ? 1 : 0));
  append_big_endian(v, static_cast<uint64_t>(r.updated_at_ms), 8);
  v.append(r.yaml);
  batch.put(link_key(name), v);
}

result<std::vector<std::pair<std::string, link_record>>> stored_links(
    const store::checkpoint_store& store) {
  const store::key prefix(store::key_space::link);
  std::vector<std::pair<std::string, link_record>> out;
  auto scanned = store.scan(prefix, [&](std::string_view k, std::string_view v) -> result<bool> {
    if (v.size() < 11 || static_cast<uint8_t>(v[0]) != kLinkFormat) {
      return fail(errc::corruption, "a link record is damaged");
    }
    link_record r;
    r.from_api = v[1] != 0;
    r.paused = v[2] != 0;
    r.updated_at_ms = static_cast<int64_t>(read_big_endian(v, 3, 8));
    r.yaml = std::string(v.substr(11));
    out.emplace_back(std::string(k.substr(1)), std::move(r));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

void put_staged(store::checkpoint_store::write_batch& batch, const std::string& link,
                migration::object_kind kind, const std::string& name) {
  batch.put(staged_key(link, kind, name), "");
}

result<std::vector<std::pair<migration::object_kind, std::string>>> stored_staged(
    const store::checkpoint_store& store, const std::string& link) {
  const store::key prefix = staged_prefix(link);
  std::vector<std::pair<migration::object_kind, std::string>> out;
  auto scanned = store.scan(prefix, [&](std::string_view k, std::string_view) -> result<bool> {
    store::key_reader r(k, prefix.bytes().size());
    uint8_t kind = 0;
    if (!r.u8(kind) || (kind != static_cast<uint8_t>(migration::object_kind::topic) &&
                        kind != static_cast<uint8_t>(migration::object_kind::group))) {
      return fail(errc::corruption, "a staged record of link " + link + " is damaged");
    }
    out.emplace_back(static_cast<migration::object_kind>(kind), std::string(r.tail()));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

status no_cutover_in_progress(const store::checkpoint_store& store, const std::string& link) {
  auto states = workflow::stored_migrations(store, link);
  if (!states) return std::unexpected(states.error());
  for (const auto& m : *states) {
    const bool busy =
        m.kind == migration::object_kind::topic
            ? (m.state == static_cast<uint8_t>(migration::topic_state::draining) ||
               m.state == static_cast<uint8_t>(migration::topic_state::cut_over) ||
               m.state == static_cast<uint8_t>(migration::topic_state::rolled_back))
            : (m.state == static_cast<uint8_t>(migration::group_state::cutting_over) ||
               m.state == static_cast<uint8_t>(migration::group_state::cut_over));
    if (busy) {
      return fail(errc::precondition,
                  "link " + link + ": " +
                      (m.kind == migration::object_kind::topic ? "topic " : "group ") + m.name +
                      " is in a cutover; finalize or roll it back before deleting the link");
    }
  }
  return {};
}

status forget_link(store::checkpoint_store& store, const std::string& link) {
  store::checkpoint_store::write_batch b;
  b.erase(link_key(link));
  auto staged = stored_staged(store, link);
  if (!staged) return std::unexpected(staged.error());
  for (const auto& [kind, name] : *staged) b.erase(staged_key(link, kind, name));
  return store.commit(b);
}

}  // namespace strait::daemon
