#include "strait/registry/schema_plan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "strait/base/text.h"
#include "strait/registry/apicurio_import.h"
#include "strait/registry/confluent_api.h"

namespace strait::registry {

const char* to_string(schema_action a) {
  switch (a) {
    case schema_action::copy:
      return "copy";
    case schema_action::fits:
      return "fits";
    case schema_action::blocked:
      return "blocked";
  }
  return "blocked";
}

namespace {

std::string name_of(const std::string& subject, int32_t version) {
  return "'" + printable(subject, 200) + "' version " + std::to_string(version);
}

std::string name_of(const schema_version& v) { return name_of(v.subject, v.version); }

// Measured on Apicurio 3.3.3: its import adds a version to an artifact it
// has without moving the artifact's `latest` branch (a system branch,
// which no API call may change either).
constexpr const char* kStaleLatest =
    "the target's subject exists: Apicurio's import adds this version with its id, but its "
    "latest version stays the one it has (a serializer that asks for the latest version gets "
    "that one; records carrying this id are read right)";

}  // namespace

schema_plan plan_schemas(const registry_contents& source, const registry_contents& target,
                         target_kind kind) {
  schema_plan plan;
  // The target: each id's schema (and a version serving it), each
  // subject's versions, each schema's first version by its identity.
  std::map<int32_t, const schema_version*> target_ids;
  std::map<std::string, std::map<int32_t, const schema_version*>> target_subjects;
  std::map<std::string, const schema_version*> target_schemas;
  for (const auto& v : target.versions) {
    target_ids.emplace(v.id, &v);
    target_subjects[v.subject][v.version] = &v;
    target_schemas.emplace(schema_identity(v.body), &v);
  }
  const size_t n = source.versions.size();
  std::map<std::pair<std::string, int32_t>, size_t> index;
  std::map<std::string, std::set<int32_t>> source_subjects;
  for (size_t i = 0; i < n; ++i) {
    const auto& v = source.versions[i];
    index.emplace(std::pair{v.subject, v.version}, i);
    source_subjects[v.subject].insert(v.version);
  }
  // A version soft-deleted on the source is still its history where the
  // target has it as it was (copied while it was live: the same id and
  // schema): no version the source lacks. Another one there is.
  for (const auto& v : source.soft_deleted) {
    auto subject = target_subjects.find(v.subject);
    if (subject == target_subjects.end()) continue;
    auto same = subject->second.find(v.version);
    if (same != subject->second.end() && kept_as_history(v, *same->second)) {
      source_subjects[v.subject].insert(v.version);
    }
  }
  // The order they can be written in: each after what it references
  // (depth first, without recursion: a chain of references may be long).
  std::vector<int> state(n, 0);  // 0 new, 1 on the path, 2 placed
  std::vector<bool> in_cycle(n, false);
  for (size_t root = 0; root < n; ++root) {
    if (state[root] != 0) continue;
    std::vector<std::pair<size_t, size_t>> path = {{root, 0}};  // (version, next reference)
    state[root] = 1;
    while (!path.empty()) {
      auto& [i, next] = path.back();
      const auto& refs = source.versions[i].body.references;
      if (next < refs.size()) {
        const auto& r = refs[next++];
        auto j = index.find({r.subject, r.version});
        if (j == index.end()) continue;
        if (state[j->second] == 1) {
          in_cycle[i] = true;
        } else if (state[j->second] == 0) {
          state[j->second] = 1;
          path.emplace_back(j->second, 0);
        }
        continue;
      }
      state[i] = 2;
      plan.order.push_back(i);
      path.pop_back();
    }
  }

  plan.versions.resize(n);
  for (const size_t i : plan.order) {
    const schema_version& v = source.versions[i];
    schema_item item{v.subject, v.version, v.id, v.body.type, schema_action::copy, ""};
    const auto block = [&](std::string why) {
      if (item.action == schema_action::blocked) return;
      item.action = schema_action::blocked;
      item.reason = std::move(why);
    };
    for (const auto& r : v.body.references) {
      const auto ref = index.find({r.subject, r.version});
      if (ref == index.end()) {
        block("references " + name_of(r.subject, r.version) +
              ", which is not among the versions the link selects: select its subject too");
      } else if (in_cycle[i]) {
        block("its references lead back to it (a cycle): no order can write them");
      } else if (plan.versions[ref->second].action == schema_action::blocked) {
        block("references " + name_of(r.subject, r.version) + ", which is blocked");
      }
    }
    const auto on_target = target_subjects.find(v.subject);
    const schema_version* same_version = nullptr;
    if (on_target != target_subjects.end()) {
      if (auto it = on_target->second.find(v.version); it != on_target->second.end()) {
        same_version = it->second;
      }
      for (const auto& [number, tv] : on_target->second) {
        if (!source_subjects[v.subject].contains(number)) {
          block("the target's subject has " + name_of(*tv) +
                ", which the source lacks: strait does not merge histories; copy into a "
                "subject the target does not have, or delete that version there");
          break;
        }
      }
    }
    const auto bound = target_ids.find(v.id);
    if (bound != target_ids.end() && !same_schema(bound->second->body, v.body)) {
      block("the target binds id " + std::to_string(v.id) + " to another schema (" +
            name_of(*bound->second) +
            "): records carrying this id would be read with that one; the registries' ids "
            "collide, so this schema cannot keep its id there");
    }
    if (auto held = target_schemas.find(schema_identity(v.body));
        held != target_schemas.end() && held->second->id != v.id) {
      block("the target holds this schema as id " + std::to_string(held->second->id) + " (" +
            name_of(*held->second) + "), not as id " + std::to_string(v.id) +
            ": a registry keeps one id a schema; remove it there, or leave this version");
    }
    if (same_version != nullptr && same_version->id != v.id) {
      block("the target has " + name_of(*same_version) + " as id " +
            std::to_string(same_version->id) + ", not " + std::to_string(v.id));
    } else if (same_version != nullptr && !same_schema(same_version->body, v.body)) {
      block("the target has " + name_of(*same_version) + " as id " + std::to_string(v.id) +
            " with another schema than the source's");
    }
    if (item.action != schema_action::blocked && same_version != nullptr) {
      item.action = schema_action::fits;
    }
    if (item.action == schema_action::copy && kind == target_kind::confluent &&
        on_target != target_subjects.end()) {
      block(
          "the target's subject has versions already and Confluent's IMPORT mode needs an "
          "empty subject (strait never forces it, which would delete them); copy the rest "
          "by hand");
    }
    if (item.action == schema_action::copy && kind == target_kind::apicurio &&
        (v.subject.find_first_of("/\\") != std::string::npos || v.subject == "." ||
         v.subject == "..")) {
      block(
          "Apicurio's import names entries by subject, and this name holds a path "
          "separator; copy it by hand");
    }
    if (item.action == schema_action::copy && bound != target_ids.end()) {
      item.reason = "the target serves id " + std::to_string(v.id) +
                    " already (the same schema): only this subject's version is added";
    } else if (item.action == schema_action::copy && kind == target_kind::apicurio &&
               on_target != target_subjects.end()) {
      item.reason = kStaleLatest;
    }
    plan.versions[i] = std::move(item);
  }
  // Soft-deleted versions: a registry still serves their ids, so records may
  // carry them, but strait copies live versions only. Fine where the target
  // serves the id with the same schema (serves(): what read_served_ids read,
  // a live version there or its answer by id), or a live version this plan copies carries it (a
  // schema registered again after its soft delete keeps its id); else blocked, for the operator.
  // Verify checks the same (compare_registries).
  std::map<int32_t, const schema_version*> copied_ids;
  for (size_t i = 0; i < n; ++i) {
    if (plan.versions[i].action == schema_action::copy) {
      copied_ids.emplace(source.versions[i].id, &source.versions[i]);
    }
  }
  for (const schema_version& v : source.soft_deleted) {
    schema_item item{v.subject, v.version, v.id, v.body.type, schema_action::blocked, ""};
    const schema_body* served = v.id > 0 ? serves(target, v.id) : nullptr;
    const auto copied = v.id > 0 ? copied_ids.find(v.id) : copied_ids.end();
    if (v.id == 0) {
      item.reason =
          "soft-deleted on the source, which lists it but does not serve it (a subject deleted "
          "as a whole): strait cannot read its id; copy it by hand if records carry it, or "
          "delete it permanently on the source";
    } else if (served != nullptr && same_schema(*served, v.body)) {
      item.action = schema_action::fits;
      item.reason = "soft-deleted on the source; the target serves its id with the same schema";
    } else if (copied != copied_ids.end() && same_schema(copied->second->body, v.body)) {
      item.action = schema_action::fits;
      item.reason = "soft-deleted on the source; its id comes with " + name_of(*copied->second) +
                    ", which this plan copies";
    } else {
      item.reason = "soft-deleted on the source, which still serves id " + std::to_string(v.id) +
                    " to records that carry it; strait copies live versions only: register it "
                    "on the target with that id by hand, or delete it permanently on the source "
                    "if no record carries it";
    }
    plan.versions.push_back(std::move(item));
  }

  if (!source.global_compatibility.empty() && !target.global_compatibility.empty() &&
      source.global_compatibility != target.global_compatibility) {
    plan.compatibility.push_back(
        {"", source.global_compatibility, target.global_compatibility, schema_action::blocked,
         "the registries' global levels differ; strait changes no global level (it governs "
         "subjects outside this link): set it by hand if the target should follow the source"});
  }
  // A subject's own level, where the target's subject has none of its own
  // (one it has is the operator's: not overwritten), once a version of
  // the subject is on the target or copied.
  std::set<std::string> on_target_after;  // live versions only: a level goes with them
  for (size_t i = 0; i < n; ++i) {
    if (plan.versions[i].action != schema_action::blocked) {
      on_target_after.insert(plan.versions[i].subject);
    }
  }
  for (const auto& [subject, unused] : source.compatibility) {
    const std::string level = own_level(source, subject);
    if (level.empty() || target_follows_level(target, subject, level)) continue;
    const std::string target_level = own_level(target, subject);
    compatibility_item item{subject, level, target_level, schema_action::copy, ""};
    if (!target_level.empty()) {
      item.action = schema_action::blocked;
      item.reason =
          "the target's subject has a level of its own, which strait does not "
          "overwrite: set it by hand";
    } else if (!on_target_after.contains(subject) && source_subjects.contains(subject)) {
      item.action = schema_action::blocked;
      item.reason = "every version of the subject is blocked";
    }
    plan.compatibility.push_back(std::move(item));
  }
  return plan;
}

result<registries_read> read_registries(const registry_clients& clients,
                                        const config::topic_filter& selected, bool whole_target,
                                        std::chrono::steady_clock::time_point deadline,
                                        const std::atomic<bool>* cancel) {
  const auto side = [](const char* which, const error& e) {
    return fail(e.code, std::string(which) + " registry: " + e.message);
  };
  registries_read r;
  auto source = read_contents(*clients.source, &selected, deadline, cancel);
  if (!source) return side("source", source.error());
  r.source = std::move(*source);
  if (auto st = read_soft_deleted(*clients.source, &selected, r.source, deadline, cancel); !st) {
    return side("source", st.error());
  }
  if (clients.source_kind == target_kind::apicurio) {
    if (auto st = read_apicurio_levels(*clients.source_root, r.source, &selected, deadline, cancel);
        !st) {
      return side("source", st.error());
    }
  }
  auto target =
      read_contents(*clients.target, whole_target ? nullptr : &selected, deadline, cancel);
  if (!target) return side("target", target.error());
  r.target = std::move(*target);
  if (clients.kind == target_kind::apicurio) {
    if (auto st = read_apicurio_levels(*clients.target_root, r.target, &selected, deadline, cancel);
        !st) {
      return side("target", st.error());
    }
  }
  if (auto st = read_served_ids(*clients.target, r.source, r.target, deadline, cancel); !st) {
    return side("target", st.error());
  }
  return r;
}

registry_clients connect_registries(const config::schemas_config& cfg,
                                    std::chrono::milliseconds timeout) {
  registry_clients c;
  c.kind = cfg.kind;
  c.source_kind = cfg.source_kind;
  // An Apicurio registry is given by its root: its Confluent API is below.
  auto ccompat = [&](const config::registry_endpoint& root) {
    config::registry_endpoint e = root;
    e.base_path += "/apis/ccompat/v7";
    return std::make_unique<http_client>(e, timeout);
  };
  if (cfg.source_kind == target_kind::apicurio) {
    c.source = ccompat(cfg.source);
    c.source_root = std::make_unique<http_client>(cfg.source, timeout);
  } else {
    c.source = std::make_unique<http_client>(cfg.source, timeout);
  }
  if (cfg.kind == target_kind::apicurio) {
    c.target = ccompat(cfg.target);
    c.target_root = std::make_unique<http_client>(cfg.target, timeout);
  } else {
    c.target = std::make_unique<http_client>(cfg.target, timeout);
  }
  return c;
}

namespace {

// Why a version cannot be written with its id: the target serves the id
// with another schema, which its live versions did not show the plan.
std::string id_bound_elsewhere(int32_t id) {
  return "the target binds id " + std::to_string(id) +
         " to another schema (one no live version shows, e.g. of a deleted subject): this "
         "schema cannot keep its id there";
}

// Reads `v` back from the target: "" when it serves that version with
// that id and schema, else what it serves instead.
std::string read_back(const http_client& target, const schema_version& v) {
  auto got = read_version(target, v.subject, v.version);
  if (!got) return "reading it back failed: " + got.error().message;
  if (!*got) {
    return "the target does not serve " + name_of(v) +
           " after the write (its import skipped it, or it was deleted meanwhile)";
  }
  if ((*got)->id != v.id) {
    return "the target registered " + name_of(v) + " as id " + std::to_string((*got)->id) +
           ", not " + std::to_string(v.id) +
           ": it does not keep the ids it is given (an Apicurio registry's Confluent API? use "
           "kind: apicurio). strait deletes nothing on a registry: delete that version there "
           "(DELETE /subjects/<subject>/versions/" +
           std::to_string(v.version) + ", then again with ?permanent=true) before applying again";
  }
  if (!same_schema((*got)->body, v.body)) {
    return "the target serves " + name_of(v) + " with id " + std::to_string(v.id) +
           " but another schema text, type or references than the source";
  }
  return {};
}

// Registers `v` through an Apicurio target's Confluent API, with the text
// the target serves for its id (`served`; nullopt: the target lacks it),
// so that Apicurio binds it to that id; only where the subject's next
// version is v's number. "" when the read-back shows it so, else why not.
std::string register_served(const http_client& target, const schema_version& v,
                            const std::optional<schema_body>& served) {
  if (!served) {
    return "the target's subject gets versions through its Confluent API here (an earlier "
           "version's schema was on the target already), which cannot keep id " +
           std::to_string(v.id) + ", a schema the target lacks: copy " + name_of(v) + " by hand";
  }
  if (!same_schema(*served, v.body)) return id_bound_elsewhere(v.id);
  auto versions = list_versions(target, v.subject);
  if (!versions) return versions.error().message;
  const int32_t next =
      versions->empty() ? 1 : *std::max_element(versions->begin(), versions->end()) + 1;
  if (next != v.version) {
    return "the target would number it version " + std::to_string(next) + ", not " +
           std::to_string(v.version) + ": copy " + name_of(v) + " by hand";
  }
  schema_version as_served = v;
  as_served.body.schema = served->schema;
  if (auto id = register_schema(target, as_served); !id) return id.error().message;
  return read_back(target, v);
}

// One apply pass over a plan (apply_schemas): the items to copy in the
// plan's order, and what became of each.
class copier {
 public:
  copier(const schema_plan& plan, const registry_contents& source, const registry_clients& clients,
         std::chrono::steady_clock::time_point deadline, schema_apply_result& r)
      : clients_(clients), deadline_(deadline), r_(r) {
    std::map<std::pair<std::string, int32_t>, const schema_version*> bodies;
    for (const auto& v : source.versions) bodies[{v.subject, v.version}] = &v;
    for (const size_t i : plan.order) {
      const schema_item& item = plan.versions[i];
      if (item.action != schema_action::copy) continue;
      auto b = bodies.find({item.subject, item.version});
      if (b == bodies.end() || b->second->id != item.id || b->second->body.type != item.type) {
        // Not a state a caller reaches with the contents its plan was made of.
        r_.versions[i] = {write_outcome::failed,
                          "the source's text of it is not the one it was planned with: plan "
                          "again"};
        stopped_ = true;
        continue;
      }
      to_copy_.push_back({i, b->second});
    }
    if (stopped_) stop_rest();
  }

  [[nodiscard]] bool stopped() const { return stopped_; }
  [[nodiscard]] bool late() const { return std::chrono::steady_clock::now() >= deadline_; }

  void would() {
    for (const auto& c : to_copy_) r_.versions[c.item] = {write_outcome::would, ""};
  }

  // Kind confluent: every subject to copy into IMPORT mode (each is empty,
  // by the plan; one an operator made read-only is not touched), the
  // versions with their ids in order, then each subject's mode as it was
  // (its own READWRITE set again, or none), also after a failure; a
  // subject left in IMPORT mode is named.
  void confluent() {
    if (to_copy_.empty()) return;
    std::vector<std::string> subjects;
    std::map<std::string, size_t> first_of;  // subject -> index into to_copy_
    for (size_t k = 0; k < to_copy_.size(); ++k) {
      if (first_of.emplace(to_copy_[k].body->subject, k).second) {
        subjects.push_back(to_copy_[k].body->subject);
      }
    }
    // A registry frozen as a whole is not written to; a subject "mode of
    // its own" equal to the registry's may be a registry that answers the
    // global one for every subject: taken for none.
    auto global = registry_mode(*clients_.target);
    if (!global) return fail_at(0, global.error().message);
    if (*global != "READWRITE" && *global != "IMPORT") {
      return fail_at(0, "the target registry's mode is " + printable(*global, 40) +
                            ", which strait does not change: nothing written");
    }
    std::vector<std::pair<std::string, std::string>> in_import;  // subject, its own mode
    for (const auto& subject : subjects) {
      if (stopped_) break;
      const size_t k = first_of[subject];
      if (late()) {
        stop_rest();
        break;
      }
      auto own = subject_mode(*clients_.target, subject);
      if (own && *own == *global) own = std::string();
      if (!own) {
        fail_at(k, own.error().message);
      } else if (*own == "IMPORT" || (own->empty() && *global == "IMPORT")) {
        continue;  // the operator's: left as it is
      } else if (!own->empty() && *own != "READWRITE") {
        fail_at(k, "its subject's mode on the target is " + printable(*own, 40) +
                       ", which strait does not change: set it to IMPORT by hand, or copy this "
                       "subject by hand");
      } else if (auto st = set_mode(*clients_.target, subject, "IMPORT"); !st) {
        in_import.emplace_back(subject, *own);  // its answer may be lost: restored all the same
        fail_at(k, st.error().message);
      } else {
        in_import.emplace_back(subject, *own);
      }
    }
    for (size_t k = 0; k < to_copy_.size() && !stopped_; ++k) {
      if (late()) {
        stop_rest();
        break;
      }
      const schema_version& v = *to_copy_[k].body;
      std::string differs = refusal_of_id(v);
      if (differs.empty() && late()) {
        stop_rest();
        break;
      }
      if (differs.empty()) {
        auto id = register_with_id(*clients_.target, v);
        differs = id ? read_back(*clients_.target, v) : id.error().message;
      }
      record(k, differs);
    }
    for (const auto& [subject, own] : in_import) {
      const auto st = own.empty() ? delete_mode(*clients_.target, subject)
                                  : set_mode(*clients_.target, subject, own);
      if (!st) {
        note_at(first_of[subject], "its subject stays in IMPORT mode on the target (" +
                                       st.error().message + "): set its mode by hand");
      }
    }
  }

  // Kind apicurio: the versions of subjects whose every version to copy
  // has an id the target lacks go into one import archive; the subjects
  // with one whose id the target serves already (its import would skip
  // that version silently) go through the Confluent API, in order.
  void apicurio(int64_t now_ms) {
    if (to_copy_.empty()) return;
    if (late()) return stop_rest();
    if (auto version = apicurio_version_checked(*clients_.target_root); !version) {
      return fail_at(0, version.error().message);
    }
    if (auto mode = registry_mode(*clients_.target); !mode) {
      return fail_at(0, mode.error().message);
    } else if (*mode != "READWRITE" && *mode != "IMPORT") {
      return fail_at(0, "the target registry's mode is " + printable(*mode, 40) +
                            ", which strait does not change: nothing written");
    }
    std::map<int32_t, std::optional<schema_body>> served;  // by the target before this apply
    std::map<std::string, bool> has_subject;
    std::set<std::string> by_api;
    for (size_t k = 0; k < to_copy_.size(); ++k) {
      if (late()) return stop_rest();
      const schema_version& v = *to_copy_[k].body;
      if (!served.contains(v.id)) {
        auto body = read_schema_by_id(*clients_.target, v.id);
        if (!body) return fail_at(k, body.error().message);
        served[v.id] = std::move(*body);
      }
      if (!has_subject.contains(v.subject)) {
        auto versions = list_versions(*clients_.target, v.subject);
        if (!versions) return fail_at(k, versions.error().message);
        has_subject[v.subject] = !versions->empty();
      }
      if (served[v.id]) by_api.insert(v.subject);
    }
    // A version that references one written through the Confluent API in
    // this apply goes that way too (the archive is posted first: its
    // reference would not resolve yet), and with it its subject.
    for (bool grew = true; grew;) {
      grew = false;
      std::set<std::pair<std::string, int32_t>> through_api;
      for (const auto& c : to_copy_) {
        if (by_api.contains(c.body->subject))
          through_api.insert({c.body->subject, c.body->version});
      }
      for (const auto& c : to_copy_) {
        if (by_api.contains(c.body->subject)) continue;
        for (const auto& r : c.body->body.references) {
          if (through_api.contains({r.subject, r.version})) {
            by_api.insert(c.body->subject);
            grew = true;
            break;
          }
        }
      }
    }
    std::vector<size_t> in_archive;
    std::vector<import_entry> entries;
    for (size_t k = 0; k < to_copy_.size(); ++k) {
      const schema_version& v = *to_copy_[k].body;
      if (by_api.contains(v.subject)) continue;
      in_archive.push_back(k);
      entries.push_back({v, has_subject[v.subject]});
    }
    if (!entries.empty()) {
      if (late()) return stop_rest();
      auto archive = apicurio_import_archive(entries, now_ms);
      if (!archive) return fail_at(in_archive.front(), archive.error().message);
      if (auto st = apicurio_import(*clients_.target_root, *archive); !st) {
        // Its answer may be lost: what it wrote shows in the next plan.
        return fail_at(in_archive.front(), st.error().message);
      }
      // Posted whole: each version's read-back is its outcome (not bounded
      // by the deadline: what was written is said).
      bool differed = false;
      for (const size_t k : in_archive) {
        const schema_version& v = *to_copy_[k].body;
        const std::string differs = read_back(*clients_.target, v);
        r_.versions[to_copy_[k].item] =
            differs.empty() ? written{write_outcome::done,
                                      has_subject[v.subject] ? std::string(kStaleLatest) : ""}
                            : written{write_outcome::failed, differs};
        differed = differed || !differs.empty();
      }
      if (differed) {
        stopped_ = true;
        return stop_rest();
      }
    }
    for (size_t k = 0; k < to_copy_.size() && !stopped_; ++k) {
      const schema_version& v = *to_copy_[k].body;
      if (!by_api.contains(v.subject)) continue;
      if (late()) return stop_rest();
      record(k, register_served(*clients_.target, v, served[v.id]));
    }
  }

 private:
  struct to_copy {
    size_t item;  // index into the plan's versions
    const schema_version* body;
  };

  // Before a write with an id: the target must not bind it to another
  // schema (also one no live version shows, which the plan could not see).
  std::string refusal_of_id(const schema_version& v) const {
    auto served = read_schema_by_id(*clients_.target, v.id);
    if (!served) return served.error().message;
    if (*served && !same_schema(**served, v.body)) return id_bound_elsewhere(v.id);
    return {};
  }

  // The outcome of to_copy_[k]: done, or failed and nothing after it.
  void record(size_t k, const std::string& differs) {
    if (differs.empty()) {
      r_.versions[to_copy_[k].item] = {write_outcome::done, ""};
      return;
    }
    fail_at(k, differs);
  }

  void fail_at(size_t k, const std::string& why) {
    if (k < to_copy_.size()) r_.versions[to_copy_[k].item] = {write_outcome::failed, why};
    stopped_ = true;
    stop_rest();
  }

  // A note on to_copy_[k] after the fact (a failed clean-up): the apply stops.
  void note_at(size_t k, const std::string& why) {
    written& w = r_.versions[to_copy_[k].item];
    w.message = w.message.empty() ? why : w.message + "; " + why;
    if (w.result == write_outcome::done) w.result = write_outcome::failed;
    stopped_ = true;
  }

  // Every item to copy that has no outcome yet: not reached.
  void stop_rest() {
    stopped_ = true;
    for (size_t k = 0; k < to_copy_.size(); ++k) {
      written& w = r_.versions[to_copy_[k].item];
      if (w.result == write_outcome::no_action) {
        w = {write_outcome::not_reached, "apply stopped before it"};
      }
    }
  }

  const registry_clients& clients_;
  std::chrono::steady_clock::time_point deadline_;
  schema_apply_result& r_;
  std::vector<to_copy> to_copy_;
  bool stopped_ = false;
};

}  // namespace

schema_apply_result apply_schemas(const schema_plan& plan, const registry_contents& source,
                                  const registry_clients& clients, bool dry_run,
                                  std::chrono::steady_clock::time_point deadline, int64_t now_ms) {
  schema_apply_result r;
  r.versions.resize(plan.versions.size());
  r.compatibility.resize(plan.compatibility.size());
  copier c(plan, source, clients, deadline, r);
  if (dry_run) {
    c.would();
  } else if (!c.stopped() && clients.kind == target_kind::apicurio) {
    c.apicurio(now_ms);
  } else if (!c.stopped()) {
    c.confluent();
  }
  for (size_t i = 0; i < plan.compatibility.size(); ++i) {
    const auto& item = plan.compatibility[i];
    if (item.action != schema_action::copy) continue;
    if (dry_run) {
      r.compatibility[i] = {write_outcome::would, ""};
    } else if (c.stopped() || c.late()) {
      r.compatibility[i] = {write_outcome::not_reached, "apply stopped before it"};
    } else if (auto st = set_compatibility(*clients.target, item.subject, item.source_level); !st) {
      r.compatibility[i] = {write_outcome::failed, st.error().message};
    } else {
      r.compatibility[i] = {write_outcome::done, ""};
    }
  }
  return r;
}

}  // namespace strait::registry
