// bench/group_probe.cc -- librdkafka client for bench/group_sync_bench.
//
// Not part of the strait build: bench/group_sync_bench compiles it into its
// cache directory with
//   g++ -O2 -std=c++20 -pthread bench/group_probe.cc $(pkg-config --cflags --libs rdkafka)
//
// Modes (diagnostics on stderr; `run` prints one JSON object on stdout):
//   prepare --bootstrap B [--topic T --partitions N]
//       Warm a fresh cluster (an idempotent produce, so __transaction_state
//       exists; an offset commit of group bench-warmup-group, so
//       __consumer_offsets exists) and create T (RF 1) if given.
//   run --source S --target D --topic T [--partitions 4] [--groups 100]
//       [--group-prefix bench-g-] [--duration 60] [--warmup 5]
//       [--commit-interval-ms 2000] [--poll-ms 50] [--timeout 30]
//       [--rate 2000] [--size 512] [--hw-ms 50]
//       Produce --rate records/s to the source topic for the whole run; wait
//       until the target topic (created by the mirror) has data in every
//       partition; check that target offsets equal source offsets; then each
//       group commits on the source every ~commit-interval (random phase,
//       +-20 % jitter, partitions round-robin) the offset O = the target
//       partition's high watermark (read <= hw-ms ago, so every record before
//       O is on the target; with identical offsets the translation of O is O).
//       t0 = when the source acknowledged the commit (delay_from_send: from
//       when it was sent, an upper bound). Every poll-ms the
//       target's committed offsets of groups with pending commits are read;
//       delay = time of the response showing O - t0. The same loop reads each
//       commit back from the source: that delay is the method's own floor.
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "group_probe: error: %s\n", msg.c_str());
  std::exit(1);
}
void note(const std::string& msg) { std::fprintf(stderr, "group_probe: %s\n", msg.c_str()); }

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
  if (level <= 4) std::fprintf(stderr, "group_probe: rdkafka %s: %s\n", fac, buf);
}
rd_kafka_t* make(rd_kafka_type_t type, const std::string& bootstrap,
                 std::vector<std::pair<const char*, std::string>> kv = {}) {
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  set(c, "bootstrap.servers", bootstrap);
  set(c, "client.id", "strait-bench-group-probe");
  if (type == RD_KAFKA_CONSUMER) {
    set(c, "group.id", "bench-gs-probe");  // never committed; not matched by bench-g-.*
    set(c, "enable.auto.commit", "false");
    set(c, "enable.partition.eof", "false");
  }
  for (auto& [k, v] : kv) set(c, k, v);
  rd_kafka_conf_set_log_cb(c, log_cb);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, c, err, sizeof err);
  if (!rk) die(std::string("rd_kafka_new: ") + err);
  return rk;
}

int partition_count(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
  rd_kafka_topic_destroy(rkt);
  if (e) return -1;
  int n = (md->topic_cnt == 1 && !md->topics[0].err) ? md->topics[0].partition_cnt : -1;
  rd_kafka_metadata_destroy(md);
  return n;
}

int64_t high_wm(rd_kafka_t* rk, const std::string& topic, int p) {
  int64_t lo = -1, hi = -1;
  if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 5000)) return -1;
  return hi;
}

// Synchronous admin call helper (prepare mode).
rd_kafka_event_t* admin_wait(rd_kafka_queue_t* q, const char* what) {
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 70000);
  if (!ev) die(std::string(what) + " timed out");
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

// ---------------------------------------------------------------- prepare

int do_prepare() {
  const std::string bs = opt("--bootstrap");
  rd_kafka_t* rk = make(RD_KAFKA_PRODUCER, bs, {{"enable.idempotence", "true"}, {"acks", "all"}});
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  auto create = [&](const std::string& t, int parts) {
    char err[512];
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(t.c_str(), parts, 1, err, sizeof err);
    if (!nt) die(err);
    rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
    rd_kafka_event_t* ev = admin_wait(q, "CreateTopics");
    size_t n = 0;
    const rd_kafka_topic_result_t** tr =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    if (rd_kafka_event_error(ev))
      die(std::string("CreateTopics: ") + rd_kafka_event_error_string(ev));
    for (size_t i = 0; i < n; ++i) {
      auto e = rd_kafka_topic_result_error(tr[i]);
      if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        die("CreateTopics " + t + ": " + rd_kafka_err2str(e));
    }
    rd_kafka_event_destroy(ev);
    rd_kafka_NewTopic_destroy(nt);
    for (int i = 0; i < 600 && partition_count(rk, t) != parts; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (partition_count(rk, t) != parts) die("topic " + t + " did not appear in metadata");
  };
  const double t0 = now();
  create("bench-warmup", 1);
  for (int i = 0; i < 100; ++i) {
    char v[64];
    std::snprintf(v, sizeof v, "warmup %d", i);
    if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("bench-warmup"), RD_KAFKA_V_PARTITION(0),
                          RD_KAFKA_V_VALUE(v, std::strlen(v)),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END))
      die("produce failed");
  }
  if (rd_kafka_flush(rk, 120000)) die("warm-up produce did not complete");
  // Group coordinator: retry until __consumer_offsets is loaded.
  for (int attempt = 0;; ++attempt) {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "bench-warmup", 0)->offset = 1;
    rd_kafka_AlterConsumerGroupOffsets_t* req =
        rd_kafka_AlterConsumerGroupOffsets_new("bench-warmup-group", l);
    rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, nullptr, q);
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_event_t* ev = admin_wait(q, "AlterConsumerGroupOffsets");
    std::string err = rd_kafka_event_error(ev) ? rd_kafka_event_error_string(ev) : "";
    if (err.empty()) {
      size_t n = 0;
      auto gr = rd_kafka_AlterConsumerGroupOffsets_result_groups(
          rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
      err = group_result_error(gr, n);
    }
    rd_kafka_event_destroy(ev);
    if (err.empty()) break;
    if (attempt >= 120) die("warm-up offset commit keeps failing: " + err);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (g_opt.count("--topic")) create(opt("--topic"), static_cast<int>(num("--partitions", 4)));
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  note("prepared " + bs + " in " + std::to_string(now() - t0).substr(0, 4) + "s");
  return 0;
}

// ---------------------------------------------------------------- run

std::atomic<bool> g_stop_produce{false}, g_stop_hw{false};
std::atomic<long long> g_delivered{0}, g_failed{0};

void dr_cb(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) {
    if (g_failed++ == 0) note(std::string("delivery failed: ") + rd_kafka_err2str(m->err));
  } else {
    ++g_delivered;
  }
}

void producer_loop(rd_kafka_t* rk, std::string topic, int parts, double rate, int size) {
  std::vector<char> value(static_cast<size_t>(size));
  std::mt19937_64 rng(7);
  for (auto& c : value) c = static_cast<char>(rng());
  const double t0 = now();
  long long sent = 0;
  while (!g_stop_produce) {
    const long long due = static_cast<long long>((now() - t0) * rate);
    for (; sent < due; ++sent) {
      std::snprintf(value.data(), std::min<size_t>(value.size(), 24), "seq=%019lld", sent);
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(static_cast<int>(sent % parts)),
          RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_END);
      if (e) {
        if (g_failed++ == 0) note(std::string("produce: ") + rd_kafka_err2str(e));
        break;
      }
    }
    rd_kafka_poll(rk, 10);
  }
  rd_kafka_flush(rk, 30000);
}

// Values of the records at the given offsets, read with a fresh consumer.
std::map<int, std::string> read_at(const std::string& bs, const std::string& topic,
                                   const std::map<int, int64_t>& where) {
  rd_kafka_t* rk = make(RD_KAFKA_CONSUMER, bs);
  rd_kafka_topic_partition_list_t* l =
      rd_kafka_topic_partition_list_new(static_cast<int>(where.size()));
  for (auto& [p, o] : where) rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = o;
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  std::map<int, std::string> out;
  const double deadline = now() + 20;
  while (out.size() < where.size() && now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m) continue;
    if (!m->err && where.count(m->partition) && where.at(m->partition) == m->offset)
      out[m->partition] = std::string(static_cast<char*>(m->payload), m->len);
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

// Compares the records at `where` on both clusters; returns how many matched, dies on a mismatch.
int verify_same(const std::string& src, const std::string& dst, const std::string& topic,
                const std::map<int, int64_t>& where, const char* when) {
  auto a = read_at(src, topic, where), b = read_at(dst, topic, where);
  for (auto& [p, o] : where) {
    if (!a.count(p) || !b.count(p))
      die(std::string(when) + ": could not read offset " + std::to_string(o) + " of partition " +
          std::to_string(p));
    if (a[p] != b[p])
      die(std::string(when) + ": record at offset " + std::to_string(o) + " of partition " +
          std::to_string(p) +
          " differs between source and target: target offsets are not the source offsets, so the "
          "expected translation (O -> O) does not hold");
  }
  return static_cast<int>(where.size());
}

struct Pending {
  int64_t off;
  double t0, sent;    // acknowledged / sent
  int64_t prev_seen;  // the target's value when the commit was acknowledged (as last seen)
  bool target = true, floor = true, warm = false, interim = false;
};
struct Group {
  std::string name;
  double next_commit = 0;
  int rr = 0;
  bool committing = false, tpoll = false, spoll = false;
  int c_part = -1;
  int64_t c_off = -1;
  double c_sent = 0, t_sent = 0;
  std::map<int, Pending> pend;
  std::vector<int64_t> last_off, last_seen;
};
enum Kind { kCommit = 0, kSrcPoll = 1, kDstPoll = 2 };

std::string json_str(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  return out;
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

int do_run() {
  const std::string src = opt("--source"), dst = opt("--target"), topic = opt("--topic");
  const int parts = static_cast<int>(num("--partitions", 4)),
            ngroups = static_cast<int>(num("--groups", 100));
  const std::string prefix = opt("--group-prefix", "bench-g-");
  const double duration = num("--duration", 60), warmup = num("--warmup", 5);
  const double interval = num("--commit-interval-ms", 2000) / 1e3,
               poll_s = num("--poll-ms", 50) / 1e3;
  const double give_up = num("--timeout", 30), hw_s = num("--hw-ms", 50) / 1e3;

  // 1. Traffic, so that mirroring runs during the whole measurement.
  rd_kafka_conf_t* pc = rd_kafka_conf_new();
  for (auto [k, v] :
       std::vector<std::pair<const char*, const char*>>{{"acks", "all"},
                                                        {"enable.idempotence", "true"},
                                                        {"linger.ms", "5"},
                                                        {"compression.type", "none"}})
    set(pc, k, v);
  set(pc, "bootstrap.servers", src);
  rd_kafka_conf_set_dr_msg_cb(pc, dr_cb);
  rd_kafka_conf_set_log_cb(pc, log_cb);
  char err[512];
  rd_kafka_t* prod = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
  if (!prod) die(err);
  std::thread producer(producer_loop, prod, topic, parts, num("--rate", 2000),
                       static_cast<int>(num("--size", 512)));

  // 2. Wait until the mirror created the target topic and copies into every partition.
  rd_kafka_t* hwc = make(RD_KAFKA_CONSUMER, dst);
  const double tw = now();
  std::vector<std::atomic<int64_t>> hw(parts);
  for (;;) {
    bool ok = partition_count(hwc, topic) == parts;
    for (int p = 0; ok && p < parts; ++p) ok = (hw[p] = high_wm(hwc, topic, p)) > 0;
    if (ok) break;
    if (now() - tw > 120)
      die("the target topic has no data in every partition after 120 s: is the mirror running?");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  note("mirroring runs: target topic has data in all " + std::to_string(parts) +
       " partitions after " + std::to_string(now() - tw).substr(0, 4) + "s");
  std::map<int, int64_t> where;
  for (int p = 0; p < parts; ++p) where[p] = hw[p] - 1;
  int verified = verify_same(src, dst, topic, where, "start");
  note(
      "start: records at the target's last offsets are identical on the source (offsets "
      "identical)");
  std::thread hw_thread([&] {
    while (!g_stop_hw) {
      for (int p = 0; p < parts; ++p) {
        int64_t h = high_wm(hwc, topic, p);
        if (h > hw[p]) hw[p] = h;
      }
      std::this_thread::sleep_for(std::chrono::duration<double>(hw_s));
    }
  });

  // 3. The measurement loop: admin requests on both clusters, results via queue io events.
  rd_kafka_t* sadm = make(RD_KAFKA_PRODUCER, src);
  rd_kafka_t* tadm = make(RD_KAFKA_PRODUCER, dst);
  rd_kafka_queue_t* sq = rd_kafka_queue_new(sadm);
  rd_kafka_queue_t* tq = rd_kafka_queue_new(tadm);
  int sfd[2], tfd[2];
  if (pipe(sfd) || pipe(tfd)) die("pipe");
  for (int fd : {sfd[0], tfd[0]}) fcntl(fd, F_SETFL, O_NONBLOCK);
  rd_kafka_queue_io_event_enable(sq, sfd[1], "1", 1);
  rd_kafka_queue_io_event_enable(tq, tfd[1], "1", 1);

  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> u01(0, 1);
  const double start = now(), end_commits = start + duration, warm_until = start + warmup;
  std::vector<Group> groups(ngroups);
  for (int i = 0; i < ngroups; ++i) {
    char n[64];
    std::snprintf(n, sizeof n, "%s%03d", prefix.c_str(), i);
    groups[i].name = n;
    groups[i].next_commit = start + u01(rng) * interval;
    groups[i].rr = i % parts;
    groups[i].last_off.assign(parts, -1);
    groups[i].last_seen.assign(parts, -1001);
  }
  std::vector<double> samples, from_send, warm_samples, floor, ack, tpoll_rtt;
  long long commits = 0, commit_errors = 0, no_progress = 0, superseded = 0, timeouts = 0,
            floor_timeouts = 0;
  long long interim = 0, overshoot = 0, polls = 0, poll_errors = 0, busy_skips = 0,
            warm_timeouts = 0;
  int64_t interim_max_gap = 0;
  std::string first_commit_error, first_poll_error;
  double next_tick = start, next_note = start + 10;

  auto issue = [&](rd_kafka_t* rk, rd_kafka_queue_t* q, Kind kind, int gi,
                   rd_kafka_topic_partition_list_t* l) {
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
      auto it = g.pend.find(g.c_part);
      if (it != g.pend.end() && it->second.target && !it->second.warm) ++superseded;
      g.pend[g.c_part] = Pending{
          g.c_off, t, g.c_sent, g.last_seen[g.c_part], true, true, g.c_sent < warm_until, false};
      g.last_off[g.c_part] = g.c_off;
      return;
    }
    (kind == kDstPoll ? g.tpoll : g.spoll) = false;
    if (kind == kDstPoll) tpoll_rtt.push_back(t - g.t_sent);
    if (!e.empty()) {
      if (poll_errors++ == 0) first_poll_error = e;
      return;
    }
    const rd_kafka_topic_partition_list_t* l =
        n ? rd_kafka_group_result_partitions(gr[0]) : nullptr;
    for (int j = 0; l && j < l->cnt; ++j) {
      auto it = g.pend.find(l->elems[j].partition);
      if (it == g.pend.end()) continue;
      Pending& pe = it->second;
      const int64_t off = l->elems[j].offset;
      if (kind == kSrcPoll) {
        if (pe.floor && off == pe.off) {
          pe.floor = false;
          if (!pe.warm) floor.push_back(t - pe.t0);
        }
      } else if (pe.target) {
        g.last_seen[it->first] = off;
        if (off == pe.off) {
          pe.target = false;
          (pe.warm ? warm_samples : samples).push_back(t - pe.t0);
          if (!pe.warm) from_send.push_back(t - pe.sent);
        } else if (off > pe.off && !(g.committing && g.c_part == it->first && g.c_off == off)) {
          if (overshoot++ < 5)
            note(g.name + "/" + std::to_string(it->first) + ": target committed " +
                 std::to_string(off) + " > source commit " + std::to_string(pe.off));
        } else if (off < pe.off && off != pe.prev_seen && !pe.interim) {
          pe.interim = true;
          ++interim;
          interim_max_gap = std::max(interim_max_gap, pe.off - off);
        }
      }
      if (!pe.target && !pe.floor) g.pend.erase(it);
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

  for (;;) {
    double t = now();
    bool pending = false;
    for (auto& g : groups) pending = pending || !g.pend.empty() || g.committing;
    if (t >= end_commits && (!pending || t > end_commits + give_up + 5)) break;
    // Commits.
    for (int gi = 0; gi < ngroups && t < end_commits; ++gi) {
      Group& g = groups[gi];
      if (g.committing || g.next_commit > t) continue;
      const int p = g.rr++ % parts;
      const int64_t o = hw[p];
      if (o <= g.last_off[p]) {
        ++no_progress;
        g.next_commit = t + 0.1;
        continue;
      }
      g.next_commit = std::max(g.next_commit + interval * (0.8 + 0.4 * u01(rng)), t + 0.05);
      g.committing = true;
      g.c_part = p;
      g.c_off = o;
      g.c_sent = t;
      rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = o;
      issue(sadm, sq, kCommit, gi, l);
    }
    // Poll tick: read back pending commits on the target (and on the source: the floor).
    if (t >= next_tick) {
      next_tick = std::max(next_tick + poll_s, t);
      for (int gi = 0; gi < ngroups; ++gi) {
        Group& g = groups[gi];
        for (auto it = g.pend.begin(); it != g.pend.end();) {
          Pending& pe = it->second;
          if (pe.target && t - pe.t0 > give_up) {
            pe.target = false;
            ++(pe.warm ? warm_timeouts : timeouts);
          }
          if (pe.floor && t - pe.t0 > give_up) {
            pe.floor = false;
            ++floor_timeouts;
          }
          it = (!pe.target && !pe.floor) ? g.pend.erase(it) : std::next(it);
        }
        rd_kafka_topic_partition_list_t *tl = nullptr, *sl = nullptr;
        for (auto& [p, pe] : g.pend) {
          if (pe.target) {
            if (!tl) tl = rd_kafka_topic_partition_list_new(parts);
            rd_kafka_topic_partition_list_add(tl, topic.c_str(), p);
          }
          if (pe.floor) {
            if (!sl) sl = rd_kafka_topic_partition_list_new(parts);
            rd_kafka_topic_partition_list_add(sl, topic.c_str(), p);
          }
        }
        if (tl && g.tpoll) ++busy_skips;
        if (tl && !g.tpoll) {
          g.tpoll = true;
          g.t_sent = t;
          ++polls;
          issue(tadm, tq, kDstPoll, gi, tl);
          tl = nullptr;
        }
        if (sl && !g.spoll) {
          g.spoll = true;
          ++polls;
          issue(sadm, sq, kSrcPoll, gi, sl);
          sl = nullptr;
        }
        if (tl) rd_kafka_topic_partition_list_destroy(tl);
        if (sl) rd_kafka_topic_partition_list_destroy(sl);
      }
    }
    if (t >= next_note) {
      next_note += 10;
      std::vector<double> s = samples;
      std::sort(s.begin(), s.end());
      char b[256];
      std::snprintf(b, sizeof b,
                    "%.0fs: %lld commits, %zu samples (median %.0f ms), %lld timeouts, %lld commit "
                    "errors, hw p0 %" PRId64,
                    t - start, commits, s.size(), s.empty() ? 0.0 : s[s.size() / 2] * 1e3, timeouts,
                    commit_errors, static_cast<int64_t>(hw[0]));
      note(b);
    }
    // Sleep until the next tick or commit, or until a result arrives.
    double next = next_tick;
    for (auto& g : groups)
      if (!g.committing && t < end_commits) next = std::min(next, g.next_commit);
    pollfd fds[2] = {{sfd[0], POLLIN, 0}, {tfd[0], POLLIN, 0}};
    poll(fds, 2, std::clamp(static_cast<int>(std::ceil((next - now()) * 1e3)), 0, 100));
    drain(sq, sfd[0]);
    drain(tq, tfd[0]);
  }
  const double measured = now() - start;

  // 4. Stop traffic; the mirror must catch up to identical high watermarks.
  g_stop_hw = true;
  hw_thread.join();
  g_stop_produce = true;
  producer.join();
  rd_kafka_t* sc = make(RD_KAFKA_CONSUMER, src);
  bool hw_equal = false;
  std::map<int, int64_t> sh;
  const double tc = now();
  while (!hw_equal && now() - tc < 60) {
    hw_equal = true;
    for (int p = 0; p < parts; ++p) {
      sh[p] = high_wm(sc, topic, p);
      hw_equal = hw_equal && sh[p] > 0 && high_wm(hwc, topic, p) == sh[p];
    }
    if (!hw_equal) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (hw_equal) {
    where.clear();
    for (int p = 0; p < parts; ++p) where[p] = sh[p] - 1;
    verified += verify_same(src, dst, topic, where, "end");
    for (int p = 0; p < parts; ++p) where[p] = sh[p] / 2;
    verified += verify_same(src, dst, topic, where, "end");
  }
  rd_kafka_destroy(sc);

  std::printf(
      "{\"mode\":\"run\",\"groups\":%d,\"partitions\":%d,\"measured_s\":%.1f,\"warmup_s\":%.1f,"
      "\"commits\":%lld,\"commit_errors\":%lld,\"first_commit_error\":\"%s\",\"no_progress\":%lld,"
      "\"delay\":%s,\"delay_from_send\":%s,\"timeouts\":%lld,\"superseded\":%lld,\"interim\":%lld,"
      "\"interim_max_gap\":%" PRId64
      ",\"overshoot\":%lld,\"floor\":%s,\"floor_timeouts\":%lld,\"warm\":%s,\"warm_timeouts\":%lld,"
      "\"commit_ack\":%s,\"target_poll_rtt\":%s,\"polls\":%lld,\"poll_errors\":%lld,\"first_poll_"
      "error\":\"%s\","
      "\"busy_skips\":%lld,\"produced\":%lld,\"produce_failed\":%lld,\"verified_records\":%d,\"hw_"
      "equal_at_end\":%s}\n",
      ngroups, parts, measured, warmup, commits, commit_errors,
      json_str(first_commit_error).c_str(), no_progress, stats(samples).c_str(),
      stats(from_send).c_str(), timeouts, superseded, interim, interim_max_gap, overshoot,
      stats(floor).c_str(), floor_timeouts, stats(warm_samples).c_str(), warm_timeouts,
      stats(ack).c_str(), stats(tpoll_rtt).c_str(), polls, poll_errors,
      json_str(first_poll_error).c_str(), busy_skips, g_delivered.load(), g_failed.load(), verified,
      hw_equal ? "true" : "false");
  std::fflush(stdout);
  std::_Exit(0);  // skip handle teardown (seconds of librdkafka shutdown)
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: group_probe prepare|run --option value ...");
  for (int i = 2; i + 1 < argc; i += 2) g_opt[argv[i]] = argv[i + 1];
  if ((argc - 2) % 2) die(std::string("missing value for ") + argv[argc - 1]);
  const std::string mode = argv[1];
  if (mode == "prepare") return do_prepare();
  if (mode == "run") return do_run();
  die("unknown mode " + mode);
}
