// The /metrics and /healthz server under descriptor exhaustion and floods.
#include "strait/http/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace strait::http {
namespace {

// A TCP socket to the server's address, not yet connected.
int client_socket() { return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); }

bool connect_to(int fd, const std::string& address) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1))));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
}

// Sends GET `path` on a connected socket and reads the answer until the
// server closes, for at most `deadline`.
std::string get(int fd, const std::string& path, std::chrono::milliseconds deadline) {
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) return "";
  std::string out;
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string get(const std::string& address, const std::string& path) {
  const int fd = client_socket();
  std::string out = connect_to(fd, address) ? get(fd, path, std::chrono::seconds(5)) : "";
  ::close(fd);
  return out;
}

// Keeps the text of every message logged, for the test to look for one.
class capture_sink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  bool saw(std::string_view text) {
    std::lock_guard lock(mutex_);
    for (const auto& line : lines_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines_.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

http_server::response ok(const std::string& path) {
  return {200, "text/plain; charset=utf-8", "ok " + path + "\n"};
}

// Issue 11: after one accept error (descriptors exhausted) the server never
// accepted again, so /healthz stayed dead after the process recovered.
TEST(HttpServer, AcceptsAgainAfterRunningOutOfDescriptors) {
  auto sink = std::make_shared<capture_sink>();
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  http_server server;
  ASSERT_TRUE(server.start("127.0.0.1:0", ok).has_value());
  ASSERT_NE(get(server.address(), "/healthz").find("ok /healthz"), std::string::npos);

  const int fd = client_socket();
  ASSERT_GE(fd, 0);
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  rlimit low = old;
  low.rlim_cur = 512;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> filler;
  for (int d; (d = ::dup(fd)) >= 0;) filler.push_back(d);  // every descriptor below 512
  ASSERT_TRUE(connect_to(fd, server.address()));
  // Wait for the server to fail its accept (it logs once).
  bool failed = false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!failed && std::chrono::steady_clock::now() < until) {
    failed = sink->saw("cannot accept a connection");
    if (!failed) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (int d : filler) ::close(d);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
  EXPECT_TRUE(failed) << "the server never hit the descriptor limit";

  EXPECT_NE(get(fd, "/healthz", std::chrono::seconds(5)).find("ok /healthz"), std::string::npos)
      << "the connection waiting in the backlog is served";
  ::close(fd);
  EXPECT_NE(get(server.address(), "/metrics").find("ok /metrics"), std::string::npos);
  server.stop();
  spdlog::set_default_logger(previous);
}

TEST(HttpServer, IdleConnectionsAreCappedOldestFirstAndNeverKeepOutAScraper) {
  http_server server;
  ASSERT_TRUE(server.start("127.0.0.1:0", ok).has_value());
  std::vector<int> idle;  // connect and send nothing
  for (int i = 0; i < 100; ++i) {
    const int fd = client_socket();
    ASSERT_TRUE(connect_to(fd, server.address()));
    idle.push_back(fd);
  }
  // A scraper is served at once: each new connection beyond the cap of 64
  // ends the oldest idle one, long before its 5 s read deadline.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(get(server.address(), "/healthz").find("ok /healthz"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  std::vector<pollfd> polls;
  for (int fd : idle) polls.push_back({fd, POLLIN, 0});
  int closed = 0;
  const auto until_closed = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (closed < 37 && std::chrono::steady_clock::now() < until_closed) {
    if (::poll(polls.data(), polls.size(), 100) <= 0) continue;
    for (auto& p : polls) {
      char c;
      if (p.fd >= 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
          ::read(p.fd, &c, 1) <= 0) {
        ++closed;
        p.fd = -1;  // poll ignores it from now on
      }
    }
  }
  EXPECT_EQ(closed, 37) << "36 idle ones made room for the last idle ones, one for the scraper";
  for (int fd : idle) ::close(fd);
}

}  // namespace
}  // namespace strait::http
