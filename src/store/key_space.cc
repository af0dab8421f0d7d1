#include "strait/store/key_space.h"

#include <algorithm>

#include "strait/base/big_endian.h"
#include "strait/base/invariant.h"

namespace strait::store {

namespace {
constexpr size_t kMaxText = 0xffff;
}  // namespace

void append_text(std::string& out, std::string_view s) {
  // Cut, it can never be read back as two fields.
  if (!STRAIT_CHECK(s.size() <= kMaxText, "a key field longer than 65,535 bytes")) {
    s = s.substr(0, kMaxText);
  }
  append_big_endian(out, s.size(), 2);
  out.append(s);
}

record_key& record_key::u32(uint32_t v) {
  append_big_endian(bytes_, v, 4);
  return *this;
}

record_key& record_key::u64(uint64_t v) {
  append_big_endian(bytes_, v, 8);
  return *this;
}

bool field_reader::u8(uint8_t& out) {
  if (bytes_.size() < at_ + 1) return false;
  out = static_cast<uint8_t>(bytes_[at_++]);
  return true;
}

bool field_reader::u32(uint32_t& out) {
  if (bytes_.size() < at_ + 4) return false;
  out = static_cast<uint32_t>(read_big_endian(bytes_, at_, 4));
  at_ += 4;
  return true;
}

bool field_reader::u64(uint64_t& out) {
  if (bytes_.size() < at_ + 8) return false;
  out = read_big_endian(bytes_, at_, 8);
  at_ += 8;
  return true;
}

bool field_reader::i64(int64_t& out) {
  uint64_t v = 0;
  if (!u64(v)) return false;
  out = static_cast<int64_t>(v);
  return true;
}

bool field_reader::text(std::string& out) {
  if (bytes_.size() < at_ + 2) return false;
  const size_t len = read_big_endian(bytes_, at_, 2);
  if (bytes_.size() - at_ - 2 < len) return false;
  out.assign(bytes_.substr(at_ + 2, len));
  at_ += 2 + len;
  return true;
}

bool field_reader::field(std::string& out) {
  if (bytes_.size() < at_ + 4) return false;
  const size_t len = read_big_endian(bytes_, at_, 4);
  if (bytes_.size() - at_ - 4 < len) return false;
  out.assign(bytes_.substr(at_ + 4, len));
  at_ += 4 + len;
  return true;
}

std::string_view field_reader::tail() {
  std::string_view rest = at_ < bytes_.size() ? bytes_.substr(at_) : std::string_view();
  at_ = std::max(at_, bytes_.size());
  return rest;
}

bool field_reader::count(size_t& out) {
  const size_t at = at_;
  uint64_t n = 0;
  if (!u64(n) || n > bytes_.size() - at_) {
    at_ = at;  // reads nothing, as every call that fails
    return false;
  }
  out = static_cast<size_t>(n);
  return true;
}

void append_field(std::string& out, std::string_view field) {
  append_big_endian(out, field.size(), 4);
  out.append(field);
}

void append_i64(std::string& out, int64_t v) {
  append_big_endian(out, static_cast<uint64_t>(v), 8);
}

void append_fields(std::string& out, std::initializer_list<const std::string*> fields) {
  for (const std::string* f : fields) append_field(out, *f);
}

bool read_fields(std::string_view in, size_t at, std::initializer_list<std::string*> fields) {
  field_reader r(in, at);
  for (std::string* f : fields) {
    if (!r.field(*f)) return false;
  }
  return r.at_end();
}

}  // namespace strait::store
