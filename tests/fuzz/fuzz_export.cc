// A component's export (ADR 0030 step 3) as ImportComponent receives it:
// bytes that went through an operator's hands. Any bytes are an export or
// an error naming the field, never a crash, a hang or an allocation larger
// than the input; what decodes encodes again to bytes that decode the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "component_transfer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto decoded =
      strait::daemon::decode_component(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!decoded) return 0;
  // Names are sets: bytes with names out of order or twice decode, and
  // encode in order; from then on the round trip is exact.
  const std::string once = decoded->encode();
  auto again = strait::daemon::decode_component(once);
  if (!again || again->encode() != once) std::abort();
  return 0;
}
