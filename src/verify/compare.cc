#include "strait/verify/compare.h"

namespace strait::verify {

void compare_window(const std::vector<expected_record>& expected,
                    const std::vector<record_seen>& landed, const std::string& where,
                    partition_result& out) {
  auto differ = [&](int64_t& counter, std::string what) {
    ++counter;
    if (out.first_difference.empty()) out.first_difference = std::move(what);
  };
  size_t i = 0, j = 0;
  while (i < expected.size() || j < landed.size()) {
    if (j == landed.size() ||
        (i < expected.size() && expected[i].target_offset < landed[j].offset)) {
      differ(out.missing_on_target,
             "source " + where + "@" + std::to_string(expected[i].source.offset) +
                 " maps to target offset " + std::to_string(expected[i].target_offset) +
                 ", which holds no record");
      ++i;
    } else if (i == expected.size() || landed[j].offset < expected[i].target_offset) {
      differ(out.unexpected_target, "target offset " + std::to_string(landed[j].offset) +
                                        " holds a record no source record maps to");
      ++j;
    } else {
      const record_seen& s = expected[i].source;
      const record_seen& d = landed[j];
      const std::string pair = "source " + where + "@" + std::to_string(s.offset) +
                               " and target offset " + std::to_string(d.offset);
      if (s.digest != d.digest) {
        differ(out.mismatched, pair + " differ in key, value or headers");
      } else if (s.create_time && d.create_time && s.timestamp != d.timestamp) {
        differ(out.mismatched, pair + " differ in timestamp");
      }
      ++i;
      ++j;
    }
  }
}

void forgive_compaction(partition_result& out) {
  const int64_t one_sided = out.missing_on_target + out.unexpected_target;
  if (one_sided == 0) return;
  out.note += std::string(out.note.empty() ? "" : "; ") +
              "compacted topic: " + std::to_string(one_sided) +
              " records on one side only (compaction), not counted as differences";
  out.missing_on_target = 0;
  out.unexpected_target = 0;
  if (out.mismatched == 0 && out.unmapped_source == 0) out.first_difference.clear();
}

}  // namespace strait::verify
