#include "strait/metrics/registry.h"

#include <cmath>
#include <sstream>

#include "strait/base/invariant.h"

namespace strait::metrics {

std::string registry::render_labels(const labels& l) {
  if (l.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < l.size(); ++i) {
    if (i) out += ",";
    out += l[i].first + "=\"";
    for (char c : l[i].second) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += "\"";
  }
  return out + "}";
}

void registry::describe(const std::string& name, kind k, const std::string& help) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  f.k = k;
  f.help = help;
}

void registry::set(const std::string& name, const labels& l, double value) {
  std::lock_guard lock(mu_);
  families_[name].series[render_labels(l)] = value;
}

void registry::add(const std::string& name, const labels& l, double delta) {
  std::lock_guard lock(mu_);
  families_[name].series[render_labels(l)] += delta;
}

// A rendered label set holds each pair as `k="v"` after `{` or `,`; a value's
// own quotes are escaped, so a value cannot forge a pair.
bool registry::has_all(const std::string& rendered, const labels& match) {
  for (const auto& kv : match) {
    const std::string one = render_labels({kv});  // {k="v"}
    const std::string pair = one.substr(1, one.size() - 2);
    bool found = false;
    for (size_t at = rendered.find(pair); at != std::string::npos && !found;
         at = rendered.find(pair, at + 1)) {
      found = at > 0 && (rendered[at - 1] == '{' || rendered[at - 1] == ',');
    }
    if (!found) return false;
  }
  return true;
}

void registry::remove_from(family& f, const labels& match) {
  std::erase_if(f.series, [&](const auto& s) { return has_all(s.first, match); });
}

void registry::remove(const std::string& name, const labels& match) {
  std::lock_guard lock(mu_);
  if (auto it = families_.find(name); it != families_.end()) remove_from(it->second, match);
}

void registry::remove_everywhere(const labels& match) {
  std::lock_guard lock(mu_);
  for (auto& [name, f] : families_) remove_from(f, match);
}

double registry::value(const std::string& name, const labels& l) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  auto s = it->second.series.find(render_labels(l));
  return s == it->second.series.end() ? 0 : s->second;
}

std::string registry::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  out.precision(17);
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out << "# HELP " << name << " " << f.help << "\n";
    out << "# TYPE " << name << " " << (f.k == kind::counter ? "counter" : "gauge") << "\n";
    for (const auto& [l, v] : f.series) {
      out << name << l << " ";
      if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
        out << static_cast<int64_t>(v);
      } else {
        out << v;
      }
      out << "\n";
    }
  }
  // Process-wide, not a family of this registry: breaches are reported from
  // modules that have no registry at hand (base/invariant.h).
  out << "# HELP strait_internal_errors_total Breaches of strait's own invariants (bugs) since "
         "the process started, each logged with where it happened\n"
      << "# TYPE strait_internal_errors_total counter\n"
      << "strait_internal_errors_total " << internal_errors_total() << "\n";
  return out.str();
}

}  // namespace strait::metrics
