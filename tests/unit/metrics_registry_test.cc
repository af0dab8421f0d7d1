#include <gtest/gtest.h>

#include "strait/metrics/registry.h"

namespace strait::metrics {
namespace {

TEST(MetricsRegistry, RemoveEverywhereTakesOnlyTheSeriesWithEveryLabelAndKeepsTheFamilies) {
  registry r;
  r.describe("strait_a", registry::kind::gauge, "a");
  r.describe("strait_b_total", registry::kind::counter, "b");
  r.set("strait_a", {{"link", "one"}, {"topic", "t"}}, 1);
  r.set("strait_a", {{"link", "one2"}, {"topic", "t"}}, 2);
  r.add("strait_b_total", {{"link", "one"}}, 3);
  // Labels are matched pair by pair, never in the rendered text: a value
  // that spells a pair is no pair.
  r.set("strait_a", {{"group", "x\",link=\"one"}, {"link", "two"}}, 4);
  r.set("strait_a", {{"xlink", "one"}}, 5);
  r.remove_everywhere({{"link", "one"}});
  std::string text = r.render();
  text.resize(text.find("# HELP strait_internal_errors_total"));  // process-wide, not this test's
  EXPECT_EQ(text,
            "# HELP strait_a a\n"
            "# TYPE strait_a gauge\n"
            "strait_a{group=\"x\\\",link=\\\"one\",link=\"two\"} 4\n"
            "strait_a{link=\"one2\",topic=\"t\"} 2\n"
            "strait_a{xlink=\"one\"} 5\n"
            "# HELP strait_b_total b\n"
            "# TYPE strait_b_total counter\n");
}

TEST(MetricsRegistry, RemoveMatchesEveryGivenLabel) {
  registry r;
  r.set("strait_a", {{"link", "l"}, {"topic", "t"}, {"reason", "x"}}, 1);
  r.set("strait_a", {{"link", "l"}, {"topic", "u"}, {"reason", "x"}}, 1);
  r.remove("strait_a", {{"link", "l"}, {"topic", "t"}});
  EXPECT_EQ(r.value("strait_a", {{"link", "l"}, {"topic", "t"}, {"reason", "x"}}), 0);
  EXPECT_EQ(r.value("strait_a", {{"link", "l"}, {"topic", "u"}, {"reason", "x"}}), 1);
  EXPECT_EQ(r.render().find("topic=\"t\""), std::string::npos);
  // Rendered, {a="x,b=",b="y"} holds the text b=",b=" (from inside a's value).
  r.set("strait_c", {{"a", "x,b="}, {"b", "y"}}, 1);
  r.remove("strait_c", {{"b", ",b="}});
  EXPECT_EQ(r.value("strait_c", {{"a", "x,b="}, {"b", "y"}}), 1);
}

}  // namespace
}  // namespace strait::metrics
