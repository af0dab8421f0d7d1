#include "strait/base/audit_chain.h"

#include "strait/base/big_endian.h"
#include "strait/base/digest.h"
#include "strait/base/text.h"

namespace strait {

namespace {

// 32 raw bytes from 64 hex digits; zeros for "" or anything malformed (the
// next value then differs from the stored one, which shows as a break).
std::string from_hex(std::string_view hex) {
  std::string out(32, '\0');
  if (hex.size() != 64) return out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::string(32, '\0');
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

std::string audit_chain_next(std::string_view previous_hex, uint64_t seq, int64_t at_ms,
                             std::initializer_list<std::string_view> fields) {
  std::string input = from_hex(previous_hex);
  append_big_endian(input, seq, 8);
  append_big_endian(input, static_cast<uint64_t>(at_ms), 8);
  for (std::string_view f : fields) {
    append_big_endian(input, f.size(), 4);
    input.append(f);
  }
  return hex(sha256(input));
}

}  // namespace strait
