#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace strait::store {

// The key spaces other modules own in the checkpoint store: the tag byte
// every key of the space starts with, and the module that encodes its keys
// and values (the only one that reads or writes them). One table, so no two
// modules take the same tag. The store's own spaces, the mirror's offset map
// ('P' checkpoints, 'R' runs, 'T' their target index, 'I' the in-flight
// journal, 'C' created topics, 'U' topic ids, 'K' cluster ids), are written
// only through checkpoint_store's own calls, which keep map_version true, and
// have no value here. Layout: docs/offset-translation.md#rocksdb-layout.
enum class key_space : char {
  group_offset = 'G',  // groupsync: the offset strait last wrote per group and partition
  migration = 'M',     // workflow: topic and group migration states with their operation
  report = 'V',        // verify: verification reports
  audit = 'J',         // api: the audit journal
  request = 'Q',       // api: request ids of mutating calls and their responses
  link = 'L',          // daemon: links (pause flag, API links' definitions)
  staged = 'S',        // daemon: topics and groups staged on a link
};

// A key of one space: its tag, then fields in order, each encoded so that
// keys sort by their fields (big-endian numbers, length-prefixed text).
class key {
 public:
  explicit key(key_space space) : bytes_(1, static_cast<char>(space)) {}
  // A u16 length, then the bytes. Text longer than 65,535 bytes cannot be a
  // key field: callers bound their names first (Kafka's are at most 249).
  key& text(std::string_view s);
  // The bytes as they are: only as the last field (nothing could tell where
  // it ends).
  key& tail(std::string_view s) {
    bytes_.append(s);
    return *this;
  }
  key& u8(uint8_t v) {
    bytes_.push_back(static_cast<char>(v));
    return *this;
  }
  key& u32(uint32_t v);
  key& u64(uint64_t v);
  [[nodiscard]] const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// Reads the fields of a key back in the order key wrote them, after
// `prefix_size` bytes (the tag and the fields the caller already knows).
// Each call returns false, and reads nothing, when the key ends too soon.
class key_reader {
 public:
  key_reader(std::string_view key, size_t prefix_size) : key_(key), at_(prefix_size) {}
  [[nodiscard]] bool text(std::string& out);
  [[nodiscard]] bool u8(uint8_t& out);
  [[nodiscard]] bool u32(uint32_t& out);
  [[nodiscard]] bool u64(uint64_t& out);
  // What is left (a tail field); the reader is then at the end.
  [[nodiscard]] std::string_view tail();
  [[nodiscard]] bool at_end() const { return at_ >= key_.size(); }

 private:
  std::string_view key_;
  size_t at_;
};

// Values: strings as a u32 length and the bytes, one after the other.
void append_fields(std::string& out, std::initializer_list<const std::string*> fields);
// Reads what append_fields wrote from `at` on; false unless it fills every
// field and ends exactly at the end of `in`.
[[nodiscard]] bool read_fields(std::string_view in, size_t at,
                               std::initializer_list<std::string*> fields);

}  // namespace strait::store
