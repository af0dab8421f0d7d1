#include "strait/scan/estimates.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

namespace strait::scan {

namespace {

// Union-find over topic indices.
class components {
 public:
  explicit components(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t find(size_t i) {
    while (parent_[i] != i) {
      parent_[i] = parent_[parent_[i]];
      i = parent_[i];
    }
    return i;
  }
  void join(size_t a, size_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<size_t> parent_;
};

// printf into a string (GCC 12 has no <format>); texts here are short.
template <typename... Args>
std::string text(const char* format, Args... args) {
  char out[512];
  std::snprintf(out, sizeof(out), format, args...);
  return out;
}

std::string duration_text(int64_t ms) {
  if (ms < 60'000) return text("%.1f s", static_cast<double>(ms) / 1000);
  if (ms < 3'600'000) return text("%lld min", static_cast<long long>(ms / 60'000));
  if (ms < 172'800'000) return text("%.1f h", static_cast<double>(ms) / 3'600'000);
  return text("%.1f d", static_cast<double>(ms) / 86'400'000);
}

}  // namespace

std::vector<wave> plan_waves(const std::vector<topic_row>& topics,
                             const std::vector<group_row>& groups) {
  std::map<std::string, size_t> index;  // selected topic -> its index in `selected`
  std::vector<const topic_row*> selected;
  for (const auto& t : topics) {
    if (!t.selected) continue;
    index.emplace(t.name, selected.size());
    selected.push_back(&t);
  }
  components c(selected.size());
  // The first selected topic each group reads, to join the others to.
  std::vector<std::pair<const group_row*, size_t>> readers;
  for (const auto& g : groups) {
    std::optional<size_t> first;
    for (const auto& name : g.topics) {
      auto it = index.find(name);
      if (it == index.end()) continue;
      if (first) {
        c.join(*first, it->second);
      } else {
        first = it->second;
      }
    }
    if (first) readers.emplace_back(&g, *first);
  }
  std::map<size_t, wave> by_root;
  for (size_t i = 0; i < selected.size(); ++i) {
    auto& w = by_root[c.find(i)];
    w.topics.push_back(selected[i]->name);
    w.records += selected[i]->records;
    w.backlog += selected[i]->backlog;
  }
  for (const auto& [g, first] : readers) by_root[c.find(first)].groups.push_back(g->id);
  std::vector<wave> out;
  out.reserve(by_root.size());
  for (auto& [root, w] : by_root) {
    std::sort(w.topics.begin(), w.topics.end());
    std::sort(w.groups.begin(), w.groups.end());
    out.push_back(std::move(w));
  }
  std::sort(out.begin(), out.end(), [](const wave& a, const wave& b) {
    return std::tie(a.backlog, a.records, a.topics.front()) <
           std::tie(b.backlog, b.records, b.topics.front());
  });
  for (size_t i = 0; i < out.size(); ++i) out[i].number = static_cast<int>(i + 1);
  return out;
}

catch_up estimate_catch_up(int64_t backlog, int64_t mirrored, int64_t produced, int64_t window_ms) {
  catch_up out;
  if (window_ms <= 0) {
    out.note = "no sampling window was measured";
    return out;
  }
  const double seconds = static_cast<double>(window_ms) / 1000.0;
  out.mirror_records_per_s = static_cast<double>(std::max<int64_t>(mirrored, 0)) / seconds;
  out.source_records_per_s = static_cast<double>(std::max<int64_t>(produced, 0)) / seconds;
  if (backlog <= 0) {
    out.catch_up_ms = 0;
    out.status = catch_up_status::caught_up;
    out.note = "caught up";
    return out;
  }
  if (mirrored <= 0) {
    out.status = catch_up_status::no_rate;
    out.note =
        "the mirror did not advance during the window (not started, paused or stopped): no rate "
        "to estimate from; scan again while the link mirrors";
    return out;
  }
  const double net = out.mirror_records_per_s - out.source_records_per_s;
  // A mirror that copies as fast as the source grows keeps a steady lag
  // (what is in flight): its two samples differ by the checkpoint interval
  // and delivery, so "as fast" allows 5 % or half a second of mirroring.
  const double deficit = static_cast<double>(produced - mirrored);
  if (net <= 0 &&
      deficit <= std::max(static_cast<double>(produced) / 20, out.mirror_records_per_s / 2)) {
    out.catch_up_ms =
        static_cast<int64_t>(static_cast<double>(backlog) / out.mirror_records_per_s * 1000.0);
    out.status = catch_up_status::keeping_pace;
    out.note = text("keeping pace with the source: a steady lag of %lld records, about ",
                    static_cast<long long>(backlog)) +
               duration_text(out.catch_up_ms);
    return out;
  }
  if (net <= 0) {
    out.status = catch_up_status::falls_behind;
    out.note =
        text("the mirror falls behind: it advanced %.0f records/s while the source grew %.0f/s",
             out.mirror_records_per_s, out.source_records_per_s);
    return out;
  }
  out.catch_up_ms = static_cast<int64_t>(static_cast<double>(backlog) / net * 1000.0);
  out.status = catch_up_status::estimated;
  out.note = duration_text(out.catch_up_ms) + text(" at %.0f records/s net", net);
  return out;
}

headroom retention_headroom(const topic_row& t, int64_t catch_up_ms) {
  if (!t.selected) return {rating::green, "not mirrored by this link"};
  if (t.unread_partitions > 0) {
    return {rating::yellow, text("the watermarks of %d partitions could not be read: the backlog "
                                 "is unknown",
                                 t.unread_partitions)};
  }
  if (t.backlog <= 0) {
    return {rating::green, t.handed_over_partitions > 0 && t.handed_over_partitions == t.partitions
                               ? "cut over: the target is primary"
                               : "no backlog"};
  }
  if (!t.configs_error.empty()) {
    return {rating::yellow,
            "its configs could not be read (" + t.configs_error + "): its retention is unknown"};
  }
  // "compact" alone keeps every key's last record for ever; "compact,delete"
  // and "delete" delete by time.
  const bool deletes =
      t.cleanup_policy.empty() || t.cleanup_policy.find("delete") != std::string::npos;
  if (!deletes) return {rating::green, "compacted, not deleted by time"};
  if (t.retention_ms < 0 && t.retention_bytes < 0) return {rating::green, "kept for ever"};
  if (t.retention_ms < 0) {
    return {rating::yellow,
            text("retention.bytes=%lld deletes by size: headroom by time cannot be told",
                 static_cast<long long>(t.retention_bytes))};
  }
  if (catch_up_ms < 0) {
    return {rating::red,
            text("a backlog of %lld records and the mirror does not catch up (see "
                 "the catch-up note); retention %s",
                 static_cast<long long>(t.backlog), duration_text(t.retention_ms).c_str())};
  }
  if (t.oldest_unmirrored_age_ms < 0) {
    return {rating::yellow, "the oldest unmirrored record could not be read: its age is unknown"};
  }
  const int64_t left = t.retention_ms - t.oldest_unmirrored_age_ms - catch_up_ms;
  if (left < 0) {
    return {rating::red,
            text("the oldest unmirrored record is %s old, retention is %s and the mirror needs %s "
                 "to catch up: records will be deleted before they are mirrored",
                 duration_text(t.oldest_unmirrored_age_ms).c_str(),
                 duration_text(t.retention_ms).c_str(), duration_text(catch_up_ms).c_str())};
  }
  std::string spare =
      text("%s to spare (retention %s, oldest unmirrored record %s old, catch-up %s)",
           duration_text(left).c_str(), duration_text(t.retention_ms).c_str(),
           duration_text(t.oldest_unmirrored_age_ms).c_str(), duration_text(catch_up_ms).c_str());
  if (t.retention_bytes >= 0) {
    return {rating::yellow, spare + text("; retention.bytes=%lld may delete sooner",
                                         static_cast<long long>(t.retention_bytes))};
  }
  if (left < t.retention_ms / 4 || left < 3'600'000) return {rating::yellow, spare};
  if (t.unsampled_partitions > 0) {
    return {rating::yellow, spare + text("; %d partitions with a backlog were not sampled: their "
                                         "oldest record may be older",
                                         t.unsampled_partitions)};
  }
  return {rating::green, spare};
}

}  // namespace strait::scan
