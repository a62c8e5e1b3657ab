#pragma once
/// \file superpod.hpp
/// `sp-block` logical super-node partitioning on Atlas A3 SuperPoDs.
///
/// A distributed super-pod job asks for its nodes in logical super-nodes
/// ("blocks") of `sp-block` NPUs; each block must sit whole inside one
/// physical super-pod (nodes sharing a super-pod id). This header has the
/// three pure steps: validating `sp-block`, selecting blocks from the free
/// nodes of each physical super-pod, and mapping ranks to blocks and nodes.
/// `plan` (plan.hpp) wires them to the cluster.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "npusched/topology.hpp"
#include "npusched/types.hpp"

namespace npusched {

/// Scheduler-wide super-pod parameters (init-params `super-pod-size`, `reserve-nodes`).
struct superpod_params {
  int super_pod_size = 48;  ///< nodes per physical super-pod; non-positive → 48
  int reserve_nodes = 2;    ///< nodes each super-pod keeps free if it can; negative → 2
};

/// The parameters as the reference applies them: a non-positive size becomes
/// 48; a negative reserve becomes 2; a reserve ≥ size becomes 2 when size > 2,
/// else 0.
[[nodiscard]] superpod_params clamp(superpod_params p) noexcept;

/// A super-pod job as the validation rules see it.
struct superpod_job {
  accelerator_type type = accelerator_type::module_a3_16_super_pod;  ///< one of the two super-pod types
  job_shape shape;                      ///< NPU pods and total NPUs of the job (Q)
  std::optional<int> sp_block;          ///< the `sp-block` annotation in NPUs (S); absent → Q
  std::vector<int> pod_npus;            ///< per-pod requests of the pods being placed (0 = no NPU)
  /// Per pod: a 0-NPU pod allowed in a distributed job (annotation
  /// `volcano.sh/task-spec: scheduler` or `huawei.com/skip-ascend-plugin: enabled`).
  std::vector<bool> exempt;
};

/// The block geometry of a valid super-pod job.
struct block_geometry {
  int block_nodes = 1;  ///< B: nodes per logical super-node
  int blocks = 1;       ///< V: logical super-nodes the job needs (NPU pods / B)
};

/// Validates `sp-block` and the job's requests (the `sp-block` validation
/// rules of docs/superpod.md), in order. Returns the geometry, or the message of the first broken rule
/// (naming the rule and the numbers). Standalone jobs (one NPU pod) get B = V = 1.
[[nodiscard]] std::variant<block_geometry, std::string> check_superpod_job(const superpod_job& job,
                                                                            const superpod_params& params);

/// The free candidate nodes of one physical super-pod, in preference order
/// (healthy before sub-healthy, then by name). Node ids only: the selection
/// never looks at anything else.
struct superpod_group {
  std::int32_t super_pod_id = 0;
  std::vector<node_id> nodes;
  std::vector<bool> sub_healthy;  ///< parallel to `nodes` (informational; order already applies it)
};

/// One logical super-node of a placement.
struct logical_block {
  int id = 0;                    ///< logical id, assigned 0, 1, … in selection order
  std::int32_t super_pod_id = 0; ///< the physical super-pod every node of the block is in
  std::vector<node_id> nodes;    ///< local rank order
  friend bool operator==(const logical_block&, const logical_block&) = default;
};

/// How the selection went, for explanations.
enum class superpod_phase : std::uint8_t {
  best_fit,       ///< phase 1: super-pods no bigger than the need, smallest leftover first
  bigger,         ///< phase 2: the smallest super-pods bigger than the need
  reserve,        ///< phase 3: blocks taken from the reserve, one per super-pod per round
  soft_filler,    ///< phase 4: partial blocks anywhere (only with `super-pod-affinity: soft`)
  infer_service,  ///< the inference-service variant
};

/// Per super-pod numbers for an explanation.
struct superpod_offer {
  std::int32_t super_pod_id = 0;
  int free_nodes = 0;   ///< candidate nodes
  int blocks = 0;       ///< whole blocks it could give (free_nodes / B)
  int taken = 0;        ///< blocks (or soft chunks) this selection took from it
  friend bool operator==(const superpod_offer&, const superpod_offer&) = default;
};

/// The outcome of a selection.
struct superpod_selection {
  bool placed = false;
  std::vector<logical_block> blocks;            ///< when placed, in logical id order
  std::vector<superpod_offer> offers;           ///< every super-pod considered, by id
  std::vector<int> blocks_by_phase = std::vector<int>(5, 0);  ///< indexed by superpod_phase
  int needed = 0;                               ///< V
  int available = 0;                            ///< Σ whole blocks over all super-pods
  std::string message;                          ///< why not placed (empty when placed)
};

/// Selects V blocks of B nodes (docs/superpod.md) with the reference's
/// bucket table (rows = leftover after the reserve, columns = blocks that fit
/// while keeping `reserve_nodes` free) and phases. Deterministic: super-pods in
/// one table cell are visited by ascending id; phase 3 orders by current size
/// descending, then id; nodes are taken in `groups[i].nodes` order.
///
/// Hard (`soft == false`) means hard: every block is whole inside one
/// super-pod or nothing is placed. Unlike the reference, phase 3 repeats its
/// one-block-per-super-pod rounds until the need is met or no super-pod has a
/// whole block left, so a hard job is placed exactly when Σ ⌊free/B⌋ ≥ V. With
/// `soft`, a remaining need is filled with chunks of at most B nodes from the
/// super-pods with the most free nodes (each chunk its own logical id).
/// The table has as many columns as the biggest super-pod needs (no overflow
/// for any super-pod size). O(S log S + Σ nodes).
/// `visit_seed` (the random-ties baseline only) visits the super-pods of a
/// cell, and every tie, in a seeded shuffled order instead of by id, as the
/// reference's map iteration does at random.
[[nodiscard]] superpod_selection select_blocks(std::span<const superpod_group> groups, const block_geometry& g,
                                               const superpod_params& params, bool soft,
                                               std::optional<std::uint64_t> visit_seed = std::nullopt);

/// The inference-service variant: no reserve, no table; for
/// each block, super-pods already hosting the service come first, then the
/// others; within a group the most free nodes first (with `tightest`, the
/// fewest that still hold a block: the `block-fit` policy), then ascending
/// id. A super-pod that receives a block joins the first group.
[[nodiscard]] superpod_selection select_blocks_for_service(std::span<const superpod_group> groups,
                                                           const block_geometry& g,
                                                           std::span<const std::int32_t> hosting_super_pods,
                                                           std::optional<std::uint64_t> visit_seed = std::nullopt,
                                                           bool tightest = false);

/// Where rank `rank` goes: the block and the index inside it, walking the
/// cumulative block sizes in logical id order. Nothing when out of range.
struct rank_slot {
  std::size_t block = 0;  ///< index into the blocks vector
  std::size_t slot = 0;   ///< index into that block's nodes
  friend bool operator==(const rank_slot&, const rank_slot&) = default;
};
[[nodiscard]] std::optional<rank_slot> locate_rank(std::span<const logical_block> blocks, int rank);

}  // namespace npusched
