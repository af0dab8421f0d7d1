#include "strait/verify/compare.h"

#include <map>
#include <set>
#include <utility>

#include "strait/base/text.h"

namespace strait::verify {

void compare_window(const std::vector<expected_record>& expected,
                    const std::vector<record_seen>& landed, const std::string& where,
                    partition_result& out) {
  auto differ = [&](int64_t& counter, std::string what) {
    ++counter;
    if (out.first_difference.empty()) out.first_difference = std::move(what);
  };
  size_t i = 0, j = 0;
  while (i < expected.size() || j < landed.size()) {
    if (j == landed.size() ||
        (i < expected.size() && expected[i].target_offset < landed[j].offset)) {
      differ(out.missing_on_target,
             "source " + where + "@" + std::to_string(expected[i].source.offset) +
                 " maps to target offset " + std::to_string(expected[i].target_offset) +
                 ", which holds no record");
      ++i;
    } else if (i == expected.size() || landed[j].offset < expected[i].target_offset) {
      differ(out.unexpected_target, "target offset " + std::to_string(landed[j].offset) +
                                        " holds a record no source record maps to");
      ++j;
    } else {
      const record_seen& s = expected[i].source;
      const record_seen& d = landed[j];
      const std::string pair = "source " + where + "@" + std::to_string(s.offset) +
                               " and target offset " + std::to_string(d.offset);
      if (s.digest != d.digest) {
        differ(out.mismatched, pair + " differ in key, value or headers");
      } else if (s.create_time && d.create_time && s.timestamp != d.timestamp) {
        differ(out.mismatched, pair + " differ in timestamp");
      }
      ++i;
      ++j;
    }
  }
}

void forgive_compaction(partition_result& out) {
  const int64_t one_sided = out.missing_on_target + out.unexpected_target;
  if (one_sided == 0) return;
  out.note += std::string(out.note.empty() ? "" : "; ") +
              "compacted topic: " + std::to_string(one_sided) +
              " records on one side only (compaction), not counted as differences";
  out.missing_on_target = 0;
  out.unexpected_target = 0;
  if (out.mismatched == 0 && out.unmapped_source == 0) out.first_difference.clear();
}

namespace {

std::string version_name(const registry::schema_version& v) {
  return "subject '" + printable(v.subject, 200) + "' version " + std::to_string(v.version) +
         " (id " + std::to_string(v.id) + ")";
}

// How two bodies of one version differ, in words ("" when the same schema).
std::string body_difference(const registry::schema_body& s, const registry::schema_body& t) {
  if (s.type != t.type) {
    return std::string("schema type ") + to_string(s.type) + " on the source, " +
           to_string(t.type) + " on the target";
  }
  if (s.references != t.references) return "its references differ";
  if (!registry::same_schema(s, t)) return "its schema text differs (compared in normal form)";
  return "";
}

}  // namespace

void compare_registries(const registry::registry_contents& source,
                        const registry::registry_contents& target, schema_result& out) {
  auto differ = [&](std::string what) {
    ++out.differing;
    if (out.differences.size() < schema_result::kMaxListed) {
      out.differences.push_back(std::move(what));
    }
  };
  auto note = [&](const std::string& what) { out.note += (out.note.empty() ? "" : "; ") + what; };
  std::map<std::pair<std::string_view, int32_t>, const registry::schema_version*> on_target;
  for (const auto& v : target.versions) on_target[{v.subject, v.version}] = &v;
  std::set<std::string_view> subjects;
  for (const auto& v : source.versions) {
    subjects.insert(v.subject);
    ++out.versions_compared;
    auto found = on_target.find({v.subject, v.version});
    if (found == on_target.end()) {
      differ(version_name(v) + " is not on the target");
      continue;
    }
    const registry::schema_version& t = *found->second;
    on_target.erase(found);
    if (t.id != v.id) {
      differ(version_name(v) + " has id " + std::to_string(t.id) + " on the target");
    } else if (auto why = body_difference(v.body, t.body); !why.empty()) {
      differ(version_name(v) + ": " + why);
    }
  }
  out.subjects = static_cast<int64_t>(subjects.size());
  // Copied while live and soft-deleted on the source since: its history.
  for (const auto& v : source.soft_deleted) {
    auto t = on_target.find({v.subject, v.version});
    if (t != on_target.end() && registry::kept_as_history(v, *t->second)) on_target.erase(t);
  }
  for (const auto& [key, v] : on_target) {
    if (subjects.contains(key.first)) ++out.only_on_target;
  }
  for (const auto& subject : subjects) {
    const std::string s(subject);
    const std::string want = registry::own_level(source, s);
    if (want.empty() || registry::target_follows_level(target, s, want)) continue;
    const std::string have = registry::own_level(target, s);
    differ("subject '" + printable(s, 200) + "': compatibility " + printable(want, 40) +
           " on the source, " +
           (have.empty() ? "none of its own on the target (its global level: " +
                               printable(target.global_compatibility, 40) + ")"
                         : printable(have, 40) + " on the target"));
  }
  if (!source.global_compatibility.empty() && !target.global_compatibility.empty() &&
      source.global_compatibility != target.global_compatibility) {
    // Subjects without a level of their own follow it: they are checked
    // otherwise on the target (the plan shows it blocked).
    differ("the registries' global compatibility levels differ (source " +
           printable(source.global_compatibility, 40) + ", target " +
           printable(target.global_compatibility, 40) +
           "): strait sets no global level; set the target's by hand");
  }
  int64_t outside = 0;  // references to versions the selection leaves out
  for (const auto& v : source.versions) {
    for (const auto& ref : v.body.references) {
      if (!subjects.contains(ref.subject)) ++outside;
    }
  }
  if (outside > 0) {
    note(std::to_string(outside) +
         " reference(s) to subjects outside the selection: compared by name and version, not "
         "their schemas");
  }
  // The same rule as the plan's: the target serves each soft-deleted
  // version's id with its schema (records may carry it).
  for (const auto& v : source.soft_deleted) {
    ++out.versions_compared;
    if (v.id == 0) {
      differ(version_name(v) +
             " is soft-deleted on the source, which lists it but does not serve it: its id "
             "cannot be checked (delete it permanently on the source, or check by hand)");
      continue;
    }
    const registry::schema_body* t = registry::serves(target, v.id);
    if (t == nullptr) {
      differ(version_name(v) +
             " is soft-deleted on the source, which still serves its id to "
             "records; the target does not serve it");
    } else if (!registry::same_schema(v.body, *t)) {
      differ(version_name(v) + " is soft-deleted on the source; the target serves id " +
             std::to_string(v.id) + " with another schema");
    }
  }
  if (out.only_on_target > 0) {
    note(std::to_string(out.only_on_target) +
         " version(s) of these subjects only on the target (registered there), not counted");
  }
}

}  // namespace strait::verify
