#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace strait::api {

// How many refused calls (and calls of viewers and operators that act) of
// one caller the audit journal records in a window
// (docs/security.md#audit). Each caller may have `per_window` calls
// recorded per window; beyond that its calls are only counted, and each
// window's count becomes one summary entry once the window has ended.
//
// Callers are of two kinds. An authenticated caller (a token's or a
// certificate's name, issued by the operator) always has a budget of its
// own. Unauthenticated callers are keyed by their network
// (unauthenticated_key()); at most kMaxUnauthenticatedKeys networks have a
// budget of their own at once, every other one shares one more. So a flood
// from anywhere costs at most (kMaxUnauthenticatedKeys + 1) * per_window
// entries a window plus their summaries, and never uses an authenticated
// caller's budget. Pure logic, not thread-safe: budgeted_journal holds its
// lock.
class journal_budget {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr size_t kMaxUnauthenticatedKeys = 16;

  journal_budget(int per_window, clock::duration window)
      : per_window_(per_window), window_(window) {}

  // Whether a call of `who` may be recorded now (then it counts against the
  // budget); if not, it is counted for the summary with `what` as its last.
  // `who` is a name, or an unauthenticated_key() when !authenticated.
  bool admit(const std::string& who, bool authenticated, const std::string& what,
             clock::time_point now);

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
    bool network_slot = false;  // one of the kMaxUnauthenticatedKeys own budgets
    int recorded = 0;
    uint64_t refused = 0;
    std::string last;
  };
  void close(const std::string& who, bucket& b);  // moves b's count to ended_

  int per_window_;
  clock::duration window_;
  std::map<std::string, bucket> buckets_;  // callers with a window open
  size_t unauthenticated_buckets_ = 0;     // of buckets_, those of networks
  std::vector<summary> ended_;             // counts of ended windows, until take()
};

// The journal's name for an unauthenticated caller at gRPC peer `peer`
// ("ipv4:203.0.113.7:5000", "ipv6:[2001:db8::1]:5000"): its network, /24
// for IPv4 (and IPv4-mapped IPv6) and /48 for IPv6 (one site's allocation:
// a /56 or /64 holder cannot take every budget), e.g.
// "unauthenticated 203.0.113.0/24"; any other peer without its port.
// Escaped for the journal.
[[nodiscard]] std::string unauthenticated_key(std::string_view peer);

}  // namespace strait::api
