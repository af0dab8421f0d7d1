#pragma once

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

}  // namespace strait
