// Component tests: strait's admin client against librdkafka's in-process mock
// cluster, with the faults that made a daemon abort in librdkafka's group
// coordinator requests (issue 10): a coordinator slower than the request
// timeout, coordinators that go down mid-request, many groups at once, and
// requests librdkafka cannot send; and a coordinator that moved, which
// crashed librdkafka itself (ADR 0013). And ListOffsets in concurrent calls
// (the supervisor's watermarks): one call failing or answered too late.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <set>
#include <thread>

#include "../support/mock_cluster.h"
#include "../support/test_util.h"
#include "strait/kafka/client.h"

namespace strait {
namespace {

using namespace std::chrono_literals;

constexpr int kBrokers = 3;
constexpr int kPartitions = 4;
const std::string kTopic = "orders";

class AdminMock : public ::testing::Test {
 protected:
  std::unique_ptr<kafka::admin_client> connect(std::chrono::milliseconds timeout) {
    auto admin = kafka::admin_client::connect(
        {{"bootstrap.servers", cluster_.bootstrap()}, {"log_level", "0"}}, "strait-admin-test",
        "test", timeout);
    EXPECT_TRUE(admin.has_value()) << admin.error().message;
    return admin ? std::move(*admin) : nullptr;
  }

  static std::vector<std::string> groups(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back("group-" + std::to_string(i));
    return out;
  }

  static std::vector<kafka::committed_offset> offsets_for(int g) {
    std::vector<kafka::committed_offset> out;
    for (int p = 0; p < kPartitions; ++p) out.push_back({kTopic, p, 10 * g + p, "meta"});
    return out;
  }

  // Spreads the groups' coordinators over every broker, so that a broker
  // going down takes some of them along mid-request.
  void spread_coordinators(const std::vector<std::string>& names) {
    for (size_t i = 0; i < names.size(); ++i) {
      rd_kafka_mock_coordinator_set(cluster_.get(), "group", names[i].c_str(),
                                    static_cast<int32_t>(1 + i % kBrokers));
    }
  }

  void set_rtt(int ms) {
    for (int b = 1; b <= kBrokers; ++b) rd_kafka_mock_broker_set_rtt(cluster_.get(), b, ms);
  }

  testing::mock_cluster cluster_{kBrokers, kTopic, kPartitions};
};

// ListOffsets goes out in calls of at most 100 partitions (librdkafka's
// handling of one call is quadratic in its size), 8 at a time: every
// partition of a list longer than more calls than run at once is answered,
// once.
TEST_F(AdminMock, WatermarksOfMoreThanOneCallsWorthOfPartitionsAreAllAnswered) {
  constexpr int kWide = 1203;
  ASSERT_EQ(rd_kafka_mock_topic_create(cluster_.get(), "wide", kWide, 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  auto admin = connect(10s);
  ASSERT_NE(admin, nullptr);
  std::vector<kafka::topic_partition> asked;
  for (int p = 0; p < kWide; ++p) asked.emplace_back("wide", p);
  for (int p = 0; p < kPartitions; ++p) asked.emplace_back(kTopic, p);
  auto marks = admin->list_watermarks(asked);
  ASSERT_TRUE(marks.has_value()) << marks.error().message;
  EXPECT_EQ(marks->size(), asked.size());
  for (const auto& tp : asked) {
    auto it = marks->find(tp);
    ASSERT_NE(it, marks->end()) << tp.first << "/" << tp.second;
    EXPECT_EQ(it->second.low, 0);
    EXPECT_EQ(it->second.high, 0);
  }
  auto starts = admin->log_start_offsets(asked);
  ASSERT_TRUE(starts.has_value()) << starts.error().message;
  EXPECT_EQ(starts->size(), asked.size());
}

// One ListOffsets call among several that fails, or outlives the deadline
// the calls share, costs its own partitions only: the others are answered,
// and the failed ones are missing (a caller asks again next round), never
// given a made-up offset. Every call failing is an error.
class OffsetsCallFaults : public AdminMock {
 protected:
  // The mock cluster puts partition p of a topic with one replica on the
  // (p % 3)-th of its 3 brokers. Asked in order of that remainder, the
  // calls of 100 partitions are one broker's each, so a fault of one broker
  // reaches one call.
  static constexpr int kWide = 300;
  static constexpr int16_t kListOffsetsApiKey = 2;

  void SetUp() override {
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_.get(), "wide", kWide, 1),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int r = 0; r < kBrokers; ++r) {
      for (int p = r; p < kWide; p += kBrokers) asked_.emplace_back("wide", p);
    }
  }

  // Exactly one call's partitions (one remainder of p % 3) are missing; the
  // others have their real offsets (0: nothing produced).
  void expect_one_call_missing(const std::map<kafka::topic_partition, int64_t>& offsets) {
    std::set<int> remainders;
    int missing = 0;
    for (const auto& tp : asked_) {
      auto it = offsets.find(tp);
      if (it == offsets.end()) {
        ++missing;
        remainders.insert(tp.second % kBrokers);
      } else {
        EXPECT_EQ(it->second, 0) << tp.second;
      }
    }
    EXPECT_EQ(missing, kWide / kBrokers);
    EXPECT_EQ(remainders.size(), 1u);
  }

  std::vector<kafka::topic_partition> asked_;
};

TEST_F(OffsetsCallFaults, AFailedCallCostsItsOwnPartitionsOnly) {
  auto admin = connect(5s);
  ASSERT_NE(admin, nullptr);
  rd_kafka_mock_broker_push_request_error_rtts(cluster_.get(), 2, kListOffsetsApiKey, 1,
                                               RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, 0);
  // As the supervisor asks: log starts, then ends; a partition is answered
  // only when both are.
  auto marks = admin->list_watermarks(asked_);
  ASSERT_TRUE(marks.has_value()) << marks.error().message;
  std::map<kafka::topic_partition, int64_t> lows;
  for (const auto& [tp, w] : *marks) lows[tp] = w.low;
  expect_one_call_missing(lows);
  auto again = admin->list_watermarks(asked_);  // the next round
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->size(), asked_.size());
}

TEST_F(OffsetsCallFaults, ACallPastTheDeadlineCostsItsOwnPartitionsOnlyAndNoMoreTime) {
  auto admin = connect(2s);
  ASSERT_NE(admin, nullptr);
  rd_kafka_mock_broker_push_request_error_rtts(cluster_.get(), 3, kListOffsetsApiKey, 1,
                                               RD_KAFKA_RESP_ERR_NO_ERROR, 6000);
  const auto start = std::chrono::steady_clock::now();
  auto starts = admin->log_start_offsets(asked_);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(starts.has_value()) << starts.error().message;
  expect_one_call_missing(*starts);
  EXPECT_LT(took, 4500ms) << "the slow call must end at the 2 s deadline, not wait 6 s";
}

TEST_F(OffsetsCallFaults, EveryCallFailingIsAnError) {
  auto admin = connect(5s);
  ASSERT_NE(admin, nullptr);
  for (int b = 1; b <= kBrokers; ++b) {
    rd_kafka_mock_broker_push_request_error_rtts(cluster_.get(), b, kListOffsetsApiKey, 1,
                                                 RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, 0);
  }
  auto starts = admin->log_start_offsets(asked_);
  ASSERT_FALSE(starts.has_value());
  EXPECT_NE(starts.error().message.find("log start offsets"), std::string::npos)
      << starts.error().message;
}

TEST_F(AdminMock, OffsetsOfManyGroupsAreWrittenAndAnswered) {
  auto admin = connect(5s);
  ASSERT_TRUE(admin);
  auto names = groups(40);
  spread_coordinators(names);
  std::map<std::string, std::vector<kafka::committed_offset>> writes;
  for (int g = 0; g < 40; ++g) writes[names[g]] = offsets_for(g);
  for (const auto& [group, res] : admin->alter_group_offsets(writes)) {
    ASSERT_TRUE(res.has_value()) << group << ": " << res.error().message;
    EXPECT_TRUE(res->empty()) << group;
  }
  // The mock answers an OffsetFetch of "every partition" with none, so only
  // the answers are checked here; the contents are checked on real Kafka
  // (integration tests).
  auto read = admin->list_group_offsets(names);
  ASSERT_EQ(read.size(), names.size());
  for (const auto& [group, res] : read) {
    EXPECT_TRUE(res.has_value()) << group << ": " << res.error().message;
  }
}

// librdkafka cannot send an OffsetCommit without a valid offset; its
// coordinator request then fails on the path that frees the request twice
// (ADR 0012). The admin client refuses such a group itself, naming it and
// the offset, and never hands the request to librdkafka.
TEST_F(AdminMock, AGroupWithoutAValidOffsetIsRefusedWithoutReachingTheLibrary) {
  auto admin = connect(3s);
  ASSERT_TRUE(admin);
  std::map<std::string, std::vector<kafka::committed_offset>> writes;
  writes["empty"] = {};
  writes["negative"] = {{kTopic, 0, -1, ""}, {kTopic, 1, -2, ""}};
  writes["good"] = offsets_for(1);
  auto res = admin->alter_group_offsets(writes);
  ASSERT_EQ(res.size(), 3u);
  ASSERT_FALSE(res.at("empty").has_value());
  EXPECT_TRUE(testing::contains(res.at("empty").error().message, "group empty"))
      << res.at("empty").error().message;
  ASSERT_FALSE(res.at("negative").has_value());
  EXPECT_TRUE(testing::contains(res.at("negative").error().message, "-1 of orders/0"))
      << res.at("negative").error().message;
  ASSERT_TRUE(res.at("good").has_value()) << res.at("good").error().message;
  auto read = admin->list_group_offsets({"good"});
  ASSERT_TRUE(read.at("good").has_value()) << read.at("good").error().message;
}

// Coordinators slower than the request timeout (the abort of issue 10, before
// ADR 0012: librdkafka 2.14.2 aborted here in its first round, when the
// coordinators were found a second after the requests had timed out): every
// group answers with an error within the deadline, the unanswered requests go
// with their handle, and the client works on with a new one.
TEST_F(AdminMock, CoordinatorSlowerThanTheTimeoutFailsEveryGroupInTime) {
  auto admin = connect(300ms);
  ASSERT_TRUE(admin);
  auto names = groups(60);
  spread_coordinators(names);
  set_rtt(1000);
  for (int round = 0; round < 3; ++round) {
    const auto started = std::chrono::steady_clock::now();
    auto read = admin->list_group_offsets(names);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);  // 300 ms and a handle's destroy
    ASSERT_EQ(read.size(), names.size());
    for (const auto& [group, res] : read) {
      ASSERT_FALSE(res.has_value()) << group;
      EXPECT_TRUE(testing::contains(res.error().message, "no answer within 300 ms"))
          << res.error().message;
    }
    std::map<std::string, std::vector<kafka::committed_offset>> writes;
    for (int g = 0; g < 60; ++g) writes[names[g]] = offsets_for(g);
    auto written = admin->alter_group_offsets(writes);
    ASSERT_EQ(written.size(), names.size());
  }
  EXPECT_EQ(admin->handles_replaced(), 6);
  set_rtt(0);
  ASSERT_TRUE(testing::wait_for(
      [&] {
        auto read = admin->list_group_offsets({names[0]});
        return read.at(names[0]).has_value();
      },
      20s));
}

// Brokers (and with them the coordinators) go down and up while requests for
// many groups are in flight, with a round-trip time near the timeout so that
// some requests are sent just as their broker disappears, and handles are
// destroyed with requests in every state.
TEST_F(AdminMock, CoordinatorsGoingDownMidRequestNeverAbort) {
  auto admin = connect(700ms);
  ASSERT_TRUE(admin);
  auto names = groups(60);
  spread_coordinators(names);
  set_rtt(100);
  std::atomic<bool> done{false};
  std::thread chaos([&] {
    for (int i = 0; !done; ++i) {
      const int b = 1 + i % kBrokers;
      rd_kafka_mock_broker_set_down(cluster_.get(), b);
      std::this_thread::sleep_for(std::chrono::milliseconds(137 + 53 * (i % 5)));
      rd_kafka_mock_broker_set_up(cluster_.get(), b);
      std::this_thread::sleep_for(std::chrono::milliseconds(400 + 71 * (i % 7)));
    }
  });
  const auto end = std::chrono::steady_clock::now() + 15s;
  int rounds = 0;
  int answered = 0;
  int failed = 0;
  auto longest = std::chrono::steady_clock::duration::zero();
  auto count = [&](const auto& call) {
    const auto start = std::chrono::steady_clock::now();
    const auto results = call();
    longest = std::max(longest, std::chrono::steady_clock::now() - start);
    EXPECT_EQ(results.size(), names.size());
    for (const auto& [group, res] : results) ++(res ? answered : failed);
  };
  while (std::chrono::steady_clock::now() < end) {
    std::map<std::string, std::vector<kafka::committed_offset>> writes;
    for (int g = 0; g < 60; ++g) writes[names[g]] = offsets_for(g);
    count([&] { return admin->alter_group_offsets(writes); });
    count([&] { return admin->list_group_offsets(names); });
    ++rounds;
    std::this_thread::sleep_for(50ms);  // a sync round's pause, not a wait for a condition
  }
  done = true;
  chaos.join();
  for (int b = 1; b <= kBrokers; ++b) rd_kafka_mock_broker_set_up(cluster_.get(), b);
  set_rtt(0);
  EXPECT_GT(rounds, 3);
  EXPECT_GT(answered, 0);
  EXPECT_GT(failed, 0);
  std::cout << "[ figures  ] " << rounds << " rounds of 60 writes and 60 reads: " << answered
            << " answered, " << failed << " failed, " << admin->handles_replaced()
            << " handles replaced, longest call "
            << std::chrono::duration_cast<std::chrono::milliseconds>(longest).count() << " ms, "
            << kafka::admin_client::handles_closing() << " still closing\n";
  // The deadline (0.7 s) and making a new handle; never the old one's end
  // (which librdkafka sometimes never finishes, ADR 0012: not asserted).
  EXPECT_LT(longest, 5s);
  ASSERT_TRUE(testing::wait_for(
      [&] {
        auto read = admin->list_group_offsets({names[1]});
        return read.at(names[1]).has_value();
      },
      20s));
}

// A client destroyed, or a call ending, while group requests wait for
// coordinators that are down: librdkafka's termination fails them (once
// each), no abort, no leak (the ASan build runs this too).
TEST_F(AdminMock, HandlesDestroyedWhileRequestsWaitForACoordinator) {
  auto names = groups(30);
  spread_coordinators(names);
  for (int b = 1; b <= kBrokers; ++b) rd_kafka_mock_broker_set_down(cluster_.get(), b);
  for (int round = 0; round < 3; ++round) {
    auto admin = connect(200ms);
    ASSERT_TRUE(admin);
    auto read = admin->list_group_offsets(names);
    for (const auto& [group, res] : read) EXPECT_FALSE(res.has_value()) << group;
    EXPECT_EQ(admin->handles_replaced(), 1);
  }
  for (int b = 1; b <= kBrokers; ++b) rd_kafka_mock_broker_set_up(cluster_.get(), b);
  // The replaced handles end on threads of their own: waited for, so that
  // ASan's leak check at exit sees their memory freed. Not asserted: a
  // handle librdkafka never finishes closing (ADR 0012) is not strait's to fix.
  (void)testing::wait_for([] { return kafka::admin_client::handles_closing() == 0; }, 30s);
  std::cout << "[ figures  ] " << kafka::admin_client::handles_closing()
            << " handles still closing\n";
}

// Answers held back by the cluster (60 s round trips) never reach a later
// call: the requests went with their handle, and the next call's fresh ones
// answer once the cluster does.
TEST_F(AdminMock, UnansweredRequestsGoWithTheirHandle) {
  auto names = groups(10);
  spread_coordinators(names);
  auto admin = connect(200ms);
  ASSERT_TRUE(admin);
  set_rtt(60'000);
  auto first = admin->list_group_offsets(names);
  for (const auto& [group, res] : first) EXPECT_FALSE(res.has_value()) << group;
  EXPECT_EQ(admin->handles_replaced(), 1);
  set_rtt(0);
  ASSERT_TRUE(testing::wait_for(
      [&] {
        auto read = admin->list_group_offsets(names);
        return std::all_of(read.begin(), read.end(),
                           [](const auto& e) { return e.second.has_value(); });
      },
      20s));
}

// A coordinator that answers NOT_COORDINATOR (it moved: a broker restarted,
// a partition of __consumer_offsets changed leader): the group's read fails
// and the next one answers. librdkafka 2.14.2 dereferenced the consumer
// group of the client, which an admin client does not have, and crashed
// (confluentinc/librdkafka#5040); scripts/librdkafka builds it with
// scripts/librdkafka-patches/ (ADR 0013).
TEST_F(AdminMock, ACoordinatorThatMovedIsAnErrorNotACrash) {
  auto names = groups(3);
  for (const auto& g : names) rd_kafka_mock_coordinator_set(cluster_.get(), "group", g.c_str(), 1);
  auto admin = connect(5s);
  ASSERT_TRUE(admin);
  constexpr int16_t kOffsetFetchApiKey = 9;  // Kafka protocol: OffsetFetch
  for (auto err :
       {RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE}) {
    rd_kafka_mock_broker_push_request_error_rtts(cluster_.get(), 1, kOffsetFetchApiKey, 1, err, 0);
    auto read = admin->list_group_offsets({names[0]});
    ASSERT_FALSE(read.at(names[0]).has_value());
    EXPECT_NE(read.at(names[0]).error().message.find(rd_kafka_err2str(err)), std::string::npos)
        << read.at(names[0]).error().message;
  }
  auto read = admin->list_group_offsets(names);
  for (const auto& [group, res] : read) EXPECT_TRUE(res.has_value()) << group;
}

}  // namespace
}  // namespace strait
