// straitctl: the operator's command line over the strait.v1 API (docs/api.md).
// One function per command (a struct with its arguments and run()), one
// follow loop (follow()) for what is watched until it ends, the tables in
// print.cc.
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
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "print.h"
#include "strait.grpc.pb.h"
#include "strait/base/audit_chain.h"
#include "strait/config/shards.h"
#include "typed.h"

namespace straitctl {

// Exit codes (docs/api.md#straitctl).
constexpr int kOk = 0;
constexpr int kUnavailable = 1;    // straitd not reachable, timed out, or failed internally
constexpr int kUsage = 2;          // bad command line or INVALID_ARGUMENT
constexpr int kNotFound = 3;       // unknown link / topic / group
constexpr int kRefused = 4;        // FAILED_PRECONDITION, PERMISSION_DENIED, UNAUTHENTICATED,
                                   // ALREADY_EXISTS
constexpr int kDiffers = 5;        // a verification found differences (or was interrupted)
constexpr int kStillRunning = 6;   // --wait-timeout passed; the move goes on in straitd
constexpr int kClusterDown = 7;    // status: a cluster of the link is unreachable or refuses strait
constexpr int kNeedsOperator = 8;  // a move's operation waits for the operator, or was cancelled

struct options {
  std::string server = "127.0.0.1:9645";
  std::string output = "table";
  double timeout_s = 10;
  std::string tls_ca;    // CA of straitd's certificate: use TLS
  std::string tls_cert;  // client certificate (mTLS)
  std::string tls_key;   // its key
  std::string token_file;
};

// What a topic operation did with ACL bindings (docs/cutover.md#acl-grants),
// for its "done" line: empty when nothing.
std::string acl_changes(const pb::Operation& op) {
  if (op.acl_grants() <= 0 && op.acl_fences() <= 0) return "";
  const bool cutover = op.kind() == pb::OPERATION_KIND_CUTOVER;
  return " (ACL bindings: " + std::to_string(std::max(0, op.acl_grants())) +
         (cutover ? " granted on the target, " : " grant(s) deleted from the target, ") +
         std::to_string(std::max(0, op.acl_fences())) +
         (cutover ? " fence DENY(s) on the source)" : " fence DENY(s) lifted on the source)");
}

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

// `waited_s`: how long the call waited (--timeout, or more for a call that
// waits for Kafka's answers).
int report(const grpc::Status& s, const options& o, double waited_s) {
  const std::string what = safe(s.error_message());
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return kOk;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      // straitd may be working on it still (a call that reaches a slow
      // cluster): it is not "unreachable".
      std::cerr << "straitctl: no answer from straitd at " << o.server << " within "
                << (waited_s > o.timeout_s ? "the call's own wait (" : "--timeout (") << waited_s
                << " s); it may still be working on the call, and a change may still "
                   "complete: retry with a longer --timeout (a change with the same --request-id "
                   "of your own is not done twice)\n";
      return kUnavailable;
    case grpc::StatusCode::UNAVAILABLE:
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

// What every command needs: the stub, a context per call (the deadline and
// the token), the options and the output format.
class session {
  // A scan of a large estate is more than gRPC's default 4 MiB per answer
  // (its topics, groups, ACLs): take up to 64 MiB.
  static grpc::ChannelArguments channel_arguments() {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    return args;
  }

 public:
  session(options o, std::string token,
          const std::shared_ptr<grpc::ChannelCredentials>& credentials)
      : o_(std::move(o)),
        token_(std::move(token)),
        stub_(pb::Strait::NewStub(
            grpc::CreateCustomChannel(o_.server, credentials, channel_arguments()))) {}

  [[nodiscard]] pb::Strait::Stub& stub() const { return *stub_; }
  // A context for one call; a streaming call has no deadline. `at_least`:
  // the deadline is never shorter (calls that wait for Kafka's answers).
  [[nodiscard]] std::unique_ptr<grpc::ClientContext> context(
      bool streaming = false, std::chrono::milliseconds at_least = {}) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!token_.empty()) ctx->AddMetadata("authorization", "Bearer " + token_);
    if (!streaming) {
      ctx->set_deadline(
          std::chrono::system_clock::now() +
          std::max(at_least, std::chrono::milliseconds(static_cast<int64_t>(o_.timeout_s * 1000))));
    }
    return ctx;
  }
  [[nodiscard]] bool json() const { return o_.output == "json"; }
  [[nodiscard]] const std::string& server() const { return o_.server; }
  // The exit code of a call's status (0 when OK), with a failure's message
  // on stderr.
  [[nodiscard]] int exit_code(const grpc::Status& s,
                              std::chrono::milliseconds at_least = {}) const {
    return report(s, o_, std::max(o_.timeout_s, static_cast<double>(at_least.count()) / 1000.0));
  }
  // Makes the unary call `rpc` with a fresh context; its exit code.
  template <typename Request, typename Response>
  [[nodiscard]] int call(grpc::Status (pb::Strait::Stub::*rpc)(grpc::ClientContext*, const Request&,
                                                               Response*),
                         const Request& req, Response* resp,
                         std::chrono::milliseconds at_least = {}) const {
    auto ctx = context(false, at_least);
    return exit_code((*stub_.*rpc)(ctx.get(), req, resp), at_least);
  }
  // Prints `m` as JSON (one object per line) or with `table`.
  template <typename Message, typename Table>
  void print(const Message& m, Table table) const {
    if (json()) {
      std::cout << to_json(m) << std::endl;
    } else {
      table(m);
    }
  }

 private:
  options o_;
  std::string token_;
  std::unique_ptr<pb::Strait::Stub> stub_;
};

// The one follow loop of straitctl (verify, catch-up, moves): calls `round`
// every `every` until it returns an exit code; past `deadline` (if any),
// returns what `timed_out` says instead.
int follow(std::chrono::milliseconds every,
           std::optional<std::chrono::steady_clock::time_point> deadline,
           const std::function<std::optional<int>()>& round,
           const std::function<int()>& timed_out) {
  while (true) {
    if (auto rc = round()) return *rc;
    if (deadline && std::chrono::steady_clock::now() > *deadline) return timed_out();
    std::this_thread::sleep_for(every);
  }
}

std::chrono::steady_clock::time_point after_seconds(double s) {
  return std::chrono::steady_clock::now() +
         std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

// Of the exit codes of two parts of one command over the set, the one the
// operator must see: a move that waits for them (8), then a failure, then
// one still running (6), then success.
int more_urgent(int a, int b) {
  const auto rank = [](int rc) {
    return rc == kNeedsOperator ? 3 : rc == kStillRunning ? 1 : rc == kOk ? 0 : 2;
  };
  return rank(b) > rank(a) ? b : a;
}

// straitctl audit --verify: recomputes the journal's hash chain
// (base/audit_chain.h) from the first entry. An entry changed, removed or
// inserted after the fact breaks it; rewriting the whole chain from there on
// changes the head, which is why the head is printed to be kept elsewhere.
// With `expect_head` ("SEQ:CHAIN", a head printed before), entry SEQ must
// still carry CHAIN.
int verify_audit_chain(const session& s, const std::string& expect_head) {
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
    if (int rc = s.call(&pb::Strait::Stub::ListAudit, req, &r); rc != kOk) return rc;
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

// One subcommand: its arguments, how it is declared, and what it does. A
// command runs only when CLI11 parsed it.
struct command {
  command() = default;
  command(const command&) = delete;  // CLI11 holds pointers to the members
  command& operator=(const command&) = delete;
  virtual ~command() = default;
  CLI::App* cli = nullptr;
  [[nodiscard]] virtual int run(const session& s) = 0;
  // With several --server (the shards of a set, docs/sharding.md): what the
  // command does over all of them. Only the commands that say so take
  // several; the others are refused (exit 2).
  [[nodiscard]] virtual int run_set(std::span<const session> set) {
    if (set.size() == 1) return run(set.front());
    std::cerr << "straitctl: " << cli->get_name()
              << " talks to one straitd: give one --server (several are for shards, "
                 "shards-apply, shards-move, status, stage, verify, cutover, rollback and "
                 "finalize)\n";
    return kUsage;
  }
};

// Runs `one` on every server of the set in turn, each under a "== SERVER"
// line (tables only). The answer: 1 when a straitd could not be reached or
// failed, else the first other exit code that is not 0.
int on_each(std::span<const session> set, const std::function<int(const session&)>& one) {
  int first = kOk;
  bool unavailable = false;
  for (const auto& s : set) {
    if (set.size() > 1 && !s.json()) std::printf("== %s\n", safe(s.server()).c_str());
    std::fflush(stdout);
    const int rc = one(s);
    unavailable = unavailable || rc == kUnavailable;
    if (first == kOk) first = rc;
    if (set.size() > 1 && !s.json()) std::printf("\n");
  }
  return unavailable ? kUnavailable : first;
}

// Whether the answers of several straitd are the whole set of a link's
// shards: one count, each ordinal once, all of them. Empty when so, else
// what is wrong, in words.
std::string not_the_whole_set(std::span<const session> set,
                              const std::vector<pb::ShardAssignment>& answers) {
  if (set.size() < 2) return "";
  std::set<uint32_t> ordinals;
  for (size_t i = 0; i < answers.size(); ++i) {
    if (answers[i].shards() != answers[0].shards()) {
      return safe(set[0].server()) + " is one of " + std::to_string(answers[0].shards()) +
             " shards and " + safe(set[i].server()) + " one of " +
             std::to_string(answers[i].shards()) + " (daemon.shards.count differs)";
    }
    if (!ordinals.insert(answers[i].shard()).second) {
      return "two of the servers are shard " + std::to_string(answers[i].shard()) +
             " (the same straitd twice, or two with one daemon.shards.ordinal)";
    }
  }
  if (ordinals.size() != answers[0].shards()) {
    return "the servers are " + std::to_string(ordinals.size()) + " of the link's " +
           std::to_string(answers[0].shards()) + " shards: give all of them";
  }
  return "";
}

// The fewest shards an assignment the straitd of `held` hold was planned
// for (0 when none holds one): the old one's while a run that changes the
// count stored the new one on some only.
uint32_t planned_over(const std::vector<pb::ShardAssignment>& held) {
  uint32_t fewest = 0;
  for (const auto& h : held) {
    if (!h.digest().empty() && (fewest == 0 || planned_shards(h) < fewest)) {
      fewest = planned_shards(h);
    }
  }
  return fewest;
}

// Whether `h` is a straitd that joined the set after the assignment the
// others hold was planned for `planned` shards (ADR 0030 step 4): it holds
// none, nothing is wrong with its store, and its ordinal is at or over that
// count, so that plan gave it nothing. A straitd below it holding none lost
// its store: not joined.
bool joined(const pb::ShardAssignment& h, uint32_t planned) {
  return h.digest().empty() && h.problem().empty() && h.shard() >= planned;
}

// What each straitd of the set holds of the link's shards (GetShards),
// checked to be the whole set; nullopt with the exit code otherwise.
std::optional<std::vector<pb::ShardAssignment>> held_over(std::span<const session> set,
                                                          const std::string& link, int& rc);
// What each straitd of the set holds of the link's shards (GetShards), as
// they answered; nullopt with the exit code when one did not.
std::optional<std::vector<pb::ShardAssignment>> shards_over(std::span<const session> set,
                                                            const std::string& link, int& rc);

// Options most mutating commands share.
struct mutation {
  bool dry_run = false;
  std::string request_id;
  void add(CLI::App* c, const char* dry_run_help) {
    c->add_flag("--dry-run", dry_run, dry_run_help);
    c->add_option("--request-id", request_id,
                  "idempotency key: the same id again returns the first result");
  }
};

struct links_cmd : command {
  explicit links_cmd(CLI::App& app) { cli = app.add_subcommand("links", "list the links"); }
  int run(const session& s) override {
    pb::ListLinksResponse r;
    if (int rc = s.call(&pb::Strait::Stub::ListLinks, pb::ListLinksRequest(), &r); rc != kOk)
      return rc;
    s.print(r, print_links);
    return kOk;
  }
};

struct link_cmd : command {
  std::string name;
  explicit link_cmd(CLI::App& app) {
    cli = app.add_subcommand("link", "show one link");
    cli->add_option("name", name, "link name")->required();
  }
  int run(const session& s) override {
    pb::GetLinkRequest req;
    req.set_link(name);
    pb::Link r;
    if (int rc = s.call(&pb::Strait::Stub::GetLink, req, &r); rc != kOk) return rc;
    s.print(r, [](const pb::Link& l) { std::cout << l.DebugString(); });
    return kOk;
  }
};

struct status_cmd : command {
  std::string link, topics, groups;
  bool watch = false;
  uint32_t interval_ms = 1000;
  explicit status_cmd(CLI::App& app) {
    cli = app.add_subcommand("status", "partitions and groups of a link");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--topics", topics, "RE2 full-match filter on topic names");
    cli->add_option("--groups", groups, "RE2 full-match filter on group ids");
    cli->add_flag("--watch", watch, "print again every --interval until interrupted");
    cli->add_option("--interval", interval_ms, "milliseconds between --watch updates (>= 200)")
        ->capture_default_str();
  }
  int run(const session& s) override {
    pb::GetStatusRequest req;
    req.set_link(link);
    req.set_topic_regex(topics);
    req.set_group_regex(groups);
    auto print = [&](const pb::LinkStatus& st) {
      s.print(st, [&](const pb::LinkStatus& v) {
        print_status(v);
        if (watch) std::cout << std::endl;
      });
    };
    if (!watch) {
      pb::LinkStatus st;
      if (int rc = s.call(&pb::Strait::Stub::GetStatus, req, &st); rc != kOk) return rc;
      print(st);
      return clusters_healthy(st) ? kOk : kClusterDown;
    }
    pb::WatchStatusRequest wreq;
    *wreq.mutable_status() = req;
    wreq.set_interval_ms(interval_ms);
    auto ctx = s.context(true);
    auto reader = s.stub().WatchStatus(ctx.get(), wreq);
    pb::LinkStatus st;
    while (reader->Read(&st)) print(st);
    return s.exit_code(reader->Finish());
  }
  int run_set(std::span<const session> set) override {
    if (watch && set.size() > 1) {
      std::cerr << "straitctl: status --watch talks to one straitd: give one --server\n";
      return kUsage;
    }
    const int rc = on_each(set, [&](const session& s) { return run(s); });
    if (set.size() < 2 || (rc != kOk && rc != kClusterDown)) return rc;
    // Every answer is printed above; a set that is not the link's whole set
    // is said after them, so that a part is not read as the whole (exit 4,
    // or 7 when a cluster is down: the more urgent).
    int shards_rc = kOk;
    const auto held = shards_over(set, link, shards_rc);
    if (!held) return shards_rc;
    if (const std::string wrong = not_the_whole_set(set, *held); !wrong.empty()) {
      std::cerr << "straitctl: status: not the link's whole set: " << wrong
                << "; the answers above are part of the link only\n";
      return rc == kClusterDown ? kClusterDown : kRefused;
    }
    return rc;
  }
};

struct audit_cmd : command {
  uint64_t after = 0;
  uint32_t limit = 100;
  bool verify = false;
  std::string expect_head;
  explicit audit_cmd(CLI::App& app) {
    cli = app.add_subcommand("audit", "the audit journal (role operator)");
    cli->add_option("--after", after, "entries after this sequence number")->capture_default_str();
    cli->add_option("--limit", limit, "at most this many entries (<= 1000)")->capture_default_str();
    cli->add_flag("--verify", verify,
                  "read the whole journal and check its hash chain; prints the head to keep "
                  "off-host (exit 5 on a break)");
    cli->add_option("--expect-head", expect_head,
                    "with --verify: SEQ:CHAIN, a head printed before, that must still be there");
  }
  int run(const session& s) override {
    if (verify) return verify_audit_chain(s, expect_head);
    pb::ListAuditRequest req;
    req.set_after(after);
    req.set_limit(limit);
    pb::ListAuditResponse r;
    if (int rc = s.call(&pb::Strait::Stub::ListAudit, req, &r); rc != kOk) return rc;
    s.print(r, print_audit);
    return kOk;
  }
};

// Follows a verification report until it is no longer RUNNING, with a
// progress bar; prints it. Exit 0 only when it PASSED (or is a dry run).
int show_report(const session& s, const std::string& link, pb::VerifyReport r) {
  if (!r.dry_run() && verdict_of(r) == pb::VERIFY_OUTCOME_RUNNING) {
    progress_bar bar("verification " + std::to_string(r.id()));
    pb::GetVerifyReportRequest req;
    req.set_link(link);
    req.set_id(r.id());
    bool first = true;  // r is fresh: wait a period before asking again
    const int rc = follow(
        std::chrono::milliseconds(500), std::nullopt,
        [&]() -> std::optional<int> {
          bar.update(r.records_done(), r.records_planned());
          if (verdict_of(r) != pb::VERIFY_OUTCOME_RUNNING) return kOk;
          if (std::exchange(first, false)) return std::nullopt;
          auto ctx = s.context();
          if (auto st = s.stub().GetVerifyReport(ctx.get(), req, &r); !st.ok()) {
            bar.done();
            return s.exit_code(st);
          }
          return std::nullopt;
        },
        [] { return kStillRunning; });  // no deadline: never called
    if (rc != kOk) return rc;
    bar.done();
  }
  s.print(r, print_report);
  return r.dry_run() || verdict_of(r) == pb::VERIFY_OUTCOME_PASSED ? kOk : kDiffers;
}

struct verify_cmd : command {
  std::string link, topics, groups;
  uint64_t sample_records = 0;
  bool no_wait = false, no_schemas = false;
  mutation m;
  explicit verify_cmd(CLI::App& app) {
    cli = app.add_subcommand("verify",
                             "compare source and target: records through the offset map, topic "
                             "configs, group offsets, schema registries (role viewer); exit 5 "
                             "when they differ");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--topics", topics, "RE2 full-match filter on topic names");
    cli->add_option("--groups", groups, "RE2 full-match filter on group ids");
    cli->add_option("--sample", sample_records,
                    "compare about N records per partition (evenly spaced windows, always "
                    "the newest); 0 = every record")
        ->capture_default_str();
    cli->add_flag("--no-schemas", no_schemas,
                  "leave the link's schema registries out (compared when it has a schemas "
                  "section)");
    m.add(cli, "show what would be compared; compare nothing");
    cli->add_flag("--no-wait", no_wait, "print the report id and return at once");
  }
  int run(const session& s) override {
    pb::VerifyReport r;
    if (int rc = start(s, r); rc != kOk || (!m.dry_run && no_wait)) return rc;
    return show_report(s, link, r);
  }
  // Over the set (ADR 0030), which must be whole: each straitd verifies
  // what it owns (one that owns nothing the filters select is left out).
  // All start first (they compare at once), then each report is followed
  // in turn; exit 5 when any differs.
  int run_set(std::span<const session> set) override {
    if (set.size() == 1) return run(set.front());
    int rc = kOk;
    if (!held_over(set, link, rc)) return rc;
    std::vector<pb::VerifyReport> started(set.size());
    std::vector<bool> has_part(set.size(), false);
    for (size_t i = 0; i < set.size(); ++i) {
      pb::VerifyRequest req = request();
      auto ctx = set[i].context();
      const grpc::Status st = set[i].stub().Verify(ctx.get(), req, &started[i]);
      if (st.error_code() == grpc::StatusCode::NOT_FOUND) {
        if (!set[i].json()) {
          std::printf("== %s: mirrors none of the selection now (left out)\n",
                      safe(set[i].server()).c_str());
        }
        continue;
      }
      if (int code = set[i].exit_code(st); code != kOk) {
        std::cerr << "straitctl: " << safe(set[i].server())
                  << " did not start its verification (those before it did)\n";
        return code;
      }
      has_part[i] = true;
      if (!m.dry_run && no_wait) print_started(set[i], started[i]);
    }
    if (std::ranges::none_of(has_part, [](bool b) { return b; })) {
      std::cerr << "straitctl: verify selects nothing on any straitd of the set\n";
      return kNotFound;
    }
    if (!m.dry_run && no_wait) return kOk;
    // 1 when a straitd failed, else 5 when any differs, else the first
    // other exit code.
    int first = kOk;
    bool differs = false, unavailable = false;
    for (size_t i = 0; i < set.size(); ++i) {
      if (!has_part[i]) continue;
      if (!set[i].json()) std::printf("== %s\n", safe(set[i].server()).c_str());
      std::fflush(stdout);
      const int rc = show_report(set[i], link, started[i]);
      differs = differs || rc == kDiffers;
      unavailable = unavailable || rc == kUnavailable;
      if (first == kOk) first = rc;
    }
    return unavailable ? kUnavailable : differs ? kDiffers : first;
  }

 private:
  pb::VerifyRequest request() const {
    pb::VerifyRequest req;
    req.set_link(link);
    req.set_topic_regex(topics);
    req.set_group_regex(groups);
    req.set_sample_records(sample_records);
    req.set_dry_run(m.dry_run);
    req.set_skip_schemas(no_schemas);
    req.set_request_id(request_id_or_new(m.request_id));
    return req;
  }
  void print_started(const session& s, const pb::VerifyReport& r) const {
    s.print(r, [&](const pb::VerifyReport& v) {
      std::cout << "verification " << v.id() << " started on " << safe(s.server())
                << "; straitctl --server " << safe(s.server()) << " report " << link << " "
                << v.id() << " follows it\n";
    });
  }
  // Starts the verification on `s` into `r`; with --no-wait, prints its id.
  int start(const session& s, pb::VerifyReport& r) const {
    if (int rc = s.call(&pb::Strait::Stub::Verify, request(), &r); rc != kOk) return rc;
    if (!m.dry_run && no_wait) print_started(s, r);
    return kOk;
  }
};

struct report_cmd : command {
  std::string link;
  uint64_t id = 0;
  explicit report_cmd(CLI::App& app) {
    cli = app.add_subcommand("report", "a stored verification report (role viewer)");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("id", id, "report id; 0 or omitted = the newest");
  }
  int run(const session& s) override {
    pb::GetVerifyReportRequest req;
    req.set_link(link);
    req.set_id(id);
    pb::VerifyReport r;
    if (int rc = s.call(&pb::Strait::Stub::GetVerifyReport, req, &r); rc != kOk) return rc;
    return show_report(s, link, r);
  }
};

struct reports_cmd : command {
  std::string link;
  uint32_t limit = 20;
  explicit reports_cmd(CLI::App& app) {
    cli = app.add_subcommand("reports", "the newest verification reports of a link");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--limit", limit, "at most this many (<= 1000)")->capture_default_str();
  }
  int run(const session& s) override {
    pb::ListVerifyReportsRequest req;
    req.set_link(link);
    req.set_limit(limit);
    pb::ListVerifyReportsResponse r;
    if (int rc = s.call(&pb::Strait::Stub::ListVerifyReports, req, &r); rc != kOk) return rc;
    s.print(r, print_reports);
    return kOk;
  }
};

// Follows a scan until it is no longer RUNNING, then prints it. Exit 0
// when it is DONE (or a dry run), kUnavailable when it FAILED or was
// INTERRUPTED.
int show_scan(const session& s, const std::string& link, pb::ScanReport r) {
  if (!r.dry_run() && r.result() == pb::SCAN_OUTCOME_RUNNING) {
    if (!s.json()) {
      std::fprintf(stderr, "scan %llu: sampling for %.0f s...\n",
                   static_cast<unsigned long long>(r.id()),
                   static_cast<double>(r.window_ms()) / 1000);
    }
    pb::GetScanRequest req;
    req.set_link(link);
    req.set_id(r.id());
    req.set_summary(true);  // while it runs; the whole of it once at the end
    bool first = true;      // r is fresh: wait a period before asking again
    // The window and ten minutes of admin requests: a scan that runs longer
    // is stuck in straitd (a cluster that never answers); stop following.
    const auto deadline = after_seconds(static_cast<double>(r.window_ms()) / 1000 + 600);
    const int rc = follow(
        std::chrono::milliseconds(500), deadline,
        [&]() -> std::optional<int> {
          if (r.result() != pb::SCAN_OUTCOME_RUNNING) return kOk;
          if (std::exchange(first, false)) return std::nullopt;
          auto ctx = s.context();
          if (auto st = s.stub().GetScan(ctx.get(), req, &r); !st.ok()) return s.exit_code(st);
          return std::nullopt;
        },
        [&] {
          std::cerr << "straitctl: scan " << r.id() << " is still running after "
                    << r.window_ms() / 1000 + 600 << " s; straitctl scan-report " << link << " "
                    << r.id() << " shows it\n";
          return kStillRunning;
        });
    if (rc != kOk) return rc;
    req.set_summary(false);
    auto ctx = s.context();
    if (auto st = s.stub().GetScan(ctx.get(), req, &r); !st.ok()) return s.exit_code(st);
  }
  s.print(r, print_scan);
  return r.dry_run() || r.result() == pb::SCAN_OUTCOME_DONE ? kOk : kUnavailable;
}

struct scan_cmd : command {
  std::string link;
  double window_s = 10;
  bool no_wait = false;
  mutation m;
  explicit scan_cmd(CLI::App& app) {
    cli = app.add_subcommand(
        "scan",
        "inventory of a link's clusters and readiness: topics, throughput, groups, ACLs, users, "
        "backlog, catch-up, retention headroom, waves (role viewer; read-only)");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--window", window_s, "seconds to sample throughput and the mirror's progress")
        ->check(CLI::Range(1.0, 600.0))
        ->capture_default_str();
    m.add(cli, "check the request and the link; scan nothing");
    cli->add_flag("--no-wait", no_wait, "print the scan id and return at once");
  }
  int run(const session& s) override {
    pb::ScanRequest req;
    req.set_link(link);
    req.set_window_ms(static_cast<uint32_t>(window_s * 1000));
    req.set_dry_run(m.dry_run);
    req.set_request_id(request_id_or_new(m.request_id));
    pb::ScanReport r;
    if (int rc = s.call(&pb::Strait::Stub::Scan, req, &r); rc != kOk) return rc;
    if (!m.dry_run && no_wait) {
      s.print(r, [&](const pb::ScanReport& v) {
        std::cout << "scan " << v.id() << " started; straitctl scan-report " << link << " "
                  << v.id() << " follows it\n";
      });
      return kOk;
    }
    return show_scan(s, link, r);
  }
};

struct scan_report_cmd : command {
  std::string link;
  uint64_t id = 0;
  explicit scan_report_cmd(CLI::App& app) {
    cli = app.add_subcommand("scan-report", "a scan of a link, running or stored (role viewer)");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("id", id, "scan id; 0 or omitted = the newest");
  }
  int run(const session& s) override {
    pb::GetScanRequest req;
    req.set_link(link);
    req.set_id(id);
    pb::ScanReport r;
    if (int rc = s.call(&pb::Strait::Stub::GetScan, req, &r); rc != kOk) return rc;
    return show_scan(s, link, r);
  }
};

struct scans_cmd : command {
  std::string link;
  uint32_t limit = 20;
  explicit scans_cmd(CLI::App& app) {
    cli = app.add_subcommand("scans", "the newest scans of a link (role viewer)");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--limit", limit, "at most this many (<= 32)")->capture_default_str();
  }
  int run(const session& s) override {
    pb::ListScansRequest req;
    req.set_link(link);
    req.set_limit(limit);
    pb::ListScansResponse r;
    if (int rc = s.call(&pb::Strait::Stub::ListScans, req, &r); rc != kOk) return rc;
    s.print(r, print_scans);
    return kOk;
  }
};

struct shards_plan_cmd : command {
  std::string link, output_file;
  uint64_t scan_id = 0;
  uint32_t shards = 0;
  bool keep = false;
  explicit shards_plan_cmd(CLI::App& app) {
    cli = app.add_subcommand(
        "shards-plan",
        "place a link's waves over several straitd, each whole, from a finished scan (ADR 0030; "
        "nothing is stored or moved: shards-apply does; role viewer)");
    cli->add_option("link", link, "link name")->required();
    // The bound is straitd's (its refusal names it).
    cli->add_option("--shards", shards, "straitd instances to place over")->required();
    cli->add_option("--scan", scan_id, "scan id; 0 or omitted = the newest (must be finished)");
    cli->add_flag("--keep", keep,
                  "a re-plan: keep each component on the shard that holds most of it now (the "
                  "assignment --server stores), and move only what balance needs");
    cli->add_option("--output", output_file,
                    "also write the plan to this new file (JSON; an existing one is not "
                    "replaced), for shards-apply --file");
  }
  int run(const session& s) override {
    pb::PlanShardsRequest req;
    req.set_link(link);
    req.set_scan_id(scan_id);
    req.set_shards(shards);
    req.set_keep(keep);
    pb::ShardPlan r;
    if (int rc = s.call(&pb::Strait::Stub::PlanShards, req, &r); rc != kOk) return rc;
    if (!output_file.empty()) {
      // "x": created here, never an existing file or a symlink's target.
      std::FILE* out = std::fopen(output_file.c_str(), "wx");
      const std::string text = to_json(r) + "\n";
      const bool written =
          out != nullptr && std::fwrite(text.data(), 1, text.size(), out) == text.size();
      if (out == nullptr || std::fclose(out) != 0 || !written) {
        std::cerr << "straitctl: --output: cannot create " << safe(output_file)
                  << " (it exists, or its directory is not writable): give a new file; the "
                     "plan is printed below\n";
        s.print(r, print_shard_plan);
        return kUsage;
      }
      std::cerr << "plan written to " << safe(output_file) << ": "
                << (keep ? "move to it with straitctl --server A,B,... shards-move "
                         : "apply it with straitctl --server A,B,... shards-apply ")
                << safe(link) << " --file " << safe(output_file) << " (every shard)\n";
    }
    s.print(r, print_shard_plan);
    return kOk;
  }
};

// What `s` holds of `link`'s shards (its digest is what an ApplyShards
// there replaces; "" for none). nullopt: the call failed (printed; `rc`).
std::optional<pb::ShardAssignment> shards_of(const session& s, const std::string& link, int& rc) {
  pb::GetShardsRequest req;
  req.set_link(link);
  pb::ShardAssignment r;
  rc = s.call(&pb::Strait::Stub::GetShards, req, &r);
  if (rc != kOk) return std::nullopt;
  return r;
}

// A plan is one gRPC request: straitd takes requests up to 1 MiB.
constexpr std::streamsize kMaxPlanBytes = 1 << 20;

// Reads a plan as shards-plan --output wrote it; exit 2 when it is not one.
int read_plan(const std::string& file, pb::ShardPlan& plan) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "straitctl: --file: cannot read " << safe(file) << "\n";
    return kUsage;
  }
  std::string text(kMaxPlanBytes + 1, '\0');
  in.read(text.data(), kMaxPlanBytes + 1);
  text.resize(static_cast<size_t>(in.gcount()));
  if (static_cast<std::streamsize>(text.size()) > kMaxPlanBytes) {
    std::cerr << "straitctl: --file: " << safe(file) << " is over 1 MiB; a plan of a link is "
              << "smaller (is it the file shards-plan --output wrote?)\n";
    return kUsage;
  }
  if (auto st = google::protobuf::util::JsonStringToMessage(text, &plan); !st.ok()) {
    std::cerr << "straitctl: --file: " << safe(file)
              << " is not a plan of shards-plan --output: " << safe(st.ToString()) << "\n";
    return kUsage;
  }
  return kOk;
}

std::optional<std::vector<pb::ShardAssignment>> shards_over(std::span<const session> set,
                                                            const std::string& link, int& rc) {
  std::vector<pb::ShardAssignment> held;
  for (const auto& s : set) {
    auto r = shards_of(s, link, rc);
    if (!r) return std::nullopt;
    held.push_back(std::move(*r));
  }
  return held;
}

std::optional<std::vector<pb::ShardAssignment>> held_over(std::span<const session> set,
                                                          const std::string& link, int& rc) {
  auto held = shards_over(set, link, rc);
  if (!held) return std::nullopt;
  if (const std::string wrong = not_the_whole_set(set, *held); !wrong.empty()) {
    std::cerr << "straitctl: refused: " << wrong << "; nothing was done\n";
    rc = kRefused;
    return std::nullopt;
  }
  return held;
}

// ApplyShards dry runs of `req` (a plan, and what moves for it) on every
// straitd of the set, each replacing what it holds (`held`); `each` sees
// each answer. The first refusal is printed, saying `then`, and its exit
// code returned.
int dry_run_over(std::span<const session> set, pb::ApplyShardsRequest req,
                 const std::vector<pb::ShardAssignment>& held, const char* then,
                 const std::function<void(size_t, const pb::ShardAssignment&)>& each) {
  req.set_dry_run(true);
  for (size_t i = 0; i < set.size(); ++i) {
    req.set_replaces(held[i].digest());
    req.set_request_id(request_id_or_new(""));
    pb::ShardAssignment r;
    if (int rc = set[i].call(&pb::Strait::Stub::ApplyShards, req, &r); rc != kOk) {
      std::cerr << "straitctl: " << safe(set[i].server()) << " refused the plan: " << then << "\n";
      return rc;
    }
    each(i, r);
  }
  return kOk;
}

// Stores `plan` as the link's assignment on every straitd of the set,
// which hold `held` now: every one checks it in a dry run before any
// stores it; those that do not hold it yet must hold one same document.
// Prints each answer (with `dry_run`, each dry run's). What shards-move
// moved counts as held where it was imported (its receipts).
int apply_over(std::span<const session> set, const std::string& link, const pb::ShardPlan& plan,
               const std::vector<pb::ShardAssignment>& held, const mutation& m) {
  pb::ApplyShardsRequest req;
  *req.mutable_plan() = plan;
  req.set_link(link);
  // Every shard checks the plan before any stores it; the dry run also
  // says the plan's digest.
  std::string plan_digest;
  if (int rc = dry_run_over(set, req, held, "nothing was stored on any straitd",
                            [&](size_t i, const pb::ShardAssignment& r) {
                              plan_digest = r.digest();
                              if (!m.dry_run) return;
                              if (set.size() > 1 && !set[i].json()) {
                                std::printf("== %s\n", safe(set[i].server()).c_str());
                              }
                              set[i].print(r, print_shards);
                            });
      rc != kOk) {
    return rc;
  }
  // One document on every shard: the ones that do not hold the plan yet
  // hold the same one, or none if they joined the set (their dry run
  // checked that they hold nothing the plan gives another). Those that
  // hold it already (a run that stopped half-way, run again) are left as
  // they are, unless they hold receipts: storing it again ends those.
  std::set<std::string> before;
  const uint32_t planned = planned_over(held);
  for (const auto& h : held) {
    if (h.digest() != plan_digest && !joined(h, planned)) before.insert(h.digest());
  }
  if (before.size() > 1) {
    std::cerr << "straitctl: refused: the straitd hold different assignments of link " << safe(link)
              << " (";
    for (size_t i = 0; i < set.size(); ++i) {
      std::cerr << (i ? ", " : "") << safe(set[i].server()) << ": '" << safe(held[i].digest())
                << "'";
    }
    std::cerr << "): apply the one they should hold to the others first; nothing was stored\n";
    return kRefused;
  }
  if (m.dry_run) return kOk;
  req.set_dry_run(false);
  size_t stored = 0;
  for (size_t i = 0; i < set.size(); ++i) {
    // Held already, and no receipt left to end (a store ends them: one
    // from an abandoned move would count in a later plan's check).
    const bool already = held[i].digest() == plan_digest && held[i].received_topics_size() == 0 &&
                         held[i].received_groups_size() == 0;
    pb::ShardAssignment r = held[i];
    if (!already) {
      req.set_replaces(held[i].digest());
      req.set_request_id(request_id_or_new(m.request_id));
      if (int rc = set[i].call(&pb::Strait::Stub::ApplyShards, req, &r); rc != kOk) {
        std::cerr << "straitctl: stored on " << stored << " of " << set.size() << " straitd before "
                  << safe(set[i].server())
                  << " failed: run the same command again once it answers (the straitd that "
                     "hold the plan already are left as they are)\n";
        return rc;
      }
    }
    ++stored;
    if (set.size() > 1 && !set[i].json()) {
      std::printf("== %s%s\n", safe(set[i].server()).c_str(), already ? " (held it already)" : "");
    }
    set[i].print(r, print_shards);
  }
  return kOk;
}

struct shards_apply_cmd : command {
  std::string link, file;
  mutation m;
  explicit shards_apply_cmd(CLI::App& app) {
    cli = app.add_subcommand(
        "shards-apply",
        "store a plan of shards-plan --output as the link's shard assignment on every straitd "
        "of --server A,B,... (each checks it in a dry run before any stores it; those that do "
        "not hold it yet must hold one same document), which then mirror only what it gives "
        "them (ADR 0030; role admin)");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--file", file, "the plan (JSON), as shards-plan --output wrote it")
        ->required();
    m.add(cli, "check the plan on every straitd and store nothing");
  }
  int run(const session& s) override { return run_set(std::span(&s, 1)); }
  int run_set(std::span<const session> set) override {
    pb::ShardPlan plan;
    if (int rc = read_plan(file, plan); rc != kOk) return rc;
    int rc = kOk;
    auto held = held_over(set, link, rc);
    if (!held) return rc;
    const pb::ShardAssignment& one = held->front();
    if (set.size() == 1 && one.shards() > 1 && !one.digest().empty() &&
        planned_shards(one) != plan.shards()) {
      // Each straitd hashes the names no component places by its document's
      // count: applied on one alone, two could take the same name.
      std::cerr << "straitctl: refused: the plan is for " << plan.shards()
                << " shards and the one held for " << planned_shards(one)
                << ": that changes the owner of names no component places on every straitd of "
                   "the set; apply it over the whole set (--server A,B,...); nothing was "
                   "stored\n";
      return kRefused;
    }
    return apply_over(set, link, plan, *held, m);
  }
};

// Moves the components a new plan places on another shard than the stored
// assignment does (ADR 0030 step 3, docs/sharding.md#moving-a-component),
// then stores the plan on every shard. Across a change of count (step 4):
// straitd that joined the set hold no assignment and take components; a
// plan for fewer shards than the set moves everything off the ordinals
// over its count before the count goes down. Each straitd a component leaves or
// joins is paused for the move (its whole link: a pause drains what is in
// flight, a resume starts from the store) and resumed after, also when a
// step fails; run the same command again after a failure: a release, an
// import and a forget done already are recognised.
struct shards_move_cmd : command {
  // The chunks of an import: well within the 1 MiB straitd takes a message.
  static constexpr size_t kImportChunk = 512 << 10;
  std::string link, file;
  mutation m;
  explicit shards_move_cmd(CLI::App& app) {
    cli = app.add_subcommand(
        "shards-move",
        "move the components a new plan of shards-plan --output places on another shard, "
        "with their offset maps, checkpoints, group offsets and migration states, from the "
        "straitd that owns them to the one the plan names, then store the plan on every "
        "straitd of --server A,B,... (the link is paused on the straitd a component leaves or "
        "joins while it moves; ADR 0030; role admin)");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--file", file, "the new plan (JSON), as shards-plan --output wrote it")
        ->required();
    m.add(cli, "say which components would move where; move and store nothing");
  }
  int run(const session& s) override { return run_set(std::span(&s, 1)); }

  struct move {
    pb::ComponentRequest names;
    uint32_t from = 0, to = 0;
  };

  int run_set(std::span<const session> set) override {
    pb::ShardPlan plan;
    if (int rc = read_plan(file, plan); rc != kOk) return rc;
    int rc = kOk;
    auto held = held_over(set, link, rc);
    if (!held) return rc;
    if (set.size() < 2) {
      std::cerr << "straitctl: refused: a move is between the straitd of a set: give all of them "
                   "(--server A,B,...)\n";
      return kRefused;
    }
    // The plan must be of this link and this set (its count, or fewer to
    // take shards away), before anything moves.
    const uint32_t count = held->front().shards();
    if (plan.link() != link || plan.shards() < 1 || plan.shards() > count) {
      std::cerr << "straitctl: refused: the plan is of link " << safe(plan.link()) << " over "
                << plan.shards() << " shards, not of link " << safe(link) << " over its " << count
                << " or fewer: plan again (shards-plan --shards " << count
                << "); nothing was moved\n";
      return kRefused;
    }
    for (const auto& c : plan.components()) {
      if (c.shard() >= plan.shards() || c.topics().empty()) {
        std::cerr << "straitctl: refused: a component of the plan has no topic or is placed on "
                     "shard "
                  << c.shard() << " of its " << plan.shards() << "; nothing was moved\n";
        return kRefused;
      }
    }
    // The assignments held: one in force, and none on the straitd that
    // joined the set since (they own nothing yet).
    std::set<std::string> digests;
    bool all_assigned = true, some_joined = false;
    const pb::ShardAssignment* stored = nullptr;
    const uint32_t planned = planned_over(*held);
    for (const auto& h : *held) {
      if (joined(h, planned)) {
        some_joined = true;
        continue;
      }
      digests.insert(h.digest());
      all_assigned = all_assigned && h.assigned();
      if (stored == nullptr) stored = &h;
    }
    if (all_assigned && digests.size() == 2) {
      // A run that moved everything and stopped while it stored the plan:
      // the others still hold the old one. apply_over's dry runs check it.
      if (!set.front().json()) {
        std::printf(
            "the straitd hold two assignments: storing the plan on those that do not "
            "hold it yet\n");
      }
      // What the run moved is received where it went (its receipts).
      return m.dry_run ? kOk : apply_over(set, link, plan, *held, m);
    }
    if (!all_assigned || digests.size() != 1) {
      std::cerr << "straitctl: refused: the straitd do not hold one assignment in force of link "
                << safe(link)
                << " (straitctl shards --server ... says which): a move starts "
                   "from one (held by those that mirror, none by those that joined the set); "
                   "nothing was moved\n";
      return kRefused;
    }
    std::vector<move> moves;
    if (rc = moves_of(*stored, plan, moves); rc != kOk) return rc;
    std::map<uint32_t, size_t> server_of;  // ordinal -> index in set
    for (size_t i = 0; i < set.size(); ++i) server_of[(*held)[i].shard()] = i;
    if (m.dry_run) {
      for (const auto& mv : moves) print_move("would move", mv, set.front());
    }
    if (moves.empty() && some_joined) {
      // A run that moved everything and stopped before the straitd that
      // joined stored the plan (they hold none still): store it.
      if (!set.front().json()) {
        std::printf("no component changes its shard: storing the plan on every straitd\n");
      }
      return m.dry_run ? kOk : apply_over(set, link, plan, *held, m);
    }
    if (moves.empty()) {
      std::cerr << "straitctl: no component changes its shard under this plan: store it with "
                   "shards-apply\n";
      return kUsage;
    }
    // Every straitd checks the plan as if the moves were done, before
    // anything moves: a refusal now costs nothing.
    const pb::ComponentNames moving = names_of(moves);
    if (rc = check_after_moves(set, *held, plan, moving); rc != kOk) return rc;
    if (m.dry_run) return kOk;
    // Pause the straitd involved (those paused already stay so after). A
    // plan for another count than the held one changes, on each straitd as
    // it stores it, the owner of the names no component places: the whole
    // set is paused then, and stays so if storing fails half-way (resumed,
    // two straitd holding the two documents could take one such name).
    const bool count_changes = plan.shards() != planned_shards(*stored);
    std::set<size_t> involved;
    for (const auto& mv : moves) {
      involved.insert(server_of.at(mv.from));
      involved.insert(server_of.at(mv.to));
    }
    if (count_changes) {
      for (size_t i = 0; i < set.size(); ++i) involved.insert(i);
    }
    std::vector<size_t> paused_here, paused_before;
    auto resume = [&] {
      int worst = kOk;
      for (size_t i : paused_here) {
        pb::LinkRequest req;
        req.set_link(link);
        req.set_request_id(request_id_or_new(""));
        pb::Link out;
        if (int code = set[i].call(&pb::Strait::Stub::ResumeLink, req, &out); code != kOk) {
          std::cerr << "straitctl: resume-link " << safe(link) << " on " << safe(set[i].server())
                    << " failed: resume it by hand\n";
          worst = code;
        }
      }
      return worst;
    };
    for (size_t i : involved) {
      pb::GetLinkRequest get;
      get.set_link(link);
      pb::Link l;
      if (rc = set[i].call(&pb::Strait::Stub::GetLink, get, &l); rc != kOk) break;
      if (l.paused()) {
        paused_before.push_back(i);
        continue;
      }
      pb::LinkRequest req;
      req.set_link(link);
      req.set_request_id(request_id_or_new(""));
      if (rc = set[i].call(&pb::Strait::Stub::PauseLink, req, &l); rc != kOk) break;
      paused_here.push_back(i);
    }
    for (size_t k = 0; rc == kOk && k < moves.size(); ++k) {
      rc = move_one(set[server_of.at(moves[k].from)], set[server_of.at(moves[k].to)], moves[k]);
    }
    bool storing_failed = false;
    if (rc == kOk) {
      // What each holds now: the releases changed the digests' lists, not
      // the digests.
      auto now = held_over(set, link, rc);
      if (now) rc = apply_over(set, link, plan, *now, m);
      storing_failed = rc != kOk;
    }
    if (storing_failed && count_changes) {
      std::cerr << "straitctl: the plan for " << plan.shards()
                << " shards is stored on some straitd only: the link stays paused on all of "
                   "them (resumed, two could take a name no component places): run the same "
                   "command again once the cause is mended, then straitctl resume-link "
                << safe(link) << " on each\n";
      return rc;
    }
    const int resumed = resume();
    // Not resumed: paused by hand, or by an earlier run of this command
    // that was cut short. Which of the two, straitd does not record.
    for (size_t i : paused_before) {
      std::cerr << "straitctl: link " << safe(link) << " was paused on " << safe(set[i].server())
                << " before this run (by hand, or by an earlier run cut short) and stays "
                   "paused: straitctl --server "
                << safe(set[i].server()) << " resume-link " << safe(link)
                << " once nothing else needs it paused\n";
    }
    if (rc != kOk) {
      std::cerr << "straitctl: the move stopped; the links this command paused were resumed "
                   "(what was released and not given back stays so, mirrored by nobody: "
                   "straitctl shards lists it): run the same command again once the cause is "
                   "mended\n";
      return rc;
    }
    return resumed;
  }

 private:
  // The moves from the stored assignment `held` to `plan`. Where each name
  // of a plan component is now: its `held` component's shard, or, for a
  // name no component of `held` places (created after it: a topic, or a
  // group that began to read), the shard its hash gives it under `held`'s
  // own count (config::hashed_owner, as straitd decides). The names now on
  // another shard than the plan's move from there: each `held` component
  // whole (one the plan splits is refused, exit 4), names of no component
  // with it. A plan component that joins several moves each part.
  int moves_of(const pb::ShardAssignment& held, const pb::ShardPlan& plan,
               std::vector<move>& out) const {
    std::map<std::string, const pb::ShardComponent*> topic_in, group_in;
    for (const auto& c : held.components()) {
      for (const auto& t : c.topics()) topic_in[t] = &c;
      for (const auto& g : c.groups()) group_in[g] = &c;
    }
    const uint32_t planned = planned_shards(held);
    for (const auto& next : plan.components()) {
      const std::set<std::string> topics(next.topics().begin(), next.topics().end());
      const std::set<std::string> groups(next.groups().begin(), next.groups().end());
      std::map<uint32_t, move> from;  // by the shard the names are on now
      std::set<const pb::ShardComponent*> parts;
      auto place = [&](const std::string& name, bool topic) {
        const auto& in = topic ? topic_in : group_in;
        const auto it = in.find(name);
        const uint32_t now =
            it != in.end() ? it->second->shard() : strait::config::hashed_owner(name, planned);
        if (it != in.end()) parts.insert(it->second);
        move& mv = from[now];
        (topic ? mv.names.add_topics(name) : mv.names.add_groups(name));
      };
      for (const auto& t : topics) place(t, true);
      for (const auto& g : groups) place(g, false);
      for (const auto* c : parts) {
        if (c->shard() == next.shard()) continue;  // stays: regrouped in place, not moved
        const bool whole =
            std::ranges::all_of(c->topics(), [&](const auto& t) { return topics.contains(t); }) &&
            std::ranges::all_of(c->groups(), [&](const auto& g) { return groups.contains(g); });
        if (!whole) {
          std::cerr << "straitctl: refused: the plan splits the component of topic "
                    << safe(c->topics(0))
                    << " (a plan that splits components is not supported yet); nothing was "
                       "moved\n";
          return kRefused;
        }
      }
      for (auto& [shard, mv] : from) {
        if (shard == next.shard()) continue;  // there already
        mv.names.set_link(link);
        mv.from = shard;
        mv.to = next.shard();
        out.push_back(std::move(mv));
      }
    }
    return kOk;
  }

  // The names of `moves`, as ApplyShardsRequest.moving names them.
  static pb::ComponentNames names_of(const std::vector<move>& moves) {
    pb::ComponentNames out;
    for (const auto& mv : moves) {
      for (const auto& t : mv.names.topics()) out.add_topics(t);
      for (const auto& g : mv.names.groups()) out.add_groups(g);
    }
    return out;
  }

  // ApplyShards dry runs of `plan` on every straitd of the set (holding
  // `held`) with `moving` as moved already; prints the first refusal (exit
  // 4 or the call's code).
  int check_after_moves(std::span<const session> set, const std::vector<pb::ShardAssignment>& held,
                        const pb::ShardPlan& plan, const pb::ComponentNames& moving) const {
    pb::ApplyShardsRequest req;
    req.set_link(link);
    *req.mutable_plan() = plan;
    *req.mutable_moving() = moving;
    return dry_run_over(set, req, held, "checked as after the moves; nothing was moved",
                        [](size_t, const pb::ShardAssignment&) {});
  }

  // Gives a released component back to its old owner `from`, which holds
  // every record still, after its export or import was refused; says what
  // it did. Not when `to` holds an import of any of the names (an earlier
  // run's whose answer was lost), or cannot say: given back, the old owner
  // would mirror on and the two copies part for good, while released, the
  // same command run again can finish the move.
  void give_back(const session& from, const session& to, pb::ComponentRequest names,
                 const char* why) const {
    int rc = kOk;
    const auto held = shards_of(to, link, rc);
    const auto any_in = [](const auto& some, const auto& in) {  // up to 100,000 each
      const std::set<std::string> all(in.begin(), in.end());
      return std::ranges::any_of(some, [&](const std::string& n) { return all.contains(n); });
    };
    if (!held || any_in(names.topics(), held->received_topics()) ||
        any_in(names.groups(), held->received_groups())) {
      std::cerr << "straitctl: " << why << "; " << safe(to.server())
                << (held ? " holds an import of the component from an earlier run"
                         : " cannot say whether it holds an import of the component")
                << ": the release on " << safe(from.server())
                << " stays (mirrored by nobody), so that the two copies do not part: mend what "
                   "refused it (after a lost answer, staged names that differ between the two "
                   "are the usual cause) and run the same command again\n";
      return;
    }
    names.set_cancel(true);
    names.set_request_id(request_id_or_new(""));
    pb::ShardAssignment r;
    if (from.call(&pb::Strait::Stub::ReleaseComponent, names, &r) == kOk) {
      std::cerr << "straitctl: " << why << ": the release on " << safe(from.server())
                << " was cancelled (it owns the component again, with its records)\n";
    } else {
      std::cerr << "straitctl: " << why << ", and cancelling the release on " << safe(from.server())
                << " failed: the component stays released\n";
    }
  }

  static void print_move(const char* what, const move& mv, const session& s) {
    if (s.json()) return;
    std::printf("%s %s (%d topics, %d groups): shard %u -> shard %u\n", what,
                mv.names.topics().empty()
                    ? ("group " + safe(mv.names.groups(0))).c_str()
                    : ("the component of topic " + safe(mv.names.topics(0))).c_str(),
                mv.names.topics_size(), mv.names.groups_size(), mv.from, mv.to);
  }

  // Release, export, import, forget of one component; prints each step.
  int move_one(const session& from, const session& to, move mv) const {
    print_move("moving", mv, from);
    auto step = [&](const std::string& what) {
      if (!from.json()) std::printf("  %s\n", what.c_str());
    };
    mv.names.set_request_id(request_id_or_new(""));
    pb::ShardAssignment released;
    if (int rc = from.call(&pb::Strait::Stub::ReleaseComponent, mv.names, &released); rc != kOk) {
      return rc;
    }
    step("released on " + safe(from.server()));
    mv.names.clear_request_id();
    pb::ComponentExport exported;
    {
      constexpr std::chrono::seconds kExportWait{60};  // up to 60 MiB
      auto ctx = from.context(false, kExportWait);
      const grpc::Status s = from.stub().ExportComponent(ctx.get(), mv.names, &exported);
      if (const int rc = from.exit_code(s, kExportWait); rc != kOk) {
        // Refused (too large to move, or not movable): an export only
        // reads, so the old owner holds every record still, and a
        // component over 60 MiB would stay released on every run. An
        // answer lost on the way leaves the release for the next run.
        if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
            s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
          give_back(from, to, mv.names, "the export was refused");
        }
        return rc;
      }
    }
    // Imported also when it holds no record (never written, or forgotten
    // by an earlier run): the receiver's receipt is what lets it hold them.
    step("exported from " + safe(from.server()) + ": " +
         (exported.record_count() == 0
              ? std::string("no record (never written, or forgotten by an earlier run)")
              : std::to_string(exported.partitions()) +
                    " partitions' offset maps and checkpoints with the groups' offsets and "
                    "states, " +
                    std::to_string(exported.records().size()) + " bytes") +
         ", digest " + safe(exported.digest()));
    pb::ComponentImport imported;
    {
      // A deadline as for any call, and a second more per MiB sent.
      auto ctx = to.context(false, std::chrono::seconds(60 + (exported.records().size() >> 20)));
      auto writer = to.stub().ImportComponent(ctx.get(), &imported);
      const std::string& bytes = exported.records();
      for (size_t at = 0; at < bytes.size(); at += kImportChunk) {
        pb::ImportComponentChunk chunk;
        if (at == 0) {
          chunk.set_link(link);
          chunk.set_request_id(request_id_or_new(""));
        }
        chunk.set_records(bytes.substr(at, kImportChunk));
        if (!writer->Write(chunk)) break;  // the answer says why
      }
      writer->WritesDone();
      if (int rc = to.exit_code(writer->Finish()); rc != kOk) {
        // Refused (not lost on the way: then it may be stored): the records
        // are all on the old owner still, which owns them again.
        if (rc == kRefused || rc == kUsage) give_back(from, to, mv.names, "the import was refused");
        return rc;
      }
    }
    if (imported.digest() != exported.digest()) {
      std::cerr << "straitctl: " << safe(to.server()) << " answered digest "
                << safe(imported.digest()) << " for an export of digest " << safe(exported.digest())
                << ": nothing was forgotten\n";
      return kUnavailable;
    }
    step("imported on " + safe(to.server()) + " (fsynced)");
    pb::ForgetComponentRequest forget;
    forget.set_link(link);
    *forget.mutable_topics() = mv.names.topics();
    *forget.mutable_groups() = mv.names.groups();
    forget.set_digest(imported.digest());
    forget.set_request_id(request_id_or_new(""));
    pb::ComponentForget forgot;
    if (int rc = from.call(&pb::Strait::Stub::ForgetComponent, forget, &forgot); rc != kOk) {
      return rc;
    }
    step("forgotten on " + safe(from.server()) + " (" + std::to_string(forgot.records()) +
         " store records erased)");
    return kOk;
  }
};

struct shards_cmd : command {
  std::string link;
  explicit shards_cmd(CLI::App& app) {
    cli = app.add_subcommand("shards",
                             "each straitd's shard of a link and the assignment it holds; with "
                             "several --server, whether they hold the same one (exit 5 when "
                             "not; role viewer)");
    cli->add_option("link", link, "link name")->required();
  }
  int run(const session& s) override { return run_set(std::span(&s, 1)); }
  int run_set(std::span<const session> set) override {
    std::set<std::string> digests;
    std::vector<pb::ShardAssignment> answers;
    int rc = on_each(set, [&](const session& s) {
      int code = kOk;
      auto r = shards_of(s, link, code);
      if (!r) return code;
      digests.insert(r->digest());
      answers.push_back(*r);
      s.print(*r, print_shards);
      return kOk;
    });
    if (rc != kOk || set.size() < 2) return rc;
    if (const std::string wrong = not_the_whole_set(set, answers); !wrong.empty()) {
      std::cerr << "straitctl: " << wrong << "\n";
      return kDiffers;
    }
    if (digests.size() > 1) {
      const uint32_t planned = planned_over(answers);
      const bool some_joined =
          std::ranges::any_of(answers, [&](const auto& a) { return joined(a, planned); });
      std::cerr << "straitctl: the shards hold different assignments of link " << safe(link)
                << ": apply one plan to all of them (straitctl shards-apply --server A,B,...)"
                << (some_joined ? "; a straitd that joined the set holds none until straitctl "
                                  "shards-move places components on it "
                                  "(docs/sharding.md#changing-the-count)"
                                : "")
                << "\n";
      return kDiffers;
    }
    if (!set.front().json()) {
      std::printf("every straitd holds the same assignment%s\n",
                  digests.begin()->empty() ? " (none)" : "");
    }
    return kOk;
  }
};

// Plan and Apply read both clusters in straitd (admin requests of up to
// 10 s each, a slow cluster several): their calls wait at least this long.
constexpr std::chrono::seconds kPlanCallTimeout{120};

struct plan_cmd : command {
  std::string link, topics;
  bool all = false;
  explicit plan_cmd(CLI::App& app) {
    cli = app.add_subcommand("plan",
                             "what the link's target topics need: create, add partitions, change "
                             "configs, blocked (role viewer; read-only)");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--topics", topics, "RE2 full match over the link's source topics");
    cli->add_flag("--all", all, "also list the topics that fit");
  }
  int run(const session& s) override {
    pb::PlanRequest req;
    req.set_link(link);
    req.set_topic_regex(topics);
    pb::TopicPlan r;
    if (int rc = s.call(&pb::Strait::Stub::Plan, req, &r, kPlanCallTimeout); rc != kOk) return rc;
    s.print(r, [&](const pb::TopicPlan& v) { print_plan(v, false, all); });
    return kOk;
  }
};

struct scorecard_cmd : command {
  std::string link, rehearsal;
  bool details = false;
  explicit scorecard_cmd(CLI::App& app) {
    cli = app.add_subcommand(
        "scorecard",
        "the link's readiness per area, 0-2 and red / yellow / green, computed from stored "
        "evidence and a live plan (role viewer; read-only)");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--rehearsal", rehearsal,
                    "a link whose drills (cutovers, rollbacks, verifications) count, e.g. one "
                    "against a staging target");
    cli->add_flag("--details", details, "every finding and the evidence of each area");
  }
  int run(const session& s) override {
    pb::GetScorecardRequest req;
    req.set_link(link);
    req.set_rehearsal(rehearsal);
    pb::Scorecard r;
    if (int rc = s.call(&pb::Strait::Stub::GetScorecard, req, &r, kPlanCallTimeout); rc != kOk) {
      return rc;
    }
    s.print(r, [&](const pb::Scorecard& v) { print_scorecard(v, details); });
    return kOk;
  }
};

struct apply_cmd : command {
  std::string link, topics;
  mutation m;
  static constexpr int kMaxPasses = 1000;
  explicit apply_cmd(CLI::App& app) {
    cli = app.add_subcommand(
        "apply",
        "carry out the link's plan on the target: create topics, add partitions, change configs "
        "(role admin); straitd applies for 5 s a call, so this calls again until nothing is "
        "left or a pass does nothing");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--topics", topics, "RE2 full match over the link's source topics");
    m.add(cli, "show what apply would do; change nothing");
  }
  // Exit 0 when every action was done, 1 when one failed or a pass made no
  // progress with actions left.
  int run(const session& s) override {
    const std::string id = request_id_or_new(m.request_id);
    if (id.size() > 120) {
      std::cerr << "straitctl: --request-id: at most 120 characters for apply (each pass adds "
                   "\".N\" to it)\n";
      return kUsage;
    }
    for (int pass = 1; pass <= kMaxPasses; ++pass) {
      pb::ApplyRequest req;
      req.set_link(link);
      req.set_topic_regex(topics);
      req.set_dry_run(m.dry_run);
      // One id per pass: the same command run again replays its passes.
      req.set_request_id(pass == 1 ? id : id + "." + std::to_string(pass));
      pb::TopicPlan r;
      if (int rc = s.call(&pb::Strait::Stub::Apply, req, &r, kPlanCallTimeout); rc != kOk) {
        return rc;
      }
      s.print(r, [&](const pb::TopicPlan& v) { print_plan(v, true, false); });
      if (r.failed() > 0) return kUnavailable;
      if (r.not_reached() == 0) return kOk;
      if (r.done() == 0) {  // straitd starts one action a pass at least: a guard
        std::cerr << "straitctl: a pass of apply did nothing with " << r.not_reached()
                  << " actions left; see straitd's log\n";
        return kUnavailable;
      }
    }
    std::cerr << "straitctl: apply did not end in " << kMaxPasses << " passes; run it again\n";
    return kUnavailable;
  }
};

struct stage_cmd : command {
  std::string link, topics, groups;
  mutation m;
  explicit stage_cmd(CLI::App& app) {
    cli = app.add_subcommand("stage",
                             "add source topics and groups to a link's selection (role operator)");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--topics", topics, "RE2 full match over the source's topic names");
    cli->add_option("--groups", groups, "RE2 full match over the source's group ids");
    m.add(cli, "show what would be staged; stage nothing");
  }
  int run(const session& s) override {
    pb::StageRequest req;
    req.set_link(link);
    req.set_topic_regex(topics);
    req.set_group_regex(groups);
    req.set_dry_run(m.dry_run);
    req.set_request_id(request_id_or_new(m.request_id));
    pb::StageResponse r;
    if (int rc = s.call(&pb::Strait::Stub::Stage, req, &r); rc != kOk) return rc;
    s.print(r, [&](const pb::StageResponse& v) {
      const char* what = m.dry_run ? "would stage" : "staged";
      for (const auto& t : v.topics()) std::printf("%s topic %s\n", what, safe(t).c_str());
      for (const auto& g : v.groups()) std::printf("%s group %s\n", what, safe(g).c_str());
      if (!m.dry_run) std::printf("follow it with: straitctl catch-up %s\n", link.c_str());
    });
    return kOk;
  }
  // Staged names are each straitd's own: stage on every shard, all of
  // them (a shard left out never sees the name).
  int run_set(std::span<const session> set) override {
    int rc = kOk;
    if (set.size() > 1 && !held_over(set, link, rc)) return rc;
    return on_each(set, [&](const session& s) { return run(s); });
  }
};

struct catchup_cmd : command {
  std::string link, topics;
  double wait_timeout_s = 600;
  explicit catchup_cmd(CLI::App& app) {
    cli = app.add_subcommand(
        "catch-up",
        "follow a link until its topics are IN_SYNC, with a progress bar (role viewer)");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("--topics", topics, "RE2 full-match filter on topic names");
    cli->add_option("--wait-timeout", wait_timeout_s, "seconds before exit 6")
        ->capture_default_str();
  }
  // Progress: records mirrored of those on the source (sum over the selected
  // topics' partitions); done when every topic is IN_SYNC or further along (a
  // stopped partition keeps it from IN_SYNC).
  int run(const session& s) override {
    pb::GetStatusRequest req;
    req.set_link(link);
    req.set_topic_regex(topics);
    progress_bar bar("catch-up of " + link);
    const std::set<pb::MigrationState> synced = {
        pb::MIGRATION_STATE_IN_SYNC, pb::MIGRATION_STATE_VERIFIED, pb::MIGRATION_STATE_DRAINING,
        pb::MIGRATION_STATE_CUT_OVER, pb::MIGRATION_STATE_FINALIZED};
    int64_t lag = 0;
    return follow(
        std::chrono::milliseconds(500), after_seconds(wait_timeout_s),
        [&]() -> std::optional<int> {
          pb::LinkStatus st;
          auto ctx = s.context();
          if (auto rc = s.stub().GetStatus(ctx.get(), req, &st); !rc.ok()) {
            bar.done();
            return s.exit_code(rc);
          }
          int64_t mirrored = 0;
          lag = 0;
          bool all = st.topics_size() > 0 && !st.paused();
          for (const auto& t : st.topics()) {
            for (const auto& p : t.partitions()) {
              mirrored += p.next_source_offset();
              lag += p.lag_records();
            }
            all = all && synced.contains(state_of(t));
          }
          bar.update(mirrored, mirrored + lag);
          if (!all) return std::nullopt;
          bar.done();
          s.print(st, print_status);
          return kOk;
        },
        [&] {
          bar.done();
          std::cerr << "straitctl: not in sync after --wait-timeout (" << lag
                    << " records behind); straitctl status " << link << " shows why\n";
          return kStillRunning;
        });
  }
};

struct create_link_cmd : command {
  std::string file;
  mutation m;
  explicit create_link_cmd(CLI::App& app) {
    cli = app.add_subcommand(
        "create-link", "create a link from a YAML file holding one links[] entry (role admin)");
    cli->add_option("--file", file, "the link's YAML ('-' for stdin)")->required();
    m.add(cli, "validate (and check target topics); create nothing");
  }
  int run(const session& s) override {
    pb::CreateLinkRequest req;
    req.set_link_yaml(file == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {})
                                  : read_or_exit(file, "--file"));
    req.set_dry_run(m.dry_run);
    req.set_request_id(request_id_or_new(m.request_id));
    pb::Link r;
    if (int rc = s.call(&pb::Strait::Stub::CreateLink, req, &r); rc != kOk) return rc;
    s.print(r, [&](const pb::Link& l) {
      std::cout << (m.dry_run ? "would create link " : "created link ") << safe(l.name()) << "\n";
    });
    return kOk;
  }
};

// delete-link, pause-link, resume-link: one link by name.
struct link_lifecycle_cmd : command {
  using rpc = grpc::Status (pb::Strait::Stub::*)(grpc::ClientContext*, const pb::LinkRequest&,
                                                 pb::Link*);
  std::string name, link;
  rpc call;
  mutation m;
  link_lifecycle_cmd(CLI::App& app, std::string command_name, const std::string& help, rpc c)
      : name(std::move(command_name)), call(c) {
    cli = app.add_subcommand(name, help);
    cli->add_option("link", link, "link name")->required();
    m.add(cli, "check; change nothing");
  }
  int run(const session& s) override {
    pb::LinkRequest req;
    req.set_link(link);
    req.set_dry_run(m.dry_run);
    req.set_request_id(request_id_or_new(m.request_id));
    pb::Link r;
    if (int rc = s.call(call, req, &r); rc != kOk) return rc;
    s.print(r, [&](const pb::Link& l) {
      std::printf("%slink %s: %s\n", m.dry_run ? "dry run: " : "", safe(l.name()).c_str(),
                  name == "delete-link" ? (m.dry_run ? "would be deleted" : "deleted")
                  : l.paused()          ? "paused"
                                        : "running");
    });
    return kOk;
  }
};

struct acknowledge_cmd : command {
  std::string link, topic, resolution;
  int32_t partition = -1;
  mutation m;
  explicit acknowledge_cmd(CLI::App& app) {
    cli = app.add_subcommand(
        "acknowledge",
        "restart a stopped partition with a resolution (retry: role operator; the others admin)");
    cli->add_option("link", link, "link name")->required();
    cli->add_option("topic", topic, "source topic")->required();
    cli->add_option("partition", partition, "partition")->required();
    cli->add_option("--resolution", resolution,
                    "retry, skip-to-log-start, accept-target or skip-record "
                    "(docs/configuration.md#acknowledge)")
        ->required()
        ->check(CLI::IsMember({"retry", "skip-to-log-start", "accept-target", "skip-record"}));
    m.add(cli, "check that the resolution applies; change nothing");
  }
  int run(const session& s) override {
    pb::AcknowledgeRequest req;
    req.set_link(link);
    req.set_topic(topic);
    req.set_partition(partition);
    req.set_resolution(resolution);
    req.set_dry_run(m.dry_run);
    req.set_request_id(request_id_or_new(m.request_id));
    pb::AcknowledgeResponse r;
    if (int rc = s.call(&pb::Strait::Stub::Acknowledge, req, &r); rc != kOk) return rc;
    s.print(r, [&](const pb::AcknowledgeResponse& v) {
      std::printf("%s/%s/%d was stopped as %s (%s)\n%s %s\n", link.c_str(), topic.c_str(),
                  partition, safe(v.was_stopped()).c_str(), safe(v.stop_detail()).c_str(),
                  m.dry_run ? "would apply" : "applied:", safe(v.resolution()).c_str());
    });
    return kOk;
  }
};

// cutover, rollback, finalize: topics or groups; the work is followed until
// every object reached where the move leads.
struct move_cmd : command {
  using rpc = grpc::Status (pb::Strait::Stub::*)(grpc::ClientContext*, const pb::MoveRequest&,
                                                 pb::MoveResponse*);
  std::string name, link, topics, groups;
  rpc topics_call, groups_call;
  bool force = false, no_wait = false;
  uint32_t quiet_window_ms = 5000;
  double wait_timeout_s = 600;
  mutation m;
  move_cmd(CLI::App& app, std::string command_name, const std::string& help, rpc t, rpc g)
      : name(std::move(command_name)), topics_call(t), groups_call(g) {
    cli = app.add_subcommand(name, help);
    cli->add_option("link", link, "link name")->required();
    auto* to = cli->add_option("--topics", topics, "RE2 full match over topic names");
    auto* go = cli->add_option("--groups", groups, "RE2 full match over group ids");
    to->excludes(go);
    m.add(cli, "check and show what would happen; change nothing");
    cli->add_flag("--no-wait", no_wait, "return once started; do not follow the work");
    cli->add_option("--wait-timeout", wait_timeout_s,
                    "seconds to follow the work before exit 6 (it goes on in straitd); over "
                    "several --server, for all of them")
        ->capture_default_str();
    if (name != "finalize") {
      cli->add_option("--quiet-window", quiet_window_ms,
                      "ms the source (cutover) or target (rollback) must stay still")
          ->capture_default_str();
    }
    if (name == "cutover") {
      cli->add_flag("--force", force,
                    "override the overridable guards (verified, lag, stopped partition, topics "
                    "cut over); audited");
    }
  }

  int run(const session& s) override {
    const bool on_groups = !groups.empty();
    if (topics.empty() && groups.empty()) {
      std::cerr << "straitctl " << name << ": give --topics RE or --groups RE ('.*' for all)\n";
      return kUsage;
    }
    pb::MoveRequest req = request(m.dry_run, false, m.request_id);
    pb::MoveResponse r;
    if (int rc = s.call(on_groups ? groups_call : topics_call, req, &r); rc != kOk) return rc;
    s.print(r, [&](const pb::MoveResponse& v) { print_changes(v, m.dry_run); });
    if (m.dry_run || no_wait) return kOk;
    return follow_move(s, r, on_groups, after_seconds(wait_timeout_s));
  }

  // Over the set (ADR 0030): each straitd moves what it owns of the
  // selection (a component's topics and groups are on one, so each move is
  // local). Every straitd checks its part in a dry run before any starts;
  // then each starts its part, and straitctl follows them in turn.
  int run_set(std::span<const session> set) override {
    if (set.size() == 1) return run(set.front());
    const bool on_groups = !groups.empty();
    if (topics.empty() && groups.empty()) return run(set.front());  // says what to give
    int rc = kOk;
    if (!held_over(set, link, rc)) return rc;  // the whole set, or nothing
    const rpc call = on_groups ? groups_call : topics_call;
    std::vector<pb::MoveResponse> answers(set.size());
    int selected = 0;
    for (size_t i = 0; i < set.size(); ++i) {
      pb::MoveRequest req = request(true, true, "");  // its own id: not the real call's
      if (int rc = set[i].call(call, req, &answers[i]); rc != kOk) {
        std::cerr << "straitctl: " << safe(set[i].server())
                  << " refused its part: nothing was moved on any straitd\n";
        return rc;
      }
      selected += answers[i].changes_size();
    }
    if (selected == 0) {
      std::cerr << "straitctl: " << name << " selects nothing on any straitd of the set\n";
      return kNotFound;
    }
    int worst = kOk;
    size_t begun = 0;
    for (size_t i = 0; i < set.size(); ++i) {
      if (answers[i].changes_size() == 0) continue;  // the others' part
      if (!m.dry_run) {
        pb::MoveRequest req = request(false, true, m.request_id);
        if (int rc = set[i].call(call, req, &answers[i]); rc != kOk) {
          std::cerr << "straitctl: started on " << begun << " straitd before "
                    << safe(set[i].server())
                    << " failed: what started goes on there (straitctl status); run the same "
                       "command again for the rest once the cause is mended\n";
          return rc;
        }
      }
      ++begun;
      if (!set[i].json()) std::printf("== %s\n", safe(set[i].server()).c_str());
      set[i].print(answers[i], [&](const pb::MoveResponse& v) { print_changes(v, m.dry_run); });
    }
    if (m.dry_run || no_wait) return kOk;
    // One --wait-timeout for the whole set; each part is followed to its
    // end or to that deadline, and the exit code is the most urgent part's.
    const auto deadline = after_seconds(wait_timeout_s);
    for (size_t i = 0; i < set.size(); ++i) {
      if (answers[i].changes_size() == 0) continue;
      if (!set[i].json()) std::fprintf(stderr, "== %s\n", safe(set[i].server()).c_str());
      worst = more_urgent(worst, follow_move(set[i], answers[i], on_groups, deadline));
    }
    return worst;
  }

 private:
  // The request for every straitd: each journals its own, so one
  // `request_id` (or a new one) serves them all.
  pb::MoveRequest request(bool dry_run, bool over_the_set, const std::string& request_id) const {
    pb::MoveRequest req;
    req.set_link(link);
    req.set_regex(groups.empty() ? topics : groups);
    req.set_force(force);
    req.set_quiet_window_ms(quiet_window_ms);
    req.set_dry_run(dry_run);
    req.set_over_the_set(over_the_set);
    req.set_request_id(request_id_or_new(request_id));
    return req;
  }

 public:
  // Until every object of the answer reached where the move leads, printing
  // each new activity on stderr (and a bar of the records drained). Each
  // object is followed through its operation (ListOperations); one without
  // (straitd before operation ids, an operation straitd no longer knows)
  // through its state in GetStatus. Past `deadline` (--wait-timeout), exit
  // 6 after one more look.
  int follow_move(const session& s, const pb::MoveResponse& r, bool on_groups,
                  std::chrono::steady_clock::time_point deadline) const {
    using states = std::set<pb::MigrationState>;
    const states done_states =
        name == "finalize"  ? states{pb::MIGRATION_STATE_FINALIZED}
        : name == "cutover" ? states{pb::MIGRATION_STATE_CUT_OVER, pb::MIGRATION_STATE_FINALIZED}
        : on_groups         ? states{pb::MIGRATION_STATE_SYNCING}
                            : states{pb::MIGRATION_STATE_MIRRORING, pb::MIGRATION_STATE_IN_SYNC};
    std::map<std::string, uint64_t> pending;  // object -> its operation (0: follow its state)
    for (const auto& c : r.changes()) pending[c.name()] = c.operation_id();
    std::map<std::string, std::string> last_activity;
    int outcome = kOk;  // kNeedsOperator once an operation is stuck or cancelled
    // Topic cutover and rollback drain records (forward, or back through
    // reverse mirroring): a bar of the records drained since the start.
    progress_bar drain_bar(name == "rollback" ? "copy back" : "drain");
    int64_t drain_initial = -1;
    pb::GetStatusRequest sreq;
    sreq.set_link(link);
    auto say = [&](const std::string& what, const std::string& activity) {
      if (!activity.empty() && last_activity[what] != activity) {
        std::cerr << safe(what) << ": " << safe(activity) << "\n";
        last_activity[what] = activity;
      }
    };
    // The pending objects' operations, by id, read once per round: one
    // ListOperations call (a GetOperation per object from a straitd before
    // it). An id absent from `ops` is followed by its object's state.
    std::map<uint64_t, pb::Operation> ops;
    bool one_call = true;  // ListOperations (false: straitd has only GetOperation)
    auto read_operations = [&]() -> std::optional<int> {
      ops.clear();
      pb::ListOperationsRequest lreq;
      lreq.set_link(link);
      for (const auto& [what, id] : pending) {
        if (id != 0) lreq.add_ids(id);
      }
      if (lreq.ids_size() == 0) return std::nullopt;
      if (one_call) {
        // 1,000 ids a call: straitd takes up to 10,000, and 1,000 answers
        // stay far below the 4 MB a reply may have.
        constexpr int kIdsPerCall = 1000;
        bool unimplemented = false;
        for (int from = 0; from < lreq.ids_size() && !unimplemented; from += kIdsPerCall) {
          pb::ListOperationsRequest part;
          part.set_link(link);
          for (int i = from; i < std::min(from + kIdsPerCall, lreq.ids_size()); ++i) {
            part.add_ids(lreq.ids(i));
          }
          pb::ListOperationsResponse listed;
          auto lctx = s.context();
          auto rc = s.stub().ListOperations(lctx.get(), part, &listed);
          if (rc.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
            unimplemented = true;
          } else if (!rc.ok()) {
            return s.exit_code(rc);
          } else {
            for (const auto& op : listed.operations()) ops[op.id()] = op;
          }
        }
        if (!unimplemented) return std::nullopt;
        one_call = false;
      }
      for (uint64_t id : lreq.ids()) {
        pb::GetOperationRequest oreq;
        oreq.set_link(link);
        oreq.set_id(id);
        pb::Operation op;
        auto octx = s.context();
        auto rc = s.stub().GetOperation(octx.get(), oreq, &op);
        if (rc.ok()) {
          ops[id] = op;
        } else if (rc.error_code() != grpc::StatusCode::NOT_FOUND &&
                   rc.error_code() != grpc::StatusCode::UNIMPLEMENTED) {
          return s.exit_code(rc);
        }
      }
      return std::nullopt;
    };
    // One object's operation: its exit code once it ended, nothing while it
    // is still to be followed (`id` set to 0: by its state from now on).
    auto by_operation = [&](const std::string& what, uint64_t& id) -> std::optional<int> {
      auto found = ops.find(id);
      if (found == ops.end()) {  // unknown to straitd (restarted, or before operation ids)
        id = 0;
        return std::nullopt;
      }
      const pb::Operation& op = found->second;
      if (op.name() != what || op.on_group() != on_groups) {  // not this object's: trust none
        id = 0;
        return std::nullopt;
      }
      if (op.phase() == pb::OPERATION_PHASE_DONE) {
        std::cerr << safe(what) << ": done" << acl_changes(op) << "\n";
        return kOk;
      }
      if (op.phase() == pb::OPERATION_PHASE_CANCELLED) {
        std::cerr << safe(what) << ": cancelled by a later request (operation " << op.id() << ")\n";
        return kNeedsOperator;
      }
      say(what, op.detail());
      if (op.stuck_reason() != pb::STUCK_REASON_NONE) {
        std::cerr << safe(what) << ": waits for the operator ("
                  << pb::StuckReason_Name(op.stuck_reason()) << "): see above; roll back, or fix "
                  << "it and run " << name << " again\n";
        return kNeedsOperator;
      }
      return std::nullopt;
    };
    // Often enough that following a move adds little to its pause (a status
    // call is cheap next to the move's own steps).
    return follow(
        std::chrono::milliseconds(200), deadline,
        [&]() -> std::optional<int> {
          pb::LinkStatus st;
          auto sctx = s.context();
          if (auto rc = s.stub().GetStatus(sctx.get(), sreq, &st); !rc.ok()) {
            if (drain_initial > 0) drain_bar.done();
            return s.exit_code(rc);
          }
          std::map<std::string, std::pair<pb::MigrationState, std::string>> seen;  // + activity
          if (on_groups) {
            for (const auto& g : st.groups()) seen[g.group()] = {state_of(g), g.activity()};
          } else {
            int64_t lag = 0;
            for (const auto& t : st.topics()) {
              seen[t.topic()] = {state_of(t), t.activity()};
              if (!pending.contains(t.topic())) continue;
              for (const auto& p : name == "rollback" ? t.reverse_partitions() : t.partitions()) {
                lag += p.lag_records();
              }
            }
            if (drain_initial < 0 && lag > 0 && name != "finalize") drain_initial = lag;
            if (drain_initial > 0) {
              drain_bar.update(drain_initial - std::min(lag, drain_initial), drain_initial);
            }
          }
          if (auto failed = read_operations()) {
            if (drain_initial > 0) drain_bar.done();
            return failed;
          }
          for (auto it = pending.begin(); it != pending.end();) {
            auto& [what, id] = *it;
            std::optional<int> ended;
            if (id != 0) ended = by_operation(what, id);
            if (id == 0 && seen.contains(what)) {
              const auto& [state, activity] = seen[what];
              if (done_states.contains(state) && activity.empty()) {
                std::cerr << safe(what) << ": " << name_of(state) << "\n";
                ended = kOk;
              } else {
                say(what, activity);
              }
            }
            if (ended && *ended != kOk && *ended != kNeedsOperator) {
              return more_urgent(outcome, *ended);  // straitd failed; an 8 seen still counts
            }
            if (ended && *ended == kNeedsOperator) outcome = kNeedsOperator;
            it = ended ? pending.erase(it) : std::next(it);
          }
          if (!pending.empty()) return std::nullopt;
          if (drain_initial > 0) drain_bar.done();
          return outcome;
        },
        [&] {
          if (drain_initial > 0) drain_bar.done();
          std::cerr << "straitctl: still running after --wait-timeout; it goes on in straitd "
                       "(straitctl status "
                    << link << " shows it)\n";
          // One that waits for the operator already says more than "still running".
          return more_urgent(outcome, kStillRunning);
        });
  }
};

// Every command, declared on `app` in the order --help lists them.
std::vector<std::unique_ptr<command>> declare_commands(CLI::App& app) {
  std::vector<std::unique_ptr<command>> all;
  all.push_back(std::make_unique<links_cmd>(app));
  all.push_back(std::make_unique<link_cmd>(app));
  all.push_back(std::make_unique<status_cmd>(app));
  all.push_back(std::make_unique<audit_cmd>(app));
  all.push_back(std::make_unique<verify_cmd>(app));
  all.push_back(std::make_unique<scan_cmd>(app));
  all.push_back(std::make_unique<scan_report_cmd>(app));
  all.push_back(std::make_unique<scans_cmd>(app));
  all.push_back(std::make_unique<shards_plan_cmd>(app));
  all.push_back(std::make_unique<shards_apply_cmd>(app));
  all.push_back(std::make_unique<shards_move_cmd>(app));
  all.push_back(std::make_unique<shards_cmd>(app));
  using S = pb::Strait::Stub;
  all.push_back(std::make_unique<move_cmd>(
      app, "cutover",
      "cut producers (--topics) or consumers (--groups) over to the target (role admin)",
      &S::CutoverTopics, &S::CutoverGroups));
  all.push_back(std::make_unique<move_cmd>(
      app, "rollback", "make the source primary again for topics or groups (role admin)",
      &S::RollbackTopics, &S::RollbackGroups));
  all.push_back(std::make_unique<move_cmd>(
      app, "finalize", "end the migration of cut-over topics or groups (role admin)",
      &S::FinalizeTopics, &S::FinalizeGroups));
  all.push_back(std::make_unique<catchup_cmd>(app));
  all.push_back(std::make_unique<stage_cmd>(app));
  all.push_back(std::make_unique<plan_cmd>(app));
  all.push_back(std::make_unique<scorecard_cmd>(app));
  all.push_back(std::make_unique<apply_cmd>(app));
  all.push_back(std::make_unique<create_link_cmd>(app));
  all.push_back(std::make_unique<link_lifecycle_cmd>(
      app, "delete-link", "delete a link created through the API (role admin)", &S::DeleteLink));
  all.push_back(std::make_unique<link_lifecycle_cmd>(
      app, "pause-link", "drain and stop everything of a link until resume-link (role operator)",
      &S::PauseLink));
  all.push_back(std::make_unique<link_lifecycle_cmd>(
      app, "resume-link", "restart a paused link from its checkpoints (role operator)",
      &S::ResumeLink));
  all.push_back(std::make_unique<acknowledge_cmd>(app));
  all.push_back(std::make_unique<report_cmd>(app));
  all.push_back(std::make_unique<reports_cmd>(app));
  return all;
}

// The global options and the secrets they name, checked; exit 2 on misuse.
// nullopt: the session could not be made (its error printed).
std::optional<session> make_session(const options& o) {
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
    return std::nullopt;
  }
  if (o.server.empty() || o.server.find_first_of(" \t\r\n") != std::string::npos) {
    std::cerr << "straitctl: --server (or STRAITCTL_SERVER) must be straitd's host:port, e.g. "
                 "127.0.0.1:9645\n";
    return std::nullopt;
  }
  const std::string token = o.token_file.empty() ? "" : read_or_exit(o.token_file, "--token-file");
  // One token of printable characters on one line; never echoed.
  if (!o.token_file.empty() &&
      (token.empty() || std::any_of(token.begin(), token.end(), [](char c) {
         return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f;
       }))) {
    std::cerr << "straitctl: --token-file: " << safe(o.token_file)
              << " must hold one token on one line (printable characters, no spaces)\n";
    return std::nullopt;
  }
  if (!token.empty() && o.tls_ca.empty() && !o.server.starts_with("127.") &&
      !o.server.starts_with("localhost:") && !o.server.starts_with("[::1]:")) {
    std::cerr << "straitctl: warning: sending the token to " << safe(o.server)
              << " in clear text; pass --tls-ca to use TLS\n";
  }
  return std::make_optional<session>(o, token, credentials);
}

}  // namespace straitctl

int main(int argc, char** argv) {
  using namespace straitctl;
  options o;
  if (const char* env = std::getenv("STRAITCTL_SERVER")) o.server = env;
  if (const char* env = std::getenv("STRAITCTL_TOKEN_FILE")) o.token_file = env;

  CLI::App app{"straitctl: drive and observe straitd (strait.v1 API). Reference: docs/api.md"};
  app.require_subcommand(1);
  app.add_option(
         "--server", o.server,
         "straitd's daemon.api_listen (env STRAITCTL_SERVER); several, separated by "
         "commas, for the shards of a set (shards, shards-apply, shards-move, status, stage, "
         "verify, cutover, rollback, finalize)")
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
      "exit codes: 0 ok, 1 straitd unreachable, no answer within --timeout, or failed, 2 bad usage "
      "or invalid argument,\n"
      "            3 not found, 4 refused (precondition, permission, request id reused),\n"
      "            5 verification found differences or was interrupted (shards: the\n"
      "              servers hold different assignments),\n"
      "            6 still running after --wait-timeout (the move goes on in straitd),\n"
      "            7 status: a cluster of the link is unreachable or refuses strait,\n"
      "            8 cutover/rollback: an operation waits for the operator, or a later\n"
      "              request cancelled it");
  const auto commands = declare_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  // --server A,B,...: the shards of a set (docs/sharding.md).
  std::vector<session> set;
  std::stringstream servers(o.server);
  for (std::string one; std::getline(servers, one, ',');) {
    options each = o;
    each.server = one;
    auto s = make_session(each);
    if (!s) return kUsage;
    set.push_back(std::move(*s));
  }
  if (set.empty() || set.size() > 64) {
    std::cerr << "straitctl: --server: give one to 64 straitd host:port, separated by commas\n";
    return kUsage;
  }
  for (const auto& c : commands) {
    if (*c->cli) return c->run_set(set);
  }
  return kUsage;  // require_subcommand(1) makes this unreachable
}
