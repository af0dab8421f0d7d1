#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strait/base/result.h"

namespace re2 {
class RE2;
}

namespace strait::config {

// Topic and group selection with include / exclude regexes. RE2
// guarantees linear-time matching, so a user's pattern cannot stall the
// daemon. Patterns must match the whole name; '.' matches any character, a
// newline too, and an include of exactly ".*" matches every name, even one
// that is not valid UTF-8 (which RE2's '.' does not match).
class topic_filter {
 public:
  // `field` names the config field in error messages (e.g. "links[0].topics").
  [[nodiscard]] static result<topic_filter> make(const std::vector<std::string>& include,
                                                 const std::vector<std::string>& exclude,
                                                 bool exclude_internal, const std::string& field);
  topic_filter(topic_filter&&) noexcept;
  topic_filter& operator=(topic_filter&&) noexcept;
  ~topic_filter();

  // For the filters of a link config that was validated (config::load, the
  // API's CreateLink): they compile. One that does not is a bug: it is
  // reported (base/invariant.h), the filter returned matches nothing, and
  // `failed` keeps the first such error for its owner's start() to return,
  // so the link does not start instead of selecting nothing in silence.
  [[nodiscard]] static topic_filter of_validated(result<topic_filter> made,
                                                 std::optional<error>& failed);

  [[nodiscard]] bool matches(const std::string& name) const;

 private:
  topic_filter() = default;
  std::vector<std::unique_ptr<re2::RE2>> include_;
  std::vector<std::unique_ptr<re2::RE2>> exclude_;
  bool exclude_internal_ = true;
  bool include_all_ = false;  // an include pattern is ".*"
};

}  // namespace strait::config
