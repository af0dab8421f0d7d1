#include "strait/policy/acl_rules.h"

#include <gtest/gtest.h>

namespace strait::policy {
namespace {

using kafka::acl_binding;

acl_binding topic_acl(const std::string& name, const std::string& principal,
                      const std::string& op = "READ", const std::string& pattern = "LITERAL",
                      const std::string& permission = "ALLOW", const std::string& host = "*") {
  return {"TOPIC", name, pattern, principal, host, op, permission};
}

acl_binding group_acl(const std::string& name, const std::string& principal,
                      const std::string& pattern = "LITERAL") {
  return {"GROUP", name, pattern, principal, "*", "READ", "ALLOW"};
}

config::acl_config rules() {
  config::acl_config a;
  a.enabled = true;
  a.target_principal = "User:strait";
  a.principals = {{.source = "User:app", .target = "User:app2"},
                  {.source_regex = "User:team-(.*)", .target = "User:squad-\\1"},
                  {.source = "User:strait-src", .target = "User:strait"}};
  return a;
}

config::topic_config prefixed() {
  config::topic_config t;
  t.prefix = "mig.";
  return t;
}

// Source topics orders, orders-eu (selected) and other (not); groups
// billing (synced) and audit (not). The target grants strait WRITE on its
// prefix and READ on the group billing, as docs/security.md lists.
acl_facts facts_with(std::vector<acl_binding> source) {
  acl_facts f;
  f.source = std::move(source);
  f.target = {acl_binding{"TOPIC", "mig.", "PREFIXED", "User:strait", "*", "WRITE", "ALLOW"},
              acl_binding{"GROUP", "billing", "LITERAL", "User:strait", "*", "READ", "ALLOW"}};
  f.source_topics = {"orders", "orders-eu", "other"};
  f.source_groups = {"billing", "audit"};
  f.topic_selected = [](const std::string& t) { return t.starts_with("orders"); };
  f.group_selected = [](const std::string& g) { return g == "billing"; };
  return f;
}

const acl_item& only(const acl_plan& p) {
  EXPECT_EQ(p.items.size(), 1u);
  static const acl_item none;
  return p.items.empty() ? none : p.items.front();
}

TEST(AclPlan, AReadOfASelectedTopicIsCreatedUnderTheMappedPrincipalAndPrefix) {
  auto p = plan_acls(rules(), prefixed(), facts_with({topic_acl("orders", "User:app")}));
  const auto& i = only(p);
  EXPECT_EQ(i.what, acl_action::create) << i.blocker;
  EXPECT_EQ(i.target, topic_acl("mig.orders", "User:app2"));
  // Once the target has it, nothing.
  auto f = facts_with({topic_acl("orders", "User:app")});
  f.target.push_back(topic_acl("mig.orders", "User:app2"));
  EXPECT_EQ(only(plan_acls(rules(), prefixed(), f)).what, acl_action::nothing);
}

TEST(AclPlan, ARegexRuleRewritesThePrincipalButNeverMatchesTheWildcardPrincipal) {
  auto p =
      plan_acls(rules(), prefixed(),
                facts_with({topic_acl("orders", "User:team-a"), topic_acl("orders", "User:*")}));
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[0].source.principal, "User:*");
  EXPECT_EQ(p.items[0].what, acl_action::blocked);
  EXPECT_NE(p.items[0].blocker.find("no rule of acls.principals maps User:*"), std::string::npos)
      << p.items[0].blocker;
  EXPECT_EQ(p.items[1].what, acl_action::create);
  EXPECT_EQ(p.items[1].target.principal, "User:squad-a");
  // A rule that names "User:*" maps it.
  auto r = rules();
  r.principals.push_back({.source = "User:*", .target = "User:*"});
  auto q = plan_acls(r, prefixed(), facts_with({topic_acl("orders", "User:*")}));
  EXPECT_EQ(only(q).what, acl_action::create);
}

TEST(AclPlan, BindingsTheLinkDoesNotCoverAreCountedNotPlanned) {
  auto p = plan_acls(rules(), prefixed(),
                     facts_with({topic_acl("other", "User:app"), group_acl("audit", "User:app"),
                                 acl_binding{"CLUSTER", "kafka-cluster", "LITERAL", "User:ops", "*",
                                             "DESCRIBE", "ALLOW"},
                                 acl_binding{"TRANSACTIONAL_ID", "tx", "LITERAL", "User:nobody",
                                             "*", "WRITE", "ALLOW"}}));
  EXPECT_TRUE(p.items.empty());
  EXPECT_EQ(p.not_covered, 4);
  // Without a groups section no group binding is covered.
  auto f = facts_with({group_acl("billing", "User:app")});
  f.group_selected = nullptr;
  auto q = plan_acls(rules(), prefixed(), f);
  EXPECT_TRUE(q.items.empty());
  EXPECT_EQ(q.not_covered, 1);
}

TEST(AclPlan, APrefixedBindingIsCopiedOnlyWhenEveryTopicItReachesIsSelected) {
  auto p = plan_acls(rules(), prefixed(),
                     facts_with({topic_acl("orders", "User:app", "READ", "PREFIXED"),
                                 topic_acl("o", "User:app", "DESCRIBE", "PREFIXED")}));
  ASSERT_EQ(p.items.size(), 2u);
  // "o" also reaches "other", which the link does not mirror.
  EXPECT_EQ(p.items[0].source.resource_name, "o");
  EXPECT_EQ(p.items[0].what, acl_action::blocked);
  EXPECT_NE(p.items[0].blocker.find("also reaches 1 topic the link does not cover (other)"),
            std::string::npos)
      << p.items[0].blocker;
  EXPECT_EQ(p.items[1].what, acl_action::create);
  EXPECT_EQ(p.items[1].target, topic_acl("mig.orders", "User:app2", "READ", "PREFIXED"));
}

TEST(AclPlan, AWildcardTopicBecomesThePrefixOrIsBlockedWithoutOne) {
  auto p = plan_acls(rules(), prefixed(), facts_with({topic_acl("*", "User:app")}));
  EXPECT_EQ(only(p).target, topic_acl("mig.", "User:app2", "READ", "PREFIXED"));
  auto f = facts_with({topic_acl("*", "User:app")});
  f.target.push_back(topic_acl("*", "User:strait", "WRITE"));
  auto q = plan_acls(rules(), config::topic_config{}, f);
  EXPECT_EQ(only(q).what, acl_action::blocked);
  EXPECT_NE(only(q).blocker.find("no topics.prefix"), std::string::npos) << only(q).blocker;
}

TEST(AclPlan, RightsToChangeATopicWaitForItsCutoverWhileDeniesAndReadsGoAhead) {
  auto p = plan_acls(
      rules(), prefixed(),
      facts_with({topic_acl("orders", "User:app", "WRITE"), topic_acl("orders", "User:app", "ALL"),
                  topic_acl("orders", "User:app", "DESCRIBE_CONFIGS"),
                  topic_acl("orders", "User:app", "WRITE", "LITERAL", "DENY")}));
  ASSERT_EQ(p.items.size(), 4u);
  // DENY first.
  EXPECT_EQ(p.items[0].source.permission, "DENY");
  EXPECT_EQ(p.items[0].what, acl_action::create);
  EXPECT_EQ(p.items[1].source.operation, "ALL");
  EXPECT_EQ(p.items[1].what, acl_action::at_cutover);
  EXPECT_EQ(p.items[2].source.operation, "DESCRIBE_CONFIGS");
  EXPECT_EQ(p.items[2].what, acl_action::create);
  EXPECT_EQ(p.items[3].source.operation, "WRITE");
  EXPECT_EQ(p.items[3].what, acl_action::at_cutover);
}

TEST(AclPlan, NothingIsGrantedWhereStraitWouldLoseItsOwnAccess) {
  // A target without strait's WRITE on the prefix: the first binding on
  // mig.orders would make it deny-by-default for strait's producer.
  auto f = facts_with({topic_acl("orders", "User:app"), group_acl("billing", "User:app")});
  f.target.clear();
  auto p = plan_acls(rules(), prefixed(), f);
  ASSERT_EQ(p.items.size(), 2u);
  for (const auto& i : p.items) {
    EXPECT_EQ(i.what, acl_action::blocked);
    EXPECT_NE(i.blocker.find("deny-by-default"), std::string::npos) << i.blocker;
  }
  EXPECT_NE(p.items[0].blocker.find("target group billing (LITERAL) has no binding yet"),
            std::string::npos)
      << p.items[0].blocker;
  EXPECT_NE(p.items[1].blocker.find("target topic mig.orders (LITERAL) has no binding yet"),
            std::string::npos)
      << p.items[1].blocker;
  // A resource that has bindings already is deny-by-default: no change.
  f.target = {topic_acl("mig.orders", "User:someone"), group_acl("billing", "User:someone")};
  for (const auto& i : plan_acls(rules(), prefixed(), f).items) {
    EXPECT_EQ(i.what, acl_action::create) << i.blocker;
  }
}

TEST(AclPlan, AWriteForTheCutoverIsBlockedToWhereStraitWouldLoseItsOwnAccess) {
  // Reverse mirroring reads the target topic after the cutover: its first
  // binding, the WRITE, must not lock strait out.
  auto f = facts_with({topic_acl("orders", "User:app", "WRITE")});
  f.target.clear();
  EXPECT_EQ(only(plan_acls(rules(), prefixed(), f)).what, acl_action::blocked);
  f.target = {topic_acl("mig.orders", "User:strait")};
  EXPECT_EQ(only(plan_acls(rules(), prefixed(), f)).what, acl_action::at_cutover);
}

TEST(AclPlan, ACutoverGrantsTheLiteralRightsToChangeItsTopicAfterTheDeniesThatLimitThem) {
  auto p = plan_acls(
      rules(), prefixed(),
      facts_with({topic_acl("orders", "User:app", "WRITE"), topic_acl("orders", "User:app", "ALL"),
                  topic_acl("orders", "User:team-a", "WRITE"),
                  topic_acl("orders", "User:team-a", "DELETE", "LITERAL", "DENY"),
                  topic_acl("orders", "User:app"), topic_acl("orders-eu", "User:app", "WRITE"),
                  topic_acl("orders", "User:app", "WRITE", "PREFIXED"),
                  topic_acl("orders", "User:nobody", "WRITE")}));
  const auto g = grants_at_cutover(p.items, "orders", "mig.orders");
  EXPECT_EQ(g.grants, (std::vector<acl_binding>{topic_acl("mig.orders", "User:app2", "ALL"),
                                                topic_acl("mig.orders", "User:app2", "WRITE"),
                                                topic_acl("mig.orders", "User:squad-a", "WRITE")}));
  EXPECT_EQ(g.denies, std::vector<acl_binding>{
                          topic_acl("mig.orders", "User:squad-a", "DELETE", "LITERAL", "DENY")});
  // The PREFIXED WRITE of User:app is granted as its LITERAL copy: the same
  // binding as the LITERAL one (once).
  EXPECT_EQ(g.left, std::vector<std::string>{"ALLOW WRITE TOPIC:LITERAL:orders User:nobody@*"});
  const auto eu = grants_at_cutover(p.items, "orders-eu", "mig.orders-eu");
  EXPECT_EQ(eu.grants, std::vector<acl_binding>{topic_acl("mig.orders-eu", "User:app2", "WRITE")});
  EXPECT_TRUE(eu.denies.empty());
  EXPECT_TRUE(grants_at_cutover(p.items, "other", "mig.other").grants.empty());
}

// A PREFIXED right to change topics reaches topics that may not be cut
// over yet: each topic's cutover gets its LITERAL copy (a rollback deletes
// the topic's alone), never the PREFIXED binding, and never a copy the
// target has already (the operator's).
TEST(AclPlan, APrefixedRightToChangeTopicsIsGrantedAsEachTopicsLiteralCopyAtItsCutover) {
  auto f = facts_with({topic_acl("orders", "User:team-b", "WRITE", "PREFIXED"),
                       topic_acl("orders", "User:team-b", "CREATE", "PREFIXED")});
  f.target.push_back(topic_acl("mig.orders-eu", "User:squad-b", "WRITE"));
  // Not copies of it: another principal, permission, host, or a name
  // outside the prefix.
  f.target.push_back(topic_acl("mig.orders", "User:squad-c", "WRITE"));
  f.target.push_back(topic_acl("mig.orders", "User:squad-b", "WRITE", "LITERAL", "DENY"));
  f.target.push_back(topic_acl("mig.orders", "User:squad-b", "WRITE", "LITERAL", "ALLOW", "h1"));
  f.target.push_back(topic_acl("mig.order", "User:squad-b", "WRITE"));
  const auto p = plan_acls(rules(), prefixed(), f);
  ASSERT_EQ(p.items.size(), 2u);
  for (const auto& i : p.items) {
    EXPECT_EQ(i.what, acl_action::at_cutover) << i.blocker;
    EXPECT_EQ(i.target.pattern_type, "PREFIXED");
    EXPECT_NE(i.reason.find("a LITERAL copy at that topic's producer cutover"), std::string::npos)
        << i.reason;
  }
  EXPECT_EQ(p.items[1].literal_on_target, std::set<std::string>{"mig.orders-eu"});
  EXPECT_NE(p.items[1].reason.find("the target has the LITERAL copy on 1 topic(s) already "
                                   "(mig.orders-eu): yours"),
            std::string::npos)
      << p.items[1].reason;
  const auto g = grants_at_cutover(p.items, "orders", "mig.orders");
  EXPECT_EQ(g.grants, (std::vector<acl_binding>{topic_acl("mig.orders", "User:squad-b", "CREATE"),
                                                topic_acl("mig.orders", "User:squad-b", "WRITE")}));
  EXPECT_TRUE(g.left.empty());
  EXPECT_EQ(grants_at_cutover(p.items, "orders-eu", "mig.orders-eu").grants,
            std::vector<acl_binding>{topic_acl("mig.orders-eu", "User:squad-b", "CREATE")});
}

TEST(AclPlan, StraitsOwnPrincipalHostsAndAdministratorsRightsAreNeverCopied) {
  auto f = facts_with(
      {topic_acl("orders", "User:strait-src"),
       topic_acl("orders", "User:app", "READ", "LITERAL", "ALLOW", "10.0.0.1"),
       acl_binding{"CLUSTER", "kafka-cluster", "LITERAL", "User:app", "*", "ALTER", "ALLOW"},
       acl_binding{"CLUSTER", "kafka-cluster", "LITERAL", "User:app", "*", "IDEMPOTENT_WRITE",
                   "ALLOW"},
       acl_binding{"TRANSACTIONAL_ID", "tx-", "PREFIXED", "User:app", "*", "WRITE", "ALLOW"}});
  f.target.push_back(
      acl_binding{"CLUSTER", "kafka-cluster", "LITERAL", "User:strait", "*", "DESCRIBE", "ALLOW"});
  auto p = plan_acls(rules(), prefixed(), f);
  ASSERT_EQ(p.items.size(), 5u);
  int blocked = 0;
  for (const auto& i : p.items) {
    if (i.what == acl_action::blocked) {
      ++blocked;
      EXPECT_TRUE(i.blocker.find("strait's own target principal") != std::string::npos ||
                  i.blocker.find("from host 10.0.0.1 only") != std::string::npos ||
                  i.blocker.find("administrator's right") != std::string::npos)
          << i.blocker;
      EXPECT_TRUE(i.target.principal.empty());
    } else {
      EXPECT_EQ(i.what, acl_action::create);
      EXPECT_TRUE(i.source.operation == "IDEMPOTENT_WRITE" ||
                  i.source.resource_type == "TRANSACTIONAL_ID");
      EXPECT_EQ(i.target.resource_name, i.source.resource_name);  // no prefix
    }
  }
  EXPECT_EQ(blocked, 3);
}

TEST(AclPlan, TwoSourceBindingsOfOneTargetBindingCreateItOnce) {
  auto r = rules();
  r.principals.insert(r.principals.begin(), {.source = "User:app-old", .target = "User:app2"});
  auto p =
      plan_acls(r, prefixed(),
                facts_with({topic_acl("orders", "User:app"), topic_acl("orders", "User:app-old")}));
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[0].what, acl_action::create);
  EXPECT_EQ(p.items[1].what, acl_action::nothing);
  EXPECT_EQ(p.items[0].target, p.items[1].target);
}

TEST(AclPlan, HostilePrincipalsArePrintedEscapedAndNeverCopied) {
  auto r = rules();
  r.principals.push_back({.source_regex = "User:(.*)", .target = "User:\\1"});
  // The first matches no rule (RE2's "." stops at a newline), the second
  // maps to a principal with an escape sequence.
  auto p = plan_acls(r, prefixed(),
                     facts_with({topic_acl("orders", "User:x\n\x1b[31mred"),
                                 topic_acl("orders", "User:y\x1b[31m")}));
  ASSERT_EQ(p.items.size(), 2u);
  for (const auto& i : p.items) {
    EXPECT_EQ(i.what, acl_action::blocked);
    EXPECT_EQ(i.blocker.find('\n'), std::string::npos) << i.blocker;
    EXPECT_EQ(i.blocker.find('\x1b'), std::string::npos) << i.blocker;
    EXPECT_EQ(describe(i.source).find('\x1b'), std::string::npos);
  }
  EXPECT_NE(p.items[1].blocker.find("not a principal"), std::string::npos) << p.items[1].blocker;
}

TEST(AclPlan, AnAllowGoesOnlyWithTheDeniesThatLimitItOnTheSource) {
  // A DENY from one host is not copied (hosts differ), a DENY for User:*
  // has no rule: the ALLOWs they limit are blocked, naming them; an ALLOW
  // of another operation or resource is not limited.
  auto p =
      plan_acls(rules(), prefixed(),
                facts_with({topic_acl("orders", "User:app", "READ", "LITERAL", "DENY", "10.0.0.1"),
                            topic_acl("orders", "User:app"),
                            topic_acl("orders-eu", "User:*", "ALL", "LITERAL", "DENY"),
                            topic_acl("orders-", "User:team-a", "DESCRIBE", "PREFIXED"),
                            topic_acl("orders", "User:team-a", "DESCRIBE_CONFIGS")}));
  ASSERT_EQ(p.items.size(), 5u);
  EXPECT_EQ(p.items[0].what, acl_action::blocked);  // the DENYs themselves
  EXPECT_EQ(p.items[1].what, acl_action::blocked);
  const auto& read = p.items[2];  // ALLOW READ orders User:app
  ASSERT_EQ(read.source, topic_acl("orders", "User:app"));
  EXPECT_EQ(read.what, acl_action::blocked);
  EXPECT_NE(read.blocker.find("the source limits it with DENY READ TOPIC:LITERAL:orders "
                              "User:app@10.0.0.1, which is not copied"),
            std::string::npos)
      << read.blocker;
  EXPECT_TRUE(read.target.principal.empty());
  EXPECT_EQ(p.items[3].source.operation, "DESCRIBE_CONFIGS");  // "orders" before "orders-"
  EXPECT_EQ(p.items[3].what, acl_action::create) << p.items[3].blocker;
  EXPECT_EQ(p.items[4].source.operation, "DESCRIBE");  // reaches orders-eu: User:* DENY ALL
  EXPECT_EQ(p.items[4].what, acl_action::blocked);
  EXPECT_NE(p.items[4].blocker.find("DENY ALL TOPIC:LITERAL:orders-eu User:*@*"), std::string::npos)
      << p.items[4].blocker;
}

// Kafka's authorizer: an ALLOW of READ implies DESCRIBE, so a DENY of
// DESCRIBE limits it; two source principals merged into one target
// principal: a DENY of either limits both ALLOWs.
TEST(AclPlan, ADenyLimitsWhatTheAllowImpliesAndWhatItsMappedPrincipalGets) {
  auto p = plan_acls(
      rules(), prefixed(),
      facts_with({topic_acl("orders", "User:app", "DESCRIBE", "LITERAL", "DENY", "10.0.0.1"),
                  topic_acl("orders", "User:app")}));
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[1].what, acl_action::blocked);
  EXPECT_NE(p.items[1].blocker.find("DENY DESCRIBE"), std::string::npos) << p.items[1].blocker;
  auto r = rules();
  r.principals.insert(r.principals.begin(), {.source = "User:app-us", .target = "User:app2"});
  auto q = plan_acls(
      r, prefixed(),
      facts_with({topic_acl("orders", "User:app-us", "READ", "LITERAL", "DENY", "10.0.0.1"),
                  topic_acl("orders", "User:app")}));
  ASSERT_EQ(q.items.size(), 2u);
  EXPECT_EQ(q.items[1].source.principal, "User:app");
  EXPECT_EQ(q.items[1].what, acl_action::blocked) << "User:app2 would read what app-us may not";
}

TEST(AclPlan, TheFirstClusterBindingIsGuardedLikeATopics) {
  auto p = plan_acls(rules(), prefixed(),
                     facts_with({acl_binding{"CLUSTER", "kafka-cluster", "LITERAL", "User:app", "*",
                                             "DESCRIBE", "ALLOW"}}));
  EXPECT_EQ(only(p).what, acl_action::blocked);
  EXPECT_NE(only(p).blocker.find("the target cluster kafka-cluster (LITERAL) has no binding yet"),
            std::string::npos)
      << only(p).blocker;
}

TEST(AclPlan, ADenyForEveryPrincipalIsNeverCopiedItWouldDenyStraitToo) {
  auto r = rules();
  r.principals.push_back({.source = "User:*", .target = "User:*"});
  auto p = plan_acls(r, prefixed(),
                     facts_with({topic_acl("orders", "User:*", "WRITE", "LITERAL", "DENY")}));
  EXPECT_EQ(only(p).what, acl_action::blocked);
  EXPECT_NE(only(p).blocker.find("would deny strait's own principal too"), std::string::npos);
}

TEST(AclPlan, RegexRulesRewriteTheWholeMatchAndNeverMakeAWildcard) {
  const std::vector<config::principal_rule> lazy = {
      {.source_regex = "User:(.+?)", .target = "User:\\1-new"}};
  const principal_mapper m(lazy);
  EXPECT_EQ(m.map("User:bob"), "User:bob-new");
  const std::vector<config::principal_rule> corp = {
      {.source_regex = "User:(.*)@CORP", .target = "User:\\1"}};
  const principal_mapper w(corp);
  EXPECT_EQ(w.map("User:alice@CORP"), "User:alice");
  EXPECT_EQ(w.map("User:*@CORP"), std::nullopt) << "a rewrite to User:* maps nothing";
}

TEST(AclPlan, ARefusedTargetTopicOrAForeignTargetTopicBlocksItsBindings) {
  auto f = facts_with(
      {topic_acl("orders", "User:app"), topic_acl("orders-", "User:app", "READ", "PREFIXED")});
  f.topic_refusal = [](const std::string& t) {
    return t == "orders" ? std::string("another link (b) writes it") : std::string();
  };
  auto p = plan_acls(rules(), prefixed(), f);
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[0].source.pattern_type, "LITERAL");
  EXPECT_EQ(p.items[0].what, acl_action::blocked);
  EXPECT_NE(p.items[0].blocker.find("another link (b) writes it"), std::string::npos);
  EXPECT_EQ(p.items[1].what, acl_action::create) << p.items[1].blocker;
  // A topic under mig.orders- on the target that the link does not mirror
  // (created there by hand) would be reached by the copy.
  f.topic_refusal = nullptr;
  f.target_topics = {"mig.orders-eu", "mig.orders-local"};
  auto q = plan_acls(rules(), prefixed(), f);
  ASSERT_EQ(q.items.size(), 2u);
  EXPECT_EQ(q.items[1].what, acl_action::blocked);
  EXPECT_NE(q.items[1].blocker.find("on the target (mig.orders-local)"), std::string::npos)
      << q.items[1].blocker;
}

TEST(AclPlan, AMapperTakesTheFirstRuleThatMatches) {
  const principal_mapper m(rules().principals);
  EXPECT_EQ(m.map("User:app"), "User:app2");
  EXPECT_EQ(m.map("User:team-blue"), "User:squad-blue");
  EXPECT_EQ(m.map("User:team-"), "User:squad-");
  EXPECT_EQ(m.map("User:xteam-a"), std::nullopt);  // full match only
  EXPECT_EQ(m.map("Group:team-a"), std::nullopt);
}

// ------------------------------------------------------------ source fence

config::fence_config fence() {
  config::fence_config f;
  f.enabled = true;
  f.source_principal = "User:strait";
  return f;
}

acl_binding deny_write(const std::string& topic, const std::string& principal) {
  return topic_acl(topic, principal, "WRITE", "LITERAL", "DENY");
}

TEST(FencePlan, DeniesEachWriterOfTheTopicButStraitOnce) {
  const auto p = plan_fence(
      fence(), "orders",
      {topic_acl("orders", "User:app", "WRITE"),
       topic_acl("orders", "User:app", "WRITE", "LITERAL", "ALLOW", "10.0.0.1"),
       topic_acl("ord", "User:batch", "ALL", "PREFIXED"), topic_acl("*", "User:etl", "WRITE"),
       topic_acl("orders", "User:strait", "WRITE"),               // reverse mirroring's
       topic_acl("orders", "User:reader", "READ"),                // not a writer
       topic_acl("other", "User:other", "WRITE"),                 // another topic's
       topic_acl("orders-eu", "User:eu", "WRITE", "PREFIXED")});  // does not reach orders
  EXPECT_TRUE(p.refusals.empty()) << p.refusals.front();
  EXPECT_EQ(p.denies, (std::vector<acl_binding>{deny_write("orders", "User:app"),
                                                deny_write("orders", "User:batch"),
                                                deny_write("orders", "User:etl")}));
}

TEST(FencePlan, ADenyTheSourceHasAlreadyIsNotStraitsToCreate) {
  const auto p =
      plan_fence(fence(), "orders",
                 {topic_acl("orders", "User:app", "WRITE"),
                  topic_acl("orders", "User:old", "WRITE"), deny_write("orders", "User:old")});
  EXPECT_EQ(p.denies, std::vector<acl_binding>{deny_write("orders", "User:app")});
}

TEST(FencePlan, IsRefusedWhereNamingWritersCannotFenceTheTopic) {
  // No binding at all: allow.everyone.if.no.acl.found may let anyone write.
  auto none = plan_fence(fence(), "orders", {topic_acl("other", "User:app", "WRITE")});
  ASSERT_EQ(none.refusals.size(), 1u);
  EXPECT_NE(none.refusals[0].find("no ACL binding applies to topic orders"), std::string::npos);
  // A wildcard writer: its DENY would deny strait as well.
  auto wildcard = plan_fence(
      fence(), "orders",
      {topic_acl("orders", "User:*", "WRITE"), topic_acl("orders", "User:app", "WRITE")});
  ASSERT_EQ(wildcard.refusals.size(), 1u);
  EXPECT_NE(wildcard.refusals[0].find("every principal may write the topic"), std::string::npos);
  EXPECT_EQ(wildcard.denies, std::vector<acl_binding>{deny_write("orders", "User:app")})
      << "what can be fenced, when forced";
  // Administrators (the fence's own admin among them) are not refused.
  auto admin = plan_fence(
      fence(), "orders",
      {topic_acl("orders", "User:app", "WRITE"),
       acl_binding{"CLUSTER", "kafka-cluster", "LITERAL", "User:ops", "*", "ALTER", "ALLOW"}});
  EXPECT_TRUE(admin.refusals.empty());
  // A hostile topic name is made printable in the reason.
  auto hostile = plan_fence(fence(), "ord\x1b[2Jers", {});
  ASSERT_EQ(hostile.refusals.size(), 1u);
  EXPECT_EQ(hostile.refusals[0].find('\x1b'), std::string::npos) << hostile.refusals[0];
}

// What an imported component's ACL records may be (daemon's
// import_component): only the shapes a cutover records, which a rollback
// deletes with strait's admin credential.
TEST(CutoverRecords, OnlyWhatACutoverOrItsFenceMakesIsOfTheirShape) {
  const auto acls = rules();
  EXPECT_TRUE(made_at_cutover(topic_acl("mig.orders", "User:app", "WRITE"), "mig.orders", acls));
  EXPECT_TRUE(made_at_cutover(topic_acl("mig.orders", "User:app", "ALL"), "mig.orders", acls));
  for (const auto& b :
       {topic_acl("mig.orders", "User:app", "READ"),  // not a right to change
        topic_acl("mig.orders", "User:app", "WRITE", "PREFIXED"),
        topic_acl("mig.orders", "User:app", "WRITE", "LITERAL", "DENY"),
        topic_acl("mig.orders", "User:app", "WRITE", "LITERAL", "ALLOW", "10.0.0.1"),
        topic_acl("mig.other", "User:app", "WRITE"),
        topic_acl("mig.orders", acls.target_principal, "WRITE")}) {
    EXPECT_FALSE(made_at_cutover(b, "mig.orders", acls)) << describe(b);
  }
  EXPECT_TRUE(made_by_fence(deny_write("orders", "User:app"), "orders", fence()));
  for (const auto& b : {topic_acl("orders", "User:app", "WRITE"),  // an ALLOW
                        topic_acl("orders", "User:app", "READ", "LITERAL", "DENY"),
                        topic_acl("orders", "User:app", "WRITE", "PREFIXED", "DENY"),
                        topic_acl("orders", "User:app", "WRITE", "LITERAL", "DENY", "10.0.0.1"),
                        deny_write("other", "User:app"), deny_write("orders", "User:strait")}) {
    EXPECT_FALSE(made_by_fence(b, "orders", fence())) << describe(b);
  }
}

}  // namespace
}  // namespace strait::policy
