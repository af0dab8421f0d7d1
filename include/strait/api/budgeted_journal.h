#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "strait/api/journal_budget.h"
#include "strait/api/status.h"
#include "strait/base/periodic_thread.h"

namespace strait::api {

// How the API server writes the audit journal (docs/security.md#audit):
// entries of calls that act always (record()), refusals and the calls of
// viewers and operators within each caller's journal_budget
// (record_within_budget(), admit()), and one summary entry per caller and
// ended window for the rest. Summaries are written before any later entry
// and by a thread of their own ("api-journal", start()) once their window
// has ended, so a flood that stopped still shows. Every entry is stamped
// with the wall-clock time. Thread-safe: one mutex, held while an entry is
// written (after the API server's mutate lock, before the store's audit
// lock; docs/architecture.md).
class budgeted_journal {
 public:
  using clock = journal_budget::clock;

  // `now` reads the budget's clock (tests move it by hand).
  budgeted_journal(audit_log& log, int per_window, clock::duration window,
                   std::function<clock::time_point()> now = &clock::now);
  ~budgeted_journal();  // stop()
  budgeted_journal(const budgeted_journal&) = delete;
  budgeted_journal& operator=(const budgeted_journal&) = delete;

  // Appends `rec`; false (and logged) when it cannot be written.
  [[nodiscard]] bool record(const audit_record& rec);

  enum class outcome { written, over_budget, failed };
  // record(rec) if `who`'s budget admits it (journal_budget::admit, with
  // rec.result as what is counted); else counted for the summary only.
  [[nodiscard]] outcome record_within_budget(const std::string& who, bool authenticated,
                                             const audit_record& rec);
  // Counts a call against `who`'s budget without writing anything: true
  // when within it (the call's own entries then need no second count).
  [[nodiscard]] bool admit(const std::string& who, bool authenticated, const std::string& what);

  // Starts writing the summaries of ended windows every `interval`.
  void start(clock::duration interval);
  // Stops that thread and writes every count still held, windows still
  // open included (at shutdown, once no call is in progress). Idempotent.
  void stop();

 private:
  bool append_locked(audit_record rec);
  void write_summaries_locked(bool all);

  audit_log& log_;
  std::function<clock::time_point()> now_;
  std::mutex mu_;
  journal_budget budget_;  // guarded by mu_
  periodic_thread summaries_;
};

}  // namespace strait::api
