#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/kafka/types.h"
#include "strait/store/checkpoint_store.h"

namespace strait::workflow {

// The 'A' key space of the checkpoint store (store/key_space.h), owned by the
// workflow: the ACL bindings strait created at a topic's producer cutover
// (ADR 0023, docs/cutover.md#acl-grants), written before the CreateAcls that
// makes one, erased after the DeleteAcls that removes it. A binding the
// cluster had before has no record and is never deleted: it is the
// operator's. One owner a binding: the bindings are LITERAL on the topic's
// name, and one link at a time writes a target topic
// (mirror::target_claims); two links that fence one source topic are not
// told apart (docs/cutover.md#the-source-fence says not to).
//
// Key: 'A', link, source topic, kind (u8), cluster key, then the binding's
// resource type, name, pattern, principal, host, operation and permission
// (each u16-length text). Value: the format (1).
enum class acl_change : uint8_t {
  target_grant = 1,  // a producer's right on the target topic (its WRITE)
  source_fence = 2,  // a DENY WRITE on the source topic for one of its producers
};
struct owned_grant {
  std::string cluster;  // the cluster's key (mirror::cluster_key): the target's, or the source's
  kafka::acl_binding binding;
  auto operator<=>(const owned_grant&) const = default;
};

void put_grant(store::checkpoint_store::write_batch& batch, const std::string& link,
               const std::string& topic, acl_change kind, const owned_grant& g);
void erase_grant(store::checkpoint_store::write_batch& batch, const std::string& link,
                 const std::string& topic, acl_change kind, const owned_grant& g);
// The bindings of `kind` strait made for the link's source topic `topic`, in
// key order. errc::corruption for a record that does not decode.
[[nodiscard]] result<std::vector<owned_grant>> load_grants(const store::checkpoint_store& store,
                                                           const std::string& link,
                                                           const std::string& topic,
                                                           acl_change kind);

// One record of the link: its topic and kind.
struct recorded_grant {
  std::string topic;
  acl_change kind;
  owned_grant grant;
};
// Every binding strait made for the link's topics (both kinds), in key order
// (by topic). errc::corruption for a record that does not decode.
[[nodiscard]] result<std::vector<recorded_grant>> load_link_grants(
    const store::checkpoint_store& store, const std::string& link);

}  // namespace strait::workflow
