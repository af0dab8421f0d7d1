#include "strait/mirror/cluster_rules.h"

namespace strait::mirror {

result<std::string> cluster_key(const result<std::string>& id,
                                const config::cluster_config& cluster) {
  if (id || id.error().code != errc::not_found) return id;
  std::string key = "bootstrap:";
  for (const auto& broker : cluster.brokers()) key += (key.size() > 10 ? "," : "") + broker;
  return key;
}

std::string cluster_refusal(const config::link_config& cfg,
                            const std::optional<store::cluster_ids>& stored,
                            const store::cluster_ids& now) {
  if (stored && *stored != now) {
    return "this link's checkpoints are of source cluster " + stored->source +
           " and target cluster " + stored->target + ", but its settings now reach source " +
           "cluster " + now.source + " and target cluster " + now.target +
           "; its offset maps mean nothing there: point it back at its clusters, or give the " +
           "new pair a link of another name";
  }
  // A reverse link (after a cutover) maps m.t back onto t: no loop.
  if (now.source == now.target && cfg.topics.prefix.empty() && cfg.topics.strip_prefix.empty()) {
    return "source and target are the same cluster (id " + now.source +
           "): it would write every record back into the topic it reads; give topics.prefix " +
           "(the prefixed copies are then never read again)";
  }
  return "";
}

bool is_own_copy(const config::link_config& cfg, bool same_cluster,
                 const std::string& source_topic) {
  return same_cluster && !cfg.topics.prefix.empty() && source_topic.starts_with(cfg.topics.prefix);
}

std::string target_topic_refusal(const std::string& target_topic) {
  if (!target_topic.starts_with("__")) return "";
  return "target topic " + target_topic +
         " would be internal to Kafka (its name starts with __), which strait never writes; "
         "exclude the topic or give topics.prefix";
}

std::string claimed_by_another_link(const std::string& target_topic, const std::string& holder) {
  return "target topic " + target_topic + " is written by link " + holder +
         " on the same cluster; exclude the topic from one of the links (topics.exclude) or give "
         "one a topics.prefix";
}

}  // namespace strait::mirror
