// straitctl/typed.h: straitctl decides on the enums straitd sends, and on
// the text of a straitd older than them, never on a name it does not know.
#include "typed.h"

#include <gtest/gtest.h>

#include "strait/migration/state_machine.h"

namespace straitctl {
namespace {

TEST(StraitctlTyped, TheEnumWinsAndTheTextOfAnOlderStraitdIsReadWithTheEnumsNames) {
  EXPECT_EQ(state_of(pb::MIGRATION_STATE_SYNCING, "SYNCING"), pb::MIGRATION_STATE_SYNCING);
  EXPECT_EQ(state_of(pb::MIGRATION_STATE_UNSPECIFIED, "CUT_OVER"), pb::MIGRATION_STATE_CUT_OVER);
  EXPECT_EQ(state_of(pb::MIGRATION_STATE_UNSPECIFIED, ""), pb::MIGRATION_STATE_UNSPECIFIED);
  // Not a state: nothing is taken for one (a follower keeps waiting).
  for (const char* text : {"cut_over", "UNSPECIFIED", "CUT_OVER ", "MIGRATION_STATE_CUT_OVER"}) {
    EXPECT_EQ(state_of(pb::MIGRATION_STATE_UNSPECIFIED, text), pb::MIGRATION_STATE_UNSPECIFIED)
        << text;
  }
  // Every state's text, as straitd writes it, is an enum's name: the
  // fallback for an older straitd reads them all.
  for (auto s : strait::migration::kAllTopicStates) {
    EXPECT_EQ(name_of(state_of(pb::MIGRATION_STATE_UNSPECIFIED, to_string(s))), to_string(s));
  }
  for (auto s : strait::migration::kAllGroupStates) {
    EXPECT_EQ(name_of(state_of(pb::MIGRATION_STATE_UNSPECIFIED, to_string(s))), to_string(s));
  }
  pb::VerifyReport r;
  r.set_outcome("PASSED");
  EXPECT_EQ(verdict_of(r), pb::VERIFY_OUTCOME_PASSED);
  r.set_verdict(pb::VERIFY_OUTCOME_FAILED);
  EXPECT_EQ(verdict_of(r), pb::VERIFY_OUTCOME_FAILED) << "the enum wins";
  r.Clear();
  r.set_outcome("SOMETHING_NEW");
  EXPECT_EQ(verdict_of(r), pb::VERIFY_OUTCOME_UNSPECIFIED);
}

}  // namespace
}  // namespace straitctl
