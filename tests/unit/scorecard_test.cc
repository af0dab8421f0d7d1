// The readiness scorecard (ADR 0026) from hand-written evidence: what earns
// each level, what turns an area red, and what keeps a drill from counting.
#include "strait/scorecard/scorecard.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace strait::scorecard {
namespace {

using migration::move_record;
using migration::object_kind;
using migration::op_kind;
using migration::op_phase;
using strait::testing::contains;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kNow = 1'800'000'000'000;  // 2027-01-15

const area& area_of(const card& c, const std::string& name) {
  for (const auto& a : c.areas) {
    if (a.name == name) return a;
  }
  ADD_FAILURE() << "no area " << name;
  static const area none;
  return none;
}

std::string all_of(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

verify::report report_at(uint64_t id, int64_t started, const std::string& topic, bool ok,
                         int64_t records = 20'000, const std::string& group = "") {
  verify::report r;
  r.id = id;
  r.link = "prod";
  r.started_at_ms = started;
  r.finished_at_ms = started + 1000;
  verify::topic_result t;
  t.topic = topic;
  verify::partition_result p;
  p.records_compared = records;
  p.source_from = 0;
  p.source_to = 30'000;  // the topic holds 30,000 records
  p.mismatched = ok ? 0 : 1;
  t.partitions = {p};
  r.topics = {t};
  if (!group.empty()) {
    verify::group_result g;
    g.group = group;
    g.partitions_checked = 1;
    r.groups = {g};
  }
  r.outcome = ok ? verify::verdict::passed : verify::verdict::failed;
  return r;
}

move_record move_at(uint64_t id, op_kind kind, object_kind on, const std::string& name,
                    int64_t started, const std::string& definition = "def") {
  move_record m;
  m.id = id;
  m.kind = on;
  m.name = name;
  m.options.kind = kind;
  m.options.id = id;
  m.outcome = op_phase::done;
  m.started_at_ms = started;
  m.finished_at_ms = started + 1000;
  m.definition = definition;
  return m;
}

// Link "prod", one topic "orders" (30,000 records) and one group "g",
// mirrored for two days, scanned and planned cleanly; no drill yet.
evidence base() {
  evidence e;
  e.now_ms = kNow;
  e.link.link = "prod";
  e.link.source_cluster_id = "src";
  e.link.target_cluster_id = "tgt";
  e.link.definition = "def";
  e.link.first_mirrored_at_ms = kNow - 2 * kDay;
  scan::report s;
  s.id = 3;
  s.link = "prod";
  s.result = scan::outcome::done;
  s.finished_at_ms = kNow - kHour;
  s.source.cluster_id = "src";
  s.target.cluster_id = "tgt";
  s.source.acls = std::vector<kafka::acl_binding>{};
  s.target.acls_error = "DescribeAcls: the cluster has no authorizer (SECURITY_DISABLED)";
  s.source.users = s.target.users = std::vector<kafka::scram_user>{};
  scan::topic_row row;
  row.name = "orders";
  row.selected = true;
  row.records = 30'000;
  s.topics = {row};
  s.waves = {{1, {"orders"}, {"g"}, 30'000, 0}};
  e.scan = s;
  e.live.topics = {{"orders", migration::topic_state::in_sync}};
  e.live.groups = {{"g", migration::group_state::syncing}};
  e.plan.read = true;
  e.plan.made_at_ms = kNow;
  return e;
}

// A drill of "orders" and "g" on the drill link (the rehearsal link if there
// is one): verified, cut over, verified, rolled back, verified, from `from`.
void drilled(evidence& e, int64_t from = kNow - 10 * kHour) {
  link_evidence& d = e.rehearsal ? *e.rehearsal : e.link;
  d.reports.push_back(report_at(1, from, "orders", true, 20'000, "g"));
  d.moves.push_back(move_at(11, op_kind::cutover, object_kind::topic, "orders", from + kHour));
  d.moves.push_back(move_at(12, op_kind::cutover, object_kind::group, "g", from + kHour));
  d.reports.push_back(report_at(2, from + 2 * kHour, "orders", true, 20'000, "g"));
  d.moves.push_back(move_at(13, op_kind::rollback, object_kind::group, "g", from + 3 * kHour));
  d.moves.push_back(move_at(14, op_kind::rollback, object_kind::topic, "orders", from + 3 * kHour));
  d.reports.push_back(report_at(3, from + 4 * kHour, "orders", true, 20'000, "g"));
}

TEST(Scorecard, NothingDoneScoresZeroAndSaysWhatToRun) {
  evidence e = base();
  e.scan.reset();
  e.plan = {false, "not asked", 0, {}, {}};
  const card c = score(e);
  ASSERT_EQ(c.areas.size(), 8u);
  for (const auto& a : c.areas) {
    if (a.name == "observability") continue;  // straitd always serves /metrics
    EXPECT_EQ(a.level, 0) << a.name;
    EXPECT_EQ(a.rating, colour::yellow) << a.name;
    EXPECT_FALSE(a.next.empty()) << a.name;
  }
  EXPECT_EQ(area_of(c, "compatibility").next, "straitctl scan prod");
  EXPECT_EQ(area_of(c, "data").next, "straitctl verify prod");
  EXPECT_TRUE(contains(area_of(c, "schemas").summary, "does not copy schemas"));
}

// With the link's schemas section the live plan's schema part is the
// area's evidence: a version that cannot keep its id is red, one to copy
// yellow; everything on the target with its id is level 1, and 2 once a
// verification compared the registries and found them the same.
TEST(Scorecard, TheLivePlansSchemasAreTheSchemasAreasEvidence) {
  evidence e = base();
  e.plan.schemas_enabled = true;
  e.plan.schemas_fit = 4;
  e.plan.schemas_to_copy = {"orders-value version 2 (id 7)"};
  area a = area_of(score(e), "schemas");
  EXPECT_EQ(a.level, 0);
  EXPECT_EQ(a.rating, colour::yellow);
  EXPECT_TRUE(contains(all_of(a.evidence), "4 versions on the target with their ids, 1 to copy"))
      << all_of(a.evidence);
  EXPECT_TRUE(contains(all_of(a.yellows), "schema to copy: orders-value version 2 (id 7)"));
  EXPECT_EQ(a.next, "straitctl apply prod (blocked versions: by their reasons)");
  e.plan.schemas_blocked = {"audit-value version 1 (id 3): the target binds id 3 to another"};
  a = area_of(score(e), "schemas");
  EXPECT_EQ(a.rating, colour::red);
  EXPECT_TRUE(contains(all_of(a.reds), "schema blocked: audit-value version 1 (id 3)"));
  e.plan.schemas_blocked.clear();
  e.plan.schemas_to_copy.clear();
  a = area_of(score(e), "schemas");
  EXPECT_EQ(a.level, 1);
  EXPECT_EQ(a.rating, colour::yellow);
  EXPECT_TRUE(contains(a.summary, "no verification compared the registries yet")) << a.summary;
  EXPECT_EQ(a.next, "straitctl verify prod (it compares the registries)");
  // A verification that compared the registries and found them the same
  // raises it to 2 (green); one that did not compare them counts nothing.
  e.link.reports.push_back(report_at(5, kNow - kHour, "orders", true));
  e.link.reports.back().schemas = {.compared = true, .subjects = 2, .versions_compared = 4};
  e.link.reports.push_back(report_at(6, kNow - kHour / 2, "orders", true));
  a = area_of(score(e), "schemas");
  EXPECT_EQ(a.level, 2);
  EXPECT_EQ(a.rating, colour::green);
  EXPECT_TRUE(contains(all_of(a.evidence), "verification 5 PASSED")) << all_of(a.evidence);
  EXPECT_TRUE(contains(all_of(a.evidence), "4 versions of 2 subjects compared"))
      << all_of(a.evidence);
  // A newer one that found a difference is red, whatever the plan says.
  e.link.reports.push_back(report_at(7, kNow - kHour / 4, "orders", true));
  e.link.reports.back().schemas = {.compared = true,
                                   .differing = 1,
                                   .differences = {"subject 'a' version 1 (id 1) is not on the "
                                                   "target"}};
  e.link.reports.back().outcome = verify::verdict::failed;
  const card failed = score(e);
  a = area_of(failed, "schemas");
  EXPECT_EQ(a.rating, colour::red);
  EXPECT_TRUE(contains(all_of(a.reds), "verification 7 FAILED"));
  EXPECT_TRUE(contains(all_of(a.reds), "subject 'a' version 1 (id 1) is not on the target"));
  EXPECT_TRUE(contains(a.summary, "did not pass")) << a.summary;
  // Its topics passed: the data area still has it as evidence.
  EXPECT_EQ(area_of(failed, "data").level, 1);
  EXPECT_TRUE(contains(all_of(area_of(failed, "data").evidence),
                       "verification 7 FAILED at 2027-01-15T07:45:01Z (its topics passed)"))
      << all_of(area_of(failed, "data").evidence);
  // A registry it could not read is red as well.
  e.link.reports.back().schemas = {.compared = true, .error = "target registry: refused (401)"};
  a = area_of(score(e), "schemas");
  EXPECT_TRUE(contains(all_of(a.reds), "target registry: refused (401)")) << all_of(a.reds);
  // One that compared nothing (no subject selected) proves nothing.
  e.link.reports.back().schemas = {.compared = true};
  e.link.reports.back().outcome = verify::verdict::passed;
  a = area_of(score(e), "schemas");
  EXPECT_EQ(a.level, 1);
  EXPECT_TRUE(contains(all_of(a.yellows), "compared no schema version")) << all_of(a.yellows);
  e.link.reports.pop_back();
  e.link.reports.pop_back();
  e.link.reports.pop_back();
  // Not read: said, not hidden.
  e.plan.schemas_error = "source registry: cannot connect";
  a = area_of(score(e), "schemas");
  EXPECT_EQ(a.level, 0);
  EXPECT_TRUE(contains(all_of(a.yellows), "schemas not planned: source registry: cannot connect"));
}

// With the link's acls section the live plan's ACL part is the area's
// evidence: what apply would still create and what is blocked keep it
// yellow at 1.
TEST(Scorecard, TheLivePlansAclsAreTheSecurityAreasEvidence) {
  evidence e = base();
  e.plan.acls_enabled = true;
  e.plan.acls_fit = 3;
  e.plan.acls_to_create = {"ALLOW READ on TOPIC LITERAL orders for User:app from *"};
  e.plan.acls_blocked = {"ALLOW READ on TOPIC LITERAL orders for User:x from *: no rule"};
  e.plan.acls_at_cutover = 2;
  area a = area_of(score(e), "security and ACLs");
  EXPECT_EQ(a.level, 1);
  EXPECT_EQ(a.rating, colour::yellow);
  EXPECT_TRUE(contains(all_of(a.evidence),
                       "3 bindings on the target, 1 to create, 1 blocked, 2 at cutover"))
      << all_of(a.evidence);
  EXPECT_TRUE(contains(all_of(a.yellows), "ACL to create: ALLOW READ")) << all_of(a.yellows);
  EXPECT_TRUE(contains(all_of(a.yellows), "ACL blocked: ")) << all_of(a.yellows);
  EXPECT_EQ(a.next, "straitctl apply prod");
  // Not planned: said, not hidden.
  e.plan.acls_error = "the target: its authorizer is none";
  a = area_of(score(e), "security and ACLs");
  EXPECT_TRUE(contains(all_of(a.yellows), "ACLs not planned: the target: its authorizer is none"))
      << all_of(a.yellows);
  // Without an acls section the next step says how to get one.
  e.plan = {.read = true};
  a = area_of(score(e), "security and ACLs");
  EXPECT_TRUE(contains(a.summary, "no acls section")) << a.summary;
}

// Level 2 once the plan has nothing left but what cutovers grant and a
// drill shows a topic's cutover granting and fencing and its rollback
// deleting as many of each (ADR 0023).
TEST(Scorecard, ACutoversGrantsAndFenceTakenBackByItsRollbackProveTheSecurityArea) {
  evidence e = base();
  e.scan->target.acls = std::vector<kafka::acl_binding>{};
  e.scan->target.acls_error.clear();
  e.plan.acls_enabled = true;
  e.plan.acls_fit = 3;
  e.plan.acls_at_cutover = 1;
  e.plan.acls_write_like = 1;
  e.plan.fence_enabled = true;
  area a = area_of(score(e), "security and ACLs");
  EXPECT_EQ(a.level, 1);
  EXPECT_TRUE(contains(all_of(a.yellows),
                       "no topic's cutover that granted producers their rights on the target and "
                       "fenced the source was rolled back done"))
      << all_of(a.yellows);
  EXPECT_TRUE(contains(a.next, "straitctl cutover, then straitctl rollback")) << a.next;
  auto cutover = move_at(11, op_kind::cutover, object_kind::topic, "orders", kNow - 3 * kHour);
  cutover.acl_grants = 2;
  cutover.acl_fences = 1;
  auto rollback = move_at(12, op_kind::rollback, object_kind::topic, "orders", kNow - 2 * kHour);
  rollback.acl_grants = 2;  // the fence not lifted (a restart lost the count)
  e.link.moves = {cutover, rollback};
  EXPECT_EQ(area_of(score(e), "security and ACLs").level, 1);
  e.link.moves.back().acl_fences = 1;
  a = area_of(score(e), "security and ACLs");
  EXPECT_EQ(a.level, 2);
  EXPECT_EQ(a.rating, colour::green) << all_of(a.yellows);
  EXPECT_TRUE(contains(all_of(a.evidence), "granted 2, fenced 1")) << all_of(a.evidence);
  EXPECT_TRUE(contains(all_of(a.evidence), "deleted 2 grant(s), 1 fence DENY(s)"))
      << all_of(a.evidence);
  // A cutover that fenced nothing proves nothing of the fence.
  e.link.moves.front().acl_fences = 0;
  EXPECT_EQ(area_of(score(e), "security and ACLs").level, 1);
  e.link.moves.front().acl_fences = 1;
  // Moves under another definition of the link do not count.
  for (auto& m : e.link.moves) m.definition = "old";
  EXPECT_EQ(area_of(score(e), "security and ACLs").level, 1);
  for (auto& m : e.link.moves) m.definition = "def";
  // Anything apply would still create keeps it at 1.
  e.plan.acls_to_create = {"ALLOW READ on TOPIC LITERAL orders for User:app from *"};
  EXPECT_EQ(area_of(score(e), "security and ACLs").level, 1);
  // Topics cut over for real hold strait's grants (the plan shows them as
  // there, nothing at cutover): a drill that granted nothing still does
  // not count.
  e.plan.acls_to_create.clear();
  e.plan.acls_at_cutover = 0;
  e.plan.fence_enabled = false;
  e.link.moves.front().acl_grants = e.link.moves.front().acl_fences = 0;
  e.link.moves.back().acl_grants = e.link.moves.back().acl_fences = 0;
  EXPECT_EQ(area_of(score(e), "security and ACLs").level, 1);
  // No right for a cutover to grant and no fence: a done cutover and
  // rollback suffice, and the summary says why.
  e.plan.acls_write_like = 0;
  a = area_of(score(e), "security and ACLs");
  EXPECT_EQ(a.level, 2);
  EXPECT_TRUE(contains(a.summary, "the plan has no right for a cutover to grant")) << a.summary;
  // Of several topics, the newest drill that shows it all counts; one
  // cut over again after its rollback still has that drill.
  e.plan.acls_write_like = 1;
  auto other_cut = move_at(21, op_kind::cutover, object_kind::topic, "other", kNow - 5 * kHour);
  other_cut.acl_grants = 1;
  auto other_back = move_at(22, op_kind::rollback, object_kind::topic, "other", kNow - 4 * kHour);
  other_back.acl_grants = 1;
  auto again = move_at(23, op_kind::cutover, object_kind::topic, "other", kNow - kHour);
  e.link.moves = {other_cut, other_back, cutover, rollback, again};
  a = area_of(score(e), "security and ACLs");
  EXPECT_EQ(a.level, 2);
  EXPECT_TRUE(contains(all_of(a.evidence), "operation 21")) << all_of(a.evidence);
}

TEST(Scorecard, AScanAPlanAndAVerificationShowEachAreaOnce) {
  evidence e = base();
  e.link.reports = {report_at(1, kNow - kHour, "orders", true, 20'000, "g")};
  const card c = score(e);
  EXPECT_EQ(area_of(c, "compatibility").level, 2) << area_of(c, "compatibility").summary;
  EXPECT_EQ(area_of(c, "compatibility").rating, colour::green);
  EXPECT_EQ(area_of(c, "topic configs").level, 2);
  EXPECT_EQ(area_of(c, "data").level, 1);
  EXPECT_EQ(area_of(c, "data").rating, colour::yellow);
  EXPECT_TRUE(contains(all_of(area_of(c, "data").yellows), "orders: no cutover drill done"))
      << all_of(area_of(c, "data").yellows);
  EXPECT_EQ(area_of(c, "offsets and groups").level, 1);
  EXPECT_EQ(area_of(c, "security and ACLs").level, 1);
  EXPECT_TRUE(contains(area_of(c, "security and ACLs").summary, "capped at 1"));
  EXPECT_TRUE(
      contains(all_of(area_of(c, "security and ACLs").yellows), "target has no authorizer"));
  EXPECT_EQ(area_of(c, "rollback").level, 0);
  EXPECT_EQ(area_of(c, "observability").level, 1);
  EXPECT_TRUE(contains(all_of(area_of(c, "data").evidence), "verification 1 PASSED"));
}

TEST(Scorecard, ADrillCutOverRolledBackAndVerifiedProvesDataGroupsAndRollback) {
  evidence e = base();
  drilled(e);
  const card c = score(e);
  for (const char* name : {"data", "offsets and groups", "rollback"}) {
    EXPECT_EQ(area_of(c, name).level, 2) << name << ": " << all_of(area_of(c, name).yellows);
    EXPECT_EQ(area_of(c, name).rating, colour::green) << name;
    EXPECT_TRUE(area_of(c, name).next.empty()) << name;
  }
  const std::string ev = all_of(area_of(c, "data").evidence);
  EXPECT_TRUE(contains(ev, "operation 11 (cutover of topic orders")) << ev;
  EXPECT_TRUE(contains(ev, "operation 14 (rollback of topic orders")) << ev;
  EXPECT_TRUE(contains(ev, "verification 3 PASSED")) << ev;
  // The drill's figures: the producers' pause, records lost and duplicated.
  EXPECT_TRUE(contains(ev, "operation 11 (cutover of topic orders, done at ")) << ev;
  EXPECT_TRUE(contains(ev,
                       "): producers paused 1.0 s (0.0 s of it waiting for the source to be "
                       "quiet)"))
      << ev;
  EXPECT_TRUE(contains(ev, "verification 2 PASSED at ")) << ev;
  EXPECT_TRUE(contains(ev, ": 20000 records compared, 0 lost or changed, 0 duplicated or foreign"))
      << ev;
  {  // resumed after a restart: from then, at least; the wait capped at the pause
    evidence r = base();
    drilled(r);
    for (auto& m : r.link.moves) {
      if (m.id != 11) continue;
      m.resumed = true;
      m.quiet_wait_ms = 5'000;
    }
    const std::string resumed = all_of(area_of(score(r), "data").evidence);
    EXPECT_TRUE(contains(resumed,
                         "producers paused at least 1.0 s (1.0 s of it waiting for the "
                         "source to be quiet; resumed after a restart, counted from then)"))
        << resumed;
  }
  const std::string groups = all_of(area_of(c, "offsets and groups").evidence);
  EXPECT_TRUE(contains(groups, ": 1 partition offset(s) compared, 0 differ")) << groups;
}

TEST(Scorecard, ADrillThatIsNotProductionLikeStaysAtOneAndSaysWhy) {
  {  // the link had mirrored for an hour
    evidence e = base();
    e.link.first_mirrored_at_ms = kNow - 11 * kHour;
    drilled(e);
    const card c = score(e);
    const area& a = area_of(c, "data");
    EXPECT_EQ(a.level, 1);
    EXPECT_TRUE(contains(all_of(a.yellows), "mirrored for less than 24 h")) << all_of(a.yellows);
  }
  {  // when it began is not known
    evidence e = base();
    e.link.first_mirrored_at_ms.reset();
    drilled(e);
    EXPECT_EQ(area_of(score(e), "data").level, 1);
  }
  {  // the verification after the cutover compared too few records
    evidence e = base();
    drilled(e);
    e.link.reports[1] = report_at(2, kNow - 8 * kHour, "orders", true, 500, "g");
    const card c = score(e);
    const area& a = area_of(c, "data");
    EXPECT_EQ(a.level, 1);
    EXPECT_TRUE(contains(all_of(a.yellows), "compared 500 of its records, fewer than 10000"))
        << all_of(a.yellows);
  }
  {  // ... unless it compared every record of a smaller range
    evidence e = base();
    drilled(e);
    e.link.reports[1] = report_at(2, kNow - 8 * kHour, "orders", true, 400, "g");
    e.link.reports[1].topics[0].partitions[0].source_from = 600;
    e.link.reports[1].topics[0].partitions[0].source_to = 1000;
    EXPECT_EQ(area_of(score(e), "data").level, 2);
  }
  {  // no rollback after the cutover
    evidence e = base();
    drilled(e);
    std::erase_if(e.link.moves, [](const move_record& m) { return m.id == 14; });
    const card c = score(e);
    const area& a = area_of(c, "data");
    EXPECT_EQ(a.level, 1);
    EXPECT_TRUE(contains(all_of(a.yellows), "no rollback drill done after it"))
        << all_of(a.yellows);
  }
  {  // one verification, after the rollback, stands for neither half
    evidence e = base();
    drilled(e);
    std::erase_if(e.link.reports, [](const verify::report& r) { return r.id == 2; });
    const card c = score(e);
    const area& a = area_of(c, "data");
    EXPECT_EQ(a.level, 1);
    EXPECT_TRUE(contains(all_of(a.yellows), "no verification between it and its rollback"))
        << all_of(a.yellows);
    EXPECT_EQ(area_of(c, "offsets and groups").level, 1);
  }
  {  // a forced or otherwise failed verification between them does not count
    evidence e = base();
    drilled(e);
    e.link.reports[1] = report_at(2, kNow - 8 * kHour, "orders", false, 20'000, "g");
    const card c = score(e);
    EXPECT_EQ(area_of(c, "data").level, 1);
    EXPECT_TRUE(contains(all_of(area_of(c, "data").yellows), "verification 2 FAILED"));
  }
}

TEST(Scorecard, MovesUnderAnotherDefinitionDoNotCount) {
  evidence e = base();
  drilled(e);
  e.link.definition = "changed";
  const card c = score(e);
  EXPECT_EQ(area_of(c, "data").level, 1);
  EXPECT_EQ(area_of(c, "rollback").level, 0);
  EXPECT_TRUE(contains(all_of(area_of(c, "data").yellows), "another definition"));
}

TEST(Scorecard, DrillsOfARehearsalLinkCountAndItsClustersArePrinted) {
  evidence e = base();
  e.link.reports = {report_at(1, kNow - kHour, "orders", true, 20'000, "g")};
  e.rehearsal = e.link;
  e.rehearsal->link = "rehearsal";
  e.rehearsal->target_cluster_id = "staging";
  e.rehearsal->reports.clear();
  drilled(e);
  EXPECT_EQ(area_of(score(e), "data").evidence.size(), 5u)
      << "the link's own verification, then the rehearsal's drill";
  const card c = score(e);
  EXPECT_EQ(c.drill_link, "rehearsal");
  EXPECT_EQ(c.target_cluster_id, "tgt");
  EXPECT_EQ(c.drill_target_cluster_id, "staging");
  EXPECT_EQ(area_of(c, "data").level, 2) << all_of(area_of(c, "data").yellows);
  EXPECT_TRUE(contains(area_of(c, "data").summary, "on link rehearsal"));
}

TEST(Scorecard, RedsWinOverAnyLevel) {
  evidence e = base();
  drilled(e);
  // The newest finished verification of orders failed; an interrupted one
  // after it counts for none.
  e.link.reports.push_back(report_at(9, kNow - kHour, "orders", false));
  verify::report interrupted = report_at(10, kNow - 10, "orders", true);
  interrupted.outcome = verify::verdict::interrupted;
  e.link.reports.push_back(interrupted);
  e.plan.blocked = {"orders: cleanup.policy differs"};
  e.live.stopped_partitions = {"orders/0 (retention_gap)"};
  e.live.group_skips = {{"g", {{"partition_stopped", 1}}}};
  e.live.operations_stuck = {
      {7, object_kind::topic, "orders", migration::stuck_reason::tail_verification_failed}};
  e.scan->source.acls.reset();
  e.scan->source.acls_error = "DescribeAcls: ... (CLUSTER_AUTHORIZATION_FAILED)";
  const card c = score(e);
  for (const char* name : {"compatibility", "data", "offsets and groups", "security and ACLs",
                           "rollback", "observability"}) {
    EXPECT_EQ(area_of(c, name).rating, colour::red) << name;
    EXPECT_FALSE(area_of(c, name).reds.empty()) << name;
  }
  EXPECT_EQ(area_of(c, "data").level, 2) << "the level stands; the colour says what was found";
  EXPECT_TRUE(contains(all_of(area_of(c, "data").reds), "orders: verification 9 FAILED"));
  EXPECT_EQ(area_of(c, "rollback").reds.at(0),
            "operation 7 of topic orders waits for the operator: tail_verification_failed");
}

// Group skips a drill itself causes do not turn the card red.
TEST(Scorecard, GroupSkipsAreRedOnlyWhenTheyAreIncidents) {
  auto groups_of = [](evidence e) { return area_of(score(e), "offsets and groups"); };
  evidence e = base();
  e.link.reports = {report_at(1, kNow - kHour, "orders", true, 20'000, "g")};
  // Past the forward map of a handed-over topic: expected in a cutover.
  e.live.group_skips = {{"g", {{"partition_stopped", 1}, {"topic_not_mirrored", 2}}}};
  EXPECT_EQ(groups_of(e).rating, colour::yellow) << all_of(groups_of(e).yellows);
  e.live.stopped_partitions = {"orders/0 (retention_gap)"};
  EXPECT_EQ(groups_of(e).rating, colour::red);
  e.live.stopped_partitions.clear();
  // A member on the target before the group's cutover: red; during it, not.
  e.live.group_skips = {{"g", {{"target_group_active", 1}}}};
  EXPECT_EQ(groups_of(e).rating, colour::red);
  e.live.groups["g"] = migration::group_state::cutting_over;
  EXPECT_EQ(groups_of(e).rating, colour::yellow);
}

TEST(Scorecard, OldEvidenceIsStaleAndAPausedLinkIsNeverGreen) {
  {
    evidence e = base();
    drilled(e, kNow - 30 * kDay);
    e.link.first_mirrored_at_ms = kNow - 40 * kDay;
    e.scan->finished_at_ms = kNow - 20 * kDay;
    const card c = score(e);
    for (const char* name :
         {"data", "offsets and groups", "rollback", "compatibility", "security and ACLs"}) {
      EXPECT_EQ(area_of(c, name).rating, colour::yellow) << name;
      EXPECT_TRUE(contains(all_of(area_of(c, name).yellows), "older than 168 h")) << name;
    }
  }
  {  // old drills with a fresh verification: still stale
    evidence e = base();
    drilled(e, kNow - 30 * kDay);
    e.link.first_mirrored_at_ms = kNow - 40 * kDay;
    e.link.reports.push_back(report_at(4, kNow - kHour, "orders", true, 20'000, "g"));
    const card c = score(e);
    EXPECT_EQ(area_of(c, "data").level, 2);
    EXPECT_TRUE(contains(all_of(area_of(c, "data").yellows), "1 drill(s) older than 168 h"));
    EXPECT_EQ(area_of(c, "data").rating, colour::yellow);
  }
  {
    evidence e = base();
    drilled(e);
    e.live.paused = true;
    for (const auto& a : score(e).areas) EXPECT_NE(a.rating, colour::green) << a.name;
  }
}

TEST(Scorecard, DriftAndConfigChangesKeepTopicConfigsYellow) {
  evidence e = base();
  EXPECT_EQ(area_of(score(e), "topic configs").rating, colour::green);
  e.live.drift = {"orders: 1 config(s); changed once the topic has caught up"};
  EXPECT_EQ(area_of(score(e), "topic configs").rating, colour::yellow);
  e.live.drift.clear();
  e.plan.changes = {"orders: retention.ms 1 -> 2"};
  EXPECT_EQ(area_of(score(e), "topic configs").level, 1);
}

}  // namespace
}  // namespace strait::scorecard
