// straitctl: the operator's command line over the strait.v1 API (docs/api.md).
#include <utility>  // before gRPC/Abseil headers in C++20 and later

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "strait.grpc.pb.h"
#include "strait/base/audit_chain.h"
#include "strait/base/text.h"

namespace {

namespace pb = ::strait::v1;

// Text from straitd (names from Kafka and from other callers' requests) on
// one line and harmless to the terminal: no row of a table can be forged.
std::string safe(const std::string& text) { return strait::single_line(text, 16 * 1024); }

// Exit codes (docs/api.md#straitctl).
constexpr int kOk = 0;
constexpr int kUnavailable = 1;   // straitd not reachable, timed out, or failed internally
constexpr int kUsage = 2;         // bad command line or INVALID_ARGUMENT
constexpr int kNotFound = 3;      // unknown link / topic / group
constexpr int kRefused = 4;       // FAILED_PRECONDITION, PERMISSION_DENIED, UNAUTHENTICATED,
                                  // ALREADY_EXISTS
constexpr int kDiffers = 5;       // a verification found differences (or was interrupted)
constexpr int kStillRunning = 6;  // --wait-timeout passed; the move goes on in straitd
constexpr int kClusterDown = 7;   // status: a cluster of the link is unreachable or refuses strait

struct options {
  std::string server = "127.0.0.1:9645";
  std::string output = "table";
  double timeout_s = 10;
  std::string tls_ca;    // CA of straitd's certificate: use TLS
  std::string tls_cert;  // client certificate (mTLS)
  std::string tls_key;   // its key
  std::string token_file;
};

// The file's content, trailing whitespace removed; exits 2 naming the option.
std::string read_or_exit(const std::string& path, const char* option) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "straitctl: " << option << ": cannot read " << path << "\n";
    std::exit(kUsage);
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string s = buf.str();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

int report(const grpc::Status& s, const options& o) {
  const std::string what = safe(s.error_message());
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return kOk;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      std::cerr << "straitctl: cannot reach straitd at " << o.server << ": " << what
                << "\n  is straitd running, and is --server (or STRAITCTL_SERVER) its "
                   "daemon.api_listen?\n";
      if (what.find("Socket closed") != std::string::npos ||
          what.find("andshake") != std::string::npos) {
        std::cerr << "  the connection was closed during set-up: if straitd uses TLS, pass "
                     "--tls-ca (and --tls-cert/--tls-key when it requires client certificates)\n";
      }
      return kUnavailable;
    case grpc::StatusCode::INVALID_ARGUMENT:
      std::cerr << "straitctl: invalid request: " << what << "\n";
      return kUsage;
    case grpc::StatusCode::NOT_FOUND:
      std::cerr << "straitctl: " << what << "\n";
      return kNotFound;
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      std::cerr << "straitctl: refused: " << what << "\n";
      return kRefused;
    case grpc::StatusCode::INTERNAL:
      if (what.empty()) {
        // gRPC's own answer to a request body it cannot decode, sent
        // before straitd's handler runs.
        std::cerr << "straitctl: straitd answered INTERNAL without a message: gRPC's answer to a "
                     "request it could not decode (damaged on the way, or straitctl and straitd "
                     "disagree on strait.v1)\n";
        return kUnavailable;
      }
      [[fallthrough]];
    default:
      std::cerr << "straitctl: straitd failed: " << what << "\n";
      return kUnavailable;
  }
}

std::string to_json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions jo;
  jo.preserve_proto_field_names = true;
  jo.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, jo);
  return out;
}

void print_links(const pb::ListLinksResponse& r) {
  std::printf("%-16s %-7s %-8s %-30s %-30s %-6s %s\n", "LINK", "ORIGIN", "STATE", "SOURCE",
              "TARGET", "GROUPS", "TOPICS");
  for (const auto& l : r.links()) {
    std::string topics;
    for (const auto& t : l.topic_include()) topics += (topics.empty() ? "" : ",") + t;
    std::printf("%-16s %-7s %-8s %-30s %-30s %-6s %s\n", safe(l.name()).c_str(),
                l.origin() == pb::LINK_ORIGIN_API ? "api" : "file",
                l.paused() ? "paused" : "running", safe(l.source_bootstrap()).c_str(),
                safe(l.target_bootstrap()).c_str(), l.group_sync() ? "yes" : "no",
                safe(topics).c_str());
  }
}

// Milliseconds since the epoch as UTC, e.g. 2026-11-21T09:13:16Z.
std::string utc(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return when;
}

void print_audit(const pb::ListAuditResponse& r) {
  std::printf("%6s  %-20s %-16s %-9s %-12s %s\n", "SEQ", "TIME", "WHO", "ROLE", "CALL", "RESULT");
  for (const auto& e : r.entries()) {
    std::printf("%6llu  %-20s %-16s %-9s %-12s %s\n", static_cast<unsigned long long>(e.seq()),
                utc(e.at_ms()).c_str(), safe(e.who()).c_str(),
                e.role().empty() ? "-" : safe(e.role()).c_str(), safe(e.call()).c_str(),
                safe(e.result()).c_str());
  }
}

// straitctl audit --verify: recomputes the journal's hash chain
// (base/audit_chain.h) from the first entry. An entry changed, removed or
// inserted after the fact breaks it; rewriting the whole chain from there on
// changes the head, which is why the head is printed to be kept elsewhere.
// With `expect_head` ("SEQ:CHAIN", a head printed before), entry SEQ must
// still carry CHAIN.
template <typename Stub, typename Context>
int verify_audit_chain(Stub& stub, const Context& context, const options& o,
                       const std::string& expect_head) {
  uint64_t expect_seq = 0;
  std::string expect_chain;
  if (!expect_head.empty()) {
    const auto colon = expect_head.find(':');
    try {
      expect_seq = std::stoull(expect_head.substr(0, colon));
    } catch (const std::exception&) {
      expect_seq = 0;  // refused below
    }
    if (colon == std::string::npos || expect_seq == 0) {
      std::cerr << "straitctl: --expect-head: expected SEQ:CHAIN as printed by audit --verify\n";
      return kUsage;
    }
    expect_chain = expect_head.substr(colon + 1);
  }
  bool head_seen = false;
  uint64_t after = 0, entries = 0, unchained = 0, first_chained = 0;
  std::string previous;  // the chain of the entry before, "" for none or unchained
  while (true) {
    pb::ListAuditRequest req;
    req.set_after(after);
    req.set_limit(1000);
    pb::ListAuditResponse r;
    auto ctx = context(false);
    if (grpc::Status s = stub.ListAudit(ctx.get(), req, &r); !s.ok()) return report(s, o);
    if (r.entries_size() == 0) break;
    for (const auto& e : r.entries()) {
      ++entries;
      auto broken = [&](const std::string& why) {
        std::printf("audit journal: chain broken at entry %llu: %s\n",
                    static_cast<unsigned long long>(e.seq()), why.c_str());
        return kDiffers;
      };
      if (e.seq() != after + 1) {
        return broken("entries " + std::to_string(after + 1) + " to " +
                      std::to_string(e.seq() - 1) + " are missing");
      }
      after = e.seq();
      if (e.chain().empty()) {
        if (first_chained != 0) return broken("an entry without chain after chained entries");
        ++unchained;  // written before the journal was chained
        continue;
      }
      const std::string expected =
          strait::audit_chain_next(previous, e.seq(), e.at_ms(),
                                   {e.who(), e.role(), e.call(), e.args_digest(), e.result(),
                                    e.state_before(), e.state_after()});
      if (expected != e.chain()) {
        return broken(
            "its chain does not follow from the entry and the one before: it, or the "
            "one before it, was changed");
      }
      if (first_chained == 0) first_chained = e.seq();
      previous = e.chain();
      if (e.seq() == expect_seq) {
        if (e.chain() != expect_chain) {
          return broken(
              "its chain is not the head kept earlier: the journal was rewritten from "
              "this entry or one before it");
        }
        head_seen = true;
      }
    }
  }
  if (expect_seq != 0 && !head_seen) {
    std::printf("audit journal: entry %llu of the head kept earlier is missing (%llu entries)\n",
                static_cast<unsigned long long>(expect_seq),
                static_cast<unsigned long long>(entries));
    return kDiffers;
  }
  if (first_chained == 0) {
    // Entries written before straitd chained its journal, or stripped of
    // their chains: nothing shows they are unchanged.
    std::printf("audit journal: %llu entries, none chained\n",
                static_cast<unsigned long long>(entries));
    return entries == 0 ? kOk : kDiffers;
  }
  std::printf("audit journal: %llu entries, chain intact from entry %llu to %llu",
              static_cast<unsigned long long>(entries),
              static_cast<unsigned long long>(first_chained),
              static_cast<unsigned long long>(after));
  if (unchained > 0) {
    std::printf(" (%llu earlier entries written before chaining)",
                static_cast<unsigned long long>(unchained));
  }
  std::printf(
      "\nhead: %llu:%s\n(keep it off this host; a later audit --verify --expect-head %llu:... "
      "checks the journal still holds it)\n",
      static_cast<unsigned long long>(after), previous.c_str(),
      static_cast<unsigned long long>(after));
  return kOk;
}

// Whether every cluster of the link is reachable and without error.
bool clusters_healthy(const pb::LinkStatus& st) {
  return std::all_of(st.clusters().begin(), st.clusters().end(),
                     [](const pb::ClusterStatus& c) { return c.reachable() && c.error().empty(); });
}

void print_status(const pb::LinkStatus& st) {
  std::printf("link %s at %s, %lld bytes in flight\n", safe(st.link()).c_str(),
              utc(st.taken_at_ms()).c_str(), static_cast<long long>(st.inflight_bytes()));
  for (const auto& c : st.clusters()) {
    if (c.reachable() && c.error().empty()) continue;
    // From straitd, which made the text printable.
    std::printf("%s cluster: %s\n", safe(c.side()).c_str(),
                c.error().empty() ? "UNREACHABLE (all brokers down)" : safe(c.error()).c_str());
  }
  std::printf("\n");
  std::printf("%-32s %-11s %5s %14s %14s %10s %8s %8s  %s\n", "TOPIC", "MIGRATION", "PART",
              "NEXT-SOURCE", "NEXT-TARGET", "LAG", "LAG-S", "REC/S", "PARTITION");
  for (const auto& topic : st.topics()) {
    for (const auto& p : topic.partitions()) {
      std::printf("%-32s %-11s %5d %14lld %14lld %10lld %8.1f %8.0f  %s\n",
                  safe(topic.topic()).c_str(),
                  topic.state().empty() ? "-" : safe(topic.state()).c_str(), p.partition(),
                  static_cast<long long>(p.next_source_offset()),
                  static_cast<long long>(p.next_target_offset()),
                  static_cast<long long>(p.lag_records()), p.lag_seconds(), p.records_per_second(),
                  p.stopped().empty() ? "mirroring" : safe("stopped: " + p.stopped()).c_str());
    }
    for (const auto& p : topic.reverse_partitions()) {
      // Reverse mirroring: read from the target, written to the source.
      std::printf(
          "%-32s %-11s %5d %14lld %14lld %10lld %8.1f %8.0f  %s\n", safe(topic.topic()).c_str(),
          "(reverse)", p.partition(), static_cast<long long>(p.next_target_offset()),
          static_cast<long long>(p.next_source_offset()), static_cast<long long>(p.lag_records()),
          p.lag_seconds(), p.records_per_second(),
          p.stopped().empty() ? "target -> source" : safe("stopped: " + p.stopped()).c_str());
    }
    if (!topic.activity().empty()) {
      std::printf("%-32s   %s\n", "", safe(topic.activity()).c_str());
    }
  }
  if (st.groups_size() == 0) return;
  std::printf("\n%-32s %-12s %9s %10s %7s %6s  %s\n", "GROUP", "MIGRATION", "ON-SOURCE",
              "SYNC-AGE-S", "SYNCED", "AHEAD", "SKIPPED");
  for (const auto& g : st.groups()) {
    std::string skipped;
    for (const auto& [reason, n] : g.partitions_skipped()) {
      skipped += (skipped.empty() ? "" : ",") + reason + "=" + std::to_string(n);
    }
    char age[16] = "-";
    if (g.sync_age_seconds() >= 0) std::snprintf(age, sizeof(age), "%.1f", g.sync_age_seconds());
    std::printf("%-32s %-12s %9s %10s %7d %6d  %s\n", safe(g.group()).c_str(),
                g.state().empty() ? "-" : safe(g.state()).c_str(), g.on_source() ? "yes" : "no",
                age, g.partitions_synced(), g.partitions_ahead_of_mirroring(),
                skipped.empty() ? "-" : safe(skipped).c_str());
    if (!g.activity().empty()) std::printf("%-32s   %s\n", "", safe(g.activity()).c_str());
  }
}

// A request id for a mutating call: the operator's, or a fresh random one.
std::string request_id_or_new(const std::string& given) {
  if (!given.empty()) return given;
  std::random_device rd;
  char id[40];
  std::snprintf(id, sizeof(id), "straitctl-%08x%08x", rd(), rd());
  return id;
}

// A progress bar on stderr when it is a terminal, else a line every 10 %.
class progress_bar {
 public:
  explicit progress_bar(std::string what) : what_(std::move(what)), tty_(::isatty(2) == 1) {}
  void update(int64_t done, int64_t total) {
    if (total <= 0) return;  // still planning
    const double f = total > 0 ? std::min(1.0, static_cast<double>(done) / total) : 0;
    if (tty_) {
      const int width = 30;
      const int filled = static_cast<int>(f * width);
      std::fprintf(stderr, "\r%s [%s%s] %3d%% %lld/%lld records", what_.c_str(),
                   std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(),
                   static_cast<int>(f * 100), static_cast<long long>(done),
                   static_cast<long long>(total));
    } else if (int tenth = static_cast<int>(f * 10); tenth > last_tenth_) {
      last_tenth_ = tenth;
      std::fprintf(stderr, "%s: %d%% (%lld/%lld records)\n", what_.c_str(), tenth * 10,
                   static_cast<long long>(done), static_cast<long long>(total));
    }
  }
  void done() {
    if (tty_) std::fprintf(stderr, "\n");
  }

 private:
  std::string what_;
  bool tty_;
  int last_tenth_ = -1;
};

void print_report(const pb::VerifyReport& r) {
  if (r.dry_run()) {
    std::printf("dry run: verify would compare on link %s (sample %llu records per partition):\n",
                safe(r.link()).c_str(), static_cast<unsigned long long>(r.sample_records()));
    for (const auto& t : r.topics())
      std::printf("  topic %s -> %s\n", safe(t.topic()).c_str(), safe(t.target_topic()).c_str());
    for (const auto& g : r.groups()) std::printf("  group %s\n", safe(g.group()).c_str());
    return;
  }
  std::printf("verification %llu of link %s: %s\n", static_cast<unsigned long long>(r.id()),
              safe(r.link()).c_str(), safe(r.outcome()).c_str());
  std::printf(
      "  started %s by %s, %s; %lld of %lld records compared\n", utc(r.started_at_ms()).c_str(),
      r.requested_by().empty() ? "-" : safe(r.requested_by()).c_str(),
      r.sample_records() == 0
          ? "every record"
          : ("sampled, about " + std::to_string(r.sample_records()) + " per partition").c_str(),
      static_cast<long long>(r.records_done()), static_cast<long long>(r.records_planned()));
  if (!r.error().empty()) std::printf("  interrupted: %s\n", safe(r.error()).c_str());
  if (r.topics_size() > 0) {
    std::printf("\n%-32s %-6s %4s %14s %14s %10s %8s %8s %8s %8s\n", "TOPIC", "RESULT", "PART",
                "SOURCE-FROM", "SOURCE-TO", "COMPARED", "DIFFER", "MISSING", "UNMAPPED", "EXTRA");
  }
  for (const auto& t : r.topics()) {
    for (const auto& d : t.differences()) {
      std::printf("%-32s %-6s  topic: %s\n", safe(t.topic()).c_str(), "FAIL", safe(d).c_str());
    }
    for (const auto& p : t.partitions()) {
      std::printf(
          "%-32s %-6s %4d %14lld %14lld %10lld %8lld %8lld %8lld %8lld\n", safe(t.topic()).c_str(),
          p.passed() ? "ok" : "FAIL", p.partition(), static_cast<long long>(p.source_from()),
          static_cast<long long>(p.source_to()), static_cast<long long>(p.records_compared()),
          static_cast<long long>(p.mismatched()), static_cast<long long>(p.missing_on_target()),
          static_cast<long long>(p.unmapped_source()),
          static_cast<long long>(p.unexpected_target()));
      if (!p.error().empty()) std::printf("%38s error: %s\n", "", safe(p.error()).c_str());
      if (!p.first_difference().empty()) {
        std::printf("%38s first difference: %s\n", "", safe(p.first_difference()).c_str());
      }
      if (!p.note().empty()) std::printf("%38s note: %s\n", "", safe(p.note()).c_str());
    }
    if (t.partitions_size() == 0 && t.differences_size() == 0) {
      std::printf("%-32s %-6s\n", safe(t.topic()).c_str(), t.passed() ? "ok" : "FAIL");
    }
  }
  if (r.groups_size() > 0) {
    std::printf("\n%-32s %-6s %-12s %8s  %s\n", "GROUP", "RESULT", "SOURCE", "CHECKED", "NOTE");
  }
  for (const auto& g : r.groups()) {
    std::printf("%-32s %-6s %-12s %8d  %s\n", safe(g.group()).c_str(), g.passed() ? "ok" : "FAIL",
                safe(g.source_state()).c_str(), g.partitions_checked(),
                !g.error().empty() ? safe(g.error()).c_str() : safe(g.note()).c_str());
    for (const auto& d : g.differences()) {
      std::printf("%34s %s/%d: source committed %lld -> expected %lld on the target, found %lld\n",
                  "", safe(d.topic()).c_str(), d.partition(),
                  static_cast<long long>(d.source_committed()),
                  static_cast<long long>(d.expected_target()),
                  static_cast<long long>(d.target_committed()));
    }
  }
}

void print_changes(const pb::MoveResponse& r, bool dry_run) {
  std::printf("%-32s %-12s %-12s %s\n", "NAME", "WAS", dry_run ? "WOULD-BE" : "NOW", "ACTION");
  for (const auto& c : r.changes()) {
    std::string action = c.action();
    if (c.forced_guards_size() > 0) {
      action += " (forced past:";
      for (const auto& g : c.forced_guards()) action += " " + g;
      action += ")";
    }
    std::printf("%-32s %-12s %-12s %s\n", safe(c.name()).c_str(), safe(c.state_before()).c_str(),
                safe(c.state()).c_str(), safe(action).c_str());
  }
}

void print_reports(const pb::ListVerifyReportsResponse& r) {
  std::printf("%6s  %-20s %-12s %-16s %8s %12s  %s\n", "ID", "STARTED", "OUTCOME", "BY", "TOPICS",
              "RECORDS", "FAILED");
  for (const auto& v : r.reports()) {
    std::string failed;
    for (const auto& t : v.topics()) {
      if (!t.passed()) failed += (failed.empty() ? "" : ",") + t.topic();
    }
    for (const auto& g : v.groups()) {
      if (!g.passed()) failed += (failed.empty() ? "group:" : ",group:") + g.group();
    }
    std::printf("%6llu  %-20s %-12s %-16s %8d %12lld  %s\n",
                static_cast<unsigned long long>(v.id()), utc(v.started_at_ms()).c_str(),
                safe(v.outcome()).c_str(), safe(v.requested_by()).c_str(), v.topics_size(),
                static_cast<long long>(v.records_done()),
                failed.empty() ? "-" : safe(failed).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (const char* env = std::getenv("STRAITCTL_SERVER")) o.server = env;
  if (const char* env = std::getenv("STRAITCTL_TOKEN_FILE")) o.token_file = env;

  CLI::App app{"straitctl: drive and observe straitd (strait.v1 API). Reference: docs/api.md"};
  app.require_subcommand(1);
  app.add_option("--server", o.server, "straitd's daemon.api_listen (env STRAITCTL_SERVER)")
      ->capture_default_str();
  app.add_option("-o,--output", o.output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("--timeout", o.timeout_s, "seconds to wait for straitd (0.1 to 86400)")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  app.add_option("--tls-ca", o.tls_ca, "CA certificate of straitd's API certificate: use TLS");
  auto* cert_opt = app.add_option("--tls-cert", o.tls_cert, "client certificate (mTLS)");
  auto* key_opt = app.add_option("--tls-key", o.tls_key, "key of the client certificate");
  cert_opt->needs(key_opt);
  key_opt->needs(cert_opt);
  app.add_option("--token-file", o.token_file,
                 "file holding an API token (env STRAITCTL_TOKEN_FILE)");
  app.footer(
      "exit codes: 0 ok, 1 straitd unreachable or failed, 2 bad usage or invalid argument,\n"
      "            3 not found, 4 refused (precondition, permission, request id reused),\n"
      "            5 verification found differences or was interrupted,\n"
      "            6 still running after --wait-timeout (the move goes on in straitd),\n"
      "            7 status: a cluster of the link is unreachable or refuses strait");

  auto* links = app.add_subcommand("links", "list the links");
  std::string link_name;
  auto* link = app.add_subcommand("link", "show one link");
  link->add_option("name", link_name, "link name")->required();

  std::string status_link, topic_regex, group_regex;
  bool watch = false;
  uint32_t interval_ms = 1000;
  auto* status = app.add_subcommand("status", "partitions and groups of a link");
  status->add_option("link", status_link, "link name")->required();
  status->add_option("--topics", topic_regex, "RE2 full-match filter on topic names");
  status->add_option("--groups", group_regex, "RE2 full-match filter on group ids");
  status->add_flag("--watch", watch, "print again every --interval until interrupted");
  status->add_option("--interval", interval_ms, "milliseconds between --watch updates (>= 200)")
      ->capture_default_str();

  uint64_t audit_after = 0;
  uint32_t audit_limit = 100;
  auto* audit = app.add_subcommand("audit", "the audit journal (role operator)");
  audit->add_option("--after", audit_after, "entries after this sequence number")
      ->capture_default_str();
  audit->add_option("--limit", audit_limit, "at most this many entries (<= 1000)")
      ->capture_default_str();
  bool audit_verify = false;
  std::string audit_expect_head;
  audit->add_flag("--verify", audit_verify,
                  "read the whole journal and check its hash chain; prints the head to keep "
                  "off-host (exit 5 on a break)");
  audit->add_option("--expect-head", audit_expect_head,
                    "with --verify: SEQ:CHAIN, a head printed before, that must still be there");

  std::string verify_link, verify_topics, verify_groups, request_id;
  uint64_t sample_records = 0;
  bool dry_run = false, no_wait = false;
  auto* verify = app.add_subcommand(
      "verify",
      "compare source and target: records through the offset map, topic configs, "
      "group offsets (role viewer); exit 5 when they differ");
  verify->add_option("link", verify_link, "link name")->required();
  verify->add_option("--topics", verify_topics, "RE2 full-match filter on topic names");
  verify->add_option("--groups", verify_groups, "RE2 full-match filter on group ids");
  verify
      ->add_option("--sample", sample_records,
                   "compare about N records per partition (evenly spaced windows, always "
                   "the newest); 0 = every record")
      ->capture_default_str();
  verify->add_flag("--dry-run", dry_run, "show what would be compared; compare nothing");
  verify->add_flag("--no-wait", no_wait, "print the report id and return at once");
  verify->add_option("--request-id", request_id,
                     "idempotency key: the same id again returns the first result");

  // cutover / rollback / finalize share their options.
  struct move_cli {
    CLI::App* cmd = nullptr;
    std::string link, topics, groups;
  };
  bool force = false, move_no_wait = false;
  uint32_t quiet_window_ms = 5000;
  double wait_timeout_s = 600;
  std::map<std::string, move_cli> moves;
  for (const auto& [name, help] : std::vector<std::pair<std::string, std::string>>{
           {"cutover",
            "cut producers (--topics) or consumers (--groups) over to the target (role admin)"},
           {"rollback", "make the source primary again for topics or groups (role admin)"},
           {"finalize", "end the migration of cut-over topics or groups (role admin)"}}) {
    move_cli& m = moves[name];
    m.cmd = app.add_subcommand(name, help);
    m.cmd->add_option("link", m.link, "link name")->required();
    auto* t = m.cmd->add_option("--topics", m.topics, "RE2 full match over topic names");
    auto* g = m.cmd->add_option("--groups", m.groups, "RE2 full match over group ids");
    t->excludes(g);
    m.cmd->add_flag("--dry-run", dry_run, "check and show what would happen; change nothing");
    m.cmd->add_option("--request-id", request_id,
                      "idempotency key: the same id again returns the first result");
    m.cmd->add_flag("--no-wait", move_no_wait, "return once started; do not follow the work");
    m.cmd
        ->add_option("--wait-timeout", wait_timeout_s,
                     "seconds to follow the work before exit 6 (it goes on in straitd)")
        ->capture_default_str();
    if (name != "finalize") {
      m.cmd
          ->add_option("--quiet-window", quiet_window_ms,
                       "ms the source (cutover) or target (rollback) must stay still")
          ->capture_default_str();
    }
    if (name == "cutover") {
      m.cmd->add_flag("--force", force,
                      "override the overridable guards (verified, lag, stopped partition, topics "
                      "cut over); audited");
    }
  }

  std::string catchup_link, catchup_topics;
  double catchup_timeout_s = 600;
  auto* catchup = app.add_subcommand(
      "catch-up", "follow a link until its topics are IN_SYNC, with a progress bar (role viewer)");
  catchup->add_option("link", catchup_link, "link name")->required();
  catchup->add_option("--topics", catchup_topics, "RE2 full-match filter on topic names");
  catchup->add_option("--wait-timeout", catchup_timeout_s, "seconds before exit 6")
      ->capture_default_str();

  std::string stage_link, stage_topics, stage_groups;
  auto* stage = app.add_subcommand(
      "stage", "add source topics and groups to a link's selection (role operator)");
  stage->add_option("link", stage_link, "link name")->required();
  stage->add_option("--topics", stage_topics, "RE2 full match over the source's topic names");
  stage->add_option("--groups", stage_groups, "RE2 full match over the source's group ids");
  stage->add_flag("--dry-run", dry_run, "show what would be staged; stage nothing");
  stage->add_option("--request-id", request_id, "idempotency key");

  std::string create_file, link_arg;
  auto* create_link = app.add_subcommand(
      "create-link", "create a link from a YAML file holding one links[] entry (role admin)");
  create_link->add_option("--file", create_file, "the link's YAML ('-' for stdin)")->required();
  create_link->add_flag("--dry-run", dry_run, "validate (and check target topics); create nothing");
  create_link->add_option("--request-id", request_id, "idempotency key");
  std::map<std::string, CLI::App*> link_cmds;
  for (const auto& [name, help] : std::vector<std::pair<std::string, std::string>>{
           {"delete-link", "delete a link created through the API (role admin)"},
           {"pause-link", "drain and stop everything of a link until resume-link (role operator)"},
           {"resume-link", "restart a paused link from its checkpoints (role operator)"}}) {
    auto* c = app.add_subcommand(name, help);
    c->add_option("link", link_arg, "link name")->required();
    c->add_flag("--dry-run", dry_run, "check; change nothing");
    c->add_option("--request-id", request_id, "idempotency key");
    link_cmds[name] = c;
  }

  std::string ack_link, ack_topic, ack_resolution;
  int32_t ack_partition = -1;
  auto* ack = app.add_subcommand(
      "acknowledge",
      "restart a stopped partition with a resolution (retry: role operator; the others admin)");
  ack->add_option("link", ack_link, "link name")->required();
  ack->add_option("topic", ack_topic, "source topic")->required();
  ack->add_option("partition", ack_partition, "partition")->required();
  ack->add_option("--resolution", ack_resolution,
                  "retry, skip-to-log-start, accept-target or skip-record "
                  "(docs/configuration.md#acknowledge)")
      ->required()
      ->check(CLI::IsMember({"retry", "skip-to-log-start", "accept-target", "skip-record"}));
  ack->add_flag("--dry-run", dry_run, "check that the resolution applies; change nothing");
  ack->add_option("--request-id", request_id,
                  "idempotency key: the same id again returns the first result");

  std::string report_link;
  uint64_t report_id = 0;
  auto* report_cmd = app.add_subcommand("report", "a stored verification report (role viewer)");
  report_cmd->add_option("link", report_link, "link name")->required();
  report_cmd->add_option("id", report_id, "report id; 0 or omitted = the newest");
  uint32_t reports_limit = 20;
  auto* reports_cmd = app.add_subcommand("reports", "the newest verification reports of a link");
  reports_cmd->add_option("link", report_link, "link name")->required();
  reports_cmd->add_option("--limit", reports_limit, "at most this many (<= 1000)")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }

  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!o.tls_ca.empty()) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = read_or_exit(o.tls_ca, "--tls-ca");
    if (!o.tls_cert.empty()) {
      tls.pem_cert_chain = read_or_exit(o.tls_cert, "--tls-cert");
      tls.pem_private_key = read_or_exit(o.tls_key, "--tls-key");
    }
    credentials = grpc::SslCredentials(tls);
  } else if (!o.tls_cert.empty()) {
    std::cerr << "straitctl: --tls-cert needs --tls-ca (client certificates only work with TLS)\n";
    return kUsage;
  }
  if (o.server.empty() || o.server.find_first_of(" \t\r\n") != std::string::npos) {
    std::cerr << "straitctl: --server (or STRAITCTL_SERVER) must be straitd's host:port, e.g. "
                 "127.0.0.1:9645\n";
    return kUsage;
  }
  const std::string token = o.token_file.empty() ? "" : read_or_exit(o.token_file, "--token-file");
  // One token of printable characters on one line; never echoed.
  if (!o.token_file.empty() &&
      (token.empty() || std::any_of(token.begin(), token.end(), [](char c) {
         return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f;
       }))) {
    std::cerr << "straitctl: --token-file: " << safe(o.token_file)
              << " must hold one token on one line (printable characters, no spaces)\n";
    return kUsage;
  }
  if (!token.empty() && o.tls_ca.empty() && !o.server.starts_with("127.") &&
      !o.server.starts_with("localhost:") && !o.server.starts_with("[::1]:")) {
    std::cerr << "straitctl: warning: sending the token to " << safe(o.server)
              << " in clear text; pass --tls-ca to use TLS\n";
  }
  auto channel = grpc::CreateChannel(o.server, credentials);
  auto stub = pb::Strait::NewStub(channel);
  auto context = [&](bool streaming) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    if (!streaming) {
      ctx->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000)));
    }
    return ctx;
  };
  const bool json = o.output == "json";

  if (*links) {
    pb::ListLinksResponse r;
    auto ctx = context(false);
    grpc::Status s = stub->ListLinks(ctx.get(), pb::ListLinksRequest(), &r);
    if (!s.ok()) return report(s, o);
    if (json) {
      std::cout << to_json(r) << "\n";
    } else {
      print_links(r);
    }
    return kOk;
  }
  if (*link) {
    pb::GetLinkRequest req;
    req.set_link(link_name);
    pb::Link r;
    auto ctx = context(false);
    grpc::Status s = stub->GetLink(ctx.get(), req, &r);
    if (!s.ok()) return report(s, o);
    std::cout << (json ? to_json(r) : r.DebugString()) << (json ? "\n" : "");
    return kOk;
  }
  if (*audit && audit_verify) return verify_audit_chain(*stub, context, o, audit_expect_head);
  if (*audit) {
    pb::ListAuditRequest req;
    req.set_after(audit_after);
    req.set_limit(audit_limit);
    pb::ListAuditResponse r;
    auto ctx = context(false);
    grpc::Status s = stub->ListAudit(ctx.get(), req, &r);
    if (!s.ok()) return report(s, o);
    if (json) {
      std::cout << to_json(r) << "\n";
    } else {
      print_audit(r);
    }
    return kOk;
  }
  if (*verify || *report_cmd) {
    pb::VerifyReport r;
    if (*verify) {
      pb::VerifyRequest req;
      req.set_link(verify_link);
      req.set_topic_regex(verify_topics);
      req.set_group_regex(verify_groups);
      req.set_sample_records(sample_records);
      req.set_dry_run(dry_run);
      req.set_request_id(request_id_or_new(request_id));
      auto ctx = context(false);
      grpc::Status s = stub->Verify(ctx.get(), req, &r);
      if (!s.ok()) return report(s, o);
      if (!dry_run && no_wait) {
        std::cout << (json ? to_json(r)
                           : "verification " + std::to_string(r.id()) +
                                 " started; straitctl report " + verify_link + " " +
                                 std::to_string(r.id()) + " follows it")
                  << "\n";
        return kOk;
      }
      report_link = verify_link;
      report_id = r.id();
    } else {
      pb::GetVerifyReportRequest req;
      req.set_link(report_link);
      req.set_id(report_id);
      auto ctx = context(false);
      grpc::Status s = stub->GetVerifyReport(ctx.get(), req, &r);
      if (!s.ok()) return report(s, o);
    }
    // Follow a running verification to its end.
    if (!r.dry_run() && r.outcome() == "RUNNING") {
      progress_bar bar("verification " + std::to_string(r.id()));
      pb::GetVerifyReportRequest req;
      req.set_link(report_link);
      req.set_id(r.id());
      while (r.outcome() == "RUNNING") {
        bar.update(r.records_done(), r.records_planned());
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        auto ctx = context(false);
        grpc::Status s = stub->GetVerifyReport(ctx.get(), req, &r);
        if (!s.ok()) {
          bar.done();
          return report(s, o);
        }
      }
      bar.update(r.records_done(), r.records_planned());
      bar.done();
    }
    if (json) {
      std::cout << to_json(r) << "\n";
    } else {
      print_report(r);
    }
    return r.dry_run() || r.outcome() == "PASSED" ? kOk : kDiffers;
  }
  if (*stage) {
    pb::StageRequest req;
    req.set_link(stage_link);
    req.set_topic_regex(stage_topics);
    req.set_group_regex(stage_groups);
    req.set_dry_run(dry_run);
    req.set_request_id(request_id_or_new(request_id));
    pb::StageResponse r;
    auto ctx = context(false);
    grpc::Status s = stub->Stage(ctx.get(), req, &r);
    if (!s.ok()) return report(s, o);
    if (json) {
      std::cout << to_json(r) << "\n";
      return kOk;
    }
    for (const auto& t : r.topics()) {
      std::printf("%s topic %s\n", dry_run ? "would stage" : "staged", safe(t).c_str());
    }
    for (const auto& g : r.groups()) {
      std::printf("%s group %s\n", dry_run ? "would stage" : "staged", safe(g).c_str());
    }
    if (!dry_run) std::printf("follow it with: straitctl catch-up %s\n", stage_link.c_str());
    return kOk;
  }
  if (*catchup) {
    // Progress: records mirrored of those on the source (sum over the
    // selected topics' partitions); done when every topic is IN_SYNC or
    // further along (a stopped partition keeps it from IN_SYNC).
    pb::GetStatusRequest req;
    req.set_link(catchup_link);
    req.set_topic_regex(catchup_topics);
    progress_bar bar("catch-up of " + catchup_link);
    const std::set<std::string> synced = {"IN_SYNC", "VERIFIED", "DRAINING", "CUT_OVER",
                                          "FINALIZED"};
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<int64_t>(catchup_timeout_s * 1000));
    while (true) {
      pb::LinkStatus st;
      auto ctx = context(false);
      if (grpc::Status s = stub->GetStatus(ctx.get(), req, &st); !s.ok()) {
        bar.done();
        return report(s, o);
      }
      int64_t mirrored = 0, lag = 0;
      bool all = st.topics_size() > 0 && !st.paused();
      for (const auto& t : st.topics()) {
        for (const auto& p : t.partitions()) {
          mirrored += p.next_source_offset();
          lag += p.lag_records();
        }
        all = all && synced.contains(t.state());
      }
      bar.update(mirrored, mirrored + lag);
      if (all) {
        bar.done();
        if (json) {
          std::cout << to_json(st) << "\n";
        } else {
          print_status(st);
        }
        return kOk;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        bar.done();
        std::cerr << "straitctl: not in sync after --wait-timeout (" << lag
                  << " records behind); straitctl status " << catchup_link << " shows why\n";
        return kStillRunning;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
  if (*create_link) {
    pb::CreateLinkRequest req;
    req.set_link_yaml(create_file == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {})
                                         : read_or_exit(create_file, "--file"));
    req.set_dry_run(dry_run);
    req.set_request_id(request_id_or_new(request_id));
    pb::Link r;
    auto ctx = context(false);
    grpc::Status s = stub->CreateLink(ctx.get(), req, &r);
    if (!s.ok()) return report(s, o);
    std::cout << (json ? to_json(r)
                       : (dry_run ? "would create link " : "created link ") + safe(r.name()))
              << "\n";
    return kOk;
  }
  for (const auto& [name, c] : link_cmds) {
    if (!*c) continue;
    pb::LinkRequest req;
    req.set_link(link_arg);
    req.set_dry_run(dry_run);
    req.set_request_id(request_id_or_new(request_id));
    pb::Link r;
    auto ctx = context(false);
    using link_rpc =
        grpc::Status (pb::Strait::Stub::*)(grpc::ClientContext*, const pb::LinkRequest&, pb::Link*);
    const std::map<std::string, link_rpc> rpcs = {{"delete-link", &pb::Strait::Stub::DeleteLink},
                                                  {"pause-link", &pb::Strait::Stub::PauseLink},
                                                  {"resume-link", &pb::Strait::Stub::ResumeLink}};
    grpc::Status s = ((*stub).*rpcs.at(name))(ctx.get(), req, &r);
    if (!s.ok()) return report(s, o);
    if (json) {
      std::cout << to_json(r) << "\n";
    } else {
      std::printf("%slink %s: %s\n", dry_run ? "dry run: " : "", safe(r.name()).c_str(),
                  name == "delete-link" ? (dry_run ? "would be deleted" : "deleted")
                  : r.paused()          ? "paused"
                                        : "running");
    }
    return kOk;
  }
  if (*ack) {
    pb::AcknowledgeRequest req;
    req.set_link(ack_link);
    req.set_topic(ack_topic);
    req.set_partition(ack_partition);
    req.set_resolution(ack_resolution);
    req.set_dry_run(dry_run);
    req.set_request_id(request_id_or_new(request_id));
    pb::AcknowledgeResponse r;
    auto ctx = context(false);
    grpc::Status s = stub->Acknowledge(ctx.get(), req, &r);
    if (!s.ok()) return report(s, o);
    if (json) {
      std::cout << to_json(r) << "\n";
    } else {
      std::printf("%s/%s/%d was stopped as %s (%s)\n%s %s\n", ack_link.c_str(), ack_topic.c_str(),
                  ack_partition, safe(r.was_stopped()).c_str(), safe(r.stop_detail()).c_str(),
                  dry_run ? "would apply" : "applied:", safe(r.resolution()).c_str());
    }
    return kOk;
  }
  for (auto& [name, m] : moves) {
    if (!*m.cmd) continue;
    const bool groups = !m.groups.empty();
    if (m.topics.empty() && m.groups.empty()) {
      std::cerr << "straitctl " << name << ": give --topics RE or --groups RE ('.*' for all)\n";
      return kUsage;
    }
    pb::MoveRequest req;
    req.set_link(m.link);
    req.set_regex(groups ? m.groups : m.topics);
    req.set_force(force);
    req.set_quiet_window_ms(quiet_window_ms);
    req.set_dry_run(dry_run);
    req.set_request_id(request_id_or_new(request_id));
    pb::MoveResponse r;
    auto ctx = context(false);
    using move_fn = grpc::Status (pb::Strait::Stub::*)(grpc::ClientContext*, const pb::MoveRequest&,
                                                       pb::MoveResponse*);
    const std::map<std::string, std::pair<move_fn, move_fn>> calls = {
        {"cutover", {&pb::Strait::Stub::CutoverTopics, &pb::Strait::Stub::CutoverGroups}},
        {"rollback", {&pb::Strait::Stub::RollbackTopics, &pb::Strait::Stub::RollbackGroups}},
        {"finalize", {&pb::Strait::Stub::FinalizeTopics, &pb::Strait::Stub::FinalizeGroups}}};
    const auto& [topic_fn, group_fn] = calls.at(name);
    grpc::Status s = ((*stub).*(groups ? group_fn : topic_fn))(ctx.get(), req, &r);
    if (!s.ok()) return report(s, o);
    if (json) {
      std::cout << to_json(r) << std::endl;
    } else {
      print_changes(r, dry_run);
    }
    if (dry_run || move_no_wait) return kOk;
    // Follow the work until every object reached where the move leads.
    const std::set<std::string> done_states =
        name == "finalize"  ? std::set<std::string>{"FINALIZED"}
        : name == "cutover" ? std::set<std::string>{"CUT_OVER", "FINALIZED"}
        : groups            ? std::set<std::string>{"SYNCING"}
                            : std::set<std::string>{"MIRRORING", "IN_SYNC"};
    std::set<std::string> pending;
    for (const auto& c : r.changes()) pending.insert(c.name());
    std::map<std::string, std::string> last_activity;
    // Topic cutover and rollback drain records (forward, or back through
    // reverse mirroring): a bar of the records drained since the start.
    progress_bar drain_bar(name == "rollback" ? "copy back" : "drain");
    int64_t drain_initial = -1;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<int64_t>(wait_timeout_s * 1000));
    while (true) {
      pb::GetStatusRequest sreq;
      sreq.set_link(m.link);
      pb::LinkStatus st;
      auto sctx = context(false);
      if (grpc::Status ss = stub->GetStatus(sctx.get(), sreq, &st); !ss.ok()) return report(ss, o);
      auto note = [&](const std::string& what, const std::string& state,
                      const std::string& activity) {
        if (!pending.contains(what)) return;
        if (done_states.contains(state) && activity.empty()) {
          std::cerr << safe(what) << ": " << safe(state) << "\n";
          pending.erase(what);
        } else if (!activity.empty() && last_activity[what] != activity) {
          std::cerr << safe(what) << ": " << safe(activity) << "\n";
          last_activity[what] = activity;
        }
      };
      if (groups) {
        for (const auto& g : st.groups()) note(g.group(), g.state(), g.activity());
      } else {
        int64_t lag = 0;
        for (const auto& t : st.topics()) {
          if (!pending.contains(t.topic())) continue;
          for (const auto& p : name == "rollback" ? t.reverse_partitions() : t.partitions()) {
            lag += p.lag_records();
          }
        }
        if (drain_initial < 0 && lag > 0 && name != "finalize") drain_initial = lag;
        if (drain_initial > 0) {
          drain_bar.update(drain_initial - std::min(lag, drain_initial), drain_initial);
        }
        for (const auto& t : st.topics()) note(t.topic(), t.state(), t.activity());
      }
      if (pending.empty()) {
        if (drain_initial > 0) drain_bar.done();
        return kOk;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        std::cerr << "straitctl: still running after --wait-timeout; it goes on in straitd "
                     "(straitctl status "
                  << m.link << " shows it)\n";
        return kStillRunning;
      }
      // Often enough that following a move adds little to its pause (a
      // status call is cheap next to the move's own steps).
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  if (*reports_cmd) {
    pb::ListVerifyReportsRequest req;
    req.set_link(report_link);
    req.set_limit(reports_limit);
    pb::ListVerifyReportsResponse r;
    auto ctx = context(false);
    grpc::Status s = stub->ListVerifyReports(ctx.get(), req, &r);
    if (!s.ok()) return report(s, o);
    if (json) {
      std::cout << to_json(r) << "\n";
    } else {
      print_reports(r);
    }
    return kOk;
  }
  // status
  pb::GetStatusRequest req;
  req.set_link(status_link);
  req.set_topic_regex(topic_regex);
  req.set_group_regex(group_regex);
  auto print = [&](const pb::LinkStatus& st) {
    if (json) {
      std::cout << to_json(st) << std::endl;  // one object per line with --watch
    } else {
      print_status(st);
      if (watch) std::cout << std::endl;
    }
  };
  if (!watch) {
    pb::LinkStatus st;
    auto ctx = context(false);
    grpc::Status s = stub->GetStatus(ctx.get(), req, &st);
    if (!s.ok()) return report(s, o);
    print(st);
    return clusters_healthy(st) ? kOk : kClusterDown;
  }
  pb::WatchStatusRequest wreq;
  *wreq.mutable_status() = req;
  wreq.set_interval_ms(interval_ms);
  auto ctx = context(true);
  auto reader = stub->WatchStatus(ctx.get(), wreq);
  pb::LinkStatus st;
  while (reader->Read(&st)) print(st);
  return report(reader->Finish(), o);
}
