#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strait {

// The low `bytes` bytes of `v`, most significant first, appended to `out`:
// the byte order of every integer strait writes to disk or hashes, so that
// keys sort as numbers and a digest does not depend on the host.
inline void append_big_endian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// The `bytes`-byte big-endian integer at `in[at]`. The caller has checked
// that `in` holds at least `at + bytes` bytes.
inline uint64_t read_big_endian(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}

}  // namespace strait
