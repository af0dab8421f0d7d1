#pragma once
// The typed values straitctl decides on: the enums straitd sends, or, from a
// straitd older than them (which sends only the text), that text read with
// protobuf's own names of the enum, so that no decision matches text of
// straitctl's own.
#include <string>

#include "strait.pb.h"

namespace straitctl {

namespace pb = ::strait::v1;

// A topic's or group's state: `typed` unless UNSPECIFIED, else `text`
// ("CUT_OVER"); UNSPECIFIED when neither says one.
[[nodiscard]] pb::MigrationState state_of(pb::MigrationState typed, const std::string& text);
template <typename Status>  // pb::TopicStatus, pb::GroupStatus
[[nodiscard]] pb::MigrationState state_of(const Status& s) {
  return state_of(s.migration_state(), s.state());
}
// The state's name as straitd's text says it ("CUT_OVER").
[[nodiscard]] std::string name_of(pb::MigrationState s);
// A report's outcome, the same way from `verdict` or `outcome`.
[[nodiscard]] pb::VerifyOutcome verdict_of(const pb::VerifyReport& r);

}  // namespace straitctl
