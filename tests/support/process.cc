#include "process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace strait::testing {

child_process::child_process(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

child_process::~child_process() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    wait();
  }
}

void child_process::signal(int sig) const {
  if (!reaped_) ::kill(pid_, sig);  // a reaped pid may be another process's now
}

int child_process::wait() {
  if (!reaped_) {
    waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

std::optional<int> child_process::exited() {
  if (!reaped_) {
    if (waitpid(pid_, &status_, WNOHANG) != pid_) return std::nullopt;
    reaped_ = true;
  }
  return wait();
}

std::string run_command(const std::string& cmd) {
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  int rc = pclose(f);
  if (rc != 0) throw std::runtime_error("command failed (" + std::to_string(rc) + "): " + cmd);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string http_get(const std::string& address, const std::string& path) {
  auto colon = address.rfind(':');
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return "";
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  (void)!write(fd, req.data(), req.size());
  std::string resp;
  std::array<char, 65536> buf{};
  ssize_t n;
  while ((n = read(fd, buf.data(), buf.size())) > 0)
    resp.append(buf.data(), static_cast<size_t>(n));
  close(fd);
  auto body = resp.find("\r\n\r\n");
  return body == std::string::npos ? "" : resp.substr(body + 4);
}

std::string curl(const std::string& method, const std::string& url, const std::string& json_body) {
  std::string cmd = "curl -sS -m 20 -X " + method + " -H 'Content-Type: application/json' ";
  std::string file;
  if (!json_body.empty()) {  // from a file: no shell quoting of the body
    file = (std::filesystem::temp_directory_path() /
            ("strait-curl-" + std::to_string(getpid()) + "-" +
             std::to_string(reinterpret_cast<uintptr_t>(&cmd))))
               .string();
    std::ofstream(file) << json_body;
    cmd += "--data-binary @" + file + " ";
  }
  std::string out;
  try {
    out = run_command(cmd + "'" + url + "'");
  } catch (...) {
    if (!file.empty()) std::filesystem::remove(file);
    throw;
  }
  if (!file.empty()) std::filesystem::remove(file);
  return out;
}

}  // namespace strait::testing
