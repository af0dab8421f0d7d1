#include "strait/api/stored_audit_log.h"

#include <limits>

#include "strait/base/audit_chain.h"
#include "strait/base/big_endian.h"
#include "strait/base/text.h"

namespace strait::api {

namespace {

// 1: without chain; 2: the chain (base/audit_chain.h) as a last field.
constexpr uint8_t kAuditFormat = 2;
constexpr uint8_t kRequestFormat = 1;

store::record_key audit_key(uint64_t seq) {
  return store::record_key(store::key_space::audit).u64(seq);
}

store::record_key request_key(const std::string& request_id) {
  return store::record_key(store::key_space::request).tail(request_id);
}

// An entry from its stored key and value (format 1 or 2).
std::optional<audit_record> decode_audit(std::string_view k, std::string_view v) {
  audit_record e;
  store::field_reader key(k, 1);
  store::field_reader value(v, 0);
  uint8_t format = 0;
  if (!key.u64(e.seq) || !key.at_end() || !value.u8(format) || !value.i64(e.at_ms)) {
    return std::nullopt;
  }
  const bool ok = (format == 1 || format == kAuditFormat) && value.field(e.who) &&
                  value.field(e.role) && value.field(e.call) && value.field(e.args_digest) &&
                  value.field(e.result) && value.field(e.state_before) &&
                  value.field(e.state_after) && (format == 1 || value.field(e.chain)) &&
                  value.at_end();
  if (!ok) return std::nullopt;
  return e;
}

}  // namespace

result<std::unique_ptr<stored_audit_log>> stored_audit_log::open(store::checkpoint_store& store) {
  std::unique_ptr<stored_audit_log> log(new stored_audit_log(store));
  const store::record_key prefix(store::key_space::audit);
  auto scanned = store.scan(
      prefix,
      [&](std::string_view k, std::string_view v) -> result<bool> {
        // The last entry: its number goes on; its chain, when it decodes.
        store::field_reader key(k, 1);
        uint64_t seq = 0;
        if (!key.u64(seq) || !key.at_end()) return true;  // not an entry's key: further back
        log->last_ = seq;
        if (auto last = decode_audit(k, v)) log->chain_ = last->chain;
        return false;
      },
      store::scan_direction::backward);
  if (!scanned) return std::unexpected(scanned.error());
  return log;
}

status stored_audit_log::record(const audit_record& entry) {
  audit_record e;
  e.at_ms = entry.at_ms;
  e.who = single_line(entry.who, 128);
  e.role = single_line(entry.role, 32);
  e.call = single_line(entry.call, 64);
  e.args_digest = single_line(entry.args_digest, 64);
  e.result = single_line(entry.result, 2048);
  e.state_before = single_line(entry.state_before);
  e.state_after = single_line(entry.state_after);
  std::lock_guard lock(mu_);
  if (last_ == std::numeric_limits<uint64_t>::max()) {
    return fail(errc::precondition, "the audit journal has no sequence number left");
  }
  const uint64_t seq = last_ + 1;
  const std::string chain = audit_chain_next(
      chain_, seq, e.at_ms,
      {e.who, e.role, e.call, e.args_digest, e.result, e.state_before, e.state_after});
  std::string v(1, static_cast<char>(kAuditFormat));
  append_big_endian(v, static_cast<uint64_t>(e.at_ms), 8);
  store::append_fields(v, {&e.who, &e.role, &e.call, &e.args_digest, &e.result, &e.state_before,
                           &e.state_after, &chain});
  if (auto s = store_.append_durable(audit_key(seq), v); !s) {
    return fail(s.error().code, "cannot append to the audit journal: " + s.error().message);
  }
  chain_ = chain;
  last_ = seq;
  return {};
}

result<std::vector<audit_record>> stored_audit_log::list(uint64_t after, size_t limit) const {
  std::vector<audit_record> out;
  if (after == std::numeric_limits<uint64_t>::max() || limit == 0) return out;
  const store::record_key prefix(store::key_space::audit);
  const store::record_key from = audit_key(after + 1);
  auto scanned = store_.scan(
      prefix,
      [&](std::string_view k, std::string_view v) -> result<bool> {
        auto e = decode_audit(k, v);
        if (!e) {
          store::field_reader key(k, 1);
          uint64_t seq = 0;
          return fail(errc::corruption,
                      key.u64(seq) ? "audit journal entry " + std::to_string(seq) + " is damaged"
                                   : std::string("an audit journal entry's key is damaged"));
        }
        out.push_back(std::move(*e));
        return out.size() < limit;
      },
      store::scan_direction::forward, &from);
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

result<std::optional<request_record>> stored_audit_log::recall(
    const std::string& request_id) const {
  auto raw = store_.get(request_key(request_id));
  if (!raw) return std::unexpected(raw.error());
  if (!*raw) return std::optional<request_record>();
  store::field_reader value(**raw, 0);
  request_record r;
  uint8_t format = 0;
  if (!value.u8(format) || format != kRequestFormat || !value.i64(r.at_ms) ||
      !value.field(r.call) || !value.field(r.args_digest) || !value.field(r.response) ||
      !value.at_end()) {
    return fail(errc::corruption, "the stored response to request id " +
                                      printable(request_id, 256) +
                                      " is damaged; send the call with a new request id");
  }
  return std::optional<request_record>(std::move(r));
}

status stored_audit_log::remember(const std::string& request_id, const request_record& r) {
  std::string v(1, static_cast<char>(kRequestFormat));
  append_big_endian(v, static_cast<uint64_t>(r.at_ms), 8);
  store::append_fields(v, {&r.call, &r.args_digest, &r.response});
  store::checkpoint_store::write_batch b;
  b.put(request_key(request_id), v);
  return store_.commit(b);
}

}  // namespace strait::api
