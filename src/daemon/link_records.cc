#include "link_records.h"

#include "strait/base/big_endian.h"
#include "strait/base/text.h"
#include "strait/migration/state_machine.h"
#include "strait/workflow/state_table.h"

namespace strait::daemon {

namespace {

constexpr uint8_t kLinkFormat = 1;
constexpr uint8_t kShardsFormat = 1;
constexpr uint8_t kShardsWithReleasedFormat = 2;  // and the released names

store::record_key link_key(const std::string& name) {
  return store::record_key(store::key_space::link).tail(name);
}

store::record_key shards_key(const std::string& link) {
  return store::record_key(store::key_space::shard_assignment).tail(link);
}

store::record_key staged_prefix(const std::string& link) {
  store::record_key k(store::key_space::staged);
  k.text(link);
  return k;
}

store::record_key receipt_prefix(const std::string& link) {
  store::record_key k(store::key_space::shard_receipt);
  k.text(link);
  return k;
}

store::record_key receipt_key(const std::string& link, config::shard_share::kind kind,
                              const std::string& name) {
  return receipt_prefix(link).u8(static_cast<uint8_t>(kind)).tail(name);
}

// The link's receipts, by kind and name.
result<std::vector<std::pair<config::shard_share::kind, std::string>>> load_receipts(
    const store::checkpoint_store& store, const std::string& link) {
  const store::record_key prefix = receipt_prefix(link);
  std::vector<std::pair<config::shard_share::kind, std::string>> out;
  auto scanned = store.scan(prefix, [&](std::string_view k, std::string_view) -> result<bool> {
    store::field_reader key(k, prefix.bytes().size());
    uint8_t kind = 0;
    if (!key.u8(kind) || kind > static_cast<uint8_t>(config::shard_share::kind::group)) {
      return fail(errc::corruption, "a shard receipt of link " + link +
                                        " is damaged (restore the store from a backup)");
    }
    out.emplace_back(static_cast<config::shard_share::kind>(kind), std::string(key.tail()));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

store::record_key staged_key(const std::string& link, migration::object_kind kind,
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

result<std::vector<std::pair<std::string, link_record>>> load_links(
    const store::checkpoint_store& store) {
  const store::record_key prefix(store::key_space::link);
  std::vector<std::pair<std::string, link_record>> out;
  auto scanned = store.scan(prefix, [&](std::string_view k, std::string_view v) -> result<bool> {
    link_record r;
    std::string name(store::field_reader(k, prefix.bytes().size()).tail());
    store::field_reader value(v, 0);
    uint8_t format = 0, from_api = 0, paused = 0;
    if (!value.u8(format) || format != kLinkFormat || !value.u8(from_api) || !value.u8(paused) ||
        !value.i64(r.updated_at_ms)) {
      return fail(errc::corruption, "the stored record of link " + printable(name, 256) +
                                        " is damaged (restore the store from a backup)");
    }
    r.from_api = from_api != 0;
    r.paused = paused != 0;
    r.yaml = std::string(value.tail());
    out.emplace_back(std::move(name), std::move(r));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

void put_staged(store::checkpoint_store::write_batch& batch, const std::string& link,
                migration::object_kind kind, const std::string& name) {
  batch.put(staged_key(link, kind, name), "");
}

void erase_staged(store::checkpoint_store::write_batch& batch, const std::string& link,
                  migration::object_kind kind, const std::string& name) {
  batch.erase(staged_key(link, kind, name));
}

result<std::vector<std::pair<migration::object_kind, std::string>>> load_staged(
    const store::checkpoint_store& store, const std::string& link) {
  const store::record_key prefix = staged_prefix(link);
  std::vector<std::pair<migration::object_kind, std::string>> out;
  auto scanned = store.scan(prefix, [&](std::string_view k, std::string_view) -> result<bool> {
    store::field_reader key(k, prefix.bytes().size());
    uint8_t kind = 0;
    if (!key.u8(kind) || !migration::object_kind_from(kind)) {
      return fail(errc::corruption, "a staged record of link " + link + " is damaged");
    }
    out.emplace_back(*migration::object_kind_from(kind), std::string(key.tail()));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

void put_shard_assignment(store::checkpoint_store::write_batch& batch, const std::string& link,
                          const config::shard_state& s) {
  const config::shard_assignment& a = *s.assignment;
  const bool released = !s.released_topics.empty() || !s.released_groups.empty();
  std::string v(1, static_cast<char>(released ? kShardsWithReleasedFormat : kShardsFormat));
  append_big_endian(v, a.shards, 4);
  append_big_endian(v, s.applied_as, 4);
  append_big_endian(v, a.scan_id, 8);
  append_big_endian(v, static_cast<uint64_t>(s.applied_at_ms), 8);
  append_big_endian(v, a.components.size(), 4);
  auto names = [&](const std::vector<std::string>& list) {
    append_big_endian(v, list.size(), 4);
    for (const auto& n : list) store::append_text(v, n);
  };
  for (const auto& c : a.components) {
    append_big_endian(v, c.shard, 4);
    append_big_endian(v, static_cast<uint64_t>(c.bytes), 8);
    names(c.topics);
    names(c.groups);
  }
  if (released) {
    names({s.released_topics.begin(), s.released_topics.end()});
    names({s.released_groups.begin(), s.released_groups.end()});
  }
  batch.put(shards_key(link), v);
}

void put_receipt(store::checkpoint_store::write_batch& batch, const std::string& link,
                 config::shard_share::kind kind, const std::string& name,
                 const std::string& digest) {
  batch.put(receipt_key(link, kind, name), digest);
}

void erase_receipt(store::checkpoint_store::write_batch& batch, const std::string& link,
                   config::shard_share::kind kind, const std::string& name) {
  batch.erase(receipt_key(link, kind, name));
}

namespace {

// The 'H' record alone (load_shard_assignment's first half).
result<config::shard_state> load_assignment_record(const store::checkpoint_store& store,
                                                   const std::string& link,
                                                   const config::shard_identity& self) {
  auto v = store.get(shards_key(link));
  if (!v) return std::unexpected(v.error());
  config::shard_state out;
  if (!*v) return out;
  auto damaged = [&](const std::string& why) {
    out = {};  // nothing of what was read in part
    out.problem = "link " + link + ": the stored shard assignment is damaged (" + why +
                  "), so this straitd mirrors nothing of the link: apply the plan again "
                  "(straitctl shards-apply)";
    return out;
  };
  store::field_reader r(**v, 0);
  uint8_t format = 0;
  uint32_t shards = 0, components = 0;
  uint64_t scan_id = 0;
  if (!r.u8(format) || (format != kShardsFormat && format != kShardsWithReleasedFormat) ||
      !r.u32(shards) || !r.u32(out.applied_as) || !r.u64(scan_id) || !r.i64(out.applied_at_ms) ||
      !r.u32(components)) {
    return damaged("its header does not decode");
  }
  std::vector<config::shard_component> list;
  auto names = [&](std::vector<std::string>& names_out) {
    uint32_t n = 0;
    if (!r.u32(n) || n > config::shard_assignment::kMaxNames) return false;
    names_out.resize(n);
    for (auto& name : names_out) {
      if (!r.text(name)) return false;
    }
    return true;
  };
  for (uint32_t i = 0; i < components && i <= config::shard_assignment::kMaxNames; ++i) {
    config::shard_component c;
    if (!r.u32(c.shard) || !r.i64(c.bytes) || !names(c.topics) || !names(c.groups)) {
      return damaged("component " + std::to_string(i) + " does not decode");
    }
    list.push_back(std::move(c));
  }
  if (list.size() != components) return damaged("its length is wrong");
  if (format == kShardsWithReleasedFormat) {
    std::vector<std::string> topics, groups;
    if (!names(topics) || !names(groups)) return damaged("its released names do not decode");
    out.released_topics = {topics.begin(), topics.end()};
    out.released_groups = {groups.begin(), groups.end()};
  }
  if (!r.at_end()) return damaged("its length is wrong");
  auto a = config::shard_assignment::make(shards, scan_id, std::move(list), shards);
  if (!a) return damaged(a.error().message);
  out.assignment = std::make_shared<const config::shard_assignment>(std::move(*a));
  if (out.applied_as != self.ordinal) {
    out.problem = "link " + link + ": the stored shard assignment was applied when this store " +
                  "was shard " + std::to_string(out.applied_as) + ", and daemon.shards.ordinal " +
                  "is " + std::to_string(self.ordinal) +
                  " now, so this straitd mirrors nothing of the link: give it its ordinal back "
                  "(each shard keeps its state_dir), or plan and apply the shards again";
  } else if (shards > self.count) {
    // Fewer shards than planned: the ordinals over the count may still hold
    // what the plan gave them (one planned for fewer stays in force).
    out.problem = "link " + link + ": the stored shard assignment is for " +
                  std::to_string(shards) + " shards, and daemon.shards.count is " +
                  std::to_string(self.count) +
                  ", so this straitd mirrors nothing of the link: set the count back to " +
                  std::to_string(shards) +
                  "; to take shards away, move their components off first at that count with "
                  "a plan for " +
                  std::to_string(self.count) + " (straitctl shards-plan --shards " +
                  std::to_string(self.count) +
                  ", shards-move), then lower the count (docs/sharding.md#changing-the-count)";
  }
  return out;
}

}  // namespace

result<config::shard_state> load_shard_assignment(const store::checkpoint_store& store,
                                                  const std::string& link,
                                                  const config::shard_identity& self) {
  auto out = load_assignment_record(store, link, self);
  if (!out) return out;
  // The receipts, also without an assignment (a straitd that joined the
  // set receives before it stores its first plan).
  auto receipts = load_receipts(store, link);
  if (!receipts) return std::unexpected(receipts.error());
  for (auto& [kind, name] : *receipts) {
    (kind == config::shard_share::kind::topic ? out->received_topics : out->received_groups)
        .insert(std::move(name));
  }
  return out;
}

status no_cutover_in_progress(
    const store::checkpoint_store& store, const std::string& link,
    const std::function<bool(migration::object_kind, const std::string&)>& among,
    const std::string& fix) {
  using migration::object_kind;
  auto stored = workflow::state_table::read(store, link);
  if (!stored) return std::unexpected(stored.error());
  auto checked = [&](object_kind k, const std::string& name) { return !among || among(k, name); };
  auto refuse = [&](const char* kind, const std::string& name, const std::string& why) {
    return fail(errc::precondition, "link " + printable(link, 256) + ": " + kind +
                                        printable(name, 256) + " " + why + "; " + fix);
  };
  for (const auto& [name, state] : stored->topics) {
    if (checked(object_kind::topic, name) && migration::in_cutover(state)) {
      return refuse("topic ", name, std::string("is in a cutover (") + to_string(state) + ")");
    }
  }
  for (const auto& [name, state] : stored->groups) {
    if (checked(object_kind::group, name) && migration::in_cutover(state)) {
      return refuse("group ", name, std::string("is in a cutover (") + to_string(state) + ")");
    }
  }
  for (const auto& op : stored->running) {
    if (!checked(op.kind, op.name)) continue;
    return refuse(op.kind == object_kind::topic ? "topic " : "group ", op.name,
                  "has a move running (operation " + std::to_string(op.options.id) + ")");
  }
  return {};
}

status forget_link(store::checkpoint_store& store, const std::string& link) {
  store::checkpoint_store::write_batch b;
  b.erase(link_key(link));
  auto staged = load_staged(store, link);
  if (!staged) {
    return fail(staged.error().code, staged.error().message + "; nothing of link " + link +
                                         " was deleted (restore the store from a backup)");
  }
  for (const auto& [kind, name] : *staged) b.erase(staged_key(link, kind, name));
  b.erase(shards_key(link));
  auto receipts = load_receipts(store, link);
  if (!receipts) {
    return fail(receipts.error().code,
                receipts.error().message + "; nothing of link " + link + " was deleted");
  }
  for (const auto& [kind, name] : *receipts) b.erase(receipt_key(link, kind, name));
  return store.commit(b);
}

status forget_link_definition(store::checkpoint_store& store, const std::string& link) {
  store::checkpoint_store::write_batch b;
  b.erase(link_key(link));
  return store.commit(b);
}

}  // namespace strait::daemon
