#pragma once

#include <map>
#include <string>

#include "strait/base/result.h"
#include "strait/config/config.h"

namespace strait::daemon {

// The schema gate of a producer cutover (ADR 0027, docs/cutover.md#the-schema-gate):
// with the link's schemas section, the newest records of each topic about
// to be cut over (`topics`: name -> partitions, -1 when not known: the gate
// cannot tell) are read on the source (the
// last kGateRecords of each partition, read_committed), the ids they carry
// in Confluent's wire format (key and value) that the source registry
// serves are looked up on the target registry, and an id the target does
// not serve as the source does refuses the cutover (errc::precondition,
// naming topic, partition, offset and id, and the fix), as does a gate
// that cannot tell (a cluster or registry unreadable). `force`: the
// cutover goes on; the log names who forced it and what was found.
// Without a schemas section: nothing read, ok.
//
// Threads: the API's calling thread; blocking (reads and HTTP requests).
[[nodiscard]] status schema_gate(const config::link_config& cfg,
                                 const std::map<std::string, int>& topics, bool force,
                                 const std::string& requested_by);

inline constexpr int64_t kGateRecords = 100;

}  // namespace strait::daemon
