#include "print.h"

#include <algorithm>
#include <cstdio>
#include <map>

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

void print_audit(const pb::ListAuditResponse& r) {
  std::printf("%6s  %-20s %-16s %-9s %-12s %s\n", "SEQ", "TIME", "WHO", "ROLE", "CALL", "RESULT");
  for (const auto& e : r.entries()) {
    std::printf("%6llu  %-20s %-16s %-9s %-12s %s\n", static_cast<unsigned long long>(e.seq()),
                utc_time(e.at_ms()).c_str(), safe(e.who()).c_str(),
                e.role().empty() ? "-" : safe(e.role()).c_str(), safe(e.call()).c_str(),
                safe(e.result()).c_str());
  }
}

bool clusters_healthy(const pb::LinkStatus& st) {
  return std::all_of(st.clusters().begin(), st.clusters().end(),
                     [](const pb::ClusterStatus& c) { return c.reachable() && c.error().empty(); });
}

namespace {

// "ALLOW READ TOPIC:LITERAL:orders User:app@*"
std::string acl_text(const pb::Acl& a) {
  return safe(a.permission()) + " " + safe(a.operation()) + " " + safe(a.resource_type()) + ":" +
         safe(a.pattern_type()) + ":" + safe(a.resource_name()) + " " + safe(a.principal()) + "@" +
         safe(a.host());
}

}  // namespace

void print_status(const pb::LinkStatus& st) {
  std::printf("link %s at %s, %lld bytes in flight\n", safe(st.link()).c_str(),
              utc_time(st.taken_at_ms()).c_str(), static_cast<long long>(st.inflight_bytes()));
  if (!st.acl_records_error().empty()) {
    std::printf("ACL bindings strait owns: not listed: %s\n", safe(st.acl_records_error()).c_str());
  }
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
    if (!topic.error().empty()) {
      std::printf("%-32s   not mirrored: %s\n", safe(topic.topic()).c_str(),
                  safe(topic.error()).c_str());
    }
    for (const auto& d : topic.config_drift()) {
      std::printf("%-32s   config %s: source %s%s, target %s\n", safe(topic.topic()).c_str(),
                  safe(d.name()).c_str(), safe(d.source_value()).c_str(),
                  d.source_default() ? " (its default)" : "",
                  d.has_target_value() ? safe(d.target_value()).c_str() : "(no value)");
    }
    if (topic.config_drift_size() > 0 || !topic.config_drift_reason().empty()) {
      std::printf("%-32s   %s\n", "",
                  topic.config_drift_reason().empty()
                      ? "config sync changes the target at its next round"
                      : safe(topic.config_drift_reason()).c_str());
    }
    // Named: a topic no longer mirrored has no partition rows above.
    for (const auto& b : topic.source_fence()) {
      std::printf("%-32s   fenced on the source: %s\n", safe(topic.topic()).c_str(),
                  acl_text(b).c_str());
    }
    for (const auto& b : topic.target_grants()) {
      std::printf("%-32s   granted on the target: %s\n", safe(topic.topic()).c_str(),
                  acl_text(b).c_str());
    }
    for (const auto& d : topic.acl_drift()) {
      std::printf("%-32s   ACL drift: %s\n", safe(topic.topic()).c_str(), safe(d).c_str());
    }
    if (topic.owned_bindings_left_out() > 0) {
      std::printf("%-32s   (%d more ACL bindings strait owns, not listed)\n",
                  safe(topic.topic()).c_str(), topic.owned_bindings_left_out());
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
    if (r.schemas().compared()) std::printf("  the schema registries\n");
    return;
  }
  std::printf("verification %llu of link %s: %s\n", static_cast<unsigned long long>(r.id()),
              safe(r.link()).c_str(), safe(r.outcome()).c_str());
  std::printf(
      "  started %s by %s, %s; %lld of %lld records compared\n",
      utc_time(r.started_at_ms()).c_str(),
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
  const auto& sc = r.schemas();
  if (!sc.compared()) return;
  std::printf("\nSCHEMAS %s: %lld subjects, %lld versions compared, %lld differ\n",
              sc.passed() ? "ok" : "FAIL", static_cast<long long>(sc.subjects()),
              static_cast<long long>(sc.versions_compared()),
              static_cast<long long>(sc.differing()));
  if (!sc.error().empty()) std::printf("  error: %s\n", safe(sc.error()).c_str());
  for (const auto& d : sc.differences()) std::printf("  %s\n", safe(d).c_str());
  if (sc.differing() > sc.differences_size()) {
    std::printf("  ... and %lld more\n",
                static_cast<long long>(sc.differing() - sc.differences_size()));
  }
  if (!sc.note().empty()) std::printf("  note: %s\n", safe(sc.note()).c_str());
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
    if (v.schemas().compared() && !v.schemas().passed())
      failed += failed.empty() ? "schemas" : ",schemas";
    std::printf("%6llu  %-20s %-12s %-16s %8d %12lld  %s\n",
                static_cast<unsigned long long>(v.id()), utc_time(v.started_at_ms()).c_str(),
                safe(v.outcome()).c_str(), safe(v.requested_by()).c_str(), v.topics_size(),
                static_cast<long long>(v.records_done()),
                failed.empty() ? "-" : safe(failed).c_str());
  }
}

namespace {

std::string duration(int64_t ms) {
  char out[32];
  if (ms < 0) return "-";
  if (ms < 60'000) {
    std::snprintf(out, sizeof(out), "%.1f s", static_cast<double>(ms) / 1000);
  } else if (ms < 3'600'000) {
    std::snprintf(out, sizeof(out), "%.1f min", static_cast<double>(ms) / 60'000);
  } else if (ms < 172'800'000) {
    std::snprintf(out, sizeof(out), "%.1f h", static_cast<double>(ms) / 3'600'000);
  } else {
    std::snprintf(out, sizeof(out), "%.1f d", static_cast<double>(ms) / 86'400'000);
  }
  return out;
}

std::string bytes(int64_t n) {
  char out[32];
  if (n < 0) return "unknown";
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  std::snprintf(out, sizeof(out), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return out;
}

std::string joined(const google::protobuf::RepeatedPtrField<std::string>& items, size_t at_most) {
  std::string out;
  size_t n = 0;
  for (const auto& i : items) {
    if (n++ == at_most) return out + ",... (" + std::to_string(items.size()) + ")";
    out += (out.empty() ? "" : ",") + i;
  }
  return out.empty() ? "-" : out;
}

void print_cluster(const char* side, const pb::ClusterInventory& c) {
  if (!c.error().empty() && c.brokers_size() == 0 && c.topics() == 0) {
    std::printf("%s: not scanned: %s\n", side, safe(c.error()).c_str());
    return;
  }
  std::printf("%s: cluster %s, %d broker(s) (controller %d), %d topics, %d partitions\n", side,
              c.cluster_id().empty() ? "-" : safe(c.cluster_id()).c_str(), c.brokers_size(),
              c.controller_id(), c.topics(), c.partitions());
  if (!c.error().empty()) std::printf("  error: %s\n", safe(c.error()).c_str());
  if (c.acls_read()) {
    std::map<std::string, int> by_type;
    for (const auto& a : c.acls()) ++by_type[a.resource_type() + " " + a.permission()];
    std::string types;
    for (const auto& [t, n] : by_type)
      types += (types.empty() ? "" : ", ") + t + " " + std::to_string(n);
    std::printf("  ACLs: %d%s%s%s\n", c.acls_size(), c.acls_truncated() ? " (truncated)" : "",
                types.empty() ? "" : ": ", safe(types).c_str());
  } else {
    std::printf("  ACLs: not read: %s\n", safe(c.acls_error()).c_str());
  }
  if (c.users_read()) {
    std::string names;
    for (const auto& u : c.users()) {
      names += (names.empty() ? "" : ", ") + u.name() + " (";
      for (int i = 0; i < u.mechanisms_size(); ++i) names += (i ? " " : "") + u.mechanisms(i);
      names += ")";
    }
    std::printf("  SCRAM users: %d%s%s\n", c.users_size(), names.empty() ? "" : ": ",
                safe(names).c_str());
  } else {
    std::printf("  SCRAM users: not read: %s\n", safe(c.users_error()).c_str());
  }
  if (!c.limits_error().empty()) {
    std::printf("  broker limits: not read: %s\n", safe(c.limits_error()).c_str());
  } else if (!c.limits().empty()) {
    std::map<std::string, std::string> sorted(c.limits().begin(), c.limits().end());
    std::string limits;
    for (const auto& [k, v] : sorted) limits += (limits.empty() ? "" : " ") + k + "=" + v;
    std::printf("  broker limits: %s\n", safe(limits).c_str());
  }
}

}  // namespace

void print_scan(const pb::ScanReport& r) {
  if (r.dry_run()) {
    std::printf("dry run: scan would sample link %s for %s\n", safe(r.link()).c_str(),
                duration(r.window_ms()).c_str());
    return;
  }
  std::printf("scan %llu of link %s: %s\n", static_cast<unsigned long long>(r.id()),
              safe(r.link()).c_str(), safe(r.outcome()).c_str());
  std::printf("  started %s by %s; window %s (measured %s)\n", utc_time(r.started_at_ms()).c_str(),
              r.requested_by().empty() ? "-" : safe(r.requested_by()).c_str(),
              duration(r.window_ms()).c_str(), duration(r.measured_ms()).c_str());
  if (!r.error().empty()) std::printf("  error: %s\n", safe(r.error()).c_str());
  std::printf("\n");
  print_cluster("source", r.source());
  print_cluster("target", r.target());
  std::printf(
      "\ncatch-up: backlog %lld records (about %s), mirror %.0f records/s, source %.0f "
      "records/s: %s\n",
      static_cast<long long>(r.backlog()), bytes(r.bytes_to_copy_estimate()).c_str(),
      r.mirror_records_per_s(), r.source_records_per_s(), safe(r.catch_up_note()).c_str());
  if (r.topics_size() > 0) {
    std::printf("\n%-32s %-3s %4s %-14s %10s %12s %9s %12s %6s  %s\n", "TOPIC", "SEL", "PART",
                "CLEANUP", "RETENTION", "RECORDS", "REC/S", "BACKLOG", "TARGET", "HEADROOM");
  }
  for (const auto& t : r.topics()) {
    std::printf("%-32s %-3s %4d %-14s %10s %12lld %9.1f %12lld %6s  %s\n", safe(t.name()).c_str(),
                t.selected() ? "yes" : "no", t.partitions(),
                t.cleanup_policy().empty() ? "-" : safe(t.cleanup_policy()).c_str(),
                t.retention_ms() < 0 ? "for ever" : duration(t.retention_ms()).c_str(),
                static_cast<long long>(t.records()), t.records_per_s(),
                static_cast<long long>(t.backlog()),
                t.target_partitions() < 0 ? "none" : std::to_string(t.target_partitions()).c_str(),
                safe(t.headroom()).c_str());
    if (t.headroom() != "GREEN" || !t.configs_error().empty()) {
      std::printf("%34s %s\n", "",
                  safe(t.configs_error().empty() ? t.headroom_reason()
                                                 : "configs not read: " + t.configs_error())
                      .c_str());
    }
  }
  if (!r.groups_error().empty()) std::printf("\ngroups: %s\n", safe(r.groups_error()).c_str());
  if (r.groups_size() > 0) {
    std::printf("\n%-32s %-3s %-9s %-20s %7s  %s\n", "GROUP", "SEL", "TYPE", "STATE", "MEMBERS",
                "TOPICS");
  }
  for (const auto& g : r.groups()) {
    std::printf("%-32s %-3s %-9s %-20s %7d  %s\n", safe(g.id()).c_str(),
                g.selected() ? "yes" : "no", safe(g.type()).c_str(), safe(g.state()).c_str(),
                g.members(), safe(joined(g.topics(), 8)).c_str());
    if (g.members() > 0) {
      std::printf("%34s clients %s on %s\n", "", safe(joined(g.client_ids(), 4)).c_str(),
                  safe(joined(g.hosts(), 4)).c_str());
    }
    if (g.selected() && g.unselected_topics_size() > 0) {
      std::printf("%34s reads topics the link does not mirror: %s\n", "",
                  safe(joined(g.unselected_topics(), 8)).c_str());
    }
    if (!g.note().empty()) std::printf("%34s %s\n", "", safe(g.note()).c_str());
  }
  if (r.waves_size() > 0) std::printf("\nwaves (a group moves with every topic it reads):\n");
  for (const auto& w : r.waves()) {
    std::printf("  %d: backlog %lld, %lld records; topics %s; groups %s\n", w.number(),
                static_cast<long long>(w.backlog()), static_cast<long long>(w.records()),
                safe(joined(w.topics(), 12)).c_str(), safe(joined(w.groups(), 12)).c_str());
  }
  if (r.notes_size() > 0) std::printf("\nnot read by this scan:\n");
  for (const auto& n : r.notes()) std::printf("  - %s\n", safe(n).c_str());
}

void print_shard_plan(const pb::ShardPlan& r) {
  std::printf("link %s over %u shards, from scan %llu (a plan: nothing is stored or moved)\n",
              safe(r.link()).c_str(), r.shards(), static_cast<unsigned long long>(r.scan_id()));
  std::printf("%6s %16s\n", "SHARD", "BYTES");
  for (int i = 0; i < r.bytes_per_shard_size(); ++i) {
    std::printf("%6d %16lld\n", i, static_cast<long long>(r.bytes_per_shard(i)));
  }
  if (r.components_size() > 0) std::printf("\ncomponents (each placed whole), largest first:\n");
  for (const auto& c : r.components()) {
    std::printf("  shard %u: %lld bytes%s; topics %s; groups %s\n", c.shard(),
                static_cast<long long>(c.bytes()), c.bytes_estimated() ? " (estimated)" : "",
                safe(joined(c.topics(), 12)).c_str(), safe(joined(c.groups(), 12)).c_str());
  }
}

uint32_t planned_shards(const pb::ShardAssignment& r) {
  return r.planned_shards() != 0 ? r.planned_shards() : r.shards();
}

// "`what`: topics T; groups G" (at most 12 of each, escaped), when any.
void print_names(const char* what, const google::protobuf::RepeatedPtrField<std::string>& topics,
                 const google::protobuf::RepeatedPtrField<std::string>& groups) {
  if (topics.empty() && groups.empty()) return;
  std::printf("%s: topics %s; groups %s\n", what, safe(joined(topics, 12)).c_str(),
              safe(joined(groups, 12)).c_str());
}

void print_shards(const pb::ShardAssignment& r) {
  std::printf("link %s: this straitd is shard %u of %u\n", safe(r.link()).c_str(), r.shard(),
              r.shards());
  if (!r.problem().empty()) std::printf("not in force: %s\n", safe(r.problem()).c_str());
  print_names(
      "received by this straitd in a move, held here where the next plan stored places "
      "them",
      r.received_topics(), r.received_groups());
  if (!r.assigned()) {
    std::printf(r.shards() > 1 ? "no assignment: this shard mirrors nothing of the link "
                                 "(straitctl shards-plan --output FILE, then shards-apply)\n"
                               : "no assignment: one straitd mirrors the whole link\n");
    return;
  }
  std::printf("assignment %s from scan %llu, applied %s\n", safe(r.digest()).c_str(),
              static_cast<unsigned long long>(r.scan_id()), utc_time(r.applied_at_ms()).c_str());
  const uint32_t planned = planned_shards(r);
  if (planned != r.shards()) {
    std::printf(
        "planned for %u shards of the %u: shards %u and over own nothing of it (the set grew, "
        "or shards are being taken away; docs/sharding.md#changing-the-count)\n",
        planned, r.shards(), planned);
  }
  for (const auto& c : r.components()) {
    std::printf("  shard %u%s: topics %s; groups %s\n", c.shard(),
                c.shard() == r.shard() ? " (this one)" : "", safe(joined(c.topics(), 12)).c_str(),
                safe(joined(c.groups(), 12)).c_str());
  }
  std::printf("names in no component belong to shard FNV-1a(name) mod %u\n", planned);
  print_names(
      "released by this straitd, mirrored by nobody until a plan places them on another shard",
      r.released_topics(), r.released_groups());
}

void print_scans(const pb::ListScansResponse& r) {
  std::printf("%6s  %-20s %-12s %-16s %12s %12s  %s\n", "ID", "STARTED", "OUTCOME", "BY", "BACKLOG",
              "CATCH-UP", "ERROR");
  for (const auto& s : r.scans()) {
    std::printf("%6llu  %-20s %-12s %-16s %12lld %12s  %s\n",
                static_cast<unsigned long long>(s.id()), utc_time(s.started_at_ms()).c_str(),
                safe(s.outcome()).c_str(), safe(s.requested_by()).c_str(),
                static_cast<long long>(s.backlog()), duration(s.catch_up_ms()).c_str(),
                s.error().empty() ? "-" : safe(s.error()).c_str());
  }
}

namespace {

const char* action_name(pb::PlanAction a) {
  switch (a) {
    case pb::PLAN_ACTION_CREATE:
      return "create";
    case pb::PLAN_ACTION_ADD_PARTITIONS:
      return "add partitions";
    case pb::PLAN_ACTION_CHANGE_CONFIGS:
      return "change configs";
    case pb::PLAN_ACTION_NOTHING:
      return "fits";
    case pb::PLAN_ACTION_BLOCKED:
      return "blocked";
    default:
      return "?";
  }
}

const char* outcome_name(pb::ApplyOutcome o) {
  switch (o) {
    case pb::APPLY_OUTCOME_DONE:
      return "done";
    case pb::APPLY_OUTCOME_FAILED:
      return "FAILED";
    case pb::APPLY_OUTCOME_NOT_REACHED:
      return "not reached";
    case pb::APPLY_OUTCOME_WOULD:
      return "would do";
    default:
      return "";
  }
}

}  // namespace

void print_plan(const pb::TopicPlan& p, bool applied, bool all) {
  std::map<pb::PlanAction, int> count;
  for (const auto& i : p.items()) {
    if (i.action() != pb::PLAN_ACTION_NOTHING) ++count[i.action()];
    if (i.action() == pb::PLAN_ACTION_NOTHING && !all) continue;
    std::string line = action_name(i.action());
    if (applied && i.outcome() != pb::APPLY_OUTCOME_UNSPECIFIED) {
      line = std::string(outcome_name(i.outcome())) + ": " + line;
    }
    std::printf("%-28s %s", line.c_str(), safe(i.topic()).c_str());
    if (i.target() != i.topic()) std::printf(" -> %s", safe(i.target()).c_str());
    const std::string& text = i.action() == pb::PLAN_ACTION_BLOCKED ? i.blocker() : i.reason();
    std::printf(": %s", safe(text).c_str());
    if (i.by_link() && !applied) std::printf(" [the running link does this itself]");
    std::printf("\n");
    if (!i.message().empty()) std::printf("    %s\n", safe(i.message()).c_str());
  }
  std::printf(
      "%s of link %s (%s), %s: %d to create, %d to grow, %d to change configs, %d blocked, "
      "%d fit\n",
      applied ? (p.dry_run() ? "apply (dry run)" : "apply") : "plan", safe(p.link()).c_str(),
      p.running() ? "running" : "paused", utc_time(p.made_at_ms()).c_str(),
      count[pb::PLAN_ACTION_CREATE], count[pb::PLAN_ACTION_ADD_PARTITIONS],
      count[pb::PLAN_ACTION_CHANGE_CONFIGS], count[pb::PLAN_ACTION_BLOCKED], p.fit());
  if (applied && !p.dry_run()) {
    std::printf("%d done, %d failed, %d not reached\n", p.done(), p.failed(), p.not_reached());
  }
  for (const auto& n : p.notes()) std::printf("note: %s\n", safe(n).c_str());
  if (p.groups_enabled() && !applied) print_group_plan(p, all);
  if (p.acls_enabled()) print_acl_plan(p, applied, all);
  if (p.fence_enabled() && !applied) print_fence_plan(p, all);
  if (p.schemas_enabled()) print_schema_plan(p, applied, all);
}

void print_group_plan(const pb::TopicPlan& p, bool all) {
  std::printf("groups:\n");
  std::map<pb::GroupAction, int> count;
  for (const auto& g : p.groups()) {
    ++count[g.action()];
    const char* what = g.action() == pb::GROUP_ACTION_SYNC      ? "sync"
                       : g.action() == pb::GROUP_ACTION_BLOCKED ? "BLOCKED"
                                                                : "nothing";
    if (g.action() == pb::GROUP_ACTION_NOTHING && !all) continue;
    const std::string& text = g.action() == pb::GROUP_ACTION_BLOCKED ? g.blocker() : g.reason();
    std::printf("  %-26s %s (%s): %s%s\n", what, safe(g.group()).c_str(), safe(g.type()).c_str(),
                safe(text).c_str(), g.by_link() ? " [the running link does this itself]" : "");
  }
  std::printf("  %d to sync, %d blocked, %d with nothing to carry over\n",
              count[pb::GROUP_ACTION_SYNC], count[pb::GROUP_ACTION_BLOCKED],
              count[pb::GROUP_ACTION_NOTHING]);
  if (!p.groups_note().empty()) std::printf("  note: %s\n", safe(p.groups_note()).c_str());
}

namespace {

const char* acl_action_name(pb::AclAction a) {
  switch (a) {
    case pb::ACL_ACTION_CREATE:
      return "create";
    case pb::ACL_ACTION_AT_CUTOVER:
      return "at cutover";
    case pb::ACL_ACTION_NOTHING:
      return "fits";
    case pb::ACL_ACTION_BLOCKED:
      return "BLOCKED";
    default:
      return "?";
  }
}

}  // namespace

void print_acl_plan(const pb::TopicPlan& p, bool applied, bool all) {
  std::printf("ACLs:\n");
  if (!p.acls_error().empty()) {
    std::printf("  not planned: %s\n", safe(p.acls_error()).c_str());
    return;
  }
  std::map<pb::AclAction, int> count;
  for (const auto& i : p.acls()) {
    if (i.action() != pb::ACL_ACTION_NOTHING) ++count[i.action()];
    if (i.action() == pb::ACL_ACTION_NOTHING && !all) continue;
    std::string line = acl_action_name(i.action());
    if (applied && i.outcome() != pb::APPLY_OUTCOME_UNSPECIFIED) {
      line = std::string(outcome_name(i.outcome())) + ": " + line;
    }
    std::printf("  %-26s %s", line.c_str(), acl_text(i.source()).c_str());
    if (i.has_target()) {
      // What the target's binding changes: its resource and its principal.
      const pb::Acl& s = i.source();
      const pb::Acl& t = i.target();
      if (t.pattern_type() != s.pattern_type() || t.resource_name() != s.resource_name()) {
        std::printf(" -> %s:%s", safe(t.pattern_type()).c_str(), safe(t.resource_name()).c_str());
      }
      if (t.principal() != s.principal()) std::printf(" -> %s", safe(t.principal()).c_str());
    }
    const std::string& text = i.action() == pb::ACL_ACTION_BLOCKED ? i.blocker() : i.reason();
    std::printf(": %s\n", safe(text).c_str());
    if (!i.message().empty()) std::printf("    %s\n", safe(i.message()).c_str());
  }
  std::printf(
      "  %d to create, %d at cutover, %d blocked, %d fit; %d source bindings of topics, groups or "
      "principals the link does not cover\n",
      count[pb::ACL_ACTION_CREATE], count[pb::ACL_ACTION_AT_CUTOVER], count[pb::ACL_ACTION_BLOCKED],
      p.acls_fit(), p.acls_not_covered());
  if (p.acls_left_out() > 0) {
    std::printf("  (%d more ACL items not sent: narrow the plan with --topics)\n",
                p.acls_left_out());
  }
}

void print_schema_plan(const pb::TopicPlan& p, bool applied, bool all) {
  std::printf("schemas:\n");
  if (!p.schemas_error().empty()) {
    std::printf("  not planned: %s\n", safe(p.schemas_error()).c_str());
    return;
  }
  const auto name = [](pb::SchemaAction a) {
    return a == pb::SCHEMA_ACTION_COPY ? "copy" : a == pb::SCHEMA_ACTION_FITS ? "fits" : "BLOCKED";
  };
  std::map<pb::SchemaAction, int> count;
  for (const auto& i : p.schemas()) {
    if (i.action() != pb::SCHEMA_ACTION_FITS) ++count[i.action()];
    if (i.action() == pb::SCHEMA_ACTION_FITS && !all) continue;
    std::string line = name(i.action());
    if (applied && i.outcome() != pb::APPLY_OUTCOME_UNSPECIFIED) {
      line = std::string(outcome_name(i.outcome())) + ": " + line;
    }
    std::printf("  %-26s %s version %d, id %d (%s)", line.c_str(), safe(i.subject()).c_str(),
                i.version(), i.id(), safe(i.schema_type()).c_str());
    if (!i.reason().empty()) std::printf(": %s", safe(i.reason()).c_str());
    std::printf("\n");
    if (!i.message().empty()) std::printf("    %s\n", safe(i.message()).c_str());
  }
  for (const auto& c : p.compatibility()) {
    std::string line = std::string(name(c.action())) + " level";
    if (applied && c.outcome() != pb::APPLY_OUTCOME_UNSPECIFIED) {
      line = std::string(outcome_name(c.outcome())) + ": " + line;
    }
    std::printf("  %-26s %s: %s (target: %s)", line.c_str(),
                c.subject().empty() ? "the registry's global level" : safe(c.subject()).c_str(),
                safe(c.source_level()).c_str(),
                c.target_level().empty() ? "none of its own" : safe(c.target_level()).c_str());
    if (!c.reason().empty()) std::printf(": %s", safe(c.reason()).c_str());
    std::printf("\n");
    if (!c.message().empty()) std::printf("    %s\n", safe(c.message()).c_str());
  }
  std::printf("  %d versions to copy, %d blocked, %d fit\n", count[pb::SCHEMA_ACTION_COPY],
              count[pb::SCHEMA_ACTION_BLOCKED], p.schemas_fit());
  if (p.schemas_left_out() > 0) {
    std::printf("  (%d more schema items not sent)\n", p.schemas_left_out());
  }
}

void print_fence_plan(const pb::TopicPlan& p, bool all) {
  std::printf("source fence (each topic's producer cutover makes it):\n");
  if (!p.fence_error().empty()) {
    std::printf("  not read: %s\n", safe(p.fence_error()).c_str());
    return;
  }
  int fenced = 0, refused = 0, nothing = 0;
  for (const auto& f : p.fence()) {
    for (const auto& r : f.refusals()) {
      std::printf("  %-26s %s: %s\n", "REFUSED", safe(f.topic()).c_str(), safe(r).c_str());
    }
    for (const auto& d : f.denies()) {
      std::printf("  %-26s %s\n", "deny", acl_text(d).c_str());
    }
    if (!f.refusals().empty()) {
      ++refused;
    } else if (!f.denies().empty()) {
      ++fenced;
    } else {
      ++nothing;
      if (all) {
        std::printf("  %-26s %s: no writer to fence but strait (or fenced already)\n", "nothing",
                    safe(f.topic()).c_str());
      }
    }
  }
  std::printf(
      "  %d topics to fence, %d refused (a cutover waits for the operator unless --force), %d "
      "with nothing to fence\n",
      fenced, refused, nothing);
  if (p.fence_left_out() > 0) {
    std::printf("  (%d more topics not sent: narrow the plan with --topics)\n", p.fence_left_out());
  }
}

namespace {

const char* colour_name(pb::ScoreColour c) {
  switch (c) {
    case pb::SCORE_COLOUR_GREEN:
      return "green";
    case pb::SCORE_COLOUR_YELLOW:
      return "yellow";
    case pb::SCORE_COLOUR_RED:
      return "RED";
    default:
      return "?";
  }
}

}  // namespace

void print_scorecard(const pb::Scorecard& c, bool details) {
  std::printf("scorecard of link %s, %s\n", safe(c.link()).c_str(),
              utc_time(c.made_at_ms()).c_str());
  std::printf("  clusters:      source %s, target %s\n", safe(c.source_cluster_id()).c_str(),
              safe(c.target_cluster_id()).c_str());
  if (c.drill_link() != c.link()) {
    std::printf("  drills of link %s: source %s, target %s\n", safe(c.drill_link()).c_str(),
                safe(c.drill_source_cluster_id()).c_str(),
                safe(c.drill_target_cluster_id()).c_str());
  }
  std::printf(
      "  production-like: a drill's verification compares >= %lld records a topic (or every one "
      "of the range it verifies), after >= %s of mirroring; evidence older than %s is stale\n",
      static_cast<long long>(c.min_records_compared()), duration(c.min_mirrored_ms()).c_str(),
      duration(c.max_age_ms()).c_str());
  std::printf("%-20s %-5s %-6s %s\n", "AREA", "LEVEL", "COLOUR", "WHY");
  for (const auto& a : c.areas()) {
    std::printf("%-20s %-5d %-6s %s\n", safe(a.name()).c_str(), a.level(), colour_name(a.colour()),
                safe(a.summary()).c_str());
    for (const auto& r : a.reds()) std::printf("    red: %s\n", safe(r).c_str());
    const int shown = details ? a.yellows_size() : std::min(a.yellows_size(), 3);
    for (int i = 0; i < shown; ++i) std::printf("    yellow: %s\n", safe(a.yellows(i)).c_str());
    if (shown < a.yellows_size()) {
      std::printf("    ... %d more (--details)\n", a.yellows_size() - shown);
    }
    if (details) {
      for (const auto& e : a.evidence()) std::printf("    evidence: %s\n", safe(e).c_str());
    }
    if (a.left_out() > 0) std::printf("    (%u more lines not sent)\n", a.left_out());
    if (!a.next().empty()) std::printf("    next: %s\n", safe(a.next()).c_str());
  }
}

}  // namespace straitctl
