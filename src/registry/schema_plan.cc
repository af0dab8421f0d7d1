#include "strait/registry/schema_plan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "strait/base/text.h"
#include "strait/registry/apicurio_import.h"
#include "strait/registry/confluent_api.h"

namespace strait::registry {

using kind_t = config::schemas_config::target_kind;

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

// Equal for the same schema (same_schema): its type, normal form and references.
std::string schema_key(const schema_body& b) {
  std::string key = to_string(b.type);
  key += '\0';
  key += normal_form(b.type, b.schema);
  for (const auto& r : b.references) {
    key += '\0' + r.name + '\0' + r.subject + '\0' + std::to_string(r.version);
  }
  return key;
}

}  // namespace

schema_plan plan_schemas(const registry_contents& source, const registry_contents& target,
                         kind_t kind) {
  schema_plan plan;
  // The target: each id's schema (and a version serving it), each subject's versions.
  // and each schema's first version (by its type, normal form and references).
  std::map<int32_t, const schema_version*> target_ids;
  std::map<std::string, std::map<int32_t, const schema_version*>> target_subjects;
  std::map<std::string, const schema_version*> target_schemas;
  for (const auto& v : target.versions) {
    target_ids.emplace(v.id, &v);
    target_subjects[v.subject][v.version] = &v;
    target_schemas.emplace(schema_key(v.body), &v);
  }
  std::map<std::string, std::set<int32_t>> source_subjects;
  for (const auto& v : source.versions) source_subjects[v.subject].insert(v.version);

  // (subject, version) -> index of its item, for references.
  std::map<std::pair<std::string, int32_t>, size_t> index;
  for (const auto& v : source.versions) {
    schema_item item{v.subject, v.version, v.id, v.body.type, schema_action::copy, ""};
    const auto block = [&](std::string why) {
      if (item.action == schema_action::blocked) return;
      item.action = schema_action::blocked;
      item.reason = std::move(why);
    };
    const auto on_target = target_subjects.find(v.subject);
    const schema_version* same_version = nullptr;
    if (on_target != target_subjects.end()) {
      auto it = on_target->second.find(v.version);
      if (it != on_target->second.end()) same_version = it->second;
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
    if (auto held = target_schemas.find(schema_key(v.body));
        held != target_schemas.end() && held->second->id != v.id) {
      block("the target holds this schema as id " + std::to_string(held->second->id) + " (" +
            name_of(*held->second) + "), not as id " + std::to_string(v.id) +
            ": a registry keeps one id a schema; remove it there, or leave this version");
    }
    if (same_version != nullptr && same_version->id != v.id) {
      block("the target has " + name_of(*same_version) + " as id " +
            std::to_string(same_version->id) + ", not " + std::to_string(v.id));
    }
    if (item.action != schema_action::blocked && same_version != nullptr) {
      item.action = schema_action::fits;
    }
    if (item.action == schema_action::copy && kind == kind_t::confluent &&
        on_target != target_subjects.end()) {
      block(
          "the target's subject has versions already and Confluent's IMPORT mode needs an "
          "empty subject (strait never forces it, which would delete them); copy the rest "
          "by hand");
    }
    if (item.action == schema_action::copy && kind == kind_t::apicurio &&
        (v.subject.find_first_of("/\\") != std::string::npos || v.subject == "." ||
         v.subject == "..")) {
      block(
          "Apicurio's import names entries by subject, and this name holds a path "
          "separator; copy it by hand");
    }
    for (const auto& r : v.body.references) {
      const auto ref = index.find({r.subject, r.version});
      if (ref == index.end()) {
        block("references " + name_of(r.subject, r.version) +
              ", which is not among the versions the link selects (before this one): select "
              "its subject too");
      } else if (plan.versions[ref->second].action == schema_action::blocked) {
        block("references " + name_of(r.subject, r.version) + ", which is blocked");
      }
    }
    if (item.action == schema_action::copy && bound != target_ids.end()) {
      item.reason = "the target serves id " + std::to_string(v.id) +
                    " already (the same schema): only this subject's version is added";
    }
    index[{v.subject, v.version}] = plan.versions.size();
    plan.versions.push_back(std::move(item));
  }

  if (!source.global_compatibility.empty() &&
      source.global_compatibility != target.global_compatibility) {
    plan.compatibility.push_back(
        {"", source.global_compatibility, target.global_compatibility, schema_action::copy, ""});
  }
  for (const auto& [subject, level] : source.compatibility) {
    auto t = target.compatibility.find(subject);
    const std::string target_level =
        t != target.compatibility.end() ? t->second : target.global_compatibility;
    // After the global level is copied, a subject that has none of its own follows it.
    if (level.empty() || level == target_level) continue;
    plan.compatibility.push_back({subject, level, target_level, schema_action::copy, ""});
  }
  return plan;
}

registry_clients connect_registries(const config::schemas_config& cfg,
                                    std::chrono::milliseconds timeout) {
  registry_clients c;
  c.source = std::make_unique<http_client>(cfg.source, timeout);
  if (cfg.kind == kind_t::apicurio) {
    config::registry_endpoint ccompat = cfg.target;
    ccompat.base_path += "/apis/ccompat/v7";
    c.target = std::make_unique<http_client>(ccompat, timeout);
    c.target_root = std::make_unique<http_client>(cfg.target, timeout);
  } else {
    c.target = std::make_unique<http_client>(cfg.target, timeout);
  }
  return c;
}

namespace {

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

}  // namespace

schema_apply_result apply_schemas(const schema_plan& plan, const registry_contents& source,
                                  const registry_clients& clients, kind_t kind, bool dry_run,
                                  std::chrono::steady_clock::time_point deadline) {
  schema_apply_result r;
  r.versions.resize(plan.versions.size());
  r.compatibility.resize(plan.compatibility.size());
  std::map<std::pair<std::string, int32_t>, const schema_version*> bodies;
  for (const auto& v : source.versions) bodies[{v.subject, v.version}] = &v;
  std::vector<size_t> to_copy;
  for (size_t i = 0; i < plan.versions.size(); ++i) {
    if (plan.versions[i].action != schema_action::copy) continue;
    if (bodies.contains({plan.versions[i].subject, plan.versions[i].version})) to_copy.push_back(i);
  }
  bool stopped = false;
  const auto stop_rest = [&](size_t from_copy) {
    stopped = true;
    for (size_t k = from_copy; k < to_copy.size(); ++k) {
      if (r.versions[to_copy[k]].result == write_outcome::no_action) {
        r.versions[to_copy[k]] = {write_outcome::not_reached, "apply stopped before it"};
      }
    }
  };
  if (dry_run) {
    for (size_t i : to_copy) r.versions[i] = {write_outcome::would, ""};
    for (auto& c : r.compatibility) c = {write_outcome::would, ""};
    return r;
  }
  const auto late = [&] { return std::chrono::steady_clock::now() >= deadline; };

  if (kind == kind_t::apicurio && !to_copy.empty()) {
    // Apicurio's import skips, silently, a version whose content the
    // target holds already (measured on 3.3.3): such a version (its id
    // served before this apply) is registered through the Confluent API
    // with the target's own text of that id, which Apicurio binds to the
    // same id; its subject's other versions then go that way too, in
    // order, so the version numbers come out as the source's. Every other
    // version goes into one import archive.
    std::string failure;
    std::map<int32_t, std::optional<schema_body>> served;  // by the target before this apply
    std::map<std::string, bool> has_subject, by_confluent_api;
    if (late()) {
      stop_rest(0);
    } else if (auto version = apicurio_version_checked(*clients.target_root); !version) {
      failure = version.error().message;
    } else {
      for (size_t i : to_copy) {
        const schema_version& v = *bodies[{plan.versions[i].subject, plan.versions[i].version}];
        if (!served.contains(v.id)) {
          auto body = read_schema_by_id(*clients.target, v.id);
          if (!body) {
            failure = body.error().message;
            break;
          }
          served[v.id] = std::move(*body);
        }
        if (!has_subject.contains(v.subject)) {
          auto versions = list_versions(*clients.target, v.subject);
          if (!versions) {
            failure = versions.error().message;
            break;
          }
          has_subject[v.subject] = !versions->empty();
        }
        if (served[v.id]) by_confluent_api[v.subject] = true;
      }
    }
    std::vector<size_t> in_archive;
    if (failure.empty() && !stopped) {
      std::vector<apicurio_version> batch;
      std::set<int32_t> carried;
      for (size_t i : to_copy) {
        const schema_version& v = *bodies[{plan.versions[i].subject, plan.versions[i].version}];
        if (by_confluent_api[v.subject]) continue;
        batch.push_back({v, carried.contains(v.id), has_subject[v.subject]});
        carried.insert(v.id);
        in_archive.push_back(i);
      }
      if (!batch.empty()) {
        auto archive = apicurio_import_archive(batch, 0);
        if (!archive) {
          failure = archive.error().message;
        } else if (auto st = apicurio_import(*clients.target_root, *archive); !st) {
          failure = st.error().message;
        }
      }
    }
    if (!failure.empty()) {
      for (size_t i : to_copy) r.versions[i] = {write_outcome::failed, failure};
      stopped = true;
    } else if (!stopped) {
      for (size_t i : in_archive) {
        const schema_version& v = *bodies[{plan.versions[i].subject, plan.versions[i].version}];
        const std::string differs = read_back(*clients.target, v);
        r.versions[i] = differs.empty() ? written{write_outcome::done, ""}
                                        : written{write_outcome::failed, differs};
        if (!differs.empty()) stopped = true;
      }
      for (size_t k = 0; k < to_copy.size() && !stopped; ++k) {
        const size_t i = to_copy[k];
        const schema_version& v = *bodies[{plan.versions[i].subject, plan.versions[i].version}];
        if (!by_confluent_api[v.subject]) continue;
        if (late()) {
          stop_rest(k);
          break;
        }
        const std::string differs = register_served(*clients.target, v, served[v.id]);
        r.versions[i] = differs.empty() ? written{write_outcome::done, ""}
                                        : written{write_outcome::failed, differs};
        if (!differs.empty()) stop_rest(k + 1);
      }
    }
  } else if (kind == kind_t::confluent) {
    size_t k = 0;
    while (k < to_copy.size() && !stopped) {
      const std::string subject = plan.versions[to_copy[k]].subject;
      if (late()) {
        stop_rest(k);
        break;
      }
      if (auto st = set_mode(*clients.target, subject, "IMPORT"); !st) {
        r.versions[to_copy[k]] = {write_outcome::failed, st.error().message};
        stop_rest(k + 1);
        break;
      }
      for (; k < to_copy.size() && plan.versions[to_copy[k]].subject == subject; ++k) {
        const size_t i = to_copy[k];
        const schema_version& v = *bodies[{subject, plan.versions[i].version}];
        if (late()) {
          stop_rest(k);
          break;
        }
        auto id = register_with_id(*clients.target, v);
        std::string differs = id ? read_back(*clients.target, v) : id.error().message;
        r.versions[i] = differs.empty() ? written{write_outcome::done, ""}
                                        : written{write_outcome::failed, differs};
        if (!differs.empty()) {
          stop_rest(k + 1);
          break;
        }
      }
      // The subject's own mode goes: it follows the registry's again.
      if (auto st = delete_mode(*clients.target, subject); !st) {
        const size_t last = to_copy[k == 0 ? 0 : k - 1];
        if (r.versions[last].result == write_outcome::done) {
          r.versions[last] = {write_outcome::failed,
                              "written, but its subject stays in IMPORT mode: " +
                                  st.error().message + "; set its mode by hand"};
        }
        stop_rest(k);
      }
    }
  }

  for (size_t i = 0; i < plan.compatibility.size(); ++i) {
    const auto& c = plan.compatibility[i];
    if (c.action != schema_action::copy) continue;
    if (stopped || late()) {
      r.compatibility[i] = {write_outcome::not_reached, "apply stopped before it"};
      continue;
    }
    auto st = set_compatibility(*clients.target, c.subject, c.source_level);
    r.compatibility[i] =
        st ? written{write_outcome::done, ""} : written{write_outcome::failed, st.error().message};
  }
  return r;
}

}  // namespace strait::registry
