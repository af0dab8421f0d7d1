#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strait/config/config.h"
#include "strait/config/selection.h"
#include "strait/mirror/target_claims.h"
#include "strait/plan/planner.h"
#include "strait/store/checkpoint_store.h"

namespace strait::kafka {
class admin_client;
}

namespace strait::plan {

// A plan of the target's topics for a link: every selected source topic's
// items (planner.h), made from both clusters read live with the link's own
// credentials, and the notes of what a plan does not cover yet.
struct topic_plan {
  std::string link;
  int64_t made_at_ms = 0;
  bool running = false;                        // the link runs: items by_link happen without apply
  std::string source_cluster, target_cluster;  // cluster keys (mirror::cluster_key)
  std::vector<item> items;                     // by source topic, each topic's in order
  std::vector<std::string> notes;
};

// A plan and the target's admin client it was read with, for apply().
struct prepared_plan {
  topic_plan plan;
  std::shared_ptr<const kafka::admin_client> target;
};

// What apply did with one item.
enum class outcome {
  done,         // changed on the target
  failed,       // the target refused or did not answer: `message`
  not_reached,  // the pass's time budget ended first: apply again
  would,        // dry run: what apply would do
  left_alone,   // nothing or blocked: not an action
};
[[nodiscard]] const char* to_string(outcome o);

struct applied_item {
  item planned;
  outcome result = outcome::left_alone;
  std::string message;
};

struct apply_result {
  topic_plan plan;
  std::vector<applied_item> items;  // the plan's items, in its order
  int done = 0, failed = 0, not_reached = 0;
};

// Makes and applies plans of one link's target topics (docs/planning.md,
// ADR 0024). prepare() connects both clusters (admin clients of the link's
// properties, each request waiting at most `admin_timeout`), reads them and
// the link's store and plans; apply() carries the plan out with the
// target's client, which closes with the prepared plan. Reading and writing
// are two steps so that the API can read outside its one-mutation-at-a-time
// lock and hold that lock only for the writes.
//
// Threads: blocking; any thread. Writes to the store only the created flags
// of the topics apply() creates (as the supervisor does), to Kafka only in
// apply().
class metadata_planner {
 public:
  // `topics`: the link's selection (patterns and staged names); `claims`:
  // which link writes which target topic, shared with the supervisors.
  metadata_planner(const config::link_config& cfg, store::checkpoint_store& store,
                   const config::name_selection& topics, mirror::target_claims& claims,
                   std::chrono::milliseconds admin_timeout);

  using filter = std::function<bool(const std::string&)>;  // source topic names; null: all

  // The plan of the selected source topics `topics` accepts. `running`: the
  // link runs (its supervisor and config sync act). errc::precondition when
  // the link may write nothing (mirror::cluster_refusal) or a cluster cannot
  // be read; store errors as they are.
  [[nodiscard]] result<prepared_plan> prepare(const filter& topics, bool running) const;

  // Carries out the items that are actions (create, add partitions, change
  // configs) in the plan's order until `budget` has passed (a request then
  // running may take the admin timeout more); the rest are not_reached.
  // Idempotent: what is done is nothing in the next plan. `dry_run`: each
  // action `would`, nothing written.
  [[nodiscard]] apply_result apply(const prepared_plan& p, bool dry_run,
                                   std::chrono::milliseconds budget) const;

 private:
  const config::link_config& cfg_;
  store::checkpoint_store& store_;
  const config::name_selection& topics_;
  mirror::target_claims& claims_;
  std::chrono::milliseconds admin_timeout_;
};

}  // namespace strait::plan
