#include "print.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "strait/base/text.h"

namespace straitctl {

std::string safe(const std::string& text) { return strait::single_line(text, 16 * 1024); }

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
    if (c.operation_id() != 0) action += " [operation " + std::to_string(c.operation_id()) + "]";
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

}  // namespace straitctl
