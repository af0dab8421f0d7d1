#include "strait/mirror/link_board.h"

#include <spdlog/spdlog.h>

#include "strait/base/text.h"

namespace strait::mirror {

namespace {
const char* side_name(bool source) { return source ? "source" : "target"; }
}  // namespace

link_board::link_board(std::string link, size_t threads, metrics::registry& metrics,
                       std::function<void()> on_failure)
    : link_(std::move(link)),
      metrics_(metrics),
      on_failure_(std::move(on_failure)),
      figures_(threads) {
  metrics_.describe("strait_partitions_stopped", metrics::registry::kind::gauge,
                    "Partitions of the link stopped waiting for an operator");
  metrics_.describe("strait_link_inflight_bytes", metrics::registry::kind::gauge,
                    "Memory of records read from the source and not yet acknowledged by the "
                    "target (key, value, headers and a per-record overhead)");
  metrics_.describe("strait_link_inflight_records", metrics::registry::kind::gauge,
                    "Records read from the source and not yet acknowledged by the target");
  metrics_.describe("strait_cluster_reachable", metrics::registry::kind::gauge,
                    "0 while librdkafka reports all brokers of the cluster down");
  metrics_.describe("strait_cluster_authentication_failed", metrics::registry::kind::gauge,
                    "1 while the cluster refuses strait's credentials (see the log for why)");
  metrics_.describe("strait_errors_total", metrics::registry::kind::counter, "Errors by kind");
  metrics_.describe("strait_engine_thread_inflight_bytes", metrics::registry::kind::gauge,
                    "strait_link_inflight_bytes of one engine thread, which stops taking records "
                    "at link_inflight_bytes / engine_threads");
}

void link_board::unreachable(bool source, const char* reason) {
  if (!(source ? source_down_ : target_down_).exchange(true)) {
    spdlog::warn(
        "link {}: {} cluster unreachable ({}); retrying with backoff, fetching pauses "
        "when the in-flight limit is reached",
        link_, side_name(source), printable(reason));
  }
}

void link_board::authentication_failed(bool source, const std::string& why) {
  // Wrong credentials, an unknown user or mechanism, a certificate the
  // broker does not trust: nothing moves until the operator fixes them.
  (source ? source_down_ : target_down_).store(true);
  std::lock_guard lock(mu_);
  std::string& last = source ? source_auth_error_ : target_auth_error_;
  if (last == why) return;
  // Each client reports each broker, with the broker in the reason: logged
  // when the reason changes, counted once a refusal (until an answer).
  spdlog::error(
      "link {}: the {} cluster refuses authentication: {}; check links.{}.{}.properties "
      "(user, password, mechanism, certificates; runbooks/incident-cannot-authenticate.md)",
      link_, side_name(source), why, link_, side_name(source));
  if (last.empty()) {
    metrics_.add("strait_errors_total", {{"link", link_}, {"kind", "authentication"}}, 1);
  }
  last = why;
}

void link_board::answered(bool source) {
  if ((source ? source_down_ : target_down_).exchange(false)) {
    spdlog::info("link {}: {} cluster reachable again", link_, side_name(source));
  }
  std::lock_guard lock(mu_);
  (source ? source_auth_error_ : target_auth_error_).clear();
}

cluster_health link_board::health(bool source) const {
  std::lock_guard lock(mu_);
  return {!down(source), source ? source_auth_error_ : target_auth_error_};
}

void link_board::report_failure() {
  if (!failed_.exchange(true) && on_failure_) on_failure_();
}

void link_board::publish(size_t thread, figures f) {
  std::lock_guard lock(mu_);
  figures_.at(thread) = f;
  figures sum;
  for (const figures& s : figures_) {
    sum.partitions_stopped += s.partitions_stopped;
    sum.inflight_bytes += s.inflight_bytes;
    sum.inflight_records += s.inflight_records;
  }
  // A thread stalls at its part while the link's sum may look far from the
  // limit: each thread's own figure shows which one.
  metrics_.set("strait_engine_thread_inflight_bytes",
               {{"link", link_}, {"thread", std::to_string(thread)}},
               static_cast<double>(f.inflight_bytes));
  const metrics::labels link = {{"link", link_}};
  metrics_.set("strait_partitions_stopped", link, static_cast<double>(sum.partitions_stopped));
  metrics_.set("strait_link_inflight_bytes", link, static_cast<double>(sum.inflight_bytes));
  metrics_.set("strait_link_inflight_records", link, static_cast<double>(sum.inflight_records));
  for (const bool source : {true, false}) {
    const metrics::labels cluster = {{"link", link_}, {"cluster", side_name(source)}};
    metrics_.set("strait_cluster_reachable", cluster, down(source) ? 0 : 1);
    const std::string& auth = source ? source_auth_error_ : target_auth_error_;
    metrics_.set("strait_cluster_authentication_failed", cluster, auth.empty() ? 0 : 1);
  }
}

}  // namespace strait::mirror
