#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/config/topic_filter.h"
#include "strait/registry/http_client.h"
#include "strait/registry/schemas.h"

namespace strait::registry {

// Bounds of what strait reads of a registry (ADR 0027): more is an error
// that says so, never a part read as if it were the whole.
inline constexpr size_t kMaxSubjects = 100000;
inline constexpr size_t kMaxVersions = 200000;           // over all subjects read
inline constexpr size_t kMaxSchemaBytes = 8u << 20;      // one schema's answer
inline constexpr size_t kMaxContentsBytes = 512u << 20;  // all schema texts read
// How long reading both registries of a link may take in all (a plan, a
// verification).
inline constexpr std::chrono::seconds kReadBudget{30};

// Between the requests of a read of `client`: errc::precondition once
// `deadline` passed or `cancel` (if given) is set, else ok.
[[nodiscard]] status in_time(const http_client& client,
                             std::chrono::steady_clock::time_point deadline,
                             const std::atomic<bool>* cancel);

// Reads a registry through Confluent's API (every registry strait writes
// to serves it): the subjects `selected` accepts (null: all), each of their
// versions with its id, type, text and references, each subject's own
// compatibility level and the global one. Soft-deleted versions are not read.
// Stops with errc::precondition once `deadline` passes (a registry this
// slow or this large is not read in part), or once `cancel` (if given)
// becomes true: both are looked at between requests.
[[nodiscard]] result<registry_contents> read_contents(
    const http_client& client, const config::topic_filter* selected,
    std::chrono::steady_clock::time_point deadline, const std::atomic<bool>* cancel = nullptr);

// Sets `contents.soft_deleted` (all or nothing) to the soft-deleted versions
// of the subjects `selected` accepts (null: all): GET /subjects?deleted=true,
// each subject's versions with ?deleted=true less its live ones in
// `contents`, which read_contents must have read from the same registry with
// the same `selected` (else live versions would be taken for deleted ones),
// and each of those read with ?deleted=true; one listed but not served gets
// id 0 (a subject deleted as a whole on Apicurio, or a version deleted for
// good between the two requests). Within read_contents's bounds (counted
// with what it read) and `deadline`; `cancel` looked at between requests.
[[nodiscard]] status read_soft_deleted(const http_client& client,
                                       const config::topic_filter* selected,
                                       registry_contents& contents,
                                       std::chrono::steady_clock::time_point deadline,
                                       const std::atomic<bool>* cancel = nullptr);

// Sets `contents.served_ids` (all or nothing) to what the registry serves for
// each id of `source`'s soft-deleted versions: a read version's schema, or
// for an id its read versions lack its answer by id (GET /schemas/ids/{id},
// soft-deleted ones included). `deadline`, `cancel` as above.
[[nodiscard]] status read_served_ids(const http_client& client, const registry_contents& source,
                                     registry_contents& contents,
                                     std::chrono::steady_clock::time_point deadline,
                                     const std::atomic<bool>* cancel = nullptr);

// The schema an id serves (GET /schemas/ids/{id}); nullopt when the
// registry has no such id.
[[nodiscard]] result<std::optional<schema_body>> read_schema_by_id(const http_client& client,
                                                                   int32_t id);

// The subject's version (GET /subjects/{s}/versions/{v}, with
// ?deleted=true when `deleted`: a soft-deleted one too); nullopt when it has
// none of that number.
[[nodiscard]] result<std::optional<schema_version>> read_version(const http_client& client,
                                                                 const std::string& subject,
                                                                 int32_t version,
                                                                 bool deleted = false);

// A subject's version numbers (GET /subjects/{s}/versions, with
// ?deleted=true when `deleted`: the soft-deleted ones too); empty when the
// registry has no such subject.
[[nodiscard]] result<std::vector<int32_t>> list_versions(const http_client& client,
                                                         const std::string& subject,
                                                         bool deleted = false);

// `s` percent-encoded for a URL path segment (RFC 3986 unreserved kept).
[[nodiscard]] std::string path_segment(std::string_view s);

// Writes of a Confluent registry (kind confluent, and compatibility on
// both kinds); each errc::registry with the registry's answer.
//   set_mode: PUT /mode/{subject} (never force): IMPORT before a subject's
//     versions are written with their ids; delete_mode after (DELETE
//     /mode/{subject}: the subject follows the registry's mode again).
//   register_with_id: POST /subjects/{s}/versions with id and version;
//     returns the id the registry answered with (a registry that ignores
//     the given id answers another: the caller reads back).
//   set_compatibility: PUT /config/{subject} ("" : the global level).
//   subject_mode: GET /mode/{subject}?defaultToGlobal=false: the subject's
//     own mode, "" when it has none (some registries answer the global one).
//   registry_mode: GET /mode: the registry's mode.
[[nodiscard]] result<std::string> registry_mode(const http_client& client);
[[nodiscard]] result<std::string> subject_mode(const http_client& client,
                                               const std::string& subject);
[[nodiscard]] status set_mode(const http_client& client, const std::string& subject,
                              const std::string& mode);
[[nodiscard]] status delete_mode(const http_client& client, const std::string& subject);
[[nodiscard]] result<int32_t> register_with_id(const http_client& client, const schema_version& v);
// POST /subjects/{s}/versions without id or version: the registry picks
// both (an id it binds the same text to already, on Apicurio). Returns
// the id answered.
[[nodiscard]] result<int32_t> register_schema(const http_client& client, const schema_version& v);
[[nodiscard]] status set_compatibility(const http_client& client, const std::string& subject,
                                       const std::string& level);

}  // namespace strait::registry
