#pragma once
/// \file types.hpp
/// Small vocabulary types shared by the whole library: accelerator types,
/// node health, chip masks and strong index ids.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace npusched {

/// The HCCS topology family of a node, from its `accelerator-type` label.
/// `none` is a node with no NPUs (a CPU node): it can host pods that request
/// no NPU but is never an NPU candidate.
enum class accelerator_type : std::uint8_t {
  none,
  module_910_x8,           ///< `module`: Atlas 800 (910), two 4-chip HCCS rings
  module_910b_8,           ///< `module-910b-8`: Atlas 800 A2, 8 chips, full mesh
  module_910b_16,          ///< `module-910b-16`: 16 chips, two 8-chip rings
  module_a3_16,            ///< `module-a3-16`: Atlas 800 A3, 16 dies on 8 chips
  module_a3_16_super_pod,  ///< `module-a3-16-super-pod`: Atlas 900 A3 SuperPoD
  module_a3_8_super_pod,   ///< `module-a3-8-super-pod`: Atlas 9000 A3, 8 dies
  card,                    ///< any value containing `card`: PCIe cards, no topology
  half,                    ///< `half`: 4 chips, k ∈ {1,2,4}
};

/// Parses an `accelerator-type` label value. Any value containing `card`
/// maps to `card`. Unknown values give `std::nullopt`.
[[nodiscard]] std::optional<accelerator_type> parse_accelerator_type(std::string_view label);
/// Parses a `huawei.com/schedule_policy` value (`chip8-node8`, `chip2-node16`, ...).
[[nodiscard]] std::optional<accelerator_type> parse_schedule_policy(std::string_view policy);
/// The canonical label value (`module-a3-16`, ...; `card` for card, `` for none).
[[nodiscard]] std::string_view to_string(accelerator_type t) noexcept;

/// Number of accelerator types, `none` included (the size of the per-type
/// policy table, lib/core/topology/).
inline constexpr std::size_t accelerator_type_count = static_cast<std::size_t>(accelerator_type::half) + 1;

// The four functions below read the per-type policy table (lib/core/topology/),
// the one place each type's rules are written down.

/// Number of schedulable NPUs (chips or dies) a node of this type carries:
/// 8, 16 or 4; 0 for `none`.
[[nodiscard]] int max_chips(accelerator_type t) noexcept;

/// True for the types whose network-unhealthy chips are withheld from
/// distributed jobs (every type but `card` and `none`).
[[nodiscard]] bool network_fault_aware(accelerator_type t) noexcept;

/// True for the two Atlas A3 SuperPoD types (`sp-block` placement).
[[nodiscard]] bool is_super_pod_type(accelerator_type t) noexcept;

/// True for the A3 die-pair types (module-a3-16 and both super-pod types).
[[nodiscard]] bool is_a3_type(accelerator_type t) noexcept;

/// Node health as MindCluster reports it (NodeD `NodeStatus`, the node's
/// `NodeHealthyStatus` annotation, switch `NodeStatus`) plus the Kubernetes
/// Ready condition. Ordered from best to worst.
enum class node_health : std::uint8_t {
  healthy,
  sub_healthy,    ///< usable; last choice; refused by jobs whose subHealthyStrategy ≠ ignore
  pre_separate,   ///< running pods stay; no new placements
  unhealthy,
  not_ready,      ///< Kubernetes Ready condition is not True
};
[[nodiscard]] std::string_view to_string(node_health h) noexcept;
/// Whether a node in health `h` takes new pods (healthy or sub-healthy);
/// the one rule the filter and the cluster summary share.
[[nodiscard]] constexpr bool admits_new_pods(node_health h) noexcept { return h < node_health::pre_separate; }

/// A set of chips of one node: bit i is the chip `Ascend910-i`.
/// 32 bits hold every supported topology (at most 16 chips per node).
using chip_mask = std::uint32_t;
inline constexpr int max_chips_per_node = 32;

/// Number of chips in `m`. Branch-free bit counting: `std::popcount` becomes
/// a library call on baseline x86-64 (no POPCNT without `-march`), and this
/// runs once or twice per node in every fit.
[[nodiscard]] constexpr int chip_count(chip_mask m) noexcept {
  m = m - ((m >> 1) & 0x55555555u);
  m = (m & 0x33333333u) + ((m >> 2) & 0x33333333u);
  m = (m + (m >> 4)) & 0x0F0F0F0Fu;
  return static_cast<int>((m * 0x01010101u) >> 24);
}
[[nodiscard]] constexpr chip_mask chip_bit(int chip) noexcept { return chip_mask{1} << chip; }
/// The chips `[0, n)`.
[[nodiscard]] constexpr chip_mask first_chips(int n) noexcept {
  return n >= 32 ? ~chip_mask{0} : (chip_mask{1} << n) - 1;
}
/// Chip ids of a mask, ascending.
[[nodiscard]] std::vector<int> chips_of(chip_mask m);

/// Strong index into a `cluster`'s dense node arrays. Node ids follow node
/// names in ascending byte order, so "lowest id" is "first by name".
struct node_id {
  std::uint32_t value = 0;
  friend constexpr auto operator<=>(node_id, node_id) = default;
};

}  // namespace npusched
