#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace strait {

// The hash chain of the audit journal (docs/api.md#audit): entry `seq`
// carries
//   chain(seq) = SHA-256(previous || be64(seq) || be64(at_ms) ||
//                        for each field: be32(size) || bytes)
// in lower-case hex, where `previous` is the 32 bytes of the entry before's
// chain, or 32 zero bytes for the first chained entry (`previous_hex`
// empty). The fields are, in order: who, role, call, args_digest, result,
// state_before, state_after. The store writes it, straitctl audit --verify
// recomputes it, so an entry changed, removed or inserted after the fact
// shows as a break.
[[nodiscard]] std::string audit_chain_next(std::string_view previous_hex, uint64_t seq,
                                           int64_t at_ms,
                                           std::initializer_list<std::string_view> fields);

}  // namespace strait
