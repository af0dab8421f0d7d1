#pragma once

#include <optional>
#include <string>

#include "strait/config/config.h"
#include "strait/store/checkpoint_store.h"

// Which clusters and topics a link may write, decided from cluster ids (from
// metadata), never from how bootstrap.servers is spelled. Pure functions:
// the supervisor applies them every round, CreateLink before it accepts a
// link (docs/links.md).
namespace strait::mirror {

// The name strait keys a cluster by: its id, or for a cluster that tells
// none (`id` is errc::not_found) its bootstrap brokers ("bootstrap:a:9092,
// b:9092"), which cannot see two names of one broker. Other errors pass.
[[nodiscard]] result<std::string> cluster_key(const result<std::string>& id,
                                              const config::cluster_config& cluster);

// Why the link must write nothing at all, or empty when it may write:
//  - its checkpoints (`stored`) are of other clusters than the ones its
//    settings reach `now`: its offset maps mean nothing there;
//  - source and target are one cluster and its names map a topic onto itself
//    (no prefix, no strip_prefix): every record would be written back into
//    the topic it was read from.
[[nodiscard]] std::string cluster_refusal(const config::link_config& cfg,
                                          const std::optional<store::cluster_ids>& stored,
                                          const store::cluster_ids& now);

// Whether `source_topic` is one of the link's own copies (source and target
// are one cluster and the name carries the link's prefix): never selected,
// or it would be copied again and again.
[[nodiscard]] bool is_own_copy(const config::link_config& cfg, bool same_cluster,
                               const std::string& source_topic);

// Why strait must not write `target_topic`, or empty: a name starting with
// "__" is Kafka's own (__consumer_offsets, __transaction_state, ...).
[[nodiscard]] std::string target_topic_refusal(const std::string& target_topic);

// Why a link does not write `target_topic`: link `holder` writes it on the
// same target cluster (mirror::target_claims); with the fix.
[[nodiscard]] std::string claimed_by_another_link(const std::string& target_topic,
                                                  const std::string& holder);

}  // namespace strait::mirror
