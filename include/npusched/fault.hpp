#pragma once
/// \file fault.hpp
/// Fault isolation and rescheduling decisions as a pure function of
/// (cluster, running jobs, previous fault state, now).
///
/// The cluster (cluster.hpp) already carries what isolation needs: node
/// health (NodeD / switch / Ready), unhealthy, recovering, network-unhealthy,
/// sub-healthy and link-down chip masks. This header adds the running jobs as
/// the fault logic sees them, the state that survives between calls, and the
/// decision function. Rules and deliberate differences from the reference:
/// docs/faults.md.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/result.hpp"

namespace npusched {

/// Label `fault-scheduling`.
enum class fault_scheduling : std::uint8_t {
  off,             ///< absent or `off`: faults are reported, nothing is deleted
  grace,           ///< delete with the pod's grace period, force after `grace-over-time`
  force,           ///< delete with grace period 0
  external_grace,  ///< annotate the fault pods (`huawei.com/pod-status`); an external platform deletes
  external_force,  ///< same, the external platform is told to force
  unsupported,     ///< any other value: the job is a fault job, but no action is taken
};

/// Label `subHealthyStrategy`.
enum class sub_healthy_strategy : std::uint8_t { ignore, grace_exit, force_exit, hot_switch };

/// A pod of a running job.
struct fault_pod {
  std::string name;               ///< `<namespace>/<name>`
  std::string uid;
  std::string node;               ///< empty while pending
  chip_mask chips = 0;            ///< chips it uses (`huawei.com/AscendReal`, else `huawei.com/Ascend910`)
  int npus = 0;                   ///< NPUs requested
  std::optional<int> rank;        ///< `hccl/rankIndex` (or the other rank sources)
  std::int64_t created = 0;       ///< creation time, unix seconds
  bool failed = false;            ///< phase Failed, or a container's last termination exit code ≠ 0
  /// Phase `Failed` on its own (a subset of `failed`): such a pod is forced
  /// at once, and after a completed round of a `pod-rescheduling: on` job it
  /// is a new fault even without `fault-retry-times`.
  bool phase_failed = false;
  bool terminating = false;       ///< `deletionTimestamp` set
  std::string fault_type_label;   ///< pod label `fault-type` (ClusterD): `Separate`, `SubHealth`, `software`
  bool worker_replica = false;    ///< label `training.kubeflow.org/replica-type: worker` (rank 0 is not master)
  bool hot_switch_delete = false; ///< annotation `needVolcanoOpe: delete` (hot switch)
  friend bool operator==(const fault_pod&, const fault_pod&) = default;
};

/// A running job (PodGroup) as the fault logic sees it.
struct fault_job {
  std::string name;               ///< `<namespace>/<podgroup>`
  std::string owner_uid;          ///< UID of the PodGroup's controller owner (retry budgets are keyed by it)
  bool running = true;            ///< PodGroup phase Running or Unknown (others are not handled)
  fault_scheduling scheduling = fault_scheduling::off;
  std::string scheduling_label;   ///< the raw `fault-scheduling` value, for messages
  bool pod_rescheduling = false;  ///< label `pod-rescheduling: on`
  bool process_recover = false;   ///< label `process-recover-enable: on`
  /// Rescheduling capped at pod level: annotation `huawei.com/recover_policy_path: pod`,
  /// label `ome.io/inferenceservice`, or MindIE MS labels `app: mindie-ms-controller|coordinator`.
  bool pod_level_only = false;
  bool external_recovery = false; ///< annotation `ProcessRecoverStrategy` present: never deleted by us
  int fault_retry_times = 0;      ///< label `fault-retry-times` (absent or unparsable → 0)
  sub_healthy_strategy strategy = sub_healthy_strategy::ignore;
  bool npu_job = false;           ///< some pod requests NPUs
  int block_nodes = 0;            ///< logical super-node size in nodes (super-pod jobs), else 0
  int min_available = 0;          ///< gang size (0 = every pod)
  std::vector<fault_pod> pods;    ///< every pod of the job, running or not, by name
  friend bool operator==(const fault_job&, const fault_job&) = default;
};

/// Scheduler-wide fault settings.
struct fault_options {
  int grace_over_time = 900;         ///< seconds before a grace deletion becomes a force deletion (2..3600)
  int cache_extra_seconds = 300;     ///< a fault record lives grace_over_time + this after its last change
  int link_down_seconds = 20;        ///< L1 link-down chips are withheld this long after a relation-fault restart
  /// Pod-level rescheduling widens while replacements stay pending (the
  /// reference counts ~1 s sessions; npusched measures seconds since the
  /// deletion completed, so the answer does not depend on the call rate).
  int escalate_to_block_seconds = 6;
  int escalate_to_job_seconds = 12;
};

/// Why a running pod is a fault pod; the checks run in a fixed order and the
/// first that holds wins (docs/faults.md, "Classification").
enum class fault_type : std::uint8_t {
  node_unhealthy,           ///< `NodeUnhealthy`: node unhealthy, not ready or gone
  card_unhealthy,           ///< `CardUnhealthy`: a chip it uses is unhealthy
  pod_failed,               ///< `pod-failed`: business-plane failure, only with fault-retry-times > 0
  relation_fault_separate,  ///< `RelationFaultSeparate`: pod label `fault-type: Separate`
  sub_health_fault,         ///< `SubHealthFault`: sub-healthy and the strategy is not `ignore`
};
[[nodiscard]] std::string_view to_string(fault_type t) noexcept;
[[nodiscard]] std::optional<fault_type> parse_fault_type(std::string_view s) noexcept;

/// How a round's deletions were issued, as the state remembers it. JSON:
/// `""` (none: no action yet), `grace`, `force`, `annotate`.
enum class deletion_mode : std::uint8_t { none, grace, force, annotate };
[[nodiscard]] std::string_view to_string(deletion_mode m) noexcept;
[[nodiscard]] std::optional<deletion_mode> parse_deletion_mode(std::string_view s) noexcept;

/// How far a round reaches. JSON: the integer level 0, 1, 2 (the enum's
/// value); `to_string` gives `pods`, `blocks`, `job` for messages.
enum class rescheduling_scope : std::uint8_t {
  pods,    ///< the fault pods
  blocks,  ///< the pods of the fault pods' logical super-nodes
  job,     ///< the whole job
};
[[nodiscard]] std::string_view to_string(rescheduling_scope s) noexcept;
[[nodiscard]] std::optional<rescheduling_scope> parse_rescheduling_scope(std::int64_t level) noexcept;

/// What the state remembers of one pod of a fault job.
struct fault_task_record {
  std::string pod;
  std::string uid;
  std::string node;
  std::int64_t created = 0;
  std::optional<fault_type> fault;   ///< set for fault pods
  bool deleted = false;              ///< a delete (or annotate) action was issued for it
  std::optional<int> rank;
  friend bool operator==(const fault_task_record&, const fault_task_record&) = default;
};

/// A job being rescheduled (the reference's FaultJob cache entry).
struct fault_job_record {
  std::string job;
  std::string owner_uid;
  std::int64_t fault_time = 0;       ///< when the record was made or last re-armed
  std::int64_t deletion_done = 0;    ///< when every deleted pod was seen gone (0 = not yet)
  deletion_mode delete_mode = deletion_mode::none;
  bool delete_executed = false;      ///< the current round's actions were issued
  rescheduling_scope scope = rescheduling_scope::pods;
  std::vector<fault_task_record> tasks;  ///< by pod name
  friend bool operator==(const fault_job_record&, const fault_job_record&) = default;
};

/// A business-plane retry budget, keyed by job and owner UID.
struct retry_budget {
  std::string owner_uid;
  int remaining = 0;
  friend bool operator==(const retry_budget&, const retry_budget&) = default;
};

/// Everything that survives between calls. A plain value: it round-trips
/// through JSON (`k8s::encode_fault_state` / `decode_fault_state`) so a
/// caller can keep it in a ConfigMap.
struct fault_state {
  std::vector<fault_job_record> jobs;            ///< by job name
  std::map<std::string, retry_budget> retries;   ///< by job name
  std::map<std::string, std::int64_t> link_down; ///< node → time of the relation-fault restart on it
  friend bool operator==(const fault_state&, const fault_state&) = default;
};

/// Checks a state's own consistency (names unique and non-empty, counts not
/// negative, enum fields in range). Error paths: `jobs[1].tasks[0].pod`,
/// `retries["ns/j"].remaining`.
[[nodiscard]] std::optional<error> validate_fault_state(const fault_state& s);

/// Why no new pod may use a node; `to_string` gives the report's word.
enum class node_unusable_reason : std::uint8_t {
  node_unhealthy,  ///< `NodeUnhealthy`
  not_ready,       ///< `NotReady`
  pre_separate,    ///< `PreSeparate`
  sub_healthy,     ///< `SubHealthy` (refused to jobs whose strategy ≠ ignore only)
  missing,         ///< `Missing`: pods run there, the cluster has no such node
  unknown,         ///< `Unknown`: left out of the cluster for broken data
};
[[nodiscard]] std::string_view to_string(node_unusable_reason r) noexcept;
[[nodiscard]] std::optional<node_unusable_reason> parse_node_unusable_reason(std::string_view s) noexcept;

/// Why chips are withheld from new pods; `to_string` gives the report's word.
/// The enum order is the report's order of a node's entries.
enum class chip_unusable_reason : std::uint8_t {
  unhealthy,          ///< `Unhealthy`
  recovering,         ///< `Recovering`
  network_unhealthy,  ///< `NetworkUnhealthy` (withheld from distributed jobs)
  link_down,          ///< `LinkDown` (withheld from distributed jobs)
  sub_health_fault,   ///< `SubHealthFault`
};
[[nodiscard]] std::string_view to_string(chip_unusable_reason r) noexcept;
[[nodiscard]] std::optional<chip_unusable_reason> parse_chip_unusable_reason(std::string_view s) noexcept;

/// A node no new pod may use.
struct unusable_node {
  std::string node;
  node_unusable_reason reason = node_unusable_reason::node_unhealthy;
  friend bool operator==(const unusable_node&, const unusable_node&) = default;
};

/// Chips of a node withheld from new pods.
struct unusable_chips {
  std::string node;
  chip_mask chips = 0;
  chip_unusable_reason reason = chip_unusable_reason::unhealthy;
  friend bool operator==(const unusable_chips&, const unusable_chips&) = default;
};

/// A job with fault pods this call.
struct fault_job_report {
  std::string job;
  std::vector<fault_type> types;   ///< distinct, in `fault_type` order
  std::vector<std::string> pods;   ///< fault pods, by name
  std::string note;                ///< why no action is taken, when none is
  /// When actions are taken: which of the job's labels and annotations chose
  /// the deletion mode and scope, in words (`fault-scheduling=force: …`).
  std::string policy;
  friend bool operator==(const fault_job_report&, const fault_job_report&) = default;
};

/// What to do to a pod. JSON: `delete`, `annotate`.
enum class pod_action : std::uint8_t {
  delete_pod,  ///< delete it
  annotate,    ///< annotate it `huawei.com/pod-status: Unhealthy-<type>`; an external platform deletes
};
[[nodiscard]] std::string_view to_string(pod_action a) noexcept;
[[nodiscard]] std::optional<pod_action> parse_pod_action(std::string_view s) noexcept;

/// How urgently. JSON: `grace`, `force`.
enum class grace_mode : std::uint8_t {
  grace,  ///< with the pod's own grace period
  force,  ///< grace period 0
};
[[nodiscard]] std::string_view to_string(grace_mode m) noexcept;
[[nodiscard]] std::optional<grace_mode> parse_grace_mode(std::string_view s) noexcept;

/// One thing for the caller to do to a pod.
struct fault_action {
  std::string pod;
  pod_action action = pod_action::delete_pod;
  grace_mode mode = grace_mode::grace;
  std::string reason;  ///< e.g. `CardUnhealthy`, `grace-over-time exceeded`, `same job (master rank faulted)`
  friend bool operator==(const fault_action&, const fault_action&) = default;
};

/// The answer of one call.
struct fault_report {
  std::vector<unusable_node> unusable_nodes;     ///< by node name
  std::vector<unusable_chips> unusable_chips_;   ///< by node name, then reason
  std::vector<fault_job_report> fault_jobs;      ///< by job name
  std::vector<fault_action> actions;             ///< by job name, then pod name
  fault_state next;                              ///< pass it to the next call
};

/// The decision. Deterministic in its arguments. Unlike the reference,
/// nothing is frozen: every call re-classifies every running job, so a second
/// fault on a job already being rescheduled is seen at once, and the retry
/// budget is whatever the caller passes in `previous`. (The reference freezes
/// a job's fault pods and its `fault-scheduling`, `fault-retry-times`,
/// `subHealthyStrategy` and pod-level limit when the job enters its cache; it
/// re-reads only `pod-rescheduling`, `process-recover-enable` and
/// min-available every session, and the frozen fault set grows only by
/// `Failed` pods after a completed round of a `pod-rescheduling: on` or
/// `process-recover-enable: on` job — a rule npusched keeps.)
/// Pods on a node that is not Ready or gone, and pods in phase `Failed`, are
/// deleted `force` at once whatever the job's mode.
/// `unknown_nodes` are nodes whose state cannot be trusted (left out of the
/// cluster for broken MindCluster data): pods running there are not judged
/// faulty on that account — only a node that is gone is — and the nodes are
/// reported `Unknown`.
[[nodiscard]] fault_report decide_faults(const cluster& c, const std::vector<fault_job>& jobs,
                                         const fault_state& previous, std::int64_t now,
                                         const fault_options& opt = {},
                                         const std::vector<std::string>& unknown_nodes = {});

/// Nodes a job's replacements should avoid (its previous fault nodes, −64 in
/// the node score), from the state: job name → node names.
[[nodiscard]] std::map<std::string, std::vector<std::string>> previous_fault_nodes(const fault_state& s);

}  // namespace npusched
