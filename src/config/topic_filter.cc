#include "strait/config/topic_filter.h"

#include <re2/re2.h>

#include <algorithm>

#include "strait/base/invariant.h"

namespace strait::config {

topic_filter::topic_filter(topic_filter&&) noexcept = default;
topic_filter& topic_filter::operator=(topic_filter&&) noexcept = default;
topic_filter::~topic_filter() = default;

result<topic_filter> topic_filter::make(const std::vector<std::string>& include,
                                        const std::vector<std::string>& exclude,
                                        bool exclude_internal, const std::string& field) {
  topic_filter f;
  f.exclude_internal_ = exclude_internal;
  std::string problems;
  auto compile = [&](const std::vector<std::string>& patterns, const char* which,
                     std::vector<std::unique_ptr<re2::RE2>>& out) {
    RE2::Options opts;
    opts.set_log_errors(false);
    // '.' matches any character, a newline too: ".*" selects every name,
    // and a group id may hold any byte (issue 11: a staged group whose id
    // held a newline was never synced).
    opts.set_dot_nl(true);
    for (size_t i = 0; i < patterns.size(); ++i) {
      auto re = std::make_unique<re2::RE2>(patterns[i], opts);
      if (!re->ok()) {
        problems += field + "." + which + "[" + std::to_string(i) + "]: invalid regex '" +
                    patterns[i] + "': " + re->error() + "\n";
        continue;
      }
      out.push_back(std::move(re));
    }
  };
  compile(include, "include", f.include_);
  f.include_all_ = std::find(include.begin(), include.end(), ".*") != include.end();
  compile(exclude, "exclude", f.exclude_);
  if (!problems.empty()) {
    problems.pop_back();
    return fail(errc::invalid_argument, problems);
  }
  return f;
}

topic_filter topic_filter::of_validated(result<topic_filter> made, std::optional<error>& failed) {
  if (STRAIT_CHECK(made.has_value(),
                   "a validated link's filter does not compile: " + made.error().message)) {
    return std::move(*made);
  }
  if (!failed) {
    failed = error{errc::invalid_argument,
                   made.error().message + " (the config was accepted as valid: a bug in strait)"};
  }
  return topic_filter();  // no include: matches nothing
}

bool topic_filter::matches(const std::string& name) const {
  if (exclude_internal_ && name.starts_with("__")) return false;
  auto full_match = [&](const std::unique_ptr<re2::RE2>& re) {
    return re2::RE2::FullMatch(name, *re);
  };
  if (!include_all_ && std::none_of(include_.begin(), include_.end(), full_match)) return false;
  return std::none_of(exclude_.begin(), exclude_.end(), full_match);
}

}  // namespace strait::config
