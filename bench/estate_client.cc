// bench/estate_client.cc -- librdkafka client for bench/estate_bench.
//
// Not part of the strait build: bench/estate_bench compiles it into its cache
// directory with
//   g++ -O2 -std=c++20 -pthread bench/estate_client.cc $(pkg-config --cflags --libs rdkafka)
//
// The estate is described by a spec file, one topic per line:
//   NAME PARTITIONS COMPACT(0|1)
// Groups are PREFIX000, PREFIX001, ...; group g owns the topics whose line
// index i has i % groups == g (a group without any owns topic g % topics).
//
// Modes (diagnostics on stderr; each prints one JSON object on stdout):
//   prepare --bootstrap B
//       Warm a fresh cluster: an idempotent produce (so __transaction_state
//       exists) and an offset commit of group estate-warmup-group (so
//       __consumer_offsets is loaded).
//   create --bootstrap B --spec F [--batch 20]
//       CreateTopics (RF 1, cleanup.policy=compact where COMPACT is 1) in
//       batches, then wait until the metadata shows every topic complete.
//   produce --bootstrap B --spec F --records R [--size 200] [--keys 50]
//       R records round-robin over every partition of the estate (idempotent,
//       acks=all, no compression). Key "k<n>" with n the record's sequence
//       number in its partition, modulo --keys for compacted topics (so keys
//       repeat there), unique otherwise.
//   commit --bootstrap B --spec F --groups G [--prefix estate-g-]
//       Each group commits, on every partition of its topics that has
//       records, offset max(1, hw / 2) (AlterConsumerGroupOffsets).
//   probe --source S --target D --spec F --groups G [--prefix estate-g-]
//       [--probes 50] [--rate 4] [--poll-ms 50] [--timeout 30]
//       Group-sync delay while the estate is caught up: --probes commits on
//       the source, --rate per second in all (each group at random times,
//       one pending commit per group), each moving one partition of a
//       non-compacted topic of the group one record forward (so the exact
//       translation is the same offset: straitd creates the target topic and
//       mirrors a non-compacted, non-transactional partition 1:1). t0 = the
//       source's acknowledgement; every --poll-ms the target's committed
//       offsets of groups with a pending commit are read; delay = the first
//       response showing the offset - t0. The same loop reads each commit back
//       from the source: that delay is the method's floor.
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "estate_client: error: %s\n", msg.c_str());
  std::exit(1);
}
void note(const std::string& msg) { std::fprintf(stderr, "estate_client: %s\n", msg.c_str()); }

double now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::map<std::string, std::string> g_opt;
std::string opt(const std::string& k, const std::string& def = "") {
  auto it = g_opt.find(k);
  if (it != g_opt.end()) return it->second;
  if (def.empty()) die("missing " + k);
  return def;
}
double num(const std::string& k, double def) { return std::stod(opt(k, std::to_string(def))); }

void set(rd_kafka_conf_t* c, const char* k, const std::string& v) {
  char err[512];
  if (rd_kafka_conf_set(c, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    die(std::string("config ") + k + "=" + v + ": " + err);
}
void log_cb(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  if (level <= 4) std::fprintf(stderr, "estate_client: rdkafka %s: %s\n", fac, buf);
}

std::atomic<long long> g_delivered{0}, g_failed{0};
void dr_cb(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) {
    if (g_failed++ == 0) note(std::string("delivery failed: ") + rd_kafka_err2str(m->err));
  } else {
    ++g_delivered;
  }
}

rd_kafka_t* make(const std::string& bootstrap,
                 std::vector<std::pair<const char*, std::string>> kv = {}) {
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  set(c, "bootstrap.servers", bootstrap);
  set(c, "client.id", "strait-bench-estate");
  for (auto& [k, v] : kv) set(c, k, v);
  rd_kafka_conf_set_log_cb(c, log_cb);
  rd_kafka_conf_set_dr_msg_cb(c, dr_cb);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
  if (!rk) die(std::string("rd_kafka_new: ") + err);
  return rk;
}

struct Topic {
  std::string name;
  int parts = 1;
  bool compact = false;
};

std::vector<Topic> read_spec() {
  std::ifstream in(opt("--spec"));
  if (!in) die("cannot read " + opt("--spec"));
  std::vector<Topic> out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    Topic t;
    int c = 0;
    if (ls >> t.name >> t.parts >> c) {
      t.compact = c != 0;
      out.push_back(t);
    }
  }
  if (out.empty()) die("empty spec " + opt("--spec"));
  return out;
}

// The topic indexes group g owns.
std::vector<int> owned(int g, int groups, int topics) {
  std::vector<int> v;
  for (int i = g; i < topics; i += groups) v.push_back(i);
  if (v.empty()) v.push_back(g % topics);
  return v;
}

std::string group_name(const std::string& prefix, int g) {
  char n[128];
  std::snprintf(n, sizeof n, "%s%03d", prefix.c_str(), g);
  return n;
}

rd_kafka_event_t* admin_wait(rd_kafka_queue_t* q, const char* what, int ms = 130000) {
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, ms);
  if (!ev) die(std::string(what) + " timed out");
  if (rd_kafka_event_error(ev)) die(std::string(what) + ": " + rd_kafka_event_error_string(ev));
  return ev;
}

// Error text of an Alter/ListConsumerGroupOffsets result, "" if all is fine.
std::string group_result_error(const rd_kafka_group_result_t* const* gr, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(gr[i]))
      return rd_kafka_error_string(e);
    const rd_kafka_topic_partition_list_t* l = rd_kafka_group_result_partitions(gr[i]);
    for (int j = 0; l && j < l->cnt; ++j)
      if (l->elems[j].err) return rd_kafka_err2str(l->elems[j].err);
  }
  return "";
}

using TP = std::pair<std::string, int>;

// High watermarks of every partition of the given topics (one ListOffsets).
std::map<TP, int64_t> high_watermarks(rd_kafka_t* rk, const std::vector<Topic>& topics) {
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(64);
  for (auto& t : topics)
    for (int p = 0; p < t.parts; ++p)
      rd_kafka_topic_partition_list_add(l, t.name.c_str(), p)->offset = RD_KAFKA_OFFSET_SPEC_LATEST;
  rd_kafka_AdminOptions_t* o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_LISTOFFSETS);
  rd_kafka_AdminOptions_set_request_timeout(o, 60000, nullptr, 0);
  rd_kafka_ListOffsets(rk, l, o, q);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_topic_partition_list_destroy(l);
  rd_kafka_event_t* ev = admin_wait(q, "ListOffsets");
  size_t n = 0;
  auto infos = rd_kafka_ListOffsets_result_infos(rd_kafka_event_ListOffsets_result(ev), &n);
  std::map<TP, int64_t> out;
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_topic_partition_t* tp = rd_kafka_ListOffsetsResultInfo_topic_partition(infos[i]);
    if (tp->err) die(std::string("ListOffsets ") + tp->topic + ": " + rd_kafka_err2str(tp->err));
    out[{tp->topic, tp->partition}] = tp->offset;
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  return out;
}

void alter_offsets(rd_kafka_t* rk, rd_kafka_queue_t* q, const std::string& group,
                   rd_kafka_topic_partition_list_t* l) {
  for (int attempt = 0;; ++attempt) {
    rd_kafka_AlterConsumerGroupOffsets_t* req =
        rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), l);
    rd_kafka_AdminOptions_t* o =
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
    rd_kafka_AdminOptions_set_request_timeout(o, 30000, nullptr, 0);
    rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, o, q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 70000);
    if (!ev) die("AlterConsumerGroupOffsets " + group + " timed out");
    std::string err = rd_kafka_event_error(ev) ? rd_kafka_event_error_string(ev) : "";
    if (err.empty()) {
      size_t n = 0;
      auto gr = rd_kafka_AlterConsumerGroupOffsets_result_groups(
          rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
      err = group_result_error(gr, n);
    }
    rd_kafka_event_destroy(ev);
    if (err.empty()) return;
    if (attempt >= 120) die("offset commit of " + group + " keeps failing: " + err);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

std::string stats(std::vector<double> v) {
  if (v.empty()) return "{\"n\":0}";
  std::sort(v.begin(), v.end());
  auto pct = [&](double q) {
    return v[std::max<size_t>(1, static_cast<size_t>(std::ceil(q * v.size()))) - 1] * 1e3;
  };
  double sum = 0;
  for (double x : v) sum += x;
  char b[256];
  std::snprintf(b, sizeof b,
                "{\"n\":%zu,\"min\":%.1f,\"median\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f,"
                "\"mean\":%.1f}",
                v.size(), v.front() * 1e3, pct(0.5), pct(0.9), pct(0.99), v.back() * 1e3,
                sum / v.size() * 1e3);
  return b;
}

std::string json_str(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  return out;
}

// ---------------------------------------------------------------- prepare

int do_prepare() {
  const std::string bs = opt("--bootstrap");
  const double t0 = now();
  rd_kafka_t* rk = make(bs, {{"enable.idempotence", "true"}, {"acks", "all"}});
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new("estate-warmup", 1, 1, err, sizeof err);
  if (!nt) die(err);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_event_destroy(admin_wait(q, "CreateTopics estate-warmup"));
  for (int i = 0; i < 100; ++i) {
    char v[64];
    std::snprintf(v, sizeof v, "warmup %d", i);
    for (int attempt = 0;; ++attempt) {
      rd_kafka_resp_err_t e =
          rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("estate-warmup"), RD_KAFKA_V_PARTITION(0),
                            RD_KAFKA_V_VALUE(v, std::strlen(v)),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (!e) break;
      if (attempt > 100) die(std::string("warm-up produce: ") + rd_kafka_err2str(e));
      rd_kafka_poll(rk, 100);
    }
  }
  if (rd_kafka_flush(rk, 120000)) die("warm-up produce did not complete");
  if (g_failed) die("warm-up produce failed");
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, "estate-warmup", 0)->offset = 1;
  alter_offsets(rk, q, "estate-warmup-group", l);
  rd_kafka_topic_partition_list_destroy(l);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  std::printf("{\"mode\":\"prepare\",\"seconds\":%.2f}\n", now() - t0);
  return 0;
}

// ---------------------------------------------------------------- create

int do_create() {
  const std::string bs = opt("--bootstrap");
  const auto topics = read_spec();
  const int batch = static_cast<int>(num("--batch", 20));
  rd_kafka_t* rk = make(bs);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  const double t0 = now();
  for (size_t i = 0; i < topics.size(); i += batch) {
    std::vector<rd_kafka_NewTopic_t*> nts;
    for (size_t j = i; j < std::min(topics.size(), i + batch); ++j) {
      char err[512];
      rd_kafka_NewTopic_t* nt =
          rd_kafka_NewTopic_new(topics[j].name.c_str(), topics[j].parts, 1, err, sizeof err);
      if (!nt) die(err);
      if (topics[j].compact) rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
      nts.push_back(nt);
    }
    rd_kafka_AdminOptions_t* o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    char err[512];
    rd_kafka_AdminOptions_set_operation_timeout(o, 60000, err, sizeof err);
    rd_kafka_AdminOptions_set_request_timeout(o, 120000, err, sizeof err);
    rd_kafka_CreateTopics(rk, nts.data(), nts.size(), o, q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_event_t* ev = admin_wait(q, "CreateTopics");
    size_t n = 0;
    auto tr = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t k = 0; k < n; ++k) {
      auto e = rd_kafka_topic_result_error(tr[k]);
      if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        die(std::string("CreateTopics ") + rd_kafka_topic_result_name(tr[k]) + ": " +
            rd_kafka_err2str(e) + " " +
            (rd_kafka_topic_result_error_string(tr[k]) ? rd_kafka_topic_result_error_string(tr[k])
                                                       : ""));
    }
    rd_kafka_event_destroy(ev);
    for (auto* nt : nts) rd_kafka_NewTopic_destroy(nt);
  }
  const double t_created = now() - t0;
  // Wait until the metadata shows every topic with all partitions led.
  std::map<std::string, int> want;
  int total = 0;
  for (auto& t : topics) {
    want[t.name] = t.parts;
    total += t.parts;
  }
  for (;;) {
    const rd_kafka_metadata_t* md = nullptr;
    int ready = 0;
    if (!rd_kafka_metadata(rk, 1, nullptr, &md, 30000)) {
      for (int i = 0; i < md->topic_cnt; ++i) {
        const auto& mt = md->topics[i];
        auto it = want.find(mt.topic);
        if (it == want.end() || mt.err || mt.partition_cnt != it->second) continue;
        bool led = true;
        for (int p = 0; p < mt.partition_cnt; ++p) led = led && mt.partitions[p].leader >= 0;
        if (led) ++ready;
      }
      rd_kafka_metadata_destroy(md);
    }
    if (ready == static_cast<int>(want.size())) break;
    if (now() - t0 > 600) die("topics not all in the metadata after 600 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  std::printf(
      "{\"mode\":\"create\",\"topics\":%zu,\"partitions\":%d,\"create_s\":%.2f,"
      "\"seconds\":%.2f}\n",
      topics.size(), total, t_created, now() - t0);
  return 0;
}

// ---------------------------------------------------------------- produce

int do_produce() {
  const std::string bs = opt("--bootstrap");
  const auto topics = read_spec();
  const long long records = static_cast<long long>(num("--records", 0));
  const int size = static_cast<int>(num("--size", 200)), keys = static_cast<int>(num("--keys", 50));
  rd_kafka_t* rk = make(bs, {{"enable.idempotence", "true"},
                             {"acks", "all"},
                             {"linger.ms", "50"},
                             {"batch.size", "1000000"},
                             {"compression.type", "none"},
                             {"queue.buffering.max.messages", "1000000"},
                             {"queue.buffering.max.kbytes", "1048576"}});
  struct Part {
    const Topic* t;
    int p;
    long long seq = 0;
  };
  std::vector<Part> parts;
  for (auto& t : topics)
    for (int p = 0; p < t.parts; ++p) parts.push_back({&t, p});
  std::vector<char> value(static_cast<size_t>(std::max(size, 32)));
  std::mt19937_64 rng(42);
  for (auto& c : value) c = static_cast<char>('a' + rng() % 26);
  const double t0 = now();
  for (long long k = 0; k < records; ++k) {
    Part& pt = parts[static_cast<size_t>(k % static_cast<long long>(parts.size()))];
    char key[48];
    const long long kn = pt.t->compact ? pt.seq % keys : pt.seq;
    const int kl = std::snprintf(key, sizeof key, "k%lld", kn);
    std::snprintf(value.data(), 24, "seq=%019lld", pt.seq);
    ++pt.seq;
    for (;;) {
      rd_kafka_resp_err_t e =
          rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(pt.t->name.c_str()), RD_KAFKA_V_PARTITION(pt.p),
                            RD_KAFKA_V_KEY(key, static_cast<size_t>(kl)),
                            RD_KAFKA_V_VALUE(value.data(), static_cast<size_t>(size)),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (!e) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(std::string("produce: ") + rd_kafka_err2str(e));
      rd_kafka_poll(rk, 50);
    }
    if (k % 10000 == 0) rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, 600000)) die("produce did not complete in 600 s");
  rd_kafka_destroy(rk);
  if (g_failed) die("produce: " + std::to_string(g_failed.load()) + " records failed");
  std::printf("{\"mode\":\"produce\",\"records\":%lld,\"seconds\":%.2f}\n", g_delivered.load(),
              now() - t0);
  return 0;
}

// ---------------------------------------------------------------- commit

int do_commit() {
  const std::string bs = opt("--bootstrap"), prefix = opt("--prefix", "estate-g-");
  const auto topics = read_spec();
  const int groups = static_cast<int>(num("--groups", 20));
  rd_kafka_t* rk = make(bs);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  const double t0 = now();
  const auto hw = high_watermarks(rk, topics);
  long long committed = 0;
  std::string per_group;
  for (int g = 0; g < groups; ++g) {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(64);
    for (int ti : owned(g, groups, static_cast<int>(topics.size())))
      for (int p = 0; p < topics[ti].parts; ++p) {
        const int64_t h = hw.at({topics[ti].name, p});
        if (h < 1) continue;
        rd_kafka_topic_partition_list_add(l, topics[ti].name.c_str(), p)->offset =
            std::max<int64_t>(1, h / 2);
      }
    if (l->cnt) alter_offsets(rk, q, group_name(prefix, g), l);
    committed += l->cnt;
    per_group += (g ? "," : "") + std::to_string(l->cnt);
    rd_kafka_topic_partition_list_destroy(l);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  std::printf(
      "{\"mode\":\"commit\",\"groups\":%d,\"partitions\":%lld,\"per_group\":[%s],"
      "\"seconds\":%.2f}\n",
      groups, committed, per_group.c_str(), now() - t0);
  return 0;
}

// ---------------------------------------------------------------- probe

struct Pending {
  TP tp;
  int64_t off = 0;
  double t0 = 0, sent = 0;
  bool target = false, floor = false;
};
struct Group {
  std::string name;
  std::vector<TP> cand;  // partitions it moves (non-compacted, with records)
  size_t rr = 0;
  double next_commit = 0;
  bool committing = false, tpoll = false, spoll = false, active = false;
  double c_sent = 0, t_sent = 0;
  TP c_tp;
  int64_t c_off = 0;
  Pending pend;
  std::map<TP, int64_t> last;
};
enum Kind { kCommit = 0, kSrcPoll = 1, kDstPoll = 2 };

int do_probe() {
  const std::string src = opt("--source"), dst = opt("--target"),
                    prefix = opt("--prefix", "estate-g-");
  const auto topics = read_spec();
  const int ngroups = static_cast<int>(num("--groups", 20)),
            probes = static_cast<int>(num("--probes", 50));
  const double rate = num("--rate", 4), poll_s = num("--poll-ms", 50) / 1e3,
               give_up = num("--timeout", 30);
  rd_kafka_t* sadm = make(src);
  rd_kafka_t* tadm = make(dst);
  std::vector<Topic> plain;
  for (auto& t : topics)
    if (!t.compact) plain.push_back(t);
  const auto hw = high_watermarks(sadm, plain);

  std::vector<Group> groups(ngroups);
  std::mt19937_64 rng(4711);
  std::uniform_real_distribution<double> u01(0, 1);
  {
    rd_kafka_queue_t* q = rd_kafka_queue_new(sadm);
    for (int g = 0; g < ngroups; ++g) {
      Group& gr = groups[g];
      gr.name = group_name(prefix, g);
      // The group's current committed offsets on the source (what commit mode set).
      rd_kafka_ListConsumerGroupOffsets_t* req =
          rd_kafka_ListConsumerGroupOffsets_new(gr.name.c_str(), nullptr);
      rd_kafka_ListConsumerGroupOffsets(sadm, &req, 1, nullptr, q);
      rd_kafka_ListConsumerGroupOffsets_destroy(req);
      rd_kafka_event_t* ev = admin_wait(q, "ListConsumerGroupOffsets");
      size_t n = 0;
      auto res = rd_kafka_ListConsumerGroupOffsets_result_groups(
          rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
      const rd_kafka_topic_partition_list_t* l =
          n ? rd_kafka_group_result_partitions(res[0]) : nullptr;
      for (int j = 0; l && j < l->cnt; ++j)
        gr.last[{l->elems[j].topic, l->elems[j].partition}] = l->elems[j].offset;
      rd_kafka_event_destroy(ev);
      for (int ti : owned(g, ngroups, static_cast<int>(topics.size()))) {
        if (topics[ti].compact) continue;
        for (int p = 0; p < topics[ti].parts; ++p) {
          TP tp{topics[ti].name, p};
          if (hw.at(tp) >= 2 && gr.last.count(tp)) gr.cand.push_back(tp);
        }
      }
      std::shuffle(gr.cand.begin(), gr.cand.end(), rng);
      gr.active = !gr.cand.empty();
    }
    rd_kafka_queue_destroy(q);
  }
  int active = 0;
  for (auto& g : groups) active += g.active;
  if (!active) die("no group owns a non-compacted partition with records to move");

  rd_kafka_queue_t* sq = rd_kafka_queue_new(sadm);
  rd_kafka_queue_t* tq = rd_kafka_queue_new(tadm);
  int sfd[2], tfd[2];
  if (pipe(sfd) || pipe(tfd)) die("pipe");
  for (int fd : {sfd[0], tfd[0]}) fcntl(fd, F_SETFL, O_NONBLOCK);
  rd_kafka_queue_io_event_enable(sq, sfd[1], "1", 1);
  rd_kafka_queue_io_event_enable(tq, tfd[1], "1", 1);

  const double start = now();
  const double active_interval = active / std::max(0.01, rate);
  for (auto& g : groups) g.next_commit = start + u01(rng) * active_interval;
  std::vector<double> samples, from_send, floor, ack;
  long long commits = 0, commit_errors = 0, timeouts = 0, floor_timeouts = 0, polls = 0,
            poll_errors = 0, overshoot = 0, rewinds = 0, busy_skips = 0;
  std::string first_commit_error, first_poll_error;
  double next_tick = start;

  auto issue = [&](rd_kafka_t* rk, rd_kafka_queue_t* q, Kind kind, int gi, const TP& tp,
                   int64_t off) {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, tp.first.c_str(), tp.second)->offset = off;
    rd_kafka_AdminOptions_t* o =
        rd_kafka_AdminOptions_new(rk, kind == kCommit ? RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS
                                                      : RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_AdminOptions_set_request_timeout(o, 10000, nullptr, 0);
    rd_kafka_AdminOptions_set_opaque(o,
                                     reinterpret_cast<void*>(static_cast<intptr_t>(gi * 4 + kind)));
    if (kind == kCommit) {
      auto* r = rd_kafka_AlterConsumerGroupOffsets_new(groups[gi].name.c_str(), l);
      rd_kafka_AlterConsumerGroupOffsets(rk, &r, 1, o, q);
      rd_kafka_AlterConsumerGroupOffsets_destroy(r);
    } else {
      auto* r = rd_kafka_ListConsumerGroupOffsets_new(groups[gi].name.c_str(), l);
      rd_kafka_ListConsumerGroupOffsets(rk, &r, 1, o, q);
      rd_kafka_ListConsumerGroupOffsets_destroy(r);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_topic_partition_list_destroy(l);
  };

  auto handle = [&](rd_kafka_event_t* ev) {
    const double t = now();
    const intptr_t tag = reinterpret_cast<intptr_t>(rd_kafka_event_opaque(ev));
    Group& g = groups[tag / 4];
    const Kind kind = static_cast<Kind>(tag % 4);
    std::string e = rd_kafka_event_error(ev) ? rd_kafka_event_error_string(ev) : "";
    size_t n = 0;
    const rd_kafka_group_result_t** gr = nullptr;
    if (kind == kCommit) {
      if (auto r = rd_kafka_event_AlterConsumerGroupOffsets_result(ev))
        gr = rd_kafka_AlterConsumerGroupOffsets_result_groups(r, &n);
    } else if (auto r = rd_kafka_event_ListConsumerGroupOffsets_result(ev)) {
      gr = rd_kafka_ListConsumerGroupOffsets_result_groups(r, &n);
    }
    if (e.empty()) e = group_result_error(gr, n);
    if (kind == kCommit) {
      g.committing = false;
      if (!e.empty()) {
        if (commit_errors++ == 0) first_commit_error = e;
        return;
      }
      ++commits;
      ack.push_back(t - g.c_sent);
      g.last[g.c_tp] = g.c_off;
      g.pend = Pending{g.c_tp, g.c_off, t, g.c_sent, true, true};
      return;
    }
    (kind == kDstPoll ? g.tpoll : g.spoll) = false;
    if (!e.empty()) {
      if (poll_errors++ == 0) first_poll_error = e;
      return;
    }
    const rd_kafka_topic_partition_list_t* l =
        n ? rd_kafka_group_result_partitions(gr[0]) : nullptr;
    for (int j = 0; l && j < l->cnt; ++j) {
      Pending& pe = g.pend;
      if (l->elems[j].partition != pe.tp.second || pe.tp.first != l->elems[j].topic) continue;
      const int64_t off = l->elems[j].offset;
      if (kind == kSrcPoll) {
        if (pe.floor && off == pe.off) {
          pe.floor = false;
          floor.push_back(t - pe.t0);
        }
      } else if (pe.target) {
        if (off == pe.off) {
          pe.target = false;
          samples.push_back(t - pe.t0);
          from_send.push_back(t - pe.sent);
        } else if (off > pe.off) {
          if (overshoot++ < 5)
            note(g.name + " " + pe.tp.first + "/" + std::to_string(pe.tp.second) +
                 ": target committed " + std::to_string(off) + " > source commit " +
                 std::to_string(pe.off));
        }
      }
    }
  };

  auto drain = [&](rd_kafka_queue_t* q, int fd) {
    char buf[256];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    while (rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 0)) {
      handle(ev);
      rd_kafka_event_destroy(ev);
    }
  };

  long long issued = 0;
  double next_note = start + 10;
  for (;;) {
    const double t = now();
    bool busy = false;
    for (auto& g : groups) busy = busy || g.committing || g.pend.target || g.pend.floor;
    if (issued >= probes && !busy) break;
    if (t - start > probes / std::max(0.01, rate) * 4 + give_up + 120)
      die("probe did not finish in time");
    // Commits: one partition of the group one record forward (a rewind to hw/2 at the end).
    for (int gi = 0; gi < ngroups && issued < probes; ++gi) {
      Group& g = groups[gi];
      if (!g.active || g.committing || g.pend.target || g.pend.floor || g.next_commit > t) continue;
      const TP tp = g.cand[g.rr++ % g.cand.size()];
      int64_t o = g.last[tp] + 1;
      if (o > hw.at(tp)) {
        o = std::max<int64_t>(1, hw.at(tp) / 2);
        ++rewinds;
      }
      g.next_commit = std::max(g.next_commit + active_interval * (0.8 + 0.4 * u01(rng)), t);
      g.committing = true;
      g.c_tp = tp;
      g.c_off = o;
      g.c_sent = t;
      g.pend = Pending{};
      ++issued;
      issue(sadm, sq, kCommit, gi, tp, o);
    }
    if (t >= next_tick) {
      next_tick = std::max(next_tick + poll_s, t);
      for (int gi = 0; gi < ngroups; ++gi) {
        Group& g = groups[gi];
        Pending& pe = g.pend;
        if (pe.target && t - pe.t0 > give_up) {
          pe.target = false;
          ++timeouts;
        }
        if (pe.floor && t - pe.t0 > give_up) {
          pe.floor = false;
          ++floor_timeouts;
        }
        if (pe.target && g.tpoll) ++busy_skips;
        if (pe.target && !g.tpoll) {
          g.tpoll = true;
          g.t_sent = t;
          ++polls;
          issue(tadm, tq, kDstPoll, gi, pe.tp, RD_KAFKA_OFFSET_INVALID);
        }
        if (pe.floor && !g.spoll) {
          g.spoll = true;
          ++polls;
          issue(sadm, sq, kSrcPoll, gi, pe.tp, RD_KAFKA_OFFSET_INVALID);
        }
      }
    }
    if (t >= next_note) {
      next_note += 10;
      note(std::to_string(static_cast<int>(t - start)) + "s: " + std::to_string(commits) +
           " commits, " + std::to_string(samples.size()) + " samples, " + std::to_string(timeouts) +
           " timeouts");
    }
    double next = next_tick;
    for (auto& g : groups)
      if (g.active && !g.committing && !g.pend.target && !g.pend.floor && issued < probes)
        next = std::min(next, g.next_commit);
    pollfd fds[2] = {{sfd[0], POLLIN, 0}, {tfd[0], POLLIN, 0}};
    poll(fds, 2, std::clamp(static_cast<int>(std::ceil((next - now()) * 1e3)), 0, 100));
    drain(sq, sfd[0]);
    drain(tq, tfd[0]);
  }
  std::printf(
      "{\"mode\":\"probe\",\"groups\":%d,\"active_groups\":%d,\"seconds\":%.1f,\"commits\":%lld,"
      "\"commit_errors\":%lld,\"first_commit_error\":\"%s\",\"delay\":%s,\"delay_from_send\":%s,"
      "\"timeouts\":%lld,\"floor\":%s,\"floor_timeouts\":%lld,\"commit_ack\":%s,\"polls\":%lld,"
      "\"poll_errors\":%lld,\"first_poll_error\":\"%s\",\"busy_skips\":%lld,\"overshoot\":%lld,"
      "\"rewinds\":%lld}\n",
      ngroups, active, now() - start, commits, commit_errors, json_str(first_commit_error).c_str(),
      stats(samples).c_str(), stats(from_send).c_str(), timeouts, stats(floor).c_str(),
      floor_timeouts, stats(ack).c_str(), polls, poll_errors, json_str(first_poll_error).c_str(),
      busy_skips, overshoot, rewinds);
  std::fflush(stdout);
  std::_Exit(0);  // skip handle teardown (seconds of librdkafka shutdown)
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: estate_client prepare|create|produce|commit|probe --option value ...");
  for (int i = 2; i + 1 < argc; i += 2) g_opt[argv[i]] = argv[i + 1];
  if ((argc - 2) % 2) die(std::string("missing value for ") + argv[argc - 1]);
  const std::string mode = argv[1];
  if (mode == "prepare") return do_prepare();
  if (mode == "create") return do_create();
  if (mode == "produce") return do_produce();
  if (mode == "commit") return do_commit();
  if (mode == "probe") return do_probe();
  die("unknown mode " + mode);
}
