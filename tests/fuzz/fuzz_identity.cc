// What identifies API callers: a client certificate (parsed for its role,
// checked against a CA) and a tokens file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "strait/api/identity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)strait::api::certificate_caller(text);
  if (auto ca = strait::api::client_ca::load(text)) (void)ca->verify(text, text);
  // The same bytes as a tokens file (mode 600, as straitd requires),
  // removed when the process ends.
  static const struct scratch {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("strait-fuzz-tokens-" + std::to_string(getpid()));
    ~scratch() { std::filesystem::remove(path); }
  } tokens_file;
  const std::filesystem::path& file = tokens_file.path;
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  if (auto tokens = strait::api::token_table::load(file)) (void)tokens->find(text);
  return 0;
}
