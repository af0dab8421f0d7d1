#include "application.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>

#include "api_service.h"
#include "link_registry.h"
#include "strait/api/stored_audit_log.h"
#include "strait/kafka/client.h"
#include "strait/metrics/process_stats.h"
#include "strait/store/checkpoint_store.h"

namespace strait::daemon {

namespace {

// A fatal producer error: stop the whole process the normal way (the main
// thread waits for SIGTERM), which drains every link; main exits 1.
void terminate_process() { ::kill(::getpid(), SIGTERM); }

}  // namespace

application::application(config::config cfg) : cfg_(std::move(cfg)) {}
application::~application() { stop(); }

status application::start() {
  // A StatefulSet pod's ordinal is its shard (ADR 0030): read before any
  // link is built.
  config::shard_identity& shards = cfg_.daemon.shards;
  if (shards.ordinal_from_hostname) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) {
      return fail(errc::io,
                  "daemon.shards.ordinal: hostname: cannot read the host name; give "
                  "the ordinal as a number");
    }
    auto ordinal = config::ordinal_from_hostname(host, shards.count);
    if (!ordinal) return std::unexpected(ordinal.error());
    shards.ordinal = *ordinal;
    shards.ordinal_from_hostname = false;
  }
  if (shards.count > 1) {
    spdlog::info("this straitd is shard {} of {} (daemon.shards)", shards.ordinal, shards.count);
  }
  auto store = store::checkpoint_store::open(cfg_.daemon.state_dir / "checkpoints");
  if (!store) return std::unexpected(store.error());
  store_ = std::move(*store);
  stops_.emplace_back([this] { store_.reset(); });

  links_ = std::make_unique<link_registry>(cfg_, *store_, metrics_, terminate_process);
  stops_.emplace_back([this] {
    links_->stop_all();
    failed_ = failed_ || links_->failed();
    links_.reset();
  });
  if (auto s = links_->load(); !s) return s;

  service_ = std::make_unique<api_service>(*links_);
  auto audit = api::stored_audit_log::open(*store_);
  if (!audit) return std::unexpected(audit.error());
  audit_ = std::move(*audit);
  metrics_.describe("strait_admin_handles_closing", metrics::registry::kind::gauge,
                    "librdkafka handles replaced after unanswered group requests and still "
                    "being destroyed in the background; one that stays is never closed (ADR 0012)");
  metrics_.describe("strait_build_info", metrics::registry::kind::gauge,
                    "Always 1: straitd's version and the librdkafka it runs with, as labels");
  metrics_.set("strait_build_info",
               {{"version", STRAIT_VERSION}, {"librdkafka", kafka::library_release()}}, 1);
  metrics::describe_process(metrics_);
  auto handler = [this](const std::string& path) -> http::http_server::response {
    if (path == "/metrics") {
      // Process-wide, read when scraped: every admin client's replaced
      // handles still being destroyed (ADR 0012).
      metrics_.set("strait_admin_handles_closing", {}, kafka::admin_client::handles_closing());
      metrics::set_process(metrics_, metrics::read_process());
      return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render()};
    }
    if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
    return {404, "text/plain; charset=utf-8", "not found; try /metrics or /healthz\n"};
  };
  stops_.emplace_back([this] { http_.stop(); });
  if (auto s = http_.start(cfg_.daemon.http_listen, handler); !s) return s;
  stops_.emplace_back([this] {
    api_.stop();
    service_.reset();  // its calls have ended; the links go next
    audit_.reset();
  });
  if (auto s = api_.start(cfg_.daemon.api_listen, cfg_.daemon.api_security, *service_, *audit_,
                          *service_);
      !s)
    return s;
  // Tests and scripts bound to port 0 read the addresses from here.
  std::ofstream(cfg_.daemon.state_dir / "http.address") << http_.address() << "\n";
  std::ofstream(cfg_.daemon.state_dir / "api.address") << api_.address() << "\n";
  spdlog::info("serving http://{}/metrics and /healthz, strait.v1 API on {}", http_.address(),
               api_.address());
  return {};
}

void application::stop() {
  while (!stops_.empty()) {
    auto stop_one = std::move(stops_.back());
    stops_.pop_back();
    stop_one();
  }
}

}  // namespace strait::daemon
