#include "strait/verify/verifier.h"

#include <algorithm>
#include <future>
#include <map>
#include <system_error>

#include "strait/kafka/record.h"
#include "strait/offsets/run_list.h"
#include "strait/policy/group_offsets.h"
#include "strait/policy/topic_configs.h"
#include "strait/registry/confluent_api.h"
#include "strait/registry/schema_plan.h"
#include "strait/verify/compare.h"

namespace strait::verify {

namespace {

constexpr std::chrono::milliseconds kAdminTimeout{10000};
constexpr std::chrono::milliseconds kReadIdle{30000};
constexpr int64_t kChunkRecords = 20000;  // records of one partition compared at once
// Windows of many partitions are read at once (one assignment per side), up
// to about this many records held in memory per side and this many
// partitions: one partition at a time cost a fetch round trip or more per
// partition (bench/estate_bench).
constexpr int64_t kBatchRecords = 100000;
constexpr size_t kBatchPartitions = 512;
constexpr int64_t kSampleWindow = 1000;  // records per window when sampling

record_seen seen(const rd_kafka_message_t& m) {
  rd_kafka_timestamp_type_t type;
  int64_t ts = rd_kafka_message_timestamp(&m, &type);
  return {m.offset, kafka::digest_of(&m, false), ts, type == RD_KAFKA_TIMESTAMP_CREATE_TIME};
}

bool is_compacted(const std::optional<std::string>& cleanup) {
  return cleanup && cleanup->find("compact") != std::string::npos;
}

}  // namespace

struct verifier::partition_plan {
  int32_t partition = 0;
  std::unique_ptr<offsets::run_list> index;
  std::vector<std::pair<int64_t, int64_t>> windows;  // source ranges to compare
  bool compacted = false;
  partition_result* out = nullptr;
};

struct verifier::topic_plan {
  std::string topic, target_topic;
  std::vector<partition_plan> partitions;
};

verifier::verifier(const config::link_config& cfg, const store::checkpoint_store& store)
    : cfg_(cfg), store_(store) {}
verifier::~verifier() = default;

status verifier::connect() {
  const std::string id = "strait-" + cfg_.name + "-verify";
  const std::string src_field = "links." + cfg_.name + ".source.properties";
  const std::string tgt_field = "links." + cfg_.name + ".target.properties";
  if (!source_admin_) {
    auto a = kafka::admin_client::connect(cfg_.source.props, id, src_field, kAdminTimeout);
    if (!a) return std::unexpected(a.error());
    source_admin_ = std::move(*a);
  }
  if (!target_admin_) {
    auto a = kafka::admin_client::connect(cfg_.target.props, id, tgt_field, kAdminTimeout);
    if (!a) return std::unexpected(a.error());
    target_admin_ = std::move(*a);
  }
  if (!source_reader_) {
    // What the engine mirrors: committed records only.
    auto r = kafka::partition_reader::connect(cfg_.source.props, id, src_field, true);
    if (!r) return std::unexpected(r.error());
    source_reader_ = std::move(*r);
  }
  if (!target_reader_) {
    // Committed records: strait writes without transactions (all visible);
    // after a cutover, producers on the target may use transactions, and
    // reverse mirroring copies only their committed records.
    auto r = kafka::partition_reader::connect(cfg_.target.props, id, tgt_field, true);
    if (!r) return std::unexpected(r.error());
    target_reader_ = std::move(*r);
  }
  return {};
}

void verifier::run(const request& req, report& r,
                   const std::function<void(const report&)>& progress,
                   const std::atomic<bool>& cancel) {
  if (auto s = connect(); !s) {
    r.error = s.error().message;
    return;
  }
  auto plans = plan_topics(req, r);
  progress(r);
  compare(plans, r, progress, cancel);
  if (!cancel.load()) {
    verify_groups(req, r);
    progress(r);
  }
  if (req.schemas && !cancel.load()) {
    verify_schemas(r, cancel);  // looks at `cancel` between its requests
    progress(r);
  }
  if (cancel.load()) {
    r.error =
        "cancelled (straitd is stopping, or the cutover that asked for it no longer needs it)";
  }
}

void verifier::verify_schemas(report& r, const std::atomic<bool>& cancel) {
  schema_result& out = r.schemas;
  out = {};
  out.compared = true;
  const auto& cfg = cfg_.schemas;
  auto selected = config::topic_filter::make(cfg.include, cfg.exclude, false, "schemas");
  if (!selected) {
    out.error = selected.error().message;
    return;
  }
  const auto clients = registry::connect_registries(cfg, kAdminTimeout);
  const auto deadline = std::chrono::steady_clock::now() + registry::kReadBudget;
  // The selected subjects on both sides: a version's id and schema are
  // compared under its subject, so the target's others are not needed.
  auto both = registry::read_registries(clients, *selected, false, deadline, &cancel);
  if (!both) {
    out.error = both.error().message;
    return;
  }
  compare_registries(both->source, both->target, out);
}

std::vector<verifier::topic_plan> verifier::plan_topics(const request& req, report& r) {
  std::vector<topic_plan> plans;
  auto src_topics = source_admin_->list_topics();
  auto tgt_topics = target_admin_->list_topics();
  std::vector<std::string> sources, targets;
  for (const auto& t : req.topics) {
    sources.push_back(t);
    targets.push_back(cfg_.topics.target_name(t));
  }
  auto src_configs = source_admin_->describe_topic_configs(sources);
  auto tgt_configs = target_admin_->describe_topic_configs(targets);

  r.topics.reserve(req.topics.size());  // partition_plan keeps pointers into it
  for (const auto& topic : req.topics) {
    topic_result& tr = r.topics.emplace_back();
    tr.topic = topic;
    tr.target_topic = cfg_.topics.target_name(topic);
    topic_plan plan{topic, tr.target_topic, {}};
    if (!src_topics || !tgt_topics) {
      tr.differences.push_back("cannot list topics: " + (!src_topics ? src_topics.error().message
                                                                     : tgt_topics.error().message));
      continue;
    }
    auto s = src_topics->find(topic);
    auto t = tgt_topics->find(tr.target_topic);
    if (s == src_topics->end()) {
      tr.differences.push_back("the topic is not on the source");
      continue;
    }
    tr.source_partitions = s->second.partitions;
    if (t == tgt_topics->end()) {
      tr.differences.push_back("the target topic " + tr.target_topic + " does not exist");
      continue;
    }
    tr.target_partitions = t->second.partitions;
    if (tr.source_partitions != tr.target_partitions) {
      tr.differences.push_back("partitions: source " + std::to_string(tr.source_partitions) +
                               ", target " + std::to_string(tr.target_partitions));
    }
    std::optional<std::string> src_cleanup, tgt_cleanup;
    if (!src_configs || !tgt_configs) {
      tr.differences.push_back("cannot read topic configs: " + (!src_configs
                                                                    ? src_configs.error().message
                                                                    : tgt_configs.error().message));
    } else if (auto sc = src_configs->find(topic), tc = tgt_configs->find(tr.target_topic);
               sc != src_configs->end() && tc != tgt_configs->end()) {
      // The configs topic sync copies must be equal (config drift).
      for (const auto& d : policy::config_differences(sc->second, tc->second, cfg_.topics)) {
        tr.differences.push_back("config " + policy::describe(d));
      }
      src_cleanup = policy::config_value(sc->second, "cleanup.policy");
      tgt_cleanup = policy::config_value(tc->second, "cleanup.policy");
    }
    const bool compacted = is_compacted(src_cleanup) || is_compacted(tgt_cleanup);

    std::vector<kafka::topic_partition> sp, tp;
    for (int p = 0; p < tr.source_partitions; ++p) {
      sp.emplace_back(topic, p);
      tp.emplace_back(tr.target_topic, p);
    }
    auto swm = source_admin_->list_watermarks(sp);
    auto twm = target_admin_->list_watermarks(tp);
    tr.partitions.resize(tr.source_partitions);
    for (int p = 0; p < tr.source_partitions; ++p) {
      partition_result& pr = tr.partitions[p];
      pr.partition = p;
      // After a cutover, records also crossed the other way (reverse
      // mirroring): both directions' runs make the partition's map.
      const partition_key key{cfg_.name, topic, partition_id(p)};
      const partition_key rev{config::reverse_link_name(cfg_.name), tr.target_topic,
                              partition_id(p)};
      auto cp = store_.load(key);
      auto runs = store_.runs(key);
      auto rcp = store_.load(rev);
      auto rruns = store_.runs(rev);
      if (!cp || !runs || !rcp || !rruns) {
        pr.error = (!cp     ? cp.error()
                    : !runs ? runs.error()
                    : !rcp  ? rcp.error()
                            : rruns.error())
                       .message;
        continue;
      }
      if (!*cp) {
        pr.error = "not mirrored yet (no checkpoint)";
        continue;
      }
      const auto& checkpoint = **cp;
      if (checkpoint.stopped == store::stop_reason::handed_over) {
        pr.note = "cut over: compared through the maps of both directions";
      } else if (checkpoint.stopped != store::stop_reason::none) {
        pr.note = std::string("stopped: ") + store::to_string(checkpoint.stopped) +
                  "; compared up to where it stopped";
      }
      auto merged = offsets::run_list::merge(std::move(*runs), checkpoint.position, *rruns,
                                             *rcp ? (**rcp).position : offsets::mirror_position{});
      if (!merged) {
        pr.error = merged.error().message;
        continue;
      }
      if (!swm || !twm || !swm->contains({topic, p}) || !twm->contains({tr.target_topic, p})) {
        pr.error = "cannot read the watermarks of both partitions";
        continue;
      }
      const auto src = swm->at({topic, p});
      const auto tgt = twm->at({tr.target_topic, p});
      partition_plan plan_p;
      plan_p.partition = p;
      plan_p.compacted = compacted;
      plan_p.index = std::make_unique<offsets::run_list>(std::move(*merged));
      const offsets::run_list& idx = *plan_p.index;
      int64_t from = idx.runs().empty() ? idx.position().next_source.value()
                                        : idx.runs().front().source_start.value();
      from = std::max(from, src.low);
      // Where the target's retention deleted more than the source's, start
      // where both still hold the data.
      if (idx.to_target(source_offset(from)).value() < tgt.low) {
        from = std::max(from, idx.to_source(target_offset(tgt.low)).value());
      }
      const int64_t to = idx.position().next_source.value();
      pr.source_from = from;
      pr.source_to = std::max(from, to);
      pr.target_from = idx.to_target(source_offset(pr.source_from)).value();
      pr.target_to = idx.to_target(source_offset(pr.source_to)).value();
      const int64_t n = pr.source_to - pr.source_from;
      if (req.tail_only && req.sample_records > 0 && n > req.sample_records) {
        plan_p.windows.emplace_back(pr.source_to - req.sample_records, pr.source_to);
        r.records_planned += req.sample_records;
        pr.note += std::string(pr.note.empty() ? "" : "; ") + "tail: the newest " +
                   std::to_string(req.sample_records) + " offsets";
      } else if (req.sample_records <= 0 || n <= req.sample_records) {
        for (int64_t a = pr.source_from; a < pr.source_to; a += kChunkRecords) {
          plan_p.windows.emplace_back(a, std::min(a + kChunkRecords, pr.source_to));
        }
        r.records_planned += n;
      } else {
        // Evenly spaced windows, the first at the start and the last at the
        // end (the newest records, where a problem is most likely).
        const int64_t w = std::min(kSampleWindow, req.sample_records);
        const int64_t k = std::max<int64_t>(2, req.sample_records / w);
        for (int64_t i = 0; i < k; ++i) {
          int64_t a = pr.source_from + i * (n - w) / (k - 1);
          if (!plan_p.windows.empty() && a < plan_p.windows.back().second) {
            a = plan_p.windows.back().second;
          }
          plan_p.windows.emplace_back(a, std::min(a + w, pr.source_to));
          r.records_planned += plan_p.windows.back().second - a;
        }
        pr.note += std::string(pr.note.empty() ? "" : "; ") + "sampled: " + std::to_string(k) +
                   " windows of " + std::to_string(w) + " offsets";
      }
      plan_p.out = &pr;
      plan.partitions.push_back(std::move(plan_p));
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

void verifier::compare(std::vector<topic_plan>& plans, report& r,
                       const std::function<void(const report&)>& progress,
                       const std::atomic<bool>& cancel) {
  // Each partition's next window to compare; a partition leaves when all
  // its windows are compared or one failed. Batches mix topics: the
  // partitions of one read share its round trips whatever their topics, and
  // an estate has many topics of few partitions (bench/estate_bench).
  struct cursor {
    const topic_plan* t;
    partition_plan* p;
    size_t window = 0;
  };
  std::vector<cursor> pending;
  for (auto& t : plans) {
    for (auto& p : t.partitions) {
      if (!p.windows.empty()) pending.push_back({&t, &p});
    }
  }
  while (!pending.empty()) {
    if (cancel.load()) return;
    // One window each of as many partitions as the batch holds.
    std::vector<cursor*> batch;
    int64_t records = 0;
    for (auto& c : pending) {
      if (batch.size() >= kBatchPartitions || (!batch.empty() && records >= kBatchRecords)) break;
      const auto& [a, b] = c.p->windows[c.window];
      records += b - a;
      batch.push_back(&c);
    }
    std::vector<kafka::partition_reader::range> source_ranges, target_ranges;
    for (const cursor* c : batch) {
      const auto& [a, b] = c->p->windows[c->window];
      source_ranges.push_back({c->t->topic, c->p->partition, a, b});
      target_ranges.push_back({c->t->target_topic, c->p->partition,
                               c->p->index->to_target(source_offset(a)).value(),
                               c->p->index->to_target(source_offset(b)).value()});
    }
    // Both sides at once: each read waits on its own cluster. The target's
    // callback touches only `landed`, declared before the future so that the
    // future's destructor (which waits for the read) runs first, also when
    // the source read throws.
    std::vector<std::vector<record_seen>> landed(batch.size());
    auto read_target = [&] {
      return target_reader_->read_many(
          target_ranges,
          [&](size_t i, const rd_kafka_message_t& m) { landed[i].push_back(seen(m)); }, kReadIdle);
    };
    std::future<std::vector<result<int64_t>>> target_read;
    try {
      target_read = std::async(std::launch::async, read_target);
    } catch (const std::system_error&) {  // no thread to be had: one side after the other
      target_read = std::async(std::launch::deferred, read_target);
    }
    std::vector<std::vector<expected_record>> expected(batch.size());  // where the map put each
    auto read = source_reader_->read_many(
        source_ranges,
        [&](size_t i, const rd_kafka_message_t& m) {
          partition_plan& p = *batch[i]->p;
          partition_result& out = *p.out;
          ++out.records_compared;
          const auto* run = p.index->holding(source_offset(m.offset));
          if (run == nullptr) {
            ++out.unmapped_source;
            if (out.first_difference.empty()) {
              out.first_difference =
                  "source offset " + std::to_string(m.offset) + " is not in the offset map";
            }
            return;
          }
          expected[i].push_back(
              {run->target_start.value() + (m.offset - run->source_start.value()), seen(m)});
        },
        kReadIdle);
    auto tread = target_read.get();
    for (size_t i = 0; i < batch.size(); ++i) {
      cursor& c = *batch[i];
      partition_result& out = *c.p->out;
      if (!read[i] || !tread[i]) {
        out.error = (!read[i] ? read[i] : tread[i]).error().message;
        c.window = c.p->windows.size();  // this partition is done: its error says why
        continue;
      }
      compare_window(expected[i], landed[i], c.t->topic + "/" + std::to_string(c.p->partition),
                     out);
      const auto& [a, b] = c.p->windows[c.window];
      r.records_done += b - a;
      ++c.window;
    }
    std::erase_if(pending, [](const cursor& c) { return c.window == c.p->windows.size(); });
    progress(r);
  }
  for (auto& t : plans) {
    for (auto& p : t.partitions) {
      if (p.compacted && p.out->error.empty()) forgive_compaction(*p.out);
    }
  }
}

void verifier::verify_groups(const request& req, report& r) {
  if (req.groups.empty()) return;
  auto listing = source_admin_->list_groups();
  std::map<std::string, std::string> states;
  if (listing) {
    for (const auto& g : listing->groups) states[g.id] = kafka::to_string(g.state);
  }
  auto src = source_admin_->list_group_offsets(req.groups);
  auto tgt = target_admin_->list_group_offsets(req.groups);
  for (const auto& g : req.groups) {
    r.groups.push_back(
        verify_group(g, states.contains(g) ? states[g] : "unknown", src.at(g), tgt.at(g)));
  }
}

group_result verifier::verify_group(const std::string& group, const std::string& state,
                                    const result<std::vector<kafka::committed_offset>>& src,
                                    const result<std::vector<kafka::committed_offset>>& tgt) {
  group_result g;
  g.group = group;
  g.source_state = state;
  if (!src || !tgt) {
    g.error = "cannot read committed offsets: " + (!src ? src.error() : tgt.error()).message;
    return g;
  }
  std::map<std::pair<std::string, int32_t>, int64_t> on_target;
  for (const auto& c : *tgt) on_target[{c.topic, c.partition}] = c.offset;
  std::vector<kafka::topic_partition> parts;
  for (const auto& c : *src) parts.emplace_back(c.topic, c.partition);
  auto log_starts = source_admin_->log_start_offsets(parts);
  std::map<std::string, int> skipped;
  for (const auto& c : *src) {
    const partition_key key{cfg_.name, c.topic, partition_id(c.partition)};
    policy::partition_facts facts{source_offset(c.offset), std::nullopt, std::nullopt,
                                  std::nullopt};
    if (log_starts) {
      if (auto it = log_starts->find({c.topic, c.partition}); it != log_starts->end()) {
        facts.log_start = source_offset(it->second);
      }
    }
    auto slice = store_.slice(key, source_offset(c.offset));
    if (!slice) {
      g.error = slice.error().message;
      return g;
    }
    facts.map = *slice;
    auto d = policy::decide(facts);
    if (d.what == policy::action::skip) {
      ++skipped[policy::to_string(d.reason)];
      continue;
    }
    ++g.partitions_checked;
    auto it = on_target.find({cfg_.topics.target_name(c.topic), c.partition});
    const int64_t target = it == on_target.end() ? -1 : it->second;
    if (target != d.target.value() || d.ahead) {
      g.differences.push_back({c.topic, c.partition, c.offset, d.target.value(), target});
    }
  }
  for (const auto& [reason, n] : skipped) {
    g.note += (g.note.empty() ? "" : "; ") + std::to_string(n) + " partitions skipped: " + reason;
  }
  if (!g.differences.empty() && state != "empty" && state != "dead") {
    g.note += std::string(g.note.empty() ? "" : "; ") + "the source group is " + state +
              ": its offsets move, and the target follows one sync round later; verify again "
              "once its consumers stopped";
  }
  return g;
}

}  // namespace strait::verify
