#include "strait/kafka/record.h"

#include <xxhash.h>

#include "strait/base/digest.h"

namespace strait::kafka {

uint64_t digest_of(const rd_kafka_message_t* msg, bool with_timestamp) {
  record_digest d;
  d.add_nullable(msg->key, msg->key_len);
  d.add_nullable(msg->payload, msg->len);
  bool has_headers = for_each_header(msg, [&](const char* name, const void* value, size_t size) {
    d.add(name);
    d.add_nullable(value, size);
  });
  if (!has_headers) d.add_int(-2);
  if (with_timestamp) {
    rd_kafka_timestamp_type_t type;
    d.add_int(rd_kafka_message_timestamp(msg, &type));
  }
  return d.value();
}

uint64_t fingerprint_of(const rd_kafka_message_t* msg) {
  // Each field is hashed with the hash so far, its length and whether it is
  // null as the seed, so field boundaries and nulls change the result.
  uint64_t h = 0x5354524149545631ull;  // "STRAITV1"
  auto field = [&h](const void* data, size_t len) {
    const uint64_t shape = data == nullptr ? ~0ull : static_cast<uint64_t>(len);
    h = XXH3_64bits_withSeed(data == nullptr ? "" : data, data == nullptr ? 0 : len,
                             h ^ (shape * 0x9E3779B97F4A7C15ull));
  };
  field(msg->key, msg->key_len);
  field(msg->payload, msg->len);
  bool has_headers = for_each_header(msg, [&](const char* name, const void* value, size_t size) {
    field(name, std::char_traits<char>::length(name));
    field(value, size);
  });
  if (!has_headers) field(nullptr, 0);
  return h;
}

bool has_create_time(const rd_kafka_message_t* msg) {
  rd_kafka_timestamp_type_t type;
  (void)rd_kafka_message_timestamp(msg, &type);
  return type == RD_KAFKA_TIMESTAMP_CREATE_TIME;
}

}  // namespace strait::kafka
