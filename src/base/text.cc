#include "strait/base/text.h"

#include <cstdio>
#include <ctime>

namespace strait {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string escaped(std::string_view in, size_t max_bytes, bool keep_backslash) {
  std::string out;
  const size_t n = in.size() < max_bytes ? in.size() : max_bytes;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c >= 0x20 && c < 0x7f && (keep_backslash || c != '\\')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHexDigits[c >> 4]);
      out.push_back(kHexDigits[c & 0xf]);
    }
  }
  if (n < in.size()) out += "...";
  return out;
}

}  // namespace

std::string printable(std::string_view in, size_t max_bytes) {
  return escaped(in, max_bytes, false);
}

std::string single_line(std::string_view in, size_t max_bytes) {
  return escaped(in, max_bytes, true);
}

std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(2 * bytes.size());
  for (unsigned char c : bytes) {
    out.push_back(kHexDigits[c >> 4]);
    out.push_back(kHexDigits[c & 0xf]);
  }
  return out;
}

std::string utc_time(int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return when;
}

std::string seconds_text(double seconds) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.1f s", seconds);
  return buf;
}

}  // namespace strait
