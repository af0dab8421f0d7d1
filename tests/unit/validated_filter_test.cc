#include <gtest/gtest.h>

#include "strait/base/invariant.h"
#include "strait/config/topic_filter.h"
#include "strait/groupsync/group_syncer.h"
#include "strait/metrics/registry.h"
#include "strait/store/checkpoint_store.h"
#include "test_util.h"

namespace strait {
namespace {

TEST(ValidatedFilter, AFilterThatCompilesIsKept) {
  std::optional<error> failed;
  auto f = config::topic_filter::of_validated(
      config::topic_filter::make({"orders.*"}, {}, false, "links.main.topics"), failed);
  EXPECT_FALSE(failed.has_value());
  EXPECT_TRUE(f.matches("orders-eu"));
  EXPECT_FALSE(f.matches("payments"));
}

TEST(ValidatedFilter, OneThatDoesNotIsABugThatMatchesNothingAndKeepsTheFirstError) {
  std::optional<error> failed;
  const uint64_t before = internal_errors_total();
  auto f = config::topic_filter::of_validated(
      config::topic_filter::make({".*"}, {"(unclosed"}, false, "links.main.topics"), failed);
  auto g = config::topic_filter::of_validated(
      config::topic_filter::make({"["}, {}, false, "links.main.groups"), failed);
  EXPECT_EQ(internal_errors_total(), before + 2);
  EXPECT_FALSE(f.matches("orders"));
  EXPECT_FALSE(g.matches("orders"));
  ASSERT_TRUE(failed.has_value());
  EXPECT_NE(failed->message.find("links.main.topics.exclude[0]"), std::string::npos)
      << failed->message;
}

// A link config that bypassed validation (a bug) no longer reaches an
// unchecked dereference: the group syncer refuses to start, naming the field.
TEST(ValidatedFilter, AGroupSyncerWithAnUncompilableFilterRefusesToStart) {
  testing::temp_dir dir;
  auto store = store::checkpoint_store::open(dir.path());
  ASSERT_TRUE(store.has_value()) << store.error().message;
  metrics::registry metrics;
  config::link_config cfg;
  cfg.name = "main";
  cfg.groups.include = {"billing-("};
  groupsync::group_syncer syncer(cfg, **store, metrics, nullptr, nullptr, nullptr, nullptr);
  auto started = syncer.start();
  ASSERT_FALSE(started.has_value());
  EXPECT_NE(started.error().message.find("links.main.groups.include[0]"), std::string::npos)
      << started.error().message;
}

}  // namespace
}  // namespace strait
