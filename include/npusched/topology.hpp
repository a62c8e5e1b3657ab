#pragma once
/// \file topology.hpp
/// The per-`accelerator_type` topology policies: which per-pod NPU counts are
/// legal, whether a node's free chips can serve a request, the node score and
/// the exact chips chosen. Pure functions of small integers and chip masks;
/// no allocation except `pick_chips`' result. Every type's rules live in one
/// file of lib/core/topology/ behind one policy table, which these functions
/// (and `max_chips`, `is_a3_type`, ... of types.hpp) read.
///
/// Rings and pairs (chip id = the N of `Ascend910-N`):
/// - `module` (910, 8 chips): HCCS rings {0..3} and {4..7}; k ∈ {1,2,4,8};
///   k ≤ 4 inside one ring, 8 = whole node.
/// - `module-910b-8`, `card`: full mesh of 8; k ∈ 1..8; `half`: 4 chips, k ∈ {1,2,4}.
/// - `module-910b-16`: rings {0..7} and {8..15}; k ∈ 1..8 inside one ring,
///   k ∈ {10,12,14} as k/2 cross-ring pairs, 16 = whole node.
/// - `module-a3-16` and the super-pod types: die pairs {2c, 2c+1} form chip c;
///   k = 1 only for a single-pod job whose total is 1, otherwise even k made of
///   whole chips.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "npusched/types.hpp"

namespace npusched {

/// What the legality rules need to know about the job a pod belongs to.
struct job_shape {
  int npu_tasks = 1;   ///< pods of the job that request NPUs (`NPUTaskNum`)
  int total_npus = 0;  ///< Σ NPUs over the job (`ReqNPUNum`)
  /// A job with more than one NPU pod. Distributed jobs never get
  /// network-unhealthy chips, and on 910B-16 may pair any chips across rings.
  [[nodiscard]] constexpr bool distributed() const noexcept { return npu_tasks > 1; }
};

/// Legality of a per-pod request of `k` NPUs on topology `t`
/// (the per-type request rules of docs/fitting.md). Returns the broken rule as a message, or
/// nothing when legal. `k` ≤ 0 is never legal here (0-NPU pods are not NPU pods).
[[nodiscard]] std::optional<std::string> check_request(accelerator_type t, int k, const job_shape& job);

/// The same rule as a yes/no answer, without building a message (no allocation).
[[nodiscard]] bool is_legal_request(accelerator_type t, int k, const job_shape& job) noexcept;

/// The power-of-two per-pod NPU counts (1, 2, 4, … up to the type's chip
/// count) legal on `t` for a standalone pod, or (`distributed`) for a pod of
/// a multi-pod job, ascending: the request sizes the generator draws from
/// and the metrics judge free chips against by default.
[[nodiscard]] std::vector<int> power_of_two_sizes(accelerator_type t, bool distributed);

/// Chips a request of a distributed (`true`) or standalone job may use on a
/// node: `free` minus `network_unhealthy` for distributed jobs on
/// network-fault-aware types.
[[nodiscard]] inline chip_mask usable_chips(accelerator_type t, chip_mask free, chip_mask network_unhealthy,
                                            bool distributed) noexcept {
  return (distributed && network_fault_aware(t)) ? (free & ~network_unhealthy) : free;
}

/// Feasibility of `k` on the usable chips `top`.
enum class shape_fit : std::uint8_t {
  fits,
  too_few,      ///< fewer usable chips than k
  wrong_shape,  ///< enough chips, but not in a legal HCCS shape (fragmentation)
};
[[nodiscard]] shape_fit judge(accelerator_type t, int k, chip_mask top, bool distributed) noexcept;

/// Inputs of the node score besides the usable chips.
struct score_inputs {
  int allocatable = 0;      ///< healthy NPUs of the node (`status.allocatable`)
  int unhealthy_count = 0;  ///< chips in the node's unhealthy list
};

/// The node score for a feasible request, an integer where higher is better
/// (before Volcano's ×100 plugin weight). Formulas:
/// - base (`module-910b-8`, `card`, `half`): (max − unhealthy) · 100 − |top|
/// - `module`: 8 · (4 · allocatable − ring unfitness) + (8 − |top|)
/// - `module-910b-16`: 16 · (allocatable − ring unfitness) + (16 − |top|)
/// - A3 types: 16 · (32 − best′), best′ = |top| − k (+16 when k = 1 and no chip is half free)
/// Unlike the reference every feasible node gets its true score (no early exit).
/// Returns nothing when the request is not feasible on `top`.
[[nodiscard]] std::optional<std::int64_t> node_score(accelerator_type t, int k, chip_mask top, bool distributed,
                                                     const score_inputs& in) noexcept;

/// The chips given to a feasible request, in the order they are written to the
/// pod annotation. Ties break by ascending chip id (rings: the lower ring
/// first; A3: among chips with the same number of free dies, the lower chip).
/// Empty when the request is not feasible.
[[nodiscard]] std::vector<int> pick_chips(accelerator_type t, int k, chip_mask top, bool distributed);

/// `module` ring-choice priority for k (which 4-chip ring fill to try first): k=1 → [1,3,2,4],
/// k=2 → [2,4,3], k=4 → [4], k=8 → [8], k=0 → [0,1,2,3,4]; other k → empty.
[[nodiscard]] std::vector<int> module_ring_priority(int k);

}  // namespace npusched
