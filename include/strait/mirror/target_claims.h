#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace strait::mirror {

// Which link writes which target topic, per target cluster, shared by the
// supervisors of one straitd: two links never write the same target topic
// (their records would interleave and both offset maps would be wrong). A
// cluster is named by its id from metadata, not by its bootstrap.servers
// (127.0.0.1:9092 and localhost:9092 are one cluster). Thread-safe.
class target_claims {
 public:
  // Claims `topic` on `cluster` for `link`; true when it is (now or already)
  // the link's. Otherwise `holder` is the link that writes it.
  bool claim(const std::string& cluster_id, const std::string& topic, const std::string& link,
             std::string& holder) {
    std::lock_guard lock(mu_);
    auto [it, added] = owner_.try_emplace({cluster_id, topic}, link);
    holder = it->second;
    return it->second == link;
  }
  // The link that writes `topic` on `cluster`; empty when none does.
  [[nodiscard]] std::string holder(const std::string& cluster_id, const std::string& topic) const {
    std::lock_guard lock(mu_);
    auto it = owner_.find({cluster_id, topic});
    return it == owner_.end() ? std::string() : it->second;
  }
  // Releases every claim of `link` (it stopped).
  void release(const std::string& link) {
    std::lock_guard lock(mu_);
    std::erase_if(owner_, [&](const auto& e) { return e.second == link; });
  }

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::string> owner_;
};

}  // namespace strait::mirror
