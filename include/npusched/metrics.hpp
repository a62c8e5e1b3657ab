#pragma once
/// \file metrics.hpp
/// Fragmentation metrics of a cluster state, per accelerator type and per
/// physical super-pod: free NPUs and whole nodes, the block spectrum, stranded
/// capacity, a fragmentation index and the fault-repair headroom. Pure
/// functions of (cluster, placement state, options); definitions in
/// docs/metrics.md.

#include <cstdint>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/fit.hpp"
#include "npusched/types.hpp"

namespace npusched {

/// The request sizes one accelerator type is judged against.
struct type_request_sizes {
  accelerator_type type = accelerator_type::none;
  std::vector<int> sizes;  ///< NPUs per pod, ascending, each legal for a standalone pod of the type
  friend bool operator==(const type_request_sizes&, const type_request_sizes&) = default;
};

struct metrics_options {
  /// Logical super-node sizes (nodes per `sp-block`) the block spectrum and
  /// stranded nodes are computed for, ascending; empty → 1, 2, 4, 8, 16
  /// (those not above the largest physical super-pod).
  std::vector<int> block_nodes;
  /// Per type, the pod sizes stranded NPUs and the fragmentation index are
  /// judged against; a type not listed uses `power_of_two_sizes(type, false)`.
  std::vector<type_request_sizes> request_sizes;
};

/// How many disjoint logical super-nodes of `block_nodes` nodes can be carved.
struct block_count {
  int block_nodes = 0;
  int blocks = 0;
  friend bool operator==(const block_count&, const block_count&) = default;
};

/// One accelerator type.
struct type_metrics {
  accelerator_type type = accelerator_type::none;
  int nodes = 0;
  int usable_nodes = 0;      ///< nodes that take new pods (`takes_new_pods`)
  int free_npus = 0;         ///< Σ `free_npus` over its nodes
  int free_whole_nodes = 0;  ///< usable nodes a pod of all the type's chips fits on now
  /// Free NPUs no pod of the type's request sizes can use: what is left on
  /// each usable node after packing it greedily, largest size first, with
  /// the chips the scheduler itself picks.
  int stranded_npus = 0;
  /// Super-pod types: free whole nodes of a physical super-pod that no
  /// combination of blocks of the sizes in use covers (Σ over its super-pods).
  int stranded_nodes = 0;
  /// NPUs a gang of pods of the largest request size can take right now
  /// (super-pod types: whole blocks of the largest block size).
  int largest_gang_npus = 0;
  /// 1 − largest_gang_npus / free_npus (0 with nothing free), in millionths
  /// so the value is exact and the same everywhere.
  int fragmentation_ppm = 0;
  friend bool operator==(const type_metrics&, const type_metrics&) = default;
};

/// One physical super-pod (nodes of a super-pod type sharing a super-pod id).
struct superpod_metrics {
  std::int32_t super_pod_id = 0;
  accelerator_type type = accelerator_type::none;
  int nodes = 0;
  int free_whole_nodes = 0;           ///< candidates of a whole-node block now
  std::vector<block_count> spectrum;  ///< per block size: ⌊free whole nodes / size⌋
  int stranded_nodes = 0;             ///< free whole nodes no combination of block sizes covers
  /// Spare whole nodes for replacing a failed member of a block in place:
  /// free whole nodes that are healthy (not sub-healthy).
  int repair_headroom = 0;
  friend bool operator==(const superpod_metrics&, const superpod_metrics&) = default;
};

struct cluster_metrics {
  std::vector<type_metrics> types;          ///< types present, in `accelerator_type` order; CPU-only nodes left out
  std::vector<superpod_metrics> super_pods; ///< by super-pod id
  std::vector<block_count> spectrum;        ///< Σ over the super-pods, per block size
  std::vector<int> block_nodes;             ///< the block sizes used (the option, or its default)
  std::vector<type_request_sizes> request_sizes;  ///< the sizes used per type present
  friend bool operator==(const cluster_metrics&, const cluster_metrics&) = default;
};

/// The metrics of `c` with the placements of `s` (its running pods, and
/// whatever a plan took). Deterministic; O(N · |sizes|) for N nodes.
[[nodiscard]] cluster_metrics measure_fragmentation(const cluster& c, const placement_state& s,
                                                    const metrics_options& opt = {});

}  // namespace npusched
