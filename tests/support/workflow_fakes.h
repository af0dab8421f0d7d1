#pragma once

// Hand-written fakes of link_workflow's ports (strait/workflow/ports.h) and
// a small simulated world they share: two clusters with end offsets and
// groups, a forward engine that mirrors and checkpoints when the test says
// so (tick()), reverse mirroring that copies back, a clock the test moves.
// The checkpoint store is the real one (in a temp dir): the moves read the
// checkpoints and maps the way they do in straitd.
//
// Nothing here runs by itself: a test calls world::tick() (the engines'
// work and the workflow's tasks, as their threads would do it between two
// workflow rounds) and link_workflow::run_round(), so every step and its
// order is the test's.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "strait/store/checkpoint_store.h"
#include "strait/workflow/link_workflow.h"
#include "test_util.h"

namespace strait::testing {

// One cluster: the end offset of each partition, its groups (state and
// committed offsets). Calls fail while `reachable` is false.
struct fake_cluster {
  std::map<kafka::topic_partition, int64_t> ends;
  std::map<std::string, kafka::group_state> group_states;  // absent: Empty/Dead
  std::map<std::string, std::vector<kafka::committed_offset>> committed;
  bool reachable = true;
  // Groups whose coordinator does not answer ListGroups: missing from the
  // listing, which then says it is incomplete.
  std::set<std::string> unanswered;
  int commits = 0;  // commit_group_offsets calls
  // Its ACLs, changed through the world's grant or fence port as cluster
  // `acl_cluster`: `acl_error` fails their reads, `acl_writes_fail` each
  // create and remove. The link's credential (topic_operations) is
  // `strait_principal`, who may do anything a DENY WRITE on a topic's
  // LITERAL name does not take away.
  std::set<kafka::acl_binding> acls;
  std::string acl_cluster;
  std::string acl_error;
  bool acl_writes_fail = false;
  bool acl_creates_time_out = false;  // each create happens, but the answer says it failed
  int acl_reads = 0;
  std::string strait_principal = "User:strait";

  // What a producer does: `n` more records on `tp`.
  void produce(const kafka::topic_partition& tp, int64_t n) { ends[tp] += n; }

  [[nodiscard]] std::unique_ptr<workflow::cluster_port> port();
};

class fake_cluster_port final : public workflow::cluster_port {
 public:
  explicit fake_cluster_port(fake_cluster& c) : c_(c) {}
  result<std::map<kafka::topic_partition, kafka::watermarks>> list_watermarks(
      const std::vector<kafka::topic_partition>& partitions) override {
    if (!c_.reachable) return fail(errc::kafka, "fake cluster down");
    std::map<kafka::topic_partition, kafka::watermarks> out;
    for (const auto& tp : partitions) out[tp] = {0, c_.ends[tp]};
    return out;
  }
  result<kafka::group_list> list_groups() override {
    if (!c_.reachable) return fail(errc::kafka, "fake cluster down");
    kafka::group_list l;
    for (const auto& [g, s] : c_.group_states) {
      if (!c_.unanswered.contains(g)) l.groups.push_back({g, s});
    }
    l.complete = c_.unanswered.empty();
    if (!l.complete) l.error = "a broker did not answer";
    return l;
  }
  result<std::vector<kafka::committed_offset>> group_offsets(const std::string& group) override {
    if (!c_.reachable) return fail(errc::kafka, "fake cluster down");
    return c_.committed[group];
  }
  result<std::set<std::string>> topic_operations(const std::string& topic) override {
    if (!c_.reachable) return fail(errc::kafka, "fake cluster down");
    std::set<std::string> ops{"READ", "DESCRIBE", "WRITE"};
    if (c_.acls.contains({"TOPIC", topic, "LITERAL", c_.strait_principal, "*", "WRITE", "DENY"})) {
      ops.erase("WRITE");
    }
    return ops;
  }
  result<std::vector<kafka::refused_partition>> commit_group_offsets(
      const std::string& group, const std::vector<kafka::committed_offset>& offsets) override {
    if (!c_.reachable) return fail(errc::kafka, "fake cluster down");
    ++c_.commits;
    auto st = c_.group_states.find(group);
    std::vector<kafka::refused_partition> refused;
    if (st != c_.group_states.end() && st->second != kafka::group_state::empty &&
        st->second != kafka::group_state::dead) {
      for (const auto& o : offsets) {
        refused.push_back({o.topic, o.partition, RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID});
      }
      return refused;
    }
    auto& have = c_.committed[group];
    for (const auto& o : offsets) {
      auto it = std::find_if(have.begin(), have.end(), [&](const auto& h) {
        return h.topic == o.topic && h.partition == o.partition;
      });
      if (it == have.end()) {
        have.push_back(o);
      } else {
        *it = o;
      }
    }
    return refused;
  }

 private:
  fake_cluster& c_;
};

inline std::unique_ptr<workflow::cluster_port> fake_cluster::port() {
  return std::make_unique<fake_cluster_port>(*this);
}

// A manual steady clock.
struct fake_clock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1)};
  void advance(std::chrono::milliseconds d) { now += d; }
};

// The world a link's workflow sees: a source and a target cluster, forward
// mirroring of the selected topics and reverse mirroring, both simulated
// on the real checkpoint store by tick().
class fake_world {
 public:
  fake_world(const config::link_config& cfg, store::checkpoint_store& store)
      : cfg_(cfg), store_(store) {
    source.acl_cluster = "src";
    target.acl_cluster = "tgt";
  }

  fake_cluster source, target;
  fake_clock clock;
  std::set<std::string> held_groups;  // what the workflow asked the syncer to leave alone
  std::vector<groupsync::group_status> syncer_groups;  // what the syncer reports
  bool has_syncer = true;
  bool forward_paused = false;  // tick() copies nothing forward (a slow engine)
  // The supervisor has listed the link's topics and handed their partitions
  // to the engine (not yet, right after a start): when false, forward
  // mirroring shows no topic and no partition.
  bool topics_listed = true;
  bool reverse_paused = false;  // nor back
  // The tail verification's outcome: `failed` and `interrupted` as set;
  // `passed` only when forward mirroring of every partition of the topic
  // has reached the source's end (else a record would be missing on the
  // target, as a real comparison would find).
  verify::verdict tail_outcome = verify::verdict::passed;
  int verifications = 0;
  int verifications_cancelled = 0;  // ran with their cancel flag set (ended at once)
  // Restarts of reverse mirroring fail (an engine that cannot start): like
  // reverse_mirror::run_for, nothing runs afterwards.
  bool fail_reverse_restarts = false;
  // resume_handed_over (a forward partition resumed) is answered at once,
  // unless `hold_replacements`: then in order, at the first tick() after it
  // no longer holds (an engine slow to get to its inbox). The next
  // `refuse_replacements` are refused (as the engine refuses a partition
  // with records in flight).
  bool hold_replacements = false;
  int refuse_replacements = 0;
  int replacements = 0;  // resume_handed_over calls
  // Tasks the workflow posted (task_port: "vfy:L/TOPIC" a tail
  // verification, "rev:L" a restart of reverse mirroring) run in tick(),
  // as their threads would between two rounds; but those `hold_task`
  // matches, which wait (a slow verification, a long drain) until it no
  // longer does. While a restart of reverse mirroring waits, nothing is
  // copied back: reverse_mirror::run_for stops the old engine first.
  std::function<bool(const std::string& name)> hold_task = [](const std::string&) { return false; };
  [[nodiscard]] size_t tasks_waiting() const { return tasks_.size(); }
  void run_tasks() {
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      if (hold_task(it->first)) {
        ++it;
        continue;
      }
      auto task = std::move(it->second);
      it = tasks_.erase(it);
      task();
    }
  }

  // The link's ACL sync (workflow::grant_port on the target), when `acls`:
  // the plan's items as the test sets them, but each create or at_cutover
  // item whose target binding the target has shown as `nothing` (as a plan
  // read again shows it). The source fence (workflow::fence_port on the
  // source), when `fence`.
  bool acls = false;
  std::vector<policy::acl_item> acl_items;
  metrics::registry metrics;  // the workflow's gauges
  bool fence = false;

  // A topic the supervisor selected, with `partitions` partitions running
  // from offset 0 on both clusters.
  void add_topic(const std::string& topic, int partitions) {
    selected_[topic] = partitions;
    for (int p = 0; p < partitions; ++p) {
      running_[{cfg_.name, topic, partition_id(p)}] = {};
      source.ends[{topic, p}];
      target.ends[{cfg_.topics.target_name(topic), p}];
    }
  }

  // One turn of the engines: forward mirroring copies every running
  // partition's new source records to the target (one run each time) and
  // checkpoints, a partition stopped since the last turn checkpoints its
  // stop; reverse mirroring copies the target's new records of its topics
  // back to the source.
  //
  // A turn is all or nothing: when the store refuses its write (a test's
  // fault injection: straitd killed there), nothing of it happened, neither
  // in the store nor on the clusters.
  void tick() {
    run_tasks();
    if (!hold_replacements) answer_replacements();
    store::checkpoint_store::write_batch b;
    std::vector<std::function<void()>> then;  // what the turn did, once written
    for (auto& [key, part] : running_) {
      const kafka::topic_partition stp{key.topic, key.partition.value()};
      const kafka::topic_partition ttp{cfg_.topics.target_name(key.topic), key.partition.value()};
      offsets::mirror_position pos = part.position;
      if (part.stopped == store::stop_reason::none && !forward_paused) {
        const int64_t n = source.ends[stp] - pos.next_source.value();
        if (n > 0) {
          b.put_run(key, {pos.next_source, target_offset(target.ends[ttp]), n});
          pos = {source_offset(source.ends[stp]), target_offset(target.ends[ttp] + n)};
          then.emplace_back([this, &part, pos, ttp, n] {
            part.position = pos;
            target.ends[ttp] += n;
          });
        }
      }
      b.put_checkpoint(key, {pos, part.stopped, part.detail});
    }
    const bool restarting = std::any_of(tasks_.begin(), tasks_.end(),
                                        [](const auto& t) { return t.first.starts_with("rev:"); });
    for (const auto& topic : restarting ? std::set<std::string>{} : reverse_topics_) {
      const std::string target_topic = cfg_.topics.target_name(topic);
      for (int p = 0; p < selected_[topic]; ++p) {
        const partition_key rkey{config::reverse_link_name(cfg_.name), target_topic,
                                 partition_id(p)};
        auto cp = store_.load(rkey);
        ASSERT_TRUE(cp && *cp) << "reverse mirroring of " << topic << " runs unseeded";
        auto pos = (*cp)->position;  // source: the target cluster's offsets
        const int64_t n = target.ends[{target_topic, p}] - pos.next_source.value();
        if (n > 0 && !reverse_paused) {
          b.put_run(rkey, {pos.next_source, target_offset(source.ends[{topic, p}]), n});
          pos = {source_offset(pos.next_source.value() + n),
                 target_offset(source.ends[{topic, p}] + n)};
          then.emplace_back([this, topic, p, n] { source.ends[{topic, p}] += n; });
        }
        b.put_checkpoint(rkey, {pos, store::stop_reason::none, ""});
      }
    }
    auto written = store_.commit(b);
    if (!written) {
      ASSERT_EQ(written.error().code, errc::io) << written.error().message;
      return;
    }
    for (const auto& done : then) done();
  }

  // A kill -9 of straitd: the engines start again from their stored
  // checkpoints (a stop not checkpointed yet is gone); reverse mirroring
  // runs again when the workflow asks.
  void restart_engines() {
    replacements_.clear();  // the engine's inbox is gone
    for (auto& [key, part] : running_) {
      auto cp = store_.load(key);
      ASSERT_TRUE(cp);
      part = *cp ? partition{(*cp)->position, (*cp)->stopped, (*cp)->stop_detail} : partition{};
    }
    reverse_topics_.clear();
  }

  [[nodiscard]] const std::set<std::string>& reverse_topics() const { return reverse_topics_; }
  [[nodiscard]] store::stop_reason stopped(const std::string& topic, int p) const {
    return running_.at({cfg_.name, topic, partition_id(p)}).stopped;
  }
  // A data incident on a forward partition (the engine stops it; one
  // already stopped keeps its stop, as in link_engine).
  void stop(const std::string& topic, int p, store::stop_reason why) {
    auto& part = running_[{cfg_.name, topic, partition_id(p)}];
    if (part.stopped == store::stop_reason::none) part.stopped = why;
  }

  // A stopped partition's stop replaced by an incident's, as if it had been
  // restarted and stopped again behind the workflow's back.
  void stop_again(const std::string& topic, int p, store::stop_reason why, std::string detail) {
    auto& part = running_.at({cfg_.name, topic, partition_id(p)});
    part.stopped = why;
    part.detail = std::move(detail);
  }
  // The engine's requests dropped unanswered (it stopped): broken promises.
  void drop_replacements() { replacements_.clear(); }
  // The engine's loop taking its resume_handed_over requests.
  void answer_replacements() {
    for (auto& [start, done] : replacements_) {
      auto& part = running_.at(start.key);
      if (refuse_replacements > 0) {
        --refuse_replacements;
        done.set_value(fail(errc::precondition, "fake: records in flight"));
      } else if (part.stopped == store::stop_reason::none) {
        done.set_value(fail(errc::precondition, "fake: the partition runs"));
      } else if (part.stopped != store::stop_reason::handed_over) {
        done.set_value(fail(errc::precondition, "fake: stopped for an incident"));
      } else {
        store::checkpoint_store::write_batch b;
        b.put_checkpoint(start.key, start.checkpoint);
        auto written = store_.commit(b);
        if (written) part = {start.checkpoint.position, store::stop_reason::none, ""};
        done.set_value(written);
      }
    }
    replacements_.clear();
  }

  [[nodiscard]] workflow::ports ports() {
    workflow::ports p;
    p.forward = std::make_unique<forward>(*this);
    p.reverse = std::make_unique<reverse>(*this);
    if (has_syncer) p.groups = std::make_unique<syncer>(*this);
    p.tasks = std::make_unique<tasks>(*this);
    if (acls) p.grants = std::make_unique<grants>(*this);
    if (fence) p.fence = std::make_unique<fences>(source);
    p.metrics = &metrics;
    p.connect = [this](bool src) -> result<std::unique_ptr<workflow::cluster_port>> {
      fake_cluster& c = src ? source : target;
      if (!c.reachable) return fail(errc::kafka, "fake cluster down");
      return c.port();
    };
    p.verify = [this](const verify::request& req, verify::report& r,
                      const std::function<void(const verify::report&)>&,
                      const std::atomic<bool>& cancel) {
      ++verifications;
      if (cancel) {
        ++verifications_cancelled;
        r.error = "fake: cancelled";
        return;
      }
      if (tail_outcome == verify::verdict::interrupted) {
        r.error = "fake: a cluster is unreachable";
        return;
      }
      for (const auto& t : req.topics) {
        verify::topic_result tr{t, cfg_.topics.target_name(t), 1, 1, {}, {}};
        if (tail_outcome == verify::verdict::failed) tr.differences.push_back("fake difference");
        for (const auto& [key, part] : running_) {
          if (key.topic == t &&
              part.position.next_source.value() < source.ends[{t, key.partition.value()}]) {
            tr.differences.push_back("fake: partition " + std::to_string(key.partition.value()) +
                                     " misses the source's newest records on the target");
          }
        }
        r.topics.push_back(tr);
      }
    };
    p.now = [this] { return clock.now; };
    return p;
  }

 private:
  struct partition {
    offsets::mirror_position position;
    store::stop_reason stopped = store::stop_reason::none;
    std::string detail;
  };

  class forward final : public workflow::forward_port {
   public:
    explicit forward(fake_world& w) : w_(w) {}
    std::map<std::string, int> selected_topics() const override {
      return w_.topics_listed ? w_.selected_ : std::map<std::string, int>{};
    }
    std::vector<mirror::partition_snapshot> snapshot() const override {
      std::vector<mirror::partition_snapshot> out;
      if (!w_.topics_listed) return out;
      for (const auto& [key, part] : w_.running_) {
        mirror::partition_snapshot s;
        s.key = key;
        s.position = part.position;
        s.stopped = part.stopped != store::stop_reason::none;
        s.stop_reason = part.stopped;
        s.stop_detail = part.detail;
        const int64_t end = w_.source.ends[{key.topic, key.partition.value()}];
        s.lag_records = end - part.position.next_source.value();
        s.idle = true;
        out.push_back(s);
      }
      return out;
    }
    bool has_partition(const partition_key& key) const override {
      return w_.topics_listed && w_.running_.contains(key);
    }
    void stop_partition(const partition_key& key, store::stop_reason reason,
                        std::string detail) override {
      auto& part = w_.running_.at(key);
      if (part.stopped != store::stop_reason::none) return;  // keeps its stop
      part.stopped = reason;
      part.detail = std::move(detail);
    }
    std::future<status> resume_handed_over(mirror::partition_start start) override {
      ++w_.replacements;
      std::promise<status> done;
      auto answer = done.get_future();
      w_.replacements_.emplace_back(std::move(start), std::move(done));
      if (!w_.hold_replacements) w_.answer_replacements();
      return answer;
    }

   private:
    fake_world& w_;
  };

  class reverse final : public workflow::reverse_port {
   public:
    explicit reverse(fake_world& w) : w_(w) {}
    status seed(const std::string& source_topic, int32_t partition,
                const offsets::mirror_position& fwd) override {
      const partition_key key{config::reverse_link_name(w_.cfg_.name),
                              w_.cfg_.topics.target_name(source_topic), partition_id(partition)};
      auto cp = w_.store_.load(key);
      if (!cp) return std::unexpected(cp.error());
      if (*cp && (*cp)->position.next_source.value() >= fwd.next_target.value()) return {};
      store::checkpoint_store::write_batch b;
      b.put_checkpoint(
          key, {{source_offset(fwd.next_target.value()), target_offset(fwd.next_source.value())},
                store::stop_reason::none,
                ""});
      return w_.store_.commit(b);
    }
    status run_for(const std::set<std::string>& topics) override {
      if (stopping_ && !topics.empty()) {  // as reverse_mirror: nothing new starts
        w_.reverse_topics_.clear();
        return fail(errc::busy, "fake: the link is stopping");
      }
      if (w_.fail_reverse_restarts) {
        w_.reverse_topics_.clear();
        return fail(errc::kafka, "fake: the reverse engine cannot start");
      }
      w_.reverse_topics_ = topics;
      return {};
    }
    std::vector<mirror::partition_snapshot> snapshot() const override {
      std::vector<mirror::partition_snapshot> out;
      for (const auto& topic : w_.reverse_topics_) {
        const std::string target_topic = w_.cfg_.topics.target_name(topic);
        for (int p = 0; p < w_.selected_.at(topic); ++p) {
          const partition_key key{config::reverse_link_name(w_.cfg_.name), target_topic,
                                  partition_id(p)};
          auto cp = w_.store_.load(key);
          if (!cp || !*cp) continue;
          mirror::partition_snapshot s;
          s.key = key;
          s.position = (*cp)->position;
          s.idle = true;
          out.push_back(s);
        }
      }
      return out;
    }
    void request_stop(std::chrono::milliseconds) override { stopping_ = true; }
    void stop() override { w_.reverse_topics_.clear(); }

   private:
    fake_world& w_;
    std::atomic<bool> stopping_{false};
  };

  class tasks final : public workflow::task_port {
   public:
    explicit tasks(fake_world& w) : w_(w) {}
    bool post(std::string name, std::function<void()> task) override {
      if (stopped_) return false;
      w_.tasks_.emplace_back(std::move(name), std::move(task));
      return true;
    }
    // Those not run yet are dropped, as a crash would.
    void stop() override {
      stopped_ = true;
      w_.tasks_.clear();
    }

   private:
    fake_world& w_;
    bool stopped_ = false;
  };

  // Creates and deletes bindings of one fake cluster.
  template <typename Port>
  class acl_writer : public Port {
   public:
    explicit acl_writer(fake_cluster& c) : c_(c) {}
    result<workflow::cluster_acls> read() override {
      ++c_.acl_reads;
      if (!c_.acl_error.empty()) return fail(errc::kafka, c_.acl_error);
      return workflow::cluster_acls{c_.acl_cluster, {c_.acls.begin(), c_.acls.end()}};
    }
    status create(const std::string& cluster, const kafka::acl_binding& b) override {
      if (c_.acl_writes_fail) return fail(errc::kafka, "fake: CreateAcls refused");
      if (cluster != c_.acl_cluster) return fail(errc::precondition, "fake: another cluster");
      c_.acls.insert(b);
      if (c_.acl_creates_time_out) return fail(errc::kafka, "fake: CreateAcls timed out");
      return {};
    }
    result<workflow::acl_removal> remove(const std::string& cluster,
                                         const kafka::acl_binding& b) override {
      if (c_.acl_writes_fail) return fail(errc::kafka, "fake: DeleteAcls refused");
      if (cluster != c_.acl_cluster) return workflow::acl_removal{true, 0};
      return workflow::acl_removal{false, c_.acls.erase(b)};
    }

   protected:
    fake_cluster& c_;
  };

  class grants final : public acl_writer<workflow::grant_port> {
   public:
    grants(fake_world& w) : acl_writer(w.target), w_(w) {}
    result<workflow::acl_grant_plan> plan() override {
      ++c_.acl_reads;
      if (!c_.acl_error.empty()) return fail(errc::kafka, c_.acl_error);
      workflow::acl_grant_plan p{c_.acl_cluster, w_.acl_items};
      // As plan_acls reads the target: what it has already, and a PREFIXED
      // binding's LITERAL copies there.
      for (auto& i : p.items) {
        if (c_.acls.contains(i.target)) i.what = policy::acl_action::nothing;
        if (i.what == policy::acl_action::at_cutover && i.target.pattern_type == "PREFIXED") {
          i.literal_on_target = policy::literal_copies_on_target(i.target, c_.acls);
        }
      }
      return p;
    }

   private:
    fake_world& w_;
  };

  class fences final : public acl_writer<workflow::fence_port> {
   public:
    explicit fences(fake_cluster& c) : acl_writer(c) {}
  };

  class syncer final : public workflow::group_port {
   public:
    explicit syncer(fake_world& w) : w_(w) {}
    std::vector<groupsync::group_status> groups() const override { return w_.syncer_groups; }
    void hold(std::set<std::string> g) override { w_.held_groups = std::move(g); }

   private:
    fake_world& w_;
  };

  config::link_config cfg_;
  store::checkpoint_store& store_;
  std::map<std::string, int> selected_;
  std::map<partition_key, partition> running_;
  std::set<std::string> reverse_topics_;
  std::list<std::pair<std::string, std::function<void()>>> tasks_;
  std::vector<std::pair<mirror::partition_start, std::promise<status>>> replacements_;
};

}  // namespace strait::testing
