#pragma once
/// \file explain.hpp
/// Why pending pods do (not) fit, and the smallest change that would make
/// them fit — computed from a `plan` result with the same filter chain
/// (`evaluate_node`, `feasible_nodes`) and the same requests
/// (`make_request`) that `plan` used.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/fit.hpp"
#include "npusched/plan.hpp"

namespace npusched {

struct explain_options {
  plan_options plan;           ///< the options the plan was computed with
  std::size_t closest = 3;     ///< candidate nodes listed per unplaced pod
};

/// A node that came close for an unplaced pod: it passed every rule up to
/// the NPU stage (`rule` is `npu_short` or `topology`).
struct candidate_node {
  node_id node;
  node_rule rule = node_rule::npu_short;
  int usable = 0;                     ///< NPUs the node could give now
  int short_by = 0;                   ///< k − usable (0 when only the HCCS shape is wrong)
  std::vector<int> unhealthy_chips;   ///< the node's unhealthy chips (never given)
  std::vector<int> recovering_chips;  ///< chips recovering and not held: usable again once recovered
  friend bool operator==(const candidate_node&, const candidate_node&) = default;
};

/// One target pod.
struct pod_explanation {
  std::size_t pod = 0;              ///< index into `workload::pods`
  bool placed = false;
  std::optional<node_id> node;      ///< where it goes, when placed
  std::int64_t score = 0;           ///< the winning node's score (0 for super-pod blocks)
  std::optional<node_id> runner_up; ///< the best other node that could take it, when placed
  std::int64_t runner_up_score = 0;
  /// The plan's verdict when not placed; `reason::none` and a sentence on
  /// where and why when placed.
  verdict why;
  /// Per-rule node counts (the left-out nodes under `broken_data`): the
  /// plan's counts when it recorded them, else the filter chain on the
  /// plan's final state (this pod's own placement given back).
  filter_counts counts;
  /// Best first: fewest NPUs short, then more usable NPUs, then node id.
  std::vector<candidate_node> closest;
};

/// What a suggestion proposes.
enum class suggestion_code : std::uint8_t {
  missing_label,     ///< no node carries a nodeSelector term (`label_key`, `label_value`)
  chip_recovering,   ///< the node's recovering `chips` would make it fit once recovered
  free_held_npus,    ///< freeing the NPUs the running `pods` hold on `node` would make room
  more_nodes,        ///< `count` more free nodes with `npus` NPUs each
  superpod_nodes,    ///< `count` more free nodes in super-pods (in `super_pod_id` when one is named)
  lower_sp_block,    ///< an `sp-block` of `count` NPUs would be placed now
  more_pods,         ///< the gang has `count` pods too few to reach its min-available
};

/// The stable code: `missing_label`, `chip_recovering`, ...
[[nodiscard]] std::string_view to_string(suggestion_code c) noexcept;

/// The smallest change found for one job, as data plus a sentence.
struct suggestion {
  suggestion_code code = suggestion_code::more_nodes;
  std::string message;
  std::size_t job = 0;                  ///< index into `workload::jobs`
  std::optional<node_id> node;
  int count = 0;                        ///< nodes, NPUs or `sp-block`, by code
  int npus = 0;                         ///< NPUs per node (`more_nodes`), NPUs to free (`free_held_npus`)
  std::vector<int> chips;               ///< `chip_recovering`
  std::vector<std::string> pods;        ///< `free_held_npus`: the holders, fewest first to free
  std::string label_key, label_value;   ///< `missing_label`
  std::optional<std::int32_t> super_pod_id;
  friend bool operator==(const suggestion&, const suggestion&) = default;
};

struct explanation {
  std::vector<pod_explanation> pods;        ///< the targets in `consideration_order`
  std::vector<std::size_t> gangs;           ///< indices into `plan_result::gangs` of the targets' jobs
  std::vector<std::size_t> super_pod_jobs;  ///< indices into `plan_result::super_pod_jobs` of the targets' jobs
  std::vector<suggestion> suggestions;      ///< by job in consideration order
};

/// Explains the pods `targets` (indices into `w.pods`; out-of-range and
/// repeated indices are ignored) of the plan `p` computed on `c` and `w`
/// with `opt.plan`.
///
/// Suggestions per job with unplaced targets, first that applies:
/// the gang cannot reach its min-available (`more_pods`); a nodeSelector
/// term no node carries (`missing_label`, one per term); for a super-pod
/// job whose blocks were not found, the largest smaller legal `sp-block` that
/// the free nodes would hold (`lower_sp_block`, only without running
/// members) and the fewest extra free nodes that complete the missing
/// blocks (`superpod_nodes`); otherwise the unplaced pods are walked in
/// order on a copy of the plan's final state — a pod that fits there takes
/// its node, else the best candidate not yet used whose recovering chips
/// would cover the shortage (`chip_recovering`), else the one where freeing
/// running pods' chips would (`free_held_npus`), else it counts towards
/// `more_nodes` (grouped by NPUs per pod). A request that is invalid, or a
/// gang waiting for a terminating member, gets no suggestion.
///
/// Deterministic; O(T · N) for T targets, plus the super-pod candidates.
/// Precondition: `p == plan(c, w, opt.plan)`.
[[nodiscard]] explanation explain(const cluster& c, const workload& w, const plan_result& p,
                                  std::span<const std::size_t> targets, const explain_options& opt = {});

}  // namespace npusched
