#pragma once

#include <expected>
#include <string>
#include <utility>

namespace strait {

// What went wrong, coarse enough to map onto an exit code or a gRPC status in
// one place. The message is for people: it names the field or object and, where
// there is one, the fix. It never contains a secret.
enum class errc {
  invalid_argument,  // bad configuration or input; the message names the field
  not_found,
  corruption,    // durable state unreadable or inconsistent: never reset silently
  io,            // local disk / RocksDB failure
  kafka,         // a Kafka request failed
  registry,      // a schema registry request failed or was refused (ADR 0027)
  precondition,  // the system is not in a state that allows the call
  busy,          // resource held by someone else (e.g. the store lock)
};

struct error {
  errc code;
  std::string message;
};

template <typename T>
using result = std::expected<T, error>;

// result<void> with a name that reads well at call sites.
using status = std::expected<void, error>;

inline std::unexpected<error> fail(errc code, std::string message) {
  return std::unexpected<error>(error{code, std::move(message)});
}

[[nodiscard]] const char* to_string(errc code);

}  // namespace strait
