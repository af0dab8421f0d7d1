#include "strait/base/invariant.h"

#include <gtest/gtest.h>

#include "strait/metrics/registry.h"

namespace strait {
namespace {

TEST(Invariant, AHoldingCheckCostsNothingABreachIsCountedAndRendered) {
  const uint64_t before = internal_errors_total();
  int evaluated = 0;
  EXPECT_TRUE(STRAIT_CHECK(++evaluated == 1, "evaluated once"));
  EXPECT_EQ(evaluated, 1);
  EXPECT_EQ(internal_errors_total(), before);
  EXPECT_FALSE(STRAIT_CHECK(evaluated == 2, "a detail with a newline\nand \x1b escape"));
  STRAIT_BUG("a branch that must not run");
  EXPECT_EQ(internal_errors_total(), before + 2);
  const std::string rendered = metrics::registry().render();
  EXPECT_NE(rendered.find("# TYPE strait_internal_errors_total counter\n"
                          "strait_internal_errors_total " +
                          std::to_string(before + 2) + "\n"),
            std::string::npos)
      << rendered;
}

}  // namespace
}  // namespace strait
