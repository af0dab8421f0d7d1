// bench/raw_client.cc -- minimal librdkafka client for bench/mirror_bench.
//
// Not part of the strait build: bench/mirror_bench compiles it into its own
// cache directory with
//   g++ -O2 -std=c++20 bench/raw_client.cc $(pkg-config --cflags --libs rdkafka)
//
// Modes (all print one JSON object on stdout; diagnostics go to stderr):
//   produce --bootstrap B --topic T --records N [--size 1024] [--partitions 8]
//           [--create]
//       Produce N records of SIZE value bytes (no key, no compression),
//       round-robin over the partitions, with straitd's producer settings.
//       --create first creates T with PARTITIONS partitions, RF 1.
//   consume --bootstrap B --topic T
//       Read every partition of T from its low to its high watermark (taken at
//       start) with straitd's consumer settings; payload is not inspected.
//   create --bootstrap B --topic T [--partitions 8]
//       Create T (RF 1) and wait until its metadata shows all partitions.
//   pipe --source S --bootstrap B --topic T
//       The raw copy pipe: create T on B with the partition count it has on S
//       (as straitd creates a target topic), then read every partition of T
//       on S from its low to its high watermark with straitd's consumer
//       settings and produce each record (key, value, headers, timestamp) to
//       the same partition on B with straitd's producer settings, without
//       copying it (the consumer's message is freed by its delivery report).
//       No offsets, checkpoints, journal or metrics: a mirror's floor. Like
//       the copiers mirror_bench times, it then waits for SIGTERM (the bench
//       stops it once the target holds every record).
//   wait --bootstrap B --topic T --expect N [--timeout S] [--interval-ms 100]
//        [--progress FILE]
//       Poll the high watermarks of T (which may not exist yet) until their
//       sum is >= N. Prints the CLOCK_MONOTONIC time of completion and of the
//       first record seen, so the caller can time a copier precisely. FILE
//       gets "seconds_since_start sum" once a second. Exit 3 on timeout.
//
// Client settings mirror straitd's defaults (src/mirror/engine_thread.cc):
//   consumer: isolation.level=read_committed, fetch.max.bytes=2097152,
//             queued.max.messages.kbytes=16384, queued.min.messages=10000,
//             fetch.wait.max.ms=500, fetch.queue.backoff.ms=10
//   producer: acks=all, enable.idempotence=true, linger.ms=20,
//             batch.size=1000000, queue.buffering.max.kbytes=1048576,
//             queue.buffering.max.messages=1000000,
//             max.in.flight.requests.per.connection=5
#include <librdkafka/rdkafka.h>

#include <pthread.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <csignal>
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
  std::fprintf(stderr, "raw_client: error: %s\n", msg.c_str());
  std::exit(1);
}

// This process's peak RSS in KiB: VmHWM of /proc/self/status, which exec
// resets. (getrusage's ru_maxrss, and wait4's for a child, also count the
// memory of the process that forked it: a Python parent's RSS.) -1 if unread.
long long peak_rss_kb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long long kb = -1;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::sscanf(line, "VmHWM: %lld kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb;
}

double mono_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Args {
  std::string mode;
  std::map<std::string, std::string> opt;  // "--name" -> value ("1" for flags)

  std::string get(const std::string& k, const std::string& def = "") const {
    auto it = opt.find(k);
    return it == opt.end() ? def : it->second;
  }
  std::string need(const std::string& k) const {
    auto it = opt.find(k);
    if (it == opt.end()) die("missing " + k);
    return it->second;
  }
  long long num(const std::string& k, long long def) const {
    auto it = opt.find(k);
    if (it == opt.end()) return def;
    char* end = nullptr;
    long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (end == it->second.c_str() || *end) die("bad number for " + k + ": " + it->second);
    return v;
  }
  bool flag(const std::string& k) const { return opt.count(k) != 0; }
};

Args parse(int argc, char** argv) {
  if (argc < 2)
    die("usage: raw_client produce|consume|create|wait|pipe --bootstrap B --topic T ...");
  Args a;
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) die("unexpected argument " + k);
    if (k == "--create") {
      a.opt[k] = "1";
      continue;
    }
    if (i + 1 >= argc) die("missing value for " + k);
    a.opt[k] = argv[++i];
  }
  return a;
}

void set(rd_kafka_conf_t* conf, const char* k, const std::string& v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    die(std::string("config ") + k + "=" + v + ": " + err);
}

void log_cb(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  if (level <= 4) std::fprintf(stderr, "raw_client: rdkafka %s: %s\n", fac, buf);
}

rd_kafka_t* make_consumer(const std::string& bootstrap, bool read_committed) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "group.id", "strait-bench-raw");
  set(conf, "client.id", "strait-bench-raw-consumer");
  set(conf, "enable.auto.commit", "false");
  set(conf, "enable.auto.offset.store", "false");
  set(conf, "enable.partition.eof", "false");
  set(conf, "allow.auto.create.topics", "false");
  set(conf, "isolation.level", read_committed ? "read_committed" : "read_uncommitted");
  set(conf, "fetch.max.bytes", "2097152");
  set(conf, "queued.max.messages.kbytes", "16384");
  set(conf, "queued.min.messages", "10000");
  set(conf, "fetch.wait.max.ms", "500");
  set(conf, "fetch.queue.backoff.ms", "10");
  rd_kafka_conf_set_log_cb(conf, log_cb);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) die(std::string("rd_kafka_new(consumer): ") + err);
  return rk;
}

// Partition count of topic, or -1 if it does not exist (yet).
int partition_count(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
  rd_kafka_topic_destroy(rkt);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
  int n = -1;
  if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
    n = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  return n;
}

struct Marks {
  std::vector<int64_t> low, high;
  bool ok = true;
};

Marks watermarks(rd_kafka_t* rk, const std::string& topic, int parts, int timeout_ms) {
  Marks m;
  m.low.resize(parts);
  m.high.resize(parts);
  for (int p = 0; p < parts; ++p) {
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &m.low[p], &m.high[p], timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      m.ok = false;
      m.low[p] = m.high[p] = 0;
    }
  }
  return m;
}

// A producer with straitd's settings (src/mirror/engine_thread.cc).
rd_kafka_t* make_producer(const std::string& bootstrap, const char* client_id,
                          void (*dr)(rd_kafka_t*, const rd_kafka_message_t*, void*), void* opaque) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "client.id", client_id);
  set(conf, "acks", "all");
  set(conf, "enable.idempotence", "true");
  set(conf, "max.in.flight.requests.per.connection", "5");
  set(conf, "linger.ms", "20");
  set(conf, "batch.size", "1000000");
  set(conf, "queue.buffering.max.kbytes", "1048576");
  set(conf, "queue.buffering.max.messages", "1000000");
  set(conf, "compression.type", "none");
  rd_kafka_conf_set_dr_msg_cb(conf, dr);
  rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) die(std::string("rd_kafka_new(producer): ") + err);
  return rk;
}

// Assigns every partition of `topic` from its low watermark; `end` gets each
// one's high watermark. Returns the records to read; `open` counts the
// partitions that have any.
long long assign_all(rd_kafka_t* consumer, const std::string& topic, const Marks& m,
                     std::vector<int64_t>& end, int& open) {
  const int parts = static_cast<int>(m.low.size());
  rd_kafka_topic_partition_list_t* tp = rd_kafka_topic_partition_list_new(parts);
  long long expect = 0;
  end.assign(parts, 0);
  open = 0;
  for (int p = 0; p < parts; ++p) {
    rd_kafka_topic_partition_list_add(tp, topic.c_str(), p)->offset = m.low[p];
    end[p] = m.high[p];
    expect += m.high[p] - m.low[p];
    if (m.high[p] > m.low[p]) ++open;
  }
  if (rd_kafka_assign(consumer, tp)) die("assign failed");
  rd_kafka_topic_partition_list_destroy(tp);
  return expect;
}

// ---------------------------------------------------------------- produce

struct ProduceState {
  long long delivered = 0;
  long long failed = 0;
  std::string first_error;
};

// Counts the reports. A record the pipe produced carries the consumer's
// message it went out of without a copy (its opaque): freed now.
void dr_cb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<ProduceState*>(opaque);
  if (m->err) {
    if (st->failed++ == 0) st->first_error = rd_kafka_err2str(m->err);
  } else {
    st->delivered++;
  }
  if (m->_private != nullptr) {
    rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(m->_private));
  }
}

void create_topic(rd_kafka_t* rk, const std::string& topic, int parts) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), parts, 1, err, sizeof err);
  if (!nt) die(std::string("NewTopic: ") + err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
  if (!ev) die("CreateTopics timed out");
  if (rd_kafka_event_error(ev))
    die(std::string("CreateTopics: ") + rd_kafka_event_error_string(ev));
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
  size_t n = 0;
  const rd_kafka_topic_result_t** tr = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      die(std::string("CreateTopics ") + topic + ": " + rd_kafka_err2str(e));
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  // Wait until metadata (and leaders) show up.
  for (int i = 0; i < 300; ++i) {
    if (partition_count(rk, topic, 2000) == parts) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  die("topic " + topic + " did not appear in metadata");
}

int do_produce(const Args& a) {
  const std::string bootstrap = a.need("--bootstrap"), topic = a.need("--topic");
  const long long records = a.num("--records", 0);
  const long long size = a.num("--size", 1024);
  const int parts = static_cast<int>(a.num("--partitions", 8));
  if (records <= 0 || size <= 0 || parts <= 0) die("--records, --size, --partitions must be > 0");

  ProduceState st;
  rd_kafka_t* rk = make_producer(bootstrap, "strait-bench-raw-producer", dr_cb, &st);

  if (a.flag("--create")) create_topic(rk, topic, parts);
  int have = partition_count(rk, topic, 10000);
  if (have <= 0) die("topic " + topic + " does not exist");
  if (have < parts) die("topic " + topic + " has only " + std::to_string(have) + " partitions");

  // Incompressible payload pool; record i uses a window starting at a varying
  // offset, so records differ. Passed without RD_KAFKA_MSG_F_COPY (the pool
  // outlives the producer): this is the cheapest possible producer.
  const size_t pool_size = (1u << 22) + static_cast<size_t>(size);
  std::vector<char> pool(pool_size);
  std::mt19937_64 rng(42);
  for (size_t i = 0; i + 8 <= pool.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(&pool[i], &v, 8);
  }

  const double t0 = mono_now();
  for (long long i = 0; i < records; ++i) {
    const size_t off = static_cast<size_t>((i * 4099) % (1 << 22));
    const int p = static_cast<int>(i % parts);
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(p),
          RD_KAFKA_V_VALUE(static_cast<void*>(pool.data() + off), static_cast<size_t>(size)),
          RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(std::string("produce: ") + rd_kafka_err2str(e));
      rd_kafka_poll(rk, 10);
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_resp_err_t fe = rd_kafka_flush(rk, 600000);
  const double t1 = mono_now();
  if (fe) die(std::string("flush: ") + rd_kafka_err2str(fe));
  if (st.failed)
    die("delivery failed for " + std::to_string(st.failed) + " records: " + st.first_error);
  rd_kafka_destroy(rk);
  std::printf(
      "{\"mode\":\"produce\",\"records\":%lld,\"bytes\":%lld,\"seconds\":%.6f,"
      "\"start_mono\":%.6f,\"end_mono\":%.6f,\"peak_rss_kb\":%lld}\n",
      st.delivered, st.delivered * size, t1 - t0, t0, t1, peak_rss_kb());
  return 0;
}

int do_create(const Args& a) {
  const std::string bootstrap = a.need("--bootstrap"), topic = a.need("--topic");
  const int parts = static_cast<int>(a.num("--partitions", 8));
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) die(std::string("rd_kafka_new(producer): ") + err);
  create_topic(rk, topic, parts);
  rd_kafka_destroy(rk);
  std::printf("{\"mode\":\"create\",\"topic\":\"%s\",\"partitions\":%d}\n", topic.c_str(), parts);
  return 0;
}

// ---------------------------------------------------------------- consume

int do_consume(const Args& a) {
  const std::string bootstrap = a.need("--bootstrap"), topic = a.need("--topic");
  rd_kafka_t* rk = make_consumer(bootstrap, true);
  const int parts = partition_count(rk, topic, 10000);
  if (parts <= 0) die("topic " + topic + " does not exist");
  Marks m = watermarks(rk, topic, parts, 10000);
  if (!m.ok) die("could not read watermarks of " + topic);

  std::vector<int64_t> end;
  int open = 0;
  const double t0 = mono_now();
  const long long expect = assign_all(rk, topic, m, end, open);

  long long n = 0, bytes = 0;
  while (open > 0) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk, 1000);
    if (!msg) continue;
    if (msg->err) {
      std::fprintf(stderr, "raw_client: consume: %s\n", rd_kafka_message_errstr(msg));
      rd_kafka_message_destroy(msg);
      continue;
    }
    ++n;
    bytes += static_cast<long long>(msg->len) + static_cast<long long>(msg->key_len);
    const int p = msg->partition;
    if (p >= 0 && p < parts && end[p] >= 0 && msg->offset + 1 >= end[p]) {
      end[p] = -1;
      --open;
    }
    rd_kafka_message_destroy(msg);
  }
  const double t1 = mono_now();
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::printf(
      "{\"mode\":\"consume\",\"records\":%lld,\"expected\":%lld,\"bytes\":%lld,\"seconds\":%.6f,"
      "\"start_mono\":%.6f,\"end_mono\":%.6f,\"peak_rss_kb\":%lld}\n",
      n, expect, bytes, t1 - t0, t0, t1, peak_rss_kb());
  return 0;
}

// ---------------------------------------------------------------- pipe

int do_pipe(const Args& a) {
  // Taken with sigwait at the end: blocked before librdkafka starts its threads.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  const std::string source = a.need("--source"), bootstrap = a.need("--bootstrap"),
                    topic = a.need("--topic");
  ProduceState st;
  rd_kafka_t* consumer = make_consumer(source, true);
  const int parts = partition_count(consumer, topic, 10000);
  if (parts <= 0) die("topic " + topic + " does not exist on the source");
  Marks m = watermarks(consumer, topic, parts, 10000);
  if (!m.ok) die("could not read watermarks of " + topic);

  rd_kafka_t* producer = make_producer(bootstrap, "strait-bench-raw-pipe", dr_cb, &st);
  create_topic(producer, topic, parts);

  std::vector<int64_t> end;
  int open = 0;
  const double t0 = mono_now();
  const long long expect = assign_all(consumer, topic, m, end, open);

  long long taken = 0;
  while (open > 0) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer, 100);
    rd_kafka_poll(producer, 0);
    if (!msg) continue;
    if (msg->err) {
      std::fprintf(stderr, "raw_client: pipe: %s\n", rd_kafka_message_errstr(msg));
      rd_kafka_message_destroy(msg);
      continue;
    }
    const int p = msg->partition;
    const bool last = p >= 0 && p < parts && end[p] >= 0 && msg->offset + 1 >= end[p];
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(msg, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      headers = rd_kafka_headers_copy(headers);  // the producer takes them over
    }
    rd_kafka_timestamp_type_t tstype;
    const int64_t ts = rd_kafka_message_timestamp(msg, &tstype);
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(
          producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(p),
          RD_KAFKA_V_VALUE(msg->payload, msg->len), RD_KAFKA_V_KEY(msg->key, msg->key_len),
          RD_KAFKA_V_TIMESTAMP(ts > 0 ? ts : 0), RD_KAFKA_V_OPAQUE(msg), RD_KAFKA_V_MSGFLAGS(0),
          RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);  // no headers: nullptr
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(std::string("produce: ") + rd_kafka_err2str(e));
      rd_kafka_poll(producer, 10);
    }
    ++taken;
    if (last) {
      end[p] = -1;
      --open;
    }
  }
  rd_kafka_resp_err_t fe = rd_kafka_flush(producer, 600000);
  const double t1 = mono_now();
  if (fe) die(std::string("flush: ") + rd_kafka_err2str(fe));
  if (st.failed)
    die("delivery failed for " + std::to_string(st.failed) + " records: " + st.first_error);
  rd_kafka_destroy(producer);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  std::printf(
      "{\"mode\":\"pipe\",\"records\":%lld,\"expected\":%lld,\"taken\":%lld,\"seconds\":%.6f,"
      "\"start_mono\":%.6f,\"end_mono\":%.6f,\"peak_rss_kb\":%lld}\n",
      st.delivered, expect, taken, t1 - t0, t0, t1, peak_rss_kb());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  return 0;
}

// ---------------------------------------------------------------- wait

int do_wait(const Args& a) {
  const std::string bootstrap = a.need("--bootstrap"), topic = a.need("--topic");
  const long long expect = a.num("--expect", -1);
  if (expect < 0) die("--expect required");
  const double timeout = static_cast<double>(a.num("--timeout", 3600));
  const int interval_ms = static_cast<int>(a.num("--interval-ms", 100));
  FILE* progress = nullptr;
  if (!a.get("--progress").empty()) {
    progress = std::fopen(a.get("--progress").c_str(), "w");
    if (!progress) die("cannot open " + a.get("--progress") + ": " + std::strerror(errno));
  }
  rd_kafka_t* rk = make_consumer(bootstrap, false);
  const double t0 = mono_now();
  double next_progress = t0, first_record = -1;
  int parts = -1;
  long long sum = 0;
  for (;;) {
    const double now = mono_now();
    if (parts <= 0 || now >= next_progress) {
      // Re-read metadata now and then: the copier may add partitions.
      int pc = partition_count(rk, topic, 2000);
      if (pc > 0) parts = pc;
    }
    if (parts > 0) {
      Marks m = watermarks(rk, topic, parts, 2000);
      long long s = 0;
      for (int p = 0; p < parts; ++p) s += m.high[p];
      if (m.ok || s > sum) sum = s;
    }
    const double t = mono_now();
    if (sum > 0 && first_record < 0) first_record = t;
    if (progress && t >= next_progress) {
      std::fprintf(progress, "%.3f %lld\n", t - t0, sum);
      std::fflush(progress);
    }
    if (t >= next_progress) next_progress = t + 1.0;
    if (sum >= expect) {
      if (progress) {
        std::fprintf(progress, "%.3f %lld\n", t - t0, sum);
        std::fclose(progress);
      }
      std::printf(
          "{\"mode\":\"wait\",\"records\":%lld,\"expected\":%lld,\"done_mono\":%.6f,"
          "\"first_record_mono\":%.6f,\"start_mono\":%.6f}\n",
          sum, expect, t, first_record, t0);
      std::fflush(stdout);
      rd_kafka_destroy(rk);
      return 0;
    }
    if (t - t0 > timeout) {
      std::printf("{\"mode\":\"wait\",\"records\":%lld,\"expected\":%lld,\"timeout\":true}\n", sum,
                  expect);
      std::fflush(stdout);
      return 3;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  if (a.mode == "produce") return do_produce(a);
  if (a.mode == "consume") return do_consume(a);
  if (a.mode == "create") return do_create(a);
  if (a.mode == "wait") return do_wait(a);
  if (a.mode == "pipe") return do_pipe(a);
  die("unknown mode " + a.mode);
}
