#include "strait/workflow/grant_records.h"

#include "strait/base/text.h"

namespace strait::workflow {

namespace {

constexpr uint8_t kGrantFormat = 1;

store::record_key topic_prefix(const std::string& link, const std::string& topic, acl_change kind) {
  store::record_key k(store::key_space::grant);
  k.text(link).text(topic).u8(static_cast<uint8_t>(kind));
  return k;
}

store::record_key grant_key(const std::string& link, const std::string& topic, acl_change kind,
                            const owned_grant& g) {
  store::record_key k = topic_prefix(link, topic, kind);
  const kafka::acl_binding& b = g.binding;
  k.text(g.cluster)
      .text(b.resource_type)
      .text(b.resource_name)
      .text(b.pattern_type)
      .text(b.principal)
      .text(b.host)
      .text(b.operation)
      .text(b.permission);
  return k;
}

// Reads a record's cluster key and binding (the key from after its kind)
// and its value; false when it does not decode.
bool read_grant(store::field_reader& key, std::string_view value, owned_grant& g) {
  kafka::acl_binding& b = g.binding;
  store::field_reader v(value, 0);
  uint8_t format = 0;
  return key.text(g.cluster) && key.text(b.resource_type) && key.text(b.resource_name) &&
         key.text(b.pattern_type) && key.text(b.principal) && key.text(b.host) &&
         key.text(b.operation) && key.text(b.permission) && key.at_end() && v.u8(format) &&
         format == kGrantFormat && v.at_end();
}

}  // namespace

void put_grant(store::checkpoint_store::write_batch& batch, const std::string& link,
               const std::string& topic, acl_change kind, const owned_grant& g) {
  batch.put(grant_key(link, topic, kind, g), std::string(1, static_cast<char>(kGrantFormat)));
}

void erase_grant(store::checkpoint_store::write_batch& batch, const std::string& link,
                 const std::string& topic, acl_change kind, const owned_grant& g) {
  batch.erase(grant_key(link, topic, kind, g));
}

result<std::vector<owned_grant>> load_grants(const store::checkpoint_store& store,
                                             const std::string& link, const std::string& topic,
                                             acl_change kind) {
  const store::record_key prefix = topic_prefix(link, topic, kind);
  std::vector<owned_grant> out;
  auto scanned = store.scan(prefix, [&](std::string_view k, std::string_view v) -> result<bool> {
    owned_grant g;
    store::field_reader key(k, prefix.bytes().size());
    if (!read_grant(key, v, g)) {
      return fail(errc::corruption, "a stored ACL grant of link " + link + ", topic " +
                                        printable(topic, 256) +
                                        " is damaged; restore the store from a backup");
    }
    out.push_back(std::move(g));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

result<std::vector<recorded_grant>> load_link_grants(const store::checkpoint_store& store,
                                                     const std::string& link) {
  store::record_key prefix(store::key_space::grant);
  prefix.text(link);
  std::vector<recorded_grant> out;
  auto scanned = store.scan(prefix, [&](std::string_view k, std::string_view v) -> result<bool> {
    recorded_grant r;
    store::field_reader key(k, prefix.bytes().size());
    uint8_t kind = 0;
    if (!key.text(r.topic) || !key.u8(kind) ||
        (kind != static_cast<uint8_t>(acl_change::target_grant) &&
         kind != static_cast<uint8_t>(acl_change::source_fence)) ||
        !read_grant(key, v, r.grant)) {
      return fail(errc::corruption, "a stored ACL grant of link " + link +
                                        " is damaged; restore the store from a backup");
    }
    r.kind = static_cast<acl_change>(kind);
    out.push_back(std::move(r));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

}  // namespace strait::workflow
