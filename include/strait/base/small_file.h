#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>

#include "strait/base/result.h"

namespace strait {

// A small file read whole: secrets, tokens, certificates.
struct small_file {
  std::string content;
  mode_t mode = 0;                  // permission bits of the file that was read
  uid_t owner = 0;                  // its owner
  std::filesystem::path real_path;  // where the opened descriptor points (symlinks resolved)
};

// Reads `path` if it is a regular file of at most `max_bytes`. It is opened
// without blocking (a FIFO never waits for a writer) and every check is made
// on the open descriptor, so a file swapped in after a check cannot be read
// instead. Errors say why (missing, unreadable, not a regular file, too
// large) and name the path escaped, never the content.
[[nodiscard]] result<small_file> read_small_file(const std::filesystem::path& path,
                                                 size_t max_bytes);

}  // namespace strait
