#include "strait/base/small_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "strait/base/text.h"

namespace strait {

namespace {

class descriptor {
 public:
  explicit descriptor(int fd) : fd_(fd) {}
  ~descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  descriptor(const descriptor&) = delete;
  descriptor& operator=(const descriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

result<small_file> read_small_file(const std::filesystem::path& path, size_t max_bytes) {
  const std::string shown = printable(path.string(), 256);
  descriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) {
    return fail(errc::invalid_argument, "cannot read " + shown + " (" + std::strerror(errno) + ")");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return fail(errc::invalid_argument, shown + " is not a regular file");
  }
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    return fail(errc::invalid_argument,
                shown + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  small_file out;
  out.mode = st.st_mode & 07777;
  out.owner = st.st_uid;
  std::error_code ec;
  out.real_path = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd.get()), ec);
  if (ec) return fail(errc::io, "cannot tell where " + shown + " leads (" + ec.message() + ")");
  char buf[4096];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof(buf))) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errc::io, "cannot read " + shown + " (" + std::strerror(errno) + ")");
    }
    out.content.append(buf, static_cast<size_t>(n));
    if (out.content.size() > max_bytes) {
      return fail(errc::invalid_argument,
                  shown + " grew past " + std::to_string(max_bytes) + " bytes while read");
    }
  }
  return out;
}

}  // namespace strait
