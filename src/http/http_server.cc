// clang-format off
#include <utility>  // before Boost 1.74 Asio in C++20 and later
// clang-format on
#include "strait/http/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace strait::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct http_server::impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  handler h;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // acceptor closed
      serve(std::move(socket));
      accept();
    });
  }

  // One request per connection, synchronously: scrapes are rare and small.
  void serve(tcp::socket socket) {
    beast::error_code ec;
    beast::flat_buffer buffer;
    beast::http::request<beast::http::string_body> req;
    beast::http::read(socket, buffer, req, ec);
    if (ec) return;
    response r;
    if (req.method() != beast::http::verb::get) {
      r = {405, "text/plain; charset=utf-8", "only GET is supported\n"};
    } else {
      std::string target(req.target());
      r = h(target.substr(0, target.find('?')));
    }
    beast::http::response<beast::http::string_body> res{
        static_cast<beast::http::status>(r.status), req.version()};
    res.set(beast::http::field::content_type, r.content_type);
    res.set(beast::http::field::server, "straitd");
    res.keep_alive(false);
    res.body() = std::move(r.body);
    res.prepare_payload();
    beast::http::write(socket, res, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }
};

http_server::http_server() : impl_(std::make_unique<impl>()) {}
http_server::~http_server() { stop(); }

status http_server::start(const std::string& listen, handler h) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return fail(errc::invalid_argument, "daemon.http_listen: must be host:port");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    return fail(errc::invalid_argument,
                "daemon.http_listen: '" + host + "' is not an IP address (use e.g. 127.0.0.1)");
  }
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return fail(errc::invalid_argument, "daemon.http_listen: port must be 0-65535");
  }
  tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(errc::io, "daemon.http_listen: cannot listen on " + listen + ": " + ec.message());
  }
  impl_->h = std::move(h);
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return {};
}

void http_server::stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->thread.join();
}

std::string http_server::address() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  if (ec) return "";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace strait::http
