#include "npusched/topology.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace npusched {

namespace {

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

int module_ring_unfitness(int k, int free_in_ring) noexcept {
  if (free_in_ring <= 0 || free_in_ring > 4 || k < 1 || k > 4) return module_no_fit;
  return module_unfitness[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(free_in_ring - 1)];
}

// The lowest `k` chips of `m`, ascending.
std::vector<int> lowest(chip_mask m, int k) {
  std::vector<int> out;
  out.reserve(static_cast<std::size_t>(k));
  while (m != 0 && static_cast<int>(out.size()) < k) {
    out.push_back(std::countr_zero(m));
    m &= m - 1;
  }
  return out;
}

// 910B-16 cross-ring pairing: standalone jobs pair chip l with l+8 only;
// distributed jobs pair the i-th free chip of each ring.
std::vector<int> b16_cross(chip_mask top, bool distributed) {
  std::vector<int> out;
  if (distributed) {
    std::vector<int> left = chips_of(top & ring_low8), right = chips_of(top & ring_high8);
    const std::size_t n = std::min(left.size(), right.size());
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(left[i]);
      out.push_back(right[i]);
    }
  } else {
    for (int l : chips_of(top & ring_low8 & (top >> 8))) {
      out.push_back(l);
      out.push_back(l + 8);
    }
  }
  return out;
}

int b16_cross_count(chip_mask top, bool distributed) noexcept {
  if (distributed) return 2 * std::min(chip_count(top & ring_low8), chip_count(top & ring_high8));
  return 2 * chip_count(top & ring_low8 & (top >> 8));
}

int b16_best(int k, chip_mask top, bool distributed) noexcept {
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

int module_best(int k, chip_mask top) noexcept {
  if (k == 8) return chip_count(top) == 8 ? 0 : module_no_fit;
  const int l = chip_count(top & ring_low4), r = chip_count(top & ring_high4);
  if (l == 0) return module_ring_unfitness(k, r);
  if (r == 0) return module_ring_unfitness(k, l);
  return std::min(module_ring_unfitness(k, l), module_ring_unfitness(k, r));
}

bool a3_has_half_free_chip(chip_mask top) noexcept { return (top & ~whole_pairs(top)) != 0; }

std::string legal_list(accelerator_type t) {
  switch (t) {
    case accelerator_type::module_910_x8: return "1, 2, 4 or 8";
    case accelerator_type::module_910b_8:
    case accelerator_type::card: return "1 to 8";
    case accelerator_type::half: return "1, 2 or 4";
    case accelerator_type::module_910b_16: return "1 to 8, 10, 12, 14 or 16";
    default: return "";
  }
}

}  // namespace

std::vector<int> module_ring_priority(int k) {
  switch (k) {
    case 0: return {0, 1, 2, 3, 4};
    case 1: return {1, 3, 2, 4};
    case 2: return {2, 4, 3};
    case 4: return {4};
    case 8: return {8};
    default: return {};
  }
}

bool is_legal_request(accelerator_type t, int k, const job_shape& job) noexcept {
  const int max = max_chips(t);
  if (k < 1 || k > max) return false;
  switch (t) {
    case accelerator_type::module_910_x8: return k == 1 || k == 2 || k == 4 || k == 8;
    case accelerator_type::module_910b_8:
    case accelerator_type::card: return true;
    case accelerator_type::half: return k != 3;
    case accelerator_type::module_910b_16: return k <= 8 || k % 2 == 0;
    case accelerator_type::module_a3_16:
    case accelerator_type::module_a3_16_super_pod:
    case accelerator_type::module_a3_8_super_pod:
      if (job.total_npus == 1) return job.npu_tasks == 1;
      return job.total_npus % 2 == 0 && k % 2 == 0;
    case accelerator_type::none: return false;
  }
  return false;
}

std::optional<std::string> check_request(accelerator_type t, int k, const job_shape& job) {
  if (is_legal_request(t, k, job)) return std::nullopt;
  const int max = max_chips(t);
  if (t == accelerator_type::none) return std::string("the node has no NPUs");
  if (k < 1 || k > max) return fmt::format("{} NPUs per pod is outside 1..{} for {}", k, max, to_string(t));
  if (is_a3_type(t)) {
    if (job.total_npus == 1)
      return fmt::format("a single-die request is legal only for a one-pod job ({} NPU pods)", job.npu_tasks);
    if (job.total_npus % 2 != 0)
      return fmt::format("{} requires an even job total (whole chips of two dies), got {}", to_string(t),
                         job.total_npus);
    return fmt::format("{} requires an even per-pod request of 2..{} dies (whole chips), got {}", to_string(t), max,
                       k);
  }
  return fmt::format("{} NPUs per pod is not legal for {} (legal: {})", k, to_string(t), legal_list(t));
}

shape_fit judge(accelerator_type t, int k, chip_mask top, bool distributed) noexcept {
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

std::optional<std::int64_t> node_score(accelerator_type t, int k, chip_mask top, bool distributed,
                                       const score_inputs& in) noexcept {
  if (judge(t, k, top, distributed) != shape_fit::fits) return std::nullopt;
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

std::vector<int> pick_chips(accelerator_type t, int k, chip_mask top, bool distributed) {
  if (judge(t, k, top, distributed) != shape_fit::fits) return {};
  switch (t) {
    case accelerator_type::module_910_x8: {
      if (k == 8) return chips_of(top);
      const chip_mask rings[2] = {top & ring_low4, top & ring_high4};
      for (int p : module_ring_priority(k))
        for (chip_mask ring : rings)
          if (chip_count(ring) == p) return lowest(ring, k);
      return {};
    }
    case accelerator_type::module_910b_16: {
      if (k == 16) return chips_of(top);
      const chip_mask left = top & ring_low8, right = top & ring_high8;
      std::vector<int> cross = b16_cross(top, distributed);
      if (cross.size() <= 8) cross.clear();
      const int last = k <= 8 ? 8 : 16;
      const int step = k <= 8 ? 1 : 2;
      for (int p = k; p <= last; p += step) {
        if (chip_count(left) == p) return lowest(left, k);
        if (chip_count(right) == p) return lowest(right, k);
        if (static_cast<int>(cross.size()) == p) return {cross.begin(), cross.begin() + k};
      }
      return {};
    }
    case accelerator_type::module_a3_16:
    case accelerator_type::module_a3_16_super_pod:
    case accelerator_type::module_a3_8_super_pod: {
      if (chip_count(top) == k) return chips_of(top);
      const chip_mask whole = whole_pairs(top);
      if (k == 1) {
        // A die of a half-free chip first (keeps whole chips whole), lowest id.
        const chip_mask half = top & ~whole;
        return lowest(half != 0 ? half : top, 1);
      }
      return lowest(whole, k);  // whole chips, ascending chip id
    }
    case accelerator_type::module_910b_8:
    case accelerator_type::card:
    case accelerator_type::half: return lowest(top, k);
    case accelerator_type::none: return {};
  }
  return {};
}

}  // namespace npusched
