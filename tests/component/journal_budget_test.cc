// The audit journal's budget per caller (pure logic, no server).
#include "strait/api/journal_budget.h"

#include <gtest/gtest.h>

namespace strait::api {
namespace {

using namespace std::chrono_literals;
using clock = journal_budget::clock;

TEST(JournalBudget, EachCallerHasItsOwnBudgetAndTheRestIsSummarizedOncePerWindow) {
  journal_budget b(3, 60s);
  const auto t0 = clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.admit("mallory", "UNAUTHENTICATED", t0));
  EXPECT_FALSE(b.admit("mallory", "UNAUTHENTICATED 1", t0 + 1s));
  EXPECT_FALSE(b.admit("mallory", "UNAUTHENTICATED 2", t0 + 2s));
  EXPECT_TRUE(b.admit("lead", "CutoverTopics", t0 + 2s)) << "another caller's budget is its own";
  EXPECT_TRUE(b.take(t0 + 59s).empty()) << "the window is still open";

  // The window ends: one summary, then a new budget.
  auto s = b.take(t0 + 60s);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].who, "mallory");
  EXPECT_EQ(s[0].refused, 2u);
  EXPECT_EQ(s[0].last, "UNAUTHENTICATED 2");
  EXPECT_TRUE(b.take(t0 + 61s).empty()) << "each count is reported once";
  EXPECT_TRUE(b.admit("mallory", "UNAUTHENTICATED", t0 + 61s));
}

TEST(JournalBudget, ACountIsKeptWhenTheNextWindowStartsBeforeItIsTaken) {
  journal_budget b(1, 10s);
  const auto t0 = clock::time_point{} + 1h;
  EXPECT_TRUE(b.admit("v", "a", t0));
  EXPECT_FALSE(b.admit("v", "b", t0 + 1s));
  EXPECT_TRUE(b.admit("v", "c", t0 + 11s)) << "a new window";
  EXPECT_FALSE(b.admit("v", "d", t0 + 12s));
  auto s = b.take(t0 + 12s, /*all=*/true);  // at shutdown: the open window too
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].last, "b");
  EXPECT_EQ(s[1].last, "d");
}

TEST(JournalBudget, ManyNamesShareOneBudgetBeyondTheCap) {
  journal_budget b(1, 60s);
  const auto t0 = clock::time_point{} + 1h;
  for (size_t i = 0; i < journal_budget::kMaxCallers; ++i) {
    EXPECT_TRUE(b.admit("cn-" + std::to_string(i), "x", t0));
  }
  EXPECT_TRUE(b.admit("one-more", "x", t0)) << "the shared bucket's first";
  EXPECT_FALSE(b.admit("and-another", "x", t0));
  auto s = b.take(t0, true);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].who, "(other callers)");
}

}  // namespace
}  // namespace strait::api
