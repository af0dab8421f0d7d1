#include "strait/metrics/registry.h"

#include <algorithm>
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
  auto& s = families_[name].all[render_labels(l)];
  s.l = l;
  s.value = value;
}

void registry::add(const std::string& name, const labels& l, double delta) {
  std::lock_guard lock(mu_);
  auto& s = families_[name].all[render_labels(l)];
  s.l = l;
  s.value += delta;
}

void registry::remove_from(family& f, const labels& match) {
  std::erase_if(f.all, [&](const auto& entry) {
    const labels& l = entry.second.l;
    return std::ranges::all_of(match,
                               [&](const auto& kv) { return std::ranges::find(l, kv) != l.end(); });
  });
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
  auto s = it->second.all.find(render_labels(l));
  return s == it->second.all.end() ? 0 : s->second.value;
}

std::string registry::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  out.precision(17);
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out << "# HELP " << name << " " << f.help << "\n";
    out << "# TYPE " << name << " " << (f.k == kind::counter ? "counter" : "gauge") << "\n";
    for (const auto& [l, s] : f.all) {
      const double v = s.value;
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
