// The audit journal's budget per caller (pure logic) and the journal writer
// around it (its own thread, several callers at once; no gRPC, so these run
// under ThreadSanitizer too).
#include "strait/api/journal_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "api_test_util.h"
#include "strait/api/budgeted_journal.h"
#include "test_util.h"

namespace strait::api {
namespace {

using namespace std::chrono_literals;
using clock = journal_budget::clock;

TEST(JournalBudget, EachCallerHasItsOwnBudgetAndTheRestIsSummarizedOncePerWindow) {
  journal_budget b(3, 60s);
  const auto t0 = clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.admit("mallory", true, "UNAUTHENTICATED", t0));
  EXPECT_FALSE(b.admit("mallory", true, "UNAUTHENTICATED 1", t0 + 1s));
  EXPECT_FALSE(b.admit("mallory", true, "UNAUTHENTICATED 2", t0 + 2s));
  EXPECT_TRUE(b.admit("lead", true, "CutoverTopics", t0 + 2s))
      << "another caller's budget is its own";
  EXPECT_TRUE(b.take(t0 + 59s).empty()) << "the window is still open";

  // The window ends: one summary, then a new budget.
  auto s = b.take(t0 + 60s);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].who, "mallory");
  EXPECT_EQ(s[0].refused, 2u);
  EXPECT_EQ(s[0].last, "UNAUTHENTICATED 2");
  EXPECT_TRUE(b.take(t0 + 61s).empty()) << "each count is reported once";
  EXPECT_TRUE(b.admit("mallory", true, "UNAUTHENTICATED", t0 + 61s));
}

TEST(JournalBudget, ACountIsKeptWhenTheNextWindowStartsBeforeItIsTaken) {
  journal_budget b(1, 10s);
  const auto t0 = clock::time_point{} + 1h;
  EXPECT_TRUE(b.admit("v", true, "a", t0));
  EXPECT_FALSE(b.admit("v", true, "b", t0 + 1s));
  EXPECT_TRUE(b.admit("v", true, "c", t0 + 11s)) << "a new window";
  EXPECT_FALSE(b.admit("v", true, "d", t0 + 12s));
  auto s = b.take(t0 + 12s, /*all=*/true);  // at shutdown: the open window too
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].last, "b");
  EXPECT_EQ(s[1].last, "d");
}

// Hostile review of issue 11: 1,024 unauthenticated addresses filled every
// bucket, and an operator then shared the attacker's, so its calls were
// refused. Networks beyond the cap share one bucket; names never do.
TEST(JournalBudget, UnauthenticatedNetworksBeyondTheCapShareOneBudgetAndNamesNever) {
  journal_budget b(1, 60s);
  const auto t0 = clock::time_point{} + 1h;
  for (size_t i = 0; i < journal_budget::kMaxUnauthenticatedKeys; ++i) {
    EXPECT_TRUE(b.admit("unauthenticated 10.0." + std::to_string(i) + ".0/24", false, "x", t0));
  }
  EXPECT_TRUE(b.admit("unauthenticated 10.1.0.0/24", false, "x", t0)) << "the shared one's first";
  for (int i = 0; i < 2000; ++i) {
    EXPECT_FALSE(
        b.admit("unauthenticated 10.2." + std::to_string(i % 250) + ".0/24", false, "x", t0));
  }
  EXPECT_TRUE(b.admit("alice", true, "Stage", t0)) << "an operator's own budget";
  EXPECT_TRUE(b.admit("bob", true, "Stage", t0));
  auto s = b.take(t0, true);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].who, "unauthenticated (other networks)");
  EXPECT_EQ(s[0].refused, 2000u);
  // Windows over: 16 networks have budgets of their own again, not fewer.
  EXPECT_TRUE(b.take(t0 + 60s).empty());
  for (size_t i = 0; i < journal_budget::kMaxUnauthenticatedKeys; ++i) {
    const std::string net = "unauthenticated 10.3." + std::to_string(i) + ".0/24";
    EXPECT_TRUE(b.admit(net, false, "x", t0 + 60s)) << net;
    EXPECT_FALSE(b.admit(net, false, "y", t0 + 60s)) << net;
  }
  auto again = b.take(t0 + 60s, true);
  ASSERT_EQ(again.size(), journal_budget::kMaxUnauthenticatedKeys);
  for (const auto& sum : again) EXPECT_NE(sum.who, "unauthenticated (other networks)");
}

TEST(JournalBudget, UnauthenticatedCallersAreKeyedByNetwork) {
  EXPECT_EQ(unauthenticated_key("ipv4:203.0.113.77:40000"), "unauthenticated 203.0.113.0/24");
  EXPECT_EQ(unauthenticated_key("ipv6:[2001:db8:1:2:3:4:5:6]:40000"),
            "unauthenticated 2001:db8:1::/48");
  EXPECT_EQ(unauthenticated_key("ipv6:%5B::1%5D:40000"), "unauthenticated ::/48");
  EXPECT_EQ(unauthenticated_key("ipv6:%5b2001:db8:7::1%5d:40000"),
            "unauthenticated 2001:db8:7::/48");
  EXPECT_EQ(unauthenticated_key("ipv6:[::ffff:198.51.100.9]:40000"),
            "unauthenticated 198.51.100.0/24")
      << "an IPv4-mapped address is its IPv4 network";
  EXPECT_EQ(unauthenticated_key("ipv6:[fe80::1%25eth0]:40000"), "unauthenticated fe80::/48")
      << "a zone does not make every address a network of its own";
  EXPECT_EQ(unauthenticated_key("unix:/run/strait.sock"), "unauthenticated unix");
  EXPECT_EQ(unauthenticated_key("ipv4:not-an-address\n:1"),
            "unauthenticated ipv4:not-an-address\\x0a");
}

// A clock the test moves by hand, read by the journal's thread.
struct manual_clock {
  std::atomic<int64_t> ms{3600 * 1000};
  clock::time_point now() const { return clock::time_point{} + std::chrono::milliseconds(ms); }
};

// Issue 11 review: a summary waited for the next entry or the shutdown; a
// flood that stopped did not show until then.
TEST(BudgetedJournal, TheThreadWritesASummaryOnceItsWindowHasEnded) {
  memory_audit log;
  manual_clock t;
  budgeted_journal j(log, 3, 60s, [&] { return t.now(); });
  j.start(5ms);
  audit_record rec;
  rec.who = "unauthenticated";
  rec.call = "ListLinks";
  for (int i = 0; i < 5; ++i) {
    rec.result = "UNAUTHENTICATED: " + std::to_string(i);
    const auto out = j.record_within_budget("unauthenticated 192.0.2.0/24", false, rec);
    EXPECT_EQ(out,
              i < 3 ? budgeted_journal::outcome::written : budgeted_journal::outcome::over_budget)
        << i;
  }
  EXPECT_EQ(log.list(0, 100)->size(), 3u);
  t.ms += 60'000;  // the window ends; nothing else is recorded
  ASSERT_TRUE(testing::wait_for([&] { return log.list(0, 100)->size() == 4; }, 10s, 5ms));
  const auto summary = log.list(0, 100)->back();
  EXPECT_EQ(summary.who, "unauthenticated 192.0.2.0/24");
  EXPECT_EQ(summary.call, "(over the journal budget)");
  EXPECT_EQ(summary.result,
            "2 more calls within 60 s were refused without an entry each; "
            "the last: UNAUTHENTICATED: 4");
  j.stop();
  EXPECT_EQ(log.list(0, 100)->size(), 4u) << "each count once";
}

// Many callers at once (gRPC's threads) and the summary thread: every call
// is either one entry or one count of a summary, none lost or doubled.
TEST(BudgetedJournal, ConcurrentCallsAreEachRecordedOrCountedExactlyOnce) {
  memory_audit log;
  budgeted_journal j(log, 60, 60s);
  j.start(1ms);
  std::vector<std::thread> callers;
  std::atomic<int> written{0}, over{0};
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      audit_record rec;
      rec.who = c % 2 == 0 ? "shared" : "own-" + std::to_string(c);
      rec.result = "PERMISSION_DENIED";
      for (int i = 0; i < 200; ++i) {
        const auto out = j.record_within_budget(rec.who, true, rec);
        (out == budgeted_journal::outcome::written ? written : over)++;
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(written.load(), 3 * 60);  // "shared", "own-1", "own-3"
  EXPECT_EQ(over.load(), 4 * 200 - 3 * 60);
  j.stop();
  auto entries = log.list(0, 10000);
  ASSERT_EQ(entries->size(), 3u * 60 + 3);  // and one summary per caller
  uint64_t summarized = 0;
  for (const auto& e : *entries) {
    if (e.call == "(over the journal budget)") summarized += std::stoull(e.result);
  }
  EXPECT_EQ(summarized, static_cast<uint64_t>(over.load()));
}

TEST(BudgetedJournal, AnEntryThatCannotBeWrittenIsReported) {
  memory_audit log;
  budgeted_journal j(log, 60, 60s);
  log.broken = true;
  audit_record rec;
  rec.result = "started";
  EXPECT_FALSE(j.record(rec));
  EXPECT_EQ(j.record_within_budget("x", true, rec), budgeted_journal::outcome::failed);
}

}  // namespace
}  // namespace strait::api
