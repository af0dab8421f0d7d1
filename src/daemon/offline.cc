// straitd's offline edits of its store (--delete-link, --acknowledge),
// while straitd is stopped, journaled like the API's calls.
#include "offline.h"

#include <pwd.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "link_records.h"
#include "strait/api/stored_audit_log.h"
#include "strait/base/clock.h"
#include "strait/base/digest.h"
#include "strait/base/text.h"

namespace strait::daemon {

namespace {

// Who runs this process on the host, for the audit journal (and who ran
// sudo, if it did: informative only, the environment is the caller's).
std::string host_user() {
  const uid_t uid = ::geteuid();
  std::string who = "uid " + std::to_string(uid);
  if (const passwd* pw = ::getpwuid(uid); pw != nullptr && pw->pw_name != nullptr) {
    who = std::string(pw->pw_name) + " (" + who + ")";
  }
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') {
    who += " via sudo by " + std::string(sudo);
  }
  return who;
}

// What straitd does to its store offline (--acknowledge, --delete-link),
// journaled like the API's calls (docs/api.md#audit): "started" first,
// nothing done when that cannot be written, then the result. change()
// returns the state after.
status journaled_offline(store::checkpoint_store& store, const std::string& call,
                         const record_digest& args, const std::string& before,
                         const std::function<result<std::string>()>& change) {
  auto journal = api::stored_audit_log::open(store);
  if (!journal) {
    return fail(journal.error().code,
                "cannot read the audit journal (" + journal.error().message + "); nothing changed");
  }
  api::audit_record entry;
  entry.at_ms = wall_clock_ms();
  entry.who = host_user();
  entry.role = "host";
  entry.call = call;
  entry.args_digest = args.hex();
  entry.state_before = before;
  entry.result = "started";
  if (auto a = (*journal)->record(entry); !a) {
    return fail(a.error().code,
                "cannot write the audit journal (" + a.error().message + "); nothing changed");
  }
  auto after = change();
  entry.at_ms = wall_clock_ms();
  entry.result =
      after ? "ok" : std::string(to_string(after.error().code)) + ": " + after.error().message;
  entry.state_after = after ? *after : before;
  if (auto a = (*journal)->record(entry); !a) {
    spdlog::error("cannot write the audit journal: {}", a.error().message);
  }
  if (!after) return std::unexpected(after.error());
  return {};
}

}  // namespace

status delete_link_offline(const config::config& cfg, const std::string& link) {
  auto st = store::checkpoint_store::open(cfg.daemon.state_dir / "checkpoints");
  if (!st) {
    if (st.error().code == errc::busy) {
      return fail(errc::busy, st.error().message +
                                  "; stop straitd first: --delete-link edits the store offline");
    }
    return std::unexpected(st.error());
  }
  auto links = load_links(**st);
  if (!links) return std::unexpected(links.error());
  auto it =
      std::find_if(links->begin(), links->end(), [&](const auto& l) { return l.first == link; });
  if (it == links->end() || !it->second.from_api) {
    return fail(errc::not_found, "no link '" + printable(link, 64) +
                                     "' created through the API in the store (a link of the "
                                     "config file is removed from the file)");
  }
  if (auto s = no_cutover_in_progress(**st, link); !s) return s;
  record_digest args;
  args.add(link);
  auto done = journaled_offline(**st, "DeleteLink (straitd --delete-link)", args,
                                "link " + link + " stored", [&]() -> result<std::string> {
                                  if (auto s = forget_link(**st, link); !s) {
                                    return std::unexpected(s.error());
                                  }
                                  return "link " + link + " absent";
                                });
  if (!done) return done;
  spdlog::info(
      "link {} deleted from the store; its checkpoints stay for a link created again "
      "under the name",
      link);
  return {};
}

status acknowledge(const config::config& cfg, const std::string& spec,
                   const std::string& resolution_name) {
  // LINK/TOPIC/PARTITION; topic names cannot contain '/'.
  auto first = spec.find('/');
  auto last = spec.rfind('/');
  if (first == std::string::npos || first == last) {
    return fail(errc::invalid_argument,
                "--acknowledge: expected LINK/TOPIC/PARTITION, e.g. main/orders/3");
  }
  partition_key key{spec.substr(0, first), spec.substr(first + 1, last - first - 1),
                    partition_id(0)};
  try {
    key.partition = partition_id(std::stoi(spec.substr(last + 1)));
  } catch (const std::exception&) {
    return fail(errc::invalid_argument, "--acknowledge: partition must be a number");
  }
  auto r = store::parse_resolution(resolution_name);
  if (!r) {
    return fail(errc::invalid_argument,
                "--resolution: must be one of retry, skip-to-log-start, accept-target, "
                "skip-record");
  }
  auto st = store::checkpoint_store::open(cfg.daemon.state_dir / "checkpoints");
  if (!st) {
    if (st.error().code == errc::busy) {
      return fail(errc::busy, st.error().message +
                                  "; stop straitd first: --acknowledge edits the store offline");
    }
    return std::unexpected(st.error());
  }
  auto cp = (*st)->load(key);
  if (!cp) return std::unexpected(cp.error());
  if (!*cp) return fail(errc::not_found, "no mirrored partition " + key.to_string());
  if ((*cp)->stopped == store::stop_reason::none) {
    return fail(errc::precondition, key.to_string() + " is not stopped; nothing to acknowledge");
  }
  const store::stop_reason why = (*cp)->stopped;
  if (why == store::stop_reason::handed_over) {
    return fail(errc::precondition,
                key.to_string() +
                    " was cut over (the target is primary); straitctl rollback ends that, not "
                    "--acknowledge");
  }
  if (!store::resolution_applies(why, *r, (*cp)->stop_source_offset)) {
    return fail(errc::invalid_argument, std::string("--resolution ") + store::to_string(*r) +
                                            " does not apply to a partition stopped as " +
                                            store::to_string(why));
  }
  record_digest args;
  args.add(spec);
  args.add(resolution_name);
  const std::string before = key.to_string() + "=" + store::to_string(why);
  auto done = journaled_offline(
      **st, "Acknowledge (straitd --acknowledge)", args, before, [&]() -> result<std::string> {
        (*cp)->pending = *r;
        store::checkpoint_store::write_batch b;
        b.put_checkpoint(key, **cp);
        if (auto s = (*st)->commit(b); !s) {
          return std::unexpected(s.error());
        }
        return before + " resolution " + store::to_string(*r) + " pending";
      });
  if (!done) return done;
  spdlog::info("{}: stopped as {} ({}); resolution {} recorded, applied at the next start",
               key.to_string(), store::to_string(why), (*cp)->stop_detail, store::to_string(*r));
  return {};
}

}  // namespace strait::daemon
