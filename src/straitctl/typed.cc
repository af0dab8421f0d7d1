#include "typed.h"

namespace straitctl {

namespace {
constexpr std::string_view kStatePrefix = "MIGRATION_STATE_";
}  // namespace

std::string name_of(pb::MigrationState s) {
  const std::string& full = pb::MigrationState_Name(s);
  return full.starts_with(kStatePrefix) ? full.substr(kStatePrefix.size()) : full;
}

pb::MigrationState state_of(pb::MigrationState typed, const std::string& text) {
  if (typed != pb::MIGRATION_STATE_UNSPECIFIED || text.empty()) return typed;
  pb::MigrationState parsed = pb::MIGRATION_STATE_UNSPECIFIED;
  return pb::MigrationState_Parse(std::string(kStatePrefix) + text, &parsed)
             ? parsed
             : pb::MIGRATION_STATE_UNSPECIFIED;
}

pb::VerifyOutcome verdict_of(const pb::VerifyReport& r) {
  if (r.verdict() != pb::VERIFY_OUTCOME_UNSPECIFIED || r.outcome().empty()) return r.verdict();
  pb::VerifyOutcome parsed = pb::VERIFY_OUTCOME_UNSPECIFIED;
  return pb::VerifyOutcome_Parse("VERIFY_OUTCOME_" + r.outcome(), &parsed)
             ? parsed
             : pb::VERIFY_OUTCOME_UNSPECIFIED;
}

}  // namespace straitctl
