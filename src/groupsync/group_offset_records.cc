#include "strait/groupsync/group_offset_records.h"

#include "strait/base/big_endian.h"
#include "strait/base/text.h"

namespace strait::groupsync {

namespace {

constexpr uint8_t kFormat = 1;

store::record_key link_prefix(const std::string& link) {
  store::record_key k(store::key_space::group_offset);
  k.text(link);
  return k;
}

store::record_key offset_key(const std::string& group, const partition_key& partition) {
  store::record_key k = link_prefix(partition.link);
  k.text(group).text(partition.topic).u32(static_cast<uint32_t>(partition.partition.value()));
  return k;
}

}  // namespace

void erase_group_offset(store::checkpoint_store::write_batch& batch, const std::string& group,
                        const partition_key& partition) {
  batch.erase(offset_key(group, partition));
}

void put_group_offset(store::checkpoint_store::write_batch& batch, const std::string& group,
                      const partition_key& partition, const offsets::group_offset& offset) {
  const store::record_key k = offset_key(group, partition);
  std::string v(1, static_cast<char>(kFormat));
  append_big_endian(v, static_cast<uint64_t>(offset.source.value()), 8);
  append_big_endian(v, static_cast<uint64_t>(offset.target.value()), 8);
  append_big_endian(v, static_cast<uint64_t>(offset.written_at_ms), 8);
  batch.put(k, v);
}

result<std::vector<group_offset_record>> load_group_offsets(const store::checkpoint_store& store,
                                                            const std::string& link) {
  const store::record_key prefix = link_prefix(link);
  std::vector<group_offset_record> out;
  auto scanned = store.scan(prefix, [&](std::string_view k, std::string_view v) -> result<bool> {
    group_offset_record g;
    g.partition.link = link;
    store::field_reader key(k, prefix.bytes().size());
    store::field_reader value(v, 0);
    uint32_t partition = 0;
    uint8_t format = 0;
    int64_t source = 0, target = 0;
    if (!key.text(g.group) || !key.text(g.partition.topic) || !key.u32(partition) ||
        !key.at_end() || !value.u8(format) || format != kFormat || !value.i64(source) ||
        !value.i64(target) || !value.i64(g.offset.written_at_ms) || !value.at_end()) {
      return fail(errc::corruption, "the stored group offset of link " + link + " (group " +
                                        printable(g.group, 256) + ", topic " +
                                        printable(g.partition.topic, 256) +
                                        ") is damaged; restore the store from a backup");
    }
    g.partition.partition = partition_id(static_cast<int32_t>(partition));
    g.offset.source = source_offset(source);
    g.offset.target = target_offset(target);
    out.push_back(std::move(g));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

}  // namespace strait::groupsync
