#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strait {

// `in` made safe for a terminal or a log line: printable ASCII stays, every
// other byte (control characters, escape sequences, bytes of other
// encodings) becomes \xNN, and text past `max_bytes` of input is cut with
// "...". For text that comes from outside: a broker's error message, a
// group name read from Kafka.
[[nodiscard]] std::string printable(std::string_view in, size_t max_bytes = 512);

// `in` kept on one line and harmless to a terminal: control characters
// (newlines and escape sequences included) and every byte outside ASCII
// become \xNN, and text past `max_bytes` of input is cut with "...". Unlike
// printable() a backslash stays as it is, so regexes and messages stay
// readable; for text meant for people (log lines, the audit journal,
// straitctl's tables), where what matters is that no one can forge a line
// or drive the terminal.
[[nodiscard]] std::string single_line(std::string_view in, size_t max_bytes = 64 * 1024);

// `bytes` as lower-case hex, two digits a byte.
[[nodiscard]] std::string hex(std::string_view bytes);

// Milliseconds since the epoch as UTC, e.g. 2026-11-21T09:13:16Z.
[[nodiscard]] std::string utc_time(int64_t ms);

// A duration in seconds to a tenth, e.g. "2.5 s".
[[nodiscard]] std::string seconds_text(double seconds);

}  // namespace strait
