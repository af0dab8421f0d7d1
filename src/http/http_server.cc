// clang-format off
#include <utility>  // before Boost 1.74 Asio in C++20 and later
// clang-format on
#include "strait/http/http_server.h"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <thread>

#include "strait/base/thread_name.h"

namespace strait::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// One connection: read one request, answer, close. Every step has a
// deadline, so a client that connects and sends nothing cannot hold the
// server (or its shutdown).
class session : public std::enable_shared_from_this<session> {
 public:
  // `open` counts the sessions alive (the accept loop caps them).
  session(tcp::socket socket, const http_server::handler& h, std::shared_ptr<int> open)
      : stream_(std::move(socket)), handler_(h), open_(std::move(open)) {
    ++*open_;
  }
  ~session() { --*open_; }
  // Ends the connection now (to make room for a newer one).
  void abandon() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void run() {
    stream_.expires_after(std::chrono::seconds(5));
    beast::http::async_read(stream_, buffer_, req_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (!ec) self->respond();
                            });
  }

 private:
  void respond() {
    http_server::response r;
    if (req_.method() != beast::http::verb::get) {
      r = {405, "text/plain; charset=utf-8", "only GET is supported\n"};
    } else {
      std::string target(req_.target());
      r = handler_(target.substr(0, target.find('?')));
    }
    res_.result(static_cast<beast::http::status>(r.status));
    res_.version(req_.version());
    res_.set(beast::http::field::content_type, r.content_type);
    res_.set(beast::http::field::server, "straitd");
    res_.keep_alive(false);
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    stream_.expires_after(std::chrono::seconds(5));
    beast::http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  beast::tcp_stream stream_;
  const http_server::handler& handler_;
  beast::flat_buffer buffer_;
  beast::http::request<beast::http::string_body> req_;
  beast::http::response<beast::http::string_body> res_;
  std::shared_ptr<int> open_;
};

struct http_server::impl {
  // Connections served at once (each session has 5 s deadlines): a new one
  // beyond that ends the oldest, so a flood of idle connections holds at
  // most this many descriptors and never keeps out a scraper or a probe.
  static constexpr int kMaxSessions = 64;

  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};
  handler h;
  std::thread thread;
  // Sessions alive; shared with them, since they may outlive this member
  // while the io_context is destroyed.
  std::shared_ptr<int> open = std::make_shared<int>(0);
  std::deque<std::weak_ptr<session>> sessions;  // oldest first (some may have ended)
  bool failing = false;  // the last accept failed (logged once until it works again)

  // Accepts until the acceptor is closed. An accept error (EMFILE when the
  // process is out of descriptors, ENOBUFS, ...) leaves the connection in
  // the backlog: try again in 100 ms rather than spin or stop for good.
  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        if (!failing) {
          spdlog::warn("http: cannot accept a connection: {}; trying again every 100 ms",
                       ec.message());
        }
        failing = true;
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([this](beast::error_code e) {
          if (!e) accept();
        });
        return;
      }
      if (failing) spdlog::info("http: accepting connections again");
      failing = false;
      while (!sessions.empty() && sessions.front().expired()) sessions.pop_front();
      if (*open >= kMaxSessions && !sessions.empty()) {
        if (auto oldest = sessions.front().lock()) oldest->abandon();
        sessions.pop_front();
      }
      auto s = std::make_shared<session>(std::move(socket), h, open);
      sessions.push_back(s);
      s->run();
      accept();
    });
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
  const std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
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
  impl_->thread = std::thread([this] {
    set_thread_name("http");
    impl_->io.run();
  });
  return {};
}

void http_server::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->io.stop();  // abandons open sessions; their sockets close with the io_context
  impl_->thread.join();
}

std::string http_server::address() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  if (ec) return "";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace strait::http
