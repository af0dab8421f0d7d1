#include "strait/workflow/operation.h"

#include "strait/base/big_endian.h"

namespace strait::workflow {

namespace {
// Format 1: [1][kind u8][quiet window, ms, u32][force u8].
constexpr uint8_t kOperationFormat = 1;
constexpr size_t kOperationSize = 7;
// The API bounds the quiet window at one hour; a stored one longer than a
// day is damage, not a request.
constexpr uint64_t kMaxStoredQuietMs = 24ULL * 3600 * 1000;
}  // namespace

std::string encode_operation(const operation_options& o) {
  std::string out(1, static_cast<char>(kOperationFormat));
  out.push_back(static_cast<char>(o.kind));
  append_big_endian(out, static_cast<uint64_t>(o.quiet_window.count()), 4);
  out.push_back(static_cast<char>(o.force ? 1 : 0));
  return out;
}

result<operation_options> decode_operation(std::string_view stored) {
  if (stored.size() != kOperationSize || static_cast<uint8_t>(stored[0]) != kOperationFormat) {
    return fail(errc::corruption,
                "a stored operation has an unknown format (written by a newer "
                "straitd, or damaged)");
  }
  operation_options o;
  const auto kind = static_cast<uint8_t>(stored[1]);
  if (kind != static_cast<uint8_t>(op_kind::cutover) &&
      kind != static_cast<uint8_t>(op_kind::rollback)) {
    return fail(errc::corruption, "a stored operation has an unknown kind");
  }
  o.kind = static_cast<op_kind>(kind);
  const uint64_t quiet = read_big_endian(stored, 2, 4);
  if (quiet > kMaxStoredQuietMs) {
    return fail(errc::corruption, "a stored operation's quiet window is longer than a day");
  }
  o.quiet_window = std::chrono::milliseconds(quiet);
  const auto force = static_cast<uint8_t>(stored[6]);
  if (force > 1) return fail(errc::corruption, "a stored operation's force flag is damaged");
  o.force = force == 1;
  return o;
}

}  // namespace strait::workflow
