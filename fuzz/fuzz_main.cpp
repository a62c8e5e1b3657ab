// The libFuzzer entry of one target: NPUSCHED_FUZZ_TARGET names the function
// of targets.hpp this executable runs.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  npusched::fuzz::NPUSCHED_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
