#include "strait/store/checkpoint_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include "strait/base/audit_chain.h"
#include "strait/base/big_endian.h"
#include "strait/base/digest.h"
#include "strait/base/invariant.h"
#include "strait/base/text.h"

namespace strait::store {

namespace {

// The store's own key spaces, the mirror's offset map. Each starts with one
// tag byte so spaces never interleave; the other modules' tags are in
// key_space.h.
constexpr char kSchemaKey[] = "\x00schema";
constexpr char kCheckpointTag = 'P';    // partition -> checkpoint
constexpr char kRunTag = 'R';           // partition + source_start -> run
constexpr char kTargetIndexTag = 'T';   // partition + target_start -> source_start
constexpr char kTopicCreatedTag = 'C';  // link + topic -> "" (strait created it)
constexpr char kInflightTag = 'I';      // partition + first target offset -> journal batch
constexpr char kTopicIdTag = 'U';       // link + source topic -> its topic id (16 bytes)
constexpr char kClusterIdsTag = 'K';    // link -> cluster_ids
constexpr uint8_t kClusterIdsFormat = 1;
constexpr uint8_t kInflightFormat = 1;
constexpr uint8_t kCheckpointFormat = 1;

constexpr bool is_own_tag(char tag) {
  for (char own : {kCheckpointTag, kRunTag, kTargetIndexTag, kTopicCreatedTag, kInflightTag,
                   kTopicIdTag, kClusterIdsTag}) {
    if (tag == own) return true;
  }
  return false;
}
// No module's key space (key_space.h: every byte owner_of() knows) takes
// one of the store's own tags.
constexpr bool no_module_takes_an_own_tag() {
  for (int c = 0; c < 256; ++c) {
    const char tag = static_cast<char>(c);
    if (owner_of(static_cast<key_space>(tag)) != nullptr && is_own_tag(tag)) return false;
  }
  return true;
}
static_assert(no_module_takes_an_own_tag());

std::string link_topic_prefix(char tag, std::string_view link, std::string_view topic) {
  std::string k(1, tag);
  append_text(k, link);
  append_text(k, topic);
  return k;
}
std::string partition_prefix(char tag, const partition_key& key) {
  std::string k = link_topic_prefix(tag, key.link, key.topic);
  append_big_endian(k, static_cast<uint32_t>(key.partition.value()), 4);
  return k;
}
std::string offset_key(char tag, const partition_key& key, int64_t offset) {
  std::string k = partition_prefix(tag, key);
  append_big_endian(k, static_cast<uint64_t>(offset), 8);
  return k;
}

std::string encode_run_value(const offsets::offset_run& run) {
  std::string v;
  append_big_endian(v, static_cast<uint64_t>(run.target_start.value()), 8);
  append_big_endian(v, static_cast<uint64_t>(run.length), 8);
  return v;
}

result<offsets::offset_run> decode_run(std::string_view key, std::string_view value) {
  if (value.size() != 16 || key.size() < 8) {
    return fail(errc::corruption, "offset-map run record has a bad size");
  }
  offsets::offset_run run{
      source_offset(static_cast<int64_t>(read_big_endian(key, key.size() - 8, 8))),
      target_offset(static_cast<int64_t>(read_big_endian(value, 0, 8))),
      static_cast<int64_t>(read_big_endian(value, 8, 8))};
  if (run.length < 1 || run.source_start.value() < 0 || run.target_start.value() < 0) {
    return fail(errc::corruption, "offset-map run record has impossible values");
  }
  return run;
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
bool get_varint(std::string_view in, size_t& at, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && at < in.size(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in[at++]);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// A journal batch: format, count (u32), first source offset (u64), the first
// fingerprint (u64), then per further record the source gap to the previous
// record (varint: 0 when consecutive) and its fingerprint. About nine bytes a
// record. Target offsets are consecutive from the key's.
std::string encode_inflight(std::span<const inflight_entry> entries) {
  std::string v(1, static_cast<char>(kInflightFormat));
  v.reserve(1 + 4 + 8 + entries.size() * 9);
  append_big_endian(v, entries.size(), 4);
  append_big_endian(v, static_cast<uint64_t>(entries.front().source.value()), 8);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) {
      put_varint(
          v, static_cast<uint64_t>(entries[i].source.value() - entries[i - 1].source.value() - 1));
    }
    append_big_endian(v, entries[i].fingerprint, 8);
  }
  return v;
}

bool decode_inflight(int64_t first_target, std::string_view v, std::vector<inflight_entry>& out) {
  if (v.size() < 1 + 4 + 8 || static_cast<uint8_t>(v[0]) != kInflightFormat) return false;
  const uint64_t count = read_big_endian(v, 1, 4);
  int64_t source = static_cast<int64_t>(read_big_endian(v, 5, 8));
  size_t at = 13;
  for (uint64_t i = 0; i < count; ++i) {
    if (i > 0) {
      uint64_t gap = 0;
      if (!get_varint(v, at, gap) || gap > static_cast<uint64_t>(INT64_MAX - source - 1)) {
        return false;
      }
      source += static_cast<int64_t>(gap) + 1;
    }
    if (v.size() < at + 8) return false;
    out.push_back({target_offset(first_target + static_cast<int64_t>(i)), source_offset(source),
                   read_big_endian(v, at, 8)});
    at += 8;
  }
  return at == v.size() && count > 0;
}

std::string encode_checkpoint(const partition_checkpoint& cp) {
  std::string v(1, static_cast<char>(kCheckpointFormat));
  append_big_endian(v, static_cast<uint64_t>(cp.position.next_source.value()), 8);
  append_big_endian(v, static_cast<uint64_t>(cp.position.next_target.value()), 8);
  v.push_back(static_cast<char>(cp.stopped));
  v.push_back(static_cast<char>(cp.pending));
  append_big_endian(v, static_cast<uint64_t>(cp.stop_source_offset), 8);
  append_big_endian(v, cp.stop_detail.size(), 4);
  v.append(cp.stop_detail);
  return v;
}

result<partition_checkpoint> decode_checkpoint(std::string_view v) {
  constexpr size_t kFixed = 1 + 8 + 8 + 1 + 1 + 8 + 4;
  if (v.size() < kFixed || static_cast<uint8_t>(v[0]) != kCheckpointFormat) {
    return fail(errc::corruption, "partition checkpoint record has an unknown format");
  }
  partition_checkpoint cp;
  cp.position.next_source = source_offset(static_cast<int64_t>(read_big_endian(v, 1, 8)));
  cp.position.next_target = target_offset(static_cast<int64_t>(read_big_endian(v, 9, 8)));
  auto reason = static_cast<uint8_t>(v[17]);
  auto pending = static_cast<uint8_t>(v[18]);
  auto stop_offset = static_cast<int64_t>(read_big_endian(v, 19, 8));
  size_t detail_len = read_big_endian(v, 27, 4);
  // `released` is never stored (partition_pipeline::checkpoint).
  if (reason > static_cast<uint8_t>(stop_reason::internal_error) ||
      pending > static_cast<uint8_t>(resolution::skip_record) || v.size() != kFixed + detail_len) {
    return fail(errc::corruption, "partition checkpoint record is inconsistent");
  }
  cp.stopped = static_cast<stop_reason>(reason);
  cp.pending = static_cast<resolution>(pending);
  cp.stop_source_offset = stop_offset;
  cp.stop_detail = std::string(v.substr(kFixed));
  return cp;
}

// A consistent read view: every read through options() sees one instant.
class snapshot_view {
 public:
  explicit snapshot_view(rocksdb::DB* db) : db_(db), snap_(db->GetSnapshot()) {
    options_.snapshot = snap_;
  }
  ~snapshot_view() { db_->ReleaseSnapshot(snap_); }
  snapshot_view(const snapshot_view&) = delete;
  snapshot_view& operator=(const snapshot_view&) = delete;
  [[nodiscard]] const rocksdb::ReadOptions& options() const { return options_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_;
  rocksdb::ReadOptions options_;
};

error rocks_error(const rocksdb::Status& s, std::string_view what) {
  return error{s.IsCorruption() ? errc::corruption : errc::io,
               std::string(what) + ": " + s.ToString()};
}

// The checkpoint of `key` as `ro` sees it; nullopt when there is none.
result<std::optional<partition_checkpoint>> read_checkpoint(rocksdb::DB& db,
                                                            const rocksdb::ReadOptions& ro,
                                                            const partition_key& key) {
  std::string value;
  rocksdb::Status s = db.Get(ro, partition_prefix(kCheckpointTag, key), &value);
  if (s.IsNotFound()) return std::optional<partition_checkpoint>{};
  if (!s.ok())
    return std::unexpected(rocks_error(s, "cannot read checkpoint of " + key.to_string()));
  auto cp = decode_checkpoint(value);
  if (!cp) {
    return fail(errc::corruption, "checkpoint of " + key.to_string() + ": " + cp.error().message);
  }
  return std::optional<partition_checkpoint>(std::move(*cp));
}

result<offsets::offset_run> decode_run_at(const rocksdb::Iterator& it) {
  return decode_run(std::string_view(it.key().data(), it.key().size()),
                    std::string_view(it.value().data(), it.value().size()));
}

result<std::optional<topic_id>> read_topic_id(rocksdb::DB& db, const rocksdb::ReadOptions& ro,
                                              const std::string& link, const std::string& topic) {
  std::string value;
  rocksdb::Status s = db.Get(ro, link_topic_prefix(kTopicIdTag, link, topic), &value);
  if (s.IsNotFound()) return std::optional<topic_id>{};
  if (!s.ok()) return std::unexpected(rocks_error(s, "cannot read a topic id"));
  topic_id id;
  if (value.size() != id.bytes.size()) {
    return fail(errc::corruption, "the stored id of topic " + printable(topic) + " of link " +
                                      printable(link) + " is damaged (" +
                                      std::to_string(value.size()) + " bytes, not 16)");
  }
  std::copy(value.begin(), value.end(), id.bytes.begin());
  return std::optional<topic_id>{id};
}

result<std::optional<cluster_ids>> read_cluster_ids(rocksdb::DB& db, const rocksdb::ReadOptions& ro,
                                                    const std::string& link) {
  std::string value;
  rocksdb::Status s = db.Get(ro, std::string(1, kClusterIdsTag) + link, &value);
  if (s.IsNotFound()) return std::optional<cluster_ids>{};
  if (!s.ok()) return std::unexpected(rocks_error(s, "cannot read the cluster ids of a link"));
  cluster_ids ids;
  if (value.empty() || static_cast<uint8_t>(value[0]) != kClusterIdsFormat ||
      !read_fields(value, 1, {&ids.source, &ids.target})) {
    return fail(errc::corruption,
                "the stored cluster ids of link " + printable(link) + " are damaged");
  }
  return std::optional<cluster_ids>{std::move(ids)};
}

// "key space 'G' of the checkpoint store", for messages: its tag, a letter.
std::string space_name(std::string_view key) {
  return std::string("key space '") + (key.empty() ? '?' : key[0]) + "' of the checkpoint store";
}

bool has_prefix(const rocksdb::Slice& key, std::string_view prefix) {
  return key.size() >= prefix.size() && std::memcmp(key.data(), prefix.data(), prefix.size()) == 0;
}

// checkpoint_store::scan_bytes as `ro` sees the store (a snapshot's view
// for an export).
status scan_in(rocksdb::DB& db, const rocksdb::ReadOptions& ro, std::string_view prefix,
               const checkpoint_store::visitor& visit, scan_direction d = scan_direction::forward,
               const std::string* from = nullptr) {
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro));
  const bool forward = d == scan_direction::forward;
  if (from != nullptr) {
    if (forward) {
      it->Seek(*from);
    } else {
      it->SeekForPrev(*from);
    }
  } else if (forward) {
    it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
  } else {
    // The last key of the prefix: just before the first key past it (the
    // prefix with its last byte below 0xff raised by one).
    std::string past(prefix);
    while (!past.empty() && static_cast<uint8_t>(past.back()) == 0xff) past.pop_back();
    if (past.empty()) {
      it->SeekToLast();
    } else {
      past.back() = static_cast<char>(static_cast<uint8_t>(past.back()) + 1);
      it->Seek(past);
      if (it->Valid()) {
        it->Prev();
      } else if (it->status().ok()) {
        it->SeekToLast();
      }
    }
  }
  for (; it->Valid() && has_prefix(it->key(), prefix); forward ? it->Next() : it->Prev()) {
    auto go_on = visit(std::string_view(it->key().data(), it->key().size()),
                       std::string_view(it->value().data(), it->value().size()));
    if (!go_on) return std::unexpected(go_on.error());
    if (!*go_on) return {};
  }
  if (!it->status().ok()) {
    return std::unexpected(rocks_error(it->status(), "cannot read " + space_name(prefix)));
  }
  return {};
}

}  // namespace

bool resolution_applies(stop_reason why, resolution r, int64_t stop_source_offset) {
  switch (r) {
    case resolution::none:
      return false;
    case resolution::retry:
      return why != stop_reason::none && why != stop_reason::handed_over &&
             why != stop_reason::released;
    case resolution::skip_to_log_start:
      return why == stop_reason::retention_gap;
    case resolution::accept_target:
      return why == stop_reason::foreign_write || why == stop_reason::target_not_empty ||
             why == stop_reason::recovery_mismatch;
    case resolution::skip_record:
      return (why == stop_reason::oversized_record || why == stop_reason::delivery_failed) &&
             stop_source_offset >= 0;
  }
  return false;
}

const char* to_string(stop_reason r) {
  switch (r) {
    case stop_reason::none:
      return "none";
    case stop_reason::retention_gap:
      return "retention_gap";
    case stop_reason::source_truncated:
      return "source_truncated";
    case stop_reason::source_topic_deleted:
      return "source_topic_deleted";
    case stop_reason::oversized_record:
      return "oversized_record";
    case stop_reason::foreign_write:
      return "foreign_write";
    case stop_reason::target_not_empty:
      return "target_not_empty";
    case stop_reason::target_truncated:
      return "target_truncated";
    case stop_reason::recovery_mismatch:
      return "recovery_mismatch";
    case stop_reason::delivery_failed:
      return "delivery_failed";
    case stop_reason::handed_over:
      return "handed_over";
    case stop_reason::internal_error:
      return "internal_error";
    case stop_reason::released:
      return "released";
  }
  return "unknown";
}

const char* to_string(resolution r) {
  switch (r) {
    case resolution::none:
      return "none";
    case resolution::retry:
      return "retry";
    case resolution::skip_to_log_start:
      return "skip-to-log-start";
    case resolution::accept_target:
      return "accept-target";
    case resolution::skip_record:
      return "skip-record";
  }
  return "unknown";
}

std::optional<resolution> parse_resolution(std::string_view s) {
  for (auto r : {resolution::retry, resolution::skip_to_log_start, resolution::accept_target,
                 resolution::skip_record}) {
    if (s == to_string(r)) return r;
  }
  return std::nullopt;
}

// ---- write_batch ----

checkpoint_store::write_batch::write_batch() : batch_(std::make_unique<rocksdb::WriteBatch>()) {}
checkpoint_store::write_batch::~write_batch() = default;

void checkpoint_store::write_batch::note_map_change(const partition_key& key) {
  std::string k = partition_prefix(kCheckpointTag, key);
  // A checkpoint writes a partition's runs, then its checkpoint: one entry.
  if (map_changes_.empty() || map_changes_.back() != k) map_changes_.push_back(std::move(k));
}

void checkpoint_store::write_batch::put_checkpoint(const partition_key& key,
                                                   const partition_checkpoint& cp) {
  note_map_change(key);
  (void)batch_->Put(map_changes_.back(), encode_checkpoint(cp));
}

void checkpoint_store::write_batch::put_run(const partition_key& key,
                                            const offsets::offset_run& run) {
  note_map_change(key);
  (void)batch_->Put(offset_key(kRunTag, key, run.source_start.value()), encode_run_value(run));
  std::string src;
  append_big_endian(src, static_cast<uint64_t>(run.source_start.value()), 8);
  (void)batch_->Put(offset_key(kTargetIndexTag, key, run.target_start.value()), src);
}

void checkpoint_store::write_batch::delete_run(const partition_key& key,
                                               const offsets::offset_run& run) {
  note_map_change(key);
  (void)batch_->Delete(offset_key(kRunTag, key, run.source_start.value()));
  (void)batch_->Delete(offset_key(kTargetIndexTag, key, run.target_start.value()));
}

void checkpoint_store::write_batch::put_inflight(const partition_key& key,
                                                 std::span<const inflight_entry> entries) {
  if (entries.empty()) return;
  (void)batch_->Put(offset_key(kInflightTag, key, entries.front().target.value()),
                    encode_inflight(entries));
}

void checkpoint_store::write_batch::delete_inflight(const partition_key& key, target_offset first) {
  (void)batch_->Delete(offset_key(kInflightTag, key, first.value()));
}

void checkpoint_store::write_batch::mark_topic_created(const std::string& link,
                                                       const std::string& topic) {
  (void)batch_->Put(link_topic_prefix(kTopicCreatedTag, link, topic), "");
}

void checkpoint_store::write_batch::put_source_topic_id(const std::string& link,
                                                        const std::string& topic,
                                                        const topic_id& id) {
  (void)batch_->Put(link_topic_prefix(kTopicIdTag, link, topic),
                    std::string(id.bytes.begin(), id.bytes.end()));
}

void checkpoint_store::write_batch::put_cluster_ids(const std::string& link,
                                                    const cluster_ids& ids) {
  std::string v(1, static_cast<char>(kClusterIdsFormat));
  append_fields(v, {&ids.source, &ids.target});
  (void)batch_->Put(std::string(1, kClusterIdsTag) + link, v);
}

bool checkpoint_store::write_batch::allowed(const record_key& k) {
  if (STRAIT_CHECK(!append_only(k.space()), "a batch writes an append-only key space")) {
    return true;
  }
  refused_ = true;
  return false;
}

void checkpoint_store::write_batch::put(const record_key& k, std::string_view value) {
  if (allowed(k)) (void)batch_->Put(k.bytes(), rocksdb::Slice(value.data(), value.size()));
}

void checkpoint_store::write_batch::erase(const record_key& k) {
  if (allowed(k)) (void)batch_->Delete(k.bytes());
}

size_t checkpoint_store::write_batch::count() const { return batch_->Count(); }

// ---- checkpoint_store ----

checkpoint_store::checkpoint_store(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
checkpoint_store::~checkpoint_store() = default;

result<std::unique_ptr<checkpoint_store>> checkpoint_store::open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return fail(errc::io, "cannot create the checkpoint store directory " + dir.string() + ": " +
                              ec.message() + " (check daemon.state_dir and its permissions)");
  }
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.max_open_files = 256;
  options.keep_log_file_num = 3;
  // Small memtables: the in-flight journal streams about nine bytes per
  // mirrored record through them (deleted again by the next checkpoint), and
  // RocksDB's 64 MiB default would hold up to twice that in memory
  // (bench/memory_bench; docs/architecture.md#flow-control).
  options.write_buffer_size = 8 << 20;
  options.max_write_buffer_number = 2;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir.string(), &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return fail(errc::busy, "the checkpoint store " + dir.string() +
                                  " is in use by another process (is straitd already running?)");
    }
    return fail(s.IsCorruption() ? errc::corruption : errc::io,
                "cannot open the checkpoint store " + dir.string() + ": " + s.ToString() +
                    ". straitd never resets its checkpoints on its own: restore the directory "
                    "from a backup, or move it aside to start over (the target topics must then "
                    "be empty, or their partitions will stop as target_not_empty)");
  }
  std::unique_ptr<rocksdb::DB> db(raw);

  std::string version;
  s = db->Get(rocksdb::ReadOptions(), rocksdb::Slice(kSchemaKey, sizeof(kSchemaKey) - 1), &version);
  if (s.IsNotFound()) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    it->SeekToFirst();
    if (it->Valid()) {
      return fail(errc::corruption, "the checkpoint store " + dir.string() +
                                        " holds data but no schema version: it was not written "
                                        "by straitd or is damaged; restore it from a backup");
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db->Put(wo, rocksdb::Slice(kSchemaKey, sizeof(kSchemaKey) - 1),
                std::to_string(kSchemaVersion));
    if (!s.ok()) return std::unexpected(rocks_error(s, "cannot write the schema version"));
  } else if (!s.ok()) {
    return std::unexpected(rocks_error(s, "cannot read the schema version"));
  } else if (version != std::to_string(kSchemaVersion)) {
    return fail(errc::corruption, "the checkpoint store " + dir.string() + " has schema version " +
                                      version + " but this straitd understands version " +
                                      std::to_string(kSchemaVersion) +
                                      "; run the straitd release that wrote it");
  }
  return std::unique_ptr<checkpoint_store>(new checkpoint_store(std::move(db)));
}

void checkpoint_store::fail_writes_after(std::optional<uint64_t> writes) {
  const uint64_t now = writes_.load();
  failing_from_.store(writes && *writes < UINT64_MAX - now ? now + *writes : UINT64_MAX);
}

status checkpoint_store::count_write() {
  if (writes_.fetch_add(1, std::memory_order_relaxed) >= failing_from_.load()) {
    return fail(errc::io,
                "cannot write: the store fails every write from here on (a test's "
                "fault injection)");
  }
  return {};
}

status checkpoint_store::commit(write_batch& batch, durability d) {
  // buffered (sync=false): the WAL write reaches the OS before Write()
  // returns, so a kill -9 of straitd loses nothing. A power loss may lose
  // the newest checkpoints; that leaves the store behind the target, never
  // ahead, which recovery handles (ADR 0002).
  if (batch.refused_) {
    // Atomic or nothing: a batch that lost a record is not written at all.
    batch.batch_->Clear();
    batch.map_changes_.clear();
    batch.refused_ = false;
    return fail(errc::precondition,
                "internal error: a batch tried to write an append-only key space (the audit "
                "journal); nothing of it was written");
  }
  if (auto counted = count_write(); !counted) {
    batch.batch_->Clear();
    batch.map_changes_.clear();
    return counted;
  }
  rocksdb::WriteOptions wo;
  wo.sync = d == durability::fsynced;
  rocksdb::Status s = db_->Write(wo, batch.batch_.get());
  batch.batch_->Clear();  // written or not, as the header says
  if (!s.ok()) {
    batch.map_changes_.clear();
    return std::unexpected(rocks_error(s, "cannot write checkpoint"));
  }
  // After the write: a reader that sees the new version sees the new data.
  if (!batch.map_changes_.empty()) {
    std::lock_guard lock(versions_mu_);
    for (const auto& k : batch.map_changes_) ++map_versions_[k];
    map_generation_.fetch_add(1, std::memory_order_release);
    batch.map_changes_.clear();
  }
  return {};
}

uint64_t checkpoint_store::map_version(const partition_key& key) const {
  const std::string k = partition_prefix(kCheckpointTag, key);
  std::lock_guard lock(versions_mu_);
  auto it = map_versions_.find(k);
  return it == map_versions_.end() ? 0 : it->second;
}

result<std::optional<partition_checkpoint>> checkpoint_store::load(const partition_key& key) const {
  return read_checkpoint(*db_, rocksdb::ReadOptions(), key);
}

result<std::vector<partition_key>> checkpoint_store::partitions(const std::string& link) const {
  std::string prefix(1, kCheckpointTag);
  append_text(prefix, link);
  std::vector<partition_key> out;
  auto scanned = scan_bytes(
      prefix,
      [&](std::string_view k, std::string_view) -> result<bool> {
        field_reader r(k, prefix.size());
        std::string topic;
        uint32_t partition = 0;
        if (!r.text(topic) || !r.u32(partition) || !r.at_end()) {
          return fail(errc::corruption, "bad checkpoint key");
        }
        out.push_back(
            partition_key{link, std::move(topic), partition_id(static_cast<int32_t>(partition))});
        return true;
      },
      scan_direction::forward, nullptr);
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

result<std::vector<offsets::offset_run>> checkpoint_store::runs(const partition_key& key) const {
  std::vector<offsets::offset_run> out;
  auto scanned = scan_bytes(
      partition_prefix(kRunTag, key),
      [&](std::string_view k, std::string_view v) -> result<bool> {
        auto run = decode_run(k, v);
        if (!run) return std::unexpected(run.error());
        out.push_back(*run);
        return true;
      },
      scan_direction::forward, nullptr);
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

result<std::optional<offsets::offset_run>> checkpoint_store::last_run(
    const partition_key& key) const {
  std::optional<offsets::offset_run> last;
  auto scanned = scan_bytes(
      partition_prefix(kRunTag, key),
      [&](std::string_view k, std::string_view v) -> result<bool> {
        auto run = decode_run(k, v);
        if (!run) return std::unexpected(run.error());
        last = *run;
        return false;
      },
      scan_direction::backward, nullptr);
  if (!scanned) return std::unexpected(scanned.error());
  return last;
}

result<std::vector<inflight_entry>> checkpoint_store::inflight(const partition_key& key) const {
  const std::string prefix = partition_prefix(kInflightTag, key);
  std::vector<inflight_entry> out;
  auto scanned = scan_bytes(
      prefix,
      [&](std::string_view k, std::string_view v) -> result<bool> {
        const size_t before = out.size();
        if (k.size() != prefix.size() + 8 ||
            !decode_inflight(static_cast<int64_t>(read_big_endian(k, prefix.size(), 8)), v, out) ||
            (before > 0 && out[before].target <= out[before - 1].target)) {
          return fail(errc::corruption,
                      "the in-flight journal of " + key.to_string() + " is damaged");
        }
        return true;
      },
      scan_direction::forward, nullptr);
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

result<bool> checkpoint_store::topic_created(const std::string& link,
                                             const std::string& topic) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), link_topic_prefix(kTopicCreatedTag, link, topic), &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return std::unexpected(rocks_error(s, "cannot read topic marker"));
  return true;
}

result<std::vector<std::string>> checkpoint_store::created_topics(const std::string& link) const {
  std::string prefix(1, kTopicCreatedTag);
  append_text(prefix, link);
  std::vector<std::string> out;
  auto scanned = scan_bytes(
      prefix,
      [&](std::string_view k, std::string_view) -> result<bool> {
        field_reader r(k, prefix.size());
        std::string topic;
        if (!r.text(topic) || !r.at_end()) return fail(errc::corruption, "bad topic marker key");
        out.push_back(std::move(topic));
        return true;
      },
      scan_direction::forward, nullptr);
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

result<std::optional<topic_id>> checkpoint_store::source_topic_id(const std::string& link,
                                                                  const std::string& topic) const {
  return read_topic_id(*db_, rocksdb::ReadOptions(), link, topic);
}

result<std::optional<cluster_ids>> checkpoint_store::link_cluster_ids(
    const std::string& link) const {
  return read_cluster_ids(*db_, rocksdb::ReadOptions(), link);
}

result<std::optional<map_slice>> checkpoint_store::slice(const partition_key& key,
                                                         source_offset committed) const {
  snapshot_view view(db_.get());
  const rocksdb::ReadOptions& ro = view.options();
  auto cp = read_checkpoint(*db_, ro, key);
  if (!cp) return std::unexpected(cp.error());
  if (!*cp) return std::optional<map_slice>{};
  map_slice out{std::move(**cp), std::nullopt, std::nullopt};
  std::string prefix = partition_prefix(kRunTag, key);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  it->SeekForPrev(offset_key(kRunTag, key, committed.value()));
  if (it->Valid() && has_prefix(it->key(), prefix)) {
    auto run = decode_run_at(*it);
    if (!run) return std::unexpected(run.error());
    out.floor = *run;
  }
  it->Seek(offset_key(kRunTag, key, committed.value() + 1));
  if (it->Valid() && has_prefix(it->key(), prefix)) {
    auto run = decode_run_at(*it);
    if (!run) return std::unexpected(run.error());
    out.ceil = *run;
  }
  if (!it->status().ok()) return std::unexpected(rocks_error(it->status(), "cannot seek runs"));
  return std::optional<map_slice>(std::move(out));
}

result<target_offset> checkpoint_store::to_target(const partition_key& key,
                                                  source_offset committed) const {
  auto sl = slice(key, committed);
  if (!sl) return std::unexpected(sl.error());
  if (!*sl) return fail(errc::not_found, "no offset map for " + key.to_string());
  return offsets::translate_to_target((*sl)->floor, (*sl)->ceil, (*sl)->checkpoint.position,
                                      committed);
}

result<source_offset> checkpoint_store::to_source(const partition_key& key,
                                                  target_offset committed) const {
  snapshot_view view(db_.get());
  auto cp = read_checkpoint(*db_, view.options(), key);
  if (!cp) return std::unexpected(cp.error());
  if (!*cp) return fail(errc::not_found, "no offset map for " + key.to_string());
  std::string prefix = partition_prefix(kTargetIndexTag, key);
  std::optional<offsets::offset_run> floor, ceil;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(view.options()));
  auto run_for = [&](const rocksdb::Slice& v) -> result<offsets::offset_run> {
    if (v.size() != 8) return fail(errc::corruption, "bad offset-map target index record");
    std::string run_key = offset_key(
        kRunTag, key, static_cast<int64_t>(read_big_endian(std::string_view(v.data(), 8), 0, 8)));
    std::string run_value;
    rocksdb::Status rs = db_->Get(view.options(), run_key, &run_value);
    if (rs.IsNotFound()) {
      return fail(errc::corruption, "offset-map target index points at a missing run");
    }
    if (!rs.ok()) return std::unexpected(rocks_error(rs, "cannot read run"));
    return decode_run(run_key, run_value);
  };
  it->SeekForPrev(offset_key(kTargetIndexTag, key, committed.value()));
  if (it->Valid() && has_prefix(it->key(), prefix)) {
    auto run = run_for(it->value());
    if (!run) return std::unexpected(run.error());
    floor = *run;
  }
  it->Seek(offset_key(kTargetIndexTag, key, committed.value() + 1));
  if (it->Valid() && has_prefix(it->key(), prefix)) {
    auto run = run_for(it->value());
    if (!run) return std::unexpected(run.error());
    ceil = *run;
  }
  if (!it->status().ok()) return std::unexpected(rocks_error(it->status(), "cannot seek runs"));
  return offsets::translate_to_source(floor, ceil, (*cp)->position, committed);
}

result<size_t> checkpoint_store::prune_below(const partition_key& key, source_offset log_start,
                                             write_batch& batch) const {
  size_t pruned = 0;
  auto scanned = scan_bytes(
      partition_prefix(kRunTag, key),
      [&](std::string_view k, std::string_view v) -> result<bool> {
        auto run = decode_run(k, v);
        if (!run) return std::unexpected(run.error());
        if (run->source_end() > log_start) return false;
        batch.delete_run(key, *run);
        ++pruned;
        return true;
      },
      scan_direction::forward, nullptr);
  if (!scanned) return std::unexpected(scanned.error());
  return pruned;
}

result<size_t> checkpoint_store::clear_inflight(const partition_key& key,
                                                write_batch& batch) const {
  size_t deleted = 0;
  auto scanned = scan_bytes(
      partition_prefix(kInflightTag, key),
      [&](std::string_view k, std::string_view) -> result<bool> {
        (void)batch.batch_->Delete(rocksdb::Slice(k.data(), k.size()));
        ++deleted;
        return true;
      },
      scan_direction::forward, nullptr);
  if (!scanned) return std::unexpected(scanned.error());
  return deleted;
}

result<std::optional<std::string>> checkpoint_store::get(const record_key& k) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), k.bytes(), &value);
  if (s.IsNotFound()) return std::optional<std::string>{};
  if (!s.ok()) return std::unexpected(rocks_error(s, "cannot read " + space_name(k.bytes())));
  return std::optional<std::string>(std::move(value));
}

status checkpoint_store::append_durable(const record_key& k, std::string_view value) {
  std::lock_guard lock(append_mu_);  // the look and the write, one at a time
  auto existing = get(k);
  if (!existing) return std::unexpected(existing.error());
  if (*existing) {
    return fail(errc::precondition,
                space_name(k.bytes()) + " already holds a record under this key: nothing written");
  }
  if (auto counted = count_write(); !counted) return counted;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Put(wo, k.bytes(), rocksdb::Slice(value.data(), value.size()));
  if (!s.ok()) return std::unexpected(rocks_error(s, "cannot write " + space_name(k.bytes())));
  return {};
}

status checkpoint_store::scan_ids_newest_first(const record_key& prefix, const std::string& what,
                                               const id_visitor& visit) const {
  return scan(
      prefix,
      [&](std::string_view k, std::string_view v) -> result<bool> {
        field_reader key(k, prefix.bytes().size());
        uint64_t id = 0;
        if (!key.u64(id) || !key.at_end()) return fail(errc::corruption, what + " is damaged");
        return visit(id, v);
      },
      scan_direction::backward);
}

result<uint64_t> checkpoint_store::newest_id(const record_key& prefix,
                                             const std::string& what) const {
  uint64_t newest = 0;
  auto scanned = scan_ids_newest_first(prefix, what, [&](uint64_t id, std::string_view) {
    newest = id;
    return result<bool>(false);
  });
  if (!scanned) return std::unexpected(scanned.error());
  return newest;
}

status checkpoint_store::scan(const record_key& prefix, const visitor& visit, scan_direction d,
                              const record_key* from) const {
  if (from != nullptr && !from->bytes().starts_with(prefix.bytes())) {
    return fail(errc::invalid_argument, "a scan of " + space_name(prefix.bytes()) +
                                            " starts from a key outside its prefix");
  }
  return scan_bytes(prefix.bytes(), visit, d, from != nullptr ? &from->bytes() : nullptr);
}

status checkpoint_store::scan_bytes(std::string_view prefix, const visitor& visit, scan_direction d,
                                    const std::string* from) const {
  return scan_in(*db_, rocksdb::ReadOptions(), prefix, visit, d, from);
}

// ---- moving topics between stores (ADR 0030 step 3) ----

namespace {

// The partition number that follows `prefix` (link and topic) in a key.
std::optional<partition_id> partition_after(std::string_view key, size_t prefix_size) {
  if (key.size() < prefix_size + 4) return std::nullopt;
  const auto p = read_big_endian(key, prefix_size, 4);
  if (p > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) return std::nullopt;
  return partition_id(static_cast<int32_t>(p));
}

constexpr size_t kMaxStopDetailBytes = 64 * 1024;
// The own key spaces keyed by link and topic first: a topic's records in
// all of them are what an import checks for and a forget deletes.
constexpr char kTopicTags[] = {kCheckpointTag, kRunTag,          kTargetIndexTag,
                               kInflightTag,   kTopicCreatedTag, kTopicIdTag};

// Why `t` cannot be imported (offset_map invariants A-C per partition, the
// journal in order), or "" when it can.
std::string broken_invariant(const topic_records& t) {
  const std::string name = printable(t.link, 256) + "/" + printable(t.topic, 256);
  if (t.link.empty() || t.topic.empty()) return "a topic without a link or a name";
  if (t.link.size() > UINT16_MAX || t.topic.size() > UINT16_MAX) return name + ": name too long";
  std::optional<partition_id> previous;
  for (const auto& p : t.partitions) {
    const std::string at = name + "/" + std::to_string(p.partition.value());
    if (p.partition.value() < 0 || (previous && p.partition <= *previous)) {
      return at + ": partitions out of order or listed twice";
    }
    previous = p.partition;
    const auto& pos = p.checkpoint.position;
    if (pos.next_source.value() < 0 || pos.next_target.value() < 0) {
      return at + ": a negative position";
    }
    // What decode_checkpoint reads back (`released` is never stored).
    if (p.checkpoint.stopped > stop_reason::internal_error ||
        p.checkpoint.pending > resolution::skip_record ||
        p.checkpoint.stop_detail.size() > kMaxStopDetailBytes) {
      return at + ": a stop reason, resolution or stop detail no checkpoint holds";
    }
    const offsets::offset_run* last = nullptr;
    for (const auto& r : p.runs) {
      if (r.length < 1 || r.source_start.value() < 0 || r.target_start.value() < 0 ||
          r.source_start.value() > INT64_MAX - r.length ||
          r.target_start.value() > INT64_MAX - r.length) {
        return at + ": a run with impossible values";
      }
      if (last != nullptr &&
          (r.source_start < last->source_end() || r.target_start < last->target_end())) {
        return at + ": runs overlap or are out of order";
      }
      last = &r;
    }
    if (last != nullptr &&
        (last->source_end() > pos.next_source || last->target_end() > pos.next_target)) {
      return at + ": a run ends past the checkpoint";
    }
    for (size_t i = 0; i < p.journal.size(); ++i) {
      const inflight_entry& e = p.journal[i];
      if (e.target.value() < 0 || e.source.value() < 0 ||
          (i > 0 && (e.target <= p.journal[i - 1].target || e.source <= p.journal[i - 1].source))) {
        return at + ": the in-flight journal is out of order";
      }
    }
  }
  return "";
}

}  // namespace

std::string own_records::encode() const {
  std::string out;
  append_i64(out, static_cast<int64_t>(topics.size()));
  for (const auto& t : topics) {
    append_fields(out, {&t.link, &t.topic});
    append_i64(out, t.created ? 1 : 0);
    append_field(out, t.id ? std::string_view(reinterpret_cast<const char*>(t.id->bytes.data()),
                                              t.id->bytes.size())
                           : std::string_view());
    append_i64(out, static_cast<int64_t>(t.partitions.size()));
    for (const auto& p : t.partitions) {
      append_i64(out, p.partition.value());
      append_field(out, encode_checkpoint(p.checkpoint));
      append_i64(out, static_cast<int64_t>(p.runs.size()));
      for (const auto& r : p.runs) {
        append_i64(out, r.source_start.value());
        append_i64(out, r.target_start.value());
        append_i64(out, r.length);
      }
      append_i64(out, static_cast<int64_t>(p.journal.size()));
      for (const auto& e : p.journal) {
        append_i64(out, e.target.value());
        append_i64(out, e.source.value());
        append_i64(out, static_cast<int64_t>(e.fingerprint));
      }
    }
  }
  append_i64(out, static_cast<int64_t>(clusters.size()));
  for (const auto& [link, ids] : clusters) append_fields(out, {&link, &ids.source, &ids.target});
  return out;
}

result<own_records> decode_own_records(std::string_view bytes) {
  field_reader in(bytes, 0);
  auto bad = [](const std::string& field) {
    return fail(errc::invalid_argument, "own records: " + field + " is cut short or damaged");
  };
  own_records out;
  size_t topics = 0;
  if (!in.count(topics)) return bad("the topic count");
  for (size_t ti = 0; ti < topics; ++ti) {
    const std::string at = "topic " + std::to_string(ti);
    topic_records t;
    int64_t created = 0;
    std::string id;
    size_t partitions = 0;
    if (!in.name(t.link) || !in.name(t.topic) || !in.i64(created) || !in.field(id) ||
        !in.count(partitions) || (created != 0 && created != 1) ||
        (!id.empty() && id.size() != topic_id{}.bytes.size())) {
      return bad(at);
    }
    t.created = created == 1;
    if (!id.empty()) {
      t.id.emplace();
      std::copy(id.begin(), id.end(), t.id->bytes.begin());
    }
    for (size_t pi = 0; pi < partitions; ++pi) {
      const std::string pat = at + " partition " + std::to_string(pi);
      int64_t partition = 0;
      std::string checkpoint;
      if (!in.i64(partition) || !in.field(checkpoint) || partition < 0 ||
          partition > std::numeric_limits<int32_t>::max()) {
        return bad(pat);
      }
      auto cp = decode_checkpoint(checkpoint);
      if (!cp) return bad(pat + "'s checkpoint");
      partition_records p{partition_id(static_cast<int32_t>(partition)), std::move(*cp), {}, {}};
      size_t runs = 0;
      if (!in.count(runs)) return bad(pat + "'s runs");
      for (size_t i = 0; i < runs; ++i) {
        int64_t source = 0, target = 0, length = 0;
        if (!in.i64(source) || !in.i64(target) || !in.i64(length)) return bad(pat + "'s runs");
        p.runs.push_back({source_offset(source), target_offset(target), length});
      }
      size_t journal = 0;
      if (!in.count(journal)) return bad(pat + "'s journal");
      for (size_t i = 0; i < journal; ++i) {
        int64_t target = 0, source = 0;
        uint64_t fingerprint = 0;
        if (!in.i64(target) || !in.i64(source) || !in.u64(fingerprint)) {
          return bad(pat + "'s journal");
        }
        p.journal.push_back({target_offset(target), source_offset(source), fingerprint});
      }
      t.partitions.push_back(std::move(p));
    }
    out.topics.push_back(std::move(t));
  }
  size_t clusters = 0;
  if (!in.count(clusters)) return bad("the cluster count");
  for (size_t i = 0; i < clusters; ++i) {
    std::string link;
    cluster_ids ids;
    if (!in.name(link) || !in.name(ids.source) || !in.name(ids.target))
      return bad("the cluster ids");
    out.clusters.emplace_back(std::move(link), std::move(ids));
  }
  if (!in.at_end()) return bad("the end (bytes past the records)");
  return out;
}

result<own_records> checkpoint_store::export_topics(std::span<const link_topic> topics) const {
  snapshot_view view(db_.get());
  const rocksdb::ReadOptions& ro = view.options();
  own_records out;
  std::set<std::string> links;
  for (const auto& lt : topics) {
    topic_records t{lt.link, lt.topic, false, std::nullopt, {}};
    const std::string name = printable(lt.link, 256) + "/" + printable(lt.topic, 256);
    // The partitions: their checkpoints, then their runs and journals, each
    // keyed by partition under the topic's prefix.
    std::map<int32_t, partition_records> parts;
    const std::string cp_prefix = link_topic_prefix(kCheckpointTag, lt.link, lt.topic);
    auto scanned =
        scan_in(*db_, ro, cp_prefix, [&](std::string_view k, std::string_view v) -> result<bool> {
          auto p = partition_after(k, cp_prefix.size());
          auto cp = decode_checkpoint(v);
          if (!p || k.size() != cp_prefix.size() + 4 || !cp) {
            return fail(errc::corruption, "a checkpoint of " + name + " is damaged");
          }
          parts[p->value()] = partition_records{*p, std::move(*cp), {}, {}};
          return true;
        });
    if (!scanned) return std::unexpected(scanned.error());
    auto owner_of_key = [&](std::string_view k, size_t prefix_size,
                            const char* what) -> result<partition_records*> {
      auto p = partition_after(k, prefix_size);
      auto it = p ? parts.find(p->value()) : parts.end();
      if (it == parts.end() || k.size() != prefix_size + 12) {
        return fail(errc::corruption,
                    std::string(what) + " of " + name + " has no checkpoint or a damaged key");
      }
      return &it->second;
    };
    const std::string run_prefix = link_topic_prefix(kRunTag, lt.link, lt.topic);
    scanned =
        scan_in(*db_, ro, run_prefix, [&](std::string_view k, std::string_view v) -> result<bool> {
          auto owner = owner_of_key(k, run_prefix.size(), "an offset-map run");
          if (!owner) return std::unexpected(owner.error());
          auto run = decode_run(k, v);
          if (!run) return std::unexpected(run.error());
          (*owner)->runs.push_back(*run);
          return true;
        });
    if (!scanned) return std::unexpected(scanned.error());
    const std::string journal_prefix = link_topic_prefix(kInflightTag, lt.link, lt.topic);
    scanned = scan_in(
        *db_, ro, journal_prefix, [&](std::string_view k, std::string_view v) -> result<bool> {
          auto owner = owner_of_key(k, journal_prefix.size(), "an in-flight journal batch");
          if (!owner) return std::unexpected(owner.error());
          const auto first = static_cast<int64_t>(read_big_endian(k, journal_prefix.size() + 4, 8));
          if (!decode_inflight(first, v, (*owner)->journal)) {
            return fail(errc::corruption, "the in-flight journal of " + name + " is damaged");
          }
          return true;
        });
    if (!scanned) return std::unexpected(scanned.error());
    for (auto& [_, p] : parts) t.partitions.push_back(std::move(p));

    std::string marker;
    rocksdb::Status st =
        db_->Get(ro, link_topic_prefix(kTopicCreatedTag, lt.link, lt.topic), &marker);
    if (!st.ok() && !st.IsNotFound()) {
      return std::unexpected(rocks_error(st, "cannot read the created marker of " + name));
    }
    t.created = st.ok();
    auto id = read_topic_id(*db_, ro, lt.link, lt.topic);
    if (!id) return std::unexpected(id.error());
    t.id = *id;
    if (auto broken = broken_invariant(t); !broken.empty()) {
      return fail(errc::corruption, "the store's records break an invariant: " + broken);
    }
    links.insert(lt.link);
    out.topics.push_back(std::move(t));
  }
  for (const auto& link : links) {
    auto ids = read_cluster_ids(*db_, ro, link);
    if (!ids) return std::unexpected(ids.error());
    if (*ids) out.clusters.emplace_back(link, std::move(**ids));
  }
  return out;
}

status checkpoint_store::import_topics(const own_records& records, write_batch& batch) const {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& t : records.topics) {
    if (auto broken = broken_invariant(t); !broken.empty()) {
      return fail(errc::invalid_argument, "refused, nothing imported: " + broken);
    }
    if (!seen.emplace(t.link, t.topic).second) {
      return fail(errc::invalid_argument, "refused, nothing imported: " + printable(t.link, 256) +
                                              "/" + printable(t.topic, 256) + " listed twice");
    }
  }
  std::set<std::string> cluster_links;
  for (const auto& [link, ids] : records.clusters) {
    if (!cluster_links.insert(link).second) {
      return fail(errc::invalid_argument, "refused, nothing imported: the cluster ids of link " +
                                              printable(link, 256) + " listed twice");
    }
    auto held = link_cluster_ids(link);
    if (!held) return std::unexpected(held.error());
    if (*held && **held != ids) {
      return fail(errc::precondition,
                  "refused, nothing imported: link " + printable(link, 256) +
                      " of this straitd mirrors between other clusters (source " +
                      printable((*held)->source, 64) + ", target " +
                      printable((*held)->target, 64) + ") than the records came from (source " +
                      printable(ids.source, 64) + ", target " + printable(ids.target, 64) +
                      "): both straitd must serve the same clusters");
    }
  }
  // Nothing of the topics here yet: an import never mixes with what this
  // store wrote itself.
  const rocksdb::ReadOptions ro;
  for (const auto& t : records.topics) {
    for (char tag : kTopicTags) {
      bool found = false;
      auto scanned = scan_in(*db_, ro, link_topic_prefix(tag, t.link, t.topic),
                             [&](std::string_view, std::string_view) -> result<bool> {
                               found = true;
                               return false;
                             });
      if (!scanned) return std::unexpected(scanned.error());
      if (found) {
        return fail(errc::precondition,
                    "refused, nothing imported: this straitd holds records of " +
                        printable(t.link, 256) + "/" + printable(t.topic, 256) + " (key space '" +
                        std::string(1, tag) +
                        "') already: forget them here first, or import into another straitd");
      }
    }
  }
  for (const auto& t : records.topics) {
    for (const auto& p : t.partitions) {
      const partition_key key{t.link, t.topic, p.partition};
      for (const auto& r : p.runs) batch.put_run(key, r);
      batch.put_checkpoint(key, p.checkpoint);
      // The journal in batches of consecutive target offsets, as the engine
      // writes it.
      size_t from = 0;
      for (size_t i = 1; i <= p.journal.size(); ++i) {
        if (i == p.journal.size() ||
            p.journal[i].target.value() != p.journal[i - 1].target.value() + 1) {
          batch.put_inflight(key, std::span(p.journal).subspan(from, i - from));
          from = i;
        }
      }
    }
    if (t.created) batch.mark_topic_created(t.link, t.topic);
    if (t.id) batch.put_source_topic_id(t.link, t.topic, *t.id);
  }
  for (const auto& [link, ids] : records.clusters) batch.put_cluster_ids(link, ids);
  return {};
}

result<size_t> checkpoint_store::forget_topics(std::span<const link_topic> topics,
                                               write_batch& batch) const {
  size_t erased = 0;
  const rocksdb::ReadOptions ro;
  for (const auto& lt : topics) {
    for (char tag : kTopicTags) {
      const std::string prefix = link_topic_prefix(tag, lt.link, lt.topic);
      auto scanned = scan_in(*db_, ro, prefix, [&](std::string_view k, std::string_view) {
        (void)batch.batch_->Delete(rocksdb::Slice(k.data(), k.size()));
        ++erased;
        if (tag == kCheckpointTag) {
          if (auto p = partition_after(k, prefix.size())) {
            batch.note_map_change({lt.link, lt.topic, *p});
          }
        }
        return result<bool>(true);
      });
      if (!scanned) return std::unexpected(scanned.error());
    }
  }
  return erased;
}

}  // namespace strait::store
