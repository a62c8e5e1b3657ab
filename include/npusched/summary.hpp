#pragma once
/// \file summary.hpp
/// A cluster summary of one plan: per accelerator type the nodes, the nodes
/// that take new pods, the NPUs and the free NPUs before and after the plan,
/// and the plan's pod counts. Reports print these numbers instead of
/// deriving them a second time.

#include <string>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/plan.hpp"

namespace npusched {

/// True when `n` takes new pods at all: it is not cordoned and its health is
/// `healthy` or `sub_healthy` (pre-separated, unhealthy and not-ready nodes
/// keep their running pods but get no new ones). This is the node-level part
/// of the filter chain of `evaluate_node`; a job that refuses sub-healthy
/// nodes, a selector or a taint can still keep a particular pod off a usable
/// node.
[[nodiscard]] bool takes_new_pods(const cluster& c, node_id n) noexcept;

/// NPUs a usable node can still give in `s`: its free chips (inventory minus
/// chips in use, unhealthy or recovering) capped by its idle NPUs
/// (allocatable minus requested), never below 0. 0 for a node that does not
/// take new pods.
[[nodiscard]] int free_npus(const cluster& c, const placement_state& s, node_id n) noexcept;

/// The nodes of one accelerator type (`accelerator_type::none` = CPU-only).
struct type_summary {
  accelerator_type type = accelerator_type::none;
  int nodes = 0;
  int usable_nodes = 0;           ///< nodes for which `takes_new_pods` holds
  int npus = 0;                   ///< chips in the inventories of all its nodes
  int free_npus_before = 0;       ///< Σ `free_npus` with only the running pods
  int free_npus_after = 0;        ///< Σ `free_npus` once this plan's bindings are taken
  std::vector<std::string> unusable;  ///< names of the nodes that take no new pods, by name
  friend bool operator==(const type_summary&, const type_summary&) = default;
};

struct cluster_summary {
  /// One entry per accelerator type present in the cluster, in
  /// `accelerator_type` declaration order (CPU-only first).
  std::vector<type_summary> types;
  /// The sums over `types`; its `type` is `none` and `unusable` lists every
  /// node that takes no new pods, by name.
  type_summary total;
  int pending = 0;   ///< pending pods of the workload
  int placed = 0;    ///< bindings of the plan
  int unplaced = 0;  ///< pods the plan left unschedulable
  friend bool operator==(const cluster_summary&, const cluster_summary&) = default;
};

/// Summarises `r`, a plan of `w` on `c` started from the cluster's running
/// pods. "After" replays the bindings on a fresh `placement_state` with each
/// pod's own NPU, CPU and memory requests. Deterministic; O(N + B) for N
/// nodes and B bindings. Precondition: `r` came from `plan(c, w, ...)`.
[[nodiscard]] cluster_summary summarize(const cluster& c, const workload& w, const plan_result& r);

}  // namespace npusched
