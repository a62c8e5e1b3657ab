// `module-910b-16`: 16 chips on two 8-chip HCCS rings {0..7} and {8..15}.
// k ∈ 1..8 inside one ring; k ∈ {10, 12, 14} as k/2 cross-ring pairs (a
// standalone job pairs chip l only with l + 8, a distributed job pairs the
// i-th free chip of each ring); 16 = the whole node.

#include <algorithm>

#include "policy.hpp"

namespace npusched::detail {

namespace {

constexpr chip_mask ring_low = 0x00FFu;   // chips 0..7
constexpr chip_mask ring_high = 0xFF00u;  // chips 8..15
constexpr int no_fit = 8;

constexpr std::string_view schedule_policies[] = {"chip8-node16"};

// Unfitness of k on a ring (or pair list) of `free` chips: free − k when it fits, else 8.
constexpr int unfitness(int k_row, int free_col) noexcept { return free_col < k_row ? no_fit : free_col - k_row; }

// Chips the cross-ring pairing can give.
int cross_count(chip_mask top, bool distributed) noexcept {
  if (distributed) return 2 * std::min(chip_count(top & ring_low), chip_count(top & ring_high));
  return 2 * chip_count(top & ring_low & (top >> 8));
}

int best_unfitness(int k, chip_mask top, bool distributed) noexcept {
  if (k == 16) return chip_count(top) == 16 ? 0 : no_fit;
  if (k > 8) {
    const int cross = cross_count(top, distributed);
    if (cross < 2) return no_fit;
    return unfitness(k / 2 - 1, cross / 2 - 1);
  }
  const int l = chip_count(top & ring_low), r = chip_count(top & ring_high);
  const int sl = l == 0 ? no_fit : unfitness(k - 1, l - 1);
  const int sr = r == 0 ? no_fit : unfitness(k - 1, r - 1);
  return std::min(sl, sr);
}

// The cross-ring pair list, pair by pair.
std::vector<int> cross_pairs(chip_mask top, bool distributed) {
  std::vector<int> out;
  if (distributed) {
    std::vector<int> left = chips_of(top & ring_low), right = chips_of(top & ring_high);
    const std::size_t n = std::min(left.size(), right.size());
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(left[i]);
      out.push_back(right[i]);
    }
  } else {
    for (int l : chips_of(top & ring_low & (top >> 8))) {
      out.push_back(l);
      out.push_back(l + 8);
    }
  }
  return out;
}

struct rules {
  static constexpr int max = 16;

  static bool legal(int k, const job_shape&) noexcept { return k <= 8 || k % 2 == 0; }

  static shape_fit shape(int k, chip_mask top, int n, bool distributed) noexcept {
    if (k == 16) return n == 16 ? shape_fit::fits : shape_fit::wrong_shape;
    if (chip_count(top & ring_low) >= k || chip_count(top & ring_high) >= k) return shape_fit::fits;
    if (k > 8 && k % 2 == 0 && k <= cross_count(top, distributed)) return shape_fit::fits;
    return shape_fit::wrong_shape;
  }

  // 16 · (allocatable − ring unfitness) + (16 − usable free chips).
  static std::optional<std::int64_t> score(int k, chip_mask top, int n, bool distributed,
                                                   const score_inputs& in) noexcept {
    const int best = best_unfitness(k, top, distributed);
    if (best >= no_fit) return std::nullopt;
    return 16 * (std::int64_t{in.allocatable} - best) + (16 - n);
  }

  // For p = k, k+1 … 8 (k ≤ 8) or k, k+2 … 16 (k > 8): the lower ring, the
  // upper ring, then the pair list (kept only when longer than 8) whose size
  // is p; its first k chips.
  static std::vector<int> pick(int k, chip_mask top, bool distributed) {
    if (k == 16) return chips_of(top);
    const chip_mask left = top & ring_low, right = top & ring_high;
    std::vector<int> cross = cross_pairs(top, distributed);
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
};

}  // namespace

constinit const topology_policy module_910b_16_policy = with_rules<rules>({
    .type = accelerator_type::module_910b_16,
    .label = "module-910b-16",
    .schedule_policies = schedule_policies,
    .network_fault_aware = true,
    .legal_counts = "1 to 8, 10, 12, 14 or 16",
});

}  // namespace npusched::detail
