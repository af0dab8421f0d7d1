#include "strait/kafka/record.h"

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

bool has_create_time(const rd_kafka_message_t* msg) {
  rd_kafka_timestamp_type_t type;
  (void)rd_kafka_message_timestamp(msg, &type);
  return type == RD_KAFKA_TIMESTAMP_CREATE_TIME;
}

}  // namespace strait::kafka
