#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace strait::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

// A minimal Prometheus registry: families of gauges and counters keyed by
// label set, rendered in the text exposition format (version 0.0.4).
// Thread-safe: writers are the engine and supervisor threads, the reader is
// the HTTP thread. Values are set in bulk once a second, so one mutex suffices.
class registry {
 public:
  enum class kind { gauge, counter };

  void describe(const std::string& name, kind k, const std::string& help);
  void set(const std::string& name, const labels& l, double value);
  void add(const std::string& name, const labels& l, double delta);
  // Removes every series of `name` whose labels include all of `match`.
  void remove(const std::string& name, const labels& match);
  // The same in every family: what goes with a link that stops (its
  // families stay described, so /metrics keeps naming them).
  void remove_everywhere(const labels& match);
  [[nodiscard]] double value(const std::string& name, const labels& l) const;
  [[nodiscard]] std::string render() const;

 private:
  struct series {
    labels l;  // as set: what remove() matches, pair by pair
    double value = 0;
  };
  struct family {
    kind k = kind::gauge;
    std::string help;
    std::map<std::string, series> all;  // rendered label set -> series
  };
  static std::string render_labels(const labels& l);
  static void remove_from(family& f, const labels& match);
  mutable std::mutex mu_;
  std::map<std::string, family> families_;
};

}  // namespace strait::metrics
