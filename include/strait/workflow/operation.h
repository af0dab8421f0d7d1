#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "strait/base/result.h"

namespace strait::workflow {

// What an operator asked of one topic's or group's move: the part of an
// operation that must outlive a restart. It is stored with the object's
// migration state, in the same write as the transition that starts the
// operation (or alone, when a request starts again an operation that stopped
// on an error, in the same state), so an operation resumed after a crash
// keeps the operator's quiet window and force instead of defaults.
enum class op_kind : uint8_t { cutover = 1, rollback = 2 };

inline constexpr std::chrono::milliseconds kDefaultQuietWindow{5000};

struct operation_options {
  op_kind kind = op_kind::cutover;
  // Topics: how long the watched cluster's end offsets must stay unchanged
  // before the hand-over. Unused by groups.
  std::chrono::milliseconds quiet_window = kDefaultQuietWindow;
  bool force = false;  // the operator overrode the overridable guards
  friend bool operator==(const operation_options&, const operation_options&) = default;
};

// The stored form: a format byte, then fixed-width fields. decode_operation
// refuses anything else (errc::corruption, naming what is wrong) rather than
// resume an operation with options nobody asked for.
[[nodiscard]] std::string encode_operation(const operation_options& o);
[[nodiscard]] result<operation_options> decode_operation(std::string_view stored);

}  // namespace strait::workflow
