#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace strait {

// `in` made safe for a terminal or a log line: printable ASCII stays, every
// other byte (control characters, escape sequences, bytes of other
// encodings) becomes \xNN, and text past `max_bytes` of input is cut with
// "...". For text that comes from outside: a broker's error message, a
// group name read from Kafka.
[[nodiscard]] std::string printable(std::string_view in, size_t max_bytes = 512);

}  // namespace strait
