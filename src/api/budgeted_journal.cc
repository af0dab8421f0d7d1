#include "strait/api/budgeted_journal.h"

#include <spdlog/spdlog.h>

#include "strait/base/clock.h"
#include "strait/base/text.h"

namespace strait::api {

budgeted_journal::budgeted_journal(audit_log& log, int per_window, clock::duration window,
                                   std::function<clock::time_point()> now)
    : log_(log), now_(std::move(now)), budget_(per_window, window) {}

budgeted_journal::~budgeted_journal() { stop(); }

bool budgeted_journal::record(const audit_record& rec) {
  std::lock_guard lock(mu_);
  write_summaries_locked(false);
  return append_locked(rec);
}

budgeted_journal::outcome budgeted_journal::record_within_budget(const std::string& who,
                                                                 bool authenticated,
                                                                 const audit_record& rec) {
  std::lock_guard lock(mu_);
  if (!budget_.admit(who, authenticated, rec.result, now_())) return outcome::over_budget;
  write_summaries_locked(false);
  return append_locked(rec) ? outcome::written : outcome::failed;
}

bool budgeted_journal::admit(const std::string& who, bool authenticated, const std::string& what) {
  std::lock_guard lock(mu_);
  return budget_.admit(who, authenticated, what, now_());
}

void budgeted_journal::start(clock::duration interval) {
  summaries_.start("api-journal", [this, interval] {
    std::lock_guard lock(mu_);
    write_summaries_locked(false);
    return interval;
  });
}

void budgeted_journal::stop() {
  summaries_.stop();
  std::lock_guard lock(mu_);
  write_summaries_locked(true);
}

bool budgeted_journal::append_locked(audit_record rec) {
  rec.at_ms = wall_clock_ms();
  if (auto s = log_.record(rec); !s) {
    spdlog::error("api: cannot record in the audit journal: {}", s.error().message);
    return false;
  }
  return true;
}

void budgeted_journal::write_summaries_locked(bool all) {
  for (const auto& sum : budget_.take(now_(), all)) {
    audit_record r;
    r.who = sum.who;
    r.call = "(over the journal budget)";
    r.result = single_line(
        std::to_string(sum.refused) + " more calls within " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(sum.over).count()) +
            " s were refused without an entry each; the last: " + sum.last,
        2048);
    spdlog::warn("api: {}: {}", r.who, r.result);
    (void)append_locked(std::move(r));
  }
}

}  // namespace strait::api
