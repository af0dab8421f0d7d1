#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/metrics/registry.h"
#include "strait/mirror/link_engine.h"
#include "strait/mirror/link_supervisor.h"
#include "strait/store/checkpoint_store.h"
#include "strait/workflow/ports.h"

namespace strait::workflow {

// Mirroring target -> source of a link's cut-over topics, so that consumers
// still on the source receive what producers now write to the target
// (docs/cutover.md). A mirror::link_engine and link_supervisor on a link
// config derived from the forward one (derive()): name "<link>.reverse",
// clusters swapped, exactly the cut-over topics (by their target names),
// written under their source names, never creating a topic, no group sync.
//
// Where each partition starts is seeded at cutover (seed()): the target's
// end onto the source's end, exactly where forward mirroring stopped, so
// that the two directions' offset maps tile (offsets::run_list::merge).
// Restarts (a different topic set, a straitd restart) resume from the
// reverse checkpoints like any link.
//
// Threads: seed from the workflow's thread, run_for from its tasks (one at a
// time, ports.h); request_stop from the thread that stops the link once the
// workflow's thread has ended (a restart may still run in a task), stop once
// the tasks have ended too; snapshot() and inflight_bytes() from any thread.
class reverse_mirror final : public reverse_port {
 public:
  reverse_mirror(const config::link_config& forward, store::checkpoint_store& store,
                 metrics::registry& metrics, std::function<void()> on_failure);
  ~reverse_mirror() override;

  [[nodiscard]] static std::string link_name(const std::string& forward_link) {
    return config::reverse_link_name(forward_link);
  }
  // The reverse link's config for these source topics.
  [[nodiscard]] static config::link_config derive(const config::link_config& forward,
                                                  const std::set<std::string>& source_topics);

  // Writes the checkpoint the reverse partition of `source_topic` starts
  // from: reading the target from `forward.next_target` (where forward
  // mirroring stopped writing), writing onto the source from
  // `forward.next_source`. Kept when the partition already is at or past
  // that point (a cutover resumed after a restart); replaced when it is
  // behind (an earlier cutover, rolled back since).
  [[nodiscard]] status seed(const std::string& source_topic, int32_t partition,
                            const offsets::mirror_position& forward) override;

  // Mirrors exactly these source topics back (none: stopped). The engine is
  // restarted when the set changes (its partitions drain and checkpoint
  // first, so nothing is lost or written twice). After request_stop it
  // starts nothing: errc::busy.
  [[nodiscard]] status run_for(const std::set<std::string>& source_topics) override;
  // Asks the reverse supervisor to end and the engine to drain for at most
  // `drain`, without waiting for either, so that straitd's links (forward
  // and reverse engines) drain at once; stop() then waits. A restart under
  // way (run_for) goes on draining the old engine and starts no new one.
  // Asked again, it keeps the first request's drain.
  void request_stop(std::chrono::milliseconds drain) override;
  // Stops reverse mirroring: its partitions drain (for at most the drain
  // given to request_stop, 30 s without one) and checkpoint.
  void stop() override;
  // Bytes the reverse engine has in flight (0 when stopped).
  [[nodiscard]] int64_t inflight_bytes() const;

  // Partitions of the reverse engine (keys: the reverse link, target topic
  // names); empty when stopped.
  [[nodiscard]] std::vector<mirror::partition_snapshot> snapshot() const override;

 private:
  config::link_config forward_;
  store::checkpoint_store& store_;
  metrics::registry& metrics_;
  std::function<void()> on_failure_;
  std::set<std::string> topics_;  // run_for's (one task at a time)
  mutable std::mutex mu_;         // guards what follows (snapshot, inflight_bytes, request_stop)
  std::unique_ptr<mirror::link_engine> engine_;
  std::unique_ptr<mirror::link_supervisor> supervisor_;
  // request_stop's: a restart under way starts nothing (or stops what it
  // started, with this drain).
  bool stopping_ = false;
  std::chrono::milliseconds drain_{0};
};

}  // namespace strait::workflow
