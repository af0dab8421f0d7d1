#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "strait/base/result.h"
#include "strait/base/types.h"
#include "strait/offsets/offset_run.h"
#include "strait/store/key_space.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace strait::store {

// Why a partition stopped. Persisted: a stopped partition stays stopped across
// restarts until an operator acknowledges it.
enum class stop_reason : uint8_t {
  none = 0,
  retention_gap = 1,         // source records were deleted before they were mirrored
  source_truncated = 2,      // source end moved below the mirrored position (topic recreated?)
  source_topic_deleted = 3,  // the topic vanished from the source
  oversized_record = 4,      // a record larger than the target accepts
  foreign_write = 5,         // someone else wrote to the target partition
  target_not_empty = 6,      // first start found data in the target partition
  target_truncated = 7,      // target end below what strait wrote (topic recreated?)
  recovery_mismatch = 8,     // records found past the checkpoint differ from the source
  delivery_failed = 9,       // the target refused a record with a permanent error
  handed_over = 10,          // producer cutover: the target is primary, reverse mirroring runs;
                             // not an incident: ended by rollback, never by --acknowledge
  internal_error = 11,       // a strait invariant broke (base/invariant.h): a bug, not a data
                             // incident; only `retry` applies
  released = 12,             // in memory only: the partition is being handed to another straitd
                             // (ADR 0030 step 3) and leaves the engine once idle; never stored
                             // (its checkpoint says running), never acknowledged
};

// What an operator decided about a stopped partition (straitd --acknowledge).
// Applied by the daemon the next time it starts the partition.
enum class resolution : uint8_t {
  none = 0,
  retry = 1,              // keep all positions; try again (e.g. target limit raised)
  skip_to_log_start = 2,  // accept the loss of a retention gap: continue at the log start
  accept_target = 3,      // accept foreign records: continue writing after them
  skip_record = 4,        // drop the one record that cannot be written
};

// Whether `r` resolves a partition stopped as `why` (docs/configuration.md,
// acknowledge): retry always; skip_to_log_start a retention gap;
// accept_target records someone else wrote (foreign write, target not empty,
// recovery mismatch); skip_record the one record that stopped it (oversized,
// delivery failed). Never a handed-over partition (rollback ends that).
[[nodiscard]] bool resolution_applies(stop_reason why, resolution r, int64_t stop_source_offset);

[[nodiscard]] const char* to_string(stop_reason r);
[[nodiscard]] const char* to_string(resolution r);
[[nodiscard]] std::optional<resolution> parse_resolution(std::string_view s);

// Durable state of one mirrored partition.
struct partition_checkpoint {
  offsets::mirror_position position;
  stop_reason stopped = stop_reason::none;  // none = running
  std::string stop_detail;                  // human-readable, no secrets
  int64_t stop_source_offset = -1;          // the source record that stopped it, if one did
  resolution pending = resolution::none;
  bool operator==(const partition_checkpoint&) const = default;
};

// A record the engine is about to hand to the target producer, written to
// the in-flight journal first (ADR 0009): the target offset it will land on
// if it is produced and lands (strait is the only writer and the producer
// writes in order; a prediction, also kept for records a stop or shutdown
// left unproduced), the source record it copies, and the fingerprint of its
// key, value and headers (kafka::fingerprint_of).
struct inflight_entry {
  target_offset target;
  source_offset source;
  uint64_t fingerprint = 0;
  auto operator<=>(const inflight_entry&) const = default;
};

// What translating one committed source offset needs, read from one snapshot
// so that the position is never newer than the runs (which could put a
// translation ahead of the truth).
struct map_slice {
  partition_checkpoint checkpoint;
  std::optional<offsets::offset_run> floor;  // greatest source_start <= the offset
  std::optional<offsets::offset_run> ceil;   // least source_start > the offset
};

// Which way checkpoint_store::scan goes.
enum class scan_direction : uint8_t { forward, backward };

// The ids of a link's two clusters, as their metadata gives them.
struct cluster_ids {
  std::string source;
  std::string target;
  auto operator<=>(const cluster_ids&) const = default;
};

// One topic of a link as the store's own key spaces hold it: its
// partitions' checkpoints, runs and in-flight journals, whether strait
// created it, its source topic id. What moves with a topic from one straitd
// to another (ADR 0030 step 3); the target index is not part of it (it is
// rebuilt from the runs).
struct partition_records {
  partition_id partition;
  partition_checkpoint checkpoint;
  std::vector<offsets::offset_run> runs;  // by source_start
  std::vector<inflight_entry> journal;    // by target offset
  bool operator==(const partition_records&) const = default;
};
struct topic_records {
  std::string link;
  std::string topic;  // the link's name of it (a reverse link's: the target name)
  bool created = false;
  std::optional<topic_id> id;
  std::vector<partition_records> partitions;  // by partition
  bool operator==(const topic_records&) const = default;
};
struct link_topic {
  std::string link;
  std::string topic;
  auto operator<=>(const link_topic&) const = default;
};
// What checkpoint_store::export_topics read, from one snapshot.
struct own_records {
  std::vector<topic_records> topics;
  // The cluster ids of each link the topics name, where stored: an import
  // into a store whose link came from other clusters is refused.
  std::vector<std::pair<std::string, cluster_ids>> clusters;
  bool operator==(const own_records&) const = default;
  // Every field in order as key_space.h's value fields: what an export
  // carries from one straitd to another (decode_own_records reads it back).
  [[nodiscard]] std::string encode() const;
};
// Reads own_records::encode()'s bytes back. errc::invalid_argument, naming
// the field, for bytes cut short or with more than the records, a name
// longer than a store key holds, a checkpoint or topic id that does not
// decode. What the records say is not checked here
// (checkpoint_store::import_topics does).
[[nodiscard]] result<own_records> decode_own_records(std::string_view bytes);

// How commit() writes: `buffered` reaches the OS before commit returns (a
// kill -9 loses nothing; a power loss may lose the newest checkpoints,
// which leaves the store behind the target: recoverable, ADR 0002);
// `fsynced` also reaches the disk (what another store forgets relies on it).
enum class durability : uint8_t { buffered, fsynced };

// The RocksDB checkpoint store: per partition the resume position and the
// offset map as runs (the store's own key spaces); the other modules' key
// spaces (key_space.h) through put / erase / get / append_durable / scan,
// encoded by their owners (ADR 0020).
//
// Invariants (the mirror engine relies on them; tests check them):
//   1. Never ahead of the target: a run or position is written only after the
//      target acknowledged (acks=all) every record it covers.
//   2. Exact: the runs of a partition cover every record strait mirrored, and
//      nothing else; runs never overlap (offsets::offset_map invariants A–C).
//   3. Pruned only below the source's log start offset (invariant D).
//   4. Keys are big-endian `(link, topic, partition, source_start)` so a seek
//      finds the run holding an offset; a second index keyed by target_start
//      answers target -> source.
//   5. The in-flight journal ('I') holds, per partition, what was handed to
//      the target producer past the checkpoint; a checkpoint deletes the
//      batches it covers in the same write (ADR 0009).
//   6. A schema-version key is written on creation and checked on open; a
//      store that is unreadable, of another schema, or inconsistent is never
//      reset: open() fails and names the directory and what to do.
//
// Thread-safety: all methods may be called concurrently (RocksDB is
// thread-safe); a `write_batch` belongs to one thread.
class checkpoint_store {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens (creating if absent) the store in `dir`. Fails with errc::busy when
  // another process holds it, errc::corruption when it is damaged.
  [[nodiscard]] static result<std::unique_ptr<checkpoint_store>> open(
      const std::filesystem::path& dir);
  ~checkpoint_store();
  checkpoint_store(const checkpoint_store&) = delete;
  checkpoint_store& operator=(const checkpoint_store&) = delete;

  class write_batch {
   public:
    write_batch();
    ~write_batch();
    void put_checkpoint(const partition_key& key, const partition_checkpoint& cp);
    // Writes or overwrites the run starting at run.source_start.
    void put_run(const partition_key& key, const offsets::offset_run& run);
    void delete_run(const partition_key& key, const offsets::offset_run& run);
    // Journals `entries` (consecutive target offsets, increasing source
    // offsets) under their first target offset.
    void put_inflight(const partition_key& key, std::span<const inflight_entry> entries);
    // Deletes the journal batch that starts at `first`.
    void delete_inflight(const partition_key& key, target_offset first);
    void mark_topic_created(const std::string& link, const std::string& topic);
    // The id of the source topic the link mirrors under that name (ADR 0010).
    void put_source_topic_id(const std::string& link, const std::string& topic, const topic_id& id);
    // The clusters (their ids from metadata) the link's records came from and
    // went to: its checkpoints mean nothing for any other pair.
    void put_cluster_ids(const std::string& link, const cluster_ids& ids);
    // A record of another module's key space (key_space.h), as its owner
    // encoded it. Not of an append-only one (key_space.h, the audit
    // journal: append_durable): that is an internal error (base/invariant.h),
    // and commit() then writes nothing of the batch.
    void put(const record_key& k, std::string_view value);
    void erase(const record_key& k);
    [[nodiscard]] size_t count() const;

   private:
    friend class checkpoint_store;
    std::unique_ptr<rocksdb::WriteBatch> batch_;
    // The partitions whose checkpoint or runs the batch writes (their
    // checkpoint keys; repeats allowed): commit() bumps their map_version.
    std::vector<std::string> map_changes_;
    bool refused_ = false;  // a put or erase was refused: commit() writes nothing
    void note_map_change(const partition_key& key);
    [[nodiscard]] bool allowed(const record_key& k);
  };

  // Applies the batch atomically; nothing of it when a put or erase was
  // refused (errc::precondition). The batch is empty afterwards.
  [[nodiscard]] status commit(write_batch& batch, durability d = durability::buffered);

  // Fault injection for tests (straitd never calls it): every write
  // (commit, append_durable) from the `writes`-th after this call on fails
  // with errc::io and writes nothing, as a process killed there would have
  // written nothing more (0: the next write fails); std::nullopt: writes
  // succeed again. Called while no other thread writes (the count it starts
  // from would move). writes() counts the writes of this object (refused
  // ones too).
  void fail_writes_after(std::optional<uint64_t> writes);
  [[nodiscard]] uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }

  [[nodiscard]] result<std::optional<partition_checkpoint>> load(const partition_key& key) const;
  [[nodiscard]] result<std::vector<partition_key>> partitions(const std::string& link) const;
  [[nodiscard]] result<std::vector<offsets::offset_run>> runs(const partition_key& key) const;
  // The last run, if any (what the mirror engine extends after a restart).
  [[nodiscard]] result<std::optional<offsets::offset_run>> last_run(const partition_key& key) const;
  // The partition's in-flight journal, ordered by target offset.
  [[nodiscard]] result<std::vector<inflight_entry>> inflight(const partition_key& key) const;
  [[nodiscard]] result<bool> topic_created(const std::string& link, const std::string& topic) const;
  // The topics (source names) marked created for the link, in name order.
  [[nodiscard]] result<std::vector<std::string>> created_topics(const std::string& link) const;
  [[nodiscard]] result<std::optional<topic_id>> source_topic_id(const std::string& link,
                                                                const std::string& topic) const;
  [[nodiscard]] result<std::optional<cluster_ids>> link_cluster_ids(const std::string& link) const;

  // The map around `committed` and the partition's checkpoint, from one
  // snapshot; nullopt when the partition has no checkpoint (not mirrored).
  [[nodiscard]] result<std::optional<map_slice>> slice(const partition_key& key,
                                                       source_offset committed) const;
  // A number that changes whenever a batch writing the partition's
  // checkpoint or runs is committed (through this object, so in this
  // process; another process cannot write while this one holds the store;
  // 0 before the first). While it stays the same, slice() of the partition answers the
  // same for the same offset, so a caller may keep what it derived from a
  // slice. Read it before slice(): a commit in between then shows as a
  // changed version the next time, never as an unchanged one.
  [[nodiscard]] uint64_t map_version(const partition_key& key) const;
  // A number that changes whenever any partition's map_version changes
  // (after theirs). While it stays the same, every map_version does: a
  // caller that read it before a partition's map_version may skip that
  // lookup next time (a caught-up estate then costs one read, not one per
  // partition). A commit under way may show here one read later.
  [[nodiscard]] uint64_t map_generation() const {
    return map_generation_.load(std::memory_order_acquire);
  }
  // A record of another module's key space (key_space.h); nullopt when
  // there is none.
  [[nodiscard]] result<std::optional<std::string>> get(const record_key& k) const;
  // Appends one record on its own and durably (fsync): what must survive a
  // power loss (the audit journal). errc::precondition, writing nothing,
  // when the key already holds a record: an append never replaces one.
  [[nodiscard]] status append_durable(const record_key& k, std::string_view value);

  // The one prefix scan of the store: visits, in key order, the records whose
  // key begins with `prefix`, forward from the first at or after `from`
  // (null: the first of the prefix), or backward from the last at or before
  // `from` (null: the last of the prefix). `from` must begin with `prefix`
  // (errc::invalid_argument otherwise). `visit` returns true to go on, false
  // to stop there, or an error that ends the scan with it (a record its
  // owner cannot decode).
  using visitor = std::function<result<bool>(std::string_view key, std::string_view value)>;
  [[nodiscard]] status scan(const record_key& prefix, const visitor& visit,
                            scan_direction d = scan_direction::forward,
                            const record_key* from = nullptr) const;
  // scan() over keys that are `prefix` and one u64 id (a link's numbered
  // reports: verify's, scan's), highest id first, until `visit` returns
  // false. Another key under the prefix is corruption, named by `what`
  // ("a verification report key of link main").
  using id_visitor = std::function<result<bool>(uint64_t id, std::string_view value)>;
  [[nodiscard]] status scan_ids_newest_first(const record_key& prefix, const std::string& what,
                                             const id_visitor& visit) const;
  // The highest such id; 0 when there is none.
  [[nodiscard]] result<uint64_t> newest_id(const record_key& prefix, const std::string& what) const;

  // Translation through the stored map (see offsets::translate_to_target).
  [[nodiscard]] result<target_offset> to_target(const partition_key& key,
                                                source_offset committed) const;
  [[nodiscard]] result<source_offset> to_source(const partition_key& key,
                                                target_offset committed) const;

  // Moving topics between stores (ADR 0030 step 3). The caller keeps the
  // topics still meanwhile (no partition of them mirrored, no other write):
  // these calls do not lock them.
  //
  // The own records of each topic, from one snapshot, in the order given
  // (a topic the store holds nothing of: no partitions, not created, no
  // id), and the stored cluster ids of the links they name.
  [[nodiscard]] result<own_records> export_topics(std::span<const link_topic> topics) const;
  // Adds the writing of `records` to `batch` through the typed calls (so
  // map_version moves and the target index is rebuilt). Refused, adding
  // nothing: errc::invalid_argument when the records break an invariant
  // (offset_map A-C, a journal out of order, a topic listed twice; named),
  // errc::precondition when this store holds any own record of one of the
  // topics or other cluster ids for one of the links. Commit it fsynced.
  [[nodiscard]] status import_topics(const own_records& records, write_batch& batch) const;
  // Adds to `batch` the deletion of every own record of each topic
  // (checkpoints, runs and their index, journal, created marker, topic id;
  // map_version moves); returns how many.
  [[nodiscard]] result<size_t> forget_topics(std::span<const link_topic> topics,
                                             write_batch& batch) const;

  // Adds to `batch` the deletion of the partition's whole in-flight journal
  // (one point delete per batch it holds; nothing when it is empty, so a
  // start of many partitions leaves no range tombstones); returns how many.
  [[nodiscard]] result<size_t> clear_inflight(const partition_key& key, write_batch& batch) const;

  // Adds to `batch` the deletion of every run ending at or below `log_start`;
  // returns how many.
  [[nodiscard]] result<size_t> prune_below(const partition_key& key, source_offset log_start,
                                           write_batch& batch) const;

 private:
  explicit checkpoint_store(std::unique_ptr<rocksdb::DB> db);
  std::unique_ptr<rocksdb::DB> db_;
  mutable std::mutex versions_mu_;
  // Guarded by versions_mu_: map_version by checkpoint key; one entry per
  // partition ever written in this process.
  std::unordered_map<std::string, uint64_t> map_versions_;
  std::atomic<uint64_t> map_generation_{0};  // written under versions_mu_
  std::mutex append_mu_;                     // append_durable's look and write
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> failing_from_{UINT64_MAX};  // fail_writes_after: the first refused
  // Counts a write; errc::io when fail_writes_after refuses it.
  [[nodiscard]] status count_write();
  [[nodiscard]] status scan_bytes(std::string_view prefix, const visitor& visit, scan_direction d,
                                  const std::string* from) const;
};

// The records under `prefix` whose keys end in an id (as
// checkpoint_store::scan_ids_newest_first visits them), each decoded by
// `decode(id, value)`: the newest `limit` that `keep` accepts (null: every
// one), looking at no more than `look_at`, oldest first. A decoding error
// ends the read with it.
template <typename T>
[[nodiscard]] result<std::vector<T>> load_newest(
    const checkpoint_store& store, const record_key& prefix, const std::string& what, size_t limit,
    const std::function<result<T>(uint64_t, std::string_view)>& decode,
    const std::function<bool(const T&)>& keep = {}, size_t look_at = SIZE_MAX) {
  std::vector<T> out;
  if (limit == 0 || look_at == 0) return out;
  size_t looked = 0;
  auto scanned = store.scan_ids_newest_first(
      prefix, what, [&](uint64_t id, std::string_view value) -> result<bool> {
        auto r = decode(id, value);
        if (!r) return std::unexpected(r.error());
        if (!keep || keep(*r)) out.push_back(std::move(*r));
        return out.size() < limit && ++looked < look_at;
      });
  if (!scanned) return std::unexpected(scanned.error());
  return std::vector<T>(std::make_move_iterator(out.rbegin()), std::make_move_iterator(out.rend()));
}

}  // namespace strait::store
