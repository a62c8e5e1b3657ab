#pragma once
// The HCCS rules of every topology as inline functions, shared by the public
// wrappers in topology.cpp and the per-node filter loop in fit.cpp, where they
// must inline: the loop calls them once per node. Private to the core.

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include "npusched/topology.hpp"

namespace npusched::detail {

// Masks are 32 bits wide; chip_count returns at most 32, so int is exact.
constexpr chip_mask ring_low4 = 0x0Fu;     // module: chips 0..3
constexpr chip_mask ring_high4 = 0xF0u;    // module: chips 4..7
constexpr chip_mask ring_low8 = 0x00FFu;   // 910B-16: chips 0..7
constexpr chip_mask ring_high8 = 0xFF00u;  // 910B-16: chips 8..15

// module (910 x8) ring unfitness, indexed [k-1][free in ring - 1]; 4 = does not fit.
constexpr std::array<std::array<int, 4>, 4> module_unfitness{{
    {0, 2, 1, 3},
    {4, 0, 2, 1},
    {4, 4, 4, 4},
    {4, 4, 4, 0},
}};
constexpr int module_no_fit = 4;
constexpr int b16_no_fit = 8;
constexpr int a3_short = 15;
constexpr int a3_no_half_free_penalty = 16;

// Dies of A3 chips with both dies free: bit pattern of whole pairs.
constexpr chip_mask whole_pairs(chip_mask top) noexcept {
  const chip_mask even = top & 0x55555555u;
  const chip_mask both = even & (top >> 1);
  return both | (both << 1);
}

// 910B-16 unfitness (free − k when it fits, else 8).
constexpr int b16_unfitness(int k_row, int free_col) noexcept {
  return free_col < k_row ? b16_no_fit : free_col - k_row;
}

inline int module_ring_unfitness(int k, int free_in_ring) noexcept {
  if (free_in_ring <= 0 || free_in_ring > 4 || k < 1 || k > 4) return module_no_fit;
  return module_unfitness[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(free_in_ring - 1)];
}

inline int b16_cross_count(chip_mask top, bool distributed) noexcept {
  if (distributed) return 2 * std::min(chip_count(top & ring_low8), chip_count(top & ring_high8));
  return 2 * chip_count(top & ring_low8 & (top >> 8));
}

inline int b16_best(int k, chip_mask top, bool distributed) noexcept {
  if (k == 16) return chip_count(top) == 16 ? 0 : b16_no_fit;
  if (k > 8) {
    const int cross = b16_cross_count(top, distributed);
    if (cross < 2) return b16_no_fit;
    return b16_unfitness(k / 2 - 1, cross / 2 - 1);
  }
  const int l = chip_count(top & ring_low8), r = chip_count(top & ring_high8);
  const int sl = l == 0 ? b16_no_fit : b16_unfitness(k - 1, l - 1);
  const int sr = r == 0 ? b16_no_fit : b16_unfitness(k - 1, r - 1);
  return std::min(sl, sr);
}

inline int module_best(int k, chip_mask top) noexcept {
  if (k == 8) return chip_count(top) == 8 ? 0 : module_no_fit;
  const int l = chip_count(top & ring_low4), r = chip_count(top & ring_high4);
  if (l == 0) return module_ring_unfitness(k, r);
  if (r == 0) return module_ring_unfitness(k, l);
  return std::min(module_ring_unfitness(k, l), module_ring_unfitness(k, r));
}

inline bool a3_has_half_free_chip(chip_mask top) noexcept { return (top & ~whole_pairs(top)) != 0; }

inline shape_fit judge(accelerator_type t, int k, chip_mask top, bool distributed) noexcept {
  const int n = chip_count(top);
  if (k < 1 || k > max_chips(t) || n < k) return shape_fit::too_few;
  switch (t) {
    case accelerator_type::module_910_x8:
      if (k == 8) return n == 8 ? shape_fit::fits : shape_fit::wrong_shape;
      if (k == 3 || k > 4) return shape_fit::wrong_shape;
      return (chip_count(top & ring_low4) >= k || chip_count(top & ring_high4) >= k) ? shape_fit::fits
                                                                                      : shape_fit::wrong_shape;
    case accelerator_type::module_910b_16:
      if (k == 16) return n == 16 ? shape_fit::fits : shape_fit::wrong_shape;
      if (chip_count(top & ring_low8) >= k || chip_count(top & ring_high8) >= k) return shape_fit::fits;
      if (k > 8 && k % 2 == 0 && k <= b16_cross_count(top, distributed)) return shape_fit::fits;
      return shape_fit::wrong_shape;
    case accelerator_type::module_a3_16:
    case accelerator_type::module_a3_16_super_pod:
    case accelerator_type::module_a3_8_super_pod:
      if (k == 1) return shape_fit::fits;
      return chip_count(whole_pairs(top)) >= k ? shape_fit::fits : shape_fit::wrong_shape;
    case accelerator_type::module_910b_8:
    case accelerator_type::card:
    case accelerator_type::half: return shape_fit::fits;
    case accelerator_type::none: return shape_fit::too_few;
  }
  return shape_fit::too_few;
}

// Precondition: judge(t, k, top, distributed) == fits.
inline std::optional<std::int64_t> score_fitting(accelerator_type t, int k, chip_mask top, bool distributed,
                                                 const score_inputs& in) noexcept {
  const std::int64_t n = chip_count(top);
  switch (t) {
    case accelerator_type::module_910_x8: {
      const int best = module_best(k, top);
      if (best >= module_no_fit) return std::nullopt;
      return 8 * (std::int64_t{in.allocatable} * 4 - best) + (8 - n);
    }
    case accelerator_type::module_910b_16: {
      const int best = b16_best(k, top, distributed);
      if (best >= b16_no_fit) return std::nullopt;
      return 16 * (std::int64_t{in.allocatable} - best) + (16 - n);
    }
    case accelerator_type::module_a3_16:
    case accelerator_type::module_a3_16_super_pod:
    case accelerator_type::module_a3_8_super_pod: {
      std::int64_t best = n >= k ? n - k : a3_short;
      if (k == 1 && !a3_has_half_free_chip(top)) best += a3_no_half_free_penalty;
      return 16 * (32 - best);
    }
    case accelerator_type::module_910b_8:
    case accelerator_type::card:
    case accelerator_type::half: return (std::int64_t{max_chips(t)} - in.unhealthy_count) * 100 - n;
    case accelerator_type::none: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace npusched::detail
