#include "strait/plan/acl_planner.h"

#include <re2/re2.h>

#include <algorithm>
#include <memory>
#include <set>
#include <tuple>

#include "strait/base/text.h"

namespace strait::plan {

namespace {

constexpr const char* kTopic = "TOPIC";
constexpr const char* kGroup = "GROUP";
constexpr const char* kLiteral = "LITERAL";
constexpr const char* kPrefixed = "PREFIXED";
constexpr const char* kAllow = "ALLOW";
constexpr const char* kWildcard = "*";
constexpr size_t kNameBytes = 256;  // of a name in a reason

bool is_one_of(const std::string& v, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return v == n; });
}

// Whether binding `b` applies to every name of the resource (type, name,
// pattern): a LITERAL "*", a LITERAL of the same name, or a PREFIXED whose
// prefix starts every name the resource stands for.
bool covers(const kafka::acl_binding& b, const std::string& type, const std::string& name,
            const std::string& pattern) {
  if (b.resource_type != type) return false;
  if (b.pattern_type == kLiteral && b.resource_name == kWildcard) return true;
  if (b.pattern_type == kLiteral) return pattern == kLiteral && b.resource_name == name;
  return b.pattern_type == kPrefixed && name.starts_with(b.resource_name);
}

// The operations that grant strait's own principal what its link needs of
// a resource: mirroring writes topics, group sync commits group offsets.
bool grants_strait(const kafka::acl_binding& b, const std::string& principal) {
  if (b.principal != principal || b.permission != kAllow || b.host != kWildcard) return false;
  if (b.operation == "ALL") return true;
  return b.resource_type == kTopic ? b.operation == "WRITE" : b.operation == "READ";
}

// Up to three of `names`, and how many more.
std::string some_of(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 3; ++i) {
    out += (i ? ", " : "") + printable(names[i], kNameBytes);
  }
  if (names.size() > 3) out += " and " + std::to_string(names.size() - 3) + " more";
  return out;
}

// Where a TOPIC or GROUP binding lands on the target; `blocker` set when it
// cannot, `covered` false when the link does not cover the resource at all.
struct placement {
  bool covered = true;
  std::string name, pattern, blocker;
};

placement place(const kafka::acl_binding& b, const config::topic_config& topics,
                const acl_facts& facts) {
  const bool topic = b.resource_type == kTopic;
  const auto& selected = topic ? facts.topic_selected : facts.group_selected;
  const auto& all = topic ? facts.source_topics : facts.source_groups;
  const char* what = topic ? "topic" : "group";
  if (!selected) return {.covered = false};
  std::vector<std::string> reached, others;
  for (const auto& n : all) {
    const bool reaches =
        b.resource_name == kWildcard && b.pattern_type == kLiteral
            ? true
            : (b.pattern_type == kPrefixed ? n.starts_with(b.resource_name) : n == b.resource_name);
    if (!reaches) continue;
    (selected(n) ? reached : others).push_back(n);
  }
  if (b.pattern_type == kLiteral && b.resource_name != kWildcard) {
    if (!selected(b.resource_name)) return {.covered = false};
    return {.name = topic ? topics.target_name(b.resource_name) : b.resource_name,
            .pattern = kLiteral};
  }
  if (reached.empty()) return {.covered = false};
  if (b.pattern_type == kLiteral) {  // "*"
    if (!topic || topics.prefix.empty()) {
      return {.blocker = std::string("grants every ") + what +
                         " of the cluster, and on the target it would grant every " + what +
                         (topic ? " (the link has no topics.prefix to confine it to)" : "") +
                         ": not copied; grant the " + what + "s the link covers by hand"};
    }
    return {.name = topics.prefix, .pattern = kPrefixed};
  }
  if (!others.empty()) {
    return {.blocker = "also reaches " + std::to_string(others.size()) + " " + what +
                       (others.size() == 1 ? "" : "s") + " the link does not cover (" +
                       some_of(others) +
                       "): not copied; grant the covered ones by hand, or cover all"};
  }
  return {.name = topic ? topics.prefix + b.resource_name : b.resource_name, .pattern = kPrefixed};
}

// Whether `b` is a right to change its topic, which the target gets only at
// the topic's producer cutover (ADR 0023).
bool waits_for_cutover(const kafka::acl_binding& b) {
  return b.resource_type == kTopic && b.permission == kAllow &&
         !is_one_of(b.operation, {"READ", "DESCRIBE", "DESCRIBE_CONFIGS"});
}

auto order_key(const acl_item& i) {
  const auto& b = i.source;
  return std::tie(b.permission, b.resource_type, b.resource_name, b.pattern_type, b.principal,
                  b.operation, b.host);
}

}  // namespace

struct principal_mapper::compiled {
  config::principal_rule rule;
  std::unique_ptr<re2::RE2> re;  // source_regex rules
};

principal_mapper::principal_mapper(const std::vector<config::principal_rule>& rules) {
  for (const auto& r : rules) {
    compiled c{r, nullptr};
    if (!r.source_regex.empty()) {
      re2::RE2::Options opts;
      opts.set_log_errors(false);
      c.re = std::make_unique<re2::RE2>(r.source_regex, opts);
      if (!c.re->ok()) continue;  // config refuses such a rule; never matches here
    }
    rules_.push_back(std::move(c));
  }
}

principal_mapper::~principal_mapper() = default;

std::optional<std::string> principal_mapper::map(const std::string& source) const {
  for (const auto& c : rules_) {
    if (!c.re) {
      if (c.rule.source == source) return c.rule.target;
      continue;
    }
    if (source == "User:*") continue;
    std::string out = source;
    if (re2::RE2::FullMatch(source, *c.re) && re2::RE2::Replace(&out, *c.re, c.rule.target)) {
      return out;
    }
  }
  return std::nullopt;
}

const char* to_string(acl_action a) {
  switch (a) {
    case acl_action::create:
      return "create";
    case acl_action::at_cutover:
      return "at cutover";
    case acl_action::nothing:
      return "nothing";
    case acl_action::blocked:
      return "blocked";
  }
  return "unknown";
}

std::string describe(const kafka::acl_binding& b) {
  return printable(b.permission, 32) + " " + printable(b.operation, 32) + " on " +
         printable(b.resource_type, 32) + " " + printable(b.pattern_type, 32) + " " +
         printable(b.resource_name, kNameBytes) + " for " + printable(b.principal, kNameBytes) +
         " from " + printable(b.host, kNameBytes);
}

acl_plan plan_acls(const config::acl_config& acls, const config::topic_config& topics,
                   const acl_facts& facts) {
  const principal_mapper mapper(acls.principals);
  const std::set<kafka::acl_binding> existing(facts.target.begin(), facts.target.end());
  std::set<kafka::acl_binding> planned;
  acl_plan out;
  for (const auto& b : facts.source) {
    acl_item i{.source = b};
    auto block = [&](std::string why) {
      i.what = acl_action::blocked;
      i.blocker = std::move(why);
      out.items.push_back(std::move(i));
    };
    const bool scoped = is_one_of(b.resource_type, {kTopic, kGroup});
    const bool other = is_one_of(b.resource_type, {"CLUSTER", "TRANSACTIONAL_ID"});
    const auto mapped = mapper.map(b.principal);
    if (!scoped && !other) {  // DELEGATION_TOKEN, USER (librdkafka reads them as UNKNOWN)
      if (!mapped) {
        ++out.not_covered;
      } else {
        block("a resource type strait does not copy (" + printable(b.resource_type, 32) +
              "): grant it on the target by hand");
      }
      continue;
    }
    if (b.operation == "UNKNOWN" || b.permission == "UNKNOWN" ||
        !is_one_of(b.pattern_type, {kLiteral, kPrefixed})) {
      block(
          "an operation, permission or pattern librdkafka cannot name: not copied; grant it on "
          "the target by hand");
      continue;
    }
    placement where{.name = b.resource_name, .pattern = b.pattern_type};
    if (scoped) {
      where = place(b, topics, facts);
      if (!where.covered) {
        ++out.not_covered;
        continue;
      }
    } else if (!mapped) {
      ++out.not_covered;  // a CLUSTER or TRANSACTIONAL_ID right of a principal no rule maps
      continue;
    }
    if (!where.blocker.empty()) {
      block(std::move(where.blocker));
      continue;
    }
    if (!mapped) {
      block("no rule of acls.principals maps " + printable(b.principal, kNameBytes) +
            ": add one ({source: \"" + printable(b.principal, kNameBytes) +
            "\", target: ...}); strait never copies a principal under its source name unasked");
      continue;
    }
    if (!config::valid_principal(*mapped)) {
      block("acls.principals maps " + printable(b.principal, kNameBytes) +
            " to something that is not a principal (\"" + printable(*mapped, kNameBytes) +
            "\"): fix the rule");
      continue;
    }
    if (*mapped == acls.target_principal) {
      block(
          "maps to strait's own target principal (acls.target_principal): its rights are the "
          "operator's to grant (docs/security.md), never copied");
      continue;
    }
    if (b.host != kWildcard) {
      block("granted from host " + printable(b.host, kNameBytes) +
            " only: hosts differ between clusters; grant it on the target by hand with the "
            "target's host");
      continue;
    }
    if (b.resource_type == "CLUSTER" &&
        is_one_of(b.operation, {"ALL", "ALTER", "ALTER_CONFIGS", "CLUSTER_ACTION", "CREATE"}) &&
        b.permission == kAllow) {
      block(
          "an administrator's right on the cluster: never copied; grant it on the target by "
          "hand if it is meant");
      continue;
    }
    i.target = kafka::acl_binding{.resource_type = b.resource_type,
                                  .resource_name = where.name,
                                  .pattern_type = where.pattern,
                                  .principal = *mapped,
                                  .host = kWildcard,
                                  .operation = b.operation,
                                  .permission = b.permission};
    if (existing.contains(i.target)) {
      i.what = acl_action::nothing;
      i.reason = "the target has it";
    } else if (!planned.insert(i.target).second) {
      i.what = acl_action::nothing;
      i.reason = "another source binding maps to the same target binding, created once";
    } else if (waits_for_cutover(b)) {
      i.what = acl_action::at_cutover;
      i.reason =
          "lets its principal change the topic: the target gets it at the topic's "
          "producer cutover, so that nobody writes to the target early; strait does "
          "not create it then yet: grant it by hand once the topic is CUT_OVER";
    } else {
      const bool has_bindings =
          !scoped || std::any_of(facts.target.begin(), facts.target.end(), [&](const auto& t) {
            return covers(t, b.resource_type, where.name, where.pattern);
          });
      const bool strait_kept =
          std::any_of(facts.target.begin(), facts.target.end(), [&](const auto& t) {
            return grants_strait(t, acls.target_principal) &&
                   covers(t, b.resource_type, where.name, where.pattern);
          });
      if (scoped && !has_bindings && !strait_kept) {
        const bool topic = b.resource_type == kTopic;
        block(std::string("the target ") + (topic ? "topic" : "group") + " has no binding yet, " +
              "and the first makes it deny-by-default for every principal without one "
              "(allow.everyone.if.no.acl.found), strait's own " +
              printable(acls.target_principal, kNameBytes) + " included: grant it " +
              (topic ? "WRITE" : "READ") + " on " + printable(where.name, kNameBytes) + " (" +
              where.pattern + ") first, as docs/security.md lists");
        continue;
      }
      i.what = acl_action::create;
      i.reason = "the target lacks it";
    }
    out.items.push_back(std::move(i));
  }
  std::stable_sort(out.items.begin(), out.items.end(), [](const acl_item& a, const acl_item& b) {
    // "DENY" > "ALLOW": DENY first.
    const bool a_deny = a.source.permission == "DENY", b_deny = b.source.permission == "DENY";
    if (a_deny != b_deny) return a_deny;
    return order_key(a) < order_key(b);
  });
  return out;
}

}  // namespace strait::plan
