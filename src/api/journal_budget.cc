#include "strait/api/journal_budget.h"

#include <utility>

namespace strait::api {

bool journal_budget::admit(const std::string& who, const std::string& what, clock::time_point now) {
  const std::string key =
      buckets_.contains(who) || buckets_.size() < kMaxCallers ? who : "(other callers)";
  bucket& b = buckets_.try_emplace(key, bucket{now}).first->second;
  if (now - b.start >= window_) {
    close(key, b);
    b = bucket{now};
  }
  if (b.recorded < per_window_) {
    ++b.recorded;
    return true;
  }
  ++b.refused;
  b.last = what;
  return false;
}

void journal_budget::close(const std::string& who, bucket& b) {
  if (b.refused > 0) ended_.push_back({who, b.refused, b.last, window_});
  b.refused = 0;
  b.last.clear();
}

std::vector<journal_budget::summary> journal_budget::take(clock::time_point now, bool all) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (now - it->second.start >= window_) {
      close(it->first, it->second);
      it = buckets_.erase(it);  // its window is over: forget the caller
    } else {
      if (all) close(it->first, it->second);
      ++it;
    }
  }
  return std::exchange(ended_, {});
}

}  // namespace strait::api
