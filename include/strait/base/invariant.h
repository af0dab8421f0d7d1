#pragma once

#include <cstdint>
#include <source_location>
#include <string_view>

namespace strait {

// Invariants: what strait's own code guarantees (an offset never goes back
// within a pipeline, a delivery report answers a record in flight). A breach
// is a bug in strait or in a library it runs in-process, never a fact about
// the clusters: a slow, dead or lying broker is normal and gets its own stop
// reason. In Envoy's spirit (ENVOY_BUG), a breach never aborts the process:
// it is logged at error with where it happened, counted in the process-wide
// strait_internal_errors_total (metrics::registry renders it), and the caller
// stops only the work it concerns (a partition as
// store::stop_reason::internal_error, which is not acknowledgeable as a data
// incident: docs/architecture.md#stopped-partitions).
//
// STRAIT_CHECK(condition, detail) is the condition, reporting when it is false:
//   if (!STRAIT_CHECK(s >= pos, "source offset went back")) { stop...; return; }
// STRAIT_BUG(detail) reports unconditionally (a branch that must not run).
// `detail` is a std::string_view-convertible description of the facts (no
// secrets, no raw record bytes); it is escaped before it is logged.

// Reports a breach; always false, so it can end a STRAIT_CHECK.
bool invariant_breached(std::string_view condition, std::string_view detail,
                        std::source_location where = std::source_location::current());
// Breaches reported since the process started.
[[nodiscard]] uint64_t internal_errors_total();

}  // namespace strait

#define STRAIT_CHECK(condition, detail) \
  (static_cast<bool>(condition) || ::strait::invariant_breached(#condition, (detail)))
#define STRAIT_BUG(detail) ((void)::strait::invariant_breached("", (detail)))
