#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace strait {

// Stable 64-bit digest (FNV-1a) used to compare records across clusters: the
// same bytes give the same digest in every build and on every machine, so a
// digest may be stored or printed in a report. Not cryptographic.
class record_digest {
 public:
  void add(std::string_view bytes);
  // Distinguishes "no key" from "empty key", and a null value (tombstone) from "".
  void add_nullable(const void* data, size_t len);
  void add_int(int64_t v);
  [[nodiscard]] uint64_t value() const { return h_; }
  // value() as 16 lower-case hex digits.
  [[nodiscard]] std::string hex() const;

 private:
  uint64_t h_ = 14695981039346656037ull;
};

// FNV-1a (64 bits) of the bytes as they are: where placement is computed
// from a name (an engine thread's partitions, ADR 0029; a straitd's topics
// and groups, ADR 0030). Stable forever: changing it would move what is
// placed by it (the unit tests pin values computed outside strait).
[[nodiscard]] constexpr uint64_t fnv1a64(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

// SHA-256 of `bytes`: 32 raw bytes. For what must resist a forger (API
// token digests, the audit journal's chain), unlike record_digest.
[[nodiscard]] std::string sha256(std::string_view bytes);

}  // namespace strait
