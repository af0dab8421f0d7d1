#pragma once

#include <string>
#include <vector>

#include "strait/base/result.h"
#include "strait/kafka/types.h"
#include "strait/store/checkpoint_store.h"

namespace strait::workflow {

// The 'A' key space of the checkpoint store (store/key_space.h), owned by the
// workflow: the ACL bindings strait created on a target cluster at a topic's
// producer cutover (ADR 0023), written before the CreateAcls that makes one,
// erased after the DeleteAcls that removes it. A binding the target had
// before the cutover has no record and is never deleted: it is the
// operator's. One owner a binding: the bindings are LITERAL on the topic's
// target name, which one link at a time writes (mirror::target_claims).
//
// Key: 'A', link, source topic, target cluster key, then the binding's
// resource type, name, pattern, principal, host, operation and permission
// (each u16-length text). Value: the format (1).
struct owned_grant {
  std::string cluster;  // the target's cluster key (mirror::cluster_key)
  kafka::acl_binding binding;
  auto operator<=>(const owned_grant&) const = default;
};

void put_grant(store::checkpoint_store::write_batch& batch, const std::string& link,
               const std::string& topic, const owned_grant& g);
void erase_grant(store::checkpoint_store::write_batch& batch, const std::string& link,
                 const std::string& topic, const owned_grant& g);
// The grants strait made for the link's source topic `topic`, in key order.
// errc::corruption for a record that does not decode.
[[nodiscard]] result<std::vector<owned_grant>> load_grants(const store::checkpoint_store& store,
                                                           const std::string& link,
                                                           const std::string& topic);

}  // namespace strait::workflow
