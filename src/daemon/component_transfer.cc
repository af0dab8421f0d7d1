#include "component_transfer.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <limits>

#include "link_records.h"
#include "strait/base/digest.h"
#include "strait/base/text.h"
#include "strait/policy/acl_rules.h"
#include "strait/workflow/move_records.h"

namespace strait::daemon {

namespace {

using migration::object_kind;

std::string named(const std::string& name) { return printable(name, 256); }

// What an export starts with, and its format (component_records::encode).
constexpr std::string_view kExportMagic = "strait component export";
constexpr int64_t kExportFormat = 1;

// An ACL binding's fields in the order an export carries them.
std::array<const std::string*, 7> binding_fields(const kafka::acl_binding& b) {
  return {&b.resource_type, &b.resource_name, &b.pattern_type, &b.principal,
          &b.host,          &b.operation,     &b.permission};
}
std::array<std::string*, 7> binding_fields(kafka::acl_binding& b) {
  return {&b.resource_type, &b.resource_name, &b.pattern_type, &b.principal,
          &b.host,          &b.operation,     &b.permission};
}

// The (link, topic) pairs of the store's own records: the link's topics and
// the reverse link's target names.
std::vector<store::link_topic> own_topics(const config::link_config& link,
                                          const component_names& names) {
  std::vector<store::link_topic> out;
  const std::string reverse = config::reverse_link_name(link.name);
  for (const auto& t : names.topics) out.push_back({link.name, t});
  for (const auto& t : names.topics) out.push_back({reverse, link.topics.target_name(t)});
  return out;
}

bool named_here(const component_names& names, object_kind kind, const std::string& name) {
  return kind == object_kind::topic ? names.topics.contains(name) : names.groups.contains(name);
}

// Why an imported migration record is refused (an unknown state, a cutover
// whose reverse mirroring is live, an operation stored on it: an export
// never gives one, check_movable), or "".
std::string not_importable(const workflow::migration_record& m) {
  const std::string what =
      std::string(m.kind == object_kind::topic ? "topic " : "group ") + named(m.name);
  if (!m.operation.empty()) {
    return what +
           " has an operation stored (a cutover or rollback under way or stuck): "
           "finish or abort it first";
  }
  if (m.kind == object_kind::topic) {
    if (m.state >= std::size(migration::kAllTopicStates)) return what + " has an unknown state";
    const auto s = static_cast<migration::topic_state>(m.state);
    if (migration::in_cutover(s)) {
      return what + " is " + migration::to_string(s) +
             " (mirrored back live): roll it back and resume mirroring, or finalize it, first";
    }
  } else {
    if (m.state >= std::size(migration::kAllGroupStates)) return what + " has an unknown state";
    const auto s = static_cast<migration::group_state>(m.state);
    if (migration::in_cutover(s)) {
      return what + " is " + migration::to_string(s) + ": finish its cutover or rollback first";
    }
  }
  return "";
}

// The group offsets of `names`' groups stored for `link`.
result<std::vector<groupsync::group_offset_record>> group_offsets_of(
    const store::checkpoint_store& store, const std::string& link, const component_names& names) {
  auto all = groupsync::load_group_offsets(store, link);
  if (!all) return std::unexpected(all.error());
  std::vector<groupsync::group_offset_record> out;
  for (auto& g : *all) {
    if (names.groups.contains(g.group)) out.push_back(std::move(g));
  }
  return out;
}

// Every other module's record of the component in `store` (all but own).
result<component_records> module_records(const store::checkpoint_store& store,
                                         const config::link_config& link,
                                         const component_names& names) {
  component_records r;
  r.link = link.name;
  r.names = names;
  for (const std::string& l : {link.name, config::reverse_link_name(link.name)}) {
    auto g = group_offsets_of(store, l, names);
    if (!g) return std::unexpected(g.error());
    std::move(g->begin(), g->end(), std::back_inserter(r.group_offsets));
  }
  auto migrations = workflow::load_migrations(store, link.name);
  if (!migrations) return std::unexpected(migrations.error());
  for (auto& m : *migrations) {
    if (named_here(names, m.kind, m.name)) r.migrations.push_back(std::move(m));
  }
  auto grants = workflow::load_link_grants(store, link.name);
  if (!grants) return std::unexpected(grants.error());
  for (auto& g : *grants) {
    if (names.topics.contains(g.topic)) r.grants.push_back(std::move(g));
  }
  auto staged = load_staged(store, link.name);
  if (!staged) return std::unexpected(staged.error());
  for (auto& s : *staged) {
    if (named_here(names, s.first, s.second)) r.staged.push_back(std::move(s));
  }
  return r;
}

}  // namespace

std::string component_records::encode() const {
  using store::append_field;
  using store::append_fields;
  using store::append_i64;
  std::string out;
  append_field(out, kExportMagic);
  append_i64(out, kExportFormat);
  append_fields(out, {&link, &definition});
  for (const auto* set : {&names.topics, &names.groups}) {
    append_i64(out, static_cast<int64_t>(set->size()));
    for (const auto& n : *set) append_field(out, n);
  }
  append_field(out, own.encode());
  append_i64(out, static_cast<int64_t>(group_offsets.size()));
  for (const auto& g : group_offsets) {
    append_fields(out, {&g.group, &g.partition.link, &g.partition.topic});
    for (int64_t v : {int64_t{g.partition.partition.value()}, g.offset.source.value(),
                      g.offset.target.value(), g.offset.written_at_ms}) {
      append_i64(out, v);
    }
  }
  append_i64(out, static_cast<int64_t>(migrations.size()));
  for (const auto& m : migrations) {
    append_i64(out, static_cast<int64_t>(m.kind));
    append_field(out, m.name);
    append_i64(out, m.state);
    append_i64(out, m.updated_at_ms);
    append_field(out, m.operation);
  }
  append_i64(out, static_cast<int64_t>(grants.size()));
  for (const auto& g : grants) {
    append_field(out, g.topic);
    append_i64(out, static_cast<int64_t>(g.kind));
    append_field(out, g.grant.cluster);
    for (const std::string* f : binding_fields(g.grant.binding)) append_field(out, *f);
  }
  append_i64(out, static_cast<int64_t>(staged.size()));
  for (const auto& [kind, name] : staged) {
    append_i64(out, static_cast<int64_t>(kind));
    append_field(out, name);
  }
  return out;
}

std::string component_records::digest_of(std::string_view encoded) { return hex(sha256(encoded)); }

std::string component_records::digest() const { return digest_of(encode()); }

size_t component_records::record_count() const {
  size_t n = group_offsets.size() + migrations.size() + grants.size() + staged.size();
  for (const auto& t : own.topics) {
    n += t.partitions.size() + (t.created ? 1 : 0) + (t.id ? 1 : 0);
  }
  return n;
}

result<component_records> decode_component(std::string_view bytes) {
  store::field_reader in(bytes, 0);
  auto bad = [](const std::string& field) {
    return fail(errc::invalid_argument, "component export: " + field +
                                            " is cut short or damaged: not an export of "
                                            "straitd, or not all of one");
  };
  // An object kind's byte.
  auto kind_of = [&](std::optional<object_kind>& out) {
    int64_t v = 0;
    if (!in.i64(v) || v < 0 || v > 0xff) return false;
    out = migration::object_kind_from(static_cast<uint8_t>(v));
    return out.has_value();
  };
  std::string magic;
  int64_t format = 0;
  if (!in.field(magic) || magic != kExportMagic || !in.i64(format)) return bad("the header");
  if (format != kExportFormat) {
    return fail(errc::invalid_argument, "component export: format " + std::to_string(format) +
                                            ", this straitd reads " +
                                            std::to_string(kExportFormat) +
                                            ": export and import with straitd of the same version");
  }
  component_records r;
  if (!in.name(r.link) || !in.name(r.definition)) return bad("the link");
  // The names within what an assignment holds (config::shard_assignment).
  using bounds = config::shard_assignment;
  for (const auto& [set, longest] : {std::pair{&r.names.topics, bounds::kMaxTopicBytes},
                                     std::pair{&r.names.groups, bounds::kMaxGroupBytes}}) {
    size_t n = 0;
    if (!in.count(n) || n > bounds::kMaxNames) return bad("the names");
    for (size_t i = 0; i < n; ++i) {
      std::string one;
      if (!in.name(one) || one.empty() || one.size() > longest) return bad("the names");
      set->insert(std::move(one));
    }
  }
  if (r.names.topics.size() + r.names.groups.size() > bounds::kMaxNames) return bad("the names");
  std::string own_bytes;
  if (!in.field(own_bytes)) return bad("the store's records");
  auto own = store::decode_own_records(own_bytes);
  if (!own) return fail(errc::invalid_argument, "component export: " + own.error().message);
  r.own = std::move(*own);
  size_t n = 0;
  if (!in.count(n)) return bad("the group offsets");
  for (size_t i = 0; i < n; ++i) {
    groupsync::group_offset_record g;
    int64_t partition = 0, source = 0, target = 0;
    if (!in.name(g.group) || !in.name(g.partition.link) || !in.name(g.partition.topic) ||
        !in.i64(partition) || !in.i64(source) || !in.i64(target) ||
        !in.i64(g.offset.written_at_ms) || partition < 0 ||
        partition > std::numeric_limits<int32_t>::max()) {
      return bad("group offset " + std::to_string(i));
    }
    g.partition.partition = partition_id(static_cast<int32_t>(partition));
    g.offset.source = source_offset(source);
    g.offset.target = target_offset(target);
    r.group_offsets.push_back(std::move(g));
  }
  if (!in.count(n)) return bad("the migration states");
  for (size_t i = 0; i < n; ++i) {
    workflow::migration_record m;
    std::optional<object_kind> kind;
    int64_t state = 0;
    if (!kind_of(kind) || !in.name(m.name) || !in.i64(state) || !in.i64(m.updated_at_ms) ||
        !in.field(m.operation) || state < 0 || state > 0xff) {
      return bad("migration state " + std::to_string(i));
    }
    m.kind = *kind;
    m.state = static_cast<uint8_t>(state);
    r.migrations.push_back(std::move(m));
  }
  if (!in.count(n)) return bad("the grants");
  for (size_t i = 0; i < n; ++i) {
    workflow::recorded_grant g;
    int64_t kind = 0;
    if (!in.name(g.topic) || !in.i64(kind) || !in.name(g.grant.cluster) ||
        (kind != static_cast<int64_t>(workflow::acl_change::target_grant) &&
         kind != static_cast<int64_t>(workflow::acl_change::source_fence))) {
      return bad("grant " + std::to_string(i));
    }
    g.kind = static_cast<workflow::acl_change>(kind);
    for (std::string* f : binding_fields(g.grant.binding)) {
      if (!in.name(*f)) return bad("grant " + std::to_string(i));
    }
    r.grants.push_back(std::move(g));
  }
  if (!in.count(n)) return bad("the staged names");
  for (size_t i = 0; i < n; ++i) {
    std::optional<object_kind> kind;
    std::string one;
    if (!kind_of(kind) || !in.name(one)) return bad("staged name " + std::to_string(i));
    r.staged.emplace_back(*kind, std::move(one));
  }
  if (!in.at_end()) return bad("the end (bytes past the records)");
  return r;
}

status check_movable(const store::checkpoint_store& store, const config::link_config& link,
                     const component_names& names) {
  return no_cutover_in_progress(
      store, link.name,
      [&](object_kind k, const std::string& name) { return named_here(names, k, name); },
      "finish its cutover and roll it back, or finalize it, before moving it");
}

result<component_records> export_component(const store::checkpoint_store& store,
                                           const config::link_config& link,
                                           const component_names& names) {
  if (auto movable = check_movable(store, link, names); !movable) {
    return fail(movable.error().code, movable.error().message + "; nothing was exported");
  }
  auto r = module_records(store, link, names);
  if (!r) return std::unexpected(r.error());
  auto ids = store.link_cluster_ids(link.name);
  if (!ids) return std::unexpected(ids.error());
  r->definition = workflow::definition_digest(link, *ids ? **ids : store::cluster_ids{});
  auto own = store.export_topics(own_topics(link, names));
  if (!own) return std::unexpected(own.error());
  r->own = std::move(*own);
  // The link's cluster ids travel even with no topic record (a component of
  // groups only): a receiver that has not met the clusters yet checks the
  // definition digest, and stores the ids, from them.
  if (*ids &&
      std::ranges::none_of(r->own.clusters, [&](const auto& c) { return c.first == link.name; })) {
    r->own.clusters.emplace_back(link.name, **ids);
  }
  return r;
}

status check_importable(const store::checkpoint_store& store, const config::link_config& link,
                        const component_records& records) {
  auto refused = [&](errc code, const std::string& why) -> status {
    return fail(code, "link " + named(link.name) + ": refused, nothing imported: " + why);
  };
  if (records.link != link.name) {
    return refused(errc::invalid_argument,
                   "the records are of link " + named(records.link) + ", not of this one");
  }
  const component_names& names = records.names;
  // The definition as this straitd sees it: with its own cluster ids, or
  // the export's where it has none yet (import_topics checks those equal).
  auto ids = store.link_cluster_ids(link.name);
  if (!ids) return std::unexpected(ids.error());
  store::cluster_ids clusters = *ids ? **ids : store::cluster_ids{};
  if (!*ids) {
    for (const auto& [l, c] : records.own.clusters) {
      if (l == link.name) clusters = c;
    }
  }
  if (const std::string here = workflow::definition_digest(link, clusters);
      records.definition != here) {
    return refused(errc::precondition,
                   "the link selects topics and groups, or connects clusters, otherwise here than "
                   "on the straitd that exported them (definition digest " +
                       printable(records.definition, 64) + " there, " + here +
                       " here): give every straitd of the set the same link");
  }
  // Every record names the component's names, of this link or its reverse.
  const auto own = own_topics(link, names);
  const std::set<store::link_topic> allowed_own(own.begin(), own.end());
  for (const auto& t : records.own.topics) {
    if (!allowed_own.contains(store::link_topic{t.link, t.topic})) {
      return refused(errc::invalid_argument, "they hold topic " + named(t.link) + "/" +
                                                 named(t.topic) + ", outside the component");
    }
  }
  const std::string reverse = config::reverse_link_name(link.name);
  for (const auto& [l, their_ids] : records.own.clusters) {
    if (l != link.name && l != reverse) {
      return refused(errc::invalid_argument, "they hold the cluster ids of link " + named(l));
    }
    // The reverse link mirrors between the same two clusters the other way:
    // ids of any other pair would stop its mirroring at the next cutover.
    if (l == reverse && their_ids != store::cluster_ids{clusters.target, clusters.source}) {
      return refused(errc::invalid_argument,
                     "they hold cluster ids of link " + named(reverse) +
                         " that are not the link's own the other way round");
    }
  }
  for (const auto& g : records.group_offsets) {
    // A group's offsets on every topic it read are its state (a topic no
    // longer selected included); of this link and its reverse only.
    if (!names.groups.contains(g.group) ||
        (g.partition.link != link.name && g.partition.link != reverse)) {
      return refused(errc::invalid_argument, "they hold offsets of group " + named(g.group) +
                                                 " on " + named(g.partition.link) + "/" +
                                                 named(g.partition.topic) +
                                                 ", outside the component");
    }
    if (g.partition.partition.value() < 0 || g.offset.source.value() < 0 ||
        g.offset.target.value() < 0) {
      return refused(errc::invalid_argument,
                     "they hold a negative offset or partition of group " + named(g.group));
    }
  }
  for (const auto& m : records.migrations) {
    if (!named_here(names, m.kind, m.name)) {
      return refused(errc::invalid_argument,
                     "they hold the state of " + named(m.name) + ", outside the component");
    }
    if (auto why = not_importable(m); !why.empty()) return refused(errc::invalid_argument, why);
  }
  for (const auto& g : records.grants) {
    // A rollback deletes exactly the binding a record names, with strait's
    // admin credential: only what a cutover makes is taken, on the link's
    // cluster of its side (unchecked only where no store knows the ids: a
    // link that never reached its clusters made no binding).
    const bool grant = g.kind == workflow::acl_change::target_grant;
    const kafka::acl_binding& b = g.grant.binding;
    const std::string resource = grant ? link.topics.target_name(g.topic) : g.topic;
    if (!names.topics.contains(g.topic) || b.resource_name != resource) {
      return refused(errc::invalid_argument, "they hold a grant of topic " + named(g.topic) +
                                                 " on " + named(b.resource_name) +
                                                 ", outside the component");
    }
    const std::string& cluster = grant ? clusters.target : clusters.source;
    if (!(grant ? policy::made_at_cutover(b, resource, link.acls)
                : policy::made_by_fence(b, resource, link.fence)) ||
        (!cluster.empty() && g.grant.cluster != cluster)) {
      return refused(errc::invalid_argument,
                     std::string("they hold a ") + (grant ? "grant" : "fence") + " of topic " +
                         named(g.topic) + " that no cutover makes (" + printable(b.permission, 32) +
                         " " + printable(b.operation, 32) + " " + printable(b.resource_type, 32) +
                         ":" + printable(b.pattern_type, 32) + " on cluster " +
                         printable(g.grant.cluster, 64) + ")");
    }
  }
  for (const auto& [kind, name] : records.staged) {
    if (!named_here(names, kind, name)) {
      return refused(errc::invalid_argument,
                     "they stage " + named(name) + ", outside the component");
    }
  }
  return {};
}

status import_component(const store::checkpoint_store& store, const config::link_config& link,
                        const component_records& records,
                        store::checkpoint_store::write_batch& batch) {
  if (auto s = check_importable(store, link, records); !s) return s;
  auto refused = [&](errc code, const std::string& why) -> status {
    return fail(code, "link " + named(link.name) + ": refused, nothing imported: " + why);
  };
  const component_names& names = records.names;
  // Nothing of the names here yet (the store's own records: import_topics)
  // but staged names: staging adds a name to the selection, on every shard
  // when staged over the set (docs/sharding.md), and the import's own
  // staged records add nothing to those.
  auto held = module_records(store, link, names);
  if (!held) return std::unexpected(held.error());
  auto first_held = [&]() -> std::string {
    if (!held->group_offsets.empty())
      return "offsets of group " + named(held->group_offsets[0].group);
    if (!held->migrations.empty()) return "the state of " + named(held->migrations[0].name);
    if (!held->grants.empty()) return "a grant of topic " + named(held->grants[0].topic);
    return "";
  };
  if (auto what = first_held(); !what.empty()) {
    return refused(errc::precondition, "this straitd holds " + what +
                                           " already: forget the component here first, or "
                                           "import it into another straitd");
  }
  // One batch: the caller commits the whole component at once (import_topics
  // adds nothing when it refuses, and it is the last check).
  if (auto s = store.import_topics(records.own, batch); !s) {
    return fail(s.error().code, "link " + named(link.name) + ": " + s.error().message);
  }
  for (const auto& g : records.group_offsets) {
    groupsync::put_group_offset(batch, g.group, g.partition, g.offset);
  }
  for (const auto& m : records.migrations) workflow::put_migration(batch, link.name, m);
  for (const auto& g : records.grants) {
    workflow::put_grant(batch, link.name, g.topic, g.kind, g.grant);
  }
  for (const auto& [kind, name] : records.staged) put_staged(batch, link.name, kind, name);
  return {};
}

result<size_t> forget_component(const store::checkpoint_store& store,
                                const config::link_config& link, const component_names& names,
                                const std::string& exported_digest,
                                store::checkpoint_store::write_batch& batch) {
  auto r = export_component(store, link, names);
  if (!r) return std::unexpected(r.error());
  if (r->digest() != exported_digest) {
    return fail(errc::precondition,
                "link " + named(link.name) +
                    ": nothing forgotten: the records changed since they were exported (digest " +
                    r->digest() + ", exported " + printable(exported_digest, 64) +
                    "): export again, and import that into the new owner");
  }
  auto own = store.forget_topics(own_topics(link, names), batch);
  if (!own) return std::unexpected(own.error());
  for (const auto& g : r->group_offsets) groupsync::erase_group_offset(batch, g.group, g.partition);
  for (const auto& m : r->migrations) workflow::erase_migration(batch, link.name, m.kind, m.name);
  for (const auto& g : r->grants) {
    workflow::erase_grant(batch, link.name, g.topic, g.kind, g.grant);
  }
  for (const auto& [kind, name] : r->staged) erase_staged(batch, link.name, kind, name);
  return *own + r->group_offsets.size() + r->migrations.size() + r->grants.size() +
         r->staged.size();
}

}  // namespace strait::daemon
