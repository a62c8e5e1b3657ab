#pragma once
/// \file fit.hpp
/// Single-pod fitting over all nodes: filter, score, pick — plus the mutable
/// `placement_state` that plans and what-ifs change.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/topology.hpp"
#include "npusched/verdict.hpp"

namespace npusched {

/// What placements change on top of an immutable `cluster`: chips taken and
/// NPU / CPU / memory requested per node. Starts equal to the cluster's
/// running pods. Copy it to try something without committing.
class placement_state {
 public:
  explicit placement_state(const cluster& c);

  /// Chips held by running pods or taken in this state.
  [[nodiscard]] chip_mask used(node_id n) const { return used_[n.value]; }
  [[nodiscard]] int npu_requested(node_id n) const { return npu_req_[n.value]; }
  [[nodiscard]] std::int64_t cpu_requested_milli(node_id n) const { return cpu_req_[n.value]; }
  [[nodiscard]] std::int64_t memory_requested_bytes(node_id n) const { return mem_req_[n.value]; }

  /// Records a placement. Precondition: `chips` are free on `n` in this state.
  void take(node_id n, chip_mask chips, int npus, std::int64_t cpu_milli, std::int64_t memory_bytes);
  /// Undoes `take` with the same arguments (gang roll-back).
  void give_back(node_id n, chip_mask chips, int npus, std::int64_t cpu_milli, std::int64_t memory_bytes);

  [[nodiscard]] std::span<const chip_mask> used_all() const noexcept { return used_; }
  [[nodiscard]] std::span<const int> npu_requested_all() const noexcept { return npu_req_; }
  [[nodiscard]] std::span<const std::int64_t> cpu_requested_all() const noexcept { return cpu_req_; }
  [[nodiscard]] std::span<const std::int64_t> memory_requested_all() const noexcept { return mem_req_; }

  /// What a new pod can still get on each node, in the cluster's type order
  /// (`type_ordered_columns`): the columns the per-node filter loop reads.
  struct free_columns {
    std::vector<chip_mask> chips;            ///< free chips: inventory − used − unhealthy − recovering
    std::vector<std::uint8_t> chip_count;    ///< chips in `chips`
    std::vector<int> npus;                   ///< NPU idle: allocatable − requested
    std::vector<std::int64_t> cpu_milli;     ///< allocatable − requested
    std::vector<std::int64_t> memory_bytes;  ///< allocatable − requested
  };
  [[nodiscard]] const free_columns& free_by_type() const noexcept { return free_; }

 private:
  std::vector<chip_mask> used_;
  std::vector<int> npu_req_;
  std::vector<std::int64_t> cpu_req_, mem_req_;
  free_columns free_;
  // The cluster's type positions and givable chips (shared by copies of the state).
  struct cluster_order {
    std::vector<std::uint32_t> position;
    std::vector<chip_mask> givable;
  };
  std::shared_ptr<const cluster_order> order_;
};

/// One pod's request, resolved against a cluster.
/// How `fit` chooses among the feasible nodes of a request (docs/fitting.md,
/// "Node choice"). `best_score` is npusched's default policy; `first_fit` and
/// `random_ties` are baselines for measuring placement quality; `block_fit`
/// is npusched's policy with a different super-pod choice for inference
/// services (an option, not the default).
enum class node_choice : std::uint8_t {
  best_score,   ///< the highest score; ties go to the lowest node id (by name)
  first_fit,    ///< the lowest node id that is feasible, whatever its score
  /// The highest score; ties go to the node with the lowest seeded hash of
  /// (`fit_request::tie_seed`, node id): the reference picks among equal
  /// scores at random, this picks the same way for the same seed.
  random_ties,
  /// As `best_score` for nodes; an inference service's blocks go to the
  /// super-pod with the fewest free nodes that still holds one (best fit)
  /// instead of the most (the reference's), keeping large free areas whole
  /// for large `sp-block` jobs (`select_blocks_for_service`).
  block_fit,
};

/// `npusched`, `first-fit`, `random-ties`, `block-fit` (the names options and reports use).
[[nodiscard]] std::string_view to_string(node_choice c) noexcept;
[[nodiscard]] std::optional<node_choice> parse_node_choice(std::string_view s) noexcept;

struct fit_request {
  int npus = 0;                             ///< k; 0 = a pod without NPUs (CPU/memory only)
  job_shape job;                            ///< the job the pod belongs to
  /// The topology the job asked for (its `accelerator-type` nodeSelector or
  /// `huawei.com/schedule_policy`). Nodes of another type do not match. When
  /// absent, every node is judged by its own type (never a default ring model).
  std::optional<accelerator_type> handler;
  selector node_selector;                   ///< from `cluster::resolve`
  std::vector<toleration> tolerations;      ///< the pod's; a node with an untolerated hard taint does not match
  std::int64_t cpu_milli = 0;
  std::int64_t memory_bytes = 0;
  bool refuse_sub_healthy = false;          ///< job label `subHealthyStrategy` ≠ `ignore`
  /// Whether network-unhealthy chips are withheld (and nodes of unknown
  /// network health refused). Absent: for distributed jobs. Super-pod jobs
  /// set it when they span more than one logical super-node.
  std::optional<bool> network_sensitive;
  /// When set, only nodes of this physical super-pod match.
  std::optional<std::int32_t> super_pod;
  /// Nodes that score 64 less (sorted): a fault job's previous fault nodes,
  /// so its replacements go elsewhere when they can (docs/faults.md).
  std::vector<node_id> penalised;
  /// Nodes outside the cluster (left out for broken or missing data): they
  /// count in the verdict's totals under `filter_counts::broken_data`.
  int broken_data_nodes = 0;
  node_choice choice = node_choice::best_score;
  std::uint64_t tie_seed = 0;  ///< for `random_ties`: differs per pod (`make_request` mixes in its name)

  [[nodiscard]] bool withholds_network() const noexcept { return network_sensitive.value_or(job.distributed()); }
};

/// The first rule that rejected a node, in filter order, or `feasible`.
enum class node_rule : std::uint8_t {
  selector, illegal, cordoned, unhealthy, network_unknown, resources, npu_short, topology, feasible
};

/// Adds one node's rule to the counts (the tally `fit` keeps).
void tally(filter_counts& counts, node_rule rule) noexcept;

/// One node's answer to one request.
struct node_eval {
  node_rule rule = node_rule::selector;
  std::int64_t score = 0;  ///< when `rule == feasible`
  /// When `rule` is `npu_short` or `topology`: the NPUs the node could give
  /// (usable free chips, capped by NPU idle) — for "what would make it fit".
  int usable = 0;
};

/// Evaluates one node: the filter chain (selector/type/taints, legality on the
/// node's type, cordon, health, network health for distributed jobs,
/// CPU/memory, NPU idle and usable free count, HCCS shape) and the score.
/// Sub-healthy nodes score one less (last choice among equals).
[[nodiscard]] node_eval evaluate_node(const cluster& c, const placement_state& s, const fit_request& r, node_id n);

/// The node that came closest, when nothing fits: the one with the most
/// usable free NPUs among those short of NPUs (ties: lowest id), or the first
/// with enough NPUs in the wrong shape.
struct near_miss {
  node_id node;
  node_rule rule = node_rule::npu_short;  ///< `npu_short` or `topology`
  int usable = 0;
};

/// The outcome of fitting one pod.
struct fit_result {
  std::optional<node_id> node;  ///< chosen node, if any
  std::vector<int> chips;       ///< chosen chips in annotation order (empty for 0-NPU pods)
  std::int64_t score = 0;
  filter_counts counts;         ///< how every node answered
  verdict why;                  ///< `reason::none` when placed
  std::optional<near_miss> closest;  ///< when not placed and some node got as far as the NPU stage
};

/// Fits one pod over every node: the highest score wins, ties by lowest
/// `node_id` (= node name order). Every node is evaluated (no early exit).
/// When nothing fits, the verdict's message ends with what would make it fit
/// (`closest`): the node with enough NPUs in the wrong shape (free or move
/// its pods), else the node that is fewest NPUs short.
/// A request that does not fit returns a verdict whose reason is the deepest
/// filter stage any node reached (topology_mismatch > insufficient_npu >
/// insufficient_resources > node_unhealthy > no_matching_node), and whose
/// message counts the nodes per rule. O(N) with a vectorised pre-filter;
/// no allocation per node.
[[nodiscard]] fit_result fit(const cluster& c, const placement_state& s, const fit_request& r);

/// Every node that passes the whole filter chain, with its score, in node id
/// order; `counts` (if given) receives the per-rule tally. Same rules and
/// cost as `fit`; used where a caller chooses among nodes itself (super-pod
/// blocks).
[[nodiscard]] std::vector<std::pair<node_id, std::int64_t>> feasible_nodes(const cluster& c, const placement_state& s,
                                                                          const fit_request& r,
                                                                          filter_counts* counts = nullptr);

/// The chips `pick_chips` gives request `r` on node `n` in state `s`.
[[nodiscard]] std::vector<int> choose_chips(const cluster& c, const placement_state& s, const fit_request& r, node_id n);

/// The verdict for a request from its filter counts (used by `fit`, exposed
/// for callers that aggregate counts themselves).
[[nodiscard]] verdict verdict_from_counts(const filter_counts& counts, const fit_request& r);

}  // namespace npusched
