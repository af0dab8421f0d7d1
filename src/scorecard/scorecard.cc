#include "strait/scorecard/scorecard.h"

#include <algorithm>
#include <functional>
#include <limits>

#include "strait/base/text.h"
#include "strait/policy/group_offsets.h"

namespace strait::scorecard {

namespace {

using migration::move_record;
using migration::object_kind;
using migration::op_kind;
using migration::op_phase;

std::string hours(int64_t ms) { return std::to_string(ms / 3'600'000) + " h"; }

// A report's topics, or its groups, all compared and passed (the report's
// outcome also counts its schema registries: not the data's evidence).
bool topics_passed(const verify::report& r) {
  return !r.topics.empty() &&
         std::ranges::all_of(r.topics, [](const auto& t) { return t.passed(); });
}
bool groups_passed(const verify::report& r) {
  return !r.groups.empty() &&
         std::ranges::all_of(r.groups, [](const auto& g) { return g.passed(); });
}

// (Written so that a damaged time cannot overflow.)
bool stale(const evidence& e, int64_t at_ms) { return at_ms < e.now_ms - e.limits.max_age_ms; }

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
         utc_time(r.finished_at_ms);
}

std::string move_ref(const move_record& m) {
  return std::string("operation ") + std::to_string(m.id) + " (" + to_string(m.options.kind) +
         " of " + (m.kind == object_kind::topic ? "topic " : "group ") + m.name + ", done at " +
         utc_time(m.finished_at_ms) + ")";
}

std::string seconds(int64_t ms) { return seconds_text(std::max<int64_t>(0, ms) / 1000.0); }

// A drill's cutover with the pause it cost the producers: from the request
// until the target was primary (the quiet window's wait part of it). A
// cutover resumed after a restart knows only the time since the resume.
std::string drilled_move_ref(const move_record& m) {
  std::string out = move_ref(m);
  if (m.kind == object_kind::topic && m.options.kind == op_kind::cutover) {
    // Two clocks (the wait is steady, the ends are wall): the part is capped.
    const int64_t pause = std::max<int64_t>(0, m.finished_at_ms - m.started_at_ms);
    out += std::string(": producers paused ") + (m.resumed ? "at least " : "") + seconds(pause) +
           " (" + seconds(std::min(m.quiet_wait_ms, pause)) +
           " of it waiting for the source to be quiet" +
           (m.resumed ? "; resumed after a restart, counted from then)" : ")");
  }
  return out;
}

// A drill's verification with its figures for the object: records lost or
// changed, and target records no source record maps to (duplicated, or
// written by someone else).
std::string drilled_report_ref(const verify::report& r, object_kind kind, const std::string& name) {
  std::string out = report_ref(r);
  if (kind == object_kind::topic) {
    const auto* t = topic_in(r, name);
    if (t == nullptr) return out;
    int64_t lost = 0, duplicated = 0;
    for (const auto& p : t->partitions) {
      lost += p.missing_on_target + p.mismatched + p.unmapped_source;
      duplicated += p.unexpected_target;
    }
    return out + ": " + std::to_string(compared(*t)) + " records compared, " +
           std::to_string(lost) + " lost or changed, " + std::to_string(duplicated) +
           " duplicated or foreign";
  }
  const auto* g = group_in(r, name);
  if (g == nullptr) return out;
  return out + ": " + std::to_string(g->partitions_checked) + " partition offset(s) compared, " +
         std::to_string(g->differences.size()) + " differ";
}

// The scorecard's view of one area while it is being filled.
struct builder {
  area a;
  void evidence(std::string s) {
    if (std::ranges::find(a.evidence, s) == a.evidence.end()) a.evidence.push_back(std::move(s));
  }
  // `what`, which the level rests on, is yellow when it is older than the
  // card's max_age_ms.
  void yellow_if_stale(const scorecard::evidence& e, const std::string& what, int64_t at_ms) {
    if (stale(e, at_ms)) a.yellows.push_back(what + " is older than " + hours(e.limits.max_age_ms));
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

// How a verification report stands for one object.
enum class coverage {
  absent,   // it did not compare the object
  passed,   // it compared it, and that counts
  short_of  // it compared it, and that does not count (`why`)
};
struct judged {
  coverage c = coverage::absent;
  std::string why;
};
using judge = std::function<judged(const verify::report&)>;

// A topic's verification counts when it passed and compared at least
// min(threshold, the records of the range it verified).
judge topic_judge(const evidence& e, const std::string& topic) {
  return [&e, topic](const verify::report& r) -> judged {
    const auto* t = topic_in(r, topic);
    if (t == nullptr) return {};
    if (!t->passed()) return {coverage::short_of, report_ref(r) + " for it"};
    const int64_t want = std::min(e.limits.min_records_compared, held(*t));
    if (compared(*t) < want) {
      return {coverage::short_of, report_ref(r) + " compared " + std::to_string(compared(*t)) +
                                      " of its records, fewer than " + std::to_string(want)};
    }
    return {coverage::passed, ""};
  };
}

judge group_judge(const std::string& group) {
  return [group](const verify::report& r) -> judged {
    const auto* g = group_in(r, group);
    if (g == nullptr) return {};
    if (!g->passed()) return {coverage::short_of, report_ref(r) + " for it"};
    return {coverage::passed, ""};
  };
}

// The first finished report started at or after `from` and finished by
// `to` that counts for the object; null, with why the last one that
// compared it did not count (empty: none compared it).
const verify::report* counted_between(const std::vector<verify::report>& reports, int64_t from,
                                      int64_t to, const judge& j, std::string& why) {
  why.clear();
  for (const auto& r : reports) {
    if (!finished(r) || r.started_at_ms < from || r.finished_at_ms > to) continue;
    judged v = j(r);
    if (v.c == coverage::passed) return &r;
    if (v.c == coverage::short_of) why = std::move(v.why);
  }
  return nullptr;
}

// A drill of one object, judged on its newest one (what the move records
// keep of each object, workflow/move_records.h): the newest rollback that
// ended done, the newest cutover done before it, a verification that counts
// between the two, and another after the rollback; the cutover after the
// drill's link had mirrored min_mirrored_ms; moves under the link's
// definition now. Proven, or why not.
struct drill_proof {
  bool proven = false;
  std::vector<std::string> evidence;
  int64_t at_ms = 0;  // when its cutover ended: its age
  std::string shortfall;
};

// The drill link's moves that ended done under its definition now, per
// object, oldest first: built once a card (an estate's objects times its
// records would otherwise be read object by object).
using move_index = std::map<std::pair<object_kind, std::string>, std::vector<const move_record*>>;

move_index index_moves(const link_evidence& d) {
  move_index out;
  for (const auto& m : d.moves) {
    if (m.outcome == op_phase::done && m.definition == d.definition) {
      out[{m.kind, m.name}].push_back(&m);
    }
  }
  return out;
}

// An object's drill in its done moves (oldest first): its newest rollback,
// the newest cutover that ended before that rollback started (null when
// none), and its newest cutover of all.
struct drill_moves {
  const move_record *cutover = nullptr, *rollback = nullptr, *newest_cutover = nullptr;
};
drill_moves drill_pair(const std::vector<const move_record*>& moves) {
  drill_moves out;
  for (const move_record* m : moves) {
    (m->options.kind == op_kind::rollback ? out.rollback : out.newest_cutover) = m;
  }
  for (const move_record* m : moves) {
    if (out.rollback != nullptr && m->options.kind == op_kind::cutover &&
        m->finished_at_ms <= out.rollback->started_at_ms) {
      out.cutover = m;
    }
  }
  return out;
}

drill_proof prove_drill(const evidence& e, const move_index& index, object_kind kind,
                        const std::string& name, const judge& j) {
  const auto& d = e.drills();
  static const std::vector<const move_record*> kNone;
  auto found = index.find({kind, name});
  const auto [cutover, rollback, newest_cutover] =
      drill_pair(found == index.end() ? kNone : found->second);
  drill_proof out;
  auto short_of = [&](std::string why) {
    out.shortfall = name + ": " + std::move(why);
    return out;
  };
  if (cutover == nullptr) {
    if (newest_cutover == nullptr) return short_of("no cutover drill done");
    return short_of(move_ref(*newest_cutover) + ": no rollback drill done after it");
  }
  if (!d.first_mirrored_at_ms) {
    return short_of(move_ref(*cutover) + ": when link " + d.link + " began to mirror is not known");
  }
  if (cutover->started_at_ms - *d.first_mirrored_at_ms < e.limits.min_mirrored_ms) {
    return short_of(move_ref(*cutover) + ": the link had mirrored for less than " +
                    hours(e.limits.min_mirrored_ms) + " before it");
  }
  std::string why;
  const verify::report* between =
      counted_between(d.reports, cutover->finished_at_ms, rollback->started_at_ms, j, why);
  if (between == nullptr) {
    return short_of(move_ref(*cutover) + ": " +
                    (why.empty() ? "no verification between it and its rollback" : why));
  }
  const verify::report* after = counted_between(d.reports, rollback->finished_at_ms,
                                                std::numeric_limits<int64_t>::max(), j, why);
  if (after == nullptr || after->id == between->id) {
    return short_of(move_ref(*rollback) + ": " + (why.empty() ? "no verification after it" : why));
  }
  out.proven = true;
  out.evidence = {drilled_move_ref(*cutover), drilled_report_ref(*between, kind, name),
                  move_ref(*rollback), drilled_report_ref(*after, kind, name)};
  out.at_ms = cutover->finished_at_ms;
  return out;
}

// Drills of every object `names` lists: proven (their evidence added) or
// short (a yellow each); stale ones counted in one yellow. True when every
// one is proven.
template <typename Names>
bool prove_all(const evidence& e, const move_index& index, builder& b, object_kind kind,
               const Names& names, const std::function<judge(const std::string&)>& judge_of,
               const std::string& prefix = "") {
  bool all = true;
  int stale_drills = 0;
  std::vector<std::string> proof;
  for (const auto& name : names) {
    auto p = prove_drill(e, index, kind, name, judge_of(name));
    if (!p.proven) {
      b.a.yellows.push_back(prefix + p.shortfall);
      all = false;
      continue;
    }
    if (stale(e, p.at_ms)) ++stale_drills;
    proof.insert(proof.end(), p.evidence.begin(), p.evidence.end());
  }
  if (stale_drills > 0) {
    b.a.yellows.push_back(std::to_string(stale_drills) + " drill(s) older than " +
                          hours(e.limits.max_age_ms));
  }
  if (all) {
    for (auto& p : proof) b.evidence(std::move(p));
  }
  return all;
}

// Whether the drill link's moves of another definition were left out.
void note_other_definitions(const evidence& e, builder& b, object_kind kind) {
  int other = 0;
  for (const auto& m : e.drills().moves) {
    if (m.kind == kind && m.definition != e.drills().definition) ++other;
  }
  if (other > 0) {
    b.a.yellows.push_back(std::to_string(other) + " move record(s) of link " + e.drills().link +
                          " were made under another definition (its topics, groups or "
                          "clusters changed since) and do not count");
  }
}

std::vector<std::string> keys_of(const auto& map) {
  std::vector<std::string> out;
  for (const auto& [k, v] : map) out.push_back(k);
  return out;
}

area compatibility(const evidence& e) {
  builder b{{.name = "compatibility"}};
  if (!e.scan) {
    b.a.summary = "no scan of both clusters";
    b.a.next = "straitctl scan " + e.link.link;
    return std::move(b).done();
  }
  const auto& s = *e.scan;
  b.evidence("scan " + std::to_string(s.id) + " at " + utc_time(s.finished_at_ms));
  if (!s.target.error.empty()) {
    b.a.summary = "scan " + std::to_string(s.id) + " could not read the target: " + s.target.error;
    b.a.next = "straitctl scan " + e.link.link;
    return std::move(b).done();
  }
  b.a.level = 1;
  b.a.summary = "both clusters scanned";
  b.yellow_if_stale(e, "scan " + std::to_string(s.id), s.finished_at_ms);
  if (!e.plan.read) {
    b.a.yellows.push_back("no live plan: " + e.plan.error);
    b.a.next = "straitctl plan " + e.link.link;
    return std::move(b).done();
  }
  b.evidence("a plan of both clusters read at " + utc_time(e.plan.made_at_ms));
  for (const auto& blocked : e.plan.blocked) b.a.reds.push_back("blocked: " + blocked);
  if (e.plan.blocked.empty()) {
    b.a.level = 2;
    b.a.summary = "both clusters scanned, and no plan item is blocked";
  } else {
    b.a.next = "straitctl plan " + e.link.link + " (each blocked item says its fix)";
  }
  return std::move(b).done();
}

area data(const evidence& e, const move_index& index) {
  builder b{{.name = "data"}};
  // Red: a selected topic whose newest finished verification failed.
  std::map<std::string, const verify::report*> newest;
  const verify::report* passed = nullptr;
  for (const auto& r : e.link.reports) {
    if (!finished(r)) continue;
    for (const auto& t : r.topics) newest[t.topic] = &r;
    if (topics_passed(r)) passed = &r;
  }
  for (const auto& [topic, r] : newest) {
    const auto* t = topic_in(*r, topic);
    if (e.live.topics.contains(topic) && t != nullptr && !t->passed()) {
      b.a.reds.push_back(topic + ": " + report_ref(*r));
    }
  }
  if (passed == nullptr) {
    b.a.summary = "no verification of link " + e.link.link + " passed";
    b.a.next = "straitctl verify " + e.link.link;
    return std::move(b).done();
  }
  b.a.level = 1;
  b.a.summary = "a verification passed";
  b.evidence(report_ref(*passed) +
             (passed->outcome == verify::verdict::passed ? "" : " (its topics passed)"));
  b.yellow_if_stale(e, report_ref(*passed), passed->finished_at_ms);
  note_other_definitions(e, b, object_kind::topic);
  if (!e.live.topics.empty() &&
      prove_all(e, index, b, object_kind::topic, keys_of(e.live.topics),
                [&](const std::string& t) { return topic_judge(e, t); })) {
    b.a.level = 2;
    b.a.summary = "every selected topic was cut over and rolled back on link " + e.drills().link +
                  ", verified after each";
  } else {
    b.a.next = "rehearse on link " + e.drills().link + ": straitctl cutover " + e.drills().link +
               " --topics '.*', straitctl verify, straitctl rollback, straitctl verify";
  }
  return std::move(b).done();
}

area groups(const evidence& e, const move_index& index) {
  builder b{{.name = "offsets and groups"}};
  // Skips that are findings. partition_stopped is also what a group past
  // the forward map of a handed-over topic gets during a cutover: red only
  // while a partition is stopped for an incident.
  using policy::skip_reason;
  for (const auto& [group, skipped] : e.live.group_skips) {
    auto state = e.live.groups.find(group);
    const bool in_cutover = state != e.live.groups.end() && migration::in_cutover(state->second);
    for (const auto& [reason, n] : skipped) {
      const std::string what = group + ": " + std::to_string(n) + " partition(s) " + reason;
      if (reason == policy::to_string(skip_reason::partition_stopped)) {
        (e.live.stopped_partitions.empty() ? b.a.yellows : b.a.reds).push_back(what);
      } else if (reason == policy::to_string(skip_reason::target_group_active) && !in_cutover) {
        b.a.reds.push_back(what +
                           " (a consumer of the group runs on the target before its "
                           "cutover)");
      } else if (reason == policy::to_string(skip_reason::topic_not_mirrored)) {
        b.a.yellows.push_back(what);
      } else if (reason == policy::to_string(skip_reason::topic_on_another_shard)) {
        b.a.reds.push_back(what +
                           " (the group reads topics of two straitd: no one can sync or cut it "
                           "over whole; plan the shards again, straitctl shards-plan)");
      }
    }
  }
  const verify::report* passed = nullptr;
  for (const auto& r : e.link.reports) {
    if (groups_passed(r)) passed = &r;
  }
  if (passed == nullptr) {
    b.a.summary = e.live.groups.empty() ? "the link syncs no group"
                                        : "no verification with group offsets passed";
    b.a.next = e.live.groups.empty() ? "give the link a groups section, or leave this area out"
                                     : "straitctl verify " + e.link.link;
    return std::move(b).done();
  }
  b.a.level = 1;
  b.a.summary = "group offsets verified";
  b.evidence(report_ref(*passed) +
             (passed->outcome == verify::verdict::passed ? "" : " (its groups passed)"));
  b.yellow_if_stale(e, report_ref(*passed), passed->finished_at_ms);
  note_other_definitions(e, b, object_kind::group);
  if (!e.live.groups.empty() &&
      prove_all(e, index, b, object_kind::group, keys_of(e.live.groups), group_judge)) {
    b.a.level = 2;
    b.a.summary = "every synced group was cut over and rolled back on link " + e.drills().link +
                  ", its offsets verified after each";
  } else {
    b.a.next = "rehearse on link " + e.drills().link + ": straitctl cutover " + e.drills().link +
               " --groups '.*', straitctl verify, straitctl rollback, straitctl verify";
  }
  return std::move(b).done();
}

area topic_configs(const evidence& e) {
  builder b{{.name = "topic configs"}};
  // Drift is yellow: its reason says whether config sync changes it.
  for (const auto& t : e.live.drift) b.a.yellows.push_back("differs: " + t);
  if (!e.plan.read) {
    b.a.summary = "no live plan: " + e.plan.error;
    b.a.next = "straitctl plan " + e.link.link;
    return std::move(b).done();
  }
  b.a.level = 1;
  b.a.summary = "the topics' configs planned from both clusters";
  b.evidence("a plan of both clusters read at " + utc_time(e.plan.made_at_ms));
  for (const auto& c : e.plan.changes) b.a.yellows.push_back("to change: " + c);
  if (e.plan.changes.empty() && e.live.drift.empty()) {
    b.a.level = 2;
    b.a.summary = "the target's topic configs are the source's";
  } else {
    b.a.next = "straitctl apply " + e.link.link;
  }
  return std::move(b).done();
}

// A drill of the ACL changes a producer cutover makes (ADR 0023): of the
// topics' drills (drill_pair), the newest whose cutover made what `grants`
// / `fences` ask for (target grants, source-fence DENYs; none asked: any)
// and whose rollback deleted at least as many of each; empty when none.
drill_moves acl_drill(const move_index& index, bool grants, bool fences) {
  drill_moves best;
  for (const auto& [key, moves] : index) {
    if (key.first != object_kind::topic) continue;
    const drill_moves d = drill_pair(moves);
    if (d.cutover == nullptr || (grants && d.cutover->acl_grants == 0) ||
        (fences && d.cutover->acl_fences == 0) || d.rollback->acl_grants < d.cutover->acl_grants ||
        d.rollback->acl_fences < d.cutover->acl_fences) {
      continue;
    }
    if (best.rollback == nullptr || d.rollback->finished_at_ms > best.rollback->finished_at_ms) {
      best = d;
    }
  }
  return best;
}

area security(const evidence& e, const move_index& index) {
  builder b{{.name = "security and ACLs"}};
  if (!e.scan) {
    b.a.summary = "no scan read the clusters' ACLs and users";
    b.a.next = "straitctl scan " + e.link.link;
    return std::move(b).done();
  }
  const auto& s = *e.scan;
  b.evidence("scan " + std::to_string(s.id) + " at " + utc_time(s.finished_at_ms));
  b.yellow_if_stale(e, "scan " + std::to_string(s.id), s.finished_at_ms);
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
    if (!side->users) b.a.yellows.push_back(name + ": SCRAM users not read: " + side->users_error);
  }
  if (!shown) {
    b.a.summary = "the ACLs of a side could not be read";
    b.a.next =
        "grant strait's principal DESCRIBE on the CLUSTER, then straitctl scan " + e.link.link;
    return std::move(b).done();
  }
  b.a.level = 1;
  for (const auto& d : e.live.acl_drift) b.a.yellows.push_back("ACL drift: " + d);
  const live_plan& p = e.plan;
  if (!p.acls_enabled) {
    b.a.summary =
        "both sides' ACLs and users read; the link does not sync ACLs (no acls section) "
        "(capped at 1, ADR 0023)";
    b.a.next = "give the link an acls section (docs/planning.md#acls) and straitctl apply " +
               e.link.link + ", or carry the ACLs over by hand (straitctl scan-report lists both)";
    return std::move(b).done();
  }
  if (!p.read || !p.acls_error.empty()) {
    b.a.yellows.push_back("ACLs not planned: " + (p.read ? p.acls_error : p.error));
    b.a.summary = "both sides' ACLs and users read; the link's ACLs could not be planned";
    b.a.next = "straitctl plan " + e.link.link + " (it says why)";
    return std::move(b).done();
  }
  b.evidence("live ACL plan at " + utc_time(p.made_at_ms) + ": " + std::to_string(p.acls_fit) +
             " bindings on the target, " + std::to_string(p.acls_to_create.size()) +
             " to create, " + std::to_string(p.acls_blocked.size()) + " blocked, " +
             std::to_string(p.acls_at_cutover) + " at cutover");
  for (const auto& a : p.acls_to_create) b.a.yellows.push_back("ACL to create: " + a);
  for (const auto& a : p.acls_blocked) b.a.yellows.push_back("ACL blocked: " + a);
  b.a.summary = "both sides' ACLs and users read, ACLs planned";
  if (!p.acls_to_create.empty()) {
    b.a.next = "straitctl apply " + e.link.link;
    return std::move(b).done();
  }
  if (!p.acls_blocked.empty()) {
    b.a.next = "resolve the blocked ACL items (straitctl plan " + e.link.link + ")";
    return std::move(b).done();
  }
  // The plan has nothing left but what cutovers grant: a drill shows a
  // cutover granting (and fencing) and its rollback taking it all back.
  // Grants are asked for while the plan has any right to change a topic,
  // also one the target has now (a topic cut over for real holds strait's
  // grant: the plan shows it as there).
  const bool grants = p.acls_write_like > 0;
  const auto [cutover, drill, newest] = acl_drill(index, grants, p.fence_enabled);
  if (drill == nullptr) {
    const std::string what = grants && p.fence_enabled
                                 ? "granted producers their rights on the target and fenced "
                                   "the source"
                             : grants          ? "granted producers their rights on the target"
                             : p.fence_enabled ? "fenced the source"
                                               : "ended done";
    b.a.yellows.push_back("no topic's cutover that " + what +
                          " was rolled back done, deleting it all (link " + e.drills().link +
                          ", its definition now)");
    b.a.next = "rehearse on link " + e.drills().link +
               ": straitctl cutover, then straitctl rollback, of a topic whose producers the plan "
               "lists `at cutover`" +
               (p.fence_enabled ? " and the source fence would fence" : "");
    return std::move(b).done();
  }
  b.evidence(move_ref(*cutover) + ": granted " + std::to_string(cutover->acl_grants) + ", fenced " +
             std::to_string(cutover->acl_fences));
  b.evidence(move_ref(*drill) + ": deleted " + std::to_string(drill->acl_grants) + " grant(s), " +
             std::to_string(drill->acl_fences) + " fence DENY(s)");
  b.yellow_if_stale(e, move_ref(*cutover), cutover->finished_at_ms);  // as prove_drill
  b.a.level = 2;
  b.a.summary = std::string(
                    "both sides' ACLs read, the plan has nothing left to create, and a topic's "
                    "cutover and rollback ended done") +
                (grants || p.fence_enabled
                     ? ", the rollback deleting what the cutover granted and fenced"
                     : " (the plan has no right for a cutover to grant, the link no fence)");
  b.a.next = "renew what is stale: straitctl scan " + e.link.link +
             ", or a cutover and rollback drill again";
  return std::move(b).done();
}

area rollback(const evidence& e, const move_index& index) {
  builder b{{.name = "rollback"}};
  for (const auto& op : e.live.operations_stuck) {
    b.a.reds.push_back(std::string("operation ") + std::to_string(op.id) + " of " +
                       (op.kind == object_kind::topic ? "topic " : "group ") + op.name +
                       " waits for the operator: " + migration::to_string(op.reason));
  }
  const move_record* any = nullptr;
  for (const auto& m : e.drills().moves) {
    if (m.options.kind == op_kind::rollback && m.outcome == op_phase::done &&
        m.definition == e.drills().definition) {
      any = &m;
    }
  }
  if (any == nullptr) {
    b.a.summary = "no rollback ended done on link " + e.drills().link;
    b.a.next =
        "rehearse on link " + e.drills().link + ": straitctl cutover, then straitctl rollback";
    return std::move(b).done();
  }
  b.a.level = 1;
  b.a.summary = "a rollback ended done";
  b.evidence(move_ref(*any));
  b.yellow_if_stale(e, move_ref(*any), any->finished_at_ms);
  // Level 2: every topic of every wave of the newest scan drilled (cut
  // over, verified, rolled back, verified).
  if (!e.scan || e.scan->waves.empty()) {
    b.a.yellows.push_back("no scan with waves to hold the drills against");
    b.a.next = "straitctl scan " + e.link.link;
    return std::move(b).done();
  }
  bool all = true;
  for (const auto& w : e.scan->waves) {
    all = prove_all(
              e, index, b, object_kind::topic, w.topics,
              [&](const std::string& t) { return topic_judge(e, t); },
              "wave " + std::to_string(w.number) + ", ") &&
          all;
  }
  if (all) {
    b.a.level = 2;
    b.a.summary = "each wave of scan " + std::to_string(e.scan->id) +
                  " was cut over and rolled back in a drill, verified after each";
  } else {
    b.a.next = "rehearse each wave on link " + e.drills().link +
               ": straitctl cutover, straitctl verify, straitctl rollback, straitctl verify";
  }
  return std::move(b).done();
}

area schemas(const evidence& e) {
  builder b{{.name = "schemas"}};
  const live_plan& p = e.plan;
  if (!p.schemas_enabled) {
    b.a.summary = "the link does not copy schemas (no schemas section)";
    b.a.next = "give the link a schemas section (docs/planning.md#schemas) and straitctl apply " +
               e.link.link + ", or carry the schemas over with their ids by hand";
    return std::move(b).done();
  }
  if (!p.read || !p.schemas_error.empty()) {
    b.a.summary = "the registries could not be read";
    b.a.yellows.push_back("schemas not planned: " + (p.read ? p.schemas_error : p.error));
    b.a.next =
        "make both registries readable with the link's schemas section, then straitctl "
        "plan " +
        e.link.link;
    return std::move(b).done();
  }
  b.evidence("live schema plan at " + utc_time(p.made_at_ms) + ": " +
             std::to_string(p.schemas_fit) + " versions on the target with their ids, " +
             std::to_string(p.schemas_to_copy.size()) + " to copy, " +
             std::to_string(p.schemas_blocked.size()) + " blocked");
  // A version that cannot keep its id: records carrying it are not read
  // right on the target.
  for (const auto& s : p.schemas_blocked) b.a.reds.push_back("schema blocked: " + s);
  for (const auto& s : p.schemas_to_copy) b.a.yellows.push_back("schema to copy: " + s);
  for (const auto& l : p.levels_to_copy) b.a.yellows.push_back("compatibility to copy: " + l);
  // The newest finished verification that compared the registries: its
  // differences are red; passed, it proves what the plan read.
  const verify::report* compared = nullptr;
  for (const auto& r : e.link.reports) {
    if (finished(r) && r.schemas.compared) compared = &r;
  }
  if (compared != nullptr && !compared->schemas.passed()) {
    const auto& sr = compared->schemas;
    b.a.reds.push_back(report_ref(*compared) + " for the registries: " +
                       (!sr.error.empty()        ? sr.error
                        : sr.differences.empty() ? std::to_string(sr.differing) + " differences"
                                                 : sr.differences.front()));
  }
  if (p.schemas_to_copy.empty() && p.schemas_blocked.empty()) {
    b.a.level = 1;
    b.a.summary = "every selected schema version is on the target with its id";
    if (compared != nullptr && compared->schemas.passed() &&
        compared->schemas.versions_compared == 0) {
      b.a.yellows.push_back(report_ref(*compared) +
                            " compared no schema version (no subject "
                            "selected on the source)");
    } else if (compared != nullptr && compared->schemas.passed()) {
      b.a.level = 2;
      b.a.summary += ", and a verification compared both registries";
      b.evidence(report_ref(*compared) + ": " +
                 std::to_string(compared->schemas.versions_compared) + " versions of " +
                 std::to_string(compared->schemas.subjects) + " subjects compared");
      b.yellow_if_stale(e, report_ref(*compared), compared->finished_at_ms);
    } else if (compared == nullptr) {
      b.a.summary += "; no verification compared the registries yet";
    } else if (!compared->schemas.passed()) {
      b.a.summary += ", but the newest verification that compared the registries did not pass";
    }
    b.a.next = "straitctl verify " + e.link.link + " (it compares the registries)";
  } else {
    b.a.summary = "schema versions are not on the target with their ids yet";
    b.a.next = "straitctl apply " + e.link.link + " (blocked versions: by their reasons)";
  }
  return std::move(b).done();
}

area observability(const evidence& e) {
  builder b{{.name = "observability"}};
  for (const auto& p : e.live.stopped_partitions) b.a.reds.push_back("stopped now: " + p);
  b.a.level = 1;
  b.a.summary =
      "straitd serves /metrics (capped at 1: dashboards and alerts are outside its sight)";
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
  c.link = e.link.link;
  c.drill_link = e.drills().link;
  c.source_cluster_id = e.link.source_cluster_id;
  c.target_cluster_id = e.link.target_cluster_id;
  c.drill_source_cluster_id = e.drills().source_cluster_id;
  c.drill_target_cluster_id = e.drills().target_cluster_id;
  c.made_at_ms = e.now_ms;
  c.limits = e.limits;
  const move_index index = index_moves(e.drills());
  c.areas = {compatibility(e),   data(e, index),     groups(e, index), topic_configs(e),
             security(e, index), rollback(e, index), schemas(e),       observability(e)};
  if (e.live.paused) {
    for (auto& a : c.areas) {
      a.yellows.insert(a.yellows.begin(),
                       "the link is paused: its states are as stored, nothing else live was read");
      if (a.rating == colour::green) a.rating = colour::yellow;
    }
  }
  return c;
}

}  // namespace strait::scorecard
