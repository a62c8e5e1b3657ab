// The Atlas A3 die-pair types: `module-a3-16` (Atlas 800 A3, 16 dies on 8
// chips) and the SuperPoD types `module-a3-16-super-pod` (16 dies) and
// `module-a3-8-super-pod` (8 dies). Dies {2c, 2c+1} form chip c. k = 1 only
// for a one-pod job whose total is 1; otherwise an even k of whole chips.
// They share every rule but the die count and the `sp-block` family.

#include <fmt/format.h>

#include "policy.hpp"

namespace npusched::detail {

namespace {

constexpr std::int64_t short_of_dies = 15;
constexpr std::int64_t no_half_free_penalty = 16;

constexpr std::string_view a3_16_policies[] = {"chip2-node16", "chip2-node8", "module-a3-16"};
constexpr std::string_view a3_16_sp_policies[] = {"chip2-node16-sp"};
constexpr std::string_view a3_8_sp_policies[] = {"chip2-node8-sp"};

// Dies of the chips with both dies free.
constexpr chip_mask whole_pairs(chip_mask top) noexcept {
  const chip_mask even = top & 0x55555555u;
  const chip_mask both = even & (top >> 1);
  return both | (both << 1);
}

template <int Dies>
struct rules {
  static constexpr int max = Dies;

  static bool legal(int k, const job_shape& job) noexcept {
    if (job.total_npus == 1) return job.npu_tasks == 1;
    return job.total_npus % 2 == 0 && k % 2 == 0;
  }

  static shape_fit shape(int k, chip_mask top, int, bool) noexcept {
    if (k == 1) return shape_fit::fits;
    return chip_count(whole_pairs(top)) >= k ? shape_fit::fits : shape_fit::wrong_shape;
  }

  // 16 · (32 − best′), best′ = free dies − k, + 16 when k = 1 and no chip is half free.
  static std::optional<std::int64_t> score(int k, chip_mask top, int n, bool, const score_inputs&) noexcept {
    std::int64_t best = n >= k ? std::int64_t{n} - k : short_of_dies;
    if (k == 1 && (top & ~whole_pairs(top)) == 0) best += no_half_free_penalty;
    return 16 * (32 - best);
  }

  // All free dies when exactly k are free; k = 1: the lowest die of a
  // half-free chip (keeps whole chips whole), else the lowest die; k ≥ 2:
  // whole chips in ascending chip id.
  static std::vector<int> pick(int k, chip_mask top, bool) {
    if (chip_count(top) == k) return chips_of(top);
    const chip_mask whole = whole_pairs(top);
    if (k == 1) {
      const chip_mask half = top & ~whole;
      return lowest(half != 0 ? half : top, 1);
    }
    return lowest(whole, k);
  }
};

std::string why_illegal(const topology_policy& self, int k, const job_shape& job) {
  if (job.total_npus == 1)
    return fmt::format("a single-die request is legal only for a one-pod job ({} NPU pods)", job.npu_tasks);
  if (job.total_npus % 2 != 0)
    return fmt::format("{} requires an even job total (whole chips of two dies), got {}", self.label, job.total_npus);
  return fmt::format("{} requires an even per-pod request of 2..{} dies (whole chips), got {}", self.label,
                     self.max_chips, k);
}

}  // namespace

constinit const topology_policy module_a3_16_policy = with_rules<rules<16>>({
    .type = accelerator_type::module_a3_16,
    .label = "module-a3-16",
    .schedule_policies = a3_16_policies,
    .network_fault_aware = true,
    .die_pairs = true,
    .why_illegal = &why_illegal,
});

constinit const topology_policy module_a3_16_super_pod_policy = with_rules<rules<16>>({
    .type = accelerator_type::module_a3_16_super_pod,
    .label = "module-a3-16-super-pod",
    .schedule_policies = a3_16_sp_policies,
    .network_fault_aware = true,
    .die_pairs = true,
    .super_pod = true,
    .why_illegal = &why_illegal,
});

constinit const topology_policy module_a3_8_super_pod_policy = with_rules<rules<8>>({
    .type = accelerator_type::module_a3_8_super_pod,
    .label = "module-a3-8-super-pod",
    .schedule_policies = a3_8_sp_policies,
    .network_fault_aware = true,
    .die_pairs = true,
    .super_pod = true,
    .why_illegal = &why_illegal,
});

}  // namespace npusched::detail
