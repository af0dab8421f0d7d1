#include "strait/mirror/config_sync.h"

#include <algorithm>

namespace strait::mirror {

namespace {

using policy::config_difference;

bool contains(const std::vector<config_difference>& v, const config_difference& d) {
  return std::find(v.begin(), v.end(), d) != v.end();
}

const config_sync_memory::refusal* refusal_of(const config_sync_memory& m,
                                              const config_difference& d) {
  for (const auto& r : m.refused) {
    if (r.difference == d) return &r;
  }
  return nullptr;
}

}  // namespace

config_sync_step follow_source(std::vector<config_difference> drift,
                               const config_sync_memory& memory, bool caught_up,
                               const alter_configs& alter) {
  config_sync_step out;
  auto stay = [&](config_difference d, const std::string& why) {
    if (out.reason.empty()) out.reason = why;
    out.left.push_back(std::move(d));
  };
  std::vector<config_difference> fresh;
  for (auto& d : drift) {
    if (contains(memory.changed, d)) {
      out.memory.changed.push_back(d);
      stay(std::move(d),
           "the target topic kept its values after strait changed them (the cluster rewrites "
           "them, or someone set them back); change them on the target or leave them out of "
           "config sync (topics.config_deny)");
    } else if (const auto* r = refusal_of(memory, d)) {
      out.memory.refused.push_back(*r);
      stay(std::move(d), r->reason);
    } else if (!caught_up && policy::waits_for_catch_up(d)) {
      stay(std::move(d),
           "changed once the topic has caught up: records still to be mirrored might not fit "
           "the new value");
    } else {
      fresh.push_back(std::move(d));
    }
  }
  auto try_alone = [&](config_difference d) {
    if (out.unanswered) return out.left.push_back(std::move(d));
    auto one = alter(policy::changes_for({d}));
    if (one) return out.changed.push_back(std::move(d));
    if (one.error().code == errc::invalid_argument) {
      const std::string why = "the target refused the change: " + one.error().message;
      out.memory.refused.push_back({d, why});
      return stay(std::move(d), why);
    }
    if (one.error().code != errc::precondition) out.unanswered = one.error();
    stay(std::move(d), "the target refused the change: " + one.error().message);
  };
  if (fresh.size() == 1) {
    try_alone(std::move(fresh.front()));
  } else if (!fresh.empty()) {
    auto all = alter(policy::changes_for(fresh));
    if (all) {
      out.changed = std::move(fresh);
    } else if (all.error().code == errc::invalid_argument) {
      for (auto& d : fresh) try_alone(std::move(d));
    } else {
      if (all.error().code != errc::precondition) out.unanswered = all.error();
      for (auto& d : fresh)
        stay(std::move(d), "the target refused the change: " + all.error().message);
    }
  }
  if (out.unanswered) {
    out.reason = "the target did not answer (" + out.unanswered->message +
                 "); tried again at the next config sync";
  }
  out.memory.changed.insert(out.memory.changed.end(), out.changed.begin(), out.changed.end());
  std::sort(out.left.begin(), out.left.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace strait::mirror
