#pragma once

#include <optional>
#include <string>

#include "strait/base/result.h"
#include "strait/config/config.h"
#include "strait/config/staged.h"
#include "strait/config/topic_filter.h"

namespace strait::config {

// What a link selects of one kind, source topics or source groups: the names
// its include/exclude patterns match, and the names staged on it
// (docs/links.md#staging) that no exclude pattern matches. The one rule the
// supervisor, the group syncer and a scan apply (whether group sync is on at
// all is the caller's to check). Thread-safe after construction.
class name_selection {
 public:
  // For a validated config: a pattern that does not compile is a bug,
  // reported as topic_filter::of_validated does (`failed`; nothing selected).
  // `staged` may be null (nothing staged) and must outlive the selection.
  [[nodiscard]] static name_selection topics(const link_config& cfg, const staged_names* staged,
                                             std::optional<error>& failed);
  [[nodiscard]] static name_selection groups(const link_config& cfg, const staged_names* staged,
                                             std::optional<error>& failed);

  [[nodiscard]] bool selects(const std::string& name) const {
    return patterns_.matches(name) ||
           (staged_ != nullptr && staged_->contains(name) && not_excluded_.matches(name));
  }

 private:
  name_selection(topic_filter patterns, topic_filter not_excluded, const staged_names* staged)
      : patterns_(std::move(patterns)), not_excluded_(std::move(not_excluded)), staged_(staged) {}
  topic_filter patterns_;
  topic_filter not_excluded_;  // staged names yield to the link's excludes
  const staged_names* staged_;
};

}  // namespace strait::config
