#include "strait/store/key_space.h"

#include "strait/base/big_endian.h"

namespace strait::store {

key& key::text(std::string_view s) {
  append_big_endian(bytes_, s.size(), 2);
  bytes_.append(s);
  return *this;
}

key& key::u32(uint32_t v) {
  append_big_endian(bytes_, v, 4);
  return *this;
}

key& key::u64(uint64_t v) {
  append_big_endian(bytes_, v, 8);
  return *this;
}

bool key_reader::text(std::string& out) {
  if (key_.size() < at_ + 2) return false;
  const size_t len = read_big_endian(key_, at_, 2);
  if (key_.size() < at_ + 2 + len) return false;
  out.assign(key_.substr(at_ + 2, len));
  at_ += 2 + len;
  return true;
}

bool key_reader::u8(uint8_t& out) {
  if (key_.size() < at_ + 1) return false;
  out = static_cast<uint8_t>(key_[at_++]);
  return true;
}

bool key_reader::u32(uint32_t& out) {
  if (key_.size() < at_ + 4) return false;
  out = static_cast<uint32_t>(read_big_endian(key_, at_, 4));
  at_ += 4;
  return true;
}

bool key_reader::u64(uint64_t& out) {
  if (key_.size() < at_ + 8) return false;
  out = read_big_endian(key_, at_, 8);
  at_ += 8;
  return true;
}

std::string_view key_reader::tail() {
  std::string_view rest = at_ < key_.size() ? key_.substr(at_) : std::string_view();
  at_ = key_.size();
  return rest;
}

void append_fields(std::string& out, std::initializer_list<const std::string*> fields) {
  for (const std::string* f : fields) {
    append_big_endian(out, f->size(), 4);
    out.append(*f);
  }
}

bool read_fields(std::string_view in, size_t at, std::initializer_list<std::string*> fields) {
  for (std::string* f : fields) {
    if (in.size() < at + 4) return false;
    const size_t len = read_big_endian(in, at, 4);
    if (in.size() < at + 4 + len) return false;
    f->assign(in.substr(at + 4, len));
    at += 4 + len;
  }
  return at == in.size();
}

}  // namespace strait::store
