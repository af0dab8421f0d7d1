#include "strait/base/digest.h"

#include <openssl/evp.h>

#include "strait/base/result.h"
#include "strait/base/text.h"

namespace strait {

namespace {
constexpr uint64_t kPrime = 1099511628211ull;
}

void record_digest::add(std::string_view bytes) {
  add_int(static_cast<int64_t>(bytes.size()));
  for (unsigned char c : bytes) {
    h_ ^= c;
    h_ *= kPrime;
  }
}

void record_digest::add_nullable(const void* data, size_t len) {
  if (data == nullptr) {
    add_int(-1);
    return;
  }
  add(std::string_view(static_cast<const char*>(data), len));
}

void record_digest::add_int(int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) {
    h_ ^= (u >> (8 * i)) & 0xff;
    h_ *= kPrime;
  }
}

const char* to_string(errc code) {
  switch (code) {
    case errc::invalid_argument:
      return "invalid argument";
    case errc::not_found:
      return "not found";
    case errc::corruption:
      return "corruption";
    case errc::io:
      return "i/o error";
    case errc::kafka:
      return "kafka error";
    case errc::registry:
      return "schema registry error";
    case errc::precondition:
      return "failed precondition";
    case errc::busy:
      return "busy";
  }
  return "unknown";
}

std::string record_digest::hex() const {
  std::string big_endian;
  for (int i = 7; i >= 0; --i) big_endian.push_back(static_cast<char>((h_ >> (8 * i)) & 0xff));
  return strait::hex(big_endian);
}

std::string sha256(std::string_view bytes) {
  std::string out(32, '\0');
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(out.data()), &n,
             EVP_sha256(), nullptr);
  return out;
}

}  // namespace strait
