// A link between two of librdkafka's mock clusters, as the component tests
// run them, and the filler records they load the clusters with.
#pragma once

#include <string>
#include <vector>

#include "kafka_records.h"
#include "mock_cluster.h"
#include "strait/config/config.h"

namespace strait::testing {

// Link `name` from `source` to `target`, mirroring the topics `include`
// matches, without the admin calls the mock lacks (CreateTopics,
// DescribeConfigs).
inline config::link_config mock_link(const std::string& name, const mock_cluster& source,
                                     const mock_cluster& target,
                                     std::vector<std::string> include = {".*"}) {
  config::link_config cfg;
  cfg.name = name;
  cfg.source.props = {{"bootstrap.servers", source.bootstrap()}, {"log_level", "0"}};
  cfg.target.props = {{"bootstrap.servers", target.bootstrap()}, {"log_level", "0"}};
  cfg.topics.include = std::move(include);
  cfg.topics.create = false;
  cfg.topics.check_configs = false;
  return cfg;
}

// `records` records of 100 bytes to `topic` of `cluster`, spread over its
// `partitions` partitions in turn.
inline void produce_filler(const mock_cluster& cluster, const std::string& topic, int partitions,
                           int records) {
  test_producer p(cluster.bootstrap(), {{"log_level", "0"}});
  record r;
  r.value = std::string(100, 'x');
  for (int i = 0; i < records; ++i) p.send(topic, i % partitions, r);
  p.flush();
}

}  // namespace strait::testing
