#pragma once

#include <string_view>

namespace strait {

// Whether a librdkafka property may hold a credential: its name contains
// password, secret, token, jaas, credentials or username, is
// sasl.oauthbearer.config, ends in .pem or .key or has a .key. part, and is
// not a path or an endpoint (*.location, *.url). Only these properties may take ${env:} / ${file:}
// references (docs/configuration.md#secrets), and their values are never
// echoed, not even in librdkafka's rejection text.
[[nodiscard]] bool is_secret_property(std::string_view name);

}  // namespace strait
