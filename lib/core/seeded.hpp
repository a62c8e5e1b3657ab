#pragma once
// Seeded hashing for the random-ties baseline (docs/fitting.md, "Node
// choice"): the same values on every platform, written once for the node
// tie-break (fit.cpp), the super-pod visiting order (superpod.cpp) and the
// per-pod / per-job seeds (plan.cpp).

#include <cstdint>
#include <string_view>

namespace npusched::detail {

inline constexpr std::uint64_t golden_gamma = 0x9e3779b97f4a7c15ULL;

/// splitmix64's output function.
constexpr std::uint64_t splitmix_mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// FNV-1a of `name` over `seed`.
constexpr std::uint64_t name_seed(std::uint64_t seed, std::string_view name) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (const char ch : name) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001b3ULL;
  return h;
}

}  // namespace npusched::detail
