#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace strait::store {

// The key spaces other modules own in the checkpoint store: the tag byte
// every key of the space starts with. Each has one owner module, which
// encodes its keys and values and is the only code that reads or writes
// them (ADR 0020). The store's own spaces, the mirror's offset map ('P'
// checkpoints, 'R' runs, 'T' their target index, 'I' the in-flight journal,
// 'C' created topics, 'U' topic ids, 'K' cluster ids), are written only
// through checkpoint_store's own calls, which keep map_version true, and have
// no value here. Layout: docs/offset-translation.md#rocksdb-layout.
//
// A new space is added here and to owner_of(), whose switch refuses to
// compile with a tag taken twice or a space left out; the store refuses one
// of its own tags at compile time.
enum class key_space : char {
  group_offset = 'G',
  migration = 'M',
  operation_ids = 'O',
  move = 'E',
  first_mirrored = 'F',
  grant = 'A',
  report = 'V',
  running_reports = 'W',
  audit = 'J',
  request = 'Q',
  link = 'L',
  staged = 'S',
  scan = 'N',
  scan_summary = 'n',
  shard_assignment = 'H',
  shard_receipt = 'h',
};

// The module that owns `s`, and what it keeps there; null for a byte that is
// no module's space.
constexpr const char* owner_of(key_space s) {
  switch (s) {
    case key_space::group_offset:
      return "groupsync: the offset strait last wrote per group and partition";
    case key_space::migration:
      return "workflow: topic and group migration states with their operation";
    case key_space::operation_ids:
      return "workflow: the highest operation id a link's workflow gave";
    case key_space::move:
      return "workflow: the cutovers and rollbacks that ended (the newest kKeptMoves a link)";
    case key_space::first_mirrored:
      return "workflow: when a link's first topic was mirrored";
    case key_space::grant:
      return "workflow: the ACL bindings strait created at a producer cutover: grants, fences (ADR "
             "0023)";
    case key_space::report:
      return "verify: verification reports";
    case key_space::running_reports:
      return "verify: the ids of the reports stored RUNNING";
    case key_space::audit:
      return "api: the audit journal (append-only: checkpoint_store::append_durable)";
    case key_space::request:
      return "api: request ids of mutating calls and their responses";
    case key_space::link:
      return "daemon: links (pause flag, API links' definitions)";
    case key_space::staged:
      return "daemon: topics and groups staged on a link";
    case key_space::scan:
      return "scan: a link's scans of its clusters (the newest kKeptScans)";
    case key_space::scan_summary:
      return "scan: each stored scan without its topics, groups, ACLs and users (ListScans)";
    case key_space::shard_assignment:
      return "daemon: a link's shard assignment, when several straitd share it (ADR 0030)";
    case key_space::shard_receipt:
      return "daemon: the names a straitd received in a component move, until the next plan is "
             "stored (ADR 0030)";
  }
  return nullptr;
}

// Whether the records of `s` are only ever appended, one by one
// (checkpoint_store::append_durable), never put, replaced or erased in a
// batch.
constexpr bool append_only(key_space s) { return s == key_space::audit; }

// A key's text field: a u16 length, then the bytes (record_key::text; the
// store's own keys use it too). Nothing longer than 65,535 bytes can be a
// key field; a longer one is an internal error and is cut there.
void append_text(std::string& out, std::string_view s);

// A key of one space: its tag, then fields in order, each encoded so that
// keys sort by their fields (big-endian numbers, length-prefixed text).
class record_key {
 public:
  explicit record_key(key_space space) : bytes_(1, static_cast<char>(space)) {}
  // append_text: a u16 length, then the bytes (Kafka's names are protocol
  // strings, at most 32,767 bytes; link names are bounded by the config).
  record_key& text(std::string_view s) {
    append_text(bytes_, s);
    return *this;
  }
  // The bytes as they are: only as the last field (nothing could tell where
  // it ends).
  record_key& tail(std::string_view s) {
    bytes_.append(s);
    return *this;
  }
  record_key& u8(uint8_t v) {
    bytes_.push_back(static_cast<char>(v));
    return *this;
  }
  record_key& u32(uint32_t v);
  record_key& u64(uint64_t v);
  [[nodiscard]] const std::string& bytes() const { return bytes_; }
  [[nodiscard]] key_space space() const { return static_cast<key_space>(bytes_[0]); }

 private:
  std::string bytes_;
};

// Reads the fields of a key (as record_key wrote them) or of a value (as
// its owner wrote them with append_big_endian and append_fields) in order,
// from `at` on (for a key: after the tag and the fields the caller already
// knows). Each call returns false, and reads nothing, when too few bytes are
// left. It keeps a view of `bytes`: they must outlive it.
class field_reader {
 public:
  field_reader(std::string_view bytes, size_t at) : bytes_(bytes), at_(at) {}
  [[nodiscard]] bool u8(uint8_t& out);
  [[nodiscard]] bool u32(uint32_t& out);
  [[nodiscard]] bool u64(uint64_t& out);
  [[nodiscard]] bool i64(int64_t& out);
  // A u16 length and the bytes (record_key::text).
  [[nodiscard]] bool text(std::string& out);
  // A u32 length and the bytes (append_fields).
  [[nodiscard]] bool field(std::string& out);
  // A field no longer than a key's text holds (65,535 bytes): a name.
  [[nodiscard]] bool name(std::string& out) { return field(out) && out.size() <= 0xffff; }
  // What is left (a last field); the reader is then at the end.
  [[nodiscard]] std::string_view tail();
  // A non-negative i64 no greater than the bytes left: how many elements
  // follow, each of at least one byte. Read them one by one (never reserve
  // the count): a lying count fails when the bytes run out.
  [[nodiscard]] bool count(size_t& out);
  [[nodiscard]] bool at_end() const { return at_ >= bytes_.size(); }

 private:
  std::string_view bytes_;
  size_t at_;
};

// Values: strings as a u32 length and the bytes, one after the other.
void append_fields(std::string& out, std::initializer_list<const std::string*> fields);
// One such string (field_reader::field), and an integer as 8 big-endian
// bytes (field_reader::i64).
void append_field(std::string& out, std::string_view field);
void append_i64(std::string& out, int64_t v);
// Reads what append_fields wrote from `at` on; false unless it fills every
// field and ends exactly at the end of `in`.
[[nodiscard]] bool read_fields(std::string_view in, size_t at,
                               std::initializer_list<std::string*> fields);

}  // namespace strait::store
