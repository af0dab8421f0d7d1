#include "strait/config/selection.h"

namespace strait::config {

name_selection name_selection::topics(const link_config& cfg, const staged_names* staged,
                                      const shard_share* share, std::optional<error>& failed) {
  const std::string field = "links." + cfg.name + ".topics";
  return {topic_filter::of_validated(topic_filter::make(cfg.topics.include, cfg.topics.exclude,
                                                        cfg.topics.exclude_internal, field),
                                     failed),
          topic_filter::of_validated(
              topic_filter::make({".*"}, cfg.topics.exclude, cfg.topics.exclude_internal, field),
              failed),
          staged, share, shard_share::kind::topic};
}

name_selection name_selection::groups(const link_config& cfg, const staged_names* staged,
                                      const shard_share* share, std::optional<error>& failed) {
  const std::string field = "links." + cfg.name + ".groups";
  return {topic_filter::of_validated(
              topic_filter::make(cfg.groups.include, cfg.groups.exclude, false, field), failed),
          topic_filter::of_validated(topic_filter::make({".*"}, cfg.groups.exclude, false, field),
                                     failed),
          staged, share, shard_share::kind::group};
}

}  // namespace strait::config
