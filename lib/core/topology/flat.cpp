// The types without an HCCS shape to respect: `module-910b-8` (Atlas 800 A2,
// 8 chips in a full mesh, k ∈ 1..8), `card*` (PCIe cards, 8, k ∈ 1..8, not
// network-fault aware) and `half` (4 chips, k ∈ {1, 2, 4}). Any k chips fit;
// the score prefers healthy capacity, then bin-packing; the lowest chips go.

#include "policy.hpp"

namespace npusched::detail {

namespace {

constexpr std::string_view b8_policies[] = {"chip8-node8"};
constexpr std::string_view card_policies[] = {"chip1-node2"};
constexpr std::string_view half_policies[] = {"chip4-node4"};

template <int Chips, bool Three>  // Three: whether k = 3 is legal
struct rules {
  static constexpr int max = Chips;

  static bool legal(int k, const job_shape&) noexcept { return Three || k != 3; }

  static shape_fit shape(int, chip_mask, int, bool) noexcept { return shape_fit::fits; }

  // (max − unhealthy chips) · 100 − usable free chips.
  static std::optional<std::int64_t> score(int, chip_mask, int n, bool, const score_inputs& in) noexcept {
    return (std::int64_t{Chips} - in.unhealthy_count) * 100 - n;
  }

  static std::vector<int> pick(int k, chip_mask top, bool) { return lowest(top, k); }
};

}  // namespace

constinit const topology_policy module_910b_8_policy = with_rules<rules<8, true>>({
    .type = accelerator_type::module_910b_8,
    .label = "module-910b-8",
    .schedule_policies = b8_policies,
    .network_fault_aware = true,
    .legal_counts = "1 to 8",
});

constinit const topology_policy card_policy = with_rules<rules<8, true>>({
    .type = accelerator_type::card,
    .label = "card",
    .label_is_substring = true,
    .schedule_policies = card_policies,
    .network_fault_aware = false,
    .legal_counts = "1 to 8",
});

constinit const topology_policy half_policy = with_rules<rules<4, false>>({
    .type = accelerator_type::half,
    .label = "half",
    .schedule_policies = half_policies,
    .network_fault_aware = true,
    .legal_counts = "1, 2 or 4",
});

}  // namespace npusched::detail
