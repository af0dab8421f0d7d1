#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/config/topic_filter.h"
#include "strait/registry/http_client.h"
#include "strait/registry/schemas.h"

namespace strait::registry {

// A ZIP archive of stored (uncompressed) entries: what Apicurio Registry's
// import reads, written without a new dependency. Names and data as given;
// at most 65,535 entries and 4 GiB (no ZIP64): beyond, add() fails.
class zip_writer {
 public:
  [[nodiscard]] status add(const std::string& name, const std::string& data);
  // The archive: the entries, then their central directory.
  [[nodiscard]] std::string finish() const;

 private:
  struct entry {
    std::string name;
    uint32_t crc = 0, size = 0, offset = 0;
  };
  std::string body_;
  std::vector<entry> entries_;
};

[[nodiscard]] uint32_t crc32(std::string_view data);

// One version an Apicurio import carries (its Confluent id as Apicurio's
// contentId, its Confluent version as the version), and whether the
// target has its subject already (then no Artifact entity for it). Its
// content must be new to the target: the import skips, silently, a
// version whose content the target holds.
struct import_entry {
  schema_version version;
  bool artifact_exists = false;
};

// The import archive (Apicurio Registry 3's export format 3.0): a
// Manifest, a Content per id (once; its bytes, contentHash =
// SHA-256 of them, references as Apicurio's artifact references in the
// default group), an Artifact per subject not on the target, an
// ArtifactVersion per version (versionOrder = the Confluent version), a
// `latest` Branch per subject listing its versions in order. `now_ms`:
// the entities' timestamps.
[[nodiscard]] result<std::string> apicurio_import_archive(const std::vector<import_entry>& versions,
                                                          int64_t now_ms);

// The registry's version (GET /apis/registry/v3/system/info) if it is one
// strait's archive is written for (3.x; tested with 3.3.3), else
// errc::precondition naming it. `root`'s base path is the registry's root
// (…/apis/registry/v3 and …/apis/ccompat/v7 below it).
[[nodiscard]] result<std::string> apicurio_version_checked(const http_client& root);

// Replaces `contents.compatibility` (what Apicurio's Confluent API answered:
// NONE also for a subject without a rule, which cannot be told from one
// pinned to NONE) with the own level, as Apicurio keeps it, of each read
// subject `levels_of` accepts (null: all): its artifact's COMPATIBILITY rule
// in the default group (/apis/registry/v3/groups/default/artifacts/{s}/rules;
// Apicurio 3.3 has no rules of the default group itself), none without such
// a rule. Other subjects' levels are dropped (not read). A subject that is no
// artifact of the default group is an error (strait would not know its
// level), and so is a registry that is not Apicurio 3 (apicurio_version_checked
// first). Looks at `deadline` and `cancel` (if given) between requests.
[[nodiscard]] status read_apicurio_levels(const http_client& root, registry_contents& contents,
                                          const config::topic_filter* levels_of,
                                          std::chrono::steady_clock::time_point deadline,
                                          const std::atomic<bool>* cancel = nullptr);

// Posts the archive to /apis/registry/v3/admin/import with contentIds
// kept and requireEmptyRegistry=false. Apicurio answers success for an
// entity it skipped: the caller reads every version back.
[[nodiscard]] status apicurio_import(const http_client& root, const std::string& archive);

}  // namespace strait::registry
