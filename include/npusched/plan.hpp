#pragma once
/// \file plan.hpp
/// Placing a set of pending pods on a cluster: the workload model and `plan`.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/fit.hpp"
#include "npusched/superpod.hpp"
#include "npusched/verdict.hpp"

namespace npusched {

/// A pod of a job that already runs (bound, not terminating).
struct running_member {
  std::string pod;            ///< `<namespace>/<name>`
  std::string node;           ///< the node it is bound to
  std::optional<int> rank;    ///< its rank (`hccl/rankIndex`, ordinal, ...), if known
  int npus = 0;
  friend bool operator==(const running_member&, const running_member&) = default;
};

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
  /// `sp-block` annotation in NPUs. Its presence (or a super-pod handler)
  /// makes the job a super-pod job, placed in logical super-nodes.
  std::optional<int> sp_block;
  bool soft_super_pod = false;   ///< label `super-pod-affinity: soft`
  /// Inference service the job belongs to (label `inferserviceid`, or OME's
  /// `ome.io/inferenceservice`); empty for none.
  std::string infer_service;
  std::vector<running_member> running;  ///< members already running, by pod name
  /// Gang size: the job is admitted only when running members plus the pods
  /// placed now reach it (0 = every pending pod must be placed).
  int min_available = 0;
  /// The gang's NPU total as the reference derives it (PodGroup
  /// `minResources` × replicas or `huawei.com/schedule_minAvailable`), for
  /// reports; 0 when unknown. Placement counts the pods' own requests.
  int gang_npus = 0;
  /// Nodes its replacements should avoid (previous fault nodes, from the
  /// fault state): they score 64 less for this job.
  std::vector<std::string> avoid_nodes;
  /// A member is being deleted (`deletionTimestamp`): the gang waits for it
  /// to go before anything of it is placed. The pod's name, or empty.
  std::string terminating;
};

/// A pending pod.
struct pod_spec {
  std::string name;         ///< `<namespace>/<name>`
  std::size_t job = 0;      ///< index into `workload::jobs`
  int npus = 0;             ///< `huawei.com/Ascend910` request (k)
  std::int64_t cpu_milli = 0;
  std::int64_t memory_bytes = 0;
  std::vector<std::pair<std::string, std::string>> node_selector;
  std::vector<toleration> tolerations;  ///< `spec.tolerations`
  std::int32_t priority = 0;     ///< `spec.priority`
  std::int64_t created = 0;      ///< `metadata.creationTimestamp`, unix seconds
  /// Rank in the job (`hccl/rankIndex`, StatefulSet or LeaderWorkerSet
  /// ordinal, `VC_TASK_INDEX`); absent → the lowest free rank.
  std::optional<int> rank;
  /// A 0-NPU pod tolerated in a distributed super-pod job
  /// (`volcano.sh/task-spec: scheduler` or `huawei.com/skip-ascend-plugin: enabled`).
  bool exempt = false;
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
  std::optional<int> super_pod_rank;  ///< logical super-node id (super-pod jobs)
  std::int32_t super_pod_id = -1;     ///< physical super-pod of the node (super-pod jobs)
  std::optional<int> rank;            ///< the rank the pod was placed as (super-pod jobs)
  friend bool operator==(const binding&, const binding&) = default;
};

/// One pod that was not placed.
struct unplaced {
  std::size_t pod = 0;
  verdict why;
  filter_counts counts;
  friend bool operator==(const unplaced&, const unplaced&) = default;
};

/// How one gang (a job with pending pods) fared.
struct gang_outcome {
  std::size_t job = 0;        ///< index into `workload::jobs`
  int min_available = 0;      ///< the gang size the job needed
  int running = 0;            ///< members already running
  int placed = 0;             ///< pods placed by this plan (0 when not admitted)
  int pending = 0;            ///< pods of the job this plan tried
  bool admitted = false;
  verdict why;                ///< when not admitted
  friend bool operator==(const gang_outcome&, const gang_outcome&) = default;
};

/// The block selection of one super-pod job, placed or not.
struct superpod_outcome {
  std::size_t job = 0;             ///< index into `workload::jobs`
  block_geometry geometry;
  superpod_selection selection;    ///< blocks when placed; offers, phases and message either way
};

struct plan_result {
  std::vector<binding> bindings;         ///< in placement order
  std::vector<unplaced> unschedulable;   ///< in consideration order
  std::vector<superpod_outcome> super_pod_jobs;  ///< in consideration order
  std::vector<gang_outcome> gangs;               ///< every job with pending pods, in consideration order
};

/// Scheduler-wide settings of a plan.
struct plan_options {
  superpod_params super_pod;  ///< init-params `super-pod-size`, `reserve-nodes`
  /// Nodes the caller left out of the cluster for broken or missing data
  /// (the adapter's excluded nodes): every verdict counts them, so its
  /// numbers add up to the whole cluster.
  int broken_data_nodes = 0;
  /// Nodes the replacements of a job avoid, by job name, on top of the
  /// job's own `avoid_nodes` (the fault state's previous fault nodes; a
  /// plan option so one cluster model can be planned with any state).
  std::map<std::string, std::vector<std::string>> avoid_nodes;
  /// How each pod's node is chosen among the feasible ones (`node_choice`);
  /// `best_score` is npusched's policy, the others baselines.
  node_choice choice = node_choice::best_score;
  /// The seed of `random_ties`; each pod's ties break by it and the pod's name.
  std::uint64_t tie_seed = 0;
};

/// The `fit_request` of a pending pod of job `job` on cluster `c`, as `plan`
/// builds it (selector resolved, the job's avoided nodes penalised, the
/// left-out nodes of `opt` counted).
[[nodiscard]] fit_request make_request(const cluster& c, const job_spec& job, const pod_spec& pod,
                                       const plan_options& opt = {});

/// The order in which `plan` considers pods. Jobs go by their highest pod
/// priority (descending), then their earliest pod creation time, then name
/// (a job without a name is keyed by its pod's name); inside a job, pods with
/// a rank first by rank, then by name. A total order (names are unique).
/// Returned as indices into `w.pods`.
[[nodiscard]] std::vector<std::size_t> consideration_order(const workload& w);

/// Places the pending pods job by job in `consideration_order`, each on the
/// best node for it given everything placed before it (chips are never given
/// twice, nor a chip a running pod holds).
///
/// A super-pod job (its handler is a super-pod type, or it carries
/// `sp-block`) is validated against the `sp-block` rules and placed whole:
/// its NPU pods go into logical super-nodes selected by `select_blocks`
/// (`select_blocks_for_service` for inference services), rank r on the
/// r-th node of the cumulative block order; if the blocks cannot be found no
/// pod of it is placed (`superpod_capacity`). Pods of a partly running
/// super-pod job are placed inside the physical super-pod of their block's
/// running members.
///
/// `state` starts as the cluster's running pods and ends with this plan's
/// placements. Deterministic: the result depends only on the values of `c`,
/// `w` and `opt`, not on input order. O(P · N).
/// Precondition: `validate_workload(w)` passed.
[[nodiscard]] plan_result plan(const cluster& c, const workload& w, placement_state& state,
                               const plan_options& opt = {});
/// Same, on a fresh state.
[[nodiscard]] plan_result plan(const cluster& c, const workload& w, const plan_options& opt = {});

}  // namespace npusched
