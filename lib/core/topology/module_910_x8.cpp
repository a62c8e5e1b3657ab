// `module`: Atlas 800 (910), 8 chips on two 4-chip HCCS rings {0..3} and
// {4..7}. k ∈ {1, 2, 4, 8}; k ≤ 4 inside one ring, 8 = the whole node.

#include <algorithm>
#include <array>

#include "policy.hpp"

namespace npusched {

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

namespace detail {

namespace {

constexpr chip_mask ring_low = 0x0Fu;   // chips 0..3
constexpr chip_mask ring_high = 0xF0u;  // chips 4..7

// Ring unfitness, indexed [k-1][free in ring - 1]; 4 = does not fit.
constexpr std::array<std::array<int, 4>, 4> unfitness{{
    {0, 2, 1, 3},
    {4, 0, 2, 1},
    {4, 4, 4, 4},
    {4, 4, 4, 0},
}};
constexpr int no_fit = 4;

constexpr std::string_view schedule_policies[] = {"module"};

int ring_unfitness(int k, int free_in_ring) noexcept {
  if (free_in_ring <= 0 || free_in_ring > 4 || k < 1 || k > 4) return no_fit;
  return unfitness[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(free_in_ring - 1)];
}

// The best (lowest) ring unfitness of `k` on `top`.
int best_unfitness(int k, chip_mask top) noexcept {
  if (k == 8) return chip_count(top) == 8 ? 0 : no_fit;
  const int l = chip_count(top & ring_low), r = chip_count(top & ring_high);
  if (l == 0) return ring_unfitness(k, r);
  if (r == 0) return ring_unfitness(k, l);
  return std::min(ring_unfitness(k, l), ring_unfitness(k, r));
}

struct rules {
  static constexpr int max = 8;

  static bool legal(int k, const job_shape&) noexcept { return k == 1 || k == 2 || k == 4 || k == 8; }

  static shape_fit shape(int k, chip_mask top, int n, bool) noexcept {
    if (k == 8) return n == 8 ? shape_fit::fits : shape_fit::wrong_shape;
    if (k == 3 || k > 4) return shape_fit::wrong_shape;
    return (chip_count(top & ring_low) >= k || chip_count(top & ring_high) >= k) ? shape_fit::fits
                                                                                 : shape_fit::wrong_shape;
  }

  // 8 · (4 · allocatable − ring unfitness) + (8 − usable free chips).
  static std::optional<std::int64_t> score(int k, chip_mask top, int n, bool, const score_inputs& in) noexcept {
    const int best = best_unfitness(k, top);
    if (best >= no_fit) return std::nullopt;
    return 8 * (std::int64_t{in.allocatable} * 4 - best) + (8 - n);
  }

  // The first ring (lower first) whose free count is the next value of the
  // ring priority of k; its lowest k chips.
  static std::vector<int> pick(int k, chip_mask top, bool) {
    if (k == 8) return chips_of(top);
    const chip_mask rings[2] = {top & ring_low, top & ring_high};
    for (int p : module_ring_priority(k))
      for (chip_mask ring : rings)
        if (chip_count(ring) == p) return lowest(ring, k);
    return {};
  }
};

}  // namespace

constinit const topology_policy module_910_x8_policy = with_rules<rules>({
    .type = accelerator_type::module_910_x8,
    .label = "module",
    .schedule_policies = schedule_policies,
    .network_fault_aware = true,
    .legal_counts = "1, 2, 4 or 8",
});

}  // namespace detail
}  // namespace npusched
