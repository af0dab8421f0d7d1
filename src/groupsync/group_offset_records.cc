#include "strait/groupsync/group_offset_records.h"

#include "strait/base/big_endian.h"

namespace strait::groupsync {

namespace {

constexpr uint8_t kFormat = 1;

store::key link_prefix(const std::string& link) {
  store::key k(store::key_space::group_offset);
  k.text(link);
  return k;
}

}  // namespace

void put_group_offset(store::checkpoint_store::write_batch& batch, const std::string& group,
                      const partition_key& partition, const offsets::group_offset& offset) {
  store::key k = link_prefix(partition.link);
  k.text(group).text(partition.topic).u32(static_cast<uint32_t>(partition.partition.value()));
  std::string v(1, static_cast<char>(kFormat));
  append_big_endian(v, static_cast<uint64_t>(offset.source.value()), 8);
  append_big_endian(v, static_cast<uint64_t>(offset.target.value()), 8);
  append_big_endian(v, static_cast<uint64_t>(offset.written_at_ms), 8);
  batch.put(k, v);
}

result<std::vector<stored_group_offset>> stored_group_offsets(const store::checkpoint_store& store,
                                                              const std::string& link) {
  const store::key prefix = link_prefix(link);
  std::vector<stored_group_offset> out;
  auto scanned = store.scan(prefix, [&](std::string_view k, std::string_view v) -> result<bool> {
    stored_group_offset g;
    g.partition.link = link;
    store::key_reader r(k, prefix.bytes().size());
    uint32_t partition = 0;
    if (v.size() != 25 || static_cast<uint8_t>(v[0]) != kFormat || !r.text(g.group) ||
        !r.text(g.partition.topic) || !r.u32(partition) || !r.at_end()) {
      return fail(errc::corruption, "a group offset record of link " + link + " is damaged");
    }
    g.partition.partition = partition_id(static_cast<int32_t>(partition));
    g.offset.source = source_offset(static_cast<int64_t>(read_big_endian(v, 1, 8)));
    g.offset.target = target_offset(static_cast<int64_t>(read_big_endian(v, 9, 8)));
    g.offset.written_at_ms = static_cast<int64_t>(read_big_endian(v, 17, 8));
    out.push_back(std::move(g));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

}  // namespace strait::groupsync
