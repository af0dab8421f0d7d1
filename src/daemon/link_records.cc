#include "link_records.h"

#include "strait/migration/state_machine.h"

namespace strait::daemon {

status no_cutover_in_progress(const store::checkpoint_store& store, const std::string& link) {
  auto states = store.migrations(link);
  if (!states) return std::unexpected(states.error());
  for (const auto& m : *states) {
    const bool busy =
        m.kind == store::migration_kind::topic
            ? (m.state == static_cast<uint8_t>(migration::topic_state::draining) ||
               m.state == static_cast<uint8_t>(migration::topic_state::cut_over) ||
               m.state == static_cast<uint8_t>(migration::topic_state::rolled_back))
            : (m.state == static_cast<uint8_t>(migration::group_state::cutting_over) ||
               m.state == static_cast<uint8_t>(migration::group_state::cut_over));
    if (busy) {
      return fail(errc::precondition,
                  "link " + link + ": " +
                      (m.kind == store::migration_kind::topic ? "topic " : "group ") + m.name +
                      " is in a cutover; finalize or roll it back before deleting the link");
    }
  }
  return {};
}

status forget_link(store::checkpoint_store& store, const std::string& link) {
  store::checkpoint_store::write_batch b;
  b.delete_link(link);
  auto staged = store.staged(link);
  if (!staged) return std::unexpected(staged.error());
  for (const auto& [kind, name] : *staged) b.delete_staged(link, kind, name);
  return store.commit(b);
}

}  // namespace strait::daemon
