#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "strait/api/status.h"
#include "strait/store/checkpoint_store.h"

namespace strait::api {

// The audit journal and the request ids of mutating calls on the checkpoint
// store: its 'J' and 'Q' key spaces (store/key_space.h), which only this
// class reads and writes. Thread-safe (the API server's threads). One per
// store: it keeps the journal's sequence number; a second one on the same
// store would find its next number taken, and refuses to write there
// (append_durable never replaces an entry). straitd has one while it runs;
// its offline commands, which run only while straitd does not, open their
// own.
//
// 'J': key 'J' + sequence number (u64); value format 2: [2][at_ms u64], then
// who, role, call, args digest, result, state before, state after and the
// chain (base/audit_chain.h), each as a u32 length and the bytes. Format 1,
// the same without the chain, is still read. Written with fsync, never
// changed or deleted.
// 'Q': key 'Q' + the request id as it is; value [1][at_ms u64], then call,
// args digest and response the same way.
class stored_audit_log final : public audit_log {
 public:
  // Reads where the journal ends (its last sequence number and chain);
  // `store` must outlive the log. A damaged or unchained last entry restarts
  // the chain (straitctl audit --verify shows where).
  [[nodiscard]] static result<std::unique_ptr<stored_audit_log>> open(
      store::checkpoint_store& store);

  // Appends durably (fsync), under the next sequence number. Every text field is stored
  // single_line() and bounded (who 128 bytes, role 32, call 64, digest 64, result 2 KiB, states 64
  // KiB), with the chain over what is stored: writers' fields hold request fields and names from
  // Kafka, and `straitctl audit` prints them as table rows.
  [[nodiscard]] status record(const audit_record& r) override;
  [[nodiscard]] result<std::vector<audit_record>> list(uint64_t after, size_t limit) const override;
  [[nodiscard]] result<std::optional<request_record>> recall(
      const std::string& request_id) const override;
  [[nodiscard]] status remember(const std::string& request_id, const request_record& r) override;

 private:
  explicit stored_audit_log(store::checkpoint_store& store) : store_(store) {}
  store::checkpoint_store& store_;
  std::mutex mu_;      // serializes sequence numbers of record()
  uint64_t last_ = 0;  // guarded by mu_
  std::string chain_;  // the last entry's chain; guarded by mu_
};

}  // namespace strait::api
