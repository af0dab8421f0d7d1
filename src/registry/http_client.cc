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

#include <optional>

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

  // Resolve and connect within the deadline.
  tcp::resolver resolver(io);
  tcp::resolver::results_type endpoints;
  {
    beast::error_code rec = asio::error::would_block;
    resolver.async_resolve(m.endpoint.host, std::to_string(m.endpoint.port),
                           [&](beast::error_code ec, tcp::resolver::results_type r) {
                             rec = ec;
                             endpoints = std::move(r);
                           });
    io.restart();
    if (io.run_until(deadline) == 0 || rec == asio::error::would_block) {
      resolver.cancel();
      return fail(errc::registry, m.where(path) + ": resolving " + printable(m.endpoint.host, 200) +
                                      " did not finish in " + std::to_string(m.timeout.count()) +
                                      " ms");
    }
    if (rec) {
      return fail(errc::registry, m.where(path) + ": cannot resolve " +
                                      printable(m.endpoint.host, 200) + ": " + rec.message());
    }
  }
  // One deadline for the rest of the request: connect, TLS, write, read.
  tcp_stream.expires_at(deadline);
  if (auto ec = run_one(io, [&](auto h) { tcp_stream.async_connect(endpoints, h); })) {
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
  if (!SSL_set_tlsext_host_name(tls.native_handle(), m.endpoint.host.c_str())) {
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
  return "HTTP " + std::to_string(a.status) + (text.empty() ? "" : ": " + printable(text, 300));
}

}  // namespace strait::registry
