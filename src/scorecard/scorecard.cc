#include "strait/scorecard/scorecard.h"

#include <algorithm>
#include <ctime>
#include <functional>

namespace strait::scorecard {

namespace {

using migration::move_record;
using migration::object_kind;
using migration::op_kind;
using migration::op_phase;

std::string at(int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string hours(int64_t ms) { return std::to_string(ms / 3'600'000) + " h"; }

bool stale(const evidence& e, int64_t at_ms) { return e.now_ms - at_ms > e.limits.max_age_ms; }

bool finished(const verify::report& r) {
  return r.outcome == verify::verdict::passed || r.outcome == verify::verdict::failed;
}

const verify::topic_result* topic_in(const verify::report& r, const std::string& topic) {
  for (const auto& t : r.topics) {
    if (t.topic == topic) return &t;
  }
  return nullptr;
}

const verify::group_result* group_in(const verify::report& r, const std::string& group) {
  for (const auto& g : r.groups) {
    if (g.group == group) return &g;
  }
  return nullptr;
}

int64_t compared(const verify::topic_result& t) {
  int64_t n = 0;
  for (const auto& p : t.partitions) n += p.records_compared;
  return n;
}

// The records of the range the verification looked at (a sample compares
// fewer).
int64_t held(const verify::topic_result& t) {
  int64_t n = 0;
  for (const auto& p : t.partitions) n += std::max<int64_t>(0, p.source_to - p.source_from);
  return n;
}

std::string report_ref(const verify::report& r) {
  return "verification " + std::to_string(r.id) + " " + verify::to_string(r.outcome) + " at " +
         at(r.finished_at_ms);
}

std::string move_ref(const move_record& m) {
  return std::string("operation ") + std::to_string(m.id) + " (" +
         (m.options.kind == op_kind::cutover ? "cutover" : "rollback") + " of " +
         (m.kind == object_kind::topic ? "topic " : "group ") + m.name + ", done at " +
         at(m.finished_at_ms) + ")";
}

// The scorecard's view of one area while it is being filled.
struct builder {
  area a;
  void evidence(std::string s) {
    if (std::ranges::find(a.evidence, s) == a.evidence.end()) a.evidence.push_back(std::move(s));
  }
  area done() && {
    if (!a.reds.empty()) {
      a.rating = colour::red;
    } else if (a.level == 2 && a.yellows.empty()) {
      a.rating = colour::green;
      a.next.clear();
    } else {
      a.rating = colour::yellow;
    }
    return std::move(a);
  }
};

// The drills of one object: a cutover and a later rollback, each done and
// each followed by a finished verification that passed for the object
// (`passed_for`), all under the drill link's current definition. Either the
// evidence that proves it, or what is short.
struct drill_proof {
  bool proven = false;
  std::vector<std::string> evidence;
  std::string shortfall;
};

drill_proof prove_drill(
    const evidence& e, object_kind kind, const std::string& name,
    const std::function<std::optional<std::string>(const verify::report&)>& passed_for) {
  const auto& d = e.drills;
  drill_proof out;
  // The newest cutover-then-rollback pair that proves it.
  const move_record* cutover = nullptr;
  const verify::report* after_cutover = nullptr;
  std::string short_of = "no cutover drill done";
  // The first finished report that started after `from_ms` and covers the
  // object: it passed (nullopt from passed_for), or why it does not count.
  auto first_after = [&](int64_t from_ms, std::string& why) -> const verify::report* {
    for (const auto& r : d.reports) {
      if (r.started_at_ms < from_ms || !finished(r)) continue;
      auto problem = passed_for(r);
      if (!problem) return &r;
      if (!problem->empty()) {
        why = *problem;
        return nullptr;
      }
    }
    why = "no verification after it";
    return nullptr;
  };
  for (const auto& m : d.moves) {
    if (m.kind != kind || m.name != name || m.outcome != op_phase::done) continue;
    if (m.definition != d.definition) continue;  // counted as stale by the caller
    if (m.options.kind == op_kind::cutover) {
      std::string why;
      const verify::report* v = first_after(m.finished_at_ms, why);
      if (v == nullptr) {
        short_of = move_ref(m) + ": " + why;
        continue;
      }
      if (d.first_mirrored_at_ms &&
          m.started_at_ms - *d.first_mirrored_at_ms < e.limits.min_mirrored_ms) {
        short_of = move_ref(m) + ": the link had mirrored for less than " +
                   hours(e.limits.min_mirrored_ms) + " before it";
        continue;
      }
      if (!d.first_mirrored_at_ms) {
        short_of = move_ref(m) + ": when link " + d.link + " began to mirror is not known";
        continue;
      }
      cutover = &m;
      after_cutover = v;
      short_of = move_ref(m) + ": no rollback drill done after it";
    } else if (cutover != nullptr && m.started_at_ms >= cutover->finished_at_ms) {
      std::string why;
      const verify::report* v = first_after(m.finished_at_ms, why);
      if (v == nullptr) {
        short_of = move_ref(m) + ": " + why;
        continue;
      }
      out.proven = true;
      out.evidence = {move_ref(*cutover), report_ref(*after_cutover), move_ref(m), report_ref(*v)};
      cutover = nullptr;  // a later pair replaces it
    }
  }
  if (!out.proven) out.shortfall = name + ": " + short_of;
  return out;
}

// Whether the drill link's moves of another definition were left out.
void note_other_definitions(const evidence& e, builder& b, object_kind kind) {
  int other = 0;
  for (const auto& m : e.drills.moves) {
    if (m.kind == kind && m.definition != e.drills.definition) ++other;
  }
  if (other > 0) {
    b.a.yellows.push_back(std::to_string(other) + " move record(s) of link " + e.drills.link +
                          " were made under another definition (its topics, groups or "
                          "clusters changed since) and do not count");
  }
}

area compatibility(const evidence& e) {
  builder b{{.name = "compatibility"}};
  if (!e.scan) {
    b.a.summary = "no scan of both clusters";
    b.a.next = "straitctl scan " + e.link;
    return std::move(b).done();
  }
  const auto& s = *e.scan;
  b.evidence("scan " + std::to_string(s.id) + " at " + at(s.finished_at_ms));
  if (!s.target.error.empty()) {
    b.a.summary = "scan " + std::to_string(s.id) + " could not read the target: " + s.target.error;
    b.a.next = "straitctl scan " + e.link;
    return std::move(b).done();
  }
  b.a.level = 1;
  b.a.summary = "both clusters scanned";
  if (stale(e, s.finished_at_ms)) {
    b.a.yellows.push_back("scan " + std::to_string(s.id) + " is older than " +
                          hours(e.limits.max_age_ms));
  }
  if (!e.plan.read) {
    b.a.yellows.push_back("no live plan: " + e.plan.error);
    b.a.next = "straitctl plan " + e.link;
    return std::move(b).done();
  }
  b.evidence("a plan of both clusters read at " + at(e.plan.made_at_ms));
  for (const auto& blocked : e.plan.blocked) b.a.reds.push_back("blocked: " + blocked);
  if (e.plan.blocked.empty()) {
    b.a.level = 2;
    b.a.summary = "both clusters scanned, and no plan item is blocked";
  } else {
    b.a.next = "straitctl plan " + e.link + " (each blocked item says its fix)";
  }
  return std::move(b).done();
}

area data(const evidence& e) {
  builder b{{.name = "data"}};
  // Red: a topic whose newest finished verification failed.
  std::map<std::string, const verify::report*> newest;
  const verify::report* passed = nullptr;
  for (const auto& r : e.reports) {
    if (!finished(r)) continue;
    for (const auto& t : r.topics) newest[t.topic] = &r;
    if (r.outcome == verify::verdict::passed) passed = &r;
  }
  for (const auto& [topic, r] : newest) {
    const auto* t = topic_in(*r, topic);
    if (e.live.topics.contains(topic) && t != nullptr && !t->passed()) {
      b.a.reds.push_back(topic + ": " + report_ref(*r));
    }
  }
  if (passed == nullptr) {
    b.a.summary = "no verification of link " + e.link + " passed";
    b.a.next = "straitctl verify " + e.link;
    return std::move(b).done();
  }
  b.a.level = 1;
  b.a.summary = "a verification passed";
  b.evidence(report_ref(*passed));
  if (stale(e, passed->finished_at_ms)) {
    b.a.yellows.push_back(report_ref(*passed) + " is older than " + hours(e.limits.max_age_ms));
  }
  // Level 2: a cutover and rollback drill per selected topic, each
  // verified after it with enough records.
  std::vector<std::string> short_of;
  std::vector<std::string> proof;
  for (const auto& [topic, state] : e.live.topics) {
    auto p = prove_drill(e, object_kind::topic, topic,
                         [&](const verify::report& r) -> std::optional<std::string> {
                           const auto* t = topic_in(r, topic);
                           if (t == nullptr) return std::string();  // look further
                           if (!t->passed()) return report_ref(r) + " for it";
                           const int64_t want =
                               std::min(e.limits.min_records_compared, held(*t));
                           if (compared(*t) < want) {
                             return report_ref(r) + " compared " + std::to_string(compared(*t)) +
                                    " of its records, fewer than " + std::to_string(want);
                           }
                           return std::nullopt;
                         });
    if (p.proven) {
      proof.insert(proof.end(), p.evidence.begin(), p.evidence.end());
    } else {
      short_of.push_back(p.shortfall);
    }
  }
  note_other_definitions(e, b, object_kind::topic);
  if (!e.live.topics.empty() && short_of.empty()) {
    b.a.level = 2;
    b.a.summary = "every selected topic was cut over and rolled back on link " + e.drills.link +
                  ", each verified after it";
    for (auto& p : proof) b.evidence(std::move(p));
  } else {
    b.a.yellows.insert(b.a.yellows.end(), short_of.begin(), short_of.end());
    b.a.next = "rehearse on link " + e.drills.link + ": straitctl cutover " + e.drills.link +
               " --topics '.*', straitctl verify, straitctl rollback, straitctl verify";
  }
  return std::move(b).done();
}

area groups(const evidence& e) {
  builder b{{.name = "offsets and groups"}};
  for (const auto& r : e.live.group_reds) b.a.reds.push_back(r);
  for (const auto& y : e.live.group_yellows) b.a.yellows.push_back(y);
  const verify::report* passed = nullptr;
  for (const auto& r : e.reports) {
    if (r.outcome == verify::verdict::passed && !r.groups.empty()) passed = &r;
  }
  if (passed == nullptr) {
    b.a.summary = e.live.groups.empty() ? "the link syncs no group"
                                        : "no verification with group offsets passed";
    b.a.next = "straitctl verify " + e.link;
    return std::move(b).done();
  }
  b.a.level = 1;
  b.a.summary = "group offsets verified";
  b.evidence(report_ref(*passed));
  std::vector<std::string> short_of, proof;
  for (const auto& [group, state] : e.live.groups) {
    auto p = prove_drill(e, object_kind::group, group,
                         [&](const verify::report& r) -> std::optional<std::string> {
                           const auto* g = group_in(r, group);
                           if (g == nullptr) return std::string();
                           if (!g->passed()) return report_ref(r) + " for it";
                           return std::nullopt;
                         });
    if (p.proven) {
      proof.insert(proof.end(), p.evidence.begin(), p.evidence.end());
    } else {
      short_of.push_back(p.shortfall);
    }
  }
  note_other_definitions(e, b, object_kind::group);
  if (!e.live.groups.empty() && short_of.empty()) {
    b.a.level = 2;
    b.a.summary = "every synced group was cut over and rolled back on link " + e.drills.link +
                  ", its offsets verified after each";
    for (auto& p : proof) b.evidence(std::move(p));
  } else {
    b.a.yellows.insert(b.a.yellows.end(), short_of.begin(), short_of.end());
    b.a.next = "rehearse on link " + e.drills.link + ": straitctl cutover " + e.drills.link +
               " --groups '.*', straitctl verify, straitctl rollback, straitctl verify";
  }
  return std::move(b).done();
}

area topic_configs(const evidence& e) {
  builder b{{.name = "topic configs"}};
  for (const auto& t : e.live.drift_not_followed) b.a.reds.push_back("drift not followed: " + t);
  if (!e.plan.read) {
    b.a.summary = "no live plan: " + e.plan.error;
    b.a.next = "straitctl plan " + e.link;
    return std::move(b).done();
  }
  b.a.level = 1;
  b.a.summary = "the topics' configs planned from both clusters";
  b.evidence("a plan of both clusters read at " + at(e.plan.made_at_ms));
  for (const auto& d : e.plan.drift) b.a.yellows.push_back("to change: " + d);
  if (e.plan.drift.empty() && e.live.drift_not_followed.empty()) {
    b.a.level = 2;
    b.a.summary = "the target's topic configs are the source's";
  } else {
    b.a.next = "straitctl apply " + e.link;
  }
  return std::move(b).done();
}

area security(const evidence& e) {
  builder b{{.name = "security and ACLs"}};
  if (!e.scan) {
    b.a.summary = "no scan read the clusters' ACLs and users";
    b.a.next = "straitctl scan " + e.link;
    return std::move(b).done();
  }
  const auto& s = *e.scan;
  b.evidence("scan " + std::to_string(s.id) + " at " + at(s.finished_at_ms));
  bool shown = true;
  for (const auto* side : {&s.source, &s.target}) {
    const std::string name = side == &s.source ? "source" : "target";
    if (side->acls) {
      if (side->acls_truncated) b.a.yellows.push_back(name + ": the ACL list was cut short");
    } else if (side->acls_error.find("SECURITY_DISABLED") != std::string::npos) {
      b.a.yellows.push_back(name + " has no authorizer: nothing to carry over");
    } else if (side->acls_error.find("AUTHORIZATION_FAILED") != std::string::npos) {
      b.a.reds.push_back(name + ": " + side->acls_error);
      shown = false;
    } else {
      b.a.yellows.push_back(name + ": ACLs not read: " + side->acls_error);
      shown = false;
    }
  }
  if (shown) {
    b.a.level = 1;
    b.a.summary =
        "both sides' ACLs and users read (capped at 1: strait does not sync ACLs yet, "
        "ADR 0023)";
    b.a.next =
        "carry the ACLs over by hand; straitctl scan-report " + e.link + " lists both sides'";
  } else {
    b.a.summary = "the ACLs of a side could not be read";
    b.a.next = "grant strait's principal DESCRIBE on the CLUSTER, then straitctl scan " + e.link;
  }
  return std::move(b).done();
}

area rollback(const evidence& e) {
  builder b{{.name = "rollback"}};
  for (const auto& s : e.live.operations_stuck) b.a.reds.push_back("waits for the operator: " + s);
  const move_record* any = nullptr;
  for (const auto& m : e.drills.moves) {
    if (m.options.kind == op_kind::rollback && m.outcome == op_phase::done &&
        m.definition == e.drills.definition) {
      any = &m;
    }
  }
  if (any == nullptr) {
    b.a.summary = "no rollback ended done on link " + e.drills.link;
    b.a.next = "rehearse on link " + e.drills.link + ": straitctl cutover, then straitctl rollback";
    return std::move(b).done();
  }
  b.a.level = 1;
  b.a.summary = "a rollback ended done";
  b.evidence(move_ref(*any));
  if (stale(e, any->finished_at_ms)) {
    b.a.yellows.push_back(move_ref(*any) + " is older than " + hours(e.limits.max_age_ms));
  }
  // Level 2: every topic of every wave of the newest scan rolled back in a
  // drill, with a verification that passed after it.
  if (!e.scan || e.scan->waves.empty()) {
    b.a.yellows.push_back("no scan with waves to hold the drills against");
    b.a.next = "straitctl scan " + e.link;
    return std::move(b).done();
  }
  std::vector<std::string> short_of;
  for (const auto& w : e.scan->waves) {
    for (const auto& topic : w.topics) {
      auto p = prove_drill(e, object_kind::topic, topic,
                           [&](const verify::report& r) -> std::optional<std::string> {
                             const auto* t = topic_in(r, topic);
                             if (t == nullptr) return std::string();
                             if (!t->passed()) return report_ref(r) + " for it";
                             return std::nullopt;
                           });
      if (!p.proven) short_of.push_back("wave " + std::to_string(w.number) + ", " + p.shortfall);
    }
  }
  if (short_of.empty()) {
    b.a.level = 2;
    b.a.summary = "each wave of scan " + std::to_string(e.scan->id) +
                  " was rolled back in a drill and verified after it";
  } else {
    b.a.yellows.insert(b.a.yellows.end(), short_of.begin(), short_of.end());
    b.a.next = "rehearse each wave on link " + e.drills.link +
               ": straitctl cutover, straitctl rollback, straitctl verify";
  }
  return std::move(b).done();
}

area schemas() {
  builder b{{.name = "schemas"}};
  b.a.summary = "strait does not copy schemas (issue 13, part 4): carry them over yourself";
  b.a.next = "compare the schema registries by hand";
  return std::move(b).done();
}

area observability(const evidence& e) {
  builder b{{.name = "observability"}};
  for (const auto& p : e.live.stopped_partitions) b.a.reds.push_back("stopped now: " + p);
  if (!e.live.metrics_endpoint) {
    b.a.summary = "straitd's metrics endpoint is off";
    b.a.next = "set daemon.http_listen and scrape /metrics";
    return std::move(b).done();
  }
  b.a.level = 1;
  b.a.summary =
      "straitd's metrics endpoint is on (capped at 1: dashboards and alerts are outside its sight)";
  b.evidence("GET /metrics");
  b.a.next = "dashboards and alerts over /metrics (issue 14 ships them); check them yourself";
  return std::move(b).done();
}

}  // namespace

const char* to_string(colour c) {
  switch (c) {
    case colour::green:
      return "green";
    case colour::yellow:
      return "yellow";
    case colour::red:
      return "red";
  }
  return "unknown";
}

card score(const evidence& e) {
  card c;
  c.link = e.link;
  c.drill_link = e.drills.link;
  c.source_cluster_id = e.source_cluster_id;
  c.target_cluster_id = e.target_cluster_id;
  c.drill_source_cluster_id = e.drills.source_cluster_id;
  c.drill_target_cluster_id = e.drills.target_cluster_id;
  c.made_at_ms = e.now_ms;
  c.limits = e.limits;
  c.areas = {compatibility(e), data(e),     groups(e), topic_configs(e),
             security(e),      rollback(e), schemas(), observability(e)};
  if (e.live.paused) {
    for (auto& a : c.areas) {
      a.yellows.insert(a.yellows.begin(), "the link is paused: nothing live was read");
      if (a.rating == colour::green) a.rating = colour::yellow;
    }
  }
  return c;
}

}  // namespace strait::scorecard
