#include "strait/mirror/recovery.h"

#include <algorithm>

namespace strait::mirror {

journal_recovery recover_from_journal(const offsets::mirror_position& pos,
                                      std::optional<offsets::offset_run> tail,
                                      std::span<const store::inflight_entry> journal,
                                      std::span<const landed_record> landed) {
  journal_recovery out{pos, tail, {}, 0, {}, false};
  offsets::run_appender runs(tail);
  auto entry = std::lower_bound(
      journal.begin(), journal.end(), pos.next_target,
      [](const store::inflight_entry& e, target_offset t) { return e.target < t; });
  // Appends one journal entry to the map; false (and `mismatch` set) when it
  // would go backwards, which only a damaged store can cause.
  auto append = [&](const store::inflight_entry& e) {
    if (auto kind = runs.append(out.position, e.source, e.target); !kind) {
      out.mismatch = "the in-flight journal maps target offset " +
                     std::to_string(e.target.value()) + " to source offset " +
                     std::to_string(e.source.value()) +
                     ", behind the checkpoint: " + kind.error().message;
      out.damaged = true;
      return false;
    }
    ++out.recovered;
    return true;
  };
  for (const landed_record& rec : landed) {
    // Journal entries below `rec` that were not read back: the target
    // compacted them. They landed all the same (the producer delivers in
    // order), which `rec` matching its own entry proves below.
    auto unread = entry;
    while (entry != journal.end() && entry->target < rec.offset) ++entry;
    if (entry == journal.end() || entry->target != rec.offset) break;  // not journaled
    if (entry->fingerprint != rec.fingerprint) {
      out.mismatch = "after a restart the target holds a record at offset " +
                     std::to_string(rec.offset.value()) +
                     " that is not the one strait wrote there (source offset " +
                     std::to_string(entry->source.value()) +
                     "); someone else wrote to the target partition";
      break;
    }
    while (unread != std::next(entry) && append(*unread)) ++unread;
    if (out.damaged) break;
    ++entry;
  }
  out.tail = runs.tail();
  out.runs = runs.unstored();
  return out;
}

std::vector<identity_window> identity_windows(const std::optional<offsets::offset_run>& oldest,
                                              const offsets::offset_run& tail, int64_t source_low,
                                              int64_t target_low, int64_t n) {
  // The offsets of `run` both clusters hold start here.
  const auto held_from = [&](const offsets::offset_run& run) {
    const int64_t shift = run.target_start.value() - run.source_start.value();
    return std::max({run.source_start.value(), source_low, target_low - shift});
  };
  const offsets::offset_run first = oldest.value_or(tail);
  identity_window head{first, held_from(first), 0};
  head.to = std::min(first.source_end().value(), head.from + n);
  identity_window last{tail, std::max(held_from(tail), tail.source_end().value() - n),
                       tail.source_end().value()};
  if (head.run == last.run && last.from <= head.to) {  // one run, windows meet: one window
    head.to = last.to;
    last.from = last.to;
  }
  std::vector<identity_window> out;
  for (const identity_window& w : {head, last}) {
    if (w.from < w.to) out.push_back(w);
  }
  return out;
}

identity_verdict compare_through_run(const offsets::offset_run& run,
                                     std::span<const read_back_record> source,
                                     std::span<const read_back_record> target) {
  identity_verdict out;
  for (const read_back_record& s : source) {
    if (!run.contains(source_offset(s.offset))) continue;
    const int64_t t = run.target_start.value() + (s.offset - run.source_start.value());
    auto copy = std::lower_bound(
        target.begin(), target.end(), t,
        [](const read_back_record& r, int64_t offset) { return r.offset < offset; });
    if (copy == target.end() || copy->offset != t) continue;  // compacted on the target
    const bool equal = copy->create_time && s.timestamp_kept
                           ? s.digest_with_timestamp == copy->digest_with_timestamp
                           : s.digest_without_timestamp == copy->digest_without_timestamp;
    if (!equal) return {same_source::no, source_offset(s.offset), target_offset(t)};
    out.verdict = same_source::yes;
  }
  return out;
}

}  // namespace strait::mirror
