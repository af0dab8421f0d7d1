#include "strait/migration/operation.h"

#include <gtest/gtest.h>

namespace strait::migration {
namespace {

TEST(Operation, OptionsSurviveTheirStoredForm) {
  for (const operation_options o :
       {operation_options{},
        operation_options{op_kind::rollback, std::chrono::milliseconds(3600000), false, 1},
        operation_options{op_kind::cutover, std::chrono::milliseconds(0), true, UINT64_MAX}}) {
    for (const stuck_reason stuck : {stuck_reason::none, stuck_reason::partition_stopped,
                                     stuck_reason::topic_finalized, stuck_reason::fence_refused}) {
      auto back = decode_operation(encode_operation({o, stuck}));
      ASSERT_TRUE(back.has_value()) << back.error().message;
      EXPECT_EQ(*back, (operation_record{o, stuck}));
    }
  }
}

// The stored bytes are part of the on-disk format (docs/offset-translation.md):
// a change of them must be a new format, never a silent one.
TEST(Operation, TheStoredFormIsTheDocumentedOne) {
  const operation_options rollback{op_kind::rollback, std::chrono::milliseconds(600000), true,
                                   0x0102030405060708};
  EXPECT_EQ(encode_operation({rollback}),
            std::string("\x02\x02\x00\x09\x27\xc0\x01\x01\x02\x03\x04\x05\x06\x07\x08", 15));
  EXPECT_EQ(encode_operation({}),
            std::string("\x02\x01\x00\x00\x13\x88\x00\x00\x00\x00\x00\x00\x00\x00\x00", 15));
  // Stuck: format 3, the reason last.
  EXPECT_EQ(encode_operation({rollback, stuck_reason::tail_verification_failed}),
            std::string("\x03\x02\x00\x09\x27\xc0\x01\x01\x02\x03\x04\x05\x06\x07\x08\x02", 16));
}

// Format 1 (straitd before operation ids) is still read: id 0, which the
// resumed operation replaces with a new one.
TEST(Operation, TheFirstFormatIsStillRead) {
  auto o = decode_operation(std::string("\x01\x02\x00\x09\x27\xc0\x01", 7));
  ASSERT_TRUE(o.has_value()) << o.error().message;
  EXPECT_EQ(*o,
            (operation_record{{op_kind::rollback, std::chrono::milliseconds(600000), true, 0}}));
  EXPECT_FALSE(decode_operation(std::string("\x01\x02\x00\x09\x27\xc0\x01\x00", 8)));
  EXPECT_FALSE(decode_operation(std::string(14, '\x02')));
}

TEST(Operation, PhasesAndReasonsHaveNames) {
  EXPECT_STREQ(to_string(op_phase::waiting_for_quiet), "WAITING_FOR_QUIET");
  EXPECT_STREQ(to_string(op_phase::cancelled), "CANCELLED");
  EXPECT_STREQ(to_string(stuck_reason::none), "");
  EXPECT_STREQ(to_string(stuck_reason::foreign_records), "foreign_records");
}

TEST(Operation, DefaultsAreTheDocumentedOnes) {
  const operation_options o;
  EXPECT_EQ(o.quiet_window, std::chrono::milliseconds(5000));
  EXPECT_FALSE(o.force);
}

TEST(Operation, AnythingButTheExactStoredFormIsRefusedAsCorruption) {
  const std::string good =
      encode_operation({{op_kind::rollback, std::chrono::milliseconds(7), true}});
  auto refused = [](std::string stored) {
    auto r = decode_operation(stored);
    return !r.has_value() && r.error().code == errc::corruption;
  };
  EXPECT_TRUE(refused(""));
  EXPECT_TRUE(refused(good.substr(0, good.size() - 1)));  // cut short
  EXPECT_TRUE(refused(good + "x"));                       // longer
  std::string format = good;
  format[0] = 4;  // a newer straitd's format
  EXPECT_TRUE(refused(format));
  std::string kind = good;
  kind[1] = 3;
  EXPECT_TRUE(refused(kind));
  std::string force = good;
  force[6] = 2;
  EXPECT_TRUE(refused(force));
  std::string quiet = good;
  quiet[2] = quiet[3] = quiet[4] = quiet[5] = '\xff';  // about 50 days
  EXPECT_TRUE(refused(quiet));
  std::string stuck = good;
  stuck[0] = 3;  // format 3 needs its reason
  EXPECT_TRUE(refused(stuck));
  EXPECT_TRUE(refused(stuck + '\x00')) << "stored stuck, without a reason";
  EXPECT_TRUE(refused(stuck + '\x07')) << "a reason this straitd does not know";
  EXPECT_FALSE(refused(stuck + '\x05'));
}

}  // namespace
}  // namespace strait::migration
