#include "strait/base/secret_property.h"

namespace strait {

bool is_secret_property(std::string_view name) {
  if (name.ends_with(".location") || name.ends_with(".url")) return false;  // paths, endpoints
  for (std::string_view marker :
       {"password", "secret", "token", "jaas", "credentials", "username", ".key."}) {
    if (name.find(marker) != std::string_view::npos) return true;
  }
  return name == "sasl.oauthbearer.config" || name.ends_with(".pem") || name.ends_with(".key");
}

}  // namespace strait
