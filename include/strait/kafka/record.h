#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <string>

namespace strait::kafka {

// Calls f(name, value, size) for each header of `msg`; returns false when the
// record has no header list at all (which a digest distinguishes from an
// empty one).
template <typename F>
bool for_each_header(const rd_kafka_message_t* msg, F&& f) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || hdrs == nullptr) {
    return false;
  }
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0;
       rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    f(name, value, size);
  }
  return true;
}

// Digest of a record as both clusters see it: key, value (null kept apart from
// empty), headers and, when `with_timestamp`, the timestamp. Stable across
// builds (base/digest.h), so it may be stored and compared later.
[[nodiscard]] uint64_t digest_of(const rd_kafka_message_t* msg, bool with_timestamp);

// Fingerprint of a record's key, value and headers (null kept apart from
// empty; not the timestamp, which a target topic with LogAppendTime
// replaces). XXH3-64: fast enough to take of every mirrored record (the
// in-flight journal, ADR 0009) and stable across builds and machines, so it
// may be stored. Not cryptographic.
[[nodiscard]] uint64_t fingerprint_of(const rd_kafka_message_t* msg);

// True when the record's timestamp was set by its producer (CreateTime), so
// a copy must carry the same one; LogAppendTime is the broker's own.
[[nodiscard]] bool has_create_time(const rd_kafka_message_t* msg);

}  // namespace strait::kafka
