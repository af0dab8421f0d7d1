#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace strait {

// A value of T that cannot be mixed with another named_type of the same T.
// Source and target offsets are both int64_t in Kafka; swapping them is the
// bug this project must never have, so the compiler keeps them apart.
template <typename T, typename Tag>
class named_type {
 public:
  using value_type = T;
  constexpr named_type() = default;
  constexpr explicit named_type(T v) : value_(v) {}
  [[nodiscard]] constexpr T value() const { return value_; }
  constexpr auto operator<=>(const named_type&) const = default;

 private:
  T value_{};
};

template <typename T, typename Tag>
std::ostream& operator<<(std::ostream& os, named_type<T, Tag> v) {
  return os << v.value();
}

// Offset of a record in a source partition.
using source_offset = named_type<int64_t, struct source_offset_tag>;
// Offset of a record in a target partition.
using target_offset = named_type<int64_t, struct target_offset_tag>;
// Partition number; source partition N is always mirrored to target partition N.
using partition_id = named_type<int32_t, struct partition_id_tag>;

// One mirrored partition: the link it belongs to, the source topic and the partition.
struct partition_key {
  std::string link;
  std::string topic;
  partition_id partition;

  auto operator<=>(const partition_key&) const = default;
  [[nodiscard]] std::string to_string() const {
    return link + "/" + topic + "/" + std::to_string(partition.value());
  }
};

// A topic's id (KIP-516). Kafka gives every topic a new one when it is
// created, so the same name with another id is another topic. All zero when
// the cluster gives none (before Kafka 2.8).
struct topic_id {
  std::array<uint8_t, 16> bytes{};

  auto operator<=>(const topic_id&) const = default;
  [[nodiscard]] bool known() const { return *this != topic_id{}; }
  // As Kafka's tools print it: URL-safe base64 without padding (22 characters).
  [[nodiscard]] std::string to_string() const {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (uint8_t b : bytes) {
      acc = (acc << 8) | b;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
      }
    }
    if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
    return out;
  }
};

}  // namespace strait
