#include "strait/migration/operation.h"

#include "strait/base/big_endian.h"

namespace strait::migration {

namespace {
// Format 1: [1][kind u8][quiet window, ms, u32][force u8].
// Format 2: format 1's fields after [2], then [id u64].
// Format 3: format 2's fields after [3], then [stuck reason u8, not none].
constexpr uint8_t kOperationFormat1 = 1, kOperationFormat2 = 2, kOperationFormat3 = 3;
constexpr size_t kFormat1Size = 7, kFormat2Size = 15, kFormat3Size = 16;
// The API bounds the quiet window at one hour; a stored one longer than a
// day is damage, not a request.
constexpr uint64_t kMaxStoredQuietMs = 24ULL * 3600 * 1000;
}  // namespace

std::string encode_operation(const operation_record& r) {
  const operation_options& o = r.options;
  const bool stuck = r.stuck != stuck_reason::none;
  std::string out(1, static_cast<char>(stuck ? kOperationFormat3 : kOperationFormat2));
  out.push_back(static_cast<char>(o.kind));
  append_big_endian(out, static_cast<uint64_t>(o.quiet_window.count()), 4);
  out.push_back(static_cast<char>(o.force ? 1 : 0));
  append_big_endian(out, o.id, 8);
  if (stuck) out.push_back(static_cast<char>(r.stuck));
  return out;
}

result<operation_record> decode_operation(std::string_view stored) {
  const auto format = stored.empty() ? 0 : static_cast<uint8_t>(stored[0]);
  if (!(format == kOperationFormat1 && stored.size() == kFormat1Size) &&
      !(format == kOperationFormat2 && stored.size() == kFormat2Size) &&
      !(format == kOperationFormat3 && stored.size() == kFormat3Size)) {
    return fail(errc::corruption,
                "a stored operation has an unknown format (written by a newer "
                "straitd, or damaged)");
  }
  operation_record r;
  operation_options& o = r.options;
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
  if (format >= kOperationFormat2) o.id = read_big_endian(stored, 7, 8);
  if (format == kOperationFormat3) {
    const auto stuck = static_cast<uint8_t>(stored[15]);
    if (stuck == 0 || stuck > static_cast<uint8_t>(stuck_reason::fence_refused)) {
      return fail(errc::corruption, "a stored operation's stuck reason is unknown");
    }
    r.stuck = static_cast<stuck_reason>(stuck);
  }
  return r;
}

const char* to_string(op_kind k) { return k == op_kind::cutover ? "cutover" : "rollback"; }

const char* to_string(op_phase p) {
  switch (p) {
    case op_phase::starting:
      return "STARTING";
    case op_phase::waiting_for_quiet:
      return "WAITING_FOR_QUIET";
    case op_phase::mirroring_tail:
      return "MIRRORING_TAIL";
    case op_phase::verifying_tail:
      return "VERIFYING_TAIL";
    case op_phase::handing_over:
      return "HANDING_OVER";
    case op_phase::copying_back:
      return "COPYING_BACK";
    case op_phase::resuming:
      return "RESUMING";
    case op_phase::waiting_for_members:
      return "WAITING_FOR_MEMBERS";
    case op_phase::waiting_for_mirroring:
      return "WAITING_FOR_MIRRORING";
    case op_phase::writing_offsets:
      return "WRITING_OFFSETS";
    case op_phase::done:
      return "DONE";
    case op_phase::cancelled:
      return "CANCELLED";
  }
  return "UNKNOWN";
}

const char* to_string(stuck_reason r) {
  switch (r) {
    case stuck_reason::none:
      return "";
    case stuck_reason::partition_stopped:
      return "partition_stopped";
    case stuck_reason::tail_verification_failed:
      return "tail_verification_failed";
    case stuck_reason::foreign_records:
      return "foreign_records";
    case stuck_reason::state_not_stored:
      return "state_not_stored";
    case stuck_reason::topic_finalized:
      return "topic_finalized";
    case stuck_reason::fence_refused:
      return "fence_refused";
  }
  return "unknown";
}

}  // namespace strait::migration
