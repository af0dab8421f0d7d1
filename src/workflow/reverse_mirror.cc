#include "strait/workflow/reverse_mirror.h"

#include <re2/re2.h>
#include <spdlog/spdlog.h>

namespace strait::workflow {

reverse_mirror::reverse_mirror(const config::link_config& forward, store::checkpoint_store& store,
                               metrics::registry& metrics, std::function<void()> on_failure)
    : forward_(forward), store_(store), metrics_(metrics), on_failure_(std::move(on_failure)) {}

reverse_mirror::~reverse_mirror() { stop(); }

config::link_config reverse_mirror::derive(const config::link_config& forward,
                                           const std::set<std::string>& source_topics) {
  config::link_config r = forward;
  r.name = link_name(forward.name);
  std::swap(r.source, r.target);
  r.topics.include.clear();
  for (const auto& t : source_topics) {
    r.topics.include.push_back(RE2::QuoteMeta(forward.topics.target_name(t)));
  }
  r.topics.exclude.clear();
  r.topics.strip_prefix = forward.topics.prefix;
  r.topics.prefix.clear();
  r.topics.create = false;  // the source topics exist; never create one there
  // Never change a source topic's configs from its copy (the forward link's
  // config sync shows any drift).
  r.topics.config_sync = config::topic_config::config_sync_mode::off;
  r.groups = {};
  // ACLs are the forward link's to plan (its admin credential is for its
  // target, the reverse link's source): never the reverse link's.
  r.acls = {};
  r.fence = {};  // the forward link's cutovers fence its source
  return r;
}

status reverse_mirror::seed(const std::string& source_topic, int32_t partition,
                            const offsets::mirror_position& forward) {
  const partition_key key{link_name(forward_.name), forward_.topics.target_name(source_topic),
                          partition_id(partition)};
  auto existing = store_.load(key);
  if (!existing) return std::unexpected(existing.error());
  // Seeded by this cutover before a restart (at or past the hand-over):
  // keep it. One from an earlier cutover that was rolled back ends where
  // that rollback resumed forward mirroring, behind this hand-over: records
  // mirrored forward since then must not be taken for reverse-mirrored ones.
  if (*existing && (*existing)->position.next_source.value() >= forward.next_target.value()) {
    return {};
  }
  store::partition_checkpoint cp;
  cp.position = {source_offset(forward.next_target.value()),
                 target_offset(forward.next_source.value())};
  store::checkpoint_store::write_batch b;
  b.put_checkpoint(key, cp);
  return store_.commit(b);
}

status reverse_mirror::run_for(const std::set<std::string>& source_topics) {
  if (source_topics == topics_ && (engine_ || source_topics.empty())) return {};
  stop();
  topics_ = source_topics;
  if (topics_.empty()) return {};
  auto stopping = [this] {
    std::lock_guard lock(mu_);
    return stopping_;
  };
  if (stopping()) {
    topics_.clear();  // nothing runs
    return fail(errc::busy, "the link is stopping");
  }
  const config::link_config cfg = derive(forward_, topics_);
  auto engine = std::make_unique<mirror::link_engine>(cfg, store_, metrics_, on_failure_);
  if (auto s = engine->start(); !s) return s;
  auto supervisor = std::make_unique<mirror::link_supervisor>(cfg, store_, *engine, metrics_);
  if (auto s = supervisor->start(); !s) {
    engine->stop();
    return s;
  }
  spdlog::info("link {}: reverse mirroring {} -> {} for {} topics", forward_.name,
               cfg.source.bootstrap(), cfg.target.bootstrap(), topics_.size());
  std::lock_guard lock(mu_);
  if (stopping_) {  // asked while the new engine started: it drains at once
    supervisor->request_stop();
    engine->request_stop(drain_);
  }
  engine_ = std::move(engine);
  supervisor_ = std::move(supervisor);
  return {};
}

void reverse_mirror::request_stop(std::chrono::milliseconds drain) {
  // Neither call waits (the forward path joins its supervisor first). What
  // the supervisor's round in progress still posts to the engine once it
  // drains is dropped with its inbox, and done again at the next start; an
  // acknowledgement of a reverse partition applied in that round waits for
  // its restart until the engine has stopped, and answers busy.
  std::lock_guard lock(mu_);
  if (stopping_) return;  // the first request's drain bound holds (stop() asks again)
  stopping_ = true;
  drain_ = drain;
  if (supervisor_) supervisor_->request_stop();
  if (engine_) engine_->request_stop(drain);
}

int64_t reverse_mirror::inflight_bytes() const {
  std::lock_guard lock(mu_);
  return engine_ ? engine_->inflight_bytes() : 0;
}

void reverse_mirror::stop() {
  std::unique_ptr<mirror::link_engine> engine;
  std::unique_ptr<mirror::link_supervisor> supervisor;
  {
    std::lock_guard lock(mu_);
    engine = std::move(engine_);
    supervisor = std::move(supervisor_);
  }
  if (supervisor) supervisor->stop();
  if (engine) engine->stop();
  // A restart for other topics must not leave the series of those it no
  // longer runs (a topic rolled back and resumed forward).
  if (engine) metrics_.remove_everywhere({{"link", link_name(forward_.name)}});
}

std::vector<mirror::partition_snapshot> reverse_mirror::snapshot() const {
  std::lock_guard lock(mu_);
  return engine_ ? engine_->snapshot() : std::vector<mirror::partition_snapshot>{};
}

}  // namespace strait::workflow
