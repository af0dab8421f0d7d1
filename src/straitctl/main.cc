// straitctl: the operator's command line over the strait.v1 API (docs/api.md).
#include <utility>  // before gRPC/Abseil headers in C++20 and later

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "strait.grpc.pb.h"

namespace {

namespace pb = ::strait::v1;

// Exit codes (docs/api.md#straitctl).
constexpr int kOk = 0;
constexpr int kUnavailable = 1;  // straitd not reachable, timed out, or failed internally
constexpr int kUsage = 2;        // bad command line or INVALID_ARGUMENT
constexpr int kNotFound = 3;     // unknown link / topic / group
constexpr int kRefused = 4;      // FAILED_PRECONDITION, PERMISSION_DENIED, UNAUTHENTICATED

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
  const std::string what = s.error_message();
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
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      std::cerr << "straitctl: refused: " << what << "\n";
      return kRefused;
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
  std::printf("%-16s %-30s %-30s %-6s %s\n", "LINK", "SOURCE", "TARGET", "GROUPS", "TOPICS");
  for (const auto& l : r.links()) {
    std::string topics;
    for (const auto& t : l.topic_include()) topics += (topics.empty() ? "" : ",") + t;
    std::printf("%-16s %-30s %-30s %-6s %s\n", l.name().c_str(), l.source_bootstrap().c_str(),
                l.target_bootstrap().c_str(), l.group_sync() ? "yes" : "no", topics.c_str());
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
                utc(e.at_ms()).c_str(), e.who().c_str(), e.role().empty() ? "-" : e.role().c_str(),
                e.call().c_str(), e.result().c_str());
  }
}

void print_status(const pb::LinkStatus& st) {
  std::printf("link %s at %s, %lld bytes in flight\n\n", st.link().c_str(),
              utc(st.taken_at_ms()).c_str(), static_cast<long long>(st.inflight_bytes()));
  std::printf("%-32s %-11s %5s %14s %14s %10s %8s  %s\n", "TOPIC", "MIGRATION", "PART",
              "NEXT-SOURCE", "NEXT-TARGET", "LAG", "LAG-S", "PARTITION");
  for (const auto& topic : st.topics()) {
    for (const auto& p : topic.partitions()) {
      std::printf("%-32s %-11s %5d %14lld %14lld %10lld %8.1f  %s\n", topic.topic().c_str(),
                  topic.state().empty() ? "-" : topic.state().c_str(), p.partition(),
                  static_cast<long long>(p.next_source_offset()),
                  static_cast<long long>(p.next_target_offset()),
                  static_cast<long long>(p.lag_records()), p.lag_seconds(),
                  p.stopped().empty() ? "mirroring" : ("stopped: " + p.stopped()).c_str());
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
    std::printf("%-32s %-12s %9s %10s %7d %6d  %s\n", g.group().c_str(),
                g.state().empty() ? "-" : g.state().c_str(), g.on_source() ? "yes" : "no", age,
                g.partitions_synced(), g.partitions_ahead_of_mirroring(),
                skipped.empty() ? "-" : skipped.c_str());
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
  app.add_option("--timeout", o.timeout_s, "seconds to wait for straitd")->capture_default_str();
  app.add_option("--tls-ca", o.tls_ca, "CA certificate of straitd's API certificate: use TLS");
  auto* cert_opt = app.add_option("--tls-cert", o.tls_cert, "client certificate (mTLS)");
  auto* key_opt = app.add_option("--tls-key", o.tls_key, "key of the client certificate");
  cert_opt->needs(key_opt);
  key_opt->needs(cert_opt);
  app.add_option("--token-file", o.token_file,
                 "file holding an API token (env STRAITCTL_TOKEN_FILE)");
  app.footer(
      "exit codes: 0 ok, 1 straitd unreachable or failed, 2 bad usage or invalid argument,\n"
      "            3 not found, 4 refused (precondition, permission)");

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
  const std::string token = o.token_file.empty() ? "" : read_or_exit(o.token_file, "--token-file");
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
    return kOk;
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
