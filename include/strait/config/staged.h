#pragma once

#include <mutex>
#include <set>
#include <string>

namespace strait::config {

// Names an operator added to a link's selection while it runs (the API's
// Stage), on top of the link's include/exclude patterns; stored by the
// daemon, shared by the link's supervisor and group syncer. Grows, but for
// the names of a component moved to another straitd (ADR 0030).
// Thread-safe.
class staged_names {
 public:
  void add(const std::set<std::string>& names) {
    std::lock_guard lock(mu_);
    names_.insert(names.begin(), names.end());
  }
  void remove(const std::set<std::string>& names) {
    std::lock_guard lock(mu_);
    for (const auto& n : names) names_.erase(n);
  }
  [[nodiscard]] bool contains(const std::string& name) const {
    std::lock_guard lock(mu_);
    return names_.contains(name);
  }

 private:
  mutable std::mutex mu_;
  std::set<std::string> names_;
};

}  // namespace strait::config
