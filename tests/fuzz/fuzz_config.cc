// The config file loader and the link YAML of CreateLink: any text is a
// config or an error naming the field, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "strait/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name.size() % 2 == 0) return std::string("value-of-") + name;
    return std::nullopt;
  };
  (void)strait::config::parse(text, env);
  (void)strait::config::parse_link_yaml(text, env, strait::config::api_link_references("/tmp"));
  return 0;
}
