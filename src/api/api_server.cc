// The only translation unit of straitd that includes gRPC headers.
#include <utility>  // before gRPC/Abseil headers in C++20 and later

#include "strait/api/api_server.h"

#include <grpcpp/grpcpp.h>
#include <re2/re2.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "strait.grpc.pb.h"

namespace strait::api {

namespace {

namespace pb = ::strait::v1;

grpc::Status to_grpc(const error& e) {
  switch (e.code) {
    case errc::invalid_argument:
      return {grpc::StatusCode::INVALID_ARGUMENT, e.message};
    case errc::not_found:
      return {grpc::StatusCode::NOT_FOUND, e.message};
    case errc::precondition:
      return {grpc::StatusCode::FAILED_PRECONDITION, e.message};
    case errc::busy:
      return {grpc::StatusCode::ABORTED, e.message};
    case errc::kafka:
      return {grpc::StatusCode::UNAVAILABLE, e.message};
    case errc::corruption:
    case errc::io:
      return {grpc::StatusCode::INTERNAL, e.message};
  }
  return {grpc::StatusCode::UNKNOWN, e.message};
}

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void fill_link(const config::link_config& l, pb::Link* out) {
  out->set_name(l.name);
  out->set_origin(pb::LINK_ORIGIN_CONFIG_FILE);
  out->set_source_bootstrap(l.source.bootstrap());
  out->set_target_bootstrap(l.target.bootstrap());
  for (const auto& r : l.topics.include) out->add_topic_include(r);
  for (const auto& r : l.topics.exclude) out->add_topic_exclude(r);
  out->set_topic_prefix(l.topics.prefix);
  out->set_group_sync(l.groups.enabled);
  for (const auto& r : l.groups.include) out->add_group_include(r);
  for (const auto& r : l.groups.exclude) out->add_group_exclude(r);
}

// An optional RE2 full-match filter from a request field.
class name_filter {
 public:
  static result<name_filter> make(const std::string& pattern, const char* field) {
    name_filter f;
    if (pattern.empty()) return f;
    f.re_ = std::make_shared<RE2>(pattern, RE2::Quiet);
    if (!f.re_->ok()) {
      return fail(errc::invalid_argument, std::string(field) +
                                              ": invalid regex: " + f.re_->error() +
                                              " (RE2 syntax, matched against the whole name)");
    }
    return f;
  }
  [[nodiscard]] bool matches(const std::string& name) const {
    return !re_ || RE2::FullMatch(name, *re_);
  }

 private:
  std::shared_ptr<RE2> re_;
};

class service final : public pb::Strait::Service {
 public:
  explicit service(const state_provider& state) : state_(state) {}

  // Wakes streams so that they end; called before the server shuts down.
  void stopping() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

  grpc::Status ListLinks(grpc::ServerContext*, const pb::ListLinksRequest*,
                         pb::ListLinksResponse* out) override {
    for (const auto& l : state_.links()) fill_link(l, out->add_links());
    return grpc::Status::OK;
  }

  grpc::Status GetLink(grpc::ServerContext*, const pb::GetLinkRequest* req,
                       pb::Link* out) override {
    for (const auto& l : state_.links()) {
      if (l.name == req->link()) {
        fill_link(l, out);
        return grpc::Status::OK;
      }
    }
    return unknown_link(req->link());
  }

  grpc::Status GetStatus(grpc::ServerContext*, const pb::GetStatusRequest* req,
                         pb::LinkStatus* out) override {
    return fill_status(*req, out);
  }

  grpc::Status WatchStatus(grpc::ServerContext* ctx, const pb::WatchStatusRequest* req,
                           grpc::ServerWriter<pb::LinkStatus>* writer) override {
    uint32_t interval_ms = req->interval_ms() == 0 ? 1000 : req->interval_ms();
    if (interval_ms < 200) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "interval_ms: must be 0 (1000) or at least 200"};
    }
    while (!ctx->IsCancelled()) {
      pb::LinkStatus st;
      if (grpc::Status s = fill_status(req->status(), &st); !s.ok()) return s;
      if (!writer->Write(st)) return grpc::Status::OK;  // the client went away
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, std::chrono::milliseconds(interval_ms),
                       [this] { return stopping_; })) {
        return {grpc::StatusCode::UNAVAILABLE, "straitd is shutting down"};
      }
    }
    return grpc::Status::CANCELLED;
  }

 private:
  static grpc::Status unknown_link(const std::string& link) {
    return {grpc::StatusCode::NOT_FOUND,
            "no link '" + link + "'; ListLinks (straitctl links) shows the links"};
  }

  grpc::Status fill_status(const pb::GetStatusRequest& req, pb::LinkStatus* out) const {
    auto topics = name_filter::make(req.topic_regex(), "topic_regex");
    if (!topics) return to_grpc(topics.error());
    auto groups = name_filter::make(req.group_regex(), "group_regex");
    if (!groups) return to_grpc(groups.error());
    auto view = state_.link_state(req.link());
    if (!view) {
      if (view.error().code == errc::not_found) return unknown_link(req.link());
      return to_grpc(view.error());
    }
    out->set_link(view->link);
    out->set_taken_at_ms(wall_clock_ms());
    out->set_inflight_bytes(view->inflight_bytes);
    for (const auto& t : view->topics) {
      if (!topics->matches(t.topic)) continue;
      auto* pt = out->add_topics();
      pt->set_topic(t.topic);
      pt->set_target_topic(t.target_topic);
      pt->set_state(t.state);
      int64_t lag = 0;
      for (const auto& p : t.partitions) {
        auto* pp = pt->add_partitions();
        pp->set_partition(p.partition);
        pp->set_next_source_offset(p.next_source);
        pp->set_next_target_offset(p.next_target);
        pp->set_lag_records(p.lag_records);
        pp->set_lag_seconds(p.lag_seconds);
        pp->set_stopped(p.stopped);
        pp->set_stop_detail(p.stop_detail);
        lag += p.lag_records;
      }
      pt->set_lag_records(lag);
    }
    for (const auto& g : view->groups) {
      if (!groups->matches(g.group)) continue;
      auto* pg = out->add_groups();
      pg->set_group(g.group);
      pg->set_state(g.state);
      pg->set_on_source(g.on_source);
      pg->set_sync_age_seconds(g.sync_age_seconds);
      pg->set_partitions_synced(g.partitions_synced);
      pg->set_partitions_ahead_of_mirroring(g.partitions_ahead);
      for (const auto& [reason, n] : g.partitions_skipped) {
        (*pg->mutable_partitions_skipped())[reason] = n;
      }
    }
    return grpc::Status::OK;
  }

  const state_provider& state_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace

struct api_server::impl {
  std::unique_ptr<service> svc;
  std::unique_ptr<grpc::Server> server;
  std::string address;
};

api_server::api_server() : impl_(std::make_unique<impl>()) {}
api_server::~api_server() { stop(); }

status api_server::start(const std::string& listen, const state_provider& state) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return fail(errc::invalid_argument,
                "daemon.api_listen: expected host:port, got '" + listen + "'");
  }
  impl_->svc = std::make_unique<service>(state);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(impl_->svc.get());
  builder.SetMaxReceiveMessageSize(1 << 20);  // requests are small; refuse oversized ones
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || port == 0) {
    impl_->server.reset();
    return fail(errc::invalid_argument, "daemon.api_listen: cannot listen on " + listen +
                                            " (address in use, or not a local IP?)");
  }
  impl_->address = listen.substr(0, colon) + ":" + std::to_string(port);
  return {};
}

void api_server::stop() {
  if (!impl_->server) return;
  impl_->svc->stopping();
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->server->Wait();
  impl_->server.reset();
}

std::string api_server::address() const { return impl_->address; }

}  // namespace strait::api
