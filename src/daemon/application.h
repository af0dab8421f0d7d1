#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strait/api/api_server.h"
#include "strait/config/config.h"
#include "strait/http/http_server.h"
#include "strait/metrics/registry.h"

namespace strait::store {
class checkpoint_store;
}  // namespace strait::store
namespace strait::api {
class stored_audit_log;
}  // namespace strait::api

namespace strait::daemon {

class api_service;
class link_registry;

// The composition root: the only code that wires modules together. start()
// builds the services in dependency order (the store, the links, the
// API's service over them, the HTTP and API servers) and records how to
// stop each; stop() runs those stops in reverse, so nothing is stopped
// before what uses it. What each part does is its own: the links'
// lifecycle, Stage and the rules of a new link are link_registry's, the
// API's calls api_service's.
class application {
 public:
  explicit application(config::config cfg);
  ~application();
  application(const application&) = delete;
  application& operator=(const application&) = delete;

  // Fails naming what could not start; what started is stopped by stop().
  [[nodiscard]] status start();
  // The deferred stops, newest first: the servers, then every link at once
  // (records in flight acknowledged and checkpointed, reverse mirroring
  // included), then the store. Idempotent.
  void stop();
  [[nodiscard]] std::string http_address() const { return http_.address(); }
  [[nodiscard]] std::string api_address() const { return api_.address(); }
  // True when a link's target producer failed fatally (see link_engine).
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  config::config cfg_;
  metrics::registry metrics_;
  std::unique_ptr<store::checkpoint_store> store_;
  std::unique_ptr<link_registry> links_;
  std::unique_ptr<api_service> service_;
  std::unique_ptr<api::stored_audit_log> audit_;  // the API's journal and request ids
  http::http_server http_;
  api::api_server api_;
  std::vector<std::function<void()>> stops_;  // in start order; run newest first
  bool failed_ = false;
};

}  // namespace strait::daemon
