#pragma once
// The per-accelerator-type topology rules behind one table. Each type's rules
// (legal per-pod counts, HCCS shapes, node score, chip order for the
// annotation, max chips, network-fault awareness, A3 / super-pod family,
// label and schedule-policy names) are written once, in its own file next to
// this header; every caller (the types.hpp functions, topology.cpp, fit, plan,
// explain, superpod) reads them through `policy(t)`. Private to the core.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npusched/fit.hpp"
#include "npusched/topology.hpp"
#include "npusched/types.hpp"

namespace npusched::detail {

/// The HCCS shape stage of the filter chain (fit.hpp) for a batch of nodes
/// of one type and one request: for each batch position `i` in `nodes`,
/// judges `k` on `top[i]`; a fit is scored and answered `feasible` with
/// `score[i]` = the type's score − `adjust[i]`; otherwise the answer is
/// `npu_short` (too few chips) or `topology` (wrong shape, or a shape the
/// score formula rejects) with `usable[i]` = the usable chip count. Every
/// array is indexed by batch position.
struct shape_batch {
  int k = 0;
  bool distributed = false;
  const std::uint16_t* nodes = nullptr;  ///< the batch positions to judge
  std::size_t count = 0;
  const chip_mask* top = nullptr;        ///< usable chips
  const std::uint8_t* top_count = nullptr;        ///< chips in `top`
  const int* allocatable = nullptr;               ///< the node's allocatable NPUs
  const std::uint8_t* unhealthy_count = nullptr;  ///< the node's unhealthy chips
  const int* adjust = nullptr;           ///< subtracted from the score (sub-healthy, fault penalty)
  node_rule* rule = nullptr;             ///< out
  std::int64_t* score = nullptr;         ///< out, where feasible
  int* usable = nullptr;                 ///< out, where not feasible
};

/// One accelerator type's rules: plain data plus the functions that differ.
struct topology_policy {
  accelerator_type type = accelerator_type::none;
  std::string_view label{};              ///< canonical `accelerator-type` value ("" for none)
  bool label_is_substring = false;       ///< any label containing `label` maps here (cards)
  std::span<const std::string_view> schedule_policies{};  ///< `huawei.com/schedule_policy` values
  int max_chips = 0;                     ///< schedulable NPUs (chips or dies) per node
  bool network_fault_aware = false;      ///< network-unhealthy chips withheld from distributed jobs
  bool die_pairs = false;                ///< A3 family: two dies per chip
  bool super_pod = false;                ///< A3 SuperPoD (`sp-block` placement)
  std::string_view legal_counts{};       ///< the legal k, for messages ("1, 2, 4 or 8")

  /// Whether `k` (already inside 1..max_chips) is legal per pod for `job`.
  bool (*legal)(int k, const job_shape& job) noexcept = nullptr;
  /// Why an illegal `k` (inside 1..max_chips) is illegal; null: the generic
  /// message naming `legal_counts`.
  std::string (*why_illegal)(const topology_policy& self, int k, const job_shape& job) = nullptr;
  /// Feasibility of `k` on the usable chips `top`.
  shape_fit (*judge)(int k, chip_mask top, bool distributed) noexcept = nullptr;
  /// The node score; precondition: `judge(...) == fits`.
  std::optional<std::int64_t> (*score)(int k, chip_mask top, bool distributed, const score_inputs& in) noexcept =
      nullptr;
  /// The chips in annotation order; precondition: `judge(...) == fits`.
  std::vector<int> (*pick)(int k, chip_mask top, bool distributed) = nullptr;
  /// `judge` and `score` over a batch of nodes of this type (the fit loop).
  void (*shape_stage)(const shape_batch& batch) noexcept = nullptr;
};

/// The policy of `t`. Every `accelerator_type` has one (a static_assert in
/// policy.cpp keeps the table complete and in enum order).
[[nodiscard]] const topology_policy& policy(accelerator_type t) noexcept;
/// Every policy, in `accelerator_type` order.
[[nodiscard]] std::span<const topology_policy* const> all_policies() noexcept;

/// The super-pod type a super-pod job is validated as: its handler when that
/// is a super-pod type, else module-a3-16-super-pod.
[[nodiscard]] accelerator_type superpod_type_of(std::optional<accelerator_type> handler) noexcept;

// ------------------------------------------------------------ shared by the types

/// The lowest `k` chips of `m`, ascending.
[[nodiscard]] std::vector<int> lowest(chip_mask m, int k);

/// A type's rules as a struct of static inline functions: `max`, `legal`,
/// `shape(k, top, n, distributed)` after the shared count check, `score(k,
/// top, n, distributed, inputs)` and `pick` (n = the chips in `top`). These
/// templates turn them into the table's function pointers, so the
/// single-node functions and the batch stage run the very same code.
template <class R>
shape_fit judge_counted(int k, chip_mask top, int n, bool distributed) noexcept {
  if (k < 1 || k > R::max || n < k) return shape_fit::too_few;
  return R::shape(k, top, n, distributed);
}

template <class R>
shape_fit judge_with(int k, chip_mask top, bool distributed) noexcept {
  return judge_counted<R>(k, top, chip_count(top), distributed);
}

template <class R>
std::optional<std::int64_t> score_with(int k, chip_mask top, bool distributed, const score_inputs& in) noexcept {
  return R::score(k, top, chip_count(top), distributed, in);
}

template <class R>
std::vector<int> pick_with(int k, chip_mask top, bool distributed) {
  return R::pick(k, top, distributed);
}

template <class R>
void shape_stage_with(const shape_batch& b) noexcept {
  for (std::size_t q = 0; q < b.count; ++q) {
    const std::uint16_t i = b.nodes[q];
    const chip_mask top = b.top[i];
    const int n = b.top_count[i];
    const shape_fit f = judge_counted<R>(b.k, top, n, b.distributed);
    if (f == shape_fit::fits) {
      const auto s = R::score(b.k, top, n, b.distributed, score_inputs{b.allocatable[i], b.unhealthy_count[i]});
      if (s) {
        b.rule[i] = node_rule::feasible;
        b.score[i] = *s - b.adjust[i];
        continue;
      }
    }
    b.rule[i] = f == shape_fit::too_few ? node_rule::npu_short : node_rule::topology;
    b.usable[i] = n;
  }
}

/// The table's functions for a rules struct `R`.
template <class R>
constexpr topology_policy with_rules(topology_policy p) noexcept {
  p.max_chips = R::max;
  p.legal = &R::legal;
  p.judge = &judge_with<R>;
  p.score = &score_with<R>;
  p.pick = &pick_with<R>;
  p.shape_stage = &shape_stage_with<R>;
  return p;
}

// The policies, one per type (defined in the file of that type).
extern const topology_policy none_policy;
extern const topology_policy module_910_x8_policy;
extern const topology_policy module_910b_8_policy;
extern const topology_policy module_910b_16_policy;
extern const topology_policy module_a3_16_policy;
extern const topology_policy module_a3_16_super_pod_policy;
extern const topology_policy module_a3_8_super_pod_policy;
extern const topology_policy card_policy;
extern const topology_policy half_policy;

}  // namespace npusched::detail
