#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "strait/base/result.h"

namespace strait::config {

// Several straitd sharing one migration (ADR 0030): this straitd's place in
// the set, from `daemon.shards`. One straitd: ordinal 0 of 1, which owns
// every name.
struct shard_identity {
  static constexpr uint32_t kMaxShards = 64;  // scan::kMaxShards: a plan's bound
  uint32_t ordinal = 0;
  uint32_t count = 1;
  // `daemon.shards.ordinal: hostname`: the ordinal is read from the host's
  // name when the daemon starts (ordinal_from_hostname).
  bool ordinal_from_hostname = false;
};

// The ordinal of a StatefulSet pod, `NAME-i`: the digits after the last '-'
// of the host name's first label, at most count - 1. An error names
// daemon.shards.ordinal, the host name (escaped) and the fix.
[[nodiscard]] result<uint32_t> ordinal_from_hostname(std::string_view hostname, uint32_t count);

// The owner of a name no stored assignment places: FNV-1a of its bytes
// modulo `count` (stable across builds and machines).
[[nodiscard]] uint32_t hashed_owner(std::string_view name, uint32_t count);

// A link's stored assignment (ADR 0030): each component, a set of topics
// and the groups that read them, is owned whole by one shard. The document
// every shard of the set holds the same copy of; `digest` tells copies
// apart. Built by shard_assignment::make, which checks it.
struct shard_component {
  std::vector<std::string> topics;  // sorted, unique
  std::vector<std::string> groups;  // sorted, unique
  uint32_t shard = 0;
  int64_t bytes = 0;  // what the plan weighed it by (informative)
};

struct shard_assignment {
  // Bounds of a document (an API request or a stored record): an estate of
  // hundreds of topics fits many times.
  static constexpr size_t kMaxNames = 100000;
  static constexpr size_t kMaxTopicBytes = 249;    // Kafka's topic name limit
  static constexpr size_t kMaxGroupBytes = 32767;  // a protocol string
  uint32_t shards = 1;
  uint64_t scan_id = 0;  // the scan it was planned from (informative)
  std::vector<shard_component> components;
  std::string digest;  // of shards and components: 16 hex digits

  // Checks a document for a straitd of `count` shards: its own count of
  // shards is 1 to `count` (fewer: the set grew since it was planned, or it
  // takes shards away before the count goes down, ADR 0030 step 4), each
  // component's shard is below its own count and has a topic, every name non-empty,
  // within its kind's bound, in one component only, at most kMaxNames names
  // in all (names may hold any bytes: they are printed escaped). Sorts each component's names and
  // computes the digest. An error names the field (`components[i].topics[j]`) and the fix.
  [[nodiscard]] static result<shard_assignment> make(uint32_t shards, uint64_t scan_id,
                                                     std::vector<shard_component> components,
                                                     uint32_t count);
  // The owner of a topic or group the document places, or nullopt.
  [[nodiscard]] std::optional<uint32_t> topic_owner(const std::string& name) const;
  [[nodiscard]] std::optional<uint32_t> group_owner(const std::string& name) const;

 private:
  std::map<std::string, uint32_t, std::less<>> topic_owner_;
  std::map<std::string, uint32_t, std::less<>> group_owner_;
};

// The names of one component of a link (a group and the topics it reads,
// placed whole, ADR 0030): source topic names and group ids.
struct component_names {
  std::set<std::string> topics;
  std::set<std::string> groups;
};

// What a link's store holds of its shards: the assignment (null: none, or
// one that does not decode), when it was applied, and `problem`: why it is
// not in force (damaged, applied by another ordinal, or planned for more
// shards than daemon.shards.count), in
// which case this straitd owns nothing of the link, whatever its count.
struct shard_state {
  std::shared_ptr<const shard_assignment> assignment;
  int64_t applied_at_ms = 0;
  uint32_t applied_as = 0;  // this straitd's ordinal when it applied it
  std::string problem;
  // Names this straitd released to another (ADR 0030 step 3): it owns them
  // no longer, whatever the assignment says.
  std::set<std::string> released_topics;
  std::set<std::string> released_groups;
  // Names this straitd received in imports (ADR 0030, "Receipts"; stored
  // as 'h' records): the plan check counts each as held where the plan
  // places it, and every stored plan ends them all. No ownership.
  std::set<std::string> received_topics;
  std::set<std::string> received_groups;
  [[nodiscard]] bool in_force() const { return assignment != nullptr && problem.empty(); }
  // Whether a straitd of `count` shards owns any of the link under this
  // state (shard_share's rule): one straitd does unless the stored
  // assignment is not in force; several need one in force.
  [[nodiscard]] bool owns_a_part(uint32_t count) const {
    return problem.empty() && (assignment != nullptr || count <= 1);
  }
};

// What of a link this straitd owns: its identity and the link's stored
// shard_state, which the API may replace while the link runs (the next
// round of the supervisor and the group syncer sees the new one).
// Thread-safe.
//
// The rule: one straitd (count 1) owns every name, unless a stored
// assignment is not in force. With several, a name the assignment places
// belongs to its component's shard; a name it does not place belongs to
// hashed_owner(name, the assignment's own count of shards: a plan made for
// fewer shards than daemon.shards.count leaves the ordinals over it
// nothing, and no name changes owner when the count grows); and before any assignment is stored, or
// while the stored one is not in force, to no shard (nothing is mirrored until the operator applies
// a plan: a name mirrored by the hash and then planned elsewhere would have to move its offset
// map).
class shard_share {
 public:
  enum class kind { topic, group };
  explicit shard_share(shard_identity id) : id_(id) {}

  [[nodiscard]] const shard_identity& identity() const { return id_; }
  void set(shard_state s) {
    std::lock_guard lock(mu_);
    state_ = std::move(s);
  }
  [[nodiscard]] shard_state state() const {
    std::lock_guard lock(mu_);
    return state_;
  }
  // The owner's ordinal, or nullopt when no shard owns it. Called per topic
  // per round: reads the state in place, under the lock.
  [[nodiscard]] std::optional<uint32_t> owner(kind k, const std::string& name) const;
  [[nodiscard]] bool owns(kind k, const std::string& name) const {
    auto o = owner(k, name);
    return o && *o == id_.ordinal;
  }

 private:
  const shard_identity id_;
  mutable std::mutex mu_;
  shard_state state_;
};

// The owner of a name under assignment `a` (null: none stored, with
// `count` shards; otherwise `a`'s own count): shard_share's rule for an
// assignment in force.
[[nodiscard]] std::optional<uint32_t> owner_under(const shard_assignment* a, shard_share::kind k,
                                                  const std::string& name, uint32_t count);

// Whether `next` may replace `current` (null: none stored; applied when
// this straitd was shard `current_ordinal`) on the straitd `self`, which
// holds state of `held_topics` and `held_groups` (offset maps,
// group offsets it wrote): refused when a held name would belong to another
// shard (this one would stop mirroring it without handing its state over),
// or a name another shard owned under `current` would become this one's
// without being held here (that shard may hold its state: this one would
// mirror it again from the start). Names moving between two other shards
// are theirs to check. Each shard checks its own side, so the same document
// may be refused by one and accepted by another: apply it everywhere with a
// dry run first. A component moves, offset maps and all, before (straitctl
// shards-move, ADR 0030 step 3). The error names up to 5 such names, their owners and the fix.
[[nodiscard]] status check_replacement(const shard_identity& self, const shard_assignment* current,
                                       uint32_t current_ordinal, const shard_assignment& next,
                                       const std::set<std::string>& held_topics,
                                       const std::set<std::string>& held_groups);

}  // namespace strait::config
