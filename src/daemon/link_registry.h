#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "link_runtime.h"
#include "strait/api/status.h"
#include "strait/config/config.h"
#include "strait/metrics/registry.h"
#include "strait/mirror/link_supervisor.h"
#include "strait/store/checkpoint_store.h"

namespace strait::daemon {

// The links straitd runs (docs/links.md, ADR 0008), and the one owner of
// their lifecycle: loaded at start from the config file and the store (the
// API's links), created, paused, resumed, deleted through the API, stopped
// together at shutdown. It alone applies the rules a new link must pass
// (check_new: its clusters' ids, a loop, a target topic internal to Kafka or
// written by another link on the same cluster) and Stage.
//
// Threads: lifecycle calls (load, create, remove, pause, resume, stop_all)
// one at a time (lifecycle_mu_); lookups (find, running, links, stage) from
// any thread. A runtime held through `held` keeps its components while the
// lock lives, so a pause or delete waits for the API calls using it.
class link_registry {
 public:
  // `cfg`, `store` and `metrics` must outlive this; `on_fatal` is called when a
  // link's target producer fails fatally (straitd then stops). `drain`: how
  // long stopping a link waits for its records in flight.
  link_registry(const config::config& cfg, store::checkpoint_store& store,
                metrics::registry& metrics, std::function<void()> on_fatal,
                std::chrono::milliseconds drain = std::chrono::seconds(30));
  ~link_registry();
  link_registry(const link_registry&) = delete;
  link_registry& operator=(const link_registry&) = delete;

  // The config file's links and the API's (from the store), each started
  // unless it is stored paused. Fails naming the link when one cannot be
  // loaded or started; links started until then keep running (stop_all).
  [[nodiscard]] status load();
  // Stops every link at once: every control thread is asked first, then
  // each link's engines (reverse ones included) start draining, then each
  // is waited for (link_runtime's three steps, each over all links before
  // the next).
  void stop_all();
  // True when a link's target producer failed fatally (see link_engine).
  [[nodiscard]] bool failed() const { return failed_; }

  // A link's runtime held for use: its components stay while `lock` lives.
  struct held {
    std::shared_ptr<link_runtime> runtime;
    std::shared_lock<std::shared_mutex> lock;
  };
  // errc::not_found for an unknown (or deleted) link; running or paused.
  [[nodiscard]] result<held> held_link(const std::string& link) const;
  // held_link, and errc::precondition when it is paused.
  [[nodiscard]] result<held> running(const std::string& link) const;
  // Null for an unknown link.
  [[nodiscard]] std::shared_ptr<link_runtime> find(const std::string& link) const;
  // Every link, ordered by name.
  [[nodiscard]] std::vector<api::link_info> links() const;

  // The API's link calls (api::control says what each does and refuses).
  [[nodiscard]] result<api::link_info> create(const std::string& yaml, bool dry_run);
  [[nodiscard]] result<api::link_info> remove(const std::string& link, bool dry_run);
  [[nodiscard]] result<api::link_info> pause(const std::string& link, bool dry_run);
  [[nodiscard]] result<api::link_info> resume(const std::string& link, bool dry_run);
  [[nodiscard]] result<api::stage_result> stage(
      const std::string& link, const std::function<bool(const std::string&)>& topic_selected,
      const std::function<bool(const std::string&)>& group_selected, bool dry_run);

 private:
  [[nodiscard]] static api::link_info info_of(const link_runtime& r);
  [[nodiscard]] std::shared_ptr<link_runtime> make_runtime(const config::link_config& l,
                                                           bool from_api);
  // Stores the link's record (`yaml`: an API link's definition; paused).
  [[nodiscard]] status persist(const link_runtime& r, const std::string& yaml, bool paused);
  // What create refuses before it creates anything (both clusters are asked
  // for their ids): a link whose name's checkpoints are of other clusters, a
  // loop (mirror::cluster_refusal), a target topic internal to Kafka, and a
  // target topic another running link writes on the same cluster; the error
  // names the topic, the link or the ids.
  [[nodiscard]] status check_new(const config::link_config& l) const;

  const config::config& cfg_;
  store::checkpoint_store& store_;
  metrics::registry& metrics_;
  std::function<void()> on_fatal_;
  std::chrono::milliseconds drain_;
  mirror::target_claims claims_;
  std::mutex lifecycle_mu_;      // one load/create/remove/pause/resume/stop_all at a time
  mutable std::mutex links_mu_;  // guards the map (not the runtimes)
  std::map<std::string, std::shared_ptr<link_runtime>> links_;
  std::map<std::string, std::string> api_yaml_;  // definitions of API links; lifecycle_mu_
  bool failed_ = false;
};

}  // namespace strait::daemon
