#include "strait/policy/acl_rules.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <memory>
#include <set>
#include <tuple>

#include "strait/base/text.h"

namespace strait::policy {

namespace {

constexpr const char* kTopic = "TOPIC";
constexpr const char* kGroup = "GROUP";
constexpr const char* kLiteral = "LITERAL";
constexpr const char* kPrefixed = "PREFIXED";
constexpr const char* kAllow = "ALLOW";
constexpr const char* kDeny = "DENY";
constexpr const char* kWildcard = "*";
constexpr const char* kAnyUser = "User:*";
constexpr size_t kNameBytes = 256;  // of a name in a reason

bool is_one_of(const std::string& v, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return v == n; });
}

bool is_wildcard(const kafka::acl_binding& b) {
  return b.pattern_type == kLiteral && b.resource_name == kWildcard;
}

// Whether binding `b` applies to every name the resource (type, name,
// pattern) stands for.
bool covers(const kafka::acl_binding& b, const std::string& type, const std::string& name,
            const std::string& pattern) {
  if (b.resource_type != type) return false;
  if (pattern == kLiteral) return reaches(b, name);
  return is_wildcard(b) || (b.pattern_type == kPrefixed && name.starts_with(b.resource_name));
}

// Whether the resources of two bindings share a name.
bool overlap(const kafka::acl_binding& a, const kafka::acl_binding& b) {
  if (a.resource_type != b.resource_type) return false;
  if (is_wildcard(a) || is_wildcard(b)) return true;
  if (a.pattern_type == kLiteral) return reaches(b, a.resource_name);
  if (b.pattern_type == kLiteral) return reaches(a, b.resource_name);
  return a.resource_name.starts_with(b.resource_name) ||
         b.resource_name.starts_with(a.resource_name);
}

// Whether DENY `deny` takes something from ALLOW `allow` on the source: the
// same resource names, principal (or "User:*"), host (or "*") and operation
// (ALL, or one the ALLOW implies: READ, WRITE, DELETE and ALTER imply
// DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS).
bool limits(const kafka::acl_binding& deny, const kafka::acl_binding& allow) {
  const auto& d = deny.operation;
  const auto& a = allow.operation;
  const bool operation = d == a || d == "ALL" || a == "ALL" ||
                         (d == "DESCRIBE" && is_one_of(a, {"READ", "WRITE", "DELETE", "ALTER"})) ||
                         (d == "DESCRIBE_CONFIGS" && a == "ALTER_CONFIGS");
  return deny.permission == kDeny && allow.permission == kAllow && overlap(deny, allow) &&
         (deny.principal == allow.principal || deny.principal == kAnyUser ||
          allow.principal == kAnyUser) &&
         (deny.host == allow.host || deny.host == kWildcard || allow.host == kWildcard) &&
         operation;
}

// Up to three of `names`, and how many more.
std::string some_of(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 3; ++i) {
    out += (i ? ", " : "") + single_line(names[i], kNameBytes);
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

// The source's topics and groups, each with whether the link covers it:
// selected once a plan, not once a binding.
struct source_names {
  std::vector<std::pair<std::string, bool>> topics, groups;
};

placement place(const kafka::acl_binding& b, const config::topic_config& topics,
                const acl_facts& facts, const source_names& known) {
  const bool topic = b.resource_type == kTopic;
  const auto& selected = topic ? facts.topic_selected : facts.group_selected;
  const std::string what = topic ? "topic" : "group";
  if (!selected) return {.covered = false};
  std::vector<std::string> reached, others;
  if (b.pattern_type == kLiteral && !is_wildcard(b)) {
    if (!selected(b.resource_name)) return {.covered = false};
    reached = {b.resource_name};
  } else {
    for (const auto& [n, covered] : topic ? known.topics : known.groups) {
      if (reaches(b, n)) (covered ? reached : others).push_back(n);
    }
  }
  if (reached.empty()) return {.covered = false};
  if (topic && facts.topic_refusal) {
    for (const auto& n : reached) {
      if (auto refusal = facts.topic_refusal(n); !refusal.empty()) {
        return {.blocker = "reaches topic " + single_line(n, kNameBytes) +
                           ", whose target the link may not write: " + refusal};
      }
    }
  }
  if (b.pattern_type == kLiteral && !is_wildcard(b)) {
    return {.name = topic ? topics.target_name(b.resource_name) : b.resource_name,
            .pattern = kLiteral};
  }
  if (is_wildcard(b) && (!topic || topics.prefix.empty())) {
    return {.blocker = "grants every " + what +
                       " of the cluster, and on the target it would "
                       "grant every " +
                       what + (topic ? " (the link has no topics.prefix to confine it to)" : "") +
                       ": not copied; grant the " + what + "s the link covers by hand"};
  }
  auto reaches_others = [&](const std::vector<std::string>& names, const char* where) {
    return "also reaches " + std::to_string(names.size()) + " " + what +
           (names.size() == 1 ? "" : "s") + " the link does not cover" + where + " (" +
           some_of(names) + "): not copied; grant the covered ones by hand, or cover all";
  };
  // A wildcard reaches every source topic, also the ones the link does not
  // select: on the target it becomes the prefix, which holds only the
  // link's topics (checked below), so those do not count.
  if (!others.empty() && !is_wildcard(b)) return {.blocker = reaches_others(others, "")};
  const std::string name =
      !topic ? b.resource_name : topics.prefix + (is_wildcard(b) ? "" : b.resource_name);
  // On the target, the copy must reach only the copies of what it reaches
  // on the source (a topic or group that exists only there, or another
  // link's, is not one).
  const std::set<std::string> mirrored(reached.begin(), reached.end());
  std::vector<std::string> foreign;
  for (const auto& n : topic ? facts.target_topics : facts.target_groups) {
    if (!n.starts_with(name)) continue;
    const auto source = topic ? topics.source_name(n) : std::optional<std::string>(n);
    if (!source || !mirrored.contains(*source)) foreign.push_back(n);
  }
  if (!foreign.empty()) return {.blocker = reaches_others(foreign, " on the target")};
  return {.name = name, .pattern = kPrefixed};
}

auto order_key(const acl_item& i) {
  const auto& b = i.source;
  return std::tie(b.permission, b.resource_type, b.resource_name, b.pattern_type, b.principal,
                  b.operation, b.host);
}

// One source binding's item, before the rules that look at the others (a
// DENY that is not copied, two bindings of one target binding); nullopt
// when the link does not cover it.
std::optional<acl_item> plan_one(const kafka::acl_binding& b, const config::acl_config& acls,
                                 const config::topic_config& topics, const acl_facts& facts,
                                 const source_names& known, const principal_mapper& mapper,
                                 const std::set<kafka::acl_binding>& existing) {
  acl_item i{.source = b};
  auto blocked = [&](std::string why) {
    i.what = acl_action::blocked;
    i.blocker = std::move(why);
    return i;
  };
  const bool scoped = is_one_of(b.resource_type, {kTopic, kGroup});
  const auto mapped = mapper.map(b.principal);
  if (!scoped && !mapped) return std::nullopt;  // not the link's resource, nor its principal
  if (!is_one_of(b.resource_type, {kTopic, kGroup, "CLUSTER", "TRANSACTIONAL_ID"})) {
    // DELEGATION_TOKEN, USER (librdkafka reads them as UNKNOWN).
    return blocked("a resource type strait does not copy (" + single_line(b.resource_type, 32) +
                   "): grant it on the target by hand");
  }
  if (b.operation == "UNKNOWN" || b.permission == "UNKNOWN" ||
      !is_one_of(b.pattern_type, {kLiteral, kPrefixed})) {
    return blocked(
        "an operation, permission or pattern librdkafka cannot name: not copied; grant it on the "
        "target by hand");
  }
  placement where{.name = b.resource_name, .pattern = b.pattern_type};
  if (scoped) {
    where = place(b, topics, facts, known);
    if (!where.covered) return std::nullopt;
    if (!where.blocker.empty()) return blocked(std::move(where.blocker));
  }
  if (!mapped) {
    return blocked("no rule of acls.principals maps " + single_line(b.principal, kNameBytes) +
                   ": add one ({source: \"" + single_line(b.principal, kNameBytes) +
                   "\", target: ...}); strait never copies a principal under its source name "
                   "unasked");
  }
  if (!config::valid_principal(*mapped)) {
    return blocked("acls.principals maps " + single_line(b.principal, kNameBytes) +
                   " to something that is not a principal (\"" + single_line(*mapped, kNameBytes) +
                   "\"): fix the rule");
  }
  if (*mapped == acls.target_principal) {
    return blocked(
        "maps to strait's own target principal (acls.target_principal): its rights are the "
        "operator's to grant (docs/security.md), never copied");
  }
  if (*mapped == kAnyUser && b.permission == kDeny) {
    return blocked(
        "a DENY for User:* on the target would deny strait's own principal too (a DENY has no "
        "exceptions): not copied; deny the principals it means by hand");
  }
  if (b.host != kWildcard) {
    return blocked("granted from host " + single_line(b.host, kNameBytes) +
                   " only: hosts differ between clusters; grant it on the target by hand with "
                   "the target's host");
  }
  if (b.resource_type == "CLUSTER" && b.permission == kAllow &&
      is_one_of(b.operation, {"ALL", "ALTER", "ALTER_CONFIGS", "CLUSTER_ACTION", "CREATE"})) {
    return blocked(
        "an administrator's right on the cluster: never copied; grant it on the target by hand "
        "if it is meant");
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
    return i;
  }
  const bool guarded = scoped || b.resource_type == "CLUSTER";
  const bool has_bindings =
      !guarded || std::any_of(facts.target.begin(), facts.target.end(), [&](const auto& t) {
        return covers(t, b.resource_type, where.name, where.pattern);
      });
  if (!has_bindings) {
    const std::string what = b.resource_type == kTopic   ? "topic"
                             : b.resource_type == kGroup ? "group"
                                                         : "cluster";
    const std::string needs = b.resource_type == kTopic   ? "its rights on the topic"
                              : b.resource_type == kGroup ? "READ on the group"
                                                          : "DESCRIBE and IDEMPOTENT_WRITE";
    return blocked("the target " + what + " " + single_line(where.name, kNameBytes) + " (" +
                   where.pattern +
                   ") has no binding yet, and the first makes it deny-by-default for every "
                   "principal without one (allow.everyone.if.no.acl.found), strait's own " +
                   single_line(acls.target_principal, kNameBytes) + " included: grant it " + needs +
                   " there first, as docs/security.md lists");
  }
  if (waits_for_cutover(b)) {
    i.what = acl_action::at_cutover;
    if (where.pattern == kLiteral) {
      i.reason =
          "lets its principal change the topic: strait creates it at the topic's producer "
          "cutover (as the topic goes CUT_OVER), so that nobody writes to the target early, and "
          "deletes it at a rollback (docs/cutover.md)";
      return i;
    }
    i.reason =
        "lets its principal change every topic it reaches: strait gives each topic it reaches a "
        "LITERAL copy at that topic's producer cutover and deletes it at the topic's rollback "
        "(docs/cutover.md); the PREFIXED binding itself (for topics made later under the "
        "prefix) is yours to create once they are all finalized";
    i.literal_on_target = literal_copies_on_target(i.target, existing);
    if (!i.literal_on_target.empty()) {
      i.reason += "; the target has the LITERAL copy on " +
                  std::to_string(i.literal_on_target.size()) + " topic(s) already (" +
                  single_line(*i.literal_on_target.begin(), kNameBytes) +
                  (i.literal_on_target.size() > 1 ? ", ..." : "") +
                  "): yours, so their producers may write there before the cutover, and a "
                  "rollback keeps it";
    }
    return i;
  }
  i.what = acl_action::create;
  i.reason = "the target lacks it";
  return i;
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
    if (source == kAnyUser) continue;
    // The whole principal, and the rewrite from that match (Replace would
    // rewrite the leftmost match, which need not be the whole).
    constexpr int kGroups = 10;  // \0..\9
    std::array<re2::StringPiece, kGroups> groups;
    const int n = std::min(kGroups, c.re->NumberOfCapturingGroups() + 1);
    std::string out;
    if (c.re->Match(source, 0, source.size(), re2::RE2::ANCHOR_BOTH, groups.data(), n) &&
        c.re->Rewrite(&out, c.rule.target, groups.data(), n) && !out.ends_with(":*")) {
      return out;  // never a wildcard: only a rule that names one maps to it
    }
  }
  return std::nullopt;
}

bool reaches(const kafka::acl_binding& b, const std::string& name) {
  if (is_wildcard(b)) return true;
  if (b.pattern_type == kLiteral) return b.resource_name == name;
  return b.pattern_type == kPrefixed && name.starts_with(b.resource_name);
}

bool waits_for_cutover(const kafka::acl_binding& b) {
  return b.resource_type == kTopic && b.permission == kAllow &&
         !is_one_of(b.operation, {"READ", "DESCRIBE", "DESCRIBE_CONFIGS"});
}

bool made_at_cutover(const kafka::acl_binding& b, const std::string& target_topic,
                     const config::acl_config& acls) {
  return waits_for_cutover(b) && b.pattern_type == kLiteral && b.resource_name == target_topic &&
         b.host == kWildcard && b.principal != acls.target_principal;
}

bool made_by_fence(const kafka::acl_binding& b, const std::string& source_topic,
                   const config::fence_config& fence) {
  // As plan_fence makes them.
  return b.resource_type == kTopic && b.pattern_type == kLiteral &&
         b.resource_name == source_topic && b.host == kWildcard && b.operation == "WRITE" &&
         b.permission == kDeny && b.principal != fence.source_principal;
}

std::set<std::string> literal_copies_on_target(const kafka::acl_binding& prefixed,
                                               const std::set<kafka::acl_binding>& target) {
  std::set<std::string> out;
  // Bindings sort by resource type, then name: the names under the prefix
  // are one run.
  for (auto t = target.lower_bound(
           {.resource_type = prefixed.resource_type, .resource_name = prefixed.resource_name});
       t != target.end() && t->resource_type == prefixed.resource_type &&
       t->resource_name.starts_with(prefixed.resource_name);
       ++t) {
    if (t->pattern_type == kLiteral && t->principal == prefixed.principal &&
        t->host == prefixed.host && t->operation == prefixed.operation &&
        t->permission == prefixed.permission) {
      out.insert(t->resource_name);
    }
  }
  return out;
}

cutover_grants grants_at_cutover(const std::vector<acl_item>& items,
                                 const std::string& source_topic, const std::string& target_topic) {
  std::set<kafka::acl_binding> denies, grants;  // two source bindings may map to one
  cutover_grants out;
  for (const auto& i : items) {
    const bool on_topic = i.target.resource_type == kTopic && reaches(i.target, target_topic);
    if (i.what == acl_action::create && i.target.permission == kDeny && on_topic) {
      denies.insert(i.target);
    } else if (i.what == acl_action::at_cutover && on_topic) {
      if (i.target.pattern_type == kLiteral) {
        grants.insert(i.target);
      } else if (!i.literal_on_target.contains(target_topic)) {
        auto copy = i.target;
        copy.resource_name = target_topic;
        copy.pattern_type = kLiteral;
        grants.insert(std::move(copy));
      }
    } else if (i.what == acl_action::blocked && waits_for_cutover(i.source) &&
               reaches(i.source, source_topic)) {
      out.left.push_back(describe(i.source));
    }
  }
  out.denies.assign(denies.begin(), denies.end());
  out.grants.assign(grants.begin(), grants.end());
  return out;
}

fence_plan plan_fence(const config::fence_config& fence, const std::string& topic,
                      const std::vector<kafka::acl_binding>& source) {
  fence_plan out;
  // One pass over the bindings (a plan runs this for every topic): the
  // principals the source already denies WRITE exactly as a fence would.
  std::set<std::string> writers, denied;
  bool reached = false;
  for (const auto& b : source) {
    if (b.resource_type != kTopic || !reaches(b, topic)) continue;
    reached = true;
    if (b.permission == kDeny && b.operation == "WRITE" && b.pattern_type == kLiteral &&
        b.resource_name == topic && b.host == kWildcard) {
      denied.insert(b.principal);
    }
    if (b.permission != kAllow || !is_one_of(b.operation, {"WRITE", "ALL"}) ||
        b.principal == fence.source_principal) {
      continue;
    }
    if (b.principal.ends_with(":*")) {
      out.refusals.push_back("every principal may write the topic (" + describe(b) +
                             "): a DENY for it would deny strait's reverse mirroring too; "
                             "grant the producers WRITE by name instead");
      continue;
    }
    writers.insert(b.principal);
  }
  if (!reached) {
    out.refusals.push_back(
        "no ACL binding applies to topic " + single_line(topic, kNameBytes) +
        ": under allow.everyone.if.no.acl.found every principal may write it, which naming "
        "writers cannot fence; grant its producers WRITE by name first");
  }
  for (const auto& principal : writers) {
    if (!denied.contains(principal)) {
      out.denies.push_back({kTopic, topic, kLiteral, principal, kWildcard, "WRITE", kDeny});
    }
  }
  return out;
}

std::string describe(const kafka::acl_binding& b) {
  return single_line(b.permission, 32) + " " + single_line(b.operation, 32) + " " +
         single_line(b.resource_type, 32) + ":" + single_line(b.pattern_type, 32) + ":" +
         single_line(b.resource_name, kNameBytes) + " " + single_line(b.principal, kNameBytes) +
         "@" + single_line(b.host, kNameBytes);
}

acl_plan plan_acls(const config::acl_config& acls, const config::topic_config& topics,
                   const acl_facts& facts) {
  const principal_mapper mapper(acls.principals);
  const std::set<kafka::acl_binding> existing(facts.target.begin(), facts.target.end());
  source_names known;
  for (const auto& t : facts.source_topics) {
    known.topics.emplace_back(t, facts.topic_selected && facts.topic_selected(t));
  }
  for (const auto& g : facts.source_groups) {
    known.groups.emplace_back(g, facts.group_selected && facts.group_selected(g));
  }
  acl_plan out;
  // Each DENY that is not copied, with the target principal its own maps
  // to (mapped once here, not once an ALLOW).
  std::vector<std::pair<kafka::acl_binding, std::optional<std::string>>> denies_not_copied;
  for (const auto& b : facts.source) {
    auto i = plan_one(b, acls, topics, facts, known, mapper, existing);
    const bool copied = i && (i->what == acl_action::create || i->what == acl_action::nothing);
    if (b.permission == kDeny && !copied)
      denies_not_copied.emplace_back(b, mapper.map(b.principal));
    if (!i) {
      ++out.not_covered;
    } else {
      out.items.push_back(std::move(*i));
    }
  }
  // An ALLOW goes only with the DENYs that limit it on the source; one
  // target binding is created once.
  std::set<kafka::acl_binding> planned;
  for (auto& i : out.items) {
    if (i.what != acl_action::create && i.what != acl_action::at_cutover) continue;
    // A DENY limits the ALLOW when it names the ALLOW's principal, or one
    // that maps to the same target principal (two source principals merged
    // into one must not take the more generous one's rights alone).
    auto limit =
        std::find_if(denies_not_copied.begin(), denies_not_copied.end(), [&](const auto& deny) {
          auto d = deny.first;
          if (deny.second == i.target.principal) {
            d.principal = i.source.principal;
          }
          return limits(d, i.source);
        });
    if (limit != denies_not_copied.end()) {
      i.what = acl_action::blocked;
      i.blocker = "the source limits it with " + describe(limit->first) +
                  ", which is not copied (its own line says why, if the link covers it): alone "
                  "it would grant more on the target than the source does; grant this by hand "
                  "with that DENY, or make the DENY copyable";
      i.target = {};
      i.reason.clear();
    } else if (!planned.insert(i.target).second) {
      i.what = acl_action::nothing;
      i.reason = "another source binding maps to the same target binding, created once";
    }
  }
  std::stable_sort(out.items.begin(), out.items.end(), [](const acl_item& a, const acl_item& b) {
    const bool a_deny = a.source.permission == kDeny, b_deny = b.source.permission == kDeny;
    if (a_deny != b_deny) return a_deny;
    return order_key(a) < order_key(b);
  });
  return out;
}

}  // namespace strait::policy
