#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace strait::registry {

// A schema's type as Confluent's API names it ("schemaType"; absent: AVRO).
enum class schema_type { avro, json, protobuf };
[[nodiscard]] const char* to_string(schema_type t);  // "AVRO", "JSON", "PROTOBUF"

// A schema's reference to another subject's version, under the name the
// referring schema uses for it.
struct schema_reference {
  std::string name;
  std::string subject;
  int32_t version = 0;
  auto operator<=>(const schema_reference&) const = default;
};

// A schema as an id serves it (Confluent's GET /schemas/ids/{id}).
struct schema_body {
  schema_type type = schema_type::avro;
  std::string schema;  // the text as the registry serves it
  std::vector<schema_reference> references;
};

// One version of a subject.
struct schema_version {
  std::string subject;
  int32_t version = 0;
  int32_t id = 0;  // Confluent's schema id: what records carry after the magic byte
  schema_body body;
};

// What strait read of a registry through its Confluent API.
struct registry_contents {
  std::vector<schema_version> versions;  // by subject, then version
  // The compatibility level of each subject read that has one of its own
  // (GET /config/{subject}?defaultToGlobal=false: Apicurio answers NONE for a
  // subject without a rule, so a kind apicurio target's are replaced by its
  // rules, read_apicurio_levels), and the registry's global level.
  std::map<std::string, std::string> compatibility;
  std::string global_compatibility;
  // The selected subjects' soft-deleted versions (read_soft_deleted; empty
  // unless read), by subject, then version: a registry still serves their
  // ids, so records may carry them. id 0 (and no body): the registry lists
  // the version but does not serve it (Apicurio, for a subject deleted as a
  // whole).
  std::vector<schema_version> soft_deleted;
  // What the registry serves for a source's soft-deleted ids
  // (read_served_ids: a read version's schema, or its answer by id); empty
  // unless read.
  std::map<int32_t, schema_body> served_ids;
};

// The schema `c` serves under `id`, one of the ids read_served_ids looked
// up (a lookup in served_ids); null when none.
[[nodiscard]] const schema_body* serves(const registry_contents& c, int32_t id);

// Whether a version soft-deleted on the source is still the history of its
// subject on the target: the target's version of that number is it (the same
// id and schema: copied while it was live). Plan and verify share this.
[[nodiscard]] bool kept_as_history(const schema_version& soft_deleted,
                                   const schema_version& on_target);

// A subject's compatibility level of its own in `c`: "" where it has none,
// and where its level equals the registry's global one (an Apicurio source,
// read through its Confluent API, answers NONE for a subject without a rule:
// such a level cannot be told apart from none).
[[nodiscard]] std::string own_level(const registry_contents& c, const std::string& subject);

// Whether `target`'s subject follows the level `level` (a source subject's
// own): its own level is that one, or it has none of its own and the
// target's global level is that one. The rule plan and verify share.
[[nodiscard]] bool target_follows_level(const registry_contents& target, const std::string& subject,
                                        const std::string& level);

// A schema's text in a form two registries that hold the same schema agree
// on (ADR 0027), since a registry may answer with its own form of what it
// was given: AVRO and JSON parsed (object members in name order, no
// whitespace), a primitive Avro schema {"type":"int"} as "int"; PROTOBUF
// with its line ends and trailing blanks made one form. Text that does not
// parse, or holds a number that is not a 64-bit integer, stays as it is:
// two forms equal are the same schema; two that differ may be the same
// written otherwise (a registry that reformats Protobuf), never the other
// way round.
[[nodiscard]] std::string normal_form(schema_type type, std::string_view text);

// What makes two bodies the same schema: its type, normal form and
// references, as one string (equal for the same schema; for maps).
[[nodiscard]] std::string schema_identity(const schema_body& b);

// The same schema: equal identities.
[[nodiscard]] bool same_schema(const schema_body& a, const schema_body& b);

}  // namespace strait::registry
