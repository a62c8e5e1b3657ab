#pragma once
/// \file plan.hpp
/// Placing a set of pending pods on a cluster: the workload model and `plan`.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/fit.hpp"
#include "npusched/verdict.hpp"

namespace npusched {

/// A job (PodGroup, or a pod on its own): what the legality rules and the
/// job-level switches need.
struct job_spec {
  std::string name;  ///< `<namespace>/<podgroup>`, or `""` for a pod without a group
  /// NPU pods of the job and their total, counting running and pending pods.
  job_shape shape;
  /// Requested topology (`accelerator-type` selector or schedule policy); see `fit_request::handler`.
  std::optional<accelerator_type> handler;
  bool refuse_sub_healthy = false;  ///< `subHealthyStrategy` ≠ `ignore`
  /// When set, every pending pod of the job is refused with this verdict
  /// (e.g. conflicting selectors found while decoding).
  std::optional<verdict> invalid;
};

/// A pending pod.
struct pod_spec {
  std::string name;         ///< `<namespace>/<name>`
  std::size_t job = 0;      ///< index into `workload::jobs`
  int npus = 0;             ///< `huawei.com/Ascend910` request (k)
  std::int64_t cpu_milli = 0;
  std::int64_t memory_bytes = 0;
  std::vector<std::pair<std::string, std::string>> node_selector;
  std::int32_t priority = 0;     ///< `spec.priority`
  std::int64_t created = 0;      ///< `metadata.creationTimestamp`, unix seconds
};

/// The pending work of one plan.
struct workload {
  std::vector<job_spec> jobs;
  std::vector<pod_spec> pods;
};

/// Checks the workload's own consistency (job indices in range, counts not
/// negative, names unique). Error paths: `pods[2].job`, `jobs[0].shape.total_npus`.
[[nodiscard]] std::optional<error> validate_workload(const workload& w);

/// One placed pod.
struct binding {
  std::size_t pod = 0;        ///< index into `workload::pods`
  node_id node;
  std::vector<int> chips;     ///< chip ids in annotation order
  bool distributed = false;   ///< the pod's job has more than one NPU pod
  std::int64_t score = 0;
  friend bool operator==(const binding&, const binding&) = default;
};

/// One pod that was not placed.
struct unplaced {
  std::size_t pod = 0;
  verdict why;
  filter_counts counts;
  friend bool operator==(const unplaced&, const unplaced&) = default;
};

struct plan_result {
  std::vector<binding> bindings;         ///< in placement order
  std::vector<unplaced> unschedulable;   ///< in consideration order
};

/// The order in which `plan` considers pods: priority descending, then
/// creation time ascending, then name ascending (a total order: names are
/// unique). Returned as indices into `w.pods`.
[[nodiscard]] std::vector<std::size_t> consideration_order(const workload& w);

/// Places the pending pods one by one in `consideration_order`, each on the
/// best node for it given everything placed before it (chips are never given
/// twice, nor a chip a running pod holds). `state` starts as the cluster's
/// running pods and ends with this plan's placements. Deterministic: the
/// result depends only on the values of `c` and `w`, not on input order.
/// O(P · N). Precondition: `validate_workload(w)` passed.
[[nodiscard]] plan_result plan(const cluster& c, const workload& w, placement_state& state);
/// Same, on a fresh state.
[[nodiscard]] plan_result plan(const cluster& c, const workload& w);

}  // namespace npusched
