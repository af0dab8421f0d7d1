#include "strait/api/journal_budget.h"

#include <arpa/inet.h>

#include <utility>

#include "strait/base/text.h"

namespace strait::api {

namespace {

constexpr const char* kOtherNetworks = "unauthenticated (other networks)";

}  // namespace

bool journal_budget::admit(const std::string& who, bool authenticated, const std::string& what,
                           clock::time_point now) {
  std::string key = who;
  if (!authenticated && !buckets_.contains(who) &&
      unauthenticated_buckets_ >= kMaxUnauthenticatedKeys) {
    key = kOtherNetworks;
  }
  auto [it, added] = buckets_.try_emplace(key, bucket{now, authenticated});
  if (added && !authenticated && key != kOtherNetworks) ++unauthenticated_buckets_;
  bucket& b = it->second;
  if (now - b.start >= window_) {
    close(key, b);
    b = bucket{now, b.authenticated};
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
      if (!it->second.authenticated && it->first != kOtherNetworks) --unauthenticated_buckets_;
      it = buckets_.erase(it);  // its window is over: forget the caller
    } else {
      if (all) close(it->first, it->second);
      ++it;
    }
  }
  return std::exchange(ended_, {});
}

std::string unauthenticated_key(std::string_view peer) {
  auto network = [](int family, std::string_view address) -> std::string {
    unsigned char bytes[16] = {};
    const std::string text(address);
    if (inet_pton(family, text.c_str(), bytes) != 1) return "";
    const int keep = family == AF_INET ? 3 : 8;  // /24, /64
    for (int i = keep; i < (family == AF_INET ? 4 : 16); ++i) bytes[i] = 0;
    char out[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(family, bytes, out, sizeof out) == nullptr) return "";
    return std::string(out) + (family == AF_INET ? "/24" : "/64");
  };
  std::string net;
  if (peer.starts_with("ipv4:")) {
    std::string_view a = peer.substr(5);
    net = network(AF_INET, a.substr(0, a.rfind(':')));
  } else if (peer.starts_with("ipv6:")) {
    std::string_view a = peer.substr(5);
    // "[addr]:port", or with the brackets percent-encoded.
    std::string_view open = a.starts_with("%5B") ? "%5B" : "[";
    std::string_view close = a.starts_with("%5B") ? "%5D" : "]";
    if (a.starts_with(open)) {
      const size_t end = a.find(close);
      if (end != std::string_view::npos) {
        net = network(AF_INET6, a.substr(open.size(), end - open.size()));
      }
    }
  }
  if (net.empty()) net = single_line(peer.substr(0, peer.rfind(':')), 200);
  return "unauthenticated " + net;
}

}  // namespace strait::api
