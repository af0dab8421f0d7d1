#include "strait/scan/scan_runner.h"

#include <spdlog/spdlog.h>

#include "strait/base/clock.h"
#include "strait/scan/report_records.h"
#include "strait/scan/scanner.h"

namespace strait::scan {

scan_runner::scan_runner(const config::link_config& cfg, store::checkpoint_store& store,
                         const config::staged_names* staged_topics,
                         const config::staged_names* staged_groups,
                         std::chrono::milliseconds admin_timeout)
    : cfg_(cfg),
      store_(store),
      topics_(config::name_selection::topics(cfg, staged_topics, nullptr, filter_error_)),
      groups_(config::name_selection::groups(cfg, staged_groups, nullptr, filter_error_)),
      admin_timeout_(admin_timeout) {}

scan_runner::~scan_runner() { stop(); }

result<uint64_t> scan_runner::next_id() {
  if (last_id_ == 0) {
    auto last = last_report_id(store_, cfg_.name);
    if (!last) return std::unexpected(last.error());
    last_id_ = *last;
  }
  return ++last_id_;
}

result<report> scan_runner::start(int64_t window_ms, const std::string& requested_by) {
  if (filter_error_) return std::unexpected(*filter_error_);
  std::lock_guard lock(mu_);
  if (stopped_) return fail(errc::precondition, "link " + cfg_.name + " is stopping");
  if (running_) {
    return fail(errc::precondition, "scan " + std::to_string(running_->id) + " of link " +
                                        cfg_.name + " is running; follow it with GetScan");
  }
  auto id = next_id();
  if (!id) return std::unexpected(id.error());
  report r;
  r.id = *id;
  r.link = cfg_.name;
  r.requested_by = requested_by;
  r.started_at_ms = wall_clock_ms();
  r.window_ms = window_ms;
  running_ = r;
  cancel_ = false;
  if (!threads_.post("scn:" + cfg_.name, [this, r] { run(r); })) {
    running_.reset();
    return fail(errc::precondition, "link " + cfg_.name + " is stopping");
  }
  return r;
}

void scan_runner::run(report r) {
  scanner::selection selected;
  selected.topic = [this](const std::string& t) { return topics_.selects(t); };
  selected.group = [this](const std::string& g) {
    return cfg_.groups.enabled && groups_.selects(g);
  };
  // What the API shows is valid UTF-8, as the stored form is.
  scanner(cfg_, store_, std::move(selected), admin_timeout_)
      .run(r, cancel_, [this](const report& so_far) {
        report shown = with_valid_utf8(so_far);
        std::lock_guard lock(mu_);
        running_ = std::move(shown);
      });
  r = with_valid_utf8(r);
  auto stored = store_report(store_, r);
  if (!stored) {
    spdlog::error("link {}: scan {} cannot be stored: {}", cfg_.name, r.id, stored.error().message);
    r.notes.push_back("not stored (" + stored.error().message +
                      "): kept in memory until the next scan of the link");
  }
  spdlog::info("link {}: scan {} {}{}", cfg_.name, r.id, to_string(r.result),
               r.error.empty() ? "" : ": " + r.error);
  std::lock_guard lock(mu_);
  running_.reset();
  if (stored) {
    unstored_.reset();
  } else {
    unstored_ = std::move(r);
  }
}

result<report> scan_runner::get(uint64_t id) const {
  {
    std::lock_guard lock(mu_);
    if (running_ && (id == 0 || running_->id == id)) return *running_;
    if (unstored_ && (id == 0 || unstored_->id == id)) return *unstored_;
  }
  if (id == 0) {
    auto newest = last_report_id(store_, cfg_.name);
    if (!newest) return std::unexpected(newest.error());
    if (*newest == 0) return fail(errc::not_found, "link " + cfg_.name + " has no scan yet");
    id = *newest;
  }
  auto r = load_report(store_, cfg_.name, id);
  if (!r) return std::unexpected(r.error());
  if (!*r) {
    return fail(errc::not_found, "link " + cfg_.name + " has no scan " + std::to_string(id) +
                                     " (the newest " + std::to_string(kKeptScans) + " are kept)");
  }
  return std::move(**r);
}

result<std::vector<report>> scan_runner::list(size_t limit) const {
  std::optional<report> extra;
  {
    std::lock_guard lock(mu_);
    extra = running_ ? running_ : unstored_;
  }
  if (limit == 0) return std::vector<report>{};
  auto stored = load_summaries(store_, cfg_.name, extra ? limit - 1 : limit);
  if (!stored) return std::unexpected(stored.error());
  if (extra) stored->push_back(summary_of(*extra));
  return stored;
}

void scan_runner::cancel() { cancel_ = true; }

void scan_runner::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cancel_ = true;
  threads_.stop();
}

}  // namespace strait::scan
