#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace strait::api {

// How many refused calls (and calls of viewers and operators that act) of
// one caller the audit journal records in a window
// (docs/security.md#audit). Each caller (a token's or certificate's name;
// every unauthenticated caller is "unauthenticated") may have `per_window`
// calls recorded per window; beyond that its calls are refused and only
// counted, and each window's count becomes one summary entry once the window
// has ended. A flood of refused calls therefore costs at most `per_window`
// fsync'd entries plus one per window, and one caller's flood never uses
// another caller's budget. Not thread-safe: the API server holds its lock.
class journal_budget {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr size_t kMaxCallers = 1024;  // more names share one budget

  journal_budget(int per_window, clock::duration window)
      : per_window_(per_window), window_(window) {}

  // Whether a call of `who` may be recorded now (then it counts against the
  // budget); if not, it is counted for the summary with `what` as its last.
  bool admit(const std::string& who, const std::string& what, clock::time_point now);

  struct summary {
    std::string who;
    uint64_t refused = 0;  // calls not recorded one by one
    std::string last;      // the last of them
    clock::duration over;  // the length of the window they fell in
  };
  // The counts of windows that have ended (each returned once); with
  // `all`, also those of windows still open (at shutdown).
  std::vector<summary> take(clock::time_point now, bool all = false);

 private:
  struct bucket {
    clock::time_point start;
    int recorded = 0;
    uint64_t refused = 0;
    std::string last;
  };
  void close(const std::string& who, bucket& b);  // moves b's count to ended_

  int per_window_;
  clock::duration window_;
  std::map<std::string, bucket> buckets_;  // callers with a window open
  std::vector<summary> ended_;             // counts of ended windows, until take()
};

}  // namespace strait::api
