// Shared by the API component tests.
#pragma once

#include <mutex>
#include <vector>

#include "strait/api/status.h"

namespace strait::api {

// The audit journal in memory, for servers under test.
class memory_audit : public audit_log {
 public:
  status record(const audit_record& r) override {
    std::lock_guard lock(mu_);
    entries_.push_back(r);
    entries_.back().seq = entries_.size();
    return {};
  }
  result<std::vector<audit_record>> list(uint64_t after, size_t limit) const override {
    std::lock_guard lock(mu_);
    std::vector<audit_record> out;
    for (const auto& e : entries_) {
      if (e.seq > after && out.size() < limit) out.push_back(e);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<audit_record> entries_;
};

}  // namespace strait::api
