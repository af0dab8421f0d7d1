#include "strait/api/journal_budget.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "strait/base/text.h"

namespace strait::api {

namespace {

constexpr const char* kOtherNetworks = "unauthenticated (other networks)";

}  // namespace

bool journal_budget::admit(const std::string& who, bool authenticated, const std::string& what,
                           clock::time_point now) {
  const bool shared = !authenticated && !buckets_.contains(who) &&
                      unauthenticated_buckets_ >= kMaxUnauthenticatedKeys;
  const std::string key = shared ? kOtherNetworks : who;
  auto [it, added] = buckets_.try_emplace(key, bucket{now, !authenticated && !shared});
  bucket& b = it->second;
  if (added && b.network_slot) ++unauthenticated_buckets_;
  if (now - b.start >= window_) {
    close(key, b);
    b = bucket{now, b.network_slot};
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
      if (it->second.network_slot) --unauthenticated_buckets_;
      it = buckets_.erase(it);  // its window is over: forget the caller
    } else {
      if (all) close(it->first, it->second);
      ++it;
    }
  }
  return std::exchange(ended_, {});
}

std::string unauthenticated_key(std::string_view peer) {
  // The network of an address: /24 of IPv4 (an IPv4-mapped IPv6 address
  // too), /48 of IPv6; "" when it is not one.
  auto network = [](int family, std::string_view address) -> std::string {
    unsigned char bytes[16] = {};
    std::string text(address.substr(0, address.find('%')));  // without a zone ("%25eth0")
    if (inet_pton(family, text.c_str(), bytes) != 1) return "";
    const bool v4_mapped = family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(bytes);
    if (v4_mapped) {
      std::memmove(bytes, bytes + 12, 4);
      family = AF_INET;
    }
    const int keep = family == AF_INET ? 3 : 6;  // /24, /48
    std::fill(bytes + keep, bytes + 16, 0);
    char out[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(family, bytes, out, sizeof out) == nullptr) return "";
    return std::string(out) + (family == AF_INET ? "/24" : "/48");
  };
  std::string net;
  if (peer.starts_with("ipv4:")) {
    const std::string_view a = peer.substr(5);
    net = network(AF_INET, a.substr(0, a.rfind(':')));
  } else if (peer.starts_with("ipv6:")) {
    // "[addr]:port", or with the brackets percent-encoded (either case).
    std::string a(peer.substr(5));
    for (const char* open : {"%5B", "%5b"}) {
      if (a.starts_with(open)) a = "[" + a.substr(3);
    }
    for (const char* close : {"%5D", "%5d"}) {
      if (const size_t at = a.find(close); at != std::string::npos) a.replace(at, 3, "]");
    }
    const size_t end = a.find(']');
    if (a.starts_with("[") && end != std::string::npos) {
      net = network(AF_INET6, std::string_view(a).substr(1, end - 1));
    }
  }
  if (net.empty()) net = single_line(peer.substr(0, peer.rfind(':')), 200);
  return "unauthenticated " + net;
}

}  // namespace strait::api
