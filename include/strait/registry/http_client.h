#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strait/base/result.h"
#include "strait/config/config.h"

namespace strait::registry {

// An answer of a registry: its HTTP status and body (at most the request's
// body limit; a longer one is an error, never cut).
struct http_answer {
  int status = 0;
  std::string body;
  [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
};

enum class http_method { get, post, put, del };

// A blocking HTTP/1.1 client of one registry endpoint (config's
// registry_endpoint: http or https with the server's certificate and host
// name verified, HTTP basic auth when it has credentials). One connection
// per request (a registry call is rare and small next to the data path);
// every request has a deadline for all of it (connect, TLS, write, read);
// no redirect is followed (a redirect would carry the credential
// elsewhere). Errors are errc::registry and name the endpoint's URL and
// the path, never the credential or raw bytes of an answer.
//
// Threads: one request at a time per client; any thread.
class http_client {
 public:
  http_client(const config::registry_endpoint& endpoint, std::chrono::milliseconds timeout);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  using headers = std::vector<std::pair<std::string, std::string>>;

  // `path` below the endpoint's base path ("/subjects"); `content_type`
  // for a body. At most `max_body` bytes of answer.
  [[nodiscard]] result<http_answer> request(http_method method, std::string_view path,
                                            std::string_view body = {},
                                            std::string_view content_type = {},
                                            size_t max_body = kDefaultMaxBody,
                                            const headers& extra = {}) const;

  [[nodiscard]] const std::string& url() const;

  static constexpr size_t kDefaultMaxBody = 16u << 20;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// `body` made short and safe for a message: at most 300 bytes, escaped
// (base/text.h). A registry's error body ({"error_code":..,"message":..})
// is reduced to its message and code.
[[nodiscard]] std::string answer_excerpt(const http_answer& a);

}  // namespace strait::registry
