// clang-format off
#include <utility>  // before Boost 1.74 Asio in C++20 and later
// clang-format on
#include "strait/registry/http_client.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <nlohmann/json.hpp>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <netdb.h>
#include <sys/socket.h>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "strait/base/text.h"

namespace strait::registry {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bhttp::verb to_verb(http_method m) {
  switch (m) {
    case http_method::get:
      return bhttp::verb::get;
    case http_method::post:
      return bhttp::verb::post;
    case http_method::put:
      return bhttp::verb::put;
    case http_method::del:
      return bhttp::verb::delete_;
  }
  return bhttp::verb::get;
}

// Runs the io_context until the one operation started on it completes (or
// the stream's deadline closes it); `ec` is what it completed with.
template <typename Start>
beast::error_code run_one(asio::io_context& io, Start&& start) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

// The host's addresses, or why not by `deadline`. The lookup runs on a
// detached thread that owns its inputs and result: a resolver that hangs
// keeps only that thread.
result<std::vector<tcp::endpoint>> resolve(const std::string& host, uint16_t port,
                                           std::chrono::steady_clock::time_point deadline) {
  struct lookup {
    std::mutex mu;
    std::condition_variable done_cv;
    bool done = false;
    std::vector<tcp::endpoint> found;
    std::string error;
  };
  // Lookups still running (hung ones included) are bounded: each holds a thread.
  static std::atomic<int> running{0};
  if (running.load() >= 16) {
    return fail(errc::registry, "resolving " + printable(host, 200) +
                                    ": 16 name lookups are still running (a resolver that "
                                    "does not answer?); try again later");
  }
  auto state = std::make_shared<lookup>();
  ++running;
  try {
    std::thread([state, host, port] {
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* list = nullptr;
      const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
      std::vector<tcp::endpoint> found;
      for (addrinfo* a = list; rc == 0 && a != nullptr; a = a->ai_next) {
        tcp::endpoint e;
        if (a->ai_addrlen <= e.capacity()) {
          std::memcpy(e.data(), a->ai_addr, a->ai_addrlen);
          e.resize(a->ai_addrlen);
          found.push_back(e);
        }
      }
      if (list != nullptr) freeaddrinfo(list);
      std::lock_guard lock(state->mu);
      state->found = std::move(found);
      if (rc != 0) state->error = gai_strerror(rc);
      state->done = true;
      state->done_cv.notify_all();
      --running;
    }).detach();
  } catch (const std::system_error& e) {
    --running;
    return fail(errc::registry, "resolving " + printable(host, 200) +
                                    ": no thread for the lookup (" + e.what() + ")");
  }
  std::unique_lock lock(state->mu);
  if (!state->done_cv.wait_until(lock, deadline, [&] { return state->done; })) {
    return fail(errc::registry, "resolving " + printable(host, 200) + " did not finish in time");
  }
  if (!state->error.empty() || state->found.empty()) {
    return fail(errc::registry, "cannot resolve " + printable(host, 200) + ": " +
                                    (state->error.empty() ? "no address" : state->error));
  }
  return state->found;
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct http_client::impl {
  config::registry_endpoint endpoint;
  std::chrono::milliseconds timeout;
  std::string authorization;  // "Basic ..." or empty; never logged
  std::string host_header;

  std::string where(std::string_view path) const {
    return "schema registry " + endpoint.url + " " + printable(path, 200);
  }

  template <typename Stream>
  result<http_answer> exchange(asio::io_context& io, Stream& stream,
                               const bhttp::request<bhttp::string_body>& req, size_t max_body,
                               std::string_view path) const {
    if (auto ec = run_one(io, [&](auto h) { bhttp::async_write(stream, req, h); })) {
      return fail(errc::registry, where(path) + ": sending the request failed: " + ec.message());
    }
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_body);
    parser.header_limit(64 * 1024);
    if (auto ec = run_one(io, [&](auto h) { bhttp::async_read(stream, buffer, parser, h); })) {
      if (ec == bhttp::error::body_limit) {
        return fail(errc::registry, where(path) + ": the answer is larger than " +
                                        std::to_string(max_body) + " bytes");
      }
      return fail(errc::registry, where(path) + ": reading the answer failed: " + ec.message() +
                                      (ec == beast::error::timeout
                                           ? " (after " + std::to_string(timeout.count()) + " ms)"
                                           : ""));
    }
    auto res = parser.release();
    return http_answer{static_cast<int>(res.result_int()), std::move(res.body())};
  }
};

http_client::http_client(const config::registry_endpoint& endpoint,
                         std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
  impl_->endpoint = endpoint;
  impl_->timeout = timeout;
  if (!endpoint.credentials.empty()) {
    impl_->authorization = "Basic " + base64(endpoint.credentials);
  }
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  impl_->host_header = (v6 ? "[" + endpoint.host + "]" : endpoint.host);
  const bool default_port = endpoint.port == (endpoint.tls ? 443 : 80);
  if (!default_port) impl_->host_header += ":" + std::to_string(endpoint.port);
}

http_client::~http_client() = default;

const std::string& http_client::url() const { return impl_->endpoint.url; }

result<http_answer> http_client::request(http_method method, std::string_view path,
                                         std::string_view body, std::string_view content_type,
                                         size_t max_body, const headers& extra) const {
  const impl& m = *impl_;
  asio::io_context io;
  beast::tcp_stream tcp_stream(io);
  const auto deadline = std::chrono::steady_clock::now() + m.timeout;

  // Resolved on a thread of its own that the request does not wait for
  // past its deadline: getaddrinfo cannot be cancelled, and asio's
  // resolver would be joined when its io_context ends.
  auto endpoints = resolve(m.endpoint.host, m.endpoint.port, deadline);
  if (!endpoints) {
    return fail(errc::registry, m.where(path) + ": " + endpoints.error().message);
  }
  // One deadline for the rest of the request: connect, TLS, write, read.
  tcp_stream.expires_at(deadline);
  if (auto ec = run_one(io, [&](auto h) { tcp_stream.async_connect(*endpoints, h); })) {
    return fail(errc::registry, m.where(path) + ": cannot connect: " + ec.message());
  }

  bhttp::request<bhttp::string_body> req(to_verb(method), m.endpoint.base_path + std::string(path),
                                         11);
  req.set(bhttp::field::host, m.host_header);
  req.set(bhttp::field::user_agent, "strait");
  req.set(bhttp::field::accept, "application/vnd.schemaregistry.v1+json, application/json");
  if (!m.authorization.empty()) req.set(bhttp::field::authorization, m.authorization);
  for (const auto& [name, value] : extra) req.set(name, value);
  if (method == http_method::post || method == http_method::put) {
    req.set(bhttp::field::content_type,
            content_type.empty() ? std::string("application/json") : std::string(content_type));
    req.body() = std::string(body);
    req.prepare_payload();
  }

  if (!m.endpoint.tls) {
    auto answer = m.exchange(io, tcp_stream, req, max_body, path);
    beast::error_code ignored;
    tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return answer;
  }

  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  beast::error_code ec;
  if (m.endpoint.ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.load_verify_file(m.endpoint.ca_file.string(), ec);
  }
  if (ec) {
    return fail(errc::registry, m.where(path) + ": cannot load the CA " +
                                    (m.endpoint.ca_file.empty()
                                         ? std::string("certificates of the system")
                                         : "file " + printable(m.endpoint.ca_file.string(), 200)) +
                                    ": " + ec.message());
  }
  ctx.set_verify_mode(asio::ssl::verify_peer);
  ctx.set_verify_callback(asio::ssl::host_name_verification(m.endpoint.host));
  beast::ssl_stream<beast::tcp_stream&> tls(tcp_stream, ctx);
  // SNI names a host, never an address (RFC 6066).
  if (!is_ip_literal(m.endpoint.host) &&
      !SSL_set_tlsext_host_name(tls.native_handle(), m.endpoint.host.c_str())) {
    return fail(errc::registry, m.where(path) + ": cannot set the TLS server name");
  }
  if (auto hec =
          run_one(io, [&](auto h) { tls.async_handshake(asio::ssl::stream_base::client, h); })) {
    return fail(errc::registry, m.where(path) +
                                    ": TLS handshake failed (is the server's "
                                    "certificate signed by the CA, for this host "
                                    "name?): " +
                                    hec.message());
  }
  auto answer = m.exchange(io, tls, req, max_body, path);
  tcp_stream.expires_after(std::chrono::seconds(1));
  (void)run_one(io, [&](auto h) { tls.async_shutdown(h); });
  return answer;
}

std::string answer_excerpt(const http_answer& a) {
  std::string text = a.body;
  auto j = nlohmann::json::parse(a.body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    text = j["message"].get<std::string>();
    if (j.contains("error_code") && j["error_code"].is_number_integer()) {
      text += " (error " + std::to_string(j["error_code"].get<int64_t>()) + ")";
    }
  }
  // A proxy or registry that echoes the request must not carry a
  // credential into a message: "Basic <base64>" is cut out.
  for (size_t at = text.find("Basic "); at != std::string::npos; at = text.find("Basic ", at)) {
    size_t end = at + 6;
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                                 text[end] == '+' || text[end] == '/' || text[end] == '=')) {
      ++end;
    }
    text.replace(at, end - at, "Basic <redacted>");
    at += 16;
  }
  return "HTTP " + std::to_string(a.status) + (text.empty() ? "" : ": " + printable(text, 300));
}

}  // namespace strait::registry
