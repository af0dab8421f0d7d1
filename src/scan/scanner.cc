#include "strait/scan/scanner.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include "strait/base/clock.h"
#include "strait/kafka/partition_reader.h"
#include "strait/mirror/cluster_rules.h"
#include "strait/policy/topic_configs.h"
#include "strait/scan/estimates.h"

namespace strait::scan {

namespace {

using namespace std::chrono_literals;
using kafka::topic_partition;

constexpr auto kReadIdle = 5s;
constexpr size_t kConfigsPerRequest = 500;

// A number config; -1 when absent or not a number.
int64_t number_of(const std::vector<kafka::config_entry>& entries, const std::string& name) {
  const auto value = policy::config_value(entries, name);
  return value ? policy::whole_number(*value).value_or(-1) : -1;
}

std::string text_of(const std::vector<kafka::config_entry>& entries, std::string_view name) {
  for (const auto& e : entries) {
    if (e.name == name) return e.value;
  }
  return {};
}

// The source's watermarks and the link's checkpoints at one instant.
struct sample {
  std::chrono::steady_clock::time_point at;
  std::map<topic_partition, kafka::watermarks> marks;
  std::map<topic_partition, int64_t> positions;  // next source offset, selected partitions
  // Selected partitions a producer cutover handed over (the target is
  // primary): the source's new records are reverse mirroring's, not a
  // backlog.
  std::set<topic_partition> handed_over;
};

// Reads a cluster's identity, brokers, topic counts, ACLs, SCRAM users and
// broker limits into `inv`; the topics into `topics`. False when the
// cluster could not be read at all (inv.error says why). Each request waits
// at most the client's timeout; `cancel` is looked at between them.
bool read_inventory(const kafka::admin_client& admin, cluster_inventory& inv,
                    std::map<std::string, kafka::topic_info>& topics,
                    const std::atomic<bool>& cancel) {
  auto listed = admin.list_topics();
  if (!listed) {
    inv.error = listed.error().message;
    return false;
  }
  topics = std::move(*listed);
  inv.topics = static_cast<int>(topics.size());
  inv.partitions = 0;
  for (const auto& [name, info] : topics) inv.partitions += info.partitions;
  if (cancel.load()) return true;
  if (auto d = admin.describe_cluster()) {
    inv.cluster_id = d->cluster_id;
    inv.controller_id = d->controller_id;
    inv.brokers = d->brokers;
  } else {
    inv.error = d.error().message;
  }
  if (cancel.load()) return true;
  if (auto acls = admin.describe_acls()) {
    inv.acls_truncated = acls->size() > kMaxAcls;
    if (inv.acls_truncated) acls->resize(kMaxAcls);
    inv.acls = std::move(*acls);
  } else {
    inv.acls_error = acls.error().message;
  }
  if (cancel.load()) return true;
  if (auto users = admin.describe_scram_users()) {
    inv.users = std::move(*users);
  } else {
    inv.users_error = users.error().message;
  }
  if (cancel.load() || inv.brokers.empty()) return true;
  int32_t broker = inv.brokers.front().id;
  for (const auto& b : inv.brokers) {
    if (b.id == inv.controller_id) broker = b.id;
  }
  if (auto configs = admin.describe_broker_configs(broker)) {
    for (const auto& e : *configs) {
      const bool wanted = std::find(std::begin(kBrokerLimits), std::end(kBrokerLimits), e.name) !=
                          std::end(kBrokerLimits);
      if (wanted && !e.is_sensitive) inv.limits.push_back(e);
    }
  } else {
    inv.limits_error = configs.error().message;
  }
  return true;
}

// Offsets held and the end of each partition, per topic. False when no
// partition answered.
bool take_sample(const kafka::admin_client& admin, const store::checkpoint_store& store,
                 const std::string& link, const std::vector<topic_partition>& partitions,
                 const std::set<std::string>& selected, sample& s, std::string& error) {
  s.at = std::chrono::steady_clock::now();
  auto marks = admin.list_watermarks(partitions);
  if (!marks) {
    error = "watermarks: " + marks.error().message;
    return partitions.empty();
  }
  s.marks = std::move(*marks);
  if (s.marks.size() < partitions.size()) {
    error = "watermarks: " + std::to_string(partitions.size() - s.marks.size()) + " of " +
            std::to_string(partitions.size()) +
            " partitions did not answer: their topics' backlog is unknown";
  }
  int unreadable = 0;
  for (const auto& tp : partitions) {
    if (!selected.contains(tp.first)) continue;
    auto cp = store.load(partition_key{link, tp.first, partition_id(tp.second)});
    if (!cp) ++unreadable;
    if (cp && *cp) {
      s.positions[tp] = (*cp)->position.next_source.value();
      if ((*cp)->stopped == store::stop_reason::handed_over) s.handed_over.insert(tp);
    }
  }
  if (unreadable > 0) {
    // Counted from the log start instead: the backlog is overstated, never
    // understated.
    error += std::string(error.empty() ? "" : "; ") + "the checkpoints of " +
             std::to_string(unreadable) +
             " partitions could not be read from the store: their backlog counts from the log "
             "start";
  }
  return true;
}

void wait_window(std::chrono::steady_clock::time_point until, const std::atomic<bool>& cancel) {
  while (!cancel.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        50ms, until - std::chrono::steady_clock::now()));
  }
}

// The configs that matter, as DescribeConfigs gives them (the topic's own
// or the broker's default).
void read_configs(topic_row& t, const std::vector<kafka::config_entry>& entries) {
  t.cleanup_policy = text_of(entries, "cleanup.policy");
  t.retention_ms = number_of(entries, "retention.ms");
  t.retention_bytes = number_of(entries, "retention.bytes");
  t.max_message_bytes = number_of(entries, "max.message.bytes");
  t.timestamp_type = text_of(entries, "message.timestamp.type");
}

void read_groups(kafka::admin_client& admin, const scanner::selection& selected,
                 const std::set<std::string>& selected_topics, report& r) {
  auto listed = admin.list_groups();
  if (!listed) {
    r.groups_error = listed.error().message;
    return;
  }
  if (!listed->complete) {
    r.groups_error = "not every broker answered, some groups may be missing: " + listed->error;
  }
  std::vector<std::string> described;
  for (const auto& g : listed->groups) {
    if (described.size() < kMaxGroups) described.push_back(g.id);
  }
  if (described.size() < listed->groups.size()) {
    r.notes.push_back(std::to_string(listed->groups.size()) + " groups: the first " +
                      std::to_string(kMaxGroups) +
                      " are described; the others' topics are unknown, so the waves may "
                      "join topics they read");
  }
  auto descriptions = admin.describe_groups(described);
  auto offsets = admin.list_group_offsets(described);
  for (const auto& g : listed->groups) {
    group_row row;
    row.id = g.id;
    row.selected = selected.group && selected.group(g.id);
    row.type = kafka::to_string(g.type);
    row.state = kafka::to_string(g.state);
    std::set<std::string> topics, clients, hosts;
    auto d = descriptions.find(g.id);
    if (d == descriptions.end()) {
      row.note =
          "not described: the scan describes at most " + std::to_string(kMaxGroups) + " groups";
    } else if (!d->second) {
      row.note = "not described: " + d->second.error().message;
    } else {
      const auto& desc = *d->second;
      if (desc.type != kafka::group_type::unknown) row.type = kafka::to_string(desc.type);
      row.state = kafka::to_string(desc.state);
      row.members = static_cast<int>(desc.members.size());
      for (const auto& m : desc.members) {
        clients.insert(m.client_id);
        hosts.insert(m.host);
        for (const auto& tp : m.assignment) topics.insert(tp.first);
      }
    }
    if (auto o = offsets.find(g.id); o != offsets.end()) {
      if (o->second) {
        for (const auto& c : *o->second) topics.insert(c.topic);
      } else {
        row.note += std::string(row.note.empty() ? "" : "; ") +
                    "committed offsets not read: " + o->second.error().message;
      }
    }
    for (const auto& c : clients) {
      if (row.client_ids.size() < kMaxDistinct) row.client_ids.push_back(c);
    }
    for (const auto& h : hosts) {
      if (row.hosts.size() < kMaxDistinct) row.hosts.push_back(h);
    }
    row.topics.assign(topics.begin(), topics.end());
    for (const auto& t : row.topics) {
      if (!selected_topics.contains(t)) row.unselected_topics.push_back(t);
    }
    r.groups.push_back(std::move(row));
  }
  std::sort(r.groups.begin(), r.groups.end(),
            [](const group_row& a, const group_row& b) { return a.id < b.id; });
}

// Where a partition's backlog starts.
struct backlog_start {
  topic_row* topic;
  int32_t partition;
  int64_t from;
};

// Reads the first record of each partition's backlog (kMaxSampledPartitions
// at most, those of the topics with the shortest retention first): its size,
// and its age, the topic's oldest unmirrored record being the oldest of them.
void sample_backlogs(kafka::partition_reader& reader, report& r, std::vector<backlog_start> starts,
                     const std::atomic<bool>& cancel) {
  if (starts.empty() || cancel.load()) return;
  auto retention = [](const topic_row* t) {
    return t->retention_ms < 0 ? std::numeric_limits<int64_t>::max() : t->retention_ms;
  };
  std::stable_sort(starts.begin(), starts.end(), [&](const auto& a, const auto& b) {
    return retention(a.topic) < retention(b.topic);
  });
  if (starts.size() > kMaxSampledPartitions) {
    r.notes.push_back(std::to_string(starts.size()) + " partitions have a backlog: the first " +
                      std::to_string(kMaxSampledPartitions) +
                      " (shortest retention first) were sampled; the others' age is unknown");
    starts.resize(kMaxSampledPartitions);
  }
  std::vector<kafka::partition_reader::range> ranges;
  ranges.reserve(starts.size());
  for (const auto& s : starts) {
    ranges.push_back({s.topic->name, s.partition, s.from, s.from + 1});
    ++s.topic->unsampled_partitions;
  }
  const int64_t now = wall_clock_ms();
  (void)reader.read_many(
      ranges,
      [&](size_t i, const rd_kafka_message_t& m) {
        topic_row& t = *starts[i].topic;
        --t.unsampled_partitions;
        size_t header_bytes = 0;
        rd_kafka_headers_t* headers = nullptr;
        if (rd_kafka_message_headers(&m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers) {
          const char* name = nullptr;
          const void* value = nullptr;
          size_t size = 0;
          for (size_t h = 0; rd_kafka_header_get_all(headers, h, &name, &value, &size) ==
                             RD_KAFKA_RESP_ERR_NO_ERROR;
               ++h) {
            header_bytes += std::char_traits<char>::length(name) + size;
          }
        }
        rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        const int64_t ts = rd_kafka_message_timestamp(&m, &type);
        if (type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && ts >= 0) {
          t.oldest_unmirrored_age_ms =
              std::max(t.oldest_unmirrored_age_ms, std::max<int64_t>(now - ts, 0));
        }
        ++t.sampled_records;
        t.sampled_bytes += static_cast<int64_t>(m.key_len + m.len + header_bytes);
      },
      kReadIdle);
}

}  // namespace

std::vector<std::string> library_limits() {
  return {
      "client quotas: not read (librdkafka has no DescribeClientQuotas); list them with "
      "kafka-configs.sh --describe --entity-type users --entity-type clients",
      "transactional producers: not read (librdkafka has no ListTransactions); list them with "
      "kafka-transactions.sh list",
      "broker versions: not read (librdkafka does not expose a broker's version); see the "
      "brokers' logs or kafka-broker-api-versions.sh",
      "share, streams and Connect groups: not listed (librdkafka lists groups of the classic and "
      "consumer protocols only); strait syncs and cuts over those two kinds only; list the "
      "others with kafka-groups.sh --list",
      "SCRAM credentials: only names, mechanisms and iterations can be read back, never the "
      "credentials: users must be created on the target with their passwords",
  };
}

scanner::scanner(const config::link_config& cfg, const store::checkpoint_store& store,
                 selection selected, std::chrono::milliseconds admin_timeout)
    : cfg_(cfg), store_(store), selected_(std::move(selected)), admin_timeout_(admin_timeout) {}

void scanner::run(report& r, const std::atomic<bool>& cancel,
                  const std::function<void(const report&)>& publish) const {
  const std::string id = "strait-" + cfg_.name + "-scan";
  const std::string src_field = "links." + cfg_.name + ".source.properties";
  const std::string tgt_field = "links." + cfg_.name + ".target.properties";
  const std::string cancelled = "cancelled: the link was paused or deleted, or straitd stops";
  r.notes = library_limits();
  auto end = [&](outcome o, std::string error) {
    r.result = o;
    r.error = std::move(error);
    r.finished_at_ms = wall_clock_ms();
  };
  auto source = kafka::admin_client::connect(cfg_.source.props, id, src_field, admin_timeout_);
  if (!source) return end(outcome::failed, "source: " + source.error().message);
  std::map<std::string, kafka::topic_info> source_topics;
  if (!read_inventory(**source, r.source, source_topics, cancel)) {
    return end(outcome::failed, "source: " + r.source.error);
  }
  if (cancel.load()) return end(outcome::interrupted, cancelled);
  // The target first: on one cluster with a prefix, the link's own copies
  // are never selected (mirror::is_own_copy), which needs both ids.
  std::map<std::string, kafka::topic_info> target_topics;
  auto target = kafka::admin_client::connect(cfg_.target.props, id, tgt_field, admin_timeout_);
  if (!target) {
    r.target.error = target.error().message;
  } else {
    (void)read_inventory(**target, r.target, target_topics, cancel);
  }
  if (cancel.load()) return end(outcome::interrupted, cancelled);
  const bool same_cluster =
      !r.source.cluster_id.empty() && r.source.cluster_id == r.target.cluster_id;
  // Topics: internal ones ("__...") only when the link selects them.
  std::set<std::string> selected;
  std::vector<topic_partition> partitions;
  for (const auto& [name, info] : source_topics) {
    topic_row t;
    t.name = name;
    t.partitions = info.partitions;
    t.selected =
        selected_.topic && selected_.topic(name) && !mirror::is_own_copy(cfg_, same_cluster, name);
    if (name.starts_with("__") && !t.selected) continue;
    t.target_topic = cfg_.topics.target_name(name);
    if (auto it = target_topics.find(t.target_topic); it != target_topics.end()) {
      t.target_partitions = it->second.partitions;
    }
    if (t.selected) selected.insert(name);
    for (int32_t p = 0; p < info.partitions; ++p) partitions.emplace_back(name, p);
    r.topics.push_back(std::move(t));
  }
  sample first;
  std::string first_error, second_error;
  if (!take_sample(**source, store_, cfg_.name, partitions, selected, first, first_error)) {
    return end(outcome::failed, "source: " + first_error);
  }
  publish(r);
  for (size_t at = 0; at < r.topics.size() && !cancel.load(); at += kConfigsPerRequest) {
    const size_t end_at = std::min(r.topics.size(), at + kConfigsPerRequest);
    std::vector<std::string> batch;
    for (size_t i = at; i < end_at; ++i) batch.push_back(r.topics[i].name);
    auto configs = (*source)->describe_topic_configs(batch);
    for (size_t i = at; i < end_at; ++i) {
      topic_row& t = r.topics[i];
      if (!configs) {
        t.configs_error = configs.error().message;
      } else if (auto it = configs->find(t.name); it != configs->end()) {
        read_configs(t, it->second);
      } else {
        t.configs_error = "DescribeConfigs gave nothing for it (deleted, or not authorized)";
      }
    }
  }
  if (!cancel.load()) read_groups(**source, selected_, selected, r);
  publish(r);
  wait_window(first.at + std::chrono::milliseconds(r.window_ms), cancel);
  if (cancel.load()) return end(outcome::interrupted, cancelled);
  sample second;
  if (!take_sample(**source, store_, cfg_.name, partitions, selected, second, second_error)) {
    return end(outcome::failed, "source: " + second_error);
  }
  for (const auto& e : {first_error, second_error}) {
    if (!e.empty()) r.notes.push_back(e);
  }
  r.measured_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(second.at - first.at).count();
  // Per topic: offsets held, written during the window, backlog, where each
  // partition's backlog starts. A partition missing from either sample
  // leaves its topic's figures unknown, never zero.
  std::vector<backlog_start> starts;
  int64_t mirrored = 0, produced = 0;
  int unknown_selected = 0;
  std::map<std::string, topic_row*> by_name;
  for (auto& t : r.topics) by_name[t.name] = &t;
  for (const auto& tp : partitions) {
    topic_row& t = *by_name.at(tp.first);
    const auto now = second.marks.find(tp);
    const auto before = first.marks.find(tp);
    if (now == second.marks.end() || before == first.marks.end()) {
      ++t.unread_partitions;
      if (t.selected) ++unknown_selected;
      continue;
    }
    const kafka::watermarks& m = now->second;
    t.records += std::max<int64_t>(m.high - m.low, 0);
    t.window_records += std::max<int64_t>(m.high - before->second.high, 0);
    if (!t.selected) continue;
    if (second.handed_over.contains(tp)) {
      ++t.handed_over_partitions;
      continue;
    }
    const auto pos = second.positions.find(tp);
    const int64_t from = std::max(pos == second.positions.end() ? m.low : pos->second, m.low);
    const int64_t behind = std::max<int64_t>(m.high - from, 0);
    t.backlog += behind;
    if (behind > 0) starts.push_back({&t, tp.second, from});
    if (auto was = first.positions.find(tp);
        was != first.positions.end() && pos != second.positions.end()) {
      mirrored += std::max<int64_t>(pos->second - was->second, 0);
    }
  }
  const double seconds = std::max<double>(static_cast<double>(r.measured_ms) / 1000.0, 0.001);
  for (auto& t : r.topics) {
    t.records_per_s = static_cast<double>(t.window_records) / seconds;
    t.idle = t.window_records == 0 && t.unread_partitions == 0;
    if (t.selected) {
      r.backlog += t.backlog;
      produced += t.window_records;
    }
  }
  auto reader = kafka::partition_reader::connect(cfg_.source.props, id, src_field, true);
  if (reader) {
    sample_backlogs(**reader, r, std::move(starts), cancel);
  } else {
    r.notes.push_back("backlog records not sampled: " + reader.error().message);
  }
  if (cancel.load()) return end(outcome::interrupted, cancelled);
  catch_up c = estimate_catch_up(r.backlog, mirrored, produced, r.measured_ms);
  if (unknown_selected > 0) {
    c.catch_up_ms = -1;
    c.status = catch_up_status::unknown;
    c.note = "the watermarks of " + std::to_string(unknown_selected) +
             " selected partitions could not be read: the backlog is unknown";
  }
  r.mirror_records_per_s = c.mirror_records_per_s;
  r.source_records_per_s = c.source_records_per_s;
  r.catch_up_ms = c.catch_up_ms;
  r.catch_up = c.status;
  r.catch_up_note = c.note;
  // Bytes: each sampled topic's backlog at its own record size, the others
  // at the average of every sample.
  int64_t sampled_records = 0, sampled_bytes = 0;
  for (const auto& t : r.topics) {
    sampled_records += t.sampled_records;
    sampled_bytes += t.sampled_bytes;
  }
  if (sampled_records > 0) {
    double bytes = 0;
    for (const auto& t : r.topics) {
      const double size =
          t.sampled_records > 0
              ? static_cast<double>(t.sampled_bytes) / static_cast<double>(t.sampled_records)
              : static_cast<double>(sampled_bytes) / static_cast<double>(sampled_records);
      bytes += static_cast<double>(t.backlog) * size;
    }
    r.bytes_to_copy_estimate = static_cast<int64_t>(bytes);
  } else if (r.backlog == 0 && unknown_selected == 0) {
    r.bytes_to_copy_estimate = 0;
  }
  for (auto& t : r.topics) {
    const headroom h = retention_headroom(t, r.catch_up_ms);
    t.headroom = h.level;
    t.headroom_reason = h.reason;
  }
  r.waves = plan_waves(r.topics, r.groups);
  end(outcome::done, "");
}

}  // namespace strait::scan
