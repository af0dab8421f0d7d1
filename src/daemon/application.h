#pragma once

#include <memory>
#include <vector>

#include "strait/config/config.h"
#include "strait/groupsync/group_syncer.h"
#include "strait/http/http_server.h"
#include "strait/metrics/registry.h"
#include "strait/mirror/link_engine.h"
#include "strait/mirror/link_supervisor.h"
#include "strait/store/checkpoint_store.h"

namespace strait::daemon {

// The composition root: the only code that wires modules together. Builds
// services in dependency order and stops them in reverse.
class application {
 public:
  explicit application(config::config cfg);
  ~application();

  [[nodiscard]] status start();
  // Stops supervisors, drains engines (records in flight are acknowledged
  // and checkpointed), closes the store.
  void stop();
  [[nodiscard]] std::string http_address() const { return http_.address(); }
  // True when a link's target producer failed fatally (see link_engine).
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  config::config cfg_;
  metrics::registry metrics_;
  std::unique_ptr<store::checkpoint_store> store_;
  std::vector<std::unique_ptr<mirror::link_engine>> engines_;
  std::vector<std::unique_ptr<mirror::link_supervisor>> supervisors_;
  std::vector<std::unique_ptr<groupsync::group_syncer>> group_syncers_;
  http::http_server http_;
  bool failed_ = false;
};

// straitd --acknowledge: records an operator's resolution for a stopped
// partition in the store; the daemon applies it when it next starts.
[[nodiscard]] status acknowledge(const config::config& cfg, const std::string& partition_spec,
                                 const std::string& resolution_name);

}  // namespace strait::daemon
