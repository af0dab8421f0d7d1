#pragma once

#include <optional>
#include <string>

#include "strait/base/result.h"
#include "strait/config/config.h"
#include "strait/config/shards.h"
#include "strait/config/staged.h"
#include "strait/config/topic_filter.h"

namespace strait::config {

// What a link selects of one kind, source topics or source groups: the names
// its include/exclude patterns match, and the names staged on it
// (docs/links.md#staging) that no exclude pattern matches. The one rule the
// supervisor, the group syncer and a scan apply (whether group sync is on at
// all is the caller's to check). With a shard share (several straitd, ADR
// 0030), of those names only the ones this straitd owns; a scan passes none
// and sees the link's whole selection. Thread-safe after construction.
class name_selection {
 public:
  // For a validated config: a pattern that does not compile is a bug,
  // reported as topic_filter::of_validated does (`failed`; nothing selected).
  // `staged` may be null (nothing staged), `share` null (every name is this
  // straitd's); both must outlive the selection.
  [[nodiscard]] static name_selection topics(const link_config& cfg, const staged_names* staged,
                                             const shard_share* share,
                                             std::optional<error>& failed);
  [[nodiscard]] static name_selection groups(const link_config& cfg, const staged_names* staged,
                                             const shard_share* share,
                                             std::optional<error>& failed);

  // Selected by the link and owned by this straitd.
  [[nodiscard]] bool selects(const std::string& name) const {
    return selected_by_link(name) && (share_ == nullptr || share_->owns(kind_, name));
  }
  // Selected by the link, whichever straitd owns it.
  [[nodiscard]] bool selected_by_link(const std::string& name) const {
    return patterns_.matches(name) ||
           (staged_ != nullptr && staged_->contains(name) && not_excluded_.matches(name));
  }

 private:
  name_selection(topic_filter patterns, topic_filter not_excluded, const staged_names* staged,
                 const shard_share* share, shard_share::kind kind)
      : patterns_(std::move(patterns)),
        not_excluded_(std::move(not_excluded)),
        staged_(staged),
        share_(share),
        kind_(kind) {}
  topic_filter patterns_;
  topic_filter not_excluded_;  // staged names yield to the link's excludes
  const staged_names* staged_;
  const shard_share* share_;
  shard_share::kind kind_;
};

}  // namespace strait::config
