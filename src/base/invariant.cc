#include "strait/base/invariant.h"

#include <spdlog/spdlog.h>

#include <atomic>

#include "strait/base/text.h"

namespace strait {

namespace {
std::atomic<uint64_t> breaches{0};
}  // namespace

bool invariant_breached(std::string_view condition, std::string_view detail,
                        std::source_location where) {
  breaches.fetch_add(1, std::memory_order_relaxed);
  // The path from the source tree's root (src/..., include/strait/...), not
  // the build machine's.
  std::string_view file = where.file_name();
  for (std::string_view root : {"/include/strait/", "/src/"}) {
    if (auto at = file.rfind(root); at != std::string_view::npos) {
      file.remove_prefix(at + 1);
      break;
    }
  }
  spdlog::error("internal error at {}:{} (a bug in strait: please report it with this line): {}{}",
                single_line(file), where.line(),
                condition.empty() ? std::string() : "expected " + single_line(condition) + "; ",
                single_line(detail));
  return false;
}

uint64_t internal_errors_total() { return breaches.load(std::memory_order_relaxed); }

}  // namespace strait
