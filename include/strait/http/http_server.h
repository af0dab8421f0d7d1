#pragma once

#include <functional>
#include <memory>
#include <string>

#include "strait/base/result.h"

namespace strait::http {

// A small HTTP/1.1 server for /metrics and /healthz on its own thread.
// Handlers run on that thread and must be thread-safe with respect to the
// rest of the daemon. Boost.Beast lives only in http_server.cc.
class http_server {
 public:
  struct response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
  };
  using handler = std::function<response(const std::string& path)>;

  http_server();
  ~http_server();

  // Binds host:port (port 0 = any free port) and starts serving.
  [[nodiscard]] status start(const std::string& listen, handler h);
  void stop();
  // The bound address, e.g. "127.0.0.1:9644".
  [[nodiscard]] std::string address() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace strait::http
