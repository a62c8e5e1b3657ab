// The policy table, and the `none` type (a CPU node: no NPU request is ever
// legal or feasible on it).

#include "policy.hpp"

#include <bit>

namespace npusched::detail {

namespace {

struct no_npus {
  static constexpr int max = 0;
  static bool legal(int, const job_shape&) noexcept { return false; }
  static shape_fit shape(int, chip_mask, int, bool) noexcept { return shape_fit::too_few; }
  static std::optional<std::int64_t> score(int, chip_mask, int, bool, const score_inputs&) noexcept {
    return std::nullopt;
  }
  static std::vector<int> pick(int, chip_mask, bool) { return {}; }
};

const topology_policy* const table[] = {
    &none_policy,          &module_910_x8_policy,          &module_910b_8_policy,
    &module_910b_16_policy, &module_a3_16_policy,          &module_a3_16_super_pod_policy,
    &module_a3_8_super_pod_policy, &card_policy,           &half_policy,
};
static_assert(std::size(table) == accelerator_type_count, "every accelerator_type needs a policy");

}  // namespace

constinit const topology_policy none_policy =
    with_rules<no_npus>({.type = accelerator_type::none});

const topology_policy& policy(accelerator_type t) noexcept {
  const auto i = static_cast<std::size_t>(t);
  return *table[i < accelerator_type_count ? i : 0];
}

std::span<const topology_policy* const> all_policies() noexcept { return table; }

accelerator_type superpod_type_of(std::optional<accelerator_type> handler) noexcept {
  return handler && policy(*handler).super_pod ? *handler : accelerator_type::module_a3_16_super_pod;
}

std::vector<int> lowest(chip_mask m, int k) {
  std::vector<int> out;
  out.reserve(static_cast<std::size_t>(k > 0 ? k : 0));
  while (m != 0 && static_cast<int>(out.size()) < k) {
    out.push_back(std::countr_zero(m));
    m &= m - 1;
  }
  return out;
}

}  // namespace npusched::detail
